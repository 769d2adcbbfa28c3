//! `Microsoft.Network/virtualNetworks` (api-version `NETWORK`), read by
//! `aml_workspace_isolation`: the address space and each subnet's private endpoint network
//! policies (a VNet GET embeds its subnets, so one read covers both).

use serde::Deserialize;

use super::private_endpoint::nullable_list;

/// A virtual network as ARM returns it (only what the isolation check reads).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkRead {
    /// The network's ARM ID.
    #[serde(default)]
    pub id: Option<String>,
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
    pub subnets: Vec<SubnetRead>,
}

/// A network's address space.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AddressSpace {
    /// CIDR prefixes.
    #[serde(default, deserialize_with = "nullable_list")]
    pub address_prefixes: Vec<String>,
}

/// A subnet as a VNet embeds it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct SubnetRead {
    /// The subnet name.
    #[serde(default)]
    pub name: Option<String>,
    /// The subnet's properties.
    #[serde(default)]
    pub properties: SubnetProperties,
}

/// The properties of a subnet.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubnetProperties {
    /// `Disabled`, `Enabled`, `NetworkSecurityGroupEnabled` or `RouteTableEnabled`.
    #[serde(default)]
    pub private_endpoint_network_policies: Option<String>,
}

impl VirtualNetworkRead {
    /// The address prefixes of the network.
    pub fn address_prefixes(&self) -> &[String] {
        self.properties
            .address_space
            .as_ref()
            .map(|a| a.address_prefixes.as_slice())
            .unwrap_or_default()
    }

    /// The subnet `name` (any casing).
    pub fn subnet(&self, name: &str) -> Option<&SubnetRead> {
        self.properties.subnets.iter().find(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_prefixes_and_subnet_policies() {
        let v: VirtualNetworkRead = serde_json::from_value(json!({
            "id": "/vnet", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "snet-PE", "properties": {"privateEndpointNetworkPolicies": "Enabled"}}]}
        }))
        .unwrap();
        assert_eq!(v.address_prefixes(), ["10.0.0.0/16".to_string()]);
        let s = v.subnet("snet-pe").unwrap();
        assert_eq!(
            s.properties.private_endpoint_network_policies.as_deref(),
            Some("Enabled")
        );
        assert!(v.subnet("other").is_none());
        let bare: VirtualNetworkRead =
            serde_json::from_value(json!({"properties": {"subnets": null}})).unwrap();
        assert!(bare.address_prefixes().is_empty());
    }
}
