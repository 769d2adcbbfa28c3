//! Outbound rules of a workspace's managed network (`workspaces/{ws}/outboundRules/{name}`,
//! stable api-version [`api_versions::ML`]), written so that none is lost.
//!
//! ARM accepts several concurrent rule writes to one workspace and keeps only some of them
//! (azapi #453, users.md row 2). Every rule write of this process therefore goes through one
//! per-workspace lock (the client's [`KeyedLocks`](super::KeyedLocks), key
//! [`lock_key`]): writes run back to back, each starting as soon as the previous one finished,
//! never waiting for anything else. After each write the writer lists the workspace's rules and
//! checks that every user rule it knows of (the ones it found before its first write, plus the
//! ones it wrote, minus the ones it deleted) is still there; a missing one is written again, and
//! if rules are still missing after [`REPAIR_ROUNDS`] rounds the write fails loudly, naming them.
//!
//! System rules (category `Required`, `Recommended`, `Dependency`) are never written, never
//! deleted and never remembered as siblings (users.md row 13).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::ids::WorkspaceId;
use super::{api_versions, ArmClient, ArmError, Deadline, ErrorKind, WriteOptions};

/// How many verify-and-repair rounds follow a write before it fails.
pub const REPAIR_ROUNDS: usize = 6;

/// How long a workspace view read for planning may be reused by other rules of the same plan.
pub const VIEW_MAX_AGE: Duration = Duration::from_secs(10);

/// Categories of the rules the service manages.
pub const SYSTEM_CATEGORIES: &[&str] = &["Required", "Recommended", "Dependency"];

/// The lock that serialises the managed-network writes of one workspace (rule writes and
/// provisioning; the service itself refuses them concurrently).
pub fn lock_key(ws: &WorkspaceId) -> String {
    format!("{}#managedNetwork", ws.key())
}

/// Whether a rule body (`{name, properties}` or bare properties) is a system rule.
pub fn is_system(rule: &Value) -> bool {
    let cat = rule
        .pointer("/properties/category")
        .or_else(|| rule.get("category"))
        .and_then(Value::as_str)
        .unwrap_or("UserDefined");
    SYSTEM_CATEGORIES
        .iter()
        .any(|c| c.eq_ignore_ascii_case(cat))
}

/// The name of a listed rule.
pub fn name_of(rule: &Value) -> String {
    rule.get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            rule.get("id")
                .and_then(Value::as_str)
                .and_then(|i| i.rsplit('/').next())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// Counters of the rule writer, for tests and measurements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleStats {
    /// Rule PUTs asked for by resources.
    pub puts: u64,
    /// Rule DELETEs.
    pub deletes: u64,
    /// Rules found missing after a write and written again.
    pub repairs: u64,
    /// Rule listings (verification and planning).
    pub lists: u64,
}

#[derive(Default)]
struct Counters {
    puts: AtomicU64,
    deletes: AtomicU64,
    repairs: AtomicU64,
    lists: AtomicU64,
}

#[derive(Default)]
struct WsBook {
    /// Whether the workspace's user rules were listed before this process's first write.
    seeded: bool,
    /// Lower-case name → (name, the properties to write it again with).
    rules: BTreeMap<String, (String, Value)>,
}

/// A cached workspace view for planning.
#[derive(Clone, Debug)]
pub struct View {
    /// `properties.managedNetwork.isolationMode` (`Disabled` when absent).
    pub isolation_mode: String,
    /// `properties.publicNetworkAccess`, if any.
    pub public_network_access: Option<String>,
    /// Every rule of the workspace (system ones included) as listed.
    pub rules: Vec<Value>,
}

#[derive(Default)]
struct State {
    books: Mutex<HashMap<String, WsBook>>,
    views: Mutex<HashMap<String, (Instant, View)>>,
    planned_modes: Mutex<HashMap<String, String>>,
    firewall_warned: Mutex<std::collections::HashSet<String>>,
    counters: Counters,
}

fn state() -> &'static State {
    static S: OnceLock<State> = OnceLock::new();
    S.get_or_init(State::default)
}

/// The counters so far (process-wide).
pub fn stats() -> RuleStats {
    let c = &state().counters;
    RuleStats {
        puts: c.puts.load(Ordering::Relaxed),
        deletes: c.deletes.load(Ordering::Relaxed),
        repairs: c.repairs.load(Ordering::Relaxed),
        lists: c.lists.load(Ordering::Relaxed),
    }
}

/// Records the isolation mode an `aml_workspace_managed_network` in the same plan will set, so
/// that rule plans of the same run check against it rather than the current one.
pub fn plan_isolation_mode(ws: &WorkspaceId, mode: &str) {
    if let Ok(mut m) = state().planned_modes.lock() {
        m.insert(ws.key(), mode.to_string());
    }
}

/// The isolation mode planned for `ws` in this process, if any.
pub fn planned_isolation_mode(ws: &WorkspaceId) -> Option<String> {
    state()
        .planned_modes
        .lock()
        .ok()
        .and_then(|m| m.get(&ws.key()).cloned())
}

/// Returns true the first time it is called for `ws` in this process (one firewall warning per
/// workspace and plan).
pub fn first_firewall_warning(ws: &WorkspaceId) -> bool {
    state()
        .firewall_warned
        .lock()
        .map(|mut s| s.insert(ws.key()))
        .unwrap_or(false)
}

/// Every rule of the workspace, system ones included; `Ok(None)` when the workspace is gone.
pub async fn list(
    arm: &ArmClient,
    ws: &WorkspaceId,
    deadline: Deadline,
) -> Result<Vec<Value>, ArmError> {
    state().counters.lists.fetch_add(1, Ordering::Relaxed);
    arm.list(&ws.collection("outboundRules"), api_versions::ML, deadline)
        .await
}

/// The workspace as a rule plan needs it, shared by the rules of one plan for
/// [`VIEW_MAX_AGE`]. `Ok(None)` when the workspace does not exist.
pub async fn view(
    arm: &ArmClient,
    ws: &WorkspaceId,
    deadline: Deadline,
) -> Result<Option<View>, ArmError> {
    let _g = arm.locks().lock(&format!("{}#view", ws.key())).await;
    if let Some((at, v)) = state()
        .views
        .lock()
        .ok()
        .and_then(|m| m.get(&ws.key()).cloned())
    {
        if at.elapsed() <= VIEW_MAX_AGE {
            return Ok(Some(v));
        }
    }
    let Some(doc) = arm.get(ws, api_versions::ML, deadline).await? else {
        return Ok(None);
    };
    let mode = doc
        .body
        .pointer("/properties/managedNetwork/isolationMode")
        .and_then(Value::as_str)
        .unwrap_or("Disabled")
        .to_string();
    let rules = if mode == "Disabled" {
        Vec::new()
    } else {
        list(arm, ws, deadline).await?
    };
    let v = View {
        isolation_mode: mode,
        public_network_access: doc
            .body
            .pointer("/properties/publicNetworkAccess")
            .and_then(Value::as_str)
            .map(str::to_string),
        rules,
    };
    if let Ok(mut m) = state().views.lock() {
        m.insert(ws.key(), (Instant::now(), v.clone()));
    }
    Ok(Some(v))
}

/// The request body of a rule: only what a user may write.
fn request_props(listed: &Value) -> Value {
    let p = listed.get("properties").unwrap_or(listed);
    let mut out = json!({
        "type": p.get("type").cloned().unwrap_or(Value::Null),
        "category": "UserDefined",
        "destination": p.get("destination").cloned().unwrap_or(Value::Null),
    });
    if let Some(d) = out["destination"].as_object_mut() {
        d.remove("sparkStatus");
    }
    if let Some(f) = p.get("fqdns").filter(|f| !f.is_null()) {
        out["fqdns"] = f.clone();
    }
    out
}

async fn seed(arm: &ArmClient, ws: &WorkspaceId, deadline: Deadline) -> Result<(), ArmError> {
    let seeded = state()
        .books
        .lock()
        .map(|b| b.get(&ws.key()).map(|w| w.seeded).unwrap_or(false))
        .unwrap_or(false);
    if seeded {
        return Ok(());
    }
    let listed = list(arm, ws, deadline).await?;
    let mut books = state().books.lock().unwrap_or_else(|e| e.into_inner());
    let book = books.entry(ws.key()).or_default();
    for r in listed.iter().filter(|r| !is_system(r)) {
        let name = name_of(r);
        book.rules
            .entry(name.to_ascii_lowercase())
            .or_insert_with(|| (name.clone(), request_props(r)));
    }
    book.seeded = true;
    Ok(())
}

fn remember(ws: &WorkspaceId, name: &str, props: Option<&Value>) {
    let mut books = state().books.lock().unwrap_or_else(|e| e.into_inner());
    let book = books.entry(ws.key()).or_default();
    match props {
        Some(p) => {
            book.rules
                .insert(name.to_ascii_lowercase(), (name.to_string(), p.clone()));
        }
        None => {
            book.rules.remove(&name.to_ascii_lowercase());
        }
    }
}

/// Lists the rules and writes back every known user rule that is missing, until none is or
/// [`REPAIR_ROUNDS`] rounds have passed. Returns the last listing and the names repaired.
async fn verify(
    arm: &ArmClient,
    ws: &WorkspaceId,
    deadline: Deadline,
) -> Result<(Vec<Value>, Vec<String>), ArmError> {
    let mut repaired = Vec::new();
    for round in 0..=REPAIR_ROUNDS {
        let listed = list(arm, ws, deadline).await?;
        let present: std::collections::HashSet<String> = listed
            .iter()
            .map(|r| name_of(r).to_ascii_lowercase())
            .collect();
        let missing: Vec<(String, Value)> = state()
            .books
            .lock()
            .map(|b| {
                b.get(&ws.key())
                    .map(|w| {
                        w.rules
                            .iter()
                            .filter(|(k, _)| !present.contains(*k))
                            .map(|(_, v)| v.clone())
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        if missing.is_empty() {
            return Ok((listed, repaired));
        }
        let names: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
        if round == REPAIR_ROUNDS {
            return Err(ArmError::new(
                ErrorKind::Conflict,
                format!(
                    "outbound rules {} of workspace {ws} disappeared after a write and could not be restored in \
                     {REPAIR_ROUNDS} attempts; another writer is probably changing the workspace's rules at the \
                     same time",
                    names.join(", ")
                ),
            ));
        }
        tracing::warn!(target: "arm", workspace = %ws, rules = ?names, "outbound rules lost by a write; writing them again");
        for (name, props) in missing {
            state().counters.repairs.fetch_add(1, Ordering::Relaxed);
            arm.put(
                &ws.outbound_rule(&name),
                api_versions::ML,
                &json!({ "properties": props }),
                WriteOptions::default(),
                deadline,
            )
            .await?;
            repaired.push(name);
        }
    }
    unreachable!("the last round returns")
}

/// What a rule write leaves behind.
#[derive(Clone, Debug)]
pub struct Written {
    /// The rule as listed after the write (and any repair); `None` if it is not listed.
    pub rule: Option<Value>,
    /// Sibling rules that were lost and written again.
    pub repaired: Vec<String>,
}

/// Creates or updates the user rule `name` with `props` (`{type, category, destination, ...}`),
/// serialised with the workspace's other rule writes, then verifies and repairs its siblings.
pub async fn put_rule(
    arm: &ArmClient,
    ws: &WorkspaceId,
    name: &str,
    props: &Value,
    deadline: Deadline,
) -> Result<Written, ArmError> {
    let _g = arm.locks().lock(&lock_key(ws)).await;
    seed(arm, ws, deadline).await?;
    state().counters.puts.fetch_add(1, Ordering::Relaxed);
    arm.put(
        &ws.outbound_rule(name),
        api_versions::ML,
        &json!({ "properties": props }),
        WriteOptions::default(),
        deadline,
    )
    .await?;
    remember(ws, name, Some(props));
    let (listed, repaired) = verify(arm, ws, deadline).await?;
    let rule = listed
        .into_iter()
        .find(|r| name_of(r).eq_ignore_ascii_case(name));
    Ok(Written { rule, repaired })
}

/// Deletes the user rule `name` (gone already is success), serialised with the workspace's
/// other rule writes, then verifies and repairs its siblings.
pub async fn delete_rule(
    arm: &ArmClient,
    ws: &WorkspaceId,
    name: &str,
    deadline: Deadline,
) -> Result<Vec<String>, ArmError> {
    let _g = arm.locks().lock(&lock_key(ws)).await;
    seed(arm, ws, deadline).await?;
    remember(ws, name, None);
    state().counters.deletes.fetch_add(1, Ordering::Relaxed);
    arm.delete(&ws.outbound_rule(name), api_versions::ML, deadline)
        .await?;
    match verify(arm, ws, deadline).await {
        Ok((_, repaired)) => Ok(repaired),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_rules_are_recognised() {
        assert!(is_system(&json!({"properties": {"category": "Required"}})));
        assert!(is_system(&json!({"category": "dependency"})));
        assert!(!is_system(
            &json!({"properties": {"category": "UserDefined"}})
        ));
        assert!(!is_system(&json!({"properties": {}})));
    }

    #[test]
    fn request_bodies_carry_only_writable_fields() {
        let listed = json!({"name": "pe", "properties": {"type": "PrivateEndpoint", "category": "UserDefined",
            "status": "Active", "errorInformation": null, "parentRuleNames": [],
            "destination": {"serviceResourceId": "/x", "subresourceTarget": "blob", "sparkEnabled": false, "sparkStatus": "Inactive"},
            "fqdns": ["a.b"]}});
        assert_eq!(
            request_props(&listed),
            json!({"type": "PrivateEndpoint", "category": "UserDefined",
                "destination": {"serviceResourceId": "/x", "subresourceTarget": "blob", "sparkEnabled": false},
                "fqdns": ["a.b"]})
        );
        assert_eq!(name_of(&json!({"id": "/a/outboundRules/r1"})), "r1");
    }
}
