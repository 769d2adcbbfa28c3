//! Replays the committed fuzz corpus of the routing target (`fuzz/corpus/emulator_route/` at the
//! repository root) and any local crash files (`fuzz/artifacts/emulator_route/`) through the same
//! body the `cargo fuzz` target calls (`aml_arm_emulator::fuzzing::route`), on the stable
//! toolchain. A corpus file that panics here is a regression.

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for dir in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        files.extend(entries.map(|e| e.expect("a directory entry").path()));
    }
    files.sort();
    files
}

#[test]
fn emulator_route_corpus() {
    let files = inputs("emulator_route");
    assert!(
        files.len() >= 10,
        "fuzz/corpus/emulator_route has {} files: the committed corpus is missing",
        files.len()
    );
    for f in &files {
        let data = std::fs::read(f).expect("a corpus file reads");
        let outcome = std::panic::catch_unwind(|| aml_arm_emulator::fuzzing::route(&data));
        assert!(outcome.is_ok(), "emulator_route: {} fails", f.display());
    }
}
