//! Microsoft.Network (NRP): virtual networks and subnets, private endpoints and their private
//! DNS zone groups. Writes follow NRP's pattern: PUT answers 201 (create) or 200 (update) with
//! the body at `provisioningState: Updating` and an `Azure-AsyncOperation` URL; DELETE answers
//! 202 with `Location` and `Azure-AsyncOperation`. A private endpoint creates a connection on
//! its target (auto-approved or pending) and gets IPs from its subnet; a zone group writes A
//! records into the referenced private DNS zones and removes them when it goes away.

use super::registry::{Family, TypeHooks};
use super::{check_busy, check_conditions, not_found, with_etag, AsyncOp, Ctx};
use crate::app::App;
use crate::errors::{ArmError, ArmResult};
use crate::ids::{key_of, ResPath};
use crate::lro::{Done, Style};
use crate::reply::Reply;
use crate::routes::generic::{create_connection, new_id};
use crate::state::{new_etag, norm_location, ConnRef, Extra, Res, World};
use serde_json::{json, Value};
use std::sync::Arc;

const PE_POLICIES: &[&str] = &[
    "Disabled",
    "Enabled",
    "NetworkSecurityGroupEnabled",
    "RouteTableEnabled",
];
const PLS_POLICIES: &[&str] = &["Enabled", "Disabled"];
const CONN_FIELDS: &[&str] = &[
    "privateLinkServiceConnections",
    "manualPrivateLinkServiceConnections",
];

/// Microsoft.Network (everything but private DNS) in the registry.
pub const FAMILY: Family = Family {
    owns: owns_type,
    write,
    list: None,
    types: &[
        TypeHooks {
            view: Some(|w, r, _| view_vnet(w, r)),
            ..TypeHooks::new("microsoft.network/virtualnetworks")
        },
        TypeHooks {
            view: Some(|w, r, _| view_subnet(w, r)),
            ..TypeHooks::new("microsoft.network/virtualnetworks/subnets")
        },
        TypeHooks {
            view: Some(|w, r, _| view_pe(w, r)),
            on_removed: Some(pe_removed),
            ..TypeHooks::new("microsoft.network/privateendpoints")
        },
        TypeHooks {
            on_succeeded: Some(zone_group_succeeded),
            on_removed: Some(zone_group_removed),
            ..TypeHooks::new("microsoft.network/privateendpoints/privatednszonegroups")
        },
    ],
    composed_children: &[],
};

fn owns_type(tk: &str) -> bool {
    tk.split('/').next() == Some("microsoft.network")
}

fn invalid_reference(referenced: &str, by: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidResourceReference",
        format!("Resource {referenced} referenced by resource {by} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region."),
    )
}

fn canon_enum(v: &str, allowed: &[&str], field: &str) -> ArmResult<String> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(v))
        .map(|a| a.to_string())
        .ok_or_else(|| {
            ArmError::bad_request(
                "InvalidRequestFormat",
                format!("Cannot parse the request. Value '{v}' of property '{field}' is not one of: {}.", allowed.join(", ")),
            )
            .with_target(field)
        })
}

/// Subnet view: adds the private endpoints that live in it.
pub fn view_subnet(w: &World, r: &Res) -> Value {
    let mut d = r.doc.clone();
    let skey = key_of(&r.id);
    let sub_prefix: String = skey.split('/').take(3).collect::<Vec<_>>().join("/");
    let pes: Vec<Value> = w
        .keys_by_type(&sub_prefix, "microsoft.network/privateendpoints")
        .iter()
        .filter_map(|k| w.get(k))
        .filter(|pe| {
            pe.doc
                .pointer("/properties/subnet/id")
                .and_then(Value::as_str)
                .map(key_of)
                == Some(skey.clone())
        })
        .map(|pe| json!({"id": pe.id}))
        .collect();
    if !pes.is_empty() {
        d["properties"]["privateEndpoints"] = Value::Array(pes);
    }
    d
}

/// VNet view: composes the subnets.
pub fn view_vnet(w: &World, r: &Res) -> Value {
    let mut d = r.doc.clone();
    let subs: Vec<Value> = w
        .children(&key_of(&r.id), "subnets")
        .into_iter()
        .map(|s| view_subnet(w, s))
        .collect();
    d["properties"]["subnets"] = Value::Array(subs);
    d
}

/// Private endpoint view: connection states come from the targets.
pub fn view_pe(w: &World, r: &Res) -> Value {
    let mut d = r.doc.clone();
    for cref in &r.x.conn_refs {
        let state = match w.get(&cref.conn_key) {
            Some(c) => c.doc["properties"]["privateLinkServiceConnectionState"].clone(),
            None => {
                json!({"status": "Disconnected", "description": "The private endpoint connection was removed by the resource owner.", "actionsRequired": "None"})
            }
        };
        if let Some(arr) = d["properties"][cref.field.as_str()].as_array_mut() {
            for c in arr.iter_mut() {
                if c["name"].as_str() == Some(cref.name.as_str()) {
                    c["properties"]["privateLinkServiceConnectionState"] = state.clone();
                }
            }
        }
    }
    d
}

fn subnet_doc(id: &str, name: &str, body: &Value, etag: &str) -> ArmResult<Value> {
    let props = body.get("properties").cloned().unwrap_or(json!({}));
    if !props.is_object() {
        return Err(ArmError::invalid_content("properties must be an object."));
    }
    let mut pr = props.clone();
    let pe_pol = props
        .get("privateEndpointNetworkPolicies")
        .and_then(Value::as_str)
        .unwrap_or("Disabled");
    pr["privateEndpointNetworkPolicies"] = json!(canon_enum(
        pe_pol,
        PE_POLICIES,
        "properties.privateEndpointNetworkPolicies"
    )?);
    let pls_pol = props
        .get("privateLinkServiceNetworkPolicies")
        .and_then(Value::as_str)
        .unwrap_or("Enabled");
    pr["privateLinkServiceNetworkPolicies"] = json!(canon_enum(
        pls_pol,
        PLS_POLICIES,
        "properties.privateLinkServiceNetworkPolicies"
    )?);
    if let Some(o) = pr.as_object_mut() {
        o.remove("privateEndpoints");
        o.remove("ipConfigurations");
    }
    pr["provisioningState"] = json!("Succeeded");
    Ok(json!({
        "id": id,
        "name": name,
        "etag": etag,
        "type": "Microsoft.Network/virtualNetworks/subnets",
        "properties": pr,
    }))
}

fn subnet_in_use(w: &World, subnet_key: &str) -> Option<String> {
    let sub_prefix: String = subnet_key.split('/').take(3).collect::<Vec<_>>().join("/");
    w.keys_by_type(&sub_prefix, "microsoft.network/privateendpoints")
        .iter()
        .filter_map(|k| w.get(k))
        .find(|pe| {
            pe.doc
                .pointer("/properties/subnet/id")
                .and_then(Value::as_str)
                .map(key_of)
                .as_deref()
                == Some(subnet_key)
        })
        .map(|pe| pe.id.clone())
}

fn in_use_error(subnet: &str, pe: &str) -> ArmError {
    ArmError::bad_request(
        "InUseSubnetCannotBeDeleted",
        format!("Subnet {subnet} is in use by {pe}/ipConfigurations/privateEndpointIpConfig and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet."),
    )
}

/// Entry point for NRP writes.
pub fn write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath, tk: &str) -> ArmResult<Reply> {
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
    match tk {
        "microsoft.network/virtualnetworks" => vnet_write(app, w, ctx, p),
        "microsoft.network/virtualnetworks/subnets" => subnet_write(app, w, ctx, p),
        "microsoft.network/privateendpoints" => pe_write(app, w, ctx, p),
        "microsoft.network/privateendpoints/privatednszonegroups" => {
            zone_group_write(app, w, ctx, p)
        }
        _ => crate::routes::generic::write(app, w, ctx, p, tk),
    }
}

fn delete_common(
    app: &App,
    w: &mut World,
    ctx: &Ctx,
    p: &ResPath,
    key: &str,
    lock: &str,
) -> ArmResult<Reply> {
    let existing = w.get(key).cloned();
    let Some(r) = existing else {
        return Ok(Reply::empty(204));
    };
    check_conditions(ctx, Some(&r))?;
    let region = r.doc["location"].as_str().unwrap_or("eastus").to_string();
    if let Some(m) = w.get_mut(key) {
        crate::routes::set_state(&mut m.doc, "Deleting");
    }
    let h = AsyncOp::new(Style::Nrp, key, lock, &region, Done::Remove).start(app, w, ctx, p);
    Ok(Reply::empty(202).headers(h))
}

fn vnet_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    if ctx.method == "DELETE" {
        for s in w
            .children(&key, "subnets")
            .iter()
            .map(|s| key_of(&s.id))
            .collect::<Vec<_>>()
        {
            if let Some(pe) = subnet_in_use(w, &s) {
                return Err(in_use_error(&s, &pe));
            }
        }
        return delete_common(app, w, ctx, p, &key, &key);
    }
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    let body = if ctx.method == "PATCH" {
        let Some(e) = &existing else {
            return Err(not_found(p));
        };
        let mut b = crate::routes::view(w, e, &ctx.api);
        crate::routes::generic::merge(&mut b, &ctx.json()?);
        b
    } else {
        ctx.json()?
    };
    let loc = body
        .get("location")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ArmError::bad_request(
                "LocationRequired",
                "The location property is required for this definition.",
            )
        })?;
    let id = existing
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| new_id(w, p));
    let name = id.rsplit('/').next().unwrap_or("").to_string();
    let props = body.get("properties").cloned().unwrap_or(json!({}));
    if !props.is_object() {
        return Err(
            ArmError::invalid_content("properties must be an object.").with_target("properties")
        );
    }
    let subnets: Vec<Value> = props
        .get("subnets")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut wanted = Vec::new();
    for s in &subnets {
        let sname = s.get("name").and_then(Value::as_str).ok_or_else(|| {
            ArmError::bad_request(
                "InvalidRequestFormat",
                "Cannot parse the request. Each subnet needs a name.",
            )
            .with_target("properties.subnets")
        })?;
        wanted.push(key_of(&format!("{id}/subnets/{sname}")));
    }
    for s in w
        .children(&key, "subnets")
        .iter()
        .map(|s| key_of(&s.id))
        .collect::<Vec<_>>()
    {
        if !wanted.contains(&s) {
            if let Some(pe) = subnet_in_use(w, &s) {
                return Err(in_use_error(&s, &pe));
            }
        }
    }
    for s in w
        .children(&key, "subnets")
        .iter()
        .map(|s| key_of(&s.id))
        .collect::<Vec<_>>()
    {
        if !wanted.contains(&s) {
            w.remove_tree(&s);
        }
    }
    for s in &subnets {
        let sname = s["name"].as_str().unwrap_or("");
        let skey = key_of(&format!("{id}/subnets/{sname}"));
        let sid = w
            .get(&skey)
            .map(|r| r.id.clone())
            .unwrap_or_else(|| format!("{id}/subnets/{sname}"));
        let etag = new_etag("microsoft.network/virtualnetworks/subnets");
        let doc = subnet_doc(&sid, sname, s, &etag)?;
        w.put(Res {
            id: sid,
            tkey: "microsoft.network/virtualnetworks/subnets".into(),
            doc,
            etag,
            hidden: false,
            x: Extra::default(),
        });
    }
    let etag = new_etag("microsoft.network/virtualnetworks");
    let mut pr = props.clone();
    if let Some(o) = pr.as_object_mut() {
        o.remove("subnets");
    }
    pr["provisioningState"] = json!("Updating");
    pr["resourceGuid"] = existing
        .as_ref()
        .and_then(|e| e.doc.pointer("/properties/resourceGuid").cloned())
        .unwrap_or_else(|| json!(uuid::Uuid::new_v4().to_string()));
    let mut doc = json!({
        "id": id, "name": name, "type": "Microsoft.Network/virtualNetworks",
        "location": norm_location(loc), "etag": etag, "properties": pr,
    });
    if let Some(t) = body.get("tags") {
        doc["tags"] = t.clone();
    }
    let res = Res {
        id,
        tkey: "microsoft.network/virtualnetworks".into(),
        doc,
        etag,
        hidden: false,
        x: Extra::default(),
    };
    let region = norm_location(loc);
    w.put(res.clone());
    let h = AsyncOp::new(Style::Nrp, &key, &key, &region, Done::Succeed).start(app, w, ctx, p);
    let status = if existing.is_some() { 200 } else { 201 };
    Ok(with_etag(Reply::json(status, view_vnet(w, &res)), &res).headers(h))
}

fn subnet_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    let vnet_key = key_of(&p.id_prefix(1));
    check_busy(w, ctx, &vnet_key, p.name())?;
    if ctx.method == "DELETE" {
        if let Some(pe) = subnet_in_use(w, &key) {
            return Err(in_use_error(&key, &pe));
        }
        return delete_common(app, w, ctx, p, &key, &vnet_key);
    }
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    let body = if ctx.method == "PATCH" {
        let Some(e) = &existing else {
            return Err(not_found(p));
        };
        let mut b = e.doc.clone();
        crate::routes::generic::merge(&mut b, &ctx.json()?);
        b
    } else {
        ctx.json()?
    };
    let policies = body
        .pointer("/properties/privateEndpointNetworkPolicies")
        .and_then(Value::as_str)
        .unwrap_or("Disabled");
    let id = existing
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| new_id(w, p));
    let name = id.rsplit('/').next().unwrap_or("").to_string();
    let etag = new_etag("microsoft.network/virtualnetworks/subnets");
    let mut doc = subnet_doc(&id, &name, &body, &etag)?;
    let _ = policies;
    doc["properties"]["provisioningState"] = json!("Updating");
    let region = w
        .get(&vnet_key)
        .and_then(|v| v.doc["location"].as_str().map(String::from))
        .unwrap_or_else(|| "eastus".into());
    let res = Res {
        id,
        tkey: "microsoft.network/virtualnetworks/subnets".into(),
        doc,
        etag,
        hidden: false,
        x: Extra::default(),
    };
    w.put(res.clone());
    let h = AsyncOp::new(Style::Nrp, &key, &vnet_key, &region, Done::Succeed).start(app, w, ctx, p);
    let status = if existing.is_some() { 200 } else { 201 };
    Ok(with_etag(Reply::json(status, view_subnet(w, &res)), &res).headers(h))
}

/// FQDNs a private endpoint to `target` with `group` resolves.
fn target_fqdns(target: &Res, group: &str) -> Vec<String> {
    let name = target.doc["name"]
        .as_str()
        .unwrap_or("")
        .to_ascii_lowercase();
    let region = target.doc["location"]
        .as_str()
        .unwrap_or("eastus")
        .to_ascii_lowercase();
    let g = group.to_ascii_lowercase();
    match target.tkey.as_str() {
        "microsoft.machinelearningservices/workspaces" => {
            let wsid = target
                .doc
                .pointer("/properties/workspaceId")
                .and_then(Value::as_str)
                .unwrap_or("00000000-0000-0000-0000-000000000000");
            vec![
                format!("{wsid}.workspace.{region}.api.azureml.ms"),
                format!("{wsid}.workspace.{region}.cert.api.azureml.ms"),
                format!("*.{wsid}.inference.{region}.api.azureml.ms"),
                format!("ml-{name}-{region}-{wsid}.{region}.notebooks.azure.net"),
            ]
        }
        "microsoft.storage/storageaccounts" => {
            let (base, secondary) = match g.strip_suffix("_secondary") {
                Some(b) => (b.to_string(), true),
                None => (g.clone(), false),
            };
            let host = if secondary {
                format!("{name}-secondary")
            } else {
                name
            };
            vec![format!("{host}.{base}.core.windows.net")]
        }
        "microsoft.keyvault/vaults" => vec![format!("{name}.vault.azure.net")],
        "microsoft.containerregistry/registries" => vec![
            format!("{name}.azurecr.io"),
            format!("{name}.{region}.data.azurecr.io"),
        ],
        _ => vec![format!("{name}.{g}.privatelink.emulator.internal")],
    }
}

fn allocate_ip(w: &mut World, subnet: &Res) -> String {
    let prefix = subnet
        .doc
        .pointer("/properties/addressPrefix")
        .and_then(Value::as_str)
        .or_else(|| {
            subnet
                .doc
                .pointer("/properties/addressPrefixes/0")
                .and_then(Value::as_str)
        })
        .unwrap_or("10.0.0.0/24");
    let base: Vec<u32> = prefix
        .split('/')
        .next()
        .unwrap_or("10.0.0.0")
        .split('.')
        .filter_map(|o| o.parse().ok())
        .collect();
    let base = if base.len() == 4 {
        (base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]
    } else {
        0x0a00_0000
    };
    let n = w.ip_next.entry(key_of(&subnet.id)).or_insert(4);
    let ip = base + *n;
    *n += 1;
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 255,
        (ip >> 8) & 255,
        ip & 255
    )
}

fn pe_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    if ctx.method == "DELETE" {
        return delete_common(app, w, ctx, p, &key, &key);
    }
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    let body = requested_body(ctx, p, existing.as_ref().map(|e| e.doc.clone()))?;
    let loc = required_location(&body)?;
    let id = existing
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| new_id(w, p));
    let name = id.rsplit('/').next().unwrap_or("").to_string();
    let props = object_properties(&body)?;
    let subnet_id = requested_subnet_id(&props)?;
    let subnet = w
        .get(&key_of(subnet_id))
        .cloned()
        .ok_or_else(|| invalid_reference(subnet_id, &id))?;
    check_pe_location(w, loc, &subnet, &id)?;
    check_static_ips(&props, &subnet)?;
    // Validate connections and targets first.
    let conns = requested_connections(w, &props, &id, &name)?;
    let old_refs = existing
        .as_ref()
        .map(|e| e.x.conn_refs.clone())
        .unwrap_or_default();
    let linked = link_connections(w, &conns, &old_refs, &id, &name, subnet_id)?;
    drop_stale_connections(w, &old_refs, &linked.refs);
    let dns = dns_configs(w, existing.as_ref(), &props, &linked.fqdns, &subnet);
    let nic = network_interfaces(existing.as_ref(), &props, &name, p);
    let mut pr = props.clone();
    for (k, v) in linked.entries {
        pr[k] = v;
    }
    pr["provisioningState"] = json!("Updating");
    pr["resourceGuid"] = existing
        .as_ref()
        .and_then(|e| e.doc.pointer("/properties/resourceGuid").cloned())
        .unwrap_or_else(|| json!(uuid::Uuid::new_v4().to_string()));
    pr["customDnsConfigs"] = dns;
    pr["networkInterfaces"] = nic;
    pr["subnet"] = json!({"id": subnet.id});
    fill_pe_defaults(&mut pr);
    let region = norm_location(loc);
    let res = pe_res(id, name, &region, pr, &body, linked.refs);
    w.put(res.clone());
    let h = AsyncOp::new(Style::Nrp, &key, &key, &region, Done::Succeed).start(app, w, ctx, p);
    let status = if existing.is_some() { 200 } else { 201 };
    Ok(with_etag(Reply::json(status, view_pe(w, &res)), &res).headers(h))
}

/// A private endpoint's `location`: not empty (400 `LocationRequired`, as for a missing one),
/// and its VNet's region; NRP resolves the subnet only within the endpoint's region, so another
/// region gets 400 `InvalidResourceReference` naming the VNet.
fn check_pe_location(w: &World, loc: &str, subnet: &Res, pe_id: &str) -> ArmResult<()> {
    if loc.trim().is_empty() {
        return Err(ArmError::bad_request(
            "LocationRequired",
            "The location property is required for this definition.",
        )
        .with_target("location"));
    }
    let Some((vnet_id, _)) = subnet.id.rsplit_once("/subnets/") else {
        return Ok(());
    };
    let vnet_region = w
        .get(&key_of(vnet_id))
        .and_then(|v| v.doc["location"].as_str())
        .map(norm_location);
    match vnet_region {
        Some(r) if r != norm_location(loc) => Err(invalid_reference(vnet_id, pe_id)),
        _ => Ok(()),
    }
}

/// Each static `ipConfigurations[].properties.privateIPAddress` must be an IPv4 address inside
/// one of the subnet's prefixes: otherwise 400 `PrivateIPAddressNotInSubnet`.
fn check_static_ips(props: &Value, subnet: &Res) -> ArmResult<()> {
    let prefixes = subnet_prefixes(subnet);
    for (i, ip) in static_ips(props).iter().enumerate() {
        let inside = parse_v4(ip).is_some_and(|a| {
            prefixes
                .iter()
                .any(|p| parse_cidr_v4(p).is_some_and(|(net, len)| in_prefix(a, net, len)))
        });
        if !inside {
            return Err(ArmError::bad_request(
                "PrivateIPAddressNotInSubnet",
                format!(
                    "Private static IP address {ip} does not belong to the range of subnet prefix {}.",
                    prefixes.join(", ")
                ),
            )
            .with_target(format!(
                "properties.ipConfigurations[{i}].properties.privateIPAddress"
            )));
        }
    }
    Ok(())
}

/// `addressPrefix` and `addressPrefixes` of a subnet.
fn subnet_prefixes(subnet: &Res) -> Vec<String> {
    let p = &subnet.doc["properties"];
    let mut out: Vec<String> = p["addressPrefix"]
        .as_str()
        .map(String::from)
        .into_iter()
        .collect();
    if let Some(a) = p["addressPrefixes"].as_array() {
        out.extend(a.iter().filter_map(Value::as_str).map(String::from));
    }
    out
}

fn parse_v4(s: &str) -> Option<u32> {
    s.trim().parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

fn parse_cidr_v4(s: &str) -> Option<(u32, u32)> {
    let (a, l) = s.split_once('/')?;
    let len: u32 = l.parse().ok().filter(|l| *l <= 32)?;
    Some((parse_v4(a)?, len))
}

fn in_prefix(addr: u32, net: u32, len: u32) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    addr & mask == net & mask
}

/// The request body; on PATCH, merged into `base` (the stored resource; 404 if absent).
fn requested_body(ctx: &Ctx, p: &ResPath, base: Option<Value>) -> ArmResult<Value> {
    if ctx.method != "PATCH" {
        return ctx.json();
    }
    let Some(mut b) = base else {
        return Err(not_found(p));
    };
    crate::routes::generic::merge(&mut b, &ctx.json()?);
    Ok(b)
}

/// `location` is required.
fn required_location(body: &Value) -> ArmResult<&str> {
    body.get("location").and_then(Value::as_str).ok_or_else(|| {
        ArmError::bad_request(
            "LocationRequired",
            "The location property is required for this definition.",
        )
    })
}

/// `properties`, which must be an object (`{}` when absent).
fn object_properties(body: &Value) -> ArmResult<Value> {
    let props = body.get("properties").cloned().unwrap_or(json!({}));
    if !props.is_object() {
        return Err(
            ArmError::invalid_content("properties must be an object.").with_target("properties")
        );
    }
    Ok(props)
}

/// `properties.subnet.id` of a private endpoint (required).
fn requested_subnet_id(props: &Value) -> ArmResult<&str> {
    props
        .pointer("/subnet/id")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ArmError::bad_request(
                "InvalidRequestFormat",
                "Cannot parse the request. properties.subnet.id is required.",
            )
            .with_target("properties.subnet.id")
        })
}

/// One requested private-link service connection of a private endpoint.
struct RequestedConn {
    /// `privateLinkServiceConnections` or `manualPrivateLinkServiceConnections`.
    field: String,
    /// Connection name (`{pe}-{i}` when not given).
    name: String,
    /// The connection as sent.
    body: Value,
    /// The private-link target.
    target: Res,
    /// `groupIds` as sent (`[]` when absent).
    groups: Value,
}

/// The connections of both fields, each with an existing target and valid group ids.
fn requested_connections(
    w: &World,
    props: &Value,
    pe_id: &str,
    pe_name: &str,
) -> ArmResult<Vec<RequestedConn>> {
    let mut conns = Vec::new();
    for field in CONN_FIELDS {
        let items = props
            .get(*field)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, c) in items.iter().enumerate() {
            let target_id = c.pointer("/properties/privateLinkServiceId").and_then(Value::as_str).ok_or_else(|| {
                ArmError::bad_request("InvalidRequestFormat", format!("Cannot parse the request. properties.{field}[{i}].properties.privateLinkServiceId is required."))
            })?;
            let target = w
                .get(&key_of(target_id))
                .cloned()
                .ok_or_else(|| invalid_reference(target_id, pe_id))?;
            let groups = c
                .pointer("/properties/groupIds")
                .cloned()
                .unwrap_or(json!([]));
            check_workspace_group_ids(&target, &groups)?;
            let name = c
                .get("name")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| format!("{pe_name}-{i}"));
            conns.push(RequestedConn {
                field: field.to_string(),
                name,
                body: c.clone(),
                target,
                groups,
            });
        }
    }
    Ok(conns)
}

/// A workspace target accepts exactly one group id, `amlworkspace`.
fn check_workspace_group_ids(target: &Res, groups: &Value) -> ArmResult<()> {
    if target.tkey != "microsoft.machinelearningservices/workspaces" {
        return Ok(());
    }
    let ok = groups
        .as_array()
        .map(|g| {
            g.len() == 1
                && g[0]
                    .as_str()
                    .map(|s| s.eq_ignore_ascii_case("amlworkspace"))
                    .unwrap_or(false)
        })
        .unwrap_or(false);
    if ok {
        return Ok(());
    }
    Err(ArmError::bad_request(
        "PrivateEndpointBadRequest",
        format!("Call to Microsoft.MachineLearningServices/workspaces failed. Error message: The group id(s) {groups} are not valid for this resource; the only valid group id is 'amlworkspace'."),
    ))
}

/// The connections of a private endpoint once linked to their targets.
struct LinkedConns {
    /// Where each connection lives on its target.
    refs: Vec<ConnRef>,
    /// The two connection fields of the private endpoint's properties.
    entries: serde_json::Map<String, Value>,
    /// FQDNs the private endpoint resolves, in connection order.
    fqdns: Vec<String>,
}

/// Links each connection to a connection resource on its target, reusing the existing one
/// (same field, name and target) so approvals survive updates.
fn link_connections(
    w: &mut World,
    conns: &[RequestedConn],
    old_refs: &[ConnRef],
    pe_id: &str,
    pe_name: &str,
    subnet_id: &str,
) -> ArmResult<LinkedConns> {
    let mut linked = LinkedConns {
        refs: Vec::new(),
        entries: CONN_FIELDS
            .iter()
            .map(|f| (f.to_string(), json!([])))
            .collect(),
        fqdns: Vec::new(),
    };
    for c in conns {
        let conn_key = match reusable_connection(w, c, old_refs) {
            Some(k) => k,
            None => new_connection(w, c, pe_id, pe_name, subnet_id)?,
        };
        linked.refs.push(ConnRef {
            field: c.field.clone(),
            name: c.name.clone(),
            conn_key,
        });
        if let Some(arr) = linked
            .entries
            .get_mut(&c.field)
            .and_then(Value::as_array_mut)
        {
            arr.push(connection_entry(pe_id, c));
        }
        linked.fqdns.extend(connection_fqdns(c));
    }
    Ok(linked)
}

/// The existing connection of the same field, name and target, if it still exists.
fn reusable_connection(w: &World, c: &RequestedConn, old_refs: &[ConnRef]) -> Option<String> {
    let tkey = key_of(&c.target.id);
    old_refs
        .iter()
        .find(|r| {
            r.field == c.field
                && r.name == c.name
                && r.conn_key.starts_with(&format!("{tkey}/"))
                && w.get(&r.conn_key).is_some()
        })
        .map(|r| r.conn_key.clone())
}

/// Creates the connection resource on the target (manual connections start `Pending`).
fn new_connection(
    w: &mut World,
    c: &RequestedConn,
    pe_id: &str,
    pe_name: &str,
    subnet_id: &str,
) -> ArmResult<String> {
    let msg = c
        .body
        .pointer("/properties/requestMessage")
        .and_then(Value::as_str)
        .unwrap_or("");
    create_connection(
        w,
        &key_of(&c.target.id),
        pe_id,
        pe_name,
        subnet_id,
        c.field.starts_with("manual"),
        msg,
        &c.groups,
    )
    .ok_or_else(|| invalid_reference(&c.target.id, pe_id))
}

/// The connection as the private endpoint shows it (its state is filled in by the view).
fn connection_entry(pe_id: &str, c: &RequestedConn) -> Value {
    let mut cp = c.body.get("properties").cloned().unwrap_or(json!({}));
    cp["provisioningState"] = json!("Succeeded");
    cp["privateLinkServiceConnectionState"] =
        json!({"status": "Pending", "description": "", "actionsRequired": "None"});
    json!({
        "id": format!("{pe_id}/{}/{}", c.field, c.name),
        "name": c.name,
        "type": format!("Microsoft.Network/privateEndpoints/{}", c.field),
        "etag": new_etag("microsoft.network/privateendpoints"),
        "properties": cp,
    })
}

/// FQDNs of a connection: one set per group id, the `default` set without group ids.
fn connection_fqdns(c: &RequestedConn) -> Vec<String> {
    let mut fqdns = Vec::new();
    for g in c.groups.as_array().cloned().unwrap_or_default() {
        fqdns.extend(target_fqdns(&c.target, g.as_str().unwrap_or("")));
    }
    if c.groups.as_array().map(|a| a.is_empty()).unwrap_or(true) {
        fqdns.extend(target_fqdns(&c.target, "default"));
    }
    fqdns
}

/// Removes the connections of the previous version that were not kept.
fn drop_stale_connections(w: &mut World, old_refs: &[ConnRef], refs: &[ConnRef]) {
    for old in old_refs {
        if !refs.iter().any(|r| r.conn_key == old.conn_key) {
            w.remove_tree(&old.conn_key);
        }
    }
}

/// DNS configs: the existing allocation when the FQDN set is unchanged; otherwise one IP per
/// FQDN, static IPs from `ipConfigurations` first, then allocated from the subnet.
fn dns_configs(
    w: &mut World,
    existing: Option<&Res>,
    props: &Value,
    fqdns: &[String],
    subnet: &Res,
) -> Value {
    let old_dns = existing
        .and_then(|e| e.doc.pointer("/properties/customDnsConfigs").cloned())
        .unwrap_or(json!([]));
    let old_fqdns: Vec<String> = old_dns
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["fqdn"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if old_fqdns == fqdns {
        return old_dns;
    }
    let statics = static_ips(props);
    let mut v = Vec::new();
    for (i, f) in fqdns.iter().enumerate() {
        let ip = statics
            .get(i)
            .cloned()
            .unwrap_or_else(|| allocate_ip(w, subnet));
        v.push(json!({"fqdn": f, "ipAddresses": [ip]}));
    }
    Value::Array(v)
}

/// `privateIPAddress` of each requested `ipConfigurations` entry, in order.
fn static_ips(props: &Value) -> Vec<String> {
    props
        .get("ipConfigurations")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    c.pointer("/properties/privateIPAddress")
                        .and_then(Value::as_str)
                        .map(String::from)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The NIC: kept from the stored endpoint, else named `customNetworkInterfaceName` or
/// `{pe}.nic.{guid}`.
fn network_interfaces(existing: Option<&Res>, props: &Value, pe_name: &str, p: &ResPath) -> Value {
    let nic_name = props
        .get("customNetworkInterfaceName")
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| format!("{pe_name}.nic.{}", uuid::Uuid::new_v4()));
    existing
        .and_then(|e| e.doc.pointer("/properties/networkInterfaces").cloned())
        .unwrap_or_else(|| json!([{"id": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/networkInterfaces/{nic_name}", p.sub, p.rg)}]))
}

/// NRP's defaults for omitted fields.
fn fill_pe_defaults(pr: &mut Value) {
    if pr.get("applicationSecurityGroups").is_none() {
        pr["applicationSecurityGroups"] = json!([]);
    }
    if pr.get("ipConfigurations").is_none() {
        pr["ipConfigurations"] = json!([]);
    }
    if pr.get("ipVersionType").is_none() {
        pr["ipVersionType"] = json!("IPv4");
    }
}

/// The stored private endpoint (`tags` and `extendedLocation` as sent).
fn pe_res(
    id: String,
    name: String,
    region: &str,
    pr: Value,
    body: &Value,
    refs: Vec<ConnRef>,
) -> Res {
    let etag = new_etag("microsoft.network/privateendpoints");
    let mut doc = json!({
        "id": id, "name": name, "type": "Microsoft.Network/privateEndpoints",
        "location": region, "etag": etag, "properties": pr,
    });
    for k in ["tags", "extendedLocation"] {
        if let Some(v) = body.get(k) {
            doc[k] = v.clone();
        }
    }
    Res {
        id,
        tkey: "microsoft.network/privateendpoints".into(),
        doc,
        etag,
        hidden: false,
        x: Extra {
            conn_refs: refs,
            ..Default::default()
        },
    }
}

/// Called when a private endpoint is removed: its connections disappear from the targets.
pub fn pe_removed(w: &mut World, key: &str) {
    let refs = w
        .get_any(key)
        .map(|r| r.x.conn_refs.clone())
        .unwrap_or_default();
    for r in refs {
        w.remove_tree(&r.conn_key);
        crate::routes::touch_parent(w, &r.conn_key);
    }
}

/// Called when a zone group is removed: its A records disappear from the zones.
pub fn zone_group_removed(w: &mut World, key: &str) {
    let owned = w
        .get_any(key)
        .map(|r| r.x.owned_records.clone())
        .unwrap_or_default();
    for k in owned {
        w.remove_tree(&k);
    }
}

/// Completion hook of a zone-group write.
pub fn zone_group_succeeded(doc: &mut Value) {
    if let Some(cfgs) = doc
        .pointer_mut("/properties/privateDnsZoneConfigs")
        .and_then(Value::as_array_mut)
    {
        for c in cfgs {
            if let Some(rs) = c
                .pointer_mut("/properties/recordSets")
                .and_then(Value::as_array_mut)
            {
                for r in rs {
                    r["provisioningState"] = json!("Succeeded");
                }
            }
        }
    }
}

fn zone_group_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    let pe_key = key_of(&p.id_prefix(1));
    check_busy(w, ctx, &pe_key, p.name())?;
    if ctx.method == "DELETE" {
        return delete_common(app, w, ctx, p, &key, &pe_key);
    }
    if ctx.method != "PUT" {
        return Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!("The method '{}' is not allowed.", ctx.method),
        ));
    }
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    let body = ctx.json()?;
    if let Some(other) = w
        .children(&pe_key, "privatednszonegroups")
        .into_iter()
        .find(|g| key_of(&g.id) != key)
    {
        return Err(ArmError::bad_request(
            "PrivateEndpointCanHaveOnlyOneDnsZoneGroup",
            format!("Private endpoint {} already has private DNS zone group '{}'; only one zone group is allowed per private endpoint.", p.id_prefix(1), other.doc["name"].as_str().unwrap_or("")),
        ));
    }
    let pe = w.get(&pe_key).cloned().ok_or_else(|| not_found(p))?;
    let id = existing
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| new_id(w, p));
    let name = id.rsplit('/').next().unwrap_or("").to_string();
    let cfgs = body
        .pointer("/properties/privateDnsZoneConfigs")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            ArmError::bad_request(
                "InvalidRequestFormat",
                "Cannot parse the request. properties.privateDnsZoneConfigs is required.",
            )
            .with_target("properties.privateDnsZoneConfigs")
        })?;
    if cfgs.is_empty() || cfgs.len() > 5 {
        return Err(ArmError::bad_request(
            "InvalidRequestFormat",
            format!("Cannot parse the request. A private DNS zone group needs between 1 and 5 privateDnsZoneConfigs, got {}.", cfgs.len()),
        ));
    }
    let mut zones = Vec::new();
    for (i, c) in cfgs.iter().enumerate() {
        let zid = c.pointer("/properties/privateDnsZoneId").and_then(Value::as_str).ok_or_else(|| {
            ArmError::bad_request("InvalidRequestFormat", format!("Cannot parse the request. privateDnsZoneConfigs[{i}].properties.privateDnsZoneId is required."))
        })?;
        let zone = w
            .get(&key_of(zid))
            .cloned()
            .filter(|z| z.tkey == "microsoft.network/privatednszones")
            .ok_or_else(|| invalid_reference(zid, &id))?;
        let zname = zone.doc["name"].as_str().unwrap_or("").to_string();
        let cname = c
            .get("name")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| zname.replace('.', "-"));
        if let Some(e) = &existing {
            let old = e
                .doc
                .pointer("/properties/privateDnsZoneConfigs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if let Some(o) = old
                .iter()
                .find(|o| o["name"].as_str() == Some(cname.as_str()))
            {
                let oz = o
                    .pointer("/properties/privateDnsZoneId")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if key_of(oz) != key_of(zid) {
                    return Err(ArmError::bad_request("InvalidRequestFormat", "Cannot parse the request.").with_detail(
                        "InvalidRequestFormat",
                        format!("The privateDnsZoneId of privateDnsZoneConfig '{cname}' cannot be changed from '{oz}' to '{zid}'. Delete the zone group and create it again."),
                    ));
                }
            }
        }
        zones.push((cname, zone));
    }
    // Which FQDNs go to which zone.
    let dns: Vec<(String, String)> = pe
        .doc
        .pointer("/properties/customDnsConfigs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    Some((
                        c["fqdn"].as_str()?.to_ascii_lowercase(),
                        c.pointer("/ipAddresses/0")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let suffix_of = |zname: &str| -> String {
        let z = zname.to_ascii_lowercase();
        z.strip_prefix("privatelink.")
            .map(String::from)
            .unwrap_or(z)
    };
    let any_match = dns.iter().any(|(f, _)| {
        zones.iter().any(|(_, z)| {
            f.ends_with(&format!(
                ".{}",
                suffix_of(z.doc["name"].as_str().unwrap_or(""))
            ))
        })
    });
    // Drop the records of the previous version of the group.
    zone_group_removed(w, &key);
    let mut owned = Vec::new();
    let mut out_cfgs = Vec::new();
    for (cname, zone) in &zones {
        let zname = zone.doc["name"].as_str().unwrap_or("").to_string();
        let sfx = format!(".{}", suffix_of(&zname));
        let mut sets = Vec::new();
        for (f, ip) in &dns {
            let rel = if any_match {
                match f.strip_suffix(&sfx) {
                    Some(r) => r.to_string(),
                    None => continue,
                }
            } else {
                f.split('.').next().unwrap_or(f).to_string()
            };
            let rid = format!("{}/A/{rel}", zone.id);
            let rkey = key_of(&rid);
            let etag = new_etag("microsoft.network/privatednszones/a");
            let doc = json!({
                "id": rid, "name": rel, "type": "Microsoft.Network/privateDnsZones/A", "etag": etag,
                "properties": {
                    "metadata": {"creator": format!("created by private endpoint {} with resource guid {}", pe.doc["name"].as_str().unwrap_or(""), pe.doc.pointer("/properties/resourceGuid").and_then(Value::as_str).unwrap_or(""))},
                    "ttl": 10, "fqdn": format!("{rel}.{zname}."), "isAutoRegistered": false,
                    "aRecords": [{"ipv4Address": ip}],
                }
            });
            w.put(Res {
                id: rid,
                tkey: "microsoft.network/privatednszones/a".into(),
                doc,
                etag,
                hidden: false,
                x: Extra::default(),
            });
            owned.push(rkey);
            sets.push(json!({"recordType": "A", "recordSetName": rel, "fqdn": format!("{rel}.{zname}"), "ttl": 10, "ipAddresses": [ip], "provisioningState": "Succeeded"}));
        }
        out_cfgs.push(json!({
            "name": cname,
            "id": format!("{id}/privateDnsZoneConfigs/{cname}"),
            "properties": {"privateDnsZoneId": zone.id, "recordSets": sets},
        }));
    }
    let etag = new_etag("microsoft.network/privateendpoints/privatednszonegroups");
    let doc = json!({
        "id": id, "name": name, "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "etag": etag,
        "properties": {"provisioningState": "Updating", "privateDnsZoneConfigs": out_cfgs},
    });
    let res = Res {
        id,
        tkey: "microsoft.network/privateendpoints/privatednszonegroups".into(),
        doc,
        etag,
        hidden: false,
        x: Extra {
            owned_records: owned,
            ..Default::default()
        },
    };
    w.put(res.clone());
    let region = pe.doc["location"].as_str().unwrap_or("eastus").to_string();
    let h = AsyncOp::new(Style::Nrp, &key, &pe_key, &region, Done::Succeed).start(app, w, ctx, p);
    let status = if existing.is_some() { 200 } else { 201 };
    Ok(with_etag(Reply::json(status, res.doc.clone()), &res).headers(h))
}
