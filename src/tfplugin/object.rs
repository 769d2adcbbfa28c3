//! Typed access to configuration and state objects for resources, data sources and the provider.
//!
//! Handlers never see protobuf or msgpack: they get an [`Object`] and read attributes as
//! [`Value<T>`], which says whether a value is known, null or not yet known (during planning).

use std::collections::BTreeMap;

use super::cty::{self, Number};

/// An attribute value seen by a handler: known, null, or unknown until apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<T> {
    /// A known, non-null value.
    Known(T),
    /// Null (unset in configuration, or absent remotely).
    Null,
    /// Not known yet: it depends on something Terraform has not created.
    Unknown,
}

impl<T> Value<T> {
    /// The known value, if any.
    pub fn known(self) -> Option<T> {
        match self {
            Value::Known(v) => Some(v),
            _ => None,
        }
    }

    /// A reference to the known value, if any.
    pub fn as_known(&self) -> Option<&T> {
        match self {
            Value::Known(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the value is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Maps the known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Value<U> {
        match self {
            Value::Known(v) => Value::Known(f(v)),
            Value::Null => Value::Null,
            Value::Unknown => Value::Unknown,
        }
    }
}

/// Conversion from a cty value to a Rust type, used by the typed getters.
pub trait FromCty: Sized {
    /// Converts a known, non-null value; `None` when the shape does not match.
    fn from_cty(value: &cty::Value) -> Option<Self>;
}

impl FromCty for String {
    fn from_cty(value: &cty::Value) -> Option<Self> {
        value.as_str().map(str::to_string)
    }
}

impl FromCty for bool {
    fn from_cty(value: &cty::Value) -> Option<Self> {
        value.as_bool()
    }
}

impl FromCty for i64 {
    fn from_cty(value: &cty::Value) -> Option<Self> {
        value.as_number().and_then(Number::to_i64)
    }
}

impl FromCty for Vec<String> {
    fn from_cty(value: &cty::Value) -> Option<Self> {
        value
            .elements()?
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect()
    }
}

impl FromCty for BTreeMap<String, String> {
    fn from_cty(value: &cty::Value) -> Option<Self> {
        match value {
            cty::Value::Map(m) => m
                .iter()
                .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect(),
            _ => None,
        }
    }
}

/// Conversion from a Rust value to a cty value, used by the setters.
pub trait IntoCty {
    /// Converts into a cty value.
    fn into_cty(self) -> cty::Value;
}

impl IntoCty for cty::Value {
    fn into_cty(self) -> cty::Value {
        self
    }
}

impl IntoCty for String {
    fn into_cty(self) -> cty::Value {
        cty::Value::String(self)
    }
}

impl IntoCty for &str {
    fn into_cty(self) -> cty::Value {
        cty::Value::String(self.to_string())
    }
}

impl IntoCty for bool {
    fn into_cty(self) -> cty::Value {
        cty::Value::Bool(self)
    }
}

impl IntoCty for i64 {
    fn into_cty(self) -> cty::Value {
        cty::Value::Number(Number::from_i64(self))
    }
}

impl<T: IntoCty> IntoCty for Option<T> {
    fn into_cty(self) -> cty::Value {
        self.map_or(cty::Value::Null, IntoCty::into_cty)
    }
}

impl IntoCty for Vec<String> {
    fn into_cty(self) -> cty::Value {
        cty::Value::List(self.into_iter().map(cty::Value::String).collect())
    }
}

impl IntoCty for BTreeMap<String, String> {
    fn into_cty(self) -> cty::Value {
        cty::Value::Map(
            self.into_iter()
                .map(|(k, v)| (k, cty::Value::String(v)))
                .collect(),
        )
    }
}

/// An object value (a resource's configuration, plan or state, or a nested block).
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    value: cty::Value,
}

impl Object {
    /// Wraps an object value. Anything but an object becomes an empty object.
    pub fn new(value: cty::Value) -> Self {
        match value {
            cty::Value::Object(_) => Object { value },
            _ => Object {
                value: cty::Value::Object(BTreeMap::new()),
            },
        }
    }

    /// The raw cty value.
    pub fn raw(&self) -> &cty::Value {
        &self.value
    }

    /// Consumes the object into its cty value.
    pub fn into_raw(self) -> cty::Value {
        self.value
    }

    /// The raw value of one attribute or nested block (null when absent).
    pub fn attr(&self, name: &str) -> &cty::Value {
        static NULL: cty::Value = cty::Value::Null;
        self.value.get(name).unwrap_or(&NULL)
    }

    /// A typed attribute value. A value of the wrong shape reads as null (the schema prevents it).
    pub fn get<T: FromCty>(&self, name: &str) -> Value<T> {
        match self.attr(name) {
            cty::Value::Null => Value::Null,
            cty::Value::Unknown(_) => Value::Unknown,
            v => T::from_cty(v).map_or(Value::Null, Value::Known),
        }
    }

    /// A known string attribute, or `None` when null or unknown.
    pub fn string(&self, name: &str) -> Option<String> {
        self.get::<String>(name).known()
    }

    /// A known bool attribute, or `default` when null or unknown.
    pub fn bool_or(&self, name: &str, default: bool) -> bool {
        self.get::<bool>(name).known().unwrap_or(default)
    }

    /// Sets an attribute or nested block value.
    pub fn set(&mut self, name: &str, value: impl IntoCty) {
        if let cty::Value::Object(map) = &mut self.value {
            map.insert(name.to_string(), value.into_cty());
        }
    }

    /// A single nested block, if present and known.
    pub fn block(&self, name: &str) -> Option<Object> {
        match self.attr(name) {
            v @ cty::Value::Object(_) => Some(Object::new(v.clone())),
            _ => None,
        }
    }

    /// The elements of a list or set nested block (empty when absent or unknown).
    pub fn blocks(&self, name: &str) -> Vec<Object> {
        self.attr(name)
            .elements()
            .unwrap_or(&[])
            .iter()
            .cloned()
            .map(Object::new)
            .collect()
    }
}

impl From<cty::Value> for Object {
    fn from(value: cty::Value) -> Self {
        Object::new(value)
    }
}
