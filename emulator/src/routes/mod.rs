//! Request dispatch. Every request enters [`handle`]: admin and identity endpoints are routed
//! by fixed paths; everything under `/subscriptions/` goes through the ARM pipeline (bearer
//! token, fault injection, rate-limit budget, api-version, 404 ordering SubscriptionNotFound →
//! ResourceGroupNotFound → ParentResourceNotFound → ResourceNotFound) and then to the handler
//! of the resource provider family. The common ARM headers and the request log are added here.

pub mod dns;
pub mod generic;
pub mod ml;
pub mod network;
pub mod online;
pub mod registry;
pub mod resources;

use crate::apiver;
use crate::app::{App, LogEntry};
use crate::errors::{ArmError, ArmResult};
use crate::faults::Fault;
use crate::ids::{self, ResPath, Target};
use crate::lro::{self, Done, Op, OpSpec, Style};
use crate::reply::Reply;
use crate::server::DropConnection;
use crate::state::{norm_etag, Res, World};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Builds the axum router (a single fallback: ARM paths are matched case-insensitively here).
pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

/// Per-request context handed to the handlers.
#[derive(Debug)]
pub struct Ctx {
    /// Uppercase method.
    pub method: String,
    /// Path without query.
    pub path: String,
    /// Query parameters (lowercase keys).
    pub query: HashMap<String, String>,
    /// api-version (empty if absent).
    pub api: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// Raw body.
    pub body: Bytes,
    /// Base URL for absolute links (`https://host:port`).
    pub base: String,
}

impl Ctx {
    /// Header value as string.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as a JSON object; empty or malformed bodies give 400.
    pub fn json(&self) -> ArmResult<Value> {
        if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(ArmError::bad_request(
                "InvalidRequestContent",
                "The request content was invalid and could not be deserialized: 'The request body is empty.'",
            ));
        }
        let v: Value = serde_json::from_slice(&self.body).map_err(|e| {
            ArmError::bad_request(
                "InvalidRequestContent",
                format!("The request content was invalid and could not be deserialized: '{e}'."),
            )
        })?;
        if !v.is_object() {
            return Err(ArmError::bad_request(
                "InvalidRequestContent",
                "The request content was invalid and could not be deserialized: 'expected a JSON object'.",
            ));
        }
        Ok(v)
    }

    /// The body as JSON if present, else an empty object.
    pub fn json_opt(&self) -> ArmResult<Value> {
        if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            Ok(json!({}))
        } else {
            self.json()
        }
    }

    /// Whether the api-version is a preview version.
    pub fn preview(&self) -> bool {
        apiver::is_preview(&self.api)
    }
}

fn query_map(q: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
        .collect()
}

fn redact_body(path: &str, body: &Bytes) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if path.contains("/oauth2/") {
        let mut form = serde_json::Map::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = if k == "client_secret" || k == "client_assertion" {
                "REDACTED".to_string()
            } else {
                v.into_owned()
            };
            form.insert(k.into_owned(), Value::String(v));
        }
        return Value::Object(form);
    }
    let cap = &body[..body.len().min(256 * 1024)];
    serde_json::from_slice(cap)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(cap).into_owned()))
}

/// The single entry point of the HTTP server.
pub async fn handle(State(app): State<Arc<App>>, req: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let method = parts.method.as_str().to_ascii_uppercase();
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let query = query_map(parts.uri.query());
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(String::from)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()));
    let base = match host {
        Some(h) => format!("https://{h}"),
        None => app.base(),
    };
    let ctx = Ctx {
        api: query.get("api-version").cloned().unwrap_or_default(),
        method,
        path,
        query,
        headers: parts.headers,
        body,
        base,
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let correlation = ctx
        .header("x-ms-correlation-request-id")
        .map(String::from)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let is_admin = ctx.path.starts_with("/_emulator/") || ctx.path == "/_emulator";
    let (reply, fault, is_arm) = dispatch(&app, &ctx);
    let reply = match reply {
        Ok(r) => r,
        Err(e) => Reply::from(e),
    };

    let mut resp = if let Some(t) = &reply.text {
        Response::new(Body::from(t.clone()))
    } else if let Some(b) = &reply.body {
        Response::new(Body::from(serde_json::to_vec(b).unwrap_or_default()))
    } else {
        Response::new(Body::empty())
    };
    *resp.status_mut() = reply.status;
    let h = resp.headers_mut();
    if reply.text.is_some() {
        h.insert(
            "content-type",
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    } else if reply.body.is_some() {
        h.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    for (k, v) in &reply.headers {
        if let (Ok(name), Ok(val)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.append(name, val);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-ms-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&correlation) {
        h.insert("x-ms-correlation-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "EMULATOR:{}:{}",
        time::OffsetDateTime::now_utc().unix_timestamp(),
        request_id
    )) {
        h.insert("x-ms-routing-request-id", v);
    }
    if ctx
        .header("x-ms-return-client-request-id")
        .map(|v| v.eq_ignore_ascii_case("true"))
        .unwrap_or(false)
    {
        if let Some(c) = ctx.headers.get("x-ms-client-request-id").cloned() {
            h.insert("x-ms-client-request-id", c);
        }
    }
    if is_arm && !h.contains_key("x-ms-ratelimit-remaining-subscription-reads") {
        let sub = ctx.path.split('/').nth(2).unwrap_or("").to_string();
        let kind = match ctx.method.as_str() {
            "GET" | "HEAD" => "reads",
            "DELETE" => "deletes",
            _ => "writes",
        };
        // The budget was already taken in `dispatch`; report a peek without consuming.
        let left = app.peek_tokens(&sub, kind);
        if let Ok(v) = HeaderValue::from_str(&left.to_string()) {
            h.insert(
                axum::http::HeaderName::from_bytes(
                    format!("x-ms-ratelimit-remaining-subscription-{kind}").as_bytes(),
                )
                .unwrap_or(axum::http::HeaderName::from_static(
                    "x-ms-ratelimit-remaining-subscription-reads",
                )),
                v,
            );
        }
    }
    if !is_admin {
        app.record(LogEntry {
            seq: 0,
            time: crate::state::now_rfc3339(),
            method: ctx.method.clone(),
            path: ctx.path.clone(),
            query: raw_query,
            api_version: if ctx.api.is_empty() {
                None
            } else {
                Some(ctx.api.clone())
            },
            status: if reply.drop_connection {
                0
            } else {
                reply.status.as_u16()
            },
            request_body: redact_body(&ctx.path, &ctx.body),
            request_id: request_id.clone(),
            fault,
            duration_us: started.elapsed().as_micros() as u64,
        });
    }
    if reply.drop_connection {
        resp.extensions_mut().insert(DropConnection);
    }
    tracing::debug!(method = %ctx.method, path = %ctx.path, status = reply.status.as_u16(), "request");
    resp
}

fn fault_reply(f: Fault, spec: &crate::faults::FaultSpec, sub: &str) -> Reply {
    let retry = |e: ArmError| {
        e.with_header("Retry-After", spec.retry_after_s.to_string())
            .with_header("retry-after-ms", spec.retry_after_ms.to_string())
            .with_header("x-ms-retry-after-ms", spec.retry_after_ms.to_string())
    };
    match f {
        Fault::Throttle => retry(ArmError::new(
            429,
            "SubscriptionRequestsThrottled",
            format!("Number of requests for subscription '{sub}' exceeded the limit. Please try again after '{}' seconds.", spec.retry_after_s),
        ))
        .into(),
        Fault::Internal => ArmError::new(
            500,
            "InternalServerError",
            format!("Encountered internal server error. Diagnostic information: timestamp '{}', tracking id '{}'.", crate::state::now_rfc3339(), uuid::Uuid::new_v4()),
        )
        .into(),
        Fault::Unavailable => retry(ArmError::new(
            503,
            "ServiceUnavailable",
            "The server (leader) is currently unable to receive requests. Please retry your request.",
        ))
        .into(),
        Fault::Drop => Reply::dropped(),
        Fault::Conflict => ArmError::another_operation("(fault injection)", "n/a").into(),
        Fault::Precondition => ArmError::precondition(
            "The condition specified using HTTP conditional header(s) is not met (fault injection).",
        )
        .into(),
        Fault::Forbidden => ArmError::new(
            403,
            "AuthorizationFailed",
            format!(
                "The client does not have authorization to perform action over scope '/subscriptions/{sub}' or the scope is invalid (fault injection)."
            ),
        )
        .into(),
    }
}

/// Routes a request; returns the reply, the injected fault name and whether it was an ARM call.
fn dispatch(app: &Arc<App>, ctx: &Ctx) -> (ArmResult<Reply>, Option<String>, bool) {
    let lower = ctx.path.to_ascii_lowercase();
    if lower.starts_with("/_emulator") {
        return (crate::admin::handle(app, ctx), None, false);
    }
    let family = if lower == "/metadata/endpoints" {
        "metadata"
    } else if lower.contains("/oauth2/") || lower == "/msi/token" {
        "token"
    } else {
        "arm"
    };
    if family != "arm" {
        if let Some((f, spec)) = app.faults.decide(family, &ctx.method, &ctx.path) {
            return (Ok(fault_reply(f, &spec, "")), Some(format!("{f:?}")), false);
        }
        let r = identity(app, ctx, &lower);
        return (r, None, false);
    }
    if !lower.starts_with("/subscriptions") {
        return (
            Err(ArmError::new(
                404,
                "NotFound",
                format!("No route for '{} {}'.", ctx.method, ctx.path),
            )),
            None,
            false,
        );
    }
    if let Err(e) = crate::auth::check_bearer(app, ctx.header("authorization")) {
        return (Err(e), None, true);
    }
    let sub = ctx.path.split('/').nth(2).unwrap_or("").to_string();
    if let Some((f, spec)) = app.faults.decide("arm", &ctx.method, &ctx.path) {
        // A 412 only makes sense for a conditional write; others go through untouched.
        if f != Fault::Precondition || ctx.header("if-match").is_some() {
            return (
                Ok(fault_reply(f, &spec, &sub)),
                Some(format!("{f:?}")),
                true,
            );
        }
    }
    let kind = match ctx.method.as_str() {
        "GET" | "HEAD" => "reads",
        "DELETE" => "deletes",
        _ => "writes",
    };
    if app.take_token(&sub, kind).is_none() && app.cfg.enforce_rate_limits {
        let e = ArmError::new(
            429,
            "SubscriptionRequestsThrottled",
            format!("Number of '{kind}' requests for subscription '{sub}' exceeded. Please try again after '1' seconds after additional tokens are available."),
        )
        .with_header("Retry-After", "1")
        .with_header("retry-after-ms", "1000")
        .with_header("x-ms-retry-after-ms", "1000")
        .with_header(&format!("x-ms-ratelimit-remaining-subscription-{kind}"), "0");
        return (Err(e), None, true);
    }
    (arm(app, ctx), None, true)
}

fn identity(app: &Arc<App>, ctx: &Ctx, lower: &str) -> ArmResult<Reply> {
    if lower == "/metadata/endpoints" {
        return Ok(crate::auth::metadata(app));
    }
    if lower == "/metadata/identity/oauth2/token" {
        let has = ctx
            .header("metadata")
            .map(|v| v.eq_ignore_ascii_case("true"))
            .unwrap_or(false);
        return Ok(crate::auth::managed_identity(app, &ctx.query, has));
    }
    if lower == "/msi/token" {
        let has = ctx.header("x-identity-header").is_some() || ctx.header("secret").is_some();
        return Ok(crate::auth::managed_identity(app, &ctx.query, has));
    }
    let segs: Vec<&str> = ctx.path.split('/').filter(|s| !s.is_empty()).collect();
    if ctx.method == "POST" && segs.len() == 4 && lower.ends_with("/oauth2/v2.0/token") {
        return Ok(crate::auth::token(app, segs[0], false, &ctx.body));
    }
    if ctx.method == "POST" && segs.len() == 3 && lower.ends_with("/oauth2/token") {
        return Ok(crate::auth::token(app, segs[0], true, &ctx.body));
    }
    Err(ArmError::new(
        404,
        "NotFound",
        format!("No route for '{} {}'.", ctx.method, ctx.path),
    ))
}

fn write_lock(app: &App) -> std::sync::RwLockWriteGuard<'_, World> {
    app.world.write().unwrap_or_else(|e| e.into_inner())
}

fn read_lock(app: &App) -> std::sync::RwLockReadGuard<'_, World> {
    app.world.read().unwrap_or_else(|e| e.into_inner())
}

/// Runs a write handler under the world lock and schedules the operations it started.
fn with_write<F>(app: &Arc<App>, ctx: &Ctx, f: F) -> ArmResult<Reply>
where
    F: FnOnce(&mut World) -> ArmResult<Reply>,
{
    let (r, ops) = {
        let mut w = write_lock(app);
        let r = f(&mut w);
        let ops = std::mem::take(&mut w.to_schedule);
        for id in &ops {
            if app.faults.lro_fails(&ctx.method, &ctx.path) {
                if let Some(op) = w.ops.get_mut(id) {
                    op.fail = true;
                }
            }
        }
        (r, ops)
    };
    for id in ops {
        lro::schedule(app.clone(), id);
    }
    r
}

fn arm(app: &Arc<App>, ctx: &Ctx) -> ArmResult<Reply> {
    let target = ids::parse(&ctx.path);
    if let Target::Operation { kind, id, .. } = &target {
        if ctx.method != "GET" {
            return Err(ArmError::new(
                405,
                "MethodNotAllowed",
                "Operation URLs only support GET.",
            ));
        }
        let mut w = write_lock(app);
        return Ok(lro::poll(app, &mut w, &ctx.base, kind, id));
    }
    if ctx.api.is_empty() {
        return Err(ArmError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    }
    match target {
        Target::Resource(p) => resource(app, ctx, &p),
        Target::Unknown => Err(ArmError::bad_request(
            "InvalidResourceType",
            format!(
                "The request path '{}' is not a valid ARM resource path.",
                ctx.path
            ),
        )),
        other => resources::handle(app, ctx, other),
    }
}

/// Checks that the subscription and resource group exist (404 codes in ARM's order).
pub fn check_scope(w: &World, sub: &str, rg: Option<&str>) -> ArmResult<()> {
    if !w.has_sub(sub) {
        return Err(ArmError::new(
            404,
            "SubscriptionNotFound",
            format!("The subscription '{sub}' could not be found."),
        ));
    }
    if let Some(rg) = rg {
        let key = ids::key_of(&format!("/subscriptions/{sub}/resourceGroups/{rg}"));
        if w.get(&key).is_none() {
            return Err(ArmError::new(
                404,
                "ResourceGroupNotFound",
                format!("Resource group '{rg}' could not be found."),
            ));
        }
    }
    Ok(())
}

/// Checks that every parent of the addressed resource exists.
pub fn check_parents(w: &World, p: &ResPath, upto: usize) -> ArmResult<()> {
    for n in 1..=upto {
        if w.get(&ids::key_of(&p.id_prefix(n))).is_none() {
            let name: Vec<&str> = p.pairs.iter().take(n).map(|(_, n)| n.as_str()).collect();
            return Err(ArmError::new(
                404,
                "ParentResourceNotFound",
                format!(
                    "Can not perform requested operation on nested resource. Parent resource '{}' not found.",
                    name.join("/")
                ),
            ));
        }
    }
    Ok(())
}

/// 404 `ResourceNotFound` for the addressed resource.
pub fn not_found(p: &ResPath) -> ArmError {
    ArmError::resource_not_found(&p.display(), &p.rg)
}

fn resource(app: &Arc<App>, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let is_action = ctx.method == "POST" && p.tail.is_some();
    let tk = if p.tail.is_some() && !is_action {
        p.list_type_key()
    } else {
        p.type_key()
    };
    let display = {
        let mut s = ids::canon(&p.ns);
        for (t, _) in &p.pairs {
            s.push('/');
            s.push_str(&ids::canon(t));
        }
        if let (Some(t), false) = (&p.tail, is_action) {
            s.push('/');
            s.push_str(&ids::canon(t));
        }
        s
    };
    // DNS record types are checked with the zone's family.
    apiver::check(&tk, &display, &ctx.api)?;
    {
        let w = read_lock(app);
        check_scope(&w, &p.sub, Some(&p.rg))?;
        let parents = if p.tail.is_some() {
            p.pairs.len()
        } else {
            p.pairs.len().saturating_sub(1)
        };
        check_parents(&w, p, parents)?;
        if ctx.method == "GET" {
            if p.tail.is_none() && !p.pairs.is_empty() {
                let key = p.key();
                if app.faults.not_found_after_create(&ctx.path).0 > 0 {
                    let mut fresh = app.fresh.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some((n, until)) = fresh.get_mut(&key) {
                        if *n > 0 && std::time::Instant::now() < *until {
                            *n -= 1;
                            return Err(not_found(p));
                        }
                        fresh.remove(&key);
                    }
                }
                let r = w.get(&key).ok_or_else(|| not_found(p))?;
                let body = view(&w, r, &ctx.api);
                return Ok(with_etag(Reply::json(200, body), r));
            }
            return list(app, &w, ctx, p, &tk);
        }
    }
    if !matches!(
        ctx.method.as_str(),
        "PUT" | "PATCH" | "DELETE" | "POST" | "HEAD"
    ) {
        return Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!("The method '{}' is not allowed.", ctx.method),
        ));
    }
    if ctx.method == "HEAD" {
        let w = read_lock(app);
        return if w.get(&p.key()).is_some() {
            Ok(Reply::empty(204))
        } else {
            Ok(Reply::empty(404))
        };
    }
    let write = registry::family_of(&tk).write;
    let reply = with_write(app, ctx, |w| {
        w.count(&p.key(), &ctx.method);
        write(app, w, ctx, p, &tk)
    })?;
    if ctx.method == "PUT" && reply.status.as_u16() == 201 {
        let (n, lag) = app.faults.not_found_after_create(&ctx.path);
        if n > 0 {
            app.fresh
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(p.key(), (n, std::time::Instant::now() + lag));
        }
    }
    Ok(reply)
}

/// One page of a list: `{value, nextLink?}`. Pages hold `--page-size` items (0 = all) or
/// `$top` if smaller; `nextLink` continues with `$skiptoken`.
pub fn page(app: &App, ctx: &Ctx, items: Vec<Value>) -> Reply {
    let top = ctx.query.get("$top").and_then(|v| v.parse::<usize>().ok());
    page_with(app, ctx, items, top)
}

/// [`page`] with the caller's page-size request `top` (e.g. `$top`, or an RP's `count`).
pub fn page_with(app: &App, ctx: &Ctx, items: Vec<Value>, top: Option<usize>) -> Reply {
    let skip: usize = ctx
        .query
        .get("$skiptoken")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut size = if app.cfg.page_size == 0 {
        usize::MAX
    } else {
        app.cfg.page_size
    };
    if let Some(top) = top {
        size = size.min(top.max(1));
    }
    let total = items.len();
    let end = skip.saturating_add(size).min(total);
    let value: Vec<Value> = items
        .into_iter()
        .skip(skip)
        .take(end.saturating_sub(skip))
        .collect();
    let mut body = json!({ "value": value });
    if end < total {
        let mut q: Vec<String> = ctx
            .query
            .iter()
            .filter(|(k, _)| k.as_str() != "$skiptoken")
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                )
            })
            .collect();
        q.sort();
        q.push(format!("$skiptoken={end}"));
        body["nextLink"] = json!(format!("{}{}?{}", ctx.base, ctx.path, q.join("&")));
    }
    Reply::json(200, body)
}

/// Adds the `ETag` header of a resource.
pub fn with_etag(r: Reply, res: &Res) -> Reply {
    r.header("ETag", res.etag.clone())
}

fn list(app: &App, w: &World, ctx: &Ctx, p: &ResPath, tk: &str) -> ArmResult<Reply> {
    let tail = p.tail.as_deref().unwrap_or("").to_ascii_lowercase();
    if p.pairs.is_empty() {
        // `.../resourceGroups/{rg}/providers/{ns}/{type}`.
        let keys = w.keys_by_type(&p.rg_key(), tk);
        let items: Vec<Value> = keys
            .iter()
            .filter_map(|k| w.get(k))
            .map(|r| view(w, r, &ctx.api))
            .collect();
        return Ok(Reply::json(200, json!({ "value": items })));
    }
    let parent = ids::key_of(&p.id_prefix(p.pairs.len()));
    if let Some(list) = registry::family_of(tk).list {
        if let Some(reply) = list(app, w, ctx, &parent, tk, &tail) {
            return reply;
        }
    }
    let items: Vec<Value> = w
        .children(&parent, &tail)
        .into_iter()
        .map(|r| view(w, r, &ctx.api))
        .collect();
    Ok(page(app, ctx, items))
}

/// The GET representation of a stored resource (children composed in).
pub fn view(w: &World, r: &Res, api: &str) -> Value {
    match registry::hooks(&r.tkey).and_then(|h| h.view) {
        Some(view) => view(w, r, api),
        None => r.doc.clone(),
    }
}

/// ARM's conditional-request checks for a write on `existing`: `If-Match` on a PUT of a missing
/// resource, an `If-Match` that is neither `*` nor the current ETag, and `If-None-Match: *` on a
/// PUT of an existing resource all get 412 `PreconditionFailed`.
pub fn check_conditions(ctx: &Ctx, existing: Option<&Res>) -> ArmResult<()> {
    let if_match = ctx.header("if-match");
    let if_none = ctx.header("if-none-match");
    match (ctx.method.as_str(), existing) {
        ("PUT", None) if if_match.is_some() => {
            return Err(ArmError::precondition(
                "The condition specified using HTTP conditional header(s) is not met: the resource does not exist (If-Match).",
            ));
        }
        (_, Some(r)) => {
            if let Some(m) = if_match {
                let m = m.trim();
                if m != "*" && norm_etag(m) != norm_etag(&r.etag) {
                    return Err(ArmError::precondition(format!(
                        "The condition specified using HTTP conditional header(s) is not met: If-Match {m} does not match the current ETag {}.",
                        r.etag
                    )));
                }
            }
            if ctx.method == "PUT" && if_none.map(|v| v.trim() == "*").unwrap_or(false) {
                return Err(ArmError::precondition(
                    "The condition specified using HTTP conditional header(s) is not met: the resource already exists (If-None-Match: *).",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// 409 when another write holds the lock key.
pub fn check_busy(w: &World, ctx: &Ctx, lock: &str, resource: &str) -> ArmResult<()> {
    if let Some(op_id) = w.busy.get(lock) {
        if let Some(op) = w.ops.get(op_id) {
            if !op.complete {
                let url = lro::status_url(&ctx.base, op)
                    .unwrap_or_else(|| lro::result_url(&ctx.base, op));
                return Err(ArmError::another_operation(resource, &url));
            }
        }
    }
    Ok(())
}

/// Delay of async operations for this request (fault `slow-lro` overrides the config; fault
/// `hang-lro` keeps the operation running for a day, longer than any client waits).
pub fn lro_delay(app: &App, ctx: &Ctx) -> std::time::Duration {
    if app.faults.lro_hangs(&ctx.method, &ctx.path) {
        return std::time::Duration::from_secs(24 * 3600);
    }
    let ms = app
        .faults
        .slow_lro(&ctx.method, &ctx.path)
        .unwrap_or(app.cfg.lro_delay_ms);
    std::time::Duration::from_millis(ms)
}

/// Sets `properties.provisioningState`.
pub fn set_state(doc: &mut Value, state: &str) {
    if !doc.get("properties").map(Value::is_object).unwrap_or(false) {
        doc["properties"] = json!({});
    }
    doc["properties"]["provisioningState"] = json!(state);
}

/// Applies the effect of an async operation that failed (fault `lro-fail`): a pending create
/// disappears, anything else is left with `provisioningState: Failed`.
pub fn apply_failed(w: &mut World, op: &Op) {
    match &op.done {
        Done::Materialize => remove_with_effects(w, &op.key),
        Done::Provision { .. } => {}
        _ => {
            if let Some(r) = w.get_mut(&op.key) {
                match registry::hooks(&r.tkey).and_then(|h| h.on_failed) {
                    Some(on_failed) => on_failed(&mut r.doc),
                    None => set_state(&mut r.doc, "Failed"),
                }
            }
        }
    }
}

/// Applies the completion effect of an async operation.
pub fn apply_done(app: &App, w: &mut World, op: &Op) {
    match &op.done {
        Done::Materialize => {
            if let Some(r) = w.get_mut(&op.key) {
                r.hidden = false;
                set_state(&mut r.doc, "Succeeded");
                if let Some(on_succeeded) = registry::hooks(&r.tkey).and_then(|h| h.on_succeeded) {
                    on_succeeded(&mut r.doc);
                }
                let (n, lag) = app.faults.not_found_after_create(&r.id);
                if n > 0 {
                    app.fresh
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(op.key.clone(), (n, std::time::Instant::now() + lag));
                }
            }
            let tkey = w.get(&op.key).map(|r| r.tkey.clone());
            if let Some(after_create) = tkey
                .and_then(|t| registry::hooks(&t))
                .and_then(|h| h.after_create)
            {
                after_create(app, w, &op.key);
            }
            touch_parent(w, &op.key);
        }
        Done::Succeed => {
            if let Some(before) =
                registry::hooks(&type_of_key(w, &op.key)).and_then(|h| h.before_update_done)
            {
                before(app, w, &op.key);
            }
            if let Some(r) = w.get_mut(&op.key) {
                set_state(&mut r.doc, "Succeeded");
                if let Some(on_succeeded) = registry::hooks(&r.tkey).and_then(|h| h.on_succeeded) {
                    on_succeeded(&mut r.doc);
                }
            }
        }
        Done::Remove => {
            remove_with_effects(w, &op.key);
            touch_parent(w, &op.key);
        }
        Done::Provision { include_spark } => ml::provisioned(w, &op.key, *include_spark),
    }
}

/// New ETag for the parent of a child resource whose state is composed into the parent.
pub fn touch_parent(w: &mut World, key: &str) {
    for child in registry::composed_children() {
        if let Some((parent, _)) = key.rsplit_once(child) {
            let parent = parent.to_string();
            w.touch(&parent);
        }
    }
}

/// Removes a resource tree and undoes its side effects (PE connections, DNS records).
pub fn remove_with_effects(w: &mut World, key: &str) {
    let prefix = format!("{key}/");
    let affected: Vec<(String, String)> = w
        .res
        .range(key.to_string()..)
        .take_while(|(k, _)| k.as_str() == key || k.starts_with(&prefix))
        .map(|(k, r)| (k.clone(), r.tkey.clone()))
        .collect();
    for (k, t) in &affected {
        if let Some(on_removed) = registry::hooks(t).and_then(|h| h.on_removed) {
            on_removed(w, k);
        }
    }
    w.remove_tree(key);
}

/// The type key of a stored resource, or of the path its key spells (a resource already gone).
fn type_of_key(w: &World, key: &str) -> String {
    if let Some(r) = w.get_any(key) {
        return r.tkey.clone();
    }
    match ids::parse(key) {
        Target::Resource(p) => p.type_key(),
        _ => String::new(),
    }
}

/// An async operation a write starts: what it acts on, what it locks, where its URLs point.
pub struct AsyncOp<'a> {
    style: Style,
    key: &'a str,
    lock: &'a str,
    region: &'a str,
    done: Done,
    final_body: Option<Value>,
}

impl<'a> AsyncOp<'a> {
    /// An operation in the RP's URL `style` on `key`, holding `lock` until it completes.
    pub fn new(style: Style, key: &'a str, lock: &'a str, region: &'a str, done: Done) -> Self {
        AsyncOp {
            style,
            key,
            lock,
            region,
            done,
            final_body: None,
        }
    }

    /// The body the `Location` URL answers with once done (actions).
    pub fn with_final_body(mut self, body: Value) -> Self {
        self.final_body = Some(body);
        self
    }

    /// Registers the operation and returns the headers announcing it.
    pub fn start(self, app: &App, w: &mut World, ctx: &Ctx, p: &ResPath) -> Vec<(String, String)> {
        let id = lro::begin(
            w,
            OpSpec {
                sub: &p.sub,
                rg: &p.rg,
                region: self.region,
                style: self.style,
                method: &ctx.method,
                key: self.key,
                lock: self.lock,
                api_version: &ctx.api,
                done: self.done,
                delay: lro_delay(app, ctx),
                final_body: self.final_body,
            },
        );
        match w.ops.get(&id) {
            Some(op) => lro::start_headers(app, &ctx.base, op),
            None => Vec::new(),
        }
    }
}
