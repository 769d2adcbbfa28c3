//! terraform-provider-aml: a Terraform provider that secures Azure Machine Learning workspaces on
//! the network. See `ARCHITECTURE.md` for the codemap.
//!
//! - [`tfplugin`]: the protocol layer (Terraform-specific, knows nothing of Azure).
//! - [`arm`]: the Azure Resource Manager client (knows nothing of Terraform).
//! - [`provider`]: the provider block and what configuring it builds.
//! - [`plugin`]: the provider definition with the one registry of features.
//! - [`resources`], [`data_sources`], [`functions`]: one file per feature.

pub mod arm;
pub mod data_sources;
pub mod functions;
pub mod plugin;
pub mod provider;
pub mod release;
pub mod resources;
pub mod tfplugin;

/// Fuzz target bodies (`fuzz/` and `tests/fuzz_corpora.rs`); not part of the API.
#[doc(hidden)]
pub mod fuzzing;
