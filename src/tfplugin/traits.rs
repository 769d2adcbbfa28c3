//! The contracts a feature implements: [`Resource`], [`DataSource`], [`Function`], and the
//! provider itself ([`ProviderDef`]). Handlers get typed objects and a [`Ctx`], never protobuf,
//! and report failures as [`Error`]s that the service turns into diagnostics.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::cty::{self, Path, Type};
use super::diagnostics::{Diagnostic, Diagnostics};
use super::model::FieldDef;
use super::object::Object;
use super::schema::Schema;
use super::timeouts::Timeouts;

/// A failure of a handler: what failed, how to fix it, and where in the configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    /// One line: "creating private endpoint X: the subnet is still updating".
    pub summary: String,
    /// Sentences with details and how to fix it.
    pub detail: String,
    /// The attribute the error is about, if any.
    pub path: Option<Path>,
    /// On a failed create or update: what exists remotely now (Terraform then saves it as
    /// tainted instead of forgetting it).
    pub partial_state: Option<Box<Object>>,
}

impl Error {
    /// An error with a summary only.
    pub fn new(summary: impl Into<String>) -> Self {
        Error {
            summary: summary.into(),
            detail: String::new(),
            path: None,
            partial_state: None,
        }
    }

    /// Adds a detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// Points the error at an attribute.
    pub fn at(mut self, path: Path) -> Self {
        self.path = Some(path);
        self
    }

    /// Attaches the remote object as it exists after a partial failure.
    pub fn with_partial_state(mut self, state: Object) -> Self {
        self.partial_state = Some(Box::new(state));
        self
    }

    /// The refusal to create an object that exists already, saying how to import it.
    pub fn already_exists(type_name: &str, id: &str) -> Self {
        Error::new(format!("A {type_name} with ID {id:?} already exists")).detail(format!(
            "To manage it with Terraform, import it into the state: \
             `terraform import <address> {id}` or an `import` block with `id = \"{id}\"`."
        ))
    }

    /// Prefixes the summary with what was being done ("creating X: ...").
    pub fn context(mut self, doing: impl std::fmt::Display) -> Self {
        self.summary = format!("{doing}: {}", self.summary);
        self
    }

    /// The diagnostic shown to the user.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let d = Diagnostic::error(self.summary.clone(), self.detail.clone());
        match &self.path {
            Some(p) => d.at(p.clone()),
            None => d,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// What a handler gets besides its objects: the configured client, its time limit, a way to
/// add warnings, and whether Terraform asked to stop.
pub struct Ctx<'a, C> {
    /// The configured provider client.
    pub client: &'a C,
    /// When the operation must be done (from the `timeouts` block or the default).
    pub deadline: Instant,
    warnings: Mutex<Diagnostics>,
    accepted: Accepted,
}

/// During a create: the ID of the remote object that may exist from the moment its write was
/// sent. It outlives the handler's future, so that when the create fails, times out or is stopped
/// after that moment, the framework still records the object (Terraform saves it tainted) instead
/// of leaving it behind in Azure. Outside a create it records nothing.
#[derive(Debug, Default)]
pub struct Accepted {
    creating: bool,
    id: Mutex<Option<String>>,
}

impl Accepted {
    /// Records that the object `id` may exist from now on. Only the first object of a create
    /// counts (a create may write other objects after its own); outside a create, nothing.
    pub fn record(&self, id: &str) {
        if !self.creating {
            return;
        }
        if let Ok(mut slot) = self.id.lock() {
            slot.get_or_insert_with(|| id.to_string());
        }
    }

    /// The write of `id` was refused before anything was created: forget it again.
    pub fn refused(&self, id: &str) {
        if let Ok(mut slot) = self.id.lock() {
            if slot.as_deref() == Some(id) {
                *slot = None;
            }
        }
    }

    /// The recorded ID, if any.
    pub fn id(&self) -> Option<String> {
        self.id.lock().ok().and_then(|s| s.clone())
    }
}

impl<'a, C> Ctx<'a, C> {
    /// A context with `timeout` from now.
    pub fn new(client: &'a C, timeout: Duration) -> Self {
        Ctx {
            client,
            deadline: Instant::now() + timeout,
            warnings: Mutex::new(Diagnostics::new()),
            accepted: Accepted::default(),
        }
    }

    /// A context for a create: [`Ctx::accepted`] records the object the create writes.
    pub fn for_create(client: &'a C, timeout: Duration) -> Self {
        let mut ctx = Ctx::new(client, timeout);
        ctx.accepted.creating = true;
        ctx
    }

    /// What a create has written so far (see [`Accepted`]).
    pub fn accepted(&self) -> &Accepted {
        &self.accepted
    }

    /// The time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Adds a warning shown with the operation's result.
    pub fn warn(&self, diagnostic: Diagnostic) {
        if let Ok(mut w) = self.warnings.lock() {
            w.push(diagnostic);
        }
    }

    /// Takes the warnings added so far.
    pub fn take_warnings(&self) -> Diagnostics {
        self.warnings
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }
}

/// A plan being made: the generic plan is done; a resource may refine it.
#[derive(Debug)]
pub struct Plan {
    /// The prior state (`None` on create).
    pub prior: Option<Object>,
    /// The configuration (may hold unknown values).
    pub config: Object,
    /// The planned state, which the hook may change (predicted computed values, defaults).
    pub planned: Object,
    /// Paths whose change replaces the resource.
    pub requires_replace: Vec<Path>,
    /// Warnings and errors for the plan.
    pub diagnostics: Diagnostics,
}

impl Plan {
    /// Whether this plan creates the object.
    pub fn is_create(&self) -> bool {
        self.prior.is_none()
    }
}

/// A managed resource type.
#[async_trait]
pub trait Resource<C>: Send + Sync + 'static {
    /// The type name, `aml_...`.
    fn type_name(&self) -> &'static str;

    /// The schema without the `timeouts` block (the framework adds it from [`Resource::timeouts`]).
    fn schema(&self) -> Schema;

    /// Default time limits.
    fn timeouts(&self) -> Timeouts {
        Timeouts::default()
    }

    /// The Markdown text shown on the docs page under "Import" (how to find the ID).
    fn import_doc(&self) -> &'static str;

    /// The fields of the resource's typed model, for the check against its schema (`None`
    /// for a resource without one).
    fn model_fields(&self) -> Option<Vec<FieldDef>> {
        None
    }

    /// Checks a configuration that may hold unknowns, beyond the schema's validators.
    fn validate(&self, _config: &Object, _diags: &mut Diagnostics) {}

    /// Refines the generic plan (warnings, predicted values, extra replacement paths).
    async fn plan(&self, _ctx: &Ctx<'_, C>, _plan: &mut Plan) -> Result<(), Error> {
        Ok(())
    }

    /// The ID of an existing remote object that a create of `planned` would collide with, if the
    /// resource can tell; the framework then refuses with "already exists — import it".
    async fn existing(
        &self,
        _ctx: &Ctx<'_, C>,
        _planned: &Object,
    ) -> Result<Option<String>, Error> {
        Ok(None)
    }

    /// Creates the remote object; returns the new state.
    async fn create(&self, ctx: &Ctx<'_, C>, planned: &Object) -> Result<Object, Error>;

    /// Reads the remote object; `None` when it is gone.
    async fn read(&self, ctx: &Ctx<'_, C>, state: &Object) -> Result<Option<Object>, Error>;

    /// Updates the remote object in place; returns the new state.
    async fn update(
        &self,
        ctx: &Ctx<'_, C>,
        prior: &Object,
        planned: &Object,
    ) -> Result<Object, Error>;

    /// Deletes the remote object (gone already is success).
    async fn delete(&self, ctx: &Ctx<'_, C>, state: &Object) -> Result<(), Error>;

    /// Turns an import ID into a stub state (at least `id`); the framework then reads it.
    fn import(&self, id: &str) -> Result<Object, Error>;
}

/// A data source type.
#[async_trait]
pub trait DataSource<C>: Send + Sync + 'static {
    /// The type name, `aml_...`.
    fn type_name(&self) -> &'static str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// How long a read may take.
    fn timeout(&self) -> Duration {
        Duration::from_secs(5 * 60)
    }

    /// The fields of the data source's typed model, for the check against its schema (`None`
    /// for a data source without one).
    fn model_fields(&self) -> Option<Vec<FieldDef>> {
        None
    }

    /// Checks a configuration that may hold unknowns, beyond the schema's validators.
    fn validate(&self, _config: &Object, _diags: &mut Diagnostics) {}

    /// Reads the data; returns the whole object (configuration values kept as given).
    async fn read(&self, ctx: &Ctx<'_, C>, config: &Object) -> Result<Object, Error>;
}

/// A parameter of a provider function.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// The name shown in errors and docs.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// Markdown description.
    pub description: &'static str,
}

/// The signature and documentation of a provider function.
#[derive(Clone, Debug)]
pub struct Signature {
    /// Parameters in order.
    pub parameters: Vec<Parameter>,
    /// The return type.
    pub returns: Type,
    /// One line.
    pub summary: &'static str,
    /// Markdown description.
    pub description: String,
}

/// A failed function call: a message and, if it is about one argument, its index.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionError {
    /// The message.
    pub text: String,
    /// The index of the argument at fault.
    pub argument: Option<i64>,
}

/// A provider-defined function (`provider::aml::<name>(...)`). Functions run on an unconfigured
/// provider and must be deterministic.
pub trait Function: Send + Sync + 'static {
    /// The function name.
    fn name(&self) -> &'static str;
    /// The signature.
    fn signature(&self) -> Signature;
    /// Calls the function with known, non-null arguments of the declared types.
    fn call(&self, args: &[cty::Value]) -> Result<cty::Value, FunctionError>;
}

/// The provider: its configuration and its registry of features.
#[async_trait]
pub trait ProviderDef: Send + Sync + 'static {
    /// What `configure` builds and every handler receives.
    type Client: Send + Sync + 'static;

    /// The provider block's schema.
    fn schema(&self) -> Schema;

    /// Checks the provider block (may hold unknowns).
    fn validate(&self, _config: &Object, _diags: &mut Diagnostics) {}

    /// Builds the client from the provider block (which may still hold unknowns).
    async fn configure(
        &self,
        config: &Object,
        terraform_version: &str,
    ) -> Result<Self::Client, Diagnostics>;

    /// Every resource type, in documentation order.
    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Client>>>;

    /// Every data source type.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Client>>>;

    /// Every function.
    fn functions(&self) -> Vec<Arc<dyn Function>>;
}
