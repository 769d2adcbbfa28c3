//! The `aml` provider: its block, its configure step, and the one registry of its resources,
//! data sources and functions (which drives serving, docs and the invariant tests).

pub mod config;

use std::sync::Arc;

use async_trait::async_trait;

use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::Schema;
use crate::tfplugin::service::ProviderService;
use crate::tfplugin::traits::{DataSource, Function, ProviderDef, Resource};

pub use config::Settings;

/// The provider's registry address.
pub const ADDRESS: &str = "registry.terraform.io/secure-ml/aml";

/// What every handler receives once the provider is configured.
#[derive(Debug)]
pub struct AmlClient {
    /// The provider settings after environment fallbacks.
    pub settings: Settings,
}

/// The provider definition.
#[derive(Debug, Default)]
pub struct AmlProvider;

#[async_trait]
impl ProviderDef for AmlProvider {
    type Client = AmlClient;

    fn schema(&self) -> Schema {
        config::schema()
    }

    fn validate(&self, config: &Object, diags: &mut Diagnostics) {
        let settings = Settings::from_config(config, &|k| std::env::var(k).ok());
        config::validate(config, &settings, diags);
    }

    async fn configure(&self, config: &Object, terraform_version: &str) -> Result<AmlClient, Diagnostics> {
        let settings = Settings::from_config(config, &|k| std::env::var(k).ok());
        let mut diags = Diagnostics::new();
        config::validate(config, &settings, &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }
        tracing::debug!(terraform_version, settings = ?settings, "provider configured");
        Ok(AmlClient { settings })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<AmlClient>>> {
        crate::resources::all()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<AmlClient>>> {
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
