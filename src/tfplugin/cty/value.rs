//! The cty value model: `Value`, unknown-value refinements, accessors and the structural type check.
//!
//! Every DynamicValue the provider receives or sends is decoded into, or encoded from, a `Value`
//! against a known `Type`. The value does not carry its type; the type comes from the schema, except
//! in dynamic positions where `Value::Dynamic` records the concrete type.

use std::collections::BTreeMap;

use super::number::Number;
use super::path::{CodecError, Path};
use super::types::Type;

/// What is known about an unknown value (Terraform ≥ 1.6 "refinements"). The default is "nothing".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refinements {
    /// The value will definitely not be null.
    pub not_null: bool,
    /// A known prefix of the eventual string (string type only).
    pub string_prefix: Option<String>,
    /// A lower bound of the eventual number and whether it is inclusive (number type only).
    pub number_lower: Option<(Number, bool)>,
    /// An upper bound of the eventual number and whether it is inclusive (number type only).
    pub number_upper: Option<(Number, bool)>,
    /// An inclusive lower bound of the eventual collection length (list, set and map only).
    pub length_lower: Option<u64>,
    /// An inclusive upper bound of the eventual collection length (list, set and map only).
    pub length_upper: Option<u64>,
}

impl Refinements {
    /// Whether nothing at all is known (the plain unknown).
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }

    /// Checks that every refinement present makes sense for `ty`.
    pub fn check_for(&self, ty: &Type, path: &Path) -> Result<(), CodecError> {
        let bad = |what: &str| {
            Err(CodecError::new(
                path,
                format!(
                    "an unknown {} cannot carry a {what} refinement",
                    ty.friendly_name()
                ),
            ))
        };
        if self.string_prefix.is_some() && *ty != Type::String {
            return bad("string prefix");
        }
        if (self.number_lower.is_some() || self.number_upper.is_some()) && *ty != Type::Number {
            return bad("number bound");
        }
        if (self.length_lower.is_some() || self.length_upper.is_some()) && !ty.is_collection() {
            return bad("collection length");
        }
        Ok(())
    }

    /// A copy keeping only the refinements that make sense for `ty`.
    pub fn restricted_to(mut self, ty: &Type) -> Refinements {
        if *ty != Type::String {
            self.string_prefix = None;
        }
        if *ty != Type::Number {
            self.number_lower = None;
            self.number_upper = None;
        }
        if !ty.is_collection() {
            self.length_lower = None;
            self.length_upper = None;
        }
        self
    }
}

/// A cty value, interpreted against a type supplied from outside.
#[derive(Clone, Debug)]
pub enum Value {
    /// A null of whatever type the position has.
    Null,
    /// A value not known until apply, with whatever is known about it.
    Unknown(Refinements),
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// List elements in order.
    List(Vec<Value>),
    /// Set elements; order carries no meaning.
    Set(Vec<Value>),
    /// Map elements by key.
    Map(BTreeMap<String, Value>),
    /// Object attributes by name; an encodable object has exactly the attributes of its type.
    Object(BTreeMap<String, Value>),
    /// Tuple elements in order.
    Tuple(Vec<Value>),
    /// A non-null value (or an unknown of a known type) in a position whose schema type is dynamic,
    /// with its concrete type. A null dynamic is `Value::Null` and a wholly unknown one `Value::Unknown`.
    Dynamic(Type, Box<Value>),
}

impl PartialEq for Value {
    /// Semantic equality: set elements compare regardless of order (as multisets), numbers by value,
    /// unknowns by their refinements.
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Unknown(a), Unknown(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Number(a), Number(b)) => a == b,
            (String(a), String(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) => a == b,
            (Set(a), Set(b)) => set_eq(a, b),
            (Map(a), Map(b)) | (Object(a), Object(b)) => a == b,
            (Dynamic(ta, va), Dynamic(tb, vb)) => ta == tb && va == vb,
            _ => false,
        }
    }
}

/// Multiset equality without needing `Ord` or `Hash` on values.
fn set_eq(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut used = vec![false; b.len()];
    'outer: for x in a {
        for (j, y) in b.iter().enumerate() {
            if !used[j] && x == y {
                used[j] = true;
                continue 'outer;
            }
        }
        return false;
    }
    true
}

impl Value {
    /// A wholly unknown value (no refinements).
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A number value from an `i64`.
    pub fn number_i64(i: i64) -> Value {
        Value::Number(Number::from_i64(i))
    }

    /// A boolean value.
    pub fn bool(b: bool) -> Value {
        Value::Bool(b)
    }

    /// An object value with the given attributes.
    pub fn object<I: IntoIterator<Item = (S, Value)>, S: Into<String>>(attrs: I) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A dynamic-position value of concrete type `ty`.
    pub fn dynamic(ty: Type, v: Value) -> Value {
        Value::Dynamic(ty, Box::new(v))
    }

    /// Whether this is null (a `Dynamic` wrapper around a null counts as null).
    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Dynamic(_, v) => v.is_null(),
            _ => false,
        }
    }

    /// Whether this value itself is unknown (a `Dynamic` wrapper around an unknown counts as unknown).
    /// Use [`Value::is_wholly_known`] to look inside collections.
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::Dynamic(_, v) => v.is_unknown(),
            _ => false,
        }
    }

    /// Whether there is no unknown anywhere inside this value.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(es) | Value::Set(es) | Value::Tuple(es) => {
                es.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
        }
    }

    /// The value seen through a `Dynamic` wrapper.
    pub fn unwrap_dynamic(&self) -> &Value {
        match self {
            Value::Dynamic(_, v) => v.unwrap_dynamic(),
            v => v,
        }
    }

    fn unwrap_dynamic_mut(&mut self) -> &mut Value {
        match self {
            Value::Dynamic(_, v) => v.unwrap_dynamic_mut(),
            v => v,
        }
    }

    /// An object attribute; `None` if this is not an object (seen through `Dynamic`) or has no such
    /// attribute.
    pub fn get(&self, attr: &str) -> Option<&Value> {
        match self.unwrap_dynamic() {
            Value::Object(m) => m.get(attr),
            _ => None,
        }
    }

    /// A mutable object attribute, as [`Value::get`].
    pub fn get_mut(&mut self, attr: &str) -> Option<&mut Value> {
        match self.unwrap_dynamic_mut() {
            Value::Object(m) => m.get_mut(attr),
            _ => None,
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self.unwrap_dynamic() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.unwrap_dynamic() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self.unwrap_dynamic() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements of a known list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self.unwrap_dynamic() {
            Value::List(es) | Value::Set(es) | Value::Tuple(es) => Some(es),
            _ => None,
        }
    }

    /// The entries of a known map or object.
    pub fn entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unwrap_dynamic() {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The "absent" value of a type: an empty collection for list, set and map types (what Terraform
    /// uses for absent LIST/SET/MAP nested blocks) and `Null` for every other type.
    pub fn null_or_empty_for(ty: &Type) -> Value {
        match ty {
            Type::List(_) => Value::List(Vec::new()),
            Type::Set(_) => Value::Set(Vec::new()),
            Type::Map(_) => Value::Map(BTreeMap::new()),
            _ => Value::Null,
        }
    }

    /// A copy with every unknown (at any depth) replaced by null, e.g. for turning a plan into a state.
    pub fn unknowns_to_null(&self) -> Value {
        match self {
            Value::Unknown(_) => Value::Null,
            Value::List(es) => Value::List(es.iter().map(Value::unknowns_to_null).collect()),
            Value::Set(es) => Value::Set(es.iter().map(Value::unknowns_to_null).collect()),
            Value::Tuple(es) => Value::Tuple(es.iter().map(Value::unknowns_to_null).collect()),
            Value::Map(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.unknowns_to_null()))
                    .collect(),
            ),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.unknowns_to_null()))
                    .collect(),
            ),
            Value::Dynamic(t, v) => match v.unknowns_to_null() {
                Value::Null => Value::Null,
                inner => Value::Dynamic(t.clone(), Box::new(inner)),
            },
            v => v.clone(),
        }
    }

    /// Checks that this value has the shape of `ty`: the right variant everywhere, objects with exactly
    /// the type's attributes, tuples of the right length, `Dynamic` exactly in dynamic positions, and
    /// refinements that fit their type. The error names the first offending path.
    pub fn conforms_to(&self, ty: &Type) -> Result<(), CodecError> {
        conforms(self, ty, &Path::root(), 0)
    }
}

/// Builds the error for a value of the wrong variant at `path`.
pub(crate) fn mismatch(path: &Path, ty: &Type, v: &Value) -> CodecError {
    CodecError::new(
        path,
        format!("{} is required, found {}", ty.with_article(), describe(v)),
    )
}

/// A short description of a value's variant for error messages.
pub(crate) fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown(_) => "an unknown value",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
        Value::Tuple(_) => "a tuple",
        Value::Dynamic(..) => "a dynamic-wrapped value",
    }
}

/// Checks that an object's attribute names are exactly those of its type.
pub(crate) fn check_object_keys(
    m: &BTreeMap<String, Value>,
    attrs: &BTreeMap<String, Type>,
    path: &Path,
) -> Result<(), CodecError> {
    if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
        return Err(CodecError::new(
            path,
            format!("object has attribute {extra:?} that the schema does not define"),
        ));
    }
    if let Some(missing) = attrs.keys().find(|k| !m.contains_key(*k)) {
        return Err(CodecError::new(
            path,
            format!("object is missing attribute {missing:?}"),
        ));
    }
    Ok(())
}

/// Checks the concrete type carried by a `Dynamic` wrapper.
pub(crate) fn check_dynamic_inner(t: &Type, path: &Path) -> Result<(), CodecError> {
    if *t == Type::Dynamic {
        return Err(CodecError::new(
            path,
            "a dynamic-wrapped value must carry a concrete type, not \"dynamic\"",
        ));
    }
    Ok(())
}

fn conforms(v: &Value, ty: &Type, path: &Path, depth: usize) -> Result<(), CodecError> {
    if depth > super::MAX_DEPTH {
        return Err(CodecError::new(
            path,
            format!("value is nested deeper than {} levels", super::MAX_DEPTH),
        ));
    }
    match (ty, v) {
        (_, Value::Null) => Ok(()),
        (_, Value::Unknown(r)) => r.check_for(ty, path),
        (Type::Dynamic, Value::Dynamic(t, inner)) => {
            check_dynamic_inner(t, path)?;
            conforms(inner, t, path, depth + 1)
        }
        (Type::Dynamic, other) => Err(CodecError::new(
            path,
            format!(
                "a value in a dynamic position must be wrapped in Value::Dynamic with its type, found {}",
                describe(other)
            ),
        )),
        (Type::String, Value::String(_)) | (Type::Number, Value::Number(_)) | (Type::Bool, Value::Bool(_)) => {
            Ok(())
        }
        (Type::List(et), Value::List(es)) | (Type::Set(et), Value::Set(es)) => {
            for (i, e) in es.iter().enumerate() {
                conforms(e, et, &path.index(i as i64), depth + 1)?;
            }
            Ok(())
        }
        (Type::Map(et), Value::Map(m)) => {
            for (k, e) in m {
                conforms(e, et, &path.key(k), depth + 1)?;
            }
            Ok(())
        }
        (Type::Object(attrs), Value::Object(m)) => {
            check_object_keys(m, attrs, path)?;
            for (k, t) in attrs {
                conforms(&m[k], t, &path.attr(k), depth + 1)?;
            }
            Ok(())
        }
        (Type::Tuple(ts), Value::Tuple(es)) => {
            if ts.len() != es.len() {
                return Err(CodecError::new(
                    path,
                    format!("a tuple of length {} is required, found length {}", ts.len(), es.len()),
                ));
            }
            for (i, (e, t)) in es.iter().zip(ts).enumerate() {
                conforms(e, t, &path.index(i as i64), depth + 1)?;
            }
            Ok(())
        }
        (ty, v) => Err(mismatch(path, ty, v)),
    }
}
