//! Registry documentation generated from schemas, in the layout the Terraform registry reads
//! (`docs/index.md`, `docs/resources/`, `docs/data-sources/`, `docs/functions/`). The schema's
//! descriptions are the single source; a test keeps `docs/` in sync.

use super::cty::Type;
use super::schema::{Attribute, Block, Mode, NestedBlock, Nesting};
use super::traits::Signature;
use super::wire::attribute_description;

/// What kind of page to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The provider's index page.
    Provider,
    /// A managed resource.
    Resource,
    /// A data source.
    DataSource,
}

/// One example, included verbatim as a fenced block.
pub struct Example<'a> {
    /// The code.
    pub code: &'a str,
    /// The fence language (`terraform`, `shell`).
    pub lang: &'a str,
}

fn type_name(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(t) => format!("List of {}", type_name(t)),
        Type::Set(t) => format!("Set of {}", type_name(t)),
        Type::Map(t) => format!("Map of {}", type_name(t)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

fn front_matter(title: &str, description: &str) -> String {
    let summary = description
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace('\n', " ");
    format!(
        "---\npage_title: \"{title}\"\nsubcategory: \"\"\ndescription: |-\n  {summary}\n---\n\n"
    )
}

fn fence(e: &Example<'_>) -> String {
    format!("```{}\n{}\n```\n", e.lang, e.code.trim_end())
}

/// Renders the page of a provider, resource or data source.
pub fn render_block_page(
    kind: Kind,
    name: &str,
    block: &Block,
    example: Option<Example<'_>>,
    import: Option<(&str, Example<'_>)>,
) -> String {
    let (title, heading) = match kind {
        Kind::Provider => (format!("{name} Provider"), format!("# {name} Provider")),
        Kind::Resource => (
            format!("{name} Resource - aml"),
            format!("# {name} (Resource)"),
        ),
        Kind::DataSource => (
            format!("{name} Data Source - aml"),
            format!("# {name} (Data Source)"),
        ),
    };
    let mut out = front_matter(&title, &block.description);
    out.push_str(&format!("{heading}\n\n{}\n\n", block.description.trim()));
    if kind == Kind::Provider {
        out.push_str(&format!(
            "## Requirements\n\nTerraform {} or later (plugin protocol {}.{}).\n\n",
            super::serve::MIN_TERRAFORM_VERSION,
            super::serve::PROTOCOL_VERSION,
            super::serve::PROTOCOL_MINOR_VERSION,
        ));
    }
    if let Some(e) = example {
        out.push_str("## Example Usage\n\n");
        out.push_str(&fence(&e));
        out.push('\n');
    }
    out.push_str(if kind == Kind::Provider {
        "## Schema\n\n"
    } else {
        "<!-- schema generated from the provider -->\n## Schema\n\n"
    });
    let mut nested = Vec::new();
    render_attributes(block, "", &mut out, &mut nested);
    while let Some((anchor, nb)) = nested.first().cloned() {
        nested.remove(0);
        out.push_str(&format!(
            "<a id=\"{anchor}\"></a>\n### Nested Schema for `{}`\n\n",
            anchor
                .trim_start_matches("nestedblock--")
                .replace("--", ".")
        ));
        let mut more = Vec::new();
        render_attributes(&nb.block, &format!("{anchor}--"), &mut out, &mut more);
        nested.extend(more);
    }
    if let Some((text, e)) = import {
        out.push_str("## Import\n\n");
        out.push_str(text.trim());
        out.push_str("\n\n");
        out.push_str(&fence(&e));
    }
    out
}

/// A docs section heading and which attributes it lists.
type AttributeGroup = (&'static str, fn(&Attribute) -> bool);

fn render_attributes(
    block: &Block,
    prefix: &str,
    out: &mut String,
    nested: &mut Vec<(String, NestedBlock)>,
) {
    let groups: [AttributeGroup; 3] = [
        ("Required", |a| a.mode == Mode::Required),
        ("Optional", |a| {
            matches!(a.mode, Mode::Optional | Mode::OptionalComputed)
        }),
        ("Read-Only", |a| a.mode == Mode::Computed),
    ];
    for (title, pick) in groups {
        let attrs: Vec<&Attribute> = block.attributes.iter().filter(|a| pick(a)).collect();
        let blocks: Vec<&NestedBlock> = block
            .blocks
            .iter()
            .filter(|b| match title {
                "Required" => b.min_items > 0,
                "Optional" => b.min_items == 0,
                _ => false,
            })
            .collect();
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        out.push_str(&format!("### {title}\n\n"));
        for a in attrs {
            let mut flags = type_name(&a.ty);
            if a.sensitive {
                flags.push_str(", Sensitive");
            }
            if a.deprecated.is_some() {
                flags.push_str(", Deprecated");
            }
            let mut text = attribute_description(a);
            if let Some(d) = &a.deprecated {
                text.push_str(&format!(" **Deprecated**: {d}"));
            }
            out.push_str(&format!("- `{}` ({flags}) {}\n", a.name, text.trim()));
        }
        for b in blocks {
            let anchor = format!("nestedblock--{prefix}{}", b.name);
            let shape = match b.nesting {
                Nesting::Single | Nesting::Group => "Block".to_string(),
                Nesting::List => "Block List".to_string(),
                Nesting::Set => "Block Set".to_string(),
                Nesting::Map => "Block Map".to_string(),
            };
            let bounds = match (b.nesting, b.min_items, b.max_items) {
                (Nesting::List | Nesting::Set, min, max) if max > 0 => {
                    format!(", Min: {min}, Max: {max}")
                }
                (Nesting::List | Nesting::Set, min, _) if min > 0 => format!(", Min: {min}"),
                _ => String::new(),
            };
            out.push_str(&format!(
                "- `{}` ({shape}{bounds}) {} (see [below for nested schema](#{anchor}))\n",
                b.name,
                b.block.description.trim()
            ));
            nested.push((anchor, b.clone()));
        }
        out.push('\n');
    }
}

/// Renders the page of a provider function.
pub fn render_function_page(name: &str, sig: &Signature, example: Option<Example<'_>>) -> String {
    let mut out = front_matter(&format!("{name} function - aml"), sig.summary);
    out.push_str(&format!(
        "# function: {name}\n\n{}\n\n",
        sig.description.trim()
    ));
    if let Some(e) = example {
        out.push_str("## Example Usage\n\n");
        out.push_str(&fence(&e));
        out.push('\n');
    }
    let params = sig
        .parameters
        .iter()
        .map(|p| format!("{} {}", p.name, type_name(&p.ty).to_lowercase()))
        .collect::<Vec<_>>();
    out.push_str(&format!(
        "## Signature\n\n```text\n{name}({}) {}\n```\n\n## Arguments\n\n",
        params.join(", "),
        type_name(&sig.returns).to_lowercase()
    ));
    for (i, p) in sig.parameters.iter().enumerate() {
        out.push_str(&format!(
            "{}. `{}` ({}) {}\n",
            i + 1,
            p.name,
            type_name(&p.ty),
            p.description
        ));
    }
    out
}
