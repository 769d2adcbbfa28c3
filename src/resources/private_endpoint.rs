//! `aml_private_endpoint`: a private endpoint (Microsoft.Network/privateEndpoints, api-version
//! `NETWORK` = 2025-07-01) from a subnet to an AML workspace, hub or registry, or to one of a
//! workspace's dependencies (storage, key vault, container registry, AI services, AI search).
//!
//! The sub-resource defaults from the target's type; `private_dns_zone_names` is known at plan
//! from the target type and the provider's cloud. Create waits until the endpoint is `Succeeded`
//! and its connection `Approved` (auto) or `Pending` (manual). The endpoint's DNS zone group is a
//! separate resource (`aml_private_dns_zone_group`): this one never writes or deletes zone groups,
//! so a group that Azure Policy writes (as many landing zones do) is never deleted by an apply.

use async_trait::async_trait;

use super::common::{
    attr, existing_listed_id, id_or, import_stub, keep_spelling, read_listed, tags_body,
    tags_state, text, Tags,
};
use super::private_link::{self as pl, TargetKind};
use crate::arm::api_versions::NETWORK;
use crate::arm::ids::{PrivateEndpointId, ResourceGroupId, SubnetId};
use crate::arm::models::private_endpoint::{
    Connection, ConnectionProperties, IpConfiguration as ArmIpConfiguration,
    IpConfigurationProperties, PrivateEndpoint as Endpoint, PrivateEndpointProperties, SubResource,
};
use crate::arm::models::virtual_network::{Subnet, VirtualNetwork};
use crate::arm::{Cloud, Response, Wait, WaitError};
use crate::provider::handler::{parse, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{self, Type};
use crate::tfplugin::diagnostics::{quote, Diagnostic, Diagnostics};
use crate::tfplugin::model::{object_type, Model, Value};
use crate::tfplugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::{TypedPlan, TypedResource};

/// The resource.
#[derive(Debug)]
pub struct PrivateEndpoint;

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct PrivateEndpointModel {
    /// The endpoint's ARM ID.
    pub id: Value<String>,
    /// The endpoint name.
    pub name: Value<String>,
    /// The resource group.
    pub resource_group_name: Value<String>,
    /// The Azure region.
    pub location: Value<String>,
    /// The subnet's ARM ID.
    pub subnet_id: Value<String>,
    /// The target's ARM ID.
    pub target_resource_id: Value<String>,
    /// The sub-resource (group ID).
    pub subresource_name: Value<String>,
    /// Whether the connection awaits approval.
    pub manual_connection: Value<bool>,
    /// The message for the target's owner.
    pub request_message: Value<String>,
    /// The network interface's name.
    pub custom_network_interface_name: Value<String>,
    /// Tags.
    pub tags: Value<Tags>,
    /// The network interface's ARM ID.
    pub network_interface_id: Value<String>,
    /// The private IP addresses.
    pub private_ip_addresses: Value<Vec<String>>,
    /// The names the endpoint serves.
    pub custom_dns_configs: Value<Vec<DnsConfig>>,
    /// The connection's approval state.
    pub connection_state: Value<ConnectionState>,
    /// The private DNS zones the endpoint needs.
    pub private_dns_zone_names: Value<Vec<String>>,
    /// Static IP configurations.
    pub ip_configuration: Vec<IpConfiguration>,
}

/// An `ip_configuration` block.
#[derive(Model, Clone, Debug)]
pub struct IpConfiguration {
    /// The configuration's name.
    pub name: Value<String>,
    /// The static address.
    pub private_ip_address: Value<String>,
    /// The sub-resource of the address.
    pub subresource_name: Value<String>,
    /// The member of the sub-resource.
    pub member_name: Value<String>,
}

/// An element of `custom_dns_configs`.
#[derive(Model, Clone, Debug)]
pub struct DnsConfig {
    /// The name.
    pub fqdn: Value<String>,
    /// Its addresses.
    pub ip_addresses: Value<Vec<String>>,
}

/// `connection_state`.
#[derive(Model, Clone, Debug)]
pub struct ConnectionState {
    /// `Approved`, `Pending`, `Rejected` or `Disconnected`.
    pub status: Value<String>,
    /// The reason given.
    pub description: Value<String>,
    /// What the consumer must do.
    pub actions_required: Value<String>,
}

type M = PrivateEndpointModel;

fn ipv4(s: &str) -> Result<(), String> {
    match s.parse::<std::net::Ipv4Addr>() {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("{s:?} is not an IPv4 address.")),
    }
}

/// A known string, or `None` when null or unknown.
fn known_str(v: &Value<String>) -> Option<&str> {
    v.as_known().map(String::as_str)
}

fn endpoint_id(arm_sub: &str, m: &M) -> Result<PrivateEndpointId, Error> {
    id_or(&m.id, PrivateEndpointId::parse_lenient, || {
        let rg = known_str(&m.resource_group_name).unwrap_or_default();
        Ok(ResourceGroupId::new(arm_sub, rg)
            .private_endpoint(known_str(&m.name).unwrap_or_default()))
    })
}

/// The static addresses of the `ip_configuration` blocks: (index, address) of each known one.
fn static_ips(m: &M) -> Vec<(usize, String)> {
    m.ip_configuration
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.private_ip_address.as_known().map(|a| (i, a.clone())))
        .collect()
}

/// An IPv4 CIDR as (network, prefix length); `None` for anything else (IPv6 included).
fn cidr_v4(s: &str) -> Option<(u32, u32)> {
    let (a, l) = s.trim().split_once('/')?;
    let len: u32 = l.parse().ok().filter(|l| *l <= 32)?;
    Some((u32::from(a.parse::<std::net::Ipv4Addr>().ok()?), len))
}

/// Whether the IPv4 address `ip` is inside the IPv4 CIDR `prefix` (`None`: not comparable).
fn in_prefix(ip: &str, prefix: &str) -> Option<bool> {
    let addr = u32::from(ip.parse::<std::net::Ipv4Addr>().ok()?);
    let (net, len) = cidr_v4(prefix)?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some(addr & mask == net & mask)
}

/// Plan-time checks that need the subnet: the endpoint's `location` must be its VNet's region,
/// and each static `private_ip_address` must lie in the subnet's prefixes. Checked when the
/// endpoint is created or these values change, and only where the subnet can be read: unknown
/// values, a subnet or VNet that does not exist yet (404) or may not be read (403) skip them.
async fn check_against_subnet(ctx: &Ctx<'_>, plan: &mut TypedPlan<M>) -> Result<(), Error> {
    let planned = &plan.planned;
    let Some(subnet_id) = known_str(&planned.subnet_id).and_then(|s| SubnetId::parse(s).ok())
    else {
        return Ok(());
    };
    let location = known_str(&planned.location).map(str::to_string);
    let ips = static_ips(planned);
    let unchanged = plan.prior.as_ref().is_some_and(|p| {
        known_str(&p.subnet_id).map(str::to_ascii_lowercase)
            == Some(subnet_id.to_string().to_ascii_lowercase())
            && known_str(&p.location).map(pl::location_key)
                == location.as_deref().map(pl::location_key)
            && static_ips(p) == ips
    });
    if unchanged || (location.is_none() && ips.is_empty()) {
        return Ok(());
    }
    let arm = ctx.arm().await?;
    let readable = |r: Result<Option<Response>, crate::arm::ArmError>| match r {
        Ok(found) => Ok(found),
        Err(e) if e.is_not_found() || e.kind == crate::arm::ErrorKind::Auth => Ok(None),
        Err(e) => Err(e),
    };
    // One read of the VNet answers both checks (a VNet embeds its subnets), and the endpoints
    // of one plan share it: their reads go through the shared list of the resource group's VNets.
    let vnet_id = subnet_id.virtual_network();
    let vnet = match readable(read_listed(&arm, &vnet_id, NETWORK).await)
        .doing(format!("reading virtual network {vnet_id}"))?
    {
        Some(r) => Some(parse::<VirtualNetwork>(&r.body)?),
        None => None,
    };
    if !ips.is_empty() {
        let embedded = vnet
            .as_ref()
            .and_then(|v| v.subnet(subnet_id.name()))
            .cloned();
        let subnet = match (embedded, &vnet) {
            (Some(s), _) => Some(s),
            // A VNet without its subnets embedded: read the subnet itself.
            (None, Some(_)) => match readable(arm.get(&subnet_id, NETWORK).await)
                .doing(format!("reading subnet {subnet_id}"))?
            {
                Some(r) => Some(parse::<Subnet>(&r.body)?),
                None => None,
            },
            (None, None) => None,
        };
        if let Some(subnet) = subnet {
            let prefixes = subnet.prefixes();
            for (i, ip) in &ips {
                let checks: Vec<bool> = prefixes.iter().filter_map(|p| in_prefix(ip, p)).collect();
                if !checks.is_empty() && !checks.contains(&true) {
                    plan.diagnostics.error_at(
                        attr(M::IP_CONFIGURATION)
                            .index(*i as i64)
                            .attr(IpConfiguration::PRIVATE_IP_ADDRESS),
                        "Static IP address outside the subnet",
                        format!(
                            "{} is not inside the address prefix of subnet {} ({}); Azure would refuse the endpoint \
                             (PrivateIPAddressNotInSubnet). Choose an address inside {} that is free (Azure reserves the \
                             first four and the last address of a subnet), or remove this ip_configuration to let Azure \
                             allocate one.",
                            quote(ip),
                            subnet_id.name(),
                            prefixes.join(", "),
                            prefixes.join(", "),
                        ),
                    );
                }
            }
        }
    }
    if let Some(location) = location {
        let region = vnet.and_then(|v| v.location);
        if let Some(region) = region.filter(|r| pl::location_key(r) != pl::location_key(&location))
        {
            plan.diagnostics.error_at(
                attr(M::LOCATION),
                "Location differs from the virtual network's region",
                format!(
                    "The endpoint's location {} is not the region of its subnet's virtual network {} ({region:?}); a private \
                     endpoint must be in its virtual network's region, and Azure would refuse it (InvalidResourceReference). \
                     Set location = {region:?}, or choose a subnet of a virtual network in {}.",
                    quote(&location),
                    vnet_id.name(),
                    quote(&location),
                ),
            );
        }
    }
    Ok(())
}

/// Whether the connection is manual (unset is auto).
fn is_manual(m: &M) -> bool {
    m.manual_connection.as_known() == Some(&true)
}

/// The sub-resource to request: the configured one, else the target type's default.
fn subresource(planned: &M) -> Result<String, Error> {
    if let Some(s) = planned.subresource_name.as_known() {
        return Ok(s.clone());
    }
    let target = known_str(&planned.target_resource_id).unwrap_or_default();
    let kind = TargetKind::of(target).map_err(|e| Error::new(e).at(attr(M::TARGET_RESOURCE_ID)))?;
    kind.default_subresource()
        .map(str::to_string)
        .ok_or_else(|| {
            Error::new(format!(
                "subresource_name is required for {}",
                kind.describe()
            ))
            .at(attr(M::SUBRESOURCE_NAME))
        })
}

/// The PUT body of the endpoint. Zone groups are child resources and never part of it.
fn body(planned: &M) -> Result<Endpoint, Error> {
    let sub = subresource(planned)?;
    let conn = Connection {
        name: Some(planned.name.as_known().cloned().unwrap_or_default()),
        properties: ConnectionProperties {
            private_link_service_id: planned.target_resource_id.as_known().cloned(),
            group_ids: vec![sub.clone()],
            request_message: planned.request_message.as_known().cloned(),
            private_link_service_connection_state: None,
        },
    };
    let (auto, manual) = if is_manual(planned) {
        (vec![], vec![conn])
    } else {
        (vec![conn], vec![])
    };
    let ip_configurations = planned
        .ip_configuration
        .iter()
        .map(|c| ArmIpConfiguration {
            name: c.name.as_known().cloned(),
            properties: IpConfigurationProperties {
                private_ip_address: c.private_ip_address.as_known().cloned(),
                group_id: Some(c.subresource_name.as_known().unwrap_or(&sub).clone()),
                member_name: c.member_name.as_known().cloned(),
            },
        })
        .collect();
    Ok(Endpoint {
        location: planned.location.as_known().cloned(),
        tags: Some(tags_body(&planned.tags)),
        properties: PrivateEndpointProperties {
            subnet: SubResource {
                id: planned.subnet_id.as_known().cloned(),
            },
            private_link_service_connections: auto,
            manual_private_link_service_connections: manual,
            custom_network_interface_name: planned
                .custom_network_interface_name
                .as_known()
                .cloned(),
            ip_configurations,
            ..PrivateEndpointProperties::default()
        },
    })
}

/// The endpoint as state, from its ARM body; `private_dns_zone_names` comes from the target type
/// and `cloud`.
fn to_state(id: &PrivateEndpointId, pe: &Endpoint, prior: &M, cloud: &Cloud) -> M {
    let p = &pe.properties;
    let conn = pe.connection();
    let props = conn.map(|(c, _)| &c.properties);
    let manual = conn.is_some_and(|(_, m)| m);
    let target = text(props.and_then(|c| c.private_link_service_id.clone()));
    let sub = text(props.and_then(|c| c.group_ids.first().cloned()));
    // The addresses of the names the endpoint serves, then those of its IP configurations.
    let mut ips: Vec<String> = Vec::new();
    let dns_ips = p.custom_dns_configs.iter().flat_map(|c| &c.ip_addresses);
    let config_ips = p
        .ip_configurations
        .iter()
        .filter_map(|c| c.properties.private_ip_address.as_ref());
    for a in dns_ips.chain(config_ips) {
        if !ips.contains(a) {
            ips.push(a.clone());
        }
    }
    let zones = match (
        known_str(&target).and_then(TargetKind::of_lenient),
        known_str(&sub),
    ) {
        (Some(kind), Some(s)) => kind.dns_zones(s, cloud),
        _ => Vec::new(),
    };
    M {
        id: Value::Known(id.to_string()),
        name: Value::Known(id.name().to_string()),
        resource_group_name: keep_spelling(
            Value::Known(id.resource_group().to_string()),
            &prior.resource_group_name,
            pl::lower,
        ),
        location: keep_spelling(text(pe.location.clone()), &prior.location, pl::location_key),
        subnet_id: keep_spelling(text(p.subnet.id.clone()), &prior.subnet_id, pl::lower),
        target_resource_id: keep_spelling(target, &prior.target_resource_id, pl::lower),
        subresource_name: keep_spelling(sub, &prior.subresource_name, pl::lower),
        manual_connection: Value::Known(manual),
        // Azure keeps the `requestMessage` of an auto-approved connection (its own examples show
        // one), but only a manual connection sends it; reading it for an auto connection would make
        // an import's generated configuration invalid and a configuration without it replace the
        // endpoint.
        request_message: if manual {
            text(props.and_then(|c| c.request_message.clone()))
        } else {
            Value::Null
        },
        connection_state: props
            .and_then(|c| c.private_link_service_connection_state.clone())
            .map_or(Value::Null, |s| {
                Value::Known(ConnectionState {
                    status: text(s.status),
                    description: text(s.description),
                    actions_required: text(s.actions_required),
                })
            }),
        custom_network_interface_name: text(p.custom_network_interface_name.clone()),
        network_interface_id: text(p.network_interfaces.first().and_then(|n| n.id.clone())),
        private_ip_addresses: Value::Known(ips),
        custom_dns_configs: Value::Known(
            p.custom_dns_configs
                .iter()
                .map(|c| DnsConfig {
                    fqdn: text(c.fqdn.clone()),
                    ip_addresses: Value::Known(c.ip_addresses.clone()),
                })
                .collect(),
        ),
        ip_configuration: p
            .ip_configurations
            .iter()
            .map(|c| IpConfiguration {
                name: text(c.name.clone()),
                private_ip_address: text(c.properties.private_ip_address.clone()),
                subresource_name: text(c.properties.group_id.clone()),
                member_name: text(c.properties.member_name.clone()),
            })
            .collect(),
        tags: tags_state(pe.tags.clone(), &prior.tags),
        private_dns_zone_names: Value::Known(zones),
    }
}

/// The valid sub-resources of a target kind, for messages.
fn listed(kind: TargetKind) -> String {
    kind.subresources()
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for PrivateEndpoint {
    type Model = PrivateEndpointModel;

    fn type_name(&self) -> &'static str {
        "aml_private_endpoint"
    }

    fn schema(&self) -> Schema {
        let ip_configuration = Block::new("A static private IP address for one member of the sub-resource.")
            .attribute(Attribute::required("name", Type::String, "The name of the IP configuration.").validate(Validator::Str(pl::check_network_name)))
            .attribute(Attribute::required("private_ip_address", Type::String, "The static IPv4 address, inside the subnet.").validate(Validator::Str(ipv4)))
            .attribute(Attribute::optional_computed("subresource_name", Type::String, "The sub-resource (group ID) of the address; defaults to the endpoint's `subresource_name`."))
            .attribute(Attribute::optional_computed("member_name", Type::String, "The member of the sub-resource, e.g. `default` for a workspace."));
        Schema::new(
            Block::new(
                "A private endpoint from a subnet to an Azure Machine Learning workspace or hub, an AML registry, or a \
                 workspace dependency (storage account, key vault, container registry, AI services, AI search).\n\n\
                 Create waits until the endpoint is provisioned and its connection is `Approved` (or `Pending` with \
                 `manual_connection`). Register it in DNS with `aml_private_dns_zone_group`; this resource never creates, \
                 changes or deletes zone groups, so a zone group written by Azure Policy is left alone. \
                 `private_dns_zone_names` lists the zones the endpoint needs (both AML zones for a workspace).",
            )
            .attribute(Attribute::id("The private endpoint's ARM ID."))
            .attribute(
                Attribute::required("name", Type::String, "The endpoint name (1 to 80 letters, digits, `_`, `.`, `-`).")
                    .requires_replace()
                    .validate(Validator::Str(pl::check_network_name)),
            )
            .attribute(
                Attribute::required("resource_group_name", Type::String, "The resource group of the endpoint.")
                    .requires_replace()
                    .validate(Validator::Str(pl::check_resource_group_name)),
            )
            .attribute(
                Attribute::required("location", Type::String, "The Azure region; it must be the virtual network's region.")
                    .requires_replace()
                    .validate(Validator::Str(pl::check_location)),
            )
            .attribute(
                Attribute::required("subnet_id", Type::String, "The ARM ID of the subnet the endpoint takes its private IP from.")
                    .requires_replace()
                    .case_insensitive()
                    .validate(Validator::Str(pl::check_subnet_id)),
            )
            .attribute(
                Attribute::required(
                    "target_resource_id",
                    Type::String,
                    "The ARM ID of the resource to reach privately: an AML workspace or hub, an AML registry, a storage account, \
                     a key vault, a container registry, an AI services account or an AI search service.",
                )
                .requires_replace()
                .case_insensitive()
                .validate(Validator::Str(pl::check_target_resource_id)),
            )
            .attribute(
                Attribute::optional_computed(
                    "subresource_name",
                    Type::String,
                    "The sub-resource (group ID). Defaults from the target: `amlworkspace` for a workspace or hub, `amlregistry` for an \
                     AML registry, `vault` for a key vault, `registry` for a container registry, `account` for AI services, \
                     `searchService` for AI search. Required for a storage account: `blob`, `file`, `queue`, `table`, `dfs` or `web` \
                     (or their `_secondary` forms).",
                )
                .requires_replace(),
            )
            .attribute(
                Attribute::optional_computed(
                    "manual_connection",
                    Type::Bool,
                    "Request the connection for approval by the target's owner instead of auto-approval. The endpoint is then \
                     created with its connection `Pending`.",
                )
                .default(cty::Value::Bool(false))
                .requires_replace(),
            )
            .attribute(
                Attribute::optional("request_message", Type::String, "The message for the target's owner; required exactly when `manual_connection` is true (at most 140 characters). \
                     Read back only for a manual connection: Azure may keep the message of an auto-approved one, which then \
                     imports without it.")
                    .requires_replace()
                    .validate(Validator::Length(1, 140)),
            )
            .attribute(
                Attribute::optional("custom_network_interface_name", Type::String, "The name of the endpoint's network interface (default: `<name>.nic.<guid>`).")
                    .requires_replace()
                    .validate(Validator::Str(pl::check_network_name)),
            )
            .attribute(Attribute::optional("tags", Type::map(Type::String), "Tags of the endpoint; updated in place."))
            .attribute(Attribute::computed("network_interface_id", Type::String, "The ARM ID of the endpoint's network interface."))
            .attribute(Attribute::computed("private_ip_addresses", Type::list(Type::String), "The endpoint's private IP addresses."))
            .attribute(Attribute::computed(
                "custom_dns_configs",
                Type::list(object_type::<DnsConfig>()),
                "The names the endpoint serves, each with its `fqdn` and `ip_addresses`: the records a DNS zone group (or your own DNS) must hold.",
            ))
            .attribute(Attribute::computed(
                "connection_state",
                object_type::<ConnectionState>(),
                "The connection's `status` (`Approved`, `Pending`, `Rejected`, `Disconnected`), `description` and `actions_required`.",
            ))
            .attribute(Attribute::computed(
                "private_dns_zone_names",
                Type::list(Type::String),
                "The private DNS zones this endpoint needs in the provider's cloud: both AML zones (`privatelink.api.azureml.ms` and \
                 `privatelink.notebooks.azure.net` in Azure public) for a workspace. Known at plan when the target is.",
            ))
            .block(NestedBlock::new("ip_configuration", Nesting::List, ip_configuration).items(0, 20).requires_replace()),
        )
    }

    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(60, 5, 60, 60)
    }

    fn import_doc(&self) -> &'static str {
        "Import a private endpoint by its ARM ID (`az network private-endpoint show -g <rg> -n <name> --query id`). \
         Its DNS zone group, if any, is a separate `aml_private_dns_zone_group`."
    }

    fn validate(&self, config: &M, diags: &mut Diagnostics) {
        let sub = &config.subresource_name;
        if let Some(kind) =
            known_str(&config.target_resource_id).and_then(|t| TargetKind::of(t).ok())
        {
            match sub.as_known() {
                Some(s) if kind.canonical_subresource(s).is_none() => diags.error_at(
                    attr(M::SUBRESOURCE_NAME),
                    "Invalid sub-resource for this target",
                    format!("{s:?} is not a sub-resource of {}. Valid: {}.", kind.describe(), listed(kind)),
                ),
                None if sub.is_null() && kind.default_subresource().is_none() => diags.error_at(
                    attr(M::SUBRESOURCE_NAME),
                    "Missing sub-resource",
                    format!(
                        "A private endpoint to {} needs `subresource_name`: one of {}. Each sub-resource needs its own endpoint.",
                        kind.describe(),
                        listed(kind)
                    ),
                ),
                _ => {}
            }
        }
        let message = &config.request_message;
        match config.manual_connection {
            Value::Known(true) if message.is_null() => diags.error_at(
                attr(M::REQUEST_MESSAGE),
                "Missing request message",
                "`request_message` is required when `manual_connection` is true: the target's owner sees it when approving the connection.",
            ),
            Value::Known(false) | Value::Null if message.as_known().is_some() => diags.error_at(
                attr(M::REQUEST_MESSAGE),
                "Request message without manual connection",
                "`request_message` is only sent with a manual connection. Set `manual_connection = true`, or remove `request_message`.",
            ),
            _ => {}
        }
    }

    async fn plan(&self, ctx: &Ctx<'_>, plan: &mut TypedPlan<M>) -> Result<(), Error> {
        check_against_subnet(ctx, plan).await?;
        let Some(Ok(kind)) = known_str(&plan.planned.target_resource_id).map(TargetKind::of) else {
            return Ok(());
        };
        if plan.config.subresource_name.is_null() {
            if let Some(d) = kind.default_subresource() {
                // Keep the prior spelling (ARM may echo another case) so that no replacement is planned.
                let keep = plan
                    .prior
                    .as_ref()
                    .and_then(|p| p.subresource_name.as_known())
                    .filter(|p| p.eq_ignore_ascii_case(d))
                    .cloned();
                plan.planned.subresource_name = Value::Known(keep.unwrap_or_else(|| d.to_string()));
            }
        }
        if let Some(sub) = known_str(&plan.planned.subresource_name) {
            let zones = kind.dns_zones(sub, ctx.arm().await?.cloud());
            plan.planned.private_dns_zone_names = Value::Known(zones);
        }
        Ok(())
    }

    async fn existing(&self, ctx: &Ctx<'_>, planned: &M) -> Result<Option<String>, Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(arm.subscription_id(), planned)?;
        existing_listed_id(&arm, &id, NETWORK, "private endpoint").await
    }

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(arm.subscription_id(), planned)?;
        let doing = format!("creating private endpoint {id}");
        let manual = is_manual(planned);
        let target = known_str(&planned.target_resource_id).unwrap_or_default();
        let r = arm.put(&id, NETWORK, &body(planned)?).await.doing(&doing)?;
        // Wait for the connection to settle: Approved (auto) or Pending (manual).
        let want = if manual { "Pending" } else { "Approved" };
        let settle_state = |pe: &Endpoint| {
            let prov = pe
                .properties
                .provisioning_state
                .as_deref()
                .unwrap_or("Succeeded");
            (
                prov.to_string(),
                pe.connection_status().unwrap_or_default().to_string(),
            )
        };
        let settled = |r: Option<&Response>| {
            let Some(r) = r else {
                return Wait::Fail(Error::new(format!(
                    "{doing}: the endpoint disappeared while its connection was being set up"
                )));
            };
            let pe: Endpoint = match parse(&r.body) {
                Ok(pe) => pe,
                Err(e) => return Wait::Fail(e),
            };
            let (prov, status) = settle_state(&pe);
            let partial = || to_state(&id, &pe, planned, arm.cloud());
            if prov.eq_ignore_ascii_case("Failed") {
                return Wait::Fail(
                    Error::new(format!("{doing}: provisioning failed")).with_partial(partial()),
                );
            }
            if prov.eq_ignore_ascii_case("Succeeded")
                && (status.eq_ignore_ascii_case(want)
                    || (manual && status.eq_ignore_ascii_case("Approved")))
            {
                return Wait::Done(pe);
            }
            if ["Rejected", "Disconnected"]
                .iter()
                .any(|s| status.eq_ignore_ascii_case(s))
            {
                return Wait::Fail(Error::new(format!("{doing}: the connection to {target} is {status}"))
                    .detail("The target's owner rejected or removed the connection. Approve it on the target, or delete this endpoint.")
                    .with_partial(partial()));
            }
            Wait::Pending
        };
        let pe = match arm
            .wait_until(&id, NETWORK, arm.deadline(), Some(r), settled)
            .await
        {
            Ok(pe) => pe,
            Err(WaitError::Arm(e)) => return Err(e).doing(&doing),
            Err(WaitError::Failed(e)) => return Err(e),
            Err(WaitError::TimedOut { last }) => {
                let pe: Endpoint = match last {
                    Some(r) => parse(&r.body)?,
                    None => Endpoint::default(),
                };
                let (prov, status) = settle_state(&pe);
                return Err(Error::new(format!(
                    "{doing}: still {prov} with the connection {status:?} at the time limit"
                ))
                .detail("Raise the `create` timeout if Azure is slow.")
                .with_partial(to_state(&id, &pe, planned, arm.cloud())));
            }
        };
        if manual {
            ctx.warn(Diagnostic::warning(
                format!("Private endpoint {} awaits approval", id.name()),
                format!(
                    "The connection to {target} is Pending until the target's owner approves it (Networking > Private endpoint connections, \
                     or `az network private-endpoint-connection approve`). Until then the endpoint carries no traffic; \
                     `connection_state.status` shows the current state.",
                ),
            ));
        }
        Ok(to_state(&id, &pe, planned, arm.cloud()))
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(arm.subscription_id(), state)?;
        let found = read_listed(&arm, &id, NETWORK)
            .await
            .doing(format!("reading private endpoint {id}"))?;
        found
            .map(|r| Ok(to_state(&id, &parse(&r.body)?, state, arm.cloud())))
            .transpose()
    }

    async fn update(&self, ctx: &Ctx<'_>, _prior: &M, planned: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(arm.subscription_id(), planned)?;
        // Only tags change in place; PUT the whole endpoint (the connection is kept, zone groups are children).
        let r = arm
            .put(&id, NETWORK, &body(planned)?)
            .await
            .doing(format!("updating private endpoint {id}"))?;
        Ok(to_state(&id, &parse(&r.body)?, planned, arm.cloud()))
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(arm.subscription_id(), state)?;
        arm.delete(&id, NETWORK)
            .await
            .doing(format!("deleting private endpoint {id}"))
    }

    fn import(&self, id: &str) -> Result<M, Error> {
        import_stub(id, PrivateEndpointId::parse, |m: &mut M| &mut m.id)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::tfplugin::cty::Path;

    const SUB: &str = "00000000-0000-4000-8000-00000000a3b1";
    const MANUAL: &str = "manualPrivateLinkServiceConnections";
    const AUTO: &str = "privateLinkServiceConnections";

    /// A configuration: the base one with `attrs` over it.
    fn config(attrs: &[(&str, cty::Value)]) -> cty::Value {
        let block: Block = PrivateEndpoint.schema().block;
        let mut v = block.empty_value();
        if let cty::Value::Object(m) = &mut v {
            m.insert(M::NAME.into(), cty::Value::string("pe-mlw-demo"));
            m.insert(
                M::RESOURCE_GROUP_NAME.into(),
                cty::Value::string("rg-aml-demo"),
            );
            m.insert(M::LOCATION.into(), cty::Value::string("eastus"));
            m.insert(
                M::SUBNET_ID.into(),
                cty::Value::string(format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe")),
            );
            m.insert(
                M::TARGET_RESOURCE_ID.into(),
                cty::Value::string(format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo")),
            );
            for (k, val) in attrs {
                m.insert(k.to_string(), val.clone());
            }
        }
        v
    }

    fn model(attrs: &[(&str, cty::Value)]) -> M {
        M::from_value(&config(attrs))
    }

    /// Validates a configuration; returns `(attribute, summary)` of each error.
    fn errors(attrs: &[(&str, cty::Value)]) -> Vec<(String, String)> {
        let cfg = config(attrs);
        let mut d = Diagnostics::new();
        PrivateEndpoint
            .schema()
            .block
            .validate(&cfg, &Path::root(), &mut d);
        TypedResource::validate(&PrivateEndpoint, &M::from_value(&cfg), &mut d);
        d.iter()
            .filter(|x| x.is_error())
            .map(|x| (format!("{:?}", x.path), x.summary.clone()))
            .collect()
    }

    #[test]
    fn static_ips_are_compared_with_ipv4_prefixes() {
        assert_eq!(in_prefix("10.0.1.50", "10.0.1.0/24"), Some(true));
        assert_eq!(in_prefix("10.0.2.10", "10.0.1.0/24"), Some(false));
        assert_eq!(in_prefix("10.0.1.255", "10.0.1.0/25"), Some(false));
        assert_eq!(in_prefix("192.168.3.4", "0.0.0.0/0"), Some(true));
        assert_eq!(in_prefix("10.0.1.4", "10.0.1.4/32"), Some(true));
        // Not comparable: IPv6 prefixes, malformed values.
        assert_eq!(in_prefix("10.0.1.4", "fd00::/64"), None);
        assert_eq!(in_prefix("10.0.1.4", "10.0.1.0/33"), None);
        assert_eq!(in_prefix("not-an-ip", "10.0.1.0/24"), None);
    }

    #[test]
    fn plan_time_checks_point_at_the_attribute() {
        let s = cty::Value::string;
        let storage = s(format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Storage/storageAccounts/stamldemo"));
        let vnet = s(format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml"));
        // (attributes over the base configuration, the attribute the one error is about)
        type Case<'a> = (Vec<(&'a str, cty::Value)>, Option<&'a str>);
        let cases: Vec<Case> = vec![
            (vec![], None),
            (vec![(M::SUBNET_ID, vnet.clone())], Some(M::SUBNET_ID)),
            (
                vec![(M::TARGET_RESOURCE_ID, vnet)],
                Some(M::TARGET_RESOURCE_ID),
            ),
            (
                vec![(M::TARGET_RESOURCE_ID, storage.clone())],
                Some(M::SUBRESOURCE_NAME),
            ),
            (
                vec![
                    (M::TARGET_RESOURCE_ID, storage.clone()),
                    (M::SUBRESOURCE_NAME, s("blob".into())),
                ],
                None,
            ),
            (
                vec![
                    (M::TARGET_RESOURCE_ID, storage),
                    (M::SUBRESOURCE_NAME, s("amlworkspace".into())),
                ],
                Some(M::SUBRESOURCE_NAME),
            ),
            (
                vec![(M::SUBRESOURCE_NAME, s("blob".into()))],
                Some(M::SUBRESOURCE_NAME),
            ),
            (vec![(M::SUBRESOURCE_NAME, s("AMLWorkspace".into()))], None),
            (
                vec![(M::REQUEST_MESSAGE, s("please".into()))],
                Some(M::REQUEST_MESSAGE),
            ),
            (
                vec![(M::MANUAL_CONNECTION, cty::Value::Bool(true))],
                Some(M::REQUEST_MESSAGE),
            ),
            (
                vec![
                    (M::MANUAL_CONNECTION, cty::Value::Bool(true)),
                    (M::REQUEST_MESSAGE, s("please".into())),
                ],
                None,
            ),
            (
                vec![
                    (M::MANUAL_CONNECTION, cty::Value::Bool(true)),
                    (M::REQUEST_MESSAGE, s("x".repeat(141))),
                ],
                Some(M::REQUEST_MESSAGE),
            ),
            (
                vec![
                    (M::MANUAL_CONNECTION, cty::Value::Bool(true)),
                    (M::REQUEST_MESSAGE, cty::Value::unknown()),
                ],
                None,
            ),
            (vec![(M::NAME, s("pe mlw".into()))], Some(M::NAME)),
            (vec![(M::NAME, s("-pe".into()))], Some(M::NAME)),
            (
                vec![(M::RESOURCE_GROUP_NAME, s("rg.".into()))],
                Some(M::RESOURCE_GROUP_NAME),
            ),
            (
                vec![
                    (M::TARGET_RESOURCE_ID, cty::Value::unknown()),
                    (M::SUBNET_ID, cty::Value::unknown()),
                ],
                None,
            ),
        ];
        for (attrs, want) in cases {
            let errs = errors(&attrs);
            match want {
                None => assert!(errs.is_empty(), "{attrs:?}: {errs:?}"),
                Some(attr) => {
                    assert_eq!(errs.len(), 1, "{attrs:?}: {errs:?}");
                    assert!(
                        errs[0].0.contains(&format!("\"{attr}\"")),
                        "{attrs:?}: {errs:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn body_uses_the_default_subresource_and_the_right_connection_list() {
        let b = serde_json::to_value(body(&model(&[])).unwrap()).unwrap();
        assert_eq!(
            b["properties"][AUTO][0]["properties"]["groupIds"],
            json!(["amlworkspace"])
        );
        assert_eq!(b["properties"][MANUAL], json!([]));
        assert!(b["properties"].get("privateDnsZoneGroups").is_none());
        let b = serde_json::to_value(
            body(&model(&[
                (M::MANUAL_CONNECTION, cty::Value::Bool(true)),
                (M::REQUEST_MESSAGE, cty::Value::string("hi")),
            ]))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            b["properties"][MANUAL][0]["properties"]["requestMessage"],
            "hi"
        );
        assert_eq!(b["properties"][AUTO], json!([]));
    }

    /// The whole PUT body, key for key: what ARM (and the emulator) receive.
    #[test]
    fn body_is_the_arm_request() {
        let rg = format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers");
        let ip = |name: &str, addr: &str, member: Option<&str>| {
            cty::Value::object([
                (IpConfiguration::NAME, cty::Value::string(name)),
                (
                    IpConfiguration::PRIVATE_IP_ADDRESS,
                    cty::Value::string(addr),
                ),
                (IpConfiguration::SUBRESOURCE_NAME, cty::Value::Null),
                (
                    IpConfiguration::MEMBER_NAME,
                    member.map_or(cty::Value::Null, cty::Value::string),
                ),
            ])
        };
        let m = model(&[
            (
                M::CUSTOM_NETWORK_INTERFACE_NAME,
                cty::Value::string("nic-pe"),
            ),
            (
                M::IP_CONFIGURATION,
                cty::Value::List(vec![
                    ip("ip-api", "10.0.1.10", Some("default")),
                    ip("ip-nb", "10.0.1.11", None),
                ]),
            ),
        ]);
        assert_eq!(
            serde_json::to_value(body(&m).unwrap()).unwrap(),
            json!({
                "location": "eastus",
                "tags": {},
                "properties": {
                    "subnet": {"id": format!("{rg}/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe")},
                    AUTO: [{
                        "name": "pe-mlw-demo",
                        "properties": {
                            "privateLinkServiceId": format!("{rg}/Microsoft.MachineLearningServices/workspaces/mlw-demo"),
                            "groupIds": ["amlworkspace"],
                        },
                    }],
                    MANUAL: [],
                    "customNetworkInterfaceName": "nic-pe",
                    "ipConfigurations": [
                        {"name": "ip-api", "properties": {"privateIPAddress": "10.0.1.10", "groupId": "amlworkspace", "memberName": "default"}},
                        {"name": "ip-nb", "properties": {"privateIPAddress": "10.0.1.11", "groupId": "amlworkspace"}},
                    ],
                },
            })
        );
        let plain = serde_json::to_value(body(&model(&[])).unwrap()).unwrap();
        assert!(plain["properties"].get("ipConfigurations").is_none());
        assert!(plain["properties"]
            .get("customNetworkInterfaceName")
            .is_none());
    }

    #[test]
    fn state_from_an_arm_body() {
        let cloud = crate::arm::Cloud::from_environment("public").unwrap();
        let id = PrivateEndpointId::parse(&format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Network/privateEndpoints/pe")).unwrap();
        let arm = json!({
            "location": "eastus",
            "tags": {"env": "dev"},
            "properties": {
                "subnet": {"id": format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe")},
                "privateLinkServiceConnections": [{"name": "pe", "properties": {
                    "privateLinkServiceId": format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"),
                    "groupIds": ["amlworkspace"],
                    "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}}}],
                "manualPrivateLinkServiceConnections": [],
                "networkInterfaces": [{"id": "/nic"}],
                "customDnsConfigs": [{"fqdn": "a.workspace.eastus.api.azureml.ms", "ipAddresses": ["10.0.1.4"]}, {"fqdn": "b", "ipAddresses": ["10.0.1.5"]}],
            }
        });
        let pe: Endpoint = parse(&arm).unwrap();
        let prior = model(&[(M::LOCATION, cty::Value::string("East US"))]);
        let s = to_state(&id, &pe, &prior, &cloud);
        assert_eq!(known_str(&s.location), Some("East US"));
        assert_eq!(
            s.private_ip_addresses.known().unwrap(),
            vec!["10.0.1.4", "10.0.1.5"]
        );
        assert_eq!(
            s.private_dns_zone_names.known().unwrap(),
            vec![
                "privatelink.api.azureml.ms",
                "privatelink.notebooks.azure.net"
            ]
        );
        assert_eq!(known_str(&s.subresource_name), Some("amlworkspace"));
        assert!(!s.manual_connection.known().unwrap_or(true));
        assert_eq!(known_str(&s.network_interface_id), Some("/nic"));
        assert_eq!(pe.connection_status(), Some("Approved"));
    }

    /// Azure's own PrivateEndpoint payloads show a `requestMessage` on an auto-approved connection:
    /// state holds it only for a manual connection, so that an imported endpoint's configuration
    /// (`request_message` only with `manual_connection`) validates and plans no replacement.
    #[test]
    fn request_message_is_read_only_for_manual_connections() {
        let cloud = crate::arm::Cloud::from_environment("public").unwrap();
        let id = PrivateEndpointId::parse(&format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Network/privateEndpoints/pe")).unwrap();
        let conn = json!([{"name": "pe", "properties": {
            "privateLinkServiceId": format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"),
            "groupIds": ["amlworkspace"],
            "requestMessage": "Please approve my connection.",
            "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-approved", "actionsRequired": "None"}}}]);
        let subnet = format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe");
        let read = |list: &str| {
            let arm =
                json!({"location": "eastus", "properties": {"subnet": {"id": subnet}, list: conn}});
            to_state(&id, &parse(&arm).unwrap(), &model(&[]), &cloud)
        };
        let auto = read(AUTO);
        assert_eq!(auto.manual_connection.as_known(), Some(&false));
        assert!(auto.request_message.is_null(), "{:?}", auto.request_message);
        // The state, as a configuration, passes validation.
        let mut d = Diagnostics::new();
        TypedResource::validate(&PrivateEndpoint, &auto, &mut d);
        assert!(!d.iter().any(|x| x.is_error()), "{d:?}");
        let manual = read(MANUAL);
        assert_eq!(manual.manual_connection.as_known(), Some(&true));
        assert_eq!(
            known_str(&manual.request_message),
            Some("Please approve my connection.")
        );
        let mut d = Diagnostics::new();
        TypedResource::validate(&PrivateEndpoint, &manual, &mut d);
        assert!(!d.iter().any(|x| x.is_error()), "{d:?}");
    }
}
