//! Every runnable example under `examples/` (a folder with a `main.tf`) applies against the
//! emulator's default world, plans no changes afterwards, and destroys cleanly: what a user copies
//! from the docs works, and nothing drifts right after an apply.

use crate::tf::emulator::Emulator;
use crate::tf::{example, examples_dir, Workspace};

fn run_example(name: &str) {
    eprintln!("examples/{name}");
    let dir = examples_dir().join(name);
    let emu = Emulator::start(&[]);
    let ws = Workspace::against(&emu, &example(name));
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().to_string();
        if file.ends_with(".tf") && file != "main.tf" {
            ws.write(&file, &std::fs::read_to_string(entry.path()).unwrap());
        }
    }
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
