//! The msgpack DynamicValue codec.
//!
//! Terraform sends every DynamicValue as msgpack and we always answer in msgpack, because JSON cannot
//! express unknown values. The encoding is shaped entirely by the type: objects are maps with every
//! attribute present, dynamic positions carry a `[type JSON, value]` pair, unknowns are extension
//! values. The decoder is a hand-written cursor over the input so that it can bound nesting depth and
//! pre-allocation and never panics on hostile bytes; the encoder uses `rmp`'s primitive writers.

use std::collections::BTreeMap;

use super::number::Number;
use super::path::{CodecError, Path};
use super::types::Type;
use super::value::{
    check_dynamic_inner, check_object_keys, describe, mismatch, Refinements, Value,
};
use super::MAX_DEPTH;

/// The extension type code Terraform uses for refined unknown values.
const EXT_REFINED_UNKNOWN: i8 = 12;
/// Refinement map keys, as defined by cty's msgpack encoding.
const REFINE_NULLNESS: i128 = 1;
const REFINE_STRING_PREFIX: i128 = 2;
const REFINE_NUMBER_LOWER: i128 = 3;
const REFINE_NUMBER_UPPER: i128 = 4;
const REFINE_LENGTH_LOWER: i128 = 5;
const REFINE_LENGTH_UPPER: i128 = 6;
/// cty truncates string-prefix refinements to this many bytes so the payload stays small.
const MAX_PREFIX_BYTES: usize = 256;
/// Terraform refuses refinement payloads larger than this.
const MAX_REFINEMENT_PAYLOAD: usize = 1024;

/// Decodes a msgpack DynamicValue of type `ty`. Rejects trailing bytes. Never panics.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let v = decode_value(&mut r, ty, &Path::root(), 0)?;
    if r.pos != bytes.len() {
        return Err(CodecError::new(
            &Path::root(),
            format!(
                "{} trailing bytes after the msgpack value",
                bytes.len() - r.pos
            ),
        ));
    }
    Ok(v)
}

/// Encodes `v` as msgpack of type `ty`, refusing any value that does not conform exactly (so we never
/// send bytes Terraform would reject).
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    encode_value(&mut out, v, ty, &Path::root(), 0)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------
// Decoding.

/// One msgpack item: a complete scalar, or the header of a container whose contents follow.
enum Head<'a> {
    Nil,
    Bool(bool),
    Int(i128),
    F32(f32),
    F64(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext(i8, &'a [u8]),
}

impl Head<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Head::Nil => "nil",
            Head::Bool(_) => "a bool",
            Head::Int(_) => "an integer",
            Head::F32(_) | Head::F64(_) => "a float",
            Head::Str(_) => "a string",
            Head::Bin(_) => "binary data",
            Head::Array(_) => "an array",
            Head::Map(_) => "a map",
            Head::Ext(..) => "an extension value",
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.remaining() {
            return Err(format!(
                "unexpected end of msgpack input (needed {n} more bytes at offset {}, {} left)",
                self.pos,
                self.remaining()
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn len16(&mut self) -> Result<usize, String> {
        Ok(u16::from_be_bytes(self.be()?) as usize)
    }

    fn len32(&mut self) -> Result<usize, String> {
        Ok(u32::from_be_bytes(self.be()?) as usize)
    }

    fn head(&mut self) -> Result<Head<'a>, String> {
        let m = self.u8()?;
        Ok(match m {
            0x00..=0x7f => Head::Int(m as i128),
            0x80..=0x8f => Head::Map((m & 0x0f) as usize),
            0x90..=0x9f => Head::Array((m & 0x0f) as usize),
            0xa0..=0xbf => Head::Str(self.take((m & 0x1f) as usize)?),
            0xc0 => Head::Nil,
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => {
                let n = self.u8()? as usize;
                Head::Bin(self.take(n)?)
            }
            0xc5 => {
                let n = self.len16()?;
                Head::Bin(self.take(n)?)
            }
            0xc6 => {
                let n = self.len32()?;
                Head::Bin(self.take(n)?)
            }
            0xc7..=0xc9 => {
                let n = match m {
                    0xc7 => self.u8()? as usize,
                    0xc8 => self.len16()?,
                    _ => self.len32()?,
                };
                let t = self.u8()? as i8;
                Head::Ext(t, self.take(n)?)
            }
            0xca => Head::F32(f32::from_be_bytes(self.be()?)),
            0xcb => Head::F64(f64::from_be_bytes(self.be()?)),
            0xcc => Head::Int(self.u8()? as i128),
            0xcd => Head::Int(u16::from_be_bytes(self.be()?) as i128),
            0xce => Head::Int(u32::from_be_bytes(self.be()?) as i128),
            0xcf => Head::Int(u64::from_be_bytes(self.be()?) as i128),
            0xd0 => Head::Int(i8::from_be_bytes(self.be()?) as i128),
            0xd1 => Head::Int(i16::from_be_bytes(self.be()?) as i128),
            0xd2 => Head::Int(i32::from_be_bytes(self.be()?) as i128),
            0xd3 => Head::Int(i64::from_be_bytes(self.be()?) as i128),
            0xd4..=0xd8 => {
                let n = 1usize << (m - 0xd4);
                let t = self.u8()? as i8;
                Head::Ext(t, self.take(n)?)
            }
            0xd9 => {
                let n = self.u8()? as usize;
                Head::Str(self.take(n)?)
            }
            0xda => {
                let n = self.len16()?;
                Head::Str(self.take(n)?)
            }
            0xdb => {
                let n = self.len32()?;
                Head::Str(self.take(n)?)
            }
            0xdc => Head::Array(self.len16()?),
            0xdd => Head::Array(self.len32()?),
            0xde => Head::Map(self.len16()?),
            0xdf => Head::Map(self.len32()?),
            0xe0..=0xff => Head::Int((m as i8) as i128),
            0xc1 => return Err("invalid msgpack marker 0xc1".into()),
        })
    }

    /// Checks that a container of `n` items (each at least one byte) can fit in the rest of the input,
    /// which also bounds what we pre-allocate for it.
    fn check_count(&self, n: usize, per_item: usize) -> Result<(), String> {
        if n.saturating_mul(per_item) > self.remaining() {
            return Err(format!(
                "msgpack container claims {n} elements but only {} bytes remain",
                self.remaining()
            ));
        }
        Ok(())
    }

    /// Skips one complete item of any shape.
    fn skip(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "msgpack value is nested deeper than {MAX_DEPTH} levels"
            ));
        }
        match self.head()? {
            Head::Array(n) => {
                self.check_count(n, 1)?;
                for _ in 0..n {
                    self.skip(depth + 1)?;
                }
            }
            Head::Map(n) => {
                self.check_count(n, 2)?;
                for _ in 0..n {
                    self.skip(depth + 1)?;
                    self.skip(depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn utf8<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, CodecError> {
    std::str::from_utf8(bytes).map_err(|_| CodecError::new(path, "string is not valid UTF-8"))
}

fn decode_value(
    r: &mut Reader<'_>,
    ty: &Type,
    path: &Path,
    depth: usize,
) -> Result<Value, CodecError> {
    let at = |m: String| CodecError::new(path, m);
    if depth > MAX_DEPTH {
        return Err(at(format!(
            "value is nested deeper than {MAX_DEPTH} levels"
        )));
    }
    let head = r.head().map_err(at)?;
    let wrong = |h: &Head<'_>| {
        at(format!(
            "{} is required, found {}",
            ty.with_article(),
            h.describe()
        ))
    };
    match head {
        Head::Nil => return Ok(Value::Null),
        Head::Ext(code, payload) => return decode_unknown(code, payload, ty, path),
        _ => {}
    }
    match ty {
        Type::Dynamic => {
            let n = match head {
                Head::Array(n) => n,
                h => return Err(wrong(&h)),
            };
            if n != 2 {
                return Err(at(format!(
                    "dynamic value array must have exactly two elements, found {n}"
                )));
            }
            let type_json = match r.head().map_err(at)? {
                Head::Str(b) | Head::Bin(b) => b,
                h => {
                    return Err(at(format!(
                        "the first element of a dynamic value must be its type JSON, found {}",
                        h.describe()
                    )))
                }
            };
            let inner_ty = Type::from_json(type_json)
                .map_err(|e| at(format!("dynamic value type: {}", e.message)))?;
            let inner = decode_value(r, &inner_ty, path, depth + 1)?;
            if inner_ty == Type::Dynamic {
                // A wrapper announcing "dynamic" adds nothing; the inner value already says it all.
                return Ok(inner);
            }
            Ok(Value::Dynamic(inner_ty, Box::new(inner)))
        }
        Type::String => match head {
            Head::Str(b) | Head::Bin(b) => Ok(Value::String(utf8(b, path)?.to_string())),
            h => Err(wrong(&h)),
        },
        Type::Number => match number_from_head(&head, path)? {
            Some(NumberOrInf::Finite(n)) => Ok(Value::Number(n)),
            Some(NumberOrInf::Infinite) => Err(at(
                "infinite numbers are not supported by this provider".into(),
            )),
            None => Err(wrong(&head)),
        },
        Type::Bool => match head {
            Head::Bool(b) => Ok(Value::Bool(b)),
            h => Err(wrong(&h)),
        },
        Type::List(et) | Type::Set(et) => {
            let n = match head {
                Head::Array(n) => n,
                h => return Err(wrong(&h)),
            };
            r.check_count(n, 1).map_err(at)?;
            let mut es = Vec::with_capacity(n);
            for i in 0..n {
                es.push(decode_value(r, et, &path.index(i as i64), depth + 1)?);
            }
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(es)
            } else {
                Value::Set(es)
            })
        }
        Type::Tuple(ts) => {
            let n = match head {
                Head::Array(n) => n,
                h => return Err(wrong(&h)),
            };
            if n != ts.len() {
                return Err(at(format!(
                    "a tuple of length {} is required, found length {n}",
                    ts.len()
                )));
            }
            r.check_count(n, 1).map_err(at)?;
            let mut es = Vec::with_capacity(n);
            for (i, t) in ts.iter().enumerate() {
                es.push(decode_value(r, t, &path.index(i as i64), depth + 1)?);
            }
            Ok(Value::Tuple(es))
        }
        Type::Map(et) => {
            let n = match head {
                Head::Map(n) => n,
                h => return Err(wrong(&h)),
            };
            r.check_count(n, 2).map_err(at)?;
            let mut m = BTreeMap::new();
            for _ in 0..n {
                let k = read_key(r, path)?;
                let v = decode_value(r, et, &path.key(&k), depth + 1)?;
                if m.insert(k.clone(), v).is_some() {
                    return Err(at(format!("map has duplicate key {k:?}")));
                }
            }
            Ok(Value::Map(m))
        }
        Type::Object(attrs) => {
            let n = match head {
                Head::Map(n) => n,
                h => return Err(wrong(&h)),
            };
            r.check_count(n, 2).map_err(at)?;
            let mut m = BTreeMap::new();
            for _ in 0..n {
                let k = read_key(r, path)?;
                let Some(t) = attrs.get(&k) else {
                    return Err(at(format!(
                        "object has attribute {k:?} that the schema does not define"
                    )));
                };
                let v = decode_value(r, t, &path.attr(&k), depth + 1)?;
                if m.insert(k.clone(), v).is_some() {
                    return Err(at(format!("object has attribute {k:?} more than once")));
                }
            }
            if let Some(missing) = attrs.keys().find(|k| !m.contains_key(*k)) {
                return Err(at(format!("object is missing attribute {missing:?}")));
            }
            Ok(Value::Object(m))
        }
    }
}

fn read_key(r: &mut Reader<'_>, path: &Path) -> Result<String, CodecError> {
    match r.head().map_err(|m| CodecError::new(path, m))? {
        Head::Str(b) | Head::Bin(b) => Ok(utf8(b, path)?.to_string()),
        h => Err(CodecError::new(
            path,
            format!("map keys must be strings, found {}", h.describe()),
        )),
    }
}

enum NumberOrInf {
    Finite(Number),
    Infinite,
}

/// Interprets an item as a number: any integer, a float, or a numeric string. `None` if it is none of
/// those.
fn number_from_head(head: &Head<'_>, path: &Path) -> Result<Option<NumberOrInf>, CodecError> {
    let float = |f: f64| {
        if f.is_nan() {
            Err(CodecError::new(path, "NaN is not a valid number"))
        } else if f.is_infinite() {
            Ok(Some(NumberOrInf::Infinite))
        } else {
            Ok(Number::from_f64(f).map(NumberOrInf::Finite))
        }
    };
    match *head {
        Head::Int(i) => Ok(Some(NumberOrInf::Finite(match i64::try_from(i) {
            Ok(i) => Number::from_i64(i),
            // The reader only produces integers in the i64 or u64 range.
            Err(_) => Number::from_u64(i as u64),
        }))),
        Head::F32(f) => float(f as f64),
        Head::F64(f) => float(f),
        Head::Str(b) => {
            let s = utf8(b, path)?;
            match Number::parse(s) {
                Some(n) => Ok(Some(NumberOrInf::Finite(n))),
                None => Err(CodecError::new(
                    path,
                    format!("{s:?} is not a valid number"),
                )),
            }
        }
        _ => Ok(None),
    }
}

fn decode_unknown(code: i8, payload: &[u8], ty: &Type, path: &Path) -> Result<Value, CodecError> {
    if payload.len() <= 1 {
        return Ok(Value::unknown());
    }
    if code != EXT_REFINED_UNKNOWN {
        return Err(CodecError::new(
            path,
            format!(
                "unsupported extension type 0x{:02x} with len {}",
                code as u8,
                payload.len()
            ),
        ));
    }
    let refinements = decode_refinements(payload, path)?;
    Ok(Value::Unknown(refinements.restricted_to(ty)))
}

fn decode_refinements(payload: &[u8], path: &Path) -> Result<Refinements, CodecError> {
    let at = |m: String| CodecError::new(path, format!("invalid unknown-value refinements: {m}"));
    let mut r = Reader {
        buf: payload,
        pos: 0,
    };
    let n = match r.head().map_err(at)? {
        Head::Map(n) => n,
        h => return Err(at(format!("expected a map, found {}", h.describe()))),
    };
    r.check_count(n, 2).map_err(at)?;
    let mut out = Refinements::default();
    for _ in 0..n {
        let key = match r.head().map_err(at)? {
            Head::Int(k) => k,
            // Keys of any other kind are not ours to interpret; skip their values.
            Head::Array(_) | Head::Map(_) => return Err(at("map keys must be scalars".into())),
            _ => {
                r.skip(0).map_err(at)?;
                continue;
            }
        };
        match key {
            REFINE_NULLNESS => match r.head().map_err(at)? {
                Head::Bool(b) => out.not_null = !b,
                h => {
                    return Err(at(format!(
                        "nullness must be a bool, found {}",
                        h.describe()
                    )))
                }
            },
            REFINE_STRING_PREFIX => match r.head().map_err(at)? {
                Head::Str(b) => {
                    let s = utf8(b, path)?;
                    out.string_prefix = (!s.is_empty()).then(|| s.to_string());
                }
                h => {
                    return Err(at(format!(
                        "string prefix must be a string, found {}",
                        h.describe()
                    )))
                }
            },
            REFINE_NUMBER_LOWER | REFINE_NUMBER_UPPER => {
                match r.head().map_err(at)? {
                    Head::Array(2) => {}
                    h => {
                        return Err(at(format!(
                            "a number bound must be a [number, bool] array, found {}",
                            h.describe()
                        )))
                    }
                }
                let h = r.head().map_err(at)?;
                let bound = match number_from_head(&h, path)? {
                    Some(NumberOrInf::Finite(n)) => Some(n),
                    // An infinite bound is no bound at all.
                    Some(NumberOrInf::Infinite) => None,
                    None => {
                        return Err(at(format!(
                            "a number bound must be a number, found {}",
                            h.describe()
                        )))
                    }
                };
                let inclusive = match r.head().map_err(at)? {
                    Head::Bool(b) => b,
                    h => {
                        return Err(at(format!(
                            "a bound's inclusivity must be a bool, found {}",
                            h.describe()
                        )))
                    }
                };
                let slot = if key == REFINE_NUMBER_LOWER {
                    &mut out.number_lower
                } else {
                    &mut out.number_upper
                };
                *slot = bound.map(|b| (b, inclusive));
            }
            REFINE_LENGTH_LOWER | REFINE_LENGTH_UPPER => {
                let len = match r.head().map_err(at)? {
                    Head::Int(i) => {
                        u64::try_from(i).map_err(|_| at(format!("negative length bound {i}")))?
                    }
                    h => {
                        return Err(at(format!(
                            "a length bound must be an integer, found {}",
                            h.describe()
                        )))
                    }
                };
                if key == REFINE_LENGTH_LOWER {
                    out.length_lower = Some(len);
                } else {
                    out.length_upper = Some(len);
                }
            }
            _ => r.skip(0).map_err(at)?,
        }
    }
    if r.remaining() != 0 {
        return Err(at(format!(
            "{} trailing bytes in the payload",
            r.remaining()
        )));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------
// Encoding. Writes into a `Vec<u8>` cannot fail, so `rmp` write errors are unreachable and ignored.

fn encode_value(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    path: &Path,
    depth: usize,
) -> Result<(), CodecError> {
    use rmp::encode as w;
    if depth > MAX_DEPTH {
        return Err(CodecError::new(
            path,
            format!("value is nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    match (ty, v) {
        (_, Value::Null) => {
            w::write_nil(out).ok();
        }
        (_, Value::Unknown(r)) => {
            r.check_for(ty, path)?;
            write_unknown(out, r);
        }
        (Type::Dynamic, Value::Dynamic(t, inner)) => {
            check_dynamic_inner(t, path)?;
            w::write_array_len(out, 2).ok();
            w::write_bin(out, t.to_json().as_bytes()).ok();
            encode_value(out, inner, t, path, depth + 1)?;
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
        (Type::String, Value::String(s)) => {
            w::write_str(out, s).ok();
        }
        (Type::Number, Value::Number(n)) => write_number(out, n),
        (Type::Bool, Value::Bool(b)) => {
            w::write_bool(out, *b).ok();
        }
        (Type::List(et), Value::List(es)) | (Type::Set(et), Value::Set(es)) => {
            w::write_array_len(out, len32(es.len(), path)?).ok();
            for (i, e) in es.iter().enumerate() {
                encode_value(out, e, et, &path.index(i as i64), depth + 1)?;
            }
        }
        (Type::Tuple(ts), Value::Tuple(es)) => {
            if ts.len() != es.len() {
                return Err(CodecError::new(
                    path,
                    format!("a tuple of length {} is required, found length {}", ts.len(), es.len()),
                ));
            }
            w::write_array_len(out, len32(es.len(), path)?).ok();
            for (i, (e, t)) in es.iter().zip(ts).enumerate() {
                encode_value(out, e, t, &path.index(i as i64), depth + 1)?;
            }
        }
        (Type::Map(et), Value::Map(m)) => {
            w::write_map_len(out, len32(m.len(), path)?).ok();
            for (k, e) in m {
                w::write_str(out, k).ok();
                encode_value(out, e, et, &path.key(k), depth + 1)?;
            }
        }
        (Type::Object(attrs), Value::Object(m)) => {
            check_object_keys(m, attrs, path)?;
            w::write_map_len(out, len32(attrs.len(), path)?).ok();
            for (k, t) in attrs {
                w::write_str(out, k).ok();
                encode_value(out, &m[k], t, &path.attr(k), depth + 1)?;
            }
        }
        (ty, v) => return Err(mismatch(path, ty, v)),
    }
    Ok(())
}

fn len32(n: usize, path: &Path) -> Result<u32, CodecError> {
    u32::try_from(n).map_err(|_| CodecError::new(path, "collection too large for msgpack"))
}

/// Writes a number the way cty does: an integer when it is one that fits (non-negative values with
/// unsigned codes), else a float64 when that is exact, else its plain decimal string.
fn write_number(out: &mut Vec<u8>, n: &Number) {
    use rmp::encode as w;
    if let Some(i) = n.to_i64() {
        if i >= 0 {
            w::write_uint(out, i as u64).ok();
        } else {
            w::write_sint(out, i).ok();
        }
    } else if let Some(u) = n.to_u64() {
        w::write_uint(out, u).ok();
    } else if let Some(f) = n.to_f64_exact() {
        w::write_f64(out, f).ok();
    } else {
        w::write_str(out, &n.to_string()).ok();
    }
}

/// Writes an unknown: the plain `d4 00 00` when nothing is known, else extension 12 with a map of
/// refinements. Never writes extension 12 with an empty map.
fn write_unknown(out: &mut Vec<u8>, r: &Refinements) {
    use rmp::encode as w;
    let build = |with_numbers: bool| {
        let mut entries: Vec<Vec<u8>> = Vec::new();
        let mut entry = |key: i128, write: &dyn Fn(&mut Vec<u8>)| {
            let mut e = Vec::new();
            w::write_uint(&mut e, key as u64).ok();
            write(&mut e);
            entries.push(e);
        };
        if r.not_null {
            entry(REFINE_NULLNESS, &|e| {
                w::write_bool(e, false).ok();
            });
        }
        if let Some(prefix) = r.string_prefix.as_deref().filter(|p| !p.is_empty()) {
            let prefix = truncate_utf8(prefix, MAX_PREFIX_BYTES);
            entry(REFINE_STRING_PREFIX, &|e| {
                w::write_str(e, prefix).ok();
            });
        }
        if with_numbers {
            for (key, bound) in [
                (REFINE_NUMBER_LOWER, &r.number_lower),
                (REFINE_NUMBER_UPPER, &r.number_upper),
            ] {
                if let Some((n, inclusive)) = bound {
                    entry(key, &|e| {
                        w::write_array_len(e, 2).ok();
                        write_number(e, n);
                        w::write_bool(e, *inclusive).ok();
                    });
                }
            }
        }
        for (key, bound) in [
            (REFINE_LENGTH_LOWER, r.length_lower),
            (REFINE_LENGTH_UPPER, r.length_upper),
        ] {
            if let Some(len) = bound {
                entry(key, &|e| {
                    w::write_uint(e, len).ok();
                });
            }
        }
        let mut payload = Vec::new();
        w::write_map_len(&mut payload, entries.len() as u32).ok();
        for e in &entries {
            payload.extend_from_slice(e);
        }
        (entries.len(), payload)
    };
    let (mut count, mut payload) = build(true);
    if payload.len() > MAX_REFINEMENT_PAYLOAD {
        // Only huge decimal number bounds can get here; dropping them leaves a weaker but true claim.
        (count, payload) = build(false);
    }
    if count == 0 {
        out.extend_from_slice(&[0xd4, 0x00, 0x00]);
        return;
    }
    w::write_ext_meta(out, payload.len() as u32, EXT_REFINED_UNKNOWN).ok();
    out.extend_from_slice(&payload);
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
