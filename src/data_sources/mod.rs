//! Data sources, one file per type (the file name is the type without `aml_`), listed once in
//! [`all`].

pub mod isolation_findings;
pub mod managed_network_outbound_rules;
pub mod private_dns_zone_names;
pub mod workspace;
pub mod workspace_isolation;

use std::sync::Arc;

use crate::provider::ConfiguredProvider;
use crate::tfplugin::traits::DataSource;

/// Every data source type, in documentation order.
pub fn all() -> Vec<Arc<dyn DataSource<ConfiguredProvider>>> {
    vec![
        Arc::new(private_dns_zone_names::PrivateDnsZoneNames),
        Arc::new(workspace::Workspace),
        Arc::new(managed_network_outbound_rules::ManagedNetworkOutboundRules),
        Arc::new(workspace_isolation::WorkspaceIsolation),
    ]
}
