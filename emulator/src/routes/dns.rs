//! Microsoft.Network private DNS (api-version 2024-06-01 family): zones and virtual network
//! links are long-running (202 + `Location` + `Azure-AsyncOperation`, location forced to
//! `global`), record sets are synchronous. ETags with If-Match / If-None-Match everywhere.

use super::registry::{Family, TypeHooks};
use super::{check_busy, check_conditions, not_found, page, with_etag, AsyncOp, Ctx};
use crate::app::App;
use crate::errors::{ArmError, ArmResult};
use crate::ids::{canon, key_of, ResPath, DNS_RECORD_TYPES};
use crate::lro::{Done, Style};
use crate::reply::Reply;
use crate::routes::generic::{merge, new_id};
use crate::state::{new_etag, Extra, Res, World};
use serde_json::{json, Value};
use std::sync::Arc;

/// Microsoft.Network private DNS (zones and everything under them) in the registry.
pub const FAMILY: Family = Family {
    owns: owns_type,
    write,
    list: Some(list),
    types: &[
        TypeHooks {
            view: Some(|w, r, _| view_zone(w, r)),
            ..TypeHooks::new("microsoft.network/privatednszones")
        },
        TypeHooks {
            on_succeeded: Some(link_completed),
            ..TypeHooks::new("microsoft.network/privatednszones/virtualnetworklinks")
        },
    ],
    composed_children: &[],
};

fn owns_type(tk: &str) -> bool {
    tk.starts_with("microsoft.network/privatednszones")
}

fn list(
    app: &App,
    w: &World,
    ctx: &Ctx,
    parent: &str,
    tk: &str,
    tail: &str,
) -> Option<ArmResult<Reply>> {
    tk.starts_with("microsoft.network/privatednszones/")
        .then(|| list_records(w, ctx, parent, tail).map(|items| page(app, ctx, items)))
}

/// Starts a zone or link operation: private DNS URLs, region `global`, the resource locks
/// itself.
fn start(
    app: &App,
    w: &mut World,
    ctx: &Ctx,
    p: &ResPath,
    key: &str,
    done: Done,
) -> Vec<(String, String)> {
    AsyncOp::new(Style::Dns, key, key, "global", done).start(app, w, ctx, p)
}

fn check_global(body: &Value) -> ArmResult<()> {
    match body.get("location").and_then(Value::as_str) {
        None => Ok(()),
        Some(l) if l.eq_ignore_ascii_case("global") => Ok(()),
        Some(l) => Err(ArmError::bad_request(
            "LocationNotAvailableForResourceType",
            format!("The provided location '{l}' is not available for resource type 'Microsoft.Network/privateDnsZones'. List of available regions for the resource type is 'global'."),
        )),
    }
}

fn record_keys(w: &World, zone_key: &str) -> Vec<String> {
    let mut v = Vec::new();
    for t in DNS_RECORD_TYPES {
        v.extend(w.children(zone_key, t).into_iter().map(|r| key_of(&r.id)));
    }
    v
}

/// Zone view with live counters.
pub fn view_zone(w: &World, r: &Res) -> Value {
    let mut d = r.doc.clone();
    let k = key_of(&r.id);
    let links = w.children(&k, "virtualnetworklinks");
    let reg = links
        .iter()
        .filter(|l| {
            l.doc
                .pointer("/properties/registrationEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        })
        .count();
    d["properties"]["numberOfRecordSets"] = json!(record_keys(w, &k).len());
    d["properties"]["numberOfVirtualNetworkLinks"] = json!(links.len());
    d["properties"]["numberOfVirtualNetworkLinksWithRegistration"] = json!(reg);
    d
}

/// Lists under a zone: `virtualNetworkLinks`, one record type, or `ALL`.
pub fn list_records(w: &World, ctx: &Ctx, zone_key: &str, tail: &str) -> ArmResult<Vec<Value>> {
    let items: Vec<Value> = if tail == "virtualnetworklinks" {
        w.children(zone_key, tail)
            .into_iter()
            .map(|r| r.doc.clone())
            .collect()
    } else if tail == "all" {
        record_keys(w, zone_key)
            .iter()
            .filter_map(|k| w.get(k))
            .map(|r| r.doc.clone())
            .collect()
    } else if DNS_RECORD_TYPES.contains(&tail) {
        w.children(zone_key, tail)
            .into_iter()
            .map(|r| r.doc.clone())
            .collect()
    } else {
        return Err(ArmError::bad_request(
            "InvalidResourceType",
            format!("The record type '{tail}' is not supported."),
        ));
    };
    let _ = ctx;
    Ok(items)
}

/// Entry point for private DNS writes.
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
        "microsoft.network/privatednszones" => zone_write(app, w, ctx, p),
        "microsoft.network/privatednszones/virtualnetworklinks" => link_write(app, w, ctx, p),
        t if p.pairs.len() == 2
            && DNS_RECORD_TYPES.contains(&t.rsplit('/').next().unwrap_or("")) =>
        {
            record_write(w, ctx, p)
        }
        _ => Err(ArmError::bad_request(
            "InvalidResourceType",
            format!("The resource type '{}' is not supported.", p.display()),
        )),
    }
}

fn zone_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    if ctx.method == "DELETE" {
        let Some(_) = existing else {
            return Ok(Reply::empty(204));
        };
        if !w.children(&key, "virtualnetworklinks").is_empty() {
            return Err(ArmError::new(
                409,
                "Conflict",
                format!("The Private DNS zone '{}' cannot be deleted because it contains virtual network links. Delete the links first.", p.name()),
            ));
        }
        if let Some(m) = w.get_mut(&key) {
            crate::routes::set_state(&mut m.doc, "Deleting");
        }
        let h = start(app, w, ctx, p, &key, Done::Remove);
        return Ok(Reply::empty(202).headers(h));
    }
    let body = ctx.json()?;
    check_global(&body)?;
    if ctx.method == "PATCH" {
        let Some(mut r) = existing else {
            return Err(not_found(p));
        };
        if let Some(t) = body.get("tags") {
            r.doc["tags"] = t.clone();
        }
        r.etag = new_etag(&r.tkey);
        r.doc["etag"] = json!(r.etag);
        crate::routes::set_state(&mut r.doc, "Updating");
        w.put(r);
        let h = start(app, w, ctx, p, &key, Done::Succeed);
        return Ok(Reply::empty(202).headers(h));
    }
    let id = existing
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| new_id(w, p));
    let name = id.rsplit('/').next().unwrap_or("").to_string();
    let etag = new_etag("microsoft.network/privatednszones");
    let mut doc = json!({
        "id": id, "name": name, "type": "Microsoft.Network/privateDnsZones", "location": "global", "etag": etag,
        "properties": {
            "maxNumberOfRecordSets": 5000, "numberOfRecordSets": 1,
            "maxNumberOfVirtualNetworkLinks": 100, "numberOfVirtualNetworkLinks": 0,
            "maxNumberOfVirtualNetworkLinksWithRegistration": 50, "numberOfVirtualNetworkLinksWithRegistration": 0,
            "provisioningState": if existing.is_some() { "Updating" } else { "Creating" },
            "internalId": existing.as_ref().and_then(|e| e.doc.pointer("/properties/internalId").cloned()).unwrap_or_else(|| json!(uuid::Uuid::new_v4().to_string())),
        },
    });
    if let Some(t) = body.get("tags") {
        doc["tags"] = t.clone();
    }
    let created = existing.is_none();
    w.put(Res {
        id: id.clone(),
        tkey: "microsoft.network/privatednszones".into(),
        doc,
        etag,
        hidden: created,
        x: Extra::default(),
    });
    if created {
        let sid = format!("{id}/SOA/@");
        let setag = new_etag("microsoft.network/privatednszones/soa");
        let soa = json!({
            "id": sid, "name": "@", "type": "Microsoft.Network/privateDnsZones/SOA", "etag": setag,
            "properties": {"ttl": 3600, "fqdn": format!("{name}."), "isAutoRegistered": false,
                "soaRecord": {"email": "azureprivatedns-host.microsoft.com", "expireTime": 2419200, "host": "azureprivatedns.net", "minimumTtl": 10, "refreshTime": 3600, "retryTime": 300, "serialNumber": 1}}
        });
        w.put(Res {
            id: sid,
            tkey: "microsoft.network/privatednszones/soa".into(),
            doc: soa,
            etag: setag,
            hidden: false,
            x: Extra::default(),
        });
    }
    let h = start(
        app,
        w,
        ctx,
        p,
        &key,
        if created {
            Done::Materialize
        } else {
            Done::Succeed
        },
    );
    Ok(Reply::empty(202).headers(h))
}

fn link_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    if ctx.method == "DELETE" {
        let Some(_) = existing else {
            return Ok(Reply::empty(204));
        };
        if let Some(m) = w.get_mut(&key) {
            crate::routes::set_state(&mut m.doc, "Deleting");
        }
        let h = start(app, w, ctx, p, &key, Done::Remove);
        return Ok(Reply::empty(202).headers(h));
    }
    let mut body = ctx.json()?;
    check_global(&body)?;
    if ctx.method == "PATCH" {
        let Some(e) = &existing else {
            return Err(not_found(p));
        };
        let mut b = e.doc.clone();
        merge(&mut b, &body);
        body = b;
    }
    let vnet = body
        .pointer("/properties/virtualNetwork/id")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ArmError::bad_request("BadRequest", "properties.virtualNetwork.id is required.")
                .with_target("properties.virtualNetwork.id")
        })?;
    let zone_key = key_of(&p.id_prefix(1));
    if let Some(dup) = w
        .children(&zone_key, "virtualnetworklinks")
        .into_iter()
        .find(|l| {
            key_of(&l.id) != key
                && l.doc
                    .pointer("/properties/virtualNetwork/id")
                    .and_then(Value::as_str)
                    .map(key_of)
                    == Some(key_of(vnet))
        })
    {
        return Err(ArmError::new(
            409,
            "Conflict",
            format!("A virtual network cannot be linked to the same Private DNS zone more than once; link '{}' already links it.", dup.doc["name"].as_str().unwrap_or("")),
        ));
    }
    let reg = body
        .pointer("/properties/registrationEnabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let policy = body
        .pointer("/properties/resolutionPolicy")
        .and_then(Value::as_str)
        .unwrap_or("Default");
    if !["Default", "NxDomainRedirect"]
        .iter()
        .any(|x| x.eq_ignore_ascii_case(policy))
    {
        return Err(ArmError::bad_request(
            "BadRequest",
            format!("Invalid resolutionPolicy '{policy}'; allowed: Default, NxDomainRedirect."),
        ));
    }
    let id = existing
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| new_id(w, p));
    let name = id.rsplit('/').next().unwrap_or("").to_string();
    let etag = new_etag("microsoft.network/privatednszones/virtualnetworklinks");
    let mut doc = json!({
        "id": id, "name": name, "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global", "etag": etag,
        "properties": {
            "virtualNetwork": {"id": vnet}, "registrationEnabled": reg,
            "resolutionPolicy": if policy.eq_ignore_ascii_case("nxdomainredirect") { "NxDomainRedirect" } else { "Default" },
            "virtualNetworkLinkState": "InProgress",
            "provisioningState": if existing.is_some() { "Updating" } else { "Creating" },
        },
    });
    if let Some(t) = body.get("tags") {
        doc["tags"] = t.clone();
    }
    let created = existing.is_none();
    w.put(Res {
        id,
        tkey: "microsoft.network/privatednszones/virtualnetworklinks".into(),
        doc,
        etag,
        hidden: created,
        x: Extra::default(),
    });
    let h = start(
        app,
        w,
        ctx,
        p,
        &key,
        if created {
            Done::Materialize
        } else {
            Done::Succeed
        },
    );
    Ok(Reply::empty(202).headers(h))
}

/// Completion hook for links: the link state becomes `Completed`.
pub fn link_completed(doc: &mut Value) {
    doc["properties"]["virtualNetworkLinkState"] = json!("Completed");
}

fn record_write(w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let (rtype, rname) = p.pairs[1].clone();
    let rtype_l = rtype.to_ascii_lowercase();
    let zone_key = key_of(&p.id_prefix(1));
    let rname_l = rname.to_ascii_lowercase();
    let key = format!("{zone_key}/{rtype_l}/{rname_l}");
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    if ctx.method == "DELETE" {
        if existing.is_none() {
            return Ok(Reply::empty(204));
        }
        if rtype_l == "soa" {
            return Err(ArmError::bad_request(
                "BadRequest",
                "The SOA record set cannot be deleted.",
            ));
        }
        w.remove_tree(&key);
        return Ok(Reply::empty(200));
    }
    let mut body = ctx.json()?;
    if ctx.method == "PATCH" {
        let Some(e) = &existing else {
            return Err(not_found(p));
        };
        let mut b = e.doc.clone();
        merge(&mut b, &body);
        body = b;
    }
    let zone = w.get(&zone_key).cloned().ok_or_else(|| not_found(p))?;
    let zname = zone.doc["name"].as_str().unwrap_or("").to_string();
    let mut props = body.get("properties").cloned().unwrap_or(json!({}));
    if !props.is_object() {
        return Err(ArmError::invalid_content("properties must be an object."));
    }
    if rtype_l == "a" {
        if let Some(arr) = props.get("aRecords").and_then(Value::as_array) {
            for a in arr {
                let ip = a.get("ipv4Address").and_then(Value::as_str).unwrap_or("");
                if ip.parse::<std::net::Ipv4Addr>().is_err() {
                    return Err(ArmError::bad_request(
                        "BadRequest",
                        format!("The value '{ip}' is not a valid IPv4 address."),
                    )
                    .with_target("properties.aRecords"));
                }
            }
        }
    }
    if props.get("ttl").is_none() {
        props["ttl"] = json!(3600);
    }
    let fqdn = if rname == "@" {
        format!("{zname}.")
    } else {
        format!("{rname_l}.{zname}.")
    };
    props["fqdn"] = json!(fqdn);
    props["isAutoRegistered"] = json!(false);
    let id = existing
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| format!("{}/{}/{rname_l}", zone.id, canon(&rtype)));
    let tkey = format!("microsoft.network/privatednszones/{rtype_l}");
    let etag = new_etag(&tkey);
    let doc = json!({
        "id": id, "name": rname_l, "type": format!("Microsoft.Network/privateDnsZones/{}", canon(&rtype)), "etag": etag,
        "properties": props,
    });
    let res = Res {
        id,
        tkey,
        doc: doc.clone(),
        etag,
        hidden: false,
        x: Extra::default(),
    };
    let status = if existing.is_some() { 200 } else { 201 };
    let reply = with_etag(Reply::json(status, doc), &res);
    w.put(res);
    Ok(reply)
}
