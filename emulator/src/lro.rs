//! Long-running operations. A write that ARM models as asynchronous registers an [`Op`]; the
//! response carries the URLs of the operation in the style of the resource provider (ML:
//! `Location`; NRP: `Azure-AsyncOperation` (+ `Location` on delete); Private DNS: both). The
//! operation completes after the configured delay, either from a timer task or lazily when a
//! client polls after the due time, whichever comes first.
//!
//! Retry-After choice: ARM clients honour `Retry-After` in whole seconds, which makes test
//! suites slow, so by default it is omitted and `retry-after-ms` / `x-ms-retry-after-ms` carry
//! the real (small) delay. `--realistic-retry-after` adds `Retry-After: 1`.

use crate::app::App;
use crate::reply::Reply;
use crate::state::{now_rfc3339, World};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What happens to the resource when the operation completes.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    /// A hidden (202) create becomes visible with `provisioningState: Succeeded`.
    Materialize,
    /// The resource's `provisioningState` becomes `Succeeded`.
    Succeed,
    /// The resource (and its children) is removed.
    Remove,
    /// Managed network provisioning of a workspace.
    Provision {
        /// Whether Spark was requested.
        include_spark: bool,
    },
}

/// URL style of the resource provider that owns the operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    /// Microsoft.MachineLearningServices: `Location` only.
    Ml,
    /// Microsoft.MachineLearningServices online endpoints and deployments (the "MFE" API):
    /// `Azure-AsyncOperation` on PUT, `Location` on PATCH and DELETE.
    MlMfe,
    /// Microsoft.Network (NRP): `Azure-AsyncOperation`, plus `Location` on delete.
    Nrp,
    /// Microsoft.Network private DNS: `Location` and `Azure-AsyncOperation`.
    Dns,
    /// Microsoft.Resources (resource group delete): `Location`.
    Resources,
}

/// One asynchronous operation.
#[derive(Debug, Clone)]
pub struct Op {
    /// Operation id (GUID).
    pub id: String,
    /// Subscription id.
    pub sub: String,
    /// Resource group name.
    pub rg: String,
    /// Region used in the operation URL.
    pub region: String,
    /// URL style.
    pub style: Style,
    /// HTTP method that started the operation.
    pub method: String,
    /// Lowercase key of the resource the operation acts on.
    pub key: String,
    /// Lock key (writes on the same key get 409 while this operation runs).
    pub lock: String,
    /// api-version of the starting request (used for the final GET view).
    pub api_version: String,
    /// Completion action.
    pub done: Done,
    /// When the operation is due to complete.
    pub due: Instant,
    /// Whether it has completed.
    pub complete: bool,
    /// Start time (RFC 3339).
    pub start: String,
    /// End time (RFC 3339) once complete.
    pub end: Option<String>,
    /// Final body for actions (POST).
    pub final_body: Option<Value>,
    /// Whether the operation ends in `Failed` (fault `lro-fail`).
    pub fail: bool,
}

/// Parameters to start an operation.
pub struct OpSpec<'a> {
    /// Subscription.
    pub sub: &'a str,
    /// Resource group.
    pub rg: &'a str,
    /// Region for the URL.
    pub region: &'a str,
    /// URL style.
    pub style: Style,
    /// Method.
    pub method: &'a str,
    /// Resource key.
    pub key: &'a str,
    /// Lock key.
    pub lock: &'a str,
    /// api-version.
    pub api_version: &'a str,
    /// Completion action.
    pub done: Done,
    /// Delay before completion.
    pub delay: Duration,
    /// Final body for actions.
    pub final_body: Option<Value>,
}

/// Registers an operation and marks its lock key busy. Returns the operation id.
pub fn begin(w: &mut World, s: OpSpec<'_>) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let op = Op {
        id: id.clone(),
        sub: s.sub.to_string(),
        rg: s.rg.to_string(),
        region: if s.region.is_empty() {
            "global".into()
        } else {
            s.region.to_string()
        },
        style: s.style,
        method: s.method.to_string(),
        key: s.key.to_string(),
        lock: s.lock.to_string(),
        api_version: s.api_version.to_string(),
        done: s.done,
        due: Instant::now() + s.delay,
        complete: false,
        start: now_rfc3339(),
        end: None,
        final_body: s.final_body,
        fail: false,
    };
    w.busy.insert(op.lock.clone(), id.clone());
    // Completed operations are kept for polling; prune old ones so memory stays bounded.
    if w.ops.len() > 20_000 {
        let cutoff = Instant::now() - Duration::from_secs(600);
        w.ops.retain(|_, o| !o.complete || o.due > cutoff);
    }
    w.ops.insert(id.clone(), op);
    w.to_schedule.push(id.clone());
    id
}

/// The status URL (Azure-AsyncOperation) of an operation, if its style has one.
pub fn status_url(base: &str, op: &Op) -> Option<String> {
    let v = &op.api_version;
    match op.style {
        Style::Nrp => Some(format!(
            "{base}/subscriptions/{}/providers/Microsoft.Network/locations/{}/operations/{}?api-version={v}",
            op.sub, op.region, op.id
        )),
        Style::Dns => Some(format!(
            "{base}/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/privateDnsOperationStatuses/{}?api-version={v}",
            op.sub, op.rg, op.id
        )),
        Style::Ml => Some(format!(
            "{base}/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}/operationStatuses/{}?api-version={v}",
            op.sub, op.region, op.id
        )),
        Style::MlMfe => Some(format!(
            "{base}/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}/mfeOperationsStatus/{}?api-version={v}",
            op.sub, op.region, op.id
        )),
        Style::Resources => None,
    }
}

/// The result URL (Location) of an operation.
pub fn result_url(base: &str, op: &Op) -> String {
    let v = &op.api_version;
    match op.style {
        Style::Nrp => format!(
            "{base}/subscriptions/{}/providers/Microsoft.Network/locations/{}/operationResults/{}?api-version={v}",
            op.sub, op.region, op.id
        ),
        Style::Dns => format!(
            "{base}/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/privateDnsOperationResults/{}?api-version={v}",
            op.sub, op.rg, op.id
        ),
        Style::Ml => format!(
            "{base}/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}/operationResults/{}?api-version={v}",
            op.sub, op.region, op.id
        ),
        Style::MlMfe => format!(
            "{base}/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}/mfeOperationResults/{}?api-version={v}",
            op.sub, op.region, op.id
        ),
        Style::Resources => format!(
            "{base}/subscriptions/{}/operationresults/{}?api-version={v}",
            op.sub, op.id
        ),
    }
}

/// Retry hint headers for an operation that is still running.
pub fn retry_headers(app: &App, op: &Op) -> Vec<(String, String)> {
    let left = op
        .due
        .saturating_duration_since(Instant::now())
        .as_millis()
        .max(5);
    let mut h = vec![
        ("retry-after-ms".to_string(), left.to_string()),
        ("x-ms-retry-after-ms".to_string(), left.to_string()),
    ];
    if app.cfg.realistic_retry_after {
        h.push(("Retry-After".to_string(), "1".to_string()));
    }
    h
}

/// Headers announcing a freshly started operation, in the RP's style.
pub fn start_headers(app: &App, base: &str, op: &Op) -> Vec<(String, String)> {
    let mut h = Vec::new();
    match op.style {
        Style::Ml | Style::Resources => h.push(("Location".to_string(), result_url(base, op))),
        Style::MlMfe if op.method == "PUT" => {
            h.push((
                "Azure-AsyncOperation".to_string(),
                status_url(base, op).unwrap_or_default(),
            ));
            h.push((
                "x-ms-async-operation-timeout".to_string(),
                "PT1H".to_string(),
            ));
        }
        Style::MlMfe => h.push(("Location".to_string(), result_url(base, op))),
        Style::Nrp => {
            h.push((
                "Azure-AsyncOperation".to_string(),
                status_url(base, op).unwrap_or_default(),
            ));
            if op.method == "DELETE" {
                h.push(("Location".to_string(), result_url(base, op)));
            }
        }
        Style::Dns => {
            h.push(("Location".to_string(), result_url(base, op)));
            h.push((
                "Azure-AsyncOperation".to_string(),
                status_url(base, op).unwrap_or_default(),
            ));
        }
    }
    h.extend(retry_headers(app, op));
    h
}

/// Completes an operation if it is due (or `force`). Applies its effect on the world.
pub fn complete_if_due(app: &App, w: &mut World, id: &str, force: bool) {
    let Some(op) = w.ops.get(id) else { return };
    if op.complete || (!force && Instant::now() < op.due) {
        return;
    }
    let op = op.clone();
    if op.fail {
        crate::routes::apply_failed(w, &op);
    } else {
        crate::routes::apply_done(app, w, &op);
    }
    if let Some(o) = w.ops.get_mut(id) {
        o.complete = true;
        o.end = Some(now_rfc3339());
    }
    if w.busy.get(&op.lock).map(|b| b == id).unwrap_or(false) {
        w.busy.remove(&op.lock);
    }
}

/// Spawns the timer that completes the operation when it is due.
pub fn schedule(app: Arc<App>, id: String) {
    let due = {
        let w = app.world.read().unwrap_or_else(|e| e.into_inner());
        match w.ops.get(&id) {
            Some(o) => o.due,
            None => return,
        }
    };
    tokio::spawn(async move {
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
        let mut w = app.world.write().unwrap_or_else(|e| e.into_inner());
        complete_if_due(&app, &mut w, &id, true);
    });
}

/// The error an operation failed with (fault `lro-fail`).
fn failure() -> crate::errors::ArmError {
    crate::errors::ArmError::new(
        500,
        "InternalOperationError",
        "The long-running operation failed (fault injection: lro-fail). Retry the request.",
    )
}

/// Answers a poll of an operation URL (`kind` is the lowercase segment before the id).
pub fn poll(app: &App, w: &mut World, base: &str, kind: &str, id: &str) -> Reply {
    complete_if_due(app, w, id, false);
    let Some(op) = w.ops.get(id).cloned() else {
        return crate::errors::ArmError::new(
            404,
            "OperationNotFound",
            format!("The operation '{id}' could not be found."),
        )
        .into();
    };
    let is_status = matches!(
        kind,
        "operations"
            | "operationstatuses"
            | "privatednsoperationstatuses"
            | "asyncoperations"
            | "mfeoperationsstatus"
    );
    if is_status {
        let mut body = json!({
            "id": status_url(base, &op).unwrap_or_default().split('?').next().unwrap_or("").trim_start_matches(base),
            "name": op.id,
            "status": match (op.complete, op.fail) { (false, _) => "InProgress", (true, false) => "Succeeded", (true, true) => "Failed" },
            "startTime": op.start,
            "percentComplete": if op.complete { 100 } else { 50 },
        });
        if let Some(e) = &op.end {
            body["endTime"] = json!(e);
        }
        if op.complete && op.fail {
            body["error"] = failure().body()["error"].clone();
        }
        let r = Reply::json(200, body);
        return if op.complete {
            r
        } else {
            r.headers(retry_headers(app, &op))
        };
    }
    if !op.complete {
        return Reply::empty(202)
            .header("Location", result_url(base, &op))
            .headers(retry_headers(app, &op));
    }
    if op.fail {
        return failure().into();
    }
    match op.method.as_str() {
        "DELETE" => Reply::empty(200),
        "POST" => match &op.final_body {
            Some(b) => Reply::json(200, b.clone()),
            None => Reply::empty(200),
        },
        _ => match w.get(&op.key) {
            Some(r) => Reply::json(200, crate::routes::view(w, r, &op.api_version)),
            None => crate::errors::ArmError::new(
                404,
                "ResourceNotFound",
                "The resource of this operation no longer exists.",
            )
            .into(),
        },
    }
}
