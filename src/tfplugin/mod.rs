//! The protocol layer: everything Terraform-specific and nothing Azure-specific.

pub mod cty;
pub mod diagnostics;
pub mod object;
pub mod plan;
pub mod proto;
pub mod schema;
pub mod service;
pub mod timeouts;
pub mod traits;
pub mod wire;
