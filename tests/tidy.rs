//! Architecture invariants, checked on the source text: each boundary has one owner.
//! - gRPC and protobuf (`tonic`, `prost`) only in `src/tfplugin/` (and the thin `src/main.rs`);
//! - HTTP (`reqwest`, `hyper`, `azure_core`, `azure_identity`) only in `src/arm/`;
//! - the ARM client knows nothing of Terraform, the protocol layer nothing of Azure;
//! - resources, data sources and functions use neither gRPC nor HTTP;
//! - nothing prints to stdout (it carries the plugin handshake);
//! - the emulator does not depend on the provider crate.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .filter(|(_, l)| !l.starts_with("//"))
        .collect()
}

fn check(area: &str, forbidden: &[&str], allowed: impl Fn(&str) -> bool) -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut found = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if allowed(&rel) {
            continue;
        }
        for (n, line) in code_lines(&f) {
            for word in forbidden {
                if line.contains(word) {
                    found.push(format!("{rel}:{n}: {area}: `{word}` in `{line}`"));
                }
            }
        }
    }
    found
}

#[test]
fn boundaries_hold() {
    let mut v = Vec::new();
    v.extend(check(
        "gRPC outside the protocol layer",
        &["tonic::", "prost::", "use tonic", "use prost"],
        |f| f.starts_with("src/tfplugin/") || f == "src/main.rs",
    ));
    v.extend(check(
        "HTTP outside the ARM client",
        &["reqwest", "hyper::", "azure_core", "azure_identity"],
        |f| f.starts_with("src/arm/") || f.starts_with("src/tfplugin/"),
    ));
    v.extend(check(
        "HTTP in the protocol layer",
        &["reqwest", "azure_core", "azure_identity"],
        |f| !f.starts_with("src/tfplugin/"),
    ));
    v.extend(check(
        "Terraform in the ARM client",
        &["tfplugin", "crate::provider", "crate::resources"],
        |f| !f.starts_with("src/arm/"),
    ));
    v.extend(check(
        "Azure in the protocol layer",
        &["crate::arm", "crate::provider", "crate::resources"],
        |f| !f.starts_with("src/tfplugin/"),
    ));
    v.extend(check(
        "stdout carries the handshake",
        &["println!", "print!(", "std::io::stdout"],
        |f| f == "src/tfplugin/serve.rs",
    ));
    assert!(v.is_empty(), "boundary violations:\n{}", v.join("\n"));
}

#[test]
fn emulator_is_independent_of_the_provider() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("emulator/Cargo.toml"))
            .unwrap();
    assert!(
        !manifest.contains("terraform-provider-aml"),
        "the emulator must not depend on the provider crate"
    );
}
