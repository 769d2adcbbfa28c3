//! Typed models: a resource's or data source's configuration, plan and state as a Rust struct.
//!
//! A model is a struct with `#[derive(Model)]` (crate `aml-model-derive`): one field per
//! attribute or nested block, named as the attribute. The field's type says its shape:
//!
//! | field type | schema |
//! |---|---|
//! | `Value<String>`, `Value<bool>`, `Value<i64>` | a string, bool or number attribute |
//! | `Value<Vec<T>>`, `Value<BTreeMap<String, T>>` | a list or map attribute of `T` |
//! | `Value<M>`, `Value<Vec<M>>` with `M` a model | an object (or list of objects) attribute |
//! | `Option<M>` | a single nested block (`None` when absent) |
//! | `Vec<M>` | a list of nested blocks (empty when absent or not known yet) |
//!
//! [`Value`] keeps known, null and unknown apart per attribute. The conversion to and from the
//! wire object is generic ([`Model::from_value`], [`Model::to_value`]); [`check_model`] holds a
//! model against its schema both ways (every attribute has a field and every field an
//! attribute, with the same type), and a test runs it for every registered feature, so a
//! misspelled name fails that test instead of reading as null.
//!
//! Why a derive macro rather than a serde bridge: the schema check needs each field's name and
//! cty type without a value at hand, and "unknown" is a third state that serde's data model has
//! no place for; the macro gives both in a few lines of generated code per model.

use std::collections::BTreeMap;

pub use aml_model_derive::Model;

use super::cty::{self, Number, Type};
pub use super::object::Value;
use super::schema::{Block, Nesting};

/// The attributes of an object value by name.
pub type Attrs = BTreeMap<String, cty::Value>;

/// A typed model of an object (a resource's state, a nested block, an object attribute).
pub trait Model: Sized {
    /// Every field's attribute name and shape, in declaration order.
    fn fields() -> Vec<FieldDef>;

    /// Reads a model from an object's attributes (absent attributes read as null).
    fn from_attrs(attrs: &Attrs) -> Self;

    /// Writes every field into `attrs`, replacing what was there.
    fn into_attrs(self, attrs: &mut Attrs);

    /// Reads a model from an object value; anything but an object reads as all null.
    fn from_value(value: &cty::Value) -> Self {
        static EMPTY: Attrs = BTreeMap::new();
        Self::from_attrs(value.entries().unwrap_or(&EMPTY))
    }

    /// The model as an object value holding exactly its fields.
    fn to_value(self) -> cty::Value {
        to_value(self)
    }
}

/// One field of a model: the attribute (or nested block) name and its shape.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDef {
    /// The attribute or nested block name.
    pub name: &'static str,
    /// What the field holds.
    pub shape: Shape,
}

/// What a field of a model holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// An attribute of this type.
    Attribute(Type),
    /// A nested block type.
    Block {
        /// Single (`Option<M>`) or list (`Vec<M>`).
        repeated: bool,
        /// The nested model's fields.
        fields: Vec<FieldDef>,
    },
}

/// A Rust type that stands for a known, non-null cty value of one type.
pub trait FieldType: Sized {
    /// The cty type.
    fn cty_type() -> Type;
    /// Converts a known, non-null value; `None` when its shape does not match.
    fn from_known(value: &cty::Value) -> Option<Self>;
    /// Converts into a cty value.
    fn into_known(self) -> cty::Value;
}

impl FieldType for String {
    fn cty_type() -> Type {
        Type::String
    }
    fn from_known(value: &cty::Value) -> Option<Self> {
        value.as_str().map(str::to_string)
    }
    fn into_known(self) -> cty::Value {
        cty::Value::String(self)
    }
}

impl FieldType for bool {
    fn cty_type() -> Type {
        Type::Bool
    }
    fn from_known(value: &cty::Value) -> Option<Self> {
        value.as_bool()
    }
    fn into_known(self) -> cty::Value {
        cty::Value::Bool(self)
    }
}

impl FieldType for i64 {
    fn cty_type() -> Type {
        Type::Number
    }
    fn from_known(value: &cty::Value) -> Option<Self> {
        value.as_number().and_then(Number::to_i64)
    }
    fn into_known(self) -> cty::Value {
        cty::Value::Number(Number::from_i64(self))
    }
}

impl<T: FieldType> FieldType for Vec<T> {
    fn cty_type() -> Type {
        Type::list(T::cty_type())
    }
    /// A list whose elements are not all known and of the right shape reads as `None`.
    fn from_known(value: &cty::Value) -> Option<Self> {
        value.elements()?.iter().map(T::from_known).collect()
    }
    fn into_known(self) -> cty::Value {
        cty::Value::List(self.into_iter().map(T::into_known).collect())
    }
}

impl<T: FieldType> FieldType for BTreeMap<String, T> {
    fn cty_type() -> Type {
        Type::map(T::cty_type())
    }
    fn from_known(value: &cty::Value) -> Option<Self> {
        match value {
            cty::Value::Map(m) => m
                .iter()
                .map(|(k, v)| T::from_known(v).map(|v| (k.clone(), v)))
                .collect(),
            _ => None,
        }
    }
    fn into_known(self) -> cty::Value {
        cty::Value::Map(self.into_iter().map(|(k, v)| (k, v.into_known())).collect())
    }
}

/// A field of a model: how it reads from and writes to the wire, and its shape for the check.
pub trait Field: Sized {
    /// The field's shape.
    fn shape() -> Shape;
    /// Reads the field from its cty value (null when absent).
    fn from_cty(value: &cty::Value) -> Self;
    /// Writes the field as a cty value.
    fn into_cty(self) -> cty::Value;
}

impl<T: FieldType> Field for Value<T> {
    fn shape() -> Shape {
        Shape::Attribute(T::cty_type())
    }
    /// A collection with unknown elements that `T` cannot hold reads as unknown (it is not known
    /// yet as a whole); a value of the wrong shape reads as null (the schema prevents it).
    fn from_cty(value: &cty::Value) -> Self {
        match value.unwrap_dynamic() {
            cty::Value::Null => Value::Null,
            cty::Value::Unknown(_) => Value::Unknown,
            v => match T::from_known(v) {
                Some(t) => Value::Known(t),
                None if !v.is_wholly_known() => Value::Unknown,
                None => Value::Null,
            },
        }
    }
    fn into_cty(self) -> cty::Value {
        match self {
            Value::Known(v) => v.into_known(),
            Value::Null => cty::Value::Null,
            Value::Unknown => cty::Value::unknown(),
        }
    }
}

impl<M: Model> Field for Option<M> {
    fn shape() -> Shape {
        Shape::Block {
            repeated: false,
            fields: M::fields(),
        }
    }
    fn from_cty(value: &cty::Value) -> Self {
        value.entries().map(M::from_attrs)
    }
    fn into_cty(self) -> cty::Value {
        self.map_or(cty::Value::Null, to_value)
    }
}

impl<M: Model> Field for Vec<M> {
    fn shape() -> Shape {
        Shape::Block {
            repeated: true,
            fields: M::fields(),
        }
    }
    fn from_cty(value: &cty::Value) -> Self {
        value
            .elements()
            .unwrap_or(&[])
            .iter()
            .map(M::from_value)
            .collect()
    }
    fn into_cty(self) -> cty::Value {
        cty::Value::List(self.into_iter().map(to_value).collect())
    }
}

/// The value of attribute `name` in `attrs` (null when absent).
pub fn attr_of<'a>(attrs: &'a Attrs, name: &str) -> &'a cty::Value {
    static NULL: cty::Value = cty::Value::Null;
    attrs.get(name).unwrap_or(&NULL)
}

/// A model as an object value holding exactly its fields.
pub fn to_value<M: Model>(model: M) -> cty::Value {
    let mut attrs = Attrs::new();
    model.into_attrs(&mut attrs);
    cty::Value::Object(attrs)
}

/// The cty object type of a model's values.
pub fn object_type<M: Model>() -> Type {
    fields_type(&M::fields())
}

fn fields_type(fields: &[FieldDef]) -> Type {
    Type::object(fields.iter().map(|f| (f.name, shape_type(&f.shape))))
}

fn shape_type(shape: &Shape) -> Type {
    match shape {
        Shape::Attribute(t) => t.clone(),
        Shape::Block {
            repeated: false,
            fields,
        } => fields_type(fields),
        Shape::Block {
            repeated: true,
            fields,
        } => Type::list(fields_type(fields)),
    }
}

/// Writes `model` over `base` (an object value): the model's fields replace their attributes,
/// other attributes of `base` (the framework's `timeouts` block) stay. A field whose typed value
/// is the same as `base`'s keeps `base`'s exact value, so what a model cannot hold (unknown
/// refinements, an unknown list of blocks) survives a handler that did not change it.
pub fn merge_into<M: Model>(base: &cty::Value, model: M) -> cty::Value {
    let mut attrs = base.entries().cloned().unwrap_or_default();
    let mut roundtrip = Attrs::new();
    M::from_attrs(&attrs).into_attrs(&mut roundtrip);
    let mut written = Attrs::new();
    model.into_attrs(&mut written);
    for (name, value) in written {
        let unchanged = roundtrip.get(&name) == Some(&value) && attrs.contains_key(&name);
        if !unchanged {
            attrs.insert(name, value);
        }
    }
    cty::Value::Object(attrs)
}

/// Holds a model's fields against a block's schema, both ways: every attribute and nested
/// block has a field and every field an attribute or block, with the same type. `skip` names
/// blocks the framework owns (`timeouts`). Returns one message per mismatch, with its path.
pub fn check_model(block: &Block, fields: &[FieldDef], skip: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    check_fields(block, fields, skip, "", &mut out);
    out
}

fn check_fields(
    block: &Block,
    fields: &[FieldDef],
    skip: &[&str],
    at: &str,
    out: &mut Vec<String>,
) {
    let field = |name: &str| fields.iter().find(|f| f.name == name);
    for a in &block.attributes {
        match field(&a.name) {
            None => out.push(format!("{at}{}: attribute without a model field", a.name)),
            Some(FieldDef {
                shape: Shape::Attribute(t),
                ..
            }) if *t == a.ty => {}
            Some(f) => out.push(format!(
                "{at}{}: the schema says {}, the model field holds {:?}",
                a.name,
                a.ty.friendly_name(),
                f.shape
            )),
        }
    }
    for b in &block.blocks {
        if at.is_empty() && skip.contains(&b.name.as_str()) {
            continue;
        }
        let repeated = !matches!(b.nesting, Nesting::Single | Nesting::Group);
        match field(&b.name) {
            Some(FieldDef {
                shape:
                    Shape::Block {
                        repeated: r,
                        fields,
                    },
                ..
            }) if *r == repeated && b.nesting != Nesting::Set => {
                check_fields(&b.block, fields, &[], &format!("{at}{}.", b.name), out);
            }
            None => out.push(format!(
                "{at}{}: nested block without a model field",
                b.name
            )),
            Some(f) => out.push(format!(
                "{at}{}: the schema has a {:?} block, the model field holds {:?}",
                b.name, b.nesting, f.shape
            )),
        }
    }
    for f in fields {
        let known = block.find_attribute(f.name).is_some() || block.find_block(f.name).is_some();
        if !known {
            out.push(format!(
                "{at}{}: model field without an attribute or block",
                f.name
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::schema::{Attribute, NestedBlock};

    #[derive(Model, Debug, PartialEq)]
    struct Inner {
        fqdn: Value<String>,
        ports: Value<Vec<String>>,
    }

    #[derive(Model, Debug, PartialEq)]
    struct Outer {
        id: Value<String>,
        r#type: Value<String>,
        count: Value<i64>,
        enabled: Value<bool>,
        tags: Value<BTreeMap<String, String>>,
        configs: Value<Vec<Inner>>,
        single: Option<Inner>,
        many: Vec<Inner>,
    }

    fn schema() -> Block {
        let inner = || {
            Block::new("inner")
                .attribute(Attribute::optional("fqdn", Type::String, "f"))
                .attribute(Attribute::optional("ports", Type::list(Type::String), "p"))
        };
        Block::new("outer")
            .attribute(Attribute::computed("id", Type::String, "i"))
            .attribute(Attribute::optional("type", Type::String, "t"))
            .attribute(Attribute::optional("count", Type::Number, "c"))
            .attribute(Attribute::optional("enabled", Type::Bool, "e"))
            .attribute(Attribute::optional("tags", Type::map(Type::String), "t"))
            .attribute(Attribute::computed(
                "configs",
                Type::list(object_type::<Inner>()),
                "c",
            ))
            .block(NestedBlock::new("single", Nesting::Single, inner()))
            .block(NestedBlock::new("many", Nesting::List, inner()))
    }

    #[test]
    fn a_model_matches_its_schema_and_names_its_attributes() {
        assert_eq!(
            check_model(&schema(), &Outer::fields(), &[]),
            Vec::<String>::new()
        );
        assert_eq!(Outer::TYPE, "type");
        assert_eq!(Outer::CONFIGS, "configs");
        assert_eq!(object_type::<Outer>(), schema().implied_type());
    }

    #[test]
    fn mismatches_are_found_both_ways_with_their_path() {
        let block = schema()
            .attribute(Attribute::optional("extra", Type::String, "x"))
            .block(NestedBlock::new(
                "timeouts",
                Nesting::Single,
                Block::new("t"),
            ));
        let mut wrong = Outer::fields();
        wrong.retain(|f| f.name != "count");
        wrong.push(FieldDef {
            name: "enabled_typo",
            shape: Shape::Attribute(Type::Bool),
        });
        if let Some(f) = wrong.iter_mut().find(|f| f.name == "enabled") {
            f.shape = Shape::Attribute(Type::String);
        }
        if let Some(Shape::Block { fields, .. }) = wrong
            .iter_mut()
            .find(|f| f.name == "many")
            .map(|f| &mut f.shape)
        {
            fields.retain(|f| f.name != "ports");
        }
        let got = check_model(&block, &wrong, &["timeouts"]);
        assert_eq!(
            got,
            vec![
                "count: attribute without a model field".to_string(),
                "enabled: the schema says bool, the model field holds Attribute(String)".into(),
                "extra: attribute without a model field".into(),
                "many.ports: attribute without a model field".into(),
                "enabled_typo: model field without an attribute or block".into(),
            ]
        );
    }

    #[test]
    fn values_round_trip_with_known_null_and_unknown() {
        let v = cty::Value::object([
            ("id", cty::Value::string("x")),
            ("type", cty::Value::unknown()),
            ("count", cty::Value::number_i64(3)),
            ("enabled", cty::Value::Null),
            (
                "tags",
                cty::Value::Map(BTreeMap::from([("a".into(), cty::Value::string("b"))])),
            ),
            (
                "configs",
                cty::Value::List(vec![cty::Value::object([
                    ("fqdn", cty::Value::string("f")),
                    ("ports", cty::Value::List(vec![cty::Value::string("443")])),
                ])]),
            ),
            ("single", cty::Value::Null),
            ("many", cty::Value::List(vec![])),
        ]);
        let m = Outer::from_value(&v);
        assert_eq!(m.id, Value::Known("x".into()));
        assert_eq!(m.r#type, Value::Unknown);
        assert_eq!(m.count, Value::Known(3));
        assert_eq!(m.enabled, Value::Null);
        assert_eq!(m.single, None);
        assert_eq!(
            m.configs.as_known().map(|c| c[0].ports.clone()),
            Some(Value::Known(vec!["443".to_string()]))
        );
        assert_eq!(m.to_value(), v);

        let partly = cty::Value::List(vec![cty::Value::string("a"), cty::Value::unknown()]);
        let v = cty::Value::object([("fqdn", cty::Value::Null), ("ports", partly)]);
        assert_eq!(Inner::from_value(&v).ports, Value::Unknown);
    }

    #[test]
    fn merging_keeps_what_the_model_did_not_change() {
        let refined = cty::Value::Unknown(cty::Refinements {
            not_null: true,
            ..Default::default()
        });
        let base = cty::Value::object([
            ("fqdn", refined.clone()),
            ("ports", cty::Value::unknown()),
            ("timeouts", cty::Value::Null),
        ]);
        let mut m = Inner::from_value(&base);
        m.ports = Value::Known(vec!["80".into()]);
        let merged = merge_into(&base, m);
        assert_eq!(merged.get("fqdn"), Some(&refined));
        assert_eq!(
            merged.get("ports"),
            Some(&cty::Value::List(vec![cty::Value::string("80")]))
        );
        assert_eq!(merged.get("timeouts"), Some(&cty::Value::Null));
    }
}
