//! Resources the managed network points at (storage accounts, key vaults, container
//! registries, private link services, ...): simple synchronous CRUD so that tests can create
//! them, plus the `privateEndpointConnections` child that every private-link target has
//! (created by a private endpoint, approved or rejected by a synchronous PUT).

use super::registry::{Family, TypeHooks};
use super::{check_busy, check_conditions, not_found, set_state, with_etag, Ctx};
use crate::app::App;
use crate::errors::{ArmError, ArmResult};
use crate::ids::{canon, key_of, ResPath};
use crate::reply::Reply;
use crate::state::{etag_in_body, new_etag, norm_location, system_data, Extra, Res, World};
use serde_json::{json, Value};
use std::sync::Arc;

/// Every other provider (storage, key vault, container registry, ...) in the registry; it
/// owns whatever no other family does.
pub const FAMILY: Family = Family {
    owns: |_| true,
    write,
    list: None,
    types: &[
        TypeHooks {
            view: Some(|w, r, _| view_target(w, r)),
            ..TypeHooks::new("microsoft.storage/storageaccounts")
        },
        TypeHooks {
            view: Some(|w, r, _| view_target(w, r)),
            ..TypeHooks::new("microsoft.keyvault/vaults")
        },
        TypeHooks {
            view: Some(|w, r, _| view_target(w, r)),
            ..TypeHooks::new(REGISTRY_TKEY)
        },
    ],
    composed_children: &["/privateendpointconnections/"],
};

const REGISTRY_TKEY: &str = "microsoft.containerregistry/registries";
const REGISTRY_SKUS: &[&str] = &["Basic", "Standard", "Premium"];

/// A container registry's `sku`: a known `name` (Basic, Standard, Premium) is stored in its
/// canonical casing, and `tier` follows it when absent.
pub fn canon_registry_sku(doc: &mut Value) {
    let Some(name) = doc.pointer("/sku/name").and_then(Value::as_str) else {
        return;
    };
    if let Some(c) = REGISTRY_SKUS.iter().find(|s| s.eq_ignore_ascii_case(name)) {
        doc["sku"]["name"] = json!(c);
        if doc.pointer("/sku/tier").is_none() {
            doc["sku"]["tier"] = json!(c);
        }
    }
}

/// Connection states a resource owner may set.
pub const CONNECTION_STATES: &[&str] =
    &["Pending", "Approved", "Rejected", "Disconnected", "Timeout"];

/// Canonical `type` string of a resource path (`Ns/type/childType`).
pub fn type_string(p: &ResPath) -> String {
    let mut s = canon(&p.ns);
    for (t, _) in &p.pairs {
        s.push('/');
        s.push_str(&canon(t));
    }
    s
}

/// The id for a new resource: parent's stored id + canonical child type + requested name.
pub fn new_id(w: &World, p: &ResPath) -> String {
    let n = p.pairs.len();
    let (t, name) = &p.pairs[n - 1];
    let parent = if n == 1 {
        w.get(&p.rg_key())
            .map(|r| format!("{}/providers/{}", r.id, canon(&p.ns)))
            .unwrap_or_else(|| {
                format!(
                    "/subscriptions/{}/resourceGroups/{}/providers/{}",
                    p.sub,
                    p.rg,
                    canon(&p.ns)
                )
            })
    } else {
        w.get(&key_of(&p.id_prefix(n - 1)))
            .map(|r| r.id.clone())
            .unwrap_or_else(|| p.id_prefix(n - 1))
    };
    format!("{parent}/{}/{name}", canon(t))
}

/// Target types whose GET lists `properties.privateEndpointConnections`.
pub fn view_target(w: &World, r: &Res) -> Value {
    let mut d = r.doc.clone();
    let conns: Vec<Value> = w
        .children(&key_of(&r.id), "privateendpointconnections")
        .into_iter()
        .map(|c| c.doc.clone())
        .collect();
    if !d.get("properties").map(Value::is_object).unwrap_or(false) {
        d["properties"] = json!({});
    }
    d["properties"]["privateEndpointConnections"] = Value::Array(conns);
    d
}

/// Creates the connection resource on a private-link target. Returns its key.
#[allow(clippy::too_many_arguments)]
pub fn create_connection(
    w: &mut World,
    target_key: &str,
    pe_id: &str,
    pe_name: &str,
    subnet_id: &str,
    manual: bool,
    message: &str,
    group_ids: &Value,
) -> Option<String> {
    let target = w.get(target_key)?.clone();
    let name = format!("{pe_name}.{}", uuid::Uuid::new_v4());
    let id = format!("{}/privateEndpointConnections/{name}", target.id);
    let ttype = target.doc["type"].as_str().unwrap_or("").to_string();
    let state = if manual {
        json!({"status": "Pending", "description": if message.is_empty() { "Awaiting approval" } else { message }, "actionsRequired": "None"})
    } else {
        json!({"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"})
    };
    let mut doc = json!({
        "id": id,
        "name": name,
        "type": format!("{ttype}/privateEndpointConnections"),
        "properties": {
            "privateEndpoint": {"id": pe_id, "subnetArmId": subnet_id},
            "privateLinkServiceConnectionState": state,
            "groupIds": group_ids,
            "provisioningState": "Succeeded",
        }
    });
    if let Some(loc) = target.doc.get("location") {
        doc["location"] = loc.clone();
    }
    let tkey = format!("{}/privateendpointconnections", target.tkey);
    w.put(Res {
        id: id.clone(),
        tkey: tkey.clone(),
        doc,
        etag: new_etag(&tkey),
        hidden: false,
        x: Extra::default(),
    });
    w.touch(target_key);
    Some(key_of(&id))
}

/// Synchronous PUT/DELETE of `privateEndpointConnections/{name}` on any target.
pub fn connection_write(w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    match ctx.method.as_str() {
        "PUT" | "PATCH" => {
            let body = ctx.json()?;
            let Some(mut r) = existing else {
                return Err(not_found(p));
            };
            let st = body
                .pointer("/properties/privateLinkServiceConnectionState")
                .cloned()
                .ok_or_else(|| {
                    ArmError::invalid_content(
                        "properties.privateLinkServiceConnectionState is required.",
                    )
                    .with_target("properties.privateLinkServiceConnectionState")
                })?;
            let status = st.get("status").and_then(Value::as_str).unwrap_or("");
            let canon_status = CONNECTION_STATES
                .iter()
                .find(|s| s.eq_ignore_ascii_case(status))
                .ok_or_else(|| {
                    ArmError::bad_request(
                        "InvalidParameter",
                        format!("Invalid private link service connection status '{status}'. Allowed values: {}.", CONNECTION_STATES.join(", ")),
                    )
                    .with_target("properties.privateLinkServiceConnectionState.status")
                })?;
            let cur = r.doc["properties"]["privateLinkServiceConnectionState"]["status"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if cur == "Rejected" && *canon_status == "Approved" {
                return Err(ArmError::bad_request(
                    "CannotApproveRejectedConnection",
                    "A rejected private endpoint connection cannot be approved. Delete and recreate the private endpoint.",
                ));
            }
            let mut new_state = json!({
                "status": canon_status,
                "description": st.get("description").cloned().unwrap_or(json!("")),
                "actionsRequired": st.get("actionsRequired").cloned().unwrap_or(json!("None")),
            });
            if new_state["actionsRequired"].is_null() {
                new_state["actionsRequired"] = json!("None");
            }
            r.doc["properties"]["privateLinkServiceConnectionState"] = new_state;
            set_state(&mut r.doc, "Succeeded");
            r.etag = new_etag(&r.tkey);
            let d = r.doc.clone();
            let rr = r.clone();
            w.put(r);
            crate::routes::touch_parent(w, &key);
            Ok(with_etag(Reply::json(200, d), &rr))
        }
        "DELETE" => {
            if existing.is_none() {
                return Ok(Reply::empty(204));
            }
            w.remove_tree(&key);
            Ok(Reply::empty(200))
        }
        _ => Err(ArmError::new(
            405,
            "MethodNotAllowed",
            "Unsupported method.",
        )),
    }
}

/// Writes for the target-only providers (synchronous).
pub fn write(_app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath, tk: &str) -> ArmResult<Reply> {
    if p.tail.is_some() || p.pairs.is_empty() {
        return Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!(
                "The method '{}' is not allowed on a collection.",
                ctx.method
            ),
        ));
    }
    if tk.ends_with("/privateendpointconnections") {
        return connection_write(w, ctx, p);
    }
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    match ctx.method.as_str() {
        "PUT" => {
            let body = ctx.json()?;
            let mut doc = body.clone();
            let id = existing
                .as_ref()
                .map(|r| r.id.clone())
                .unwrap_or_else(|| new_id(w, p));
            let name = id.rsplit('/').next().unwrap_or("").to_string();
            doc["id"] = json!(id);
            doc["name"] = json!(name);
            doc["type"] = json!(type_string(p));
            if p.pairs.len() == 1 {
                let loc = body
                    .get("location")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        ArmError::bad_request(
                            "LocationRequired",
                            "The location property is required for this definition.",
                        )
                    })?;
                doc["location"] = json!(norm_location(loc));
            }
            doc["systemData"] = system_data(
                existing.as_ref().and_then(|e| e.doc.get("systemData")),
                crate::app::ids::CLIENT_ID,
            );
            set_state(&mut doc, "Succeeded");
            if tk == REGISTRY_TKEY {
                canon_registry_sku(&mut doc);
            }
            let etag = new_etag(tk);
            if etag_in_body(tk) {
                doc["etag"] = json!(etag.clone());
            }
            let res = Res {
                id,
                tkey: tk.to_string(),
                doc,
                etag,
                hidden: false,
                x: Extra::default(),
            };
            let status = if existing.is_some() { 200 } else { 201 };
            let v = super::view(w, &res, &ctx.api);
            let reply = with_etag(Reply::json(status, v), &res);
            w.put(res);
            Ok(reply)
        }
        "PATCH" => {
            let body = ctx.json()?;
            let Some(mut r) = existing else {
                return Err(not_found(p));
            };
            merge(&mut r.doc, &body);
            r.etag = new_etag(tk);
            let v = super::view(w, &r, &ctx.api);
            let reply = with_etag(Reply::json(200, v), &r);
            w.put(r);
            Ok(reply)
        }
        "DELETE" => {
            if existing.is_none() {
                return Ok(Reply::empty(204));
            }
            super::remove_with_effects(w, &key);
            Ok(Reply::empty(200))
        }
        _ => Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!("The method '{}' is not allowed.", ctx.method),
        )),
    }
}

/// JSON merge patch (RFC 7386): objects merge recursively, `null` deletes.
pub fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else if v.is_object() && t.get(k).map(Value::is_object).unwrap_or(false) {
                    if let Some(tv) = t.get_mut(k) {
                        merge(tv, v);
                    }
                } else {
                    t.insert(k.clone(), v.clone());
                }
            }
        }
        _ => *target = patch.clone(),
    }
}
