//! Tests for the cty codecs: golden bytes, error cases and property round-trips.

mod json;
mod msgpack;
mod prop;
mod values;

/// Builds bytes from a readable spec: hex byte pairs and `"quoted"` ASCII strings, separated by spaces,
/// e.g. `81 a8 "endpoint" a8 "http://x"`.
pub(super) fn hx(spec: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = spec.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').expect("unterminated quote in byte spec");
            out.extend_from_slice(&r.as_bytes()[..end]);
            rest = r[end + 1..].trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(u8::from_str_radix(&rest[..end], 16).expect("bad hex byte in spec"));
            rest = rest[end..].trim_start();
        }
    }
    out
}

/// Renders bytes as space-separated hex for assertion messages.
pub(super) fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
