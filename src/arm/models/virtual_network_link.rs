//! `Microsoft.Network/privateDnsZones/virtualNetworkLinks` (api-version `PRIVATE_DNS`): the link
//! of a private DNS zone to a virtual network. Its location is always `global`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A virtual network link as ARM returns it, and the body of a create or update (PUT), which
/// always carries `location`, `tags` and every property.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkLink {
    /// Always `global`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// The link's settings.
    #[serde(default)]
    pub properties: VirtualNetworkLinkProperties,
}

/// The link's settings. A PUT sends every one of them (`virtualNetwork.id` as `null` when not
/// known).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VirtualNetworkLinkProperties {
    /// The linked virtual network.
    #[serde(default)]
    pub virtual_network: Option<SubResource>,
    /// Whether virtual machines in the network register their names in the zone.
    #[serde(default)]
    pub registration_enabled: Option<bool>,
    /// `Default` or `NxDomainRedirect`.
    #[serde(default)]
    pub resolution_policy: Option<String>,
}

/// A reference to another resource by ID.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct SubResource {
    /// Its ARM ID.
    #[serde(default)]
    pub id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_put_body_carries_every_property() {
        let body = VirtualNetworkLink {
            location: Some("global".into()),
            tags: Some(BTreeMap::new()),
            properties: VirtualNetworkLinkProperties {
                virtual_network: Some(SubResource { id: None }),
                registration_enabled: Some(false),
                resolution_policy: Some("Default".into()),
            },
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "location": "global",
                "tags": {},
                "properties": {
                    "virtualNetwork": {"id": null},
                    "registrationEnabled": false,
                    "resolutionPolicy": "Default",
                }
            })
        );
    }

    #[test]
    fn a_sparse_response_reads() {
        let link: VirtualNetworkLink =
            serde_json::from_value(json!({"id": "x", "properties": {"virtualNetwork": null}}))
                .unwrap();
        assert_eq!(link, VirtualNetworkLink::default());
    }
}
