//! End-to-end: `aml_workspace_network_access` and `aml_network_rule` with the real terraform CLI
//! against the emulator. 200 rules in one apply take few workspace writes (the count is printed),
//! removing 50 removes exactly those, out-of-band changes are kept or detected, imports round-trip,
//! destroy restores the prior access, bad inputs fail at plan, and injected faults change nothing.
//!
//! `AML_E2E_LRO_MS` sets the emulator's async-operation delay (default 50 ms) for measurements;
//! `AML_E2E_DUMP=1` writes the emulator's request log of each measured apply to
//! `/tmp/inbound-requests.json`.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::tf::emulator::{lro_ms, ws_id, ArmClient, Emulator};
use crate::tf::{self, demo_config, demo_workspace, example, has, Workspace};

/// The access resource and `n` rules `52.1.<i>.0/24`, created after it.
const RULES: &str = r#"
variable "n" {
  type    = number
  default = 200
}

resource "aml_workspace_network_access" "demo" {
  workspace_id          = "WSID"
  public_network_access = "Enabled"
  default_action        = "Deny"
}

resource "aml_network_rule" "r" {
  for_each     = toset([for i in range(var.n) : "52.1.${i}.0/24"])
  workspace_id = aml_workspace_network_access.demo.workspace_id
  ip_address   = each.value
}
"#;

fn rules_of(emu: &Emulator) -> Vec<String> {
    let doc = emu.resource(&ws_id(emu));
    doc.pointer("/properties/networkAcls/ipRules")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r["value"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn managed(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("52.1.{i}.0/24")).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Workspace writes (PUT/PATCH/DELETE/POST) the emulator handled since the last reset.
fn workspace_writes(emu: &Emulator) -> u64 {
    emu.write_counts()
        .get(&ws_id(emu).to_ascii_lowercase())
        .copied()
        .unwrap_or(0)
}

/// Applies `vars`, printing and returning (workspace writes, wall time).
fn timed_apply(emu: &Emulator, ws: &Workspace, what: &str, vars: &[&str]) -> (u64, Duration) {
    emu.admin("DELETE", "counters", None);
    let mut args = vec!["apply", "-auto-approve", "-no-color"];
    args.extend_from_slice(vars);
    let t = Instant::now();
    ws.ok(&args);
    let took = t.elapsed();
    let writes = workspace_writes(emu);
    if std::env::var("AML_E2E_DUMP").is_ok() {
        let log = emu.admin("GET", "requests?limit=100000", None);
        std::fs::write(
            "/tmp/inbound-requests.json",
            serde_json::to_string_pretty(&log).unwrap(),
        )
        .unwrap();
    }
    eprintln!(
        "MEASURE {what}: {writes} workspace writes, {:.1} s (emulator LRO delay {} ms)",
        took.as_secs_f64(),
        lro_ms()
    );
    (writes, took)
}

#[test]
fn two_hundred_rules_in_one_apply_take_few_writes_and_destroy_restores_access() {
    let emu = Emulator::with_lro_delay(&[]);
    let before = emu.resource(&ws_id(&emu));
    let ws = demo_workspace(&emu, RULES);

    let (writes, _) = timed_apply(&emu, &ws, "200 rules + access, coalescing on", &[]);
    assert!(writes <= 25, "200 rules took {writes} workspace writes");
    assert_eq!(sorted(rules_of(&emu)), sorted(managed(0..200)));
    let doc = emu.resource(&ws_id(&emu));
    assert_eq!(doc["properties"]["networkAcls"]["defaultAction"], "Deny");
    ws.assert_no_changes();

    // Removing 50 removes exactly those.
    let (writes, _) = timed_apply(&emu, &ws, "remove 50 rules", &["-var", "n=150"]);
    assert!(
        writes <= 10,
        "removing 50 rules took {writes} workspace writes"
    );
    assert_eq!(sorted(rules_of(&emu)), sorted(managed(0..150)));
    ws.ok(&["plan", "-detailed-exitcode", "-no-color", "-var", "n=150"]);

    // Destroy puts the prior settings back (the seeded workspace had no default action: Allow).
    ws.ok(&["destroy", "-auto-approve", "-no-color", "-var", "n=150"]);
    let after = emu.resource(&ws_id(&emu));
    assert_eq!(rules_of(&emu), Vec::<String>::new());
    assert_eq!(
        after["properties"]["publicNetworkAccess"],
        before["properties"]["publicNetworkAccess"]
    );
    assert_eq!(after["properties"]["networkAcls"]["defaultAction"], "Allow");
}

#[test]
fn two_hundred_rules_without_coalescing_for_comparison() {
    let emu = Emulator::with_lro_delay(&[]);
    let mut ws = demo_workspace(&emu, RULES);
    ws.env("AML_COORDINATOR_COALESCE", "0");
    let (writes, _) = timed_apply(&emu, &ws, "200 rules + access, coalescing off", &[]);
    assert_eq!(writes, 201, "one write per rule and one for the access");
    assert_eq!(sorted(rules_of(&emu)), sorted(managed(0..200)));
    ws.assert_no_changes();
}

/// An ARM client for out-of-band writes, as another tool (az CLI) would make them.
struct OutOfBand {
    arm: ArmClient,
    url: String,
}

impl OutOfBand {
    fn new(emu: &Emulator) -> OutOfBand {
        OutOfBand {
            arm: emu.arm_client(),
            url: format!("{}{}?api-version=2026-07-15-preview", emu.url, ws_id(emu)),
        }
    }

    /// Adds an IP rule with GET + PATCH If-Match, retrying on 412 and 409 (a busy workspace).
    fn add_rule(&self, ip: &str) {
        for _ in 0..200 {
            let got = self.arm.get(&self.url).send().unwrap();
            let etag = got.headers()["etag"].to_str().unwrap().to_string();
            let doc: Value = got.json().unwrap();
            let mut acls = doc["properties"]
                .get("networkAcls")
                .cloned()
                .unwrap_or(json!({}));
            let mut rules = acls
                .get("ipRules")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            rules.push(json!({ "value": ip }));
            acls["ipRules"] = Value::Array(rules);
            let resp = self
                .arm
                .patch(&self.url)
                .header("If-Match", etag)
                .json(&json!({"properties": {"networkAcls": acls}}))
                .send()
                .unwrap();
            match resp.status().as_u16() {
                200 | 202 => return,
                409 | 412 | 429 => std::thread::sleep(Duration::from_millis(20)),
                s => panic!(
                    "out-of-band PATCH: {s}: {}",
                    resp.text().unwrap_or_default()
                ),
            }
        }
        panic!("out-of-band PATCH never succeeded");
    }
}

#[test]
fn out_of_band_rules_survive_and_drift_is_detected_and_imports_round_trip() {
    let emu = Emulator::with_lro_delay(&["--faults", "slow-lro=150ms"]);
    let ws = demo_workspace(&emu, RULES);
    let oob = OutOfBand::new(&emu);

    // A rule added by someone else while the apply runs is kept.
    let apply = {
        let dir_ws = &ws;
        std::thread::scope(|s| {
            let h = s.spawn(move || {
                dir_ws.run(&["apply", "-auto-approve", "-no-color", "-var", "n=60"])
            });
            let t = Instant::now();
            while rules_of(&emu).len() < 5 && t.elapsed() < Duration::from_secs(60) {
                std::thread::sleep(Duration::from_millis(10));
            }
            oob.add_rule("40.0.0.1");
            h.join().unwrap()
        })
    };
    assert!(apply.status.success(), "{}", tf::text(&apply));
    let rules = rules_of(&emu);
    assert!(
        rules.contains(&"40.0.0.1".to_string()),
        "the out-of-band rule was lost: {rules:?}"
    );
    assert_eq!(rules.len(), 61, "{rules:?}");
    ws.ok(&["plan", "-detailed-exitcode", "-no-color", "-var", "n=60"]);

    // A managed rule removed out of band is planned for re-creation.
    let id = ws_id(&emu);
    let mut doc = emu.resource(&id);
    let kept: Vec<Value> = rules_of(&emu)
        .into_iter()
        .filter(|r| r != "52.1.7.0/24")
        .map(|r| json!({ "value": r }))
        .collect();
    doc["properties"]["networkAcls"]["ipRules"] = Value::Array(kept);
    emu.put_resource(&id, doc);
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color", "-var", "n=60"]);
    let text = tf::text(&plan);
    assert_eq!(plan.status.code(), Some(2), "{text}");
    assert!(
        text.contains(r#"aml_network_rule.r["52.1.7.0/24"] will be created"#),
        "{text}"
    );
    assert!(
        text.contains("1 to add, 0 to change, 0 to destroy"),
        "{text}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color", "-var", "n=60"]);
    assert!(rules_of(&emu).contains(&"52.1.7.0/24".to_string()));

    // Managing the out-of-band rule: create says "already exists — import it"; import works.
    ws.write(
        "extra.tf",
        r#"
resource "aml_network_rule" "theirs" {
  workspace_id = aml_workspace_network_access.demo.workspace_id
  ip_address   = "40.0.0.1"
}
"#,
    );
    let failed = ws.fails(&["apply", "-auto-approve", "-no-color", "-var", "n=60"]);
    let rule_id = format!("{id}/networkRules/40.0.0.1");
    assert!(failed.contains("already exists"), "{failed}");
    assert!(
        has(&failed, &format!("terraform import <address> {rule_id}")),
        "{failed}"
    );
    ws.ok(&[
        "import",
        "-no-color",
        "-var",
        "n=60",
        "aml_network_rule.theirs",
        &rule_id,
    ]);
    ws.ok(&["plan", "-detailed-exitcode", "-no-color", "-var", "n=60"]);

    // A CIDR rule's ID (with %2F) imports back as it is, and so does the access resource.
    let show = ws.ok(&[
        "state",
        "show",
        "-no-color",
        r#"aml_network_rule.r["52.1.3.0/24"]"#,
    ]);
    let cidr_id = format!("{id}/networkRules/52.1.3.0%2F24");
    assert!(show.contains(&cidr_id), "{show}");
    ws.ok(&[
        "state",
        "rm",
        "-no-color",
        r#"aml_network_rule.r["52.1.3.0/24"]"#,
        "aml_workspace_network_access.demo",
    ]);
    ws.ok(&[
        "import",
        "-no-color",
        "-var",
        "n=60",
        r#"aml_network_rule.r["52.1.3.0/24"]"#,
        &cidr_id,
    ]);
    ws.ok(&[
        "import",
        "-no-color",
        "-var",
        "n=60",
        "aml_workspace_network_access.demo",
        &id,
    ]);
    ws.ok(&["plan", "-detailed-exitcode", "-no-color", "-var", "n=60"]);
    let show = ws.ok(&[
        "state",
        "show",
        "-no-color",
        "aml_workspace_network_access.demo",
    ]);
    assert!(has(&show, r#"prior_default_action = "Deny""#), "{show}");
}

#[test]
fn the_limit_of_200_is_enforced_at_apply_with_the_count() {
    let emu = Emulator::with_lro_delay(&[]);
    let id = ws_id(&emu);
    let mut doc = emu.resource(&id);
    let existing: Vec<Value> = (0..197)
        .map(|i| json!({ "value": format!("40.0.{i}.0/24") }))
        .collect();
    doc["properties"]["networkAcls"] = json!({"defaultAction": "Deny", "ipRules": existing});
    emu.put_resource(&id, doc);
    let ws = demo_workspace(
        &emu,
        r#"
resource "aml_network_rule" "r" {
  for_each     = toset([for i in range(5) : "52.2.${i}.0/24"])
  workspace_id = "WSID"
  ip_address   = each.value
}
"#,
    );
    let out = ws.fails(&["apply", "-auto-approve", "-no-color"]);
    let squashed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        squashed
            .matches("the workspace already has 200 IP rules, the limit is 200")
            .count(),
        2,
        "{out}"
    );
    assert_eq!(rules_of(&emu).len(), 200);
    let state = ws.ok(&["state", "list"]);
    assert_eq!(
        state
            .lines()
            .filter(|l| l.starts_with("aml_network_rule.r"))
            .count(),
        3,
        "{state}"
    );
}

#[test]
fn bad_inputs_fail_at_plan_with_their_message_and_warnings_are_shown() {
    let emu = Emulator::with_lro_delay(&[]);
    let ws = demo_workspace(
        &emu,
        r#"
resource "aml_network_rule" "v6" {
  workspace_id = "WSID"
  ip_address   = "2001:db8::1"
}
resource "aml_network_rule" "private" {
  workspace_id = "WSID"
  ip_address   = "10.1.2.3"
}
resource "aml_network_rule" "cgnat" {
  workspace_id = "WSID"
  ip_address   = "100.64.1.0/24"
}
resource "aml_network_rule" "docs" {
  workspace_id = "WSID"
  ip_address   = "198.51.100.7"
}
resource "aml_network_rule" "hostbits" {
  workspace_id = "WSID"
  ip_address   = "52.160.10.4/16"
}
resource "aml_network_rule" "garbage" {
  workspace_id = "WSID"
  ip_address   = "52.160.10"
}
resource "aml_network_rule" "bad_ws" {
  workspace_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa"
  ip_address   = "52.160.10.4"
}
resource "aml_workspace_network_access" "bad" {
  workspace_id          = "WSID"
  public_network_access = "enabled"
}
"#,
    );
    let out = ws.fails(&["plan", "-no-color"]);
    for needle in [
        "only IPv4 is supported",
        r#""10.1.2.3" is not a public address: it is in or covers 10.0.0.0/8 (private)"#,
        "100.64.0.0/10 (shared address space",
        "TEST-NET-2",
        "use the network address 52.160.0.0/16",
        r#""52.160.10" is not an IPv4 address or CIDR range"#,
        r#"ip_address   = "2001:db8::1""#,
        r#"workspace_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa""#,
        r#"Valid values are: "Enabled", "Disabled""#,
    ] {
        assert!(has(&out, needle), "missing {needle:?} in:\n{out}");
    }
    assert_eq!(
        out.matches("Error: Invalid attribute value").count(),
        8,
        "{out}"
    );
    assert_eq!(workspace_writes(&emu), 0);

    // Default action with public access disabled: a plan warning on the attribute.
    let ws = demo_workspace(
        &emu,
        r#"
resource "aml_workspace_network_access" "demo" {
  workspace_id          = "WSID"
  public_network_access = "Disabled"
  default_action        = "Deny"
}
"#,
    );
    let out = ws.ok(&["plan", "-no-color"]);
    assert!(
        out.contains("Warning: default_action has no effect while public access is Disabled"),
        "{out}"
    );

    // A rule on a workspace whose default action is Allow: an apply-time warning.
    let ws = demo_workspace(
        &emu,
        r#"
resource "aml_network_rule" "open" {
  workspace_id = "WSID"
  ip_address   = "52.3.0.0/16"
}
"#,
    );
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(
        out.contains("Warning: The IP rule has no effect yet"),
        "{out}"
    );
    assert!(has(&out, "default action is Allow"), "{out}");
}

#[test]
fn injected_faults_change_no_outcome() {
    // 10 % of workspace requests fail: throttling, server errors and precondition failures.
    let emu = Emulator::with_lro_delay(&["--faults", "seed=11,429=0.03,500=0.02,503=0.02,412=0.03,retry-after=0,retry-after-ms=50,paths=*/workspaces/*"]);
    let ws = demo_workspace(&emu, RULES);
    ws.ok(&["apply", "-auto-approve", "-no-color", "-var", "n=80"]);
    assert_eq!(sorted(rules_of(&emu)), sorted(managed(0..80)));
    ws.ok(&["plan", "-detailed-exitcode", "-no-color", "-var", "n=80"]);
    ws.ok(&["apply", "-auto-approve", "-no-color", "-var", "n=40"]);
    assert_eq!(sorted(rules_of(&emu)), sorted(managed(0..40)));
    ws.ok(&["destroy", "-auto-approve", "-no-color", "-var", "n=40"]);
    assert_eq!(rules_of(&emu), Vec::<String>::new());
    let log = emu.admin("GET", "requests?limit=100000", None);
    let faulted: Vec<String> = log["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            r["fault"]
                .as_str()
                .map(|f| format!("{} {f}", r["method"].as_str().unwrap_or("")))
        })
        .collect();
    eprintln!("faults injected: {faulted:?}");
    assert!(
        faulted.iter().any(|f| f == "PATCH Precondition"),
        "no 412 was injected: {faulted:?}"
    );
    assert!(faulted.len() >= 4, "{faulted:?}");
}

#[test]
fn the_inbound_access_example_applies_against_the_emulator() {
    let emu = Emulator::with_lro_delay(&[]);
    let ws = Workspace::against(
        &emu,
        &example("inbound-access")
            .replace("00000000-0000-4000-8000-00000000a3b1", emu.subscription()),
    );
    ws.init();
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = ws.outputs();
    assert_eq!(
        out["ip_rules"]["value"],
        json!(["20.42.0.0/24", "40.112.0.0/16", "52.160.10.4"])
    );
    assert_eq!(out["default_action"]["value"], "Deny");
    ws.assert_no_changes();
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert_eq!(rules_of(&emu), Vec::<String>::new());
}

#[test]
fn access_changes_in_place_and_out_of_band_changes_are_drift() {
    let emu = Emulator::with_lro_delay(&[]);
    let id = ws_id(&emu);
    let config = |action: &str| {
        format!(
            r#"
resource "aml_workspace_network_access" "demo" {{
  workspace_id          = "WSID"
  public_network_access = "Enabled"
  default_action        = "{action}"
}}
"#
        )
    };
    let ws = demo_workspace(&emu, &config("Deny"));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.resource(&id)["properties"]["networkAcls"]["defaultAction"],
        "Deny"
    );

    // Changing the default action updates in place and keeps the recorded prior settings.
    ws.write("main.tf", &demo_config(&emu, &config("Allow")));
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(plan.contains("will be updated in-place"), "{plan}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.resource(&id)["properties"]["networkAcls"]["defaultAction"],
        "Allow"
    );
    let show = ws.ok(&[
        "state",
        "show",
        "-no-color",
        "aml_workspace_network_access.demo",
    ]);
    assert!(
        has(&show, r#"prior_default_action = "Allow""#)
            && has(&show, r#"prior_public_network_access = "Enabled""#),
        "{show}"
    );

    // Someone disables public access: the plan puts it back.
    let mut doc = emu.resource(&id);
    doc["properties"]["publicNetworkAccess"] = json!("Disabled");
    emu.put_resource(&id, doc);
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    let text = tf::text(&plan);
    assert_eq!(plan.status.code(), Some(2), "{text}");
    assert!(
        has(
            &text,
            r#"~ public_network_access = "Disabled" -> "Enabled""#
        ),
        "{text}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.resource(&id)["properties"]["publicNetworkAccess"],
        "Enabled"
    );
    ws.assert_no_changes();
}
