//! `Microsoft.Network/privateEndpoints` (api-version `NETWORK`): a private endpoint with its one
//! private link service connection (auto-approved or manual), its network interface, the names
//! it serves and its static IP configurations. Zone groups are child resources, never part of
//! the body.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// A private endpoint as ARM returns it, and the body of a PUT. Read-only fields are never sent;
/// both connection lists always are (one of them empty).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpoint {
    /// The Azure region.
    #[serde(default)]
    pub location: Option<String>,
    /// Tags (a PUT always sends them, an empty object when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// The endpoint's properties.
    #[serde(default)]
    pub properties: PrivateEndpointProperties,
}

/// The properties of a private endpoint.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointProperties {
    /// The subnet the endpoint takes its private IP from.
    #[serde(default)]
    pub subnet: SubResource,
    /// The auto-approved connection (at most one).
    #[serde(default, deserialize_with = "nullable_list")]
    pub private_link_service_connections: Vec<Connection>,
    /// The connection that awaits approval by the target's owner (at most one).
    #[serde(default, deserialize_with = "nullable_list")]
    pub manual_private_link_service_connections: Vec<Connection>,
    /// The name of the endpoint's network interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_network_interface_name: Option<String>,
    /// Static IP addresses, one per member of the sub-resource.
    #[serde(
        default,
        deserialize_with = "nullable_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ip_configurations: Vec<IpConfiguration>,
    /// `Succeeded`, `Failed`, `Updating`, … (responses only).
    #[serde(default, skip_serializing)]
    pub provisioning_state: Option<String>,
    /// The endpoint's network interfaces (responses only).
    #[serde(default, deserialize_with = "nullable_list", skip_serializing)]
    pub network_interfaces: Vec<SubResource>,
    /// The names the endpoint serves with their addresses (responses only).
    #[serde(default, deserialize_with = "nullable_list", skip_serializing)]
    pub custom_dns_configs: Vec<CustomDnsConfig>,
}

/// A reference to another resource by ID.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct SubResource {
    /// Its ARM ID (sent as `null` when unset).
    #[serde(default)]
    pub id: Option<String>,
}

/// A private link service connection: the target and the sub-resource the endpoint reaches.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// The connection name (the endpoint's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The connection's properties.
    #[serde(default)]
    pub properties: ConnectionProperties,
}

/// The properties of a private link service connection.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionProperties {
    /// The target's ARM ID.
    #[serde(default)]
    pub private_link_service_id: Option<String>,
    /// The sub-resource (exactly one).
    #[serde(default, deserialize_with = "nullable_list")]
    pub group_ids: Vec<String>,
    /// The message for the target's owner (manual connections).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_message: Option<String>,
    /// The approval state (responses only).
    #[serde(default, skip_serializing)]
    pub private_link_service_connection_state: Option<ConnectionState>,
}

/// The approval state of a connection.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionState {
    /// `Approved`, `Pending`, `Rejected` or `Disconnected`.
    #[serde(default)]
    pub status: Option<String>,
    /// The reason given.
    #[serde(default)]
    pub description: Option<String>,
    /// What the consumer must do.
    #[serde(default)]
    pub actions_required: Option<String>,
}

/// A static IP configuration.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct IpConfiguration {
    /// Its name (sent as `null` when unset).
    #[serde(default)]
    pub name: Option<String>,
    /// Its properties.
    #[serde(default)]
    pub properties: IpConfigurationProperties,
}

/// The properties of a static IP configuration.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IpConfigurationProperties {
    /// The address (sent as `null` when unset).
    #[serde(default, rename = "privateIPAddress")]
    pub private_ip_address: Option<String>,
    /// The sub-resource of the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The member of the sub-resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_name: Option<String>,
}

/// A name the endpoint serves, with its addresses.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomDnsConfig {
    /// The name.
    #[serde(default)]
    pub fqdn: Option<String>,
    /// Its private addresses.
    #[serde(default, deserialize_with = "nullable_list")]
    pub ip_addresses: Vec<String>,
}

impl PrivateEndpoint {
    /// The endpoint's one connection (the auto-approved list first) and whether it is manual.
    pub fn connection(&self) -> Option<(&Connection, bool)> {
        let p = &self.properties;
        p.private_link_service_connections
            .first()
            .map(|c| (c, false))
            .or_else(|| {
                p.manual_private_link_service_connections
                    .first()
                    .map(|c| (c, true))
            })
    }

    /// The connection's approval status, if ARM reported one.
    pub fn connection_status(&self) -> Option<&str> {
        let (c, _) = self.connection()?;
        c.properties
            .private_link_service_connection_state
            .as_ref()?
            .status
            .as_deref()
    }

    /// The target of the first connection (either list) that names one.
    pub fn target(&self) -> Option<&str> {
        let p = &self.properties;
        [
            &p.private_link_service_connections,
            &p.manual_private_link_service_connections,
        ]
        .into_iter()
        .find_map(|l| l.first()?.properties.private_link_service_id.as_deref())
    }
}

/// A list ARM may send as `null`: it reads as empty.
pub(super) fn nullable_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
