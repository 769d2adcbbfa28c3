//! The handler-level response type. Handlers return a [`Reply`] (status, extra headers,
//! optional JSON body); the dispatcher turns it into an HTTP response and adds the headers
//! every ARM response carries (request ids, rate-limit budget).

use crate::errors::ArmError;
use axum::http::StatusCode;
use serde_json::Value;

/// A handler's answer before the common ARM headers are added.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// Extra headers (name, value).
    pub headers: Vec<(String, String)>,
    /// JSON body, if any.
    pub body: Option<Value>,
    /// Plain-text body used instead of JSON when set (admin endpoints).
    pub text: Option<String>,
    /// When true, the connection is closed without writing any response (fault injection).
    pub drop_connection: bool,
}

impl Reply {
    /// A reply with a JSON body.
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            headers: Vec::new(),
            body: Some(body),
            text: None,
            drop_connection: false,
        }
    }

    /// A reply without a body.
    pub fn empty(status: u16) -> Self {
        Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            headers: Vec::new(),
            body: None,
            text: None,
            drop_connection: false,
        }
    }

    /// A reply that makes the server close the connection without a response.
    pub fn dropped() -> Self {
        let mut r = Reply::empty(500);
        r.drop_connection = true;
        r
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Adds several headers.
    pub fn headers(mut self, hs: Vec<(String, String)>) -> Self {
        self.headers.extend(hs);
        self
    }
}

impl From<ArmError> for Reply {
    fn from(e: ArmError) -> Self {
        let mut r = Reply::json(e.status.as_u16(), e.body());
        r.headers.extend(e.extra.headers);
        r
    }
}
