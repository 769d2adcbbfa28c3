//! `aml_workspace_managed_network`: the managed virtual network of an existing Azure ML workspace
//! (`properties.managedNetwork` of `Microsoft.MachineLearningServices/workspaces`): isolation
//! mode and firewall SKU, written through the per-workspace coordinator, and provisioning
//! (`provisionManagedNetwork`, waited for until the status is Active).
//!
//! Isolation is one way (Disabled → AllowInternetOutbound → AllowOnlyApprovedOutbound): plan
//! refuses a backward change with the reason, and destroy cannot disable the network, so it only
//! forgets the resource, with a warning.

use async_trait::async_trait;
use serde::Deserialize;

use super::common::{
    attr, check_workspace_id, known, read_workspace, workspace_id, workspace_import_stub,
};
use crate::arm::api_versions::ML;
use crate::arm::ids::WorkspaceId;
use crate::arm::models::workspace::{
    ManagedNetworkEdit, ManagedNetworkSettings, ManagedNetworkStatus, ManagedNetworkWorkspace,
    ProvisionManagedNetwork,
};
use crate::provider::handler::{parse, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{self, Type};
use crate::tfplugin::diagnostics::{Diagnostic, Diagnostics};
use crate::tfplugin::model::{Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::{TypedPlan, TypedResource};

/// The resource.
#[derive(Debug)]
pub struct WorkspaceManagedNetwork;

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct WorkspaceManagedNetworkModel {
    /// The workspace's ARM ID.
    pub id: Value<String>,
    /// The workspace (or hub).
    pub workspace_id: Value<String>,
    /// `AllowInternetOutbound` or `AllowOnlyApprovedOutbound`.
    pub isolation_mode: Value<String>,
    /// `Standard` or `Basic`.
    pub firewall_sku: Value<String>,
    /// Provision after create and isolation changes.
    pub provision: Value<bool>,
    /// Provision with Spark.
    pub include_spark: Value<bool>,
    /// `Inactive` or `Active`.
    pub status: Value<String>,
    /// Whether Spark jobs can use the network.
    pub spark_ready: Value<bool>,
    /// The service's ID of the network.
    pub network_id: Value<String>,
}

type M = WorkspaceManagedNetworkModel;

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

/// Why `mn` cannot change to `to`, if it cannot.
fn refused(mn: &ManagedNetworkSettings, to: &str) -> Option<String> {
    refused_transition(mn.mode(), to, mn.changeable_isolation_modes.as_deref())
}

/// The managed network of a workspace body.
fn settings_of(body: &serde_json::Value) -> Result<ManagedNetworkSettings, Error> {
    Ok(parse::<ManagedNetworkWorkspace>(body)?
        .properties
        .managed_network)
}

/// `base` with the computed attributes from the workspace's managed network.
fn to_state(ws: &WorkspaceId, mn: ManagedNetworkSettings, base: M) -> M {
    let status = mn.status;
    M {
        id: Value::Known(ws.to_string()),
        isolation_mode: Value::Known(mn.isolation_mode.unwrap_or_else(|| "Disabled".into())),
        firewall_sku: mn.firewall_sku.map_or(base.firewall_sku, Value::Known),
        status: Value::Known(status.status.unwrap_or_else(|| "Inactive".into())),
        spark_ready: Value::Known(status.spark_ready.unwrap_or(false)),
        network_id: known(mn.network_id),
        ..base
    }
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for WorkspaceManagedNetwork {
    type Model = M;

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
                .validate(Validator::Str(check_workspace_id)),
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
            .default(cty::Value::bool(true)),
        )
        .attribute(
            Attribute::optional(
                "include_spark",
                Type::Bool,
                "Provision with Spark support too, and wait until `spark_ready`.",
            )
            .default(cty::Value::bool(false)),
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

    fn validate(&self, config: &M, diags: &mut Diagnostics) {
        if config.include_spark.as_known() == Some(&true)
            && config.provision.as_known() == Some(&false)
        {
            diags.warning_at(
                attr(M::INCLUDE_SPARK),
                "include_spark has no effect without provisioning",
                "Spark readiness is only set up when the provider provisions the managed network, and \
                 provision = false turns provisioning off: spark_ready stays as the service reports it. Remove \
                 provision = false (provisioning is the default) to get a network ready for Spark, or remove \
                 include_spark.",
            );
        }
    }

    fn import_doc(&self) -> &'static str {
        "Import with the workspace's ARM ID. The workspace's isolation mode must not be `Disabled`."
    }

    async fn plan(&self, ctx: &Ctx<'_>, plan: &mut TypedPlan<M>) -> Result<(), Error> {
        let Some(ws) = plan
            .planned
            .workspace_id
            .as_known()
            .and_then(|w| WorkspaceId::parse(w).ok())
        else {
            return Ok(());
        };
        let Some(to) = plan.planned.isolation_mode.as_known().cloned() else {
            return Ok(());
        };
        ctx.client.plan_facts().plan_isolation_mode(&ws, &to);
        if plan.planned.provision.as_known() == Some(&true) {
            ctx.client.plan_facts().plan_provisioning(&ws);
        }
        let arm = ctx.arm().await?;
        let Some(found) = arm
            .get(&ws, ML)
            .await
            .doing(format!("reading workspace {ws}"))?
        else {
            return Ok(());
        };
        let workspace = parse::<ManagedNetworkWorkspace>(&found.body)?.properties;
        let mn = &workspace.managed_network;
        let from = mn.mode();
        if let Some(reason) = refused(mn, &to) {
            plan.diagnostics.error_at(
                attr(M::ISOLATION_MODE),
                format!("The service refuses to change isolation mode from {from} to {to}"),
                reason,
            );
            return Ok(());
        }
        let changes = !from.eq_ignore_ascii_case(&to);
        let planned = &mut plan.planned;
        let provision = planned.provision.as_known().copied().unwrap_or(true);
        let spark = planned.include_spark.as_known().copied().unwrap_or(false);
        let prior = plan.prior.as_ref();
        let prior_active =
            prior.is_some_and(|p| p.status.as_known().is_some_and(|s| s == "Active"));
        let prior_spark = prior.is_some_and(|p| p.spark_ready.as_known() == Some(&true));
        let will_provision = provision && (changes || !prior_active || (spark && !prior_spark));
        if changes && plan.config.firewall_sku.is_null() {
            planned.firewall_sku = Value::Unknown;
        }
        if changes {
            planned.network_id = Value::Unknown;
        }
        if will_provision {
            planned.status = Value::Unknown;
            planned.spark_ready = Value::Unknown;
            planned.network_id = Value::Unknown;
            if workspace.public_network_access.as_deref() == Some("Enabled") {
                plan.diagnostics.warning_at(
                    attr(M::PROVISION),
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

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        self.apply(ctx, None, planned).await
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let ws = workspace_id(&state.workspace_id)?;
        let Some(read) = read_workspace::<ManagedNetworkWorkspace>(ctx, &ws).await? else {
            return Ok(None);
        };
        let mn = read.properties.managed_network;
        if mn.mode() == "Disabled" {
            return Ok(None);
        }
        let mut out = state.clone();
        if out.provision.is_null() {
            out.provision = Value::Known(true);
        }
        if out.include_spark.is_null() {
            out.include_spark = Value::Known(false);
        }
        Ok(Some(to_state(&ws, mn, out)))
    }

    async fn update(&self, ctx: &Ctx<'_>, prior: &M, planned: &M) -> Result<M, Error> {
        self.apply(ctx, Some(prior), planned).await
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let ws = state.workspace_id.as_known().map_or("", String::as_str);
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

    fn import(&self, id: &str) -> Result<M, Error> {
        workspace_import_stub(TYPE, id, |m: &mut M| (&mut m.id, &mut m.workspace_id))
    }
}

impl WorkspaceManagedNetwork {
    async fn apply(&self, ctx: &Ctx<'_>, prior: Option<&M>, planned: &M) -> Result<M, Error> {
        let ws = workspace_id(&planned.workspace_id)?;
        let arm = ctx.arm().await?;
        let mode = planned
            .isolation_mode
            .as_known()
            .cloned()
            .unwrap_or_default();
        let edit = ManagedNetworkEdit {
            isolation_mode: mode.clone(),
            firewall_sku: planned.firewall_sku.as_known().cloned(),
        };
        let doing = format!("setting the managed network of workspace {ws}");
        let refusal = doing.clone();
        arm.accepted(ws.as_ref());
        let done = ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), arm.deadline(), move |doc| {
                let mn = settings_of(doc)?;
                if let Some(reason) = refused(&mn, &edit.isolation_mode) {
                    return Err(
                        Error::new(format!("{refusal}: the isolation change is refused"))
                            .detail(reason)
                            .at(attr(M::ISOLATION_MODE)),
                    );
                }
                edit.write_over(doc);
                Ok(mn.mode().to_string())
            })
            .await;
        arm.unless_refused(ws.as_ref(), &done);
        let done = done.doing(doing)?;
        if done.value.is_err() {
            arm.not_written(ws.as_ref());
        }
        let from = done.value?;
        let mut mn = settings_of(&done.workspace)?;
        let spark = planned.include_spark.as_known().copied().unwrap_or(false);
        let spark_missing = spark && mn.status.spark_ready != Some(true);
        let inactive = mn.status.status.as_deref() != Some("Active");
        let mode_changed = !from.eq_ignore_ascii_case(&mode)
            || prior.is_some_and(|p| p.isolation_mode.as_known() != Some(&mode));
        let provision = planned.provision.as_known().copied().unwrap_or(true);
        if provision && (mode_changed || inactive || spark_missing) {
            let _g = ctx.client.outbound_rules().await?.lock_writes(&ws).await;
            let action = format!("{ws}/provisionManagedNetwork");
            let request = serde_json::to_value(ProvisionManagedNetwork {
                include_spark: spark,
            })
            .map_err(|e| Error::new(format!("encoding the provisioning request: {e}")))?;
            let result = arm
                .post_idempotent(&action, ML, Some(&request), arm.deadline())
                .await
                .doing(format!(
                    "provisioning the managed network of workspace {ws}"
                ))?;
            // Provisioning changed the workspace behind the coordinator's back.
            ctx.client.coordinator().await?.forget(ws.as_ref());
            if let Some(r) = arm
                .get(&ws, ML)
                .await
                .doing(format!("reading workspace {ws}"))?
            {
                mn = settings_of(&r.body)?;
            }
            let reported = || {
                let r = result.as_ref()?;
                ManagedNetworkStatus::deserialize(r).ok()?.status
            };
            let status = mn
                .status
                .status
                .clone()
                .or_else(reported)
                .unwrap_or_default();
            if status != "Active" {
                return Err(Error::new(format!(
                    "provisioning the managed network of workspace {ws}: the status is {status:?}, not Active"
                )));
            }
            if spark && mn.status.spark_ready != Some(true) {
                return Err(Error::new(format!(
                    "provisioning the managed network of workspace {ws} with Spark: sparkReady is still false"
                )));
            }
        }
        let mut state = to_state(&ws, mn, planned.clone());
        if planned.firewall_sku.as_known().is_none() && state.firewall_sku.is_unknown() {
            state.firewall_sku = Value::Null;
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_spark_without_provisioning_warns_on_include_spark() {
        let b = |v: Option<bool>| v.map_or(Value::Null, Value::Known);
        // (include_spark, provision, warned)
        let cases = [
            (Some(true), Some(false), true),
            (Some(true), Some(true), false),
            (Some(true), None, false),
            (Some(false), Some(false), false),
            (None, Some(false), false),
            (None, None, false),
        ];
        for (spark, provision, warned) in cases {
            let mut m = M::from_value(&cty::Value::Null);
            m.include_spark = b(spark);
            m.provision = b(provision);
            let mut diags = Diagnostics::new();
            WorkspaceManagedNetwork.validate(&m, &mut diags);
            let got: Vec<_> = diags.iter().collect();
            if warned {
                assert_eq!(got.len(), 1, "{spark:?} {provision:?}");
                assert!(!got[0].is_error());
                assert_eq!(got[0].path, Some(attr(M::INCLUDE_SPARK)));
                assert!(
                    got[0].detail.contains("only set up when"),
                    "{}",
                    got[0].detail
                );
            } else {
                assert!(got.is_empty(), "{spark:?} {provision:?}: {got:?}");
            }
        }
    }

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
