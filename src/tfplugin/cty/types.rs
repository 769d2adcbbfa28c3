//! The cty type system as seen on the wire: the `Type` enum and its JSON form.
//!
//! Terraform describes every attribute type, function parameter and dynamic-value wrapper with a small
//! JSON language (`"string"`, `["list","string"]`, `["object",{...}]`, ...). This file models those types
//! and converts them to and from that JSON.

use std::collections::BTreeMap;

use super::path::{CodecError, Path};
use super::MAX_DEPTH;

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// A Unicode string.
    String,
    /// An arbitrary-precision number.
    Number,
    /// A boolean.
    Bool,
    /// The dynamic pseudo-type: the concrete type travels with the value.
    Dynamic,
    /// An ordered sequence of elements of one type.
    List(Box<Type>),
    /// An unordered collection of distinct elements of one type.
    Set(Box<Type>),
    /// A string-keyed collection of elements of one type.
    Map(Box<Type>),
    /// A fixed set of named attributes, each with its own type.
    Object(BTreeMap<String, Type>),
    /// A fixed-length sequence with a type per position.
    Tuple(Vec<Type>),
}

impl Type {
    /// A list of `t`.
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    /// A set of `t`.
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    /// A map of `t`.
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// An object type with the given attributes.
    pub fn object<I: IntoIterator<Item = (S, Type)>, S: Into<String>>(attrs: I) -> Type {
        Type::Object(attrs.into_iter().map(|(k, t)| (k.into(), t)).collect())
    }

    /// A tuple type with the given element types.
    pub fn tuple<I: IntoIterator<Item = Type>>(elems: I) -> Type {
        Type::Tuple(elems.into_iter().collect())
    }

    /// Compact type JSON with object attributes sorted, as Terraform expects in `Schema.Attribute.type`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Type::String => out.push_str("\"string\""),
            Type::Number => out.push_str("\"number\""),
            Type::Bool => out.push_str("\"bool\""),
            Type::Dynamic => out.push_str("\"dynamic\""),
            Type::List(t) | Type::Set(t) | Type::Map(t) => {
                let kind = match self {
                    Type::List(_) => "list",
                    Type::Set(_) => "set",
                    _ => "map",
                };
                out.push_str("[\"");
                out.push_str(kind);
                out.push_str("\",");
                t.write_json(out);
                out.push(']');
            }
            Type::Object(attrs) => {
                out.push_str("[\"object\",{");
                for (i, (name, t)) in attrs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&json_string(name));
                    out.push(':');
                    t.write_json(out);
                }
                out.push_str("}]");
            }
            Type::Tuple(elems) => {
                out.push_str("[\"tuple\",[");
                for (i, t) in elems.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    t.write_json(out);
                }
                out.push_str("]]");
            }
        }
    }

    /// Parses type JSON. Whitespace is tolerated, and the optional third element of an object type (the
    /// list of optional attribute names used in type constraints) is accepted and ignored.
    pub fn from_json(bytes: &[u8]) -> Result<Type, CodecError> {
        let v: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| CodecError::new(&Path::root(), format!("invalid type JSON: {e}")))?;
        Type::from_json_value(&v, 0)
    }

    /// Converts an already-parsed type JSON value; `depth` counts enclosing types.
    pub(crate) fn from_json_value(v: &serde_json::Value, depth: usize) -> Result<Type, CodecError> {
        use serde_json::Value as J;
        let err = |m: String| CodecError::new(&Path::root(), m);
        if depth > MAX_DEPTH {
            return Err(err(format!(
                "type JSON is nested deeper than {MAX_DEPTH} levels"
            )));
        }
        match v {
            J::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(err(format!(
                    "invalid type JSON: unknown primitive type {other:?}"
                ))),
            },
            J::Array(items) => {
                let kind = items.first().and_then(J::as_str).ok_or_else(|| {
                    err(
                        "invalid type JSON: a complex type must be an array starting with its kind"
                            .into(),
                    )
                })?;
                let arg = items.get(1);
                let arity_ok = match kind {
                    "object" => items.len() == 2 || items.len() == 3,
                    _ => items.len() == 2,
                };
                if !arity_ok {
                    return Err(err(format!(
                        "invalid type JSON: a {kind} type has the wrong number of elements ({})",
                        items.len()
                    )));
                }
                let arg = arg.expect("arity checked above");
                match kind {
                    "list" => Ok(Type::list(Type::from_json_value(arg, depth + 1)?)),
                    "set" => Ok(Type::set(Type::from_json_value(arg, depth + 1)?)),
                    "map" => Ok(Type::map(Type::from_json_value(arg, depth + 1)?)),
                    "object" => {
                        let attrs = arg.as_object().ok_or_else(|| {
                            err("invalid type JSON: object attributes must be a JSON object".into())
                        })?;
                        let mut out = BTreeMap::new();
                        for (name, t) in attrs {
                            out.insert(name.clone(), Type::from_json_value(t, depth + 1)?);
                        }
                        if let Some(optional) = items.get(2) {
                            if !optional.is_array() {
                                return Err(err(
                                    "invalid type JSON: optional attribute list must be an array"
                                        .into(),
                                ));
                            }
                        }
                        Ok(Type::Object(out))
                    }
                    "tuple" => {
                        let elems = arg.as_array().ok_or_else(|| {
                            err(
                                "invalid type JSON: tuple element types must be a JSON array"
                                    .into(),
                            )
                        })?;
                        let elems = elems
                            .iter()
                            .map(|t| Type::from_json_value(t, depth + 1))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok(Type::Tuple(elems))
                    }
                    other => Err(err(format!(
                        "invalid type JSON: unknown type kind {other:?}"
                    ))),
                }
            }
            _ => Err(err(
                "invalid type JSON: expected a string or an array".into()
            )),
        }
    }

    /// A short human description for error messages, in cty's wording: "string", "list of string",
    /// "object", "tuple", "dynamic".
    pub fn friendly_name(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::Dynamic => "dynamic".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Object(_) => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }

    /// The friendly name with an indefinite article: "a string", "an object".
    pub fn with_article(&self) -> String {
        let name = self.friendly_name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }

    /// Whether this is a list, set or map type (the types that can carry length refinements).
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }
}

/// A JSON string literal for `s`.
pub(crate) fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("serialising a str cannot fail")
}
