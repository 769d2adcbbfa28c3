//! `aml_private_dns_zone_names`: the private DNS zones a workspace private endpoint needs in a
//! given Azure cloud. Needs no Azure call: the names are fixed per cloud by the product docs
//! ("How to use your workspace with a custom DNS server"), kept in `arm::cloud`.

use async_trait::async_trait;

use crate::arm::Cloud;
use crate::provider::config::ENVIRONMENTS;
use crate::provider::handler::Ctx;
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::Type;
use crate::tfplugin::model::{Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::TypedDataSource;

/// The two zones of a workspace endpoint in one cloud: the API zone and the notebooks zone.
pub fn workspace_zones(environment: &str) -> Option<(String, String)> {
    let cloud = Cloud::from_environment(environment).ok()?;
    match cloud.aml_private_dns_zones.as_slice() {
        [api, notebooks] => Some((api.clone(), notebooks.clone())),
        _ => None,
    }
}

/// The data source.
#[derive(Debug)]
pub struct PrivateDnsZoneNames;

/// The data source's configuration and result.
#[derive(Model, Clone, Debug)]
pub struct PrivateDnsZoneNamesModel {
    /// The Azure cloud.
    pub environment: Value<String>,
    /// The cloud name.
    pub id: Value<String>,
    /// The zone of the API endpoints.
    pub api_zone: Value<String>,
    /// The zone of the notebooks.
    pub notebooks_zone: Value<String>,
    /// Both zones, API zone first.
    pub names: Value<Vec<String>>,
}

#[async_trait]
impl TypedDataSource<ConfiguredProvider> for PrivateDnsZoneNames {
    type Model = PrivateDnsZoneNamesModel;

    fn type_name(&self) -> &'static str {
        "aml_private_dns_zone_names"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "The private DNS zones that a private endpoint to an Azure Machine Learning workspace needs, \
                 for the provider's cloud or another one. Both zones must be linked to the virtual network \
                 and registered in the endpoint's DNS zone group: a missing notebooks zone breaks notebooks \
                 while the studio still works.",
            )
            .attribute(
                Attribute::optional(
                    "environment",
                    Type::String,
                    "The Azure cloud. Defaults to the provider's `environment`.",
                )
                .validate(Validator::OneOf(ENVIRONMENTS)),
            )
            .attribute(Attribute::computed("id", Type::String, "The cloud name, for Terraform's bookkeeping."))
            .attribute(Attribute::computed("api_zone", Type::String, "The zone of the workspace API endpoints."))
            .attribute(Attribute::computed("notebooks_zone", Type::String, "The zone of the workspace notebooks."))
            .attribute(Attribute::computed(
                "names",
                Type::list(Type::String),
                "Both zones, API zone first: the value for `private_dns_zone_ids` lookups and `for_each`.",
            )),
        )
    }

    async fn read(
        &self,
        ctx: &Ctx<'_>,
        config: &PrivateDnsZoneNamesModel,
    ) -> Result<PrivateDnsZoneNamesModel, Error> {
        let env = config
            .environment
            .as_known()
            .cloned()
            .unwrap_or_else(|| ctx.client.settings.environment().to_string());
        let (api, notebooks) = workspace_zones(&env).ok_or_else(|| {
            Error::new(format!("unknown environment {env:?}"))
                .detail("Valid environments are \"public\", \"usgovernment\" and \"china\".")
        })?;
        Ok(PrivateDnsZoneNamesModel {
            environment: Value::Known(env.clone()),
            id: Value::Known(env),
            names: Value::Known(vec![api.clone(), notebooks.clone()]),
            api_zone: Value::Known(api),
            notebooks_zone: Value::Known(notebooks),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_environment_has_both_zones() {
        for env in ENVIRONMENTS {
            let (api, nb) = workspace_zones(env).expect(env);
            assert!(api.starts_with("privatelink.api."), "{api}");
            assert!(nb.starts_with("privatelink.notebooks."), "{nb}");
        }
        assert_eq!(workspace_zones("mars"), None);
    }
}
