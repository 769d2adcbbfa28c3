//! End-to-end: `aml_online_endpoint` with the real terraform CLI against the emulator: the
//! lifecycle (apply, empty second plan, tags by PATCH, a PUT that keeps traffic set out of band,
//! managed traffic, import, drift after an out-of-band delete, destroy), the plan-time checks
//! against the workspace (each positive and negative), a Failed provisioning, and bad inputs.

use serde_json::{json, Value};

use crate::tf::emulator::{ws_id, Emulator};
use crate::tf::{demo_workspace, has, Workspace};

fn endpoint_id(emu: &Emulator, name: &str) -> String {
    format!("{}/onlineEndpoints/{name}", ws_id(emu))
}

/// ARM requests (method, path) since the log was last cleared, without the admin API; clears
/// the log.
fn take_requests(emu: &Emulator) -> Vec<(String, String)> {
    let log = emu.admin("GET", "requests?limit=100000", None);
    emu.admin("DELETE", "requests", None);
    log["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap_or("").to_string(),
                r["path"].as_str().unwrap_or("").to_ascii_lowercase(),
            )
        })
        .filter(|(_, p)| !p.starts_with("/_emulator"))
        .collect()
}

/// Writes to the endpoint itself (not its operation URLs) with `method`.
fn writes(reqs: &[(String, String)], emu: &Emulator, name: &str, method: &str) -> usize {
    let id = endpoint_id(emu, name).to_ascii_lowercase();
    reqs.iter().filter(|(m, p)| m == method && *p == id).count()
}

/// A deployment of endpoint `name`, written out of band (as a pipeline would).
fn seed_deployment(emu: &Emulator, name: &str, deployment: &str) {
    let ep = endpoint_id(emu, name);
    emu.put_resource(
        &format!("{ep}/deployments/{deployment}"),
        json!({
            "id": format!("{ep}/deployments/{deployment}"),
            "name": deployment,
            "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
            "location": "eastus",
            "properties": {"endpointComputeType": "Managed"},
            "sku": {"name": "Default", "capacity": 1}
        }),
    );
}

/// Sets the endpoint's traffic out of band.
fn set_traffic_out_of_band(emu: &Emulator, name: &str, traffic: Value) {
    let id = endpoint_id(emu, name);
    let mut doc = emu.resource(&id);
    doc["properties"]["traffic"] = traffic;
    emu.put_resource(&id, doc);
}

fn endpoint_config(extra: &str) -> String {
    format!(
        r#"
resource "aml_online_endpoint" "e" {{
  workspace_id = "WSID"
  name         = "ep-life"
{extra}
}}
"#
    )
}

#[test]
fn lifecycle_patch_put_merge_import_drift_destroy() {
    let emu = Emulator::with_lro_delay(&[]);
    let id = endpoint_id(&emu, "ep-life");
    let ws = demo_workspace(
        &emu,
        &endpoint_config(
            r#"  description = "first"
  tags = { team = "risk" }
  identity {
    type = "SystemAssigned"
  }"#,
        ),
    );
    emu.admin("DELETE", "requests", None);
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let doc = emu.resource(&id);
    assert_eq!(doc["location"], "eastus", "the workspace's region: {doc}");
    assert_eq!(doc["properties"]["authMode"], "Key", "the default: {doc}");
    assert_eq!(doc["properties"]["publicNetworkAccess"], "Enabled");
    assert_eq!(doc["properties"]["description"], "first");
    assert_eq!(doc["tags"]["team"], "risk");
    assert_eq!(doc["properties"]["provisioningState"], "Succeeded");
    let reqs = take_requests(&emu);
    assert!(
        !reqs.iter().any(|(_, p)| p.ends_with("/listkeys")),
        "keys are never requested: {reqs:?}"
    );
    let state = ws.ok(&["state", "show", "-no-color", "aml_online_endpoint.e"]);
    assert!(has(&state, "provisioning_state = \"Succeeded\""), "{state}");
    assert!(
        has(
            &state,
            "scoring_uri = \"https://ep-life.eastus.inference.ml.azure.com/score\""
        ),
        "{state}"
    );
    assert!(has(&state, "principal_id"), "{state}");
    assert!(!state.to_lowercase().contains("primarykey"), "{state}");
    ws.assert_no_changes();

    // Tags: a PATCH, no PUT.
    ws.write(
        "main.tf",
        &crate::tf::demo_config(
            &emu,
            &endpoint_config(
                r#"  description = "first"
  tags = { team = "risk", env = "prod" }
  identity {
    type = "SystemAssigned"
  }"#,
            ),
        ),
    );
    take_requests(&emu);
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let reqs = take_requests(&emu);
    assert_eq!(writes(&reqs, &emu, "ep-life", "PATCH"), 1, "{reqs:?}");
    assert_eq!(writes(&reqs, &emu, "ep-life", "PUT"), 0, "{reqs:?}");
    assert_eq!(emu.resource(&id)["tags"]["env"], "prod");
    ws.assert_no_changes();

    // A pipeline adds a deployment and sends it all traffic: not managed here, so no drift.
    seed_deployment(&emu, "ep-life", "blue");
    set_traffic_out_of_band(&emu, "ep-life", json!({"blue": 100}));
    ws.assert_no_changes();

    // A change that needs a PUT keeps that traffic.
    ws.write(
        "main.tf",
        &crate::tf::demo_config(
            &emu,
            &endpoint_config(
                r#"  description = "second"
  tags = { team = "risk", env = "prod" }
  properties = { owner = "risk" }
  identity {
    type = "SystemAssigned"
  }"#,
            ),
        ),
    );
    take_requests(&emu);
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let reqs = take_requests(&emu);
    assert_eq!(writes(&reqs, &emu, "ep-life", "PUT"), 1, "{reqs:?}");
    let doc = emu.resource(&id);
    assert_eq!(doc["properties"]["description"], "second");
    assert_eq!(doc["properties"]["traffic"], json!({"blue": 100}), "{doc}");
    assert_eq!(doc["properties"]["properties"]["owner"], "risk");
    assert_eq!(doc["tags"]["env"], "prod");
    assert_eq!(doc["identity"]["type"], "SystemAssigned");
    ws.assert_no_changes();

    // Removing a property entry replaces the endpoint, and plan says why.
    ws.write(
        "main.tf",
        &crate::tf::demo_config(
            &emu,
            &endpoint_config(
                r#"  description = "second"
  tags = { team = "risk", env = "prod" }
  identity {
    type = "SystemAssigned"
  }"#,
            ),
        ),
    );
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(has(&plan, "must be replaced"), "{plan}");
    assert!(
        has(
            &plan,
            "Removing or changing endpoint properties replaces the endpoint"
        ),
        "{plan}"
    );

    // Managed traffic: a second deployment and a split, written by PUT.
    seed_deployment(&emu, "ep-life", "green");
    ws.write(
        "main.tf",
        &crate::tf::demo_config(
            &emu,
            &endpoint_config(
                r#"  description = "second"
  tags = { team = "risk", env = "prod" }
  properties = { owner = "risk" }
  traffic = { blue = 90, green = 10 }
  mirror_traffic = { green = 20 }
  identity {
    type = "SystemAssigned"
  }"#,
            ),
        ),
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let doc = emu.resource(&id);
    assert_eq!(
        doc["properties"]["traffic"],
        json!({"blue": 90, "green": 10})
    );
    assert_eq!(doc["properties"]["mirrorTraffic"], json!({"green": 20}));
    ws.assert_no_changes();
    // Managed traffic changed out of band is drift.
    set_traffic_out_of_band(&emu, "ep-life", json!({"blue": 100, "green": 0}));
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.status.code(), Some(2), "{}", crate::tf::text(&plan));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.resource(&id)["properties"]["traffic"],
        json!({"blue": 90, "green": 10})
    );

    // A description changed out of band is drift, put back by the next apply.
    let mut doc = emu.resource(&id);
    doc["properties"]["description"] = json!("changed by hand");
    emu.put_resource(&id, doc);
    let plan = ws.run(&["plan", "-no-color"]);
    assert!(
        has(&crate::tf::text(&plan), "\"changed by hand\" -> \"second\""),
        "{}",
        crate::tf::text(&plan)
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(emu.resource(&id)["properties"]["description"], "second");

    // Removing the identity block removes the identity, by PATCH.
    let no_identity = crate::tf::demo_config(
        &emu,
        &endpoint_config(
            r#"  description = "second"
  tags = { team = "risk", env = "prod" }
  properties = { owner = "risk" }"#,
        ),
    );
    ws.write("main.tf", &no_identity);
    take_requests(&emu);
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let reqs = take_requests(&emu);
    assert_eq!(writes(&reqs, &emu, "ep-life", "PATCH"), 1, "{reqs:?}");
    assert_eq!(writes(&reqs, &emu, "ep-life", "PUT"), 0, "{reqs:?}");
    let doc = emu.resource(&id);
    assert!(
        doc["identity"].is_null() || doc["identity"]["type"] == "None",
        "{doc}"
    );
    assert_eq!(
        doc["properties"]["traffic"],
        json!({"blue": 90, "green": 10}),
        "traffic no longer managed is left as it is"
    );
    ws.assert_no_changes();

    // Import into a fresh state: the configuration plans clean. (`properties` are not imported:
    // the service may hold entries of its own; configured entries are added by the next apply.)
    ws.ok(&["state", "rm", "aml_online_endpoint.e"]);
    ws.write(
        "main.tf",
        &crate::tf::demo_config(
            &emu,
            &endpoint_config(
                r#"  description = "second"
  tags = { team = "risk", env = "prod" }"#,
            ),
        ),
    );
    let bad = ws.fails(&["import", "-no-color", "aml_online_endpoint.e", &ws_id(&emu)]);
    assert!(has(&bad, "invalid aml_online_endpoint import ID"), "{bad}");
    ws.ok(&["import", "-no-color", "aml_online_endpoint.e", &id]);
    ws.assert_no_changes();

    // Deleted out of band: the plan creates it again.
    emu.admin("DELETE", &format!("resources{id}"), None);
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    let text = crate::tf::text(&plan);
    assert_eq!(plan.status.code(), Some(2), "{text}");
    assert!(
        has(&text, "aml_online_endpoint.e will be created"),
        "{text}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.resource(&id)["properties"]["provisioningState"],
        "Succeeded"
    );

    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(
        !emu.resource_ids()
            .iter()
            .any(|i| i.eq_ignore_ascii_case(&id)),
        "the endpoint is gone"
    );
}

/// Changes the default world's workspace document out of band.
fn edit_workspace(emu: &Emulator, f: impl FnOnce(&mut Value)) {
    let id = ws_id(emu);
    let mut doc = emu.resource(&id);
    f(&mut doc);
    emu.put_resource(&id, doc);
}

/// A plan of one endpoint with `public_network_access = access` (and `extra` configuration).
fn plan_endpoint(emu: &Emulator, access: &str, extra: &str) -> (bool, String) {
    let ws = demo_workspace(
        emu,
        &format!(
            r#"
{extra}
resource "aml_online_endpoint" "e" {{
  workspace_id          = "WSID"
  name                  = "ep-check"
  public_network_access = "{access}"
}}
"#
        ),
    );
    let out = ws.run(&["plan", "-no-color"]);
    (out.status.success(), crate::tf::text(&out))
}

#[test]
fn plan_checks_against_the_workspace() {
    let emu = Emulator::with_lro_delay(&[]);
    const NOT_SUPPORTED: &str =
        "An endpoint with public access on a workspace without public access is not supported";
    const MN: &str = "The workspace's managed network is not provisioned yet";
    const ONLY: &str = "The endpoint admits only the workspace's IP rules";
    const NONE: &str = "The endpoint admits none of the workspace's IP rules";
    const V1: &str = "The workspace is in v1 legacy mode";

    // The default workspace: none of the checks fire.
    for access in ["Enabled", "Disabled"] {
        let (ok, out) = plan_endpoint(&emu, access, "");
        assert!(ok, "{out}");
        for s in [NOT_SUPPORTED, MN, ONLY, NONE, V1] {
            assert!(!has(&out, s), "{access}: {s}: {out}");
        }
    }

    // Workspace public access Disabled: an Enabled endpoint is an error on the attribute.
    edit_workspace(&emu, |d| {
        d["properties"]["publicNetworkAccess"] = json!("Disabled")
    });
    let (ok, out) = plan_endpoint(&emu, "Enabled", "");
    assert!(!ok, "{out}");
    assert!(has(&out, NOT_SUPPORTED), "{out}");
    assert!(
        has(&out, "public_network_access = \"Enabled\""),
        "on the attribute: {out}"
    );
    assert!(has(&out, "aml_workspace_network_access"), "the fix: {out}");
    let (ok, out) = plan_endpoint(&emu, "Disabled", "");
    assert!(ok && !has(&out, NOT_SUPPORTED), "{out}");
    // ... unless the same plan enables the workspace's public access.
    let ws = demo_workspace(
        &emu,
        r#"
resource "aml_workspace_network_access" "a" {
  workspace_id          = "WSID"
  public_network_access = "Enabled"
}

resource "aml_online_endpoint" "e" {
  workspace_id          = aml_workspace_network_access.a.workspace_id
  name                  = "ep-check"
  public_network_access = "Enabled"
}
"#,
    );
    let out = ws.ok(&["plan", "-no-color"]);
    assert!(!has(&out, NOT_SUPPORTED), "{out}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.resource(&endpoint_id(&emu, "ep-check"))["properties"]["publicNetworkAccess"],
        "Enabled"
    );
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    edit_workspace(&emu, |d| {
        d["properties"]["publicNetworkAccess"] = json!("Enabled")
    });

    // A managed network that is not provisioned: a warning pointing at the resource.
    edit_workspace(
        &emu,
        |d| d["properties"]["managedNetwork"] = json!({"isolationMode": "AllowOnlyApprovedOutbound", "status": {"status": "Inactive", "sparkReady": false}}),
    );
    let (ok, out) = plan_endpoint(&emu, "Disabled", "");
    assert!(ok, "{out}");
    assert!(has(&out, MN), "{out}");
    assert!(has(&out, "aml_workspace_managed_network"), "{out}");
    assert!(has(&out, "workspace_id"), "{out}");
    // ... unless an aml_workspace_managed_network in the same plan provisions it.
    let ws = demo_workspace(
        &emu,
        r#"
resource "aml_workspace_managed_network" "m" {
  workspace_id   = "WSID"
  isolation_mode = "AllowOnlyApprovedOutbound"
}

resource "aml_online_endpoint" "e" {
  workspace_id          = aml_workspace_managed_network.m.workspace_id
  name                  = "ep-check"
  public_network_access = "Disabled"
}
"#,
    );
    let out = ws.ok(&["plan", "-no-color"]);
    assert!(!has(&out, MN), "{out}");
    edit_workspace(&emu, |d| {
        d["properties"]["managedNetwork"]["status"] =
            json!({"status": "Active", "sparkReady": false})
    });
    let (ok, out) = plan_endpoint(&emu, "Disabled", "");
    assert!(ok && !has(&out, MN), "{out}");

    // IP rules: Enabled admits only them, Disabled admits none of them.
    edit_workspace(&emu, |d| {
        d["properties"]["networkAcls"] =
            json!({"defaultAction": "Deny", "ipRules": [{"value": "52.0.0.1"}]})
    });
    let (ok, out) = plan_endpoint(&emu, "Enabled", "");
    assert!(ok, "{out}");
    assert!(
        has(&out, ONLY) && has(&out, "52.0.0.1") && !has(&out, NONE),
        "{out}"
    );
    assert!(has(&out, "public_network_access = \"Enabled\""), "{out}");
    let (ok, out) = plan_endpoint(&emu, "Disabled", "");
    assert!(ok, "{out}");
    assert!(has(&out, NONE) && !has(&out, ONLY), "{out}");
    edit_workspace(&emu, |d| {
        d["properties"]["networkAcls"] = json!({"defaultAction": "Deny", "ipRules": []})
    });
    let (ok, out) = plan_endpoint(&emu, "Enabled", "");
    assert!(ok && !has(&out, ONLY) && !has(&out, NONE), "{out}");
    // A workspace without public access admits nobody by IP rule: nothing to warn about.
    edit_workspace(&emu, |d| {
        d["properties"]["networkAcls"] =
            json!({"defaultAction": "Deny", "ipRules": [{"value": "52.0.0.1"}]});
        d["properties"]["publicNetworkAccess"] = json!("Disabled");
    });
    let (ok, out) = plan_endpoint(&emu, "Disabled", "");
    assert!(ok && !has(&out, ONLY) && !has(&out, NONE), "{out}");
    edit_workspace(&emu, |d| {
        d["properties"]["networkAcls"] = json!({"defaultAction": "Deny", "ipRules": []});
        d["properties"]["publicNetworkAccess"] = json!("Enabled");
    });

    // v1 legacy mode.
    edit_workspace(&emu, |d| d["properties"]["v1LegacyMode"] = json!(true));
    let (ok, out) = plan_endpoint(&emu, "Disabled", "");
    assert!(ok && has(&out, V1), "{out}");
    edit_workspace(&emu, |d| d["properties"]["v1LegacyMode"] = json!(false));
    let (ok, out) = plan_endpoint(&emu, "Disabled", "");
    assert!(ok && !has(&out, V1), "{out}");
}

#[test]
fn failed_provisioning_fails_the_apply_with_the_service_message() {
    let emu = Emulator::with_lro_delay(&[]);
    let ws = demo_workspace(&emu, &endpoint_config(""));
    emu.set_faults("lro-fail=1,paths=*/onlineEndpoints/*,methods=PUT");
    let out = ws.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        has(
            &out,
            "The long-running operation failed (fault injection: lro-fail)"
        ),
        "the service's message: {out}"
    );
    assert!(has(&out, "creating online endpoint"), "{out}");
    emu.admin("DELETE", "faults", None);
    // The failed endpoint is recorded (tainted), so the next apply replaces it.
    let state = ws.ok(&["state", "list"]);
    assert!(state.contains("aml_online_endpoint.e"), "{state}");
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(has(&plan, "is tainted, so must be replaced"), "{plan}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.resource(&endpoint_id(&emu, "ep-life"))["properties"]["provisioningState"],
        "Succeeded"
    );
    ws.assert_no_changes();
}

#[test]
fn bad_inputs_fail_at_plan_on_the_attribute() {
    let emu = Emulator::with_lro_delay(&[]);
    let cases: &[(&str, &[&str])] = &[
        (
            r#"name = "1score""#,
            &["does not start with a letter", "name = \"1score\""],
        ),
        (
            r#"name = "ab""#,
            &["has 2 characters", "3 to 32 characters"],
        ),
        (
            r#"name = "score_1""#,
            &["contains '_'", "name = \"score_1\""],
        ),
        (
            r#"name = "score-1-""#,
            &["does not end with a letter or digit"],
        ),
        (
            r#"name = "ok-name"
  traffic = { blue = 60, green = 30 }"#,
            &["traffic adds up to 90%, not 100%", "traffic = {"],
        ),
        (
            r#"name = "ok-name"
  mirror_traffic = { blue = 40, green = 20 }"#,
            &["mirror_traffic adds up to 60%, more than 50%"],
        ),
        (
            r#"name = "ok-name"
  traffic = { blue = 50.5, green = 49.5 }"#,
            &["\"blue\" = 50.5 is not a whole percentage", "traffic = {"],
        ),
        (
            r#"name = "ok-name"
  auth_mode = "Token""#,
            &["auth_mode = \"Token\"", "AMLToken"],
        ),
    ];
    for (body, needles) in cases {
        let ws = demo_workspace(
            &emu,
            &format!(
                r#"
resource "aml_online_endpoint" "e" {{
  workspace_id = "WSID"
  {body}
}}
"#
            ),
        );
        let out = ws.fails(&["plan", "-no-color"]);
        for n in *needles {
            assert!(has(&out, n), "{body}: expected {n:?} in:\n{out}");
        }
        assert!(has(&out, "with aml_online_endpoint.e"), "{out}");
    }
    // Unknown values at plan are not checked until they are known.
    let ws = Workspace::against(
        &emu,
        &crate::tf::demo_config(
            &emu,
            r#"
resource "terraform_data" "n" {
  input = "late"
}
resource "aml_online_endpoint" "e" {
  workspace_id = "WSID"
  name         = "ep-${terraform_data.n.output}"
  traffic      = { blue = terraform_data.n.output == "late" ? 100 : 1 }
}
"#,
        ),
    );
    ws.init();
    ws.ok(&["plan", "-no-color"]);
}

#[test]
fn names_are_unique_per_region_and_an_existing_endpoint_must_be_imported() {
    let emu = Emulator::with_lro_delay(&[]);
    let hub = ws_id(&emu).replace("/mlw-demo", "/mlw-hub");
    let ws = demo_workspace(&emu, &endpoint_config(""));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    // The same name in another workspace of the same region: the service's conflict message.
    let other = demo_workspace(
        &emu,
        &format!(
            r#"
resource "aml_online_endpoint" "e" {{
  workspace_id = "{hub}"
  name         = "ep-life"
}}
"#
        ),
    );
    let out = other.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        has(&out, "Endpoint name needs to be unique within a region"),
        "{out}"
    );
    // The same endpoint in a second configuration: import it rather than overwrite it.
    let twin = demo_workspace(&emu, &endpoint_config(""));
    let out = twin.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(has(&out, "already exists"), "{out}");
    assert!(has(&out, "terraform import"), "{out}");
}
