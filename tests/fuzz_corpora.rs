//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) and any local crash files
//! (`fuzz/artifacts/<target>/`) through the same target bodies the `cargo fuzz` targets call
//! (`terraform_provider_aml::fuzzing`), on the stable toolchain. A corpus file that panics here
//! is a regression. The emulator's routing target is replayed by `emulator/tests/fuzz_corpora.rs`.

use std::path::{Path, PathBuf};

use terraform_provider_aml::fuzzing;

/// Every file of the target's corpus and artifacts, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
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

fn replay(target: &str, body: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        files.len() >= 10,
        "fuzz/corpus/{target} has {} files: the committed corpus is missing",
        files.len()
    );
    for f in &files {
        let data = std::fs::read(f).expect("a corpus file reads");
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{target}: {} fails", f.display());
    }
}

#[test]
fn cty_msgpack_corpus() {
    replay("cty_msgpack", fuzzing::cty_msgpack);
}

#[test]
fn cty_json_corpus() {
    replay("cty_json", fuzzing::cty_json);
}

#[test]
fn arm_ids_corpus() {
    replay("arm_ids", fuzzing::arm_ids);
}

#[test]
fn validators_corpus() {
    replay("validators", fuzzing::validators);
}
