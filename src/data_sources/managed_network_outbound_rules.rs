//! `aml_managed_network_outbound_rules`: every outbound rule of a workspace's managed network,
//! system rules included, with category, type, destination and status, for audits
//! (`workspaces/{ws}/outboundRules`, stable api-version [`api_versions::ML`]).

use crate::resources::common::validate_workspace_id;
use async_trait::async_trait;
use serde_json::Value as Json;

use crate::arm::ids::WorkspaceId;
use crate::arm::outbound_rules::name_of;
use crate::arm::{api_versions, Deadline};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{Path, Type, Value};
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::traits::{Ctx, DataSource, Error};

/// The data source.
#[derive(Debug)]
pub struct ManagedNetworkOutboundRules;

fn rule_type() -> Type {
    Type::object([
        ("name", Type::String),
        ("id", Type::String),
        ("category", Type::String),
        ("type", Type::String),
        ("destination", Type::String),
        ("subresource_target", Type::String),
        ("protocol", Type::String),
        ("port_ranges", Type::String),
        ("fqdns", Type::list(Type::String)),
        ("status", Type::String),
        ("error_information", Type::String),
    ])
}

fn s(v: Option<&Json>) -> Value {
    v.and_then(Json::as_str).map_or(Value::Null, Value::string)
}

/// One listed rule as this data source exports it.
pub fn rule_value(rule: &Json) -> Value {
    let p = rule.get("properties").cloned().unwrap_or(Json::Null);
    let d = p.get("destination").cloned().unwrap_or(Json::Null);
    let ty = p.get("type").and_then(Json::as_str).unwrap_or("");
    let destination = match ty {
        "FQDN" => s(Some(&d)),
        "PrivateEndpoint" => s(d.get("serviceResourceId")),
        _ => match d.get("serviceTag").and_then(Json::as_str) {
            Some(t) => Value::string(t),
            None => d
                .get("addressPrefixes")
                .and_then(Json::as_array)
                .map(|a| {
                    Value::string(
                        a.iter()
                            .filter_map(Json::as_str)
                            .collect::<Vec<_>>()
                            .join(","),
                    )
                })
                .unwrap_or(Value::Null),
        },
    };
    let fqdns = p
        .get("fqdns")
        .and_then(Json::as_array)
        .map(|a| {
            Value::List(
                a.iter()
                    .filter_map(Json::as_str)
                    .map(Value::string)
                    .collect(),
            )
        })
        .unwrap_or(Value::Null);
    Value::object([
        ("name", Value::string(name_of(rule))),
        ("id", s(rule.get("id"))),
        ("category", s(p.get("category"))),
        ("type", s(p.get("type"))),
        ("destination", destination),
        ("subresource_target", s(d.get("subresourceTarget"))),
        ("protocol", s(d.get("protocol"))),
        ("port_ranges", s(d.get("portRanges"))),
        ("fqdns", fqdns),
        ("status", s(p.get("status"))),
        ("error_information", s(p.get("errorInformation"))),
    ])
}

#[async_trait]
impl DataSource<ConfiguredProvider> for ManagedNetworkOutboundRules {
    fn type_name(&self) -> &'static str {
        "aml_managed_network_outbound_rules"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "Every outbound rule of an Azure Machine Learning workspace's managed network, the service's system \
                 rules (categories Required, Recommended, Dependency) included, with category, type, destination and \
                 status: for audits and checks. `destination` is the host name of an FQDN rule, the service tag (or \
                 the address prefixes) of a service-tag rule, and the target resource ID of a private-endpoint rule.",
            )
            .attribute(Attribute::id("The workspace's ARM ID."))
            .attribute(
                Attribute::required("workspace_id", Type::String, "The ARM ID of the workspace.")
                    .validate(Validator::Custom(validate_workspace_id)),
            )
            .attribute(Attribute::computed(
                "rules",
                Type::list(rule_type()),
                "The rules in the order the service lists them: `name`, `id`, `category`, `type` (`FQDN`, \
                 `ServiceTag`, `PrivateEndpoint`), `destination`, `subresource_target`, `protocol`, `port_ranges`, \
                 `fqdns`, `status` and `error_information`.",
            )),
        )
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        config: &Object,
    ) -> Result<Object, Error> {
        let raw = config.string("workspace_id").unwrap_or_default();
        let ws = WorkspaceId::parse(&raw)
            .map_err(|e| Error::new(e.message).at(Path::root().attr("workspace_id")))?;
        let rules = ctx
            .client
            .outbound_rules()
            .await?
            .list(&ws, Deadline(ctx.deadline))
            .await
            .map_err(|e| {
                Error::from(e).context(format!(
                    "listing the outbound rules of workspace {ws} (api-version {})",
                    api_versions::ML
                ))
            })?;
        let mut out = config.clone();
        out.set("id", ws.to_string());
        out.set("rules", Value::List(rules.iter().map(rule_value).collect()));
        Ok(out)
    }
}
