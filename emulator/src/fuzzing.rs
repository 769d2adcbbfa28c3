//! The fuzz target body for request routing, shared by the `cargo fuzz` target in the
//! repository's `fuzz/` directory and the stable replay test `tests/fuzz_corpora.rs`, so the two
//! cannot drift. Requests go through the same axum router the HTTPS server serves, in process,
//! without a network. Not part of the emulator's API.
//!
//! Input: up to [`MAX_REQUESTS`] requests separated by a line `---`; each is a line
//! `METHOD URI`, then header lines `Name: value` up to an empty line, then the body. Requests
//! carry a valid bearer token unless they set `authorization` themselves. Every input runs
//! against a fresh emulator with the default world, so inputs replay the same way.

use crate::app::App;
use crate::cli::Config;
use crate::state::World;
use axum::body::Body;
use axum::http::{Request, Response};
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// The most requests one input sends.
pub const MAX_REQUESTS: usize = 8;

/// The bearer token every fuzzed request carries (registered in each fresh emulator).
const TOKEN: &str = "fuzz-token";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

fn seed() -> &'static Vec<Value> {
    static SEED: OnceLock<Vec<Value>> = OnceLock::new();
    SEED.get_or_init(crate::seed::default_world)
}

/// The default world as loaded once (`seed::reset`); every input starts from a copy of it, which
/// costs a fraction of loading the seed again.
fn loaded_world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let app = App::new(Config::default(), seed().clone());
        crate::seed::reset(&app).expect("the default world loads");
        let w = app.world.read().unwrap_or_else(|e| e.into_inner()).clone();
        w
    })
}

/// A fresh emulator state with the default world, operations that complete at once and a known
/// token.
fn fresh_app() -> Arc<App> {
    let cfg = Config {
        lro_delay_ms: 0,
        ..Config::default()
    };
    let app = Arc::new(App::new(cfg, seed().clone()));
    *app.base_url.write().unwrap_or_else(|e| e.into_inner()) = "https://127.0.0.1:1".into();
    *app.world.write().unwrap_or_else(|e| e.into_inner()) = loaded_world().clone();
    app.tokens
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(TOKEN.to_string(), i64::MAX);
    app
}

/// Parses one request of the input format; `None` when it is not a valid HTTP request.
fn parse_request(raw: &[u8]) -> Option<Request<Body>> {
    let (head, body) = match find(raw, b"\n\n") {
        Some(at) => (&raw[..at], &raw[at + 2..]),
        None => (raw, &[][..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, uri) = lines.next()?.split_once(' ')?;
    let mut b = Request::builder().method(method).uri(uri);
    let mut has_auth = false;
    for line in lines {
        let (k, v) = line.split_once(':')?;
        has_auth |= k.trim().eq_ignore_ascii_case("authorization");
        b = b.header(k.trim(), v.trim());
    }
    if !has_auth {
        b = b.header("authorization", format!("Bearer {TOKEN}"));
    }
    b.body(Body::from(body.to_vec())).ok()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Routes every request of the input through a fresh emulator. Never panics; every answer to an
/// ARM path that is an error carries ARM's error envelope, and every JSON body parses.
pub fn route(data: &[u8]) {
    let app = fresh_app();
    let router = crate::routes::router(app.clone());
    let mut rest = data;
    for _ in 0..MAX_REQUESTS {
        let (one, next) = match find(rest, b"\n---\n") {
            Some(at) => (&rest[..at], Some(&rest[at + 5..])),
            None => (rest, None),
        };
        if let Some(req) = parse_request(one) {
            let arm = req
                .uri()
                .path()
                .to_ascii_lowercase()
                .starts_with("/subscriptions");
            // A HEAD answer has headers only (ARM sends no body, whatever the status).
            let head = req.method() == axum::http::Method::HEAD;
            let resp = runtime()
                .block_on(router.clone().oneshot(req))
                .unwrap_or_else(|e| match e {});
            check_response(resp, arm, head);
        }
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
}

fn check_response(resp: Response<Body>, arm: bool, head: bool) {
    let status = resp.status();
    let dropped = resp
        .extensions()
        .get::<crate::server::DropConnection>()
        .is_some();
    let json = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let body = runtime()
        .block_on(axum::body::to_bytes(resp.into_body(), usize::MAX))
        .expect("an in-memory body");
    if dropped || head {
        return;
    }
    let parsed: Option<Value> = if json {
        Some(serde_json::from_slice(&body).expect("a JSON body parses"))
    } else {
        None
    };
    if arm && (status.is_client_error() || status.is_server_error()) {
        let code = parsed
            .as_ref()
            .and_then(|v| v.pointer("/error/code"))
            .and_then(Value::as_str);
        assert!(
            code.is_some_and(|c| !c.is_empty()),
            "{status} without an ARM error envelope: {}",
            String::from_utf8_lossy(&body)
        );
    }
}
