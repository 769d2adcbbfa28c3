//! Tests for the cty codecs: golden bytes, error cases and property round-trips.

mod json;
mod msgpack;
mod prop;
mod values;
