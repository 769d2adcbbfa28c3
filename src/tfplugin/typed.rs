//! The traits features implement: [`TypedResource`] and [`TypedDataSource`], whose handlers take
//! and return their typed model (see [`super::model`]) instead of an untyped [`Object`].
//!
//! A blanket implementation turns each into the object-level [`Resource`] / [`DataSource`] the
//! service serves, so the conversion between wire objects and models happens here, once. What a
//! handler writes replaces its fields; fields it left as they were keep their exact wire value
//! (see [`model::merge_into`]), and the framework's `timeouts` block passes through untouched.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;

use super::cty::Path;
use super::diagnostics::Diagnostics;
use super::model::{self, Model};
use super::object::Object;
use super::schema::Schema;
use super::timeouts::Timeouts;
use super::traits::{Ctx, DataSource, Error, Plan, Resource};

/// A plan being made, in a resource's model: the generic plan is done; the hook may refine it.
#[derive(Debug)]
pub struct TypedPlan<M> {
    /// The prior state (`None` on create).
    pub prior: Option<M>,
    /// The configuration (may hold unknown values).
    pub config: M,
    /// The planned state, which the hook may change (predicted computed values, defaults).
    pub planned: M,
    /// Paths whose change replaces the resource.
    pub requires_replace: Vec<Path>,
    /// Warnings and errors for the plan.
    pub diagnostics: Diagnostics,
}

impl<M> TypedPlan<M> {
    /// Whether this plan creates the object.
    pub fn is_create(&self) -> bool {
        self.prior.is_none()
    }
}

/// A managed resource type with a typed model.
#[async_trait]
pub trait TypedResource<C>: Send + Sync + 'static {
    /// The resource's model: one field per attribute and nested block of [`Self::schema`].
    type Model: Model + Clone + Debug + Send + Sync;

    /// The type name, `aml_...`.
    fn type_name(&self) -> &'static str;

    /// The schema without the `timeouts` block (the framework adds it from [`Self::timeouts`]).
    fn schema(&self) -> Schema;

    /// Default time limits.
    fn timeouts(&self) -> Timeouts {
        Timeouts::default()
    }

    /// The Markdown text shown on the docs page under "Import" (how to find the ID).
    fn import_doc(&self) -> &'static str;

    /// Checks a configuration that may hold unknowns, beyond the schema's validators.
    fn validate(&self, _config: &Self::Model, _diags: &mut Diagnostics) {}

    /// Refines the generic plan (warnings, predicted values, extra replacement paths).
    async fn plan(
        &self,
        _ctx: &Ctx<'_, C>,
        _plan: &mut TypedPlan<Self::Model>,
    ) -> Result<(), Error> {
        Ok(())
    }

    /// The ID of an existing remote object that a create of `planned` would collide with, if the
    /// resource can tell; the framework then refuses with "already exists — import it".
    async fn existing(
        &self,
        _ctx: &Ctx<'_, C>,
        _planned: &Self::Model,
    ) -> Result<Option<String>, Error> {
        Ok(None)
    }

    /// Creates the remote object; returns the new state.
    async fn create(&self, ctx: &Ctx<'_, C>, planned: &Self::Model) -> Result<Self::Model, Error>;

    /// Reads the remote object; `None` when it is gone.
    async fn read(
        &self,
        ctx: &Ctx<'_, C>,
        state: &Self::Model,
    ) -> Result<Option<Self::Model>, Error>;

    /// Updates the remote object in place; returns the new state.
    async fn update(
        &self,
        ctx: &Ctx<'_, C>,
        prior: &Self::Model,
        planned: &Self::Model,
    ) -> Result<Self::Model, Error>;

    /// Deletes the remote object (gone already is success).
    async fn delete(&self, ctx: &Ctx<'_, C>, state: &Self::Model) -> Result<(), Error>;

    /// Turns an import ID into a stub state (at least `id`); the framework then reads it.
    fn import(&self, id: &str) -> Result<Self::Model, Error>;
}

/// A data source type with a typed model.
#[async_trait]
pub trait TypedDataSource<C>: Send + Sync + 'static {
    /// The data source's model: one field per attribute and nested block of [`Self::schema`].
    type Model: Model + Clone + Debug + Send + Sync;

    /// The type name, `aml_...`.
    fn type_name(&self) -> &'static str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// How long a read may take.
    fn timeout(&self) -> Duration {
        Duration::from_secs(5 * 60)
    }

    /// Checks a configuration that may hold unknowns, beyond the schema's validators.
    fn validate(&self, _config: &Self::Model, _diags: &mut Diagnostics) {}

    /// Reads the data; returns the whole model (configuration values kept as given).
    async fn read(&self, ctx: &Ctx<'_, C>, config: &Self::Model) -> Result<Self::Model, Error>;
}

fn decode<M: Model>(o: &Object) -> M {
    M::from_value(o.raw())
}

/// `model` written over `base` (see [`model::merge_into`]).
fn encode<M: Model>(base: &Object, model: M) -> Object {
    Object::new(model::merge_into(base.raw(), model))
}

impl Error {
    /// Attaches a typed model as the remote object after a partial failure.
    pub fn with_partial<M: Model>(self, state: M) -> Self {
        self.with_partial_state(Object::new(state.to_value()))
    }
}

#[async_trait]
impl<C, R> Resource<C> for R
where
    C: Send + Sync + 'static,
    R: TypedResource<C>,
{
    fn type_name(&self) -> &'static str {
        TypedResource::type_name(self)
    }

    fn schema(&self) -> Schema {
        TypedResource::schema(self)
    }

    fn timeouts(&self) -> Timeouts {
        TypedResource::timeouts(self)
    }

    fn import_doc(&self) -> &'static str {
        TypedResource::import_doc(self)
    }

    fn model_fields(&self) -> Option<Vec<model::FieldDef>> {
        Some(R::Model::fields())
    }

    fn validate(&self, config: &Object, diags: &mut Diagnostics) {
        TypedResource::validate(self, &decode(config), diags);
    }

    async fn plan(&self, ctx: &Ctx<'_, C>, plan: &mut Plan) -> Result<(), Error> {
        let mut typed = TypedPlan {
            prior: plan.prior.as_ref().map(decode),
            config: decode(&plan.config),
            planned: decode(&plan.planned),
            requires_replace: std::mem::take(&mut plan.requires_replace),
            diagnostics: std::mem::take(&mut plan.diagnostics),
        };
        let outcome = TypedResource::plan(self, ctx, &mut typed).await;
        plan.planned = encode(&plan.planned, typed.planned);
        plan.requires_replace = typed.requires_replace;
        plan.diagnostics = typed.diagnostics;
        outcome
    }

    async fn existing(&self, ctx: &Ctx<'_, C>, planned: &Object) -> Result<Option<String>, Error> {
        TypedResource::existing(self, ctx, &decode(planned)).await
    }

    async fn create(&self, ctx: &Ctx<'_, C>, planned: &Object) -> Result<Object, Error> {
        let state = TypedResource::create(self, ctx, &decode(planned)).await?;
        Ok(encode(planned, state))
    }

    async fn read(&self, ctx: &Ctx<'_, C>, state: &Object) -> Result<Option<Object>, Error> {
        let found = TypedResource::read(self, ctx, &decode(state)).await?;
        Ok(found.map(|m| encode(state, m)))
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, C>,
        prior: &Object,
        planned: &Object,
    ) -> Result<Object, Error> {
        let state = TypedResource::update(self, ctx, &decode(prior), &decode(planned)).await?;
        Ok(encode(planned, state))
    }

    async fn delete(&self, ctx: &Ctx<'_, C>, state: &Object) -> Result<(), Error> {
        TypedResource::delete(self, ctx, &decode(state)).await
    }

    fn import(&self, id: &str) -> Result<Object, Error> {
        let stub = TypedResource::import(self, id)?;
        Ok(Object::new(stub.to_value()))
    }
}

#[async_trait]
impl<C, D> DataSource<C> for D
where
    C: Send + Sync + 'static,
    D: TypedDataSource<C>,
{
    fn type_name(&self) -> &'static str {
        TypedDataSource::type_name(self)
    }

    fn schema(&self) -> Schema {
        TypedDataSource::schema(self)
    }

    fn timeout(&self) -> Duration {
        TypedDataSource::timeout(self)
    }

    fn model_fields(&self) -> Option<Vec<model::FieldDef>> {
        Some(D::Model::fields())
    }

    fn validate(&self, config: &Object, diags: &mut Diagnostics) {
        TypedDataSource::validate(self, &decode(config), diags);
    }

    async fn read(&self, ctx: &Ctx<'_, C>, config: &Object) -> Result<Object, Error> {
        let data = TypedDataSource::read(self, ctx, &decode(config)).await?;
        Ok(encode(config, data))
    }
}
