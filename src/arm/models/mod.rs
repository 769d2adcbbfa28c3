//! Typed ARM bodies: the requests and responses of each resource type the provider manages or
//! reads, as serde structs holding only the fields the provider uses. Bodies that a PUT sends
//! back after a read keep every other field in a flattened `extra` map, so nothing the provider
//! does not manage is lost. Absent fields deserialize as `None` or empty, so a body of an older
//! or newer api-version still reads.

pub mod container_registry;
pub mod dependency;
pub mod online_endpoint;
pub mod outbound_rule;
pub mod private_dns_zone;
pub mod private_dns_zone_group;
pub mod private_endpoint;
pub mod virtual_network;
pub mod virtual_network_link;
pub mod workspace;
