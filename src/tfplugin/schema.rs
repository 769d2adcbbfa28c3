//! Schemas as data: blocks, attributes and nested blocks, with the behaviour the framework derives
//! from them (implied types, replacement paths, defaults, validators, documentation).
//!
//! A resource describes itself once with these types; the same description drives the wire
//! schema, planning, validation and the generated registry docs.

use super::cty::{Path, Type, Value};
use super::diagnostics::{quote, shorten_quoted, Diagnostics};

/// A resource, data source or provider schema: a state version and the top-level block.
#[derive(Clone, Debug)]
pub struct Schema {
    /// The state schema version stored in Terraform's state.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

impl Schema {
    /// A version-0 schema around `block`.
    pub fn new(block: Block) -> Self {
        Schema { version: 0, block }
    }

    /// The cty object type of a value of this schema.
    pub fn implied_type(&self) -> Type {
        self.block.implied_type()
    }
}

/// A block: attributes and nested blocks, with a Markdown description.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Markdown description (the first paragraph is the summary in docs).
    pub description: String,
    /// Whether using the block is deprecated.
    pub deprecated: bool,
    /// Attributes in documentation order.
    pub attributes: Vec<Attribute>,
    /// Nested block types.
    pub blocks: Vec<NestedBlock>,
}

impl Block {
    /// An empty block with a Markdown description.
    pub fn new(description: impl Into<String>) -> Self {
        Block {
            description: description.into(),
            ..Block::default()
        }
    }

    /// Adds an attribute.
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Adds a nested block type.
    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    /// Looks up an attribute by name.
    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Looks up a nested block type by name.
    pub fn find_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// The cty object type of a value of this block: one key per attribute and per nested block.
    pub fn implied_type(&self) -> Type {
        let attrs = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()));
        let blocks = self
            .blocks
            .iter()
            .map(|b| (b.name.clone(), b.implied_type()));
        Type::object(attrs.chain(blocks))
    }

    /// A value of this block with every attribute null and every collection block empty, as
    /// Terraform expects for an imported stub or an absent object.
    pub fn empty_value(&self) -> Value {
        let attrs = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null));
        let blocks = self
            .blocks
            .iter()
            .map(|b| (b.name.clone(), b.empty_value()));
        Value::object(attrs.chain(blocks))
    }
}

/// How an attribute is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The user must set it.
    Required,
    /// The user may set it; null when unset.
    Optional,
    /// The user may set it; the provider chooses a value (or the default) when unset.
    OptionalComputed,
    /// Only the provider sets it.
    Computed,
}

/// A check of an attribute's known, non-null value.
#[derive(Clone, Debug)]
pub enum Validator {
    /// The string must be one of these values (compared exactly).
    OneOf(&'static [&'static str]),
    /// A string length range, inclusive.
    Length(usize, usize),
    /// A list or set length range, inclusive.
    Items(usize, usize),
    /// A check of a string; the error message is shown with the attribute's path.
    Str(fn(&str) -> Result<(), String>),
    /// A custom check of any value; the error message is shown with the attribute's path.
    Custom(fn(&Value) -> Result<(), String>),
}

impl Validator {
    /// Runs the check on a known, non-null value, reporting at `path`.
    pub fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        let outcome = match self {
            Validator::OneOf(allowed) => match value.as_str() {
                Some(s) if allowed.contains(&s) => Ok(()),
                Some(s) => Err(format!(
                    "{} is not a valid value. Valid values are: {}.",
                    quote(s),
                    allowed
                        .iter()
                        .map(|a| format!("{a:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                None => Ok(()),
            },
            Validator::Length(min, max) => match value.as_str() {
                Some(s) if (*min..=*max).contains(&s.chars().count()) => Ok(()),
                Some(s) => Err(format!(
                    "The value must be between {min} and {max} characters long; {} has {}.",
                    quote(s),
                    s.chars().count()
                )),
                None => Ok(()),
            },
            Validator::Items(min, max) => match value.elements() {
                Some(items) if (*min..=*max).contains(&items.len()) => Ok(()),
                Some(items) => Err(format!(
                    "Between {min} and {max} items are allowed; {} were given.",
                    items.len()
                )),
                None => Ok(()),
            },
            // Whatever the check quotes of a long value is shortened here, once for all checks.
            Validator::Str(f) => value
                .as_str()
                .map_or(Ok(()), |s| f(s).map_err(|m| shorten_quoted(m, s))),
            Validator::Custom(f) => f(value),
        };
        if let Err(message) = outcome {
            diags.error_at(path.clone(), "Invalid attribute value", message);
        }
    }

    /// A short Markdown note for the docs, if the validator has one worth saying.
    pub fn doc_note(&self) -> Option<String> {
        match self {
            Validator::OneOf(allowed) => Some(format!(
                "Possible values: {}.",
                allowed
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Validator::Length(min, max) => Some(format!("Between {min} and {max} characters.")),
            Validator::Items(min, max) => Some(format!("Between {min} and {max} items.")),
            Validator::Str(_) | Validator::Custom(_) => None,
        }
    }
}

/// An attribute of a block.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The HCL name.
    pub name: String,
    /// The cty type.
    pub ty: Type,
    /// Markdown description.
    pub description: String,
    /// Required, optional, optional+computed or computed.
    pub mode: Mode,
    /// Hidden in plan output.
    pub sensitive: bool,
    /// Deprecated; setting it gives a warning with this message.
    pub deprecated: Option<String>,
    /// Changing the value replaces the resource.
    pub requires_replace: bool,
    /// The value used when the configuration leaves it null (optional+computed only).
    pub default: Option<Value>,
    /// The computed value stays as in the prior state unless the resource is replaced
    /// (for IDs and other values fixed at creation).
    pub stable: bool,
    /// A remote value that differs from the prior one only by letter case is not drift
    /// (ARM resource IDs).
    pub case_insensitive: bool,
    /// Checks of known, non-null values.
    pub validators: Vec<Validator>,
}

impl Attribute {
    fn new(name: &str, ty: Type, mode: Mode, description: &str) -> Self {
        Attribute {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            mode,
            sensitive: false,
            deprecated: None,
            requires_replace: false,
            default: None,
            stable: false,
            case_insensitive: false,
            validators: Vec::new(),
        }
    }

    /// A required attribute.
    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Mode::Required, description)
    }

    /// An optional attribute, null when unset.
    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Mode::Optional, description)
    }

    /// An optional attribute whose value the provider chooses when unset.
    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Mode::OptionalComputed, description)
    }

    /// A computed (read-only) attribute.
    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Mode::Computed, description)
    }

    /// The standard `id` attribute: computed, stable, case-insensitive.
    pub fn id(description: &str) -> Self {
        Self::computed("id", Type::String, description)
            .stable()
            .case_insensitive()
    }

    /// Marks the attribute sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Marks the attribute deprecated with a message saying what to use instead.
    pub fn deprecated(mut self, message: &str) -> Self {
        self.deprecated = Some(message.to_string());
        self
    }

    /// Changing the attribute replaces the resource.
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    /// The value used when the configuration leaves it null; makes the attribute optional+computed.
    pub fn default(mut self, value: Value) -> Self {
        self.mode = Mode::OptionalComputed;
        self.default = Some(value);
        self
    }

    /// The computed value is fixed at creation.
    pub fn stable(mut self) -> Self {
        self.stable = true;
        self
    }

    /// Letter case alone is not drift.
    pub fn case_insensitive(mut self) -> Self {
        self.case_insensitive = true;
        self
    }

    /// Adds a validator.
    pub fn validate(mut self, validator: Validator) -> Self {
        self.validators.push(validator);
        self
    }

    /// Whether the provider may set the value.
    pub fn is_computed(&self) -> bool {
        matches!(self.mode, Mode::Computed | Mode::OptionalComputed)
    }

    /// Whether the user may set the value.
    pub fn is_settable(&self) -> bool {
        !matches!(self.mode, Mode::Computed)
    }
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; null when absent.
    Single,
    /// Exactly one, always present (attributes null when not written).
    Group,
    /// An ordered list of blocks.
    List,
    /// An unordered set of blocks.
    Set,
    /// Blocks keyed by a label.
    Map,
}

/// A nested block type inside a block.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// The block type name.
    pub name: String,
    /// How it repeats.
    pub nesting: Nesting,
    /// Minimum number of blocks (list and set).
    pub min_items: i64,
    /// Maximum number of blocks (list and set); 0 means no limit.
    pub max_items: i64,
    /// Changing the blocks replaces the resource.
    pub requires_replace: bool,
    /// The block body.
    pub block: Block,
}

impl NestedBlock {
    /// A nested block type.
    pub fn new(name: &str, nesting: Nesting, block: Block) -> Self {
        let (min_items, max_items) = match nesting {
            Nesting::Single => (0, 1),
            _ => (0, 0),
        };
        NestedBlock {
            name: name.to_string(),
            nesting,
            min_items,
            max_items,
            requires_replace: false,
            block,
        }
    }

    /// Sets the item bounds (list and set blocks).
    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }

    /// Changing the blocks replaces the resource.
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    /// The cty type of the block's value in its parent object.
    pub fn implied_type(&self) -> Type {
        let inner = self.block.implied_type();
        match self.nesting {
            Nesting::Single | Nesting::Group => inner,
            Nesting::List => Type::list(inner),
            Nesting::Set => Type::set(inner),
            Nesting::Map => Type::map(inner),
        }
    }

    /// The value of the block when the configuration has none.
    pub fn empty_value(&self) -> Value {
        match self.nesting {
            Nesting::Single => Value::Null,
            Nesting::Group => self.block.empty_value(),
            Nesting::List => Value::List(Vec::new()),
            Nesting::Set => Value::Set(Vec::new()),
            Nesting::Map => Value::Map(Default::default()),
        }
    }
}

impl Block {
    /// Completes `value` to this block's shape: missing attributes become null, missing nested
    /// blocks empty, and keys the schema does not know are dropped. Handlers may build partial
    /// objects; what reaches Terraform always has every key it expects.
    pub fn complete(&self, value: Value) -> Value {
        let mut map = match value {
            Value::Object(m) => m,
            _ => return self.empty_value(),
        };
        let mut out = std::collections::BTreeMap::new();
        for attr in &self.attributes {
            out.insert(
                attr.name.clone(),
                map.remove(&attr.name).unwrap_or(Value::Null),
            );
        }
        for nested in &self.blocks {
            let v = map
                .remove(&nested.name)
                .unwrap_or_else(|| nested.empty_value());
            out.insert(nested.name.clone(), nested.complete(v));
        }
        Value::Object(out)
    }
}

impl NestedBlock {
    fn complete(&self, value: Value) -> Value {
        match (self.nesting, value) {
            (Nesting::Single, Value::Null) => Value::Null,
            (_, v @ Value::Unknown(_)) => v,
            (Nesting::Single | Nesting::Group, v) => self.block.complete(v),
            (Nesting::List, Value::List(items)) => {
                Value::List(items.into_iter().map(|v| self.block.complete(v)).collect())
            }
            (Nesting::Set, Value::Set(items) | Value::List(items)) => {
                Value::Set(items.into_iter().map(|v| self.block.complete(v)).collect())
            }
            (Nesting::Map, Value::Map(items)) => Value::Map(
                items
                    .into_iter()
                    .map(|(k, v)| (k, self.block.complete(v)))
                    .collect(),
            ),
            _ => self.empty_value(),
        }
    }
}

impl Block {
    /// Checks a configuration against this block's validators and deprecations, reporting each
    /// finding at its attribute under `path`. Null values are skipped, and validators run only on
    /// wholly known values: Terraform validates configurations that still hold unknowns.
    pub fn validate(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        for attr in &self.attributes {
            let Some(v) = value.get(&attr.name) else {
                continue;
            };
            let p = path.attr(&attr.name);
            if v.is_null() {
                continue;
            }
            if let Some(message) = &attr.deprecated {
                diags.warning_at(
                    p.clone(),
                    format!("Argument {:?} is deprecated", attr.name),
                    message.clone(),
                );
            }
            if v.is_wholly_known() {
                for validator in &attr.validators {
                    validator.check(v, &p, diags);
                }
            }
        }
        for nested in &self.blocks {
            let Some(v) = value.get(&nested.name) else {
                continue;
            };
            let p = path.attr(&nested.name);
            match (nested.nesting, v) {
                (Nesting::Single | Nesting::Group, Value::Object(_)) => {
                    nested.block.validate(v, &p, diags)
                }
                (Nesting::List, Value::List(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        nested.block.validate(item, &p.index(i as i64), diags);
                    }
                }
                (Nesting::Set, Value::Set(items)) => {
                    for item in items {
                        nested.block.validate(item, &p, diags);
                    }
                }
                (Nesting::Map, Value::Map(items)) => {
                    for (k, item) in items {
                        nested.block.validate(item, &p.key(k), diags);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_x(s: &str) -> Result<(), String> {
        if s.contains('x') {
            Err(format!("{s:?} contains 'x'."))
        } else {
            Ok(())
        }
    }

    /// The details of the checks' errors on `value`, or none.
    fn details(v: &Validator, value: &str) -> Vec<String> {
        let mut diags = Diagnostics::new();
        v.check(&Value::string(value), &Path::root().attr("a"), &mut diags);
        diags.iter().map(|d| d.detail.clone()).collect()
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let long = "x".repeat(10_000);
        let head = "x".repeat(60);
        let short = "x".repeat(60);
        let cases: Vec<(Validator, &str, Vec<String>)> = vec![
            (
                Validator::Str(not_x),
                &long,
                vec![format!("\"{head}\"… (10000 characters) contains 'x'.")],
            ),
            // Values up to the limit are quoted whole, as before.
            (
                Validator::Str(not_x),
                &short,
                vec![format!("\"{short}\" contains 'x'.")],
            ),
            (Validator::Str(not_x), "abc", vec![]),
            (
                Validator::OneOf(&["a", "b"]),
                &long,
                vec![format!(
                    "\"{head}\"… (10000 characters) is not a valid value. Valid values are: \"a\", \"b\"."
                )],
            ),
            (
                Validator::OneOf(&["a", "b"]),
                "c",
                vec!["\"c\" is not a valid value. Valid values are: \"a\", \"b\".".into()],
            ),
            (
                Validator::Length(1, 5),
                &long,
                vec![format!(
                    "The value must be between 1 and 5 characters long; \"{head}\"… (10000 characters) has 10000."
                )],
            ),
        ];
        for (v, value, want) in cases {
            let got = details(&v, value);
            assert_eq!(got, want, "{v:?} on {} chars", value.len());
            for d in &got {
                assert!(d.len() < 300, "{d}");
            }
        }
    }
}
