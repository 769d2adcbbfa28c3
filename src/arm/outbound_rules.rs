//! Outbound rules of a workspace's managed network (`workspaces/{ws}/outboundRules/{name}`,
//! stable api-version [`api_versions::ML`]), written so that none is lost.
//!
//! ARM accepts several concurrent rule writes to one workspace, answers each with success, and
//! keeps only some of them (azapi #453). [`OutboundRules`] is the one writer of the rules of this
//! process: every rule write goes through one per-workspace lock (its own
//! [`KeyedLocks`](super::coordination::KeyedLocks), key [`lock_key`]): writes run back to back,
//! each starting as soon as the previous one finished, never waiting for anything else. After
//! each write the writer lists the workspace's rules and checks that every user rule it knows of
//! (the ones it found before its first write, the ones it wrote, and the ones any listing of this
//! process saw since, out-of-band ones included, minus the ones it deleted) is still there; a missing one is written again, and if rules are still missing after
//! [`REPAIR_ROUNDS`] rounds the write fails loudly, naming them.
//!
//! System rules (category `Required`, `Recommended`, `Dependency`) are never written, never
//! deleted and never remembered as siblings: the service manages them, and a write that sends
//! them back is refused with HTTP 400.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::OwnedMutexGuard;

use super::api_versions;
use super::client::{ArmClient, WriteOptions};
use super::coordination::KeyedLocks;
use super::deadline::Deadline;
use super::error::{ArmError, ErrorKind};
use super::ids::WorkspaceId;

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
    /// Lower-case names this process deleted (and has not written since): a listing taken before
    /// the delete must not bring them back as siblings.
    deleted: HashSet<String>,
}

impl WsBook {
    /// Remembers the user rules of a listing that are not known yet (known ones keep the
    /// properties this process wrote), except the ones this process deleted.
    fn saw(&mut self, listed: &[Value]) {
        for r in listed.iter().filter(|r| !is_system(r)) {
            let name = name_of(r);
            let key = name.to_ascii_lowercase();
            if name.is_empty() || self.deleted.contains(&key) {
                continue;
            }
            self.rules
                .entry(key)
                .or_insert_with(|| (name.clone(), request_props(r)));
        }
    }
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

/// The outbound-rule writer of one ARM client: per-workspace locks, the rules each workspace is
/// known to have (to check siblings after a write), the planning views, and counters. Build one
/// per client and share it; see the module docs.
pub struct OutboundRules {
    arm: ArmClient,
    locks: KeyedLocks,
    books: Mutex<HashMap<String, WsBook>>,
    views: Mutex<HashMap<String, (Instant, View)>>,
    counters: Counters,
}

impl std::fmt::Debug for OutboundRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundRules")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl OutboundRules {
    /// A writer of the rules reached through `arm`, knowing no rule yet.
    pub fn new(arm: ArmClient) -> Self {
        OutboundRules {
            arm,
            locks: KeyedLocks::new(),
            books: Mutex::default(),
            views: Mutex::default(),
            counters: Counters::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> RuleStats {
        let c = &self.counters;
        RuleStats {
            puts: c.puts.load(Ordering::Relaxed),
            deletes: c.deletes.load(Ordering::Relaxed),
            repairs: c.repairs.load(Ordering::Relaxed),
            lists: c.lists.load(Ordering::Relaxed),
        }
    }

    /// Takes the lock that serialises the managed-network writes of `ws` ([`lock_key`]); hold it
    /// while changing the managed network otherwise (provisioning), released on drop.
    pub async fn lock_writes(&self, ws: &WorkspaceId) -> OwnedMutexGuard<()> {
        self.locks.lock(&lock_key(ws)).await
    }

    /// Every rule of the workspace, system ones included. The user rules listed become siblings
    /// that later writes of this process check and repair, as if this process had written them
    /// (a rule written out of band and seen here is protected like our own).
    pub async fn list(&self, ws: &WorkspaceId, deadline: Deadline) -> Result<Vec<Value>, ArmError> {
        self.counters.lists.fetch_add(1, Ordering::Relaxed);
        let listed = self
            .arm
            .list(&ws.collection("outboundRules"), api_versions::ML, deadline)
            .await?;
        self.books
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(ws.key())
            .or_default()
            .saw(&listed);
        Ok(listed)
    }

    /// The workspace as a rule plan needs it, shared by the rules of one plan for
    /// [`VIEW_MAX_AGE`]. `Ok(None)` when the workspace does not exist.
    pub async fn view(
        &self,
        ws: &WorkspaceId,
        deadline: Deadline,
    ) -> Result<Option<View>, ArmError> {
        let _g = self.locks.lock(&format!("{}#view", ws.key())).await;
        if let Some((at, v)) = self
            .views
            .lock()
            .ok()
            .and_then(|m| m.get(&ws.key()).cloned())
        {
            if at.elapsed() <= VIEW_MAX_AGE {
                return Ok(Some(v));
            }
        }
        let Some(doc) = self.arm.get(ws, api_versions::ML, deadline).await? else {
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
            self.list(ws, deadline).await?
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
        if let Ok(mut m) = self.views.lock() {
            m.insert(ws.key(), (Instant::now(), v.clone()));
        }
        Ok(Some(v))
    }

    async fn seed(&self, ws: &WorkspaceId, deadline: Deadline) -> Result<(), ArmError> {
        let seeded = self
            .books
            .lock()
            .map(|b| b.get(&ws.key()).map(|w| w.seeded).unwrap_or(false))
            .unwrap_or(false);
        if seeded {
            return Ok(());
        }
        self.list(ws, deadline).await?;
        let mut books = self.books.lock().unwrap_or_else(|e| e.into_inner());
        books.entry(ws.key()).or_default().seeded = true;
        Ok(())
    }

    fn remember(&self, ws: &WorkspaceId, name: &str, props: Option<&Value>) {
        let mut books = self.books.lock().unwrap_or_else(|e| e.into_inner());
        let book = books.entry(ws.key()).or_default();
        let key = name.to_ascii_lowercase();
        match props {
            Some(p) => {
                book.deleted.remove(&key);
                book.rules.insert(key, (name.to_string(), p.clone()));
            }
            None => {
                book.rules.remove(&key);
                book.deleted.insert(key);
            }
        }
    }

    /// Lists the rules and writes back every known user rule that is missing, until none is or
    /// [`REPAIR_ROUNDS`] rounds have passed. Returns the last listing and the names repaired.
    async fn verify(
        &self,
        ws: &WorkspaceId,
        deadline: Deadline,
    ) -> Result<(Vec<Value>, Vec<String>), ArmError> {
        let mut repaired = Vec::new();
        for round in 0..=REPAIR_ROUNDS {
            let listed = self.list(ws, deadline).await?;
            let present: std::collections::HashSet<String> = listed
                .iter()
                .map(|r| name_of(r).to_ascii_lowercase())
                .collect();
            let missing: Vec<(String, Value)> = self
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
                self.counters.repairs.fetch_add(1, Ordering::Relaxed);
                self.arm
                    .put(
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

    /// Creates or updates the user rule `name` with `props` (`{type, category, destination, ...}`),
    /// serialised with the workspace's other rule writes, then verifies and repairs its siblings.
    pub async fn put_rule(
        &self,
        ws: &WorkspaceId,
        name: &str,
        props: &Value,
        deadline: Deadline,
    ) -> Result<Written, ArmError> {
        let _g = self.locks.lock(&lock_key(ws)).await;
        self.seed(ws, deadline).await?;
        self.counters.puts.fetch_add(1, Ordering::Relaxed);
        self.arm
            .put(
                &ws.outbound_rule(name),
                api_versions::ML,
                &json!({ "properties": props }),
                WriteOptions::default(),
                deadline,
            )
            .await?;
        self.remember(ws, name, Some(props));
        let (listed, repaired) = self.verify(ws, deadline).await?;
        let rule = listed
            .into_iter()
            .find(|r| name_of(r).eq_ignore_ascii_case(name));
        Ok(Written { rule, repaired })
    }

    /// Deletes the user rule `name` (gone already is success), serialised with the workspace's
    /// other rule writes, then verifies and repairs its siblings.
    pub async fn delete_rule(
        &self,
        ws: &WorkspaceId,
        name: &str,
        deadline: Deadline,
    ) -> Result<Vec<String>, ArmError> {
        let _g = self.locks.lock(&lock_key(ws)).await;
        self.seed(ws, deadline).await?;
        self.remember(ws, name, None);
        self.counters.deletes.fetch_add(1, Ordering::Relaxed);
        self.arm
            .delete(&ws.outbound_rule(name), api_versions::ML, deadline)
            .await?;
        match self.verify(ws, deadline).await {
            Ok((_, repaired)) => Ok(repaired),
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
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

/// What a rule write leaves behind.
#[derive(Clone, Debug)]
pub struct Written {
    /// The rule as listed after the write (and any repair); `None` if it is not listed.
    pub rule: Option<Value>,
    /// Sibling rules that were lost and written again.
    pub repaired: Vec<String>,
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

    fn fqdn(name: &str, host: &str) -> Value {
        json!({"name": name, "properties": {"type": "FQDN", "category": "UserDefined", "destination": host}})
    }

    #[test]
    fn listed_rules_become_siblings_but_deleted_ones_do_not_come_back() {
        let mut book = WsBook::default();
        book.rules.insert(
            "ours".into(),
            ("ours".into(), json!({"type": "FQDN", "category": "UserDefined", "destination": "mine.example.com"})),
        );
        book.deleted.insert("gone".into());
        book.saw(&[
            fqdn("Ours", "other.example.com"),
            fqdn("oob", "oob.example.com"),
            fqdn("gone", "gone.example.com"),
            json!({"name": "__SYS_x", "properties": {"type": "FQDN", "category": "Required", "destination": "s"}}),
        ]);
        let names: Vec<&str> = book.rules.keys().map(String::as_str).collect();
        assert_eq!(names, ["oob", "ours"]);
        // What this process wrote wins over a listing.
        assert_eq!(book.rules["ours"].1["destination"], "mine.example.com");
        assert_eq!(
            book.rules["oob"].1,
            json!({"type": "FQDN", "category": "UserDefined", "destination": "oob.example.com"})
        );
    }
}
