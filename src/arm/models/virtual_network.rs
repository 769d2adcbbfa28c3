//! `Microsoft.Network/virtualNetworks` and their `subnets` (api-version `NETWORK`), read only:
//! what a private endpoint's plan checks against (the VNet's region, the subnet's prefixes).

use serde::Deserialize;

/// A virtual network as ARM returns it (only its region is used).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetwork {
    /// The region, e.g. `eastus`.
    #[serde(default)]
    pub location: Option<String>,
}

/// A subnet as ARM returns it (only its address prefixes are used).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Subnet {
    /// The subnet's settings.
    #[serde(default)]
    pub properties: SubnetProperties,
}

/// A subnet's address prefixes: `addressPrefix`, or `addressPrefixes` when it has several.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubnetProperties {
    /// The prefix, e.g. `10.0.1.0/24`.
    #[serde(default)]
    pub address_prefix: Option<String>,
    /// The prefixes, when the subnet has several.
    #[serde(default)]
    pub address_prefixes: Vec<String>,
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
