//! `aml_workspace_network_access`: the inbound access of an Azure ML workspace
//! (`Microsoft.MachineLearningServices/workspaces`): `properties.publicNetworkAccess` and
//! `properties.networkAcls.defaultAction`, read and written at the preview api-version
//! [`api_versions::ML_NETWORK_ACLS`] (the only one that carries `networkAcls`).
//!
//! The resource records the settings it found when created and puts them back when destroyed.
//! Its writes go through the same per-workspace coordinator as `aml_network_rule`, so changing
//! the access and the rules in one apply loses neither.

use async_trait::async_trait;

use super::common::{
    attr, check_workspace_id, known, read_workspace, workspace_id, workspace_import_stub,
};
use crate::arm::api_versions;
use crate::arm::ids::WorkspaceId;
use crate::arm::models::workspace::WorkspaceInbound;
use crate::arm::network_acls::{self, Access};
use crate::provider::handler::{Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::Type;
use crate::tfplugin::model::{Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::{TypedPlan, TypedResource};

/// The resource.
#[derive(Debug)]
pub struct WorkspaceNetworkAccess;

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct WorkspaceNetworkAccessModel {
    /// The workspace's ARM ID.
    pub id: Value<String>,
    /// The workspace's ARM ID, as configured.
    pub workspace_id: Value<String>,
    /// `Enabled` or `Disabled`.
    pub public_network_access: Value<String>,
    /// `Allow` or `Deny`; null leaves the workspace's alone.
    pub default_action: Value<String>,
    /// The public network access found on create or import.
    pub prior_public_network_access: Value<String>,
    /// The default action found on create or import.
    pub prior_default_action: Value<String>,
}

type M = WorkspaceNetworkAccessModel;

/// The type name.
pub const TYPE: &str = "aml_workspace_network_access";

fn wanted(m: &M) -> Access {
    Access {
        public_network_access: m.public_network_access.as_known().cloned(),
        default_action: m.default_action.as_known().cloned(),
    }
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for WorkspaceNetworkAccess {
    type Model = WorkspaceNetworkAccessModel;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let block = Block::new(format!(
            "The inbound network access of an existing Azure Machine Learning workspace (or hub): whether its \
             public endpoint is reachable at all (`public_network_access`), and whether the public endpoint \
             admits everyone or only the workspace's IP rules (`default_action`; the rules are \
             `aml_network_rule` resources).\n\n\
             The workspace itself is not created or deleted. On create the resource records the settings it \
             finds (`prior_public_network_access`, `prior_default_action`) and on destroy it puts them back. \
             Writes go through the same per-workspace coordinator as `aml_network_rule`, with `If-Match`, so \
             the IP rules are never lost.\n\n\
             `networkAcls` exists only in a preview api-version of Microsoft.MachineLearningServices; this \
             provider uses `{}` for it.",
            api_versions::ML_NETWORK_ACLS
        ))
        .attribute(Attribute::id("The workspace's ARM ID."))
        .attribute(
            Attribute::required("workspace_id", Type::String, "The ARM ID of the workspace (or hub) whose inbound access this manages.")
                .requires_replace()
                .case_insensitive()
                .validate(Validator::Str(check_workspace_id)),
        )
        .attribute(
            Attribute::required(
                "public_network_access",
                Type::String,
                "`Enabled` lets clients reach the workspace over its public endpoint (subject to `default_action` \
                 and the IP rules); `Disabled` allows private endpoints only.",
            )
            .validate(Validator::OneOf(&["Enabled", "Disabled"])),
        )
        .attribute(
            Attribute::optional(
                "default_action",
                Type::String,
                "What the public endpoint does with addresses that match no IP rule: `Deny` admits only the \
                 workspace's IP rules, `Allow` admits everyone. Meaningless while `public_network_access` is \
                 `Disabled` (plan warns). Leave it unset to leave the workspace's default action alone.",
            )
            .validate(Validator::OneOf(&["Allow", "Deny"])),
        )
        .attribute(
            Attribute::computed(
                "prior_public_network_access",
                Type::String,
                "The workspace's public network access when this resource was created (or imported); restored on \
                 destroy.",
            )
            .stable(),
        )
        .attribute(
            Attribute::computed(
                "prior_default_action",
                Type::String,
                "The workspace's default action when this resource was created (or imported), `Allow` when it had \
                 none (which behaves the same); restored on destroy when `default_action` is set.",
            )
            .stable(),
        );
        Schema::new(block)
    }

    fn import_doc(&self) -> &'static str {
        "Import with the workspace's ARM ID. The settings found at import become the prior settings, so a later \
         destroy leaves the workspace as it was at import."
    }

    async fn plan(&self, ctx: &Ctx<'_>, plan: &mut TypedPlan<M>) -> Result<(), Error> {
        let config = &plan.config;
        // Online endpoints planned in the same run check their public access against this.
        if let (Some(ws), Some(access)) = (
            config
                .workspace_id
                .as_known()
                .and_then(|w| WorkspaceId::parse(w).ok()),
            config.public_network_access.as_known(),
        ) {
            ctx.client
                .plan_facts()
                .plan_public_network_access(&ws, access);
        }
        let disabled =
            config.public_network_access.as_known().map(String::as_str) == Some("Disabled");
        if disabled && config.default_action.as_known().is_some() {
            plan.diagnostics.warning_at(
                attr(M::DEFAULT_ACTION),
                "default_action has no effect while public access is Disabled",
                "With public_network_access = \"Disabled\" the workspace is reachable through private endpoints only, \
                 so neither the default action nor the IP rules apply. It is still written, and takes effect if \
                 public access is enabled later.",
            );
        }
        Ok(())
    }

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        let ws = workspace_id(&planned.workspace_id)?;
        let arm = ctx.arm().await?;
        let want = wanted(planned);
        arm.accepted(ws.as_ref());
        let done = ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), arm.deadline(), move |doc| {
                network_acls::set_access(doc, &want)
            })
            .await;
        arm.unless_refused(ws.as_ref(), &done);
        let done = done.doing(format!("setting the inbound access of workspace {ws}"))?;
        let prior = done.value;
        Ok(M {
            id: Value::Known(ws.to_string()),
            prior_public_network_access: known(prior.public_network_access),
            prior_default_action: Value::Known(
                prior.default_action.unwrap_or_else(|| "Allow".to_string()),
            ),
            ..planned.clone()
        })
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let ws = workspace_id(&state.workspace_id)?;
        let Some(w) = read_workspace::<WorkspaceInbound>(ctx, &ws).await? else {
            return Ok(None);
        };
        let public = || known(w.public_network_access().map(str::to_string));
        let effective = || Value::Known(w.effective_default_action().to_string());
        let imported =
            state.prior_public_network_access.is_null() && state.prior_default_action.is_null();
        let mut out = state.clone();
        out.id = Value::Known(
            state
                .id
                .as_known()
                .cloned()
                .unwrap_or_else(|| ws.to_string()),
        );
        out.public_network_access = public();
        if !state.default_action.is_null() || (imported && w.default_action().is_some()) {
            out.default_action = effective();
        }
        if imported {
            out.prior_public_network_access = public();
            out.prior_default_action = effective();
        }
        Ok(Some(out))
    }

    async fn update(&self, ctx: &Ctx<'_>, prior: &M, planned: &M) -> Result<M, Error> {
        let ws = workspace_id(&planned.workspace_id)?;
        let arm = ctx.arm().await?;
        let want = wanted(planned);
        ctx.client
            .coordinator()
            .await?
            .edit(ws.as_ref(), arm.deadline(), move |doc| {
                network_acls::set_access(doc, &want)
            })
            .await
            .doing(format!("setting the inbound access of workspace {ws}"))?;
        Ok(M {
            id: prior.id.clone(),
            prior_public_network_access: prior.prior_public_network_access.clone(),
            prior_default_action: prior.prior_default_action.clone(),
            ..planned.clone()
        })
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let ws = workspace_id(&state.workspace_id)?;
        let arm = ctx.arm().await?;
        let restore = Access {
            public_network_access: state.prior_public_network_access.as_known().cloned(),
            // The default action is put back only if this resource managed it.
            default_action: state
                .default_action
                .as_known()
                .and(state.prior_default_action.as_known())
                .cloned(),
        };
        let result = ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), arm.deadline(), move |doc| {
                network_acls::set_access(doc, &restore)
            })
            .await;
        match result {
            Err(e) if e.is_not_found() => Ok(()),
            r => r.map(|_| ()).doing(format!(
                "restoring the prior inbound access of workspace {ws}"
            )),
        }
    }

    fn import(&self, id: &str) -> Result<M, Error> {
        workspace_import_stub(TYPE, id, |m: &mut M| (&mut m.id, &mut m.workspace_id))
    }
}
