//! End-to-end: `aml_workspace_image_build` against the emulator: apply, an empty second plan, an
//! in-place change, drift, destroy restoring the prior compute, import; the plan-time warnings
//! (missing compute, non-Premium registry, registry that cannot be read) with their negatives;
//! and an ARM ID where a compute name is expected failing at plan on the attribute.

use serde_json::json;

use crate::tf::emulator::{rg, ws_id, Emulator};
use crate::tf::{self, demo_config, demo_workspace, has};

const COMPUTE_TYPE: &str = "Microsoft.MachineLearningServices/workspaces/computes";

/// Seeds a compute cluster `name` in the default workspace, out of band.
fn seed_compute(emu: &Emulator, name: &str) {
    let id = format!("{}/computes/{name}", ws_id(emu));
    emu.put_resource(
        &id,
        json!({"id": id, "name": name, "type": COMPUTE_TYPE, "location": "eastus",
               "properties": {"computeType": "AmlCompute"}}),
    );
}

/// Sets the default workspace's `imageBuildCompute` out of band.
fn set_remote(emu: &Emulator, value: &str) {
    let id = ws_id(emu);
    let mut doc = emu.resource(&id);
    doc["properties"]["imageBuildCompute"] = json!(value);
    emu.put_resource(&id, doc);
}

fn remote(emu: &Emulator) -> serde_json::Value {
    emu.resource(&ws_id(emu))["properties"]["imageBuildCompute"].clone()
}

fn config(compute: &str) -> String {
    format!(
        r#"
resource "aml_workspace_image_build" "b" {{
  workspace_id = "WSID"
  compute_name = "{compute}"
}}
"#
    )
}

const MISSING: &str = "does not exist in the workspace";
const NOT_PREMIUM: &str = "not Premium";
const NOT_CHECKED: &str = "Could not check the SKU";

#[test]
fn applies_changes_in_place_detects_drift_restores_on_destroy_and_imports() {
    let emu = Emulator::with_lro_delay(&[]);
    let id = ws_id(&emu);
    seed_compute(&emu, "img-a");
    seed_compute(&emu, "img-b");
    set_remote(&emu, "prior-cluster");

    let ws = demo_workspace(&emu, &config("img-a"));
    // The compute exists and the default registry is Premium: no warning.
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(
        !has(&plan, MISSING) && !has(&plan, NOT_PREMIUM) && !has(&plan, NOT_CHECKED),
        "{plan}"
    );
    assert!(!plan.contains("Warning"), "{plan}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(remote(&emu), "img-a");
    ws.assert_no_changes();
    let show = ws.ok(&["state", "show", "-no-color", "aml_workspace_image_build.b"]);
    assert!(
        has(&show, r#"prior_compute_name = "prior-cluster""#),
        "{show}"
    );
    assert!(has(&show, &format!(r#"id = "{id}""#)), "{show}");

    // Another compute: an in-place update that keeps the recorded prior value.
    ws.write("main.tf", &demo_config(&emu, &config("img-b")));
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(plan.contains("will be updated in-place"), "{plan}");
    assert!(
        has(&plan, r#"~ compute_name = "img-a" -> "img-b""#),
        "{plan}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(remote(&emu), "img-b");
    ws.assert_no_changes();

    // Someone changes the setting out of band: the plan shows it and apply puts it back.
    set_remote(&emu, "someone-elses");
    let out = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    let text = tf::text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        has(&text, r#"~ compute_name = "someone-elses" -> "img-b""#),
        "{text}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(remote(&emu), "img-b");
    // Cleared out of band (builds in the registry again): also drift.
    set_remote(&emu, "");
    let out = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    let text = tf::text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(has(&text, r#"+ compute_name = "img-b""#), "{text}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    ws.assert_no_changes();

    // Destroy puts back what was there before the resource.
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert_eq!(remote(&emu), "prior-cluster");
    // The rest of the workspace is untouched.
    assert_eq!(
        emu.resource(&id)["properties"]["publicNetworkAccess"],
        "Enabled"
    );

    // Import by workspace ID: the compute found becomes the prior value, the plan is empty, and
    // destroy leaves the workspace as it was at import.
    set_remote(&emu, "img-b");
    ws.ok(&["import", "-no-color", "aml_workspace_image_build.b", &id]);
    ws.assert_no_changes();
    let show = ws.ok(&["state", "show", "-no-color", "aml_workspace_image_build.b"]);
    assert!(has(&show, r#"prior_compute_name = "img-b""#), "{show}");
    assert!(has(&show, r#"compute_name = "img-b""#), "{show}");
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert_eq!(remote(&emu), "img-b");

    // A bad import ID fails with the expected form.
    let out = ws.fails(&[
        "import",
        "-no-color",
        "aml_workspace_image_build.b",
        &rg(&emu),
    ]);
    assert!(has(&out, "Expected a workspace ARM ID"), "{out}");
}

#[test]
fn a_workspace_without_an_image_build_compute_gets_the_registry_back_on_destroy() {
    let emu = Emulator::with_lro_delay(&[]);
    seed_compute(&emu, "img-a");
    assert!(
        remote(&emu).is_null(),
        "the default world has no image build compute"
    );
    let ws = demo_workspace(&emu, &config("img-a"));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    // (`state show` prints an empty string as null; the state itself holds `""`.)
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path("terraform.tfstate")).unwrap())
            .unwrap();
    let attrs = &state["resources"][0]["instances"][0]["attributes"];
    assert_eq!(attrs["prior_compute_name"], "", "{state}");
    ws.assert_no_changes();
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    // `''` is the service's "build in the registry" value.
    assert_eq!(remote(&emu), "");
}

#[test]
fn plan_warns_about_a_missing_compute_and_a_registry_that_is_not_premium() {
    let emu = Emulator::start(&[]);
    let acr = format!(
        "{}/providers/Microsoft.ContainerRegistry/registries/acramldemo",
        rg(&emu)
    );
    let mut registry = emu.resource(&acr);
    registry["sku"] = json!({"name": "Basic", "tier": "Basic"});
    emu.put_resource(&acr, registry);

    let ws = demo_workspace(&emu, &config("no-such-compute"));
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(
        has(
            &plan,
            r#"Compute "no-such-compute" does not exist in the workspace"#
        ),
        "{plan}"
    );
    assert!(
        has(
            &plan,
            "The workspace's container registry is Basic, not Premium"
        ),
        "{plan}"
    );
    assert!(has(&plan, "az acr update"), "{plan}");
    // Each warning points at its attribute: Terraform quotes the configuration line under it.
    let after = |summary: &str| {
        let squashed = plan.split_whitespace().collect::<Vec<_>>().join(" ");
        let at = squashed
            .find(summary)
            .unwrap_or_else(|| panic!("{summary}: {plan}"));
        squashed[at..].chars().take(400).collect::<String>()
    };
    let compute_warning = after("does not exist in the workspace");
    assert!(
        compute_warning.contains(r#"compute_name = "no-such-compute""#),
        "{compute_warning}"
    );
    let registry_warning = after("is Basic, not Premium");
    assert!(
        registry_warning.contains("workspace_id = \""),
        "{registry_warning}"
    );
    assert!(plan.contains("will be created"), "{plan}");

    // Both fixed: no warning.
    seed_compute(&emu, "no-such-compute");
    let mut registry = emu.resource(&acr);
    registry["sku"] = json!({"name": "Premium", "tier": "Premium"});
    emu.put_resource(&acr, registry);
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(
        !has(&plan, MISSING) && !has(&plan, NOT_PREMIUM) && !has(&plan, NOT_CHECKED),
        "{plan}"
    );

    // A registry that cannot be read (gone: 404) is a warning that it was not checked, never a
    // failure.
    emu.admin("DELETE", &format!("resources{acr}"), None);
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(
        has(
            &plan,
            "Could not check the SKU of the workspace's container registry"
        ),
        "{plan}"
    );
    assert!(has(&plan, "was not found (404)"), "{plan}");
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(remote(&emu), "no-such-compute");
}

#[test]
fn a_compute_id_where_a_name_is_expected_fails_at_plan_on_the_attribute() {
    let emu = Emulator::start(&[]);
    let compute_id = format!("{}/computes/cpu-cluster", ws_id(&emu));
    let ws = demo_workspace(&emu, &config(&compute_id));
    let out = ws.fails(&["plan", "-no-color"]);
    assert!(has(&out, "Invalid attribute value"), "{out}");
    assert!(has(&out, r#"Set compute_name = "cpu-cluster"."#), "{out}");
    assert!(
        has(&out, r#"in resource "aml_workspace_image_build" "b""#),
        "{out}"
    );
    assert!(
        has(&out, &format!(r#"compute_name = "{compute_id}""#)),
        "{out}"
    );
    // Nothing was written.
    assert!(remote(&emu).is_null());
}
