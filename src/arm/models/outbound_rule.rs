//! `Microsoft.MachineLearningServices/workspaces/outboundRules`: an outbound rule of a
//! workspace's managed network.

// ---------------------------------------------------------------------------------------------
// A rule as the workspace's rule listing returns it, for the
// `aml_managed_network_outbound_rules` data source. Read only; every field is optional.

use serde::de::IgnoredAny;
use serde::Deserialize;

/// One rule of a listing (`workspaces/{ws}/outboundRules`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RuleListing {
    /// The rule name.
    pub name: Option<String>,
    /// The rule's ARM ID.
    pub id: Option<String>,
    /// The rule's properties.
    pub properties: Option<RuleListingProperties>,
}

impl RuleListing {
    /// The rule's name: `name`, else the last segment of `id` (as `outbound_rules::name_of`).
    pub fn name(&self) -> String {
        self.name
            .clone()
            .or_else(|| {
                self.id
                    .as_deref()
                    .and_then(|i| i.rsplit('/').next())
                    .map(str::to_string)
            })
            .unwrap_or_default()
    }
}

/// The properties of a listed rule.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleListingProperties {
    /// `Required`, `Recommended`, `Dependency` (system rules) or `UserDefined`.
    pub category: Option<String>,
    /// `FQDN`, `ServiceTag` or `PrivateEndpoint`.
    pub r#type: Option<String>,
    /// The destination: a host name for an FQDN rule, an object otherwise.
    pub destination: Option<RuleListingDestination>,
    /// The host names a private-endpoint rule resolves.
    pub fqdns: Option<Vec<String>>,
    /// `Active`, `Inactive` or `Failed`.
    pub status: Option<String>,
    /// Why the rule failed.
    pub error_information: Option<String>,
}

/// A listed rule's destination.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum RuleListingDestination {
    /// An FQDN rule's host name.
    Host(String),
    /// A service-tag or private-endpoint rule's destination.
    Target(RuleListingTarget),
    /// Anything else (read as no destination).
    Other(IgnoredAny),
}

/// The destination of a service-tag or private-endpoint rule.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleListingTarget {
    /// A private-endpoint rule's target resource ID.
    pub service_resource_id: Option<String>,
    /// A private-endpoint rule's sub-resource.
    pub subresource_target: Option<String>,
    /// A service-tag rule's service tag.
    pub service_tag: Option<String>,
    /// A service-tag rule's address prefixes (when it has no tag).
    pub address_prefixes: Option<Vec<String>>,
    /// `TCP`, `UDP`, `ICMP` or `*`.
    pub protocol: Option<String>,
    /// Ports, e.g. `443` or `80,443`.
    pub port_ranges: Option<String>,
}
