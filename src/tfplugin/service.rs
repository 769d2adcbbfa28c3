//! The `tfplugin5.Provider` gRPC service: turns each RPC into calls on a [`ProviderDef`] and its
//! registered resources, data sources and functions.
//!
//! Generic behaviour lives here once: decoding and encoding values, validation from the schema,
//! generic planning, "already exists — import it", read after write, time limits, Stop, private
//! data echoed, and panics in handlers caught and reported as diagnostics. Every expected failure
//! is a diagnostic in a normal response; gRPC errors are never returned.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{watch, RwLock};
use tonic::{Request, Response, Status};

use super::cty::{self, Path, Type, Value};
use super::diagnostics::{Diagnostic, Diagnostics};
use super::logging;
use super::object::Object;
use super::plan;
use super::proto::tfplugin5 as pb;
use super::proto::tfplugin5::provider_server::Provider;
use super::schema::{Block, Nesting, Schema};
use super::timeouts::{self, Operation, Timeouts};
use super::traits::{Ctx, DataSource, Error, Function, Plan, ProviderDef, Resource};
use super::wire;

struct ResourceEntry<C> {
    imp: Arc<dyn Resource<C>>,
    schema: Schema,
    ty: Type,
    timeouts: Timeouts,
}

struct DataSourceEntry<C> {
    imp: Arc<dyn DataSource<C>>,
    schema: Schema,
    ty: Type,
}

struct Inner<P: ProviderDef> {
    provider: P,
    provider_schema: Schema,
    provider_ty: Type,
    resources: HashMap<&'static str, ResourceEntry<P::Client>>,
    data_sources: HashMap<&'static str, DataSourceEntry<P::Client>>,
    functions: HashMap<&'static str, Arc<dyn Function>>,
    schema_response: pb::get_provider_schema::Response,
    client: RwLock<Option<Arc<P::Client>>>,
    stop: watch::Sender<bool>,
}

/// The gRPC service for a provider definition. Cheap to clone; safe for concurrent RPCs.
pub struct ProviderService<P: ProviderDef> {
    inner: Arc<Inner<P>>,
}

impl<P: ProviderDef> Clone for ProviderService<P> {
    fn clone(&self) -> Self {
        ProviderService {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// The full schema of a resource: its own plus the standard `timeouts` block.
pub fn resource_schema<C: 'static>(r: &dyn Resource<C>) -> Schema {
    let mut schema = r.schema();
    schema.block.blocks.push(r.timeouts().block());
    schema
}

impl<P: ProviderDef> ProviderService<P> {
    /// Builds the service, computing every schema once.
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let provider_ty = provider_schema.implied_type();
        let mut resources = HashMap::new();
        for imp in provider.resources() {
            let schema = resource_schema(imp.as_ref());
            let ty = schema.implied_type();
            let timeouts = imp.timeouts();
            resources.insert(
                imp.type_name(),
                ResourceEntry {
                    imp,
                    schema,
                    ty,
                    timeouts,
                },
            );
        }
        let mut data_sources = HashMap::new();
        for imp in provider.data_sources() {
            let schema = imp.schema();
            let ty = schema.implied_type();
            data_sources.insert(imp.type_name(), DataSourceEntry { imp, schema, ty });
        }
        let functions: HashMap<_, _> = provider
            .functions()
            .into_iter()
            .map(|f| (f.name(), f))
            .collect();
        let schema_response = pb::get_provider_schema::Response {
            provider: Some(wire::schema_to_proto(&provider_schema)),
            resource_schemas: resources
                .iter()
                .map(|(k, v)| (k.to_string(), wire::schema_to_proto(&v.schema)))
                .collect(),
            data_source_schemas: data_sources
                .iter()
                .map(|(k, v)| (k.to_string(), wire::schema_to_proto(&v.schema)))
                .collect(),
            diagnostics: Vec::new(),
            provider_meta: None,
            server_capabilities: Some(pb::ServerCapabilities {
                plan_destroy: false,
                get_provider_schema_optional: false,
                move_resource_state: false,
            }),
            functions: functions
                .iter()
                .map(|(k, f)| (k.to_string(), wire::function_to_proto(&f.signature())))
                .collect(),
            ephemeral_resource_schemas: HashMap::new(),
        };
        let (stop, _) = watch::channel(false);
        ProviderService {
            inner: Arc::new(Inner {
                provider,
                provider_schema,
                provider_ty,
                resources,
                data_sources,
                functions,
                schema_response,
                client: RwLock::new(None),
                stop,
            }),
        }
    }

    fn resource(&self, name: &str) -> Result<&ResourceEntry<P::Client>, Diagnostic> {
        self.inner
            .resources
            .get(name)
            .ok_or_else(|| unknown_type("resource", name))
    }

    fn data_source(&self, name: &str) -> Result<&DataSourceEntry<P::Client>, Diagnostic> {
        self.inner
            .data_sources
            .get(name)
            .ok_or_else(|| unknown_type("data source", name))
    }

    async fn client(&self) -> Result<Arc<P::Client>, Diagnostic> {
        self.inner.client.read().await.clone().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "Terraform called the provider before configuring it. This is unexpected; please \
                 report it with a TF_LOG=debug log.",
            )
        })
    }

    /// Runs a handler future with its time limit and Terraform's Stop signal.
    async fn run_op<T>(
        &self,
        what: &str,
        limit: Duration,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let mut stop = self.inner.stop.subscribe();
        if *stop.borrow() {
            return Err(Error::new(format!("{what}: interrupted"))
                .detail("Terraform asked the provider to stop."));
        }
        tokio::select! {
            result = tokio::time::timeout(limit, fut) => match result {
                Ok(r) => r,
                Err(_) => Err(Error::new(format!("{what}: timed out after {}", timeouts::format_duration(limit)))
                    .detail("The operation did not finish within its time limit. If Azure is slow rather than stuck, \
                             raise the limit in the resource's `timeouts` block.")),
            },
            _ = stop.wait_for(|s| *s) => Err(Error::new(format!("{what}: interrupted"))
                .detail("Terraform asked the provider to stop; the remote operation may still be running in Azure.")),
        }
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type {name:?}"),
        format!("terraform-provider-aml has no {kind} named {name:?}. Check the spelling and the provider version."),
    )
}

/// Runs an RPC body, turning a panic into an error diagnostic so that the process survives.
async fn guarded<T>(rpc: &'static str, fut: impl Future<Output = T>) -> Result<T, Diagnostics> {
    match AssertUnwindSafe(logging::with_caught_panics(fut))
        .catch_unwind()
        .await
    {
        Ok(v) => Ok(v),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            tracing::error!(rpc, panic = %message, "handler panicked");
            Err(Diagnostic::error(
                "The provider hit an internal error",
                format!(
                    "terraform-provider-aml panicked while handling {rpc}: {message}. Nothing was lost in \
                     Terraform's state, but this is a bug: please report it with a TF_LOG=debug log."
                ),
            )
            .into())
        }
    }
}

fn diags(d: impl Into<Diagnostics>) -> Vec<pb::Diagnostic> {
    wire::diagnostics_to_proto(d.into())
}

/// Checks a configuration against the schema's validators and deprecations.
pub fn validate_block(block: &Block, value: &Value, path: &Path, out: &mut Diagnostics) {
    for attr in &block.attributes {
        let Some(v) = value.get(&attr.name) else {
            continue;
        };
        let p = path.attr(&attr.name);
        if v.is_null() {
            continue;
        }
        if let Some(message) = &attr.deprecated {
            out.warning_at(
                p.clone(),
                format!("Argument {:?} is deprecated", attr.name),
                message.clone(),
            );
        }
        if v.is_wholly_known() {
            for validator in &attr.validators {
                validator.check(v, &p, out);
            }
        }
    }
    for nested in &block.blocks {
        let Some(v) = value.get(&nested.name) else {
            continue;
        };
        let p = path.attr(&nested.name);
        match (nested.nesting, v) {
            (Nesting::Single | Nesting::Group, Value::Object(_)) => {
                validate_block(&nested.block, v, &p, out)
            }
            (Nesting::List, Value::List(items)) => {
                for (i, item) in items.iter().enumerate() {
                    validate_block(&nested.block, item, &p.index(i as i64), out);
                }
            }
            (Nesting::Set, Value::Set(items)) => {
                for item in items {
                    validate_block(&nested.block, item, &p, out);
                }
            }
            (Nesting::Map, Value::Map(items)) => {
                for (k, item) in items {
                    validate_block(&nested.block, item, &p.key(k), out);
                }
            }
            _ => {}
        }
    }
}

/// The state after apply: every value the plan knew stays exactly as planned (Terraform demands
/// it); values the plan left unknown come from the remote object as read.
fn settle(planned: &Value, remote: Value) -> Value {
    match (planned, remote) {
        (Value::Object(p), Value::Object(mut r)) => Value::Object(
            p.iter()
                .map(|(k, pv)| {
                    let rv = r.remove(k).unwrap_or(Value::Null);
                    let v = if pv.is_wholly_known() {
                        pv.clone()
                    } else if matches!(pv, Value::Object(_)) {
                        settle(pv, rv)
                    } else {
                        rv
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        (_, r) => r,
    }
}

/// After a refresh: the `timeouts` block is configuration, not remote state, and an ID that
/// differs only by letter case is the same ID.
fn normalise_read(block: &Block, prior: &Value, mut read: Value) -> Value {
    if let (Some(t), Some(slot)) = (
        prior.get(timeouts::BLOCK_NAME),
        read.get_mut(timeouts::BLOCK_NAME),
    ) {
        *slot = t.clone();
    }
    plan::keep_equivalent_ids(block, &mut read, prior);
    read
}

type RpcResult<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl<P: ProviderDef> Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        let i = &self.inner;
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: i.schema_response.server_capabilities,
            diagnostics: Vec::new(),
            data_sources: i
                .data_sources
                .keys()
                .map(|k| pb::get_metadata::DataSourceMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            resources: i
                .resources
                .keys()
                .map(|k| pb::get_metadata::ResourceMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            functions: i
                .functions
                .keys()
                .map(|k| pb::get_metadata::FunctionMetadata {
                    name: k.to_string(),
                })
                .collect(),
            ephemeral_resources: Vec::new(),
        }))
    }

    async fn get_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        Ok(Response::new(self.inner.schema_response.clone()))
    }

    async fn prepare_provider_config(
        &self,
        req: Request<pb::prepare_provider_config::Request>,
    ) -> RpcResult<pb::prepare_provider_config::Response> {
        let req = req.into_inner();
        let out = guarded("PrepareProviderConfig", async {
            let config = wire::decode(
                req.config.as_ref(),
                &self.inner.provider_ty,
                "provider configuration",
            )?;
            let mut d = Diagnostics::new();
            validate_block(
                &self.inner.provider_schema.block,
                &config,
                &Path::root(),
                &mut d,
            );
            self.inner.provider.validate(&Object::new(config), &mut d);
            Ok::<_, Diagnostic>(d)
        })
        .await;
        let d = match out {
            Ok(Ok(d)) => d,
            Ok(Err(d)) => d.into(),
            Err(d) => d,
        };
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
        let out = guarded("ValidateResourceTypeConfig", async {
            let entry = self.resource(&req.type_name)?;
            let config = wire::decode(req.config.as_ref(), &entry.ty, "resource configuration")?;
            let mut d = Diagnostics::new();
            validate_block(&entry.schema.block, &config, &Path::root(), &mut d);
            entry.imp.validate(&Object::new(config), &mut d);
            Ok::<_, Diagnostic>(d)
        })
        .await;
        let d = flatten(out);
        Ok(Response::new(pb::validate_resource_type_config::Response {
            diagnostics: diags(d),
        }))
    }

    async fn validate_data_source_config(
        &self,
        req: Request<pb::validate_data_source_config::Request>,
    ) -> RpcResult<pb::validate_data_source_config::Response> {
        let req = req.into_inner();
        let out = guarded("ValidateDataSourceConfig", async {
            let entry = self.data_source(&req.type_name)?;
            let config = wire::decode(req.config.as_ref(), &entry.ty, "data source configuration")?;
            let mut d = Diagnostics::new();
            validate_block(&entry.schema.block, &config, &Path::root(), &mut d);
            entry.imp.validate(&Object::new(config), &mut d);
            Ok::<_, Diagnostic>(d)
        })
        .await;
        Ok(Response::new(pb::validate_data_source_config::Response {
            diagnostics: diags(flatten(out)),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let req = req.into_inner();
        let out = guarded("UpgradeResourceState", async {
            let entry = self.resource(&req.type_name)?;
            if req.version > entry.schema.version {
                return Err(Diagnostic::error(
                    "State written by a newer provider",
                    format!(
                        "This {} was stored with schema version {} but this provider knows version {}. \
                         Upgrade terraform-provider-aml.",
                        req.type_name, req.version, entry.schema.version
                    ),
                ));
            }
            let raw = req.raw_state.unwrap_or_default();
            if raw.json.is_empty() {
                if raw.flatmap.is_empty() {
                    return wire::encode(&Value::Null, &entry.ty, "upgraded state");
                }
                return Err(Diagnostic::error(
                    "Unsupported state format",
                    "The state is in the pre-0.12 flatmap format, which this provider does not read. \
                     Remove the resource from state and import it again.",
                ));
            }
            let value = cty::json::decode(&raw.json, &entry.ty).map_err(|e| {
                Diagnostic::error(
                    "Invalid stored state",
                    format!("The stored state of this {} cannot be read: {e}.", req.type_name),
                )
            })?;
            let value = entry.schema.block.complete(value).unknowns_to_null();
            wire::encode(&value, &entry.ty, "upgraded state")
        })
        .await;
        let (state, d) = split(out);
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
        let out = guarded("Configure", async {
            let config = wire::decode(
                req.config.as_ref(),
                &self.inner.provider_ty,
                "provider configuration",
            )
            .map_err(Diagnostics::from)?;
            let client = self
                .inner
                .provider
                .configure(&Object::new(config), &req.terraform_version)
                .await?;
            *self.inner.client.write().await = Some(Arc::new(client));
            Ok::<_, Diagnostics>(())
        })
        .await;
        let d = match out {
            Ok(Ok(())) => Diagnostics::new(),
            Ok(Err(d)) | Err(d) => d,
        };
        Ok(Response::new(pb::configure::Response {
            diagnostics: diags(d),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let req = req.into_inner();
        let private = req.private.clone();
        let out = guarded("ReadResource", async {
            let mut warnings = Diagnostics::new();
            let entry = self.resource(&req.type_name)?;
            let state = wire::decode(req.current_state.as_ref(), &entry.ty, "current state")?;
            if state.is_null() {
                return Ok::<_, Diagnostic>((
                    wire::encode(&Value::Null, &entry.ty, "state")?,
                    warnings,
                ));
            }
            let client = self.client().await?;
            let ctx = Ctx::new(
                client.as_ref(),
                entry.timeouts.effective(Operation::Read, &state),
            );
            let obj = Object::new(state.clone());
            let read = self
                .run_op(
                    &format!("reading {}", req.type_name),
                    ctx.remaining(),
                    entry.imp.read(&ctx, &obj),
                )
                .await
                .map_err(|e| e.to_diagnostic())?;
            warnings.extend(ctx.take_warnings());
            let new_state = match read {
                None => Value::Null,
                Some(o) => {
                    let v = entry.schema.block.complete(o.into_raw()).unknowns_to_null();
                    normalise_read(&entry.schema.block, &state, v)
                }
            };
            Ok((wire::encode(&new_state, &entry.ty, "state")?, warnings))
        })
        .await;
        let (state, d) = split_with_warnings(out);
        Ok(Response::new(pb::read_resource::Response {
            new_state: state,
            diagnostics: diags(d),
            private,
            deferred: None,
        }))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let req = req.into_inner();
        let private = req.prior_private.clone();
        let out = guarded("PlanResourceChange", async {
            let entry = self.resource(&req.type_name)?;
            let prior = wire::decode(req.prior_state.as_ref(), &entry.ty, "prior state")?;
            let proposed = wire::decode(
                req.proposed_new_state.as_ref(),
                &entry.ty,
                "proposed new state",
            )?;
            let config = wire::decode(req.config.as_ref(), &entry.ty, "configuration")?;
            if proposed.is_null() {
                return Ok::<_, Diagnostic>((
                    wire::encode(&Value::Null, &entry.ty, "planned state")?,
                    Vec::new(),
                    Diagnostics::new(),
                ));
            }
            let prior = (!prior.is_null()).then_some(prior);
            let generic = plan::plan(&entry.schema.block, prior.as_ref(), &proposed, &config);
            let mut p = Plan {
                prior: prior.map(Object::new),
                config: Object::new(config),
                planned: Object::new(generic.planned),
                requires_replace: generic.requires_replace,
                diagnostics: Diagnostics::new(),
            };
            let client = self.client().await?;
            let ctx = Ctx::new(client.as_ref(), entry.timeouts.read);
            self.run_op(
                &format!("planning {}", req.type_name),
                entry.timeouts.read,
                entry.imp.plan(&ctx, &mut p),
            )
            .await
            .map_err(|e| e.to_diagnostic())?;
            p.diagnostics.extend(ctx.take_warnings());
            let planned = entry.schema.block.complete(p.planned.into_raw());
            let replace = if p.prior.is_some() {
                p.requires_replace
            } else {
                Vec::new()
            };
            Ok((
                wire::encode(&planned, &entry.ty, "planned state")?,
                replace,
                p.diagnostics,
            ))
        })
        .await;
        let (planned, replace, d) = match out {
            Ok(Ok((s, r, d))) => (Some(s), r, d),
            Ok(Err(e)) => (None, Vec::new(), e.into()),
            Err(d) => (None, Vec::new(), d),
        };
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state: planned,
            requires_replace: replace.iter().map(wire::path_to_proto).collect(),
            planned_private: private,
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
        let private = req.planned_private.clone();
        let out = guarded("ApplyResourceChange", self.apply(req)).await;
        let (state, d) = split_with_warnings(out);
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state: state,
            private,
            diagnostics: diags(d),
            legacy_type_system: false,
        }))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let req = req.into_inner();
        let type_name = req.type_name.clone();
        let out = guarded("ImportResourceState", async {
            let entry = self.resource(&req.type_name)?;
            let stub = entry
                .imp
                .import(req.id.trim())
                .map_err(|e| e.to_diagnostic())?;
            let value = entry
                .schema
                .block
                .complete(stub.into_raw())
                .unknowns_to_null();
            wire::encode(&value, &entry.ty, "imported state")
        })
        .await;
        let (state, d) = split(out);
        let imported = state
            .map(|s| {
                vec![pb::import_resource_state::ImportedResource {
                    type_name,
                    state: Some(s),
                    private: Vec::new(),
                }]
            })
            .unwrap_or_default();
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: imported,
            diagnostics: diags(d),
            deferred: None,
        }))
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> RpcResult<pb::move_resource_state::Response> {
        let req = req.into_inner();
        let d = Diagnostic::error(
            "Moving resources between types is not supported",
            format!(
                "terraform-provider-aml cannot move {} to {}. Remove the old resource from state and import the new one.",
                req.source_type_name, req.target_type_name
            ),
        );
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
        let out = guarded("ReadDataSource", async {
            let entry = self.data_source(&req.type_name)?;
            let config = wire::decode(req.config.as_ref(), &entry.ty, "data source configuration")?;
            let client = self.client().await?;
            let limit = entry.imp.timeout();
            let ctx = Ctx::new(client.as_ref(), limit);
            let obj = Object::new(config);
            let result = self
                .run_op(
                    &format!("reading data source {}", req.type_name),
                    limit,
                    entry.imp.read(&ctx, &obj),
                )
                .await
                .map_err(|e| e.to_diagnostic())?;
            let value = entry
                .schema
                .block
                .complete(result.into_raw())
                .unknowns_to_null();
            Ok::<_, Diagnostic>((
                wire::encode(&value, &entry.ty, "data source state")?,
                ctx.take_warnings(),
            ))
        })
        .await;
        let (state, d) = split_with_warnings(out);
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
        let d = unknown_type("ephemeral resource", &req.into_inner().type_name);
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
        let d = unknown_type("ephemeral resource", &req.into_inner().type_name);
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
        let d = unknown_type("ephemeral resource", &req.into_inner().type_name);
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
        let d = unknown_type("ephemeral resource", &req.into_inner().type_name);
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: diags(d),
        }))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> RpcResult<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response {
            functions: self.inner.schema_response.functions.clone(),
            diagnostics: Vec::new(),
        }))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> RpcResult<pb::call_function::Response> {
        let req = req.into_inner();
        let out = guarded("CallFunction", async {
            let f =
                self.inner
                    .functions
                    .get(req.name.as_str())
                    .ok_or_else(|| pb::FunctionError {
                        text: format!(
                            "terraform-provider-aml has no function named {:?}",
                            req.name
                        ),
                        function_argument: None,
                    })?;
            let sig = f.signature();
            if req.arguments.len() != sig.parameters.len() {
                return Err(pb::FunctionError {
                    text: format!(
                        "{} takes {} arguments, got {}",
                        req.name,
                        sig.parameters.len(),
                        req.arguments.len()
                    ),
                    function_argument: None,
                });
            }
            let mut args = Vec::with_capacity(req.arguments.len());
            for (i, (arg, param)) in req.arguments.iter().zip(&sig.parameters).enumerate() {
                let v = wire::decode(Some(arg), &param.ty, "function argument").map_err(|d| {
                    pb::FunctionError {
                        text: format!("argument {}: {}", param.name, d.detail),
                        function_argument: Some(i as i64),
                    }
                })?;
                args.push(v);
            }
            let result = f.call(&args).map_err(|e| pb::FunctionError {
                text: e.text,
                function_argument: e.argument,
            })?;
            wire::encode(&result, &sig.returns, "function result").map_err(|d| pb::FunctionError {
                text: d.detail,
                function_argument: None,
            })
        })
        .await;
        let (result, error) = match out {
            Ok(Ok(v)) => (Some(v), None),
            Ok(Err(e)) => (None, Some(e)),
            Err(d) => (
                None,
                Some(pb::FunctionError {
                    text: d
                        .iter()
                        .map(|x| x.detail.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                    function_argument: None,
                }),
            ),
        };
        Ok(Response::new(pb::call_function::Response { result, error }))
    }

    async fn stop(&self, _: Request<pb::stop::Request>) -> RpcResult<pb::stop::Response> {
        tracing::info!("Terraform asked the provider to stop; cancelling in-flight operations");
        self.inner.stop.send_replace(true);
        Ok(Response::new(pb::stop::Response {
            error: String::new(),
        }))
    }
}

impl<P: ProviderDef> ProviderService<P> {
    async fn apply(
        &self,
        req: pb::apply_resource_change::Request,
    ) -> Result<(pb::DynamicValue, Diagnostics), Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let prior = wire::decode(req.prior_state.as_ref(), &entry.ty, "prior state")?;
        let planned = wire::decode(req.planned_state.as_ref(), &entry.ty, "planned state")?;
        let client = self.client().await?;
        let name = req.type_name.as_str();
        let imp = &entry.imp;

        if planned.is_null() {
            let limit = entry.timeouts.effective(Operation::Delete, &prior);
            let ctx = Ctx::new(client.as_ref(), limit);
            let obj = Object::new(prior.clone());
            return match self
                .run_op(&format!("deleting {name}"), limit, imp.delete(&ctx, &obj))
                .await
            {
                Ok(()) => Ok((
                    wire::encode(&Value::Null, &entry.ty, "state")?,
                    ctx.take_warnings(),
                )),
                Err(e) => {
                    let mut d = ctx.take_warnings();
                    d.push(e.to_diagnostic());
                    // The object still exists: keep it in state so the next apply retries.
                    Ok((wire::encode(&prior, &entry.ty, "state")?, d))
                }
            };
        }

        let creating = prior.is_null();
        let op = if creating {
            Operation::Create
        } else {
            Operation::Update
        };
        let limit = entry.timeouts.effective(op, &planned);
        let ctx = Ctx::new(client.as_ref(), limit);
        let planned_obj = Object::new(planned.clone());
        let prior_obj = Object::new(prior.clone());
        let verb = if creating { "creating" } else { "updating" };
        let what = format!("{verb} {name}");

        let result = self
            .run_op(&what, limit, async {
                if creating {
                    if let Some(id) = imp.existing(&ctx, &planned_obj).await? {
                        return Err(Error::new(format!("A {name} with ID {id:?} already exists")).detail(format!(
                            "To manage it with Terraform, import it into the state: \
                             `terraform import <address> {id}` or an `import` block with `id = \"{id}\"`."
                        )));
                    }
                    imp.create(&ctx, &planned_obj).await
                } else if plan::only_timeouts_changed(&entry.schema.block, &prior, &planned) {
                    Ok(planned_obj.clone())
                } else {
                    imp.update(&ctx, &prior_obj, &planned_obj).await
                }
            })
            .await;

        let mut d = Diagnostics::new();
        let written = match result {
            Ok(o) => o,
            Err(e) => {
                d.extend(ctx.take_warnings());
                d.push(e.to_diagnostic());
                let state = match e.partial_state {
                    Some(partial) => {
                        settle(&planned, entry.schema.block.complete((*partial).into_raw()))
                    }
                    None => prior,
                };
                return Ok((
                    wire::encode(&state.unknowns_to_null(), &entry.ty, "state")?,
                    d,
                ));
            }
        };

        // Read after write: the state records what Azure has now, not what we asked for.
        let read = self
            .run_op(
                &format!("reading {name} after {verb}"),
                ctx.remaining().max(Duration::from_secs(60)),
                imp.read(&ctx, &written),
            )
            .await;
        d.extend(ctx.take_warnings());
        let remote = match read {
            Ok(Some(o)) => o.into_raw(),
            Ok(None) => {
                d.push(Diagnostic::error(
                    format!("{what}: the object disappeared right after it was written"),
                    "Azure accepted the write but the object cannot be read back. Something outside this \
                     Terraform run may have deleted it; run `terraform plan` to see the current state.",
                ));
                written.into_raw()
            }
            Err(e) => {
                d.push(Diagnostic::warning(
                    format!("{what}: the object was written but could not be read back"),
                    format!(
                        "{e}. The state holds what was written; the next refresh reads it again."
                    ),
                ));
                written.into_raw()
            }
        };
        let state = settle(&planned, entry.schema.block.complete(remote)).unknowns_to_null();
        Ok((wire::encode(&state, &entry.ty, "new state")?, d))
    }
}

fn flatten(out: Result<Result<Diagnostics, Diagnostic>, Diagnostics>) -> Diagnostics {
    match out {
        Ok(Ok(d)) => d,
        Ok(Err(d)) => d.into(),
        Err(d) => d,
    }
}

fn split(
    out: Result<Result<pb::DynamicValue, Diagnostic>, Diagnostics>,
) -> (Option<pb::DynamicValue>, Diagnostics) {
    match out {
        Ok(Ok(v)) => (Some(v), Diagnostics::new()),
        Ok(Err(d)) => (None, d.into()),
        Err(d) => (None, d),
    }
}

fn split_with_warnings<E: Into<Diagnostics>>(
    out: Result<Result<(pb::DynamicValue, Diagnostics), E>, Diagnostics>,
) -> (Option<pb::DynamicValue>, Diagnostics) {
    match out {
        Ok(Ok((v, d))) => (Some(v), d),
        Ok(Err(d)) => (None, d.into()),
        Err(d) => (None, d),
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
