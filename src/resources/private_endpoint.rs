//! `aml_private_endpoint`: a private endpoint (Microsoft.Network/privateEndpoints, api-version
//! `NETWORK` = 2025-07-01) from a subnet to an AML workspace, hub or registry, or to one of a
//! workspace's dependencies (storage, key vault, container registry, AI services, AI search).
//!
//! The sub-resource defaults from the target's type; `private_dns_zone_names` is known at plan
//! from the target type and the provider's cloud. Create waits until the endpoint is `Succeeded`
//! and its connection `Approved` (auto) or `Pending` (manual). The endpoint's DNS zone group is a
//! separate resource (`aml_private_dns_zone_group`): this one never writes or deletes zone groups,
//! so a group written by Azure Policy stays (users.md row 5).

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::private_link::{self as pl, jstr, tags_json, tags_value, TargetKind};
use crate::arm::ids::{PrivateEndpointId, ResourceGroupId};
use crate::arm::{api_versions, Deadline, Response, Wait, WaitError, WriteOptions};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{Path, Type, Value};
use crate::tfplugin::diagnostics::{Diagnostic, Diagnostics};
use crate::tfplugin::object::{self, Object};
use crate::tfplugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::{Ctx, Error, Plan, Resource};

/// The resource.
#[derive(Debug)]
pub struct PrivateEndpoint;

const MANUAL: &str = "manualPrivateLinkServiceConnections";
const AUTO: &str = "privateLinkServiceConnections";

fn dns_config_type() -> Type {
    Type::object([
        ("fqdn", Type::String),
        ("ip_addresses", Type::list(Type::String)),
    ])
}

fn connection_state_type() -> Type {
    Type::object([
        ("status", Type::String),
        ("description", Type::String),
        ("actions_required", Type::String),
    ])
}

fn ipv4(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(s) if s.parse::<std::net::Ipv4Addr>().is_ok() => Ok(()),
        Some(s) => Err(format!("{s:?} is not an IPv4 address.")),
        None => Ok(()),
    }
}

fn endpoint_id(arm_sub: &str, o: &Object) -> Result<PrivateEndpointId, Error> {
    if let Some(id) = o.string("id") {
        return PrivateEndpointId::parse_lenient(&id)
            .map_err(|e| Error::new(e.message).at(Path::root().attr("id")));
    }
    let rg = o.string("resource_group_name").unwrap_or_default();
    Ok(ResourceGroupId::new(arm_sub, &rg).private_endpoint(&o.string("name").unwrap_or_default()))
}

/// The sub-resource to request: the configured one, else the target type's default.
fn subresource(planned: &Object) -> Result<String, Error> {
    if let Some(s) = planned.string("subresource_name") {
        return Ok(s);
    }
    let target = planned.string("target_resource_id").unwrap_or_default();
    let kind = TargetKind::of(&target)
        .map_err(|e| Error::new(e).at(Path::root().attr("target_resource_id")))?;
    kind.default_subresource()
        .map(str::to_string)
        .ok_or_else(|| {
            Error::new(format!(
                "subresource_name is required for {}",
                kind.describe()
            ))
            .at(Path::root().attr("subresource_name"))
        })
}

/// The PUT body of the endpoint. Zone groups are child resources and never part of it.
fn body(planned: &Object) -> Result<Json, Error> {
    let manual = planned.bool_or("manual_connection", false);
    let name = planned.string("name").unwrap_or_default();
    let mut conn = json!({
        "name": name,
        "properties": {
            "privateLinkServiceId": planned.string("target_resource_id"),
            "groupIds": [subresource(planned)?],
        }
    });
    if let Some(m) = planned.string("request_message") {
        conn["properties"]["requestMessage"] = json!(m);
    }
    let mut props = json!({
        "subnet": {"id": planned.string("subnet_id")},
        AUTO: [],
        MANUAL: [],
    });
    props[if manual { MANUAL } else { AUTO }] = json!([conn]);
    if let Some(nic) = planned.string("custom_network_interface_name") {
        props["customNetworkInterfaceName"] = json!(nic);
    }
    let ipcs: Vec<Json> = planned
        .blocks("ip_configuration")
        .iter()
        .map(|c| {
            let mut p = json!({"privateIPAddress": c.string("private_ip_address")});
            if let Some(g) = c
                .string("subresource_name")
                .or_else(|| subresource(planned).ok())
            {
                p["groupId"] = json!(g);
            }
            if let Some(m) = c.string("member_name") {
                p["memberName"] = json!(m);
            }
            json!({"name": c.string("name"), "properties": p})
        })
        .collect();
    if !ipcs.is_empty() {
        props["ipConfigurations"] = Json::Array(ipcs);
    }
    Ok(
        json!({"location": planned.string("location"), "tags": tags_json(planned), "properties": props}),
    )
}

/// The endpoint's one connection and whether it is manual.
fn connection(body: &Json) -> Option<(&Json, bool)> {
    for (field, manual) in [(AUTO, false), (MANUAL, true)] {
        if let Some(c) = body.pointer(&format!("/properties/{field}/0")) {
            return Some((c, manual));
        }
    }
    None
}

fn connection_status(body: &Json) -> Option<String> {
    connection(body)
        .and_then(|(c, _)| c.pointer("/properties/privateLinkServiceConnectionState/status"))
        .and_then(Json::as_str)
        .map(str::to_string)
}

/// The endpoint as state, from its ARM body; `private_dns_zone_names` comes from the target type and `cloud`.
fn to_state(
    id: &PrivateEndpointId,
    body: &Json,
    prior: &Object,
    cloud: &crate::arm::Cloud,
) -> Object {
    let mut o = prior.clone();
    o.set("id", id.to_string());
    o.set("name", id.name());
    o.set(
        "resource_group_name",
        pl::keep_spelling(
            Value::string(id.resource_group()),
            prior,
            "resource_group_name",
            pl::lower,
        ),
    );
    o.set(
        "location",
        pl::keep_spelling(jstr(body, "/location"), prior, "location", pl::location_key),
    );
    o.set(
        "subnet_id",
        pl::keep_spelling(
            jstr(body, "/properties/subnet/id"),
            prior,
            "subnet_id",
            pl::lower,
        ),
    );
    let conn = connection(body);
    let target = conn
        .map(|(c, _)| jstr(c, "/properties/privateLinkServiceId"))
        .unwrap_or(Value::Null);
    o.set(
        "target_resource_id",
        pl::keep_spelling(target.clone(), prior, "target_resource_id", pl::lower),
    );
    let sub = conn
        .map(|(c, _)| jstr(c, "/properties/groupIds/0"))
        .unwrap_or(Value::Null);
    o.set(
        "subresource_name",
        pl::keep_spelling(sub.clone(), prior, "subresource_name", pl::lower),
    );
    o.set("manual_connection", conn.is_some_and(|(_, m)| m));
    o.set(
        "request_message",
        conn.map(|(c, _)| jstr(c, "/properties/requestMessage"))
            .unwrap_or(Value::Null),
    );
    let state = conn.and_then(|(c, _)| c.pointer("/properties/privateLinkServiceConnectionState"));
    o.set(
        "connection_state",
        match state {
            Some(s) => Value::object([
                ("status", jstr(s, "/status")),
                ("description", jstr(s, "/description")),
                ("actions_required", jstr(s, "/actionsRequired")),
            ]),
            None => Value::Null,
        },
    );
    o.set(
        "custom_network_interface_name",
        jstr(body, "/properties/customNetworkInterfaceName"),
    );
    o.set(
        "network_interface_id",
        jstr(body, "/properties/networkInterfaces/0/id"),
    );
    let dns: Vec<&Json> = body
        .pointer("/properties/customDnsConfigs")
        .and_then(Json::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let strings = |v: Option<&Json>| -> Vec<String> {
        v.and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut ips: Vec<String> = Vec::new();
    let mut configs = Vec::new();
    for c in &dns {
        let addrs = strings(c.get("ipAddresses"));
        for a in &addrs {
            if !ips.contains(a) {
                ips.push(a.clone());
            }
        }
        configs.push(Value::object([
            ("fqdn", jstr(c, "/fqdn")),
            (
                "ip_addresses",
                Value::List(addrs.into_iter().map(Value::string).collect()),
            ),
        ]));
    }
    let ipcs = body
        .pointer("/properties/ipConfigurations")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    for c in &ipcs {
        if let Some(a) = c
            .pointer("/properties/privateIPAddress")
            .and_then(Json::as_str)
        {
            if !ips.iter().any(|i| i == a) {
                ips.push(a.to_string());
            }
        }
    }
    o.set(
        "private_ip_addresses",
        Value::List(ips.into_iter().map(Value::string).collect()),
    );
    o.set("custom_dns_configs", Value::List(configs));
    o.set(
        "ip_configuration",
        Value::List(
            ipcs.iter()
                .map(|c| {
                    Value::object([
                        ("name", jstr(c, "/name")),
                        (
                            "private_ip_address",
                            jstr(c, "/properties/privateIPAddress"),
                        ),
                        ("subresource_name", jstr(c, "/properties/groupId")),
                        ("member_name", jstr(c, "/properties/memberName")),
                    ])
                })
                .collect(),
        ),
    );
    o.set("tags", tags_value(body, prior));
    let zones = match (
        target.as_str().and_then(TargetKind::of_lenient),
        sub.as_str(),
    ) {
        (Some(kind), Some(s)) => Value::List(
            kind.dns_zones(s, cloud)
                .into_iter()
                .map(Value::string)
                .collect(),
        ),
        _ => Value::List(Vec::new()),
    };
    o.set("private_dns_zone_names", zones);
    o
}

#[async_trait]
impl Resource<ConfiguredProvider> for PrivateEndpoint {
    fn type_name(&self) -> &'static str {
        "aml_private_endpoint"
    }

    fn schema(&self) -> Schema {
        let ip_configuration = Block::new("A static private IP address for one member of the sub-resource.")
            .attribute(Attribute::required("name", Type::String, "The name of the IP configuration.").validate(Validator::Custom(pl::network_name)))
            .attribute(Attribute::required("private_ip_address", Type::String, "The static IPv4 address, inside the subnet.").validate(Validator::Custom(ipv4)))
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
                    .validate(Validator::Custom(pl::network_name)),
            )
            .attribute(
                Attribute::required("resource_group_name", Type::String, "The resource group of the endpoint.")
                    .requires_replace()
                    .validate(Validator::Custom(pl::resource_group_name)),
            )
            .attribute(Attribute::required("location", Type::String, "The Azure region; it must be the virtual network's region.").requires_replace())
            .attribute(
                Attribute::required("subnet_id", Type::String, "The ARM ID of the subnet the endpoint takes its private IP from.")
                    .requires_replace()
                    .case_insensitive()
                    .validate(Validator::Custom(pl::subnet_id)),
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
                .validate(Validator::Custom(pl::target_resource_id)),
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
                .default(Value::Bool(false))
                .requires_replace(),
            )
            .attribute(
                Attribute::optional("request_message", Type::String, "The message for the target's owner; required exactly when `manual_connection` is true (at most 140 characters).")
                    .requires_replace()
                    .validate(Validator::Length(1, 140)),
            )
            .attribute(
                Attribute::optional("custom_network_interface_name", Type::String, "The name of the endpoint's network interface (default: `<name>.nic.<guid>`).")
                    .requires_replace()
                    .validate(Validator::Custom(pl::network_name)),
            )
            .attribute(Attribute::optional("tags", Type::map(Type::String), "Tags of the endpoint; updated in place."))
            .attribute(Attribute::computed("network_interface_id", Type::String, "The ARM ID of the endpoint's network interface."))
            .attribute(Attribute::computed("private_ip_addresses", Type::list(Type::String), "The endpoint's private IP addresses."))
            .attribute(Attribute::computed(
                "custom_dns_configs",
                Type::list(dns_config_type()),
                "The names the endpoint serves, each with its `fqdn` and `ip_addresses`: the records a DNS zone group (or your own DNS) must hold.",
            ))
            .attribute(Attribute::computed(
                "connection_state",
                connection_state_type(),
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

    fn validate(&self, config: &Object, diags: &mut Diagnostics) {
        let target = config.get::<String>("target_resource_id");
        let sub = config.get::<String>("subresource_name");
        if let Some(kind) = target.as_known().and_then(|t| TargetKind::of(t).ok()) {
            match sub.as_known() {
                Some(s) if kind.canonical_subresource(s).is_none() => diags.error_at(
                    Path::root().attr("subresource_name"),
                    "Invalid sub-resource for this target",
                    format!(
                        "{s:?} is not a sub-resource of {}. Valid: {}.",
                        kind.describe(),
                        kind.subresources().iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
                    ),
                ),
                None if sub.is_null() && kind.default_subresource().is_none() => diags.error_at(
                    Path::root().attr("subresource_name"),
                    "Missing sub-resource",
                    format!(
                        "A private endpoint to {} needs `subresource_name`: one of {}. Each sub-resource needs its own endpoint.",
                        kind.describe(),
                        kind.subresources().iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
                    ),
                ),
                _ => {}
            }
        }
        let manual = config.get::<bool>("manual_connection");
        let message = config.get::<String>("request_message");
        match manual {
            object::Value::Known(true) if message.is_null() => diags.error_at(
                Path::root().attr("request_message"),
                "Missing request message",
                "`request_message` is required when `manual_connection` is true: the target's owner sees it when approving the connection.",
            ),
            object::Value::Known(false) | object::Value::Null if message.as_known().is_some() => diags.error_at(
                Path::root().attr("request_message"),
                "Request message without manual connection",
                "`request_message` is only sent with a manual connection. Set `manual_connection = true`, or remove `request_message`.",
            ),
            _ => {}
        }
    }

    async fn plan(&self, ctx: &Ctx<'_, ConfiguredProvider>, plan: &mut Plan) -> Result<(), Error> {
        let Some(target) = plan.planned.string("target_resource_id") else {
            return Ok(());
        };
        let Ok(kind) = TargetKind::of(&target) else {
            return Ok(());
        };
        if plan.config.get::<String>("subresource_name").is_null() {
            if let Some(d) = kind.default_subresource() {
                // Keep the prior spelling (ARM may echo another case) so that no replacement is planned.
                let keep = plan
                    .prior
                    .as_ref()
                    .and_then(|p| p.string("subresource_name"))
                    .filter(|p| p.eq_ignore_ascii_case(d));
                plan.planned
                    .set("subresource_name", keep.unwrap_or_else(|| d.to_string()));
            }
        }
        if let Some(sub) = plan.planned.string("subresource_name") {
            let cloud = ctx.client.arm().await?.cloud();
            plan.planned.set(
                "private_dns_zone_names",
                Value::List(
                    kind.dns_zones(&sub, cloud)
                        .into_iter()
                        .map(Value::string)
                        .collect(),
                ),
            );
        }
        Ok(())
    }

    async fn existing(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Option<String>, Error> {
        let arm = ctx.client.arm().await?;
        let id = endpoint_id(arm.subscription_id(), planned)?;
        pl::existing_id(ctx, &id, api_versions::NETWORK, "private endpoint").await
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Object, Error> {
        let arm = ctx.client.arm().await?;
        let id = endpoint_id(arm.subscription_id(), planned)?;
        let deadline = Deadline(ctx.deadline);
        let doing = format!("creating private endpoint {id}");
        let manual = planned.bool_or("manual_connection", false);
        let r = arm
            .put(
                &id,
                api_versions::NETWORK,
                &body(planned)?,
                WriteOptions::default(),
                deadline,
            )
            .await
            .map_err(|e| Error::from(e).context(&doing))?;
        // Wait for the connection to settle: Approved (auto) or Pending (manual).
        let want = if manual { "Pending" } else { "Approved" };
        let settle_state = |body: &Json| {
            let prov = body
                .pointer("/properties/provisioningState")
                .and_then(Json::as_str)
                .unwrap_or("Succeeded")
                .to_string();
            (prov, connection_status(body).unwrap_or_default())
        };
        let settled = |r: Option<&Response>| {
            let Some(r) = r else {
                return Wait::Fail(Error::new(format!(
                    "{doing}: the endpoint disappeared while its connection was being set up"
                )));
            };
            let (prov, status) = settle_state(&r.body);
            let partial = || to_state(&id, &r.body, planned, arm.cloud());
            if prov.eq_ignore_ascii_case("Failed") {
                return Wait::Fail(
                    Error::new(format!("{doing}: provisioning failed"))
                        .with_partial_state(partial()),
                );
            }
            if prov.eq_ignore_ascii_case("Succeeded")
                && (status.eq_ignore_ascii_case(want)
                    || (manual && status.eq_ignore_ascii_case("Approved")))
            {
                return Wait::Done(r.clone());
            }
            if ["Rejected", "Disconnected"]
                .iter()
                .any(|s| status.eq_ignore_ascii_case(s))
            {
                return Wait::Fail(Error::new(format!("{doing}: the connection to {} is {status}", planned.string("target_resource_id").unwrap_or_default()))
                    .detail("The target's owner rejected or removed the connection. Approve it on the target, or delete this endpoint.")
                    .with_partial_state(partial()));
            }
            Wait::Pending
        };
        let r = match arm
            .wait_until(&id, api_versions::NETWORK, deadline, Some(r), settled)
            .await
        {
            Ok(r) => r,
            Err(WaitError::Arm(e)) => return Err(Error::from(e).context(&doing)),
            Err(WaitError::Failed(e)) => return Err(e),
            Err(WaitError::TimedOut { last }) => {
                let body = last.map(|r| r.body).unwrap_or(Json::Null);
                let (prov, status) = settle_state(&body);
                return Err(Error::new(format!(
                    "{doing}: still {prov} with the connection {status:?} at the time limit"
                ))
                .detail("Raise the `create` timeout if Azure is slow.")
                .with_partial_state(to_state(&id, &body, planned, arm.cloud())));
            }
        };
        if manual {
            ctx.warn(Diagnostic::warning(
                format!("Private endpoint {} awaits approval", id.name()),
                format!(
                    "The connection to {} is Pending until the target's owner approves it (Networking > Private endpoint connections, \
                     or `az network private-endpoint-connection approve`). Until then the endpoint carries no traffic; \
                     `connection_state.status` shows the current state.",
                    planned.string("target_resource_id").unwrap_or_default()
                ),
            ));
        }
        Ok(to_state(&id, &r.body, planned, arm.cloud()))
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        state: &Object,
    ) -> Result<Option<Object>, Error> {
        let arm = ctx.client.arm().await?;
        let id = endpoint_id(arm.subscription_id(), state)?;
        let found = pl::get(ctx, &id, api_versions::NETWORK, "reading private endpoint").await?;
        Ok(found.map(|r| to_state(&id, &r.body, state, arm.cloud())))
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        _prior: &Object,
        planned: &Object,
    ) -> Result<Object, Error> {
        let arm = ctx.client.arm().await?;
        let id = endpoint_id(arm.subscription_id(), planned)?;
        // Only tags change in place; PUT the whole endpoint (the connection is kept, zone groups are children).
        let r = arm
            .put(
                &id,
                api_versions::NETWORK,
                &body(planned)?,
                WriteOptions::default(),
                Deadline(ctx.deadline),
            )
            .await
            .map_err(|e| Error::from(e).context(format!("updating private endpoint {id}")))?;
        Ok(to_state(&id, &r.body, planned, arm.cloud()))
    }

    async fn delete(&self, ctx: &Ctx<'_, ConfiguredProvider>, state: &Object) -> Result<(), Error> {
        let arm = ctx.client.arm().await?;
        let id = endpoint_id(arm.subscription_id(), state)?;
        arm.delete(&id, api_versions::NETWORK, Deadline(ctx.deadline))
            .await
            .map_err(|e| Error::from(e).context(format!("deleting private endpoint {id}")))
    }

    fn import(&self, id: &str) -> Result<Object, Error> {
        let id = PrivateEndpointId::parse(id)
            .map_err(|e| Error::new("Invalid import ID").detail(e.message))?;
        let mut o = Object::new(Value::object::<[(&str, Value); 0], &str>([]));
        o.set("id", id.to_string());
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::schema::Block;

    const SUB: &str = "00000000-0000-4000-8000-00000000a3b1";

    fn config(attrs: &[(&str, Value)]) -> Object {
        let block: Block = PrivateEndpoint.schema().block;
        let mut v = block.empty_value();
        if let Value::Object(m) = &mut v {
            m.insert("name".into(), Value::string("pe-mlw-demo"));
            m.insert("resource_group_name".into(), Value::string("rg-aml-demo"));
            m.insert("location".into(), Value::string("eastus"));
            m.insert(
                "subnet_id".into(),
                Value::string(format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe")),
            );
            m.insert(
                "target_resource_id".into(),
                Value::string(format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo")),
            );
            for (k, val) in attrs {
                m.insert(k.to_string(), val.clone());
            }
        }
        Object::new(v)
    }

    /// Validates a configuration; returns `(attribute, summary)` of each error.
    fn errors(attrs: &[(&str, Value)]) -> Vec<(String, String)> {
        let cfg = config(attrs);
        let mut d = Diagnostics::new();
        crate::tfplugin::service::validate_block(
            &PrivateEndpoint.schema().block,
            cfg.raw(),
            &Path::root(),
            &mut d,
        );
        PrivateEndpoint.validate(&cfg, &mut d);
        d.iter()
            .filter(|x| x.is_error())
            .map(|x| (format!("{:?}", x.path), x.summary.clone()))
            .collect()
    }

    #[test]
    fn plan_time_checks_point_at_the_attribute() {
        let storage = Value::string(format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Storage/storageAccounts/stamldemo"));
        let vnet = Value::string(format!("/subscriptions/{SUB}/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml"));
        // (attributes over the base configuration, the attribute the one error is about)
        type Case<'a> = (Vec<(&'a str, Value)>, Option<&'a str>);
        let cases: Vec<Case> = vec![
            (vec![], None),
            (vec![("subnet_id", vnet.clone())], Some("subnet_id")),
            (
                vec![("target_resource_id", vnet)],
                Some("target_resource_id"),
            ),
            (
                vec![("target_resource_id", storage.clone())],
                Some("subresource_name"),
            ),
            (
                vec![
                    ("target_resource_id", storage.clone()),
                    ("subresource_name", Value::string("blob")),
                ],
                None,
            ),
            (
                vec![
                    ("target_resource_id", storage),
                    ("subresource_name", Value::string("amlworkspace")),
                ],
                Some("subresource_name"),
            ),
            (
                vec![("subresource_name", Value::string("blob"))],
                Some("subresource_name"),
            ),
            (
                vec![("subresource_name", Value::string("AMLWorkspace"))],
                None,
            ),
            (
                vec![("request_message", Value::string("please"))],
                Some("request_message"),
            ),
            (
                vec![("manual_connection", Value::Bool(true))],
                Some("request_message"),
            ),
            (
                vec![
                    ("manual_connection", Value::Bool(true)),
                    ("request_message", Value::string("please")),
                ],
                None,
            ),
            (
                vec![
                    ("manual_connection", Value::Bool(true)),
                    ("request_message", Value::string("x".repeat(141))),
                ],
                Some("request_message"),
            ),
            (
                vec![
                    ("manual_connection", Value::Bool(true)),
                    ("request_message", Value::unknown()),
                ],
                None,
            ),
            (vec![("name", Value::string("pe mlw"))], Some("name")),
            (vec![("name", Value::string("-pe"))], Some("name")),
            (
                vec![("resource_group_name", Value::string("rg."))],
                Some("resource_group_name"),
            ),
            (
                vec![
                    ("target_resource_id", Value::unknown()),
                    ("subnet_id", Value::unknown()),
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
        let b = body(&config(&[])).unwrap();
        assert_eq!(
            b["properties"][AUTO][0]["properties"]["groupIds"],
            json!(["amlworkspace"])
        );
        assert_eq!(b["properties"][MANUAL], json!([]));
        assert!(b["properties"].get("privateDnsZoneGroups").is_none());
        let b = body(&config(&[
            ("manual_connection", Value::Bool(true)),
            ("request_message", Value::string("hi")),
        ]))
        .unwrap();
        assert_eq!(
            b["properties"][MANUAL][0]["properties"]["requestMessage"],
            "hi"
        );
        assert_eq!(b["properties"][AUTO], json!([]));
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
        let prior = config(&[("location", Value::string("East US"))]);
        let s = to_state(&id, &arm, &prior, &cloud);
        assert_eq!(s.string("location").as_deref(), Some("East US"));
        assert_eq!(
            s.get::<Vec<String>>("private_ip_addresses")
                .known()
                .unwrap(),
            vec!["10.0.1.4", "10.0.1.5"]
        );
        assert_eq!(
            s.get::<Vec<String>>("private_dns_zone_names")
                .known()
                .unwrap(),
            vec![
                "privatelink.api.azureml.ms",
                "privatelink.notebooks.azure.net"
            ]
        );
        assert_eq!(
            s.string("subresource_name").as_deref(),
            Some("amlworkspace")
        );
        assert!(!s.bool_or("manual_connection", true));
        assert_eq!(s.string("network_interface_id").as_deref(), Some("/nic"));
        assert_eq!(connection_status(&arm).as_deref(), Some("Approved"));
    }
}
