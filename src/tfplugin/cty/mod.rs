//! The cty value model and its wire codecs.
//!
//! Terraform exchanges configuration, plans and state as cty values serialised against a type
//! (msgpack on the wire, JSON in stored state). This module is that model and those codecs, with no I/O
//! and no gRPC: [`Type`], [`Value`], [`Number`], [`Path`], and the [`msgpack`] and [`json`] codecs.

mod number;
mod path;
mod types;
mod value;

pub mod json;
pub mod msgpack;

#[cfg(test)]
mod tests;

pub use number::{Number, MAX_EXPONENT};
pub use path::{CodecError, Path, PathStep};
pub use types::Type;
pub use value::{Refinements, Value};

/// The deepest nesting of containers (and dynamic wrappers) the codecs accept, so hostile input cannot
/// exhaust the stack.
pub const MAX_DEPTH: usize = 64;
