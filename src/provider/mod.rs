//! The `aml` provider block and what configuring it builds: [`ConfiguredProvider`], which every
//! handler of the features receives, with the ARM client, the per-workspace writers and the
//! facts of Terraform's plan. The features and the registry that lists them are above this
//! module (`crate::plugin`), so nothing here imports them.

pub mod config;
pub mod errors;
pub mod handler;
pub mod plan_facts;

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::arm::{ArmClient, ClientOptions, Coordinator, CredentialOptions, OutboundRules};
use crate::tfplugin::traits::Error;

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
