//! `Microsoft.MachineLearningServices/workspaces`: an Azure Machine Learning workspace or hub.

// ---------------------------------------------------------------------------------------------
// The workspace as the `aml_workspace` data source reads it (api-version `ML_NETWORK_ACLS`):
// identity, network posture, managed network status and private endpoint connections. Read
// only; every field is optional, so a body of another api-version still reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

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
