//! Operations on managed resources: validate, upgrade stored state, read (refresh), plan, apply
//! (with "already exists — import it" and read after write) and import.

use std::time::Duration;

use super::{Outcome, RawState, ResourceEntry, Server};
use crate::tfplugin::cty::{self, Path, Value};
use crate::tfplugin::diagnostics::{Diagnostic, Diagnostics};
use crate::tfplugin::object::Object;
use crate::tfplugin::plan;
use crate::tfplugin::schema::Block;
use crate::tfplugin::timeouts::{self, Operation};
use crate::tfplugin::traits::{Ctx, Error, Plan, ProviderDef};

impl<P: ProviderDef> Server<P> {
    /// Checks a resource configuration: the schema's validators (the `timeouts` block's
    /// included), then the resource's own checks.
    pub fn validate_resource_config(
        &self,
        entry: &ResourceEntry<P::Client>,
        config: Value,
    ) -> Diagnostics {
        let mut d = Diagnostics::new();
        entry.schema.block.validate(&config, &Path::root(), &mut d);
        entry.imp.validate(&Object::new(config), &mut d);
        d
    }

    /// Reads stored state of schema version `version` into the current schema: missing
    /// attributes become null and unknown ones are dropped.
    pub fn upgrade_resource_state(
        &self,
        entry: &ResourceEntry<P::Client>,
        version: i64,
        raw: RawState,
    ) -> Result<Value, Diagnostic> {
        let type_name = entry.imp.type_name();
        if version > entry.schema.version {
            return Err(Diagnostic::error(
                "State written by a newer provider",
                format!(
                    "This {type_name} was stored with schema version {version} but this provider knows version {}. \
                     Upgrade terraform-provider-aml.",
                    entry.schema.version
                ),
            ));
        }
        let json = match raw {
            RawState::Empty => return Ok(Value::Null),
            RawState::Flatmap => return Err(Diagnostic::error(
                "Unsupported state format",
                "The state is in the pre-0.12 flatmap format, which this provider does not read. \
                     Remove the resource from state and import it again.",
            )),
            RawState::Json(json) => json,
        };
        let value = cty::json::decode(&json, &entry.ty).map_err(|e| {
            Diagnostic::error(
                "Invalid stored state",
                format!("The stored state of this {type_name} cannot be read: {e}."),
            )
        })?;
        Ok(entry.schema.block.complete(value).unknowns_to_null())
    }

    /// Refreshes a resource: null when the remote object is gone (drift), otherwise what Azure
    /// has now, with the `timeouts` block and letter case of IDs kept from the prior state.
    pub async fn read_resource(
        &self,
        entry: &ResourceEntry<P::Client>,
        state: Value,
    ) -> Outcome<Value> {
        let mut warnings = Diagnostics::new();
        if state.is_null() {
            return Ok((Value::Null, warnings));
        }
        let client = self.client().await?;
        let ctx = Ctx::new(
            client.as_ref(),
            entry.timeouts.effective(Operation::Read, &state),
        );
        let obj = Object::new(state.clone());
        let read = self
            .run_op(
                &format!("reading {}", entry.imp.type_name()),
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
        Ok((new_state, warnings))
    }

    /// Plans a change: generic planning from the schema, then the resource's own plan step. The
    /// answer is the planned state and, for an update, the paths that force replacement.
    pub async fn plan_resource_change(
        &self,
        entry: &ResourceEntry<P::Client>,
        prior: Value,
        proposed: Value,
        config: Value,
    ) -> Outcome<(Value, Vec<Path>)> {
        if proposed.is_null() {
            return Ok(((Value::Null, Vec::new()), Diagnostics::new()));
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
            &format!("planning {}", entry.imp.type_name()),
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
        Ok(((planned, replace), p.diagnostics))
    }

    /// Applies a planned change: delete, create (refused with "import it" when the object already
    /// exists) or update, each within its time limit, then reads the object back. The answer is
    /// the state to record and what to call it in messages; a failed write keeps the prior state
    /// or the partial state the handler reported.
    pub async fn apply_resource_change(
        &self,
        entry: &ResourceEntry<P::Client>,
        prior: Value,
        planned: Value,
    ) -> Outcome<(Value, &'static str)> {
        let client = self.client().await?;
        let name = entry.imp.type_name();
        let imp = &entry.imp;

        if planned.is_null() {
            let limit = entry.timeouts.effective(Operation::Delete, &prior);
            let ctx = Ctx::new(client.as_ref(), limit);
            let obj = Object::new(prior.clone());
            return match self
                .run_op(&format!("deleting {name}"), limit, imp.delete(&ctx, &obj))
                .await
            {
                Ok(()) => Ok(((Value::Null, "state"), ctx.take_warnings())),
                Err(e) => {
                    let mut d = ctx.take_warnings();
                    d.push(e.to_diagnostic());
                    // The object still exists: keep it in state so the next apply retries.
                    Ok(((prior, "state"), d))
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
        let ctx = if creating {
            Ctx::for_create(client.as_ref(), limit)
        } else {
            Ctx::new(client.as_ref(), limit)
        };
        let planned_obj = Object::new(planned.clone());
        let prior_obj = Object::new(prior.clone());
        let verb = if creating { "creating" } else { "updating" };
        let what = format!("{verb} {name}");

        let result = self
            .run_op(&what, limit, async {
                if creating {
                    if let Some(id) = imp.existing(&ctx, &planned_obj).await? {
                        return Err(Error::already_exists(name, &id));
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
                let state = match (e.partial_state, ctx.accepted().id()) {
                    (Some(partial), _) => {
                        settle(&planned, entry.schema.block.complete((*partial).into_raw()))
                    }
                    // A create that failed, timed out or was stopped after its write was sent:
                    // the object may exist, so it is recorded (Terraform saves it tainted); the
                    // next refresh finds out what is left and the next apply replaces it.
                    (None, Some(id)) => accepted_object(&planned, id),
                    (None, None) => prior,
                };
                return Ok(((state.unknowns_to_null(), "state"), d));
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
        Ok(((state, "new state"), d))
    }

    /// Imports an object by ID: the resource's stub, completed to the schema with no unknowns;
    /// the refresh that follows fills in the rest.
    pub fn import_resource_state(
        &self,
        entry: &ResourceEntry<P::Client>,
        id: &str,
    ) -> Result<Value, Diagnostic> {
        let stub = entry.imp.import(id.trim()).map_err(|e| e.to_diagnostic())?;
        Ok(entry
            .schema
            .block
            .complete(stub.into_raw())
            .unknowns_to_null())
    }
}

/// The state of a create that stopped after its write was sent: the planned object with the ID
/// of what was written (values the plan left unknown become null when the result is returned).
fn accepted_object(planned: &Value, id: String) -> Value {
    let mut state = planned.clone();
    if let Some(slot) = state.get_mut("id") {
        *slot = Value::string(id);
    }
    state
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
