//! `aml_workspace_managed_network`: the managed virtual network of an existing Azure ML workspace
//! (`properties.managedNetwork` of `Microsoft.MachineLearningServices/workspaces`): isolation
//! mode and firewall SKU, written through the per-workspace coordinator, and provisioning
//! (`provisionManagedNetwork`, waited for until the status is Active).
//!
//! Isolation is one way (Disabled → AllowInternetOutbound → AllowOnlyApprovedOutbound): plan
//! refuses a backward change with the reason, and destroy cannot disable the network, so it only
//! forgets the resource, with a warning.

use super::common::{validate_workspace_id, workspace_of};
use async_trait::async_trait;
use serde_json::{json, Value as Json};

use crate::arm::ids::WorkspaceId;
use crate::arm::{api_versions, Deadline};
use crate::provider::ConfiguredProvider;
use crate::resources::network_rule::READ_MAX_AGE;
use crate::tfplugin::cty::{Path, Type, Value};
use crate::tfplugin::diagnostics::Diagnostic;
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::{Ctx, Error, Plan, Resource};

/// The resource.
#[derive(Debug)]
pub struct WorkspaceManagedNetwork;

/// The type name.
pub const TYPE: &str = "aml_workspace_managed_network";

/// Isolation modes in the only order the service allows.
pub const MODES: &[&str] = &[
    "Disabled",
    "AllowInternetOutbound",
    "AllowOnlyApprovedOutbound",
];

/// The rank of a mode in [`MODES`] (unknown modes rank as Disabled).
pub fn rank(mode: &str) -> usize {
    MODES
        .iter()
        .position(|m| m.eq_ignore_ascii_case(mode))
        .unwrap_or(0)
}

/// Why the service refuses `from` → `to`, if it does. `changeable` is the list of modes the API
/// reports as reachable, when it reports one.
pub fn refused_transition(from: &str, to: &str, changeable: Option<&[String]>) -> Option<String> {
    if from.eq_ignore_ascii_case(to) {
        return None;
    }
    if let Some(c) = changeable {
        if !c.iter().any(|m| m.eq_ignore_ascii_case(to)) {
            return Some(format!(
                "The workspace reports that its isolation mode can change from {from:?} only to {}.",
                if c.is_empty() { "nothing else".to_string() } else { c.join(", ") }
            ));
        }
        return None;
    }
    if rank(to) < rank(from) {
        return Some(format!(
            "Managed network isolation can only become stricter (Disabled → AllowInternetOutbound → \
             AllowOnlyApprovedOutbound): the service refuses {from:?} → {to:?}, and a managed network can never \
             be disabled again. Keep isolation_mode = {from:?}, or delete and recreate the workspace to loosen it."
        ));
    }
    None
}

fn mn_of(body: &Json) -> Json {
    body.pointer("/properties/managedNetwork")
        .cloned()
        .unwrap_or(Json::Null)
}

fn mode_of(body: &Json) -> String {
    mn_of(body)
        .get("isolationMode")
        .and_then(Json::as_str)
        .unwrap_or("Disabled")
        .to_string()
}

fn changeable_of(body: &Json) -> Option<Vec<String>> {
    mn_of(body)
        .get("changeableIsolationModes")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        })
}

/// Fills the computed attributes from a workspace body.
fn fill(state: &mut Object, body: &Json, ws: &WorkspaceId) {
    let mn = mn_of(body);
    state.set("id", ws.to_string());
    state.set("isolation_mode", mode_of(body));
    if let Some(s) = mn.get("firewallSku").and_then(Json::as_str) {
        state.set("firewall_sku", s);
    }
    state.set(
        "status",
        mn.pointer("/status/status")
            .and_then(Json::as_str)
            .unwrap_or("Inactive"),
    );
    state.set(
        "spark_ready",
        mn.pointer("/status/sparkReady")
            .and_then(Json::as_bool)
            .unwrap_or(false),
    );
    state.set(
        "network_id",
        mn.get("networkId")
            .and_then(Json::as_str)
            .map_or(Value::Null, Value::string),
    );
}

#[async_trait]
impl Resource<ConfiguredProvider> for WorkspaceManagedNetwork {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "The managed virtual network of an existing Azure Machine Learning workspace: its isolation mode, \
             firewall SKU, and provisioning.\n\n\
             With `provision = true` (the default) the network is provisioned after create and after every \
             isolation change (`provisionManagedNetwork`), and apply waits until its status is `Active` (and \
             `spark_ready` with `include_spark`), so the first compute does not wait for it.\n\n\
             Isolation is one way: Disabled → `AllowInternetOutbound` → `AllowOnlyApprovedOutbound`; plan refuses a \
             backward change. A managed network cannot be disabled, so destroying this resource only removes it \
             from the state (with a warning) and leaves the network in place. Outbound rules are \
             `aml_managed_network_outbound_rule` resources that refer to this resource's `workspace_id`.",
        )
        .attribute(Attribute::id("The workspace's ARM ID."))
        .attribute(
            Attribute::required("workspace_id", Type::String, "The ARM ID of the workspace (or hub).")
                .requires_replace()
                .case_insensitive()
                .validate(Validator::Custom(validate_workspace_id)),
        )
        .attribute(
            Attribute::required(
                "isolation_mode",
                Type::String,
                "`AllowInternetOutbound` (outbound to the internet allowed; only private-endpoint rules) or \
                 `AllowOnlyApprovedOutbound` (only the service's required rules and your outbound rules). It can \
                 only become stricter.",
            )
            .validate(Validator::OneOf(&["AllowInternetOutbound", "AllowOnlyApprovedOutbound"])),
        )
        .attribute(
            Attribute::optional_computed(
                "firewall_sku",
                Type::String,
                "SKU of the Azure Firewall that enforces FQDN rules in approved-outbound mode: `Standard` (the \
                 service's default) or `Basic`.",
            )
            .stable()
            .validate(Validator::OneOf(&["Standard", "Basic"])),
        )
        .attribute(
            Attribute::optional(
                "provision",
                Type::Bool,
                "Provision the network after create and after an isolation change, and wait until it is Active.",
            )
            .default(Value::bool(true)),
        )
        .attribute(
            Attribute::optional(
                "include_spark",
                Type::Bool,
                "Provision with Spark support too, and wait until `spark_ready`.",
            )
            .default(Value::bool(false)),
        )
        .attribute(Attribute::computed("status", Type::String, "`Inactive` or `Active`.").stable())
        .attribute(
            Attribute::computed("spark_ready", Type::Bool, "Whether the network is ready for Spark jobs.").stable(),
        )
        .attribute(
            Attribute::computed("network_id", Type::String, "The service's ID of the managed network.").stable(),
        );
        Schema::new(block)
    }

    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(60, 5, 60, 5)
    }

    fn import_doc(&self) -> &'static str {
        "Import with the workspace's ARM ID. The workspace's isolation mode must not be `Disabled`."
    }

    async fn plan(&self, ctx: &Ctx<'_, ConfiguredProvider>, plan: &mut Plan) -> Result<(), Error> {
        let Some(ws) = plan
            .planned
            .string("workspace_id")
            .and_then(|w| WorkspaceId::parse(&w).ok())
        else {
            return Ok(());
        };
        if plan.planned.raw().is_null() {
            return Ok(());
        }
        let Some(to) = plan.planned.string("isolation_mode") else {
            return Ok(());
        };
        ctx.client.plan_facts().plan_isolation_mode(&ws, &to);
        let arm = ctx.client.arm().await?;
        let Some(found) = arm
            .get(&ws, api_versions::ML, Deadline(ctx.deadline))
            .await
            .map_err(|e| Error::from(e).context(format!("reading workspace {ws}")))?
        else {
            return Ok(());
        };
        let from = mode_of(&found.body);
        if let Some(reason) = refused_transition(&from, &to, changeable_of(&found.body).as_deref())
        {
            plan.diagnostics.error_at(
                Path::root().attr("isolation_mode"),
                format!("The service refuses to change isolation mode from {from} to {to}"),
                reason,
            );
            return Ok(());
        }
        let changes = !from.eq_ignore_ascii_case(&to);
        let provision = plan.planned.bool_or("provision", true);
        let spark = plan.planned.bool_or("include_spark", false);
        let prior_active = plan
            .prior
            .as_ref()
            .is_some_and(|p| p.string("status").as_deref() == Some("Active"));
        let prior_spark = plan
            .prior
            .as_ref()
            .is_some_and(|p| p.bool_or("spark_ready", false));
        let will_provision = provision && (changes || !prior_active || (spark && !prior_spark));
        if changes && plan.config.attr("firewall_sku").is_null() {
            plan.planned.set("firewall_sku", Value::unknown());
        }
        if changes {
            plan.planned.set("network_id", Value::unknown());
        }
        if will_provision {
            plan.planned.set("status", Value::unknown());
            plan.planned.set("spark_ready", Value::unknown());
            plan.planned.set("network_id", Value::unknown());
            if found
                .body
                .pointer("/properties/publicNetworkAccess")
                .and_then(Json::as_str)
                == Some("Enabled")
            {
                plan.diagnostics.warning_at(
                    Path::root().attr("provision"),
                    "Public network access is Enabled while the managed network is provisioned",
                    format!(
                        "Workspace {ws} has public network access Enabled. The docs warn that the private endpoints \
                         of the managed network (to the workspace and its dependencies) may then not be created. \
                         Set public_network_access = \"Disabled\" with aml_workspace_network_access before \
                         provisioning, or provision again after disabling it."
                    ),
                );
            }
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Object, Error> {
        self.apply(ctx, None, planned).await
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
        if mode_of(&found.body) == "Disabled" {
            return Ok(None);
        }
        let mut out = state.clone();
        if out.attr("provision").is_null() {
            out.set("provision", true);
        }
        if out.attr("include_spark").is_null() {
            out.set("include_spark", false);
        }
        fill(&mut out, &found.body, &ws);
        Ok(Some(out))
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        prior: &Object,
        planned: &Object,
    ) -> Result<Object, Error> {
        self.apply(ctx, Some(prior), planned).await
    }

    async fn delete(&self, ctx: &Ctx<'_, ConfiguredProvider>, state: &Object) -> Result<(), Error> {
        let ws = state.string("workspace_id").unwrap_or_default();
        ctx.warn(Diagnostic::warning(
            "The managed network was left in place",
            format!(
                "A workspace's managed network cannot be disabled, so destroying {TYPE} only removed it from the \
                 Terraform state. Workspace {ws} keeps its isolation mode and outbound rules; delete the workspace \
                 to remove them."
            ),
        ));
        Ok(())
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

impl WorkspaceManagedNetwork {
    async fn apply(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        prior: Option<&Object>,
        planned: &Object,
    ) -> Result<Object, Error> {
        let ws = workspace_of(planned)?;
        let arm = ctx.client.arm().await?;
        let mode = planned.string("isolation_mode").unwrap_or_default();
        let sku = planned.string("firewall_sku");
        let want_mode = mode.clone();
        let done = ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), Deadline(ctx.deadline), move |doc| {
                let from = mode_of(doc);
                if let Some(reason) =
                    refused_transition(&from, &want_mode, changeable_of(doc).as_deref())
                {
                    return Err(reason);
                }
                if !doc["properties"]["managedNetwork"].is_object() {
                    doc["properties"]["managedNetwork"] = json!({});
                }
                let mn = &mut doc["properties"]["managedNetwork"];
                mn["isolationMode"] = json!(want_mode);
                if let Some(s) = &sku {
                    mn["firewallSku"] = json!(s);
                }
                Ok(from)
            })
            .await
            .map_err(|e| {
                Error::from(e).context(format!("setting the managed network of workspace {ws}"))
            })?;
        let from = done.value.map_err(|reason| {
            Error::new(format!(
                "setting the managed network of workspace {ws}: the isolation change is refused"
            ))
            .detail(reason)
            .at(Path::root().attr("isolation_mode"))
        })?;
        let mut body = done.workspace;
        let spark = planned.bool_or("include_spark", false);
        let spark_missing = spark
            && !body
                .pointer("/properties/managedNetwork/status/sparkReady")
                .and_then(Json::as_bool)
                .unwrap_or(false);
        let inactive = body
            .pointer("/properties/managedNetwork/status/status")
            .and_then(Json::as_str)
            != Some("Active");
        let mode_changed = !from.eq_ignore_ascii_case(&mode)
            || prior.is_some_and(|p| p.string("isolation_mode").as_deref() != Some(mode.as_str()));
        if planned.bool_or("provision", true) && (mode_changed || inactive || spark_missing) {
            let _g = ctx.client.outbound_rules().await?.lock_writes(&ws).await;
            let action = format!("{ws}/provisionManagedNetwork");
            let result = arm
                .post_idempotent(
                    &action,
                    api_versions::ML,
                    Some(&json!({"includeSpark": spark})),
                    Deadline(ctx.deadline),
                )
                .await
                .map_err(|e| {
                    Error::from(e).context(format!(
                        "provisioning the managed network of workspace {ws}"
                    ))
                })?;
            // Provisioning changed the workspace behind the coordinator's back.
            ctx.client.coordinator().await?.forget(ws.as_ref());
            if let Some(r) = arm
                .get(&ws, api_versions::ML, Deadline(ctx.deadline))
                .await
                .map_err(|e| Error::from(e).context(format!("reading workspace {ws}")))?
            {
                body = r.body;
            }
            let status = body
                .pointer("/properties/managedNetwork/status/status")
                .and_then(Json::as_str)
                .or_else(|| {
                    result
                        .as_ref()
                        .and_then(|r| r.get("status"))
                        .and_then(Json::as_str)
                })
                .unwrap_or("")
                .to_string();
            if status != "Active" {
                return Err(Error::new(format!(
                    "provisioning the managed network of workspace {ws}: the status is {status:?}, not Active"
                )));
            }
            let ready = body
                .pointer("/properties/managedNetwork/status/sparkReady")
                .and_then(Json::as_bool)
                .unwrap_or(false);
            if spark && !ready {
                return Err(Error::new(format!(
                    "provisioning the managed network of workspace {ws} with Spark: sparkReady is still false"
                )));
            }
        }
        let mut state = planned.clone();
        fill(&mut state, &body, &ws);
        if planned.string("firewall_sku").is_none() && state.attr("firewall_sku").is_unknown() {
            state.set("firewall_sku", Value::Null);
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        assert!(refused_transition("Disabled", "AllowInternetOutbound", None).is_none());
        assert!(
            refused_transition("AllowInternetOutbound", "AllowOnlyApprovedOutbound", None)
                .is_none()
        );
        assert!(refused_transition(
            "AllowOnlyApprovedOutbound",
            "AllowOnlyApprovedOutbound",
            None
        )
        .is_none());
        let r =
            refused_transition("AllowOnlyApprovedOutbound", "AllowInternetOutbound", None).unwrap();
        assert!(r.contains("only become stricter"), "{r}");
        let c = vec!["AllowOnlyApprovedOutbound".to_string()];
        assert!(refused_transition(
            "AllowInternetOutbound",
            "AllowOnlyApprovedOutbound",
            Some(&c)
        )
        .is_none());
        assert!(refused_transition("Disabled", "AllowInternetOutbound", Some(&c)).is_some());
    }
}
