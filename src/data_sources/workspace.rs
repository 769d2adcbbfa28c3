//! `aml_workspace`: the network posture of an existing Azure ML workspace (Microsoft.MachineLearningServices/workspaces,
//! read at the preview api-version that carries `networkAcls`): public access, IP rules, managed
//! network isolation and provisioning status, and private endpoint connections with their states.

use async_trait::async_trait;

use crate::arm::ids::{ResourceGroupId, WorkspaceId};
use crate::arm::models::workspace::{
    OnlineEndpointListItem, PrivateEndpointConnectionRead, WorkspaceRead,
};
use crate::arm::{api_versions, ErrorKind};
use crate::provider::handler::{parse, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::resources::common::{attr, known, text, Tags};
use crate::tfplugin::cty::{Path, Type};
use crate::tfplugin::diagnostics::{Diagnostic, Diagnostics};
use crate::tfplugin::model::{object_type, Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema};
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::TypedDataSource;

/// The data source.
#[derive(Debug)]
pub struct Workspace;

/// The data source's configuration and result.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct WorkspaceModel {
    /// The workspace's ARM ID.
    pub id: Value<String>,
    /// The workspace name.
    pub name: Value<String>,
    /// The resource group.
    pub resource_group_name: Value<String>,
    /// `Default`, `Hub`, `Project` or `FeatureStore`.
    pub kind: Value<String>,
    /// The Azure region.
    pub location: Value<String>,
    /// The workspace's immutable GUID.
    pub workspace_id: Value<String>,
    /// The discovery URL.
    pub discovery_url: Value<String>,
    /// `Enabled` or `Disabled`.
    pub public_network_access: Value<String>,
    /// The SDK v1 switch.
    pub allow_public_access_when_behind_vnet: Value<bool>,
    /// What the IP rules guard.
    pub default_action: Value<String>,
    /// The allowed addresses and ranges.
    pub ip_rules: Value<Vec<String>>,
    /// The managed virtual network.
    pub managed_network: Value<ManagedNetworkModel>,
    /// The private endpoint connections.
    pub private_endpoint_connections: Value<Vec<ConnectionModel>>,
    /// The workspace's tags.
    pub tags: Value<Tags>,
    /// The compute that builds images.
    pub image_build_compute: Value<String>,
    /// Whether the workspace is in v1 legacy mode.
    pub v1_legacy_mode: Value<bool>,
    /// Where serverless compute runs.
    pub serverless_compute: Value<ServerlessComputeModel>,
    /// The workspace's online endpoints.
    pub online_endpoints: Value<Vec<OnlineEndpointModel>>,
}

/// The serverless compute settings as this data source exports them.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct ServerlessComputeModel {
    /// The subnet's ARM ID.
    pub subnet_id: Value<String>,
    /// Whether nodes go without public IPs.
    pub no_public_ip: Value<bool>,
}

/// An online endpoint as this data source exports it.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct OnlineEndpointModel {
    /// The endpoint name.
    pub name: Value<String>,
    /// `Enabled` or `Disabled`.
    pub public_network_access: Value<String>,
    /// `AMLToken`, `Key` or `AADToken`.
    pub auth_mode: Value<String>,
    /// The provisioning state.
    pub provisioning_state: Value<String>,
    /// The scoring URI.
    pub scoring_uri: Value<String>,
}

/// The managed virtual network as this data source exports it.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct ManagedNetworkModel {
    /// The isolation mode.
    pub isolation_mode: Value<String>,
    /// The firewall SKU.
    pub firewall_sku: Value<String>,
    /// The provisioning status.
    pub status: Value<String>,
    /// Whether Spark is ready.
    pub spark_ready: Value<bool>,
    /// The managed network's ID.
    pub network_id: Value<String>,
}

/// A private endpoint connection as this data source exports it.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct ConnectionModel {
    /// The connection name.
    pub name: Value<String>,
    /// The connection's ARM ID.
    pub id: Value<String>,
    /// The private endpoint's ARM ID.
    pub private_endpoint_id: Value<String>,
    /// The connection status.
    pub status: Value<String>,
    /// The approver's message.
    pub description: Value<String>,
    /// What the consumer must do.
    pub actions_required: Value<String>,
}

type M = WorkspaceModel;

fn connection(c: PrivateEndpointConnectionRead) -> ConnectionModel {
    let p = c.properties.unwrap_or_default();
    let st = p.private_link_service_connection_state.unwrap_or_default();
    ConnectionModel {
        name: known(c.name),
        id: known(c.id),
        private_endpoint_id: known(p.private_endpoint.and_then(|e| e.id)),
        status: known(st.status),
        description: known(st.description),
        actions_required: known(st.actions_required),
    }
}

fn online_endpoint(e: OnlineEndpointListItem) -> OnlineEndpointModel {
    let p = e.properties.unwrap_or_default();
    OnlineEndpointModel {
        name: known(e.name),
        public_network_access: known(p.public_network_access),
        auth_mode: known(p.auth_mode),
        provisioning_state: known(p.provisioning_state),
        scoring_uri: known(p.scoring_uri),
    }
}

/// The online endpoints as this data source exports them, from the items of the workspace's
/// `onlineEndpoints` list, sorted by name.
pub fn online_endpoints(items: Vec<OnlineEndpointListItem>) -> Vec<OnlineEndpointModel> {
    let mut out: Vec<OnlineEndpointModel> = items.into_iter().map(online_endpoint).collect();
    out.sort_by_key(|e| e.name.as_known().map(|n| n.to_ascii_lowercase()));
    out
}

/// The workspace's posture as this data source exports it, from its ARM body; the lookup
/// arguments (`resource_group_name`) are the caller's. The online endpoints are a list of their
/// own ([`online_endpoints`]); here they are empty.
pub fn posture(ws: WorkspaceRead, config: &M) -> M {
    let p = ws.properties.unwrap_or_default();
    let acls = p.network_acls.unwrap_or_default();
    let mn = p.managed_network.unwrap_or_default();
    let mn_status = mn.status.unwrap_or_default();
    let ip_rules = acls.ip_rules.unwrap_or_default();
    let serverless = p.serverless_compute_settings.unwrap_or_default();
    M {
        id: known(ws.id),
        name: known(ws.name),
        resource_group_name: config.resource_group_name.clone(),
        kind: known(ws.kind),
        location: known(ws.location),
        workspace_id: known(p.workspace_id),
        discovery_url: known(p.discovery_url),
        public_network_access: known(p.public_network_access),
        allow_public_access_when_behind_vnet: known(p.allow_public_access_when_behind_vnet),
        default_action: known(acls.default_action),
        ip_rules: Value::Known(ip_rules.into_iter().filter_map(|r| r.value).collect()),
        managed_network: Value::Known(ManagedNetworkModel {
            isolation_mode: known(mn.isolation_mode),
            firewall_sku: known(mn.firewall_sku),
            status: known(mn_status.status),
            spark_ready: known(mn_status.spark_ready),
            network_id: known(mn.network_id),
        }),
        private_endpoint_connections: Value::Known(
            p.private_endpoint_connections
                .unwrap_or_default()
                .into_iter()
                .map(connection)
                .collect(),
        ),
        tags: Value::Known(ws.tags.unwrap_or_default()),
        image_build_compute: text(p.image_build_compute),
        v1_legacy_mode: known(p.v1_legacy_mode),
        serverless_compute: Value::Known(ServerlessComputeModel {
            subnet_id: text(serverless.custom_subnet),
            no_public_ip: known(serverless.no_public_ip),
        }),
        online_endpoints: Value::Known(vec![]),
    }
}

#[async_trait]
impl TypedDataSource<ConfiguredProvider> for Workspace {
    type Model = WorkspaceModel;

    fn type_name(&self) -> &'static str {
        "aml_workspace"
    }

    fn schema(&self) -> Schema {
        let c = |n: &str, t: Type, d: &str| Attribute::computed(n, t, d);
        Schema::new(
            Block::new(
                "The network posture of an existing Azure Machine Learning workspace or hub: public network \
                 access, IP rules, managed network isolation and provisioning status, private endpoint \
                 connections, image builds, serverless compute, and its online endpoints. Look it up by `id`, or by `name` and `resource_group_name` in the provider's \
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
                object_type::<ManagedNetworkModel>(),
                "The managed virtual network: `isolation_mode` (`Disabled`, `AllowInternetOutbound`, `AllowOnlyApprovedOutbound`), `firewall_sku`, provisioning `status` (`Active` or `Inactive`), `spark_ready` and `network_id`.",
            ))
            .attribute(c(
                "private_endpoint_connections",
                Type::list(object_type::<ConnectionModel>()),
                "Private endpoint connections: `name`, `id`, `private_endpoint_id`, connection `status` (`Approved`, `Pending`, `Rejected`, `Disconnected`), `description` and `actions_required`.",
            ))
            .attribute(c("tags", Type::map(Type::String), "The workspace's tags."))
            .attribute(c("image_build_compute", Type::String, "The name of the compute cluster or instance that builds the workspace's images (null when the container registry builds them); see `aml_workspace_image_build`."))
            .attribute(c("v1_legacy_mode", Type::Bool, "Whether the workspace is in v1 legacy mode (it must be false for network isolation of managed online endpoints)."))
            .attribute(c(
                "serverless_compute",
                object_type::<ServerlessComputeModel>(),
                "Where serverless compute runs: `subnet_id` (the ARM ID of the subnet it joins, null when unset) and `no_public_ip` (whether its nodes go without public IP addresses).",
            ))
            .attribute(c(
                "online_endpoints",
                Type::list(object_type::<OnlineEndpointModel>()),
                "The workspace's online endpoints, sorted by name, for audits: `name`, `public_network_access` (`Enabled`, `Disabled`), `auth_mode` (`AMLToken`, `Key`, `AADToken`), `provisioning_state` and `scoring_uri`. Keys are never read.",
            )),
        )
    }

    fn validate(&self, config: &M, diags: &mut Diagnostics) {
        if let Value::Known(id) = &config.id {
            if let Err(e) = WorkspaceId::parse(id) {
                diags.error_at(attr(M::ID), "Invalid workspace ID", e.message);
            }
        }
        let (id, name, rg) = (&config.id, &config.name, &config.resource_group_name);
        let by_id = !id.is_null();
        let by_name = !name.is_null() || !rg.is_null();
        if by_id && by_name {
            diags.error_at(
                attr(M::ID),
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

    async fn read(&self, ctx: &Ctx<'_>, config: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = match &config.id {
            Value::Known(id) => {
                WorkspaceId::parse(id).map_err(|e| Error::new(e.message).at(attr(M::ID)))?
            }
            _ => {
                let text = |v: &Value<String>| v.as_known().cloned().unwrap_or_default();
                ResourceGroupId::new(arm.subscription_id(), &text(&config.resource_group_name))
                    .workspace(&text(&config.name))
            }
        };
        let found = arm
            .get(&id, api_versions::ML_NETWORK_ACLS)
            .await
            .doing(format!("reading workspace {id}"))?;
        let response = found.ok_or_else(|| {
            Error::new(format!("workspace {id} not found")).detail(
                "Check the name, resource group and subscription (the provider's subscription_id or ARM_SUBSCRIPTION_ID), \
                 and that the identity may read it (Reader on the workspace is enough).",
            )
        })?;
        let mut out = posture(parse(&response.body)?, config);
        // An identity that may read the workspace but not its endpoints still gets the posture:
        // the endpoints read as null, with a warning naming the missing permission.
        match arm
            .list(&id.collection("onlineEndpoints"), api_versions::ML)
            .await
        {
            Ok(endpoints) => {
                let items = endpoints
                    .iter()
                    .map(parse::<OnlineEndpointListItem>)
                    .collect::<Result<Vec<_>, _>>()?;
                out.online_endpoints = Value::Known(online_endpoints(items));
            }
            Err(e) if e.kind == ErrorKind::Auth => {
                out.online_endpoints = Value::Null;
                ctx.warn(Diagnostic::warning(
                    format!("Could not list the online endpoints of workspace {}", id.name()),
                    format!(
                        "Azure refused the read ({e}), so `online_endpoints` is null. Reading them needs \
                         Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read on the workspace \
                         (Reader on the workspace includes it)."
                    ),
                ));
            }
            Err(e) => {
                return Err(e).doing(format!("listing the online endpoints of workspace {id}"))
            }
        }
        if let Value::Known(given) = &config.id {
            out.id = Value::Known(given.clone());
        }
        if config.resource_group_name.as_known().is_none() {
            out.resource_group_name = Value::Known(id.resource_group().to_string());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn s(v: &str) -> Value<String> {
        Value::Known(v.to_string())
    }

    #[test]
    fn a_bare_body_reads_as_nulls_and_empty_collections() {
        let config = M::from_value(&crate::tfplugin::cty::Value::Null);
        let out = posture(parse(&json!({"name": "w"})).unwrap(), &config);
        assert_eq!(out.name, s("w"));
        assert_eq!(out.id, Value::Null);
        assert_eq!(out.default_action, Value::Null);
        assert_eq!(out.ip_rules, Value::Known(vec![]));
        assert_eq!(out.private_endpoint_connections, Value::Known(vec![]));
        assert_eq!(out.tags, Value::Known(BTreeMap::new()));
        let mn = out
            .managed_network
            .known()
            .expect("an object even when absent");
        assert_eq!(
            (mn.isolation_mode, mn.spark_ready),
            (Value::Null, Value::Null)
        );
    }

    #[test]
    fn the_posture_maps_field_to_field() {
        let config = M::from_value(&crate::tfplugin::cty::Value::Null);
        let body = json!({
            "id": "/ws", "name": "w", "kind": "Hub", "location": "eastus", "tags": {"a": "b"},
            "properties": {
                "workspaceId": "guid", "discoveryUrl": "https://d", "publicNetworkAccess": "Enabled",
                "allowPublicAccessWhenBehindVnet": false,
                "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "1.2.3.4"}, {}, {"value": "10.0.0.0/8"}]},
                "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "firewallSku": "Standard",
                    "networkId": "n", "status": {"status": "Active", "sparkReady": true}},
                "privateEndpointConnections": [{"name": "c", "id": "/c", "properties": {
                    "privateEndpoint": {"id": "/pe"},
                    "privateLinkServiceConnectionState": {"status": "Approved", "description": "ok", "actionsRequired": "None"}}}]
            }
        });
        let out = posture(parse(&body).unwrap(), &config);
        assert_eq!(
            (out.id, out.kind, out.location),
            (s("/ws"), s("Hub"), s("eastus"))
        );
        assert_eq!(
            (out.workspace_id, out.discovery_url),
            (s("guid"), s("https://d"))
        );
        assert_eq!(out.public_network_access, s("Enabled"));
        assert_eq!(
            out.allow_public_access_when_behind_vnet,
            Value::Known(false)
        );
        assert_eq!(out.default_action, s("Deny"));
        assert_eq!(
            out.ip_rules,
            Value::Known(vec!["1.2.3.4".into(), "10.0.0.0/8".into()])
        );
        assert_eq!(
            out.managed_network,
            Value::Known(ManagedNetworkModel {
                isolation_mode: s("AllowOnlyApprovedOutbound"),
                firewall_sku: s("Standard"),
                status: s("Active"),
                spark_ready: Value::Known(true),
                network_id: s("n"),
            })
        );
        assert_eq!(
            out.private_endpoint_connections,
            Value::Known(vec![ConnectionModel {
                name: s("c"),
                id: s("/c"),
                private_endpoint_id: s("/pe"),
                status: s("Approved"),
                description: s("ok"),
                actions_required: s("None"),
            }])
        );
        assert_eq!(
            out.tags,
            Value::Known(BTreeMap::from([("a".into(), "b".into())]))
        );
    }

    #[test]
    fn image_build_v1_serverless_and_endpoints_map_field_to_field() {
        let config = M::from_value(&crate::tfplugin::cty::Value::Null);
        let body = json!({"name": "w", "properties": {
            "imageBuildCompute": "cpu-cluster", "v1LegacyMode": true,
            "serverlessComputeSettings": {"serverlessComputeCustomSubnet": "/snet", "serverlessComputeNoPublicIP": true}
        }});
        let out = posture(parse(&body).unwrap(), &config);
        assert_eq!(out.image_build_compute, s("cpu-cluster"));
        assert_eq!(out.v1_legacy_mode, Value::Known(true));
        assert_eq!(
            out.serverless_compute,
            Value::Known(ServerlessComputeModel {
                subnet_id: s("/snet"),
                no_public_ip: Value::Known(true),
            })
        );
        let bare = posture(
            parse(&json!({"properties": {"imageBuildCompute": ""}})).unwrap(),
            &config,
        );
        assert_eq!(bare.image_build_compute, Value::Null);
        assert_eq!(bare.v1_legacy_mode, Value::Null);
        assert_eq!(
            bare.serverless_compute,
            Value::Known(ServerlessComputeModel {
                subnet_id: Value::Null,
                no_public_ip: Value::Null,
            })
        );
        let items: Vec<OnlineEndpointListItem> = vec![
            parse(&json!({"name": "zeta", "properties": {"publicNetworkAccess": "Disabled", "authMode": "AADToken",
                "provisioningState": "Succeeded", "scoringUri": "https://zeta/score", "keys": null}})).unwrap(),
            parse(&json!({"name": "Alpha"})).unwrap(),
        ];
        assert_eq!(
            online_endpoints(items),
            vec![
                OnlineEndpointModel {
                    name: s("Alpha"),
                    public_network_access: Value::Null,
                    auth_mode: Value::Null,
                    provisioning_state: Value::Null,
                    scoring_uri: Value::Null,
                },
                OnlineEndpointModel {
                    name: s("zeta"),
                    public_network_access: s("Disabled"),
                    auth_mode: s("AADToken"),
                    provisioning_state: s("Succeeded"),
                    scoring_uri: s("https://zeta/score"),
                },
            ]
        );
    }
}
