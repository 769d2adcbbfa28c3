//! Managed resources, one file per type (the file name is the type without `aml_`), listed once
//! in [`all`].

pub mod managed_network_outbound_rule;
pub mod network_rule;
pub mod workspace_managed_network;
pub mod workspace_network_access;

use std::sync::Arc;

use crate::provider::AmlClient;
use crate::tfplugin::traits::Resource;

/// Every resource type, in documentation order.
pub fn all() -> Vec<Arc<dyn Resource<AmlClient>>> {
    vec![
        Arc::new(managed_network_outbound_rule::ManagedNetworkOutboundRule),
        Arc::new(network_rule::NetworkRule),
        Arc::new(workspace_managed_network::WorkspaceManagedNetwork),
        Arc::new(workspace_network_access::WorkspaceNetworkAccess),
    ]
}
