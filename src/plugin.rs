//! The `aml` plugin: the provider definition that serving, the docs and the invariant tests are
//! driven by. It composes the provider block and configure step (`provider`) with the one
//! registry of resources, data sources and functions; it is the only module that knows them all,
//! so the features depend on `provider` and nothing depends back on them.

use std::sync::Arc;

use async_trait::async_trait;

use crate::provider::{config, ConfiguredProvider, Settings};
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::Schema;
use crate::tfplugin::service::ProviderService;
use crate::tfplugin::traits::{DataSource, Function, ProviderDef, Resource};

/// The provider definition.
#[derive(Debug, Default)]
pub struct AmlProvider;

#[async_trait]
impl ProviderDef for AmlProvider {
    type Client = ConfiguredProvider;

    fn schema(&self) -> Schema {
        config::schema()
    }

    fn validate(&self, config: &Object, diags: &mut Diagnostics) {
        let settings = Settings::from_config(config, &|k| std::env::var(k).ok());
        config::validate(config, &settings, diags);
    }

    async fn configure(
        &self,
        config: &Object,
        terraform_version: &str,
    ) -> Result<ConfiguredProvider, Diagnostics> {
        let settings = Settings::from_config(config, &|k| std::env::var(k).ok());
        let mut diags = Diagnostics::new();
        config::validate(config, &settings, &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }
        tracing::debug!(terraform_version, settings = ?settings, "provider configured");
        Ok(ConfiguredProvider::new(settings))
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<ConfiguredProvider>>> {
        crate::resources::all()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ConfiguredProvider>>> {
        crate::data_sources::all()
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        crate::functions::all()
    }
}

/// The gRPC service for the `aml` provider, ready to serve.
pub fn service() -> ProviderService<AmlProvider> {
    ProviderService::new(AmlProvider)
}

#[cfg(test)]
mod model_tests {
    use crate::tfplugin::model::check_model;

    /// Every registered resource and data source has a typed model whose fields are exactly the
    /// schema's attributes and nested blocks (the framework's `timeouts` aside), with the same
    /// types: a misspelled or mistyped field fails here instead of reading as null.
    #[test]
    fn every_model_matches_its_schema() {
        let mut problems = Vec::new();
        let resources = crate::resources::all();
        let data_sources = crate::data_sources::all();
        let features = resources
            .iter()
            .map(|r| (r.type_name(), r.schema(), r.model_fields()))
            .chain(
                data_sources
                    .iter()
                    .map(|d| (d.type_name(), d.schema(), d.model_fields())),
            );
        for (name, schema, fields) in features {
            match fields {
                Some(fields) => problems.extend(
                    check_model(&schema.block, &fields, &["timeouts"])
                        .into_iter()
                        .map(|p| format!("{name}: {p}")),
                ),
                None => problems.push(format!("{name}: no typed model")),
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
