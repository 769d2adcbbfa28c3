//! Managed resources, one file per type (the file name is the type without `aml_`), listed once
//! in [`all`].

pub(crate) mod common;
pub mod managed_network_outbound_rule;
pub mod network_rule;
pub mod online_endpoint;
pub mod private_dns_zone;
pub mod private_dns_zone_group;
pub mod private_dns_zone_virtual_network_link;
pub mod private_endpoint;
mod private_link;
pub mod workspace_image_build;
pub mod workspace_managed_network;
pub mod workspace_network_access;

use std::sync::Arc;

use crate::provider::ConfiguredProvider;
use crate::tfplugin::traits::Resource;

/// Every resource type, in documentation order.
pub fn all() -> Vec<Arc<dyn Resource<ConfiguredProvider>>> {
    vec![
        Arc::new(private_endpoint::PrivateEndpoint),
        Arc::new(private_dns_zone_group::PrivateDnsZoneGroup),
        Arc::new(private_dns_zone::PrivateDnsZone),
        Arc::new(private_dns_zone_virtual_network_link::PrivateDnsZoneVirtualNetworkLink),
        Arc::new(network_rule::NetworkRule),
        Arc::new(workspace_network_access::WorkspaceNetworkAccess),
        Arc::new(workspace_managed_network::WorkspaceManagedNetwork),
        Arc::new(workspace_image_build::WorkspaceImageBuild),
        Arc::new(managed_network_outbound_rule::ManagedNetworkOutboundRule),
        Arc::new(online_endpoint::OnlineEndpointResource),
    ]
}
