//! The protocol layer: everything Terraform-specific and nothing Azure-specific.

pub mod cty;
pub mod diagnostics;
pub mod docs;
pub mod logging;
pub mod logic;
pub mod model;
pub mod object;
pub mod plan;
pub mod proto;
pub mod schema;
pub mod serve;
pub mod service;
pub mod timeouts;
pub mod tls;
pub mod traits;
pub mod typed;
pub mod wire;
