//! Operations on the provider itself: validating and configuring the provider block, Stop, and
//! the answers for what this provider does not support (moving state, ephemeral resources).

use std::sync::Arc;

use super::{unknown_type, Server};
use crate::tfplugin::cty::{Path, Value};
use crate::tfplugin::diagnostics::{Diagnostic, Diagnostics};
use crate::tfplugin::object::Object;
use crate::tfplugin::traits::ProviderDef;

impl<P: ProviderDef> Server<P> {
    /// Checks the provider block: the schema's validators, then the provider's own checks.
    pub fn validate_provider_config(&self, config: Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        self.provider_schema
            .block
            .validate(&config, &Path::root(), &mut d);
        self.provider.validate(&Object::new(config), &mut d);
        d
    }

    /// Configures the provider and keeps its client for every later operation.
    pub async fn configure(
        &self,
        config: Value,
        terraform_version: &str,
    ) -> Result<(), Diagnostics> {
        let client = self
            .provider
            .configure(&Object::new(config), terraform_version)
            .await?;
        *self.client.write().await = Some(Arc::new(client));
        Ok(())
    }

    /// Terraform's Stop: interrupts every operation in flight and refuses new ones.
    pub fn stop(&self) {
        tracing::info!("Terraform asked the provider to stop; cancelling in-flight operations");
        self.stop.send_replace(true);
    }

    /// The answer to MoveResourceState, which this provider does not support.
    pub fn move_resource_state(&self, source_type: &str, target_type: &str) -> Diagnostic {
        Diagnostic::error(
            "Moving resources between types is not supported",
            format!(
                "terraform-provider-aml cannot move {source_type} to {target_type}. Remove the old resource from state and import the new one.",
            ),
        )
    }

    /// The answer to every ephemeral-resource RPC: this provider has none.
    pub fn ephemeral_resource(&self, type_name: &str) -> Diagnostic {
        unknown_type("ephemeral resource", type_name)
    }
}
