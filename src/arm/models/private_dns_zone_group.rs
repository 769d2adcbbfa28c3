//! `Microsoft.Network/privateEndpoints/privateDnsZoneGroups` (api-version `NETWORK`): the private
//! DNS zones a private endpoint is registered in, with the A records Azure keeps there.

use serde::{Deserialize, Serialize};

/// A zone group as ARM returns it (or lists it), and the body of a PUT (its zone configs).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneGroup {
    /// The group's ARM ID (responses only).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// The group's properties.
    #[serde(default)]
    pub properties: PrivateDnsZoneGroupProperties,
}

/// The properties of a zone group.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneGroupProperties {
    /// One config per zone.
    #[serde(default, deserialize_with = "super::private_endpoint::nullable_list")]
    pub private_dns_zone_configs: Vec<ZoneConfig>,
}

/// One zone of a group.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ZoneConfig {
    /// The config name (the zone's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The config's properties.
    #[serde(default)]
    pub properties: ZoneConfigProperties,
}

/// The properties of a zone config.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ZoneConfigProperties {
    /// The zone's ARM ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_dns_zone_id: Option<String>,
    /// The records Azure keeps for the endpoint in the zone (responses only).
    #[serde(
        default,
        deserialize_with = "super::private_endpoint::nullable_list",
        skip_serializing
    )]
    pub record_sets: Vec<RecordSet>,
}

/// An A record set of the endpoint in one zone.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RecordSet {
    /// The record name within the zone.
    #[serde(default)]
    pub record_set_name: Option<String>,
    /// The full name.
    #[serde(default)]
    pub fqdn: Option<String>,
    /// The time to live in seconds.
    #[serde(default)]
    pub ttl: Option<i64>,
    /// The endpoint's addresses.
    #[serde(default, deserialize_with = "super::private_endpoint::nullable_list")]
    pub ip_addresses: Vec<String>,
}
