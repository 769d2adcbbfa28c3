//! End-to-end: `aml_workspace_isolation` with the real terraform CLI against the emulator. One
//! seeded world (three workspaces, endpoints, zones, links, dependencies, rules, online endpoints)
//! in which every finding code fires, evaluated in one apply; the same world fixed, where none
//! does; a postcondition that fails the plan (and a `check` block that only warns); a 403 on a
//! dependency that gives the info finding; the request count within the documented bound; and the
//! secure online endpoint example's world without errors or warnings.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::tf::emulator::{rg, Emulator};
use crate::tf::{example, has, Workspace, HEAD};

struct World {
    rg: String,
}

impl World {
    fn net(&self, path: &str) -> String {
        format!("{}/providers/Microsoft.Network/{path}", self.rg)
    }
    fn ws(&self, name: &str) -> String {
        format!(
            "{}/providers/Microsoft.MachineLearningServices/workspaces/{name}",
            self.rg
        )
    }
    fn storage(&self) -> String {
        format!(
            "{}/providers/Microsoft.Storage/storageAccounts/stisoopen",
            self.rg
        )
    }
    fn vault(&self) -> String {
        format!("{}/providers/Microsoft.KeyVault/vaults/kv-iso", self.rg)
    }
    fn registry(&self) -> String {
        format!(
            "{}/providers/Microsoft.ContainerRegistry/registries/acrisobasic",
            self.rg
        )
    }
    fn zone(&self, name: &str) -> String {
        self.net(&format!("privateDnsZones/{name}"))
    }
}

const API_ZONE: &str = "privatelink.api.azureml.ms";
const NB_ZONE: &str = "privatelink.notebooks.azure.net";

fn doc(id: &str, ty: &str, body: Value) -> Value {
    let mut d =
        json!({"id": id, "name": id.rsplit('/').next().unwrap(), "type": ty, "location": "eastus"});
    if let (Some(d), Some(b)) = (d.as_object_mut(), body.as_object()) {
        d.extend(b.clone());
    }
    d
}

fn put(emu: &Emulator, id: &str, ty: &str, body: Value) {
    emu.put_resource(id, doc(id, ty, body));
}

fn endpoint(
    emu: &Emulator,
    w: &World,
    name: &str,
    subnet: &str,
    target: &str,
    group: &str,
    manual: bool,
) {
    let field = if manual {
        "manualPrivateLinkServiceConnections"
    } else {
        "privateLinkServiceConnections"
    };
    let mut props = json!({"subnet": {"id": subnet}});
    props[field] = json!([{"name": name, "properties": {"privateLinkServiceId": target, "groupIds": [group]}}]);
    put(
        emu,
        &w.net(&format!("privateEndpoints/{name}")),
        "Microsoft.Network/privateEndpoints",
        json!({"properties": props}),
    );
}

fn zone_group(emu: &Emulator, w: &World, pe: &str, zones: &[&str]) {
    let id = w.net(&format!(
        "privateEndpoints/{pe}/privateDnsZoneGroups/default"
    ));
    let configs: Vec<Value> = zones
        .iter()
        .map(|z| json!({"name": z, "properties": {"privateDnsZoneId": w.zone(z)}}))
        .collect();
    put(
        emu,
        &id,
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        json!({"properties": {"privateDnsZoneConfigs": configs}}),
    );
}

fn link(emu: &Emulator, w: &World, zone: &str, name: &str, vnet: &str) {
    let id = format!("{}/virtualNetworkLinks/{name}", w.zone(zone));
    put(
        emu,
        &id,
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        json!({"location": "global",
        "properties": {"virtualNetwork": {"id": w.net(&format!("virtualNetworks/{vnet}"))}, "registrationEnabled": false}}),
    );
}

fn workspace(emu: &Emulator, w: &World, name: &str, props: Value) {
    put(
        emu,
        &w.ws(name),
        "Microsoft.MachineLearningServices/workspaces",
        json!({"kind": "Default", "properties": props}),
    );
}

fn online_endpoint(emu: &Emulator, w: &World, ws: &str, name: &str, pna: &str) {
    let id = format!("{}/onlineEndpoints/{name}", w.ws(ws));
    put(
        emu,
        &id,
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        json!({"properties": {"authMode": "AADToken", "publicNetworkAccess": pna}}),
    );
}

fn user_rule(kind: &str, destination: Value, status: &str) -> Value {
    json!({"type": kind, "category": "UserDefined", "destination": destination, "status": status})
}

/// The broken world: every finding code fires on one of three workspaces.
///
/// - `ws-iso-a` (private): IP rules (IN-003), the v1 flag (IN-005), a Pending endpoint (PE-001)
///   in `vnet-docker` 172.17.0.0/16 (PE-004) whose subnet keeps network policies (PE-005),
///   registered only in the API zone (PE-002), which is not linked to `vnet-docker` (PE-003); a
///   second endpoint in `vnet-ok` and no dependency endpoints (DEP-002); an open storage account
///   (DEP-001); a Basic registry and no image build compute (DEP-003); a public online endpoint
///   (OE-001).
/// - `ws-iso-b` (public, approved-outbound, not provisioned): IP rules with default Allow
///   (IN-002, IN-004), MN-001, a storage FQDN rule (MN-002), a Failed private endpoint rule
///   (MN-003), no rule to itself (MN-005), an online endpoint (OE-002).
/// - `ws-iso-c` (public with a private endpoint, provisioned network): IN-001, an Inactive user
///   rule (MN-004).
fn broken(emu: &Emulator) -> World {
    let w = World { rg: rg(emu) };
    put(
        emu,
        &w.net("virtualNetworks/vnet-docker"),
        "Microsoft.Network/virtualNetworks",
        json!({"properties": {
        "addressSpace": {"addressPrefixes": ["172.17.0.0/16"]},
        "subnets": [{"name": "snet", "properties": {"addressPrefix": "172.17.1.0/24", "privateEndpointNetworkPolicies": "Enabled"}}]}}),
    );
    put(
        emu,
        &w.net("virtualNetworks/vnet-ok"),
        "Microsoft.Network/virtualNetworks",
        json!({"properties": {
        "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
        "subnets": [{"name": "snet", "properties": {"addressPrefix": "10.20.1.0/24", "privateEndpointNetworkPolicies": "Disabled"}}]}}),
    );
    for z in [API_ZONE, NB_ZONE] {
        put(
            emu,
            &w.zone(z),
            "Microsoft.Network/privateDnsZones",
            json!({"location": "global", "properties": {}}),
        );
        link(emu, &w, z, "ok", "vnet-ok");
    }
    put(
        emu,
        &w.storage(),
        "Microsoft.Storage/storageAccounts",
        json!({"kind": "StorageV2", "properties": {"publicNetworkAccess": "Enabled"}}),
    );
    put(
        emu,
        &w.vault(),
        "Microsoft.KeyVault/vaults",
        json!({"properties": {"publicNetworkAccess": "Disabled"}}),
    );
    put(
        emu,
        &w.registry(),
        "Microsoft.ContainerRegistry/registries",
        json!({"sku": {"name": "Basic"}, "properties": {"publicNetworkAccess": "Disabled"}}),
    );
    workspace(
        emu,
        &w,
        "ws-iso-a",
        json!({
        "publicNetworkAccess": "Disabled", "allowPublicAccessWhenBehindVnet": true,
        "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.7"}]},
        "storageAccount": w.storage(), "keyVault": w.vault(), "containerRegistry": w.registry()}),
    );
    let docker_snet = w.net("virtualNetworks/vnet-docker/subnets/snet");
    let ok_snet = w.net("virtualNetworks/vnet-ok/subnets/snet");
    endpoint(
        emu,
        &w,
        "pe-iso-a1",
        &docker_snet,
        &w.ws("ws-iso-a"),
        "amlworkspace",
        true,
    );
    zone_group(emu, &w, "pe-iso-a1", &[API_ZONE]);
    endpoint(
        emu,
        &w,
        "pe-iso-a2",
        &ok_snet,
        &w.ws("ws-iso-a"),
        "amlworkspace",
        false,
    );
    zone_group(emu, &w, "pe-iso-a2", &[API_ZONE, NB_ZONE]);
    online_endpoint(emu, &w, "ws-iso-a", "oe-iso-a", "Enabled");

    workspace(
        emu,
        &w,
        "ws-iso-b",
        json!({
        "publicNetworkAccess": "Enabled",
        "networkAcls": {"defaultAction": "Allow", "ipRules": [{"value": "198.51.100.0/24"}]},
        "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "status": {"status": "Inactive", "sparkReady": false},
            "outboundRules": {
                "st-fqdn": user_rule("FQDN", json!("stisoopen.blob.core.windows.net"), "Inactive"),
                "pe-failed": {"type": "PrivateEndpoint", "category": "UserDefined", "status": "Failed",
                    "errorInformation": "The workspace identity may not approve the connection",
                    "destination": {"serviceResourceId": w.storage(), "subresourceTarget": "blob"}}}}}),
    );
    online_endpoint(emu, &w, "ws-iso-b", "oe-iso-b", "Disabled");

    workspace(
        emu,
        &w,
        "ws-iso-c",
        json!({
        "publicNetworkAccess": "Enabled",
        "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "status": {"status": "Active", "sparkReady": false},
            "outboundRules": {"pypi": user_rule("FQDN", json!("pypi.org"), "Inactive")}}}),
    );
    endpoint(
        emu,
        &w,
        "pe-iso-c1",
        &ok_snet,
        &w.ws("ws-iso-c"),
        "amlworkspace",
        false,
    );
    zone_group(emu, &w, "pe-iso-c1", &[API_ZONE, NB_ZONE]);
    w
}

/// The same world with every finding's fix applied.
fn fix(emu: &Emulator, w: &World) {
    let ok_snet = w.net("virtualNetworks/vnet-ok/subnets/snet");
    put(
        emu,
        &w.net("virtualNetworks/vnet-docker"),
        "Microsoft.Network/virtualNetworks",
        json!({"properties": {
        "addressSpace": {"addressPrefixes": ["10.30.0.0/16"]},
        "subnets": [{"name": "snet", "properties": {"addressPrefix": "10.30.1.0/24", "privateEndpointNetworkPolicies": "Disabled"}}]}}),
    );
    for z in [API_ZONE, NB_ZONE] {
        link(emu, w, z, "docker", "vnet-docker");
    }
    zone_group(emu, w, "pe-iso-a1", &[API_ZONE, NB_ZONE]);
    let conn = emu
        .resource_ids()
        .into_iter()
        .find(|i| {
            i.to_ascii_lowercase()
                .contains("ws-iso-a/privateendpointconnections/")
        })
        .expect("the connection of pe-iso-a1");
    let mut c = emu.resource(&conn);
    c["properties"]["privateLinkServiceConnectionState"] =
        json!({"status": "Approved", "description": "approved", "actionsRequired": "None"});
    emu.put_resource(&conn, c);
    put(
        emu,
        &w.storage(),
        "Microsoft.Storage/storageAccounts",
        json!({"kind": "StorageV2", "properties": {"publicNetworkAccess": "Disabled"}}),
    );
    put(
        emu,
        &w.registry(),
        "Microsoft.ContainerRegistry/registries",
        json!({"sku": {"name": "Premium"}, "properties": {"publicNetworkAccess": "Disabled"}}),
    );
    for (name, target, group) in [
        ("pe-dep-st", w.storage(), "blob"),
        ("pe-dep-kv", w.vault(), "vault"),
        ("pe-dep-acr", w.registry(), "registry"),
    ] {
        endpoint(emu, w, name, &ok_snet, &target, group, false);
    }
    let mut a = emu.resource(&w.ws("ws-iso-a"));
    a["properties"]["allowPublicAccessWhenBehindVnet"] = json!(false);
    a["properties"]["networkAcls"] = json!({"defaultAction": "Deny", "ipRules": []});
    emu.put_resource(&w.ws("ws-iso-a"), a);
    online_endpoint(emu, w, "ws-iso-a", "oe-iso-a", "Disabled");

    emu.admin(
        "DELETE",
        &format!("resources{}/outboundRules/st-fqdn", w.ws("ws-iso-b")),
        None,
    );
    let mut b = emu.resource(&w.ws("ws-iso-b"));
    b["properties"]["networkAcls"] =
        json!({"defaultAction": "Deny", "ipRules": [{"value": "198.51.100.0/24"}]});
    b["properties"]["managedNetwork"] = json!({"isolationMode": "AllowOnlyApprovedOutbound", "status": {"status": "Active", "sparkReady": false},
        "outboundRules": {
            "st-pe": user_rule("PrivateEndpoint", json!({"serviceResourceId": w.storage(), "subresourceTarget": "blob"}), "Active"),
            "pe-failed": user_rule("PrivateEndpoint", json!({"serviceResourceId": w.storage(), "subresourceTarget": "file"}), "Active"),
            "self": user_rule("PrivateEndpoint", json!({"serviceResourceId": w.ws("ws-iso-b"), "subresourceTarget": "amlworkspace"}), "Active")}});
    emu.put_resource(&w.ws("ws-iso-b"), b);

    let mut c = emu.resource(&w.ws("ws-iso-c"));
    c["properties"]["publicNetworkAccess"] = json!("Disabled");
    c["properties"]["managedNetwork"]["outboundRules"] =
        json!({"pypi": user_rule("FQDN", json!("pypi.org"), "Active")});
    emu.put_resource(&w.ws("ws-iso-c"), c);
}

/// A configuration with one data source per workspace and an output of each one's findings.
fn config(w: &World, names: &[&str], extra: &str) -> String {
    let mut s = format!("{HEAD}\nprovider \"aml\" {{}}\n{extra}\n");
    for n in names {
        let key = n.replace('-', "_");
        s.push_str(&format!(
            "data \"aml_workspace_isolation\" \"{key}\" {{\n  workspace_id = \"{}\"\n}}\n\
             output \"{key}\" {{\n  value = data.aml_workspace_isolation.{key}\n}}\n",
            w.ws(n)
        ));
    }
    s
}

/// `(code, workspace, the end of the resource ID it names)` for every code but AML-READ-001.
fn table() -> Vec<(&'static str, &'static str, String)> {
    let a = |s: &str| s.to_string();
    vec![
        ("AML-IN-001", "ws-iso-c", a("/workspaces/ws-iso-c")),
        ("AML-IN-002", "ws-iso-b", a("/workspaces/ws-iso-b")),
        ("AML-IN-003", "ws-iso-a", a("/workspaces/ws-iso-a")),
        ("AML-IN-004", "ws-iso-b", a("/workspaces/ws-iso-b")),
        ("AML-IN-005", "ws-iso-a", a("/workspaces/ws-iso-a")),
        ("AML-PE-001", "ws-iso-a", a("/privateEndpointConnections/")),
        ("AML-PE-002", "ws-iso-a", a("/privateEndpoints/pe-iso-a1")),
        (
            "AML-PE-003",
            "ws-iso-a",
            format!("/privateDnsZones/{API_ZONE}"),
        ),
        ("AML-PE-004", "ws-iso-a", a("/virtualNetworks/vnet-docker")),
        (
            "AML-PE-005",
            "ws-iso-a",
            a("/virtualNetworks/vnet-docker/subnets/snet"),
        ),
        ("AML-DEP-001", "ws-iso-a", a("/storageAccounts/stisoopen")),
        ("AML-DEP-002", "ws-iso-a", a("/workspaces/ws-iso-a")),
        ("AML-DEP-003", "ws-iso-a", a("/registries/acrisobasic")),
        ("AML-MN-001", "ws-iso-b", a("/workspaces/ws-iso-b")),
        ("AML-MN-002", "ws-iso-b", a("/outboundRules/st-fqdn")),
        ("AML-MN-003", "ws-iso-b", a("/outboundRules/pe-failed")),
        ("AML-MN-004", "ws-iso-c", a("/outboundRules/pypi")),
        ("AML-MN-005", "ws-iso-b", a("/workspaces/ws-iso-b")),
        ("AML-OE-001", "ws-iso-a", a("/onlineEndpoints/oe-iso-a")),
        ("AML-OE-002", "ws-iso-b", a("/onlineEndpoints/oe-iso-b")),
    ]
}

fn findings(out: &Value, ws: &str) -> Vec<Value> {
    out[ws.replace('-', "_")]["value"]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no findings for {ws}: {out}"))
}

const NAMES: [&str; 3] = ["ws-iso-a", "ws-iso-b", "ws-iso-c"];

#[test]
fn every_code_fires_in_its_broken_world_and_not_once_fixed() {
    let emu = Emulator::start(&[]);
    let w = broken(&emu);
    let tf = Workspace::against(&emu, &config(&w, &NAMES, ""));
    tf.init();
    tf.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = tf.outputs();
    for (code, ws, tail) in table() {
        let got = findings(&out, ws);
        assert!(
            got.iter().any(|f| f["code"] == code
                && f["resource_id"]
                    .as_str()
                    .is_some_and(|r| r.to_ascii_lowercase().contains(&tail.to_ascii_lowercase()))
                && !f["fix"].as_str().unwrap_or_default().is_empty()),
            "{code} should fire on {ws} for {tail}: {got:#?}"
        );
    }
    let a = &out["ws_iso_a"]["value"];
    assert_eq!(a["isolated"], false);
    assert!(a["error_count"].as_u64().unwrap() >= 4, "{a}");
    let mn3 = findings(&out, "ws-iso-b")
        .into_iter()
        .find(|f| f["code"] == "AML-MN-003")
        .unwrap();
    assert!(
        has(
            mn3["message"].as_str().unwrap(),
            "may not approve the connection"
        ) && has(mn3["message"].as_str().unwrap(), "Approver"),
        "{mn3}"
    );
    // Deterministic order: by code.
    let codes: Vec<String> = findings(&out, "ws-iso-a")
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);

    // The postcondition fails the plan; a check block only warns.
    let gate = Workspace::against(
        &emu,
        &format!("{HEAD}\n{}", GATE.replace("WSID", &w.ws("ws-iso-a"))),
    );
    gate.init();
    let warned = gate.ok(&["plan", "-no-color"]);
    assert!(
        has(&warned, "Warning: Check block assertion failed") && has(&warned, "AML-PE-001"),
        "{warned}"
    );
    gate.write("gate.tf", &POSTCONDITION.replace("WSID", &w.ws("ws-iso-a")));
    let failed = gate.fails(&["plan", "-no-color"]);
    assert!(
        has(&failed, "Error: Resource postcondition failed") && has(&failed, "AML-PE-001"),
        "{failed}"
    );
    // `ignore` takes valid codes only; an unknown one fails validation with the list.
    gate.write("gate.tf", &IGNORE_BAD.replace("WSID", &w.ws("ws-iso-a")));
    let bad = gate.fails(&["plan", "-no-color"]);
    assert!(
        has(&bad, "Unknown finding code") && has(&bad, "AML-XX-123") && has(&bad, "AML-OE-002"),
        "{bad}"
    );

    fix(&emu, &w);
    tf.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = tf.outputs();
    for (code, ws, _) in table() {
        let got = findings(&out, ws);
        assert!(
            !got.iter().any(|f| f["code"] == code),
            "{code} still fires on fixed {ws}: {got:#?}"
        );
    }
    for n in NAMES {
        let v = &out[n.replace('-', "_")]["value"];
        assert_eq!(
            (v["error_count"].as_u64(), v["warning_count"].as_u64()),
            (Some(0), Some(0)),
            "{n}: {v}"
        );
        assert_eq!(v["isolated"], true, "{n}");
    }

    // Request count for ws-iso-a (E = 2 endpoints, 3 dependencies with one endpoint each, 2
    // networks, 2 zones, isolation Disabled): 1 + 1 + 0 + 3 + 2*2 + 2 + 2 + 3 = 16, each object once.
    let one = Workspace::against(&emu, &config(&w, &["ws-iso-a"], ""));
    one.init();
    emu.admin("DELETE", "requests", None);
    one.ok(&["plan", "-no-color"]);
    let log = emu.admin("GET", "requests?limit=100000", None);
    let arm: Vec<String> = log["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/subscriptions/"))
        })
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap().to_ascii_lowercase()
            )
        })
        .collect();
    eprintln!(
        "isolation check of ws-iso-a: {} requests: {arm:#?}",
        arm.len()
    );
    let (e, d, n, z, p) = (2, 3, 2, 2, 3);
    let bound = 1 + 1 + d + 2 * e + n + z + p;
    assert!(
        arm.len() <= bound,
        "{} requests, bound {bound}: {arm:#?}",
        arm.len()
    );
    let distinct: BTreeSet<&String> = arm.iter().collect();
    assert_eq!(
        distinct.len(),
        arm.len(),
        "an object was read twice: {arm:#?}"
    );

    // A 403 on the storage account: an info finding naming the permission, nothing fails.
    emu.set_faults("403=1,paths=*/storageAccounts/stisoopen*");
    tf.ok(&["apply", "-auto-approve", "-no-color"]);
    emu.admin("DELETE", "faults", None);
    let out = tf.outputs();
    let got = findings(&out, "ws-iso-a");
    let info = got
        .iter()
        .find(|f| f["code"] == "AML-READ-001")
        .unwrap_or_else(|| panic!("{got:#?}"));
    assert_eq!(info["severity"], "info");
    assert!(
        info["message"]
            .as_str()
            .unwrap()
            .contains("Microsoft.Storage/storageAccounts/read"),
        "{info}"
    );
    assert!(
        info["resource_id"]
            .as_str()
            .unwrap()
            .ends_with("/stisoopen"),
        "{info}"
    );
    assert_eq!(out["ws_iso_a"]["value"]["isolated"], true);
}

/// A check block over the findings: Terraform reports a failed assertion as a warning.
const GATE: &str = r#"
provider "aml" {}

data "aml_workspace_isolation" "this" {
  workspace_id = "WSID"
}

check "workspace_isolation" {
  assert {
    condition     = data.aml_workspace_isolation.this.error_count == 0
    error_message = join("\n", [for f in data.aml_workspace_isolation.this.findings : "${f.code}: ${f.message}" if f.severity == "error"])
  }
}
"#;

/// A postcondition on a second data source of the same workspace: the plan fails.
const POSTCONDITION: &str = r#"
data "aml_workspace_isolation" "gate" {
  workspace_id = "WSID"
  lifecycle {
    postcondition {
      condition     = self.error_count == 0
      error_message = join("\n", [for f in self.findings : "${f.code}: ${f.message}" if f.severity == "error"])
    }
  }
}
"#;

const IGNORE_BAD: &str = r#"
data "aml_workspace_isolation" "bad" {
  workspace_id = "WSID"
  ignore       = ["AML-PE-002", "AML-XX-123"]
}
"#;

/// The secure online endpoint example, applied to the default world, reports no error and no
/// warning (the workspace's public access stays Enabled without private endpoints: one info).
#[test]
fn the_secure_online_endpoint_example_world_has_no_error_or_warning() {
    let emu = Emulator::start(&[]);
    let tf = Workspace::against(&emu, &example("secure-online-endpoint"));
    tf.write(
        "isolation.tf",
        r#"
data "aml_workspace_isolation" "this" {
  workspace_id = var.workspace_id
  depends_on   = [aml_online_endpoint.score, aml_workspace_image_build.this]
}

output "isolation" {
  value = data.aml_workspace_isolation.this
}
"#,
    );
    tf.init();
    tf.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = tf.outputs();
    let v = &out["isolation"]["value"];
    assert_eq!(
        (v["error_count"].as_u64(), v["warning_count"].as_u64()),
        (Some(0), Some(0)),
        "{v:#}"
    );
    assert_eq!(v["isolated"], true);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["AML-IN-002"], "{v:#}");
}

/// The isolation-check example: its plan passes on the default world (one info finding), and
/// fails, listing the error with its fix, once the workspace is private while an online endpoint
/// stays public (AML-OE-001).
#[test]
fn the_isolation_check_example_gates_the_plan_on_errors() {
    let emu = Emulator::start(&[]);
    let tf = Workspace::against(&emu, &example("isolation-check"));
    tf.init();
    tf.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = tf.outputs();
    assert_eq!(out["isolated"]["value"], true);
    let w = World { rg: rg(&emu) };
    online_endpoint(&emu, &w, "mlw-demo", "oe-public", "Enabled");
    let id = w.ws("mlw-demo");
    let mut ws = emu.resource(&id);
    ws["properties"]["publicNetworkAccess"] = json!("Disabled");
    emu.put_resource(&id, ws);
    let failed = tf.fails(&["plan", "-no-color"]);
    assert!(
        has(&failed, "Error: Resource postcondition failed")
            && has(&failed, "AML-OE-001")
            && has(
                &failed,
                "aml_online_endpoint.public_network_access = \"Disabled\""
            ),
        "{failed}"
    );
    // Accepting the code lets the plan pass again (DEP-001 on the open storage is a warning).
    let accepted = tf.ok(&["plan", "-no-color", "-var", "ignore=[\"AML-OE-001\"]"]);
    assert!(
        has(&accepted, "Warning: Check block assertion failed") && has(&accepted, "AML-DEP-001"),
        "{accepted}"
    );
}
