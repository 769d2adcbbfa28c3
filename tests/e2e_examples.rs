//! Every runnable example under `examples/` (a folder with a `main.tf`) applies against the
//! emulator's default world, plans no changes afterwards, and destroys cleanly: what a user copies
//! from the docs works, and nothing drifts right after an apply.

mod tf;

use std::path::Path;

use tf::emulator::Emulator;
use tf::Workspace;

fn run_example(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let main_tf = std::fs::read_to_string(dir.join("main.tf")).expect("main.tf");
    let emu = Emulator::start(&[]);
    let mut ws = Workspace::new(&main_tf);
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().to_string();
        if file.ends_with(".tf") && file != "main.tf" {
            ws.write(&file, &std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    for (k, v) in &emu.env {
        ws.env(k, v);
    }
    ws.init();
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    let out = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "examples/{name}: the plan after apply is not empty:\n{}",
        tf::text(&out)
    );
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn every_example_applies_plans_clean_and_destroys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
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
