//! Microsoft.MachineLearningServices: workspaces (Default/Hub), their managed network
//! (one-way isolation modes, firewall SKU, system `Required` rules, provisioning), the
//! `outboundRules` child resources kept in sync with `properties.managedNetwork.outboundRules`,
//! private endpoint connections and private link resources. Writes answer 202 + `Location`
//! (no 201), as the ML specs say; preview-only properties (`ipAllowlist`, `networkAcls`) are
//! accepted and shown only on preview api-versions.

use super::registry::{Family, TypeHooks};
use super::{check_busy, check_conditions, not_found, AsyncOp, Ctx};
use crate::app::{ids as fixed, App};
use crate::errors::{ArmError, ArmResult};
use crate::ids::{key_of, ResPath};
use crate::lro::{Done, Style};
use crate::reply::Reply;
use crate::routes::generic::{connection_write, merge, new_id};
use crate::state::{new_etag, norm_location, system_data, Extra, Res, World};
use serde_json::{json, Map, Value};
use std::sync::Arc;

const WS_TYPE: &str = "microsoft.machinelearningservices/workspaces";
const RULE_TKEY: &str = "microsoft.machinelearningservices/workspaces/outboundrules";
const MODES: &[&str] = &[
    "Disabled",
    "AllowInternetOutbound",
    "AllowOnlyApprovedOutbound",
];
const RULE_TYPES: &[&str] = &["FQDN", "PrivateEndpoint", "ServiceTag"];
const SYSTEM_CATEGORIES: &[&str] = &["Required", "Recommended", "Dependency"];
const PATCHABLE: &[&str] = &[
    "applicationInsights",
    "containerRegistry",
    "description",
    "enableDataIsolation",
    "encryption",
    "featureStoreSettings",
    "friendlyName",
    "imageBuildCompute",
    "managedNetwork",
    "primaryUserAssignedIdentity",
    "publicNetworkAccess",
    "serverlessComputeSettings",
    "serviceManagedResourcesSettings",
    "systemDatastoresAuthMode",
    "v1LegacyMode",
];
const PREVIEW_ONLY: &[&str] = &["ipAllowlist", "networkAcls"];
const PREVIEW_PATCHABLE: &[&str] = &[
    "ipAllowlist",
    "networkAcls",
    "softDeleteRetentionInDays",
    "allowRoleAssignmentOnRG",
    "enableSoftwareBillOfMaterials",
];
const READ_ONLY: &[&str] = &[
    "provisioningState",
    "privateEndpointConnections",
    "privateLinkCount",
    "workspaceId",
    "tenantId",
    "discoveryUrl",
    "mlFlowTrackingUri",
    "notebookInfo",
    "serviceProvisionedResourceGroup",
    "storageHnsEnabled",
];
const SYSTEM_SERVICE_TAGS: &[&str] = &[
    "AzureMachineLearning",
    "AzureActiveDirectory",
    "BatchNodeManagement.{region}",
    "AzureResourceManager",
    "AzureFrontDoor.FirstParty",
    "MicrosoftContainerRegistry",
    "AzureMonitor",
    "VirtualNetwork",
];

/// Microsoft.MachineLearningServices in the registry.
pub const FAMILY: Family = Family {
    owns: owns_type,
    write,
    list: Some(list),
    types: &[
        TypeHooks {
            view: Some(view_workspace),
            ..TypeHooks::new(WS_TYPE)
        },
        TypeHooks {
            after_create: Some(rule_created),
            before_update_done: Some(rule_updated),
            on_failed: Some(rule_failed),
            ..TypeHooks::new(RULE_TKEY)
        },
    ],
    composed_children: &["/outboundrules/"],
};

fn owns_type(tk: &str) -> bool {
    tk.split('/').next() == Some("microsoft.machinelearningservices")
}

fn list(
    _app: &App,
    w: &World,
    _ctx: &Ctx,
    parent: &str,
    tk: &str,
    _tail: &str,
) -> Option<ArmResult<Reply>> {
    (tk == "microsoft.machinelearningservices/workspaces/privatelinkresources")
        .then(|| private_link_resources(w, parent))
}

/// A created rule's status follows the managed network; fault `lost-rule` may drop a sibling.
fn rule_created(app: &App, w: &mut World, key: &str) {
    after_rule_change(w, key);
    if let Some(pick) = app.faults.lost_rule(key) {
        drop_sibling_rule(w, key, pick);
    }
}

/// An updated rule: fault `lost-rule` may drop a sibling.
fn rule_updated(app: &App, w: &mut World, key: &str) {
    if let Some(pick) = app.faults.lost_rule(key) {
        drop_sibling_rule(w, key, pick);
    }
}

/// A failed rule write shows `status: Failed` and an error text (rules have no
/// `provisioningState`).
fn rule_failed(doc: &mut Value) {
    doc["properties"]["status"] = json!("Failed");
    doc["properties"]["errorInformation"] =
        json!("The operation failed (injected fault lro-fail).");
}

fn bad(msg: impl Into<String>) -> ArmError {
    ArmError::bad_request("BadRequest", msg)
}

fn valid_name(n: &str) -> bool {
    let b = n.as_bytes();
    (3..=33).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

fn name_error(kind: &str, n: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidResourceName",
        format!("The {kind} name '{n}' is invalid. It must match the pattern '^[a-zA-Z0-9][a-zA-Z0-9_-]{{2,32}}$'."),
    )
}

fn canon_of(v: &str, allowed: &[&str]) -> Option<String> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(v))
        .map(|a| a.to_string())
}

fn rank(mode: &str) -> usize {
    MODES
        .iter()
        .position(|m| m.eq_ignore_ascii_case(mode))
        .unwrap_or(0)
}

/// Isolation mode of a stored workspace.
pub fn mode_of(ws: &Res) -> String {
    ws.doc
        .pointer("/properties/managedNetwork/isolationMode")
        .and_then(Value::as_str)
        .unwrap_or("Disabled")
        .to_string()
}

fn network_active(ws: &Res) -> bool {
    ws.doc
        .pointer("/properties/managedNetwork/status/status")
        .and_then(Value::as_str)
        == Some("Active")
}

/// Workspace GET view: rules map, connections and preview-only fields per api-version.
pub fn view_workspace(w: &World, r: &Res, api: &str) -> Value {
    let mut d = r.doc.clone();
    let k = key_of(&r.id);
    let mut rules = Map::new();
    for rule in w.children(&k, "outboundrules") {
        rules.insert(
            rule.doc["name"].as_str().unwrap_or("").to_string(),
            rule.doc["properties"].clone(),
        );
    }
    let conns: Vec<Value> = w
        .children(&k, "privateendpointconnections")
        .into_iter()
        .map(|c| c.doc.clone())
        .collect();
    if !d.get("properties").map(Value::is_object).unwrap_or(false) {
        d["properties"] = json!({});
    }
    let p = &mut d["properties"];
    if !p
        .get("managedNetwork")
        .map(Value::is_object)
        .unwrap_or(false)
    {
        p["managedNetwork"] = json!({"isolationMode": "Disabled"});
    }
    p["managedNetwork"]["outboundRules"] = Value::Object(rules);
    p["privateLinkCount"] = json!(conns.len());
    p["privateEndpointConnections"] = Value::Array(conns);
    if !crate::apiver::is_preview(api) {
        if let Some(o) = p.as_object_mut() {
            for k in PREVIEW_ONLY {
                o.remove(*k);
            }
        }
    }
    d
}

/// `GET .../privateLinkResources`.
pub fn private_link_resources(w: &World, ws_key: &str) -> ArmResult<Reply> {
    let ws = w
        .get(ws_key)
        .ok_or_else(|| ArmError::new(404, "ResourceNotFound", "Workspace not found."))?;
    Ok(Reply::json(
        200,
        json!({"value": [{
            "id": format!("{}/privateLinkResources/amlworkspace", ws.id),
            "name": "amlworkspace",
            "type": "Microsoft.MachineLearningServices/workspaces/privateLinkResources",
            "location": ws.doc["location"],
            "properties": {"groupId": "amlworkspace", "requiredMembers": ["default"],
                           "requiredZoneNames": ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"]},
        }]}),
    ))
}

fn is_ipv4_or_cidr(v: &str) -> Option<(std::net::Ipv4Addr, u8)> {
    let (ip, len) = match v.split_once('/') {
        Some((ip, l)) => (ip, l.parse::<u8>().ok().filter(|l| *l <= 32)?),
        None => (v, 32),
    };
    Some((ip.parse().ok()?, len))
}

fn check_public_ip(v: &str, field: &str) -> ArmResult<()> {
    let (ip, _) = is_ipv4_or_cidr(v).ok_or_else(|| {
        bad(format!(
            "'{v}' in {field} is not an IPv4 address or CIDR range."
        ))
        .with_target(field.to_string())
    })?;
    let o = ip.octets();
    let reserved = ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] == 0
        || o[0] >= 240
        || (o[0] == 100 && (64..128).contains(&o[1]));
    if reserved {
        return Err(bad(format!("'{v}' in {field} is a private or reserved address; only public IPv4 addresses or ranges are allowed.")).with_target(field.to_string()));
    }
    Ok(())
}

fn validate_preview(props: &Value) -> ArmResult<()> {
    if let Some(list) = props.get("ipAllowlist") {
        let arr = list
            .as_array()
            .ok_or_else(|| bad("properties.ipAllowlist must be an array of strings."))?;
        if arr.len() > 200 {
            return Err(bad("properties.ipAllowlist can hold at most 200 entries."));
        }
        for v in arr {
            check_public_ip(v.as_str().unwrap_or(""), "properties.ipAllowlist")?;
        }
    }
    if let Some(acl) = props.get("networkAcls") {
        if acl.is_null() {
            return Ok(());
        }
        if let Some(a) = acl.get("defaultAction") {
            let s = a.as_str().unwrap_or("");
            if canon_of(s, &["Allow", "Deny"]).is_none() {
                return Err(bad(format!(
                    "'{s}' is not a valid networkAcls.defaultAction; allowed: Allow, Deny."
                ))
                .with_target("properties.networkAcls.defaultAction"));
            }
        }
        if let Some(rules) = acl.get("ipRules") {
            let arr = rules
                .as_array()
                .ok_or_else(|| bad("properties.networkAcls.ipRules must be an array."))?;
            if arr.len() > 200 {
                return Err(bad(
                    "properties.networkAcls.ipRules can hold at most 200 entries.",
                ));
            }
            for r in arr {
                check_public_ip(
                    r.get("value").and_then(Value::as_str).unwrap_or(""),
                    "properties.networkAcls.ipRules",
                )?;
            }
        }
    }
    Ok(())
}

fn canon_preview(props: &mut Value) {
    if let Some(a) = props
        .pointer("/networkAcls/defaultAction")
        .and_then(Value::as_str)
        .and_then(|s| canon_of(s, &["Allow", "Deny"]))
    {
        props["networkAcls"]["defaultAction"] = json!(a);
    }
}

/// Validates a user rule and returns its normalised `properties`.
fn validate_rule(name: &str, props: &Value, mode: &str, ws_name: &str) -> ArmResult<Value> {
    if !valid_name(name) {
        return Err(name_error("outbound rule", name));
    }
    if !props.is_object() {
        return Err(ArmError::invalid_content(format!(
            "Outbound rule '{name}': properties must be an object."
        )));
    }
    let cat = props
        .get("category")
        .and_then(Value::as_str)
        .unwrap_or("UserDefined");
    if SYSTEM_CATEGORIES
        .iter()
        .any(|c| c.eq_ignore_ascii_case(cat))
    {
        return Err(bad(format!("Outbound rule '{name}' has category '{cat}'. Rules of category Required, Recommended or Dependency are managed by the service and cannot be created or updated.")));
    }
    if !cat.eq_ignore_ascii_case("UserDefined") {
        return Err(bad(format!(
            "'{cat}' is not a valid outbound rule category."
        )));
    }
    let t = props.get("type").and_then(Value::as_str).ok_or_else(|| {
        bad(format!("Outbound rule '{name}': properties.type is required (FQDN, PrivateEndpoint or ServiceTag).")).with_target("properties.type")
    })?;
    let t = canon_of(t, RULE_TYPES).ok_or_else(|| {
        bad(format!(
            "'{t}' is not a valid outbound rule type; allowed: FQDN, PrivateEndpoint, ServiceTag."
        ))
        .with_target("properties.type")
    })?;
    match rank(mode) {
        0 => return Err(bad(format!("Outbound rules require managed network isolation, but workspace '{ws_name}' has isolation mode 'Disabled'. Set properties.managedNetwork.isolationMode to 'AllowInternetOutbound' or 'AllowOnlyApprovedOutbound' first."))),
        1 if t != "PrivateEndpoint" => return Err(bad("Only 'PrivateEndpoint' outbound rules are supported when managed network isolation mode is 'AllowInternetOutbound'.")),
        _ => {}
    }
    let dest = props.get("destination").cloned().unwrap_or(Value::Null);
    let mut out = json!({"type": t, "category": "UserDefined", "status": "Inactive", "errorInformation": null, "parentRuleNames": []});
    match t.as_str() {
        "FQDN" => {
            let d = dest.as_str().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                bad(format!("Outbound rule '{name}': an FQDN rule needs a non-empty string destination.")).with_target("properties.destination")
            })?;
            let body = d.strip_prefix("*.").unwrap_or(d);
            if body.is_empty()
                || body.contains('*')
                || body.contains("://")
                || body.contains('/')
                || body.chars().any(char::is_whitespace)
            {
                return Err(bad(format!("Outbound rule '{name}': '{d}' is not a valid FQDN (a wildcard is only allowed as a leading '*.').")).with_target("properties.destination"));
            }
            out["destination"] = json!(d);
        }
        "PrivateEndpoint" => {
            let sid = dest.get("serviceResourceId").and_then(Value::as_str).filter(|s| s.to_ascii_lowercase().starts_with("/subscriptions/")).ok_or_else(|| {
                bad(format!("Outbound rule '{name}': destination.serviceResourceId must be an ARM resource id.")).with_target("properties.destination.serviceResourceId")
            })?;
            let sub = dest
                .get("subresourceTarget")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    bad(format!(
                        "Outbound rule '{name}': destination.subresourceTarget is required."
                    ))
                    .with_target("properties.destination.subresourceTarget")
                })?;
            let spark = dest
                .get("sparkEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            out["destination"] = json!({"serviceResourceId": sid, "subresourceTarget": sub, "sparkEnabled": spark, "sparkStatus": "Inactive"});
            if let Some(f) = props.get("fqdns") {
                let arr = f
                    .as_array()
                    .filter(|a| a.iter().all(Value::is_string))
                    .ok_or_else(|| {
                        bad(format!(
                            "Outbound rule '{name}': fqdns must be an array of strings."
                        ))
                    })?;
                out["fqdns"] = Value::Array(arr.clone());
            }
        }
        _ => {
            let tag = dest.get("serviceTag").and_then(Value::as_str).unwrap_or("");
            let prefixes = dest
                .get("addressPrefixes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if tag.is_empty() && prefixes.is_empty() {
                return Err(bad(format!("Outbound rule '{name}': a ServiceTag rule needs destination.serviceTag or destination.addressPrefixes.")).with_target("properties.destination.serviceTag"));
            }
            let proto = dest
                .get("protocol")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    bad(format!(
                        "Outbound rule '{name}': destination.protocol is required."
                    ))
                })?;
            let proto = canon_of(proto, &["TCP", "UDP", "ICMP", "*"]).ok_or_else(|| {
                bad(format!(
                    "'{proto}' is not a valid protocol; allowed: TCP, UDP, ICMP, *."
                ))
            })?;
            let ports = dest
                .get("portRanges")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    bad(format!(
                        "Outbound rule '{name}': destination.portRanges is required."
                    ))
                })?;
            let action = dest
                .get("action")
                .and_then(Value::as_str)
                .unwrap_or("Allow");
            let action = canon_of(action, &["Allow", "Deny"]).ok_or_else(|| {
                bad(format!(
                    "'{action}' is not a valid action; allowed: Allow, Deny."
                ))
            })?;
            let mut d = json!({"serviceTag": tag, "protocol": proto, "portRanges": ports, "action": action});
            if !prefixes.is_empty() {
                d["addressPrefixes"] = Value::Array(prefixes);
            }
            out["destination"] = d;
        }
    }
    Ok(out)
}

fn rule_res(ws: &Res, name: &str, props: Value, active: bool, existing: Option<&Res>) -> Res {
    let id = existing
        .map(|e| e.id.clone())
        .unwrap_or_else(|| format!("{}/outboundRules/{name}", ws.id));
    let stored_name = id.rsplit('/').next().unwrap_or(name).to_string();
    let mut props = props;
    let st = if active { "Active" } else { "Inactive" };
    props["status"] = json!(st);
    if props.pointer("/destination/sparkStatus").is_some() {
        let spark_on = props
            .pointer("/destination/sparkEnabled")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            && ws
                .doc
                .pointer("/properties/managedNetwork/status/sparkReady")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        props["destination"]["sparkStatus"] = json!(if spark_on { "Active" } else { "Inactive" });
    }
    Res {
        id,
        tkey: RULE_TKEY.into(),
        doc: json!({
            "id": existing.map(|e| e.id.clone()).unwrap_or_else(|| format!("{}/outboundRules/{name}", ws.id)),
            "name": stored_name,
            "type": "Microsoft.MachineLearningServices/workspaces/outboundRules",
            "systemData": system_data(existing.and_then(|e| e.doc.get("systemData")), fixed::CLIENT_ID),
            "properties": props,
        }),
        etag: new_etag(RULE_TKEY),
        hidden: false,
        x: Extra::default(),
    }
}

/// Adds the service's `Required` rules for the current isolation mode (idempotent).
pub fn ensure_system_rules(w: &mut World, ws_key: &str) {
    let Some(ws) = w.get_any(ws_key).cloned() else {
        return;
    };
    let mode = rank(&mode_of(&ws));
    if mode == 0 {
        return;
    }
    let active = network_active(&ws);
    let region = ws.doc["location"].as_str().unwrap_or("eastus").to_string();
    let mut rules: Vec<(String, Value)> = Vec::new();
    let props = &ws.doc["properties"];
    let mut pe = |rid: &str, sub: &str| {
        let rname = rid.rsplit('/').next().unwrap_or("").to_string();
        rules.push((
            format!("__SYS_PE_{rname}_{sub}"),
            json!({"type": "PrivateEndpoint", "category": "Required", "status": "Inactive", "errorInformation": null, "parentRuleNames": [],
                   "destination": {"serviceResourceId": rid, "subresourceTarget": sub, "sparkEnabled": true, "sparkStatus": "Inactive"}}),
        ));
    };
    pe(&ws.id, "amlworkspace");
    if let Some(s) = props.get("storageAccount").and_then(Value::as_str) {
        pe(s, "blob");
        pe(s, "file");
    }
    if let Some(s) = props.get("keyVault").and_then(Value::as_str) {
        pe(s, "vault");
    }
    if let Some(s) = props.get("containerRegistry").and_then(Value::as_str) {
        pe(s, "registry");
    }
    if mode == 2 {
        for tag in SYSTEM_SERVICE_TAGS {
            let tag = tag.replace("{region}", &region);
            rules.push((
                format!("__SYS_ST_{tag}"),
                json!({"type": "ServiceTag", "category": "Required", "status": "Inactive", "errorInformation": null, "parentRuleNames": [],
                       "destination": {"serviceTag": tag, "protocol": "*", "portRanges": "*", "action": "Allow"}}),
            ));
        }
    }
    for (name, props) in rules {
        let k = format!("{ws_key}/outboundrules/{}", name.to_ascii_lowercase());
        if w.get_any(&k).is_none() {
            let r = rule_res(&ws, &name, props, active, None);
            w.put(r);
        }
    }
}

/// Completion hook of a rule create: status follows the managed network.
pub fn after_rule_change(w: &mut World, rule_key: &str) {
    let ws_key = rule_key
        .rsplit_once("/outboundrules/")
        .map(|(a, _)| a.to_string())
        .unwrap_or_default();
    let active = w.get_any(&ws_key).map(network_active).unwrap_or(false);
    if let Some(r) = w.get_mut(rule_key) {
        r.doc["properties"]["status"] = json!(if active { "Active" } else { "Inactive" });
    }
}

/// Fault `lost-rule`: the completed write of rule `rule_key` drops another user-defined rule of
/// the same workspace, picked with `pick`. This models the real service, which accepts
/// concurrent rule writes of one workspace and can lose some of them.
pub fn drop_sibling_rule(w: &mut World, rule_key: &str, pick: u64) {
    let Some((ws_key, _)) = rule_key.rsplit_once("/outboundrules/") else {
        return;
    };
    let victims: Vec<String> = w
        .children(ws_key, "outboundrules")
        .iter()
        .filter(|r| {
            r.doc
                .pointer("/properties/category")
                .and_then(Value::as_str)
                == Some("UserDefined")
        })
        .map(|r| key_of(&r.id))
        .filter(|k| k != rule_key)
        .collect();
    if victims.is_empty() {
        return;
    }
    let victim = victims[(pick % victims.len() as u64) as usize].clone();
    tracing::info!(rule = %rule_key, dropped = %victim, "fault lost-rule: dropping a sibling rule");
    w.remove_tree(&victim);
    w.touch(ws_key);
}

/// Completion of provisionManagedNetwork.
pub fn provisioned(w: &mut World, ws_key: &str, include_spark: bool) {
    w.touch(ws_key);
    let Some(ws) = w.get_mut(ws_key) else { return };
    let spark = include_spark
        || ws
            .doc
            .pointer("/properties/managedNetwork/status/sparkReady")
            .and_then(Value::as_bool)
            .unwrap_or(false);
    ws.doc["properties"]["managedNetwork"]["status"] =
        json!({"status": "Active", "sparkReady": spark});
    let keys: Vec<String> = w
        .children(ws_key, "outboundrules")
        .iter()
        .map(|r| key_of(&r.id))
        .collect();
    for k in keys {
        if let Some(r) = w.get_mut(&k) {
            r.doc["properties"]["status"] = json!("Active");
            if r.doc
                .pointer("/properties/destination/sparkEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                && spark
            {
                r.doc["properties"]["destination"]["sparkStatus"] = json!("Active");
            }
        }
    }
}

/// Entry point for ML writes.
pub fn write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath, tk: &str) -> ArmResult<Reply> {
    if p.pairs.is_empty() {
        return Err(ArmError::new(
            405,
            "MethodNotAllowed",
            "Collections cannot be written.",
        ));
    }
    if let Some(tail) = &p.tail {
        if tk == WS_TYPE
            && ctx.method == "POST"
            && tail.eq_ignore_ascii_case("provisionManagedNetwork")
        {
            return provision(app, w, ctx, p);
        }
        return Err(ArmError::bad_request(
            "InvalidResourceType",
            format!("The action '{tail}' is not supported by the emulator."),
        ));
    }
    match tk {
        WS_TYPE => workspace_write(app, w, ctx, p),
        RULE_TKEY => rule_write(app, w, ctx, p),
        "microsoft.machinelearningservices/workspaces/privateendpointconnections" => {
            connection_write(w, ctx, p)
        }
        _ => Err(ArmError::bad_request(
            "InvalidResourceType",
            format!(
                "The resource type '{}' is not supported by the emulator.",
                p.display()
            ),
        )),
    }
}

fn fill_identity(identity: &Value) -> Value {
    let mut id = identity.clone();
    let t = id
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("None")
        .to_string();
    if t.contains("SystemAssigned") {
        id["principalId"] = json!(uuid::Uuid::new_v4().to_string());
        id["tenantId"] = json!(fixed::TENANT_ID);
    }
    if let Some(uais) = id
        .get_mut("userAssignedIdentities")
        .and_then(Value::as_object_mut)
    {
        for (_, v) in uais.iter_mut() {
            *v = json!({"principalId": uuid::Uuid::new_v4().to_string(), "clientId": uuid::Uuid::new_v4().to_string()});
        }
    }
    id
}

/// Applies a requested `outboundRules` map: `replace` (PUT) or merge-patch (PATCH).
fn apply_rule_map(
    w: &mut World,
    ws_key: &str,
    map: &Map<String, Value>,
    replace: bool,
) -> ArmResult<()> {
    let Some(ws) = w.get_any(ws_key).cloned() else {
        return Ok(());
    };
    let mode = mode_of(&ws);
    let ws_name = ws.doc["name"].as_str().unwrap_or("").to_string();
    let validated = validate_rule_map(map, &mode, &ws_name)?;
    if replace {
        let user: Vec<(String, String)> = w
            .children(ws_key, "outboundrules")
            .iter()
            .filter(|r| {
                r.doc
                    .pointer("/properties/category")
                    .and_then(Value::as_str)
                    == Some("UserDefined")
            })
            .map(|r| {
                (
                    key_of(&r.id),
                    r.doc["name"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        for (k, n) in user {
            if !map.keys().any(|m| m.eq_ignore_ascii_case(&n)) {
                w.remove_tree(&k);
            }
        }
    } else {
        for (name, props) in map {
            if props.is_null() {
                let k = format!("{ws_key}/outboundrules/{}", name.to_ascii_lowercase());
                if w.get(&k)
                    .map(|r| {
                        r.doc
                            .pointer("/properties/category")
                            .and_then(Value::as_str)
                            == Some("UserDefined")
                    })
                    .unwrap_or(false)
                {
                    w.remove_tree(&k);
                }
            }
        }
    }
    let active = network_active(&ws);
    for (name, props) in validated {
        let k = format!("{ws_key}/outboundrules/{}", name.to_ascii_lowercase());
        let existing = w.get_any(&k).cloned();
        let r = rule_res(&ws, &name, props, active, existing.as_ref());
        w.put(r);
    }
    Ok(())
}

fn workspace_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    if ctx.method == "DELETE" {
        return workspace_delete(app, w, ctx, p, existing);
    }
    if ctx.method == "PATCH" && existing.is_none() {
        return Err(not_found(p));
    }
    let body = ctx.json()?;
    let mut req_props = requested_properties(ctx, &body)?;
    let old_mn = existing
        .as_ref()
        .and_then(|e| e.doc.pointer("/properties/managedNetwork").cloned())
        .unwrap_or(json!({}));
    let (mn, rule_map) = next_managed_network(&old_mn, &mut req_props)?;
    // Rules in the request are validated against the new mode before anything is stored.
    if let Some(m) = &rule_map {
        validate_rule_map(m, mode_of_network(&mn), p.name())?;
    }
    let (id, created) = workspace_id(w, p, existing.as_ref())?;
    let name = id.rsplit('/').next().unwrap_or("").to_string();
    let mut doc = match &existing {
        Some(e) => e.doc.clone(),
        None => new_workspace_doc(&body, &id, &name, p)?,
    };
    apply_kind(&mut doc, &body, created, &name)?;
    check_location_unchanged(&doc, &body, created, &name)?;
    copy_top_level_fields(&mut doc, &body);
    finish_workspace_doc(&mut doc, &req_props, mn, existing.as_ref(), created);
    let region = doc["location"].as_str().unwrap_or("eastus").to_string();
    store_workspace(w, ctx, id, doc, created);
    ensure_system_rules(w, &key);
    if let Some(m) = rule_map {
        apply_rule_map(w, &key, &m, ctx.method == "PUT")?;
    }
    let done = if created {
        Done::Materialize
    } else {
        Done::Succeed
    };
    let h = AsyncOp::new(Style::Ml, &key, &key, &region, done).start(app, w, ctx, p);
    Ok(Reply::empty(202).headers(h))
}

/// DELETE of a workspace: 204 if absent, else `Deleting` and a 202 operation.
fn workspace_delete(
    app: &Arc<App>,
    w: &mut World,
    ctx: &Ctx,
    p: &ResPath,
    existing: Option<Res>,
) -> ArmResult<Reply> {
    let Some(r) = existing else {
        return Ok(Reply::empty(204));
    };
    let key = p.key();
    if let Some(m) = w.get_mut(&key) {
        crate::routes::set_state(&mut m.doc, "Deleting");
    }
    let region = r.doc["location"].as_str().unwrap_or("eastus").to_string();
    let h = AsyncOp::new(Style::Ml, &key, &key, &region, Done::Remove).start(app, w, ctx, p);
    Ok(Reply::empty(202).headers(h))
}

/// The request's `properties`, without read-only fields, preview-only fields on a stable
/// api-version and (on PATCH) fields PATCH cannot change; validated and canonicalised.
fn requested_properties(ctx: &Ctx, body: &Value) -> ArmResult<Value> {
    let preview = ctx.preview();
    let mut req_props = body.get("properties").cloned().unwrap_or(json!({}));
    if !req_props.is_object() {
        return Err(
            ArmError::invalid_content("properties must be an object.").with_target("properties")
        );
    }
    drop_unwritable(&mut req_props, ctx.method == "PATCH", preview);
    if preview {
        validate_preview(&req_props)?;
        canon_preview(&mut req_props);
    }
    canon_public_network_access(&mut req_props)?;
    check_image_build_compute(&req_props)?;
    Ok(req_props)
}

/// Removes read-only fields, preview-only fields (stable api-versions) and, on PATCH, every
/// field PATCH does not accept.
fn drop_unwritable(req_props: &mut Value, patch: bool, preview: bool) {
    let Some(o) = req_props.as_object_mut() else {
        return;
    };
    for k in READ_ONLY {
        o.remove(*k);
    }
    if !preview {
        for k in PREVIEW_ONLY {
            o.remove(*k);
        }
    }
    if patch {
        let preview_fields: &[&str] = if preview { PREVIEW_PATCHABLE } else { &[] };
        o.retain(|k, _| PATCHABLE.contains(&k.as_str()) || preview_fields.contains(&k.as_str()));
    }
}

/// `imageBuildCompute` is a compute name (a string; `''` builds in the registry again).
fn check_image_build_compute(req_props: &Value) -> ArmResult<()> {
    match req_props.get("imageBuildCompute") {
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(ArmError::invalid_content(
            "properties.imageBuildCompute must be a string (the name of a compute cluster or instance).",
        )
        .with_target("properties.imageBuildCompute")),
    }
}

/// `publicNetworkAccess` must be `Enabled` or `Disabled` (any casing; stored canonical).
fn canon_public_network_access(req_props: &mut Value) -> ArmResult<()> {
    if let Some(v) = req_props.get("publicNetworkAccess") {
        let s = v.as_str().unwrap_or("");
        let c = canon_of(s, &["Enabled", "Disabled"]).ok_or_else(|| {
            bad(format!(
                "'{s}' is not a valid publicNetworkAccess; allowed: Enabled, Disabled."
            ))
            .with_target("properties.publicNetworkAccess")
        })?;
        req_props["publicNetworkAccess"] = json!(c);
    }
    Ok(())
}

/// The managed network after this write (without rules) and the requested rule map, if any.
/// Takes `managedNetwork` out of `req_props`.
fn next_managed_network(
    old_mn: &Value,
    req_props: &mut Value,
) -> ArmResult<(Value, Option<Map<String, Value>>)> {
    let mut rule_map = None;
    let mut mn = old_mn.clone();
    if let Some(o) = mn.as_object_mut() {
        o.remove("outboundRules");
    }
    if let Some(req_mn) = req_props.get("managedNetwork").cloned() {
        let (req_mn, rules) = requested_managed_network(req_mn, old_mn)?;
        rule_map = rules;
        merge(&mut mn, &req_mn);
    }
    let provision_now = req_props
        .get("provisionNetworkNow")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    fill_network_defaults(&mut mn, provision_now);
    if let Some(o) = req_props.as_object_mut() {
        o.remove("managedNetwork");
    }
    Ok((mn, rule_map))
}

/// The requested `managedNetwork`, validated against the stored one, without its rules and
/// read-only fields; and its `outboundRules` map.
fn requested_managed_network(
    req_mn: Value,
    old_mn: &Value,
) -> ArmResult<(Value, Option<Map<String, Value>>)> {
    if !req_mn.is_object() && !req_mn.is_null() {
        return Err(
            ArmError::invalid_content("properties.managedNetwork must be an object.")
                .with_target("properties.managedNetwork"),
        );
    }
    let mut req_mn = if req_mn.is_null() { json!({}) } else { req_mn };
    let rule_map = requested_rule_map(&req_mn)?;
    if let Some(o) = req_mn.as_object_mut() {
        for k in [
            "outboundRules",
            "status",
            "networkId",
            "changeableIsolationModes",
        ] {
            o.remove(k);
        }
    }
    canon_isolation_mode(&mut req_mn, mode_of_network(old_mn))?;
    canon_firewall_sku(&mut req_mn)?;
    canon_network_kind(&mut req_mn, old_mn)?;
    Ok((req_mn, rule_map))
}

/// Isolation mode of a managed-network object (`Disabled` when unset).
fn mode_of_network(mn: &Value) -> &str {
    mn.get("isolationMode")
        .and_then(Value::as_str)
        .unwrap_or("Disabled")
}

/// `outboundRules` must be a map of rule name to rule (or null).
fn requested_rule_map(req_mn: &Value) -> ArmResult<Option<Map<String, Value>>> {
    match req_mn.get("outboundRules") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(_) => Err(ArmError::invalid_content(
            "properties.managedNetwork.outboundRules must be a map of rule name to rule.",
        )),
    }
}

/// Isolation is one-way: Disabled -> AllowInternetOutbound -> AllowOnlyApprovedOutbound.
fn canon_isolation_mode(req_mn: &mut Value, old_mode: &str) -> ArmResult<()> {
    let Some(m) = req_mn.get("isolationMode") else {
        return Ok(());
    };
    let s = m.as_str().unwrap_or("");
    let c = canon_of(s, MODES).ok_or_else(|| bad(format!("'{s}' is not a valid isolationMode; allowed: Disabled, AllowInternetOutbound, AllowOnlyApprovedOutbound.")).with_target("properties.managedNetwork.isolationMode"))?;
    if rank(&c) < rank(old_mode) {
        return Err(bad(format!(
            "Managed network isolation mode cannot be changed from '{old_mode}' to '{c}'. Isolation can only become stricter (Disabled -> AllowInternetOutbound -> AllowOnlyApprovedOutbound); to loosen it, delete and recreate the workspace."
        )).with_target("properties.managedNetwork.isolationMode"));
    }
    req_mn["isolationMode"] = json!(c);
    Ok(())
}

/// `firewallSku` must be `Standard` or `Basic`.
fn canon_firewall_sku(req_mn: &mut Value) -> ArmResult<()> {
    if let Some(s) = req_mn.get("firewallSku") {
        let v = s.as_str().unwrap_or("");
        let c = canon_of(v, &["Standard", "Basic"]).ok_or_else(|| {
            bad(format!(
                "'{v}' is not a valid firewallSku; allowed: Standard, Basic."
            ))
            .with_target("properties.managedNetwork.firewallSku")
        })?;
        req_mn["firewallSku"] = json!(c);
    }
    Ok(())
}

/// `managedNetworkKind` must be `V1` or `V2`, and V2 cannot go back to V1.
fn canon_network_kind(req_mn: &mut Value, old_mn: &Value) -> ArmResult<()> {
    if let Some(s) = req_mn.get("managedNetworkKind") {
        let v = s.as_str().unwrap_or("");
        let c = canon_of(v, &["V1", "V2"]).ok_or_else(|| {
            bad(format!(
                "'{v}' is not a valid managedNetworkKind; allowed: V1, V2."
            ))
        })?;
        if c == "V1" && old_mn.get("managedNetworkKind").and_then(Value::as_str) == Some("V2") {
            return Err(bad("managedNetworkKind cannot be changed from V2 to V1."));
        }
        req_mn["managedNetworkKind"] = json!(c);
    }
    Ok(())
}

/// What the service fills in: the mode, an `Inactive` status, the `Standard` firewall in
/// `AllowOnlyApprovedOutbound`, a network id once isolated, `Active` on `provisionNetworkNow`.
fn fill_network_defaults(mn: &mut Value, provision_now: bool) {
    let new_mode = mode_of_network(mn).to_string();
    mn["isolationMode"] = json!(new_mode);
    if mn.get("status").is_none() {
        mn["status"] = json!({"status": "Inactive", "sparkReady": false});
    }
    if new_mode == "AllowOnlyApprovedOutbound" && mn.get("firewallSku").is_none() {
        mn["firewallSku"] = json!("Standard");
    }
    if rank(&new_mode) > 0 && mn.get("networkId").is_none() {
        mn["networkId"] = json!(uuid::Uuid::new_v4().to_string());
    }
    if provision_now && rank(&new_mode) > 0 {
        mn["status"] = json!({"status": "Active", "sparkReady": false});
    }
}

/// Validates every non-null rule of a requested map (system rules may not be sent) and
/// returns the normalised ones.
fn validate_rule_map(
    map: &Map<String, Value>,
    mode: &str,
    ws_name: &str,
) -> ArmResult<Vec<(String, Value)>> {
    let mut validated = Vec::new();
    for (name, props) in map {
        if props.is_null() {
            continue;
        }
        if name.starts_with("__SYS") {
            return Err(bad(format!("Outbound rule '{name}' is a system rule managed by the service; it cannot be created or updated. Leave system rules out of the request.")));
        }
        validated.push((name.clone(), validate_rule(name, props, mode, ws_name)?));
    }
    Ok(validated)
}

/// The stored id (existing) or a new one (the name must be valid), and whether it is a create.
fn workspace_id(w: &World, p: &ResPath, existing: Option<&Res>) -> ArmResult<(String, bool)> {
    match existing {
        Some(e) => Ok((e.id.clone(), false)),
        None => {
            if !valid_name(p.name()) {
                return Err(name_error("workspace", p.name()));
            }
            Ok((new_id(w, p), true))
        }
    }
}

/// The document of a new workspace: location required; the service's read-only fields.
fn new_workspace_doc(body: &Value, id: &str, name: &str, p: &ResPath) -> ArmResult<Value> {
    let loc = body
        .get("location")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ArmError::bad_request(
                "LocationRequired",
                "The location property is required for this definition.",
            )
        })?;
    let region = norm_location(loc);
    let wsid = uuid::Uuid::new_v4().to_string();
    Ok(json!({
        "id": id, "name": name, "type": "Microsoft.MachineLearningServices/workspaces",
        "location": region, "kind": "Default",
        "sku": {"name": "Basic", "tier": "Basic"},
        "properties": {
            "workspaceId": wsid,
            "tenantId": fixed::TENANT_ID,
            "discoveryUrl": format!("https://{region}.api.azureml.ms/discovery"),
            "mlFlowTrackingUri": format!("azureml://{region}.api.azureml.ms/mlflow/v1.0/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{name}", p.sub, p.rg),
            "serviceProvisionedResourceGroup": format!("{name}_{}", wsid.replace('-', "")[..16].to_string()),
            "storageHnsEnabled": false,
            "publicNetworkAccess": "Enabled",
            "allowPublicAccessWhenBehindVnet": false,
            "hbiWorkspace": false,
            "v1LegacyMode": false,
            "enableDataIsolation": false,
        },
    }))
}

/// `kind` is one of Default, Hub, Project, FeatureStore and cannot change after create.
fn apply_kind(doc: &mut Value, body: &Value, created: bool, name: &str) -> ArmResult<()> {
    if let Some(k) = body.get("kind").and_then(Value::as_str) {
        let c = canon_of(k, &["Default", "Hub", "Project", "FeatureStore"])
            .ok_or_else(|| bad(format!("'{k}' is not a valid workspace kind.")))?;
        let old = doc.get("kind").and_then(Value::as_str).unwrap_or("Default");
        if !created && old != c {
            return Err(bad(format!(
                "The kind of workspace '{name}' cannot be changed from '{old}' to '{c}'."
            )));
        }
        doc["kind"] = json!(c);
    }
    Ok(())
}

/// The location of an existing workspace cannot change.
fn check_location_unchanged(doc: &Value, body: &Value, created: bool, name: &str) -> ArmResult<()> {
    if let Some(l) = body.get("location").and_then(Value::as_str) {
        if !created && norm_location(l) != doc["location"].as_str().unwrap_or("") {
            return Err(bad(format!(
                "The location of workspace '{name}' cannot be changed."
            ))
            .with_target("location"));
        }
    }
    Ok(())
}

/// `tags` and `sku` are taken as sent; `identity` gets its principal ids.
fn copy_top_level_fields(doc: &mut Value, body: &Value) {
    for k in ["tags", "sku"] {
        if let Some(v) = body.get(k) {
            doc[k] = v.clone();
        }
    }
    if let Some(i) = body.get("identity") {
        doc["identity"] = fill_identity(i);
    }
}

/// Merges the requested properties, sets the managed network, `systemData` and the
/// provisioning state of a write in progress.
fn finish_workspace_doc(
    doc: &mut Value,
    req_props: &Value,
    mn: Value,
    existing: Option<&Res>,
    created: bool,
) {
    merge(&mut doc["properties"], req_props);
    if let Some(o) = doc["properties"].as_object_mut() {
        o.remove("provisionNetworkNow");
    }
    doc["properties"]["managedNetwork"] = mn;
    doc["systemData"] = system_data(
        existing.and_then(|e| e.doc.get("systemData")),
        fixed::CLIENT_ID,
    );
    crate::routes::set_state(doc, if created { "Creating" } else { "Updating" });
}

/// Stores the workspace with a new ETag; a create stays hidden until its operation completes.
fn store_workspace(w: &mut World, ctx: &Ctx, id: String, doc: Value, created: bool) {
    w.put(Res {
        id,
        tkey: WS_TYPE.into(),
        doc,
        etag: new_etag(WS_TYPE),
        hidden: created,
        x: Extra {
            api_version: ctx.api.clone(),
            ..Default::default()
        },
    });
}

fn rule_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    let ws_key = key_of(&p.id_prefix(1));
    // Fault `lost-rule` models the real service, which accepts concurrent rule writes of one
    // workspace and loses some of them, instead of answering 409.
    if !app.faults.lost_rule_active() {
        check_busy(
            w,
            ctx,
            &ws_key,
            p.id_prefix(1).rsplit('/').next().unwrap_or(""),
        )?;
    }
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    let ws = w.get(&ws_key).cloned().ok_or_else(|| not_found(p))?;
    let region = ws.doc["location"].as_str().unwrap_or("eastus").to_string();
    if ctx.method == "DELETE" {
        let Some(r) = existing else {
            return Ok(Reply::empty(204));
        };
        if r.doc
            .pointer("/properties/category")
            .and_then(Value::as_str)
            != Some("UserDefined")
        {
            return Err(bad(format!(
                "Outbound rule '{}' is a system rule (category '{}') and cannot be deleted.",
                p.name(),
                r.doc
                    .pointer("/properties/category")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            )));
        }
        if let Some(m) = w.get_mut(&key) {
            m.doc["properties"]["status"] = json!("Deleting");
        }
        let h = AsyncOp::new(Style::Ml, &key, &ws_key, &region, Done::Remove).start(app, w, ctx, p);
        return Ok(Reply::empty(202).headers(h));
    }
    if ctx.method != "PUT" {
        return Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!(
                "The method '{}' is not allowed on outbound rules.",
                ctx.method
            ),
        ));
    }
    if let Some(r) = &existing {
        if r.doc
            .pointer("/properties/category")
            .and_then(Value::as_str)
            != Some("UserDefined")
        {
            return Err(bad(format!(
                "Outbound rule '{}' is a system rule and cannot be updated.",
                p.name()
            )));
        }
    }
    let body = ctx.json()?;
    let props = body.get("properties").ok_or_else(|| {
        ArmError::invalid_content("properties is required.").with_target("properties")
    })?;
    let norm = validate_rule(
        p.name(),
        props,
        &mode_of(&ws),
        ws.doc["name"].as_str().unwrap_or(""),
    )?;
    let mut r = rule_res(&ws, p.name(), norm, network_active(&ws), existing.as_ref());
    r.hidden = existing.is_none();
    if existing.is_some() {
        r.doc["properties"]["status"] = json!("Provisioning");
    }
    let etag = r.etag.clone();
    w.put(r);
    w.touch(&ws_key);
    let done = if existing.is_some() {
        Done::Succeed
    } else {
        Done::Materialize
    };
    let h = AsyncOp::new(Style::Ml, &key, &ws_key, &region, done).start(app, w, ctx, p);
    Ok(Reply::empty(202).headers(h).header("ETag", etag))
}

fn provision(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    let ws = w.get(&key).cloned().ok_or_else(|| not_found(p))?;
    if rank(&mode_of(&ws)) == 0 {
        return Err(bad(format!(
            "Managed network is not enabled for workspace '{}'. Set properties.managedNetwork.isolationMode to 'AllowInternetOutbound' or 'AllowOnlyApprovedOutbound' before provisioning it.",
            p.name()
        )));
    }
    let body = ctx.json_opt()?;
    let include_spark = match body.get("includeSpark") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ArmError::invalid_content("includeSpark must be a boolean.")
                .with_target("includeSpark"))
        }
    };
    let spark = include_spark
        || ws
            .doc
            .pointer("/properties/managedNetwork/status/sparkReady")
            .and_then(Value::as_bool)
            .unwrap_or(false);
    let region = ws.doc["location"].as_str().unwrap_or("eastus").to_string();
    let h = AsyncOp::new(
        Style::Ml,
        &key,
        &key,
        &region,
        Done::Provision { include_spark },
    )
    .with_final_body(json!({"status": "Active", "sparkReady": spark}))
    .start(app, w, ctx, p);
    Ok(Reply::empty(202).headers(h))
}
