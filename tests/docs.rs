//! The registry docs in `docs/` are generated from the schemas and the files in `examples/`; this
//! test fails when they are out of date. Refresh them with `UPDATE_DOCS=1 cargo test --test docs`.
//! It also holds the invariants every feature must meet: descriptions, examples, import docs.

use std::path::{Path, PathBuf};

use terraform_provider_aml::plugin::AmlProvider;
use terraform_provider_aml::tfplugin::docs::{self, Example, Kind};
use terraform_provider_aml::tfplugin::schema::Block;
use terraform_provider_aml::tfplugin::service::resource_schema;
use terraform_provider_aml::tfplugin::traits::ProviderDef;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e} (every feature needs this file)"))
}

/// Every page the docs/ folder must hold, with its expected content.
fn pages() -> Vec<(String, String)> {
    let p = AmlProvider;
    let mut pages = Vec::new();
    let ex = read("examples/provider/provider.tf");
    pages.push((
        "docs/index.md".to_string(),
        docs::render_block_page(
            Kind::Provider,
            "aml",
            &p.schema().block,
            Some(Example {
                code: &ex,
                lang: "terraform",
            }),
            None,
        ),
    ));
    for r in p.resources() {
        let name = r.type_name();
        let ex = read(&format!("examples/resources/{name}/resource.tf"));
        let imp = read(&format!("examples/resources/{name}/import.sh"));
        let schema = resource_schema(r.as_ref());
        pages.push((
            format!("docs/resources/{}.md", name.trim_start_matches("aml_")),
            docs::render_block_page(
                Kind::Resource,
                name,
                &schema.block,
                Some(Example {
                    code: &ex,
                    lang: "terraform",
                }),
                Some((
                    r.import_doc(),
                    Example {
                        code: &imp,
                        lang: "shell",
                    },
                )),
            ),
        ));
    }
    for d in p.data_sources() {
        let name = d.type_name();
        let ex = read(&format!("examples/data-sources/{name}/data-source.tf"));
        pages.push((
            format!("docs/data-sources/{}.md", name.trim_start_matches("aml_")),
            docs::render_block_page(
                Kind::DataSource,
                name,
                &d.schema().block,
                Some(Example {
                    code: &ex,
                    lang: "terraform",
                }),
                None,
            ),
        ));
    }
    for f in p.functions() {
        let name = f.name();
        let ex = read(&format!("examples/functions/{name}/function.tf"));
        pages.push((
            format!("docs/functions/{name}.md"),
            docs::render_function_page(
                name,
                &f.signature(),
                Some(Example {
                    code: &ex,
                    lang: "terraform",
                }),
            ),
        ));
    }
    pages
}

#[test]
fn docs_are_in_sync_with_the_schema() {
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (rel, want) in pages() {
        let path = root().join(&rel);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(rel);
            }
        }
    }
    let expected: Vec<String> = pages().into_iter().map(|(r, _)| r).collect();
    for dir in ["docs/resources", "docs/data-sources", "docs/functions"] {
        for entry in std::fs::read_dir(root().join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let rel = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if !expected.contains(&rel) {
                if update {
                    std::fs::remove_file(entry.path()).unwrap();
                } else {
                    stale.push(format!("{rel} (no such feature)"));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ is out of date; run `UPDATE_DOCS=1 cargo test --test docs`: {stale:?}"
    );
}

fn check_descriptions(owner: &str, block: &Block, missing: &mut Vec<String>) {
    if block.description.trim().is_empty() {
        missing.push(format!("{owner} (block)"));
    }
    for a in &block.attributes {
        if a.description.trim().is_empty() {
            missing.push(format!("{owner}.{}", a.name));
        }
    }
    for b in &block.blocks {
        check_descriptions(&format!("{owner}.{}", b.name), &b.block, missing);
    }
}

#[test]
fn every_feature_is_described_and_importable() {
    let p = AmlProvider;
    let mut missing = Vec::new();
    check_descriptions("provider", &p.schema().block, &mut missing);
    for r in p.resources() {
        let schema = resource_schema(r.as_ref());
        check_descriptions(r.type_name(), &schema.block, &mut missing);
        assert!(
            !r.import_doc().trim().is_empty(),
            "{} has no import documentation",
            r.type_name()
        );
        assert!(
            schema.block.find_block("timeouts").is_some(),
            "{} has no timeouts block",
            r.type_name()
        );
        assert!(r.type_name().starts_with("aml_"));
    }
    for d in p.data_sources() {
        check_descriptions(d.type_name(), &d.schema().block, &mut missing);
        assert!(d.type_name().starts_with("aml_"));
    }
    for f in p.functions() {
        assert!(
            !f.signature().description.is_empty(),
            "function {} has no description",
            f.name()
        );
    }
    assert!(
        missing.is_empty(),
        "attributes without a description: {missing:?}"
    );
}

#[test]
fn one_file_per_feature() {
    let p = AmlProvider;
    let check = |dir: &str, name: &str| {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(dir)
            .join(format!("{}.rs", name.trim_start_matches("aml_")));
        assert!(file.exists(), "{name} must live in {}", file.display());
    };
    p.resources()
        .iter()
        .for_each(|r| check("src/resources", r.type_name()));
    p.data_sources()
        .iter()
        .for_each(|d| check("src/data_sources", d.type_name()));
    p.functions()
        .iter()
        .for_each(|f| check("src/functions", f.name()));
}
