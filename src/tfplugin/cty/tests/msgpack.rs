//! Golden-byte and error tests for the msgpack codec.

use crate::tfplugin::cty::*;

use super::{hex, hx};

/// Encodes `v` as `ty`, compares with the spec bytes, and decodes the bytes back to `v`.
fn check(ty: &Type, v: &Value, spec: &str) {
    let want = hx(spec);
    let got =
        msgpack::encode(v, ty).unwrap_or_else(|e| panic!("encode {v:?} as {}: {e}", ty.to_json()));
    assert_eq!(hex(&got), hex(&want), "encode {v:?} as {}", ty.to_json());
    let back = msgpack::decode(&want, ty)
        .unwrap_or_else(|e| panic!("decode {spec} as {}: {e}", ty.to_json()));
    assert_eq!(back, *v, "decode {spec} as {}", ty.to_json());
}

/// Decodes the spec bytes (which we would not emit ourselves) and compares with `v`.
fn check_decode(ty: &Type, spec: &str, v: &Value) {
    let back = msgpack::decode(&hx(spec), ty)
        .unwrap_or_else(|e| panic!("decode {spec} as {}: {e}", ty.to_json()));
    assert_eq!(back, *v, "decode {spec} as {}", ty.to_json());
}

/// Decoding the spec bytes fails with an error whose text contains `want`.
fn check_err(ty: &Type, spec: &str, want: &str) {
    let e = msgpack::decode(&hx(spec), ty).expect_err(spec);
    assert!(
        e.to_string().contains(want),
        "decode {spec} as {}: got {e:?}, want {want:?}",
        ty.to_json()
    );
}

fn num(s: &str) -> Value {
    Value::Number(Number::parse(s).unwrap())
}

fn s(x: &str) -> Value {
    Value::string(x)
}

fn refined(f: impl FnOnce(&mut Refinements)) -> Value {
    let mut r = Refinements::default();
    f(&mut r);
    Value::Unknown(r)
}

#[test]
fn golden_bytes_from_terraform() {
    check(
        &Type::object([("endpoint", Type::String)]),
        &Value::object([("endpoint", s("http://x"))]),
        r#"81 a8 "endpoint" a8 "http://x""#,
    );
    check(&Type::Number, &num("3.5"), "cb 40 0c 00 00 00 00 00 00");
    check(
        &Type::list(Type::object([("a", Type::String)])),
        &Value::List(vec![]),
        "90",
    );
    check(&Type::object([("a", Type::String)]), &Value::Null, "c0");
    check(
        &Type::String,
        &refined(|r| {
            r.not_null = true;
            r.string_prefix = Some("pre-".into());
        }),
        r#"c7 09 0c 82 01 c2 02 a4 "pre-""#,
    );
    let inner = Type::object([("x", Type::Number), ("y", Type::tuple([Type::String]))]);
    let tj = inner.to_json();
    assert_eq!(tj, r#"["object",{"x":"number","y":["tuple",["string"]]}]"#);
    assert_eq!(tj.len(), 0x32);
    check(
        &Type::Dynamic,
        &Value::dynamic(
            inner.clone(),
            Value::object([("x", num("1")), ("y", Value::Tuple(vec![s("a")]))]),
        ),
        &format!(
            r#"92 c4 32 "{}" 82 a1 "x" 01 a1 "y" 91 a1 "a""#,
            tj.replace('"', "\" 22 \"")
        ),
    );
}

#[test]
fn every_type() {
    let obj_ty = Type::object([("a", Type::Bool), ("b", Type::list(Type::String))]);
    let cases: Vec<(Type, Value, &str)> = vec![
        (Type::String, s(""), "a0"),
        (Type::String, s("héllo"), "a6 68 c3 a9 6c 6c 6f"),
        (
            Type::String,
            s(&"x".repeat(40)),
            &*Box::leak(format!("d9 28 \"{}\"", "x".repeat(40)).into_boxed_str()),
        ),
        (Type::Bool, Value::Bool(true), "c3"),
        (Type::Bool, Value::Bool(false), "c2"),
        (Type::Number, num("0"), "00"),
        (Type::Number, num("127"), "7f"),
        (Type::Number, num("128"), "cc 80"),
        (Type::Number, num("65536"), "ce 00 01 00 00"),
        (Type::Number, num("-1"), "ff"),
        (Type::Number, num("-33"), "d0 df"),
        (
            Type::Number,
            Value::Number(Number::from_i64(i64::MIN)),
            "d3 80 00 00 00 00 00 00 00",
        ),
        (
            Type::Number,
            Value::Number(Number::from_i64(i64::MAX)),
            "cf 7f ff ff ff ff ff ff ff",
        ),
        (
            Type::Number,
            Value::Number(Number::from_u64(u64::MAX)),
            "cf ff ff ff ff ff ff ff ff",
        ),
        // 2^64+1 is neither an int64/uint64 nor an exact float64: a decimal string.
        (
            Type::Number,
            num("18446744073709551617"),
            r#"b4 "18446744073709551617""#,
        ),
        // 2^70 is an exact float64, which is what cty sends for it.
        (
            Type::Number,
            num("1180591620717411303424"),
            "cb 44 50 00 00 00 00 00 00",
        ),
        (Type::Number, num("0.1"), r#"a3 "0.1""#),
        (Type::Number, num("-0.5"), "cb bf e0 00 00 00 00 00 00"),
        (
            Type::Number,
            num("123456789012345678901234567890"),
            r#"be "123456789012345678901234567890""#,
        ),
        (
            Type::list(Type::Number),
            Value::List(vec![num("1"), num("2")]),
            "92 01 02",
        ),
        (
            Type::set(Type::String),
            Value::Set(vec![s("a")]),
            r#"91 a1 "a""#,
        ),
        (
            Type::map(Type::String),
            Value::Map([("b".to_string(), s("2")), ("a".to_string(), s("1"))].into()),
            r#"82 a1 "a" a1 "1" a1 "b" a1 "2""#,
        ),
        (
            Type::tuple([Type::String, Type::Bool]),
            Value::Tuple(vec![s("a"), Value::Bool(true)]),
            r#"92 a1 "a" c3"#,
        ),
        (Type::tuple([]), Value::Tuple(vec![]), "90"),
        (
            Type::object(Vec::<(String, Type)>::new()),
            Value::object(Vec::<(String, Value)>::new()),
            "80",
        ),
        (
            obj_ty.clone(),
            Value::object([("b", Value::List(vec![s("x")])), ("a", Value::Bool(false))]),
            r#"82 a1 "a" c2 a1 "b" 91 a1 "x""#,
        ),
    ];
    for (ty, v, spec) in &cases {
        check(ty, v, spec);
    }
}

#[test]
fn null_and_unknown_in_every_position() {
    let ty = Type::object([
        ("s", Type::String),
        ("l", Type::list(Type::String)),
        ("m", Type::map(Type::Number)),
        ("t", Type::tuple([Type::Bool])),
        ("d", Type::Dynamic),
    ]);
    // Nulls at every level.
    check(
        &ty,
        &Value::object([
            ("s", Value::Null),
            ("l", Value::List(vec![Value::Null])),
            ("m", Value::Map([("k".to_string(), Value::Null)].into())),
            ("t", Value::Tuple(vec![Value::Null])),
            ("d", Value::Null),
        ]),
        r#"85 a1 "d" c0 a1 "l" 91 c0 a1 "m" 81 a1 "k" c0 a1 "s" c0 a1 "t" 91 c0"#,
    );
    // Unknowns at every level, including the whole collections.
    check(
        &ty,
        &Value::object([
            ("s", Value::unknown()),
            ("l", Value::List(vec![Value::unknown()])),
            ("m", Value::unknown()),
            ("t", Value::Tuple(vec![Value::unknown()])),
            ("d", Value::unknown()),
        ]),
        r#"85 a1 "d" d4 00 00 a1 "l" 91 d4 00 00 a1 "m" d4 00 00 a1 "s" d4 00 00 a1 "t" 91 d4 00 00"#,
    );
    check(&ty, &Value::unknown(), "d4 00 00");
    // A typed null and a typed unknown inside a dynamic position are wrapped; a bare one is not.
    check(
        &Type::Dynamic,
        &Value::dynamic(Type::String, Value::Null),
        r#"92 c4 08 22 "string" 22 c0"#,
    );
    check(
        &Type::Dynamic,
        &Value::dynamic(Type::String, Value::unknown()),
        r#"92 c4 08 22 "string" 22 d4 00 00"#,
    );
    check(&Type::Dynamic, &Value::Null, "c0");
    check(&Type::Dynamic, &Value::unknown(), "d4 00 00");
}

#[test]
fn refinements() {
    let cases: Vec<(Type, Value, &str)> = vec![
        (
            Type::String,
            refined(|r| r.not_null = true),
            "c7 03 0c 81 01 c2",
        ),
        (
            Type::Dynamic,
            refined(|r| r.not_null = true),
            "c7 03 0c 81 01 c2",
        ),
        (
            Type::Number,
            refined(|r| {
                r.number_lower = Some((Number::from_i64(0), true));
                r.number_upper = Some((Number::parse("0.1").unwrap(), false));
            }),
            r#"c7 0c 0c 82 03 92 00 c3 04 92 a3 "0.1" c2"#,
        ),
        (
            Type::list(Type::String),
            refined(|r| {
                r.not_null = true;
                r.length_lower = Some(1);
                r.length_upper = Some(300);
            }),
            "c7 09 0c 83 01 c2 05 01 06 cd 01 2c",
        ),
        (
            Type::set(Type::Bool),
            refined(|r| r.length_upper = Some(0)),
            "c7 03 0c 81 06 00",
        ),
        (
            Type::map(Type::Bool),
            refined(|r| r.length_lower = Some(2)),
            "c7 03 0c 81 05 02",
        ),
    ];
    for (ty, v, spec) in &cases {
        check(ty, v, spec);
    }
    // An empty prefix is no refinement: never ext 12 with an empty map.
    assert_eq!(
        hex(&msgpack::encode(
            &refined(|r| r.string_prefix = Some(String::new())),
            &Type::String
        )
        .unwrap()),
        "d4 00 00"
    );
    // Long prefixes are truncated on a character boundary, as cty does.
    let long = "é".repeat(200);
    let enc = msgpack::encode(
        &refined(|r| r.string_prefix = Some(long.clone())),
        &Type::String,
    )
    .unwrap();
    let back = msgpack::decode(&enc, &Type::String).unwrap();
    let Value::Unknown(r) = back else {
        panic!("not unknown")
    };
    assert_eq!(r.string_prefix.as_deref(), Some(&long[..256]));

    let list = Type::list(Type::String);
    let decode_cases: Vec<(Type, &str, Value)> = vec![
        // Any extension with a payload of at most one byte is a plain unknown.
        (Type::String, "c7 00 00", Value::unknown()),
        (Type::String, "d4 05 ff", Value::unknown()),
        (Type::String, "c7 01 0c 80", Value::unknown()),
        // Unknown keys (integer or not) are ignored, including complex values.
        (
            Type::String,
            r#"c7 0a 0c 83 09 92 01 02 01 c2 a1 "z" c3"#,
            refined(|r| r.not_null = true),
        ),
        // Nullness true ("might be null") is no refinement.
        (Type::String, "c7 03 0c 81 01 c3", Value::unknown()),
        // Refinements that do not fit the type are dropped.
        (Type::Number, r#"c7 05 0c 81 02 a2 "ab""#, Value::unknown()),
        (Type::String, "c7 03 0c 81 05 01", Value::unknown()),
        // A bound of any numeric encoding; infinite bounds are no bound.
        (
            Type::Number,
            "c7 0d 0c 81 03 92 cb 7f f0 00 00 00 00 00 00 c3",
            Value::unknown(),
        ),
        (
            Type::Number,
            "c7 09 0c 81 04 92 ca 3f c0 00 00 c3",
            refined(|r| r.number_upper = Some((Number::parse("1.5").unwrap(), true))),
        ),
        (
            list.clone(),
            "c7 04 0c 81 05 cc 03",
            refined(|r| r.length_lower = Some(3)),
        ),
    ];
    for (ty, spec, v) in &decode_cases {
        check_decode(ty, spec, v);
    }
}

#[test]
fn lenient_decoding() {
    let cases: Vec<(Type, &str, Value)> = vec![
        (Type::String, r#"c4 02 "hi""#, s("hi")),
        (Type::String, r#"d9 02 "hi""#, s("hi")),
        (Type::String, r#"da 00 02 "hi""#, s("hi")),
        (Type::Number, "d3 00 00 00 00 00 00 00 05", num("5")),
        (Type::Number, "cd 00 05", num("5")),
        (Type::Number, "d0 05", num("5")),
        (Type::Number, "ca 40 60 00 00", num("3.5")),
        (Type::Number, r#"a4 "1e40""#, num("1e40")),
        (Type::Number, r#"a5 "-2.50""#, num("-2.5")),
        (
            Type::Number,
            &*Box::leak(
                format!(r#"d9 {:02x} "1{}""#, 401, "0".repeat(400))
                    .replace("d9 191", "da 01 91")
                    .into_boxed_str(),
            ),
            num("1e400"),
        ),
        (
            Type::Number,
            "cb 3f b9 99 99 99 99 99 9a",
            Value::Number(Number::from_f64(0.1).unwrap()),
        ),
        (
            Type::list(Type::String),
            r#"dc 00 01 a1 "a""#,
            Value::List(vec![s("a")]),
        ),
        (
            Type::map(Type::String),
            r#"de 00 01 a1 "k" a1 "v""#,
            Value::Map([("k".to_string(), s("v"))].into()),
        ),
        // Object keys in any order, as str or bin.
        (
            Type::object([("a", Type::Bool), ("b", Type::Bool)]),
            r#"82 c4 01 "b" c3 a1 "a" c2"#,
            Value::object([("a", Value::Bool(false)), ("b", Value::Bool(true))]),
        ),
        // A dynamic type element as str, and a wrapper saying "dynamic" collapses.
        (
            Type::Dynamic,
            r#"92 a8 22 "number" 22 01"#,
            Value::dynamic(Type::Number, num("1")),
        ),
        (Type::Dynamic, r#"92 a9 22 "dynamic" 22 c0"#, Value::Null),
        (
            Type::Dynamic,
            r#"92 b1 "[" 22 "list" 22 "," 22 "string" 22 "]" 91 a1 "a""#,
            Value::dynamic(Type::list(Type::String), Value::List(vec![s("a")])),
        ),
    ];
    for (ty, spec, v) in &cases {
        check_decode(ty, spec, v);
    }
}

#[test]
fn set_order_is_irrelevant() {
    let ty = Type::set(Type::String);
    let v = msgpack::decode(&hx(r#"92 a1 "b" a1 "a""#), &ty).unwrap();
    assert_eq!(v, Value::Set(vec![s("a"), s("b")]));
}

#[test]
fn decode_errors() {
    let obj = Type::object([("x", Type::String), ("y", Type::String)]);
    let cases: Vec<(Type, &str, &str)> = vec![
        (
            obj.clone(),
            r#"81 a1 "x" a1 "1""#,
            "object is missing attribute \"y\"",
        ),
        (
            obj.clone(),
            r#"83 a1 "x" a1 "1" a1 "y" a1 "2" a1 "z" a1 "3""#,
            "object has attribute \"z\" that the schema does not define",
        ),
        (
            obj.clone(),
            r#"82 a1 "x" a1 "1" a1 "q" c0"#,
            "object has attribute \"q\" that the schema does not define",
        ),
        (
            obj.clone(),
            r#"82 a1 "x" a1 "1" a1 "x" a1 "2""#,
            "attribute \"x\" more than once",
        ),
        (obj.clone(), "80", "object is missing attribute \"x\""),
        (
            obj.clone(),
            r#"82 a1 "x" 01 a1 "y" c0"#,
            "x: a string is required, found an integer",
        ),
        (
            obj.clone(),
            r#"82 01 c0 a1 "y" c0"#,
            "map keys must be strings",
        ),
        (
            Type::object([("o", Type::list(Type::object([("p", Type::Number)])))]),
            r#"81 a1 "o" 91 81 a1 "p" a1 "x""#,
            "o[0].p: \"x\" is not a valid number",
        ),
        (
            Type::map(Type::Bool),
            r#"81 a1 "k" 01"#,
            "[\"k\"]: a bool is required, found an integer",
        ),
        (
            Type::map(Type::Bool),
            r#"82 a1 "k" c3 a1 "k" c3"#,
            "duplicate key \"k\"",
        ),
        (
            Type::tuple([Type::String]),
            r#"92 a1 "a" a1 "b""#,
            "a tuple of length 1 is required, found length 2",
        ),
        (
            Type::tuple([Type::String, Type::String]),
            r#"91 a1 "a""#,
            "a tuple of length 2 is required",
        ),
        (Type::String, "01", "a string is required, found an integer"),
        (Type::Bool, "01", "a bool is required"),
        (
            Type::list(Type::String),
            r#"a1 "a""#,
            "a list of string is required, found a string",
        ),
        (
            Type::String,
            r#"a5 "ab""#,
            "unexpected end of msgpack input",
        ),
        (Type::String, "", "unexpected end of msgpack input"),
        (Type::Number, "cb 40 0c", "unexpected end of msgpack input"),
        (
            Type::list(Type::String),
            "dd ff ff ff ff",
            "claims 4294967295 elements",
        ),
        (Type::String, r#"a1 "a" 00"#, "1 trailing bytes"),
        (Type::String, "a2 c3 28", "not valid UTF-8"),
        (Type::Number, "cb 7f f8 00 00 00 00 00 00", "NaN"),
        (Type::Number, "cb 7f f0 00 00 00 00 00 00", "infinite"),
        (Type::Number, r#"a3 "abc""#, "\"abc\" is not a valid number"),
        (Type::String, "c1", "invalid msgpack marker 0xc1"),
        (
            Type::String,
            "d5 05 01 02",
            "unsupported extension type 0x05 with len 2",
        ),
        (
            Type::String,
            "c7 03 05 01 02 03",
            "unsupported extension type 0x05 with len 3",
        ),
        (
            Type::String,
            "c7 03 0c 91 01 02",
            "invalid unknown-value refinements: expected a map",
        ),
        (Type::String, "c7 03 0c 81 01 01", "nullness must be a bool"),
        (
            Type::String,
            "c7 04 0c 81 01 c2 00",
            "trailing bytes in the payload",
        ),
        (
            Type::String,
            "c7 03 0c 82 01 c2",
            "invalid unknown-value refinements",
        ),
        (
            Type::Dynamic,
            r#"93 a8 22 "string" 22 a1 "a" c0"#,
            "dynamic value array must have exactly two elements, found 3",
        ),
        (
            Type::Dynamic,
            r#"a1 "a""#,
            "a dynamic is required, found a string",
        ),
        (
            Type::Dynamic,
            r#"92 01 a1 "a""#,
            "first element of a dynamic value must be its type JSON",
        ),
        (
            Type::Dynamic,
            r#"92 a3 "foo" a1 "a""#,
            "dynamic value type: invalid type JSON",
        ),
        (
            Type::Dynamic,
            r#"92 a8 22 "number" 22 a1 "a""#,
            "\"a\" is not a valid number",
        ),
    ];
    for (ty, spec, want) in &cases {
        check_err(ty, spec, want);
    }
}

#[test]
fn nesting_bombs_are_rejected() {
    let ty = (0..100).fold(Type::String, |t, _| Type::list(t));
    let bytes: Vec<u8> = std::iter::repeat_n(0x91, 100).chain([0xa0]).collect();
    let e = msgpack::decode(&bytes, &ty).unwrap_err();
    assert!(e.message.contains("nested deeper than 64"), "{e}");
    // Nested dynamic wrappers are bounded too.
    let mut bytes = Vec::new();
    for _ in 0..100 {
        bytes.extend_from_slice(&hx(r#"92 a9 22 "dynamic" 22"#));
    }
    bytes.push(0xc0);
    let e = msgpack::decode(&bytes, &Type::Dynamic).unwrap_err();
    assert!(e.message.contains("nested deeper than 64"), "{e}");
    // Unknown refinement keys with deeply nested values.
    let mut payload = hx("81 09");
    payload.extend(std::iter::repeat_n(0x91, 100));
    payload.push(0xc0);
    let mut bytes = hx(&format!("c7 {:02x} 0c", payload.len()));
    bytes.extend(payload);
    assert!(msgpack::decode(&bytes, &Type::String).is_err());
    // A value just within the limit is fine.
    let ty = (0..64).fold(Type::String, |t, _| Type::list(t));
    let bytes: Vec<u8> = std::iter::repeat_n(0x91, 64).chain([0xa0]).collect();
    msgpack::decode(&bytes, &ty).unwrap();
}

#[test]
fn encode_errors() {
    let obj = Type::object([("x", Type::String), ("y", Type::String)]);
    let cases: Vec<(Type, Value, &str)> = vec![
        (
            obj.clone(),
            Value::object([("x", s("1"))]),
            "object is missing attribute \"y\"",
        ),
        (
            obj.clone(),
            Value::object([("x", s("1")), ("y", s("2")), ("z", s("3"))]),
            "object has attribute \"z\" that the schema does not define",
        ),
        (
            Type::object([("o", Type::map(obj.clone()))]),
            Value::object([(
                "o",
                Value::Map([("k".to_string(), Value::object([("x", Value::Null)]))].into()),
            )]),
            "o[\"k\"]: object is missing attribute \"y\"",
        ),
        (
            Type::tuple([Type::String]),
            Value::Tuple(vec![]),
            "a tuple of length 1 is required, found length 0",
        ),
        (
            Type::String,
            Value::number_i64(1),
            "a string is required, found a number",
        ),
        (
            Type::list(Type::String),
            Value::Set(vec![]),
            "a list of string is required, found a set",
        ),
        (Type::Dynamic, s("x"), "must be wrapped in Value::Dynamic"),
        (
            Type::String,
            Value::dynamic(Type::String, s("x")),
            "a string is required, found a dynamic-wrapped value",
        ),
        (
            Type::Dynamic,
            Value::dynamic(Type::Dynamic, Value::Null),
            "concrete type",
        ),
        (
            Type::Bool,
            refined(|r| r.string_prefix = Some("a".into())),
            "cannot carry a string prefix refinement",
        ),
        (
            Type::tuple([Type::Bool]),
            refined(|r| r.length_lower = Some(1)),
            "cannot carry a collection length refinement",
        ),
    ];
    for (ty, v, want) in &cases {
        let e = msgpack::encode(v, ty).expect_err(want);
        assert!(
            e.to_string().contains(want),
            "encode {v:?}: got {e}, want {want}"
        );
    }
}
