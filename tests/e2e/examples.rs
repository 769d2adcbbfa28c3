//! Every runnable example under `examples/` (a folder with a `main.tf`) applies against the
//! emulator's default world, plans no changes afterwards, and destroys cleanly: what a user copies
//! from the docs works, and nothing drifts right after an apply.

use crate::tf::emulator::Emulator;
use crate::tf::{example, examples_dir, Workspace};

fn run_example(name: &str) {
    eprintln!("examples/{name}");
    let emu = Emulator::start(&[]);
    let ws = Workspace::against(&emu, &example(name));
    ws.vendor_modules();
    ws.add_example_files(name);
    ws.init();
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    ws.assert_no_changes();
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn every_example_applies_plans_clean_and_destroys() {
    let root = examples_dir();
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("main.tf").exists())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(
        names.len() >= 4,
        "expected the runnable examples, found {names:?}"
    );
    for name in names {
        run_example(&name);
    }
}

/// The secured online endpoint example end to end: apply, no changes, the endpoint private and
/// scoring through its URI, import into a fresh state plans clean, an out-of-band change to the
/// endpoint's public access is drift that the next apply puts back, and destroy removes it.
#[test]
fn the_secure_online_endpoint_example_imports_and_corrects_drift() {
    let emu = Emulator::start(&[]);
    let ws = Workspace::against(&emu, &example("secure-online-endpoint"));
    ws.init();
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    ws.assert_no_changes();
    let out = ws.outputs();
    assert_eq!(out["managed_network_status"]["value"], "Active");
    let endpoint = &out["endpoint"]["value"];
    assert_eq!(endpoint["public_network_access"], "Disabled");
    assert_eq!(endpoint["provisioning_state"], "Succeeded");
    let id = endpoint["id"].as_str().unwrap().to_string();
    assert!(
        out["scoring_uri"]["value"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://score-secure.")),
        "{out}"
    );

    // Import: forget the endpoint, import it by ID, and nothing is left to change.
    ws.ok(&["state", "rm", "aml_online_endpoint.score"]);
    ws.ok(&["import", "-no-color", "aml_online_endpoint.score", &id]);
    ws.assert_no_changes();

    // Drift: someone opens the endpoint to the internet; the plan sees it and apply closes it.
    let mut doc = emu.resource(&id);
    doc["properties"]["publicNetworkAccess"] = serde_json::json!("Enabled");
    emu.put_resource(&id, doc);
    let plan = ws.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains(r#"~ public_network_access = "Enabled" -> "Disabled""#),
        "{plan}"
    );
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        emu.resource(&id)["properties"]["publicNetworkAccess"],
        "Disabled"
    );
    ws.assert_no_changes();

    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(
        !emu.resource_ids()
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&id)),
        "the endpoint is gone"
    );
}
