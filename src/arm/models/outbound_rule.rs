//! `Microsoft.MachineLearningServices/workspaces/outboundRules`: an outbound rule of a
//! workspace's managed network.

// ---------------------------------------------------------------------------------------------
// A rule as the workspace's rule listing returns it, for the
// `aml_managed_network_outbound_rules` data source. Read only; every field is optional.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

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

// ---------------------------------------------------------------------------------------------
// A rule as `aml_managed_network_outbound_rule` writes and reads it (api-version `ML`): its `type`
// says what its `destination` is (a host name, a service tag with ports, or a private endpoint to
// an Azure resource), so the two are read and written together as one [`Destination`].

/// A rule as ARM returns or lists it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OutboundRule {
    /// The rule's properties.
    #[serde(default)]
    pub properties: RuleProperties,
}

/// A rule's properties: what a write sends (`type`, `category`, `destination`, `fqdns`), and
/// what the service reports (`status`, `errorInformation`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RuleProperties {
    /// `UserDefined` for the rules the provider writes; `Required`, `Recommended` or
    /// `Dependency` for the service's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// `type` and `destination` together; `None` for a type this provider does not know.
    #[serde(flatten)]
    pub destination: Option<Destination>,
    /// Host names resolved to a private endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fqdns: Option<Vec<String>>,
    /// `Inactive`, `Active` or `Failed` (responses only).
    #[serde(default, skip_serializing)]
    pub status: Option<String>,
    /// The service's error when the status is `Failed` (responses only).
    #[serde(default, skip_serializing)]
    pub error_information: Option<String>,
}

/// A rule's `type` with its `destination`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(tag = "type", content = "destination")]
pub enum Destination {
    /// A host name, optionally with a leading `*.`.
    #[serde(rename = "FQDN")]
    Fqdn(Option<String>),
    /// A service tag (or address prefixes) with protocol and ports.
    ServiceTag(ServiceTagDestination),
    /// A private endpoint to an Azure resource.
    PrivateEndpoint(PrivateEndpointDestination),
}

/// The destination of a service-tag rule.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceTagDestination {
    /// The service tag (absent when the rule uses address prefixes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tag: Option<String>,
    /// `TCP`, `UDP`, `ICMP` or `*`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Ports and ranges, or `*`.
    #[serde(default)]
    pub port_ranges: Option<String>,
    /// `Allow` or `Deny`.
    #[serde(default)]
    pub action: Option<String>,
    /// Address prefixes instead of the tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_prefixes: Option<Vec<String>>,
}

/// The destination of a private-endpoint rule.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointDestination {
    /// The ARM ID of the target resource.
    #[serde(default)]
    pub service_resource_id: Option<String>,
    /// The sub-resource (group ID).
    #[serde(default)]
    pub subresource_target: Option<String>,
    /// Whether Spark jobs may use the endpoint (`false` when absent).
    #[serde(default)]
    pub spark_enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_and_destination_read_together_and_unknown_types_read_as_none() {
        let listed = json!({"name": "pe", "properties": {"type": "PrivateEndpoint", "category": "UserDefined",
            "status": "Active", "errorInformation": null, "parentRuleNames": [],
            "destination": {"serviceResourceId": "/x", "subresourceTarget": "blob", "sparkStatus": "Inactive"},
            "fqdns": ["a.b"]}});
        let r = OutboundRule::deserialize(&listed).unwrap();
        assert_eq!(
            r.properties.destination,
            Some(Destination::PrivateEndpoint(PrivateEndpointDestination {
                service_resource_id: Some("/x".into()),
                subresource_target: Some("blob".into()),
                spark_enabled: false,
            }))
        );
        assert_eq!(r.properties.status.as_deref(), Some("Active"));
        assert_eq!(r.properties.fqdns, Some(vec!["a.b".to_string()]));
        let other = json!({"properties": {"type": "Something", "category": "UserDefined", "destination": 1, "status": "Active"}});
        let r = OutboundRule::deserialize(&other).unwrap();
        assert_eq!(r.properties.destination, None);
        assert_eq!(r.properties.status.as_deref(), Some("Active"));
        let fqdn = json!({"properties": {"type": "FQDN", "destination": "pypi.org"}});
        assert_eq!(
            OutboundRule::deserialize(&fqdn)
                .unwrap()
                .properties
                .destination,
            Some(Destination::Fqdn(Some("pypi.org".into())))
        );
    }

    #[test]
    fn a_request_carries_only_what_was_set() {
        let tag = RuleProperties {
            category: Some("UserDefined".into()),
            destination: Some(Destination::ServiceTag(ServiceTagDestination {
                protocol: Some("TCP".into()),
                port_ranges: Some("443".into()),
                action: Some("Allow".into()),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&tag).unwrap(),
            json!({"type": "ServiceTag", "category": "UserDefined", "destination": {
                "protocol": "TCP", "portRanges": "443", "action": "Allow"}})
        );
        let fqdn = RuleProperties {
            category: Some("UserDefined".into()),
            destination: Some(Destination::Fqdn(Some("pypi.org".into()))),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&fqdn).unwrap(),
            json!({"type": "FQDN", "category": "UserDefined", "destination": "pypi.org"})
        );
    }
}
