//! End-to-end: the private-link workflow (zones → links → endpoint → zone group) with the real
//! `terraform` CLI against the ARM emulator's default world: a second plan with no changes, tags in
//! place, drift, replacement, import (CLI and `import` blocks), parallel endpoints, a manual
//! connection, injected faults, bad inputs at plan, and the request counts per resource.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::{json, Value};

use crate::tf::emulator::{rg, Emulator};
use crate::tf::{example, has, Workspace, HEAD};

/// The resource IDs the emulator holds that a private-link workflow manages.
fn managed_objects(emu: &Emulator) -> Vec<String> {
    emu.resource_ids()
        .into_iter()
        .filter(|id| {
            let l = id.to_ascii_lowercase();
            l.contains("/privateendpoints/") || l.contains("/privatednszones/")
        })
        .collect()
}

/// What a request was for, from its path.
fn category(path: &str) -> &'static str {
    let p = path.to_ascii_lowercase();
    if p.contains("/privatednszonegroups") {
        "zone group"
    } else if p.contains("/virtualnetworklinks") {
        "vnet link"
    } else if p.contains("/privateendpoints/") {
        "private endpoint"
    } else if p.contains("/privatednszones/") {
        "dns zone"
    } else if p.ends_with("/privatednszones") {
        "dns zone list"
    } else if p.contains("privatednsoperation") {
        "dns zone/link LRO poll"
    } else if p.contains("/operations/") || p.contains("/operationresults/") {
        "endpoint/group LRO poll"
    } else if p.contains("/metadata/") || p.contains("oauth2") {
        "metadata+token"
    } else {
        "other"
    }
}

/// Requests since the log was last cleared, by category and method; clears the log.
fn take_requests(emu: &Emulator) -> BTreeMap<String, usize> {
    let log = emu.admin("GET", "requests", None);
    emu.admin("DELETE", "requests", None);
    let mut out = BTreeMap::new();
    for r in log["value"].as_array().unwrap() {
        let path = r["path"].as_str().unwrap_or("");
        if path.starts_with("/_emulator") {
            continue;
        }
        if std::env::var_os("AML_E2E_DUMP").is_some() {
            eprintln!(
                "REQ {} {} {}",
                r["method"].as_str().unwrap_or(""),
                r["status"],
                path
            );
        }
        let key = format!("{} {}", category(path), r["method"].as_str().unwrap_or(""));
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

/// `terraform show -json` values by address, without `timeouts`.
fn state_values(ws: &Workspace) -> BTreeMap<String, Value> {
    let s = ws.ok(&["show", "-json"]);
    let v: Value = serde_json::from_str(&s).unwrap();
    let mut out = BTreeMap::new();
    for r in v["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        if r["mode"] != "managed" {
            continue;
        }
        let mut vals = r["values"].clone();
        vals.as_object_mut().unwrap().remove("timeouts");
        out.insert(r["address"].as_str().unwrap().to_string(), vals);
    }
    out
}

#[test]
fn the_whole_workflow_then_no_changes_tags_in_place_drift_and_destroy() {
    let emu = Emulator::start(&[]);
    let ws = Workspace::against(&emu, &example("private-link"));
    ws.init();
    emu.admin("DELETE", "requests", None);

    let started = Instant::now();
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let apply_time = started.elapsed();
    assert!(
        out.contains("Resources: 6 added, 0 changed, 0 destroyed"),
        "{out}"
    );
    let apply_requests = take_requests(&emu);

    let o = ws.outputs();
    let ips = o["endpoint_ips"]["value"].as_array().unwrap();
    assert_eq!(ips.len(), 4, "{o}");
    assert!(
        ips.iter()
            .all(|ip| ip.as_str().unwrap().starts_with("10.0.1.")),
        "{o}"
    );
    assert_eq!(o["connection_status"]["value"], "Approved");
    let records = o["record_fqdns"]["value"].as_object().unwrap();
    assert!(
        records
            .keys()
            .any(|f| f.ends_with(".privatelink.api.azureml.ms")),
        "{o}"
    );
    assert!(
        records
            .keys()
            .any(|f| f.ends_with(".privatelink.notebooks.azure.net")),
        "{o}"
    );
    assert_eq!(records.len(), 4, "{o}");

    // A second plan has nothing to do; count what a refresh costs.
    ws.assert_no_changes();
    let refresh_requests = take_requests(&emu);
    eprintln!(
        "MEASURE apply wall time of examples/private-link: {:.2}s",
        apply_time.as_secs_f64()
    );
    eprintln!("MEASURE requests during apply (1 endpoint, 1 group, 2 zones, 2 links): {apply_requests:#?}");
    eprintln!("MEASURE requests during plan/refresh: {refresh_requests:#?}");
    // One write per object; a refresh reads each object once (the endpoint once more, for the
    // zone group's missing-zone check).
    let count = |m: &BTreeMap<String, usize>, k: &str| m.get(k).copied().unwrap_or(0);
    for (key, n) in [
        ("dns zone PUT", 2),
        ("vnet link PUT", 2),
        ("private endpoint PUT", 1),
        ("zone group PUT", 1),
    ] {
        assert_eq!(count(&apply_requests, key), n, "{key}: {apply_requests:?}");
    }
    // The two zones are read together: one list of the resource group's zones answers both
    // (two GETs when Terraform's two reads arrive too far apart to share it).
    let zone_reads =
        count(&refresh_requests, "dns zone GET") + count(&refresh_requests, "dns zone list GET");
    assert!(
        (1..=2).contains(&zone_reads),
        "dns zone reads: {refresh_requests:?}"
    );
    for (key, n) in [
        ("vnet link GET", 2),
        ("private endpoint GET", 2),
        ("zone group GET", 1),
    ] {
        assert_eq!(
            count(&refresh_requests, key),
            n,
            "{key}: {refresh_requests:?}"
        );
    }
    let writes: usize = refresh_requests
        .iter()
        .filter(|(k, _)| !k.ends_with(" GET") && !k.starts_with("metadata+token"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(writes, 0, "a plan wrote: {refresh_requests:?}");

    // Tags are updated in place.
    let pe_block = "  target_resource_id  = local.workspace_id\n";
    ws.write(
        "main.tf",
        &example("private-link").replace(
            pe_block,
            &format!("{pe_block}  tags = {{ env = \"dev\" }}\n"),
        ),
    );
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("Resources: 0 added, 1 changed, 0 destroyed"),
        "{out}"
    );
    let pe_id = format!(
        "{}/providers/Microsoft.Network/privateEndpoints/pe-mlw-demo",
        rg(&emu)
    );
    assert_eq!(emu.resource(&pe_id)["tags"], json!({"env": "dev"}));
    ws.assert_no_changes();

    // Deleted out of band: the endpoint (and with it its zone group) and a VNet link are detected
    // and re-created.
    emu.admin("DELETE", &format!("resources{pe_id}"), None);
    let link = format!("{}/providers/Microsoft.Network/privateDnsZones/privatelink.notebooks.azure.net/virtualNetworkLinks/vnet-aml", rg(&emu));
    emu.admin("DELETE", &format!("resources{link}"), None);
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("Plan: 3 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("Resources: 3 added, 0 changed, 0 destroyed"),
        "{out}"
    );
    ws.assert_no_changes();
    assert_eq!(
        ws.outputs()["record_fqdns"]["value"]
            .as_object()
            .unwrap()
            .len(),
        4
    );

    // Destroy leaves nothing managed behind.
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert_eq!(managed_objects(&emu), Vec::<String>::new());
}

fn endpoint_config(emu: &Emulator, subnet: &str, extra: &str) -> String {
    format!(
        r#"{HEAD}
resource "aml_private_dns_zone" "api" {{
  name                = "privatelink.api.azureml.ms"
  resource_group_name = "rg-aml-demo"
}}

resource "aml_private_endpoint" "pe" {{
  name                = "pe-mlw-demo"
  resource_group_name = "rg-aml-demo"
  location            = "eastus"
  subnet_id           = "{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/{subnet}"
  target_resource_id  = "{rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"
}}
{extra}"#,
        rg = rg(emu)
    )
}

#[test]
fn a_subnet_change_replaces_the_endpoint_and_a_missing_aml_zone_warns() {
    let emu = Emulator::start(&[]);
    let vnet = format!(
        "{}/providers/Microsoft.Network/virtualNetworks/vnet-aml",
        rg(&emu)
    );
    emu.put_resource(
        &format!("{vnet}/subnets/snet-pe2"),
        json!({"name": "snet-pe2", "type": "Microsoft.Network/virtualNetworks/subnets",
               "properties": {"addressPrefix": "10.0.2.0/24", "privateEndpointNetworkPolicies": "Disabled"}}),
    );
    let ws = Workspace::against(&emu, &endpoint_config(&emu, "snet-pe", ""));
    ws.init();
    let plan = ws.ok(&["plan", "-no-color"]);
    // The zones the endpoint needs are known at plan.
    assert!(
        plan.contains("\"privatelink.notebooks.azure.net\""),
        "{plan}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);

    // A zone group with only the API zone: plan warns, naming the notebooks zone.
    let group = r#"
resource "aml_private_dns_zone_group" "g" {
  name                 = "default"
  private_endpoint_id  = aml_private_endpoint.pe.id
  private_dns_zone_ids = [aml_private_dns_zone.api.id]
}
"#;
    ws.write("main.tf", &endpoint_config(&emu, "snet-pe", group));
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("Warning: AML private DNS zone missing: privatelink.notebooks.azure.net"),
        "{plan}"
    );
    assert!(plan.contains("private_dns_zone_ids"), "{plan}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);

    // Adding the notebooks zone replaces the group (ARM cannot change an existing group's zones);
    // listing the same zones in another order is no change.
    let nb = r#"
resource "aml_private_dns_zone" "nb" {
  name                = "privatelink.notebooks.azure.net"
  resource_group_name = "rg-aml-demo"
}
"#;
    let both = group.replace(
        "[aml_private_dns_zone.api.id]",
        "[aml_private_dns_zone.api.id, aml_private_dns_zone.nb.id]",
    );
    ws.write(
        "main.tf",
        &endpoint_config(
            &emu,
            "snet-pe",
            &format!("{group_both}{nb}", group_both = both),
        ),
    );
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("aml_private_dns_zone_group.g must be replaced"),
        "{plan}"
    );
    assert!(
        !plan.contains("Warning: AML private DNS zone missing"),
        "{plan}"
    );
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("Resources: 2 added, 0 changed, 1 destroyed"),
        "{out}"
    );
    let reordered = group.replace(
        "[aml_private_dns_zone.api.id]",
        "[aml_private_dns_zone.nb.id, aml_private_dns_zone.api.id]",
    );
    ws.write(
        "main.tf",
        &endpoint_config(&emu, "snet-pe", &format!("{reordered}{nb}")),
    );
    ws.assert_no_changes();

    // Moving the endpoint to another subnet replaces it (and its zone group with it).
    ws.write(
        "main.tf",
        &endpoint_config(&emu, "snet-pe2", &format!("{reordered}{nb}")),
    );
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("aml_private_endpoint.pe must be replaced"),
        "{plan}"
    );
    assert!(plan.contains("# forces replacement"), "{plan}");
    assert!(
        plan.contains("Plan: 2 to add, 0 to change, 2 to destroy"),
        "{plan}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let pe = emu.resource(&format!(
        "{}/providers/Microsoft.Network/privateEndpoints/pe-mlw-demo",
        rg(&emu)
    ));
    assert!(
        pe["properties"]["subnet"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/snet-pe2"),
        "{pe}"
    );
    ws.assert_no_changes();
}

fn flat_config(emu: &Emulator) -> String {
    let rg = rg(emu);
    format!(
        r#"{HEAD}
resource "aml_private_dns_zone" "api" {{
  name                = "privatelink.api.azureml.ms"
  resource_group_name = "rg-aml-demo"
  tags                = {{ team = "ml" }}
}}

resource "aml_private_dns_zone" "nb" {{
  name                = "privatelink.notebooks.azure.net"
  resource_group_name = "rg-aml-demo"
}}

resource "aml_private_dns_zone_virtual_network_link" "api" {{
  name                = "vnet-aml"
  private_dns_zone_id = aml_private_dns_zone.api.id
  virtual_network_id  = "{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml"
}}

resource "aml_private_endpoint" "pe" {{
  name                = "pe-mlw-hub"
  resource_group_name = "rg-aml-demo"
  location            = "eastus"
  subnet_id           = "{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe"
  target_resource_id  = "{rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-hub"
  tags                = {{ env = "dev" }}
}}

resource "aml_private_dns_zone_group" "g" {{
  name                 = "default"
  private_endpoint_id  = aml_private_endpoint.pe.id
  private_dns_zone_ids = [aml_private_dns_zone.api.id, aml_private_dns_zone.nb.id]
}}
"#
    )
}

#[test]
fn terraform_import_and_import_blocks_reproduce_the_same_state() {
    let emu = Emulator::start(&[]);
    let config = flat_config(&emu);
    let created = Workspace::against(&emu, &config);
    created.init();
    created.ok(&["apply", "-auto-approve", "-no-color"]);
    // Zone counters changed when the links and the group were written: refresh them first.
    created.ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    let want = state_values(&created);
    assert_eq!(want.len(), 5, "{want:#?}");
    let ids: BTreeMap<String, String> = want
        .iter()
        .map(|(a, v)| (a.clone(), v["id"].as_str().unwrap().to_string()))
        .collect();

    // Existing objects refuse a second create: "already exists — import it".
    let other = Workspace::against(&emu, &config);
    other.init();
    let out = other.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("already exists") && out.contains("terraform import"),
        "{out}"
    );

    // terraform import, one address at a time.
    let cli = Workspace::against(&emu, &config);
    cli.init();
    for (addr, id) in &ids {
        cli.ok(&["import", "-no-color", addr, id]);
    }
    assert_eq!(state_values(&cli), want);
    cli.assert_no_changes();

    // import blocks.
    let blocks: String = ids
        .iter()
        .map(|(a, id)| format!("import {{\n  to = {a}\n  id = \"{id}\"\n}}\n"))
        .collect();
    let block = Workspace::against(&emu, &format!("{config}\n{blocks}"));
    block.init();
    let out = block.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("5 imported, 0 added, 0 changed, 0 destroyed"),
        "{out}"
    );
    assert_eq!(state_values(&block), want);
    block.assert_no_changes();

    // A malformed import ID is refused with the expected shape.
    let out = cli.fails(&[
        "import",
        "-no-color",
        "aml_private_endpoint.pe",
        &ids["aml_private_dns_zone.api"],
    ]);
    assert!(out.contains("expected a private endpoint ID like"), "{out}");
}

#[test]
fn twenty_endpoints_in_one_subnet_in_parallel() {
    let emu = Emulator::start(&[]);
    let rg = rg(&emu);
    let config = format!(
        r#"{HEAD}
resource "aml_private_endpoint" "pe" {{
  count               = 20
  name                = "pe-mlw-demo-${{count.index}}"
  resource_group_name = "rg-aml-demo"
  location            = "eastus"
  subnet_id           = "{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe"
  target_resource_id  = "{rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"
}}

output "ips" {{
  value = flatten(aml_private_endpoint.pe[*].private_ip_addresses)
}}

output "states" {{
  value = distinct(aml_private_endpoint.pe[*].connection_state.status)
}}
"#
    );
    let ws = Workspace::against(&emu, &config);
    ws.init();
    let started = Instant::now();
    let out = ws.ok(&["apply", "-auto-approve", "-parallelism=20", "-no-color"]);
    eprintln!(
        "MEASURE 20 endpoints in parallel: {:.2}s",
        started.elapsed().as_secs_f64()
    );
    assert!(out.contains("Resources: 20 added"), "{out}");
    let o = ws.outputs();
    let ips: Vec<&str> = o["ips"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut unique = ips.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ips.len(), 80, "{o}");
    assert_eq!(unique.len(), 80, "addresses are shared: {o}");
    assert_eq!(o["states"]["value"], json!(["Approved"]));
    // The workspace holds one approved connection per endpoint.
    let all = emu.resource_ids();
    let conns = all
        .iter()
        .filter(|id| {
            id.to_ascii_lowercase()
                .contains("/workspaces/mlw-demo/privateendpointconnections/")
        })
        .count();
    assert_eq!(conns, 20, "{all:?}");
    ws.assert_no_changes();
    ws.ok(&["destroy", "-auto-approve", "-parallelism=20", "-no-color"]);
    assert_eq!(managed_objects(&emu), Vec::<String>::new());
}

#[test]
fn a_manual_connection_stays_pending_with_a_clear_output() {
    let emu = Emulator::start(&[]);
    let rg = rg(&emu);
    let config = format!(
        r#"{HEAD}
resource "aml_private_endpoint" "pe" {{
  name                = "pe-kv-manual"
  resource_group_name = "rg-aml-demo"
  location            = "eastus"
  subnet_id           = "{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe"
  target_resource_id  = "{rg}/providers/Microsoft.KeyVault/vaults/kv-aml-demo"
  manual_connection   = true
  request_message     = "Terraform: private access for the AML workspace"
  TAGS
  ip_configuration {{
    name               = "vault"
    private_ip_address = "10.0.1.200"
    member_name        = "default"
  }}
}}

output "ips" {{
  value = aml_private_endpoint.pe.private_ip_addresses
}}

output "state" {{
  value = aml_private_endpoint.pe.connection_state
}}

output "subresource" {{
  value = aml_private_endpoint.pe.subresource_name
}}

output "zones" {{
  value = aml_private_endpoint.pe.private_dns_zone_names
}}
"#
    );
    let ws = Workspace::against(&emu, &config.replace("TAGS", ""));
    ws.init();
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("Warning: Private endpoint pe-kv-manual awaits approval"),
        "{out}"
    );
    let o = ws.outputs();
    assert_eq!(o["state"]["value"]["status"], "Pending", "{o}");
    assert_eq!(o["subresource"]["value"], "vault");
    assert_eq!(
        o["zones"]["value"],
        json!(["privatelink.vaultcore.azure.net"])
    );
    assert_eq!(
        o["ips"]["value"],
        json!(["10.0.1.200"]),
        "the static IP is used"
    );
    ws.assert_no_changes();

    // A zone group written by someone else (Azure Policy) is left alone by endpoint updates...
    let pe_id = format!("{rg}/providers/Microsoft.Network/privateEndpoints/pe-kv-manual");
    let policy_group = format!("{pe_id}/privateDnsZoneGroups/deployedByPolicy");
    emu.put_resource(
        &policy_group,
        json!({"name": "deployedByPolicy", "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
               "properties": {"provisioningState": "Succeeded", "privateDnsZoneConfigs": []}}),
    );
    let tagged = config.replace("TAGS", "tags = { owner = \"platform\" }");
    ws.write("main.tf", &tagged);
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("Resources: 0 added, 1 changed, 0 destroyed"),
        "{out}"
    );
    assert_eq!(emu.resource(&policy_group)["name"], "deployedByPolicy");
    assert_eq!(
        ws.outputs()["state"]["value"]["status"],
        "Pending",
        "an update keeps the connection"
    );

    // ...and a zone group resource for the same endpoint refuses to create a second one.
    ws.write(
        "main.tf",
        &format!(
            "{tagged}\nresource \"aml_private_dns_zone_group\" \"g\" {{\n  name = \"default\"\n  private_endpoint_id = aml_private_endpoint.pe.id\n  private_dns_zone_ids = [\"{rg}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net\"]\n}}\n"
        ),
    );
    let out = ws.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("already exists") && out.contains("deployedByPolicy"),
        "{out}"
    );
}

#[test]
fn faults_at_ten_percent_change_no_outcome() {
    let emu = Emulator::start(&[]);
    let ws = Workspace::against(&emu, &example("private-link"));
    ws.init();
    for seed in [11, 23, 47] {
        emu.admin("DELETE", "requests", None);
        let spec = format!("seed={seed},429=0.03,500=0.02,503=0.02,drop=0.02,409=0.01");
        emu.set_faults(&spec);
        let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
        assert!(
            out.contains("Resources: 6 added, 0 changed, 0 destroyed"),
            "seed {seed}: {out}"
        );
        assert_eq!(
            ws.outputs()["record_fqdns"]["value"]
                .as_object()
                .unwrap()
                .len(),
            4,
            "seed {seed}"
        );
        assert_eq!(
            ws.outputs()["connection_status"]["value"],
            "Approved",
            "seed {seed}"
        );
        ws.assert_no_changes();
        ws.ok(&["destroy", "-auto-approve", "-no-color"]);
        let log = emu.admin("GET", "requests", None);
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for r in log["value"].as_array().unwrap() {
            if let Some(f) = r["fault"].as_str().filter(|f| !f.is_empty()) {
                *kinds.entry(f.to_string()).or_insert(0) += 1;
            }
        }
        eprintln!("MEASURE seed {seed}: faults injected during apply+plan+destroy: {kinds:?} of {} requests", log["value"].as_array().unwrap().len());
        assert!(!kinds.is_empty(), "seed {seed}: no fault was injected");
        emu.admin("DELETE", "faults", None);
        assert_eq!(managed_objects(&emu), Vec::<String>::new(), "seed {seed}");
    }

    // Half of the endpoint and zone group writes refused with 409 AnotherOperationInProgress (the
    // subnet or endpoint is still updating): retried within the timeout, same outcome.
    emu.admin("DELETE", "requests", None);
    emu.set_faults("seed=5,409=0.5,methods=PUT,paths=*/privateEndpoints/*");
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("Resources: 6 added, 0 changed, 0 destroyed"),
        "{out}"
    );
    let injected = emu.admin("GET", "faults", None)["injected"]
        .as_u64()
        .unwrap_or(0);
    assert!(injected > 0, "no 409 was injected");
    emu.admin("DELETE", "faults", None);
    ws.assert_no_changes();
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn bad_inputs_fail_at_plan_on_the_right_attribute() {
    let emu = Emulator::start(&[]);
    let rg = rg(&emu);
    let pe = |attrs: &str| {
        format!(
            r#"{HEAD}
resource "aml_private_endpoint" "pe" {{
  name                = "pe-x"
  resource_group_name = "rg-aml-demo"
  location            = "eastus"
{attrs}
}}
"#
        )
    };
    let subnet = format!(
        "subnet_id = \"{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe\""
    );
    let ws_target = format!("target_resource_id = \"{rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo\"");
    let pe_at = |location: &str| {
        format!("{HEAD}\nresource \"aml_private_endpoint\" \"pe\" {{\n  name = \"pe-x\"\n  resource_group_name = \"rg-aml-demo\"\n  location = \"{location}\"\n  {subnet}\n  {ws_target}\n}}\n")
    };
    let cases: Vec<(String, &str, &str)> = vec![
        (
            pe(&format!("subnet_id = \"{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml\"\n{ws_target}")),
            "subnet_id = ",
            "This is a virtual network ID, not a subnet ID",
        ),
        (
            pe(&format!("{subnet}\ntarget_resource_id = \"{rg}/providers/Microsoft.Storage/storageAccounts/stamldemo\"")),
            "resource \"aml_private_endpoint\" \"pe\"",
            "Missing sub-resource",
        ),
        (pe(&format!("{subnet}\n{ws_target}\nrequest_message = \"please\"")), "request_message = ", "Request message without manual connection"),
        (pe(&format!("{subnet}\n{ws_target}\nsubresource_name = \"blob\"")), "subresource_name = ", "Invalid sub-resource for this target"),
        (
            format!("{HEAD}\nresource \"aml_private_dns_zone\" \"z\" {{\n  name = \"privatelink.api.azureml.ms.\"\n  resource_group_name = \"rg-aml-demo\"\n}}\n"),
            "name = ",
            "must not end with '.'",
        ),
        (
            format!("{HEAD}\nresource \"aml_private_endpoint\" \"pe\" {{\n  name = \"pe mlw\"\n  resource_group_name = \"rg-aml-demo\"\n  location = \"eastus\"\n  {subnet}\n  {ws_target}\n}}\n"),
            "name = ",
            "contains ' '",
        ),
        (pe_at(""), "location = ", "The location is empty"),
        (pe_at("East-US"), "location = ", "contains '-': a location has only letters, digits and spaces"),
        // A huge bad value is shortened in the message.
        (pe_at(&"east-".repeat(2_000)), "location = ", "\"east-east-east-east-east-east-east-east-east-east-east-east-\"… (10000 characters) contains '-'"),
        (
            format!(
                "{HEAD}\nresource \"aml_private_dns_zone_virtual_network_link\" \"l\" {{\n  name = \"l\"\n  private_dns_zone_id = \"{rg}/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms\"\n  virtual_network_id = \"{rg}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe\"\n}}\n"
            ),
            "virtual_network_id = ",
            "This is a subnet ID, not a virtual network ID",
        ),
    ];
    for (config, attr_line, message) in cases {
        let ws = Workspace::against(&emu, &config);
        ws.init();
        let out = ws.fails(&["plan", "-no-color"]);
        // (Terraform wraps long messages: compared with whitespace squashed.)
        assert!(has(&out, message), "want {message:?}:\n{out}");
        // Terraform quotes the offending line of the configuration.
        let quoted = out.lines().any(|l| {
            l.trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
                && l.contains(attr_line)
        });
        assert!(quoted, "the error does not point at {attr_line:?}:\n{out}");
    }
    // Nothing reached ARM beyond metadata and tokens.
    let log = emu.admin("GET", "requests", None);
    assert!(
        log["value"].as_array().unwrap().iter().all(|r| !r["path"]
            .as_str()
            .unwrap_or("")
            .contains("/providers/Microsoft.Network/")),
        "{log}"
    );
}
