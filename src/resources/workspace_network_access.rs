//! `aml_workspace_network_access`: the inbound access of an Azure ML workspace
//! (`Microsoft.MachineLearningServices/workspaces`): `properties.publicNetworkAccess` and
//! `properties.networkAcls.defaultAction`, read and written at the preview api-version
//! [`api_versions::ML_NETWORK_ACLS`] (the only one that carries `networkAcls`).
//!
//! The resource records the settings it found when created and puts them back when destroyed.
//! Its writes go through the same per-workspace coordinator as `aml_network_rule`, so changing
//! the access and the rules in one apply loses neither.

use super::common::{validate_workspace_id, workspace_of};
use async_trait::async_trait;

use crate::arm::ids::WorkspaceId;
use crate::arm::network_acls::{self, Access};
use crate::arm::{api_versions, Deadline};
use crate::provider::ConfiguredProvider;
use crate::resources::network_rule::READ_MAX_AGE;
use crate::tfplugin::cty::{Path, Type, Value};
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::traits::{Ctx, Error, Plan, Resource};

/// The resource.
#[derive(Debug)]
pub struct WorkspaceNetworkAccess;

/// The type name.
pub const TYPE: &str = "aml_workspace_network_access";

fn wanted(obj: &Object) -> Access {
    Access {
        public_network_access: obj.string("public_network_access"),
        default_action: obj.string("default_action"),
    }
}

#[async_trait]
impl Resource<ConfiguredProvider> for WorkspaceNetworkAccess {
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
                .validate(Validator::Custom(validate_workspace_id)),
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

    async fn plan(&self, _ctx: &Ctx<'_, ConfiguredProvider>, plan: &mut Plan) -> Result<(), Error> {
        let disabled = plan.config.string("public_network_access").as_deref() == Some("Disabled");
        if disabled && plan.config.string("default_action").is_some() {
            plan.diagnostics.warning_at(
                Path::root().attr("default_action"),
                "default_action has no effect while public access is Disabled",
                "With public_network_access = \"Disabled\" the workspace is reachable through private endpoints only, \
                 so neither the default action nor the IP rules apply. It is still written, and takes effect if \
                 public access is enabled later.",
            );
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Object, Error> {
        let ws = workspace_of(planned)?;
        let want = wanted(planned);
        let done = ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), Deadline(ctx.deadline), move |doc| {
                network_acls::set_access(doc, &want)
            })
            .await
            .map_err(|e| {
                Error::from(e).context(format!("setting the inbound access of workspace {ws}"))
            })?;
        let prior = done.value;
        let mut state = planned.clone();
        state.set("id", ws.to_string());
        state.set(
            "prior_public_network_access",
            prior
                .public_network_access
                .map_or(Value::Null, Value::string),
        );
        state.set(
            "prior_default_action",
            prior.default_action.unwrap_or_else(|| "Allow".to_string()),
        );
        Ok(state)
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        state: &Object,
    ) -> Result<Option<Object>, Error> {
        let ws = workspace_of(state)?;
        let Some(found) = ctx
            .client
            .coordinator()
            .await?
            .read(ws.as_ref(), READ_MAX_AGE, Deadline(ctx.deadline))
            .await
            .map_err(|e| Error::from(e).context(format!("reading workspace {ws}")))?
        else {
            return Ok(None);
        };
        let body = &found.body;
        let imported = state.attr("prior_public_network_access").is_null()
            && state.attr("prior_default_action").is_null();
        let mut out = state.clone();
        out.set("id", state.string("id").unwrap_or_else(|| ws.to_string()));
        out.set(
            "public_network_access",
            network_acls::public_network_access(body).map_or(Value::Null, Value::string),
        );
        if !state.attr("default_action").is_null()
            || (imported && network_acls::default_action(body).is_some())
        {
            out.set(
                "default_action",
                network_acls::effective_default_action(body),
            );
        }
        if imported {
            out.set(
                "prior_public_network_access",
                network_acls::public_network_access(body).map_or(Value::Null, Value::string),
            );
            out.set(
                "prior_default_action",
                network_acls::effective_default_action(body),
            );
        }
        Ok(Some(out))
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        prior: &Object,
        planned: &Object,
    ) -> Result<Object, Error> {
        let ws = workspace_of(planned)?;
        let want = wanted(planned);
        ctx.client
            .coordinator()
            .await?
            .edit(ws.as_ref(), Deadline(ctx.deadline), move |doc| {
                network_acls::set_access(doc, &want)
            })
            .await
            .map_err(|e| {
                Error::from(e).context(format!("setting the inbound access of workspace {ws}"))
            })?;
        let mut state = planned.clone();
        for k in ["id", "prior_public_network_access", "prior_default_action"] {
            state.set(k, prior.attr(k).clone());
        }
        Ok(state)
    }

    async fn delete(&self, ctx: &Ctx<'_, ConfiguredProvider>, state: &Object) -> Result<(), Error> {
        let ws = workspace_of(state)?;
        let restore = Access {
            public_network_access: state.string("prior_public_network_access"),
            // The default action is put back only if this resource managed it.
            default_action: state
                .string("default_action")
                .and(state.string("prior_default_action")),
        };
        match ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), Deadline(ctx.deadline), move |doc| {
                network_acls::set_access(doc, &restore)
            })
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(Error::from(e).context(format!(
                "restoring the prior inbound access of workspace {ws}"
            ))),
        }
    }

    fn import(&self, id: &str) -> Result<Object, Error> {
        let ws = WorkspaceId::parse(id).map_err(|e| {
            Error::new(format!("invalid {TYPE} import ID"))
                .detail(format!("Expected a workspace ARM ID: {}", e.message))
        })?;
        let mut stub = Object::new(Value::object(Vec::<(String, Value)>::new()));
        stub.set("id", ws.to_string());
        stub.set("workspace_id", ws.to_string());
        Ok(stub)
    }
}
