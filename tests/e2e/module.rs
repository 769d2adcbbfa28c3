//! The secure-workspace module (`modules/secure-workspace`): its `terraform test` suite runs
//! through `aml-arm-emulator exec` with the provider from the harness's mirror, passes, passes
//! again under 10 % injected faults, and the provider's plan-time errors of `tests/plan_errors`
//! each fail their plan with the error they name; the module's README lists every variable and
//! output; the complete example `examples/secure-workspace` and the module's own example apply,
//! plan clean and destroy.

use std::path::PathBuf;
use std::time::Instant;

use crate::tf::emulator::{emulator_bin, lro_ms, Emulator};
use crate::tf::{copy_tree, example, has, repo_dir, terraform_bin, text, Workspace};

fn module_dir() -> PathBuf {
    repo_dir().join("modules/secure-workspace")
}

/// The names declared as `<kind> "<name>"` at the start of a line of `file`.
fn declared(file: &str, kind: &str) -> Vec<String> {
    std::fs::read_to_string(module_dir().join(file))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{kind} \"")))
        .filter_map(|l| l.split('"').next())
        .map(str::to_string)
        .collect()
}

/// The `run` blocks of the test files directly in `dir` (what `terraform test` runs there).
fn run_blocks(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tftest.hcl"))
        .map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap()
                .lines()
                .filter(|l| l.starts_with("run \""))
                .count()
        })
        .sum()
}

/// The module as a root module in a workspace with the provider installed, initialised.
fn module_workspace() -> Workspace {
    let ws = Workspace::new(&std::fs::read_to_string(module_dir().join("main.tf")).unwrap());
    copy_tree(&module_dir(), &ws.work());
    ws.init();
    ws
}

/// `aml-arm-emulator exec --seed tests/world.json [emulator args] -- terraform test [args]` in
/// the module: its output, whether it succeeded, and its wall time in seconds.
fn exec_terraform_test(ws: &Workspace, emulator: &[&str], test: &[&str]) -> (String, bool, f64) {
    let lro = lro_ms();
    let start = Instant::now();
    let out = ws
        .command(emulator_bin())
        .args(["exec", "--seed", "tests/world.json", "--lro-delay-ms", &lro])
        .args(emulator)
        .arg("--")
        .arg(terraform_bin())
        .args(["test", "-no-color"])
        .args(test)
        .output()
        .expect("run aml-arm-emulator exec");
    (
        text(&out),
        out.status.success(),
        start.elapsed().as_secs_f64(),
    )
}

#[test]
fn the_module_readme_lists_every_variable_and_output() {
    let readme = std::fs::read_to_string(module_dir().join("README.md")).unwrap();
    let variables = declared("variables.tf", "variable");
    let outputs = declared("outputs.tf", "output");
    assert!(
        variables.len() >= 7 && outputs.len() >= 8,
        "{variables:?} {outputs:?}"
    );
    for name in variables.iter().chain(&outputs) {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "modules/secure-workspace/README.md has no row for `{name}`"
        );
    }
    // And no row for something that no longer exists.
    for line in readme.lines().filter(|l| l.starts_with("| `")) {
        let name = line.trim_start_matches("| `").split('`').next().unwrap();
        if name.ends_with(".tftest.hcl") || name.ends_with("*.tftest.hcl") {
            assert!(
                name.contains('*') || module_dir().join("tests").join(name).exists(),
                "README lists a missing test file {name}"
            );
            continue;
        }
        assert!(
            variables.iter().chain(&outputs).any(|n| n == name),
            "README lists `{name}`, which is neither a variable nor an output"
        );
    }
    // Every variable is typed and described.
    let text = std::fs::read_to_string(module_dir().join("variables.tf")).unwrap();
    for block in text.split("\nvariable \"").skip(1) {
        let name = block.split('"').next().unwrap();
        assert!(block.contains("\n  type "), "variable {name} has no type");
        assert!(
            block.contains("\n  description "),
            "variable {name} has no description"
        );
    }
}

/// The whole suite through `exec`, then again under about 10 % injected faults (429, 500 and
/// 503 on ARM requests): every run passes both times. Prints the wall times.
#[test]
fn the_module_suite_passes_through_exec_also_under_faults() {
    let ws = module_workspace();
    let runs = run_blocks(&module_dir().join("tests"));
    assert!(runs >= 10, "the scenarios of the suite: {runs}");

    let (out, ok, secs) = exec_terraform_test(&ws, &[], &[]);
    assert!(ok, "terraform test through exec failed:\n{out}");
    assert!(
        out.contains(&format!("Success! {runs} passed, 0 failed.")),
        "every run of the suite ran and passed:\n{out}"
    );
    eprintln!("secure-workspace suite: {runs} runs passed in {secs:.1} s");

    let seed = std::process::id() % 1000;
    let faults = format!("seed={seed},429=0.04,500=0.03,503=0.03");
    let (out, ok, secs) = exec_terraform_test(&ws, &["--faults", &faults], &[]);
    assert!(ok, "terraform test under --faults {faults} failed:\n{out}");
    assert!(
        out.contains(&format!("Success! {runs} passed, 0 failed.")),
        "{out}"
    );
    let summary = out
        .lines()
        .find_map(|l| l.strip_prefix("aml-arm-emulator exec: "))
        .unwrap_or_else(|| panic!("no fault summary in:\n{out}"));
    let injected: u64 = summary
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(injected > 0, "faults were injected:\n{out}");
    eprintln!(
        "secure-workspace suite under --faults {faults}: {runs} runs passed in {secs:.1} s ({summary})"
    );
}

/// Each file of `tests/plan_errors` names its expected error on its first line; its plan fails
/// with that error against the emulator (Terraform 1.11's expect_failures cannot name a
/// provider's error). The mock-provider file of the suite passes the same input.
#[test]
fn the_providers_plan_errors_fail_their_plans() {
    let ws = module_workspace();
    let dir = module_dir().join("tests/plan_errors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tftest.hcl"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    for file in files {
        let content = std::fs::read_to_string(dir.join(&file)).unwrap();
        let expected = content
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# Expected error: "))
            .unwrap_or_else(|| panic!("{file}: no `# Expected error:` first line"));
        let filter = format!("-filter=tests/plan_errors/{file}");
        let (out, ok, _) = exec_terraform_test(
            &ws,
            &[],
            &["-test-directory=tests/plan_errors", filter.as_str()],
        );
        assert!(!ok, "{file}: the plan passed:\n{out}");
        assert!(
            has(&out, expected),
            "{file}: not the expected error {expected:?}:\n{out}"
        );
        assert!(out.contains("0 passed, 1 failed."), "{file}:\n{out}");
    }
    // The same input under mock_provider: no error (no emulator involved).
    let out = ws.ok(&[
        "test",
        "-no-color",
        "-filter=tests/mock_provider.tftest.hcl",
    ]);
    assert!(out.contains("Success! 2 passed, 0 failed."), "{out}");
}

/// The module's complete example against the default world: apply, no changes, the outputs
/// (private endpoint addresses in the subnet, both zones, an active network with its rules, a
/// private online endpoint), destroy.
#[test]
fn the_complete_example_applies_plans_clean_and_destroys() {
    let emu = Emulator::with_lro_delay(&[]);
    let ws = Workspace::against(&emu, &example("secure-workspace"));
    ws.vendor_modules();
    ws.init();
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    ws.assert_no_changes();
    let out = ws.outputs();
    let ips = out["private_endpoint_ips"]["value"]["corp"]
        .as_array()
        .unwrap();
    assert!(
        !ips.is_empty()
            && ips
                .iter()
                .all(|ip| ip.as_str().unwrap().starts_with("10.0.1.")),
        "{out}"
    );
    assert_eq!(
        out["private_dns_zone_ids"]["value"]
            .as_object()
            .unwrap()
            .len(),
        2,
        "{out}"
    );
    assert_eq!(out["managed_network_status"]["value"], "Active");
    let rules = out["outbound_rule_statuses"]["value"].as_object().unwrap();
    assert!(rules.len() > 20, "{out}");
    assert!(rules.values().all(|s| s == "Active"), "{out}");
    let endpoint = &out["online_endpoints"]["value"]["score-secure"];
    assert_eq!(endpoint["public_network_access"], "Disabled");
    assert_eq!(endpoint["provisioning_state"], "Succeeded");
    // The isolation check of the secured workspace, printed by the example: no error (the gate
    // let the apply pass), only the default world's open dependencies (the module does not
    // manage them), one warning each; the VS Code preset's storage host is no AML-MN-002.
    assert_eq!(out["isolated"]["value"], false, "{out}");
    let findings: Vec<&str> = out["isolation_findings"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(findings.len(), 3, "{findings:#?}");
    for (f, dep) in findings
        .iter()
        .zip(["container registry", "key vault", "storage account"])
    {
        assert!(
            f.starts_with("warning AML-DEP-001: ") && f.contains(dep),
            "{findings:#?}"
        );
    }
    let ws_doc = emu.resource(&crate::tf::emulator::ws_id(&emu));
    assert_eq!(ws_doc["properties"]["publicNetworkAccess"], "Disabled");
    assert_eq!(
        ws_doc["properties"]["managedNetwork"]["isolationMode"],
        "AllowOnlyApprovedOutbound"
    );
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.resource(&crate::tf::emulator::ws_id(&emu))["properties"]["publicNetworkAccess"],
        "Enabled",
        "destroy restores the prior public access"
    );
}

/// The module's own example (`modules/secure-workspace/examples/private-link`) against the
/// default world: apply, no changes, an address in the subnet for the endpoint, destroy.
#[test]
fn the_module_example_applies_plans_clean_and_destroys() {
    let emu = Emulator::with_lro_delay(&[]);
    let dir = module_dir().join("examples/private-link");
    let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    assert!(main.contains("source = \"../..\""), "{main}");
    let ws = Workspace::against(
        &emu,
        &main.replace("source = \"../..\"", "source = \"./secure-workspace\""),
    );
    copy_tree(&module_dir(), &ws.work().join("secure-workspace"));
    ws.init();
    let wsid = format!("-var=workspace_id={}", crate::tf::emulator::ws_id(&emu));
    let subnet = format!(
        "-var=subnet_id={}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe",
        crate::tf::emulator::rg(&emu)
    );
    ws.ok(&["apply", "-auto-approve", "-no-color", &wsid, &subnet]);
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color", &wsid, &subnet]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let out = ws.outputs();
    let ips = out["private_endpoint_ips"]["value"]["main"]
        .as_array()
        .unwrap();
    assert!(
        !ips.is_empty()
            && ips
                .iter()
                .all(|ip| ip.as_str().unwrap().starts_with("10.0.1.")),
        "{out}"
    );
    assert!(
        out["dns_records"]["value"].as_object().unwrap().len() >= 2,
        "{out}"
    );
    ws.ok(&["destroy", "-auto-approve", "-no-color", &wsid, &subnet]);
}

/// The module's isolation gate with the real `terraform`, outside `terraform test`: a private
/// endpoint awaiting manual approval (AML-PE-001, an error). With `fail_on_isolation_errors`
/// (the default) the apply creates the endpoint, then fails with the finding and its fix (exit
/// 1), and the next plan fails the same way (nothing changes, so the data source is read at
/// plan): a pipeline stops. With the gate off, apply and plan exit 0 and the `isolation` check
/// block only warns; with the code in `isolation_ignore`, nothing is reported.
#[test]
fn the_isolation_gate_fails_apply_and_plan_and_the_check_only_warns() {
    let emu = Emulator::with_lro_delay(&[]);
    let subnet = format!(
        "{}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe",
        crate::tf::emulator::rg(&emu)
    );
    let config = format!(
        r#"
terraform {{
  required_providers {{
    aml = {{ source = "secure-ml/aml" }}
  }}
}}

provider "aml" {{}}

variable "gate" {{
  type    = bool
  default = true
}}

variable "ignore" {{
  type    = list(string)
  default = []
}}

module "secure_workspace" {{
  source       = "./modules/secure-workspace"
  workspace_id = "{ws}"
  private_endpoints = {{
    partner = {{
      subnet_id         = "{subnet}"
      manual_connection = true
      request_message   = "Partner team: access to the workspace"
    }}
  }}
  fail_on_isolation_errors = var.gate
  isolation_ignore         = var.ignore
}}

output "isolation_errors" {{
  value = module.secure_workspace.isolation_errors
}}
"#,
        ws = crate::tf::emulator::ws_id(&emu),
    );
    let ws = Workspace::against(&emu, &config);
    copy_tree(&module_dir(), &ws.work().join("modules/secure-workspace"));
    ws.init();

    let gate_failed = |out: &str| {
        has(out, "Error: Resource postcondition failed")
            && has(out, "The workspace is not isolated")
            && has(out, "AML-PE-001")
            && has(out, "is Pending")
            && has(out, "Fix: Approve the connection")
    };
    let apply = ws.run(&["apply", "-auto-approve", "-no-color"]);
    let out = text(&apply);
    assert_eq!(apply.status.code(), Some(1), "{out}");
    assert!(
        gate_failed(&out),
        "the apply reports the finding:
{out}"
    );
    assert!(
        has(
            &out,
            "module.secure_workspace.aml_private_endpoint.this[\"partner\"]: Creation complete"
        ),
        "the data source is read after the endpoint:
{out}"
    );
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    let out = text(&plan);
    assert_eq!(plan.status.code(), Some(1), "{out}");
    assert!(
        gate_failed(&out),
        "the next plan fails too:
{out}"
    );

    // The gate off: the check block warns, the run succeeds.
    let apply = ws.ok(&["apply", "-auto-approve", "-no-color", "-var=gate=false"]);
    assert!(!has(&apply, "Error:"), "{apply}");
    assert!(
        has(&apply, "Warning: Check block assertion failed") && has(&apply, "AML-PE-001"),
        "the check block warns with the finding:
{apply}"
    );
    let errors = ws.outputs()["isolation_errors"]["value"].clone();
    assert!(
        errors.as_array().unwrap().len() == 1
            && errors[0].as_str().unwrap().starts_with("AML-PE-001 "),
        "{errors}"
    );
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color", "-var=gate=false"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));

    // The code accepted, with the gate on: the plan passes, and only the output loses the
    // finding (exit code 2 for the output change, no resource changes).
    let ignore = "-var=ignore=[\"AML-PE-001\"]";
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color", ignore]);
    let out = text(&plan);
    assert_eq!(plan.status.code(), Some(2), "{out}");
    assert!(
        !has(&out, "Error:")
            && !has(&out, "Warning: Check block")
            && has(&out, "without changing any real infrastructure"),
        "{out}"
    );
    let apply = ws.ok(&["apply", "-auto-approve", "-no-color", ignore]);
    assert!(
        !has(&apply, "Error:") && !has(&apply, "Warning: Check block"),
        "{apply}"
    );
    assert_eq!(
        ws.outputs()["isolation_errors"]["value"],
        serde_json::json!([])
    );
    ws.ok(&["destroy", "-auto-approve", "-no-color", "-var=gate=false"]);
}
