//! Microsoft.Resources: subscriptions, resource groups (delete is an LRO that removes every
//! resource in the group), provider registration documents and subscription-wide lists.

use super::{check_conditions, check_scope, page, read_lock, view, with_write, Ctx};
use crate::apiver;
use crate::app::{ids as fixed, App};
use crate::errors::{ArmError, ArmResult};
use crate::ids::{canon, key_of, Target};
use crate::lro::{self, Done, OpSpec, Style};
use crate::reply::Reply;
use crate::state::{norm_location, Extra, Res, World};
use serde_json::{json, Value};
use std::sync::Arc;

/// Builds a resource-group document.
pub fn rg_doc(sub: &str, name: &str, location: &str, tags: Option<&Value>) -> Value {
    let mut d = json!({
        "id": format!("/subscriptions/{sub}/resourceGroups/{name}"),
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": norm_location(location),
        "properties": {"provisioningState": "Succeeded"},
    });
    if let Some(t) = tags {
        d["tags"] = t.clone();
    }
    d
}

/// Creates a resource group record (used by seeding and the admin API).
pub fn insert_rg(w: &mut World, sub: &str, name: &str, location: &str, tags: Option<&Value>) {
    w.add_sub(sub);
    let doc = rg_doc(sub, name, location, tags);
    w.put(Res {
        id: format!("/subscriptions/{sub}/resourceGroups/{name}"),
        tkey: "microsoft.resources/resourcegroups".into(),
        doc,
        etag: crate::state::new_etag("microsoft.resources/resourcegroups"),
        hidden: false,
        x: Extra::default(),
    });
}

fn sub_doc(sub: &str) -> Value {
    json!({
        "id": format!("/subscriptions/{sub}"),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub,
        "tenantId": fixed::TENANT_ID,
        "displayName": "AML emulator subscription",
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
    })
}

fn provider_doc(sub: &str, ns: &str) -> Option<Value> {
    let l = ns.to_ascii_lowercase();
    let types: Vec<(&str, &[&str])> = match l.as_str() {
        "microsoft.machinelearningservices" => vec![
            ("workspaces", apiver::ML),
            ("workspaces/outboundRules", apiver::ML),
            ("workspaces/privateEndpointConnections", apiver::ML),
            ("locations/operationResults", apiver::ML),
        ],
        "microsoft.network" => vec![
            ("virtualNetworks", apiver::NETWORK),
            ("virtualNetworks/subnets", apiver::NETWORK),
            ("privateEndpoints", apiver::NETWORK),
            ("privateEndpoints/privateDnsZoneGroups", apiver::NETWORK),
            ("privateDnsZones", apiver::PRIVATE_DNS),
            ("privateDnsZones/virtualNetworkLinks", apiver::PRIVATE_DNS),
            ("privateDnsOperationResults", apiver::PRIVATE_DNS),
            ("privateDnsOperationStatuses", apiver::PRIVATE_DNS),
            ("locations/operations", apiver::NETWORK),
            ("locations/operationResults", apiver::NETWORK),
        ],
        n if apiver::NAMESPACES.contains(&n) => vec![],
        _ => return None,
    };
    let rts: Vec<Value> = types
        .iter()
        .map(|(t, v)| json!({"resourceType": t, "locations": ["East US", "East US 2", "West Europe", "global"], "apiVersions": v}))
        .collect();
    Some(json!({
        "id": format!("/subscriptions/{sub}/providers/{}", canon(ns)),
        "namespace": canon(ns),
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": rts,
    }))
}

/// Handles the non-resource ARM targets.
pub fn handle(app: &Arc<App>, ctx: &Ctx, t: Target) -> ArmResult<Reply> {
    match t {
        Target::Subscriptions => {
            apiver::check(
                "microsoft.resources/subscriptions",
                "Microsoft.Resources/subscriptions",
                &ctx.api,
            )?;
            let w = read_lock(app);
            let v: Vec<Value> = w.subs.values().map(|s| sub_doc(s)).collect();
            Ok(Reply::json(
                200,
                json!({"value": v, "count": {"type": "Total", "value": v.len()}}),
            ))
        }
        Target::Subscription { sub } => {
            apiver::check(
                "microsoft.resources/subscriptions",
                "Microsoft.Resources/subscriptions",
                &ctx.api,
            )?;
            let w = read_lock(app);
            check_scope(&w, &sub, None)?;
            let stored = w
                .subs
                .get(&sub.to_ascii_lowercase())
                .cloned()
                .unwrap_or(sub);
            Ok(Reply::json(200, sub_doc(&stored)))
        }
        Target::ResourceGroups { sub } => {
            apiver::check(
                "microsoft.resources/resourcegroups",
                "Microsoft.Resources/resourceGroups",
                &ctx.api,
            )?;
            let w = read_lock(app);
            check_scope(&w, &sub, None)?;
            let prefix = key_of(&format!("/subscriptions/{sub}"));
            let v: Vec<Value> = w
                .keys_by_type(&prefix, "microsoft.resources/resourcegroups")
                .iter()
                .filter_map(|k| w.get(k))
                .map(|r| r.doc.clone())
                .collect();
            Ok(page(app, ctx, v))
        }
        Target::ResourceGroupResources { sub, rg } => {
            apiver::check(
                "microsoft.resources/resources",
                "Microsoft.Resources/resources",
                &ctx.api,
            )?;
            if ctx.method != "GET" {
                return Err(ArmError::new(
                    405,
                    "MethodNotAllowed",
                    "The resources list only supports GET.",
                ));
            }
            let w = read_lock(app);
            check_scope(&w, &sub, Some(&rg))?;
            Ok(page(app, ctx, group_resources(&w, &sub, &rg)))
        }
        Target::ResourceGroup { sub, rg } => {
            apiver::check(
                "microsoft.resources/resourcegroups",
                "Microsoft.Resources/resourceGroups",
                &ctx.api,
            )?;
            resource_group(app, ctx, &sub, &rg)
        }
        Target::Providers { sub, ns } => {
            apiver::check(
                "microsoft.resources/providers",
                "Microsoft.Resources/providers",
                &ctx.api,
            )?;
            let w = read_lock(app);
            check_scope(&w, &sub, None)?;
            match ns {
                None => {
                    let v: Vec<Value> = apiver::NAMESPACES
                        .iter()
                        .filter_map(|n| provider_doc(&sub, n))
                        .collect();
                    Ok(Reply::json(200, json!({ "value": v })))
                }
                Some(ns) => provider_doc(&sub, &ns)
                    .map(|d| Reply::json(200, d))
                    .ok_or_else(|| {
                        ArmError::new(
                            404,
                            "InvalidResourceNamespace",
                            format!("The resource namespace '{ns}' is invalid."),
                        )
                    }),
            }
        }
        Target::SubList { sub, ns, ty } => {
            if ctx.method == "POST" && ty.eq_ignore_ascii_case("register") {
                let w = read_lock(app);
                check_scope(&w, &sub, None)?;
                return provider_doc(&sub, &ns)
                    .map(|d| Reply::json(200, d))
                    .ok_or_else(|| {
                        ArmError::new(
                            404,
                            "InvalidResourceNamespace",
                            format!("The resource namespace '{ns}' is invalid."),
                        )
                    });
            }
            let tk = format!("{}/{}", ns.to_ascii_lowercase(), ty.to_ascii_lowercase());
            apiver::check(&tk, &format!("{}/{}", canon(&ns), canon(&ty)), &ctx.api)?;
            let w = read_lock(app);
            check_scope(&w, &sub, None)?;
            let prefix = key_of(&format!("/subscriptions/{sub}"));
            let v: Vec<Value> = w
                .keys_by_type(&prefix, &tk)
                .iter()
                .filter_map(|k| w.get(k))
                .map(|r| view(&w, r, &ctx.api))
                .collect();
            Ok(page(app, ctx, v))
        }
        _ => Err(ArmError::bad_request(
            "InvalidResourceType",
            "Unsupported path.",
        )),
    }
}

/// ARM's generic list of a resource group: every visible tracked resource in it (one with a
/// `location`: top-level ones and tracked children such as virtual network links; not subnets,
/// outbound rules or zone groups), as `{id, name, type, location}` plus `tags`, `kind` and `sku`
/// where the resource has them, in key order.
fn group_resources(w: &World, sub: &str, rg: &str) -> Vec<Value> {
    let prefix = format!(
        "{}/providers/",
        key_of(&format!("/subscriptions/{sub}/resourceGroups/{rg}"))
    );
    w.res
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .filter(|(_, r)| !r.hidden)
        .filter_map(|(_, r)| {
            let location = r.doc.get("location").and_then(Value::as_str)?;
            let name = r.id.rsplit('/').next().unwrap_or_default();
            let ty = r
                .doc
                .get("type")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| r.tkey.clone());
            let mut item = json!({"id": r.id, "name": name, "type": ty, "location": location});
            for k in ["tags", "kind", "sku"] {
                if let Some(v) = r.doc.get(k).filter(|v| !v.is_null()) {
                    item[k] = v.clone();
                }
            }
            Some(item)
        })
        .collect()
}

fn resource_group(app: &Arc<App>, ctx: &Ctx, sub: &str, rg: &str) -> ArmResult<Reply> {
    let key = key_of(&format!("/subscriptions/{sub}/resourceGroups/{rg}"));
    match ctx.method.as_str() {
        "GET" | "HEAD" => {
            let w = read_lock(app);
            check_scope(&w, sub, None)?;
            match w.get(&key) {
                Some(r) if ctx.method == "GET" => Ok(Reply::json(200, r.doc.clone())),
                Some(_) => Ok(Reply::empty(204)),
                None if ctx.method == "HEAD" => Ok(Reply::empty(404)),
                None => Err(ArmError::new(
                    404,
                    "ResourceGroupNotFound",
                    format!("Resource group '{rg}' could not be found."),
                )),
            }
        }
        "PUT" | "PATCH" | "DELETE" => with_write(app, ctx, |w| {
            check_scope(w, sub, None)?;
            w.count(&key, &ctx.method);
            super::check_busy(w, ctx, &key, rg)?;
            let existing = w.get(&key).cloned();
            check_conditions(ctx, existing.as_ref())?;
            match ctx.method.as_str() {
                "PUT" => {
                    let body = ctx.json()?;
                    let loc = body
                        .get("location")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            ArmError::bad_request(
                                "LocationRequired",
                                "The location property is required for this definition.",
                            )
                        })?;
                    if let Some(e) = &existing {
                        let old = e.doc["location"].as_str().unwrap_or("");
                        if old != norm_location(loc) {
                            return Err(ArmError::bad_request(
                                "InvalidResourceGroupLocation",
                                format!("Invalid resource group location '{loc}'. The Resource group already exists in location '{old}'."),
                            ));
                        }
                        let mut r = e.clone();
                        match body.get("tags") {
                            Some(t) => r.doc["tags"] = t.clone(),
                            None => {
                                if let Some(o) = r.doc.as_object_mut() {
                                    o.remove("tags");
                                }
                            }
                        }
                        let d = r.doc.clone();
                        w.put(r);
                        return Ok(Reply::json(200, d));
                    }
                    let sub_stored = w
                        .subs
                        .get(&sub.to_ascii_lowercase())
                        .cloned()
                        .unwrap_or(sub.to_string());
                    insert_rg(w, &sub_stored, rg, loc, body.get("tags"));
                    Ok(Reply::json(
                        201,
                        w.get(&key).map(|r| r.doc.clone()).unwrap_or_default(),
                    ))
                }
                "PATCH" => {
                    let body = ctx.json()?;
                    let Some(mut r) = existing else {
                        return Err(ArmError::new(
                            404,
                            "ResourceGroupNotFound",
                            format!("Resource group '{rg}' could not be found."),
                        ));
                    };
                    if let Some(t) = body.get("tags") {
                        r.doc["tags"] = t.clone();
                    }
                    let d = r.doc.clone();
                    w.put(r);
                    Ok(Reply::json(200, d))
                }
                _ => {
                    let Some(r) = existing else {
                        return Err(ArmError::new(
                            404,
                            "ResourceGroupNotFound",
                            format!("Resource group '{rg}' could not be found."),
                        ));
                    };
                    if let Some(m) = w.get_mut(&key) {
                        super::set_state(&mut m.doc, "Deleting");
                    }
                    let loc = r.doc["location"].as_str().unwrap_or("eastus").to_string();
                    let id = lro::begin(
                        w,
                        OpSpec {
                            sub,
                            rg,
                            region: &loc,
                            style: Style::Resources,
                            method: "DELETE",
                            key: &key,
                            lock: &key,
                            api_version: &ctx.api,
                            done: Done::Remove,
                            delay: super::lro_delay(app, ctx),
                            final_body: None,
                        },
                    );
                    let op = w.ops.get(&id).cloned().ok_or_else(|| {
                        ArmError::new(500, "InternalServerError", "operation lost")
                    })?;
                    Ok(Reply::empty(202).headers(lro::start_headers(app, &ctx.base, &op)))
                }
            }
        }),
        _ => Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!("The method '{}' is not allowed.", ctx.method),
        )),
    }
}
