//! [`Deadline`]: the moment an operation must be finished by.

use std::time::{Duration, Instant};

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
