//! The `aml` provider: its block, its configure step, and the one registry of its resources,
//! data sources and functions (which drives serving, docs and the invariant tests).

pub mod config;
pub mod errors;
pub mod handler;
pub mod plan_facts;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OnceCell;

use crate::arm::{ArmClient, ClientOptions, Coordinator, CredentialOptions, OutboundRules};
use crate::tfplugin::traits::Error;

use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::Schema;
use crate::tfplugin::service::ProviderService;
use crate::tfplugin::traits::{DataSource, Function, ProviderDef, Resource};

pub use config::Settings;
pub use plan_facts::PlanFacts;

/// The provider's registry address.
pub const ADDRESS: &str = "registry.terraform.io/secure-ml/aml";

/// What every handler receives once the provider is configured: the settings, the ARM client
/// (built on first use so that features needing no Azure work without credentials) with the
/// per-workspace writers that share it, and what Terraform's plan has told this process.
#[derive(Debug)]
pub struct ConfiguredProvider {
    /// The provider settings after environment fallbacks.
    pub settings: Settings,
    arm: OnceCell<Arm>,
    plan: PlanFacts,
}

/// The ARM client and the writers built on it, one each per provider process.
#[derive(Debug)]
struct Arm {
    client: ArmClient,
    coordinator: Arc<Coordinator>,
    outbound_rules: OutboundRules,
}

impl ConfiguredProvider {
    /// A client for `settings`; nothing is contacted yet.
    pub fn new(settings: Settings) -> Self {
        ConfiguredProvider {
            settings,
            arm: OnceCell::new(),
            plan: PlanFacts::default(),
        }
    }

    async fn arm_parts(&self) -> Result<&Arm, Error> {
        self.arm
            .get_or_try_init(|| async {
                let client = ArmClient::new(client_options(&self.settings))
                    .await
                    .map_err(|e| {
                        errors::from_arm(e).context("configuring the Azure Resource Manager client")
                    })?;
                Ok(Arm {
                    coordinator: Arc::new(Coordinator::from_env(
                        client.clone(),
                        self.plan.announcements(),
                    )),
                    outbound_rules: OutboundRules::new(client.clone()),
                    client,
                })
            })
            .await
    }

    /// The ARM client, authenticated and pointed at the configured cloud on first use.
    pub async fn arm(&self) -> Result<&ArmClient, Error> {
        Ok(&self.arm_parts().await?.client)
    }

    /// The per-workspace write coordinator every resource that writes a workspace goes through
    /// (it waits for the edits announced in [`ConfiguredProvider::plan_facts`]).
    pub async fn coordinator(&self) -> Result<&Arc<Coordinator>, Error> {
        Ok(&self.arm_parts().await?.coordinator)
    }

    /// The one writer of workspaces' outbound rules.
    pub async fn outbound_rules(&self) -> Result<&OutboundRules, Error> {
        Ok(&self.arm_parts().await?.outbound_rules)
    }

    /// What Terraform's plan has told this process (announced edits, planned isolation modes,
    /// warnings already given).
    pub fn plan_facts(&self) -> &PlanFacts {
        &self.plan
    }
}

/// The ARM client's options from the provider settings.
pub fn client_options(s: &Settings) -> ClientOptions {
    let owned = |n: &str| s.get(n).map(str::to_string);
    ClientOptions {
        credentials: CredentialOptions {
            tenant_id: owned("tenant_id"),
            client_id: owned("client_id"),
            client_secret: owned("client_secret"),
            client_certificate_path: owned("client_certificate_path").map(Into::into),
            client_certificate_password: owned("client_certificate_password"),
            use_oidc: s.flag("use_oidc"),
            oidc_token: owned("oidc_token"),
            oidc_token_file_path: owned("oidc_token_file_path").map(Into::into),
            oidc_request_url: owned("oidc_request_url"),
            oidc_request_token: owned("oidc_request_token"),
            ado_pipeline_service_connection_id: owned("ado_pipeline_service_connection_id"),
            use_msi: s.flag("use_msi"),
            msi_endpoint: owned("msi_endpoint"),
            use_cli: s.flag("use_cli"),
            ..CredentialOptions::default()
        },
        subscription_id: owned("subscription_id").unwrap_or_default(),
        environment: owned("environment"),
        metadata_host: owned("metadata_host"),
        user_agent: format!("terraform-provider-aml/{}", env!("CARGO_PKG_VERSION")),
        retry: None,
    }
}

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
