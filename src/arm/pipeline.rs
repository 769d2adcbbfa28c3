//! The one request pipeline every ARM call goes through.
//!
//! Per call: a bearer token from a cache (refreshed five minutes before expiry, so there is no
//! token request per call), the correlation header, then the send loop: retry on 408/429/5xx (not
//! 501/505), on transient ARM codes inside 4xx bodies (`RetryableError`, a subnet still
//! `Updating` and the like, which private endpoint creation often meets), and on connection
//! errors for idempotent verbs; wait for Retry-After (`retry-after` seconds or HTTP date,
//! `x-ms-retry-after-ms`, `retry-after-ms`) or an exponential backoff with jitter; never past the
//! caller's deadline. The same loop ([`send_with_retries`]) serves the cloud metadata fetch, and
//! token requests retry with the same policy. Logging is by allow-list, so that no secret reaches
//! a log: at DEBUG one line per attempt (method, URL path with only the api-version of its query,
//! status, request and correlation ids, elapsed ms) and per retry (attempt, wait, reason); at
//! TRACE a few named headers; never a token, secret, other query value or body.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use azure_core::credentials::TokenCredential;
use rand::Rng;
use tokio::sync::Mutex;
use url::Url;

use super::deadline::Deadline;
use super::error::{ArmError, ErrorKind};
use super::http::{HttpRequest, HttpResponse, Method, Transport, TransportError};

/// Tunables of retries and polling. The defaults suit real ARM; tests shrink them.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// First backoff between attempts (before jitter).
    pub initial_backoff: Duration,
    /// Upper bound of one backoff.
    pub max_backoff: Duration,
    /// Upper bound of a server-requested wait (Retry-After); longer values are shortened to this.
    pub max_retry_after: Duration,
    /// Attempts per request, the first included; the deadline usually stops us first.
    pub max_attempts: u32,
    /// First wait between LRO polls when the server gives no Retry-After.
    pub poll_initial: Duration,
    /// Upper bound of the wait between LRO polls without Retry-After.
    pub poll_max: Duration,
    /// How many 404s right after a create count as "not visible yet" rather than gone.
    pub not_found_polls: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            max_attempts: 12,
            poll_initial: Duration::from_millis(500),
            poll_max: Duration::from_secs(5),
            not_found_polls: 5,
        }
    }
}

impl RetryPolicy {
    /// Backoff before attempt `attempt + 1` (attempt counts from 1): exponential, capped, with
    /// "equal jitter" so the wait is between half and all of the exponential value.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max_backoff);
        let half = cap / 2;
        let jitter = rand::rng().random_range(0..=half.as_millis() as u64);
        half + Duration::from_millis(jitter)
    }

    /// Wait before poll number `poll + 1` when no Retry-After was given: grows by half each time.
    pub fn poll_interval(&self, poll: u32) -> Duration {
        let mut d = self.poll_initial;
        for _ in 1..poll.min(32) {
            d = d.mul_f64(1.5);
            if d >= self.poll_max {
                return self.poll_max;
            }
        }
        d.min(self.poll_max)
    }
}

/// ARM error codes that mean "try again", whatever the HTTP status (mostly 409 and 400).
const TRANSIENT_CODES: &[&str] = &[
    "RetryableError",
    "AnotherOperationInProgress",
    "ReferencedResourceNotProvisioned",
    "PrivateEndpointCannotBeCreatedInSubnetThatIsBeingUpdated",
    "InUseSubnetCannotBeUpdated",
    "SubnetIsBeingUpdated",
    "CanceledAndSupersededDueToAnotherOperation",
    "OperationPreempted",
    "RequestCanceledDueToAnotherOperation",
    "ResourceBusy",
    "ConcurrentOperationInProgress",
    "TooManyRequests",
    "SubscriptionRequestsThrottled",
];

/// Message fragments that mark a generic code (`Conflict`, `BadRequest`) as transient.
const TRANSIENT_MESSAGES: &[&str] = &[
    "is in updating state",
    "in updating state",
    "another operation is in progress",
    "another operation on this or dependent resource is in progress",
    "retryable error",
];

/// True when an ARM error code (and message) describes a transient condition.
pub fn is_transient_code(code: &str, message: &str) -> bool {
    if TRANSIENT_CODES.iter().any(|c| c.eq_ignore_ascii_case(code)) {
        return true;
    }
    let m = message.to_ascii_lowercase();
    TRANSIENT_MESSAGES.iter().any(|f| m.contains(f))
}

/// Whether a failed attempt should be retried.
///
/// - 408, 429 and 5xx except 501/505 are retried for every verb but POST, which is retried only
///   on 429 (the request was refused, not run) unless the caller marked it safe.
/// - 4xx with a transient ARM code is retried for every verb: ARM refused the request.
/// - A connection error is retried for idempotent verbs, or for POST marked safe. A failure to
///   connect at all is always safe to retry.
pub fn should_retry(method: Method, post_safe: bool, outcome: Outcome<'_>) -> bool {
    let replay_ok = method.is_idempotent() || post_safe;
    match outcome {
        Outcome::Connection { connect } => replay_ok || connect,
        Outcome::Status {
            status,
            code,
            message,
        } => match status {
            429 => true,
            408 | 500 | 502..=504 | 506..=599 => replay_ok,
            400..=499 => code.is_some_and(|c| is_transient_code(c, message.unwrap_or(""))),
            _ => false,
        },
    }
}

/// What an attempt produced, for [`should_retry`].
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// No HTTP answer; `connect` when the connection was never established.
    Connection {
        /// The connection was never made.
        connect: bool,
    },
    /// An HTTP error answer.
    Status {
        /// HTTP status.
        status: u16,
        /// ARM error code, if the body had one.
        code: Option<&'a str>,
        /// ARM error message, if the body had one.
        message: Option<&'a str>,
    },
}

/// The server-requested wait, from `x-ms-retry-after-ms`, `retry-after-ms` or `Retry-After`
/// (seconds or HTTP date). `None` when absent or unparseable.
pub fn retry_after(resp: &HttpResponse, now: SystemTime) -> Option<Duration> {
    for h in ["x-ms-retry-after-ms", "retry-after-ms"] {
        if let Some(ms) = resp.header(h).and_then(|v| v.trim().parse::<f64>().ok()) {
            if ms.is_finite() && ms >= 0.0 {
                return Some(Duration::from_millis(ms as u64));
            }
        }
    }
    let v = resp.header("retry-after")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Caches the ARM token of one credential until five minutes before it expires.
#[derive(Debug)]
pub(crate) struct TokenCache {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    policy: RetryPolicy,
    cached: Mutex<Option<azure_core::credentials::AccessToken>>,
}

const TOKEN_REFRESH_MARGIN: time::Duration = time::Duration::minutes(5);

impl TokenCache {
    pub(crate) fn new(
        credential: Arc<dyn TokenCredential>,
        scope: String,
        policy: RetryPolicy,
    ) -> Self {
        TokenCache {
            credential,
            scope,
            policy,
            cached: Mutex::new(None),
        }
    }

    /// A valid bearer token, fetching a new one only when the cached one is about to expire.
    /// A token request that failed transiently (408, 429, 5xx but 501/505, no answer) is retried
    /// with the ARM requests' policy (Retry-After, backoff, attempts, deadline); the credentials'
    /// own HTTP pipeline does not retry (see `credentials.rs`).
    pub(crate) async fn token(
        &self,
        deadline: Deadline,
    ) -> Result<azure_core::credentials::Secret, ArmError> {
        let mut guard = self.cached.lock().await;
        if let Some(t) = guard.as_ref() {
            if t.expires_on - TOKEN_REFRESH_MARGIN > time::OffsetDateTime::now_utc() {
                return Ok(t.token.clone());
            }
        }
        let scopes = [self.scope.as_str()];
        let mut attempt = 0u32;
        let got = loop {
            attempt += 1;
            let started = Instant::now();
            let fut = self.credential.get_token(&scopes, None);
            let e = match tokio::time::timeout(deadline.remaining(), fut).await {
                Err(_) => return Err(ArmError::timeout("getting an access token", None)),
                Ok(Ok(got)) => {
                    tracing::debug!(target: "arm", attempt, elapsed_ms = started.elapsed().as_millis() as u64, "access token obtained");
                    break got;
                }
                Ok(Err(e)) => e,
            };
            let (retry, hint) = token_error_is_transient(&e);
            let err = ArmError::new(
                ErrorKind::Auth,
                format!("getting an access token: {}", error_chain(&e)),
            );
            if !retry || attempt >= self.policy.max_attempts {
                return Err(err);
            }
            let wait = match hint {
                Some(w) => w.min(self.policy.max_retry_after),
                None => self.policy.backoff(attempt),
            };
            if wait >= deadline.remaining() {
                return Err(ArmError::timeout(
                    "waiting to retry a token request",
                    Some(err),
                ));
            }
            tracing::debug!(
                target: "arm",
                attempt,
                wait_ms = wait.as_millis() as u64,
                reason = %token_error_reason(&e),
                "retrying the token request"
            );
            tokio::time::sleep(wait).await;
        };
        let token = got.token.clone();
        *guard = Some(got);
        Ok(token)
    }
}

/// The messages of an error and its sources, joined with ": ".
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = String::new();
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// Whether a credential's failure is worth another token request, and the server's wait hint:
/// an HTTP answer the ARM policy would retry for a POST that is safe to replay (a token request
/// changes nothing), or no answer at all (I/O). Configuration errors (a missing file, a refused
/// secret: 400/401) are not.
fn token_error_is_transient(e: &azure_core::Error) -> (bool, Option<Duration>) {
    use azure_core::error::ErrorKind as K;
    // azure_identity wraps the HTTP error in a `Credential` one: look at the wrapped errors too.
    let mut current = e;
    while matches!(current.kind(), K::Credential) {
        match std::error::Error::source(current).and_then(|s| s.downcast_ref::<azure_core::Error>())
        {
            Some(inner) => current = inner,
            None => break,
        }
    }
    let e = current;
    match e.kind() {
        K::HttpResponse {
            status,
            raw_response,
            ..
        } => {
            let status = u16::from(*status);
            let outcome = Outcome::Status {
                status,
                code: None,
                message: None,
            };
            let hint = raw_response.as_ref().and_then(|r| {
                let resp = HttpResponse {
                    status,
                    headers: r
                        .headers()
                        .iter()
                        .map(|(k, v)| (k.as_str().to_string(), v.as_str().to_string()))
                        .collect(),
                    body: Vec::new(),
                };
                retry_after(&resp, SystemTime::now())
            });
            (should_retry(Method::Post, true, outcome), hint)
        }
        K::Io => (true, None),
        _ => (false, None),
    }
}

/// A short reason for a token retry's log line: the HTTP status or the error kind, never the
/// error text (which may quote a request).
fn token_error_reason(e: &azure_core::Error) -> String {
    let mut current = e;
    while current.http_status().is_none() {
        match std::error::Error::source(current).and_then(|s| s.downcast_ref::<azure_core::Error>())
        {
            Some(inner) => current = inner,
            None => break,
        }
    }
    let e = current;
    match e.http_status() {
        Some(s) => format!("HTTP {}", u16::from(s)),
        None => format!("{:?}", e.kind()),
    }
}

/// One request for [`Pipeline::send`].
#[derive(Clone, Debug)]
pub(crate) struct ArmRequest {
    pub method: Method,
    pub url: Url,
    pub body: Option<Vec<u8>>,
    pub headers: Vec<(String, String)>,
    /// For POST: the caller says replaying it is harmless.
    pub post_safe: bool,
    /// A poll of an operation's `Location` URL: an error answer with an ARM error code there is
    /// the operation's outcome (see [`is_operation_outcome`]), returned at once, not retried.
    pub operation_result: bool,
}

impl ArmRequest {
    pub(crate) fn new(method: Method, url: Url) -> Self {
        ArmRequest {
            method,
            url,
            body: None,
            headers: Vec::new(),
            post_safe: false,
            operation_result: false,
        }
    }
}

/// Headers that may appear in logs; everything else is left out.
const LOGGED_HEADERS: &[&str] = &[
    "x-ms-request-id",
    "x-ms-correlation-request-id",
    "x-ms-routing-request-id",
    "retry-after",
    "x-ms-retry-after-ms",
    "retry-after-ms",
    "x-ms-ratelimit-remaining-subscription-reads",
    "x-ms-ratelimit-remaining-subscription-writes",
    "x-ms-ratelimit-remaining-subscription-deletes",
    "x-ms-ratelimit-remaining-tenant-reads",
    "x-ms-ratelimit-remaining-tenant-writes",
    "content-type",
    "etag",
];

/// The URL as logged: scheme, host, path and the api-version, nothing else of the query.
pub(crate) fn loggable_url(url: &Url) -> String {
    let mut s = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(p) = url.port() {
        s.push_str(&format!(":{p}"));
    }
    s.push_str(url.path());
    if let Some((_, v)) = url.query_pairs().find(|(k, _)| k == "api-version") {
        s.push_str("?api-version=");
        s.push_str(&v);
    }
    s
}

/// Request headers that may appear in TRACE logs (never `authorization`).
const LOGGED_REQUEST_HEADERS: &[&str] = &[
    "x-ms-correlation-request-id",
    "x-ms-client-request-id",
    "accept",
    "content-type",
    "user-agent",
    "if-match",
    "if-none-match",
];

/// The allow-listed headers of `headers`, as `name=value` pairs.
fn loggable_headers(headers: &[(String, String)], allowed: &[&str]) -> String {
    headers
        .iter()
        .filter(|(k, _)| allowed.iter().any(|h| h.eq_ignore_ascii_case(k)))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// On the `Location` URL of a finished operation ARM answers with the operation's own result:
/// an error status with the ARM error envelope when the operation failed. Such an answer is the
/// outcome to report at once, not a failure to reach the service; only what a gateway or the
/// throttle says (408, 429, 502–504, no ARM code, or the generic `InternalServerError`) is retried.
pub fn is_operation_outcome(status: u16, code: Option<&str>) -> bool {
    match status {
        408 | 429 | 502..=504 => false,
        400..=599 => code.is_some_and(|c| !c.eq_ignore_ascii_case("InternalServerError")),
        _ => false,
    }
}

/// What a request sent by [`send_with_retries`] is, for decisions and logs.
pub(crate) struct Attempted<'a> {
    /// The request's verb, URL and retry flags (its headers and body are the caller's concern).
    pub req: &'a ArmRequest,
    /// The correlation id sent with every attempt, when there is one.
    pub correlation_id: Option<&'a str>,
    /// What the log lines call the request (`ARM request`, `cloud metadata request`).
    pub label: &'static str,
}

/// The one retry loop: sends what `prepare` builds for each attempt (a fresh token, headers)
/// until an answer that should not be retried, the policy's attempts or the deadline. Returns the
/// final response whatever its status; errors only when no usable answer came. Logs one DEBUG line
/// per attempt (method, URL without secrets, status, request ids, elapsed ms), a TRACE line with
/// the allow-listed headers, and a DEBUG line per retry with the attempt, the wait and the reason.
pub(crate) async fn send_with_retries<F, Fut>(
    transport: &dyn Transport,
    policy: &RetryPolicy,
    pacer: Option<&super::pacing::Pacer>,
    what: Attempted<'_>,
    deadline: Deadline,
    mut prepare: F,
) -> Result<HttpResponse, ArmError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<HttpRequest, ArmError>>,
{
    let req = what.req;
    let url = loggable_url(&req.url);
    let method = req.method.as_str();
    let label = what.label;
    let doing = format!("{method} {url}");
    let mut last: Option<ArmError> = None;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        if deadline.expired() {
            return Err(ArmError::timeout(&format!("sending {doing}"), last));
        }
        let http = prepare().await?;
        let request_headers = tracing::enabled!(target: "arm", tracing::Level::TRACE)
            .then(|| loggable_headers(&http.headers, LOGGED_REQUEST_HEADERS));
        let ticket = match pacer {
            Some(p) => Some(p.wait_turn(req.method, deadline).await),
            None => None,
        };
        let started = Instant::now();
        let sent = tokio::time::timeout(deadline.remaining(), transport.send(http)).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let (outcome_err, wait_hint, reason) = match sent {
            Err(_) => return Err(ArmError::timeout(&format!("sending {doing}"), last)),
            Ok(Err(TransportError {
                message,
                connect,
                refused,
            })) => {
                tracing::debug!(
                    target: "arm",
                    method,
                    url = %url,
                    attempt,
                    elapsed_ms,
                    error = %message,
                    "{label} failed without a response"
                );
                let mut e = ArmError::transport(format!("{doing}: {message}"));
                e.correlation_id = what.correlation_id.map(Into::into);
                if refused
                    || !should_retry(req.method, req.post_safe, Outcome::Connection { connect })
                {
                    return Err(e);
                }
                let reason = format!("no response: {message}");
                (e, None, reason)
            }
            Ok(Ok(resp)) => {
                if let (Some(p), Some(ticket)) = (pacer, ticket) {
                    p.observe(
                        req.method,
                        ticket,
                        &resp,
                        retry_after(&resp, SystemTime::now()),
                    );
                }
                let request_id = resp.header("x-ms-request-id").unwrap_or("");
                let correlation_id = resp
                    .header("x-ms-correlation-request-id")
                    .or(what.correlation_id)
                    .unwrap_or("");
                tracing::debug!(
                    target: "arm",
                    method,
                    url = %url,
                    status = resp.status,
                    request_id,
                    correlation_id,
                    attempt,
                    elapsed_ms,
                    "{label}"
                );
                if let Some(request_headers) = &request_headers {
                    tracing::trace!(
                        target: "arm",
                        method,
                        url = %url,
                        status = resp.status,
                        request_headers = %request_headers,
                        response_headers = %loggable_headers(&resp.headers, LOGGED_HEADERS),
                        "{label} headers"
                    );
                }
                if resp.is_success() || resp.status < 400 {
                    return Ok(resp);
                }
                let mut e = ArmError::from_response(
                    resp.status,
                    resp.request_id(),
                    resp.correlation_id()
                        .or_else(|| what.correlation_id.map(str::to_string)),
                    &resp.body,
                );
                if req.operation_result && is_operation_outcome(resp.status, e.code.as_deref()) {
                    return Ok(resp);
                }
                let outcome = Outcome::Status {
                    status: resp.status,
                    code: e.code.as_deref(),
                    message: Some(e.message.as_str()),
                };
                if !should_retry(req.method, req.post_safe, outcome) {
                    return Ok(resp);
                }
                if e.kind == ErrorKind::BadRequest || e.kind == ErrorKind::Conflict {
                    e.kind = ErrorKind::Transient;
                }
                let reason = match e.code.as_deref() {
                    Some(code) => format!("HTTP {} {code}", resp.status),
                    None => format!("HTTP {}", resp.status),
                };
                (e, retry_after(&resp, SystemTime::now()), reason)
            }
        };
        last = Some(outcome_err);
        if attempt >= policy.max_attempts {
            return Err(last.expect("set above"));
        }
        let wait = match wait_hint {
            Some(w) => w.min(policy.max_retry_after),
            None => policy.backoff(attempt),
        };
        if wait >= deadline.remaining() {
            return Err(ArmError::timeout(
                &format!("waiting {wait:?} to retry {doing}"),
                last,
            ));
        }
        tracing::debug!(
            target: "arm",
            method,
            url = %url,
            attempt,
            wait_ms = wait.as_millis() as u64,
            reason = %reason,
            "retrying {label}"
        );
        tokio::time::sleep(wait).await;
    }
}

/// The request pipeline: transport, token cache, policy and the ARM host tokens may go to.
pub(crate) struct Pipeline {
    pub transport: Arc<dyn Transport>,
    pub tokens: TokenCache,
    pub policy: RetryPolicy,
    pub arm_endpoint: Url,
    pub user_agent: String,
    /// Paces requests by ARM's throttling buckets (see [`super::pacing`]).
    pub pacer: Arc<super::pacing::Pacer>,
}

impl Pipeline {
    /// Refuses URLs that are not https on the ARM host: the bearer token goes nowhere else.
    pub(crate) fn check_url(&self, url: &Url) -> Result<(), ArmError> {
        let same = url.scheme() == "https"
            && url.host_str().map(str::to_ascii_lowercase)
                == self.arm_endpoint.host_str().map(str::to_ascii_lowercase)
            && url.port_or_known_default() == self.arm_endpoint.port_or_known_default();
        if same {
            Ok(())
        } else {
            Err(ArmError::config(format!(
                "refusing to send an ARM token to {}: only {} is trusted",
                loggable_url(url),
                loggable_url(&self.arm_endpoint)
            )))
        }
    }

    /// Sends with auth and retries; returns the final response whatever its status (the caller
    /// decides what a 404 means), or an error when no usable answer came before the deadline.
    pub(crate) async fn send(
        &self,
        req: &ArmRequest,
        deadline: Deadline,
    ) -> Result<HttpResponse, ArmError> {
        self.check_url(&req.url)?;
        let correlation_id = uuid::Uuid::new_v4().to_string();
        let what = Attempted {
            req,
            correlation_id: Some(&correlation_id),
            label: "ARM request",
        };
        send_with_retries(
            self.transport.as_ref(),
            &self.policy,
            Some(&self.pacer),
            what,
            deadline,
            || self.prepare(req, &correlation_id, deadline),
        )
        .await
    }

    /// One attempt's request: a (cached) bearer token and the standard headers.
    async fn prepare(
        &self,
        req: &ArmRequest,
        correlation_id: &str,
        deadline: Deadline,
    ) -> Result<HttpRequest, ArmError> {
        let token = self.tokens.token(deadline).await?;
        let mut headers = vec![
            (
                "authorization".to_string(),
                format!("Bearer {}", token.secret()),
            ),
            (
                "x-ms-correlation-request-id".to_string(),
                correlation_id.to_string(),
            ),
            (
                "x-ms-client-request-id".to_string(),
                uuid::Uuid::new_v4().to_string(),
            ),
            ("accept".to_string(), "application/json".to_string()),
            ("user-agent".to_string(), self.user_agent.clone()),
        ];
        if req.body.is_some() {
            headers.push(("content-type".to_string(), "application/json".to_string()));
        }
        headers.extend(req.headers.iter().cloned());
        Ok(HttpRequest {
            method: req.method,
            url: req.url.clone(),
            headers,
            body: req.body.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_decisions() {
        use Method::*;
        let st = |status, code| Outcome::Status {
            status,
            code,
            message: None,
        };
        let cases: Vec<(Method, bool, Outcome, bool)> = vec![
            (Get, false, st(429, None), true),
            (Post, false, st(429, None), true),
            (Put, false, st(408, None), true),
            (Get, false, st(500, None), true),
            (Delete, false, st(503, None), true),
            (Patch, false, st(504, None), true),
            (Get, false, st(501, None), false),
            (Get, false, st(505, None), false),
            (Post, false, st(503, None), false),
            (Post, true, st(503, None), true),
            (Get, false, st(404, None), false),
            (Put, false, st(400, Some("InvalidParameter")), false),
            (
                Put,
                false,
                st(409, Some("AnotherOperationInProgress")),
                true,
            ),
            (Put, false, st(400, Some("RetryableError")), true),
            (
                Put,
                false,
                st(400, Some("ReferencedResourceNotProvisioned")),
                true,
            ),
            (
                Put,
                false,
                st(409, Some("CanceledAndSupersededDueToAnotherOperation")),
                true,
            ),
            (
                Post,
                false,
                st(409, Some("AnotherOperationInProgress")),
                true,
            ),
            (Put, false, st(409, Some("Conflict")), false),
            (Put, false, st(403, Some("AuthorizationFailed")), false),
            (Put, false, st(412, Some("PreconditionFailed")), false),
            (Get, false, Outcome::Connection { connect: false }, true),
            (Put, false, Outcome::Connection { connect: false }, true),
            (Post, false, Outcome::Connection { connect: false }, false),
            (Post, true, Outcome::Connection { connect: false }, true),
            (Post, false, Outcome::Connection { connect: true }, true),
        ];
        for (m, safe, o, want) in cases {
            assert_eq!(should_retry(m, safe, o), want, "{m:?} safe={safe} {o:?}");
        }
        // A generic code with a "subnet ... Updating" message is transient.
        let o = Outcome::Status {
            status: 409,
            code: Some("Conflict"),
            message: Some("Subnet snet is in Updating state and cannot be used"),
        };
        assert!(should_retry(Method::Put, false, o));
    }

    #[test]
    fn operation_outcomes_on_a_location_url() {
        let cases = [
            (500, Some("InternalOperationError"), true),
            (400, Some("InvalidParameter"), true),
            (409, Some("AnotherOperationInProgress"), true),
            (500, Some("InternalServerError"), false),
            (500, None, false),
            (502, Some("BadGateway"), false),
            (503, Some("ServiceUnavailable"), false),
            (504, Some("GatewayTimeout"), false),
            (429, Some("TooManyRequests"), false),
            (408, Some("RequestTimeout"), false),
            (202, None, false),
            (200, Some("x"), false),
        ];
        for (status, code, want) in cases {
            assert_eq!(
                is_operation_outcome(status, code),
                want,
                "{status} {code:?}"
            );
        }
    }

    fn resp(headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status: 429,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: vec![],
        }
    }

    #[test]
    fn retry_after_parsing() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(7));
        type Headers<'a> = Vec<(&'a str, &'a str)>;
        let cases: Vec<(Headers, Option<Duration>)> = vec![
            (vec![("Retry-After", "5")], Some(Duration::from_secs(5))),
            (vec![("retry-after", " 0 ")], Some(Duration::ZERO)),
            (
                vec![("Retry-After", date.as_str())],
                Some(Duration::from_secs(7)),
            ),
            (vec![("Retry-After", past.as_str())], Some(Duration::ZERO)),
            (
                vec![("x-ms-retry-after-ms", "1500")],
                Some(Duration::from_millis(1500)),
            ),
            (
                vec![("retry-after-ms", "20")],
                Some(Duration::from_millis(20)),
            ),
            (
                vec![("x-ms-retry-after-ms", "100"), ("Retry-After", "9")],
                Some(Duration::from_millis(100)),
            ),
            (vec![("Retry-After", "soon")], None),
            (vec![("Retry-After", "-3")], None),
            (
                vec![("x-ms-retry-after-ms", "nan?"), ("Retry-After", "2")],
                Some(Duration::from_secs(2)),
            ),
            (vec![], None),
        ];
        for (h, want) in cases {
            assert_eq!(retry_after(&resp(&h), now), want, "{h:?}");
        }
    }

    #[test]
    fn backoff_bounds() {
        let p = RetryPolicy::default();
        for attempt in 1..40 {
            let exp = Duration::from_millis(250)
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(p.max_backoff);
            for _ in 0..20 {
                let b = p.backoff(attempt);
                assert!(
                    b >= exp / 2 && b <= exp,
                    "attempt {attempt}: {b:?} not in [{:?}, {exp:?}]",
                    exp / 2
                );
            }
        }
        assert!(p.backoff(1) <= Duration::from_millis(250));
        assert!(p.backoff(100) <= Duration::from_secs(30));
    }

    #[test]
    fn poll_intervals_grow_to_the_cap() {
        let p = RetryPolicy::default();
        let got: Vec<u128> = (1..=8).map(|i| p.poll_interval(i).as_millis()).collect();
        assert_eq!(got, vec![500, 750, 1125, 1687, 2531, 3796, 5000, 5000]);
    }

    #[test]
    fn logged_url_keeps_only_api_version() {
        let u = Url::parse("https://management.azure.com/subscriptions/s/x?api-version=2024-06-01&sig=SECRET&$skiptoken=abc").unwrap();
        assert_eq!(
            loggable_url(&u),
            "https://management.azure.com/subscriptions/s/x?api-version=2024-06-01"
        );
    }
}
