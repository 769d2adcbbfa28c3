//! End-to-end: `aml_workspace_managed_network`, `aml_managed_network_outbound_rule` and the data
//! source `aml_managed_network_outbound_rules` with the real terraform CLI against the emulator.
//! 30 rules of all three types in one apply survive the emulator's lost-rule fault (azapi #453),
//! a naive parallel writer loses rules under the same fault (the count is printed), bad inputs
//! fail at plan on the right attribute, imports round-trip, out-of-band deletes are detected, a
//! failed rule fails the apply, and destroy leaves the managed network with a warning.
//!
//! `AML_E2E_LRO_MS` sets the emulator's async-operation delay (default 50 ms) for measurements.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::tf::emulator::{lro_ms, rg, ws_id, ArmClient, Emulator};
use crate::tf::{self, demo_config, demo_workspace, has, Workspace};

/// The user-defined rules of mlw-demo, by name, as the emulator holds them.
fn user_rules(emu: &Emulator) -> BTreeSet<String> {
    let prefix = format!("{}/outboundRules/", ws_id(emu)).to_ascii_lowercase();
    emu.resource_ids()
        .into_iter()
        .filter(|id| id.to_ascii_lowercase().starts_with(&prefix))
        .filter(|id| {
            emu.resource(id)
                .pointer("/properties/category")
                .and_then(Value::as_str)
                == Some("UserDefined")
        })
        .map(|id| id.rsplit('/').next().unwrap().to_string())
        .collect()
}

/// ARM writes (PUT/PATCH/DELETE/POST) on the workspace and on its outbound rules.
fn writes(emu: &Emulator) -> (u64, u64) {
    let ws = ws_id(emu).to_ascii_lowercase();
    let mut out = (0, 0);
    for (k, n) in emu.write_counts() {
        if k == ws || k.starts_with(&format!("{ws}/provisionmanagednetwork")) {
            out.0 += n;
        } else if k.starts_with(&format!("{ws}/outboundrules/")) {
            out.1 += n;
        }
    }
    out
}

/// The managed network in approved-outbound mode with Spark, and 30 rules: 8 + 6 FQDN rules
/// from the presets, 8 service tags, 8 private endpoints to the seeded resources.
const THIRTY: &str = r#"
resource "aml_workspace_managed_network" "mn" {
  workspace_id   = "WSID"
  isolation_mode = "AllowOnlyApprovedOutbound"
  include_spark  = true
}

locals {
  fqdns = concat(provider::aml::fqdn_preset("python_packages"), provider::aml::fqdn_preset("huggingface"))
  tags  = ["DataFactory", "AzureOpenDatasets", "Storage.WestUS", "AzureMonitor", "Sql", "EventHub", "ServiceBus", "AzureCosmosDB"]
  pes = {
    st-queue = ["RGID/providers/Microsoft.Storage/storageAccounts/stamldemo", "queue"]
    st-table = ["RGID/providers/Microsoft.Storage/storageAccounts/stamldemo", "table"]
    st-dfs   = ["RGID/providers/Microsoft.Storage/storageAccounts/stamldemo", "dfs"]
    st-web   = ["RGID/providers/Microsoft.Storage/storageAccounts/stamldemo", "web"]
    st-blob  = ["RGID/providers/Microsoft.Storage/storageAccounts/stamldemo", "blob"]
    kv       = ["RGID/providers/Microsoft.KeyVault/vaults/kv-aml-demo", "vault"]
    acr      = ["RGID/providers/Microsoft.ContainerRegistry/registries/acramldemo", "registry"]
    hub      = ["RGID/providers/Microsoft.MachineLearningServices/workspaces/mlw-hub", "amlworkspace"]
  }
}

resource "aml_managed_network_outbound_rule" "fqdn" {
  for_each     = toset(local.fqdns)
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  name         = substr("f-${replace(replace(each.value, "*.", "any-"), ".", "-")}", 0, 33)
  fqdn {
    destination = each.value
  }
}

resource "aml_managed_network_outbound_rule" "tag" {
  for_each     = toset(local.tags)
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  name         = "tag-${replace(each.value, ".", "-")}"
  service_tag {
    service_tag = each.value
    protocol    = "TCP"
    port_ranges = "443"
  }
}

resource "aml_managed_network_outbound_rule" "pe" {
  for_each     = local.pes
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  name         = "pe-${each.key}"
  private_endpoint {
    service_resource_id = each.value[0]
    subresource_target  = each.value[1]
    spark_enabled       = each.key == "st-blob"
  }
}

data "aml_managed_network_outbound_rules" "all" {
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  depends_on   = [aml_managed_network_outbound_rule.fqdn, aml_managed_network_outbound_rule.tag, aml_managed_network_outbound_rule.pe]
}

output "rules" {
  value = data.aml_managed_network_outbound_rules.all.rules
}
"#;

fn expected_names() -> BTreeSet<String> {
    let fqdns = [
        "anaconda.com",
        "*.anaconda.com",
        "*.anaconda.org",
        "pypi.org",
        "*.pythonhosted.org",
        "pytorch.org",
        "*.pytorch.org",
        "*.tensorflow.org",
        "docker.io",
        "*.docker.io",
        "*.docker.com",
        "production.cloudflare.docker.com",
        "cdn.auth0.com",
        "cdn-lfs.huggingface.co",
    ];
    let mut out: BTreeSet<String> = fqdns
        .iter()
        .map(|f| {
            let mut n = format!("f-{}", f.replace("*.", "any-").replace('.', "-"));
            n.truncate(33);
            n
        })
        .collect();
    for t in [
        "DataFactory",
        "AzureOpenDatasets",
        "Storage-WestUS",
        "AzureMonitor",
        "Sql",
        "EventHub",
        "ServiceBus",
        "AzureCosmosDB",
    ] {
        out.insert(format!("tag-{t}"));
    }
    for p in [
        "st-queue", "st-table", "st-dfs", "st-web", "st-blob", "kv", "acr", "hub",
    ] {
        out.insert(format!("pe-{p}"));
    }
    out
}

#[test]
fn thirty_rules_in_one_apply_survive_the_lost_rule_fault() {
    let emu = Emulator::with_lro_delay(&[]);
    emu.set_faults("seed=7,lost-rule=0.3");
    let ws = demo_workspace(&emu, THIRTY);
    emu.admin("DELETE", "counters", None);
    let t = Instant::now();
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let took = t.elapsed();
    let (ws_writes, rule_writes) = writes(&emu);
    let injected = emu.admin("GET", "faults", None);
    eprintln!(
        "MEASURE 30 rules + managed network (provision with Spark), lost-rule=0.3: {ws_writes} workspace writes \
         (incl. provisioning), {rule_writes} rule writes, {:.1} s, faults injected: {} (emulator LRO delay {} ms)",
        took.as_secs_f64(),
        injected["injected"],
        lro_ms()
    );
    let expected = expected_names();
    assert_eq!(expected.len(), 30);
    assert_eq!(user_rules(&emu), expected, "apply output:\n{out}");
    assert!(
        injected["injected"].as_u64().unwrap_or(0) > 0,
        "the fault never fired: {injected}"
    );
    assert!(
        has(
            &out,
            "Outbound rules lost by the service were written again"
        ),
        "{out}"
    );
    for warning in [
        "Public network access is Enabled while the managed network is provisioned",
        "The first FQDN rule deploys a billed Azure Firewall",
    ] {
        assert!(has(&out, warning), "{warning}: {out}");
    }

    // Provisioned with Spark.
    let doc = emu.resource(&ws_id(&emu));
    assert_eq!(
        doc["properties"]["managedNetwork"]["isolationMode"],
        "AllowOnlyApprovedOutbound"
    );
    assert_eq!(
        doc["properties"]["managedNetwork"]["status"],
        json!({"status": "Active", "sparkReady": true})
    );

    // The data source lists system and user rules.
    let rules = ws.outputs()["rules"]["value"].clone();
    let rules = rules.as_array().unwrap();
    let cats: BTreeSet<&str> = rules
        .iter()
        .filter_map(|r| r["category"].as_str())
        .collect();
    assert!(
        cats.contains("Required") && cats.contains("UserDefined"),
        "{cats:?}"
    );
    assert!(rules.iter().any(|r| r["name"] == "f-pypi-org"
        && r["type"] == "FQDN"
        && r["destination"] == "pypi.org"
        && r["status"] == "Active"));
    assert_eq!(
        rules
            .iter()
            .filter(|r| r["category"] == "UserDefined")
            .count(),
        30
    );

    ws.assert_no_changes();

    // Destroy deletes the rules, leaves the managed network (and the system rules), and warns.
    let out = ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(has(&out, "The managed network was left in place"), "{out}");
    assert_eq!(user_rules(&emu), BTreeSet::new());
    let sys = format!("{}/outboundRules/__SYS_PE_stamldemo_blob", ws_id(&emu));
    assert_eq!(emu.resource(&sys)["properties"]["category"], "Required");
    let doc = emu.resource(&ws_id(&emu));
    assert_eq!(
        doc["properties"]["managedNetwork"]["isolationMode"],
        "AllowOnlyApprovedOutbound"
    );
}

/// An ARM client writing rules the way a tool without coordination does: all at once.
struct Naive {
    arm: ArmClient,
    base: String,
}

impl Naive {
    fn new(emu: &Emulator) -> Naive {
        Naive {
            arm: emu.arm_client(),
            base: format!("{}{}", emu.url, ws_id(emu)),
        }
    }

    fn patch_workspace(&self, body: Value) {
        let url = format!("{}?api-version=2025-12-01", self.base);
        let r = self.arm.patch(&url).json(&body).send().unwrap();
        assert!(r.status().is_success(), "{}", r.text().unwrap_or_default());
    }

    /// PUTs a rule and polls its operation until done; true when ARM accepted it.
    fn put_rule(&self, name: &str, fqdn: &str) -> bool {
        let url = format!("{}/outboundRules/{name}?api-version=2025-12-01", self.base);
        let r = self
            .arm
            .put(&url)
            .json(&json!({"properties": {"type": "FQDN", "category": "UserDefined", "destination": fqdn}}))
            .send()
            .unwrap();
        if !r.status().is_success() {
            eprintln!(
                "naive PUT {name}: {}: {}",
                r.status(),
                r.text().unwrap_or_default()
            );
            return false;
        }
        if let Some(loc) = r.headers().get("location").and_then(|l| l.to_str().ok()) {
            for _ in 0..200 {
                let p = self.arm.get(loc).send().unwrap();
                if p.status().as_u16() != 202 {
                    let ok = p.status().is_success();
                    if !ok {
                        eprintln!(
                            "naive PUT {name}: operation {}: {}",
                            p.status(),
                            p.text().unwrap_or_default()
                        );
                    }
                    return ok;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        true
    }
}

#[test]
fn a_naive_parallel_writer_loses_rules_under_the_fault() {
    let emu = Emulator::with_lro_delay(&[]);
    let naive = Naive::new(&emu);
    naive.patch_workspace(
        json!({"properties": {"managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"}}}),
    );
    emu.set_faults("seed=7,lost-rule=0.3");
    let accepted: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..30)
            .map(|i| {
                let naive = &naive;
                s.spawn(move || {
                    naive.put_rule(&format!("naive-{i:02}"), &format!("host{i}.example.com"))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = accepted.iter().filter(|a| **a).count();
    let kept = user_rules(&emu).len();
    eprintln!(
        "MEASURE naive parallel writer, 30 FQDN rules, lost-rule=0.3: {ok} operations reported success, the \
         workspace kept {kept} rules, lost {}",
        30 - kept
    );
    assert!(kept < 30, "the fault should lose rules of a naive writer");
}

const SMALL: &str = r#"
resource "aml_workspace_managed_network" "mn" {
  workspace_id   = "WSID"
  isolation_mode = "AllowOnlyApprovedOutbound"
}

resource "aml_managed_network_outbound_rule" "pypi" {
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  name         = "pypi"
  fqdn {
    destination = "pypi.org"
  }
}
"#;

#[test]
fn import_out_of_band_delete_failed_rules_and_backward_isolation() {
    let emu = Emulator::with_lro_delay(&[]);
    let ws = demo_workspace(&emu, SMALL);
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        has(&out, "The first FQDN rule deploys a billed Azure Firewall"),
        "{out}"
    );
    ws.assert_no_changes();

    // A rule created outside Terraform is imported by its ARM ID.
    let rule_id = format!("{}/outboundRules/imported", ws_id(&emu));
    let naive = Naive::new(&emu);
    assert!(naive.put_rule("imported", "*.example.org"));
    ws.write(
        "import.tf",
        &format!(
            r#"
import {{
  to = aml_managed_network_outbound_rule.imported
  id = "{rule_id}"
}}

resource "aml_managed_network_outbound_rule" "imported" {{
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  name         = "imported"
  fqdn {{
    destination = "*.example.org"
  }}
}}
"#
        ),
    );
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        has(&out, "1 imported, 0 added, 0 changed, 0 destroyed"),
        "{out}"
    );
    ws.assert_no_changes();

    // Creating a rule that already exists asks for an import.
    ws.write(
        "dup.tf",
        r#"
resource "aml_managed_network_outbound_rule" "dup" {
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  name         = "pypi"
  fqdn {
    destination = "pypi.org"
  }
}
"#,
    );
    let out = ws.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(has(&out, "already exists"), "{out}");
    std::fs::remove_file(ws.path("dup.tf")).unwrap();

    // An FQDN rule to a storage endpoint gets a warning, not an error.
    ws.write(
        "vscode.tf",
        r#"
resource "aml_managed_network_outbound_rule" "vscode" {
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  name         = "vscode-blob"
  fqdn {
    destination = "vscode.blob.core.windows.net"
  }
}
"#,
    );
    let out = ws.ok(&["plan", "-no-color"]);
    assert!(has(&out, "FQDN rule to a storage endpoint"), "{out}");
    assert!(
        !has(&out, "billed Azure Firewall"),
        "only the first FQDN rule warns: {out}"
    );
    std::fs::remove_file(ws.path("vscode.tf")).unwrap();

    // Out-of-band delete: planned for re-creation.
    emu.admin("DELETE", &format!("resources{rule_id}"), None);
    let out = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(out.status.code(), Some(2), "{}", tf::text(&out));
    assert!(
        has(
            &tf::text(&out),
            "aml_managed_network_outbound_rule.imported will be created"
        ),
        "{}",
        tf::text(&out)
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    ws.assert_no_changes();

    // Drift: the destination changed outside Terraform is put back.
    let mut doc = emu.resource(&rule_id);
    doc["properties"]["destination"] = json!("*.example.net");
    emu.put_resource(&rule_id, doc);
    let out = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(out.status.code(), Some(2), "{}", tf::text(&out));
    assert!(
        has(&tf::text(&out), "\"*.example.net\" -> \"*.example.org\""),
        "{}",
        tf::text(&out)
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);

    // A rule write whose operation fails fails the apply with the service's message.
    emu.set_faults("lro-fail=1,paths=*/outboundrules/pypi*");
    // A short update timeout: the client otherwise retries the failed operation's 500 for minutes.
    ws.write(
        "main.tf",
        &demo_config(
            &emu,
            &SMALL.replace(
                "destination = \"pypi.org\"\n  }",
                "destination = \"files.pythonhosted.org\"\n  }\n  timeouts {\n    update = \"10s\"\n  }",
            ),
        ),
    );
    let out = ws.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(has(&out, "writing outbound rule pypi"), "{out}");
    emu.admin("DELETE", "faults", None);
    let doc = emu.resource(&format!("{}/outboundRules/pypi", ws_id(&emu)));
    assert_eq!(doc["properties"]["status"], "Failed", "{doc}");

    // A backward isolation change fails at plan, on isolation_mode.
    ws.write(
        "main.tf",
        &demo_config(
            &emu,
            &SMALL.replace("AllowOnlyApprovedOutbound", "AllowInternetOutbound"),
        ),
    );
    let out = ws.fails(&["plan", "-no-color"]);
    assert!(
        has(&out, "The service refuses to change isolation mode from AllowOnlyApprovedOutbound to AllowInternetOutbound"),
        "{out}"
    );
    assert!(has(&out, "isolation_mode"), "{out}");
}

/// Plans `rule` (an outbound-rule body) against a workspace in `mode`, expecting an error that
/// contains `message` and names `attr` in the source excerpt.
fn plan_fails(ws: &Workspace, rule: &str, message: &str, attr: &str) {
    ws.write("bad.tf", &format!("resource \"aml_managed_network_outbound_rule\" \"bad\" {{\n  workspace_id = aml_workspace_managed_network.mn.workspace_id\n{rule}\n}}\n"));
    let out = ws.fails(&["plan", "-no-color"]);
    assert!(has(&out, message), "expected {message:?}:\n{out}");
    assert!(has(&out, attr), "expected the error on {attr:?}:\n{out}");
}

#[test]
fn bad_inputs_fail_at_plan_on_the_right_attribute() {
    let emu = Emulator::with_lro_delay(&[]);
    let ws = demo_workspace(
        &emu,
        r#"
resource "aml_workspace_managed_network" "mn" {
  workspace_id   = "WSID"
  isolation_mode = "AllowInternetOutbound"
  provision      = false
}
"#,
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let st = format!(
        "{}/providers/Microsoft.Storage/storageAccounts/stamldemo",
        rg(&emu)
    );
    plan_fails(
        &ws,
        "  name = \"pypi\"\n  fqdn {\n    destination = \"pypi.org\"\n  }",
        "FQDN rules need isolation mode AllowOnlyApprovedOutbound",
        "isolation_mode = \"AllowOnlyApprovedOutbound\"",
    );
    plan_fails(
        &ws,
        "  name = \"stag\"\n  service_tag {\n    service_tag = \"Sql\"\n    protocol = \"TCP\"\n    port_ranges = \"443\"\n  }",
        "Service-tag rules need isolation mode AllowOnlyApprovedOutbound",
        "service_tag = \"Sql\"",
    );
    plan_fails(
        &ws,
        "  name = \"x\"\n  private_endpoint {\n    service_resource_id = \"ST\"\n    subresource_target = \"blob\"\n  }".replace("ST", &st).as_str(),
        "is not a valid outbound rule name",
        "name = \"x\"",
    );
    plan_fails(
        &ws,
        "  name = \"pe-st\"\n  private_endpoint {\n    service_resource_id = \"ST\"\n    subresource_target = \"vault\"\n  }".replace("ST", &st).as_str(),
        "\"vault\" is not a sub-resource of Microsoft.Storage/storageAccounts",
        "subresource_target",
    );
    plan_fails(
        &ws,
        "  name = \"pe-st\"\n  private_endpoint {\n    service_resource_id = \"ST\"\n    subresource_target = \"blob\"\n  }\n  fqdn {\n    destination = \"pypi.org\"\n  }".replace("ST", &st).as_str(),
        "exactly one of fqdn, service_tag or private_endpoint",
        "service_resource_id =",
    );
    plan_fails(
        &ws,
        "  name = \"pypi\"\n  fqdn {\n    destination = \"https://pypi.org\"\n  }",
        "is not a host name",
        "destination",
    );
    plan_fails(
        &ws,
        "  name = \"tag\"\n  service_tag {\n    service_tag = \"Sql\"\n    protocol = \"TCP\"\n    port_ranges = \"443-80\"\n  }",
        "is not a valid port range list",
        "port_ranges",
    );
    plan_fails(
        &ws,
        "  name = \"tag\"\n  service_tag {\n    service_tag = \"Sql\"\n    protocol = \"HTTP\"\n    port_ranges = \"443\"\n  }",
        "protocol",
        "protocol",
    );
    // Each address prefix is checked; the error points at the bad element: line 9 of bad.tf is
    // `"not-a-cidr",` (service_tag.address_prefixes[1]).
    plan_fails(
        &ws,
        "  name = \"tag\"\n  service_tag {\n    protocol = \"TCP\"\n    port_ranges = \"443\"\n    address_prefixes = [\n      \"10.0.0.0/8\",\n      \"not-a-cidr\",\n    ]\n  }",
        "\"not-a-cidr\" is not an IP address or CIDR range",
        "Error: Invalid address prefix with aml_managed_network_outbound_rule.bad, on bad.tf line 9,",
    );
    let lines: Vec<String> = std::fs::read_to_string(ws.path("bad.tf"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines[8].trim(), "\"not-a-cidr\",", "{lines:?}");

    // Spark without provisioning: a warning on include_spark, the plan goes on.
    std::fs::remove_file(ws.path("bad.tf")).unwrap();
    let spark = demo_workspace(
        &emu,
        "resource \"aml_workspace_managed_network\" \"mn\" {\n  workspace_id   = \"WSID\"\n  isolation_mode = \"AllowInternetOutbound\"\n  provision      = false\n  include_spark  = true\n}\n",
    );
    let out = spark.ok(&["plan", "-no-color"]);
    assert!(
        has(
            &out,
            "Warning: include_spark has no effect without provisioning"
        ),
        "{out}"
    );
    assert!(
        has(&out, "include_spark  = true"),
        "the warning does not point at include_spark:\n{out}"
    );
    assert!(has(&out, "Spark readiness is only set up when"), "{out}");

    // Import of the managed network by workspace ID, then the forward change, provisioned.
    ws.ok(&["state", "rm", "aml_workspace_managed_network.mn"]);
    ws.ok(&[
        "import",
        "-no-color",
        "aml_workspace_managed_network.mn",
        &ws_id(&emu),
    ]);
    // Import cannot know the provider-side `provision = false`: one in-place update, no API write.
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(has(&out, "0 added, 1 changed, 0 destroyed"), "{out}");
    ws.assert_no_changes();
    ws.write(
        "main.tf",
        &demo_config(
            &emu,
            "resource \"aml_workspace_managed_network\" \"mn\" {\n  workspace_id   = \"WSID\"\n  isolation_mode = \"AllowOnlyApprovedOutbound\"\n}\n",
        ),
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let doc = emu.resource(&ws_id(&emu));
    assert_eq!(
        doc["properties"]["managedNetwork"]["isolationMode"],
        "AllowOnlyApprovedOutbound"
    );
    assert_eq!(
        doc["properties"]["managedNetwork"]["status"]["status"],
        "Active"
    );
    ws.assert_no_changes();
}
