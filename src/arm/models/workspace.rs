//! `Microsoft.MachineLearningServices/workspaces`: an Azure Machine Learning workspace or hub.

// ---------------------------------------------------------------------------------------------
// The workspace as the `aml_workspace` data source reads it (api-version `ML_NETWORK_ACLS`):
// identity, network posture, managed network status and private endpoint connections. Read
// only; every field is optional, so a body of another api-version still reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::arm::network_acls::same_rule;

/// A workspace as ARM returns it, with the fields the `aml_workspace` data source exports.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceRead {
    /// The workspace's ARM ID.
    pub id: Option<String>,
    /// The workspace name.
    pub name: Option<String>,
    /// `Default`, `Hub`, `Project` or `FeatureStore`.
    pub kind: Option<String>,
    /// The Azure region.
    pub location: Option<String>,
    /// Tags.
    pub tags: Option<BTreeMap<String, String>>,
    /// The workspace's properties.
    pub properties: Option<WorkspaceReadProperties>,
}

/// The properties of a [`WorkspaceRead`].
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceReadProperties {
    /// The workspace's immutable GUID.
    pub workspace_id: Option<String>,
    /// The workspace discovery URL.
    pub discovery_url: Option<String>,
    /// `Enabled` or `Disabled`.
    pub public_network_access: Option<String>,
    /// The SDK v1 switch that `publicNetworkAccess` overrides.
    pub allow_public_access_when_behind_vnet: Option<bool>,
    /// The IP rules and what they guard.
    pub network_acls: Option<NetworkAclsRead>,
    /// The managed virtual network.
    pub managed_network: Option<ManagedNetworkRead>,
    /// The private endpoint connections.
    pub private_endpoint_connections: Option<Vec<PrivateEndpointConnectionRead>>,
    /// The compute that builds images (a name; empty or absent: the registry builds them).
    pub image_build_compute: Option<String>,
    /// Whether the workspace is in v1 legacy mode.
    pub v1_legacy_mode: Option<bool>,
    /// Where serverless compute runs.
    pub serverless_compute_settings: Option<ServerlessComputeSettingsRead>,
    /// The ARM ID of the workspace's storage account.
    pub storage_account: Option<String>,
    /// The ARM ID of the workspace's key vault.
    pub key_vault: Option<String>,
    /// The ARM ID of the workspace's container registry.
    pub container_registry: Option<String>,
}

/// `properties.serverlessComputeSettings` as read.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ServerlessComputeSettingsRead {
    /// The ARM ID of the subnet serverless compute joins.
    #[serde(rename = "serverlessComputeCustomSubnet")]
    pub custom_subnet: Option<String>,
    /// Whether serverless compute nodes go without public IPs.
    #[serde(rename = "serverlessComputeNoPublicIP")]
    pub no_public_ip: Option<bool>,
}

/// One item of a workspace's `onlineEndpoints` list, with what the `aml_workspace` data source
/// reports of it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OnlineEndpointListItem {
    /// The endpoint name.
    pub name: Option<String>,
    /// The endpoint's properties.
    pub properties: Option<OnlineEndpointListItemProperties>,
}

/// The properties of an [`OnlineEndpointListItem`].
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OnlineEndpointListItemProperties {
    /// `Enabled` or `Disabled`.
    pub public_network_access: Option<String>,
    /// `AMLToken`, `Key` or `AADToken`.
    pub auth_mode: Option<String>,
    /// `Creating`, `Succeeded`, `Failed`, ...
    pub provisioning_state: Option<String>,
    /// The scoring URI.
    pub scoring_uri: Option<String>,
}

/// `properties.networkAcls` as read.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NetworkAclsRead {
    /// `Deny` or `Allow`.
    pub default_action: Option<String>,
    /// The allowed addresses and ranges.
    pub ip_rules: Option<Vec<IpRuleRead>>,
}

/// One IP rule as read.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct IpRuleRead {
    /// An IPv4 address or CIDR range.
    pub value: Option<String>,
}

/// `properties.managedNetwork` as read.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNetworkRead {
    /// `Disabled`, `AllowInternetOutbound` or `AllowOnlyApprovedOutbound`.
    pub isolation_mode: Option<String>,
    /// The managed firewall's SKU.
    pub firewall_sku: Option<String>,
    /// The provisioning status.
    pub status: Option<ManagedNetworkStatusRead>,
    /// The managed network's ID.
    pub network_id: Option<String>,
}

/// `properties.managedNetwork.status`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNetworkStatusRead {
    /// `Active` or `Inactive`.
    pub status: Option<String>,
    /// Whether Spark jobs can use the managed network.
    pub spark_ready: Option<bool>,
}

/// One entry of `properties.privateEndpointConnections`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointConnectionRead {
    /// The connection name.
    pub name: Option<String>,
    /// The connection's ARM ID.
    pub id: Option<String>,
    /// The connection's properties.
    pub properties: Option<PrivateEndpointConnectionReadProperties>,
}

/// The properties of a [`PrivateEndpointConnectionRead`].
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointConnectionReadProperties {
    /// The private endpoint.
    pub private_endpoint: Option<PrivateEndpointRef>,
    /// The connection's state.
    pub private_link_service_connection_state: Option<ConnectionStateRead>,
}

/// A reference to a private endpoint.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct PrivateEndpointRef {
    /// The private endpoint's ARM ID.
    pub id: Option<String>,
}

/// A private link connection's state.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionStateRead {
    /// `Approved`, `Pending`, `Rejected` or `Disconnected`.
    pub status: Option<String>,
    /// The approver's message.
    pub description: Option<String>,
    /// What the consumer must do.
    pub actions_required: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Inbound access: `properties.publicNetworkAccess` and `properties.networkAcls` (api-version
// `ML_NETWORK_ACLS`), as `aml_network_rule` and `aml_workspace_network_access` read them, with
// what they mean. Their writes are edits of the JSON body inside the coordinator
// (`arm::network_acls`).

/// The inbound access of a workspace, from its body.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct WorkspaceInbound {
    /// The workspace's properties (only the inbound ones).
    pub properties: Option<InboundProperties>,
}

/// `publicNetworkAccess` and `networkAcls` of a workspace's properties.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct InboundProperties {
    /// `Enabled` or `Disabled`, if set.
    pub public_network_access: Option<String>,
    /// The default action and the IP rules.
    pub network_acls: Option<NetworkAclsRead>,
}

impl WorkspaceInbound {
    fn acls(&self) -> Option<&NetworkAclsRead> {
        self.properties.as_ref()?.network_acls.as_ref()
    }

    /// `properties.publicNetworkAccess`, if set.
    pub fn public_network_access(&self) -> Option<&str> {
        self.properties.as_ref()?.public_network_access.as_deref()
    }

    /// `properties.networkAcls.defaultAction`, if set.
    pub fn default_action(&self) -> Option<&str> {
        self.acls()?.default_action.as_deref()
    }

    /// The default action in effect: a workspace without one admits everyone, as `Allow` does.
    pub fn effective_default_action(&self) -> &str {
        self.default_action().unwrap_or("Allow")
    }

    /// Whether the workspace has a rule for `ip` (`1.2.3.4` and `1.2.3.4/32` are the same).
    pub fn has_ip_rule(&self, ip: &str) -> bool {
        self.acls()
            .and_then(|a| a.ip_rules.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|r| r.value.as_deref())
            .any(|r| same_rule(r, ip))
    }

    /// Why IP rules would have no effect on this workspace now, if they would not.
    pub fn rules_ineffective_reason(&self) -> Option<String> {
        if self
            .public_network_access()
            .is_some_and(|p| p.eq_ignore_ascii_case("Disabled"))
        {
            return Some(
                "its public network access is Disabled, so no public address reaches it"
                    .to_string(),
            );
        }
        if self
            .effective_default_action()
            .eq_ignore_ascii_case("Allow")
        {
            return Some(
                "its default action is Allow, so every public address reaches it".to_string(),
            );
        }
        None
    }
}

#[cfg(test)]
mod inbound_tests {
    use super::*;
    use serde_json::json;

    fn read(body: serde_json::Value) -> WorkspaceInbound {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn inbound_settings_read_with_nulls_and_absences() {
        let w = read(json!({"properties": {
            "publicNetworkAccess": "Enabled",
            "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "52.0.0.1"}, {}, {"value": "52.1.0.0/16"}]},
            "other": 1,
        }}));
        assert_eq!(w.public_network_access(), Some("Enabled"));
        assert_eq!(w.default_action(), Some("Deny"));
        assert!(w.has_ip_rule("52.0.0.1/32"));
        assert!(w.has_ip_rule("52.1.0.0/16"));
        assert!(!w.has_ip_rule("52.1.0.0/24"));
        for body in [
            json!({}),
            json!({"properties": null}),
            json!({"properties": {"networkAcls": null}}),
            json!({"properties": {"networkAcls": {"ipRules": null}}}),
        ] {
            let w = read(body);
            assert_eq!(w.public_network_access(), None);
            assert_eq!(w.default_action(), None);
            assert_eq!(w.effective_default_action(), "Allow");
            assert!(!w.has_ip_rule("52.0.0.1"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The workspace as an online endpoint's plan reads it (api-version `ML_NETWORK_ACLS`): its region
// (the endpoint's default location) and the settings that decide how the endpoint's own public
// access behaves.

/// A workspace body as `aml_online_endpoint` checks it at plan time.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct WorkspaceForEndpoint {
    /// The Azure region.
    pub location: Option<String>,
    /// The properties the checks use.
    pub properties: Option<WorkspaceForEndpointProperties>,
}

/// The workspace properties an online endpoint's plan checks.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceForEndpointProperties {
    /// `Enabled` or `Disabled`.
    pub public_network_access: Option<String>,
    /// The IP rules.
    pub network_acls: Option<NetworkAclsRead>,
    /// The managed virtual network.
    pub managed_network: Option<ManagedNetworkRead>,
    /// Whether the workspace runs in SDK v1 legacy mode (no network isolation for endpoints).
    pub v1_legacy_mode: Option<bool>,
}

impl WorkspaceForEndpoint {
    fn props(&self) -> Option<&WorkspaceForEndpointProperties> {
        self.properties.as_ref()
    }

    /// `properties.publicNetworkAccess`, if set.
    pub fn public_network_access(&self) -> Option<&str> {
        self.props()?.public_network_access.as_deref()
    }

    /// The values of the workspace's IP rules.
    pub fn ip_rules(&self) -> Vec<String> {
        self.props()
            .and_then(|p| p.network_acls.as_ref())
            .and_then(|a| a.ip_rules.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|r| r.value.clone())
            .collect()
    }

    /// The isolation mode of a managed network whose status is not `Active` yet, if it has one.
    pub fn unprovisioned_managed_network(&self) -> Option<&str> {
        let mn = self.props()?.managed_network.as_ref()?;
        let mode = mn.isolation_mode.as_deref().unwrap_or("Disabled");
        let active = mn
            .status
            .as_ref()
            .and_then(|s| s.status.as_deref())
            .is_some_and(|s| s.eq_ignore_ascii_case("Active"));
        (!mode.eq_ignore_ascii_case("Disabled") && !active).then_some(mode)
    }

    /// Whether the workspace is in v1 legacy mode.
    pub fn v1_legacy_mode(&self) -> bool {
        self.props().and_then(|p| p.v1_legacy_mode) == Some(true)
    }
}

#[cfg(test)]
mod endpoint_facts_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_settings_an_endpoint_checks() {
        let w: WorkspaceForEndpoint = serde_json::from_value(json!({
            "location": "eastus",
            "properties": {
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "52.0.0.1"}, {}]},
                "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "status": {"status": "Inactive"}},
                "v1LegacyMode": true
            }
        }))
        .unwrap();
        assert_eq!(w.public_network_access(), Some("Enabled"));
        assert_eq!(w.ip_rules(), vec!["52.0.0.1".to_string()]);
        assert_eq!(
            w.unprovisioned_managed_network(),
            Some("AllowOnlyApprovedOutbound")
        );
        assert!(w.v1_legacy_mode());
        let w: WorkspaceForEndpoint = serde_json::from_value(json!({
            "properties": {
                "managedNetwork": {"isolationMode": "AllowInternetOutbound", "status": {"status": "Active"}},
                "networkAcls": null, "v1LegacyMode": false
            }
        }))
        .unwrap();
        assert_eq!(w.unprovisioned_managed_network(), None);
        assert!(w.ip_rules().is_empty());
        assert!(!w.v1_legacy_mode());
        for body in [
            json!({}),
            json!({"properties": {"managedNetwork": {"isolationMode": "Disabled"}}}),
        ] {
            let w: WorkspaceForEndpoint = serde_json::from_value(body).unwrap();
            assert_eq!(w.unprovisioned_managed_network(), None);
            assert_eq!(w.public_network_access(), None);
        }
    }
}

// ManagedNetworkSettings: `properties.managedNetwork` as aml_workspace_managed_network reads and
// writes it (api-version `ML`), and the body of `provisionManagedNetwork`.

/// A workspace body as the managed network reads it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ManagedNetworkWorkspace {
    /// The workspace's properties.
    #[serde(default)]
    pub properties: ManagedNetworkWorkspaceProperties,
}

/// The workspace properties the managed network reads.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNetworkWorkspaceProperties {
    /// The managed network (absent while it was never set).
    #[serde(default, deserialize_with = "null_as_default")]
    pub managed_network: ManagedNetworkSettings,
    /// `Enabled` or `Disabled`.
    #[serde(default)]
    pub public_network_access: Option<String>,
}

/// `properties.managedNetwork` of a workspace.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNetworkSettings {
    /// `Disabled`, `AllowInternetOutbound` or `AllowOnlyApprovedOutbound` (absent: `Disabled`).
    #[serde(default)]
    pub isolation_mode: Option<String>,
    /// `Standard` or `Basic`.
    #[serde(default)]
    pub firewall_sku: Option<String>,
    /// The modes the isolation mode may change to, when the service reports them.
    #[serde(default)]
    pub changeable_isolation_modes: Option<Vec<String>>,
    /// Provisioning status.
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: ManagedNetworkStatus,
    /// The service's ID of the network.
    #[serde(default)]
    pub network_id: Option<String>,
}

impl ManagedNetworkSettings {
    /// The isolation mode, `Disabled` when absent.
    pub fn mode(&self) -> &str {
        self.isolation_mode.as_deref().unwrap_or("Disabled")
    }
}

/// The provisioning status of a managed network: `properties.managedNetwork.status`, and the
/// response of `provisionManagedNetwork`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNetworkStatus {
    /// `Inactive` or `Active`.
    #[serde(default)]
    pub status: Option<String>,
    /// Whether Spark jobs can use the network.
    #[serde(default)]
    pub spark_ready: Option<bool>,
}

/// Reads `null` as the default value, as an absent field.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The managed-network settings a write sets; the workspace's other fields stay as read.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNetworkEdit {
    /// The isolation mode.
    pub isolation_mode: String,
    /// The firewall SKU, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firewall_sku: Option<String>,
}

impl ManagedNetworkEdit {
    /// Writes these settings over `properties.managedNetwork` of a workspace body (made an
    /// object first if it is not one), keeping its other fields.
    pub fn write_over(&self, workspace: &mut Json) {
        let mn = &mut workspace["properties"]["managedNetwork"];
        if !mn.is_object() {
            *mn = Json::Object(Map::new());
        }
        if let (Some(mn), Ok(Json::Object(set))) = (mn.as_object_mut(), serde_json::to_value(self))
        {
            mn.extend(set);
        }
    }
}

/// The body of `provisionManagedNetwork`.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionManagedNetwork {
    /// Provision with Spark support.
    pub include_spark: bool,
}

#[cfg(test)]
mod managed_network_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_edit_sets_only_its_fields() {
        let mut doc = json!({"properties": {"publicNetworkAccess": "Disabled"}});
        let edit = ManagedNetworkEdit {
            isolation_mode: "AllowInternetOutbound".into(),
            firewall_sku: None,
        };
        edit.write_over(&mut doc);
        assert_eq!(
            doc,
            json!({"properties": {"publicNetworkAccess": "Disabled",
                "managedNetwork": {"isolationMode": "AllowInternetOutbound"}}})
        );
        let mut doc = json!({"properties": {"managedNetwork": {"isolationMode": "AllowInternetOutbound",
            "firewallSku": null, "status": {"status": "Active"}}}});
        ManagedNetworkEdit {
            isolation_mode: "AllowOnlyApprovedOutbound".into(),
            firewall_sku: Some("Basic".into()),
        }
        .write_over(&mut doc);
        assert_eq!(
            doc,
            json!({"properties": {"managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound",
                "firewallSku": "Basic", "status": {"status": "Active"}}}})
        );
        let read = ManagedNetworkWorkspace::deserialize(&doc).unwrap();
        let mn = read.properties.managed_network;
        assert_eq!(mn.mode(), "AllowOnlyApprovedOutbound");
        assert_eq!(mn.status.status.as_deref(), Some("Active"));
        assert_eq!(mn.status.spark_ready, None);
        let nulls = json!({"properties": {"managedNetwork": {"status": null}}});
        let read = ManagedNetworkWorkspace::deserialize(&nulls).unwrap();
        assert_eq!(
            read.properties.managed_network.status,
            ManagedNetworkStatus::default()
        );
        assert_eq!(
            ManagedNetworkWorkspace::default()
                .properties
                .managed_network
                .mode(),
            "Disabled"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Image builds: `properties.imageBuildCompute` (a compute name; `''` or absent: images are built
// in the container registry) and `properties.containerRegistry`, as `aml_workspace_image_build`
// reads them. Its write is an edit of the JSON body inside the coordinator
// ([`set_image_build_compute`]).

/// A workspace body as `aml_workspace_image_build` reads it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ImageBuildWorkspace {
    /// The workspace's properties (only the image build ones).
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: ImageBuildProperties,
}

/// `imageBuildCompute` and `containerRegistry` of a workspace's properties.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ImageBuildProperties {
    /// The compute name, if set.
    #[serde(default)]
    pub image_build_compute: Option<String>,
    /// The ARM ID of the workspace's container registry, if it has one.
    #[serde(default)]
    pub container_registry: Option<String>,
}

impl ImageBuildWorkspace {
    /// The compute that builds images: `None` when unset or empty (the registry builds them).
    pub fn compute(&self) -> Option<&str> {
        self.properties
            .image_build_compute
            .as_deref()
            .filter(|c| !c.is_empty())
    }

    /// The container registry's ARM ID, if the workspace has one.
    pub fn container_registry(&self) -> Option<&str> {
        self.properties
            .container_registry
            .as_deref()
            .filter(|c| !c.is_empty())
    }
}

/// Sets `properties.imageBuildCompute` of a workspace body to `name` (`""`: build in the
/// registry again); returns the value it replaced, `""` when there was none.
pub fn set_image_build_compute(workspace: &mut Json, name: &str) -> String {
    let prior = ImageBuildWorkspace::deserialize(&*workspace)
        .ok()
        .and_then(|w| w.compute().map(str::to_string))
        .unwrap_or_default();
    if !workspace["properties"].is_object() {
        workspace["properties"] = Json::Object(Map::new());
    }
    workspace["properties"]["imageBuildCompute"] = Json::String(name.to_string());
    prior
}

#[cfg(test)]
mod image_build_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_compute_reads_empty_as_none_and_an_edit_returns_the_prior_value() {
        for body in [
            json!({}),
            json!({"properties": null}),
            json!({"properties": {"imageBuildCompute": ""}}),
            json!({"properties": {"imageBuildCompute": null}}),
        ] {
            let w = ImageBuildWorkspace::deserialize(&body).unwrap();
            assert_eq!(w.compute(), None, "{body}");
        }
        let mut doc = json!({"properties": {"imageBuildCompute": "old", "containerRegistry": "/acr", "x": 1}});
        let w = ImageBuildWorkspace::deserialize(&doc).unwrap();
        assert_eq!(
            (w.compute(), w.container_registry()),
            (Some("old"), Some("/acr"))
        );
        assert_eq!(set_image_build_compute(&mut doc, "new"), "old");
        assert_eq!(
            doc,
            json!({"properties": {"imageBuildCompute": "new", "containerRegistry": "/acr", "x": 1}})
        );
        let mut bare = json!({"name": "w"});
        assert_eq!(set_image_build_compute(&mut bare, ""), "");
        assert_eq!(
            bare,
            json!({"name": "w", "properties": {"imageBuildCompute": ""}})
        );
    }
}
