//! The admin API under `/_emulator/` (no auth; the server only listens on loopback): request
//! log, write counters, faults, reset, and out-of-band writes/deletes of any resource (no LRO,
//! no counters) for drift tests.

use crate::app::App;
use crate::errors::{ArmError, ArmResult};
use crate::ids::key_of;
use crate::reply::Reply;
use crate::routes::Ctx;
use serde_json::{json, Value};
use std::sync::Arc;

/// Handles `/_emulator/...`.
pub fn handle(app: &Arc<App>, ctx: &Ctx) -> ArmResult<Reply> {
    let rest = ctx
        .path
        .trim_start_matches("/_emulator")
        .trim_start_matches('/');
    let (head, tail) = rest.split_once('/').unwrap_or((rest, ""));
    match (ctx.method.as_str(), head) {
        ("GET", "health") | ("GET", "") => Ok(Reply::json(
            200,
            json!({"status": "ok", "baseUrl": app.base()}),
        )),
        ("GET", "requests") => {
            let since: u64 = ctx
                .query
                .get("since")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let limit: usize = ctx
                .query
                .get("limit")
                .and_then(|v| v.parse().ok())
                .unwrap_or(usize::MAX);
            let log = app.log.lock().unwrap_or_else(|e| e.into_inner());
            let items: Vec<Value> = log
                .iter()
                .filter(|e| e.seq > since)
                .rev()
                .take(limit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
                .collect();
            Ok(Reply::json(200, json!({ "value": items })))
        }
        ("DELETE", "requests") => {
            app.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
            Ok(Reply::empty(204))
        }
        ("GET", "counters") => {
            let w = app.world.read().unwrap_or_else(|e| e.into_inner());
            Ok(Reply::json(
                200,
                serde_json::to_value(&w.counters).unwrap_or(json!({})),
            ))
        }
        ("DELETE", "counters") => {
            app.world
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .counters
                .clear();
            Ok(Reply::empty(204))
        }
        ("GET", "faults") => Ok(Reply::json(
            200,
            json!({"spec": app.faults.get(), "injected": app.faults.injected()}),
        )),
        ("POST", "faults") | ("PUT", "faults") => {
            let text = String::from_utf8_lossy(&ctx.body).trim().to_string();
            let spec = match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(o)) => o
                    .get("spec")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                Ok(Value::String(s)) => s,
                _ => text,
            };
            let parsed = crate::faults::parse(&spec)
                .map_err(|e| ArmError::bad_request("InvalidFaultSpec", e))?;
            app.faults.set(Some(parsed.clone()));
            Ok(Reply::json(200, json!({ "spec": parsed })))
        }
        ("DELETE", "faults") => {
            app.faults.set(None);
            Ok(Reply::empty(204))
        }
        ("POST", "reset") => {
            crate::seed::reset(app).map_err(|e| ArmError::new(500, "ResetFailed", e))?;
            app.world
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .counters
                .clear();
            Ok(Reply::json(200, json!({"status": "reset"})))
        }
        ("POST", "token") => {
            let (tok, exp) = crate::auth::mint(app, "https://management.azure.com/");
            Ok(Reply::json(
                200,
                json!({"access_token": tok, "expires_on": exp, "token_type": "Bearer"}),
            ))
        }
        ("GET", "resources") if tail.is_empty() => {
            let w = app.world.read().unwrap_or_else(|e| e.into_inner());
            let ids: Vec<&str> = w.res.values().map(|r| r.id.as_str()).collect();
            Ok(Reply::json(200, json!({ "value": ids })))
        }
        (m, "resources") => {
            let id: String = tail
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| format!("/{}", crate::ids::decode(s)))
                .collect();
            let key = key_of(&id);
            match m {
                "GET" => {
                    let w = app.world.read().unwrap_or_else(|e| e.into_inner());
                    let r = w.get_any(&key).ok_or_else(|| {
                        ArmError::new(
                            404,
                            "ResourceNotFound",
                            format!("'{id}' is not in the world."),
                        )
                    })?;
                    Ok(Reply::json(
                        200,
                        json!({"id": r.id, "etag": r.etag, "hidden": r.hidden, "document": r.doc}),
                    ))
                }
                "PUT" => {
                    let body = ctx.json()?;
                    let mut w = app.world.write().unwrap_or_else(|e| e.into_inner());
                    let v = crate::seed::import(&mut w, &body, Some(&id))
                        .map_err(|e| ArmError::bad_request("InvalidResource", e))?;
                    Ok(Reply::json(200, v))
                }
                "DELETE" => {
                    let mut w = app.world.write().unwrap_or_else(|e| e.into_inner());
                    if w.get_any(&key).is_none() {
                        return Err(ArmError::new(
                            404,
                            "ResourceNotFound",
                            format!("'{id}' is not in the world."),
                        ));
                    }
                    crate::routes::remove_with_effects(&mut w, &key);
                    Ok(Reply::empty(200))
                }
                _ => Err(ArmError::new(
                    405,
                    "MethodNotAllowed",
                    "Use GET, PUT or DELETE.",
                )),
            }
        }
        _ => Err(ArmError::new(
            404,
            "NotFound",
            format!("No admin route for '{} {}'.", ctx.method, ctx.path),
        )),
    }
}
