//! The protocol layer: everything Terraform-specific and nothing Azure-specific.
pub mod cty;
