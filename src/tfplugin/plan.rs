//! Generic planning: what every resource's PlanResourceChange does before its own hook.
//!
//! Rules (from Terraform's plan validity checks): configured values are planned as configured;
//! defaults fill null optional+computed attributes; computed values that may change are planned
//! unknown; values fixed at creation keep their prior value unless the resource is replaced; an
//! ID that differs only in letter case from the prior one keeps the prior spelling; changing a
//! `requires_replace` attribute or block yields its path. A change to `timeouts` alone changes
//! nothing remote, so it does not make computed values unknown.

use super::cty::{Path, Value};
use super::schema::{Block, Mode, Nesting};
use super::timeouts;

/// The generic plan of a create or update.
#[derive(Debug, PartialEq)]
pub struct GenericPlan {
    /// The planned state.
    pub planned: Value,
    /// Paths whose change replaces the resource.
    pub requires_replace: Vec<Path>,
}

/// Plans a create (`prior` is `None`) or an update from Terraform's proposed new state.
pub fn plan(block: &Block, prior: Option<&Value>, proposed: &Value, config: &Value) -> GenericPlan {
    let mut planned = proposed.clone();
    apply_defaults(block, &mut planned, config);
    let Some(prior) = prior else {
        unknown_computed(block, &mut planned, config, true);
        return GenericPlan {
            planned,
            requires_replace: Vec::new(),
        };
    };
    keep_equivalent_ids(block, &mut planned, prior);
    let requires_replace = replace_paths(block, prior, &planned);
    if !requires_replace.is_empty() {
        unknown_computed(block, &mut planned, config, true);
    } else if differs_beyond_timeouts(block, prior, &planned) {
        unknown_computed(block, &mut planned, config, false);
    }
    GenericPlan {
        planned,
        requires_replace,
    }
}

/// Sets defaults for null optional+computed attributes whose configuration is null.
fn apply_defaults(block: &Block, planned: &mut Value, config: &Value) {
    for attr in &block.attributes {
        let Some(default) = &attr.default else {
            continue;
        };
        if config.get(&attr.name).is_none_or(Value::is_null) {
            if let Some(slot) = planned.get_mut(&attr.name) {
                *slot = default.clone();
            }
        }
    }
    for nested in &block.blocks {
        let (Some(p), Some(c)) = (planned.get_mut(&nested.name), config.get(&nested.name)) else {
            continue;
        };
        for_each_element(nested.nesting, p, c, |pe, ce| {
            apply_defaults(&nested.block, pe, ce)
        });
    }
}

/// Marks computed attributes that the configuration leaves null as unknown. With
/// `include_stable`, values fixed at creation become unknown too (create and replace).
fn unknown_computed(block: &Block, planned: &mut Value, config: &Value, include_stable: bool) {
    for attr in &block.attributes {
        let in_config = config.get(&attr.name).is_some_and(|v| !v.is_null());
        let eligible = match attr.mode {
            Mode::Computed => true,
            Mode::OptionalComputed => !in_config && attr.default.is_none(),
            _ => false,
        };
        if !eligible || (attr.stable && !include_stable) {
            continue;
        }
        if let Some(slot) = planned.get_mut(&attr.name) {
            *slot = Value::unknown();
        }
    }
    for nested in &block.blocks {
        if nested.name == timeouts::BLOCK_NAME {
            continue;
        }
        let (Some(p), Some(c)) = (planned.get_mut(&nested.name), config.get(&nested.name)) else {
            continue;
        };
        for_each_element(nested.nesting, p, c, |pe, ce| {
            unknown_computed(&nested.block, pe, ce, include_stable)
        });
    }
}

/// Keeps the prior spelling of case-insensitive attributes that differ only in letter case (at
/// planning, and after a refresh).
pub fn keep_equivalent_ids(block: &Block, planned: &mut Value, prior: &Value) {
    for attr in block.attributes.iter().filter(|a| a.case_insensitive) {
        let (Some(Value::String(p)), Some(Value::String(old))) =
            (planned.get(&attr.name), prior.get(&attr.name))
        else {
            continue;
        };
        if p != old && p.eq_ignore_ascii_case(old) {
            let old = old.clone();
            if let Some(slot) = planned.get_mut(&attr.name) {
                *slot = Value::String(old);
            }
        }
    }
}

/// The replacement paths: `requires_replace` attributes and blocks whose value changes.
fn replace_paths(block: &Block, prior: &Value, planned: &Value) -> Vec<Path> {
    let mut paths = Vec::new();
    for attr in block.attributes.iter().filter(|a| a.requires_replace) {
        if prior.get(&attr.name) != planned.get(&attr.name) {
            paths.push(Path::root().attr(&attr.name));
        }
    }
    for nested in block.blocks.iter().filter(|b| b.requires_replace) {
        if prior.get(&nested.name) != planned.get(&nested.name) {
            paths.push(Path::root().attr(&nested.name));
        }
    }
    paths
}

/// Whether anything but the `timeouts` block differs.
fn differs_beyond_timeouts(block: &Block, prior: &Value, planned: &Value) -> bool {
    let names = block
        .attributes
        .iter()
        .map(|a| &a.name)
        .chain(block.blocks.iter().map(|b| &b.name));
    names
        .filter(|n| n.as_str() != timeouts::BLOCK_NAME)
        .any(|n| prior.get(n) != planned.get(n))
}

/// Calls `f` on each planned block element with its configuration counterpart (by position for
/// lists, by key for maps, by position for sets, whose planned elements mirror the configuration).
fn for_each_element(
    nesting: Nesting,
    planned: &mut Value,
    config: &Value,
    mut f: impl FnMut(&mut Value, &Value),
) {
    match (nesting, planned, config) {
        (Nesting::Single | Nesting::Group, p @ Value::Object(_), c @ Value::Object(_)) => f(p, c),
        (
            Nesting::List | Nesting::Set,
            Value::List(ps) | Value::Set(ps),
            Value::List(cs) | Value::Set(cs),
        ) => {
            for (p, c) in ps.iter_mut().zip(cs.iter()) {
                f(p, c);
            }
        }
        (Nesting::Map, Value::Map(ps), Value::Map(cs)) => {
            for (k, p) in ps.iter_mut() {
                if let Some(c) = cs.get(k) {
                    f(p, c);
                }
            }
        }
        _ => {}
    }
}

/// Whether `planned` differs from `prior` only in the `timeouts` block (nothing to do remotely).
pub fn only_timeouts_changed(block: &Block, prior: &Value, planned: &Value) -> bool {
    !differs_beyond_timeouts(block, prior, planned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::cty::Type;
    use crate::tfplugin::schema::{Attribute, NestedBlock};
    use crate::tfplugin::timeouts::Timeouts;

    fn schema() -> Block {
        Block::new("test")
            .attribute(Attribute::id("ID"))
            .attribute(Attribute::required("name", Type::String, "").requires_replace())
            .attribute(Attribute::optional("tags", Type::map(Type::String), ""))
            .attribute(Attribute::optional("subnet_id", Type::String, "").case_insensitive())
            .attribute(
                Attribute::optional_computed("manual", Type::Bool, "").default(Value::Bool(false)),
            )
            .attribute(Attribute::optional_computed("sku", Type::String, ""))
            .attribute(Attribute::computed("ip", Type::String, ""))
            .block(Timeouts::default().block())
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let block = schema();
        let mut v = block.empty_value();
        for (k, val) in pairs {
            *v.get_mut(k).unwrap() = val.clone();
        }
        v
    }

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn check(
        prior: Option<Value>,
        proposed: Value,
        config: Value,
        planned: Value,
        replace: &[&str],
    ) {
        let got = plan(&schema(), prior.as_ref(), &proposed, &config);
        assert_eq!(got.planned, planned, "planned");
        let want: Vec<Path> = replace.iter().map(|n| Path::root().attr(n)).collect();
        assert_eq!(got.requires_replace, want, "requires_replace");
    }

    #[test]
    fn create_plans_computed_unknown_and_defaults() {
        let config = obj(&[("name", s("a"))]);
        let planned = obj(&[
            ("name", s("a")),
            ("id", Value::unknown()),
            ("manual", Value::Bool(false)),
            ("sku", Value::unknown()),
            ("ip", Value::unknown()),
        ]);
        check(None, config.clone(), config, planned, &[]);
    }

    #[test]
    fn create_keeps_configured_optional_computed() {
        let config = obj(&[
            ("name", s("a")),
            ("sku", s("Basic")),
            ("manual", Value::Bool(true)),
        ]);
        let planned = obj(&[
            ("name", s("a")),
            ("sku", s("Basic")),
            ("manual", Value::Bool(true)),
            ("id", Value::unknown()),
            ("ip", Value::unknown()),
        ]);
        check(None, config.clone(), config, planned, &[]);
    }

    #[test]
    fn no_change_is_a_no_op() {
        let prior = obj(&[
            ("name", s("a")),
            ("id", s("/x")),
            ("manual", Value::Bool(false)),
            ("sku", s("S")),
            ("ip", s("10.0.0.4")),
        ]);
        let config = obj(&[("name", s("a"))]);
        check(Some(prior.clone()), prior.clone(), config, prior, &[]);
    }

    #[test]
    fn update_makes_unstable_computed_unknown_and_keeps_id() {
        let prior = obj(&[
            ("name", s("a")),
            ("id", s("/x")),
            ("manual", Value::Bool(false)),
            ("sku", s("S")),
            ("ip", s("10.0.0.4")),
        ]);
        let tags = Value::Map([("env".to_string(), s("dev"))].into_iter().collect());
        let config = obj(&[("name", s("a")), ("tags", tags.clone())]);
        let mut proposed = prior.clone();
        *proposed.get_mut("tags").unwrap() = tags.clone();
        let planned = obj(&[
            ("name", s("a")),
            ("tags", tags),
            ("id", s("/x")),
            ("manual", Value::Bool(false)),
            ("sku", Value::unknown()),
            ("ip", Value::unknown()),
        ]);
        check(Some(prior), proposed, config, planned, &[]);
    }

    #[test]
    fn replacement_makes_stable_values_unknown() {
        let prior = obj(&[
            ("name", s("a")),
            ("id", s("/x")),
            ("manual", Value::Bool(false)),
            ("sku", s("S")),
            ("ip", s("10.0.0.4")),
        ]);
        let config = obj(&[("name", s("b"))]);
        let mut proposed = prior.clone();
        *proposed.get_mut("name").unwrap() = s("b");
        let planned = obj(&[
            ("name", s("b")),
            ("id", Value::unknown()),
            ("manual", Value::Bool(false)),
            ("sku", Value::unknown()),
            ("ip", Value::unknown()),
        ]);
        check(Some(prior), proposed, config, planned, &["name"]);
    }

    #[test]
    fn unknown_replace_attribute_plans_replacement() {
        let prior = obj(&[
            ("name", s("a")),
            ("id", s("/x")),
            ("manual", Value::Bool(false)),
            ("sku", s("S")),
            ("ip", s("1")),
        ]);
        let config = obj(&[("name", Value::unknown())]);
        let mut proposed = prior.clone();
        *proposed.get_mut("name").unwrap() = Value::unknown();
        let got = plan(&schema(), Some(&prior), &proposed, &config);
        assert_eq!(got.requires_replace, vec![Path::root().attr("name")]);
        assert!(got.planned.get("id").unwrap().is_unknown());
    }

    #[test]
    fn letter_case_of_ids_is_not_a_change() {
        let prior = obj(&[
            ("name", s("a")),
            ("id", s("/x")),
            ("subnet_id", s("/Subs/A")),
            ("manual", Value::Bool(false)),
            ("sku", s("S")),
            ("ip", s("1")),
        ]);
        let config = obj(&[("name", s("a")), ("subnet_id", s("/subs/a"))]);
        let mut proposed = prior.clone();
        *proposed.get_mut("subnet_id").unwrap() = s("/subs/a");
        check(Some(prior.clone()), proposed, config, prior, &[]);
    }

    #[test]
    fn timeouts_alone_change_nothing_remote() {
        let prior = obj(&[
            ("name", s("a")),
            ("id", s("/x")),
            ("manual", Value::Bool(false)),
            ("sku", s("S")),
            ("ip", s("1")),
        ]);
        let t = Value::object([
            ("create", s("10m")),
            ("read", Value::Null),
            ("update", Value::Null),
            ("delete", Value::Null),
        ]);
        let config = obj(&[("name", s("a")), ("timeouts", t.clone())]);
        let mut proposed = prior.clone();
        *proposed.get_mut("timeouts").unwrap() = t;
        check(Some(prior), proposed.clone(), config, proposed, &[]);
    }

    #[test]
    fn computed_attributes_in_list_blocks_are_unknown_on_create() {
        let inner = Block::new("b")
            .attribute(Attribute::required("x", Type::String, ""))
            .attribute(Attribute::computed("y", Type::String, ""));
        let block = Block::new("t").block(NestedBlock::new("b", Nesting::List, inner));
        let el = Value::object([("x", s("1")), ("y", Value::Null)]);
        let config = Value::object([("b", Value::List(vec![el.clone()]))]);
        let got = plan(&block, None, &config, &config);
        let want = Value::object([(
            "b",
            Value::List(vec![Value::object([
                ("x", s("1")),
                ("y", Value::unknown()),
            ])]),
        )]);
        assert_eq!(got.planned, want);
    }
}
