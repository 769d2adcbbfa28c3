//! Conformance: every official `x-ms-examples` file in `../shared/arm/examples` is replayed
//! against a running emulator. The initial status must be one of the example's response codes,
//! and after the long-running operation completes the body must contain every property path of
//! the example's 200 (else 201) body. Prerequisites are written through the admin API.

mod common;

use common::Env;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn examples_dir() -> PathBuf {
    let d = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/arm/examples"
    ));
    assert!(
        d.is_dir(),
        "example payloads not found at {} (expected ../shared/arm/examples next to the workspace)",
        d.display()
    );
    d
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read examples dir") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().map(|x| x == "json").unwrap_or(false) {
            out.push(p);
        }
    }
}

/// Every property path of `v` (object keys; array elements as `[]`).
fn paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{prefix}\u{1f}{k}");
                out.push(p.clone());
                paths(x, &p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                paths(x, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// Whether `actual` has the path (arrays: some element has the rest of the path).
fn has_path(actual: &Value, path: &str) -> bool {
    fn go(v: &Value, segs: &[&str]) -> bool {
        if segs.is_empty() {
            return true;
        }
        let s = segs[0];
        if let Some(key) = s.strip_suffix("[]") {
            let inner = if key.is_empty() { Some(v) } else { v.get(key) };
            let Some(Value::Array(a)) = inner else {
                return false;
            };
            return a.iter().any(|x| go(x, &segs[1..]));
        }
        match v.get(s) {
            Some(x) => go(x, &segs[1..]),
            None => false,
        }
    }
    // Paths use U+001F as separator because ARM map keys (identity ids) contain slashes.
    let segs: Vec<&str> = path.trim_start_matches('\u{1f}').split('\u{1f}').collect();
    go(actual, &segs)
}

struct Case {
    method: &'static str,
    path: String,
    api: String,
    body: Option<Value>,
    prereqs: Vec<(String, Value)>,
    resource: String,
}

fn s<'a>(p: &'a Value, k: &str) -> &'a str {
    p.get(k)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("example parameter {k} missing"))
}

fn ws_path(p: &Value) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
        s(p, "subscriptionId"), s(p, "resourceGroupName"), s(p, "workspaceName")
    )
}

fn load(rel: &str) -> Value {
    let t = std::fs::read_to_string(examples_dir().join(rel)).expect("example");
    serde_json::from_str(&t).expect("example json")
}

/// A full workspace document (the Workspace/get example body) re-homed at `id`.
fn workspace_doc(id: &str, mode: &str) -> Value {
    let mut d = load("machinelearningservices/2025-12-01/Workspace/get.json")["responses"]["200"]
        ["body"]
        .clone();
    d["id"] = json!(id);
    d["name"] = json!(id.rsplit('/').next().unwrap());
    d["properties"]["managedNetwork"]["isolationMode"] = json!(mode);
    d
}

fn case(rel: &str, ex: &Value) -> Case {
    let p = &ex["parameters"];
    let api = s(p, "api-version").to_string();
    let file = rel.rsplit('/').next().unwrap();
    let net = |sub: &str, rg: &str| {
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network")
    };
    let mut c = Case {
        method: "GET",
        path: String::new(),
        api,
        body: None,
        prereqs: Vec::new(),
        resource: String::new(),
    };
    if rel.starts_with("machinelearningservices/") {
        let ws = ws_path(p);
        match rel.split('/').nth(2).unwrap_or("") {
            "ManagedNetwork" => {
                c.prereqs
                    .push((ws.clone(), workspace_doc(&ws, "AllowOnlyApprovedOutbound")));
                match file {
                    "createOrUpdateRule.json" => {
                        c.method = "PUT";
                        c.path = format!("{ws}/outboundRules/{}", s(p, "ruleName"));
                        c.body = Some(p["body"].clone());
                    }
                    "deleteRule.json" => {
                        let mut d = workspace_doc(&ws, "AllowOnlyApprovedOutbound");
                        d["properties"]["managedNetwork"]["outboundRules"][s(p, "ruleName")] = json!({"type": "FQDN", "category": "UserDefined", "destination": "pypi.org", "status": "Active"});
                        c.prereqs = vec![(ws.clone(), d)];
                        c.method = "DELETE";
                        c.path = format!("{ws}/outboundRules/{}", s(p, "ruleName"));
                    }
                    "provision.json" => {
                        c.method = "POST";
                        c.path = format!("{ws}/provisionManagedNetwork");
                        c.body = Some(p["body"].clone());
                    }
                    other => panic!("no conformance mapping for {rel} ({other})"),
                }
                c.resource = c.path.clone();
            }
            "PrivateEndpointConnection" => {
                let name = s(p, "privateEndpointConnectionName");
                let mut d = workspace_doc(&ws, "Disabled");
                let conn =
                    load("machinelearningservices/2025-12-01/PrivateEndpointConnection/get.json")
                        ["responses"]["200"]["body"]
                        .clone();
                d["properties"]["privateEndpointConnections"] = json!([conn]);
                c.prereqs.push((ws.clone(), d));
                let enc = name.replace('{', "%7B").replace('}', "%7D");
                c.path = format!("{ws}/privateEndpointConnections/{enc}");
                match file {
                    "createOrUpdate.json" => {
                        c.method = "PUT";
                        c.body = Some(p["properties"].clone());
                    }
                    "delete.json" => c.method = "DELETE",
                    "get.json" => {}
                    "list.json" => c.path = format!("{ws}/privateEndpointConnections"),
                    other => panic!("no conformance mapping for {rel} ({other})"),
                }
                c.resource = c.path.clone();
            }
            "OnlineEndpoint" => {
                // The endpoint exists already (seeded from the create request), with the
                // deployment its `traffic` names; the PUT is then an update (200).
                // list.json names no endpoint; its listed endpoints get a name of our own.
                let name = p["endpointName"].as_str().unwrap_or("listedEndpoint");
                let ep = format!("{ws}/onlineEndpoints/{name}");
                let request =
                    load("machinelearningservices/2025-12-01/OnlineEndpoint/createOrUpdate.json")
                        ["parameters"]["body"]
                        .clone();
                c.prereqs.push((ws.clone(), workspace_doc(&ws, "Disabled")));
                c.prereqs.push((ep.clone(), request.clone()));
                for dep in request["properties"]["traffic"].as_object().unwrap().keys() {
                    c.prereqs.push((
                        format!("{ep}/deployments/{dep}"),
                        json!({"location": request["location"], "properties": {"endpointComputeType": "Managed"}}),
                    ));
                }
                c.path = ep.clone();
                c.resource = ep.clone();
                match file {
                    "createOrUpdate.json" => {
                        c.method = "PUT";
                        c.body = Some(p["body"].clone());
                    }
                    "delete.json" => c.method = "DELETE",
                    "get.json" => {}
                    "list.json" => {
                        // A second endpoint and the spec's `count` (page size) of the example's
                        // parameters give a first page with a `nextLink`.
                        c.prereqs.push((format!("{ep}-second"), request.clone()));
                        c.path = format!("{ws}/onlineEndpoints?count={}", p["count"]);
                        c.resource = c.path.clone();
                    }
                    "update.json" => {
                        c.method = "PATCH";
                        c.body = Some(p["body"].clone());
                    }
                    other => panic!("no conformance mapping for {rel} ({other})"),
                }
            }
            "PrivateLinkResource" => {
                c.prereqs.push((ws.clone(), workspace_doc(&ws, "Disabled")));
                c.path = format!("{ws}/privateLinkResources");
                c.resource = c.path.clone();
            }
            "Workspace" => {
                c.path = ws.clone();
                c.resource = ws.clone();
                match file {
                    "create.json" => {
                        c.method = "PUT";
                        c.body = Some(p["parameters"].clone());
                        c.prereqs.push((
                            format!(
                                "/subscriptions/{}/resourceGroups/{}",
                                s(p, "subscriptionId"),
                                s(p, "resourceGroupName")
                            ),
                            json!({"location": "eastus2euap"}),
                        ));
                    }
                    "delete.json" => {
                        c.method = "DELETE";
                        c.prereqs.push((ws.clone(), workspace_doc(&ws, "Disabled")));
                    }
                    "get.json" => c
                        .prereqs
                        .push((ws.clone(), ex["responses"]["200"]["body"].clone())),
                    "update.json" => {
                        c.method = "PATCH";
                        c.body = Some(p["parameters"].clone());
                        c.prereqs
                            .push((ws.clone(), workspace_doc(&ws, "AllowOnlyApprovedOutbound")));
                    }
                    other => panic!("no conformance mapping for {rel} ({other})"),
                }
            }
            other => panic!("no conformance mapping for {rel} ({other})"),
        }
        return c;
    }
    if rel.starts_with("network/") {
        let sub = s(p, "subscriptionId");
        let rg = s(p, "resourceGroupName");
        let n = net(sub, rg);
        let subnet_prereq = |c: &mut Case, body: &Value| {
            let subnet = body
                .pointer("/properties/subnet/id")
                .and_then(Value::as_str)
                .expect("subnet id")
                .to_string();
            let vnet = subnet.rsplit_once("/subnets/").unwrap().0.to_string();
            let sname = subnet.rsplit('/').next().unwrap();
            // The VNet is in the endpoint's region, as NRP requires.
            let region = body["location"].as_str().unwrap_or("eastus");
            c.prereqs.push((vnet, json!({"location": region, "properties": {"addressSpace": {"addressPrefixes": ["192.168.0.0/16"]},
                "subnets": [{"name": sname, "properties": {"addressPrefix": "192.168.0.0/24"}}]}})));
            for f in [
                "privateLinkServiceConnections",
                "manualPrivateLinkServiceConnections",
            ] {
                for conn in body
                    .pointer(&format!("/properties/{f}"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
                {
                    let t = conn
                        .pointer("/properties/privateLinkServiceId")
                        .and_then(Value::as_str)
                        .unwrap()
                        .to_string();
                    c.prereqs
                        .push((t, json!({"location": "eastus", "properties": {}})));
                }
            }
        };
        match file {
            "PrivateEndpointCreate.json"
            | "PrivateEndpointCreateWithASG.json"
            | "PrivateEndpointCreateForManualApproval.json" => {
                c.method = "PUT";
                c.path = format!("{n}/privateEndpoints/{}", s(p, "privateEndpointName"));
                let body = p["parameters"].clone();
                subnet_prereq(&mut c, &body);
                c.body = Some(body);
            }
            "PrivateEndpointDelete.json" => {
                c.method = "DELETE";
                c.path = format!("{n}/privateEndpoints/{}", s(p, "privateEndpointName"));
                c.prereqs.push((c.path.clone(), json!({"location": "eastus", "properties": {"subnet": {"id": format!("{n}/virtualNetworks/v/subnets/s")}}})));
            }
            "PrivateEndpointDnsZoneGroupCreate.json" | "PrivateEndpointDnsZoneGroupDelete.json" => {
                let pe = format!("{n}/privateEndpoints/{}", s(p, "privateEndpointName"));
                c.prereqs.push((pe.clone(), json!({"location": "eastus", "properties": {
                    "subnet": {"id": format!("{n}/virtualNetworks/v/subnets/s")},
                    "customDnsConfigs": [{"fqdn": "abc.cosmos.com", "ipAddresses": ["10.0.0.4"]}, {"fqdn": "abc2.cosmos.com", "ipAddresses": ["10.0.0.5"]}],
                    "privateLinkServiceConnections": []}})));
                c.path = format!(
                    "{pe}/privateDnsZoneGroups/{}",
                    s(p, "privateDnsZoneGroupName")
                );
                if file.ends_with("Create.json") {
                    c.method = "PUT";
                    let body = p["parameters"].clone();
                    for cfg in body
                        .pointer("/properties/privateDnsZoneConfigs")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                    {
                        let z = cfg
                            .pointer("/properties/privateDnsZoneId")
                            .and_then(Value::as_str)
                            .unwrap()
                            .to_string();
                        c.prereqs.push((z, json!({"location": "global"})));
                    }
                    c.body = Some(body);
                } else {
                    c.method = "DELETE";
                    let zone = format!("{n}/privateDnsZones/zone1.com");
                    c.prereqs
                        .push((zone.clone(), json!({"location": "global"})));
                    c.prereqs.push((c.path.clone(), json!({"properties": {"privateDnsZoneConfigs": [{"name": "zone1-com", "properties": {"privateDnsZoneId": zone}}]}})));
                }
            }
            "SubnetGet.json" => {
                let vnet = format!("{n}/virtualNetworks/{}", s(p, "virtualNetworkName"));
                c.prereqs.push((vnet.clone(), json!({"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                    "subnets": [{"name": s(p, "subnetName"), "properties": {"addressPrefix": "10.0.0.0/16"}}]}})));
                c.path = format!("{vnet}/subnets/{}", s(p, "subnetName"));
            }
            other => panic!("no conformance mapping for {rel} ({other})"),
        }
        c.resource = c.path.clone();
        return c;
    }
    if rel.starts_with("privatedns/") {
        let zone = format!(
            "{}/privateDnsZones/{}",
            net(s(p, "subscriptionId"), s(p, "resourceGroupName")),
            s(p, "privateZoneName")
        );
        match file {
            "PrivateZonePut.json" => {
                c.method = "PUT";
                c.path = zone.clone();
                c.body = Some(p["parameters"].clone());
                c.prereqs.push((
                    zone.rsplit_once("/providers/").unwrap().0.to_string(),
                    json!({"location": "eastus"}),
                ));
            }
            "PrivateZoneDelete.json" => {
                c.method = "DELETE";
                c.path = zone.clone();
                c.prereqs
                    .push((zone.clone(), json!({"location": "global"})));
            }
            "RecordSetAGet.json" | "RecordSetAPut.json" => {
                c.prereqs
                    .push((zone.clone(), json!({"location": "global"})));
                c.path = format!(
                    "{zone}/{}/{}",
                    s(p, "recordType"),
                    s(p, "relativeRecordSetName")
                );
                if file == "RecordSetAPut.json" {
                    c.method = "PUT";
                    c.body = Some(p["parameters"].clone());
                } else {
                    c.prereqs
                        .push((c.path.clone(), ex["responses"]["200"]["body"].clone()));
                }
            }
            "VirtualNetworkLinkPut.json" | "VirtualNetworkLinkDelete.json" => {
                c.prereqs
                    .push((zone.clone(), json!({"location": "global"})));
                c.path = format!(
                    "{zone}/virtualNetworkLinks/{}",
                    s(p, "virtualNetworkLinkName")
                );
                if file == "VirtualNetworkLinkPut.json" {
                    c.method = "PUT";
                    c.body = Some(p["parameters"].clone());
                } else {
                    c.method = "DELETE";
                    c.prereqs.push((c.path.clone(), json!({"location": "global", "properties": {"virtualNetwork": {"id": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/z"}, "registrationEnabled": false}})));
                }
            }
            other => panic!("no conformance mapping for {rel} ({other})"),
        }
        c.resource = c.path.clone();
        return c;
    }
    panic!("no conformance mapping for {rel}");
}

async fn replay(env: &Env, rel: &str) -> Result<(), String> {
    let ex = load(rel);
    let c = case(rel, &ex);
    env.admin("POST", "/reset", None).await;
    for (id, doc) in &c.prereqs {
        env.seed(id, doc.clone()).await;
    }
    let codes: Vec<u16> = ex["responses"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|k| k.parse().ok())
        .collect();
    let r = env
        .send(c.method, &c.path, Some(&c.api), c.body.as_ref(), &[])
        .await;
    if !codes.contains(&r.status) {
        return Err(format!(
            "{rel}: {} {} gave {} (example lists {codes:?}): {}",
            c.method, c.path, r.status, r.body
        ));
    }
    let expected = ex["responses"]
        .get("200")
        .and_then(|x| x.get("body"))
        .or_else(|| ex["responses"].get("201").and_then(|x| x.get("body")));
    let Some(expected) = expected else {
        return Ok(());
    };
    let fin = env.finish(r, &c.resource, &c.api).await;
    if fin.status != 200 && fin.status != 201 {
        return Err(format!("{rel}: final status {}: {}", fin.status, fin.body));
    }
    let mut ps = Vec::new();
    paths(expected, "", &mut ps);
    let missing: Vec<String> = ps
        .iter()
        .filter(|p| !has_path(&fin.body, p))
        .map(|p| p.replace('\u{1f}', "/"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{rel}: final body lacks {missing:?}\nbody: {}",
            fin.body
        ));
    }
    Ok(())
}

#[tokio::test]
async fn every_official_example_replays() {
    let dir = examples_dir();
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the example set, found {} files",
        files.len()
    );
    let env = common::start().await;
    let mut failures = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if let Err(e) = replay(&env, &rel).await {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn path_helper_semantics() {
    let v = json!({"a": {"b": [{"c": 1}, {"d": null}]}});
    let p = |s: &str| s.replace('/', "\u{1f}");
    assert!(has_path(&v, &p("/a/b[]/c")));
    assert!(has_path(&v, &p("/a/b[]/d")));
    assert!(!has_path(&v, &p("/a/b[]/e")));
    let mut ps = Vec::new();
    paths(&v, "", &mut ps);
    assert!(ps.contains(&p("/a/b[]/c")));
}
