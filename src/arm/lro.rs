//! Long-running operations: the three ARM patterns, polled to the end within the deadline.
//!
//! - `Azure-AsyncOperation`: the status URL answers 200 with `{status, error}` until
//!   `Succeeded`/`Failed`/`Canceled`; then PUT/PATCH GET the resource (final-state-via original
//!   URI), POST reads the `Location` result if there is one.
//! - `Location`: 202 until done, then 200 with the final body (or 204); PUT/PATCH without a body
//!   GET the resource.
//! - `provisioningState` in the resource body: GET the resource until the state is terminal (for a
//!   DELETE, until 404).
//!
//! Waits honour Retry-After (capped by the policy), otherwise grow from 0.5 s to 5 s. A 404 in the
//! first polls after a create counts as "not visible yet" (bounded by `not_found_polls`), and so
//! does a 404 of the final GET ([`get_after_write`], which the client also uses for any read of a
//! resource it wrote recently). An error answer of a `Location` URL is the operation's failure and
//! ends the operation at once.

use std::time::SystemTime;

use serde_json::Value;
use url::Url;

use super::deadline::Deadline;
use super::error::{ArmError, ErrorKind};
use super::http::{HttpResponse, Method};
use super::pipeline::{retry_after, ArmRequest, Pipeline, RetryPolicy};

/// How the first response says the operation continues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LroStart {
    /// Finished; the body (if any) is the result.
    Done,
    /// Poll the `Azure-AsyncOperation` URL; `location` is kept for POST results.
    AsyncOperation {
        status_url: Url,
        location: Option<Url>,
    },
    /// Poll the `Location` URL.
    Location { url: Url },
    /// Poll the resource itself.
    ProvisioningState,
}

/// Terminal provisioning states (case-insensitive). A missing state counts as Succeeded.
fn provisioning_state(body: &Value) -> Option<&str> {
    body.pointer("/properties/provisioningState")
        .or_else(|| body.get("provisioningState"))
        .and_then(Value::as_str)
}

fn is_terminal(state: &str) -> bool {
    ["succeeded", "failed", "canceled", "cancelled"].contains(&state.to_ascii_lowercase().as_str())
}

fn parse_json(body: &[u8]) -> Value {
    if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(body).unwrap_or(Value::Null)
    }
}

/// Decides the pattern from the first (successful) response.
pub(crate) fn classify(
    method: Method,
    resp: &HttpResponse,
    base: &Url,
) -> Result<LroStart, ArmError> {
    let abs = |name: &str| -> Result<Option<Url>, ArmError> {
        match resp.header(name) {
            None => Ok(None),
            Some(v) => base.join(v.trim()).map(Some).map_err(|e| {
                ArmError::transport(format!("ARM sent an invalid {name} header: {e}"))
            }),
        }
    };
    if method == Method::Get {
        return Ok(LroStart::Done);
    }
    let location = abs("location")?;
    if let Some(status_url) = abs("azure-asyncoperation")? {
        return Ok(LroStart::AsyncOperation {
            status_url,
            location,
        });
    }
    if let (Some(url), 201 | 202) = (location, resp.status) {
        return Ok(LroStart::Location { url });
    }
    let body = parse_json(&resp.body);
    match (method, resp.status) {
        (Method::Post, _) => Ok(LroStart::Done),
        (_, 202) => Ok(LroStart::ProvisioningState),
        (Method::Put | Method::Patch, 200 | 201) => match provisioning_state(&body) {
            Some(s) if !is_terminal(s) => Ok(LroStart::ProvisioningState),
            _ => Ok(LroStart::Done),
        },
        _ => Ok(LroStart::Done),
    }
}

/// Result of a finished operation: the final body, if the operation has one.
pub(crate) struct LroOutcome {
    pub body: Option<HttpResponse>,
}

/// Drives an operation from its first response to the end.
pub(crate) async fn complete(
    pipeline: &Pipeline,
    method: Method,
    resource_url: &Url,
    first: HttpResponse,
    deadline: Deadline,
) -> Result<LroOutcome, ArmError> {
    let start = classify(method, &first, resource_url)?;
    let mut wait_from = first;
    match start {
        LroStart::Done => Ok(LroOutcome {
            body: Some(wait_from),
        }),
        LroStart::AsyncOperation {
            status_url,
            location,
        } => {
            let mut poll = 0u32;
            loop {
                poll += 1;
                sleep_before_poll(pipeline, &wait_from, poll, deadline, "operation status").await?;
                let resp = pipeline
                    .send(&ArmRequest::new(Method::Get, status_url.clone()), deadline)
                    .await?;
                if resp.status == 404 && poll <= pipeline.policy.not_found_polls {
                    wait_from = resp;
                    continue;
                }
                if !resp.is_success() {
                    return Err(error_of(&resp));
                }
                let doc = parse_json(&resp.body);
                let status = doc
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("InProgress")
                    .to_string();
                match status.to_ascii_lowercase().as_str() {
                    "succeeded" => break,
                    "failed" | "canceled" | "cancelled" => {
                        let mut e = ArmError::lro_failed(&status, doc.get("error"));
                        e.request_id = resp.request_id().map(Into::into);
                        e.correlation_id = resp.correlation_id().map(Into::into);
                        return Err(e);
                    }
                    _ => wait_from = resp,
                }
            }
            match method {
                Method::Put | Method::Patch => final_get(pipeline, resource_url, deadline).await,
                Method::Delete => Ok(LroOutcome { body: None }),
                _ => match location {
                    Some(loc) => {
                        let resp = pipeline
                            .send(&ArmRequest::new(Method::Get, loc), deadline)
                            .await?;
                        if resp.status == 200 {
                            Ok(LroOutcome { body: Some(resp) })
                        } else if resp.is_success() {
                            Ok(LroOutcome { body: None })
                        } else {
                            Err(error_of(&resp))
                        }
                    }
                    None => Ok(LroOutcome { body: None }),
                },
            }
        }
        LroStart::Location { url } => {
            let mut poll = 0u32;
            loop {
                poll += 1;
                sleep_before_poll(pipeline, &wait_from, poll, deadline, "operation result").await?;
                let mut poll_req = ArmRequest::new(Method::Get, url.clone());
                poll_req.operation_result = true;
                let resp = pipeline.send(&poll_req, deadline).await?;
                match resp.status {
                    202 => wait_from = resp,
                    404 if poll <= pipeline.policy.not_found_polls => wait_from = resp,
                    404 if method == Method::Delete => return Ok(LroOutcome { body: None }),
                    200 | 201 if !parse_json(&resp.body).is_null() => {
                        return Ok(LroOutcome { body: Some(resp) })
                    }
                    200 | 201 | 204 => {
                        return match method {
                            Method::Put | Method::Patch => {
                                final_get(pipeline, resource_url, deadline).await
                            }
                            _ => Ok(LroOutcome { body: None }),
                        }
                    }
                    _ => {
                        let mut e = error_of(&resp);
                        if resp.status >= 400 {
                            e.kind = if e.kind == ErrorKind::NotFound {
                                ErrorKind::NotFound
                            } else {
                                ErrorKind::LroFailed
                            };
                        }
                        return Err(e);
                    }
                }
            }
        }
        LroStart::ProvisioningState => {
            let mut poll = 0u32;
            loop {
                poll += 1;
                sleep_before_poll(pipeline, &wait_from, poll, deadline, "provisioning state")
                    .await?;
                let resp = pipeline
                    .send(
                        &ArmRequest::new(Method::Get, resource_url.clone()),
                        deadline,
                    )
                    .await?;
                if resp.status == 404 {
                    if method == Method::Delete {
                        return Ok(LroOutcome { body: None });
                    }
                    if poll <= pipeline.policy.not_found_polls {
                        wait_from = resp;
                        continue;
                    }
                    return Err(error_of(&resp));
                }
                if !resp.is_success() {
                    return Err(error_of(&resp));
                }
                let body = parse_json(&resp.body);
                let state = provisioning_state(&body).unwrap_or("Succeeded").to_string();
                match state.to_ascii_lowercase().as_str() {
                    "succeeded" if method != Method::Delete => {
                        return Ok(LroOutcome { body: Some(resp) })
                    }
                    "failed" | "canceled" | "cancelled" => {
                        let err = body
                            .pointer("/properties/error")
                            .or_else(|| body.get("error"))
                            .cloned();
                        let mut e = ArmError::lro_failed(&state, err.as_ref());
                        e.request_id = resp.request_id().map(Into::into);
                        return Err(e);
                    }
                    _ => wait_from = resp,
                }
            }
        }
    }
}

/// GET the resource after the operation finished (final-state-via original URI), tolerating
/// "not visible yet" like every read after our own write ([`get_after_write`]).
async fn final_get(
    pipeline: &Pipeline,
    url: &Url,
    deadline: Deadline,
) -> Result<LroOutcome, ArmError> {
    let resp = get_after_write(pipeline, url, deadline).await?;
    if resp.is_success() {
        Ok(LroOutcome { body: Some(resp) })
    } else {
        Err(error_of(&resp))
    }
}

/// GET of a resource this process has just written successfully: ARM may not show it yet on
/// every replica, so a 404 is read again, with the waits of operation polling ([`poll_wait`]:
/// Retry-After or the growing poll interval, never past the deadline), up to the policy's
/// `not_found_polls` times. Returns the last answer (a 404 when it never became visible). Only
/// for reads after our own create or update: a GET of anything else answers 404 at once.
pub(crate) async fn get_after_write(
    pipeline: &Pipeline,
    url: &Url,
    deadline: Deadline,
) -> Result<HttpResponse, ArmError> {
    let mut poll = 0u32;
    loop {
        let resp = pipeline
            .send(&ArmRequest::new(Method::Get, url.clone()), deadline)
            .await?;
        if resp.status != 404 || poll >= pipeline.policy.not_found_polls {
            return Ok(resp);
        }
        poll += 1;
        let Some(wait) = poll_wait(
            &pipeline.policy,
            retry_after(&resp, SystemTime::now()),
            poll,
            deadline,
        ) else {
            return Ok(resp);
        };
        tracing::debug!(
            target: "arm",
            url = %super::pipeline::loggable_url(url),
            poll,
            wait_ms = wait.as_millis() as u64,
            reason = "HTTP 404 after our own write (not visible yet)",
            "reading again"
        );
        tokio::time::sleep(wait).await;
    }
}

pub(crate) fn error_of(resp: &HttpResponse) -> ArmError {
    ArmError::from_response(
        resp.status,
        resp.request_id(),
        resp.correlation_id(),
        &resp.body,
    )
}

/// Waits before poll `poll`: Retry-After of the last response (capped), else the growing interval.
async fn sleep_before_poll(
    pipeline: &Pipeline,
    last: &HttpResponse,
    poll: u32,
    deadline: Deadline,
    what: &str,
) -> Result<(), ArmError> {
    let Some(wait) = poll_wait(
        &pipeline.policy,
        retry_after(last, SystemTime::now()),
        poll,
        deadline,
    ) else {
        let state = parse_json(&last.body);
        let shown = state
            .get("status")
            .and_then(Value::as_str)
            .or_else(|| provisioning_state(&state))
            .map(|s| format!(" (last status {s})"))
            .unwrap_or_else(|| format!(" (last HTTP status {})", last.status));
        let mut e = ArmError::timeout(&format!("polling the {what}{shown}"), None);
        e.request_id = last.request_id().map(Into::into);
        e.correlation_id = last.correlation_id().map(Into::into);
        return Err(e);
    };
    tokio::time::sleep(wait).await;
    Ok(())
}

/// The wait before poll `poll` (counting from 1) of any polling loop: the server's Retry-After
/// (capped at the policy's `max_retry_after`), else the policy's growing interval. `None` when
/// that wait would reach the deadline: the poll would start too late, so the caller stops now.
pub(crate) fn poll_wait(
    policy: &RetryPolicy,
    retry_after: Option<std::time::Duration>,
    poll: u32,
    deadline: Deadline,
) -> Option<std::time::Duration> {
    let wait = retry_after
        .map(|d| d.min(policy.max_retry_after))
        .unwrap_or_else(|| policy.poll_interval(poll));
    (wait < deadline.remaining()).then_some(wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn pattern_from_first_response() {
        let base = Url::parse("https://arm.example/subscriptions/s/x?api-version=1").unwrap();
        let aao = ("Azure-AsyncOperation", "https://arm.example/op/1");
        let loc = ("Location", "https://arm.example/res/1");
        let u = |s: &str| Url::parse(s).unwrap();
        let updating = r#"{"properties":{"provisioningState":"Updating"}}"#;
        let cases: Vec<(Method, HttpResponse, LroStart)> = vec![
            (
                Method::Put,
                resp(201, &[aao], updating),
                LroStart::AsyncOperation {
                    status_url: u("https://arm.example/op/1"),
                    location: None,
                },
            ),
            (
                Method::Delete,
                resp(202, &[loc, aao], ""),
                LroStart::AsyncOperation {
                    status_url: u("https://arm.example/op/1"),
                    location: Some(u("https://arm.example/res/1")),
                },
            ),
            (
                Method::Put,
                resp(202, &[loc, ("Retry-After", "10")], ""),
                LroStart::Location {
                    url: u("https://arm.example/res/1"),
                },
            ),
            (
                Method::Put,
                resp(201, &[loc], "{}"),
                LroStart::Location {
                    url: u("https://arm.example/res/1"),
                },
            ),
            (
                Method::Post,
                resp(202, &[("location", "/op/2")], ""),
                LroStart::Location {
                    url: u("https://arm.example/op/2"),
                },
            ),
            (
                Method::Put,
                resp(200, &[], updating),
                LroStart::ProvisioningState,
            ),
            (
                Method::Put,
                resp(
                    201,
                    &[],
                    r#"{"properties":{"provisioningState":"Creating"}}"#,
                ),
                LroStart::ProvisioningState,
            ),
            (
                Method::Put,
                resp(
                    200,
                    &[],
                    r#"{"properties":{"provisioningState":"Succeeded"}}"#,
                ),
                LroStart::Done,
            ),
            (
                Method::Put,
                resp(200, &[], r#"{"name":"no state"}"#),
                LroStart::Done,
            ),
            (Method::Put, resp(200, &[loc], "{}"), LroStart::Done),
            (
                Method::Delete,
                resp(202, &[], ""),
                LroStart::ProvisioningState,
            ),
            (Method::Delete, resp(204, &[], ""), LroStart::Done),
            (Method::Delete, resp(200, &[], ""), LroStart::Done),
            (
                Method::Post,
                resp(200, &[], r#"{"status":"Active"}"#),
                LroStart::Done,
            ),
            (Method::Get, resp(200, &[aao], updating), LroStart::Done),
        ];
        for (m, r, want) in cases {
            assert_eq!(
                classify(m, &r, &base).unwrap(),
                want,
                "{m:?} {} {:?}",
                r.status,
                r.headers
            );
        }
    }

    #[test]
    fn terminal_states() {
        for (s, t) in [
            ("Succeeded", true),
            ("failed", true),
            ("Canceled", true),
            ("Updating", false),
            ("Creating", false),
            ("Accepted", false),
        ] {
            assert_eq!(is_terminal(s), t, "{s}");
        }
    }
}
