//! `aml_managed_network_outbound_rule`: one user-defined outbound rule of a workspace's managed
//! network (`Microsoft.MachineLearningServices/workspaces/outboundRules`, stable api-version
//! [`api_versions::ML`]): an FQDN, a service tag or a private endpoint.
//!
//! Writes go through [`outbound_rules`], which serialises the rule writes of one workspace and
//! verifies (and repairs) the sibling rules after each write, so rules created together are
//! never lost (azapi #453). Inputs are checked at plan time with the attribute path.

use super::common::{validate_workspace_id, workspace_of};
use async_trait::async_trait;
use serde_json::{json, Value as Json};

use crate::arm::ids::{OutboundRuleId, ResourceId, WorkspaceId};
use crate::arm::outbound_rules::{is_system, name_of};
use crate::arm::{api_versions, Deadline};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{Path, Type, Value};
use crate::tfplugin::diagnostics::{Diagnostic, Diagnostics};
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema, Validator};
use crate::tfplugin::traits::{Ctx, Error, Plan, Resource};

/// The resource.
#[derive(Debug)]
pub struct ManagedNetworkOutboundRule;

/// The type name.
pub const TYPE: &str = "aml_managed_network_outbound_rule";

/// The three rule blocks, exactly one of which is set.
pub const KINDS: &[&str] = &["fqdn", "service_tag", "private_endpoint"];

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
                "{s:?} is not a valid port range list: {part:?} is not a port (1-65535) or a range like \
                 \"8000-8080\". Separate entries with commas (\"80,443\"), or use \"*\" for all ports."
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
            "service_resource_id",
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
            "service_resource_id",
            format!(
                "{ty} is not a target the managed network documents for private-endpoint rules. Supported types: {}.",
                known.join(", ")
            ),
        ));
    };
    if subs.is_empty() {
        return if subresource.trim().is_empty() {
            Err(("subresource_target", format!("A private endpoint to {ty} needs the name of its sub-resource (for an Application Gateway, the private frontend IP configuration's private link configuration name).")))
        } else {
            Ok(())
        };
    }
    if subs.iter().any(|s| s.eq_ignore_ascii_case(subresource)) {
        Ok(())
    } else {
        Err((
            "subresource_target",
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

fn validate_with(f: fn(&str) -> Result<(), String>, v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(s) => f(s),
        None => Ok(()),
    }
}

fn validate_name(v: &Value) -> Result<(), String> {
    validate_with(check_name, v)
}
fn validate_fqdn(v: &Value) -> Result<(), String> {
    validate_with(check_fqdn, v)
}
fn validate_ports(v: &Value) -> Result<(), String> {
    validate_with(check_ports, v)
}

/// Which rule blocks are set (known or unknown, not null).
fn kinds_set(obj: &Object) -> Vec<&'static str> {
    KINDS
        .iter()
        .copied()
        .filter(|k| !obj.attr(k).is_null())
        .collect()
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.elements().map(|e| {
        e.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
}

/// The request properties for the configured rule.
fn props_of(obj: &Object) -> Json {
    if let Some(b) = obj.block("fqdn") {
        return json!({"type": "FQDN", "category": "UserDefined", "destination": b.string("destination")});
    }
    if let Some(b) = obj.block("service_tag") {
        let mut d = json!({
            "serviceTag": b.string("service_tag"),
            "protocol": b.string("protocol"),
            "portRanges": b.string("port_ranges"),
            "action": b.string("action").unwrap_or_else(|| "Allow".into()),
        });
        if let Some(p) = strings(b.attr("address_prefixes")) {
            d["addressPrefixes"] = json!(p);
        }
        if d["serviceTag"].is_null() {
            d.as_object_mut().map(|m| m.remove("serviceTag"));
        }
        return json!({"type": "ServiceTag", "category": "UserDefined", "destination": d});
    }
    let b = obj
        .block("private_endpoint")
        .unwrap_or_else(|| Object::new(Value::Null));
    let mut out = json!({"type": "PrivateEndpoint", "category": "UserDefined", "destination": {
        "serviceResourceId": b.string("service_resource_id"),
        "subresourceTarget": b.string("subresource_target"),
        "sparkEnabled": b.bool_or("spark_enabled", false),
    }});
    if let Some(f) = strings(b.attr("fqdns")) {
        out["fqdns"] = json!(f);
    }
    out
}

fn str_or_null(v: Option<&Json>) -> Value {
    v.and_then(Json::as_str).map_or(Value::Null, Value::string)
}

fn list_or_null(v: Option<&Json>) -> Value {
    match v.and_then(Json::as_array) {
        Some(a) if !a.is_empty() => Value::List(
            a.iter()
                .filter_map(Json::as_str)
                .map(Value::string)
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// A list from the service, keeping the prior empty list when the service has none (so an
/// explicit `[]` does not read back as null).
fn list_keep(remote: Option<&Json>, prior: &Value) -> Value {
    let v = list_or_null(remote);
    if v.is_null() && prior.elements().is_some_and(|e| e.is_empty()) {
        prior.clone()
    } else {
        v
    }
}

/// Keeps the prior value when the remote value is the service default and the prior one is
/// null or that default (so an unset optional argument does not show as drift).
fn defaulted(remote: Value, default: Value, prior: &Value) -> Value {
    if remote == default && (prior.is_null() || *prior == default) {
        prior.clone()
    } else {
        remote
    }
}

/// The state for a listed rule, keeping `prior`'s arguments where the remote has defaults.
fn state_of(rule: &Json, ws: &WorkspaceId, prior: &Object) -> Object {
    let p = rule.get("properties").cloned().unwrap_or(Json::Null);
    let name = name_of(rule);
    let mut out = prior.clone();
    out.set("id", ws.outbound_rule(&name).to_string());
    out.set(
        "workspace_id",
        prior
            .string("workspace_id")
            .unwrap_or_else(|| ws.to_string()),
    );
    out.set(
        "name",
        prior
            .string("name")
            .filter(|n| n.eq_ignore_ascii_case(&name))
            .unwrap_or(name),
    );
    out.set("category", str_or_null(p.get("category")));
    out.set("status", str_or_null(p.get("status")));
    out.set("error_information", str_or_null(p.get("errorInformation")));
    for k in KINDS {
        out.set(k, Value::Null);
    }
    let d = p.get("destination").cloned().unwrap_or(Json::Null);
    let prior_block = |k: &str| prior.block(k).unwrap_or_else(|| Object::new(Value::Null));
    match p.get("type").and_then(Json::as_str).unwrap_or("") {
        "FQDN" => {
            out.set(
                "fqdn",
                Value::object([("destination", str_or_null(Some(&d)))]),
            );
        }
        "ServiceTag" => {
            let pb = prior_block("service_tag");
            out.set(
                "service_tag",
                Value::object([
                    ("service_tag", str_or_null(d.get("serviceTag"))),
                    ("protocol", str_or_null(d.get("protocol"))),
                    ("port_ranges", str_or_null(d.get("portRanges"))),
                    (
                        "action",
                        defaulted(
                            str_or_null(d.get("action")),
                            Value::string("Allow"),
                            pb.attr("action"),
                        ),
                    ),
                    (
                        "address_prefixes",
                        if pb.attr("address_prefixes").is_null()
                            && !pb.attr("service_tag").is_null()
                        {
                            Value::Null
                        } else {
                            list_keep(d.get("addressPrefixes"), pb.attr("address_prefixes"))
                        },
                    ),
                ]),
            );
        }
        "PrivateEndpoint" => {
            let pb = prior_block("private_endpoint");
            out.set(
                "private_endpoint",
                Value::object([
                    ("service_resource_id", {
                        let remote = str_or_null(d.get("serviceResourceId"));
                        match (pb.string("service_resource_id"), remote.as_str()) {
                            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => Value::string(a),
                            _ => remote,
                        }
                    }),
                    (
                        "subresource_target",
                        str_or_null(d.get("subresourceTarget")),
                    ),
                    (
                        "spark_enabled",
                        defaulted(
                            Value::bool(
                                d.get("sparkEnabled")
                                    .and_then(Json::as_bool)
                                    .unwrap_or(false),
                            ),
                            Value::bool(false),
                            pb.attr("spark_enabled"),
                        ),
                    ),
                    ("fqdns", list_keep(p.get("fqdns"), pb.attr("fqdns"))),
                ]),
            );
        }
        _ => {}
    }
    out
}

/// The first required attribute of a rule block: Terraform shows a diagnostic's source line
/// only for attribute paths, so block-level errors point here.
fn first_attribute(kind: &str) -> &'static str {
    match kind {
        "fqdn" => "destination",
        "service_tag" => "protocol",
        _ => "service_resource_id",
    }
}

fn block_path(kind: &str) -> Path {
    Path::root().attr(kind)
}

#[async_trait]
impl Resource<ConfiguredProvider> for ManagedNetworkOutboundRule {
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
                .validate(Validator::Custom(validate_fqdn)),
            );
        let service_tag = Block::new("Allow (or deny) outbound traffic to an Azure service tag or address prefixes (approved-outbound mode only).")
            .attribute(Attribute::optional("service_tag", Type::String, "The service tag, e.g. `DataFactory` or `AzureOpenDatasets`."))
            .attribute(
                Attribute::required("protocol", Type::String, "`TCP`, `UDP`, `ICMP` or `*`.")
                    .validate(Validator::OneOf(&["TCP", "UDP", "ICMP", "*"])),
            )
            .attribute(
                Attribute::required("port_ranges", Type::String, "Ports and ranges separated by commas (`80,443`, `8000-8080`), or `*`.")
                    .validate(Validator::Custom(validate_ports)),
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
                .validate(Validator::Custom(validate_workspace_id)),
        )
        .attribute(
            Attribute::required("name", Type::String, "The rule name: 3 to 33 letters, digits, `_` or `-`, starting with a letter or digit.")
                .requires_replace()
                .validate(Validator::Custom(validate_name)),
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

    fn validate(&self, config: &Object, diags: &mut Diagnostics) {
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
        if let Some(b) = config.block("service_tag") {
            if b.attr("service_tag").is_null() && b.attr("address_prefixes").is_null() {
                diags.error_at(
                    block_path("service_tag").attr("service_tag"),
                    "A service_tag rule needs service_tag or address_prefixes",
                    "Set service_tag (e.g. \"DataFactory\") or address_prefixes.",
                );
            }
        }
        if let Some(b) = config.block("private_endpoint") {
            if let (Some(id), Some(sub)) = (
                b.string("service_resource_id"),
                b.string("subresource_target"),
            ) {
                match check_pe_target(&id, &sub) {
                    Err((attr, msg)) => diags.error_at(
                        block_path("private_endpoint").attr(attr),
                        "Invalid private-endpoint target",
                        msg,
                    ),
                    Ok(()) => {
                        let needs_fqdns = PE_TARGETS.iter().any(|(t, _, f)| {
                            *f && ResourceId::parse_lenient(&id)
                                .and_then(|r| r.resource_type())
                                .is_some_and(|rt| rt.eq_ignore_ascii_case(t))
                        });
                        if needs_fqdns && b.attr("fqdns").is_null() {
                            diags.error_at(
                                block_path("private_endpoint").attr("fqdns"),
                                "A private endpoint to an Application Gateway needs fqdns",
                                "List the host names that should resolve to the endpoint in fqdns.",
                            );
                        }
                    }
                }
            }
        }
    }

    async fn plan(&self, ctx: &Ctx<'_, ConfiguredProvider>, plan: &mut Plan) -> Result<(), Error> {
        let Some(ws) = plan
            .planned
            .string("workspace_id")
            .and_then(|w| WorkspaceId::parse(&w).ok())
        else {
            return Ok(());
        };
        if plan.planned.raw().is_null() {
            return Ok(());
        }
        let kind = kinds_set(&plan.config).first().copied();
        let view = ctx
            .client
            .outbound_rules()
            .await?
            .view(&ws, Deadline(ctx.deadline))
            .await
            .map_err(|e| Error::from(e).context(format!("reading workspace {ws}")))?;
        let Some(view) = view else {
            return Ok(());
        };
        let mode = ctx
            .client
            .plan_facts()
            .planned_isolation_mode(&ws)
            .unwrap_or(view.isolation_mode.clone());
        match (kind, mode.as_str()) {
            (Some(k @ ("fqdn" | "service_tag")), m) if m != "AllowOnlyApprovedOutbound" => {
                let first = if k == "fqdn" {
                    "destination"
                } else {
                    "service_tag"
                };
                plan.diagnostics.error_at(
                    block_path(k).attr(first),
                    format!("{} rules need isolation mode AllowOnlyApprovedOutbound", if k == "fqdn" { "FQDN" } else { "Service-tag" }),
                    format!(
                        "Workspace {ws} has managed network isolation mode {m:?}; the service accepts FQDN and \
                         service-tag rules only in approved-outbound mode. Set isolation_mode = \
                         \"AllowOnlyApprovedOutbound\" on an aml_workspace_managed_network for this workspace and use \
                         its workspace_id here, or use a private_endpoint rule."
                    ),
                );
            }
            (Some("private_endpoint"), "Disabled") => {
                plan.diagnostics.error_at(
                    Path::root().attr("workspace_id"),
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
        if let Some(name) = plan.planned.string("name") {
            if let Some(sys) = view
                .rules
                .iter()
                .find(|r| is_system(r) && name_of(r).eq_ignore_ascii_case(&name))
            {
                plan.diagnostics.error_at(
                    Path::root().attr("name"),
                    format!("{name:?} is the name of a system outbound rule"),
                    format!(
                        "Workspace {ws} has a rule {:?} of category {} that the service manages; it cannot be created, \
                         changed or deleted. Choose another name.",
                        name_of(sys),
                        sys.pointer("/properties/category").and_then(Json::as_str).unwrap_or("")
                    ),
                );
            }
        }
        if let Some(b) = plan.config.block("fqdn") {
            if let Some(d) = b.string("destination") {
                if is_storage_fqdn(&d) {
                    plan.diagnostics.warning_at(
                        block_path("fqdn").attr("destination"),
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
            let has_fqdn = view
                .rules
                .iter()
                .any(|r| r.pointer("/properties/type").and_then(Json::as_str) == Some("FQDN"));
            if plan.is_create() && !has_fqdn && ctx.client.plan_facts().first_firewall_warning(&ws)
            {
                plan.diagnostics.warning_at(
                    block_path("fqdn"),
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

    async fn existing(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Option<String>, Error> {
        let ws = workspace_of(planned)?;
        let name = planned.string("name").unwrap_or_default();
        let arm = ctx.client.arm().await?;
        let id = ws.outbound_rule(&name);
        match arm.get(&id, api_versions::ML, Deadline(ctx.deadline)).await {
            Ok(Some(_)) => Ok(Some(id.to_string())),
            Ok(None) => Ok(None),
            Err(e) => Err(Error::from(e).context(format!("reading outbound rule {id}"))),
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Object, Error> {
        self.write(ctx, planned).await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        state: &Object,
    ) -> Result<Option<Object>, Error> {
        let ws = workspace_of(state)?;
        let name = state.string("name").unwrap_or_default();
        let arm = ctx.client.arm().await?;
        let id = ws.outbound_rule(&name);
        let Some(found) = arm
            .get(&id, api_versions::ML, Deadline(ctx.deadline))
            .await
            .map_err(|e| Error::from(e).context(format!("reading outbound rule {id}")))?
        else {
            return Ok(None);
        };
        if is_system(&found.body) {
            return Err(Error::new(format!("{id} is a system outbound rule"))
                .detail("Rules of category Required, Recommended or Dependency belong to the service and cannot be managed; remove this resource from the state with `terraform state rm`."));
        }
        Ok(Some(state_of(&found.body, &ws, state)))
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        _prior: &Object,
        planned: &Object,
    ) -> Result<Object, Error> {
        self.write(ctx, planned).await
    }

    async fn delete(&self, ctx: &Ctx<'_, ConfiguredProvider>, state: &Object) -> Result<(), Error> {
        let ws = workspace_of(state)?;
        let name = state.string("name").unwrap_or_default();
        match ctx
            .client
            .outbound_rules()
            .await?
            .delete_rule(&ws, &name, Deadline(ctx.deadline))
            .await
        {
            Ok(repaired) => {
                warn_repaired(ctx, &ws, &repaired);
                Ok(())
            }
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => {
                Err(Error::from(e)
                    .context(format!("deleting outbound rule {name} of workspace {ws}")))
            }
        }
    }

    fn import(&self, id: &str) -> Result<Object, Error> {
        let rid = OutboundRuleId::parse(id).map_err(|e| {
            Error::new(format!("invalid {TYPE} import ID")).detail(format!(
                "Expected <workspace ID>/outboundRules/<name>: {}",
                e.message
            ))
        })?;
        let ws = rid.workspace();
        let mut stub = Object::new(Value::object(Vec::<(String, Value)>::new()));
        stub.set("id", rid.to_string());
        stub.set("workspace_id", ws.to_string());
        stub.set("name", rid.name().to_string());
        Ok(stub)
    }
}

fn warn_repaired(ctx: &Ctx<'_, ConfiguredProvider>, ws: &WorkspaceId, repaired: &[String]) {
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
    async fn write(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Object, Error> {
        let ws = workspace_of(planned)?;
        let name = planned.string("name").unwrap_or_default();
        let props = props_of(planned);
        let doing = format!("writing outbound rule {name} of workspace {ws}");
        let written = ctx
            .client
            .outbound_rules()
            .await?
            .put_rule(&ws, &name, &props, Deadline(ctx.deadline))
            .await
            .map_err(|e| Error::from(e).context(&doing))?;
        warn_repaired(ctx, &ws, &written.repaired);
        let Some(rule) = written.rule else {
            return Err(Error::new(format!(
                "{doing}: the rule is not listed after the write"
            )));
        };
        let state = state_of(&rule, &ws, planned);
        if rule.pointer("/properties/status").and_then(Json::as_str) == Some("Failed") {
            let info = rule
                .pointer("/properties/errorInformation")
                .and_then(Json::as_str)
                .unwrap_or("the service gave no error information");
            return Err(
                Error::new(format!("{doing}: the rule ended in status Failed"))
                    .detail(format!("The service reports: {info}"))
                    .with_partial_state(state),
            );
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the service lists after a write of `planned`: the request plus its computed fields.
    fn listed(planned: &Object) -> Json {
        let mut p = props_of(planned);
        p["status"] = json!("Active");
        p["errorInformation"] = Json::Null;
        if p["type"] == "PrivateEndpoint" {
            p["destination"]["sparkStatus"] = json!("Inactive");
            if p.get("fqdns").is_none() {
                p["fqdns"] = json!([]);
            }
        }
        json!({"name": planned.string("name"), "properties": p})
    }

    #[test]
    fn state_reads_back_as_planned() {
        let ws = WorkspaceId::parse("/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw").unwrap();
        let base = |block: &str, v: Value| {
            let mut o = Object::new(Value::object([
                ("workspace_id", Value::string(ws.to_string())),
                ("name", Value::string("rule1")),
            ]));
            for k in KINDS {
                o.set(k, Value::Null);
            }
            o.set(block, v);
            o
        };
        let cases = [
            base("fqdn", Value::object([("destination", Value::string("pypi.org"))])),
            base(
                "service_tag",
                Value::object([
                    ("service_tag", Value::string("Sql")),
                    ("protocol", Value::string("TCP")),
                    ("port_ranges", Value::string("443")),
                    ("action", Value::Null),
                    ("address_prefixes", Value::Null),
                ]),
            ),
            base(
                "private_endpoint",
                Value::object([
                    ("service_resource_id", Value::string("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa")),
                    ("subresource_target", Value::string("blob")),
                    ("spark_enabled", Value::Null),
                    ("fqdns", Value::List(vec![])),
                ]),
            ),
        ];
        for planned in cases {
            let got = state_of(&listed(&planned), &ws, &planned);
            for k in KINDS {
                assert_eq!(got.attr(k), planned.attr(k), "{k}");
            }
            assert_eq!(got.string("status").as_deref(), Some("Active"));
            assert_eq!(got.string("id"), Some(format!("{ws}/outboundRules/rule1")));
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
}
