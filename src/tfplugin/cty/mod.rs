//! TEMPORARY stub of the cty API, replaced by the real codec branch at merge.
#![allow(missing_docs, dead_code, unused_variables)]
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type { String, Number, Bool, Dynamic, List(Box<Type>), Set(Box<Type>), Map(Box<Type>), Object(BTreeMap<String, Type>), Tuple(Vec<Type>) }
impl Type {
    pub fn to_json(&self) -> String { String::new() }
    pub fn from_json(bytes: &[u8]) -> Result<Type, CodecError> { Err(CodecError::new("stub")) }
    pub fn list(t: Type) -> Type { Type::List(Box::new(t)) }
    pub fn set(t: Type) -> Type { Type::Set(Box::new(t)) }
    pub fn map(t: Type) -> Type { Type::Map(Box::new(t)) }
    pub fn object<I: IntoIterator<Item = (S, Type)>, S: Into<String>>(attrs: I) -> Type { Type::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect()) }
    pub fn friendly_name(&self) -> String { String::new() }
}
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(String);
impl Number {
    pub fn from_i64(i: i64) -> Self { Number(i.to_string()) }
    pub fn from_u64(i: u64) -> Self { Number(i.to_string()) }
    pub fn from_f64(f: f64) -> Option<Self> { None }
    pub fn parse(s: &str) -> Option<Self> { None }
    pub fn to_i64(&self) -> Option<i64> { self.0.parse().ok() }
    pub fn to_f64(&self) -> f64 { 0.0 }
    pub fn is_integer(&self) -> bool { true }
}
impl fmt::Display for Number { fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) } }
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refinements { pub not_null: bool, pub string_prefix: Option<String>, pub number_lower: Option<(Number, bool)>, pub number_upper: Option<(Number, bool)>, pub length_lower: Option<u64>, pub length_upper: Option<u64> }
#[derive(Clone, Debug, PartialEq)]
pub enum Value { Null, Unknown(Refinements), Bool(bool), Number(Number), String(String), List(Vec<Value>), Set(Vec<Value>), Map(BTreeMap<String, Value>), Object(BTreeMap<String, Value>), Tuple(Vec<Value>), Dynamic(Type, Box<Value>) }
impl Value {
    pub fn unknown() -> Value { Value::Unknown(Refinements::default()) }
    pub fn string(s: impl Into<String>) -> Value { Value::String(s.into()) }
    pub fn number_i64(i: i64) -> Value { Value::Number(Number::from_i64(i)) }
    pub fn object<I: IntoIterator<Item = (S, Value)>, S: Into<String>>(attrs: I) -> Value { Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect()) }
    pub fn is_null(&self) -> bool { matches!(self, Value::Null) }
    pub fn is_unknown(&self) -> bool { matches!(self, Value::Unknown(_)) }
    pub fn is_wholly_known(&self) -> bool { true }
    pub fn get(&self, attr: &str) -> Option<&Value> { match self { Value::Object(m) => m.get(attr), _ => None } }
    pub fn get_mut(&mut self, attr: &str) -> Option<&mut Value> { match self { Value::Object(m) => m.get_mut(attr), _ => None } }
    pub fn as_str(&self) -> Option<&str> { match self { Value::String(s) => Some(s), _ => None } }
    pub fn as_bool(&self) -> Option<bool> { match self { Value::Bool(b) => Some(*b), _ => None } }
    pub fn as_number(&self) -> Option<&Number> { match self { Value::Number(n) => Some(n), _ => None } }
    pub fn elements(&self) -> Option<&[Value]> { match self { Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v), _ => None } }
    pub fn conforms_to(&self, ty: &Type) -> Result<(), CodecError> { Ok(()) }
}
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Path(pub Vec<PathStep>);
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep { Attr(String), Key(String), Index(i64) }
impl Path {
    pub fn root() -> Path { Path::default() }
    pub fn attr(&self, name: &str) -> Path { let mut p = self.clone(); p.0.push(PathStep::Attr(name.into())); p }
    pub fn key(&self, k: &str) -> Path { let mut p = self.clone(); p.0.push(PathStep::Key(k.into())); p }
    pub fn index(&self, i: i64) -> Path { let mut p = self.clone(); p.0.push(PathStep::Index(i)); p }
    pub fn is_root(&self) -> bool { self.0.is_empty() }
}
impl fmt::Display for Path { fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { Ok(()) } }
#[derive(Debug)]
pub struct CodecError { pub path: Path, pub message: String }
impl CodecError { fn new(m: &str) -> Self { CodecError { path: Path::root(), message: m.into() } } }
impl fmt::Display for CodecError { fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.message) } }
impl std::error::Error for CodecError {}
pub mod msgpack {
    use super::*;
    pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> { Err(CodecError::new("stub")) }
    pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> { Err(CodecError::new("stub")) }
}
pub mod json {
    use super::*;
    pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> { Err(CodecError::new("stub")) }
    pub fn decode_strict(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> { Err(CodecError::new("stub")) }
    pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> { Err(CodecError::new("stub")) }
}
