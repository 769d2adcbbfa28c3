//! Shared test harness: starts an in-process emulator on a free loopback port, builds a
//! reqwest client that trusts the emulator's CA, obtains a token, and offers small helpers for
//! ARM calls and for driving long-running operations to completion.
#![allow(dead_code)]

use aml_arm_emulator::{app::ids, cli::Config, Handle};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::time::Duration;

/// A running emulator plus an authenticated client.
pub struct Env {
    pub h: Handle,
    pub client: reqwest::Client,
    pub token: String,
}

/// A response reduced to what tests look at.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, n: &str) -> Option<String> {
        self.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    }
    pub fn code(&self) -> &str {
        self.body
            .pointer("/error/code")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

pub const SUB: &str = ids::SUBSCRIPTION_ID;
pub const ML_API: &str = "2025-12-01";
pub const ML_PREVIEW: &str = "2026-07-15-preview";
pub const NET_API: &str = "2025-07-01";
pub const DNS_API: &str = "2024-06-01";

pub fn rg_id() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo")
}
pub fn ws_id(name: &str) -> String {
    format!(
        "{}/providers/Microsoft.MachineLearningServices/workspaces/{name}",
        rg_id()
    )
}

pub async fn start_with(cfg: Config) -> Env {
    let h = aml_arm_emulator::run(cfg).await.expect("emulator starts");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(h.ca_pem.as_bytes()).expect("ca pem"))
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let mut env = Env {
        h,
        client,
        token: String::new(),
    };
    let r = env
        .token_request(ids::TENANT_ID, ids::CLIENT_ID, ids::CLIENT_SECRET)
        .await;
    assert_eq!(r.status, 200, "token: {:?}", r.body);
    env.token = r.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    env
}

pub async fn start() -> Env {
    start_with(Config {
        lro_delay_ms: 20,
        ..Default::default()
    })
    .await
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.h.base_url, path)
    }

    pub async fn token_request(&self, tenant: &str, client: &str, secret: &str) -> Resp {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("scope", "https://management.azure.com/.default"),
        ];
        let r = self
            .client
            .post(self.url(&format!("/{tenant}/oauth2/v2.0/token")))
            .form(&form)
            .send()
            .await
            .expect("token request");
        to_resp(r).await
    }

    /// Sends a request; `path` may be absolute (https://...) or start with `/`.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        api: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.try_send(method, path, api, body, headers, true)
            .await
            .expect("request failed")
    }

    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        api: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
        auth: bool,
    ) -> Result<Resp, reqwest::Error> {
        let mut url = if path.starts_with("https://") {
            path.to_string()
        } else {
            self.url(path)
        };
        if let Some(a) = api {
            url.push_str(if url.contains('?') { "&" } else { "?" });
            url.push_str("api-version=");
            url.push_str(a);
        }
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut rb = self.client.request(m, url);
        if auth {
            rb = rb.bearer_auth(&self.token);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let r = rb.send().await?;
        Ok(to_resp(r).await)
    }

    pub async fn get(&self, path: &str, api: &str) -> Resp {
        self.send("GET", path, Some(api), None, &[]).await
    }

    pub async fn put(&self, path: &str, api: &str, body: Value) -> Resp {
        self.send("PUT", path, Some(api), Some(&body), &[]).await
    }

    pub async fn patch(&self, path: &str, api: &str, body: Value) -> Resp {
        self.send("PATCH", path, Some(api), Some(&body), &[]).await
    }

    pub async fn delete(&self, path: &str, api: &str) -> Resp {
        self.send("DELETE", path, Some(api), None, &[]).await
    }

    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let r = self
            .try_send(
                method,
                &format!("/_emulator{path}"),
                None,
                body.as_ref(),
                &[],
                false,
            )
            .await
            .expect("admin call");
        r
    }

    /// Writes a resource out of band (admin API).
    pub async fn seed(&self, id: &str, doc: Value) {
        let r = self
            .admin("PUT", &format!("/resources{id}"), Some(doc))
            .await;
        assert_eq!(r.status, 200, "seed {id}: {:?}", r.body);
    }

    /// Drives an async operation started by `r` to completion; returns the final response
    /// (Location result or, for Azure-AsyncOperation, a GET of `resource_path`).
    pub async fn finish(&self, r: Resp, resource_path: &str, api: &str) -> Resp {
        if let Some(aao) = r.header("azure-asyncoperation") {
            if r.header("location").is_none() || r.status != 202 {
                for _ in 0..2000 {
                    let s = self.send("GET", &aao, None, None, &[]).await;
                    assert_eq!(s.status, 200, "status URL: {:?}", s.body);
                    match s.body["status"].as_str() {
                        Some("InProgress") => tokio::time::sleep(Duration::from_millis(10)).await,
                        Some("Succeeded") => return self.get(resource_path, api).await,
                        other => panic!("operation ended with {other:?}: {:?}", s.body),
                    }
                }
                panic!("operation did not finish");
            }
        }
        if let Some(loc) = r.header("location") {
            for _ in 0..2000 {
                let s = self.send("GET", &loc, None, None, &[]).await;
                if s.status != 202 {
                    return s;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("operation did not finish");
        }
        r
    }
}

pub async fn to_resp(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.unwrap_or_default();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)))
    };
    Resp {
        status,
        headers,
        body,
    }
}

/// One request of a table-driven check and what its response must show.
#[derive(Debug, Clone)]
pub struct Case {
    pub method: &'static str,
    pub path: String,
    pub api: Option<String>,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
    pub auth: bool,
    pub status: Option<u16>,
    pub code: Option<&'static str>,
    /// JSON pointer into the response body → expected value.
    pub fields: Vec<(&'static str, Value)>,
    /// Resource to read once the operation this case starts has finished (see [`Case::finish`]).
    pub finish: Option<String>,
}

/// A case: `method path?api-version=api` with the test token, expecting nothing yet.
pub fn case(method: &'static str, path: impl Into<String>, api: Option<&str>) -> Case {
    Case {
        method,
        path: path.into(),
        api: api.map(String::from),
        body: None,
        headers: Vec::new(),
        auth: true,
        status: None,
        code: None,
        fields: Vec::new(),
        finish: None,
    }
}

impl Case {
    pub fn body(mut self, b: Value) -> Self {
        self.body = Some(b);
        self
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
    /// Sends no bearer token of its own (headers may still carry one).
    pub fn no_auth(mut self) -> Self {
        self.auth = false;
        self
    }
    pub fn status(mut self, s: u16) -> Self {
        self.status = Some(s);
        self
    }
    /// Expects the ARM error code `/error/code`.
    pub fn code(mut self, c: &'static str) -> Self {
        self.code = Some(c);
        self
    }
    /// Expects the body value at a JSON pointer.
    pub fn field(mut self, pointer: &'static str, v: Value) -> Self {
        self.fields.push((pointer, v));
        self
    }
    /// Finishes the async operation this case starts before the next case runs: `status` is
    /// checked on the first response, then [`Env::finish`] drives the operation to completion
    /// (reading `resource_path` at the case's api-version when it is an Azure-AsyncOperation),
    /// and `code` and the fields are checked on the final response, which `check` returns.
    pub fn finish(mut self, resource_path: impl Into<String>) -> Self {
        self.finish = Some(resource_path.into());
        self
    }
}

impl Env {
    /// Sends each case in order and asserts what it expects; returns the responses for
    /// checks a table cannot express.
    pub async fn check(&self, cases: &[Case]) -> Vec<Resp> {
        let mut out = Vec::new();
        for c in cases {
            let headers: Vec<(&str, &str)> = c
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let r = self
                .try_send(
                    c.method,
                    &c.path,
                    c.api.as_deref(),
                    c.body.as_ref(),
                    &headers,
                    c.auth,
                )
                .await
                .unwrap_or_else(|e| panic!("{} {}: {e}", c.method, c.path));
            let label = format!("{} {} (api {:?})", c.method, c.path, c.api);
            if let Some(s) = c.status {
                assert_eq!(r.status, s, "{label}: {:?}", r.body);
            }
            let r = match &c.finish {
                Some(res) => {
                    self.finish(r, res, c.api.as_deref().unwrap_or_default())
                        .await
                }
                None => r,
            };
            if let Some(code) = c.code {
                assert_eq!(r.code(), code, "{label}: {:?}", r.body);
            }
            for (ptr, v) in &c.fields {
                assert_eq!(
                    r.body.pointer(ptr),
                    Some(v),
                    "{label} at {ptr}: {:?}",
                    r.body
                );
            }
            out.push(r);
        }
        out
    }
}
