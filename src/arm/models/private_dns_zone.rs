//! `Microsoft.Network/privateDnsZones` (api-version `PRIVATE_DNS`): a private DNS zone. Its
//! location is always `global`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A private DNS zone as ARM returns it, and the body of a create (`location` and `tags`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZone {
    /// The zone's ARM ID (responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Always `global`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// Read-only counts and limits.
    #[serde(default, skip_serializing)]
    pub properties: PrivateDnsZoneProperties,
}

/// The zone's read-only counts and limits.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateDnsZoneProperties {
    /// Record sets in the zone (the SOA record included).
    pub number_of_record_sets: Option<i64>,
    /// The most record sets the zone can hold.
    pub max_number_of_record_sets: Option<i64>,
    /// Virtual networks linked to the zone.
    pub number_of_virtual_network_links: Option<i64>,
    /// The most virtual networks the zone can be linked to.
    pub max_number_of_virtual_network_links: Option<i64>,
    /// Linked virtual networks with auto-registration.
    pub number_of_virtual_network_links_with_registration: Option<i64>,
    /// The most linked virtual networks with auto-registration.
    pub max_number_of_virtual_network_links_with_registration: Option<i64>,
}

/// The body of a tags update (PATCH).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct TagsPatch {
    /// The new tags (all of them).
    pub tags: BTreeMap<String, String>,
}
