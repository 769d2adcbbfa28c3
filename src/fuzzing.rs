//! Fuzz target bodies, shared by the `cargo fuzz` targets in `fuzz/` and by the stable replay
//! test `tests/fuzz_corpora.rs`, so the two cannot drift. Each function takes the raw input bytes,
//! must never panic on any input, and asserts the cheap properties of what it exercises (round
//! trips, re-rendering, determinism). Not part of the provider's API.

use std::sync::OnceLock;

use crate::arm::ids::*;
use crate::arm::network_acls::{same_rule, Ipv4Net};
use crate::resources::managed_network_outbound_rule::{
    check_address_prefix, check_fqdn, check_ports,
};
use crate::resources::network_rule::check_ip;
use crate::tfplugin::cty::{json, msgpack, Path, Type, Value};
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::schema::{Block, Validator};

/// Splits a cty input: `<type JSON> NUL <value bytes>` decodes the value against that type; an
/// input without a NUL byte is a value of the dynamic pseudo-type (which carries its own type).
/// `None` when the type part is not a valid type.
fn typed_input(data: &[u8]) -> Option<(Type, &[u8])> {
    match data.iter().position(|b| *b == 0) {
        None => Some((Type::Dynamic, data)),
        Some(at) => {
            let ty = Type::from_json(&data[..at]).ok()?;
            // The type's own JSON form round-trips.
            let again = Type::from_json(ty.to_json().as_bytes()).expect("a type's JSON parses");
            assert_eq!(again, ty, "type JSON round trip");
            Some((ty, &data[at + 1..]))
        }
    }
}

/// msgpack DynamicValue decoding: never panics; a decoded value conforms to its type, re-encodes,
/// and decodes back to itself; the re-encoding is stable; a wholly known value also round-trips
/// through the JSON codec.
pub fn cty_msgpack(data: &[u8]) {
    let Some((ty, bytes)) = typed_input(data) else {
        return;
    };
    let Ok(v) = msgpack::decode(bytes, &ty) else {
        return;
    };
    if let Err(e) = v.conforms_to(&ty) {
        panic!("decoded value does not conform to {}: {e:?}", ty.to_json());
    }
    let enc = msgpack::encode(&v, &ty).expect("a decoded value re-encodes");
    let back = msgpack::decode(&enc, &ty).expect("our own encoding decodes");
    assert_eq!(back, v, "msgpack decode → encode → decode");
    assert_eq!(
        msgpack::encode(&back, &ty).expect("re-encodes"),
        enc,
        "msgpack re-encoding is stable"
    );
    if v.is_wholly_known() {
        let j = json::encode(&v, &ty).expect("a known value encodes as JSON");
        let back = json::decode_strict(&j, &ty).expect("our own JSON decodes");
        assert_eq!(back, v, "msgpack value through JSON");
    } else {
        assert!(json::encode(&v, &ty).is_err(), "JSON cannot hold unknowns");
    }
}

/// JSON value decoding (lenient and strict): never panics; a strict success implies the same
/// lenient result; a decoded value conforms, re-encodes, decodes back to itself, re-encodes
/// byte for byte the same, and round-trips through msgpack.
pub fn cty_json(data: &[u8]) {
    let Some((ty, bytes)) = typed_input(data) else {
        return;
    };
    let lenient = json::decode(bytes, &ty);
    let strict = json::decode_strict(bytes, &ty);
    if let Ok(s) = &strict {
        assert_eq!(lenient.as_ref().ok(), Some(s), "strict ⊂ lenient");
    }
    let Ok(v) = lenient else {
        return;
    };
    if let Err(e) = v.conforms_to(&ty) {
        panic!("decoded value does not conform to {}: {e:?}", ty.to_json());
    }
    let enc = json::encode(&v, &ty).expect("a decoded JSON value re-encodes");
    let back = json::decode_strict(&enc, &ty).expect("our own JSON decodes strictly");
    assert_eq!(back, v, "JSON decode → encode → decode");
    assert_eq!(
        json::encode(&back, &ty).expect("re-encodes"),
        enc,
        "JSON re-encoding is stable"
    );
    let m = msgpack::encode(&v, &ty).expect("a decoded JSON value encodes as msgpack");
    assert_eq!(
        msgpack::decode(&m, &ty).expect("our own msgpack decodes"),
        v,
        "JSON value through msgpack"
    );
}

/// Checks one typed ID type against `s`: a strict parse that succeeds re-renders to the input
/// (ignoring case), re-parses to itself, and agrees with the lenient parse; a lenient parse that
/// succeeds is idempotent and agrees with the generic lenient parse.
macro_rules! check_typed_ids {
    ($s:expr, $generic:expr, $($t:ty),* $(,)?) => {$(
        let strict = <$t>::parse($s);
        let lenient = <$t>::parse_lenient($s);
        if let Ok(id) = &strict {
            let text = id.to_string();
            assert!(
                text.eq_ignore_ascii_case($s),
                "{}: strict parse of {:?} re-renders as {text:?}",
                stringify!($t),
                $s
            );
            assert_eq!(<$t>::parse(&text).as_ref(), Ok(id), "strict re-parse");
            assert_eq!(text.parse::<$t>().as_ref(), Ok(id), "FromStr");
            assert_eq!(lenient.as_ref().ok(), Some(id), "strict ⊂ lenient");
        }
        if let Ok(id) = &lenient {
            let text = id.to_string();
            assert_eq!(<$t>::parse_lenient(&text).as_ref(), Ok(id), "lenient idempotent");
            let g = $generic
                .as_ref()
                .expect("a typed lenient ID is a generic lenient ID");
            assert_eq!(g.key(), id.key(), "typed and generic lenient parses agree");
            assert_eq!(id.key(), text.to_ascii_lowercase());
        }
    )*};
}

/// ARM ID parsing, strict and lenient, for the generic [`ResourceId`] and every typed ID.
pub fn arm_ids(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let generic = ResourceId::parse_lenient(s);
    if let Some(id) = &generic {
        let text = id.to_string();
        assert_eq!(
            ResourceId::parse_lenient(&text).as_ref(),
            Some(id),
            "generic lenient parse is idempotent ({text:?})"
        );
        assert_eq!(id.key(), text.to_ascii_lowercase());
        assert!(text.starts_with("/subscriptions/"));
        if let Some(ty) = id.resource_type() {
            assert!(id.namespace().is_some_and(|ns| ty.starts_with(ns)));
        }
    }
    check_typed_ids!(
        s,
        generic,
        SubscriptionId,
        ResourceGroupId,
        VirtualNetworkId,
        SubnetId,
        PrivateEndpointId,
        PrivateDnsZoneGroupId,
        PrivateDnsZoneId,
        VirtualNetworkLinkId,
        ARecordSetId,
        WorkspaceId,
        OutboundRuleId,
        ComputeId,
        PrivateEndpointConnectionId,
        OnlineEndpointId,
        StorageAccountId,
        KeyVaultId,
        ContainerRegistryId,
        AiServicesId,
        SearchServiceId,
        MlRegistryId,
    );
}

/// Every string validator of every attribute of the provider, resource and data source schemas.
fn string_validators() -> &'static [Validator] {
    static ALL: OnceLock<Vec<Validator>> = OnceLock::new();
    ALL.get_or_init(|| {
        fn walk(block: &Block, out: &mut Vec<Validator>) {
            for a in &block.attributes {
                if a.ty != Type::String {
                    continue;
                }
                for v in &a.validators {
                    if matches!(
                        v,
                        Validator::Str(_) | Validator::OneOf(_) | Validator::Length(..)
                    ) {
                        out.push(v.clone());
                    }
                }
            }
            for b in &block.blocks {
                walk(&b.block, out);
            }
        }
        use crate::tfplugin::traits::ProviderDef;
        let p = crate::plugin::AmlProvider;
        let mut out = Vec::new();
        walk(&p.schema().block, &mut out);
        for r in p.resources() {
            walk(
                &crate::tfplugin::service::resource_schema(r.as_ref()).block,
                &mut out,
            );
        }
        for d in p.data_sources() {
            walk(&d.schema().block, &mut out);
        }
        out
    })
}

/// The longest diagnostic detail a string validator may write, whatever the value's length:
/// long values are shortened when quoted.
const MAX_DETAIL_CHARS: usize = 1_000;

/// The IP/CIDR, FQDN and port validators (and every other string validator in the schemas):
/// never panic, are deterministic, quote long values shortened, and agree with each other where
/// their languages overlap.
pub fn validators(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // Workspace IP rules: a public IPv4 address or range.
    let ip = check_ip(s);
    assert_eq!(check_ip(s), ip, "check_ip is deterministic");
    if let Ok(net) = &ip {
        assert_eq!(Ipv4Net::parse(s), Some(*net));
        assert_eq!(net.addr, net.network(), "no host bits");
        assert!(
            check_address_prefix(s).is_ok(),
            "{s:?} is a valid IP rule but not a valid address prefix"
        );
        assert!(same_rule(s, &format!("{}/{}", net.addr, net.prefix)));
    }
    if let Some(net) = Ipv4Net::parse(s) {
        assert!(net.prefix <= 32);
        assert!(net.within(&net));
        assert!(same_rule(s, s));
    }
    // Service-tag address prefixes: IPv4 or IPv6 address or CIDR.
    let prefix = check_address_prefix(s);
    assert_eq!(check_address_prefix(s), prefix);
    if prefix.is_ok() {
        let (addr, len) = s.split_once('/').unwrap_or((s, ""));
        let parsed: std::net::IpAddr = addr.parse().expect("an accepted prefix's address parses");
        if !len.is_empty() {
            let max = if parsed.is_ipv4() { 32 } else { 128 };
            assert!(len.parse::<u32>().is_ok_and(|n| n <= max));
        }
    }
    // FQDN rule destinations.
    let fqdn = check_fqdn(s);
    assert_eq!(check_fqdn(s), fqdn);
    if fqdn.is_ok() {
        let host = s.strip_prefix("*.").unwrap_or(s);
        assert!(host.len() <= 253 && host.contains('.'));
        assert!(host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    }
    // Service-tag port ranges.
    let ports = check_ports(s);
    assert_eq!(check_ports(s), ports);
    if ports.is_ok() && s != "*" {
        for part in s.split(',') {
            for p in part.trim().split('-') {
                assert!(p.parse::<u16>().is_ok_and(|n| n >= 1), "{p:?} in {s:?}");
            }
        }
    }
    // Every string validator of the schemas, through the same path as plan-time validation.
    let value = Value::string(s);
    let path = Path::root().attr("a");
    for v in string_validators() {
        let mut first = Diagnostics::new();
        v.check(&value, &path, &mut first);
        let mut second = Diagnostics::new();
        v.check(&value, &path, &mut second);
        assert_eq!(first, second, "{v:?} is deterministic");
        for d in first.iter() {
            let n = d.detail.chars().count();
            assert!(
                n <= MAX_DETAIL_CHARS,
                "{v:?} wrote a {n}-character detail for a {}-character value",
                s.chars().count()
            );
        }
    }
}
