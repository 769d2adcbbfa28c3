//! The registry of resource-provider families and their type hooks. The dispatcher in
//! `mod.rs` is generic: whatever a resource type does beyond "store the document, echo it"
//! is declared here by the type's own route module (`ml.rs`, `network.rs`, `dns.rs`,
//! `generic.rs`) as a [`Family`] with a [`TypeHooks`] row per type that needs one.

use super::{dns, generic, ml, network, online, Ctx};
use crate::app::App;
use crate::errors::ArmResult;
use crate::ids::ResPath;
use crate::reply::Reply;
use crate::state::{Res, World};
use serde_json::Value;
use std::sync::Arc;

/// Write entry point of a family: `(app, world, request, path, type key)`.
pub type WriteFn = fn(&Arc<App>, &mut World, &Ctx, &ResPath, &str) -> ArmResult<Reply>;

/// List hook of a family: `(app, world, request, parent key, type key, tail)`. `None` means
/// "the generic child list".
pub type ListFn = fn(&App, &World, &Ctx, &str, &str, &str) -> Option<ArmResult<Reply>>;

/// What one resource type adds to the generic pipeline. Every hook is optional.
#[derive(Clone, Copy)]
pub struct TypeHooks {
    /// Lowercase type key, e.g. `microsoft.network/privateendpoints`.
    pub tkey: &'static str,
    /// GET representation (children composed in); the stored document otherwise.
    pub view: Option<fn(&World, &Res, &str) -> Value>,
    /// Edits the document when an async write completes, after `provisioningState: Succeeded`.
    pub on_succeeded: Option<fn(&mut Value)>,
    /// Runs when an async create completed and the resource is visible: `(app, world, key)`.
    pub after_create: Option<fn(&App, &mut World, &str)>,
    /// Runs when an async update completes, before its state is set: `(app, world, key)`.
    pub before_update_done: Option<fn(&App, &mut World, &str)>,
    /// Marks the document failed (fault `lro-fail`); `provisioningState: Failed` otherwise.
    pub on_failed: Option<fn(&mut Value)>,
    /// Undoes side effects when the resource is removed: `(world, key)`.
    pub on_removed: Option<fn(&mut World, &str)>,
}

impl TypeHooks {
    /// A row with no hooks, to be completed with struct-update syntax.
    pub const fn new(tkey: &'static str) -> Self {
        TypeHooks {
            tkey,
            view: None,
            on_succeeded: None,
            after_create: None,
            before_update_done: None,
            on_failed: None,
            on_removed: None,
        }
    }
}

/// A resource-provider family: the type keys it owns, its write entry point and its types.
pub struct Family {
    /// Whether this family handles writes and lists of the lowercase type key.
    pub owns: fn(&str) -> bool,
    /// Writes (PUT/PATCH/DELETE/POST) of the types it owns.
    pub write: WriteFn,
    /// Lists that are not plain child lists.
    pub list: Option<ListFn>,
    /// Per-type hooks.
    pub types: &'static [TypeHooks],
    /// Key segments (`/childtype/`) of children whose state is composed into their parent, so
    /// the parent gets a new ETag when they change.
    pub composed_children: &'static [&'static str],
}

/// The families, most specific first; the last one owns everything.
const FAMILIES: &[&Family] = &[
    &online::FAMILY,
    &ml::FAMILY,
    &dns::FAMILY,
    &network::FAMILY,
    &generic::FAMILY,
];

/// The family that handles the type key.
pub fn family_of(tk: &str) -> &'static Family {
    FAMILIES
        .iter()
        .copied()
        .find(|f| (f.owns)(tk))
        .unwrap_or(&generic::FAMILY)
}

/// The hooks of a type, if any family declares it.
pub fn hooks(tkey: &str) -> Option<&'static TypeHooks> {
    FAMILIES
        .iter()
        .flat_map(|f| f.types.iter())
        .find(|h| h.tkey == tkey)
}

/// Every composed-child key segment, in family order.
pub fn composed_children() -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .flat_map(|f| f.composed_children.iter().copied())
}
