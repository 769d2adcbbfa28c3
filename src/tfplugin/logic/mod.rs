//! The provider server's logic, free of the protocol: every operation Terraform asks for, on the
//! framework's types (cty values, [`Schema`], [`Diagnostics`]) and never on generated protobuf
//! types. `service.rs` is the thin gRPC layer in front of it: each RPC converts its request through
//! `wire.rs`, calls one operation here and converts the answer back.
//!
//! Generic behaviour lives here once: validation from the schema, generic planning, "already
//! exists — import it", read after write, time limits, Stop, and panics in handlers caught and
//! reported as diagnostics. Every expected failure is a diagnostic, never an error status.
//!
//! This file holds the registry (schemas computed once, the configured client, the Stop signal)
//! and what every operation shares; the operations live in one file per area.

mod data_sources;
mod functions;
mod provider;
mod resources;

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{watch, RwLock};

use super::cty::Type;
use super::diagnostics::{Diagnostic, Diagnostics};
use super::logging;
use super::schema::Schema;
use super::timeouts::{self, Timeouts};
use super::traits::{DataSource, Error, Function, FunctionError, ProviderDef, Resource};

/// What an operation produced: a value with any warnings, or the diagnostics saying why there is
/// no value.
pub type Outcome<T> = Result<(T, Diagnostics), Diagnostics>;

/// A registered resource with its schema computed once.
pub struct ResourceEntry<C> {
    /// The implementation.
    pub imp: Arc<dyn Resource<C>>,
    /// The full schema, `timeouts` block included ([`resource_schema`]).
    pub schema: Schema,
    /// The schema's implied type: what its values are decoded and encoded as.
    pub ty: Type,
    /// The default time limits.
    pub timeouts: Timeouts,
}

/// A registered data source with its schema computed once.
pub struct DataSourceEntry<C> {
    /// The implementation.
    pub imp: Arc<dyn DataSource<C>>,
    /// The schema.
    pub schema: Schema,
    /// The schema's implied type.
    pub ty: Type,
}

/// The provider server: a provider definition, its registered features, the client configure
/// made and the Stop signal. Safe for concurrent operations.
pub struct Server<P: ProviderDef> {
    provider: P,
    provider_schema: Schema,
    provider_ty: Type,
    resources: HashMap<&'static str, ResourceEntry<P::Client>>,
    data_sources: HashMap<&'static str, DataSourceEntry<P::Client>>,
    functions: HashMap<&'static str, Arc<dyn Function>>,
    client: RwLock<Option<Arc<P::Client>>>,
    stop: watch::Sender<bool>,
}

/// The full schema of a resource: its own plus the standard `timeouts` block.
pub fn resource_schema<C: 'static>(r: &dyn Resource<C>) -> Schema {
    let mut schema = r.schema();
    schema.block.blocks.push(r.timeouts().block());
    schema
}

impl<P: ProviderDef> Server<P> {
    /// Builds the server, computing every schema once.
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
        let functions = provider
            .functions()
            .into_iter()
            .map(|f| (f.name(), f))
            .collect();
        let (stop, _) = watch::channel(false);
        Server {
            provider,
            provider_schema,
            provider_ty,
            resources,
            data_sources,
            functions,
            client: RwLock::new(None),
            stop,
        }
    }

    /// The provider block's schema.
    pub fn provider_schema(&self) -> &Schema {
        &self.provider_schema
    }

    /// The provider block's implied type.
    pub fn provider_type(&self) -> &Type {
        &self.provider_ty
    }

    /// Every resource, by type name.
    pub fn resources(&self) -> impl Iterator<Item = (&'static str, &ResourceEntry<P::Client>)> {
        self.resources.iter().map(|(k, v)| (*k, v))
    }

    /// Every data source, by type name.
    pub fn data_sources(
        &self,
    ) -> impl Iterator<Item = (&'static str, &DataSourceEntry<P::Client>)> {
        self.data_sources.iter().map(|(k, v)| (*k, v))
    }

    /// Every function, by name.
    pub fn functions(&self) -> impl Iterator<Item = (&'static str, &Arc<dyn Function>)> {
        self.functions.iter().map(|(k, v)| (*k, v))
    }

    /// The resource of a type, or the diagnostic for an unknown type.
    pub fn resource(&self, name: &str) -> Result<&ResourceEntry<P::Client>, Diagnostic> {
        self.resources
            .get(name)
            .ok_or_else(|| unknown_type("resource", name))
    }

    /// The data source of a type, or the diagnostic for an unknown type.
    pub fn data_source(&self, name: &str) -> Result<&DataSourceEntry<P::Client>, Diagnostic> {
        self.data_sources
            .get(name)
            .ok_or_else(|| unknown_type("data source", name))
    }

    /// The client configure made, or the diagnostic for a call before configure.
    pub async fn client(&self) -> Result<Arc<P::Client>, Diagnostic> {
        self.client.read().await.clone().ok_or_else(|| {
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
        let mut stop = self.stop.subscribe();
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

/// The diagnostic for a type this provider does not have.
pub fn unknown_type(kind: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type {name:?}"),
        format!("terraform-provider-aml has no {kind} named {name:?}. Check the spelling and the provider version."),
    )
}

/// Runs an RPC body, turning a panic into an error diagnostic so that the process survives.
pub async fn caught<T>(rpc: &'static str, fut: impl Future<Output = T>) -> Result<T, Diagnostics> {
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

/// [`caught`] for an operation with an [`Outcome`]: the value if there is one, and every
/// diagnostic (the panic's included).
pub async fn guarded<T>(
    rpc: &'static str,
    fut: impl Future<Output = Outcome<T>>,
) -> (Option<T>, Diagnostics) {
    match caught(rpc, fut).await {
        Ok(Ok((v, d))) => (Some(v), d),
        Ok(Err(d)) | Err(d) => (None, d),
    }
}

/// Stored state as Terraform hands it over for an upgrade, before it is decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawState {
    /// No state at all.
    Empty,
    /// JSON state (Terraform 0.12 and later).
    Json(Vec<u8>),
    /// The pre-0.12 flatmap format, which this provider does not read.
    Flatmap,
}

/// A function call that panicked, as the function error Terraform shows.
pub fn panic_to_function_error(panic: Diagnostics) -> FunctionError {
    FunctionError {
        text: panic
            .iter()
            .map(|x| x.detail.clone())
            .collect::<Vec<_>>()
            .join("; "),
        argument: None,
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests;
