//! `aml_managed_network_outbound_rule`: one user-defined outbound rule of a workspace's managed
//! network (`Microsoft.MachineLearningServices/workspaces/outboundRules`, stable api-version
//! [`api_versions::ML`]): an FQDN, a service tag or a private endpoint.
//!
//! Writes go through [`outbound_rules`], which serialises the rule writes of one workspace and
//! verifies (and repairs) the sibling rules after each write, so rules created together are
//! never lost (azapi #453). Inputs are checked at plan time with the attribute path.

use async_trait::async_trait;
use serde_json::Value as Json;

use super::common::{attr, check_workspace_id, keep_spelling, known, read_listed, workspace_id};
use crate::arm::api_versions::{self, ML};
use crate::arm::ids::{OutboundRuleId, ResourceId, WorkspaceId};
use crate::arm::models::outbound_rule::{
    Destination, OutboundRule, PrivateEndpointDestination, RuleProperties, ServiceTagDestination,
};
use crate::arm::outbound_rules::{is_system, name_of};
use crate::provider::handler::{parse, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{self, Path, Type};
use crate::tfplugin::diagnostics::{quote, Diagnostic, Diagnostics};
use crate::tfplugin::model::{Model, Value};
use crate::tfplugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema, Validator};
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::{TypedPlan, TypedResource};

/// The resource.
#[derive(Debug)]
pub struct ManagedNetworkOutboundRule;

/// The type name.
pub const TYPE: &str = "aml_managed_network_outbound_rule";

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct OutboundRuleModel {
    /// The rule's ARM ID.
    pub id: Value<String>,
    /// The workspace.
    pub workspace_id: Value<String>,
    /// The rule name.
    pub name: Value<String>,
    /// `UserDefined`.
    pub category: Value<String>,
    /// `Inactive`, `Active` or `Failed`.
    pub status: Value<String>,
    /// The service's error when the status is `Failed`.
    pub error_information: Value<String>,
    /// An FQDN rule.
    pub fqdn: Option<FqdnBlock>,
    /// A service-tag rule.
    pub service_tag: Option<ServiceTagBlock>,
    /// A private-endpoint rule.
    pub private_endpoint: Option<PrivateEndpointBlock>,
}

/// The `fqdn` block.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct FqdnBlock {
    /// A host name or a `*.` wildcard.
    pub destination: Value<String>,
}

/// The `service_tag` block.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct ServiceTagBlock {
    /// The service tag.
    pub service_tag: Value<String>,
    /// `TCP`, `UDP`, `ICMP` or `*`.
    pub protocol: Value<String>,
    /// Ports and ranges, or `*`.
    pub port_ranges: Value<String>,
    /// `Allow` or `Deny`.
    pub action: Value<String>,
    /// Address prefixes instead of the tag.
    pub address_prefixes: Value<Vec<String>>,
}

/// The `private_endpoint` block.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct PrivateEndpointBlock {
    /// The ARM ID of the target.
    pub service_resource_id: Value<String>,
    /// The sub-resource (group ID).
    pub subresource_target: Value<String>,
    /// Whether Spark jobs may use the endpoint.
    pub spark_enabled: Value<bool>,
    /// Host names resolved to the endpoint.
    pub fqdns: Value<Vec<String>>,
}

type M = OutboundRuleModel;
type Tag = ServiceTagBlock;
type Pe = PrivateEndpointBlock;

/// The three rule blocks, exactly one of which is set.
pub const KINDS: &[&str] = &[M::FQDN, M::SERVICE_TAG, M::PRIVATE_ENDPOINT];

/// Private-endpoint targets the managed-network docs list: resource type (lower case), the
/// sub-resources (group IDs) valid for it (empty = any name, e.g. an Application Gateway's
/// frontend IP configuration), and whether `fqdns` is required.
pub const PE_TARGETS: &[(&str, &[&str], bool)] = &[
    (
        "microsoft.storage/storageaccounts",
        &["blob", "file", "queue", "table", "dfs", "web"],
        false,
    ),
    ("microsoft.keyvault/vaults", &["vault"], false),
    (
        "microsoft.containerregistry/registries",
        &["registry"],
        false,
    ),
    (
        "microsoft.machinelearningservices/workspaces",
        &["amlworkspace"],
        false,
    ),
    (
        "microsoft.machinelearningservices/registries",
        &["amlregistry"],
        false,
    ),
    ("microsoft.cognitiveservices/accounts", &["account"], false),
    ("microsoft.search/searchservices", &["searchService"], false),
    ("microsoft.sql/servers", &["sqlServer"], false),
    (
        "microsoft.documentdb/databaseaccounts",
        &["Sql", "MongoDB", "Cassandra", "Gremlin", "Table"],
        false,
    ),
    ("microsoft.cache/redis", &["redisCache"], false),
    ("microsoft.dbformysql/servers", &["mysqlServer"], false),
    (
        "microsoft.dbformysql/flexibleservers",
        &["mysqlServer"],
        false,
    ),
    (
        "microsoft.dbforpostgresql/servers",
        &["postgresqlServer"],
        false,
    ),
    (
        "microsoft.dbforpostgresql/flexibleservers",
        &["postgresqlServer"],
        false,
    ),
    (
        "microsoft.databricks/workspaces",
        &["databricks_ui_api", "browser_authentication"],
        false,
    ),
    ("microsoft.web/sites", &["sites"], false),
    ("microsoft.apimanagement/service", &["Gateway"], false),
    ("microsoft.purview/accounts", &["account", "portal"], false),
    (
        "microsoft.appconfiguration/configurationstores",
        &["configurationStores"],
        false,
    ),
    ("microsoft.eventhub/namespaces", &["namespace"], false),
    ("microsoft.servicebus/namespaces", &["namespace"], false),
    (
        "microsoft.synapse/workspaces",
        &["Sql", "SqlOnDemand", "Dev"],
        false,
    ),
    (
        "microsoft.datafactory/factories",
        &["dataFactory", "portal"],
        false,
    ),
    ("microsoft.network/applicationgateways", &[], true),
];

/// Checks a rule name against `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`.
pub fn check_name(s: &str) -> Result<(), String> {
    let ok = (3..=33).contains(&s.len())
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a valid outbound rule name: use 3 to 33 letters, digits, '_' or '-', starting with a \
             letter or digit (pattern ^[a-zA-Z0-9][a-zA-Z0-9_-]{{2,32}}$)."
        ))
    }
}

/// Checks an FQDN rule destination: a host name, optionally with a leading `*.` wildcard.
pub fn check_fqdn(s: &str) -> Result<(), String> {
    let host = s.strip_prefix("*.").unwrap_or(s);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    if s.contains("://") || s.contains('/') || s.contains(':') {
        return Err(format!(
            "{s:?} is not a host name: write the name only, without scheme, port or path (e.g. \"pypi.org\")."
        ));
    }
    if host.len() > 253 || labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) {
        return Err(format!(
            "{s:?} is not a valid FQDN: write a host name such as \"pypi.org\", or a wildcard with a leading \
             \"*.\" such as \"*.pythonhosted.org\" (a '*' is allowed only there)."
        ));
    }
    Ok(())
}

/// Checks a service-tag rule's `port_ranges`: `*`, or ports and ranges separated by commas
/// (`80,443,8000-8080`), each within 1..65535.
pub fn check_ports(s: &str) -> Result<(), String> {
    if s == "*" {
        return Ok(());
    }
    let port = |p: &str| p.parse::<u32>().ok().filter(|n| (1..=65535).contains(n));
    for part in s.split(',') {
        let part = part.trim();
        let ok = match part.split_once('-') {
            Some((a, b)) => matches!((port(a), port(b)), (Some(x), Some(y)) if x <= y),
            None => port(part).is_some(),
        };
        if !ok {
            return Err(format!(
                "{s:?} is not a valid port range list: {} is not a port (1-65535) or a range like \
                 \"8000-8080\". Separate entries with commas (\"80,443\"), or use \"*\" for all ports.",
                quote(part)
            ));
        }
    }
    Ok(())
}

/// Checks one of a service-tag rule's `address_prefixes`: an IPv4 or IPv6 address, or a CIDR
/// range of one (`10.0.0.0/8`, `2001:db8::/32`).
pub fn check_address_prefix(s: &str) -> Result<(), String> {
    let q = quote(s);
    let fix = "Write an address like \"52.160.10.4\" or a CIDR range like \"52.160.0.0/16\" (IPv6: \"2001:db8::/32\").";
    if s.trim() != s {
        return Err(format!("{q} has surrounding spaces: remove them."));
    }
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let Ok(ip) = addr.parse::<std::net::IpAddr>() else {
        return Err(format!("{q} is not an IP address or CIDR range. {fix}"));
    };
    if let Some(p) = prefix {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let ok = !p.is_empty()
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= max);
        if !ok {
            return Err(format!(
                "{q} has an invalid prefix length {}: use 0 to {max} for an IPv{} range. {fix}",
                quote(p),
                if ip.is_ipv4() { 4 } else { 6 }
            ));
        }
    }
    Ok(())
}

/// The sovereign and public storage suffixes an FQDN rule should not point at.
const STORAGE_SUFFIXES: &[&str] = &[
    "core.windows.net",
    "core.chinacloudapi.cn",
    "core.usgovcloudapi.net",
];

/// Whether an FQDN is a storage service endpoint (`*.blob.core.windows.net`, …).
pub fn is_storage_fqdn(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    STORAGE_SUFFIXES.iter().any(|suf| {
        ["blob", "file", "queue", "table", "dfs"]
            .iter()
            .any(|svc| s.ends_with(&format!(".{svc}.{suf}")) || s == format!("{svc}.{suf}"))
    })
}

/// Checks a private-endpoint target and sub-resource; the error says which of the two is wrong.
pub fn check_pe_target(resource_id: &str, subresource: &str) -> Result<(), (&'static str, String)> {
    let rid = ResourceId::parse_lenient(resource_id).filter(|r| r.resource_type().is_some());
    let Some(rid) = rid else {
        return Err((
            Pe::SERVICE_RESOURCE_ID,
            format!("{resource_id:?} is not an ARM resource ID (/subscriptions/<sub>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>)."),
        ));
    };
    let ty = rid.resource_type().unwrap_or_default();
    let Some((_, subs, _)) = PE_TARGETS
        .iter()
        .find(|(t, _, _)| t.eq_ignore_ascii_case(&ty))
    else {
        let known: Vec<&str> = PE_TARGETS.iter().map(|(t, _, _)| *t).collect();
        return Err((
            Pe::SERVICE_RESOURCE_ID,
            format!(
                "{ty} is not a target the managed network documents for private-endpoint rules. Supported types: {}.",
                known.join(", ")
            ),
        ));
    };
    if subs.is_empty() {
        return if subresource.trim().is_empty() {
            Err((Pe::SUBRESOURCE_TARGET, format!("A private endpoint to {ty} needs the name of its sub-resource (for an Application Gateway, the private frontend IP configuration's private link configuration name).")))
        } else {
            Ok(())
        };
    }
    if subs.iter().any(|s| s.eq_ignore_ascii_case(subresource)) {
        Ok(())
    } else {
        Err((
            Pe::SUBRESOURCE_TARGET,
            format!(
                "{subresource:?} is not a sub-resource of {ty}: use one of {}.",
                subs.iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

/// Which rule blocks are set.
fn kinds_set(m: &M) -> Vec<&'static str> {
    let set = [
        m.fqdn.is_some(),
        m.service_tag.is_some(),
        m.private_endpoint.is_some(),
    ];
    KINDS
        .iter()
        .zip(set)
        .filter_map(|(k, on)| on.then_some(*k))
        .collect()
}

/// The request properties for the configured rule.
fn request_of(m: &M) -> RuleProperties {
    let (destination, fqdns) = if let Some(b) = &m.fqdn {
        (Destination::Fqdn(b.destination.as_known().cloned()), None)
    } else if let Some(b) = &m.service_tag {
        let d = ServiceTagDestination {
            service_tag: b.service_tag.as_known().cloned(),
            protocol: b.protocol.as_known().cloned(),
            port_ranges: b.port_ranges.as_known().cloned(),
            action: Some(
                b.action
                    .as_known()
                    .cloned()
                    .unwrap_or_else(|| "Allow".into()),
            ),
            address_prefixes: b.address_prefixes.as_known().cloned(),
        };
        (Destination::ServiceTag(d), None)
    } else {
        let b = m.private_endpoint.clone().unwrap_or_else(null_pe);
        let d = PrivateEndpointDestination {
            service_resource_id: b.service_resource_id.known(),
            subresource_target: b.subresource_target.known(),
            spark_enabled: b.spark_enabled.known().unwrap_or(false),
        };
        (Destination::PrivateEndpoint(d), b.fqdns.known())
    };
    RuleProperties {
        category: Some("UserDefined".into()),
        destination: Some(destination),
        fqdns,
        ..RuleProperties::default()
    }
}

fn null_tag() -> Tag {
    Tag::from_value(&cty::Value::Null)
}

fn null_pe() -> Pe {
    Pe::from_value(&cty::Value::Null)
}

/// A list from the service: null when absent or empty.
fn list_or_null(v: Option<Vec<String>>) -> Value<Vec<String>> {
    known(v.filter(|l| !l.is_empty()))
}

/// A list from the service, keeping the prior empty list when the service has none (so an
/// explicit `[]` does not read back as null).
fn list_keep(remote: Option<Vec<String>>, prior: &Value<Vec<String>>) -> Value<Vec<String>> {
    let v = list_or_null(remote);
    if v.is_null() && prior.as_known().is_some_and(Vec::is_empty) {
        prior.clone()
    } else {
        v
    }
}

/// Keeps the prior value when the remote value is the service default and the prior one is
/// null or that default (so an unset optional argument does not show as drift).
fn defaulted<T: PartialEq + Clone>(remote: Value<T>, default: T, prior: &Value<T>) -> Value<T> {
    let default = Value::Known(default);
    if remote == default && (prior.is_null() || *prior == default) {
        prior.clone()
    } else {
        remote
    }
}

/// The state for a rule named `name` as listed, keeping `prior`'s arguments where the remote
/// has defaults.
fn state_of(rule: OutboundRule, name: String, ws: &WorkspaceId, prior: &M) -> M {
    let p = rule.properties;
    let id = ws.outbound_rule(&name).to_string();
    let workspace_id = prior.workspace_id.as_known().cloned();
    let name = match prior.name.as_known() {
        Some(n) if n.eq_ignore_ascii_case(&name) => n.clone(),
        _ => name,
    };
    let mut out = M {
        id: Value::Known(id),
        workspace_id: Value::Known(workspace_id.unwrap_or_else(|| ws.to_string())),
        name: Value::Known(name),
        category: known(p.category),
        status: known(p.status),
        error_information: known(p.error_information),
        fqdn: None,
        service_tag: None,
        private_endpoint: None,
    };
    match p.destination {
        Some(Destination::Fqdn(d)) => {
            out.fqdn = Some(FqdnBlock {
                destination: known(d),
            });
        }
        Some(Destination::ServiceTag(d)) => {
            let pb = prior.service_tag.clone().unwrap_or_else(null_tag);
            let prefixes_unset = pb.address_prefixes.is_null() && !pb.service_tag.is_null();
            out.service_tag = Some(Tag {
                service_tag: known(d.service_tag),
                protocol: known(d.protocol),
                port_ranges: known(d.port_ranges),
                action: defaulted(known(d.action), "Allow".into(), &pb.action),
                address_prefixes: if prefixes_unset {
                    Value::Null
                } else {
                    list_keep(d.address_prefixes, &pb.address_prefixes)
                },
            });
        }
        Some(Destination::PrivateEndpoint(d)) => {
            let pb = prior.private_endpoint.clone().unwrap_or_else(null_pe);
            out.private_endpoint = Some(Pe {
                service_resource_id: keep_spelling(
                    known(d.service_resource_id),
                    &pb.service_resource_id,
                    str::to_ascii_lowercase,
                ),
                subresource_target: known(d.subresource_target),
                spark_enabled: defaulted(Value::Known(d.spark_enabled), false, &pb.spark_enabled),
                fqdns: list_keep(p.fqdns, &pb.fqdns),
            });
        }
        None => {}
    }
    out
}

/// A rule body as ARM returns it: its name (from `id` when `name` is absent) and the rule.
fn rule_of(body: &Json) -> Result<(String, OutboundRule), Error> {
    Ok((name_of(body), parse(body)?))
}

/// The first required attribute of a rule block: Terraform shows a diagnostic's source line
/// only for attribute paths, so block-level errors point here.
fn first_attribute(kind: &str) -> &'static str {
    match kind {
        M::FQDN => FqdnBlock::DESTINATION,
        M::SERVICE_TAG => Tag::PROTOCOL,
        _ => Pe::SERVICE_RESOURCE_ID,
    }
}

fn block_path(kind: &str) -> Path {
    attr(kind)
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for ManagedNetworkOutboundRule {
    type Model = M;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let fqdn = Block::new("Allow outbound traffic to a host name (ports 80 and 443; approved-outbound mode only).")
            .attribute(
                Attribute::required(
                    "destination",
                    Type::String,
                    "A host name (`pypi.org`) or a wildcard with a leading `*.` (`*.pythonhosted.org`). No scheme, port or path.",
                )
                .validate(Validator::Str(check_fqdn)),
            );
        let service_tag = Block::new("Allow (or deny) outbound traffic to an Azure service tag or address prefixes (approved-outbound mode only).")
            .attribute(Attribute::optional("service_tag", Type::String, "The service tag, e.g. `DataFactory` or `AzureOpenDatasets`."))
            .attribute(
                Attribute::required("protocol", Type::String, "`TCP`, `UDP`, `ICMP` or `*`.")
                    .validate(Validator::OneOf(&["TCP", "UDP", "ICMP", "*"])),
            )
            .attribute(
                Attribute::required("port_ranges", Type::String, "Ports and ranges separated by commas (`80,443`, `8000-8080`), or `*`.")
                    .validate(Validator::Str(check_ports)),
            )
            .attribute(
                Attribute::optional("action", Type::String, "`Allow` (the service's default when unset) or `Deny`.")
                    .validate(Validator::OneOf(&["Allow", "Deny"])),
            )
            .attribute(Attribute::optional(
                "address_prefixes",
                Type::list(Type::String),
                "Address prefixes to use instead of the service tag.",
            ));
        let private_endpoint = Block::new("A private endpoint from the managed network to an Azure resource (any isolation mode).")
            .attribute(Attribute::required(
                "service_resource_id",
                Type::String,
                "The ARM ID of the target resource: any of the target types the managed-network docs list (storage, key vault, container registry, ML workspace and registry, AI services, AI Search, SQL, Cosmos DB, Redis, MySQL, PostgreSQL, Databricks, App Service, API Management, Purview, App Configuration, Event Hubs, Service Bus, Synapse, Data Factory, Application Gateway).",
            ))
            .attribute(Attribute::required(
                "subresource_target",
                Type::String,
                "The sub-resource (group ID) valid for the target type, e.g. `blob` or `dfs` for storage, `vault`, `registry`, `amlworkspace`, `account`, `searchService`, `sqlServer`. For an Application Gateway, the name of its private link configuration.",
            ))
            .attribute(Attribute::optional(
                "spark_enabled",
                Type::Bool,
                "Whether Spark jobs may use the endpoint (the network must be provisioned with Spark). Default `false`.",
            ))
            .attribute(Attribute::optional(
                "fqdns",
                Type::list(Type::String),
                "Host names resolved to the endpoint; required for an Application Gateway target.",
            ));
        let block = Block::new(format!(
            "One user-defined outbound rule of an Azure Machine Learning workspace's managed virtual network: \
             exactly one of `fqdn`, `service_tag` or `private_endpoint`.\n\n\
             FQDN and service-tag rules need isolation mode `AllowOnlyApprovedOutbound` (set it with \
             `aml_workspace_managed_network` and refer to that resource's `workspace_id`, so the mode is changed \
             first); private-endpoint rules work in both modes. The first FQDN rule deploys a billed Azure Firewall. \
             Names, host names, ports and private-endpoint sub-resources are checked at plan time.\n\n\
             All rule writes of one workspace go through one in-process queue: they run back to back, and after \
             each write the provider lists the rules and writes again any sibling that the service lost. System rules \
             (categories Required, Recommended, Dependency) are never written or deleted. Uses api-version `{}`.",
            api_versions::ML
        ))
        .attribute(Attribute::id("The rule's ARM ID: the workspace ID, `/outboundRules/`, the name."))
        .attribute(
            Attribute::required("workspace_id", Type::String, "The ARM ID of the workspace whose managed network gets the rule.")
                .requires_replace()
                .case_insensitive()
                .validate(Validator::Str(check_workspace_id)),
        )
        .attribute(
            Attribute::required("name", Type::String, "The rule name: 3 to 33 letters, digits, `_` or `-`, starting with a letter or digit.")
                .requires_replace()
                .validate(Validator::Str(check_name)),
        )
        .attribute(Attribute::computed("category", Type::String, "`UserDefined` for rules of this resource."))
        .attribute(Attribute::computed("status", Type::String, "`Inactive` until the managed network is provisioned, then `Active` (or `Failed`)."))
        .attribute(Attribute::computed("error_information", Type::String, "The service's error when the status is `Failed`."))
        .block(NestedBlock::new("fqdn", Nesting::Single, fqdn))
        .block(NestedBlock::new("service_tag", Nesting::Single, service_tag))
        .block(NestedBlock::new("private_endpoint", Nesting::Single, private_endpoint));
        Schema::new(block)
    }

    fn import_doc(&self) -> &'static str {
        "Import a rule with its ARM ID: the workspace ID, `/outboundRules/`, and the rule name. System rules \
         (category Required, Recommended or Dependency) cannot be imported."
    }

    fn validate(&self, config: &M, diags: &mut Diagnostics) {
        let set = kinds_set(config);
        match set.len() {
            1 => {}
            0 => diags.error_at(
                Path::root(),
                "An outbound rule needs exactly one of fqdn, service_tag or private_endpoint",
                "Add one block: `fqdn { destination = \"pypi.org\" }`, `service_tag { ... }` or `private_endpoint { ... }`.",
            ),
            _ => diags.error_at(
                block_path(set[1]).attr(first_attribute(set[1])),
                "An outbound rule takes exactly one of fqdn, service_tag or private_endpoint",
                format!("This rule sets {}; use one aml_managed_network_outbound_rule per destination.", set.join(" and ")),
            ),
        }
        if let Some(b) = &config.service_tag {
            if let Value::Known(prefixes) = &b.address_prefixes {
                for (i, p) in prefixes.iter().enumerate() {
                    if let Err(e) = check_address_prefix(p) {
                        diags.error_at(
                            block_path(M::SERVICE_TAG)
                                .attr(Tag::ADDRESS_PREFIXES)
                                .index(i as i64),
                            "Invalid address prefix",
                            e,
                        );
                    }
                }
            }
            if b.service_tag.is_null() && b.address_prefixes.is_null() {
                diags.error_at(
                    block_path(M::SERVICE_TAG).attr(Tag::SERVICE_TAG),
                    "A service_tag rule needs service_tag or address_prefixes",
                    "Set service_tag (e.g. \"DataFactory\") or address_prefixes.",
                );
            }
        }
        if let Some(b) = &config.private_endpoint {
            if let (Some(id), Some(sub)) = (
                b.service_resource_id.as_known(),
                b.subresource_target.as_known(),
            ) {
                match check_pe_target(id, sub) {
                    Err((at, msg)) => diags.error_at(
                        block_path(M::PRIVATE_ENDPOINT).attr(at),
                        "Invalid private-endpoint target",
                        msg,
                    ),
                    Ok(()) => {
                        let needs_fqdns = PE_TARGETS.iter().any(|(t, _, f)| {
                            *f && ResourceId::parse_lenient(id)
                                .and_then(|r| r.resource_type())
                                .is_some_and(|rt| rt.eq_ignore_ascii_case(t))
                        });
                        if needs_fqdns && b.fqdns.is_null() {
                            diags.error_at(
                                block_path(M::PRIVATE_ENDPOINT).attr(Pe::FQDNS),
                                "A private endpoint to an Application Gateway needs fqdns",
                                "List the host names that should resolve to the endpoint in fqdns.",
                            );
                        }
                    }
                }
            }
        }
    }

    async fn plan(&self, ctx: &Ctx<'_>, plan: &mut TypedPlan<M>) -> Result<(), Error> {
        let Some(ws) = plan
            .planned
            .workspace_id
            .as_known()
            .and_then(|w| WorkspaceId::parse(w).ok())
        else {
            return Ok(());
        };
        let kind = kinds_set(&plan.config).first().copied();
        let arm = ctx.arm().await?;
        let view = ctx
            .client
            .outbound_rules()
            .await?
            .view(&ws, arm.deadline())
            .await
            .doing(format!("reading workspace {ws}"))?;
        let Some(view) = view else {
            return Ok(());
        };
        let mode = ctx
            .client
            .plan_facts()
            .planned_isolation_mode(&ws)
            .unwrap_or(view.isolation_mode.clone());
        match (kind, mode.as_str()) {
            (Some(k @ (M::FQDN | M::SERVICE_TAG)), m) if m != "AllowOnlyApprovedOutbound" => {
                let (first, what) = if k == M::FQDN {
                    (FqdnBlock::DESTINATION, "FQDN")
                } else {
                    (Tag::SERVICE_TAG, "Service-tag")
                };
                plan.diagnostics.error_at(
                    block_path(k).attr(first),
                    format!("{what} rules need isolation mode AllowOnlyApprovedOutbound"),
                    format!(
                        "Workspace {ws} has managed network isolation mode {m:?}; the service accepts FQDN and \
                         service-tag rules only in approved-outbound mode. Set isolation_mode = \
                         \"AllowOnlyApprovedOutbound\" on an aml_workspace_managed_network for this workspace and use \
                         its workspace_id here, or use a private_endpoint rule."
                    ),
                );
            }
            (Some(M::PRIVATE_ENDPOINT), "Disabled") => {
                plan.diagnostics.error_at(
                    attr(M::WORKSPACE_ID),
                    "The workspace has no managed network",
                    format!(
                        "Workspace {ws} has isolation mode \"Disabled\", so it has no managed network to add rules to. \
                         Manage it with aml_workspace_managed_network (isolation_mode = \"AllowInternetOutbound\" or \
                         \"AllowOnlyApprovedOutbound\") and use its workspace_id here."
                    ),
                );
            }
            _ => {}
        }
        if let Some(name) = plan.planned.name.as_known() {
            if let Some(sys) = view
                .rules
                .iter()
                .find(|r| is_system(r) && name_of(r).eq_ignore_ascii_case(name))
            {
                let (sys_name, sys) = rule_of(sys)?;
                plan.diagnostics.error_at(
                    attr(M::NAME),
                    format!("{name:?} is the name of a system outbound rule"),
                    format!(
                        "Workspace {ws} has a rule {sys_name:?} of category {} that the service manages; it cannot be created, \
                         changed or deleted. Choose another name.",
                        sys.properties.category.unwrap_or_default()
                    ),
                );
            }
        }
        if let Some(b) = &plan.config.fqdn {
            if let Some(d) = b.destination.as_known() {
                if is_storage_fqdn(d) {
                    plan.diagnostics.warning_at(
                        block_path(M::FQDN).attr(FqdnBlock::DESTINATION),
                        "FQDN rule to a storage endpoint",
                        format!(
                            "{d:?} is an Azure Storage endpoint. In approved-outbound mode, your own storage accounts \
                             need a private_endpoint rule (sub-resource blob, file, queue, table or dfs), not an FQDN \
                             rule; an FQDN rule is right only for storage you do not own (such as the docs' \
                             vscode.blob.core.windows.net)."
                        ),
                    );
                }
            }
            let mut has_fqdn = false;
            for r in &view.rules {
                let (_, r) = rule_of(r)?;
                has_fqdn |= matches!(r.properties.destination, Some(Destination::Fqdn(_)));
            }
            if plan.is_create() && !has_fqdn && ctx.client.plan_facts().first_firewall_warning(&ws)
            {
                plan.diagnostics.warning_at(
                    block_path(M::FQDN),
                    "The first FQDN rule deploys a billed Azure Firewall",
                    format!(
                        "Workspace {ws} has no FQDN rule yet. FQDN rules are enforced by an Azure Firewall that the \
                         managed network deploys and bills to you (SKU firewall_sku of aml_workspace_managed_network, \
                         Standard by default). FQDN rules allow ports 80 and 443 only."
                    ),
                );
            }
        }
        Ok(())
    }

    async fn existing(&self, ctx: &Ctx<'_>, planned: &M) -> Result<Option<String>, Error> {
        let ws = workspace_id(&planned.workspace_id)?;
        let arm = ctx.arm().await?;
        let id = ws.outbound_rule(planned.name.as_known().map_or("", String::as_str));
        let found = read_listed(&arm, &id, ML)
            .await
            .doing(format!("reading outbound rule {id}"))?;
        Ok(found.map(|_| id.to_string()))
    }

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        self.write(ctx, planned).await
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let ws = workspace_id(&state.workspace_id)?;
        let arm = ctx.arm().await?;
        let id = ws.outbound_rule(state.name.as_known().map_or("", String::as_str));
        let Some(found) = read_listed(&arm, &id, ML)
            .await
            .doing(format!("reading outbound rule {id}"))?
        else {
            return Ok(None);
        };
        if is_system(&found.body) {
            return Err(Error::new(format!("{id} is a system outbound rule"))
                .detail("Rules of category Required, Recommended or Dependency belong to the service and cannot be managed; remove this resource from the state with `terraform state rm`."));
        }
        let (name, rule) = rule_of(&found.body)?;
        Ok(Some(state_of(rule, name, &ws, state)))
    }

    async fn update(&self, ctx: &Ctx<'_>, _prior: &M, planned: &M) -> Result<M, Error> {
        self.write(ctx, planned).await
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let ws = workspace_id(&state.workspace_id)?;
        let name = state.name.as_known().cloned().unwrap_or_default();
        let arm = ctx.arm().await?;
        match ctx
            .client
            .outbound_rules()
            .await?
            .delete_rule(&ws, &name, arm.deadline())
            .await
        {
            Ok(repaired) => {
                warn_repaired(ctx, &ws, &repaired);
                Ok(())
            }
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e).doing(format!("deleting outbound rule {name} of workspace {ws}")),
        }
    }

    fn import(&self, id: &str) -> Result<M, Error> {
        let rid = OutboundRuleId::parse(id).map_err(|e| {
            Error::new(format!("invalid {TYPE} import ID")).detail(format!(
                "Expected <workspace ID>/outboundRules/<name>: {}",
                e.message
            ))
        })?;
        let mut stub = M::from_value(&cty::Value::Null);
        stub.id = Value::Known(rid.to_string());
        stub.workspace_id = Value::Known(rid.workspace().to_string());
        stub.name = Value::Known(rid.name().to_string());
        Ok(stub)
    }
}

fn warn_repaired(ctx: &Ctx<'_>, ws: &WorkspaceId, repaired: &[String]) {
    if !repaired.is_empty() {
        ctx.warn(Diagnostic::warning(
            "Outbound rules lost by the service were written again",
            format!(
                "After a rule write, workspace {ws} no longer listed {}; the provider wrote them again and checked \
                 that they are present (azapi #453).",
                repaired.join(", ")
            ),
        ));
    }
}

impl ManagedNetworkOutboundRule {
    async fn write(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        let ws = workspace_id(&planned.workspace_id)?;
        let name = planned.name.as_known().cloned().unwrap_or_default();
        let arm = ctx.arm().await?;
        let doing = format!("writing outbound rule {name} of workspace {ws}");
        let props = serde_json::to_value(request_of(planned))
            .map_err(|e| Error::new(format!("{doing}: could not encode the request body: {e}")))?;
        let id = ws.outbound_rule(&name).to_string();
        arm.accepted(&id);
        let written = ctx
            .client
            .outbound_rules()
            .await?
            .put_rule(&ws, &name, &props, arm.deadline())
            .await;
        arm.unless_refused(&id, &written);
        let written = written.doing(&doing)?;
        warn_repaired(ctx, &ws, &written.repaired);
        let Some(rule) = written.rule else {
            return Err(Error::new(format!(
                "{doing}: the rule is not listed after the write"
            )));
        };
        let (listed_name, rule) = rule_of(&rule)?;
        let failed = rule.properties.status.as_deref() == Some("Failed");
        let info = rule.properties.error_information.clone();
        let state = state_of(rule, listed_name, &ws, planned);
        if failed {
            let info = info.unwrap_or_else(|| "the service gave no error information".into());
            return Err(
                Error::new(format!("{doing}: the rule ended in status Failed"))
                    .detail(format!("The service reports: {info}"))
                    .with_partial(state),
            );
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the service lists after a write of `planned`: the request plus its computed fields.
    fn listed(planned: &M) -> Json {
        let mut p = serde_json::to_value(request_of(planned)).unwrap();
        p["status"] = json!("Active");
        p["errorInformation"] = Json::Null;
        if p["type"] == "PrivateEndpoint" {
            p["destination"]["sparkStatus"] = json!("Inactive");
            if p.get("fqdns").is_none() {
                p["fqdns"] = json!([]);
            }
        }
        json!({"name": planned.name.as_known(), "properties": p})
    }

    #[test]
    fn state_reads_back_as_planned() {
        let ws = WorkspaceId::parse("/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw").unwrap();
        let base = || {
            let mut m = M::from_value(&cty::Value::Null);
            m.workspace_id = Value::Known(ws.to_string());
            m.name = Value::Known("rule1".into());
            m
        };
        let s = |v: &str| Value::Known(v.to_string());
        let cases = [
            M {
                fqdn: Some(FqdnBlock {
                    destination: s("pypi.org"),
                }),
                ..base()
            },
            M {
                service_tag: Some(Tag {
                    service_tag: s("Sql"),
                    protocol: s("TCP"),
                    port_ranges: s("443"),
                    action: Value::Null,
                    address_prefixes: Value::Null,
                }),
                ..base()
            },
            M {
                private_endpoint: Some(Pe {
                    service_resource_id: s("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa"),
                    subresource_target: s("blob"),
                    spark_enabled: Value::Null,
                    fqdns: Value::Known(vec![]),
                }),
                ..base()
            },
        ];
        for planned in cases {
            let body = listed(&planned);
            let (name, rule) = rule_of(&body).unwrap();
            let got = state_of(rule, name, &ws, &planned);
            assert_eq!(got.fqdn, planned.fqdn, "fqdn");
            assert_eq!(got.service_tag, planned.service_tag, "service_tag");
            assert_eq!(
                got.private_endpoint, planned.private_endpoint,
                "private_endpoint"
            );
            assert_eq!(got.status, s("Active"));
            assert_eq!(got.id, Value::Known(format!("{ws}/outboundRules/rule1")));
        }
    }

    #[test]
    fn names() {
        for ok in ["pypi", "abc", "a-b_c", "A1234567890123456789012345678901b"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "_abc",
            "-abc",
            "a.b.c",
            "a b c",
            "A12345678901234567890123456789012b",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fqdns() {
        for ok in [
            "pypi.org",
            "*.pythonhosted.org",
            "cdn-lfs.huggingface.co",
            "a.b.c.d",
        ] {
            assert!(check_fqdn(ok).is_ok(), "{ok}");
        }
        for bad in [
            "pypi",
            "https://pypi.org",
            "pypi.org:443",
            "*pypi.org",
            "a.*.org",
            "-a.org",
            "a..org",
            "pypi.org/simple",
        ] {
            assert!(check_fqdn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_address_prefixes_are_reported_on_their_element() {
        let mut m = M::from_value(&cty::Value::Null);
        m.name = Value::Known("tag".into());
        let prefixes = |v: &[&str]| Value::Known(v.iter().map(|s| s.to_string()).collect());
        let tag = |p: Value<Vec<String>>| Tag {
            service_tag: Value::Null,
            protocol: Value::Known("TCP".into()),
            port_ranges: Value::Known("443".into()),
            action: Value::Null,
            address_prefixes: p,
        };
        let cases: Vec<(Value<Vec<String>>, Vec<&str>)> = vec![
            (prefixes(&["10.0.0.0/8", "2001:db8::/32"]), vec![]),
            (
                prefixes(&["10.0.0.0/8", "not-a-cidr", "1.2.3.4/40"]),
                vec![
                    "service_tag.address_prefixes[1]",
                    "service_tag.address_prefixes[2]",
                ],
            ),
            // Unknown at plan: nothing to check yet.
            (Value::Unknown, vec![]),
        ];
        for (p, want) in cases {
            m.service_tag = Some(tag(p.clone()));
            let mut diags = Diagnostics::new();
            ManagedNetworkOutboundRule.validate(&m, &mut diags);
            let got: Vec<String> = diags
                .iter()
                .filter(|d| d.summary == "Invalid address prefix")
                .map(|d| d.path.as_ref().unwrap().to_string())
                .collect();
            assert_eq!(got, want, "{p:?}");
        }
    }

    #[test]
    fn address_prefixes() {
        let cases: &[(&str, Result<(), &str>)] = &[
            ("10.0.0.0/8", Ok(())),
            ("52.160.10.4", Ok(())),
            ("0.0.0.0/0", Ok(())),
            ("2001:db8::/32", Ok(())),
            ("2001:db8::1", Ok(())),
            ("::/0", Ok(())),
            ("not-a-cidr", Err("is not an IP address or CIDR range")),
            ("", Err("is not an IP address or CIDR range")),
            ("10.0.0/8", Err("is not an IP address or CIDR range")),
            ("256.0.0.0", Err("is not an IP address or CIDR range")),
            ("DataFactory", Err("is not an IP address or CIDR range")),
            (" 10.0.0.0/8", Err("surrounding spaces")),
            ("10.0.0.0/33", Err("prefix length \"33\": use 0 to 32")),
            ("10.0.0.0/", Err("invalid prefix length")),
            ("10.0.0.0/+8", Err("invalid prefix length")),
            ("10.0.0.0/8/8", Err("invalid prefix length")),
            ("2001:db8::/129", Err("use 0 to 128 for an IPv6 range")),
        ];
        for (input, want) in cases {
            match (check_address_prefix(input), want) {
                (Ok(()), Ok(())) => {}
                (Err(got), Err(part)) => assert!(got.contains(part), "{input:?}: {got}"),
                (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
            }
        }
        // A long bad value is shortened in the message.
        let long = "z".repeat(10_000);
        let e = check_address_prefix(&long).unwrap_err();
        assert!(e.contains("(10000 characters)") && e.len() < 400, "{e}");
    }

    #[test]
    fn ports() {
        for ok in ["*", "443", "80,443", "8000-8080", "1,65535"] {
            assert!(check_ports(ok).is_ok(), "{ok}");
        }
        for bad in ["", "0", "65536", "80-70", "http", "80;443", "*,80"] {
            assert!(check_ports(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn storage_fqdns() {
        assert!(is_storage_fqdn("*.blob.core.windows.net"));
        assert!(is_storage_fqdn("vscode.blob.core.windows.net"));
        assert!(is_storage_fqdn("x.dfs.core.chinacloudapi.cn"));
        assert!(!is_storage_fqdn("pypi.org"));
        assert!(!is_storage_fqdn("x.vault.core.windows.net"));
    }

    #[test]
    fn pe_targets() {
        let sa =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa";
        assert!(check_pe_target(sa, "blob").is_ok());
        assert!(check_pe_target(sa, "DFS").is_ok());
        assert_eq!(
            check_pe_target(sa, "vault").unwrap_err().0,
            "subresource_target"
        );
        let kv = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";
        assert!(check_pe_target(kv, "vault").is_ok());
        let x = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Foo/bars/b";
        assert_eq!(
            check_pe_target(x, "a").unwrap_err().0,
            "service_resource_id"
        );
        assert_eq!(
            check_pe_target("nope", "a").unwrap_err().0,
            "service_resource_id"
        );
        let agw =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationGateways/g";
        assert!(check_pe_target(agw, "appGwPrivateFrontendIpIPv4").is_ok());
        assert!(PE_TARGETS.len() >= 18);
    }

    /// Found by fuzzing: a long bad entry of a port list was quoted whole in the message.
    #[test]
    fn long_port_entries_are_shortened_in_messages() {
        let v = format!("80,{}", "9".repeat(1000));
        // As plan-time validation reports it (the whole value is shortened there).
        let m = crate::tfplugin::diagnostics::shorten_quoted(check_ports(&v).unwrap_err(), &v);
        assert!(m.contains("(1000 characters)"), "{m}");
        assert!(m.len() < 600, "{} characters: {m}", m.len());
    }
}
