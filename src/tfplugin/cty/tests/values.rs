//! Tests for `Number`, `Path`, `Type` JSON and the `Value` helpers.

use std::collections::BTreeMap;

use crate::tfplugin::cty::*;

fn n(s: &str) -> Number {
    Number::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
}

#[test]
fn number_display_and_parse() {
    let cases: &[(&str, &str)] = &[
        ("1", "1"),
        ("1.5", "1.5"),
        ("-1.50", "-1.5"),
        ("0", "0"),
        ("-0", "0"),
        ("0.000", "0"),
        ("1e3", "1000"),
        ("1.25E-3", "0.00125"),
        (".5", "0.5"),
        ("+7", "7"),
        (
            "123456789012345678901234567890",
            "123456789012345678901234567890",
        ),
        ("1e30", "1000000000000000000000000000000"),
        ("100", "100"),
    ];
    for (input, want) in cases {
        assert_eq!(n(input).to_string(), *want, "parse({input})");
    }
    for bad in [
        "",
        "-",
        ".",
        "1e",
        "e5",
        "1.2.3",
        "abc",
        "NaN",
        "Inf",
        "1e99999",
        "0x10",
        " 1",
        "1_000",
        // Found by fuzzing: an exponent that saturates i64 overflowed the scale arithmetic.
        "1889348814740e77777777777777777777777777777777777777777777777777777777713230",
        "10e9223372036854775807",
        "10e-9223372036854775808",
        "1e-99999999999999999999999999",
    ] {
        assert!(Number::parse(bad).is_none(), "{bad:?} should not parse");
    }
    // Exponents past the bound still parse when the digits bring the value back in range.
    assert_eq!(n("1000e-4099"), n("1e-4096"));
    assert_eq!(n("0.001e4099"), n("1e4096"));
    assert!(Number::parse("1e4097").is_none());
}

#[test]
fn number_conversions() {
    assert_eq!(
        Number::from_i64(i64::MIN).to_string(),
        "-9223372036854775808"
    );
    assert_eq!(
        Number::from_u64(u64::MAX).to_string(),
        "18446744073709551615"
    );
    assert_eq!(n("1.0"), Number::from_i64(1));
    assert_eq!(n("42").to_i64(), Some(42));
    assert_eq!(n("42.5").to_i64(), None);
    assert_eq!(n("18446744073709551615").to_i64(), None);
    assert_eq!(n("18446744073709551615").to_u64(), Some(u64::MAX));
    assert_eq!(n("1e30").to_i64(), None);
    assert!(n("1e30").is_integer());
    assert!(!n("0.5").is_integer());
    assert_eq!(n("3.5").to_f64(), 3.5);
    assert_eq!(Number::from_f64(3.5), Some(n("3.5")));
    assert_eq!(Number::from_f64(f64::NAN), None);
    assert_eq!(Number::from_f64(f64::INFINITY), None);
    // A float64 converts exactly, like cty does.
    assert_eq!(
        Number::from_f64(0.1).unwrap().to_string(),
        "0.1000000000000000055511151231257827021181583404541015625"
    );
    assert_eq!(Number::from_f64(-2.0).unwrap(), Number::from_i64(-2));
    assert_eq!(
        Number::from_f64(f64::MIN_POSITIVE).unwrap().to_f64(),
        f64::MIN_POSITIVE
    );
    assert_eq!(n("0.1").to_f64_exact(), None);
    assert_eq!(n("0.5").to_f64_exact(), Some(0.5));
    assert!(n("2").cmp(&n("10")).is_lt());
}

#[test]
fn path_display() {
    let cases: &[(Path, &str)] = &[
        (Path::root(), ""),
        (
            Path::root()
                .attr("subnet")
                .attr("ip_configuration")
                .index(0)
                .attr("name"),
            "subnet.ip_configuration[0].name",
        ),
        (Path::root().attr("tags").key("env"), "tags[\"env\"]"),
        (Path::root().attr("tags").key("a\"b"), "tags[\"a\\\"b\"]"),
    ];
    for (p, want) in cases {
        assert_eq!(p.to_string(), *want);
    }
    assert!(Path::root().is_root());
    assert!(!Path::root().index(1).is_root());
    let e = CodecError {
        path: Path::root(),
        message: "boom".into(),
    };
    assert_eq!(e.to_string(), "boom");
    let e = CodecError {
        path: Path::root().attr("a").index(2),
        message: "boom".into(),
    };
    assert_eq!(e.to_string(), "a[2]: boom");
}

#[test]
fn type_json() {
    let cases: Vec<(Type, &str)> = vec![
        (Type::String, r#""string""#),
        (Type::Number, r#""number""#),
        (Type::Bool, r#""bool""#),
        (Type::Dynamic, r#""dynamic""#),
        (Type::list(Type::String), r#"["list","string"]"#),
        (Type::set(Type::Number), r#"["set","number"]"#),
        (
            Type::map(Type::list(Type::Bool)),
            r#"["map",["list","bool"]]"#,
        ),
        (
            Type::object([("y", Type::tuple([Type::String])), ("x", Type::Number)]),
            r#"["object",{"x":"number","y":["tuple",["string"]]}]"#,
        ),
        (
            Type::object(Vec::<(String, Type)>::new()),
            r#"["object",{}]"#,
        ),
        (Type::tuple([]), r#"["tuple",[]]"#),
        (
            Type::object([("we\"ird", Type::String)]),
            r#"["object",{"we\"ird":"string"}]"#,
        ),
    ];
    for (ty, want) in &cases {
        assert_eq!(ty.to_json(), *want);
        assert_eq!(
            &Type::from_json(want.as_bytes()).unwrap(),
            ty,
            "from_json({want})"
        );
    }
    // Whitespace and the optional-attributes element are accepted.
    let t = Type::from_json(b" [ \"object\" , { \"b\" : \"bool\", \"a\": \"string\" }, [\"a\"] ] ")
        .unwrap();
    assert_eq!(t, Type::object([("a", Type::String), ("b", Type::Bool)]));
    for bad in [
        "",
        "\"str\"",
        "[]",
        "[\"list\"]",
        "[\"list\",\"string\",1]",
        "[\"object\",[]]",
        "[\"tuple\",{}]",
        "[\"bogus\",\"string\"]",
        "42",
        "{}",
        "[\"object\",{},1]",
    ] {
        let e = Type::from_json(bad.as_bytes()).expect_err(bad);
        assert!(e.message.contains("invalid type JSON"), "{bad}: {e}");
    }
    let deep = "[\"list\",".repeat(100) + "\"string\"" + &"]".repeat(100);
    assert!(Type::from_json(deep.as_bytes()).is_err());
    let names: &[(Type, &str)] = &[
        (Type::list(Type::String), "list of string"),
        (Type::map(Type::set(Type::Number)), "map of set of number"),
        (Type::object([("a", Type::Bool)]), "object"),
        (Type::tuple([Type::Bool]), "tuple"),
        (Type::Dynamic, "dynamic"),
    ];
    for (t, want) in names {
        assert_eq!(t.friendly_name(), *want);
    }
}

#[test]
fn value_equality_and_helpers() {
    let s = |x: &str| Value::string(x);
    assert_eq!(
        Value::Set(vec![s("a"), s("b"), s("a")]),
        Value::Set(vec![s("a"), s("a"), s("b")])
    );
    assert_ne!(
        Value::Set(vec![s("a"), s("b"), s("b")]),
        Value::Set(vec![s("a"), s("a"), s("b")])
    );
    assert_ne!(
        Value::List(vec![s("a"), s("b")]),
        Value::List(vec![s("b"), s("a")])
    );
    assert_ne!(Value::List(vec![s("a")]), Value::Set(vec![s("a")]));
    assert_eq!(Value::unknown(), Value::unknown());
    let refined = Value::Unknown(Refinements {
        not_null: true,
        ..Default::default()
    });
    assert_ne!(refined, Value::unknown());
    assert_eq!(
        Value::Number(Number::parse("1.0").unwrap()),
        Value::number_i64(1)
    );

    let mut v = Value::object([("a", s("x")), ("b", Value::List(vec![Value::unknown()]))]);
    assert_eq!(v.get("a").and_then(Value::as_str), Some("x"));
    assert!(v.get("zzz").is_none());
    assert!(!v.is_wholly_known());
    assert_eq!(
        v.get("b").and_then(Value::elements).map(<[Value]>::len),
        Some(1)
    );
    *v.get_mut("a").unwrap() = Value::Bool(true);
    assert_eq!(v.get("a").and_then(Value::as_bool), Some(true));
    assert!(v.unknowns_to_null().is_wholly_known());
    assert!(Value::Null.is_null() && !Value::Null.is_unknown());
    assert!(Value::dynamic(Type::String, Value::unknown()).is_unknown());
    assert_eq!(
        Value::dynamic(Type::Number, Value::number_i64(3)).as_number(),
        Some(&Number::from_i64(3))
    );
    assert_eq!(
        Value::null_or_empty_for(&Type::list(Type::String)),
        Value::List(vec![])
    );
    assert_eq!(
        Value::null_or_empty_for(&Type::map(Type::String)),
        Value::Map(BTreeMap::new())
    );
    assert_eq!(Value::null_or_empty_for(&Type::String), Value::Null);
}

#[test]
fn conforms_to_reports_paths() {
    let ty = Type::object([
        ("name", Type::String),
        ("rules", Type::list(Type::object([("port", Type::Number)]))),
        ("any", Type::Dynamic),
        ("pair", Type::tuple([Type::String, Type::Bool])),
    ]);
    let good = Value::object([
        ("name", Value::string("n")),
        (
            "rules",
            Value::List(vec![Value::object([("port", Value::number_i64(1))])]),
        ),
        ("any", Value::dynamic(Type::String, Value::string("x"))),
        ("pair", Value::Tuple(vec![Value::Null, Value::unknown()])),
    ]);
    good.conforms_to(&ty).unwrap();
    let with = |attr: &str, v: Value| {
        let mut g = good.clone();
        *g.get_mut(attr).unwrap() = v;
        g
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            with("name", Value::number_i64(1)),
            "name: a string is required, found a number",
        ),
        (
            with(
                "rules",
                Value::List(vec![Value::object([("prt", Value::number_i64(1))])]),
            ),
            "rules[0]: object has attribute \"prt\" that the schema does not define",
        ),
        (
            with(
                "rules",
                Value::List(vec![Value::object(Vec::<(String, Value)>::new())]),
            ),
            "rules[0]: object is missing attribute \"port\"",
        ),
        (
            with("any", Value::string("x")),
            "any: a value in a dynamic position must be wrapped",
        ),
        (
            with("any", Value::dynamic(Type::Dynamic, Value::Null)),
            "must carry a concrete type",
        ),
        (
            with("pair", Value::Tuple(vec![Value::Null])),
            "pair: a tuple of length 2 is required, found length 1",
        ),
        (
            with(
                "name",
                Value::Unknown(Refinements {
                    number_lower: Some((Number::from_i64(1), true)),
                    ..Default::default()
                }),
            ),
            "name: an unknown string cannot carry a number bound refinement",
        ),
    ];
    for (v, want) in cases {
        let e = v.conforms_to(&ty).expect_err(want);
        assert!(e.to_string().contains(want), "got {e}, want {want}");
    }
}
