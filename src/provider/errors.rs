//! ARM failures as the framework's errors: the ARM code and message, the known fix, and the
//! request IDs that Azure support asks for. The only place that knows both error types.

use crate::arm::{ArmError, ErrorKind};
use crate::tfplugin::traits::Error;

/// Converts an ARM error into a handler error; the caller adds what it was doing with
/// [`Error::context`].
pub fn from_arm(e: ArmError) -> Error {
    let mut detail = Vec::new();
    if let Some(hint) = e.hint() {
        detail.push(hint.to_string());
    }
    if e.kind == ErrorKind::Timeout {
        detail.push("If Azure is slow rather than stuck, raise the limit in the resource's `timeouts` block.".to_string());
    }
    let mut ids = Vec::new();
    if let Some(status) = e.status {
        ids.push(format!("HTTP {status}"));
    }
    if let Some(r) = e.request_id.as_deref() {
        ids.push(format!("x-ms-request-id {r}"));
    }
    if let Some(c) = e.correlation_id.as_deref() {
        ids.push(format!("correlation id {c}"));
    }
    if !ids.is_empty() {
        detail.push(format!("({})", ids.join(", ")));
    }
    Error::new(e.to_string()).detail(detail.join(" "))
}

impl From<ArmError> for Error {
    fn from(e: ArmError) -> Self {
        from_arm(e)
    }
}
