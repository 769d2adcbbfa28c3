//! `Microsoft.Network/virtualNetworks` and their `subnets` (api-version `NETWORK`), read only:
//! what a private endpoint's plan checks against (the VNet's region, the subnet's prefixes) and
//! what `aml_workspace_isolation` reads (the address space and each subnet's private endpoint
//! network policies; a VNet GET embeds its subnets, so one read covers both).

use serde::Deserialize;

use super::private_endpoint::nullable_list;

/// A virtual network as ARM returns it (only what the provider reads).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetwork {
    /// The network's ARM ID.
    #[serde(default)]
    pub id: Option<String>,
    /// The region, e.g. `eastus`.
    #[serde(default)]
    pub location: Option<String>,
    /// The network's properties.
    #[serde(default)]
    pub properties: VirtualNetworkProperties,
}

/// The properties of a virtual network.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkProperties {
    /// The address space.
    #[serde(default)]
    pub address_space: Option<AddressSpace>,
    /// The subnets.
    #[serde(default, deserialize_with = "nullable_list")]
    pub subnets: Vec<Subnet>,
}

/// A network's address space.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AddressSpace {
    /// CIDR prefixes.
    #[serde(default, deserialize_with = "nullable_list")]
    pub address_prefixes: Vec<String>,
}

/// A subnet, read on its own or as a VNet embeds it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Subnet {
    /// The subnet name.
    #[serde(default)]
    pub name: Option<String>,
    /// The subnet's settings.
    #[serde(default)]
    pub properties: SubnetProperties,
}

/// The properties of a subnet.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubnetProperties {
    /// The prefix, e.g. `10.0.1.0/24`.
    #[serde(default)]
    pub address_prefix: Option<String>,
    /// The prefixes, when the subnet has several.
    #[serde(default, deserialize_with = "nullable_list")]
    pub address_prefixes: Vec<String>,
    /// `Disabled`, `Enabled`, `NetworkSecurityGroupEnabled` or `RouteTableEnabled`.
    #[serde(default)]
    pub private_endpoint_network_policies: Option<String>,
}

impl VirtualNetwork {
    /// The address prefixes of the network.
    pub fn address_prefixes(&self) -> &[String] {
        self.properties
            .address_space
            .as_ref()
            .map(|a| a.address_prefixes.as_slice())
            .unwrap_or_default()
    }

    /// The subnet `name` (any casing).
    pub fn subnet(&self, name: &str) -> Option<&Subnet> {
        self.properties.subnets.iter().find(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}

impl Subnet {
    /// Every prefix of the subnet.
    pub fn prefixes(&self) -> Vec<String> {
        let p = &self.properties;
        p.address_prefix
            .iter()
            .chain(p.address_prefixes.iter())
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_prefixes_and_subnet_policies() {
        let v: VirtualNetwork = serde_json::from_value(json!({
            "id": "/vnet", "location": "eastus",
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "snet-PE", "properties": {"privateEndpointNetworkPolicies": "Enabled", "addressPrefix": "10.0.1.0/24"}}]}
        }))
        .unwrap();
        assert_eq!(v.address_prefixes(), ["10.0.0.0/16".to_string()]);
        assert_eq!(v.location.as_deref(), Some("eastus"));
        let s = v.subnet("snet-pe").unwrap();
        assert_eq!(
            s.properties.private_endpoint_network_policies.as_deref(),
            Some("Enabled")
        );
        assert_eq!(s.prefixes(), ["10.0.1.0/24".to_string()]);
        assert!(v.subnet("other").is_none());
        let bare: VirtualNetwork =
            serde_json::from_value(json!({"properties": {"subnets": null}})).unwrap();
        assert!(bare.address_prefixes().is_empty());
    }

    #[test]
    fn subnet_with_several_prefixes() {
        let s: Subnet = serde_json::from_value(json!({
            "properties": {"addressPrefixes": ["10.0.1.0/24", "10.0.2.0/24"]}
        }))
        .unwrap();
        assert_eq!(s.prefixes().len(), 2);
    }
}
