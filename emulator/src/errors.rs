//! ARM error envelope. Every failure the emulator reports to an ARM client goes through
//! [`ArmError`] so that the body always has the `{"error":{"code","message",...}}` shape that
//! Azure SDKs and the Terraform provider parse.

use axum::http::StatusCode;
use serde_json::{json, Value};

/// An ARM error: HTTP status plus the common-types `ErrorResponse` body.
#[derive(Debug, Clone)]
pub struct ArmError {
    /// HTTP status code of the response.
    pub status: StatusCode,
    /// PascalCase ARM error code, e.g. `ResourceNotFound`.
    pub code: String,
    /// Human readable message.
    pub message: String,
    /// Less common parts, boxed to keep `Result<_, ArmError>` small.
    pub extra: Box<ErrorExtra>,
}

/// Optional parts of an [`ArmError`].
#[derive(Debug, Clone, Default)]
pub struct ErrorExtra {
    /// Optional `target` (usually the offending property).
    pub target: Option<String>,
    /// Optional nested `details`.
    pub details: Vec<Value>,
    /// Extra response headers (e.g. `WWW-Authenticate`, `Retry-After`).
    pub headers: Vec<(String, String)>,
}

impl ArmError {
    /// Builds an error with a status, a code and a message.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ArmError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: code.to_string(),
            message: message.into(),
            extra: Box::default(),
        }
    }

    /// 400 with the given code.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    /// 400 `InvalidRequestContent` for a body that cannot be parsed or has the wrong shape.
    pub fn invalid_content(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequestContent", message)
    }

    /// 404 `ResourceNotFound` in ARM's wording.
    pub fn resource_not_found(type_and_name: &str, rg: &str) -> Self {
        Self::new(
            404,
            "ResourceNotFound",
            format!(
                "The Resource '{type_and_name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        )
    }

    /// 409 `AnotherOperationInProgress`, naming the blocking operation's status URL.
    pub fn another_operation(resource: &str, status_url: &str) -> Self {
        Self::new(
            409,
            "AnotherOperationInProgress",
            format!(
                "Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: {status_url}. Resource: '{resource}'."
            ),
        )
    }

    /// 412 `PreconditionFailed`.
    pub fn precondition(message: impl Into<String>) -> Self {
        Self::new(412, "PreconditionFailed", message)
    }

    /// Sets the `target` field.
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.extra.target = Some(target.into());
        self
    }

    /// Adds a nested detail entry.
    pub fn with_detail(mut self, code: &str, message: impl Into<String>) -> Self {
        self.extra
            .details
            .push(json!({"code": code, "message": message.into()}));
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.extra.headers.push((name.to_string(), value.into()));
        self
    }

    /// The JSON body of this error.
    pub fn body(&self) -> Value {
        let mut e = json!({"code": self.code, "message": self.message});
        if let Some(t) = &self.extra.target {
            e["target"] = json!(t);
        }
        if !self.extra.details.is_empty() {
            e["details"] = Value::Array(self.extra.details.clone());
        }
        json!({ "error": e })
    }
}

/// Result type of every ARM handler.
pub type ArmResult<T> = Result<T, ArmError>;
