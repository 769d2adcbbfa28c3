//! The one error type of the ARM client.
//!
//! Every failure the client can report (an ARM error envelope, a failed long-running operation, a
//! transport failure, a deadline that ran out, a bad configuration) becomes an [`ArmError`] that
//! keeps what ARM said (code, message, target, nested details) and how to trace it (HTTP status,
//! `x-ms-request-id`, `x-ms-correlation-request-id`). The protocol layer turns it into a
//! diagnostic; resources add the "creating X" context. Nothing here knows about Terraform.

use std::fmt;

use serde_json::Value;

/// What kind of failure an [`ArmError`] is; resources branch on this, never on strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 404: the resource (or its parent, resource group or subscription) does not exist.
    NotFound,
    /// 409: a conflicting resource, a lock, or an operation that ARM refused because of state.
    Conflict,
    /// 429: throttled, and the deadline did not leave room to wait for another attempt.
    Throttled,
    /// 401/403 or a credential that could not produce a token.
    Auth,
    /// 400 and other 4xx answers: the request itself was wrong.
    BadRequest,
    /// 412: an `If-Match`/`If-None-Match` precondition did not hold.
    PreconditionFailed,
    /// 5xx or a transient ARM code that was still failing when retries stopped.
    Transient,
    /// The caller's deadline passed; `last` holds the error seen before giving up, if any.
    Timeout,
    /// The request did not get an HTTP answer (DNS, TCP, TLS, reading the body).
    Transport,
    /// A long-running operation ended in `Failed` or `Canceled`.
    LroFailed,
    /// The client was configured wrongly (credentials, cloud, URL); no request was sent.
    Config,
}

/// One entry of the `details` array of an ARM error, nested the same way as the envelope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorDetail {
    /// ARM error code, e.g. `InvalidParameter`.
    pub code: String,
    /// Human-readable message from ARM.
    pub message: String,
    /// The property or resource the detail refers to, when ARM says.
    pub target: Option<String>,
    /// Nested details.
    pub details: Vec<ErrorDetail>,
}

/// An error from the ARM client, with everything ARM told us about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArmError {
    /// The category resources branch on.
    pub kind: ErrorKind,
    /// ARM error code (`error.code`), when there was an envelope.
    pub code: Option<Box<str>>,
    /// One-line human message.
    pub message: String,
    /// `error.target`, when present.
    pub target: Option<Box<str>>,
    /// `error.details`, recursively.
    pub details: Box<[ErrorDetail]>,
    /// HTTP status of the failing response, when there was one.
    pub status: Option<u16>,
    /// `x-ms-request-id` of the failing response.
    pub request_id: Option<Box<str>>,
    /// `x-ms-correlation-request-id` of the failing response (or the one we sent).
    pub correlation_id: Option<Box<str>>,
    /// For [`ErrorKind::Timeout`]: the last error seen before the deadline ran out.
    pub last: Option<Box<ArmError>>,
}

impl ArmError {
    /// A bare error of `kind` with a message and nothing from ARM.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ArmError {
            kind,
            code: None,
            message: message.into(),
            target: None,
            details: Box::default(),
            status: None,
            request_id: None,
            correlation_id: None,
            last: None,
        }
    }

    /// A configuration error (bad credentials options, bad cloud, bad URL).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// A transport error (no HTTP answer).
    pub fn transport(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Transport, message)
    }

    /// The deadline passed while waiting for `what`; keeps the last error seen.
    pub fn timeout(what: &str, last: Option<ArmError>) -> Self {
        let mut e = Self::new(
            ErrorKind::Timeout,
            format!("deadline exceeded while {what}"),
        );
        if let Some(last) = last {
            e.request_id = last.request_id.clone();
            e.correlation_id = last.correlation_id.clone();
            e.last = Some(Box::new(last));
        }
        e
    }

    /// Builds the error for a non-success HTTP response from its status, headers and body.
    ///
    /// The body may be the ARM envelope `{"error":{...}}`, a bare `{code,message}` object, an
    /// OAuth error (`{"error":"invalid_client","error_description":...}`) or anything else.
    pub fn from_response(
        status: u16,
        request_id: Option<String>,
        correlation_id: Option<String>,
        body: &[u8],
    ) -> Self {
        let kind = kind_for_status(status);
        let mut e = Self::new(kind, format!("HTTP {status}"));
        e.status = Some(status);
        e.request_id = request_id.map(Into::into);
        e.correlation_id = correlation_id.map(Into::into);
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => {
                let inner = match v.get("error") {
                    Some(inner @ Value::Object(_)) => Some(inner),
                    _ if v.get("code").is_some() => Some(&v),
                    _ => None,
                };
                if let Some(inner) = inner {
                    let d = parse_detail(inner);
                    e.code = Some(d.code).filter(|c| !c.is_empty()).map(Into::into);
                    if !d.message.is_empty() {
                        e.message = d.message;
                    }
                    e.target = d.target.map(Into::into);
                    e.details = d.details.into();
                } else if let Some(Value::String(code)) = v.get("error") {
                    // OAuth 2 error from a token endpoint.
                    e.code = Some(code.as_str().into());
                    if let Some(Value::String(desc)) = v.get("error_description") {
                        e.message = first_line(desc).to_string();
                    }
                }
            }
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text = first_line(text.trim());
                if !text.is_empty() {
                    e.message = format!("HTTP {status}: {}", truncate(text, 300));
                }
            }
        }
        e
    }

    /// Builds the error for a long-running operation that ended `Failed` or `Canceled`, from the
    /// `error` object of the status document (or of the resource body).
    pub fn lro_failed(status: &str, error: Option<&Value>) -> Self {
        let mut e = Self::new(
            ErrorKind::LroFailed,
            format!("the operation ended with status {status}"),
        );
        if let Some(err) = error.filter(|v| v.is_object()) {
            let d = parse_detail(err);
            e.code = Some(d.code).filter(|c| !c.is_empty()).map(Into::into);
            if !d.message.is_empty() {
                e.message = format!("the operation ended with status {status}: {}", d.message);
            }
            e.target = d.target.map(Into::into);
            e.details = d.details.into();
        }
        e
    }

    /// True for [`ErrorKind::NotFound`].
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// The ARM error code, or the code of the last error for a timeout.
    pub fn arm_code(&self) -> Option<&str> {
        self.code
            .as_deref()
            .or_else(|| self.last.as_ref().and_then(|l| l.arm_code()))
    }

    /// A known fix for this error, for the diagnostic's detail. `None` when we know no better than
    /// ARM's message.
    pub fn hint(&self) -> Option<&'static str> {
        let code = self.arm_code().unwrap_or("");
        let all_codes = std::iter::once(code).chain(detail_codes(&self.details));
        for c in all_codes {
            if let Some(h) = hint_for_code(c) {
                return Some(h);
            }
        }
        match self.kind {
            ErrorKind::Timeout => Some(
                "the operation did not finish within the resource's timeout; raise the timeouts \
                 block of the resource or check the resource's state in the portal",
            ),
            ErrorKind::Auth if self.status == Some(401) => Some(
                "the access token was refused; check ARM_TENANT_ID and that the environment or \
                 metadata_host matches the cloud the credentials belong to",
            ),
            _ => None,
        }
    }
}

fn hint_for_code(code: &str) -> Option<&'static str> {
    let lower = code.to_ascii_lowercase();
    Some(match lower.as_str() {
        "authorizationfailed" => {
            "the identity lacks an RBAC permission on this scope; grant it a role that includes \
             the action named in the message (e.g. Contributor, or Azure AI Enterprise Network \
             Connection Approver / Network Contributor for private endpoints)"
        }
        "linkedauthorizationfailed" => {
            "the identity also needs permission on the linked resource named in the message \
             (e.g. Network Contributor on the subnet's virtual network, or join permission \
             Microsoft.Network/virtualNetworks/subnets/join/action)"
        }
        "invalidauthenticationtoken" | "invalidauthenticationtokentenant" => {
            "the token was issued for another tenant or cloud; check ARM_TENANT_ID and the \
             provider's environment / metadata_host"
        }
        "expiredauthenticationtoken" => "the access token expired; re-run to get a fresh one",
        "authenticationfailed" => {
            "authentication failed; check the credentials (ARM_CLIENT_ID, ARM_TENANT_ID and the \
             secret, certificate or OIDC token)"
        }
        "subscriptionnotfound" => {
            "the subscription does not exist in this tenant or cloud; check ARM_SUBSCRIPTION_ID, \
             ARM_TENANT_ID and environment"
        }
        "resourcegroupnotfound" => "create the resource group first, or fix its name in the ID",
        "parentresourcenotfound" => "the parent resource does not exist; create it first",
        "privateendpointcannotbecreatedinsubnetthathasnetworkpoliciesenabled" => {
            "set private endpoint network policies on the subnet (azurerm: \
             private_endpoint_network_policies = \"Disabled\" or \"NetworkSecurityGroupEnabled\")"
        }
        "privateendpointnetworkpoliciescannotbeenabledonprivateendpointsubnet" => {
            "keep private endpoint network policies Disabled on a subnet that holds private \
             endpoints, or use NetworkSecurityGroupEnabled / RouteTableEnabled"
        }
        "scopelocked" => "a resource lock blocks this change; remove the lock or the change",
        "preconditionfailed" => "the resource changed since it was read; refresh and apply again",
        "missingsubscriptionregistration" | "noregisteredproviderfound" => {
            "register the resource provider named in the message on the subscription \
             (az provider register --namespace ...)"
        }
        "locationnotavailableforresourcetype" => {
            "this resource type is not available in that location (private DNS zones and links \
             use location \"global\")"
        }
        "invalidapiversionparameter" => {
            "this cloud does not offer the api-version the provider uses for this resource type"
        }
        _ => return None,
    })
}

fn detail_codes(details: &[ErrorDetail]) -> Vec<&str> {
    let mut out = Vec::new();
    for d in details {
        out.push(d.code.as_str());
        out.extend(detail_codes(&d.details));
    }
    out
}

/// The kind for a non-success HTTP status.
pub(crate) fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        401 | 403 => ErrorKind::Auth,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        412 => ErrorKind::PreconditionFailed,
        429 => ErrorKind::Throttled,
        408 | 500..=599 => ErrorKind::Transient,
        _ => ErrorKind::BadRequest,
    }
}

fn parse_detail(v: &Value) -> ErrorDetail {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    ErrorDetail {
        code: s("code").unwrap_or_default(),
        message: s("message").unwrap_or_default(),
        target: s("target").filter(|t| !t.is_empty()),
        details: v
            .get("details")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|d| d.is_object())
                    .map(parse_detail)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl fmt::Display for ArmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = &self.code {
            write!(f, "{code}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(t) = &self.target {
            write!(f, " (target: {t})")?;
        }
        if let Some(status) = self.status {
            if !self.message.starts_with("HTTP ") {
                write!(f, " (HTTP {status})")?;
            }
        }
        if let Some(last) = &self.last {
            write!(f, "; last error: {last}")?;
        }
        if self.last.is_none() {
            match (&self.request_id, &self.correlation_id) {
                (Some(r), Some(c)) => write!(f, " [request id {r}, correlation id {c}]")?,
                (Some(r), None) => write!(f, " [request id {r}]")?,
                (None, Some(c)) => write!(f, " [correlation id {c}]")?,
                (None, None) => {}
            }
        }
        write_details(f, &self.details, 1)
    }
}

fn write_details(f: &mut fmt::Formatter<'_>, details: &[ErrorDetail], depth: usize) -> fmt::Result {
    for d in details {
        write!(f, "\n{}- {}: {}", "  ".repeat(depth), d.code, d.message)?;
        if let Some(t) = &d.target {
            write!(f, " (target: {t})")?;
        }
        write_details(f, &d.details, depth + 1)?;
    }
    Ok(())
}

impl std::error::Error for ArmError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, body: &str, kind: ErrorKind, code: Option<&str>, message: &str) {
        let e = ArmError::from_response(
            status,
            Some("rid".into()),
            Some("cid".into()),
            body.as_bytes(),
        );
        assert_eq!(e.kind, kind, "{body}");
        assert_eq!(e.code.as_deref(), code, "{body}");
        assert_eq!(e.message, message, "{body}");
        assert_eq!(e.request_id.as_deref(), Some("rid"));
    }

    #[test]
    fn parses_envelopes() {
        check(
            404,
            r#"{"error":{"code":"ResourceNotFound","message":"gone"}}"#,
            ErrorKind::NotFound,
            Some("ResourceNotFound"),
            "gone",
        );
        check(
            409,
            r#"{"code":"AnotherOperationInProgress","message":"busy"}"#,
            ErrorKind::Conflict,
            Some("AnotherOperationInProgress"),
            "busy",
        );
        check(
            400,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.\nTrace ID: x"}"#,
            ErrorKind::BadRequest,
            Some("invalid_client"),
            "AADSTS7000215: Invalid client secret.",
        );
        check(
            502,
            "<html>bad gateway</html>",
            ErrorKind::Transient,
            None,
            "HTTP 502: <html>bad gateway</html>",
        );
        check(503, "", ErrorKind::Transient, None, "HTTP 503");
        check(
            412,
            r#"{"error":{"code":"PreconditionFailed","message":"etag"}}"#,
            ErrorKind::PreconditionFailed,
            Some("PreconditionFailed"),
            "etag",
        );
        check(
            429,
            r#"{"error":{"code":"SubscriptionRequestsThrottled","message":"slow down"}}"#,
            ErrorKind::Throttled,
            Some("SubscriptionRequestsThrottled"),
            "slow down",
        );
        check(
            403,
            r#"{"error":{"code":"AuthorizationFailed","message":"no"}}"#,
            ErrorKind::Auth,
            Some("AuthorizationFailed"),
            "no",
        );
    }

    #[test]
    fn keeps_nested_details_and_displays_them() {
        let body = r#"{"error":{"code":"InvalidRequestContent","message":"bad","target":"properties",
            "details":[{"code":"A","message":"first","details":[{"code":"B","message":"inner","target":"x"}]}]}}"#;
        let e = ArmError::from_response(400, Some("r1".into()), Some("c1".into()), body.as_bytes());
        assert_eq!(e.details.len(), 1);
        assert_eq!(e.details[0].details[0].code, "B");
        assert_eq!(
            e.to_string(),
            "InvalidRequestContent: bad (target: properties) (HTTP 400) [request id r1, correlation id c1]\n  - A: first\n    - B: inner (target: x)"
        );
    }

    #[test]
    fn hints() {
        let cases = [
            (
                r#"{"error":{"code":"AuthorizationFailed","message":"m"}}"#,
                403,
                Some("RBAC"),
            ),
            (
                r#"{"error":{"code":"InvalidAuthenticationToken","message":"m"}}"#,
                401,
                Some("ARM_TENANT_ID"),
            ),
            (
                r#"{"error":{"code":"X","message":"m","details":[{"code":"PrivateEndpointCannotBeCreatedInSubnetThatHasNetworkPoliciesEnabled","message":"m"}]}}"#,
                400,
                Some("private_endpoint_network_policies"),
            ),
            (r#"{"error":{"code":"Whatever","message":"m"}}"#, 400, None),
        ];
        for (body, status, want) in cases {
            let e = ArmError::from_response(status, None, None, body.as_bytes());
            match (e.hint(), want) {
                (Some(h), Some(w)) => assert!(h.contains(w), "{body}: {h}"),
                (None, None) => {}
                (h, w) => panic!("{body}: got {h:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn timeout_keeps_last_error() {
        let last = ArmError::from_response(
            429,
            Some("r9".into()),
            None,
            br#"{"error":{"code":"TooManyRequests","message":"later"}}"#,
        );
        let e = ArmError::timeout("waiting to retry PUT", Some(last));
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert_eq!(e.arm_code(), Some("TooManyRequests"));
        assert_eq!(e.request_id.as_deref(), Some("r9"));
        assert!(e.to_string().contains("last error: TooManyRequests: later"));
    }

    #[test]
    fn lro_failure_from_status_document() {
        let err = serde_json::json!({"code":"Conflict","message":"subnet busy"});
        let e = ArmError::lro_failed("Failed", Some(&err));
        assert_eq!(e.kind, ErrorKind::LroFailed);
        assert_eq!(e.code.as_deref(), Some("Conflict"));
        assert_eq!(
            e.message,
            "the operation ended with status Failed: subnet busy"
        );
    }
}
