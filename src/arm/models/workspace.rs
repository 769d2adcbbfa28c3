//! `Microsoft.MachineLearningServices/workspaces` (api-version `ML`): the parts of a workspace
//! body the provider reads and writes, one section per feature.

// ---------------------------------------------------------------------------------------------
// ManagedNetworkSettings: `properties.managedNetwork` (aml_workspace_managed_network).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

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
