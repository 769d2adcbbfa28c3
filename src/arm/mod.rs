//! The ARM client: credentials, one request pipeline (auth, retry, throttling, logging with
//! redaction), long-running-operation polling, typed resource IDs and the ARM error type.
//!
//! It knows nothing of Terraform; it is the only module that speaks HTTP. Resources use
//! [`ArmClient`] and the typed IDs in [`ids`].

pub mod api_versions;
pub mod client;
pub mod cloud;
pub mod coordination;
pub mod credentials;
pub mod deadline;
pub mod error;
pub mod http;
pub mod ids;
pub(crate) mod lro;
pub mod models;
pub mod network_acls;
pub mod outbound_rules;
pub mod pacing;
pub mod pipeline;
pub mod shared_get;
pub mod shared_reads;
#[cfg(test)]
mod tests;

pub use client::{ArmClient, ClientOptions, Response, Wait, WaitError, WriteOptions};
pub use cloud::Cloud;
pub use coordination::{Coordinator, Edited, ExpectedEdits, KeyedLocks, WorkspaceStore};
pub use credentials::{AuthMethod, CredentialOptions};
pub use deadline::Deadline;
pub use error::{ArmError, ErrorDetail, ErrorKind};
pub use outbound_rules::OutboundRules;
pub use pipeline::RetryPolicy;
