//! `Microsoft.MachineLearningServices/workspaces`: an Azure Machine Learning workspace or hub.

// ---------------------------------------------------------------------------------------------
// The workspace as the `aml_workspace` data source reads it (api-version `ML_NETWORK_ACLS`):
// identity, network posture, managed network status and private endpoint connections. Read
// only; every field is optional, so a body of another api-version still reads.

use std::collections::BTreeMap;

use serde::Deserialize;

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
