//! `aml_workspace_image_build`: the compute that builds an Azure ML workspace's environment
//! images (`properties.imageBuildCompute` of `Microsoft.MachineLearningServices/workspaces`).
//! When the workspace's container registry is private, images cannot be built in the registry
//! and must be built on a compute cluster or instance of the workspace, named here.
//!
//! The resource records the value it found when created and puts it back when destroyed. Its
//! writes go through the per-workspace coordinator, so they never race the inbound-access and
//! IP-rule writes of the same workspace. Plan warns (never fails) when the named compute does not
//! exist in the workspace and when the workspace's container registry is not Premium (the SKU
//! that private access needs).

use async_trait::async_trait;

use super::common::{
    attr, check_workspace_id, keep_spelling, read_workspace, text, workspace_id,
    workspace_import_stub,
};
use crate::arm::api_versions;
use crate::arm::ids::{ContainerRegistryId, ResourceId, WorkspaceId};
use crate::arm::models::container_registry::ContainerRegistryRead;
use crate::arm::models::workspace::{set_image_build_compute, ImageBuildWorkspace};
use crate::provider::handler::{parse, Arm, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::Type;
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::model::{Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::{TypedPlan, TypedResource};

/// The resource.
#[derive(Debug)]
pub struct WorkspaceImageBuild;

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct WorkspaceImageBuildModel {
    /// The workspace's ARM ID.
    pub id: Value<String>,
    /// The workspace's ARM ID, as configured.
    pub workspace_id: Value<String>,
    /// The name of the compute that builds images.
    pub compute_name: Value<String>,
    /// The image build compute found on create or import (`""`: none).
    pub prior_compute_name: Value<String>,
}

type M = WorkspaceImageBuildModel;

/// The type name.
pub const TYPE: &str = "aml_workspace_image_build";

/// String validator for `compute_name`: a compute's name, not an ARM ID or a path.
pub fn check_compute_name(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err(
            "compute_name must name a compute cluster or instance of the workspace. To build images in the \
             container registry again, remove this resource: destroy puts back the setting it found."
                .to_string(),
        );
    }
    if let Some(id) = ResourceId::parse_lenient(s) {
        let name = id.types().last().map_or("", |(_, n)| n.as_str());
        let is_compute = id
            .types()
            .last()
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case("computes"));
        return Err(if is_compute && !name.is_empty() {
            format!(
                "compute_name takes the compute's name, not its ARM ID (the service looks the name up in the \
                 workspace). Set compute_name = \"{name}\"."
            )
        } else {
            "compute_name takes the name of a compute cluster or instance of the workspace (as in \
             `az ml compute list`), not an ARM ID."
                .to_string()
        });
    }
    if s.contains('/') || s.chars().any(char::is_whitespace) {
        return Err(format!(
            "{s:?} is not a compute name: names have no slashes or spaces. Use the name of a compute cluster or \
             instance of the workspace, as `az ml compute list` shows it."
        ));
    }
    Ok(())
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// The plan-time checks: the compute exists in the workspace, and the workspace's registry is
/// Premium. Every finding is a warning; what cannot be read is a warning that it was not checked.
async fn check_live(arm: &Arm<'_>, ws: &WorkspaceId, compute: &str, diags: &mut Diagnostics) {
    let found = match arm.get(ws, api_versions::ML).await {
        Ok(Some(found)) => found,
        // A missing workspace fails the apply with ARM's message; nothing to add here.
        Ok(None) => return,
        Err(e) => {
            diags.warning_at(
                attr(M::WORKSPACE_ID),
                "Could not check the workspace's image build settings",
                format!("Reading workspace {ws} failed: {e}. The compute and the container registry were not checked."),
            );
            return;
        }
    };
    let Ok(workspace) = parse::<ImageBuildWorkspace>(&found.body) else {
        return;
    };
    let compute_id = ws.compute(compute);
    match arm.get(&compute_id, api_versions::ML).await {
        Ok(Some(_)) => {}
        Ok(None) => diags.warning_at(
            attr(M::COMPUTE_NAME),
            format!("Compute {compute:?} does not exist in the workspace"),
            format!(
                "Workspace {ws} has no compute named {compute:?}. The setting is still written, but image builds \
                 fail until a compute cluster or instance with that name exists: create it (for example with \
                 azurerm_machine_learning_compute_cluster) or set compute_name to an existing one \
                 (`az ml compute list`)."
            ),
        ),
        Err(e) => diags.warning_at(
            attr(M::COMPUTE_NAME),
            format!("Could not check that compute {compute:?} exists"),
            format!("Reading {compute_id} failed: {e}."),
        ),
    }
    let Some(registry) = workspace.container_registry() else {
        return;
    };
    let not_checked = |why: String| {
        (
            "Could not check the SKU of the workspace's container registry".to_string(),
            format!(
                "{why}. Building images on a compute is for a private registry, and private access needs the \
                 Premium SKU; check it yourself (`az acr show --ids {registry} --query sku.name`)."
            ),
        )
    };
    let finding = match ContainerRegistryId::parse_lenient(registry) {
        Err(_) => Some(not_checked(format!(
            "The workspace's containerRegistry {registry:?} is not a container registry ID"
        ))),
        Ok(id) => match arm.get(&id, api_versions::CONTAINER_REGISTRY).await {
            Ok(None) => Some(not_checked(format!("Registry {id} was not found (404)"))),
            Err(e) => Some(not_checked(format!("Reading registry {id} failed: {e}"))),
            Ok(Some(r)) => {
                let acr = parse::<ContainerRegistryRead>(&r.body).unwrap_or_default();
                (!acr.is_premium()).then(|| {
                    let sku = acr.sku_name().unwrap_or("unknown");
                    (
                        format!("The workspace's container registry is {sku}, not Premium"),
                        format!(
                            "Registry {id} has the {sku} SKU. A compute builds images when the registry is private, \
                             and only Premium registries can be made private (private endpoints, public access \
                             Disabled). Upgrade it (`az acr update --ids {id} --sku Premium`), or, if the registry \
                             stays public, images can be built in it without this resource."
                        ),
                    )
                })
            }
        },
    };
    if let Some((summary, detail)) = finding {
        diags.warning_at(attr(M::WORKSPACE_ID), summary, detail);
    }
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for WorkspaceImageBuild {
    type Model = WorkspaceImageBuildModel;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "The compute that builds the environment images of an existing Azure Machine Learning workspace \
             (the workspace's `imageBuildCompute`). When the workspace's container registry is private, images \
             cannot be built in the registry: a compute cluster or instance of the workspace builds them instead.\n\n\
             The workspace itself is not created or deleted. On create the resource records the setting it finds \
             (`prior_compute_name`) and on destroy it puts it back. Writes go through the same per-workspace \
             coordinator as `aml_workspace_network_access` and `aml_network_rule`, with `If-Match`.\n\n\
             Plan warns when the named compute does not exist in the workspace, and when the workspace's container \
             registry is not Premium (private access needs Premium); a registry that cannot be read is a warning \
             that it was not checked.",
        )
        .attribute(Attribute::id("The workspace's ARM ID."))
        .attribute(
            Attribute::required(
                "workspace_id",
                Type::String,
                "The ARM ID of the workspace whose image builds this manages.",
            )
            .requires_replace()
            .case_insensitive()
            .validate(Validator::Str(check_workspace_id)),
        )
        .attribute(
            Attribute::required(
                "compute_name",
                Type::String,
                "The name (not the ARM ID) of the compute cluster or instance of the workspace that builds images, \
                 as `az ml compute list` shows it. Changing it updates the workspace in place.",
            )
            .validate(Validator::Str(check_compute_name)),
        )
        .attribute(
            Attribute::computed(
                "prior_compute_name",
                Type::String,
                "The workspace's image build compute when this resource was created (or imported), `\"\"` when it \
                 had none (images built in the registry); restored on destroy.",
            )
            .stable(),
        );
        Schema::new(block)
    }

    fn import_doc(&self) -> &'static str {
        "Import with the workspace's ARM ID \
         (`/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.MachineLearningServices/workspaces/{name}`). \
         The compute found at import becomes the prior setting, so a later destroy leaves the workspace as it was \
         at import."
    }

    async fn plan(&self, ctx: &Ctx<'_>, plan: &mut TypedPlan<M>) -> Result<(), Error> {
        let (Some(ws), Some(compute)) = (
            plan.planned
                .workspace_id
                .as_known()
                .and_then(|w| WorkspaceId::parse(w).ok()),
            plan.planned.compute_name.as_known().cloned(),
        ) else {
            return Ok(());
        };
        if check_compute_name(&compute).is_err() {
            return Ok(());
        }
        let arm = ctx.arm().await?;
        check_live(&arm, &ws, &compute, &mut plan.diagnostics).await;
        Ok(())
    }

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        let prior = self.write(ctx, planned, "setting").await?;
        Ok(M {
            id: Value::Known(workspace_id(&planned.workspace_id)?.to_string()),
            prior_compute_name: Value::Known(prior),
            ..planned.clone()
        })
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let ws = workspace_id(&state.workspace_id)?;
        let Some(w) = read_workspace::<ImageBuildWorkspace>(ctx, &ws).await? else {
            return Ok(None);
        };
        let remote = text(w.compute().map(str::to_string));
        let mut out = state.clone();
        out.id = Value::Known(
            state
                .id
                .as_known()
                .cloned()
                .unwrap_or_else(|| ws.to_string()),
        );
        out.compute_name = keep_spelling(remote, &state.compute_name, lower);
        if state.prior_compute_name.is_null() {
            // Imported: what is set now is what destroy puts back.
            out.prior_compute_name = Value::Known(w.compute().unwrap_or_default().to_string());
        }
        Ok(Some(out))
    }

    async fn update(&self, ctx: &Ctx<'_>, prior: &M, planned: &M) -> Result<M, Error> {
        self.write(ctx, planned, "changing").await?;
        Ok(M {
            id: prior.id.clone(),
            prior_compute_name: prior.prior_compute_name.clone(),
            ..planned.clone()
        })
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let ws = workspace_id(&state.workspace_id)?;
        let arm = ctx.arm().await?;
        // `""` (no compute before) makes the registry build images again, as before.
        let restore = state
            .prior_compute_name
            .as_known()
            .cloned()
            .unwrap_or_default();
        let result = ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), arm.deadline(), move |doc| {
                set_image_build_compute(doc, &restore)
            })
            .await;
        match result {
            Err(e) if e.is_not_found() => Ok(()),
            r => r.map(|_| ()).doing(format!(
                "restoring the prior image build compute of workspace {ws}"
            )),
        }
    }

    fn import(&self, id: &str) -> Result<M, Error> {
        workspace_import_stub(TYPE, id, |m: &mut M| (&mut m.id, &mut m.workspace_id))
    }
}

impl WorkspaceImageBuild {
    /// Writes `compute_name` through the coordinator; returns the value it replaced (`""`: none).
    async fn write(&self, ctx: &Ctx<'_>, planned: &M, doing: &str) -> Result<String, Error> {
        let ws = workspace_id(&planned.workspace_id)?;
        let name = planned.compute_name.as_known().cloned().ok_or_else(|| {
            Error::new("compute_name is not known at apply").at(attr(M::COMPUTE_NAME))
        })?;
        let arm = ctx.arm().await?;
        arm.accepted(ws.as_ref());
        let done = ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), arm.deadline(), move |doc| {
                set_image_build_compute(doc, &name)
            })
            .await;
        arm.unless_refused(ws.as_ref(), &done);
        let done = done.doing(format!("{doing} the image build compute of workspace {ws}"))?;
        Ok(done.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_names_are_names() {
        assert_eq!(check_compute_name("cpu-cluster"), Ok(()));
        assert_eq!(check_compute_name("Inst_01"), Ok(()));
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/cpu-cluster";
        let e = check_compute_name(id).unwrap_err();
        assert!(e.contains("compute_name = \"cpu-cluster\""), "{e}");
        let e = check_compute_name(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa",
        )
        .unwrap_err();
        assert!(e.contains("not an ARM ID"), "{e}");
        assert!(check_compute_name("")
            .unwrap_err()
            .contains("remove this resource"));
        assert!(check_compute_name("a/b")
            .unwrap_err()
            .contains("no slashes"));
        assert!(check_compute_name("a b").is_err());
    }
}
