//! What the workspace-level features share: the `workspace_id` argument, checked at plan time
//! (strictly, with the ID parser's precise message) and parsed again when a handler needs it.

use crate::arm::ids::WorkspaceId;
use crate::tfplugin::cty::{Path, Value};
use crate::tfplugin::object::Object;
use crate::tfplugin::traits::Error;

/// Validator for a `workspace_id` attribute: a well-formed workspace ARM ID.
pub fn validate_workspace_id(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(s) => WorkspaceId::parse(s).map(|_| ()).map_err(|e| e.message),
        None => Ok(()),
    }
}

/// The workspace an object's `workspace_id` names; an error points at the attribute.
pub fn workspace_of(obj: &Object) -> Result<WorkspaceId, Error> {
    let raw = obj.string("workspace_id").unwrap_or_default();
    WorkspaceId::parse(&raw)
        .map_err(|e| Error::new(e.message).at(Path::root().attr("workspace_id")))
}
