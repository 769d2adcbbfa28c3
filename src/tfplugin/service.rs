//! The `tfplugin5.Provider` gRPC service: one thin function per RPC that converts the request
//! through [`wire`], calls one protocol-free operation of [`logic::Server`] and converts the
//! answer back. What the operations do (validation, planning, apply, read, import, time limits,
//! Stop, "already exists — import it") lives in `logic/`; conversions live only in `wire.rs`.
//!
//! Each RPC body runs under [`logic::guarded`], so a panic in a handler (or a conversion) becomes
//! an error diagnostic. Every expected failure is a diagnostic in a normal response; gRPC errors
//! are never returned.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::cty::{Path, Value};
use super::diagnostics::Diagnostics;
use super::logic::{self, caught, guarded, Server};
use super::proto::tfplugin5 as pb;
use super::proto::tfplugin5::provider_server::Provider;
use super::schema::Block;
use super::traits::ProviderDef;
use super::wire;

pub use super::logic::resource_schema;

/// The gRPC service for a provider definition. Cheap to clone; safe for concurrent RPCs.
pub struct ProviderService<P: ProviderDef> {
    server: Arc<Server<P>>,
    schema: Arc<pb::get_provider_schema::Response>,
}

impl<P: ProviderDef> Clone for ProviderService<P> {
    fn clone(&self) -> Self {
        ProviderService {
            server: Arc::clone(&self.server),
            schema: Arc::clone(&self.schema),
        }
    }
}

impl<P: ProviderDef> ProviderService<P> {
    /// Builds the service, computing every schema once.
    pub fn new(provider: P) -> Self {
        let server = Server::new(provider);
        let schema = wire::schema_response(&server);
        ProviderService {
            server: Arc::new(server),
            schema: Arc::new(schema),
        }
    }
}

/// Checks a configuration against the schema's validators and deprecations: [`Block::validate`],
/// under the name that callers outside the protocol layer use.
pub fn validate_block(block: &Block, value: &Value, path: &Path, out: &mut Diagnostics) {
    block.validate(value, path, out)
}

fn diags(d: impl Into<Diagnostics>) -> Vec<pb::Diagnostic> {
    wire::diagnostics_to_proto(d.into())
}

type RpcResult<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl<P: ProviderDef> Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        let capabilities = self.schema.server_capabilities;
        Ok(Response::new(wire::metadata_response(
            &self.server,
            capabilities,
        )))
    }

    async fn get_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        Ok(Response::new((*self.schema).clone()))
    }

    async fn prepare_provider_config(
        &self,
        req: Request<pb::prepare_provider_config::Request>,
    ) -> RpcResult<pb::prepare_provider_config::Response> {
        let req = req.into_inner();
        let (_, d) = guarded("PrepareProviderConfig", async {
            let ty = self.server.provider_type();
            let config = wire::decode(req.config.as_ref(), ty, "provider configuration")?;
            Ok(((), self.server.validate_provider_config(config)))
        })
        .await;
        Ok(Response::new(pb::prepare_provider_config::Response {
            prepared_config: None,
            diagnostics: diags(d),
        }))
    }

    async fn validate_resource_type_config(
        &self,
        req: Request<pb::validate_resource_type_config::Request>,
    ) -> RpcResult<pb::validate_resource_type_config::Response> {
        let req = req.into_inner();
        let (_, d) = guarded("ValidateResourceTypeConfig", async {
            let entry = self.server.resource(&req.type_name)?;
            let config = wire::decode(req.config.as_ref(), &entry.ty, "resource configuration")?;
            Ok(((), self.server.validate_resource_config(entry, config)))
        })
        .await;
        Ok(Response::new(pb::validate_resource_type_config::Response {
            diagnostics: diags(d),
        }))
    }

    async fn validate_data_source_config(
        &self,
        req: Request<pb::validate_data_source_config::Request>,
    ) -> RpcResult<pb::validate_data_source_config::Response> {
        let req = req.into_inner();
        let (_, d) = guarded("ValidateDataSourceConfig", async {
            let entry = self.server.data_source(&req.type_name)?;
            let config = wire::decode(req.config.as_ref(), &entry.ty, "data source configuration")?;
            Ok(((), self.server.validate_data_source_config(entry, config)))
        })
        .await;
        Ok(Response::new(pb::validate_data_source_config::Response {
            diagnostics: diags(d),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let req = req.into_inner();
        let (state, d) = guarded("UpgradeResourceState", async {
            let entry = self.server.resource(&req.type_name)?;
            let raw = wire::raw_state(req.raw_state);
            let value = self
                .server
                .upgrade_resource_state(entry, req.version, raw)?;
            Ok((
                wire::encode(&value, &entry.ty, "upgraded state")?,
                Diagnostics::new(),
            ))
        })
        .await;
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state: state,
            diagnostics: diags(d),
        }))
    }

    async fn configure(
        &self,
        req: Request<pb::configure::Request>,
    ) -> RpcResult<pb::configure::Response> {
        let req = req.into_inner();
        let (_, d) = guarded("Configure", async {
            let ty = self.server.provider_type();
            let config = wire::decode(req.config.as_ref(), ty, "provider configuration")?;
            self.server
                .configure(config, &req.terraform_version)
                .await?;
            Ok(((), Diagnostics::new()))
        })
        .await;
        Ok(Response::new(pb::configure::Response {
            diagnostics: diags(d),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let req = req.into_inner();
        let (state, d) = guarded("ReadResource", async {
            let entry = self.server.resource(&req.type_name)?;
            let state = wire::decode(req.current_state.as_ref(), &entry.ty, "current state")?;
            let (new_state, warnings) = self.server.read_resource(entry, state).await?;
            Ok((wire::encode(&new_state, &entry.ty, "state")?, warnings))
        })
        .await;
        Ok(Response::new(pb::read_resource::Response {
            new_state: state,
            diagnostics: diags(d),
            private: req.private,
            deferred: None,
        }))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let req = req.into_inner();
        let (planned, d) = guarded("PlanResourceChange", async {
            let entry = self.server.resource(&req.type_name)?;
            let ty = &entry.ty;
            let prior = wire::decode(req.prior_state.as_ref(), ty, "prior state")?;
            let proposed = wire::decode(req.proposed_new_state.as_ref(), ty, "proposed new state")?;
            let config = wire::decode(req.config.as_ref(), ty, "configuration")?;
            let plan = self
                .server
                .plan_resource_change(entry, prior, proposed, config);
            let ((planned, replace), d) = plan.await?;
            Ok(((wire::encode(&planned, ty, "planned state")?, replace), d))
        })
        .await;
        let (planned, replace) = planned.unzip();
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state: planned,
            requires_replace: replace.iter().flatten().map(wire::path_to_proto).collect(),
            planned_private: req.prior_private,
            diagnostics: diags(d),
            legacy_type_system: false,
            deferred: None,
        }))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        let req = req.into_inner();
        let (state, d) = guarded("ApplyResourceChange", async {
            let entry = self.server.resource(&req.type_name)?;
            let prior = wire::decode(req.prior_state.as_ref(), &entry.ty, "prior state")?;
            let planned = wire::decode(req.planned_state.as_ref(), &entry.ty, "planned state")?;
            let applied = self.server.apply_resource_change(entry, prior, planned);
            let ((state, what), d) = applied.await?;
            Ok((wire::encode(&state, &entry.ty, what)?, d))
        })
        .await;
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state: state,
            private: req.planned_private,
            diagnostics: diags(d),
            legacy_type_system: false,
        }))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let req = req.into_inner();
        let (state, d) = guarded("ImportResourceState", async {
            let entry = self.server.resource(&req.type_name)?;
            let value = self.server.import_resource_state(entry, &req.id)?;
            Ok((
                wire::encode(&value, &entry.ty, "imported state")?,
                Diagnostics::new(),
            ))
        })
        .await;
        let imported = state.map(|s| pb::import_resource_state::ImportedResource {
            type_name: req.type_name,
            state: Some(s),
            private: Vec::new(),
        });
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: imported.into_iter().collect(),
            diagnostics: diags(d),
            deferred: None,
        }))
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> RpcResult<pb::move_resource_state::Response> {
        let req = req.into_inner();
        let d = self
            .server
            .move_resource_state(&req.source_type_name, &req.target_type_name);
        Ok(Response::new(pb::move_resource_state::Response {
            target_state: None,
            diagnostics: diags(d),
            target_private: Vec::new(),
        }))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        let req = req.into_inner();
        let (state, d) = guarded("ReadDataSource", async {
            let entry = self.server.data_source(&req.type_name)?;
            let config = wire::decode(req.config.as_ref(), &entry.ty, "data source configuration")?;
            let (value, warnings) = self.server.read_data_source(entry, config).await?;
            Ok((
                wire::encode(&value, &entry.ty, "data source state")?,
                warnings,
            ))
        })
        .await;
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: diags(d),
            deferred: None,
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<pb::validate_ephemeral_resource_config::Response> {
        let d = self.server.ephemeral_resource(&req.into_inner().type_name);
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: diags(d),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> RpcResult<pb::open_ephemeral_resource::Response> {
        let d = self.server.ephemeral_resource(&req.into_inner().type_name);
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: diags(d),
            renew_at: None,
            result: None,
            private: None,
            deferred: None,
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> RpcResult<pb::renew_ephemeral_resource::Response> {
        let d = self.server.ephemeral_resource(&req.into_inner().type_name);
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: diags(d),
            renew_at: None,
            private: None,
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> RpcResult<pb::close_ephemeral_resource::Response> {
        let d = self.server.ephemeral_resource(&req.into_inner().type_name);
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: diags(d),
        }))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> RpcResult<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response {
            functions: self.schema.functions.clone(),
            diagnostics: Vec::new(),
        }))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> RpcResult<pb::call_function::Response> {
        let req = req.into_inner();
        let out = caught("CallFunction", async {
            let (f, sig) = self.server.function(&req.name, req.arguments.len())?;
            let args = wire::decode_arguments(&req.arguments, &sig)?;
            let result = self.server.call_function(f.as_ref(), &args)?;
            wire::encode_function_result(&result, &sig)
        })
        .await;
        let out = out.unwrap_or_else(|panic| Err(logic::panic_to_function_error(panic)));
        let (result, error) = match out {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some(wire::function_error_to_proto(e))),
        };
        Ok(Response::new(pb::call_function::Response { result, error }))
    }

    async fn stop(&self, _: Request<pb::stop::Request>) -> RpcResult<pb::stop::Response> {
        self.server.stop();
        Ok(Response::new(pb::stop::Response {
            error: String::new(),
        }))
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
