//! The rules of `aml_workspace_isolation`, on what the data source read ([`Facts`]) and without
//! any Azure call: each rule is one statement of the product documentation about a way a
//! workspace that looks private stays open or breaks. [`CODES`] lists every finding code once,
//! with its severity; [`evaluate`] returns the findings in a deterministic order (by code, then
//! resource ID, then attribute).

use std::collections::{BTreeMap, BTreeSet};

use crate::arm::models::dependency::DependencyRead;
use crate::arm::models::outbound_rule::{RuleListing, RuleListingDestination};
use crate::arm::models::private_dns_zone_group::PrivateDnsZoneGroup;
use crate::arm::models::private_endpoint::PrivateEndpoint;
use crate::arm::models::virtual_network::VirtualNetwork;
use crate::arm::models::workspace::{OnlineEndpointListItem, WorkspaceReadProperties};
use crate::functions::fqdn_preset::is_preset_host;
use crate::resources::managed_network_outbound_rule::is_storage_fqdn;

/// How bad a finding is: `error` (broken or open), `warning` (likely open or breaking), `info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The workspace is open or something does not work.
    Error,
    /// The workspace is probably open, or something will break.
    Warning,
    /// Worth knowing; does not make the workspace less isolated.
    Info,
}

impl Severity {
    /// The spelling in the data source's results.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Every finding code with its severity and a one-line summary, in order.
pub const CODES: &[(&str, Severity, &str)] = &[
    ("AML-IN-001", Severity::Warning, "public network access Enabled, default action Allow, while the workspace has private endpoints"),
    ("AML-IN-002", Severity::Info, "public network access Enabled with default action Allow and no private endpoint: inbound is public by design"),
    ("AML-IN-003", Severity::Warning, "IP rules while public network access is Disabled (they do nothing)"),
    ("AML-IN-004", Severity::Warning, "IP rules while the default action is Allow (they do nothing)"),
    ("AML-IN-005", Severity::Warning, "allowPublicAccessWhenBehindVnet true while public network access is Disabled"),
    ("AML-PE-001", Severity::Error, "a private endpoint connection of the workspace is not Approved"),
    ("AML-PE-002", Severity::Error, "a workspace endpoint's DNS zone groups lack an AML zone of the cloud"),
    ("AML-PE-003", Severity::Error, "a zone the endpoint is registered in is not linked to the endpoint's virtual network"),
    ("AML-PE-004", Severity::Warning, "the endpoint's virtual network overlaps 172.17.0.0/16 (Docker's bridge)"),
    ("AML-PE-005", Severity::Warning, "the endpoint's subnet does not disable private endpoint network policies"),
    ("AML-DEP-001", Severity::Warning, "a dependency is open to the internet while the workspace is private"),
    ("AML-DEP-002", Severity::Warning, "several workspace endpoints, none in a virtual network with endpoints to storage, key vault and registry"),
    ("AML-DEP-003", Severity::Warning, "images must be built privately, no image build compute is set and the registry is not Premium"),
    ("AML-MN-001", Severity::Warning, "managed network isolation enabled but not provisioned"),
    ("AML-MN-002", Severity::Error, "an FQDN outbound rule to a storage endpoint in approved-outbound mode"),
    ("AML-MN-003", Severity::Error, "a user-defined outbound rule in status Failed"),
    ("AML-MN-004", Severity::Warning, "a user-defined outbound rule Inactive on a provisioned network"),
    ("AML-MN-005", Severity::Warning, "IP rules on a workspace with a managed network but no private endpoint outbound rule to the workspace"),
    ("AML-OE-001", Severity::Error, "an online endpoint with public access Enabled on a workspace whose public access is Disabled"),
    ("AML-OE-002", Severity::Warning, "online endpoints on a managed network that is not provisioned (deployments fail)"),
    ("AML-READ-001", Severity::Info, "a resource could not be read (403): the checks that need it were skipped"),
];

/// The valid codes, for `ignore`'s diagnostics.
pub fn code_list() -> String {
    CODES.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
}

/// Whether `code` is a finding code.
pub fn is_code(code: &str) -> bool {
    CODES.iter().any(|c| c.0 == code)
}

fn severity_of(code: &str) -> Severity {
    CODES
        .iter()
        .find(|c| c.0 == code)
        .map(|c| c.1)
        .unwrap_or(Severity::Info)
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The stable code, e.g. `AML-PE-002`.
    pub code: &'static str,
    /// Its severity (from [`CODES`]).
    pub severity: Severity,
    /// The ARM ID of the resource it is about.
    pub resource_id: String,
    /// The ARM property it is about (null when the whole resource).
    pub attribute: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to change, naming the provider's resource and attribute where there is one.
    pub fix: String,
}

/// The outcome of one read: the body, gone (404), or refused (403) for want of a permission.
#[derive(Clone, Debug, PartialEq)]
pub enum Fetched<T> {
    /// The resource (or list) as read.
    Found(T),
    /// ARM answered 404.
    Gone,
    /// ARM refused the read; the permission it needs.
    Denied(&'static str),
}

impl<T> Fetched<T> {
    /// The body, when found.
    pub fn found(&self) -> Option<&T> {
        match self {
            Fetched::Found(t) => Some(t),
            _ => None,
        }
    }
}

/// A private endpoint connection of the workspace with what was read about its endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointFacts {
    /// The connection's ARM ID (or the workspace's when ARM gave none).
    pub connection_id: String,
    /// `Approved`, `Pending`, `Rejected`, `Disconnected`.
    pub status: Option<String>,
    /// The approver's message.
    pub description: Option<String>,
    /// The private endpoint's ARM ID.
    pub private_endpoint_id: Option<String>,
    /// The endpoint.
    pub endpoint: Fetched<PrivateEndpoint>,
    /// Its DNS zone groups.
    pub zone_groups: Fetched<Vec<PrivateDnsZoneGroup>>,
}

/// Which dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DependencyKind {
    /// `properties.storageAccount`.
    Storage,
    /// `properties.keyVault`.
    KeyVault,
    /// `properties.containerRegistry`.
    Registry,
}

impl DependencyKind {
    fn what(self) -> &'static str {
        match self {
            DependencyKind::Storage => "storage account",
            DependencyKind::KeyVault => "key vault",
            DependencyKind::Registry => "container registry",
        }
    }

    fn fix(self) -> &'static str {
        match self {
            DependencyKind::Storage => "Disable public network access on the storage account (azurerm_storage_account.public_network_access_enabled = false) and reach it through `aml_private_endpoint` (subresource_name \"blob\" and \"file\") with its DNS zones.",
            DependencyKind::KeyVault => "Disable public network access on the key vault (azurerm_key_vault.public_network_access_enabled = false) and reach it through `aml_private_endpoint` (subresource_name \"vault\") with its DNS zone.",
            DependencyKind::Registry => "Disable public network access on the registry (azurerm_container_registry.public_network_access_enabled = false; Premium SKU) and reach it through `aml_private_endpoint` (subresource_name \"registry\") with its DNS zone.",
        }
    }
}

/// A dependency of the workspace as read.
#[derive(Clone, Debug, PartialEq)]
pub struct DependencyFacts {
    /// Which one.
    pub kind: DependencyKind,
    /// Its ARM ID, as the workspace names it.
    pub id: String,
    /// The dependency.
    pub read: Fetched<DependencyRead>,
}

/// Everything the rules look at, as the data source read it.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The workspace's ARM ID.
    pub workspace_id: String,
    /// The workspace's properties.
    pub workspace: WorkspaceReadProperties,
    /// The AML private DNS zones of the cloud (`[api, notebooks]`).
    pub cloud_zones: Vec<String>,
    /// One entry per private endpoint connection of the workspace.
    pub endpoints: Vec<EndpointFacts>,
    /// The virtual networks of the workspace's endpoints, by lower-cased ID.
    pub networks: BTreeMap<String, Fetched<VirtualNetwork>>,
    /// The virtual networks each zone is linked to (lower-cased IDs), by lower-cased zone ID.
    pub zone_links: BTreeMap<String, Fetched<BTreeSet<String>>>,
    /// The workspace's storage account, key vault and container registry.
    pub dependencies: Vec<DependencyFacts>,
    /// The virtual network (lower-cased ID) of each private endpoint of a dependency that was
    /// read, by lower-cased endpoint ID (read only for the several-endpoints rule).
    pub dependency_endpoint_networks: BTreeMap<String, Fetched<Option<String>>>,
    /// The outbound rules (none read when isolation is disabled).
    pub rules: Option<Fetched<Vec<RuleListing>>>,
    /// The online endpoints.
    pub online_endpoints: Fetched<Vec<OnlineEndpointListItem>>,
}

impl Default for Fetched<Vec<OnlineEndpointListItem>> {
    fn default() -> Self {
        Fetched::Found(Vec::new())
    }
}

/// The virtual network (lower-cased ID) of a subnet ID.
pub fn network_of_subnet(subnet_id: &str) -> Option<String> {
    let lower = subnet_id.to_ascii_lowercase();
    let at = lower.find("/subnets/")?;
    Some(lower[..at].to_string())
}

fn eq(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

/// Whether a CIDR (or address) overlaps 172.17.0.0/16.
pub fn overlaps_docker_bridge(cidr: &str) -> bool {
    let (addr, len) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let (Ok(addr), Ok(len)) = (
        addr.trim().parse::<std::net::Ipv4Addr>(),
        len.trim().parse::<u32>(),
    ) else {
        return false;
    };
    if len > 32 {
        return false;
    }
    let bridge = u32::from(std::net::Ipv4Addr::new(172, 17, 0, 0));
    let common = len.min(16);
    let mask = if common == 0 {
        0
    } else {
        u32::MAX << (32 - common)
    };
    (u32::from(addr) & mask) == (bridge & mask)
}

struct Out {
    findings: Vec<Finding>,
}

impl Out {
    fn add(
        &mut self,
        code: &'static str,
        id: &str,
        attribute: Option<&str>,
        message: String,
        fix: impl Into<String>,
    ) {
        self.findings.push(Finding {
            code,
            severity: severity_of(code),
            resource_id: id.to_string(),
            attribute: attribute.map(str::to_string),
            message,
            fix: fix.into(),
        });
    }

    fn denied<T>(&mut self, id: &str, what: &str, read: &Fetched<T>, skipped: &str) {
        if let Fetched::Denied(permission) = read {
            self.add(
                "AML-READ-001",
                id,
                None,
                format!("Could not read the {what} {id} (403): the identity lacks {permission}. Skipped: {skipped}."),
                format!("Grant {permission} on {id} to the identity running Terraform (the Reader role includes it)."),
            );
        }
    }
}

/// The findings for `facts`, without those whose code is in `ignore`, sorted by code, resource
/// ID and attribute; duplicates (the same code, resource and attribute) are reported once.
pub fn evaluate(facts: &Facts, ignore: &[String]) -> Vec<Finding> {
    let mut out = Out {
        findings: Vec::new(),
    };
    inbound(facts, &mut out);
    private_endpoints(facts, &mut out);
    dependencies(facts, &mut out);
    managed_network(facts, &mut out);
    online_endpoints(facts, &mut out);
    let mut findings = out.findings;
    findings.retain(|f| !ignore.iter().any(|i| i == f.code));
    findings.sort_by(|a, b| {
        (a.code, a.resource_id.to_ascii_lowercase(), &a.attribute).cmp(&(
            b.code,
            b.resource_id.to_ascii_lowercase(),
            &b.attribute,
        ))
    });
    findings.dedup_by(|a, b| {
        a.code == b.code
            && a.resource_id.eq_ignore_ascii_case(&b.resource_id)
            && a.attribute == b.attribute
    });
    findings
}

fn workspace_private(w: &WorkspaceReadProperties) -> bool {
    eq(w.public_network_access.as_deref(), "Disabled")
}

fn ip_rules(w: &WorkspaceReadProperties) -> Vec<String> {
    w.network_acls
        .as_ref()
        .and_then(|a| a.ip_rules.clone())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.value)
        .collect()
}

fn default_action(w: &WorkspaceReadProperties) -> Option<&str> {
    w.network_acls.as_ref()?.default_action.as_deref()
}

fn isolation_mode(w: &WorkspaceReadProperties) -> &str {
    w.managed_network
        .as_ref()
        .and_then(|m| m.isolation_mode.as_deref())
        .unwrap_or("Disabled")
}

fn managed_network_enabled(w: &WorkspaceReadProperties) -> bool {
    !isolation_mode(w).eq_ignore_ascii_case("Disabled")
}

fn managed_network_active(w: &WorkspaceReadProperties) -> bool {
    let status = w
        .managed_network
        .as_ref()
        .and_then(|m| m.status.as_ref())
        .and_then(|s| s.status.as_deref());
    eq(status, "Active")
}

fn inbound(f: &Facts, out: &mut Out) {
    let w = &f.workspace;
    let id = f.workspace_id.as_str();
    let private = workspace_private(w);
    let rules = ip_rules(w);
    let allow = default_action(w).is_none_or(|a| a.eq_ignore_ascii_case("Allow"));
    let has_endpoints = !f.endpoints.is_empty();
    if !private && allow {
        let (code, why) = if has_endpoints {
            ("AML-IN-001", "so its private endpoints do not make it private: anyone on the internet reaches it")
        } else {
            ("AML-IN-002", "so anyone on the internet reaches it (Microsoft Entra ID still authenticates every request)")
        };
        out.add(
            code,
            id,
            Some("public_network_access"),
            format!("Public network access is Enabled and the default action is Allow, {why}."),
            "Set `aml_workspace_network_access.public_network_access = \"Disabled\"`, or keep it Enabled with `default_action = \"Deny\"` and `aml_network_rule` for the addresses that need it.",
        );
    }
    if private && !rules.is_empty() {
        out.add(
            "AML-IN-003",
            id,
            Some("network_acls.ip_rules"),
            format!("{} IP rule(s) ({}) are set while public network access is Disabled: they admit nobody.", rules.len(), rules.join(", ")),
            "Set `aml_workspace_network_access.public_network_access = \"Enabled\"` with `default_action = \"Deny\"` if those addresses need access, or remove the `aml_network_rule` resources.",
        );
    }
    if !private && !rules.is_empty() && eq(default_action(w), "Allow") {
        out.add(
            "AML-IN-004",
            id,
            Some("network_acls.default_action"),
            format!("{} IP rule(s) are set while the default action is Allow: every address is admitted, listed or not.", rules.len()),
            "Set `aml_workspace_network_access.default_action = \"Deny\"`.",
        );
    }
    if private && w.allow_public_access_when_behind_vnet == Some(true) {
        out.add(
            "AML-IN-005",
            id,
            Some("allow_public_access_when_behind_vnet"),
            "allowPublicAccessWhenBehindVnet (SDK v1) is true while publicNetworkAccess is Disabled: tools that read the v1 flag report the workspace as public, and a v1 client that writes it back may open it.".to_string(),
            "Stop setting allow_public_access_when_behind_vnet (SDK v1) and manage public access only with `aml_workspace_network_access.public_network_access`.",
        );
    }
}

fn private_endpoints(f: &Facts, out: &mut Out) {
    for e in &f.endpoints {
        if !eq(e.status.as_deref(), "Approved") {
            out.add(
                "AML-PE-001",
                &e.connection_id,
                Some("private_link_service_connection_state.status"),
                format!(
                    "The private endpoint connection is {} ({}): no traffic flows through {} until it is Approved.",
                    e.status.as_deref().unwrap_or("without a status"),
                    e.description.as_deref().unwrap_or("no description"),
                    e.private_endpoint_id.as_deref().unwrap_or("its endpoint"),
                ),
                "Approve the connection on the workspace (Networking > Private endpoint connections, or `az network private-endpoint-connection approve`), or recreate the `aml_private_endpoint` with `manual_connection = false`.",
            );
        }
        let Some(pe_id) = e.private_endpoint_id.as_deref() else {
            continue;
        };
        out.denied(
            pe_id,
            "private endpoint",
            &e.endpoint,
            "its DNS, virtual network and subnet checks",
        );
        let Fetched::Found(pe) = &e.endpoint else {
            continue;
        };
        let network = pe
            .properties
            .subnet
            .id
            .as_deref()
            .and_then(network_of_subnet);
        out.denied(
            pe_id,
            "DNS zone groups of the private endpoint",
            &e.zone_groups,
            "the DNS zone checks",
        );
        if let Fetched::Found(groups) = &e.zone_groups {
            let zones: Vec<&str> = groups
                .iter()
                .flat_map(|g| g.properties.private_dns_zone_configs.iter())
                .filter_map(|c| c.properties.private_dns_zone_id.as_deref())
                .collect();
            let names: BTreeSet<String> = zones
                .iter()
                .filter_map(|z| z.rsplit('/').next())
                .map(str::to_ascii_lowercase)
                .collect();
            let missing: Vec<&String> = f
                .cloud_zones
                .iter()
                .filter(|z| !names.contains(&z.to_ascii_lowercase()))
                .collect();
            if !missing.is_empty() {
                let missing = missing
                    .iter()
                    .map(|z| z.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ");
                out.add(
                    "AML-PE-002",
                    pe_id,
                    Some("private_dns_zone_groups"),
                    format!("The endpoint is not registered in {missing}: clients in the network resolve the workspace's public address for those names (a missing notebooks zone breaks notebooks while the studio works)."),
                    "Register the endpoint in both zones of `data.aml_private_dns_zone_names` with `aml_private_dns_zone_group.private_dns_zone_ids` (or ignore AML-PE-002 when a custom DNS server answers for them).",
                );
            }
            if let Some(net) = &network {
                for zone in zones {
                    let key = zone.to_ascii_lowercase();
                    let Some(links) = f.zone_links.get(&key) else {
                        continue;
                    };
                    out.denied(
                        zone,
                        "virtual network links of the private DNS zone",
                        links,
                        "the zone link check",
                    );
                    if let Fetched::Found(linked) = links {
                        if !linked.contains(net) {
                            out.add(
                                "AML-PE-003",
                                zone,
                                Some("virtual_network_links"),
                                format!("The zone holds the records of {pe_id} but is not linked to its virtual network {net}: clients there do not resolve the private address."),
                                format!("Add `aml_private_dns_zone_virtual_network_link` with `private_dns_zone_id = \"{zone}\"` and `virtual_network_id` = the endpoint's virtual network."),
                            );
                        }
                    }
                }
            }
        }
        let Some(net) = network else { continue };
        let Some(read) = f.networks.get(&net) else {
            continue;
        };
        out.denied(
            &net,
            "virtual network",
            read,
            "the address space and subnet checks",
        );
        let Fetched::Found(vnet) = read else { continue };
        let vnet_id = vnet.id.clone().unwrap_or_else(|| net.clone());
        let docker: Vec<&String> = vnet
            .address_prefixes()
            .iter()
            .filter(|p| overlaps_docker_bridge(p))
            .collect();
        if !docker.is_empty() {
            out.add(
                "AML-PE-004",
                &vnet_id,
                Some("address_space"),
                format!("The virtual network uses {}, which overlaps 172.17.0.0/16, Docker's default bridge network: computes and image builds in it cannot reach those addresses.", docker.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")),
                "Give the virtual network an address space outside 172.17.0.0/16 (azurerm_virtual_network.address_space), or move the endpoint to another network.",
            );
        }
        let subnet_id = pe.properties.subnet.id.clone().unwrap_or_default();
        let subnet_name = subnet_id.rsplit('/').next().unwrap_or_default();
        if let Some(subnet) = vnet.subnet(subnet_name) {
            let policies = subnet
                .properties
                .private_endpoint_network_policies
                .as_deref();
            if let Some(p) = policies.filter(|p| !p.eq_ignore_ascii_case("Disabled")) {
                out.add(
                    "AML-PE-005",
                    &subnet_id,
                    Some("private_endpoint_network_policies"),
                    format!("The subnet of {pe_id} has private endpoint network policies {p}, not Disabled as the workspace private endpoint docs ask."),
                    "Set the subnet's private endpoint network policies to Disabled (azurerm_subnet.private_endpoint_network_policies = \"Disabled\").",
                );
            }
        }
    }
}

fn dependencies(f: &Facts, out: &mut Out) {
    let w = &f.workspace;
    let private = workspace_private(w);
    for d in &f.dependencies {
        out.denied(
            &d.id,
            d.kind.what(),
            &d.read,
            "its public access, endpoint and SKU checks",
        );
        if let Fetched::Found(dep) = &d.read {
            if private && dep.open_to_internet() {
                out.add(
                    "AML-DEP-001",
                    &d.id,
                    Some("public_network_access"),
                    format!(
                        "The workspace's {} is open to the internet (public network access {}, default action {}) while the workspace's public network access is Disabled: securing the workspace alone does not secure its data.",
                        d.kind.what(),
                        dep.public_network_access().unwrap_or("Enabled"),
                        dep.default_action().unwrap_or("Allow"),
                    ),
                    d.kind.fix(),
                );
            }
        }
    }
    // Several workspace endpoints: one must share a network with the dependencies' endpoints.
    let ws_networks: BTreeSet<String> = f
        .endpoints
        .iter()
        .filter_map(|e| {
            e.endpoint
                .found()?
                .properties
                .subnet
                .id
                .as_deref()
                .and_then(network_of_subnet)
        })
        .collect();
    if f.endpoints.len() >= 2 && !ws_networks.is_empty() {
        let mut per_dep: Vec<BTreeSet<String>> = Vec::new();
        let mut complete = true;
        for d in &f.dependencies {
            let Fetched::Found(dep) = &d.read else {
                complete &= matches!(d.read, Fetched::Gone);
                continue;
            };
            let mut nets = BTreeSet::new();
            for pe in dep.private_endpoint_ids() {
                match f.dependency_endpoint_networks.get(&pe.to_ascii_lowercase()) {
                    Some(Fetched::Found(Some(n))) => {
                        nets.insert(n.clone());
                    }
                    Some(Fetched::Denied(p)) => {
                        out.add(
                            "AML-READ-001",
                            &pe,
                            None,
                            format!("Could not read the private endpoint {pe} of the {} (403): the identity lacks {p}. Skipped: the shared-network check of the workspace's endpoints.", d.kind.what()),
                            format!("Grant {p} on {pe} to the identity running Terraform (the Reader role includes it)."),
                        );
                        complete = false;
                    }
                    _ => {}
                }
            }
            per_dep.push(nets);
        }
        let shared = ws_networks
            .iter()
            .any(|n| per_dep.iter().all(|s| s.contains(n)));
        if complete && !per_dep.is_empty() && !shared {
            out.add(
                "AML-DEP-002",
                &f.workspace_id,
                Some("private_endpoint_connections"),
                format!(
                    "The workspace has {} private endpoints, and none is in a virtual network that also holds private endpoints to its storage account, key vault and container registry (the docs: one of the private endpoints must be in the same virtual network as the dependency services).",
                    f.endpoints.len()
                ),
                "Place one `aml_private_endpoint` to the workspace in the virtual network that holds the dependencies' endpoints, or add `aml_private_endpoint`s to storage, key vault and registry in one of the workspace endpoints' networks.",
            );
        }
    }
    let must_build_privately = private || managed_network_enabled(w);
    let no_compute = w.image_build_compute.as_deref().is_none_or(str::is_empty);
    if must_build_privately && no_compute {
        for d in f
            .dependencies
            .iter()
            .filter(|d| d.kind == DependencyKind::Registry)
        {
            if let Fetched::Found(acr) = &d.read {
                if !acr
                    .sku_name()
                    .is_some_and(|s| s.eq_ignore_ascii_case("Premium"))
                {
                    out.add(
                        "AML-DEP-003",
                        &d.id,
                        Some("sku"),
                        format!(
                            "Images must be built privately (the workspace is {}), no image build compute is set, and the registry is {}, not Premium: it cannot be reached privately, so environment image builds fail.",
                            if private { "private" } else { "in a managed network" },
                            acr.sku_name().unwrap_or("without a SKU"),
                        ),
                        "Build images on a compute cluster: `aml_workspace_image_build.compute_name = \"<cluster>\"` (or use a Premium registry with a private endpoint).",
                    );
                }
            }
        }
    }
}

fn rule_target(r: &RuleListing) -> (Option<&str>, Option<&str>) {
    match r.properties.as_ref().and_then(|p| p.destination.as_ref()) {
        Some(RuleListingDestination::Host(h)) => (Some(h.as_str()), None),
        Some(RuleListingDestination::Target(t)) => (None, t.service_resource_id.as_deref()),
        _ => (None, None),
    }
}

fn managed_network(f: &Facts, out: &mut Out) {
    let w = &f.workspace;
    let id = f.workspace_id.as_str();
    if !managed_network_enabled(w) {
        return;
    }
    let active = managed_network_active(w);
    if !active {
        out.add(
            "AML-MN-001",
            id,
            Some("managed_network.status"),
            format!("Managed network isolation is {} but the network is not provisioned: computes and deployments that need it fail or wait until it is.", isolation_mode(w)),
            "Apply `aml_workspace_managed_network` for this workspace: it provisions the network during the apply and waits until it is Active.",
        );
    }
    let Some(rules) = &f.rules else { return };
    out.denied(
        id,
        "outbound rules of the workspace",
        rules,
        "the outbound rule checks",
    );
    let Fetched::Found(rules) = rules else { return };
    let approved_only = isolation_mode(w).eq_ignore_ascii_case("AllowOnlyApprovedOutbound");
    let user: Vec<&RuleListing> = rules
        .iter()
        .filter(|r| {
            eq(
                r.properties.as_ref().and_then(|p| p.category.as_deref()),
                "UserDefined",
            )
        })
        .collect();
    for r in &user {
        let p = r.properties.clone().unwrap_or_default();
        let rule_id =
            r.id.clone()
                .unwrap_or_else(|| format!("{id}/outboundRules/{}", r.name()));
        let (host, _) = rule_target(r);
        let is_pe = eq(p.r#type.as_deref(), "PrivateEndpoint");
        // A storage host the docs themselves list for a tool (vscode.blob.core.windows.net of
        // the `vscode` preset) is storage the user does not own: an FQDN rule is right for it.
        if approved_only
            && eq(p.r#type.as_deref(), "FQDN")
            && host.is_some_and(|h| is_storage_fqdn(h) && !is_preset_host(h))
        {
            out.add(
                "AML-MN-002",
                &rule_id,
                Some("destination"),
                format!("Rule {} allows the storage endpoint {} by FQDN: in approved-outbound mode storage must be reached through a private endpoint rule.", r.name(), host.unwrap_or_default()),
                "Replace it with `aml_managed_network_outbound_rule` and a `private_endpoint` block (`service_resource_id` = the storage account, `subresource_target = \"blob\"`).",
            );
        }
        let hint = if is_pe {
            " For a private endpoint rule, the workspace's managed identity needs the Azure AI Enterprise Network Connection Approver role (or a role with Microsoft.Network/privateEndpointConnections approval) on the target."
        } else {
            ""
        };
        if eq(p.status.as_deref(), "Failed") {
            out.add(
                "AML-MN-003",
                &rule_id,
                Some("status"),
                format!("Rule {} is Failed: {}.{hint}", r.name(), p.error_information.as_deref().unwrap_or("the service gave no reason")),
                "Correct what the service reports (target, permissions), then apply the `aml_managed_network_outbound_rule` again.",
            );
        }
        if active && eq(p.status.as_deref(), "Inactive") {
            out.add(
                "AML-MN-004",
                &rule_id,
                Some("status"),
                format!("Rule {} is Inactive although the managed network is provisioned: its traffic is not allowed.{hint}", r.name()),
                "Apply the `aml_managed_network_outbound_rule` again (or `aml_workspace_managed_network` to provision the network again) and check the rule's target.",
            );
        }
    }
    if !ip_rules(w).is_empty() {
        let to_self = user.iter().any(|r| {
            eq(
                r.properties.as_ref().and_then(|p| p.r#type.as_deref()),
                "PrivateEndpoint",
            ) && rule_target(r).1.is_some_and(|t| t.eq_ignore_ascii_case(id))
        });
        if !to_self {
            out.add(
                "AML-MN-005",
                id,
                Some("managed_network.outbound_rules"),
                "The workspace admits selected IP addresses and has a managed network, but no private endpoint outbound rule to the workspace itself: computes in the managed network reach the workspace only through such a rule (the docs' 'enable access from selected IP addresses' scenario).".to_string(),
                format!("Add `aml_managed_network_outbound_rule` with a `private_endpoint` block: `service_resource_id = \"{id}\"`, `subresource_target = \"amlworkspace\"`."),
            );
        }
    }
}

fn online_endpoints(f: &Facts, out: &mut Out) {
    let w = &f.workspace;
    let id = f.workspace_id.as_str();
    out.denied(
        id,
        "online endpoints of the workspace",
        &f.online_endpoints,
        "the online endpoint checks",
    );
    let Fetched::Found(endpoints) = &f.online_endpoints else {
        return;
    };
    for e in endpoints {
        let name = e.name.clone().unwrap_or_default();
        let eid = format!("{id}/onlineEndpoints/{name}");
        let pna = e
            .properties
            .as_ref()
            .and_then(|p| p.public_network_access.as_deref());
        if workspace_private(w) && !eq(pna, "Disabled") {
            out.add(
                "AML-OE-001",
                &eid,
                Some("public_network_access"),
                format!("Online endpoint {name} has public network access {} while the workspace's is Disabled: the product does not support this combination.", pna.unwrap_or("Enabled")),
                "Set `aml_online_endpoint.public_network_access = \"Disabled\"` (scoring then goes through the workspace's private endpoint).",
            );
        }
        if managed_network_enabled(w) && !managed_network_active(w) {
            out.add(
                "AML-OE-002",
                &eid,
                None,
                format!("Online endpoint {name} is in a workspace whose managed network is not provisioned: its deployments can be created only once the network is provisioned."),
                "Apply `aml_workspace_managed_network` for the workspace (it provisions the network) before creating deployments.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value as Json};

    const WS: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w";
    const SNET: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet";
    const VNET: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet";
    const PE: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe";
    const API: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms";
    const NB: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.notebooks.azure.net";
    const SA: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa";
    const KV: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";
    const ACR: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr";

    fn p<T: serde::de::DeserializeOwned>(v: Json) -> T {
        serde_json::from_value(v).unwrap()
    }

    fn endpoint(status: &str, zones: &[&str]) -> EndpointFacts {
        EndpointFacts {
            connection_id: format!("{WS}/privateEndpointConnections/c"),
            status: Some(status.into()),
            description: None,
            private_endpoint_id: Some(PE.into()),
            endpoint: Fetched::Found(p(json!({"properties": {"subnet": {"id": SNET}}}))),
            zone_groups: Fetched::Found(vec![p(json!({"properties": {"privateDnsZoneConfigs":
                zones.iter().map(|z| json!({"properties": {"privateDnsZoneId": z}})).collect::<Vec<_>>()}}))]),
        }
    }

    fn dep(kind: DependencyKind, id: &str, body: Json) -> DependencyFacts {
        DependencyFacts {
            kind,
            id: id.into(),
            read: Fetched::Found(p(body)),
        }
    }

    /// A private, well-formed world: no finding.
    fn clean() -> Facts {
        let linked: BTreeSet<String> = [VNET.to_ascii_lowercase()].into();
        let private = json!({"properties": {"publicNetworkAccess": "Disabled"}});
        Facts {
            workspace_id: WS.into(),
            workspace: p(json!({"publicNetworkAccess": "Disabled", "imageBuildCompute": "cluster"})),
            cloud_zones: vec!["privatelink.api.azureml.ms".into(), "privatelink.notebooks.azure.net".into()],
            endpoints: vec![endpoint("Approved", &[API, NB])],
            networks: [(VNET.to_ascii_lowercase(), Fetched::Found(p(json!({"id": VNET, "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "snet", "properties": {"privateEndpointNetworkPolicies": "Disabled"}}]}}))))]
            .into(),
            zone_links: [
                (API.to_ascii_lowercase(), Fetched::Found(linked.clone())),
                (NB.to_ascii_lowercase(), Fetched::Found(linked)),
            ]
            .into(),
            dependencies: vec![
                dep(DependencyKind::Storage, SA, private.clone()),
                dep(DependencyKind::KeyVault, KV, private.clone()),
                dep(DependencyKind::Registry, ACR, json!({"sku": {"name": "Premium"}, "properties": {"publicNetworkAccess": "Disabled"}})),
            ],
            dependency_endpoint_networks: BTreeMap::new(),
            rules: None,
            online_endpoints: Fetched::Found(vec![p(json!({"name": "e", "properties": {"publicNetworkAccess": "Disabled"}}))]),
        }
    }

    fn codes(f: &Facts) -> Vec<&'static str> {
        evaluate(f, &[]).into_iter().map(|f| f.code).collect()
    }

    /// One case per finding code: the change to the clean world that makes it fire.
    fn check(code: &str, change: impl Fn(&mut Facts)) {
        let mut f = clean();
        assert_eq!(
            codes(&f),
            Vec::<&str>::new(),
            "the clean world has no finding"
        );
        change(&mut f);
        let got = evaluate(&f, &[]);
        assert!(
            got.iter().any(|x| x.code == code),
            "{code} should fire: {got:#?}"
        );
        for x in &got {
            assert!(!x.message.is_empty() && !x.fix.is_empty(), "{x:?}");
            assert_eq!(x.severity, severity_of(x.code));
        }
        assert!(
            !evaluate(&f, &[code.to_string()])
                .iter()
                .any(|x| x.code == code),
            "ignore drops {code}"
        );
    }

    /// Sets the workspace properties given in `v`, keeping the others.
    fn ws(f: &mut Facts, v: Json) {
        let new: WorkspaceReadProperties = p(v);
        let old = std::mem::take(&mut f.workspace);
        f.workspace = WorkspaceReadProperties {
            public_network_access: new.public_network_access.or(old.public_network_access),
            allow_public_access_when_behind_vnet: new
                .allow_public_access_when_behind_vnet
                .or(old.allow_public_access_when_behind_vnet),
            network_acls: new.network_acls.or(old.network_acls),
            managed_network: new.managed_network.or(old.managed_network),
            image_build_compute: new.image_build_compute.or(old.image_build_compute),
            ..old
        };
    }

    fn merge(a: &mut Json, b: Json) {
        match (a, b) {
            (Json::Object(a), Json::Object(b)) => {
                for (k, v) in b {
                    merge(a.entry(k).or_insert(Json::Null), v);
                }
            }
            (a, b) => *a = b,
        }
    }

    fn managed(f: &mut Facts, status: &str, rules: Json) {
        ws(
            f,
            json!({"managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "status": {"status": status}}}),
        );
        f.rules = Some(Fetched::Found(p(rules)));
    }

    #[test]
    fn inbound_codes() {
        check("AML-IN-001", |f| {
            ws(f, json!({"publicNetworkAccess": "Enabled"}))
        });
        check("AML-IN-002", |f| {
            ws(f, json!({"publicNetworkAccess": "Enabled"}));
            f.endpoints.clear();
        });
        check("AML-IN-003", |f| {
            ws(
                f,
                json!({"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "1.2.3.4"}]}}),
            )
        });
        check("AML-IN-004", |f| {
            ws(
                f,
                json!({"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow", "ipRules": [{"value": "1.2.3.4"}]}}),
            )
        });
        check("AML-IN-005", |f| {
            ws(f, json!({"allowPublicAccessWhenBehindVnet": true}))
        });
        // Enabled with Deny and rules is the documented selected-addresses setup: no inbound finding.
        let mut f = clean();
        ws(
            &mut f,
            json!({"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "1.2.3.4"}]}}),
        );
        assert_eq!(codes(&f), Vec::<&str>::new());
    }

    #[test]
    fn private_endpoint_codes() {
        check("AML-PE-001", |f| {
            f.endpoints[0].status = Some("Pending".into())
        });
        check("AML-PE-002", |f| {
            f.endpoints[0] = endpoint("Approved", &[API])
        });
        check("AML-PE-002", |f| {
            f.endpoints[0].zone_groups = Fetched::Found(vec![])
        });
        check("AML-PE-003", |f| {
            f.zone_links
                .insert(NB.to_ascii_lowercase(), Fetched::Found(BTreeSet::new()));
        });
        check("AML-PE-004", |f| {
            f.networks.insert(
                VNET.to_ascii_lowercase(),
                Fetched::Found(p(
                    json!({"properties": {"addressSpace": {"addressPrefixes": ["172.16.0.0/12"]}}}),
                )),
            );
        });
        check("AML-PE-005", |f| {
            f.networks.insert(VNET.to_ascii_lowercase(), Fetched::Found(p(json!({"properties": {
                "subnets": [{"name": "SNET", "properties": {"privateEndpointNetworkPolicies": "Enabled"}}]}}))));
        });
        let mut f = clean();
        f.endpoints[0].status = Some("Rejected".into());
        let got = evaluate(&f, &[]);
        assert_eq!(
            got[0].resource_id,
            format!("{WS}/privateEndpointConnections/c")
        );
        assert!(got[0].message.contains("Rejected"), "{}", got[0].message);
    }

    #[test]
    fn docker_bridge_overlap() {
        for (cidr, want) in [
            ("172.17.0.0/16", true),
            ("172.17.5.0/24", true),
            ("172.16.0.0/12", true),
            ("0.0.0.0/0", true),
            ("172.18.0.0/16", false),
            ("10.0.0.0/8", false),
            ("not an address", false),
        ] {
            assert_eq!(overlaps_docker_bridge(cidr), want, "{cidr}");
        }
    }

    #[test]
    fn dependency_codes() {
        check("AML-DEP-001", |f| {
            f.dependencies[0] = dep(DependencyKind::Storage, SA, json!({}))
        });
        check("AML-DEP-001", |f| {
            f.dependencies[2] = dep(
                DependencyKind::Registry,
                ACR,
                json!({"sku": {"name": "Premium"}, "properties": {"networkRuleSet": {"defaultAction": "Allow"}}}),
            )
        });
        let two = |f: &mut Facts| {
            let mut second = endpoint("Approved", &[API, NB]);
            second.private_endpoint_id = Some(format!("{PE}2"));
            second.connection_id = format!("{WS}/privateEndpointConnections/c2");
            f.endpoints.push(second);
        };
        check("AML-DEP-002", two);
        // The same world with the dependencies' endpoints in the workspace endpoints' network.
        let mut f = clean();
        two(&mut f);
        for (i, d) in f.dependencies.iter_mut().enumerate() {
            let pe = format!("/pe-dep-{i}");
            let sku = if d.kind == DependencyKind::Registry {
                json!({"name": "Premium"})
            } else {
                json!(null)
            };
            d.read = Fetched::Found(p(
                json!({"sku": sku, "properties": {"publicNetworkAccess": "Disabled",
                "privateEndpointConnections": [{"properties": {"privateEndpoint": {"id": pe}}}]}}),
            ));
            f.dependency_endpoint_networks
                .insert(pe, Fetched::Found(Some(VNET.to_ascii_lowercase())));
        }
        assert_eq!(codes(&f), Vec::<&str>::new());
        check("AML-DEP-003", |f| {
            ws(f, json!({"imageBuildCompute": ""}));
            f.dependencies[2] = dep(
                DependencyKind::Registry,
                ACR,
                json!({"sku": {"name": "Basic"}, "properties": {"publicNetworkAccess": "Disabled"}}),
            );
        });
    }

    #[test]
    fn managed_network_codes() {
        let user = |name: &str, props: Json| {
            let mut p = json!({"category": "UserDefined", "status": "Active"});
            merge(&mut p, props);
            json!({"name": name, "id": format!("{WS}/outboundRules/{name}"), "properties": p})
        };
        check("AML-MN-001", |f| managed(f, "Inactive", json!([])));
        check("AML-MN-002", |f| {
            managed(
                f,
                "Active",
                json!([user(
                    "st",
                    json!({"type": "FQDN", "destination": "sa.blob.core.windows.net"})
                )]),
            )
        });
        // The docs' own storage host for VS Code is not the user's storage: no finding.
        let mut f = clean();
        managed(
            &mut f,
            "Active",
            json!([user(
                "vscode-blob",
                json!({"type": "FQDN", "destination": "VSCode.blob.core.windows.net"})
            )]),
        );
        assert_eq!(codes(&f), Vec::<&str>::new());
        check("AML-MN-003", |f| {
            managed(
                f,
                "Active",
                json!([user(
                    "pe",
                    json!({"type": "PrivateEndpoint", "status": "Failed", "errorInformation": "denied",
                "destination": {"serviceResourceId": SA, "subresourceTarget": "blob"}})
                )]),
            )
        });
        check("AML-MN-004", |f| {
            managed(
                f,
                "Active",
                json!([user(
                    "fq",
                    json!({"type": "FQDN", "destination": "pypi.org", "status": "Inactive"})
                )]),
            )
        });
        check("AML-MN-005", |f| {
            ws(
                f,
                json!({"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "1.2.3.4"}]}}),
            );
            managed(f, "Active", json!([]));
        });
        // The same world fixed: a private endpoint rule to the workspace itself.
        let mut f = clean();
        ws(
            &mut f,
            json!({"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "1.2.3.4"}]}}),
        );
        managed(
            &mut f,
            "Active",
            json!([user(
                "self",
                json!({"type": "PrivateEndpoint", "destination": {"serviceResourceId": WS.to_uppercase(), "subresourceTarget": "amlworkspace"}})
            )]),
        );
        assert_eq!(codes(&f), Vec::<&str>::new());
        // The failure hint of a private endpoint rule names the approver role.
        let mut f = clean();
        managed(
            &mut f,
            "Active",
            json!([user(
                "pe",
                json!({"type": "PrivateEndpoint", "status": "Failed", "destination": {"serviceResourceId": SA}})
            )]),
        );
        let got = evaluate(&f, &[]);
        assert!(got[0].message.contains("Approver"), "{}", got[0].message);
        // FQDN rules are fine in internet-outbound mode; system rules are not checked.
        let mut f = clean();
        managed(
            &mut f,
            "Active",
            json!([{"name": "__SYS", "properties": {"category": "Required", "status": "Inactive"}}]),
        );
        assert_eq!(codes(&f), Vec::<&str>::new());
    }

    #[test]
    fn online_endpoint_codes() {
        check("AML-OE-001", |f| {
            f.online_endpoints = Fetched::Found(vec![p(json!({"name": "e"}))])
        });
        check("AML-OE-002", |f| managed(f, "Inactive", json!([])));
    }

    #[test]
    fn a_denied_read_is_an_info_finding_and_skips_its_checks() {
        check("AML-READ-001", |f| {
            f.dependencies[0].read = Fetched::Denied("Microsoft.Storage/storageAccounts/read")
        });
        let mut f = clean();
        f.dependencies[0].read = Fetched::Denied("Microsoft.Storage/storageAccounts/read");
        f.endpoints[0].zone_groups =
            Fetched::Denied("Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read");
        let got = evaluate(&f, &[]);
        assert_eq!(
            got.iter().map(|x| (x.code, x.severity)).collect::<Vec<_>>(),
            vec![("AML-READ-001", Severity::Info); 2]
        );
        assert!(got.iter().any(
            |x| x.message.contains("Microsoft.Storage/storageAccounts/read") && x.resource_id == SA
        ));
    }

    #[test]
    fn order_is_by_code_then_resource_and_codes_are_unique() {
        let mut f = clean();
        ws(&mut f, json!({"publicNetworkAccess": "Enabled"}));
        f.endpoints[0].status = Some("Pending".into());
        f.online_endpoints = Fetched::Found(vec![]);
        f.dependencies[0] = dep(DependencyKind::Storage, SA, json!({}));
        assert_eq!(codes(&f), vec!["AML-IN-001", "AML-PE-001"]);
        let mut seen = BTreeSet::new();
        assert!(CODES.iter().all(|c| seen.insert(c.0)));
        assert!(is_code("AML-PE-002") && !is_code("AML-PE-999"));
        assert!(code_list().starts_with("AML-IN-001, AML-IN-002"));
    }
}
