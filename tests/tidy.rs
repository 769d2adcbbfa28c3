//! Architecture invariants, checked on the source text: each boundary has one owner.
//! - gRPC and protobuf (`tonic`, `prost`) only in `src/tfplugin/` (and the thin `src/main.rs`);
//! - HTTP (`reqwest`, `hyper`, `azure_core`, `azure_identity`) only in `src/arm/`;
//! - the ARM client knows nothing of Terraform, the protocol layer nothing of Azure;
//! - resources, data sources and functions use neither gRPC nor HTTP;
//! - nothing prints to stdout (it carries the plugin handshake);
//! - the emulator does not depend on the provider crate;
//! - no import cycles between the provider's source files.

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

/// The module path of a source file: `src/arm/client.rs` is `arm::client`, `src/arm/mod.rs` and
/// `src/arm.rs` are `arm`, `src/lib.rs` is the crate root (empty).
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_start_matches("src/")
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The module paths a file's code names (`crate::…`, `super::…`, `self::…`, and `child::…` for a
/// child module of the file's own), made absolute; test modules, which start at the first
/// `#[cfg(test)]`, are left out. Only each path's module prefix matters, so `use a::{b, c::d}`
/// counts as naming `a`, `a::b` and `a::c::d`, and items are resolved to the longest module
/// prefix later.
fn named_paths(rel: &str, text: &str, is_module: &dyn Fn(&[String]) -> bool) -> Vec<Vec<String>> {
    let here = module_of(rel);
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for line in code.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
        let is_use = line.starts_with("use ") || line.starts_with("pub use ");
        let flat: String = line
            .chars()
            .map(|c| if "{},;()<>&*!=| ".contains(c) { ' ' } else { c })
            .collect();
        let mut prefix: Option<Vec<String>> = None;
        for token in flat.split_whitespace() {
            let segs: Vec<String> = token
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if segs.is_empty() {
                continue;
            }
            let mut base = match segs[0].as_str() {
                "crate" => Vec::new(),
                "super" => here[..here.len().saturating_sub(1)].to_vec(),
                "self" => here.clone(),
                first => {
                    let mut child = here.clone();
                    child.push(first.to_string());
                    if token.contains("::") && is_module(&child) {
                        here.clone()
                    } else if is_use && prefix.is_some() {
                        // A name inside the braces of `use crate::x::{…}` continues its prefix.
                        let mut p = prefix.clone().unwrap_or_default();
                        p.extend(segs.iter().cloned());
                        out.push(p);
                        continue;
                    } else {
                        continue;
                    }
                }
            };
            let skip = usize::from(matches!(segs[0].as_str(), "crate" | "super" | "self"));
            let mut rest = &segs[skip..];
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            if is_use {
                prefix = Some(base.clone());
            }
            out.push(base);
        }
    }
    out
}

/// No two source files of the provider import each other, directly or through others: each
/// layer and each file depends one way (a cycle is where a boundary has two owners).
#[test]
fn no_import_cycles_in_src() {
    use std::collections::{BTreeMap, BTreeSet};
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let rel_of = |f: &PathBuf| {
        f.strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/")
    };
    // Test-only files take part in no layering.
    let is_test = |rel: &str| {
        rel.contains("/tests/")
            || rel.ends_with("/tests.rs")
            || rel.ends_with("_tests.rs")
            || rel.ends_with("/testing.rs")
    };
    let mut by_module: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for f in &files {
        let rel = rel_of(f);
        if rel != "src/main.rs" && !is_test(&rel) {
            by_module.insert(module_of(&rel), rel);
        }
    }
    let is_module = |p: &[String]| by_module.contains_key(p);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for rel in by_module.values() {
        let text = std::fs::read_to_string(root.join(rel)).unwrap();
        for path in named_paths(rel, &text, &is_module) {
            // The longest prefix of the path that is a module file is the file it imports.
            let target = (1..=path.len())
                .rev()
                .find_map(|n| by_module.get(&path[..n]));
            if let Some(target) = target.filter(|t| *t != rel) {
                edges.entry(rel.clone()).or_default().insert(target.clone());
            }
        }
    }
    // Depth-first search for a back edge; report each cycle once, as a path.
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        cycles: &mut Vec<String>,
    ) {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut c = stack[i..].to_vec();
            c.push(n.to_string());
            cycles.push(c.join(" -> "));
            return;
        }
        if !done.insert(n.to_string()) {
            return;
        }
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            visit(m, edges, stack, done, cycles);
        }
        stack.pop();
    }
    let mut cycles = Vec::new();
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        visit(n, &edges, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(
        cycles.is_empty(),
        "import cycles in src/:\n{}",
        cycles.join("\n")
    );
}
