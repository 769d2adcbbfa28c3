//! The network settings of a workspace's dependencies, read by `aml_workspace_isolation`:
//! `Microsoft.Storage/storageAccounts` (api-version `STORAGE`), `Microsoft.KeyVault/vaults`
//! (`KEY_VAULT`) and `Microsoft.ContainerRegistry/registries` (`CONTAINER_REGISTRY`). The three
//! types spell these settings the same way (`publicNetworkAccess`, a default action for their
//! firewall, `privateEndpointConnections` naming each endpoint, and a `sku`), except that a
//! registry calls its firewall `networkRuleSet`; one read-only struct takes all three.

use serde::Deserialize;

use super::private_endpoint::nullable_list;

/// A dependency as ARM returns it (only its network settings and SKU).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct DependencyRead {
    /// The SKU (the registry's decides whether it can be private).
    #[serde(default)]
    pub sku: Option<Sku>,
    /// The network settings.
    #[serde(default)]
    pub properties: Option<DependencyProperties>,
}

/// A SKU.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Sku {
    /// e.g. `Premium`, `Standard_LRS`, `standard`.
    #[serde(default)]
    pub name: Option<String>,
}

/// The network settings of a dependency.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DependencyProperties {
    /// `Enabled`, `Disabled` (absent: Enabled; storage also has `SecuredByPerimeter`).
    #[serde(default)]
    pub public_network_access: Option<String>,
    /// Storage and key vault firewall.
    #[serde(default)]
    pub network_acls: Option<Firewall>,
    /// Container registry firewall.
    #[serde(default)]
    pub network_rule_set: Option<Firewall>,
    /// The private endpoint connections to the dependency.
    #[serde(default, deserialize_with = "nullable_list")]
    pub private_endpoint_connections: Vec<EndpointConnection>,
}

/// A dependency's firewall: only what it does with addresses no rule names.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Firewall {
    /// `Allow` or `Deny`.
    #[serde(default)]
    pub default_action: Option<String>,
}

/// A private endpoint connection of a dependency.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct EndpointConnection {
    /// The connection's properties.
    #[serde(default)]
    pub properties: Option<EndpointConnectionProperties>,
}

/// The properties of a dependency's private endpoint connection.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConnectionProperties {
    /// The private endpoint.
    #[serde(default)]
    pub private_endpoint: Option<super::private_endpoint::SubResource>,
}

impl DependencyRead {
    fn props(&self) -> Option<&DependencyProperties> {
        self.properties.as_ref()
    }

    /// `publicNetworkAccess` as ARM reported it.
    pub fn public_network_access(&self) -> Option<&str> {
        self.props()?.public_network_access.as_deref()
    }

    /// The firewall's default action (`networkAcls` or, for a registry, `networkRuleSet`).
    pub fn default_action(&self) -> Option<&str> {
        let p = self.props()?;
        p.network_acls
            .as_ref()
            .or(p.network_rule_set.as_ref())?
            .default_action
            .as_deref()
    }

    /// Whether anyone on the internet reaches the dependency: public network access is not
    /// `Disabled` (absent means Enabled) and the firewall does not deny by default.
    pub fn open_to_internet(&self) -> bool {
        let disabled = self
            .public_network_access()
            .is_some_and(|p| !p.eq_ignore_ascii_case("Enabled"));
        let denies = self
            .default_action()
            .is_some_and(|a| a.eq_ignore_ascii_case("Deny"));
        !disabled && !denies
    }

    /// The ARM IDs of the private endpoints connected to the dependency.
    pub fn private_endpoint_ids(&self) -> Vec<String> {
        self.props()
            .map(|p| p.private_endpoint_connections.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|c| c.properties.as_ref()?.private_endpoint.as_ref()?.id.clone())
            .collect()
    }

    /// The SKU name, if any.
    pub fn sku_name(&self) -> Option<&str> {
        self.sku.as_ref()?.name.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> DependencyRead {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn open_means_public_access_and_no_deny() {
        assert!(read(json!({})).open_to_internet());
        assert!(read(json!({"properties": {"publicNetworkAccess": "Enabled"}})).open_to_internet());
        assert!(
            !read(json!({"properties": {"publicNetworkAccess": "Disabled"}})).open_to_internet()
        );
        assert!(
            !read(json!({"properties": {"publicNetworkAccess": "SecuredByPerimeter"}}))
                .open_to_internet()
        );
        assert!(
            !read(json!({"properties": {"networkAcls": {"defaultAction": "Deny"}}}))
                .open_to_internet()
        );
        assert!(
            !read(json!({"properties": {"networkRuleSet": {"defaultAction": "Deny"}}}))
                .open_to_internet()
        );
        assert!(
            read(json!({"properties": {"networkRuleSet": {"defaultAction": "Allow"}}}))
                .open_to_internet()
        );
    }

    #[test]
    fn endpoints_and_sku_read() {
        let d = read(
            json!({"sku": {"name": "Premium"}, "properties": {"privateEndpointConnections": [
                {"properties": {"privateEndpoint": {"id": "/pe1"}}}, {"properties": {}}, {}
            ]}}),
        );
        assert_eq!(d.private_endpoint_ids(), vec!["/pe1".to_string()]);
        assert_eq!(d.sku_name(), Some("Premium"));
        assert!(
            read(json!({"properties": {"privateEndpointConnections": null}}))
                .private_endpoint_ids()
                .is_empty()
        );
    }
}
