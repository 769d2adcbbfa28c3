//! Tests for the JSON codec used for stored state.

use crate::tfplugin::cty::*;

/// Encodes `v` as `ty`, compares with `want`, and decodes (both strictly and leniently) back to `v`.
fn check(ty: &Type, v: &Value, want: &str) {
    let got = json::encode(v, ty).unwrap_or_else(|e| panic!("encode {v:?}: {e}"));
    assert_eq!(String::from_utf8(got).unwrap(), want);
    assert_eq!(
        json::decode_strict(want.as_bytes(), ty).unwrap(),
        *v,
        "decode_strict {want}"
    );
    assert_eq!(
        json::decode(want.as_bytes(), ty).unwrap(),
        *v,
        "decode {want}"
    );
}

/// Decodes `input` leniently and compares with `v`.
fn check_decode(ty: &Type, input: &str, v: &Value) {
    let got = json::decode(input.as_bytes(), ty).unwrap_or_else(|e| panic!("decode {input}: {e}"));
    assert_eq!(got, *v, "decode {input}");
}

/// Decoding `input` (strictly if asked) fails with an error containing `want`.
fn check_err(ty: &Type, input: &str, strict: bool, want: &str) {
    let r = if strict {
        json::decode_strict(input.as_bytes(), ty)
    } else {
        json::decode(input.as_bytes(), ty)
    };
    let e = r.expect_err(input);
    assert!(
        e.to_string().contains(want),
        "decode {input}: got {e}, want {want}"
    );
}

fn num(s: &str) -> Value {
    Value::Number(Number::parse(s).unwrap())
}

fn s(x: &str) -> Value {
    Value::string(x)
}

#[test]
fn round_trips() {
    let obj = Type::object([("a", Type::String), ("b", Type::list(Type::Number))]);
    let cases: Vec<(Type, Value, &str)> = vec![
        (Type::String, s("a\"b\n"), r#""a\"b\n""#),
        (Type::Bool, Value::Bool(true), "true"),
        (Type::Number, num("1.5"), "1.5"),
        (Type::Number, num("-0.000001"), "-0.000001"),
        (
            Type::Number,
            Value::Number(Number::from_i64(i64::MIN)),
            "-9223372036854775808",
        ),
        (
            Type::Number,
            Value::Number(Number::from_u64(u64::MAX)),
            "18446744073709551615",
        ),
        (
            Type::Number,
            num("18446744073709551617"),
            "18446744073709551617",
        ),
        (Type::Number, num("0.1"), "0.1"),
        (Type::String, Value::Null, "null"),
        (Type::list(Type::String), Value::List(vec![]), "[]"),
        (
            Type::set(Type::Bool),
            Value::Set(vec![Value::Bool(true), Value::Null]),
            "[true,null]",
        ),
        (
            Type::map(Type::String),
            Value::Map([("z".into(), s("1")), ("a".into(), s("2"))].into()),
            r#"{"a":"2","z":"1"}"#,
        ),
        (
            Type::tuple([Type::String, Type::Number]),
            Value::Tuple(vec![s("x"), num("2")]),
            r#"["x",2]"#,
        ),
        (
            obj.clone(),
            Value::object([
                ("a", s("x")),
                ("b", Value::List(vec![num("1"), num("2.25")])),
            ]),
            r#"{"a":"x","b":[1,2.25]}"#,
        ),
        (Type::Dynamic, Value::Null, "null"),
        (
            Type::Dynamic,
            Value::dynamic(
                Type::object([("x", Type::Number)]),
                Value::object([("x", num("1"))]),
            ),
            r#"{"value":{"x":1},"type":["object",{"x":"number"}]}"#,
        ),
        (
            Type::Dynamic,
            Value::dynamic(Type::String, Value::Null),
            r#"{"value":null,"type":"string"}"#,
        ),
        (
            Type::object([("d", Type::Dynamic)]),
            Value::object([(
                "d",
                Value::dynamic(
                    Type::list(Type::Dynamic),
                    Value::List(vec![Value::dynamic(Type::Bool, Value::Bool(false))]),
                ),
            )]),
            r#"{"d":{"value":[{"value":false,"type":"bool"}],"type":["list","dynamic"]}}"#,
        ),
    ];
    for (ty, v, want) in &cases {
        check(ty, v, want);
    }
}

#[test]
fn thirty_digit_numbers_survive() {
    // An f64 round-trip would turn this into 123456789012345680000000000000.
    let big = "123456789012345678901234567890";
    let ty = Type::object([("n", Type::Number)]);
    let v = json::decode(format!("{{\n  \"n\": {big}\n}}").as_bytes(), &ty).unwrap();
    assert_eq!(v.get("n").unwrap().as_number().unwrap().to_string(), big);
    assert_eq!(
        String::from_utf8(json::encode(&v, &ty).unwrap()).unwrap(),
        format!("{{\"n\":{big}}}")
    );
    // And through msgpack, where it travels as a decimal string.
    let m = msgpack::encode(&v, &ty).unwrap();
    assert_eq!(msgpack::decode(&m, &ty).unwrap(), v);
    let frac = "0.123456789012345678901234567890123";
    let v = json::decode(frac.as_bytes(), &Type::Number).unwrap();
    assert_eq!(v.as_number().unwrap().to_string(), frac);
    let huge = json::decode(b"1e400", &Type::Number).unwrap();
    assert_eq!(
        huge.as_number().unwrap().to_string(),
        format!("1{}", "0".repeat(400))
    );
}

#[test]
fn state_compatibility() {
    let ty = Type::object([("a", Type::String), ("new", Type::list(Type::String))]);
    // Pretty-printed state with a removed attribute and without a newly added one.
    let state = "{\n  \"a\": \"x\",\n  \"removed\": {\"deep\": [1, 2]}\n}";
    check_decode(
        &ty,
        state,
        &Value::object([("a", s("x")), ("new", Value::Null)]),
    );
    check_err(
        &ty,
        state,
        true,
        "object has attribute \"removed\" that the schema does not define",
    );
    // Primitives convert like cty's JSON decoder.
    let cases: Vec<(Type, &str, Value)> = vec![
        (Type::Number, r#""42""#, num("42")),
        (Type::Number, "1E+2", num("100")),
        (Type::String, "12.50", s("12.5")),
        (Type::String, "true", s("true")),
        (Type::Bool, r#""false""#, Value::Bool(false)),
        (Type::String, r#""\u00e9\ud83d\ude00""#, s("é😀")),
        (
            Type::Dynamic,
            r#"{"type":"string","value":"v","extra":1}"#,
            Value::dynamic(Type::String, s("v")),
        ),
        (
            Type::Dynamic,
            r#"{"type":"dynamic","value":null}"#,
            Value::Null,
        ),
        (
            Type::Dynamic,
            r#"{"value":[1],"type":["tuple",["number"]]}"#,
            Value::dynamic(Type::tuple([Type::Number]), Value::Tuple(vec![num("1")])),
        ),
    ];
    for (ty, input, v) in &cases {
        check_decode(ty, input, v);
    }
}

#[test]
fn errors() {
    let obj = Type::object([("a", Type::String)]);
    let cases: Vec<(Type, &str, bool, &str)> = vec![
        (Type::String, "", false, "unexpected end of input"),
        (Type::String, "\"abc", false, "unterminated string"),
        (
            Type::String,
            "\"a\" x",
            false,
            "unexpected data after the value",
        ),
        (Type::String, "nul", false, "invalid literal"),
        (Type::Number, "01", false, "invalid number"),
        (Type::Number, "1.", false, "invalid number"),
        (Type::Number, "-", false, "invalid number"),
        (
            Type::Number,
            "1e99999",
            false,
            "\"1e99999\" is not a valid number",
        ),
        (Type::Number, "\"x\"", false, "\"x\" is not a valid number"),
        (Type::String, "[1,]", false, "invalid JSON"),
        (Type::String, "{\"a\" 1}", false, "expected ':'"),
        (Type::String, "\"\\x\"", false, "invalid JSON string"),
        (Type::String, "\"\u{1}\"", false, "control character"),
        (Type::Bool, "1", false, "a bool is required, found a number"),
        (obj.clone(), "[]", false, "an object is required"),
        (
            obj.clone(),
            r#"{"a":"x","a":"y"}"#,
            false,
            "attribute \"a\" more than once",
        ),
        (
            obj.clone(),
            r#"{"a":1.5e3,"b":2}"#,
            true,
            "attribute \"b\" that the schema does not define",
        ),
        (
            Type::object([("o", Type::map(Type::Bool))]),
            r#"{"o":{"k":[]}}"#,
            false,
            "o[\"k\"]: a bool is required, found an array",
        ),
        (
            Type::map(Type::Bool),
            r#"{"k":true,"k":false}"#,
            false,
            "duplicate key \"k\"",
        ),
        (
            Type::tuple([Type::String]),
            "[]",
            false,
            "a tuple of length 1 is required, found length 0",
        ),
        (
            Type::list(Type::String),
            "\"x\"",
            false,
            "a list of string is required, found a string",
        ),
        (
            Type::Dynamic,
            r#"{"value":1}"#,
            false,
            "needs both \"value\" and \"type\"",
        ),
        (
            Type::Dynamic,
            r#"{"value":1,"type":"number","x":2}"#,
            true,
            "invalid key \"x\"",
        ),
        (
            Type::Dynamic,
            r#"{"value":1,"type":"nope"}"#,
            false,
            "dynamic value type: invalid type JSON",
        ),
        (
            Type::Dynamic,
            r#"{"value":1,"type":7}"#,
            false,
            "dynamic value type: invalid type JSON",
        ),
        (
            Type::Dynamic,
            "1",
            false,
            "a dynamic is required, found a number",
        ),
    ];
    for (ty, input, strict, want) in &cases {
        check_err(ty, input, *strict, want);
    }
    assert!(json::decode(&[0xff, 0xfe], &Type::String)
        .unwrap_err()
        .message
        .contains("UTF-8"));
    let deep = "[".repeat(200) + &"]".repeat(200);
    assert!(json::decode(deep.as_bytes(), &Type::Dynamic)
        .unwrap_err()
        .message
        .contains("nested deeper"));
}

#[test]
fn encode_errors() {
    let obj = Type::object([("a", Type::String), ("b", Type::String)]);
    let cases: Vec<(Type, Value, &str)> = vec![
        (
            Type::list(Type::String),
            Value::List(vec![Value::unknown()]),
            "[0]: unknown values cannot be encoded as JSON",
        ),
        (
            obj.clone(),
            Value::object([("a", s("x"))]),
            "object is missing attribute \"b\"",
        ),
        (
            obj.clone(),
            Value::object([("a", s("x")), ("b", s("y")), ("c", s("z"))]),
            "attribute \"c\" that the schema does not define",
        ),
        (Type::Dynamic, s("x"), "must be wrapped in Value::Dynamic"),
        (Type::Number, s("1"), "a number is required, found a string"),
    ];
    for (ty, v, want) in &cases {
        let e = json::encode(v, ty).expect_err(want);
        assert!(e.to_string().contains(want), "got {e}, want {want}");
    }
}
