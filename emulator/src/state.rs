//! The in-memory world: subscriptions, resources (keyed by lowercase ARM id in a BTreeMap so
//! that children are a cheap prefix range), async operations and write counters. Everything
//! lives behind one `RwLock` in [`crate::app::App`]; no request does disk I/O.

use crate::ids::key_of;
use crate::lro::Op;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// Reference from a private endpoint's connection entry to the connection resource that the
/// target (workspace, storage account, ...) holds.
#[derive(Debug, Clone, Default)]
pub struct ConnRef {
    /// `privateLinkServiceConnections` or `manualPrivateLinkServiceConnections`.
    pub field: String,
    /// Connection name inside the private endpoint.
    pub name: String,
    /// Lowercase key of the target's `privateEndpointConnections/{name}` resource.
    pub conn_key: String,
}

/// Emulator-internal bookkeeping that never appears in a response body.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Record-set keys a private DNS zone group wrote (removed with the group).
    pub owned_records: Vec<String>,
    /// Connections a private endpoint created on its targets.
    pub conn_refs: Vec<ConnRef>,
    /// The api-version of the last write (for information only).
    pub api_version: String,
}

/// One stored resource.
#[derive(Debug, Clone)]
pub struct Res {
    /// ARM id in stored casing.
    pub id: String,
    /// Lowercase type key, e.g. `microsoft.network/privateendpoints`.
    pub tkey: String,
    /// Full resource document as returned by GET (before composition of children).
    pub doc: Value,
    /// Current ETag as sent in the `ETag` header.
    pub etag: String,
    /// True while a 202-style create is in progress (GET answers 404).
    pub hidden: bool,
    /// Internal bookkeeping.
    pub x: Extra,
}

/// Write counters per resource id (lowercase), per method.
pub type Counters = BTreeMap<String, BTreeMap<String, u64>>;

/// The whole mutable state.
#[derive(Debug, Default, Clone)]
pub struct World {
    /// Known subscriptions: lowercase id → id in stored casing.
    pub subs: BTreeMap<String, String>,
    /// Resources by lowercase id (resource groups included).
    pub res: BTreeMap<String, Res>,
    /// Async operations by id.
    pub ops: HashMap<String, Op>,
    /// Lock key → id of the non-terminal operation holding it.
    pub busy: HashMap<String, String>,
    /// Next host number to hand out per subnet (lowercase subnet id).
    pub ip_next: HashMap<String, u32>,
    /// Write counters.
    pub counters: Counters,
    /// Operations started by the current request, to be scheduled once the lock is released.
    pub to_schedule: Vec<String>,
}

impl World {
    /// A visible resource by lowercase key.
    pub fn get(&self, key: &str) -> Option<&Res> {
        self.res.get(key).filter(|r| !r.hidden)
    }

    /// A resource by key, hidden or not.
    pub fn get_any(&self, key: &str) -> Option<&Res> {
        self.res.get(key)
    }

    /// Mutable access to a resource (hidden or not).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Res> {
        self.res.get_mut(key)
    }

    /// Visible direct children of `parent_key` whose type segment is `child_type` (lowercase).
    pub fn children(&self, parent_key: &str, child_type: &str) -> Vec<&Res> {
        let prefix = format!("{parent_key}/{child_type}/");
        self.res
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, r)| !r.hidden && !k[prefix.len()..].contains('/'))
            .map(|(_, r)| r)
            .collect()
    }

    /// Keys of visible resources under `prefix_key` (any depth) with the given type key.
    pub fn keys_by_type(&self, prefix_key: &str, tkey: &str) -> Vec<String> {
        let prefix = format!("{prefix_key}/");
        self.res
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, r)| !r.hidden && r.tkey == tkey)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Inserts or replaces a resource.
    pub fn put(&mut self, res: Res) {
        self.res.insert(key_of(&res.id), res);
    }

    /// Removes a resource and all its descendants; returns what was removed.
    pub fn remove_tree(&mut self, key: &str) -> Vec<Res> {
        let prefix = format!("{key}/");
        let mut keys: Vec<String> = self
            .res
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        keys.push(key.to_string());
        keys.iter().filter_map(|k| self.res.remove(k)).collect()
    }

    /// Whether a subscription is known.
    pub fn has_sub(&self, sub: &str) -> bool {
        self.subs.contains_key(&sub.to_ascii_lowercase())
    }

    /// Registers a subscription.
    pub fn add_sub(&mut self, sub: &str) {
        self.subs
            .entry(sub.to_ascii_lowercase())
            .or_insert_with(|| sub.to_string());
    }

    /// Gives a resource a new ETag (its GET representation changed through a child).
    pub fn touch(&mut self, key: &str) {
        if let Some(r) = self.res.get_mut(key) {
            r.etag = new_etag(&r.tkey);
            if etag_in_body(&r.tkey) {
                r.doc["etag"] = json!(r.etag.clone());
            }
        }
    }

    /// Bumps a write counter.
    pub fn count(&mut self, key: &str, method: &str) {
        *self
            .counters
            .entry(key.to_string())
            .or_default()
            .entry(method.to_string())
            .or_default() += 1;
    }
}

/// A fresh ETag in the style of the resource's RP.
pub fn new_etag(tkey: &str) -> String {
    let g = uuid::Uuid::new_v4();
    if tkey.starts_with("microsoft.network/privatednszones") {
        g.to_string()
    } else if tkey.starts_with("microsoft.network/") {
        format!("W/\"{g}\"")
    } else {
        format!("\"{g}\"")
    }
}

/// Normalises an ETag for comparison (drops `W/` and quotes).
pub fn norm_etag(e: &str) -> String {
    e.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .to_string()
}

/// Whether the ETag is shown in the resource body (Network and Private DNS do that).
pub fn etag_in_body(tkey: &str) -> bool {
    tkey.starts_with("microsoft.network/")
}

/// RFC 3339 timestamp of now.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// `systemData` block for a write by the seeded client.
pub fn system_data(created: Option<&Value>, who: &str) -> Value {
    let now = now_rfc3339();
    let created_at = created
        .and_then(|c| c.get("createdAt"))
        .cloned()
        .unwrap_or_else(|| json!(now));
    let created_by = created
        .and_then(|c| c.get("createdBy"))
        .cloned()
        .unwrap_or_else(|| json!(who));
    json!({
        "createdBy": created_by,
        "createdByType": "Application",
        "createdAt": created_at,
        "lastModifiedBy": who,
        "lastModifiedByType": "Application",
        "lastModifiedAt": now,
    })
}

/// Normalises an ARM location (`East US` → `eastus`).
pub fn norm_location(l: &str) -> String {
    l.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}
