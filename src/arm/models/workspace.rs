//! `Microsoft.MachineLearningServices/workspaces`: typed views of a workspace body, one section
//! per part the provider reads.

use serde::{Deserialize, Deserializer};

use crate::arm::network_acls::same_rule;

// ---------------------------------------------------------------------------------------------
// Inbound access: `properties.publicNetworkAccess` and `properties.networkAcls` (preview
// api-version `ML_NETWORK_ACLS`), as `aml_network_rule` and `aml_workspace_network_access` read
// them. Their writes are edits of the JSON body inside the coordinator (`arm::network_acls`).

/// The inbound access of a workspace, from its body.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct WorkspaceInbound {
    /// The workspace's properties (only the inbound ones).
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: InboundProperties,
}

/// `publicNetworkAccess` and `networkAcls` of a workspace's properties.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct InboundProperties {
    /// `Enabled` or `Disabled`, if set.
    #[serde(default)]
    pub public_network_access: Option<String>,
    /// The default action and the IP rules.
    #[serde(default, deserialize_with = "null_as_default")]
    pub network_acls: NetworkAcls,
}

/// `properties.networkAcls`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NetworkAcls {
    /// `Allow` or `Deny`, if set.
    #[serde(default)]
    pub default_action: Option<String>,
    /// The IP rules, in order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ip_rules: Vec<IpRule>,
}

/// One entry of `networkAcls.ipRules`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct IpRule {
    /// The IPv4 address or CIDR range.
    #[serde(default)]
    pub value: Option<String>,
}

impl WorkspaceInbound {
    /// `properties.publicNetworkAccess`, if set.
    pub fn public_network_access(&self) -> Option<&str> {
        self.properties.public_network_access.as_deref()
    }

    /// `properties.networkAcls.defaultAction`, if set.
    pub fn default_action(&self) -> Option<&str> {
        self.properties.network_acls.default_action.as_deref()
    }

    /// The default action in effect: a workspace without one admits everyone, as `Allow` does.
    pub fn effective_default_action(&self) -> &str {
        self.default_action().unwrap_or("Allow")
    }

    /// Whether the workspace has a rule for `ip` (`1.2.3.4` and `1.2.3.4/32` are the same).
    pub fn has_ip_rule(&self, ip: &str) -> bool {
        self.properties
            .network_acls
            .ip_rules
            .iter()
            .filter_map(|r| r.value.as_deref())
            .any(|r| same_rule(r, ip))
    }

    /// Why IP rules would have no effect on this workspace now, if they would not.
    pub fn rules_ineffective_reason(&self) -> Option<String> {
        if self
            .public_network_access()
            .is_some_and(|p| p.eq_ignore_ascii_case("Disabled"))
        {
            return Some(
                "its public network access is Disabled, so no public address reaches it"
                    .to_string(),
            );
        }
        if self
            .effective_default_action()
            .eq_ignore_ascii_case("Allow")
        {
            return Some(
                "its default action is Allow, so every public address reaches it".to_string(),
            );
        }
        None
    }
}

/// An absent or `null` value reads as the default.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod inbound_tests {
    use super::*;
    use serde_json::json;

    fn read(body: serde_json::Value) -> WorkspaceInbound {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn inbound_settings_read_with_nulls_and_absences() {
        let w = read(json!({"properties": {
            "publicNetworkAccess": "Enabled",
            "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "52.0.0.1"}, {}, {"value": "52.1.0.0/16"}]},
            "other": 1,
        }}));
        assert_eq!(w.public_network_access(), Some("Enabled"));
        assert_eq!(w.default_action(), Some("Deny"));
        assert!(w.has_ip_rule("52.0.0.1/32"));
        assert!(w.has_ip_rule("52.1.0.0/16"));
        assert!(!w.has_ip_rule("52.1.0.0/24"));
        for body in [
            json!({}),
            json!({"properties": null}),
            json!({"properties": {"networkAcls": null}}),
            json!({"properties": {"networkAcls": {"ipRules": null}}}),
        ] {
            let w = read(body);
            assert_eq!(w, WorkspaceInbound::default());
            assert_eq!(w.effective_default_action(), "Allow");
            assert!(!w.has_ip_rule("52.0.0.1"));
        }
    }
}
