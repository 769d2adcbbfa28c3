//! Operations on data sources: validating a configuration and reading.

use super::{DataSourceEntry, Outcome, Server};
use crate::tfplugin::cty::{Path, Value};
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::object::Object;
use crate::tfplugin::traits::{Ctx, ProviderDef};

impl<P: ProviderDef> Server<P> {
    /// Checks a data source configuration: the schema's validators, then the data source's own.
    pub fn validate_data_source_config(
        &self,
        entry: &DataSourceEntry<P::Client>,
        config: Value,
    ) -> Diagnostics {
        let mut d = Diagnostics::new();
        entry.schema.block.validate(&config, &Path::root(), &mut d);
        entry.imp.validate(&Object::new(config), &mut d);
        d
    }

    /// Reads a data source within its time limit; the result is completed to the schema with no
    /// unknowns left.
    pub async fn read_data_source(
        &self,
        entry: &DataSourceEntry<P::Client>,
        config: Value,
    ) -> Outcome<Value> {
        let client = self.client().await?;
        let limit = entry.imp.timeout();
        let ctx = Ctx::new(client.as_ref(), limit);
        let obj = Object::new(config);
        let result = self
            .run_op(
                &format!("reading data source {}", entry.imp.type_name()),
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
        Ok((value, ctx.take_warnings()))
    }
}
