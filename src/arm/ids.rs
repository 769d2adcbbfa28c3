//! Typed ARM resource IDs for every resource type the provider touches.
//!
//! User input is parsed strictly ([`SubnetId::parse`] and friends): the structure must be exact,
//! only the casing of the fixed segments is forgiven, and a rejection says which segment is wrong
//! and what was expected. API output is parsed leniently (`parse_lenient`: any casing, a trailing
//! slash, surrounding whitespace). `Display` and `AsRef<str>` give the canonical path. Child IDs
//! are built from the parent's typed ID (`WorkspaceId::outbound_rule`), never by splicing strings,
//! so a child always lives in its parent's subscription (building an outbound rule's ID from the
//! provider's subscription instead of the workspace's would point at the wrong workspace).

use std::fmt;

/// A user-supplied ID did not have the expected shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdError {
    /// The full, readable explanation.
    pub message: String,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for IdError {}

impl From<IdError> for super::error::ArmError {
    fn from(e: IdError) -> Self {
        super::error::ArmError::config(e.message)
    }
}

/// Any ARM resource ID: subscription, optional resource group, optional provider namespace and a
/// chain of `(type, name)` pairs. The canonical path is computed once and kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceId {
    subscription: String,
    resource_group: Option<String>,
    namespace: Option<String>,
    types: Vec<(String, String)>,
    path: String,
}

impl ResourceId {
    /// Builds an ID from its parts. `types` pairs are `(type, name)`, outermost first.
    pub fn new(
        subscription: &str,
        resource_group: Option<&str>,
        namespace: Option<&str>,
        types: Vec<(String, String)>,
    ) -> ResourceId {
        let mut path = format!("/subscriptions/{subscription}");
        if let Some(rg) = resource_group {
            path.push_str("/resourceGroups/");
            path.push_str(rg);
        }
        if let Some(ns) = namespace {
            path.push_str("/providers/");
            path.push_str(ns);
            for (t, n) in &types {
                path.push('/');
                path.push_str(t);
                path.push('/');
                path.push_str(n);
            }
        }
        ResourceId {
            subscription: subscription.to_string(),
            resource_group: resource_group.map(str::to_string),
            namespace: namespace.map(str::to_string),
            types,
            path,
        }
    }

    /// Parses any ARM ID leniently (API output): case-insensitive fixed segments, optional
    /// trailing slash. Returns `None` when it is not an ARM ID at all.
    pub fn parse_lenient(s: &str) -> Option<ResourceId> {
        let segs = split_lenient(s)?;
        if segs.len() < 2 || !segs[0].eq_ignore_ascii_case("subscriptions") {
            return None;
        }
        let sub = segs[1];
        let mut i = 2;
        let mut rg = None;
        if segs.len() >= i + 2 && segs[i].eq_ignore_ascii_case("resourceGroups") {
            rg = Some(segs[i + 1]);
            i += 2;
        }
        let mut ns = None;
        let mut types = Vec::new();
        if i < segs.len() {
            if !segs[i].eq_ignore_ascii_case("providers") || segs.len() < i + 4 {
                return None;
            }
            ns = Some(segs[i + 1]);
            let rest = &segs[i + 2..];
            if rest.len() % 2 != 0 {
                return None;
            }
            types = rest
                .chunks(2)
                .map(|c| (c[0].to_string(), c[1].to_string()))
                .collect();
        }
        Some(ResourceId::new(sub, rg, ns, types))
    }

    /// The subscription ID.
    pub fn subscription_id(&self) -> &str {
        &self.subscription
    }

    /// The resource group name, if the ID is inside one.
    pub fn resource_group(&self) -> Option<&str> {
        self.resource_group.as_deref()
    }

    /// The provider namespace, e.g. `Microsoft.Network`.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The `(type, name)` chain, outermost first.
    pub fn types(&self) -> &[(String, String)] {
        &self.types
    }

    /// The full type, e.g. `Microsoft.Network/virtualNetworks/subnets`.
    pub fn resource_type(&self) -> Option<String> {
        let ns = self.namespace.as_deref()?;
        let mut s = ns.to_string();
        for (t, _) in &self.types {
            s.push('/');
            s.push_str(t);
        }
        Some(s)
    }

    /// The last name in the chain (or the resource group / subscription for those IDs).
    pub fn name(&self) -> &str {
        self.types
            .last()
            .map(|(_, n)| n.as_str())
            .or(self.resource_group.as_deref())
            .unwrap_or(&self.subscription)
    }

    /// The path of a child collection, e.g. `{workspace}/outboundRules`, for `ArmClient::list`.
    pub fn collection(&self, child_type: &str) -> String {
        format!("{}/{child_type}", self.path)
    }

    /// Lower-cased path, for case-insensitive comparison and map keys.
    pub fn key(&self) -> String {
        self.path.to_ascii_lowercase()
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)
    }
}

impl AsRef<str> for ResourceId {
    fn as_ref(&self) -> &str {
        &self.path
    }
}

/// Splits a lenient ID into segments: trims whitespace and slashes (in any mix, so the first and
/// last names never keep surrounding whitespace); no empty segment allowed.
fn split_lenient(s: &str) -> Option<Vec<&str>> {
    let t = s.trim_matches(|c: char| c == '/' || c.is_whitespace());
    if t.is_empty() {
        return None;
    }
    let segs: Vec<&str> = t.split('/').collect();
    if segs.iter().any(|x| x.is_empty()) {
        return None;
    }
    Some(segs)
}

/// A segment as an error message quotes it (`{:?}`), shortened to its first 60 characters when
/// longer, so a hostile ID does not flood the message (the whole input is shortened by the caller).
fn seg(g: &str) -> String {
    let count = g.chars().count();
    if count <= 60 {
        return format!("{g:?}");
    }
    let head: String = g.chars().take(60).collect();
    format!("{head:?}… ({count} characters)")
}

/// The expected shape of one typed ID.
struct Spec {
    what: &'static str,
    resource_group: bool,
    namespace: Option<&'static str>,
    /// `(type literal, placeholder for the name)`, outermost first.
    types: &'static [(&'static str, &'static str)],
}

enum Seg {
    Lit(&'static str),
    Name(&'static str),
}

impl Spec {
    fn segments(&self) -> Vec<Seg> {
        let mut v = vec![Seg::Lit("subscriptions"), Seg::Name("id")];
        if self.resource_group {
            v.push(Seg::Lit("resourceGroups"));
            v.push(Seg::Name("rg"));
        }
        if let Some(ns) = self.namespace {
            v.push(Seg::Lit("providers"));
            v.push(Seg::Lit(ns));
            for (t, n) in self.types {
                v.push(Seg::Lit(t));
                v.push(Seg::Name(n));
            }
        }
        v
    }

    fn example(&self) -> String {
        self.segments()
            .iter()
            .map(|s| match s {
                Seg::Lit(l) => format!("/{l}"),
                Seg::Name(n) => format!("/{{{n}}}"),
            })
            .collect()
    }

    fn reject(&self, input: &str, why: String) -> IdError {
        let article = if self
            .what
            .starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U'])
        {
            "an"
        } else {
            "a"
        };
        IdError {
            message: format!(
                "expected {article} {} ID like {}, got {input:?}: {why}",
                self.what,
                self.example()
            ),
        }
    }

    /// Strict parse of user input.
    fn parse_strict(&self, input: &str) -> Result<ResourceId, IdError> {
        if input.is_empty() {
            return Err(self.reject(input, "the ID is empty".into()));
        }
        if input.trim() != input {
            return Err(self.reject(input, "it has leading or trailing whitespace".into()));
        }
        let Some(rest) = input.strip_prefix('/') else {
            return Err(self.reject(input, "it must start with \"/\"".into()));
        };
        if rest.ends_with('/') {
            return Err(self.reject(input, "it must not end with \"/\"".into()));
        }
        if let Some(c) = input
            .chars()
            .find(|c| matches!(c, '?' | '#' | '\\') || c.is_whitespace())
        {
            return Err(self.reject(input, format!("it contains {c:?}")));
        }
        let got: Vec<&str> = rest.split('/').collect();
        let want = self.segments();
        for (i, w) in want.iter().enumerate() {
            let n = i + 1;
            let Some(g) = got.get(i) else {
                let name = match w {
                    Seg::Lit(l) => format!("\"{l}\""),
                    Seg::Name(p) => format!("{{{p}}}"),
                };
                return Err(self.reject(input, format!("segment {n} ({name}) is missing")));
            };
            match w {
                Seg::Lit(l) if !g.eq_ignore_ascii_case(l) => {
                    return Err(
                        self.reject(input, format!("segment {n} is {}, expected {l:?}", seg(g)))
                    );
                }
                Seg::Name(p) if g.is_empty() => {
                    return Err(self.reject(input, format!("segment {n} ({{{p}}}) is empty")));
                }
                _ => {}
            }
        }
        if got.len() > want.len() {
            return Err(self.reject(
                input,
                format!(
                    "it has {} segments, expected {}; unexpected {} after segment {}",
                    got.len(),
                    want.len(),
                    seg(got[want.len()]),
                    want.len()
                ),
            ));
        }
        Ok(self.build(&got))
    }

    /// Lenient parse of API output: any casing, trailing slash, whitespace.
    fn parse_lenient(&self, input: &str) -> Result<ResourceId, IdError> {
        let segs =
            split_lenient(input).ok_or_else(|| self.reject(input, "it is not an ARM ID".into()))?;
        let want = self.segments();
        if segs.len() != want.len() {
            return Err(self.reject(
                input,
                format!("it has {} segments, expected {}", segs.len(), want.len()),
            ));
        }
        for (i, (g, w)) in segs.iter().zip(&want).enumerate() {
            if let Seg::Lit(l) = w {
                if !g.eq_ignore_ascii_case(l) {
                    return Err(self.reject(
                        input,
                        format!("segment {} is {}, expected {l:?}", i + 1, seg(g)),
                    ));
                }
            }
        }
        Ok(self.build(&segs))
    }

    /// Builds the canonical ID from validated segments (fixed segments take the canonical casing).
    fn build(&self, segs: &[&str]) -> ResourceId {
        let sub = segs[1];
        let (rg, mut i) = if self.resource_group {
            (Some(segs[3]), 4)
        } else {
            (None, 2)
        };
        let mut types = Vec::new();
        if self.namespace.is_some() {
            i += 2;
            for (t, _) in self.types {
                types.push((t.to_string(), segs[i + 1].to_string()));
                i += 2;
            }
        }
        ResourceId::new(sub, rg, self.namespace, types)
    }

    fn id_from_parts(&self, sub: &str, rg: Option<&str>, names: &[&str]) -> ResourceId {
        let types = self
            .types
            .iter()
            .zip(names)
            .map(|((t, _), n)| (t.to_string(), n.to_string()))
            .collect();
        ResourceId::new(sub, rg, self.namespace, types)
    }
}

macro_rules! typed_id {
    ($(#[$m:meta])* $name:ident, $what:literal, rg: $rg:literal, ns: $ns:expr, [$(($ty:literal, $ph:literal)),*]) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(ResourceId);

        impl $name {
            const SPEC: Spec = Spec { what: $what, resource_group: $rg, namespace: $ns, types: &[$(($ty, $ph)),*] };

            /// Strict parse of user input; the error names the wrong segment.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                Self::SPEC.parse_strict(s).map(Self)
            }

            /// Lenient parse of API output (any casing of the fixed segments, trailing slash).
            pub fn parse_lenient(s: &str) -> Result<Self, IdError> {
                Self::SPEC.parse_lenient(s).map(Self)
            }

            /// The subscription this resource lives in.
            pub fn subscription_id(&self) -> &str {
                self.0.subscription_id()
            }

            /// The resource's own (last) name.
            pub fn name(&self) -> &str {
                self.0.name()
            }

            /// The generic form of this ID.
            pub fn as_resource_id(&self) -> &ResourceId {
                &self.0
            }

            /// Lower-cased path, for case-insensitive comparison and map keys.
            pub fn key(&self) -> String {
                self.0.key()
            }

            /// The path of a child collection of this resource, for `ArmClient::list`.
            pub fn collection(&self, child_type: &str) -> String {
                self.0.collection(child_type)
            }

            #[allow(dead_code)]
            fn from_parts(sub: &str, rg: Option<&str>, names: &[&str]) -> Self {
                Self(Self::SPEC.id_from_parts(sub, rg, names))
            }

            #[allow(dead_code)]
            fn names(&self) -> Vec<&str> {
                self.0.types().iter().map(|(_, n)| n.as_str()).collect()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.0.as_ref()
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
    };
}

macro_rules! in_resource_group {
    ($($name:ident),*) => {$(
        impl $name {
            /// The resource group this resource lives in.
            pub fn resource_group(&self) -> &str {
                self.0.resource_group().unwrap_or_default()
            }

            /// The typed ID of the resource group.
            pub fn resource_group_id(&self) -> ResourceGroupId {
                ResourceGroupId::new(self.subscription_id(), self.resource_group())
            }
        }
    )*};
}

typed_id!(
    /// `/subscriptions/{id}`
    SubscriptionId, "subscription", rg: false, ns: None, []
);
typed_id!(
    /// `/subscriptions/{id}/resourceGroups/{rg}`
    ResourceGroupId, "resource group", rg: true, ns: None, []
);
typed_id!(
    /// A virtual network (`Microsoft.Network/virtualNetworks`).
    VirtualNetworkId, "virtual network", rg: true, ns: Some("Microsoft.Network"), [("virtualNetworks", "vnet")]
);
typed_id!(
    /// A subnet (`Microsoft.Network/virtualNetworks/subnets`).
    SubnetId, "subnet", rg: true, ns: Some("Microsoft.Network"), [("virtualNetworks", "vnet"), ("subnets", "subnet")]
);
typed_id!(
    /// A private endpoint (`Microsoft.Network/privateEndpoints`).
    PrivateEndpointId, "private endpoint", rg: true, ns: Some("Microsoft.Network"), [("privateEndpoints", "pe")]
);
typed_id!(
    /// A private DNS zone group of a private endpoint.
    PrivateDnsZoneGroupId, "private DNS zone group", rg: true, ns: Some("Microsoft.Network"), [("privateEndpoints", "pe"), ("privateDnsZoneGroups", "group")]
);
typed_id!(
    /// A private DNS zone (`Microsoft.Network/privateDnsZones`).
    PrivateDnsZoneId, "private DNS zone", rg: true, ns: Some("Microsoft.Network"), [("privateDnsZones", "zone")]
);
typed_id!(
    /// A virtual network link of a private DNS zone.
    VirtualNetworkLinkId, "private DNS zone virtual network link", rg: true, ns: Some("Microsoft.Network"), [("privateDnsZones", "zone"), ("virtualNetworkLinks", "link")]
);
typed_id!(
    /// An A record set in a private DNS zone.
    ARecordSetId, "private DNS A record set", rg: true, ns: Some("Microsoft.Network"), [("privateDnsZones", "zone"), ("A", "name")]
);
typed_id!(
    /// An Azure Machine Learning workspace (hub, project or default).
    WorkspaceId, "AML workspace", rg: true, ns: Some("Microsoft.MachineLearningServices"), [("workspaces", "workspace")]
);
typed_id!(
    /// A managed-network outbound rule of a workspace.
    OutboundRuleId, "outbound rule", rg: true, ns: Some("Microsoft.MachineLearningServices"), [("workspaces", "workspace"), ("outboundRules", "rule")]
);
typed_id!(
    /// A compute (cluster, instance, attached compute) of a workspace.
    ComputeId, "workspace compute", rg: true, ns: Some("Microsoft.MachineLearningServices"), [("workspaces", "workspace"), ("computes", "compute")]
);
typed_id!(
    /// A private endpoint connection on a workspace (the workspace side of a private endpoint).
    PrivateEndpointConnectionId, "workspace private endpoint connection", rg: true, ns: Some("Microsoft.MachineLearningServices"), [("workspaces", "workspace"), ("privateEndpointConnections", "connection")]
);
typed_id!(
    /// A managed online endpoint of a workspace (`Microsoft.MachineLearningServices/workspaces/onlineEndpoints`).
    OnlineEndpointId, "online endpoint", rg: true, ns: Some("Microsoft.MachineLearningServices"), [("workspaces", "workspace"), ("onlineEndpoints", "endpoint")]
);
typed_id!(
    /// A storage account.
    StorageAccountId, "storage account", rg: true, ns: Some("Microsoft.Storage"), [("storageAccounts", "account")]
);
typed_id!(
    /// A key vault.
    KeyVaultId, "key vault", rg: true, ns: Some("Microsoft.KeyVault"), [("vaults", "vault")]
);
typed_id!(
    /// A container registry.
    ContainerRegistryId, "container registry", rg: true, ns: Some("Microsoft.ContainerRegistry"), [("registries", "registry")]
);
typed_id!(
    /// An AI services / Cognitive Services account.
    AiServicesId, "AI services account", rg: true, ns: Some("Microsoft.CognitiveServices"), [("accounts", "account")]
);
typed_id!(
    /// An AI Search service.
    SearchServiceId, "AI search service", rg: true, ns: Some("Microsoft.Search"), [("searchServices", "service")]
);
typed_id!(
    /// An Azure Machine Learning registry.
    MlRegistryId, "AML registry", rg: true, ns: Some("Microsoft.MachineLearningServices"), [("registries", "registry")]
);

in_resource_group!(
    VirtualNetworkId,
    SubnetId,
    PrivateEndpointId,
    PrivateDnsZoneGroupId,
    PrivateDnsZoneId,
    VirtualNetworkLinkId,
    ARecordSetId,
    WorkspaceId,
    OutboundRuleId,
    ComputeId,
    PrivateEndpointConnectionId,
    OnlineEndpointId,
    StorageAccountId,
    KeyVaultId,
    ContainerRegistryId,
    AiServicesId,
    SearchServiceId,
    MlRegistryId
);

impl SubscriptionId {
    /// `/subscriptions/{id}`.
    pub fn new(subscription: &str) -> Self {
        Self::from_parts(subscription, None, &[])
    }

    /// A resource group in this subscription.
    pub fn resource_group(&self, name: &str) -> ResourceGroupId {
        ResourceGroupId::new(self.subscription_id(), name)
    }
}

impl ResourceGroupId {
    /// `/subscriptions/{id}/resourceGroups/{rg}`.
    pub fn new(subscription: &str, resource_group: &str) -> Self {
        Self::from_parts(subscription, Some(resource_group), &[])
    }

    /// The resource group's name.
    pub fn resource_group(&self) -> &str {
        self.0.resource_group().unwrap_or_default()
    }

    /// The subscription containing this resource group.
    pub fn subscription(&self) -> SubscriptionId {
        SubscriptionId::new(self.subscription_id())
    }

    fn child<T>(&self, make: fn(&str, Option<&str>, &[&str]) -> T, name: &str) -> T {
        make(self.subscription_id(), Some(self.resource_group()), &[name])
    }

    /// A virtual network in this resource group.
    pub fn virtual_network(&self, name: &str) -> VirtualNetworkId {
        self.child(VirtualNetworkId::from_parts, name)
    }
    /// A private endpoint in this resource group.
    pub fn private_endpoint(&self, name: &str) -> PrivateEndpointId {
        self.child(PrivateEndpointId::from_parts, name)
    }
    /// A private DNS zone in this resource group.
    pub fn private_dns_zone(&self, name: &str) -> PrivateDnsZoneId {
        self.child(PrivateDnsZoneId::from_parts, name)
    }
    /// An AML workspace in this resource group.
    pub fn workspace(&self, name: &str) -> WorkspaceId {
        self.child(WorkspaceId::from_parts, name)
    }
    /// A storage account in this resource group.
    pub fn storage_account(&self, name: &str) -> StorageAccountId {
        self.child(StorageAccountId::from_parts, name)
    }
    /// A key vault in this resource group.
    pub fn key_vault(&self, name: &str) -> KeyVaultId {
        self.child(KeyVaultId::from_parts, name)
    }
    /// A container registry in this resource group.
    pub fn container_registry(&self, name: &str) -> ContainerRegistryId {
        self.child(ContainerRegistryId::from_parts, name)
    }
    /// An AI services account in this resource group.
    pub fn ai_services(&self, name: &str) -> AiServicesId {
        self.child(AiServicesId::from_parts, name)
    }
    /// An AI Search service in this resource group.
    pub fn search_service(&self, name: &str) -> SearchServiceId {
        self.child(SearchServiceId::from_parts, name)
    }
    /// An AML registry in this resource group.
    pub fn ml_registry(&self, name: &str) -> MlRegistryId {
        self.child(MlRegistryId::from_parts, name)
    }
}

/// Parent/child navigation for IDs one level below a top-level resource.
macro_rules! child_of {
    ($parent:ident :: $method:ident -> $child:ident, parent $pmethod:ident) => {
        impl $parent {
            /// The child resource `name` of this resource, in the same subscription and group.
            pub fn $method(&self, name: &str) -> $child {
                $child::from_parts(
                    self.subscription_id(),
                    Some(self.resource_group()),
                    &[self.name(), name],
                )
            }
        }

        impl $child {
            /// The typed ID of the parent resource.
            pub fn $pmethod(&self) -> $parent {
                $parent::from_parts(
                    self.subscription_id(),
                    Some(self.resource_group()),
                    &[self.names()[0]],
                )
            }
        }
    };
}

child_of!(VirtualNetworkId::subnet -> SubnetId, parent virtual_network);
child_of!(PrivateEndpointId::private_dns_zone_group -> PrivateDnsZoneGroupId, parent private_endpoint);
child_of!(PrivateDnsZoneId::virtual_network_link -> VirtualNetworkLinkId, parent private_dns_zone);
child_of!(PrivateDnsZoneId::a_record_set -> ARecordSetId, parent private_dns_zone);
child_of!(WorkspaceId::outbound_rule -> OutboundRuleId, parent workspace);
child_of!(WorkspaceId::compute -> ComputeId, parent workspace);
child_of!(WorkspaceId::private_endpoint_connection -> PrivateEndpointConnectionId, parent workspace);
child_of!(WorkspaceId::online_endpoint -> OnlineEndpointId, parent workspace);

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "00000000-0000-0000-0000-000000000001";

    fn check_strict<T: std::str::FromStr<Err = IdError> + fmt::Display>(
        input: &str,
        want: Result<&str, &str>,
    ) {
        match (T::from_str(input), want) {
            (Ok(id), Ok(canon)) => assert_eq!(id.to_string(), canon, "{input}"),
            (Err(e), Err(msg)) => assert!(e.message.contains(msg), "{input}: {}", e.message),
            (Ok(id), Err(msg)) => {
                panic!("{input}: accepted as {id}, wanted error containing {msg}")
            }
            (Err(e), Ok(_)) => panic!("{input}: rejected: {}", e.message),
        }
    }

    #[test]
    fn strict_subnet() {
        let canon = format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet");
        let cases: Vec<(String, Result<&str, &str>)> = vec![
            (canon.clone(), Ok(&canon)),
            (
                canon
                    .replace("resourceGroups", "RESOURCEGROUPS")
                    .replace("subnets", "Subnets"),
                Ok(&canon),
            ),
            (
                canon.replace("virtualNetworks", "virtualNetwork"),
                Err("segment 7 is \"virtualNetwork\", expected \"virtualNetworks\""),
            ),
            (format!("{canon}/"), Err("must not end with \"/\"")),
            (
                canon.trim_start_matches('/').to_string(),
                Err("must start with \"/\""),
            ),
            (format!(" {canon}"), Err("whitespace")),
            (
                canon.replace("/subnets/snet", ""),
                Err("segment 9 (\"subnets\") is missing"),
            ),
            (
                format!("{canon}/extra"),
                Err("it has 11 segments, expected 10"),
            ),
            (
                canon.replace("/rg/", "//"),
                Err("segment 4 ({rg}) is empty"),
            ),
            (String::new(), Err("the ID is empty")),
            (
                canon.replace("Microsoft.Network", "Microsoft.Storage"),
                Err("segment 6 is \"Microsoft.Storage\", expected \"Microsoft.Network\""),
            ),
        ];
        for (input, want) in cases {
            check_strict::<SubnetId>(&input, want);
        }
    }

    #[test]
    fn strict_error_shows_example() {
        let e = SubnetId::parse("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetwork/v/subnets/s").unwrap_err();
        assert_eq!(
            e.message,
            "expected a subnet ID like /subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}, got \"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetwork/v/subnets/s\": segment 7 is \"virtualNetwork\", expected \"virtualNetworks\""
        );
        let e = WorkspaceId::parse("/x").unwrap_err();
        assert!(
            e.message.starts_with("expected an AML workspace ID like"),
            "{}",
            e.message
        );
    }

    #[test]
    fn strict_every_type_roundtrips() {
        let rg = format!("/subscriptions/{SUB}/resourceGroups/rg");
        type Parse = fn(&str) -> Result<String, IdError>;
        let cases: Vec<(String, Parse)> = vec![
            (format!("/subscriptions/{SUB}"), |s| SubscriptionId::parse(s).map(|i| i.to_string())),
            (rg.clone(), |s| ResourceGroupId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.Network/virtualNetworks/v"), |s| VirtualNetworkId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.Network/privateEndpoints/pe"), |s| PrivateEndpointId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.Network/privateEndpoints/pe/privateDnsZoneGroups/default"), |s| PrivateDnsZoneGroupId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms"), |s| PrivateDnsZoneId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.Network/privateDnsZones/z.example/virtualNetworkLinks/l"), |s| VirtualNetworkLinkId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.Network/privateDnsZones/z.example/A/abc.workspace.westeurope"), |s| ARecordSetId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.MachineLearningServices/workspaces/ws"), |s| WorkspaceId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.MachineLearningServices/workspaces/ws/outboundRules/r1"), |s| OutboundRuleId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.MachineLearningServices/workspaces/ws/privateEndpointConnections/pe.1"), |s| PrivateEndpointConnectionId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/ep-1"), |s| OnlineEndpointId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.Storage/storageAccounts/sa"), |s| StorageAccountId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.KeyVault/vaults/kv"), |s| KeyVaultId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.ContainerRegistry/registries/acr"), |s| ContainerRegistryId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.CognitiveServices/accounts/ai"), |s| AiServicesId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.Search/searchServices/srch"), |s| SearchServiceId::parse(s).map(|i| i.to_string())),
            (format!("{rg}/providers/Microsoft.MachineLearningServices/registries/reg"), |s| MlRegistryId::parse(s).map(|i| i.to_string())),
        ];
        for (canon, parse) in cases {
            assert_eq!(parse(&canon).as_deref(), Ok(canon.as_str()));
            // Fixed segments in any casing are accepted and canonicalised.
            let lower = canon
                .replace("resourceGroups", "resourcegroups")
                .replace("providers", "Providers");
            assert_eq!(parse(&lower).as_deref(), Ok(canon.as_str()));
        }
        // A workspace ID is not a registry ID.
        assert!(MlRegistryId::parse(&format!(
            "{rg}/providers/Microsoft.MachineLearningServices/workspaces/ws"
        ))
        .is_err());
    }

    #[test]
    fn lenient_parsing_of_api_output() {
        let id = SubnetId::parse_lenient(&format!(
            "/SUBSCRIPTIONS/{SUB}/resourcegroups/RG/providers/microsoft.network/virtualnetworks/VNet/SUBNETS/snet/"
        ))
        .unwrap();
        assert_eq!(id.to_string(), format!("/subscriptions/{SUB}/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/VNet/subnets/snet"));
        assert_eq!(id.resource_group(), "RG");
        assert_eq!(id.virtual_network().name(), "VNet");
        assert!(SubnetId::parse_lenient("/subscriptions/x/resourceGroups/rg").is_err());
        assert!(SubnetId::parse_lenient("not an id").is_err());
    }

    #[test]
    fn children_come_from_the_parent() {
        let ws = ResourceGroupId::new("sub-b", "rg").workspace("ws");
        let rule = ws.outbound_rule("pypi");
        assert_eq!(rule.to_string(), "/subscriptions/sub-b/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/outboundRules/pypi");
        assert_eq!(rule.subscription_id(), "sub-b");
        assert_eq!(rule.workspace(), ws);
        assert_eq!(rule.name(), "pypi");
        let conn = ws.private_endpoint_connection("pe.123");
        assert_eq!(conn.workspace(), ws);
        let ep = ws.online_endpoint("score-1");
        assert_eq!(ep.to_string(), "/subscriptions/sub-b/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/score-1");
        assert_eq!(ep.workspace(), ws);
        assert_eq!(OnlineEndpointId::parse(ep.as_ref()).unwrap(), ep);
        assert!(OnlineEndpointId::parse(ws.as_ref()).is_err());
        let zone = ResourceGroupId::new("s", "dns").private_dns_zone("privatelink.api.azureml.ms");
        assert_eq!(zone.a_record_set("x.workspace.eastus").to_string(), "/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms/A/x.workspace.eastus");
        assert_eq!(zone.virtual_network_link("l").private_dns_zone(), zone);
        let snet = ResourceGroupId::new("s", "net")
            .virtual_network("v")
            .subnet("a");
        assert_eq!(SubnetId::parse(snet.as_ref()).unwrap(), snet);
        assert_eq!(
            snet.resource_group_id().to_string(),
            "/subscriptions/s/resourceGroups/net"
        );
        assert_eq!(
            ws.collection("outboundRules"),
            format!("{ws}/outboundRules")
        );
        assert_eq!(ws.key(), ws.to_string().to_lowercase());
    }

    #[test]
    fn generic_resource_id() {
        let id = ResourceId::parse_lenient("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe/privateDnsZoneGroups/g").unwrap();
        assert_eq!(
            id.resource_type().as_deref(),
            Some("Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
        );
        assert_eq!(id.name(), "g");
        assert_eq!(id.resource_group(), Some("rg"));
        let sub_level = ResourceId::parse_lenient(
            "/subscriptions/s/providers/Microsoft.Network/locations/eastus",
        )
        .unwrap();
        assert_eq!(sub_level.resource_group(), None);
        assert_eq!(
            sub_level.to_string(),
            "/subscriptions/s/providers/Microsoft.Network/locations/eastus"
        );
        assert!(
            ResourceId::parse_lenient("/subscriptions/s/resourceGroups/rg/providers/X/t").is_none()
        );
        assert!(ResourceId::parse_lenient("/foo/bar").is_none());
        // Found by fuzzing: whitespace between the last name and a trailing slash stayed in the
        // name, so the parsed ID did not parse back to itself.
        let id = ResourceId::parse_lenient("/subscriptions/s/resourceGroups/rg\r/ ").unwrap();
        assert_eq!(id.to_string(), "/subscriptions/s/resourceGroups/rg");
        assert_eq!(ResourceId::parse_lenient(id.as_ref()), Some(id));
        // Found by fuzzing: a long bad segment was quoted whole in the message.
        let long = format!("/subscriptions/s/{}/rg", "x".repeat(500));
        let e = ResourceGroupId::parse(&long).unwrap_err().message;
        assert!(e.contains("(500 characters)"), "{e}");
        assert!(e.len() < 800, "{}", e.len());
        assert_eq!(
            ResourceGroupId::parse_lenient(" / subscriptions/s/resourceGroups/rg \t/")
                .unwrap()
                .to_string(),
            "/subscriptions/s/resourceGroups/rg"
        );
        assert_eq!(
            ResourceId::parse_lenient("/subscriptions/s")
                .unwrap()
                .name(),
            "s"
        );
    }
}
