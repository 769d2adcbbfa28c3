//! End-to-end: the provider configured only through the `ARM_*` variables the emulator prints
//! (client-secret flow over HTTPS with the emulator's CA) reads the seeded workspace through
//! `aml_workspace`; a wrong secret and a plain-http metadata host fail with clear diagnostics.

use serde_json::json;

use crate::tf::emulator::{ws_id, Emulator};
use crate::tf::{Workspace, HEAD};

fn workspace_with(emu: &Emulator, body: &str) -> Workspace {
    Workspace::against(emu, &format!("{HEAD}\n{body}"))
}

const BY_NAME: &str = r#"
data "aml_workspace" "demo" {
  name                = "mlw-demo"
  resource_group_name = "rg-aml-demo"
}

data "aml_workspace" "hub" {
  id = "/subscriptions/SUB/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-hub"
}

output "demo" {
  value = data.aml_workspace.demo
}

output "hub_kind" {
  value = data.aml_workspace.hub.kind
}
"#;

#[test]
fn reads_the_network_posture_of_a_seeded_workspace() {
    let emu = Emulator::start(&[]);
    let ws_id = ws_id(&emu);
    // Give the workspace IP rules and a managed network, out of band, as an operator would.
    let mut doc = emu.resource(&ws_id);
    doc["properties"]["networkAcls"] = json!({"defaultAction": "Deny", "ipRules": [{"value": "203.0.114.0/24"}, {"value": "52.1.2.3"}]});
    doc["properties"]["managedNetwork"] = json!({"isolationMode": "AllowInternetOutbound", "firewallSku": "Standard", "status": {"status": "Active", "sparkReady": true}});
    emu.put_resource(&ws_id, doc);

    let ws = workspace_with(&emu, &BY_NAME.replace("SUB", emu.subscription()));
    ws.init();
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = ws.outputs();
    let demo = &out["demo"]["value"];
    assert_eq!(demo["id"], ws_id);
    assert_eq!(demo["kind"], "Default");
    assert_eq!(demo["location"], "eastus");
    assert_eq!(demo["workspace_id"], "5f1a0c1e-0000-4000-8000-00000000d001");
    assert_eq!(demo["public_network_access"], "Enabled");
    assert_eq!(demo["default_action"], "Deny");
    assert_eq!(demo["ip_rules"], json!(["203.0.114.0/24", "52.1.2.3"]));
    assert_eq!(
        demo["managed_network"]["isolation_mode"],
        "AllowInternetOutbound"
    );
    assert_eq!(demo["managed_network"]["firewall_sku"], "Standard");
    assert_eq!(demo["managed_network"]["status"], "Active");
    assert_eq!(demo["managed_network"]["spark_ready"], true);
    assert!(demo["discovery_url"].is_string() || demo["discovery_url"].is_null());
    assert_eq!(out["hub_kind"]["value"], "Hub");

    // The reads went through ARM with a bearer token, at the preview version that has networkAcls.
    let log = emu.admin("GET", "requests", None);
    let reads: Vec<&serde_json::Value> = log["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .ends_with("/workspaces/mlw-demo")
        })
        .collect();
    assert!(!reads.is_empty(), "no workspace GET in {log}");
    assert!(
        reads
            .iter()
            .all(|r| r["apiVersion"] == "2026-07-15-preview"
                || r["api_version"] == "2026-07-15-preview"),
        "{reads:?}"
    );
}

#[test]
fn a_workspace_that_does_not_exist_is_a_clear_error() {
    let emu = Emulator::start(&[]);
    let ws = workspace_with(
        &emu,
        r#"data "aml_workspace" "x" {
  name                = "mlw-nope"
  resource_group_name = "rg-aml-demo"
}"#,
    );
    ws.init();
    let out = ws.fails(&["plan", "-no-color"]);
    assert!(out.contains("mlw-nope not found"), "{out}");
}

#[test]
fn a_wrong_secret_fails_naming_the_auth_method() {
    let emu = Emulator::start(&[]);
    let mut ws = workspace_with(&emu, BY_NAME.replace("SUB", emu.subscription()).as_str());
    ws.env("ARM_CLIENT_SECRET", "not-the-secret");
    ws.init();
    let out = ws.fails(&["plan", "-no-color"]).to_lowercase();
    assert!(out.contains("client secret"), "{out}");
    assert!(
        out.contains("aadsts7000215") || out.contains("invalid client secret"),
        "{out}"
    );
    assert!(
        !out.contains("not-the-secret"),
        "the secret leaked into the output: {out}"
    );
}

#[test]
fn a_plain_http_metadata_host_is_refused() {
    let emu = Emulator::start(&[]);
    let mut ws = workspace_with(&emu, BY_NAME.replace("SUB", emu.subscription()).as_str());
    let host = emu.env["ARM_METADATA_HOSTNAME"].clone();
    ws.env("ARM_METADATA_HOSTNAME", &format!("http://{host}"));
    ws.init();
    let out = ws.fails(&["plan", "-no-color"]);
    assert!(out.to_lowercase().contains("https"), "{out}");
    // Nothing reached the emulator's ARM or token endpoints.
    let log = emu.admin("GET", "requests", None);
    assert!(
        log["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["path"].as_str().unwrap_or("").starts_with("/_emulator")),
        "{log}"
    );
}

#[test]
fn lookup_arguments_are_checked_at_plan() {
    let emu = Emulator::start(&[]);
    let ws = workspace_with(
        &emu,
        r#"data "aml_workspace" "x" {
  id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspace/ws"
}"#,
    );
    ws.init();
    let out = ws.fails(&["validate", "-no-color"]);
    assert!(out.contains("Invalid workspace ID"), "{out}");
    assert!(out.contains("workspaces"), "{out}");
}

#[test]
fn reports_image_build_serverless_compute_and_online_endpoints() {
    // One endpoint per page: the data source must follow nextLink to see all three.
    let emu = Emulator::start(&["--page-size", "1"]);
    let ws_id = ws_id(&emu);
    let subnet = format!(
        "/subscriptions/{}/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe",
        emu.subscription()
    );
    let mut doc = emu.resource(&ws_id);
    doc["properties"]["imageBuildCompute"] = json!("img-builder");
    doc["properties"]["serverlessComputeSettings"] =
        json!({"serverlessComputeCustomSubnet": subnet, "serverlessComputeNoPublicIP": true});
    emu.put_resource(&ws_id, doc);
    for (name, access, auth) in [
        ("ep-private", "Disabled", "AADToken"),
        ("ep-public", "Enabled", "Key"),
        ("ep-amltoken", "Disabled", "AMLToken"),
    ] {
        let id = format!("{ws_id}/onlineEndpoints/{name}");
        emu.put_resource(
            &id,
            json!({"id": id, "name": name, "location": "eastus",
                   "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                   "identity": {"type": "SystemAssigned"},
                   "properties": {"authMode": auth, "publicNetworkAccess": access}}),
        );
    }

    let ws = workspace_with(
        &emu,
        r#"
data "aml_workspace" "demo" {
  name                = "mlw-demo"
  resource_group_name = "rg-aml-demo"
}

data "aml_workspace" "hub" {
  name                = "mlw-hub"
  resource_group_name = "rg-aml-demo"
}

output "demo" {
  value = data.aml_workspace.demo
}

output "hub" {
  value = data.aml_workspace.hub
}
"#,
    );
    ws.init();
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = ws.outputs();
    let demo = &out["demo"]["value"];
    assert_eq!(demo["image_build_compute"], "img-builder");
    assert_eq!(demo["v1_legacy_mode"], false);
    assert_eq!(
        demo["serverless_compute"],
        json!({"subnet_id": subnet, "no_public_ip": true})
    );
    let endpoints = demo["online_endpoints"].as_array().unwrap();
    let names: Vec<&str> = endpoints
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["ep-amltoken", "ep-private", "ep-public"],
        "{endpoints:?}"
    );
    let private = &endpoints[1];
    assert_eq!(private["public_network_access"], "Disabled");
    assert_eq!(private["auth_mode"], "AADToken");
    assert_eq!(private["provisioning_state"], "Succeeded");
    assert_eq!(
        private["scoring_uri"],
        "https://ep-private.eastus.inference.ml.azure.com/score"
    );
    assert_eq!(endpoints[2]["public_network_access"], "Enabled");
    assert_eq!(endpoints[2]["auth_mode"], "Key");
    assert_eq!(endpoints[0]["auth_mode"], "AMLToken");

    // A workspace with none of these: nulls and an empty list.
    let hub = &out["hub"]["value"];
    assert_eq!(hub["image_build_compute"], serde_json::Value::Null);
    assert_eq!(hub["online_endpoints"], json!([]));
    assert_eq!(
        hub["serverless_compute"],
        json!({"subnet_id": null, "no_public_ip": null})
    );

    // The list was read page by page.
    let log = emu.admin("GET", "requests", None);
    let pages = log["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .ends_with("/workspaces/mlw-demo/onlineendpoints")
        })
        .count();
    assert!(pages >= 3, "expected one request per page: {log}");
}

#[test]
fn an_identity_that_cannot_list_endpoints_still_gets_the_posture_with_a_warning() {
    let emu = Emulator::start(&[]);
    emu.set_faults("403=1,paths=*/workspaces/mlw-demo/onlineEndpoints,methods=GET");
    let ws = workspace_with(
        &emu,
        r#"
data "aml_workspace" "demo" {
  name                = "mlw-demo"
  resource_group_name = "rg-aml-demo"
}

output "demo" {
  value = data.aml_workspace.demo
}
"#,
    );
    ws.init();
    let text = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        text.contains("Could not list the online endpoints of workspace mlw-demo"),
        "{text}"
    );
    assert!(text.contains("AuthorizationFailed"), "{text}");
    assert!(text.contains("onlineEndpoints/read"), "{text}");
    let out = ws.outputs();
    let demo = &out["demo"]["value"];
    assert_eq!(demo["online_endpoints"], serde_json::Value::Null);
    assert!(demo["public_network_access"].is_string(), "{demo}");

    // Without the fault, the same read lists them (an empty list here).
    emu.admin("DELETE", "faults", None);
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(ws.outputs()["demo"]["value"]["online_endpoints"], json!([]));
}
