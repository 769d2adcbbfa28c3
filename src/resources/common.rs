//! What the features share: the `workspace_id` argument, checked at plan time (strictly, with
//! the ID parser's precise message) and parsed again when a handler needs it; attribute paths;
//! and the few conversions of ARM values into model values (empty strings, tags, spellings).

use crate::arm::ids::{IdError, WorkspaceId};
use crate::provider::handler::{parse, Arm, Ctx, Doing};
use crate::tfplugin::cty::Path;
use crate::tfplugin::model;
use crate::tfplugin::traits::Error;

/// String validator for a `workspace_id` attribute (`Validator::Str`): a well-formed workspace
/// ARM ID.
pub fn check_workspace_id(s: &str) -> Result<(), String> {
    WorkspaceId::parse(s).map(|_| ()).map_err(|e| e.message)
}

/// The workspace a `workspace_id` value names; an error points at the attribute.
pub fn workspace_id(v: &model::Value<String>) -> Result<WorkspaceId, Error> {
    let raw = v.as_known().map_or("", String::as_str);
    WorkspaceId::parse(raw).map_err(|e| Error::new(e.message).at(attr(WORKSPACE_ID)))
}

const WORKSPACE_ID: &str = "workspace_id";

/// The path of a top-level attribute (use the model's constant: `attr(Model::NAME)`).
pub fn attr(name: &str) -> Path {
    Path::root().attr(name)
}

// ---------------------------------------------------------------------------------------------
// ARM values as model values, declared once.

/// A string from ARM: absent or empty reads as null.
pub fn text(s: Option<String>) -> model::Value<String> {
    s.filter(|s| !s.is_empty())
        .map_or(model::Value::Null, model::Value::Known)
}

/// An optional value from ARM: absent reads as null.
pub fn known<T>(v: Option<T>) -> model::Value<T> {
    v.map_or(model::Value::Null, model::Value::Known)
}

/// A resource's tags as ARM takes them: an empty map when unset.
pub fn tags_body(tags: &model::Value<Tags>) -> Tags {
    tags.as_known().cloned().unwrap_or_default()
}

/// ARM's tags as state: no tags read as null, unless the prior state held an empty map.
pub fn tags_state(remote: Option<Tags>, prior: &model::Value<Tags>) -> model::Value<Tags> {
    let tags = remote.unwrap_or_default();
    let prior_empty = matches!(prior, model::Value::Known(m) if m.is_empty());
    if tags.is_empty() && !prior_empty {
        model::Value::Null
    } else {
        model::Value::Known(tags)
    }
}

/// The remote spelling, or the prior one when both mean the same under `key` (ARM answers some
/// names in another case, and locations without spaces).
pub fn keep_spelling(
    remote: model::Value<String>,
    prior: &model::Value<String>,
    key: fn(&str) -> String,
) -> model::Value<String> {
    match (&remote, prior) {
        (model::Value::Known(r), model::Value::Known(p)) if key(r) == key(p) => prior.clone(),
        _ => remote,
    }
}

/// Tags: a string map.
pub type Tags = std::collections::BTreeMap<String, String>;

/// The ID of the object at `id` if it exists, as ARM spells it: what the framework's "already
/// exists — import it" check needs. `what` names the object ("private DNS zone").
pub async fn existing_id(
    arm: &Arm<'_>,
    id: &(impl AsRef<str> + std::fmt::Display + ?Sized),
    api_version: &str,
    what: &str,
) -> Result<Option<String>, Error> {
    let found = arm
        .get(id, api_version)
        .await
        .doing(format!("checking for {what} {id}"))?;
    Ok(found.map(|r| {
        r.body
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| id.to_string(), str::to_string)
    }))
}

/// The import stub of a resource whose import ID is its ARM ID: `raw` parsed strictly by `parse`
/// (a bad ID is refused with the parser's message) into the model's `id`, everything else null.
pub fn import_stub<M: model::Model, T: std::fmt::Display>(
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, IdError>,
    id: impl FnOnce(&mut M) -> &mut model::Value<String>,
) -> Result<M, Error> {
    let parsed = parse(raw).map_err(|e| Error::new("Invalid import ID").detail(e.message))?;
    let mut stub = M::from_value(&crate::tfplugin::cty::Value::Null);
    *id(&mut stub) = model::Value::Known(parsed.to_string());
    Ok(stub)
}

/// A resource's ARM ID: its known `id` attribute, parsed leniently as ARM spells it (an error
/// points at `id`), or else the ID that `build` makes from the configuration (on create).
pub fn id_or<T>(
    id: &model::Value<String>,
    parse_lenient: impl FnOnce(&str) -> Result<T, IdError>,
    build: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    match id {
        model::Value::Known(s) => parse_lenient(s).map_err(|e| Error::new(e.message).at(attr(ID))),
        _ => build(),
    }
}

const ID: &str = "id";

/// How old the workspace body that the coordinator shares may be when a resource refreshes from
/// it: a refresh of many rules and settings of one workspace then costs one GET, not one each.
pub const READ_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(2);

/// Workspace `ws` as the coordinator's shared read has it (at most [`READ_MAX_AGE`] old), as the
/// typed body `T`; `None` when the workspace is gone.
pub async fn read_workspace<T: serde::de::DeserializeOwned>(
    ctx: &Ctx<'_>,
    ws: &WorkspaceId,
) -> Result<Option<T>, Error> {
    let deadline = ctx.arm().await?.deadline();
    let found = ctx
        .client
        .coordinator()
        .await?
        .read(ws.as_ref(), READ_MAX_AGE, deadline)
        .await
        .doing(format!("reading workspace {ws}"))?;
    found.map(|r| parse(&r.body)).transpose()
}

/// The import stub of a workspace-level setting, imported by its workspace's ARM ID: the ID in
/// both `id` and `workspace_id` (as `ids` returns them), everything else null. A bad ID is
/// refused naming the resource type.
pub fn workspace_import_stub<M: model::Model>(
    type_name: &str,
    raw: &str,
    ids: impl FnOnce(&mut M) -> (&mut model::Value<String>, &mut model::Value<String>),
) -> Result<M, Error> {
    let ws = WorkspaceId::parse(raw).map_err(|e| {
        Error::new(format!("invalid {type_name} import ID"))
            .detail(format!("Expected a workspace ARM ID: {}", e.message))
    })?;
    let mut stub = M::from_value(&crate::tfplugin::cty::Value::Null);
    let (id, workspace_id) = ids(&mut stub);
    *id = model::Value::Known(ws.to_string());
    *workspace_id = model::Value::Known(ws.to_string());
    Ok(stub)
}

/// The object at `id` through the ARM client's shared reads: when several objects of its
/// collection (the ID without its last segment, e.g. the zones of a resource group) are read at
/// once they share one list, and the read right after our own write is answered by the write's
/// final body; a lone read is one GET. `None` when the object is gone.
pub async fn read_listed(
    arm: &Arm<'_>,
    id: &(impl AsRef<str> + ?Sized),
    api_version: &str,
) -> Result<Option<crate::arm::Response>, crate::arm::ArmError> {
    let id = id.as_ref();
    let collection = id.rsplit_once('/').map_or(id, |(c, _)| c);
    arm.client()
        .read_shared(
            id,
            collection,
            api_version,
            crate::arm::shared_reads::has_properties,
            arm.deadline(),
        )
        .await
}

/// [`existing_id`] through the shared reads ([`read_listed`]): the existence checks of many
/// creates under one parent share a list.
pub async fn existing_listed_id(
    arm: &Arm<'_>,
    id: &(impl AsRef<str> + std::fmt::Display + ?Sized),
    api_version: &str,
    what: &str,
) -> Result<Option<String>, Error> {
    let found = read_listed(arm, id, api_version)
        .await
        .doing(format!("checking for {what} {id}"))?;
    Ok(found.map(|r| {
        r.body
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| id.to_string(), str::to_string)
    }))
}
