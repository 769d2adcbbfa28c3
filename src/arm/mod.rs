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
pub mod error;
pub mod http;
pub mod ids;
pub(crate) mod lro;
pub mod network_acls;
pub mod outbound_rules;
pub mod pipeline;
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

pub use client::{ArmClient, ClientOptions, Response, Wait, WaitError, WriteOptions};
pub use cloud::Cloud;
pub use coordination::{Coordinator, Edited, KeyedLocks, WorkspaceStore};
pub use credentials::{AuthMethod, CredentialOptions};
pub use error::{ArmError, ErrorDetail, ErrorKind};
pub use pipeline::RetryPolicy;

/// The moment an operation must be finished by. Every call takes one; no retry or poll waits
/// past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deadline(pub Instant);

impl Deadline {
    /// A deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Self {
        Deadline(Instant::now() + timeout)
    }

    /// Time left, zero once passed.
    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// True once the deadline has passed.
    pub fn expired(&self) -> bool {
        self.remaining().is_zero()
    }
}

impl From<Duration> for Deadline {
    fn from(d: Duration) -> Self {
        Deadline::after(d)
    }
}
