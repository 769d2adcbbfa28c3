//! Scripted-transport tests of the client: retries, Retry-After, the three LRO patterns, deadlines,
//! POST safety, paging, and that logs never carry a secret or a token.

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use serde_json::json;

use super::client::{ArmClient, WriteOptions};
use super::cloud::Cloud;
use super::deadline::Deadline;
use super::error::ErrorKind;
use super::http::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use super::pipeline::RetryPolicy;

const ARM: &str = "https://management.azure.com";
const RES: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe";
const TOKEN: &str = "eyJ0eXAiOiJKV1Q.BEARER-TOKEN-VALUE-123";

/// One scripted answer: checked against the request, then returned.
struct Step {
    method: Method,
    path: &'static str,
    answer: Result<HttpResponse, TransportError>,
    repeat: bool,
}

fn ok(status: u16, headers: &[(&str, &str)], body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([("x-ms-request-id".to_string(), format!("req-{status}"))])
            .collect(),
        body: body.as_bytes().to_vec(),
    })
}

fn step(method: Method, path: &'static str, answer: Result<HttpResponse, TransportError>) -> Step {
    Step {
        method,
        path,
        answer,
        repeat: false,
    }
}

#[derive(Default)]
struct Script {
    steps: Mutex<VecDeque<Step>>,
    seen: Mutex<Vec<HttpRequest>>,
}

#[async_trait]
impl Transport for Script {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.seen.lock().unwrap().push(req.clone());
        let mut steps = self.steps.lock().unwrap();
        let s = steps
            .front()
            .unwrap_or_else(|| panic!("unexpected request {} {}", req.method.as_str(), req.url));
        assert_eq!(s.method, req.method, "{}", req.url);
        assert_eq!(
            req.url.path(),
            s.path,
            "{} {}",
            req.method.as_str(),
            req.url
        );
        let answer = s.answer.clone();
        if !s.repeat {
            steps.pop_front();
        }
        answer
    }
}

#[derive(Debug, Default)]
struct FakeCredential {
    calls: AtomicUsize,
}

#[async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        assert_eq!(scopes, ["https://management.azure.com/.default"]);
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken::new(
            TOKEN.to_string(),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
        max_retry_after: Duration::from_millis(30),
        max_attempts: 50,
        poll_initial: Duration::from_millis(1),
        poll_max: Duration::from_millis(4),
        not_found_polls: 2,
    }
}

fn client(steps: Vec<Step>) -> (ArmClient, Arc<Script>, Arc<FakeCredential>) {
    let script = Arc::new(Script {
        steps: Mutex::new(steps.into()),
        seen: Mutex::default(),
    });
    let cred = Arc::new(FakeCredential::default());
    let c = ArmClient::from_parts(
        Cloud::from_environment("public").unwrap(),
        "s".into(),
        cred.clone(),
        script.clone(),
        fast(),
        "test-agent".into(),
        None,
    );
    (c, script, cred)
}

fn soon() -> Deadline {
    Deadline::after(Duration::from_secs(10))
}

fn done(script: &Script) -> Vec<String> {
    assert!(
        script.steps.lock().unwrap().iter().all(|s| s.repeat),
        "script not consumed"
    );
    script
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method.as_str(), r.url.path()))
        .collect()
}

#[tokio::test]
async fn throttled_then_ok_honours_retry_after_and_reuses_the_token() {
    let (c, script, cred) = client(vec![
        step(
            Method::Get,
            RES,
            ok(
                429,
                &[("Retry-After", "0")],
                r#"{"error":{"code":"TooManyRequests","message":"slow"}}"#,
            ),
        ),
        step(
            Method::Get,
            RES,
            ok(503, &[("x-ms-retry-after-ms", "5")], ""),
        ),
        step(
            Method::Get,
            RES,
            ok(200, &[("ETag", "W/\"1\"")], r#"{"name":"pe"}"#),
        ),
        step(
            Method::Get,
            RES,
            ok(200, &[], r#"{"name":"pe","etag":"W/\"2\""}"#),
        ),
    ]);
    let r = c.get(RES, "2025-07-01", soon()).await.unwrap().unwrap();
    assert_eq!(r.body["name"], "pe");
    assert_eq!(r.etag.as_deref(), Some("W/\"1\""));
    let r = c.get(RES, "2025-07-01", soon()).await.unwrap().unwrap();
    assert_eq!(r.etag.as_deref(), Some("W/\"2\""));
    assert_eq!(done(&script).len(), 4);
    assert_eq!(
        cred.calls.load(Ordering::SeqCst),
        1,
        "one token for all calls"
    );
    let seen = script.seen.lock().unwrap();
    assert_eq!(seen[0].url.query(), Some("api-version=2025-07-01"));
    let auth = seen[0]
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .unwrap();
    assert_eq!(auth.1, format!("Bearer {TOKEN}"));
    let corr = |i: usize| {
        seen[i]
            .headers
            .iter()
            .find(|(k, _)| k == "x-ms-correlation-request-id")
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(corr(0), corr(2), "retries keep the correlation id");
    assert_ne!(corr(0), corr(3), "a new call gets a new correlation id");
}

#[tokio::test]
async fn get_404_is_none_and_other_errors_carry_ids() {
    let (c, script, _) = client(vec![
        step(
            Method::Get,
            RES,
            ok(
                404,
                &[],
                r#"{"error":{"code":"ResourceNotFound","message":"gone"}}"#,
            ),
        ),
        step(
            Method::Get,
            RES,
            ok(
                403,
                &[("x-ms-correlation-request-id", "corr-1")],
                r#"{"error":{"code":"AuthorizationFailed","message":"no"}}"#,
            ),
        ),
    ]);
    assert!(c.get(RES, "1", soon()).await.unwrap().is_none());
    let e = c.get(RES, "1", soon()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert_eq!(e.request_id.as_deref(), Some("req-403"));
    assert_eq!(e.correlation_id.as_deref(), Some("corr-1"));
    assert!(e.hint().unwrap().contains("RBAC"));
    done(&script);
}

#[tokio::test]
async fn put_with_location_polls_until_the_final_body() {
    let (c, script, _) = client(vec![
        step(
            Method::Put,
            RES,
            ok(
                202,
                &[
                    (
                        "Location",
                        "https://management.azure.com/op/1?api-version=1",
                    ),
                    ("Retry-After", "0"),
                ],
                "",
            ),
        ),
        step(
            Method::Get,
            "/op/1",
            ok(
                202,
                &[("Location", "https://management.azure.com/op/1")],
                "",
            ),
        ),
        step(Method::Get, "/op/1", ok(404, &[], "")),
        step(
            Method::Get,
            "/op/1",
            ok(
                200,
                &[],
                r#"{"name":"pe","properties":{"provisioningState":"Succeeded"}}"#,
            ),
        ),
    ]);
    let r = c
        .put(
            RES,
            "1",
            &json!({"location": "x"}),
            WriteOptions::default(),
            soon(),
        )
        .await
        .unwrap();
    assert_eq!(r.body["name"], "pe");
    assert_eq!(done(&script), ["PUT /subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe", "GET /op/1", "GET /op/1", "GET /op/1"]);
}

#[tokio::test]
async fn put_with_location_and_204_gets_the_resource() {
    let (c, script, _) = client(vec![
        step(Method::Put, RES, ok(202, &[("Location", "/op/2")], "")),
        step(Method::Get, "/op/2", ok(204, &[], "")),
        step(Method::Get, RES, ok(200, &[], r#"{"name":"final"}"#)),
    ]);
    let r = c
        .put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap();
    assert_eq!(r.body["name"], "final");
    done(&script);
}

#[tokio::test]
async fn put_with_async_operation_polls_then_gets_the_resource() {
    let aao = ("Azure-AsyncOperation", "https://management.azure.com/subscriptions/s/providers/Microsoft.Network/locations/x/operations/9?api-version=1");
    let op = "/subscriptions/s/providers/Microsoft.Network/locations/x/operations/9";
    let (c, script, _) = client(vec![
        step(
            Method::Put,
            RES,
            ok(
                201,
                &[aao, ("Retry-After", "0")],
                r#"{"properties":{"provisioningState":"Updating"}}"#,
            ),
        ),
        step(Method::Get, op, ok(200, &[], r#"{"status":"InProgress"}"#)),
        step(Method::Get, op, ok(200, &[], r#"{"status":"Succeeded"}"#)),
        step(
            Method::Get,
            RES,
            ok(
                200,
                &[],
                r#"{"name":"pe","properties":{"provisioningState":"Succeeded"}}"#,
            ),
        ),
    ]);
    let r = c
        .put(
            RES,
            "1",
            &json!({}),
            WriteOptions {
                if_match: Some("*".into()),
                if_none_match: None,
            },
            soon(),
        )
        .await
        .unwrap();
    assert_eq!(r.body["properties"]["provisioningState"], "Succeeded");
    done(&script);
    let seen = script.seen.lock().unwrap();
    assert!(seen[0].headers.contains(&("if-match".into(), "*".into())));
    assert!(seen[0]
        .headers
        .contains(&("content-type".into(), "application/json".into())));
}

#[tokio::test]
async fn async_operation_failure_is_an_lro_error_and_transient_failures_are_resent() {
    let aao = ("Azure-AsyncOperation", "https://management.azure.com/op/3");
    let (c, script, _) = client(vec![
        step(Method::Put, RES, ok(201, &[aao], "{}")),
        step(
            Method::Get,
            "/op/3",
            ok(
                200,
                &[],
                r#"{"status":"Failed","error":{"code":"RetryableError","message":"A retryable error occurred."}}"#,
            ),
        ),
        step(Method::Put, RES, ok(201, &[aao], "{}")),
        step(
            Method::Get,
            "/op/3",
            ok(200, &[], r#"{"status":"Succeeded"}"#),
        ),
        step(Method::Get, RES, ok(200, &[], r#"{"name":"pe"}"#)),
        step(Method::Put, RES, ok(201, &[aao], "{}")),
        step(
            Method::Get,
            "/op/3",
            ok(
                200,
                &[],
                r#"{"status":"Failed","error":{"code":"InvalidPrivateLinkServiceId","message":"bad target"}}"#,
            ),
        ),
    ]);
    assert_eq!(
        c.put(RES, "1", &json!({}), WriteOptions::default(), soon())
            .await
            .unwrap()
            .body["name"],
        "pe"
    );
    let e = c
        .put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::LroFailed);
    assert_eq!(e.code.as_deref(), Some("InvalidPrivateLinkServiceId"));
    assert!(e.to_string().contains("bad target"));
    done(&script);
}

#[tokio::test]
async fn provisioning_state_polling_treats_early_404_as_in_progress() {
    let (c, script, _) = client(vec![
        step(
            Method::Put,
            RES,
            ok(
                201,
                &[],
                r#"{"properties":{"provisioningState":"Creating"}}"#,
            ),
        ),
        step(Method::Get, RES, ok(404, &[], "")),
        step(
            Method::Get,
            RES,
            ok(
                200,
                &[],
                r#"{"properties":{"provisioningState":"Updating"}}"#,
            ),
        ),
        step(
            Method::Get,
            RES,
            ok(
                200,
                &[],
                r#"{"name":"pe","properties":{"provisioningState":"Succeeded"}}"#,
            ),
        ),
        // A second create whose resource never appears: 404 beyond the allowance is an error.
        step(
            Method::Put,
            RES,
            ok(
                201,
                &[],
                r#"{"properties":{"provisioningState":"Creating"}}"#,
            ),
        ),
        step(Method::Get, RES, ok(404, &[], "")),
        step(Method::Get, RES, ok(404, &[], "")),
        step(
            Method::Get,
            RES,
            ok(
                404,
                &[],
                r#"{"error":{"code":"ResourceNotFound","message":"never"}}"#,
            ),
        ),
    ]);
    assert_eq!(
        c.put(RES, "1", &json!({}), WriteOptions::default(), soon())
            .await
            .unwrap()
            .body["name"],
        "pe"
    );
    let e = c
        .put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    done(&script);
}

#[tokio::test]
async fn delete_patterns() {
    let (c, script, _) = client(vec![
        step(Method::Delete, RES, ok(204, &[], "")),
        step(
            Method::Delete,
            RES,
            ok(
                404,
                &[],
                r#"{"error":{"code":"ResourceGroupNotFound","message":"x"}}"#,
            ),
        ),
        step(Method::Delete, RES, ok(202, &[("Location", "/op/4")], "")),
        step(Method::Get, "/op/4", ok(202, &[], "")),
        step(Method::Get, "/op/4", ok(204, &[], "")),
        step(Method::Delete, RES, ok(202, &[], "")),
        step(
            Method::Get,
            RES,
            ok(
                200,
                &[],
                r#"{"properties":{"provisioningState":"Deleting"}}"#,
            ),
        ),
        step(Method::Get, RES, ok(404, &[], "")),
        step(
            Method::Delete,
            RES,
            ok(
                409,
                &[],
                r#"{"error":{"code":"ScopeLocked","message":"locked"}}"#,
            ),
        ),
    ]);
    for _ in 0..4 {
        c.delete(RES, "1", soon()).await.unwrap();
    }
    let e = c.delete(RES, "1", soon()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    done(&script);
}

#[tokio::test]
async fn post_is_not_resent_after_a_lost_connection_unless_safe() {
    let lost = || {
        Err(TransportError {
            message: "connection reset".into(),
            connect: false,
            refused: false,
        })
    };
    let path = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/provisionManagedNetwork";
    let (c, script, _) = client(vec![
        step(Method::Post, path, lost()),
        step(Method::Post, path, lost()),
        step(Method::Post, path, ok(202, &[("Location", "/op/5")], "")),
        step(
            Method::Get,
            "/op/5",
            ok(200, &[], r#"{"status":"Active","sparkReady":true}"#),
        ),
        step(Method::Get, RES, lost()),
        step(Method::Get, RES, ok(200, &[], "{}")),
    ]);
    let e = c
        .post(path, "1", Some(&json!({"includeSpark": true})), soon())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transport);
    let r = c
        .post_idempotent(path, "1", None, soon())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r["status"], "Active");
    assert!(
        c.get(RES, "1", soon()).await.unwrap().is_some(),
        "GET is retried after a lost connection"
    );
    assert_eq!(done(&script).len(), 6);
}

#[tokio::test]
async fn deadline_exceeded_returns_timeout_with_the_last_error() {
    let (c, script, _) = client(vec![Step {
        method: Method::Get,
        path: RES,
        answer: ok(
            429,
            &[("x-ms-retry-after-ms", "5")],
            r#"{"error":{"code":"SubscriptionRequestsThrottled","message":"later"}}"#,
        ),
        repeat: true,
    }]);
    let started = std::time::Instant::now();
    let e = c
        .get(RES, "1", Deadline::after(Duration::from_millis(60)))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert_eq!(e.arm_code(), Some("SubscriptionRequestsThrottled"));
    assert!(e.to_string().contains("last error"), "{e}");
    assert!(script.seen.lock().unwrap().len() > 1);

    // A Retry-After longer than the time left stops at once instead of sleeping past the deadline.
    let (c, script, _) = client(vec![step(
        Method::Get,
        RES,
        ok(503, &[("Retry-After", "1")], ""),
    )]);
    let mut slow = fast();
    slow.max_retry_after = Duration::from_secs(5);
    let c = ArmClient::from_parts(
        c.cloud().clone(),
        "s".into(),
        Arc::new(FakeCredential::default()),
        script.clone(),
        slow,
        "t".into(),
        None,
    );
    let started = std::time::Instant::now();
    let e = c
        .get(RES, "1", Deadline::after(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_millis(250));
}

#[tokio::test]
async fn lro_polling_stops_at_the_deadline() {
    let (c, _script, _) = client(vec![
        step(Method::Put, RES, ok(202, &[("Location", "/op/6")], "")),
        Step {
            method: Method::Get,
            path: "/op/6",
            answer: ok(202, &[], ""),
            repeat: true,
        },
    ]);
    let e = c
        .put(
            RES,
            "1",
            &json!({}),
            WriteOptions::default(),
            Deadline::after(Duration::from_millis(50)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert!(e.message.contains("deadline exceeded"), "{e}");
}

#[tokio::test]
async fn polling_urls_on_another_host_are_refused() {
    let (c, _script, _) = client(vec![step(
        Method::Put,
        RES,
        ok(202, &[("Location", "https://evil.example/op/7")], ""),
    )]);
    let e = c
        .put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(e.message.contains("refusing to send an ARM token"), "{e}");
}

#[tokio::test]
async fn list_follows_next_link() {
    let coll = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/outboundRules";
    let (c, script, _) = client(vec![
        step(
            Method::Get,
            coll,
            ok(
                200,
                &[],
                &format!(
                    r#"{{"value":[{{"name":"a"}}],"nextLink":"{ARM}{coll}?api-version=1&$skiptoken=2"}}"#
                ),
            ),
        ),
        step(
            Method::Get,
            coll,
            ok(200, &[], r#"{"value":[{"name":"b"},{"name":"c"}]}"#),
        ),
    ]);
    let items = c.list(coll, "1", soon()).await.unwrap();
    let names: Vec<&str> = items.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let seen = script.seen.lock().unwrap();
    assert_eq!(seen[1].url.query(), Some("api-version=1&$skiptoken=2"));
}

#[test]
fn urls_carry_the_api_version() {
    let (c, _, _) = client(vec![]);
    assert_eq!(
        c.url(RES, "2025-07-01").unwrap().as_str(),
        format!("{ARM}{RES}?api-version=2025-07-01")
    );
    assert_eq!(
        c.url("/subscriptions/s/x?forceToPurge=true", "1")
            .unwrap()
            .as_str(),
        format!("{ARM}/subscriptions/s/x?forceToPurge=true&api-version=1")
    );
    assert!(c.url("subscriptions/s", "1").is_err());
}

// ---- redaction ----

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A fake Entra ID token endpoint behind azure_core's transport seam.
#[derive(Debug)]
struct FakeIdp {
    seen_body: Mutex<String>,
    calls: AtomicUsize,
}

#[async_trait]
impl azure_core::http::HttpClient for FakeIdp {
    async fn execute_request(
        &self,
        request: &azure_core::http::Request,
    ) -> azure_core::Result<azure_core::http::AsyncRawResponse> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        assert_eq!(
            request.url().as_str(),
            "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"
        );
        if let azure_core::http::Body::Bytes(b) = request.body() {
            *self.seen_body.lock().unwrap() = String::from_utf8_lossy(b).to_string();
        }
        let body = json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": TOKEN});
        Ok(azure_core::http::AsyncRawResponse::from_bytes(
            azure_core::http::StatusCode::Ok,
            azure_core::http::headers::Headers::new(),
            body.to_string().into_bytes(),
        ))
    }
}

#[tokio::test]
async fn logs_never_contain_the_client_secret_or_the_bearer_token() {
    const SECRET: &str = "client-secret-Zq8~do-not-log";
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let idp = Arc::new(FakeIdp {
        seen_body: Mutex::default(),
        calls: AtomicUsize::new(0),
    });
    let cloud = Cloud::from_environment("public").unwrap();
    let credential = azure_identity::ClientSecretCredential::new(
        "tenant-1",
        "client-1".into(),
        azure_core::credentials::Secret::new(SECRET.to_string()),
        Some(azure_identity::ClientSecretCredentialOptions {
            client_options: azure_core::http::ClientOptions {
                transport: Some(azure_core::http::Transport::new(idp.clone())),
                cloud: Some(Arc::new(cloud.azure_cloud_configuration())),
                ..Default::default()
            },
        }),
    )
    .unwrap();
    let script = Arc::new(Script {
        steps: Mutex::new(
            vec![
                step(Method::Put, RES, ok(429, &[("Retry-After", "0")], "{}")),
                step(
                    Method::Put,
                    RES,
                    ok(
                        500,
                        &[],
                        r#"{"error":{"code":"InternalServerError","message":"oops"}}"#,
                    ),
                ),
                step(
                    Method::Put,
                    RES,
                    ok(
                        200,
                        &[("x-ms-ratelimit-remaining-subscription-writes", "199")],
                        r#"{"name":"pe"}"#,
                    ),
                ),
                step(
                    Method::Get,
                    RES,
                    Err(TransportError {
                        message: "connection reset".into(),
                        connect: false,
                        refused: false,
                    }),
                ),
                step(Method::Get, RES, ok(200, &[], r#"{"name":"pe"}"#)),
            ]
            .into(),
        ),
        seen: Mutex::default(),
    });
    let c = ArmClient::from_parts(
        cloud,
        "s".into(),
        credential,
        script.clone(),
        fast(),
        "t".into(),
        None,
    );
    c.put(
        RES,
        "1",
        &json!({"properties": {}}),
        WriteOptions::default(),
        soon(),
    )
    .await
    .unwrap();
    c.get(RES, "1", soon()).await.unwrap();

    // The flow really used the secret and the token...
    assert!(idp
        .seen_body
        .lock()
        .unwrap()
        .contains("client_secret=client-secret-Zq8"));
    assert_eq!(
        idp.calls.load(Ordering::SeqCst),
        1,
        "one token request for five ARM requests"
    );
    let seen = script.seen.lock().unwrap();
    assert!(seen.iter().all(|r| r
        .headers
        .contains(&("authorization".into(), format!("Bearer {TOKEN}")))));
    // ...and the logs saw requests, but neither of them.
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("ARM request"), "logs were captured: {logs}");
    assert!(logs.contains("x-ms-ratelimit-remaining-subscription-writes=199"));
    for needle in [
        SECRET,
        "client-secret-Zq8",
        TOKEN,
        "BEARER-TOKEN-VALUE",
        "Bearer ey",
    ] {
        assert!(!logs.contains(needle), "{needle} leaked into logs:\n{logs}");
    }
    assert!(
        !logs.to_ascii_lowercase().contains("authorization:"),
        "{logs}"
    );
    // Debug of the client shows no secret either.
    assert!(!format!("{c:?}").contains(TOKEN));
}

/// What the `wait_until` tests' check decides: gone and "ready" end the wait, "broken" fails it.
fn check_state(
    r: Option<&super::client::Response>,
) -> super::client::Wait<&'static str, &'static str> {
    use super::client::Wait;
    match r.and_then(|r| r.body["state"].as_str()) {
        None if r.is_none() => Wait::Done("gone"),
        Some("ready") => Wait::Done("ready"),
        Some("broken") => Wait::Fail("broken"),
        _ => Wait::Pending,
    }
}

#[tokio::test]
async fn wait_until_reads_until_the_check_decides() {
    use super::client::{Response, WaitError};
    let body = |state: &str| Response {
        body: json!({ "state": state }),
        etag: None,
        request_id: None,
    };
    let busy = r#"{"state":"busy"}"#;
    let ready = r#"{"state":"ready"}"#;
    type Want = Result<&'static str, WaitError<&'static str>>;
    /// (case, first body, answers to the reads, expected result)
    type Case = (
        &'static str,
        Option<Response>,
        Vec<(u16, &'static str)>,
        Want,
    );
    let cases: Vec<Case> = vec![
        ("gone at the first read", None, vec![(404, "")], Ok("gone")),
        (
            "ready after two pending reads",
            None,
            vec![(200, busy), (200, busy), (200, ready)],
            Ok("ready"),
        ),
        (
            "a deciding first body needs no read",
            Some(body("ready")),
            vec![],
            Ok("ready"),
        ),
        (
            "a pending first body is read again",
            Some(body("busy")),
            vec![(200, busy), (404, "")],
            Ok("gone"),
        ),
        (
            "the check gives up",
            None,
            vec![(200, busy), (200, r#"{"state":"broken"}"#)],
            Err(WaitError::Failed("broken")),
        ),
    ];
    for (name, first, answers, want) in cases {
        let steps = answers
            .iter()
            .map(|(status, b)| step(Method::Get, RES, ok(*status, &[], b)))
            .collect();
        let (c, script, _) = client(steps);
        let got = c.wait_until(RES, "1", soon(), first, check_state).await;
        assert_eq!(got, want, "{name}");
        assert_eq!(done(&script).len(), answers.len(), "{name}: reads");
    }

    // A failed read ends the wait with the ARM error.
    let (c, script, _) = client(vec![step(
        Method::Get,
        RES,
        ok(
            403,
            &[],
            r#"{"error":{"code":"AuthorizationFailed","message":"no"}}"#,
        ),
    )]);
    match c.wait_until(RES, "1", soon(), None, check_state).await {
        Err(WaitError::Arm(e)) => assert_eq!(e.code.as_deref(), Some("AuthorizationFailed")),
        other => panic!("expected an ARM error, got {other:?}"),
    }
    assert_eq!(done(&script).len(), 1);
}

#[tokio::test]
async fn wait_until_stops_before_a_wait_that_would_reach_the_deadline() {
    use super::client::{Response, WaitError};
    // A deadline closer than the first poll interval: no read is started at all.
    let (c, script, _) = client(vec![]);
    let busy = Response {
        body: json!({"state": "busy"}),
        etag: None,
        request_id: None,
    };
    let got = c
        .wait_until(
            RES,
            "1",
            Deadline::after(Duration::ZERO),
            Some(busy.clone()),
            check_state,
        )
        .await;
    assert_eq!(got, Err(WaitError::TimedOut { last: Some(busy) }));
    assert!(done(&script).is_empty());

    // A resource that never settles: the wait ends by the deadline, with the last read.
    let (c, script, _) = client(vec![Step {
        method: Method::Get,
        path: RES,
        answer: ok(200, &[], r#"{"state":"busy"}"#),
        repeat: true,
    }]);
    let started = std::time::Instant::now();
    let got = c
        .wait_until(
            RES,
            "1",
            Deadline::after(Duration::from_millis(500)),
            None,
            check_state,
        )
        .await;
    match got {
        Err(WaitError::TimedOut { last: Some(r) }) => assert_eq!(r.body["state"], "busy"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    // No wait is started past the deadline (`poll_waits_follow_the_lro_policy…` checks that
    // exactly); what can run past it is the read in flight, which a loaded machine stretches.
    assert!(started.elapsed() < Duration::from_millis(500) + Duration::from_secs(2));
    assert!(
        done(&script).len() > 3,
        "polled at the policy's short interval"
    );
}

#[test]
fn poll_waits_follow_the_lro_policy_and_stop_at_the_deadline() {
    let p = RetryPolicy::default();
    let far = Deadline::after(Duration::from_secs(600));
    let ms = Duration::from_millis;
    // (Retry-After, poll number, deadline, expected wait)
    let cases = [
        (None, 1, far, Some(ms(500))),
        (None, 2, far, Some(ms(750))),
        (None, 20, far, Some(ms(5000))),
        (Some(ms(2000)), 1, far, Some(ms(2000))),
        (Some(Duration::from_secs(600)), 1, far, Some(ms(60_000))),
        (None, 1, Deadline::after(ms(400)), None),
        (None, 1, Deadline::after(Duration::ZERO), None),
        (Some(ms(100)), 7, Deadline::after(ms(400)), Some(ms(100))),
    ];
    for (retry_after, poll, deadline, want) in cases {
        assert_eq!(
            super::lro::poll_wait(&p, retry_after, poll, deadline),
            want,
            "{retry_after:?} poll {poll}"
        );
    }
}

// ---- Error classification: what fails at once, counted in requests (issue 15, item 3) ----

#[tokio::test]
async fn a_failed_location_operation_fails_at_once_with_the_service_message() {
    let loc = ("Location", "https://management.azure.com/op/9");
    let failure = r#"{"error":{"code":"InternalOperationError","message":"The long-running operation failed. Retry the request."}}"#;
    let (c, script, _) = client(vec![
        step(Method::Put, RES, ok(202, &[loc], "")),
        step(Method::Get, "/op/9", ok(202, &[loc], "")),
        step(Method::Get, "/op/9", ok(500, &[], failure)),
        step(Method::Delete, RES, ok(202, &[loc], "")),
        step(Method::Get, "/op/9", ok(500, &[], failure)),
    ]);
    let e = c
        .put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::LroFailed, "{e}");
    assert_eq!(e.code.as_deref(), Some("InternalOperationError"));
    assert!(
        e.to_string().contains("long-running operation failed"),
        "{e}"
    );
    let e = c.delete(RES, "1", soon()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::LroFailed, "{e}");
    // PUT, two polls; DELETE, one poll: no retry of the failure's answer.
    assert_eq!(done(&script).len(), 5);
}

#[tokio::test]
async fn a_location_poll_still_retries_gateway_and_generic_server_errors() {
    let loc = ("Location", "https://management.azure.com/op/9");
    let (c, script, _) = client(vec![
        step(Method::Put, RES, ok(202, &[loc], "")),
        step(
            Method::Get,
            "/op/9",
            ok(
                500,
                &[],
                r#"{"error":{"code":"InternalServerError","message":"oops"}}"#,
            ),
        ),
        step(Method::Get, "/op/9", ok(503, &[("Retry-After", "0")], "")),
        step(Method::Get, "/op/9", ok(429, &[("Retry-After", "0")], "{}")),
        step(Method::Get, "/op/9", ok(200, &[], r#"{"name":"pe"}"#)),
    ]);
    let r = c
        .put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap();
    assert_eq!(r.body["name"], "pe");
    assert_eq!(done(&script).len(), 5);
}

#[tokio::test]
async fn a_failed_or_canceled_async_operation_fails_at_once() {
    let aao = ("Azure-AsyncOperation", "https://management.azure.com/op/3");
    let (c, script, _) = client(vec![
        step(Method::Delete, RES, ok(202, &[aao], "")),
        step(
            Method::Get,
            "/op/3",
            ok(
                200,
                &[],
                r#"{"status":"Failed","error":{"code":"InternalOperationError","message":"it broke"}}"#,
            ),
        ),
        step(Method::Put, RES, ok(201, &[aao], "{}")),
        step(
            Method::Get,
            "/op/3",
            ok(200, &[], r#"{"status":"Canceled"}"#),
        ),
    ]);
    let e = c.delete(RES, "1", soon()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::LroFailed);
    assert!(e.to_string().contains("it broke"), "{e}");
    let e = c
        .put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::LroFailed);
    assert!(e.to_string().contains("Canceled"), "{e}");
    assert_eq!(done(&script).len(), 4);
}

#[tokio::test]
async fn client_errors_fail_at_once_and_only_busy_throttled_or_timed_out_are_retried() {
    let err = |code: &str| format!(r#"{{"error":{{"code":"{code}","message":"m {code}"}}}}"#);
    // (status, code, requests made): a 4xx other than 408, 409-busy and 429 is final.
    let cases: Vec<(u16, &str, usize)> = vec![
        (400, "InvalidParameter", 1),
        (401, "InvalidAuthenticationToken", 1),
        (403, "AuthorizationFailed", 1),
        (404, "ResourceGroupNotFound", 1),
        (409, "Conflict", 1),
        (412, "PreconditionFailed", 1),
        (422, "Unprocessable", 1),
        (409, "AnotherOperationInProgress", 2),
        (429, "TooManyRequests", 2),
        (408, "RequestTimeout", 2),
    ];
    for (status, code, requests) in cases {
        let body: &'static str = Box::leak(err(code).into_boxed_str());
        let mut steps = vec![step(
            Method::Put,
            RES,
            ok(status, &[("Retry-After", "0")], body),
        )];
        if requests == 2 {
            steps.push(step(Method::Put, RES, ok(200, &[], r#"{"name":"pe"}"#)));
        }
        let (c, script, _) = client(steps);
        let got = c
            .put(RES, "1", &json!({}), WriteOptions::default(), soon())
            .await;
        assert_eq!(got.is_ok(), requests == 2, "{status} {code}: {got:?}");
        if let Err(e) = got {
            assert!(e.to_string().contains(&format!("m {code}")), "{e}");
        }
        assert_eq!(done(&script).len(), requests, "{status} {code}");
    }
}

#[tokio::test]
async fn a_refused_redirect_fails_at_once() {
    let (c, script, _) = client(vec![step(
        Method::Get,
        RES,
        Err(TransportError {
            message: "refusing to follow a redirect to non-https URL http://management.azure.com"
                .into(),
            connect: false,
            refused: true,
        }),
    )]);
    let e = c.get(RES, "1", soon()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transport);
    assert!(e.to_string().contains("non-https"), "{e}");
    assert_eq!(done(&script).len(), 1);
}

#[tokio::test]
async fn the_real_transport_refuses_redirects_to_http_and_other_hosts_without_retrying() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A plain-http server that redirects every request; the transport must not follow it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            h.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(
                    b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:1/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
        }
    });
    let http = super::http::build_reqwest_client("t").unwrap();
    let transport = super::http::ReqwestTransport::new(http);
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/start")).unwrap();
    let e = transport.send(HttpRequest::get(url)).await.unwrap_err();
    assert!(e.refused, "{}", e.message);
    assert!(e.message.contains("non-https"), "{}", e.message);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

/// An Entra ID token endpoint that answers the scripted statuses in turn, then a token.
#[derive(Debug)]
struct FlakyIdp {
    statuses: Mutex<VecDeque<u16>>,
    calls: AtomicUsize,
}

#[async_trait]
impl azure_core::http::HttpClient for FlakyIdp {
    async fn execute_request(
        &self,
        _request: &azure_core::http::Request,
    ) -> azure_core::Result<azure_core::http::AsyncRawResponse> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let status = self.statuses.lock().unwrap().pop_front().unwrap_or(200);
        let mut headers = azure_core::http::headers::Headers::new();
        let body = if status == 200 {
            json!({"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN})
        } else {
            headers.insert("retry-after", "0");
            json!({"error": "temporarily_unavailable", "error_description": "try later", "error_codes": [50196]})
        };
        Ok(azure_core::http::AsyncRawResponse::from_bytes(
            azure_core::http::StatusCode::from(status),
            headers,
            body.to_string().into_bytes(),
        ))
    }
}

fn flaky_token_client(
    statuses: &[u16],
    steps: Vec<Step>,
) -> (ArmClient, Arc<Script>, Arc<FlakyIdp>) {
    let idp = Arc::new(FlakyIdp {
        statuses: Mutex::new(statuses.iter().copied().collect()),
        calls: AtomicUsize::new(0),
    });
    let cloud = Cloud::from_environment("public").unwrap();
    let credential = azure_identity::ClientSecretCredential::new(
        "tenant-1",
        "client-1".into(),
        azure_core::credentials::Secret::new("s3cret".to_string()),
        Some(azure_identity::ClientSecretCredentialOptions {
            client_options: azure_core::http::ClientOptions {
                transport: Some(azure_core::http::Transport::new(idp.clone())),
                cloud: Some(Arc::new(cloud.azure_cloud_configuration())),
                retry: azure_core::http::RetryOptions::none(),
                ..Default::default()
            },
        }),
    )
    .unwrap();
    let script = Arc::new(Script {
        steps: Mutex::new(steps.into()),
        seen: Mutex::default(),
    });
    let c = ArmClient::from_parts(
        cloud,
        "s".into(),
        credential,
        script.clone(),
        fast(),
        "t".into(),
        None,
    );
    (c, script, idp)
}

#[tokio::test]
async fn token_requests_retry_throttling_and_server_errors_with_the_same_policy() {
    let (c, script, idp) = flaky_token_client(
        &[429, 503, 500],
        vec![step(Method::Get, RES, ok(200, &[], r#"{"name":"pe"}"#))],
    );
    assert!(c.get(RES, "1", soon()).await.unwrap().is_some());
    assert_eq!(idp.calls.load(Ordering::SeqCst), 4);
    assert_eq!(done(&script).len(), 1);

    // A refused credential (400 invalid_client) fails at once.
    let (c, script, idp) = flaky_token_client(&[400], vec![]);
    let e = c.get(RES, "1", soon()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.to_string().contains("try later"), "{e}");
    assert_eq!(idp.calls.load(Ordering::SeqCst), 1);
    assert!(done(&script).is_empty());
}

#[tokio::test]
async fn cloud_metadata_goes_through_the_retry_policy() {
    let doc = json!([{
        "name": "AzureCloud",
        "resourceManager": "https://127.0.0.1:9443/",
        "authentication": {"loginEndpoint": "https://127.0.0.1:9443", "audiences": ["https://127.0.0.1:9443/"], "tenant": "common"},
        "suffixes": {}
    }])
    .to_string();
    let doc: &'static str = Box::leak(doc.into_boxed_str());
    let script = Script {
        steps: Mutex::new(
            vec![
                step(
                    Method::Get,
                    "/metadata/endpoints",
                    ok(429, &[("Retry-After", "0")], "{}"),
                ),
                step(
                    Method::Get,
                    "/metadata/endpoints",
                    Err(TransportError {
                        message: "connection reset".into(),
                        connect: false,
                        refused: false,
                    }),
                ),
                step(Method::Get, "/metadata/endpoints", ok(500, &[], "")),
                step(Method::Get, "/metadata/endpoints", ok(200, &[], doc)),
                // Then a 404 fails at once.
                step(Method::Get, "/metadata/endpoints", ok(404, &[], "not here")),
            ]
            .into(),
        ),
        seen: Mutex::default(),
    };
    let cloud = Cloud::from_metadata_host(&script, &fast(), "127.0.0.1:9443", None, soon())
        .await
        .unwrap();
    assert_eq!(cloud.resource_manager.as_str(), "https://127.0.0.1:9443/");
    let e = Cloud::from_metadata_host(&script, &fast(), "127.0.0.1:9443", None, soon())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(e.to_string().contains("not here"), "{e}");
    assert_eq!(done(&script).len(), 5);
}

// ---- Reads after our own writes (issue 15, item 1) ----

const NOT_FOUND: &str = r#"{"error":{"code":"ResourceNotFound","message":"not found"}}"#;
const RES_UPPER: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/PrivateEndpoints/pe";
const OTHER: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/other";

#[tokio::test]
async fn reads_after_our_own_write_wait_out_a_404_but_other_reads_do_not() {
    let (c, script, _) = client(vec![
        step(Method::Put, RES, ok(200, &[], r#"{"name":"pe"}"#)),
        // The read right after the create: not visible yet, twice (= not_found_polls).
        step(Method::Get, RES_UPPER, ok(404, &[], NOT_FOUND)),
        step(Method::Get, RES_UPPER, ok(404, &[], NOT_FOUND)),
        step(Method::Get, RES_UPPER, ok(200, &[], r#"{"name":"pe"}"#)),
        // Seen once: a later 404 is drift, answered at once.
        step(Method::Get, RES, ok(404, &[], NOT_FOUND)),
        // A resource we never wrote: 404 at once (imports, drift).
        step(Method::Get, OTHER, ok(404, &[], NOT_FOUND)),
    ]);
    c.put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap();
    // The ID's case may differ between the write and the read.
    assert!(c.get(RES_UPPER, "1", soon()).await.unwrap().is_some());
    assert!(c.get(RES, "1", soon()).await.unwrap().is_none());
    assert!(c.get(OTHER, "1", soon()).await.unwrap().is_none());
    assert_eq!(done(&script).len(), 6);
}

#[tokio::test]
async fn a_read_after_our_write_gives_up_after_the_polling_bound() {
    let (c, script, _) = client(vec![
        step(Method::Put, RES, ok(200, &[], r#"{"name":"pe"}"#)),
        Step {
            method: Method::Get,
            path: RES,
            answer: ok(404, &[], NOT_FOUND),
            repeat: true,
        },
    ]);
    c.put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap();
    assert!(c.get(RES, "1", soon()).await.unwrap().is_none());
    // PUT, then the read and not_found_polls (2) more.
    assert_eq!(done(&script).len(), 1 + 1 + 2);
}

#[tokio::test]
async fn a_read_after_our_own_delete_answers_404_at_once() {
    let (c, script, _) = client(vec![
        step(Method::Put, RES, ok(200, &[], r#"{"name":"pe"}"#)),
        step(Method::Delete, RES, ok(200, &[], "")),
        step(Method::Get, RES, ok(404, &[], NOT_FOUND)),
    ]);
    c.put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap();
    c.delete(RES, "1", soon()).await.unwrap();
    assert!(c.get(RES, "1", soon()).await.unwrap().is_none());
    assert_eq!(done(&script).len(), 3);
}

#[tokio::test]
async fn the_final_get_of_an_operation_waits_out_a_404() {
    let aao = ("Azure-AsyncOperation", "https://management.azure.com/op/3");
    let loc = ("Location", "https://management.azure.com/op/4");
    let (c, script, _) = client(vec![
        step(Method::Put, RES, ok(201, &[aao], "{}")),
        step(
            Method::Get,
            "/op/3",
            ok(200, &[], r#"{"status":"Succeeded"}"#),
        ),
        step(Method::Get, RES, ok(404, &[], NOT_FOUND)),
        step(Method::Get, RES, ok(200, &[], r#"{"name":"pe"}"#)),
        // Location pattern whose result has no body: the final GET, same tolerance.
        step(Method::Patch, RES, ok(202, &[loc], "")),
        step(Method::Get, "/op/4", ok(204, &[], "")),
        step(Method::Get, RES, ok(404, &[], NOT_FOUND)),
        step(Method::Get, RES, ok(404, &[], NOT_FOUND)),
        step(Method::Get, RES, ok(200, &[], r#"{"name":"pe2"}"#)),
        // Never visible: the bound (not_found_polls = 2) ends it with ARM's 404.
        step(Method::Put, RES, ok(201, &[aao], "{}")),
        step(
            Method::Get,
            "/op/3",
            ok(200, &[], r#"{"status":"Succeeded"}"#),
        ),
        step(Method::Get, RES, ok(404, &[], NOT_FOUND)),
        step(Method::Get, RES, ok(404, &[], NOT_FOUND)),
        step(Method::Get, RES, ok(404, &[], NOT_FOUND)),
    ]);
    let r = c
        .put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap();
    assert_eq!(r.body["name"], "pe");
    let r = c
        .patch(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap();
    assert_eq!(r.body["name"], "pe2");
    let e = c
        .put(RES, "1", &json!({}), WriteOptions::default(), soon())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(done(&script).len(), 14);
}

// ---- Logs (issue 15, item 4) ----

#[tokio::test]
async fn every_request_and_retry_is_logged_with_ids_and_timing() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let url_with_secret = format!("{RES}?sig=SIGNATURE-VALUE&$skiptoken=abc");
    let url_with_secret: &str = &url_with_secret;
    let (c, script, _) = client(vec![
        step(
            Method::Get,
            RES,
            ok(
                429,
                &[
                    ("Retry-After", "0"),
                    ("x-ms-correlation-request-id", "corr-7"),
                ],
                r#"{"error":{"code":"TooManyRequests","message":"slow"}}"#,
            ),
        ),
        step(
            Method::Get,
            RES,
            ok(200, &[("x-ms-correlation-request-id", "corr-7")], "{}"),
        ),
    ]);
    c.get(url_with_secret, "2025-07-01", soon()).await.unwrap();
    assert_eq!(done(&script).len(), 2);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains("ARM request")).collect();
    let requests: Vec<&&str> = lines.iter().filter(|l| l.contains("status=")).collect();
    assert_eq!(requests.len(), 2, "{logs}");
    for (line, status) in requests.iter().zip(["429", "200"]) {
        for needle in [
            "DEBUG",
            "method=\"GET\"",
            "url=https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe?api-version=2025-07-01",
            &format!("status={status}"),
            &format!("request_id=\"req-{status}\""),
            "correlation_id=\"corr-7\"",
            "elapsed_ms=",
        ] {
            assert!(line.contains(needle), "{needle} missing in {line}");
        }
    }
    let retry = lines
        .iter()
        .find(|l| l.contains("retrying ARM request"))
        .unwrap_or_else(|| panic!("no retry line: {logs}"));
    assert!(
        retry.contains("attempt=1") && retry.contains("reason=HTTP 429 TooManyRequests"),
        "{retry}"
    );
    assert!(
        !logs.contains("SIGNATURE-VALUE") && !logs.contains("skiptoken"),
        "{logs}"
    );
    // Headers are TRACE only.
    assert!(!logs.contains("request_headers"), "{logs}");
}
