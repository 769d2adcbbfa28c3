//! terraform-provider-aml: a Terraform provider that secures Azure Machine Learning workspaces on
//! the network. See `ARCHITECTURE.md` for the codemap.

pub mod arm;
pub mod tfplugin;
