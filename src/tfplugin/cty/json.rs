//! The JSON value codec, for `RawState.json` (UpgradeResourceState, MoveResourceState) and JSON
//! DynamicValues.
//!
//! Numbers in state files are arbitrary precision, and serde_json without its `arbitrary_precision`
//! feature turns every number into an `f64`. Enabling that feature would change `serde_json::Number`
//! for every crate in the build (azure_core, reqwest, ...) through feature unification, so instead this
//! file has a small JSON parser of its own that keeps each number's text. It only finds token
//! boundaries and structure; string literals are still unescaped by serde_json. The parser also bounds
//! nesting depth.

use std::collections::BTreeMap;

use super::number::Number;
use super::path::{CodecError, Path};
use super::types::{json_string, Type};
use super::value::{check_dynamic_inner, check_object_keys, describe, mismatch, Value};
use super::MAX_DEPTH;

/// Decodes JSON of type `ty` leniently: object attributes the type lacks are dropped (state written by
/// a newer or different schema) and attributes missing from the JSON are null.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    decode_with(bytes, ty, false)
}

/// Decodes JSON of type `ty`, rejecting object attributes the type lacks. Missing attributes are still
/// null.
pub fn decode_strict(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    decode_with(bytes, ty, true)
}

/// Encodes `v` as compact JSON of type `ty`. Unknown values are an error: JSON cannot express them.
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = String::new();
    encode_value(&mut out, v, ty, &Path::root(), 0)?;
    Ok(out.into_bytes())
}

fn decode_with(bytes: &[u8], ty: &Type, strict: bool) -> Result<Value, CodecError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| CodecError::new(&Path::root(), format!("JSON is not valid UTF-8: {e}")))?;
    let mut p = Parser {
        s: text,
        b: bytes,
        pos: 0,
    };
    let tree = p
        .document()
        .map_err(|m| CodecError::new(&Path::root(), m))?;
    Decoder { strict }.value(&tree, ty, &Path::root(), 0)
}

// ---------------------------------------------------------------------------------------------------
// Parsing into a tree that keeps number text.

/// A parsed JSON value. Numbers keep their source text; objects keep member order and duplicates.
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn describe(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "a bool",
            J::Num(_) => "a number",
            J::Str(_) => "a string",
            J::Arr(_) => "an array",
            J::Obj(_) => "an object",
        }
    }

    /// Converts to a serde_json value, for handing a dynamic value's type to [`Type`]'s parser. Numbers
    /// never occur in valid type JSON, so they become strings (and are then rejected as unknown types).
    fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as S;
        match self {
            J::Null => S::Null,
            J::Bool(b) => S::Bool(*b),
            J::Num(n) => S::String(n.clone()),
            J::Str(s) => S::String(s.clone()),
            J::Arr(a) => S::Array(a.iter().map(J::to_serde).collect()),
            J::Obj(o) => S::Object(o.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect()),
        }
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn document(&mut self) -> Result<J, String> {
        let v = self.value(0)?;
        self.ws();
        if self.pos != self.b.len() {
            return Err(format!(
                "invalid JSON: unexpected data after the value at offset {}",
                self.pos
            ));
        }
        Ok(v)
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    fn fail<T>(&self, what: &str) -> Result<T, String> {
        if self.pos >= self.b.len() {
            Err(format!("invalid JSON: unexpected end of input ({what})"))
        } else {
            Err(format!("invalid JSON: {what} at offset {}", self.pos))
        }
    }

    fn literal(&mut self, word: &str, v: J) -> Result<J, String> {
        if self.b[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.fail("invalid literal")
        }
    }

    fn value(&mut self, depth: usize) -> Result<J, String> {
        if depth > MAX_DEPTH {
            return Err(format!("JSON is nested deeper than {MAX_DEPTH} levels"));
        }
        self.ws();
        match self.b.get(self.pos) {
            None => self.fail("expected a value"),
            Some(b'n') => self.literal("null", J::Null),
            Some(b't') => self.literal("true", J::Bool(true)),
            Some(b'f') => self.literal("false", J::Bool(false)),
            Some(b'"') => Ok(J::Str(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    return Ok(J::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.b.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(J::Arr(items));
                        }
                        _ => return self.fail("expected ',' or ']'"),
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.b.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    return Ok(J::Obj(members));
                }
                loop {
                    self.ws();
                    if self.b.get(self.pos) != Some(&b'"') {
                        return self.fail("expected an object key");
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.b.get(self.pos) != Some(&b':') {
                        return self.fail("expected ':'");
                    }
                    self.pos += 1;
                    members.push((k, self.value(depth + 1)?));
                    self.ws();
                    match self.b.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(J::Obj(members));
                        }
                        _ => return self.fail("expected ',' or '}'"),
                    }
                }
            }
            Some(_) => self.fail("unexpected character"),
        }
    }

    /// Scans a string literal and unescapes it with serde_json.
    fn string(&mut self) -> Result<String, String> {
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        loop {
            match self.b.get(self.pos) {
                None => return self.fail("unterminated string"),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 2;
                }
                Some(c) if *c < 0x20 => return self.fail("control character in string"),
                Some(_) => self.pos += 1,
            }
        }
        self.pos += 1;
        if !escaped {
            return Ok(self.s[start + 1..self.pos - 1].to_string());
        }
        serde_json::from_str::<String>(&self.s[start..self.pos])
            .map_err(|e| format!("invalid JSON string at offset {start}: {e}"))
    }

    /// Scans a number by the JSON grammar and keeps its text.
    fn number(&mut self) -> Result<J, String> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while let Some(b'0'..=b'9') = p.b.get(p.pos) {
                p.pos += 1;
            }
            p.pos - s
        };
        if self.b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = digits(self);
        if n == 0 || (n > 1 && self.b[int_start] == b'0') {
            return self.fail("invalid number");
        }
        if self.b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return self.fail("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.b.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.b.get(self.pos) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return self.fail("invalid number");
            }
        }
        Ok(J::Num(self.s[start..self.pos].to_string()))
    }
}

// ---------------------------------------------------------------------------------------------------
// Tree to value.

struct Decoder {
    strict: bool,
}

impl Decoder {
    fn value(&self, j: &J, ty: &Type, path: &Path, depth: usize) -> Result<Value, CodecError> {
        let at = |m: String| CodecError::new(path, m);
        let wrong = || {
            at(format!(
                "{} is required, found {}",
                ty.with_article(),
                j.describe()
            ))
        };
        if depth > MAX_DEPTH {
            return Err(at(format!(
                "value is nested deeper than {MAX_DEPTH} levels"
            )));
        }
        if let J::Null = j {
            return Ok(Value::Null);
        }
        match ty {
            Type::Dynamic => {
                let J::Obj(members) = j else {
                    return Err(wrong());
                };
                let mut value = None;
                let mut type_json = None;
                for (k, v) in members {
                    match k.as_str() {
                        "value" => value = Some(v),
                        "type" => type_json = Some(v),
                        other if self.strict => {
                            return Err(at(format!(
                                "invalid key {other:?} in a dynamically-typed value"
                            )))
                        }
                        _ => {}
                    }
                }
                let (Some(value), Some(type_json)) = (value, type_json) else {
                    return Err(at(
                        "a dynamically-typed value needs both \"value\" and \"type\"".into(),
                    ));
                };
                let inner_ty = Type::from_json_value(&type_json.to_serde(), 0)
                    .map_err(|e| at(format!("dynamic value type: {}", e.message)))?;
                let inner = self.value(value, &inner_ty, path, depth + 1)?;
                if inner_ty == Type::Dynamic {
                    return Ok(inner);
                }
                Ok(Value::Dynamic(inner_ty, Box::new(inner)))
            }
            // Like cty, primitives convert between each other: numbers and bools may arrive as
            // strings and vice versa.
            Type::String => match j {
                J::Str(s) => Ok(Value::String(s.clone())),
                J::Num(n) => Ok(Value::String(parse_number(n, path)?.to_string())),
                J::Bool(b) => Ok(Value::String(b.to_string())),
                _ => Err(wrong()),
            },
            Type::Number => match j {
                J::Num(n) | J::Str(n) => Ok(Value::Number(parse_number(n, path)?)),
                _ => Err(wrong()),
            },
            Type::Bool => match j {
                J::Bool(b) => Ok(Value::Bool(*b)),
                J::Str(s) if s == "true" => Ok(Value::Bool(true)),
                J::Str(s) if s == "false" => Ok(Value::Bool(false)),
                _ => Err(wrong()),
            },
            Type::List(et) | Type::Set(et) => {
                let J::Arr(items) = j else {
                    return Err(wrong());
                };
                let es = items
                    .iter()
                    .enumerate()
                    .map(|(i, e)| self.value(e, et, &path.index(i as i64), depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(es)
                } else {
                    Value::Set(es)
                })
            }
            Type::Tuple(ts) => {
                let J::Arr(items) = j else {
                    return Err(wrong());
                };
                if items.len() != ts.len() {
                    return Err(at(format!(
                        "a tuple of length {} is required, found length {}",
                        ts.len(),
                        items.len()
                    )));
                }
                let es = items
                    .iter()
                    .zip(ts)
                    .enumerate()
                    .map(|(i, (e, t))| self.value(e, t, &path.index(i as i64), depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Value::Tuple(es))
            }
            Type::Map(et) => {
                let J::Obj(members) = j else {
                    return Err(wrong());
                };
                let mut m = BTreeMap::new();
                for (k, e) in members {
                    let v = self.value(e, et, &path.key(k), depth + 1)?;
                    if m.insert(k.clone(), v).is_some() {
                        return Err(at(format!("map has duplicate key {k:?}")));
                    }
                }
                Ok(Value::Map(m))
            }
            Type::Object(attrs) => {
                let J::Obj(members) = j else {
                    return Err(wrong());
                };
                let mut m = BTreeMap::new();
                for (k, e) in members {
                    let Some(t) = attrs.get(k) else {
                        if self.strict {
                            return Err(at(format!(
                                "object has attribute {k:?} that the schema does not define"
                            )));
                        }
                        continue;
                    };
                    let v = self.value(e, t, &path.attr(k), depth + 1)?;
                    if m.insert(k.clone(), v).is_some() {
                        return Err(at(format!("object has attribute {k:?} more than once")));
                    }
                }
                for k in attrs.keys() {
                    m.entry(k.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(m))
            }
        }
    }
}

fn parse_number(text: &str, path: &Path) -> Result<Number, CodecError> {
    Number::parse(text)
        .ok_or_else(|| CodecError::new(path, format!("{text:?} is not a valid number")))
}

// ---------------------------------------------------------------------------------------------------
// Encoding.

fn encode_value(
    out: &mut String,
    v: &Value,
    ty: &Type,
    path: &Path,
    depth: usize,
) -> Result<(), CodecError> {
    if depth > MAX_DEPTH {
        return Err(CodecError::new(
            path,
            format!("value is nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    match (ty, v) {
        (_, Value::Null) => out.push_str("null"),
        (_, Value::Unknown(_)) => {
            return Err(CodecError::new(path, "unknown values cannot be encoded as JSON"));
        }
        (Type::Dynamic, Value::Dynamic(t, inner)) => {
            check_dynamic_inner(t, path)?;
            out.push_str("{\"value\":");
            encode_value(out, inner, t, path, depth + 1)?;
            out.push_str(",\"type\":");
            out.push_str(&t.to_json());
            out.push('}');
        }
        (Type::Dynamic, other) => {
            return Err(CodecError::new(
                path,
                format!(
                    "a value in a dynamic position must be wrapped in Value::Dynamic with its type, found {}",
                    describe(other)
                ),
            ))
        }
        (Type::String, Value::String(s)) => out.push_str(&json_string(s)),
        (Type::Number, Value::Number(n)) => out.push_str(&n.to_string()),
        (Type::Bool, Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        (Type::List(et), Value::List(es)) | (Type::Set(et), Value::Set(es)) => {
            out.push('[');
            for (i, e) in es.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_value(out, e, et, &path.index(i as i64), depth + 1)?;
            }
            out.push(']');
        }
        (Type::Tuple(ts), Value::Tuple(es)) => {
            if ts.len() != es.len() {
                return Err(CodecError::new(
                    path,
                    format!("a tuple of length {} is required, found length {}", ts.len(), es.len()),
                ));
            }
            out.push('[');
            for (i, (e, t)) in es.iter().zip(ts).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_value(out, e, t, &path.index(i as i64), depth + 1)?;
            }
            out.push(']');
        }
        (Type::Map(et), Value::Map(m)) => {
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json_string(k));
                out.push(':');
                encode_value(out, e, et, &path.key(k), depth + 1)?;
            }
            out.push('}');
        }
        (Type::Object(attrs), Value::Object(m)) => {
            check_object_keys(m, attrs, path)?;
            out.push('{');
            for (i, (k, t)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json_string(k));
                out.push(':');
                encode_value(out, &m[k], t, &path.attr(k), depth + 1)?;
            }
            out.push('}');
        }
        (ty, v) => return Err(mismatch(path, ty, v)),
    }
    Ok(())
}
