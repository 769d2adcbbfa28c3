//! ARM path parsing. ARM paths are matched case-insensitively, so every parsed segment keeps
//! its request casing (to echo names on create) and is compared through lowercase keys.

/// Canonical casing for the namespaces and types the emulator knows, keyed by lowercase.
const CANON: &[(&str, &str)] = &[
    ("microsoft.network", "Microsoft.Network"),
    (
        "microsoft.machinelearningservices",
        "Microsoft.MachineLearningServices",
    ),
    ("microsoft.storage", "Microsoft.Storage"),
    ("microsoft.keyvault", "Microsoft.KeyVault"),
    ("microsoft.containerregistry", "Microsoft.ContainerRegistry"),
    ("microsoft.insights", "Microsoft.Insights"),
    ("microsoft.managedidentity", "Microsoft.ManagedIdentity"),
    ("microsoft.resources", "Microsoft.Resources"),
    ("virtualnetworks", "virtualNetworks"),
    ("subnets", "subnets"),
    ("privateendpoints", "privateEndpoints"),
    ("privatednszonegroups", "privateDnsZoneGroups"),
    ("privatednszones", "privateDnsZones"),
    ("virtualnetworklinks", "virtualNetworkLinks"),
    ("privatelinkservices", "privateLinkServices"),
    ("networkinterfaces", "networkInterfaces"),
    ("workspaces", "workspaces"),
    ("outboundrules", "outboundRules"),
    ("privateendpointconnections", "privateEndpointConnections"),
    ("privatelinkresources", "privateLinkResources"),
    ("onlineendpoints", "onlineEndpoints"),
    ("deployments", "deployments"),
    ("computes", "computes"),
    ("storageaccounts", "storageAccounts"),
    ("vaults", "vaults"),
    ("registries", "registries"),
    ("components", "components"),
    ("userassignedidentities", "userAssignedIdentities"),
    ("a", "A"),
    ("aaaa", "AAAA"),
    ("cname", "CNAME"),
    ("mx", "MX"),
    ("ptr", "PTR"),
    ("soa", "SOA"),
    ("srv", "SRV"),
    ("txt", "TXT"),
];

/// Private DNS record types (lowercase) that appear as a path segment under a zone.
pub const DNS_RECORD_TYPES: &[&str] = &["a", "aaaa", "cname", "mx", "ptr", "soa", "srv", "txt"];

/// Returns the canonical casing of a known namespace or type segment, or the input unchanged.
pub fn canon(seg: &str) -> String {
    let l = seg.to_ascii_lowercase();
    CANON
        .iter()
        .find(|(k, _)| *k == l)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| seg.to_string())
}

/// A parsed ARM request path.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// `/subscriptions`
    Subscriptions,
    /// `/subscriptions/{sub}`
    Subscription { sub: String },
    /// `/subscriptions/{sub}/resourcegroups`
    ResourceGroups { sub: String },
    /// `/subscriptions/{sub}/resourcegroups/{rg}`
    ResourceGroup { sub: String, rg: String },
    /// `/subscriptions/{sub}/resourcegroups/{rg}/resources` (ARM's generic list of a group)
    ResourceGroupResources { sub: String, rg: String },
    /// `/subscriptions/{sub}/providers` or `/subscriptions/{sub}/providers/{ns}`
    Providers { sub: String, ns: Option<String> },
    /// `/subscriptions/{sub}/providers/{ns}/{type}` (subscription-wide list)
    SubList { sub: String, ns: String, ty: String },
    /// An async-operation URL: `.../{kind}/{id}` where kind is operationResults etc.
    Operation {
        sub: String,
        kind: String,
        id: String,
    },
    /// A resource, a child list or an action under a resource group.
    Resource(ResPath),
    /// Anything else.
    Unknown,
}

/// A resource path below `/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResPath {
    /// Subscription id as sent.
    pub sub: String,
    /// Resource group as sent.
    pub rg: String,
    /// Namespace as sent.
    pub ns: String,
    /// (type, name) pairs, outermost first.
    pub pairs: Vec<(String, String)>,
    /// Trailing segment: a child type to list or an action name.
    pub tail: Option<String>,
}

impl ResPath {
    /// Lowercase type key, e.g. `microsoft.network/privateendpoints/privatednszonegroups`.
    /// A trailing list segment is included (so a list has the type of its items).
    pub fn type_key(&self) -> String {
        let mut k = self.ns.to_ascii_lowercase();
        for (t, _) in &self.pairs {
            k.push('/');
            k.push_str(&t.to_ascii_lowercase());
        }
        k
    }

    /// Lowercase type key of the list target (`pairs` types plus the tail).
    pub fn list_type_key(&self) -> String {
        let mut k = self.type_key();
        if let Some(t) = &self.tail {
            k.push('/');
            k.push_str(&t.to_ascii_lowercase());
        }
        k
    }

    /// Lowercase storage key of the resource named by `pairs`.
    pub fn key(&self) -> String {
        key_of(&self.id_prefix(self.pairs.len()))
    }

    /// Lowercase storage key of the resource group.
    pub fn rg_key(&self) -> String {
        key_of(&format!(
            "/subscriptions/{}/resourceGroups/{}",
            self.sub, self.rg
        ))
    }

    /// Id (request casing) of the resource formed by the first `n` pairs.
    pub fn id_prefix(&self, n: usize) -> String {
        let mut s = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{}",
            self.sub, self.rg, self.ns
        );
        for (t, name) in self.pairs.iter().take(n) {
            s.push('/');
            s.push_str(t);
            s.push('/');
            s.push_str(name);
        }
        s
    }

    /// Name of the innermost resource.
    pub fn name(&self) -> &str {
        self.pairs.last().map(|(_, n)| n.as_str()).unwrap_or("")
    }

    /// `Ns/type/name/...` in canonical casing, for error messages.
    pub fn display(&self) -> String {
        let mut s = canon(&self.ns);
        for (t, n) in &self.pairs {
            s.push('/');
            s.push_str(&canon(t));
            s.push('/');
            s.push_str(n);
        }
        s
    }
}

/// Lowercase key used for every map lookup.
pub fn key_of(id: &str) -> String {
    id.trim_end_matches('/').to_ascii_lowercase()
}

/// Percent-decodes a path segment.
pub fn decode(seg: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", seg.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| seg.to_string())
}

const OP_KINDS: &[&str] = &[
    "operationresults",
    "operationstatuses",
    "operations",
    "privatednsoperationresults",
    "privatednsoperationstatuses",
    "asyncoperations",
    "mfeoperationresults",
    "mfeoperationsstatus",
];

/// Parses a request path (without query) into a [`Target`].
pub fn parse(path: &str) -> Target {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let l: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    if l.is_empty() || l[0] != "subscriptions" {
        return Target::Unknown;
    }
    if segs.len() == 1 {
        return Target::Subscriptions;
    }
    let sub = segs[1].clone();
    let n = segs.len();
    if n >= 4 && OP_KINDS.contains(&l[n - 2].as_str()) {
        return Target::Operation {
            sub,
            kind: l[n - 2].clone(),
            id: segs[n - 1].clone(),
        };
    }
    if n == 2 {
        return Target::Subscription { sub };
    }
    match l[2].as_str() {
        "resourcegroups" => {
            if n == 3 {
                return Target::ResourceGroups { sub };
            }
            let rg = segs[3].clone();
            if n == 4 {
                return Target::ResourceGroup { sub, rg };
            }
            if n == 5 && l[4] == "resources" {
                return Target::ResourceGroupResources { sub, rg };
            }
            if l[4] != "providers" || n < 7 {
                return Target::Unknown;
            }
            let ns = segs[5].clone();
            let rest = &segs[6..];
            let mut pairs = Vec::new();
            let mut i = 0;
            while i + 1 < rest.len() {
                pairs.push((rest[i].clone(), rest[i + 1].clone()));
                i += 2;
            }
            let tail = if i < rest.len() {
                Some(rest[i].clone())
            } else {
                None
            };
            Target::Resource(ResPath {
                sub,
                rg,
                ns,
                pairs,
                tail,
            })
        }
        "providers" => match n {
            3 => Target::Providers { sub, ns: None },
            4 => Target::Providers {
                sub,
                ns: Some(segs[3].clone()),
            },
            5 => Target::SubList {
                sub,
                ns: segs[3].clone(),
                ty: segs[4].clone(),
            },
            _ => Target::Unknown,
        },
        _ => Target::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_child_and_list() {
        let t = parse("/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/outboundRules");
        match t {
            Target::Resource(p) => {
                assert_eq!(p.type_key(), "microsoft.machinelearningservices/workspaces");
                assert_eq!(p.tail.as_deref(), Some("outboundRules"));
                assert_eq!(p.name(), "ws");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            parse("/subscriptions/s/providers/Microsoft.Network/locations/eastus/operations/abc"),
            Target::Operation { .. }
        ));
        assert!(matches!(
            parse("/subscriptions/s/resourcegroups/x"),
            Target::ResourceGroup { .. }
        ));
    }
}
