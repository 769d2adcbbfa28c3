//! `aml_managed_network_outbound_rules`: every outbound rule of a workspace's managed network,
//! system rules included, with category, type, destination and status, for audits
//! (`workspaces/{ws}/outboundRules`, stable api-version [`api_versions::ML`]).

use async_trait::async_trait;

use crate::arm::api_versions;
use crate::arm::models::outbound_rule::{RuleListing, RuleListingDestination as Dest};
use crate::arm::outbound_rules;
use crate::provider::handler::{parse, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::resources::common::{check_workspace_id, known, workspace_id};
use crate::tfplugin::cty::Type;
use crate::tfplugin::model::{object_type, Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::TypedDataSource;

/// The data source.
#[derive(Debug)]
pub struct ManagedNetworkOutboundRules;

/// The data source's configuration and result.
#[derive(Model, Clone, Debug)]
pub struct OutboundRulesModel {
    /// The workspace's ARM ID.
    pub id: Value<String>,
    /// The workspace to list.
    pub workspace_id: Value<String>,
    /// Every rule, in the service's order.
    pub rules: Value<Vec<RuleModel>>,
}

/// One listed rule as this data source exports it.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct RuleModel {
    /// The rule name.
    pub name: Value<String>,
    /// The rule's ARM ID.
    pub id: Value<String>,
    /// `Required`, `Recommended`, `Dependency` or `UserDefined`.
    pub category: Value<String>,
    /// `FQDN`, `ServiceTag` or `PrivateEndpoint`.
    pub r#type: Value<String>,
    /// Host name, service tag (or address prefixes), or target resource ID.
    pub destination: Value<String>,
    /// A private-endpoint rule's sub-resource.
    pub subresource_target: Value<String>,
    /// The protocol.
    pub protocol: Value<String>,
    /// The ports.
    pub port_ranges: Value<String>,
    /// The host names of a private-endpoint rule.
    pub fqdns: Value<Vec<String>>,
    /// The rule's status.
    pub status: Value<String>,
    /// Why the rule failed.
    pub error_information: Value<String>,
}

/// One listed rule as this data source exports it.
pub fn rule_state(rule: RuleListing) -> RuleModel {
    let name = rule.name();
    let p = rule.properties.unwrap_or_default();
    let target = match &p.destination {
        Some(Dest::Target(t)) => t.clone(),
        _ => Default::default(),
    };
    let destination = match (p.r#type.as_deref(), p.destination) {
        (Some("FQDN"), Some(Dest::Host(host))) => Some(host),
        (Some("FQDN"), _) => None,
        (Some("PrivateEndpoint"), _) => target.service_resource_id,
        _ => target
            .service_tag
            .or_else(|| target.address_prefixes.map(|a| a.join(","))),
    };
    RuleModel {
        name: Value::Known(name),
        id: known(rule.id),
        category: known(p.category),
        r#type: known(p.r#type),
        destination: known(destination),
        subresource_target: known(target.subresource_target),
        protocol: known(target.protocol),
        port_ranges: known(target.port_ranges),
        fqdns: known(p.fqdns),
        status: known(p.status),
        error_information: known(p.error_information),
    }
}

#[async_trait]
impl TypedDataSource<ConfiguredProvider> for ManagedNetworkOutboundRules {
    type Model = OutboundRulesModel;

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
                    .validate(Validator::Str(check_workspace_id)),
            )
            .attribute(Attribute::computed(
                "rules",
                Type::list(object_type::<RuleModel>()),
                "The rules in the order the service lists them: `name`, `id`, `category`, `type` (`FQDN`, \
                 `ServiceTag`, `PrivateEndpoint`), `destination`, `subresource_target`, `protocol`, `port_ranges`, \
                 `fqdns`, `status` and `error_information`.",
            )),
        )
    }

    async fn read(
        &self,
        ctx: &Ctx<'_>,
        config: &OutboundRulesModel,
    ) -> Result<OutboundRulesModel, Error> {
        let ws = workspace_id(&config.workspace_id)?;
        let arm = ctx.arm().await?;
        let rules = outbound_rules::list(arm.client(), &ws, arm.deadline())
            .await
            .doing(format!(
                "listing the outbound rules of workspace {ws} (api-version {})",
                api_versions::ML
            ))?;
        let rules = rules
            .iter()
            .map(|r| parse(r).map(rule_state))
            .collect::<Result<_, _>>()?;
        Ok(OutboundRulesModel {
            id: Value::Known(ws.to_string()),
            workspace_id: config.workspace_id.clone(),
            rules: Value::Known(rules),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn state(rule: serde_json::Value) -> RuleModel {
        rule_state(parse(&rule).expect("a rule body"))
    }

    fn s(v: &str) -> Value<String> {
        Value::Known(v.to_string())
    }

    #[test]
    fn each_rule_type_exports_its_destination() {
        let fqdn = state(json!({
            "id": "/x/outboundRules/pypi", "name": "pypi",
            "properties": {"category": "UserDefined", "type": "FQDN", "destination": "pypi.org", "status": "Active"}
        }));
        assert_eq!(fqdn.name, s("pypi"));
        assert_eq!(fqdn.destination, s("pypi.org"));
        assert_eq!(fqdn.subresource_target, Value::Null);
        assert_eq!(fqdn.fqdns, Value::Null);
        assert_eq!(fqdn.status, s("Active"));
        assert_eq!(fqdn.error_information, Value::Null);

        let tag = state(json!({"name": "kv", "properties": {"type": "ServiceTag",
            "destination": {"serviceTag": "AzureKeyVault", "protocol": "TCP", "portRanges": "443"}}}));
        assert_eq!(tag.destination, s("AzureKeyVault"));
        assert_eq!((tag.protocol, tag.port_ranges), (s("TCP"), s("443")));
        assert_eq!(tag.id, Value::Null);

        let prefixes = state(json!({"name": "p", "properties": {"type": "ServiceTag",
            "destination": {"addressPrefixes": ["10.0.0.0/24", "10.1.0.0/24"], "protocol": "*"}}}));
        assert_eq!(prefixes.destination, s("10.0.0.0/24,10.1.0.0/24"));

        let pe = state(
            json!({"id": "/x/outboundRules/st", "properties": {"type": "PrivateEndpoint",
            "category": "Required", "fqdns": ["a.blob.core.windows.net"],
            "destination": {"serviceResourceId": "/sa", "subresourceTarget": "blob"}}}),
        );
        assert_eq!(pe.name, s("st"));
        assert_eq!(pe.destination, s("/sa"));
        assert_eq!(pe.subresource_target, s("blob"));
        assert_eq!(
            pe.fqdns,
            Value::Known(vec!["a.blob.core.windows.net".into()])
        );

        let odd = state(
            json!({"name": "o", "properties": {"type": "FQDN", "destination": {"serviceTag": "x"}}}),
        );
        assert_eq!(odd.destination, Value::Null);
        let bare = state(json!({}));
        assert_eq!(bare.name, s(""));
        assert_eq!((bare.r#type, bare.destination), (Value::Null, Value::Null));
    }
}
