//! `aml_workspace`: the network posture of an existing Azure ML workspace (Microsoft.MachineLearningServices/workspaces,
//! read at the preview api-version that carries `networkAcls`): public access, IP rules, managed
//! network isolation and provisioning status, and private endpoint connections with their states.

use async_trait::async_trait;
use serde_json::Value as Json;

use crate::arm::ids::{ResourceGroupId, WorkspaceId};
use crate::arm::{api_versions, Deadline};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{Path, Type, Value};
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::{Attribute, Block, Schema};
use crate::tfplugin::traits::{Ctx, DataSource, Error};

/// The data source.
#[derive(Debug)]
pub struct Workspace;

fn managed_network_type() -> Type {
    Type::object([
        ("isolation_mode", Type::String),
        ("firewall_sku", Type::String),
        ("status", Type::String),
        ("spark_ready", Type::Bool),
        ("network_id", Type::String),
    ])
}

fn connection_type() -> Type {
    Type::object([
        ("name", Type::String),
        ("id", Type::String),
        ("private_endpoint_id", Type::String),
        ("status", Type::String),
        ("description", Type::String),
        ("actions_required", Type::String),
    ])
}

fn s(v: Option<&Json>) -> Value {
    v.and_then(Json::as_str).map_or(Value::Null, Value::string)
}

fn b(v: Option<&Json>) -> Value {
    v.and_then(Json::as_bool).map_or(Value::Null, Value::Bool)
}

/// The workspace's posture as this data source exports it, from an ARM workspace body.
pub fn posture(body: &Json, out: &mut Object) {
    let p = |ptr: &str| body.pointer(ptr);
    out.set("id", s(p("/id")));
    out.set("name", s(p("/name")));
    out.set("kind", s(p("/kind")));
    out.set("location", s(p("/location")));
    out.set("workspace_id", s(p("/properties/workspaceId")));
    out.set("discovery_url", s(p("/properties/discoveryUrl")));
    out.set(
        "public_network_access",
        s(p("/properties/publicNetworkAccess")),
    );
    out.set(
        "allow_public_access_when_behind_vnet",
        b(p("/properties/allowPublicAccessWhenBehindVnet")),
    );
    out.set(
        "default_action",
        s(p("/properties/networkAcls/defaultAction")),
    );
    let rules = p("/properties/networkAcls/ipRules")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.get("value").and_then(Json::as_str))
                .map(Value::string)
                .collect()
        })
        .unwrap_or_default();
    out.set("ip_rules", Value::List(rules));
    let mn = p("/properties/managedNetwork");
    out.set(
        "managed_network",
        Value::object([
            ("isolation_mode", s(mn.and_then(|m| m.get("isolationMode")))),
            ("firewall_sku", s(mn.and_then(|m| m.get("firewallSku")))),
            ("status", s(mn.and_then(|m| m.pointer("/status/status")))),
            (
                "spark_ready",
                b(mn.and_then(|m| m.pointer("/status/sparkReady"))),
            ),
            ("network_id", s(mn.and_then(|m| m.get("networkId")))),
        ]),
    );
    let conns = p("/properties/privateEndpointConnections")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .map(|c| {
                    let st = c.pointer("/properties/privateLinkServiceConnectionState");
                    Value::object([
                        ("name", s(c.get("name"))),
                        ("id", s(c.get("id"))),
                        (
                            "private_endpoint_id",
                            s(c.pointer("/properties/privateEndpoint/id")),
                        ),
                        ("status", s(st.and_then(|x| x.get("status")))),
                        ("description", s(st.and_then(|x| x.get("description")))),
                        (
                            "actions_required",
                            s(st.and_then(|x| x.get("actionsRequired"))),
                        ),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    out.set("private_endpoint_connections", Value::List(conns));
    let tags = p("/tags")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), Value::string(v))))
                .collect()
        })
        .unwrap_or_default();
    out.set("tags", Value::Map(tags));
}

#[async_trait]
impl DataSource<ConfiguredProvider> for Workspace {
    fn type_name(&self) -> &'static str {
        "aml_workspace"
    }

    fn schema(&self) -> Schema {
        let c = |n: &str, t: Type, d: &str| Attribute::computed(n, t, d);
        Schema::new(
            Block::new(
                "The network posture of an existing Azure Machine Learning workspace or hub: public network \
                 access, IP rules, managed network isolation and provisioning status, and private endpoint \
                 connections. Look it up by `id`, or by `name` and `resource_group_name` in the provider's \
                 subscription.",
            )
            .attribute(Attribute::optional_computed("id", Type::String, "The workspace's ARM ID. Set this, or `name` and `resource_group_name`.").case_insensitive())
            .attribute(Attribute::optional_computed("name", Type::String, "The workspace name (with `resource_group_name`)."))
            .attribute(Attribute::optional("resource_group_name", Type::String, "The workspace's resource group (with `name`)."))
            .attribute(c("kind", Type::String, "`Default`, `Hub`, `Project` or `FeatureStore`."))
            .attribute(c("location", Type::String, "The Azure region."))
            .attribute(c("workspace_id", Type::String, "The workspace's immutable GUID."))
            .attribute(c("discovery_url", Type::String, "The workspace discovery URL."))
            .attribute(c("public_network_access", Type::String, "`Enabled` or `Disabled`."))
            .attribute(c("allow_public_access_when_behind_vnet", Type::Bool, "The SDK v1 switch that `public_network_access` overrides."))
            .attribute(c("default_action", Type::String, "What the IP rules guard: `Deny` admits only `ip_rules`, `Allow` admits everyone (null when no rules are set)."))
            .attribute(c("ip_rules", Type::list(Type::String), "Public IPv4 addresses and CIDR ranges allowed in (effective only while public network access is Enabled)."))
            .attribute(c(
                "managed_network",
                managed_network_type(),
                "The managed virtual network: `isolation_mode` (`Disabled`, `AllowInternetOutbound`, `AllowOnlyApprovedOutbound`), `firewall_sku`, provisioning `status` (`Active` or `Inactive`), `spark_ready` and `network_id`.",
            ))
            .attribute(c(
                "private_endpoint_connections",
                Type::list(connection_type()),
                "Private endpoint connections: `name`, `id`, `private_endpoint_id`, connection `status` (`Approved`, `Pending`, `Rejected`, `Disconnected`), `description` and `actions_required`.",
            ))
            .attribute(c("tags", Type::map(Type::String), "The workspace's tags.")),
        )
    }

    fn validate(&self, config: &Object, diags: &mut Diagnostics) {
        let id = config.attr("id");
        let name = config.attr("name");
        let rg = config.attr("resource_group_name");
        if let Some(id) = id.as_str() {
            if let Err(e) = WorkspaceId::parse(id) {
                diags.error_at(Path::root().attr("id"), "Invalid workspace ID", e.message);
            }
        }
        let by_id = !id.is_null();
        let by_name = !name.is_null() || !rg.is_null();
        if by_id && by_name {
            diags.error_at(
                Path::root().attr("id"),
                "Conflicting workspace lookup",
                "Set either `id`, or `name` and `resource_group_name`, not both.",
            );
        } else if !by_id && (name.is_null() || rg.is_null()) {
            diags.error_at(
                Path::root(),
                "Missing workspace lookup",
                "Set `id` to the workspace's ARM ID, or both `name` and `resource_group_name`.",
            );
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        config: &Object,
    ) -> Result<Object, Error> {
        let arm = ctx.client.arm().await?;
        let id = match config.string("id") {
            Some(id) => WorkspaceId::parse(&id)
                .map_err(|e| Error::new(e.message).at(Path::root().attr("id")))?,
            None => {
                let (name, rg) = (
                    config.string("name").unwrap_or_default(),
                    config.string("resource_group_name").unwrap_or_default(),
                );
                ResourceGroupId::new(arm.subscription_id(), &rg).workspace(&name)
            }
        };
        let found = arm
            .get(&id, api_versions::ML_NETWORK_ACLS, Deadline(ctx.deadline))
            .await
            .map_err(|e| Error::from(e).context(format!("reading workspace {id}")))?;
        let response = found.ok_or_else(|| {
            Error::new(format!("workspace {id} not found")).detail(
                "Check the name, resource group and subscription (the provider's subscription_id or ARM_SUBSCRIPTION_ID), \
                 and that the identity may read it (Reader on the workspace is enough).",
            )
        })?;
        let mut out = config.clone();
        posture(&response.body, &mut out);
        if let Some(given) = config.string("id") {
            out.set("id", given);
        }
        if config.string("resource_group_name").is_none() {
            out.set("resource_group_name", Value::string(id.resource_group()));
        }
        Ok(out)
    }
}
