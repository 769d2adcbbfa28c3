//! The facade resources use: GET/PUT/PATCH/DELETE/POST/list on ARM paths, each bounded by a
//! [`Deadline`], with long-running operations completed before returning.
//!
//! Resources call `client.put(&id, API_VERSION, &body, WriteOptions::default(), deadline).await?`
//! and get the final resource body; retries, Retry-After, polling and token handling all live
//! below this line, so resource code has no retry or sleep loops of its own (waits for a state are
//! [`ArmClient::wait_until`]). A 404 on GET is `Ok(None)`: a resource that is gone is a value,
//! not an error.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use url::Url;

use super::cloud::Cloud;
use super::credentials::{build_credential, AuthMethod, CredentialOptions};
use super::deadline::Deadline;
use super::error::{ArmError, ErrorKind};
use super::http::{build_reqwest_client, HttpResponse, Method, ReqwestTransport, Transport};
use super::lro;
use super::pipeline::{is_transient_code, ArmRequest, Pipeline, RetryPolicy, TokenCache};

/// Everything needed to build an [`ArmClient`].
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// How to authenticate.
    pub credentials: CredentialOptions,
    /// The provider's subscription (`subscription_id` / `ARM_SUBSCRIPTION_ID`).
    pub subscription_id: String,
    /// `environment` / `ARM_ENVIRONMENT`: `public` (default), `usgovernment`, `china`.
    pub environment: Option<String>,
    /// `metadata_host` / `ARM_METADATA_HOSTNAME`: fetch the cloud from this host instead.
    pub metadata_host: Option<String>,
    /// User-Agent sent on every request.
    pub user_agent: String,
    /// Retry and polling overrides (tests); `None` for the defaults.
    pub retry: Option<RetryPolicy>,
}

/// Conditional-request headers for PUT/PATCH.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// `If-Match`: an etag, or `*` for "must exist".
    pub if_match: Option<String>,
    /// `If-None-Match`: `*` for "must not exist".
    pub if_none_match: Option<String>,
}

/// A resource body as ARM returned it.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// The JSON body (`Null` when ARM sent none).
    pub body: Value,
    /// The etag, from the `ETag` header or the body's `etag`.
    pub etag: Option<String>,
    /// `x-ms-request-id` of the response that carried the body.
    pub request_id: Option<String>,
}

impl Response {
    fn from_http(r: HttpResponse) -> Response {
        let body = if r.body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&r.body).unwrap_or(Value::Null)
        };
        let etag = r
            .header("etag")
            .map(str::to_string)
            .or_else(|| body.get("etag").and_then(Value::as_str).map(str::to_string));
        Response {
            body,
            etag,
            request_id: r.request_id(),
        }
    }
}

/// What the check of [`ArmClient::wait_until`] decides about the resource as last read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wait<T, E> {
    /// The wait is over, with this result.
    Done(T),
    /// The resource will not reach the wanted state: stop with this error.
    Fail(E),
    /// Not yet: read the resource again after the polling interval.
    Pending,
}

/// Why [`ArmClient::wait_until`] stopped without a result.
#[derive(Clone, Debug, PartialEq)]
pub enum WaitError<E> {
    /// Reading the resource failed (after the pipeline's own retries).
    Arm(ArmError),
    /// The check gave up with this error.
    Failed(E),
    /// The next read would start at or after the deadline. `last` is the resource as last read
    /// (`None`: it was not found).
    TimedOut {
        /// The last read.
        last: Option<Response>,
    },
}

/// The ARM client; cheap to clone (one shared inner).
#[derive(Clone)]
pub struct ArmClient {
    inner: Arc<Inner>,
}

struct Inner {
    pipeline: Pipeline,
    cloud: Cloud,
    subscription_id: String,
    auth_method: Option<AuthMethod>,
    /// Resources this process created or updated recently (lowercase URL path → when the write
    /// succeeded) and has not read successfully since: a GET of one of them that answers 404
    /// reads again for a bounded time (replication lag), see [`ArmClient::get`].
    recent_writes: std::sync::Mutex<HashMap<String, Instant>>,
    shared: super::shared_reads::SharedReads,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("cloud", &self.inner.cloud.name)
            .field("subscription_id", &self.inner.subscription_id)
            .field("auth_method", &self.inner.auth_method)
            .finish()
    }
}

/// How long building the client may take (cloud metadata fetch).
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a write whose operation failed with a transient code is sent again.
const MAX_OPERATION_REISSUES: u32 = 4;

/// How long after our own successful create or update a 404 on GET may still be replication lag.
const RECENT_WRITE_WINDOW: Duration = Duration::from_secs(10 * 60);

impl ArmClient {
    /// Builds the HTTP client, resolves the cloud (fetching metadata if `metadata_host` is set) and
    /// the credential. No token is requested yet.
    pub async fn new(opts: ClientOptions) -> Result<ArmClient, ArmError> {
        if opts.subscription_id.trim().is_empty() {
            return Err(ArmError::config(
                "subscription_id (ARM_SUBSCRIPTION_ID) is required",
            ));
        }
        let user_agent = if opts.user_agent.is_empty() {
            format!("terraform-provider-aml/{}", env!("CARGO_PKG_VERSION"))
        } else {
            opts.user_agent.clone()
        };
        let http = build_reqwest_client(&user_agent)?;
        let transport = ReqwestTransport::new(http.clone());
        let cloud = match opts
            .metadata_host
            .as_deref()
            .filter(|h| !h.trim().is_empty())
        {
            Some(host) => {
                Cloud::from_metadata_host(
                    transport.as_ref(),
                    &opts.retry.clone().unwrap_or_default(),
                    host,
                    opts.environment.as_deref(),
                    Deadline::after(SETUP_TIMEOUT),
                )
                .await?
            }
            None => Cloud::from_environment(opts.environment.as_deref().unwrap_or("public"))?,
        };
        let (credential, method) = build_credential(&opts.credentials, &cloud, &http)?;
        tracing::debug!(target: "arm", cloud = %cloud.name, auth = ?method, "ARM client configured");
        Ok(Self::from_parts(
            cloud,
            opts.subscription_id.trim().to_string(),
            credential,
            transport,
            opts.retry.unwrap_or_default(),
            user_agent,
            Some(method),
        ))
    }

    /// Assembles a client from ready parts; tests use it with a scripted transport.
    pub(crate) fn from_parts(
        cloud: Cloud,
        subscription_id: String,
        credential: Arc<dyn azure_core::credentials::TokenCredential>,
        transport: Arc<dyn Transport>,
        policy: RetryPolicy,
        user_agent: String,
        auth_method: Option<AuthMethod>,
    ) -> ArmClient {
        let pipeline = Pipeline {
            transport,
            tokens: TokenCache::new(credential, cloud.token_scope(), policy.clone()),
            policy,
            arm_endpoint: cloud.resource_manager.clone(),
            user_agent,
            pacer: Default::default(),
        };
        ArmClient {
            inner: Arc::new(Inner {
                pipeline,
                cloud,
                subscription_id,
                auth_method,
                recent_writes: std::sync::Mutex::default(),
                shared: Default::default(),
            }),
        }
    }

    /// The key of a resource in `recent_writes`: its URL path, lower case, without a trailing `/`.
    fn write_key(url: &Url) -> String {
        url.path().trim_end_matches('/').to_ascii_lowercase()
    }

    /// Remembers (`Some(now)`) or forgets (`None`) a successful write of the resource at `url`;
    /// entries older than [`RECENT_WRITE_WINDOW`] are dropped on the way.
    fn note_write(&self, url: &Url, at: Option<Instant>) {
        let mut map = self
            .inner
            .recent_writes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.retain(|_, t| t.elapsed() < RECENT_WRITE_WINDOW);
        match at {
            Some(t) => {
                map.insert(Self::write_key(url), t);
            }
            None => {
                map.remove(&Self::write_key(url));
            }
        }
    }

    /// True when this process created or updated the resource at `url` within the window and has
    /// not read it successfully since.
    fn written_recently(&self, url: &Url) -> bool {
        let map = self
            .inner
            .recent_writes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.get(&Self::write_key(url))
            .is_some_and(|t| t.elapsed() < RECENT_WRITE_WINDOW)
    }

    /// The cloud in use.
    pub fn cloud(&self) -> &Cloud {
        &self.inner.cloud
    }

    /// The shared reads of this client (see [`super::shared_reads`]).
    pub fn shared_reads(&self) -> &super::shared_reads::SharedReads {
        &self.inner.shared
    }

    /// The requests of this client answered 429, by bucket (see [`super::pacing`]).
    pub fn throttled(&self, bucket: super::pacing::Bucket) -> u64 {
        self.inner.pipeline.pacer.throttled(bucket)
    }

    /// The provider's default subscription.
    pub fn subscription_id(&self) -> &str {
        &self.inner.subscription_id
    }

    /// The authentication method chosen at construction, if built by [`ArmClient::new`].
    pub fn auth_method(&self) -> Option<AuthMethod> {
        self.inner.auth_method
    }

    /// The absolute URL of an ARM path with its api-version.
    pub fn url(&self, path: &str, api_version: &str) -> Result<Url, ArmError> {
        if !path.starts_with('/') {
            return Err(ArmError::config(format!(
                "ARM path {path:?} must start with \"/\""
            )));
        }
        let base = self
            .inner
            .cloud
            .resource_manager
            .as_str()
            .trim_end_matches('/');
        let mut url = Url::parse(&format!("{base}{path}")).map_err(|e| {
            ArmError::config(format!("ARM path {path:?} is not valid in a URL: {e}"))
        })?;
        let q = match url.query() {
            Some(q) => format!("{q}&api-version={api_version}"),
            None => format!("api-version={api_version}"),
        };
        url.set_query(Some(&q));
        Ok(url)
    }

    /// GET a resource; `Ok(None)` when ARM answers 404 (it is gone). A resource this process
    /// created or updated in the last ten minutes, and has not read since, may not be visible
    /// yet: its 404 is read again with the operation-polling policy
    /// ([`lro::get_after_write`]) before it counts as gone. Any other 404 answers at once, so
    /// drift and imports of missing objects are immediate.
    pub async fn get(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        deadline: Deadline,
    ) -> Result<Option<Response>, ArmError> {
        let url = self.url(id.as_ref(), api_version)?;
        let pipeline = &self.inner.pipeline;
        let resp = if self.written_recently(&url) {
            lro::get_after_write(pipeline, &url, deadline).await?
        } else {
            pipeline
                .send(&ArmRequest::new(Method::Get, url.clone()), deadline)
                .await?
        };
        let read = match resp.status {
            404 => Ok(None),
            s if (200..300).contains(&s) => {
                self.note_write(&url, None);
                Ok(Some(Response::from_http(resp)))
            }
            _ => Err(lro::error_of(&resp)),
        };
        if let Ok(r) = &read {
            self.inner
                .shared
                .seen(id.as_ref(), r.as_ref().map(Into::into).as_ref());
        }
        read
    }

    /// Reads the resource until `check` decides, with the deadline and wait policy of LRO polling:
    /// the wait before read `n` is the policy's poll interval for `n` (growing by half up to its
    /// cap), and the wait stops with [`WaitError::TimedOut`] when that wait would reach the
    /// deadline. `check` sees the resource as read (`None` when ARM answered 404). `first`, when
    /// given (e.g. the body a PUT returned), is checked before any read; without it the first
    /// read is immediate.
    pub async fn wait_until<T, E>(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        deadline: Deadline,
        first: Option<Response>,
        mut check: impl FnMut(Option<&Response>) -> Wait<T, E>,
    ) -> Result<T, WaitError<E>> {
        let mut current = match first {
            Some(r) => Some(r),
            None => self
                .get(id, api_version, deadline)
                .await
                .map_err(WaitError::Arm)?,
        };
        let mut poll = 0u32;
        loop {
            match check(current.as_ref()) {
                Wait::Done(t) => return Ok(t),
                Wait::Fail(e) => return Err(WaitError::Failed(e)),
                Wait::Pending => {}
            }
            poll += 1;
            let Some(wait) = lro::poll_wait(&self.inner.pipeline.policy, None, poll, deadline)
            else {
                return Err(WaitError::TimedOut { last: current });
            };
            tokio::time::sleep(wait).await;
            current = match self.get(id, api_version, deadline).await {
                Ok(r) => r,
                // The deadline passed during the read: the wait timed out, with what was last seen.
                Err(e) if e.kind == ErrorKind::Timeout => {
                    return Err(WaitError::TimedOut { last: current })
                }
                Err(e) => return Err(WaitError::Arm(e)),
            };
        }
    }

    /// PUT a resource and wait for the operation; returns the final resource body.
    pub async fn put(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        body: &Value,
        opts: WriteOptions,
        deadline: Deadline,
    ) -> Result<Response, ArmError> {
        self.write(
            Method::Put,
            id.as_ref(),
            api_version,
            Some(body),
            &opts,
            deadline,
        )
        .await
    }

    /// PATCH a resource and wait for the operation; returns the final resource body.
    pub async fn patch(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        body: &Value,
        opts: WriteOptions,
        deadline: Deadline,
    ) -> Result<Response, ArmError> {
        self.write(
            Method::Patch,
            id.as_ref(),
            api_version,
            Some(body),
            &opts,
            deadline,
        )
        .await
    }

    /// DELETE a resource and wait until it is gone; 404/204 (already gone) is success.
    pub async fn delete(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        deadline: Deadline,
    ) -> Result<(), ArmError> {
        match self
            .write(
                Method::Delete,
                id.as_ref(),
                api_version,
                None,
                &WriteOptions::default(),
                deadline,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// POST an action (e.g. `{workspace}/provisionManagedNetwork`), wait for it, return its result.
    /// POST is not replayed after a lost connection; use [`ArmClient::post_idempotent`] for
    /// actions that are safe to repeat.
    pub async fn post(
        &self,
        id_with_action: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        body: Option<&Value>,
        deadline: Deadline,
    ) -> Result<Option<Value>, ArmError> {
        self.post_inner(id_with_action.as_ref(), api_version, body, false, deadline)
            .await
    }

    /// Like [`ArmClient::post`], for actions the caller knows are safe to send twice.
    pub async fn post_idempotent(
        &self,
        id_with_action: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        body: Option<&Value>,
        deadline: Deadline,
    ) -> Result<Option<Value>, ArmError> {
        self.post_inner(id_with_action.as_ref(), api_version, body, true, deadline)
            .await
    }

    async fn post_inner(
        &self,
        path: &str,
        api_version: &str,
        body: Option<&Value>,
        safe: bool,
        deadline: Deadline,
    ) -> Result<Option<Value>, ArmError> {
        let url = self.url(path, api_version)?;
        let mut req = ArmRequest::new(Method::Post, url.clone());
        req.body = Some(
            body.map(|b| b.to_string().into_bytes())
                .unwrap_or_else(|| b"{}".to_vec()),
        );
        req.post_safe = safe;
        let first = self.inner.pipeline.send(&req, deadline).await?;
        if !first.is_success() {
            return Err(lro::error_of(&first));
        }
        let out = lro::complete(&self.inner.pipeline, Method::Post, &url, first, deadline).await?;
        Ok(out
            .body
            .map(|r| Response::from_http(r).body)
            .filter(|v| !v.is_null()))
    }

    /// A write, marked for the shared reads: no older list answers for the object, and the
    /// final body answers the read that follows (see [`super::shared_reads`]).
    async fn write(
        &self,
        method: Method,
        path: &str,
        api_version: &str,
        body: Option<&Value>,
        opts: &WriteOptions,
        deadline: Deadline,
    ) -> Result<Response, ArmError> {
        let _mark = self.inner.shared.begin_write(path);
        let r = self
            .write_unmarked(method, path, api_version, body, opts, deadline)
            .await;
        if let (Ok(resp), Method::Put | Method::Patch) = (&r, method) {
            self.inner.shared.wrote(path, &resp.into());
        }
        r
    }

    async fn write_unmarked(
        &self,
        method: Method,
        path: &str,
        api_version: &str,
        body: Option<&Value>,
        opts: &WriteOptions,
        deadline: Deadline,
    ) -> Result<Response, ArmError> {
        let url = self.url(path, api_version)?;
        let mut req = ArmRequest::new(method, url.clone());
        req.body = body.map(|b| b.to_string().into_bytes());
        if let Some(v) = &opts.if_match {
            req.headers.push(("if-match".into(), v.clone()));
        }
        if let Some(v) = &opts.if_none_match {
            req.headers.push(("if-none-match".into(), v.clone()));
        }
        if method == Method::Delete {
            // After our own delete a 404 is the expected answer: no tolerance.
            self.note_write(&url, None);
        }
        let mut reissue = 0u32;
        loop {
            let first = self.inner.pipeline.send(&req, deadline).await?;
            if method == Method::Delete && (first.status == 404 || first.status == 204) {
                return Ok(Response {
                    body: Value::Null,
                    etag: None,
                    request_id: first.request_id(),
                });
            }
            if !first.is_success() {
                return Err(lro::error_of(&first));
            }
            match lro::complete(&self.inner.pipeline, method, &url, first, deadline).await {
                Ok(out) => {
                    if method != Method::Delete {
                        self.note_write(&url, Some(Instant::now()));
                    }
                    return Ok(out.body.map(Response::from_http).unwrap_or(Response {
                        body: Value::Null,
                        etag: None,
                        request_id: None,
                    }));
                }
                Err(e)
                    if e.kind == ErrorKind::LroFailed
                        && reissue < MAX_OPERATION_REISSUES
                        && e.code
                            .as_deref()
                            .is_some_and(|c| is_transient_code(c, &e.message)) =>
                {
                    reissue += 1;
                    let wait = self.inner.pipeline.policy.backoff(reissue);
                    if wait >= deadline.remaining() {
                        return Err(ArmError::timeout(
                            &format!("re-sending {} after a transient failure", method.as_str()),
                            Some(e),
                        ));
                    }
                    tracing::debug!(target: "arm", code = e.code.as_deref().unwrap_or(""), reissue, "operation failed transiently; sending it again");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// GET every item of a collection, following `nextLink`.
    pub async fn list(
        &self,
        collection_path: &str,
        api_version: &str,
        deadline: Deadline,
    ) -> Result<Vec<Value>, ArmError> {
        let mut url = self.url(collection_path, api_version)?;
        let mut items = Vec::new();
        for _page in 0..10_000 {
            let resp = self
                .inner
                .pipeline
                .send(&ArmRequest::new(Method::Get, url.clone()), deadline)
                .await?;
            if !resp.is_success() {
                return Err(lro::error_of(&resp));
            }
            let body = Response::from_http(resp).body;
            if let Some(values) = body.get("value").and_then(Value::as_array) {
                items.extend(values.iter().cloned());
            }
            match body
                .get("nextLink")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                Some(next) => {
                    url = url.join(next).map_err(|e| {
                        ArmError::transport(format!("ARM sent an invalid nextLink: {e}"))
                    })?;
                }
                None => return Ok(items),
            }
        }
        Err(ArmError::transport(
            "ARM kept sending nextLink after 10000 pages",
        ))
    }
}
