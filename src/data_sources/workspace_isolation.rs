//! `aml_workspace_isolation`: whether an Azure ML workspace is really isolated on the network,
//! and why not. Reads the workspace (Microsoft.MachineLearningServices/workspaces at the preview
//! api-version that carries `networkAcls`), what it depends on (its private endpoints with their
//! DNS zone groups, virtual networks and zone links; its storage account, key vault and container
//! registry; its outbound rules and online endpoints), and evaluates the rules of
//! [`super::isolation_findings`] on them.
//!
//! Reads are bounded and shared: every object is read once per evaluation (deduplicated by
//! lower-cased ID), collections are listed where ARM lists them (outbound rules, online
//! endpoints, zone groups of an endpoint, virtual network links of a zone), and independent reads
//! run concurrently, at most [`CONCURRENCY`] at a time. For a workspace with E private endpoint
//! connections the requests are, lists counting one request per page:
//!
//! ```text
//! 1 (workspace) + 1 (online endpoints) + 1 (outbound rules; 0 when isolation is Disabled)
//!   + D (dependencies named, D ≤ 3) + 2E (each endpoint, and its zone groups)
//!   + N (distinct virtual networks, N ≤ E) + Z (distinct zones the groups use, Z ≤ 5E)
//!   + P (endpoints of the dependencies not among the workspace's; only when E ≥ 2)
//! ```
//!
//! The number of outbound rules R changes only the pages of the rule list. A read refused with
//! 403 becomes an `info` finding naming the missing permission; only the workspace itself must
//! be readable.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use super::isolation_findings::{
    code_list, evaluate, is_code, network_of_subnet, DependencyFacts, DependencyKind,
    EndpointFacts, Facts, Fetched, Finding, Severity,
};
use crate::arm::models::dependency::DependencyRead;
use crate::arm::models::private_dns_zone_group::PrivateDnsZoneGroup;
use crate::arm::models::private_endpoint::PrivateEndpoint;
use crate::arm::models::virtual_network::VirtualNetwork;
use crate::arm::models::virtual_network_link::VirtualNetworkLink;
use crate::arm::models::workspace::WorkspaceRead;
use crate::arm::{api_versions, ErrorKind};
use crate::provider::handler::{parse, Arm, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::resources::common::{attr, check_workspace_id, workspace_id};
use crate::tfplugin::cty::Type;
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::model::{object_type, Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::TypedDataSource;

/// How many reads run at once.
pub const CONCURRENCY: usize = 8;

/// The data source.
#[derive(Debug)]
pub struct WorkspaceIsolation;

/// The data source's configuration and result.
#[derive(Model, Clone, Debug)]
pub struct WorkspaceIsolationModel {
    /// The workspace's ARM ID.
    pub id: Value<String>,
    /// The workspace to check.
    pub workspace_id: Value<String>,
    /// Finding codes to drop.
    pub ignore: Value<Vec<String>>,
    /// The findings.
    pub findings: Value<Vec<FindingModel>>,
    /// Whether there is no error or warning.
    pub isolated: Value<bool>,
    /// The number of errors.
    pub error_count: Value<i64>,
    /// The number of warnings.
    pub warning_count: Value<i64>,
    /// The number of infos.
    pub info_count: Value<i64>,
}

/// One finding as this data source exports it.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct FindingModel {
    /// The stable code.
    pub code: Value<String>,
    /// `error`, `warning` or `info`.
    pub severity: Value<String>,
    /// The resource it is about.
    pub resource_id: Value<String>,
    /// The property it is about.
    pub attribute: Value<String>,
    /// What is wrong.
    pub message: Value<String>,
    /// What to change.
    pub fix: Value<String>,
}

type M = WorkspaceIsolationModel;

fn finding(f: Finding) -> FindingModel {
    FindingModel {
        code: Value::Known(f.code.to_string()),
        severity: Value::Known(f.severity.as_str().to_string()),
        resource_id: Value::Known(f.resource_id),
        attribute: f.attribute.map_or(Value::Null, Value::Known),
        message: Value::Known(f.message),
        fix: Value::Known(f.fix),
    }
}

/// The data source's results from the findings.
pub fn results(config: &M, id: String, findings: Vec<Finding>) -> M {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count() as i64;
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    M {
        id: Value::Known(id),
        workspace_id: config.workspace_id.clone(),
        ignore: config.ignore.clone(),
        findings: Value::Known(findings.into_iter().map(finding).collect()),
        isolated: Value::Known(errors == 0 && warnings == 0),
        error_count: Value::Known(errors),
        warning_count: Value::Known(warnings),
        info_count: Value::Known(infos),
    }
}

/// GET `id` as `T`: found, gone (404) or denied (403, for want of `permission`).
async fn fetch<T: DeserializeOwned>(
    arm: Arm<'_>,
    id: String,
    api_version: &'static str,
    permission: &'static str,
) -> Result<Fetched<T>, Error> {
    match arm.get(&id, api_version).await {
        Ok(Some(r)) => Ok(Fetched::Found(parse(&r.body)?)),
        Ok(None) => Ok(Fetched::Gone),
        Err(e) if e.kind == ErrorKind::Auth => Ok(Fetched::Denied(permission)),
        Err(e) => Err(e).doing(format!("reading {id} for the isolation check")),
    }
}

/// Lists `collection` as `T`s: found, gone (404) or denied (403, for want of `permission`).
async fn fetch_list<T: DeserializeOwned>(
    arm: Arm<'_>,
    collection: String,
    api_version: &'static str,
    permission: &'static str,
) -> Result<Fetched<Vec<T>>, Error> {
    match arm.list(&collection, api_version).await {
        Ok(items) => Ok(Fetched::Found(
            items.iter().map(parse).collect::<Result<_, _>>()?,
        )),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(Fetched::Gone),
        Err(e) if e.kind == ErrorKind::Auth => Ok(Fetched::Denied(permission)),
        Err(e) => Err(e).doing(format!("listing {collection} for the isolation check")),
    }
}

/// Runs `futures` at most [`CONCURRENCY`] at a time, keeping their order.
async fn bounded<T, F>(futures: impl IntoIterator<Item = F>) -> Result<Vec<T>, Error>
where
    F: std::future::Future<Output = Result<T, Error>>,
{
    futures::stream::iter(futures)
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// Distinct IDs (by lower-cased ID), first spelling kept, in order.
fn distinct(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.into_iter()
        .filter(|i| seen.insert(i.to_ascii_lowercase()))
        .collect()
}

const PE_READ: &str = "Microsoft.Network/privateEndpoints/read";

/// Reads everything the rules need about workspace `ws_id` (already read as `ws`).
async fn gather(arm: Arm<'_>, ws_id: &str, ws: WorkspaceRead) -> Result<Facts, Error> {
    let props = ws.properties.unwrap_or_default();
    let connections = props
        .private_endpoint_connections
        .clone()
        .unwrap_or_default();
    let endpoint_ids = distinct(
        connections
            .iter()
            .filter_map(|c| c.properties.as_ref()?.private_endpoint.as_ref()?.id.clone()),
    );
    let isolation = props
        .managed_network
        .as_ref()
        .and_then(|m| m.isolation_mode.as_deref())
        .is_some_and(|m| !m.eq_ignore_ascii_case("Disabled"));
    let deps: Vec<(DependencyKind, String)> = [
        (DependencyKind::Storage, props.storage_account.clone()),
        (DependencyKind::KeyVault, props.key_vault.clone()),
        (DependencyKind::Registry, props.container_registry.clone()),
    ]
    .into_iter()
    .filter_map(|(k, id)| Some((k, id.filter(|i| !i.is_empty())?)))
    .collect();

    // First round: what the workspace names.
    let (endpoints, groups, dep_reads, rules, online) =
        futures::join!(
            bounded(endpoint_ids.clone().into_iter().map(move |id| {
                fetch::<PrivateEndpoint>(arm, id, api_versions::NETWORK, PE_READ)
            })),
            bounded(endpoint_ids.clone().into_iter().map(move |id| {
                fetch_list::<PrivateDnsZoneGroup>(
                    arm,
                    format!("{id}/privateDnsZoneGroups"),
                    api_versions::NETWORK,
                    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read",
                )
            })),
            bounded(deps.clone().into_iter().map(move |(kind, id)| {
                let (api, permission) = match kind {
                    DependencyKind::Storage => (
                        api_versions::STORAGE,
                        "Microsoft.Storage/storageAccounts/read",
                    ),
                    DependencyKind::KeyVault => {
                        (api_versions::KEY_VAULT, "Microsoft.KeyVault/vaults/read")
                    }
                    DependencyKind::Registry => (
                        api_versions::CONTAINER_REGISTRY,
                        "Microsoft.ContainerRegistry/registries/read",
                    ),
                };
                fetch::<DependencyRead>(arm, id, api, permission)
            })),
            async {
                if !isolation {
                    return Ok(None);
                }
                fetch_list(
                    arm,
                    format!("{ws_id}/outboundRules"),
                    api_versions::ML,
                    "Microsoft.MachineLearningServices/workspaces/outboundRules/read",
                )
                .await
                .map(Some)
            },
            fetch_list(
                arm,
                format!("{ws_id}/onlineEndpoints"),
                api_versions::ML,
                "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read",
            ),
        );
    let (endpoints, groups, dep_reads, rules, online) =
        (endpoints?, groups?, dep_reads?, rules?, online?);
    let by_id: BTreeMap<String, (Fetched<PrivateEndpoint>, Fetched<Vec<PrivateDnsZoneGroup>>)> =
        endpoint_ids
            .iter()
            .map(|i| i.to_ascii_lowercase())
            .zip(endpoints.into_iter().zip(groups))
            .collect();

    // Second round: what the endpoints and dependencies name.
    let networks = distinct(
        by_id
            .values()
            .filter_map(|(pe, _)| network_of_subnet(pe.found()?.properties.subnet.id.as_deref()?)),
    );
    let zones = distinct(by_id.values().flat_map(|(_, g)| {
        g.found()
            .into_iter()
            .flatten()
            .flat_map(|g| g.properties.private_dns_zone_configs.iter())
            .filter_map(|c| c.properties.private_dns_zone_id.clone())
    }));
    let dependencies: Vec<DependencyFacts> = deps
        .into_iter()
        .zip(dep_reads)
        .map(|((kind, id), read)| DependencyFacts { kind, id, read })
        .collect();
    let dep_endpoints = if connections.len() >= 2 {
        distinct(
            dependencies
                .iter()
                .filter_map(|d| d.read.found())
                .flat_map(|d| d.private_endpoint_ids()),
        )
    } else {
        Vec::new()
    };
    let unread: Vec<String> = dep_endpoints
        .iter()
        .filter(|i| !by_id.contains_key(&i.to_ascii_lowercase()))
        .cloned()
        .collect();
    let (vnets, links, dep_pes) =
        futures::join!(
            bounded(networks.clone().into_iter().map(move |id| {
                fetch::<VirtualNetwork>(
                    arm,
                    id,
                    api_versions::NETWORK,
                    "Microsoft.Network/virtualNetworks/read",
                )
            })),
            bounded(zones.clone().into_iter().map(move |id| {
                fetch_list::<VirtualNetworkLink>(
                    arm,
                    format!("{id}/virtualNetworkLinks"),
                    api_versions::PRIVATE_DNS,
                    "Microsoft.Network/privateDnsZones/virtualNetworkLinks/read",
                )
            })),
            bounded(unread.clone().into_iter().map(move |id| {
                fetch::<PrivateEndpoint>(arm, id, api_versions::NETWORK, PE_READ)
            })),
        );
    let (vnets, links, dep_pes) = (vnets?, links?, dep_pes?);

    let network_of = |pe: &Fetched<PrivateEndpoint>| match pe {
        Fetched::Found(pe) => Fetched::Found(
            pe.properties
                .subnet
                .id
                .as_deref()
                .and_then(network_of_subnet),
        ),
        Fetched::Gone => Fetched::Gone,
        Fetched::Denied(p) => Fetched::Denied(p),
    };
    let mut dependency_endpoint_networks: BTreeMap<String, Fetched<Option<String>>> = unread
        .iter()
        .map(|i| i.to_ascii_lowercase())
        .zip(dep_pes.iter().map(network_of))
        .collect();
    for id in &dep_endpoints {
        let key = id.to_ascii_lowercase();
        if let Some((pe, _)) = by_id.get(&key) {
            dependency_endpoint_networks.insert(key, network_of(pe));
        }
    }
    let endpoints = connections
        .into_iter()
        .map(|c| {
            let p = c.properties.unwrap_or_default();
            let state = p.private_link_service_connection_state.unwrap_or_default();
            let pe_id = p.private_endpoint.and_then(|e| e.id);
            let (endpoint, zone_groups) = pe_id
                .as_ref()
                .and_then(|i| by_id.get(&i.to_ascii_lowercase()).cloned())
                .unwrap_or((Fetched::Gone, Fetched::Gone));
            EndpointFacts {
                connection_id: c.id.unwrap_or_else(|| ws_id.to_string()),
                status: state.status,
                description: state.description,
                private_endpoint_id: pe_id,
                endpoint,
                zone_groups,
            }
        })
        .collect();
    let zone_links = zones
        .iter()
        .map(|z| z.to_ascii_lowercase())
        .zip(links.into_iter().map(|l| {
            match l {
                Fetched::Found(links) => Fetched::Found(
                    links
                        .into_iter()
                        .filter_map(|l| l.properties.virtual_network?.id)
                        .map(|v| v.to_ascii_lowercase())
                        .collect(),
                ),
                Fetched::Gone => Fetched::Gone,
                Fetched::Denied(p) => Fetched::Denied(p),
            }
        }))
        .collect();
    Ok(Facts {
        workspace_id: ws_id.to_string(),
        workspace: props,
        cloud_zones: arm.cloud().aml_private_dns_zones.clone(),
        endpoints,
        networks: networks
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .zip(vnets)
            .collect(),
        zone_links,
        dependencies,
        dependency_endpoint_networks,
        rules,
        online_endpoints: online,
    })
}

#[async_trait]
impl TypedDataSource<ConfiguredProvider> for WorkspaceIsolation {
    type Model = WorkspaceIsolationModel;

    fn type_name(&self) -> &'static str {
        "aml_workspace_isolation"
    }

    fn schema(&self) -> Schema {
        let c = |n: &str, t: Type, d: &str| Attribute::computed(n, t, d);
        Schema::new(
            Block::new(
                "Whether an Azure Machine Learning workspace (or hub) is really isolated on the network, and why not. \
                 Reads the workspace and what it depends on (its private endpoints with their DNS zone groups, virtual \
                 networks and zone links; its storage account, key vault and container registry; its managed network's \
                 outbound rules; its online endpoints) and reports each way the product documentation says such a \
                 deployment stays open or breaks, as a finding with a stable code, a severity and the fix. See the \
                 isolation-check guide for every code, the product-doc statement behind it, and the number of requests \
                 (every object is read once). A resource the identity cannot read (403) gives an `info` finding that \
                 names the missing permission; only the workspace itself must be readable. A hub's connections to AI \
                 services and AI search are not checked.",
            )
            .attribute(Attribute::id("The workspace's ARM ID."))
            .attribute(
                Attribute::required("workspace_id", Type::String, "The ARM ID of the workspace or hub to check.")
                    .validate(Validator::Str(check_workspace_id)),
            )
            .attribute(Attribute::optional(
                "ignore",
                Type::list(Type::String),
                "Finding codes to leave out of `findings` and the counts, e.g. `[\"AML-PE-002\"]` when a custom DNS server \
                 answers for the workspace's names. An unknown code is an error at plan.",
            ))
            .attribute(c(
                "findings",
                Type::list(object_type::<FindingModel>()),
                "The findings, ordered by code, then resource ID, then attribute: `code` (e.g. `AML-PE-002`), `severity` \
                 (`error`, `warning`, `info`), `resource_id` (the ARM ID it is about), `attribute` (the ARM property, null \
                 when the whole resource), `message` and `fix` (what to change, naming this provider's resource and \
                 attribute where one manages it).",
            ))
            .attribute(c("isolated", Type::Bool, "True when there is no error and no warning (after `ignore`)."))
            .attribute(c("error_count", Type::Number, "The number of `error` findings."))
            .attribute(c("warning_count", Type::Number, "The number of `warning` findings."))
            .attribute(c("info_count", Type::Number, "The number of `info` findings.")),
        )
    }

    fn validate(&self, config: &M, diags: &mut Diagnostics) {
        if let Value::Known(codes) = &config.ignore {
            for (i, code) in codes.iter().enumerate() {
                if !is_code(code) {
                    diags.error_at(
                        attr(M::IGNORE).index(i as i64),
                        "Unknown finding code",
                        format!("{code:?} is not a finding code of aml_workspace_isolation. Valid codes: {}.", code_list()),
                    );
                }
            }
        }
    }

    async fn read(&self, ctx: &Ctx<'_>, config: &M) -> Result<M, Error> {
        let id = workspace_id(&config.workspace_id)?;
        let arm = ctx.arm().await?;
        let found = arm
            .get(&id, api_versions::ML_NETWORK_ACLS)
            .await
            .doing(format!("reading workspace {id} for the isolation check"))?;
        let response = found.ok_or_else(|| {
            Error::new(format!("workspace {id} not found")).detail(
                "Check the ID, and that the identity may read it (Reader on the workspace is enough).",
            )
        })?;
        let facts = gather(arm, id.as_ref(), parse(&response.body)?).await?;
        let ignore = config.ignore.as_known().cloned().unwrap_or_default();
        Ok(results(config, id.to_string(), evaluate(&facts, &ignore)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::cty;

    #[test]
    fn counts_and_isolated_follow_the_severities() {
        let config = M::from_value(&cty::Value::Null);
        let f = |code: &'static str, severity| Finding {
            code,
            severity,
            resource_id: "/r".into(),
            attribute: None,
            message: "m".into(),
            fix: "f".into(),
        };
        let out = results(&config, "/ws".into(), vec![f("AML-IN-002", Severity::Info)]);
        assert_eq!(out.isolated, Value::Known(true));
        assert_eq!(
            (out.error_count, out.warning_count, out.info_count),
            (Value::Known(0), Value::Known(0), Value::Known(1))
        );
        let findings = out.findings.known().unwrap();
        assert_eq!(findings[0].attribute, Value::Null);
        assert_eq!(findings[0].severity, Value::Known("info".into()));
        let out = results(
            &config,
            "/ws".into(),
            vec![
                f("AML-PE-001", Severity::Error),
                f("AML-IN-001", Severity::Warning),
            ],
        );
        assert_eq!(out.isolated, Value::Known(false));
        assert_eq!(
            (out.error_count, out.warning_count),
            (Value::Known(1), Value::Known(1))
        );
    }

    #[test]
    fn unknown_ignore_codes_fail_validation_with_the_valid_list() {
        let mut config = M::from_value(&cty::Value::Null);
        config.ignore = Value::Known(vec!["AML-PE-002".into(), "AML-XX-1".into()]);
        let mut diags = Diagnostics::default();
        WorkspaceIsolation.validate(&config, &mut diags);
        let text = format!("{diags:?}");
        assert!(
            text.contains("AML-XX-1") && text.contains("AML-READ-001"),
            "{text}"
        );
        assert!(!text.contains("\"AML-PE-002\" is not"), "{text}");
        config.ignore = Value::Unknown;
        let mut diags = Diagnostics::default();
        WorkspaceIsolation.validate(&config, &mut diags);
        assert!(format!("{diags:?}").matches("Unknown finding code").count() == 0);
    }

    #[test]
    fn distinct_ids_ignore_case() {
        assert_eq!(
            distinct(["/A".to_string(), "/a".into(), "/b".into()]),
            vec!["/A".to_string(), "/b".into()]
        );
    }
}
