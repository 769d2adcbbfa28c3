//! Edits of a workspace's inbound settings, as JSON: `properties.networkAcls` (`defaultAction`,
//! `ipRules[{value}]`) and `properties.publicNetworkAccess`. They exist only in the preview
//! api-version [`super::api_versions::ML_NETWORK_ACLS`]. These functions run inside a
//! [`super::coordination::Coordinator`] edit: each decides from the body it is given, changes
//! only what it owns (never another rule), and says what happened. The resources read the same
//! settings typed, as [`super::models::workspace::WorkspaceInbound`].

use std::net::Ipv4Addr;

use serde_json::{json, Value};

/// The service's limit of IP rules per workspace.
pub const MAX_IP_RULES: usize = 200;

/// An IPv4 address or CIDR range, as the service compares them (`1.2.3.4` = `1.2.3.4/32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Net {
    /// The address.
    pub addr: Ipv4Addr,
    /// The prefix length (32 for a single address).
    pub prefix: u8,
}

impl Ipv4Net {
    /// Parses `a.b.c.d` or `a.b.c.d/n` (no further checks).
    pub fn parse(s: &str) -> Option<Ipv4Net> {
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a, p.parse::<u8>().ok().filter(|p| *p <= 32)?)
            }
            None => (s.trim(), 32),
        };
        let addr: Ipv4Addr = a.parse().ok()?;
        Some(Ipv4Net { addr, prefix: p })
    }

    /// The network address (host bits cleared).
    pub fn network(&self) -> Ipv4Addr {
        let mask = if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - self.prefix)
        };
        Ipv4Addr::from(u32::from(self.addr) & mask)
    }

    /// Whether `self` lies wholly inside `other`.
    pub fn within(&self, other: &Ipv4Net) -> bool {
        self.prefix >= other.prefix
            && Ipv4Net {
                addr: self.addr,
                prefix: other.prefix,
            }
            .network()
                == other.network()
    }
}

/// Whether two rule values name the same range (`1.2.3.4` and `1.2.3.4/32` do).
pub fn same_rule(a: &str, b: &str) -> bool {
    match (Ipv4Net::parse(a), Ipv4Net::parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

/// The IP rule values of a workspace body, in order.
pub fn ip_rules(workspace: &Value) -> Vec<String> {
    workspace
        .pointer("/properties/networkAcls/ipRules")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.get("value").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the workspace has a rule for `ip`.
pub fn has_rule(workspace: &Value, ip: &str) -> bool {
    ip_rules(workspace).iter().any(|r| same_rule(r, ip))
}

/// `properties.publicNetworkAccess`, if set.
pub fn public_network_access(workspace: &Value) -> Option<&str> {
    workspace
        .pointer("/properties/publicNetworkAccess")
        .and_then(Value::as_str)
}

/// `properties.networkAcls.defaultAction`, if set.
pub fn default_action(workspace: &Value) -> Option<&str> {
    workspace
        .pointer("/properties/networkAcls/defaultAction")
        .and_then(Value::as_str)
}

/// What adding an IP rule did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddOutcome {
    /// The rule was added (or an earlier attempt of this edit had added it).
    Added,
    /// The rule was there before this edit: someone else created it.
    AlreadyPresent,
    /// The workspace holds the maximum number of rules; nothing changed.
    LimitReached(usize),
}

/// An edit that adds `ip`. Keep one per caller: it remembers whether it has already put the rule
/// in a body, so that finding its own rule after a re-read (a 412 or an unknown outcome) is
/// not mistaken for someone else's.
#[derive(Clone, Debug)]
pub struct AddIpRule {
    ip: String,
    attempted: bool,
}

impl AddIpRule {
    /// An edit adding `ip` (an IPv4 address or CIDR, written as the user wrote it).
    pub fn new(ip: impl Into<String>) -> Self {
        AddIpRule {
            ip: ip.into(),
            attempted: false,
        }
    }

    /// Applies the edit to a workspace body.
    pub fn apply(&mut self, workspace: &mut Value) -> AddOutcome {
        if has_rule(workspace, &self.ip) {
            return if self.attempted {
                AddOutcome::Added
            } else {
                AddOutcome::AlreadyPresent
            };
        }
        let rules = rules_mut(workspace);
        if rules.len() >= MAX_IP_RULES {
            return AddOutcome::LimitReached(rules.len());
        }
        rules.push(json!({ "value": self.ip }));
        self.attempted = true;
        AddOutcome::Added
    }
}

/// Removes the rule for `ip`, leaving every other rule; returns whether it was there.
pub fn remove_ip_rule(workspace: &mut Value, ip: &str) -> bool {
    if !has_rule(workspace, ip) {
        return false;
    }
    rules_mut(workspace).retain(|r| {
        !r.get("value")
            .and_then(Value::as_str)
            .is_some_and(|v| same_rule(v, ip))
    });
    true
}

/// The inbound settings of a workspace, as the access resource manages and records them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// `Enabled` or `Disabled`; `None` leaves it (or found it) unset.
    pub public_network_access: Option<String>,
    /// `Allow` or `Deny`; `None` leaves it (or found it) unset.
    pub default_action: Option<String>,
}

/// The workspace's current settings.
pub fn access(workspace: &Value) -> Access {
    Access {
        public_network_access: public_network_access(workspace).map(str::to_string),
        default_action: default_action(workspace).map(str::to_string),
    }
}

/// Sets the given settings (`None` fields are left alone) and returns the ones found before.
pub fn set_access(workspace: &mut Value, want: &Access) -> Access {
    let prior = access(workspace);
    if !workspace.get("properties").is_some_and(Value::is_object) {
        workspace["properties"] = json!({});
    }
    if let Some(p) = &want.public_network_access {
        workspace["properties"]["publicNetworkAccess"] = json!(p);
    }
    if let Some(d) = &want.default_action {
        acls_mut(workspace)["defaultAction"] = json!(d);
    }
    prior
}

fn acls_mut(workspace: &mut Value) -> &mut Value {
    if !workspace.get("properties").is_some_and(Value::is_object) {
        workspace["properties"] = json!({});
    }
    let props = &mut workspace["properties"];
    if !props.get("networkAcls").is_some_and(Value::is_object) {
        props["networkAcls"] = json!({});
    }
    &mut props["networkAcls"]
}

fn rules_mut(workspace: &mut Value) -> &mut Vec<Value> {
    let acls = acls_mut(workspace);
    if !acls.get("ipRules").is_some_and(Value::is_array) {
        acls["ipRules"] = json!([]);
    }
    acls["ipRules"].as_array_mut().expect("ipRules is an array")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::models::workspace::WorkspaceInbound;

    /// The typed inbound settings of a body (see `models::workspace`).
    fn inbound(w: &Value) -> WorkspaceInbound {
        serde_json::from_value(w.clone()).unwrap()
    }

    fn ws(rules: &[&str]) -> Value {
        json!({"properties": {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Deny", "ipRules": rules.iter().map(|r| json!({"value": r})).collect::<Vec<_>>()}}})
    }

    #[test]
    fn same_rule_cases() {
        for (a, b, same) in [
            ("52.1.2.3", "52.1.2.3/32", true),
            ("52.1.2.3", "52.1.2.4", false),
            ("52.1.0.0/16", "52.1.0.0/16", true),
            ("52.1.0.0/16", "52.1.0.0/24", false),
            (" 52.1.2.3 ", "52.1.2.3", true),
        ] {
            assert_eq!(same_rule(a, b), same, "{a} vs {b}");
        }
    }

    #[test]
    fn add_remove_keep_other_rules() {
        let mut w = ws(&["52.0.0.1", "52.0.0.2/32"]);
        let mut add = AddIpRule::new("52.0.0.3");
        assert_eq!(add.apply(&mut w), AddOutcome::Added);
        // Applied again to the body that now has it (a re-read after an unknown outcome).
        assert_eq!(add.apply(&mut w), AddOutcome::Added);
        assert_eq!(
            AddIpRule::new("52.0.0.2").apply(&mut w),
            AddOutcome::AlreadyPresent
        );
        assert!(remove_ip_rule(&mut w, "52.0.0.2"));
        assert!(!remove_ip_rule(&mut w, "52.0.0.9"));
        assert_eq!(ip_rules(&w), vec!["52.0.0.1", "52.0.0.3"]);
    }

    #[test]
    fn add_to_a_workspace_without_acls_and_limit() {
        let mut w = json!({"properties": {}});
        assert_eq!(AddIpRule::new("52.0.0.1").apply(&mut w), AddOutcome::Added);
        assert_eq!(ip_rules(&w), vec!["52.0.0.1"]);
        let full: Vec<String> = (0..200)
            .map(|i| format!("52.0.{}.{}", i / 250, i % 250 + 1))
            .collect();
        let mut w = ws(&full.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            AddIpRule::new("53.0.0.1").apply(&mut w),
            AddOutcome::LimitReached(200)
        );
        assert_eq!(ip_rules(&w).len(), 200);
    }

    #[test]
    fn access_set_and_prior() {
        let mut w = json!({"properties": {"publicNetworkAccess": "Enabled"}});
        let prior = set_access(
            &mut w,
            &Access {
                public_network_access: Some("Enabled".into()),
                default_action: Some("Deny".into()),
            },
        );
        assert_eq!(
            prior,
            Access {
                public_network_access: Some("Enabled".into()),
                default_action: None
            }
        );
        assert_eq!(default_action(&w), Some("Deny"));
        assert_eq!(inbound(&w).rules_ineffective_reason(), None);
        set_access(
            &mut w,
            &Access {
                public_network_access: Some("Disabled".into()),
                default_action: None,
            },
        );
        assert!(inbound(&w)
            .rules_ineffective_reason()
            .unwrap()
            .contains("Disabled"));
        assert!(inbound(&json!({"properties": {}}))
            .rules_ineffective_reason()
            .unwrap()
            .contains("Allow"));
    }

    #[test]
    fn networks() {
        let n = Ipv4Net::parse("52.1.2.3/16").unwrap();
        assert_eq!(n.network(), Ipv4Addr::new(52, 1, 0, 0));
        assert!(Ipv4Net::parse("52.1.2.3/33").is_none());
        assert!(Ipv4Net::parse("52.1.2").is_none());
        assert!(Ipv4Net::parse("10.1.0.0/16")
            .unwrap()
            .within(&Ipv4Net::parse("10.0.0.0/8").unwrap()));
        assert!(!Ipv4Net::parse("11.0.0.0/8")
            .unwrap()
            .within(&Ipv4Net::parse("10.0.0.0/8").unwrap()));
        assert!(!Ipv4Net::parse("0.0.0.0/0")
            .unwrap()
            .within(&Ipv4Net::parse("10.0.0.0/8").unwrap()));
    }
}
