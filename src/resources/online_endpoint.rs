//! `aml_online_endpoint`: a managed online endpoint of an Azure ML workspace
//! (`Microsoft.MachineLearningServices/workspaces/onlineEndpoints`, api-version [`ML`]).
//!
//! Writes: a PATCH carries only tags and identity (all the service takes); every other change is
//! a read-merge-PUT of the endpoint as read, so the fields this resource does not manage (traffic
//! set by a pipeline when `traffic` is unset, `kind`, `sku`, `compute`, …) are kept. Create and
//! update wait for `Succeeded`; `Failed` fails the apply with the service's message and records
//! the endpoint as it is (tainted). Keys are never requested or stored.
//!
//! Plan reads the workspace (api-version [`ML_NETWORK_ACLS`], for its IP rules) and checks how the
//! endpoint's public access fits the workspace's: an Enabled endpoint on a workspace whose public
//! access is Disabled is not supported (unless an `aml_workspace_network_access` in the same plan
//! enables it: [`PlanFacts`](crate::provider::plan_facts::PlanFacts)); IP rules, a managed network
//! not provisioned yet and v1 legacy mode give warnings.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::common::{
    attr, check_workspace_id, existing_id, keep_spelling, known, tags_body, tags_state, text,
    workspace_id, Tags,
};
use super::private_link as pl;
use crate::arm::api_versions::{ML, ML_NETWORK_ACLS};
use crate::arm::ids::{OnlineEndpointId, WorkspaceId};
use crate::arm::models::online_endpoint::{
    Identity, OnlineEndpoint, OnlineEndpointPatch, OnlineEndpointProperties,
};
use crate::arm::models::workspace::WorkspaceForEndpoint;
use crate::arm::{ErrorKind, Response, Wait, WaitError};
use crate::provider::handler::{parse, Arm, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{self, Path, Type};
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::model::{Model, Value};
use crate::tfplugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::{TypedPlan, TypedResource};

/// The resource.
#[derive(Debug)]
pub struct OnlineEndpointResource;

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct OnlineEndpointModel {
    /// The endpoint's ARM ID.
    pub id: Value<String>,
    /// The workspace.
    pub workspace_id: Value<String>,
    /// The endpoint name.
    pub name: Value<String>,
    /// The Azure region.
    pub location: Value<String>,
    /// `AMLToken`, `Key` or `AADToken`.
    pub auth_mode: Value<String>,
    /// `Enabled` or `Disabled`.
    pub public_network_access: Value<String>,
    /// Free text.
    pub description: Value<String>,
    /// Tags.
    pub tags: Value<Tags>,
    /// The managed identity.
    pub identity: Option<IdentityBlock>,
    /// Entries that can be added but not removed or altered.
    pub properties: Value<Tags>,
    /// Deployment → percent of live traffic; null leaves traffic alone.
    pub traffic: Value<BTreeMap<String, i64>>,
    /// Deployment → percent of mirrored traffic; null leaves it alone.
    pub mirror_traffic: Value<BTreeMap<String, i64>>,
    /// The scoring URL.
    pub scoring_uri: Value<String>,
    /// The OpenAPI document's URL.
    pub swagger_uri: Value<String>,
    /// The provisioning state.
    pub provisioning_state: Value<String>,
}

/// The `identity` block.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct IdentityBlock {
    /// `SystemAssigned`, `UserAssigned` or `SystemAssigned,UserAssigned`.
    pub r#type: Value<String>,
    /// User-assigned identities' ARM IDs.
    pub identity_ids: Value<Vec<String>>,
    /// The system-assigned identity's principal.
    pub principal_id: Value<String>,
    /// The system-assigned identity's tenant.
    pub tenant_id: Value<String>,
}

type M = OnlineEndpointModel;

/// The type name.
pub const TYPE: &str = "aml_online_endpoint";

const AUTH_MODES: &[&str] = &["AMLToken", "Key", "AADToken"];
const IDENTITY_TYPES: &[&str] = &[
    "SystemAssigned",
    "UserAssigned",
    "SystemAssigned,UserAssigned",
];

/// The product's naming rule for online endpoints (stricter than the spec's pattern): 3 to 32
/// characters, letters, digits and hyphens, starting with a letter and ending with a letter or
/// digit. Names are unique per Azure region.
pub fn check_endpoint_name(n: &str) -> Result<(), String> {
    let fix = "Online endpoint names are 3 to 32 characters of letters, digits and hyphens, start with a \
               letter and end with a letter or digit (and are unique within an Azure region), e.g. \
               \"score-prod-1\".";
    let len = n.chars().count();
    if !(3..=32).contains(&len) {
        return Err(format!("{n:?} has {len} characters. {fix}"));
    }
    if let Some(c) = n
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!("{n:?} contains {c:?}. {fix}"));
    }
    if !n.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("{n:?} does not start with a letter. {fix}"));
    }
    if !n.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("{n:?} does not end with a letter or digit. {fix}"));
    }
    Ok(())
}

/// Traffic values are whole percentages (a fraction would not fit the model's integers).
fn check_whole_percentages(v: &cty::Value) -> Result<(), String> {
    if let cty::Value::Map(m) = v {
        for (k, x) in m {
            if let Some(n) = x.as_number() {
                if n.to_i64().is_none() {
                    return Err(format!(
                        "{k:?} = {n} is not a whole percentage: use whole numbers from 0 to 100."
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Checks a traffic map: whole percentages 0..=100 summing to exactly 100 (`traffic`, unless
/// empty) or at most 50 (`mirror_traffic`).
fn check_traffic(map: &BTreeMap<String, i64>, path: Path, mirror: bool, diags: &mut Diagnostics) {
    let name = if mirror { "mirror_traffic" } else { "traffic" };
    for (k, v) in map {
        if !(0..=100).contains(v) {
            diags.error_at(
                path.key(k),
                format!("{name}[{k:?}] = {v} is not a percentage"),
                "Traffic values are whole percentages from 0 to 100.",
            );
            return;
        }
    }
    let sum: i64 = map.values().sum();
    if mirror && sum > 50 {
        diags.error_at(
            path,
            format!("mirror_traffic adds up to {sum}%, more than 50%"),
            "The service mirrors at most 50% of an endpoint's traffic to its deployments. Lower the \
             percentages so that they add up to 50 or less.",
        );
    } else if !mirror && !map.is_empty() && sum != 100 {
        diags.error_at(
            path,
            format!("traffic adds up to {sum}%, not 100%"),
            "The live traffic of an endpoint is split between its deployments and must add up to exactly \
             100 (use 0 for a deployment that should get none). Leave traffic unset to let something else \
             (an ML pipeline, the CLI) manage it, or set it to {} for no traffic.",
        );
    }
}

/// The identity to send for the `identity` block (`None` without one).
fn identity_request(block: Option<&IdentityBlock>) -> Option<Identity> {
    let b = block?;
    let t = b.r#type.as_known()?;
    let ids = b.identity_ids.as_known().cloned().unwrap_or_default();
    Some(Identity::request(t, &ids))
}

/// The endpoint as state, from its ARM body.
fn to_state(id: &OnlineEndpointId, ep: OnlineEndpoint, prior: &M) -> M {
    let p = ep.properties;
    let id_text = match prior.id.as_known() {
        Some(old) if old.eq_ignore_ascii_case(id.as_ref()) => old.clone(),
        _ => id.to_string(),
    };
    let identity = ep.identity.filter(|i| !i.is_none()).map(|i| {
        let old = prior.identity.as_ref();
        let ids = i.identity_ids();
        let identity_ids = match old.map(|o| &o.identity_ids) {
            Some(Value::Known(o)) if same_ids(o, &ids) => Value::Known(o.clone()),
            Some(Value::Null) | None if ids.is_empty() => Value::Null,
            _ => Value::Known(ids),
        };
        IdentityBlock {
            r#type: keep_spelling(
                Value::Known(i.identity_type.clone()),
                &old.map_or(Value::Null, |o| o.r#type.clone()),
                identity_type_key,
            ),
            identity_ids,
            principal_id: known(i.principal_id),
            tenant_id: known(i.tenant_id),
        }
    });
    // Only the entries this resource set are state: the service may add its own.
    let properties = match &prior.properties {
        Value::Known(mine) => {
            let remote = p.properties.unwrap_or_default();
            Value::Known(
                remote
                    .into_iter()
                    .filter(|(k, _)| mine.contains_key(k))
                    .collect(),
            )
        }
        _ => Value::Null,
    };
    let managed = |v: &Value<BTreeMap<String, i64>>, remote: Option<BTreeMap<String, i64>>| {
        if v.is_null() {
            Value::Null
        } else {
            Value::Known(remote.unwrap_or_default())
        }
    };
    M {
        id: Value::Known(id_text),
        workspace_id: match &prior.workspace_id {
            Value::Known(w) => Value::Known(w.clone()),
            _ => Value::Known(id.workspace().to_string()),
        },
        name: match &prior.name {
            Value::Known(n) if n.eq_ignore_ascii_case(id.name()) => Value::Known(n.clone()),
            _ => Value::Known(id.name().to_string()),
        },
        location: keep_spelling(text(ep.location), &prior.location, pl::location_key),
        auth_mode: keep_spelling(text(p.auth_mode), &prior.auth_mode, pl::lower),
        public_network_access: keep_spelling(
            Value::Known(
                p.public_network_access
                    .unwrap_or_else(|| "Enabled".to_string()),
            ),
            &prior.public_network_access,
            pl::lower,
        ),
        description: text(p.description),
        tags: tags_state(ep.tags, &prior.tags),
        identity,
        properties,
        traffic: managed(&prior.traffic, p.traffic),
        mirror_traffic: managed(&prior.mirror_traffic, p.mirror_traffic),
        scoring_uri: text(p.scoring_uri),
        swagger_uri: text(p.swagger_uri),
        provisioning_state: text(p.provisioning_state),
    }
}

fn identity_type_key(s: &str) -> String {
    s.to_ascii_lowercase().replace([' ', ','], "")
}

fn same_ids(a: &[String], b: &[String]) -> bool {
    let key = |v: &[String]| {
        let mut k: Vec<String> = v.iter().map(|s| s.to_ascii_lowercase()).collect();
        k.sort();
        k
    };
    key(a) == key(b)
}

/// The endpoint's ID from the model.
fn endpoint_id(m: &M) -> Result<OnlineEndpointId, Error> {
    if let Value::Known(id) = &m.id {
        return OnlineEndpointId::parse_lenient(id)
            .map_err(|e| Error::new(e.message).at(attr(M::ID)));
    }
    let ws = workspace_id(&m.workspace_id)?;
    Ok(ws.online_endpoint(m.name.as_known().map_or("", String::as_str)))
}

/// Whether anything but tags and identity differs (then a PUT is needed).
fn needs_put(prior: &M, planned: &M) -> bool {
    prior.auth_mode != planned.auth_mode
        || prior.public_network_access != planned.public_network_access
        || prior.description != planned.description
        || prior.properties != planned.properties
        || (!planned.traffic.is_null() && prior.traffic != planned.traffic)
        || (!planned.mirror_traffic.is_null() && prior.mirror_traffic != planned.mirror_traffic)
}

/// Waits until the endpoint written by `r` is `Succeeded`; `Failed` or `Canceled` fail with the
/// endpoint recorded as partial state.
async fn settle(
    arm: &Arm<'_>,
    id: &OnlineEndpointId,
    r: Response,
    planned: &M,
    doing: &str,
) -> Result<M, Error> {
    let state_of = |r: Option<&Response>| -> Option<String> {
        r.and_then(|r| r.body.pointer("/properties/provisioningState"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let check = |r: Option<&Response>| match r {
        None => Wait::Fail(None),
        Some(resp) => match state_of(Some(resp)).as_deref() {
            Some("Succeeded") | None => Wait::Done(resp.clone()),
            Some("Failed") | Some("Canceled") => Wait::Fail(Some(resp.clone())),
            _ => Wait::Pending,
        },
    };
    match arm.wait_until(id, ML, arm.deadline(), Some(r), check).await {
        Ok(r) => Ok(to_state(id, parse(&r.body)?, planned)),
        Err(WaitError::Arm(e)) => Err(e).doing(doing),
        Err(WaitError::Failed(None)) => Err(Error::new(format!(
            "{doing}: the endpoint disappeared while it was provisioning"
        ))),
        Err(WaitError::Failed(Some(r))) | Err(WaitError::TimedOut { last: Some(r) }) => {
            let s = state_of(Some(&r)).unwrap_or_default();
            Err(Error::new(format!("{doing}: the endpoint's provisioning state is {s}"))
                .detail(
                    "The endpoint was recorded in the state as it is (tainted, so the next apply replaces it). \
                     Raise the timeouts if Azure is slow; see the endpoint's activity log for a failure.",
                )
                .with_partial(to_state(id, parse(&r.body)?, planned)))
        }
        Err(WaitError::TimedOut { last: None }) => Err(Error::new(format!(
            "{doing}: the endpoint could not be read before the time limit"
        ))),
    }
}

/// The error of a failed write, with the endpoint as it is now as partial state (if it exists).
async fn failed_write(
    arm: &Arm<'_>,
    id: &OnlineEndpointId,
    e: crate::arm::ArmError,
    planned: &M,
    doing: &str,
) -> Error {
    let lro_failed = e.kind == ErrorKind::LroFailed;
    let mut err = Error::from(e).context(doing);
    if lro_failed {
        if let Ok(Some(r)) = arm.get(id, ML).await {
            if let Ok(ep) = parse::<OnlineEndpoint>(&r.body) {
                err.detail = format!(
                    "{} The endpoint was recorded in the state as it is now (provisioning state {}), tainted, \
                     so the next apply replaces it.",
                    err.detail,
                    ep.properties.provisioning_state.as_deref().unwrap_or("unknown")
                )
                .trim()
                .to_string();
                err = err.with_partial(to_state(id, ep, planned));
            }
        }
    }
    err
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for OnlineEndpointResource {
    type Model = M;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let identity = Block::new("The endpoint's managed identity, used by its deployments to pull images and read models.")
            .attribute(
                Attribute::required(
                    "type",
                    Type::String,
                    "`SystemAssigned`, `UserAssigned` or `SystemAssigned,UserAssigned`. Remove the block for none.",
                )
                .validate(Validator::OneOf(IDENTITY_TYPES)),
            )
            .attribute(Attribute::optional(
                "identity_ids",
                Type::list(Type::String),
                "The ARM IDs of the user-assigned identities (with `UserAssigned`).",
            ))
            .attribute(
                Attribute::computed("principal_id", Type::String, "The principal ID of the system-assigned identity.")
                    .stable(),
            )
            .attribute(
                Attribute::computed("tenant_id", Type::String, "The tenant of the system-assigned identity.").stable(),
            );
        let block = Block::new(
            "A managed online endpoint of an Azure Machine Learning workspace: the stable scoring URL in front of \
             the endpoint's deployments, with its authentication mode and its own public network access.\n\n\
             With `public_network_access = \"Disabled\"` scoring requests reach the endpoint only through the \
             workspace's private endpoint (a *secured* managed online endpoint). Plan reads the workspace and \
             checks the combination: an Enabled endpoint on a workspace whose public access is Disabled is not \
             supported (error, unless an `aml_workspace_network_access` in the same plan enables it); the \
             workspace's IP rules also decide who reaches an Enabled endpoint (warning); deployments cannot be \
             created until the workspace's managed network is provisioned (warning, see \
             `aml_workspace_managed_network`); v1 legacy mode prevents network isolation (warning).\n\n\
             Tags and identity are updated with a PATCH; any other change is a full PUT of the endpoint as read, \
             so traffic and settings this resource does not manage are kept. Create and update wait until the \
             endpoint is `Succeeded`; a `Failed` endpoint fails the apply with the service's message and is \
             recorded as tainted. The endpoint's keys are never requested or stored.",
        )
        .attribute(Attribute::id("The endpoint's ARM ID."))
        .attribute(
            Attribute::required("workspace_id", Type::String, "The ARM ID of the workspace.")
                .requires_replace()
                .case_insensitive()
                .validate(Validator::Str(check_workspace_id)),
        )
        .attribute(
            Attribute::required(
                "name",
                Type::String,
                "The endpoint name: 3 to 32 letters, digits and hyphens, starting with a letter and ending with a \
                 letter or digit; unique within the Azure region. Part of the scoring URL.",
            )
            .requires_replace()
            .validate(Validator::Str(check_endpoint_name)),
        )
        .attribute(
            Attribute::optional_computed(
                "location",
                Type::String,
                "The Azure region; defaults to the workspace's (read at plan time). Changing it replaces the endpoint.",
            )
            .requires_replace()
            .stable(),
        )
        .attribute(
            Attribute::optional(
                "auth_mode",
                Type::String,
                "How clients authenticate: `Key` (keys, the CLI's default), `AMLToken` (Azure ML tokens) or \
                 `AADToken` (Microsoft Entra tokens).",
            )
            .default(cty::Value::String("Key".into()))
            .validate(Validator::OneOf(AUTH_MODES)),
        )
        .attribute(
            Attribute::optional(
                "public_network_access",
                Type::String,
                "`Enabled` (scoring over the public URL, subject to the workspace's IP rules) or `Disabled` (only \
                 through the workspace's private endpoint).",
            )
            .default(cty::Value::String("Enabled".into()))
            .validate(Validator::OneOf(&["Enabled", "Disabled"])),
        )
        .attribute(Attribute::optional("description", Type::String, "A description of the endpoint."))
        .attribute(Attribute::optional("tags", Type::map(Type::String), "Tags; updated in place."))
        .attribute(Attribute::optional(
            "properties",
            Type::map(Type::String),
            "Extra string properties. The service lets entries be added but never removed or altered: removing or \
             changing an entry replaces the endpoint (plan warns). Entries the service adds itself are not \
             shown.",
        ))
        .attribute(
            Attribute::optional(
                "traffic",
                Type::map(Type::Number),
                "Deployment name → percent of live traffic, whole numbers adding up to 100 (`{}` for none). Leave \
                 it unset to let something else (an ML pipeline, the CLI) manage traffic: it is then never changed \
                 or shown as drift.",
            )
            .validate(Validator::Custom(check_whole_percentages)),
        )
        .attribute(
            Attribute::optional(
                "mirror_traffic",
                Type::map(Type::Number),
                "Deployment name → percent of traffic mirrored to it, whole numbers adding up to at most 50. Unset: \
                 not managed.",
            )
            .validate(Validator::Custom(check_whole_percentages)),
        )
        .attribute(
            Attribute::computed("scoring_uri", Type::String, "The URL that scoring requests go to.").stable(),
        )
        .attribute(
            Attribute::computed("swagger_uri", Type::String, "The URL of the endpoint's OpenAPI document.").stable(),
        )
        .attribute(Attribute::computed(
            "provisioning_state",
            Type::String,
            "`Succeeded` after a successful apply; `Failed` when provisioning failed.",
        ))
        .block(NestedBlock::new("identity", Nesting::Single, identity));
        Schema::new(block)
    }

    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(60, 5, 60, 60)
    }

    fn import_doc(&self) -> &'static str {
        "Import an online endpoint by its ARM ID: the workspace ID, `/onlineEndpoints/`, and the endpoint name \
         (`az ml online-endpoint show -n <name> -g <rg> -w <workspace> --query id`). `traffic`, \
         `mirror_traffic` and `properties` are not imported: set them in the configuration to manage them."
    }

    fn validate(&self, config: &M, diags: &mut Diagnostics) {
        if let Value::Known(t) = &config.traffic {
            check_traffic(t, attr(M::TRAFFIC), false, diags);
        }
        if let Value::Known(t) = &config.mirror_traffic {
            check_traffic(t, attr(M::MIRROR_TRAFFIC), true, diags);
        }
        if let Some(Value::Known(t)) = config.identity.as_ref().map(|i| &i.r#type) {
            let ids = &config
                .identity
                .as_ref()
                .map_or(Value::Null, |i| i.identity_ids.clone());
            let user = t.contains("UserAssigned");
            let path = attr(M::IDENTITY).attr(IdentityBlock::IDENTITY_IDS);
            match ids {
                Value::Known(v) if !v.is_empty() && !user => diags.error_at(
                    path,
                    "identity_ids needs a UserAssigned identity type",
                    format!("identity_ids is set but type is {t:?}: use \"UserAssigned\" or \"SystemAssigned,UserAssigned\"."),
                ),
                Value::Null if user => diags.error_at(
                    path,
                    "a UserAssigned identity needs identity_ids",
                    "List the ARM IDs of the user-assigned identities in identity_ids.",
                ),
                Value::Known(v) if v.is_empty() && user => diags.error_at(
                    path,
                    "a UserAssigned identity needs identity_ids",
                    "List the ARM IDs of the user-assigned identities in identity_ids.",
                ),
                _ => {}
            }
        }
    }

    async fn plan(&self, ctx: &Ctx<'_>, plan: &mut TypedPlan<M>) -> Result<(), Error> {
        // A location that differs from the prior one only in spelling is the same region.
        if let (Some(p), Value::Known(c)) = (plan.prior.as_ref(), &plan.config.location) {
            if let Value::Known(old) = &p.location {
                if pl::location_key(old) == pl::location_key(c) {
                    plan.planned.location = p.location.clone();
                    let path = attr(M::LOCATION);
                    plan.requires_replace.retain(|x| *x != path);
                }
            }
        }
        // Properties can be added to, not removed from or altered.
        if let Some(p) = plan.prior.as_ref() {
            if let Value::Known(old) = &p.properties {
                let new = match &plan.planned.properties {
                    Value::Known(n) => Some(n.clone()),
                    Value::Null => Some(BTreeMap::new()),
                    Value::Unknown => None,
                };
                if let Some(new) = new {
                    let lost: Vec<String> = old
                        .iter()
                        .filter(|(k, v)| new.get(*k) != Some(*v))
                        .map(|(k, _)| k.clone())
                        .collect();
                    if !lost.is_empty() {
                        let path = attr(M::PROPERTIES);
                        if !plan.requires_replace.contains(&path) {
                            plan.requires_replace.push(path.clone());
                        }
                        plan.diagnostics.warning_at(
                            path,
                            "Removing or changing endpoint properties replaces the endpoint",
                            format!(
                                "The service lets entries of an online endpoint's properties be added but never removed \
                                 or altered, so the change to {} deletes the endpoint and creates it again (with a new \
                                 scoring URL key, and without its deployments). Keep the entries as they are to update \
                                 in place.",
                                lost.join(", ")
                            ),
                        );
                    }
                }
            }
        }
        // The identity's service-assigned IDs change with its type.
        let prior_type = plan
            .prior
            .as_ref()
            .and_then(|p| p.identity.as_ref())
            .map(|i| i.r#type.clone());
        let replacing = plan.prior.is_some() && !plan.requires_replace.is_empty();
        if let Some(i) = plan.planned.identity.as_mut() {
            let same = prior_type.as_ref().is_some_and(|t| {
                matches!((t, &i.r#type), (Value::Known(a), Value::Known(b)) if identity_type_key(a) == identity_type_key(b))
            });
            if !same || replacing {
                i.principal_id = Value::Unknown;
                i.tenant_id = Value::Unknown;
            }
        }

        // Checks against the live workspace: on create, and when the public access or the
        // workspace changes.
        let changes_access = match plan.prior.as_ref() {
            None => true,
            Some(p) => {
                p.public_network_access != plan.planned.public_network_access
                    || p.workspace_id != plan.planned.workspace_id
            }
        };
        let needs_location = plan.planned.location.is_unknown() && plan.config.location.is_null();
        if !changes_access && !needs_location {
            return Ok(());
        }
        let Some(ws) = plan
            .planned
            .workspace_id
            .as_known()
            .and_then(|w| WorkspaceId::parse(w).ok())
        else {
            return Ok(());
        };
        let arm = ctx.arm().await?;
        let Some(found) = arm
            .get(&ws, ML_NETWORK_ACLS)
            .await
            .doing(format!("reading workspace {ws}"))?
        else {
            return Ok(());
        };
        let w: WorkspaceForEndpoint = parse(&found.body)?;
        if needs_location {
            if let Some(l) = w.location.clone() {
                plan.planned.location = Value::Known(l);
            }
        }
        if !changes_access {
            return Ok(());
        }
        let facts = ctx.client.plan_facts();
        let pna_path = attr(M::PUBLIC_NETWORK_ACCESS);
        let ws_path = attr(M::WORKSPACE_ID);
        if w.v1_legacy_mode() {
            plan.diagnostics.warning_at(
                ws_path.clone(),
                "The workspace is in v1 legacy mode",
                format!(
                    "Workspace {ws} has v1_legacy_mode = true, which prevents the network isolation of managed online \
                     endpoints: public_network_access = \"Disabled\" and the managed network do not apply to this \
                     endpoint. Turn v1 legacy mode off on the workspace (az ml workspace update --v1-legacy-mode false)."
                ),
            );
        }
        if let Some(mode) = w.unprovisioned_managed_network() {
            if !facts.provisioning_planned(&ws) {
                plan.diagnostics.warning_at(
                    ws_path,
                    "The workspace's managed network is not provisioned yet",
                    format!(
                        "Workspace {ws} has a managed network ({mode}) that is not provisioned. The endpoint can be \
                         created, but its deployments cannot until the network is provisioned. Manage it with an \
                         aml_workspace_managed_network resource (provision = true provisions it and waits until it is \
                         Active), or run az ml workspace provision-network."
                    ),
                );
            }
        }
        let Some(pna) = plan.planned.public_network_access.as_known().cloned() else {
            return Ok(());
        };
        let planned_ws = facts.planned_public_network_access(&ws);
        let ws_access = planned_ws
            .as_deref()
            .or(w.public_network_access())
            .unwrap_or("Enabled");
        if pna == "Enabled" && ws_access.eq_ignore_ascii_case("Disabled") {
            plan.diagnostics.error_at(
                pna_path.clone(),
                "An endpoint with public access on a workspace without public access is not supported",
                format!(
                    "Workspace {ws} has public network access Disabled, and Azure ML does not support an online \
                     endpoint with public_network_access = \"Enabled\" on it. Set public_network_access = \"Disabled\" \
                     (scoring then goes through the workspace's private endpoint), or enable the workspace's public \
                     access in the same configuration with an aml_workspace_network_access resource \
                     (public_network_access = \"Enabled\") that this endpoint refers to (workspace_id = \
                     aml_workspace_network_access.<name>.workspace_id), so that it is planned and applied first."
                ),
            );
            return Ok(());
        }
        // Without public access on the workspace its IP rules admit nobody, endpoint or not.
        let rules = w.ip_rules();
        if !rules.is_empty() && !ws_access.eq_ignore_ascii_case("Disabled") {
            let shown = if rules.len() > 5 {
                format!("{}, … ({} in all)", rules[..5].join(", "), rules.len())
            } else {
                rules.join(", ")
            };
            if pna == "Enabled" {
                plan.diagnostics.warning_at(
                    pna_path,
                    "The endpoint admits only the workspace's IP rules",
                    format!(
                        "Workspace {ws} has IP rules ({shown}). An online endpoint with public access Enabled respects \
                         them too: its public scoring URL admits only those addresses. Add the clients' addresses as \
                         aml_network_rule resources, or set public_network_access = \"Disabled\" to score through the \
                         workspace's private endpoint only."
                    ),
                );
            } else {
                plan.diagnostics.warning_at(
                    pna_path,
                    "The endpoint admits none of the workspace's IP rules",
                    format!(
                        "Workspace {ws} admits the addresses of its IP rules ({shown}), but an online endpoint with public \
                         access Disabled admits none of them: scoring goes only through the workspace's private \
                         endpoint. Set public_network_access = \"Enabled\" if those addresses must score."
                    ),
                );
            }
        }
        Ok(())
    }

    async fn existing(&self, ctx: &Ctx<'_>, planned: &M) -> Result<Option<String>, Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(planned)?;
        existing_id(&arm, &id, ML, "online endpoint").await
    }

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(planned)?;
        let location = match planned.location.as_known() {
            Some(l) => l.clone(),
            None => {
                let ws = id.workspace();
                let found = arm
                    .get(&ws, ML)
                    .await
                    .doing(format!("reading workspace {ws}"))?
                    .ok_or_else(|| {
                        Error::new(format!("workspace {ws} does not exist"))
                            .at(attr(M::WORKSPACE_ID))
                    })?;
                parse::<WorkspaceForEndpoint>(&found.body)?
                    .location
                    .unwrap_or_default()
            }
        };
        let body = OnlineEndpoint {
            location: Some(location),
            tags: Some(tags_body(&planned.tags)),
            identity: identity_request(planned.identity.as_ref()),
            properties: OnlineEndpointProperties {
                auth_mode: planned.auth_mode.as_known().cloned(),
                public_network_access: planned.public_network_access.as_known().cloned(),
                description: planned.description.as_known().cloned(),
                properties: planned.properties.as_known().cloned(),
                traffic: planned.traffic.as_known().cloned(),
                mirror_traffic: planned.mirror_traffic.as_known().cloned(),
                ..OnlineEndpointProperties::default()
            },
            ..OnlineEndpoint::default()
        };
        let doing = format!("creating online endpoint {id}");
        match arm.put(&id, ML, &body).await {
            Ok(r) => settle(&arm, &id, r, planned, &doing).await,
            Err(e) => Err(failed_write(&arm, &id, e, planned, &doing).await),
        }
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(state)?;
        let found = arm
            .get(&id, ML)
            .await
            .doing(format!("reading online endpoint {id}"))?;
        found
            .map(|r| Ok(to_state(&id, parse(&r.body)?, state)))
            .transpose()
    }

    async fn update(&self, ctx: &Ctx<'_>, prior: &M, planned: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(prior)?;
        let removing_identity = planned.identity.is_none() && prior.identity.is_some();
        let identity = identity_request(planned.identity.as_ref())
            .or_else(|| removing_identity.then(|| Identity::request("None", &[])));
        if !needs_put(prior, planned) {
            let doing = format!("updating the tags and identity of online endpoint {id}");
            let body = OnlineEndpointPatch {
                tags: tags_body(&planned.tags),
                identity,
            };
            return match arm.patch(&id, ML, &body).await {
                Ok(r) => settle(&arm, &id, r, planned, &doing).await,
                Err(e) => Err(failed_write(&arm, &id, e, planned, &doing).await),
            };
        }
        let doing = format!("updating online endpoint {id}");
        let found = arm
            .get(&id, ML)
            .await
            .doing(format!("reading online endpoint {id}"))?
            .ok_or_else(|| {
                Error::new(format!("{doing}: the endpoint no longer exists"))
                    .detail("Run `terraform plan` again: it will be created anew.")
            })?;
        let mut ep: OnlineEndpoint = parse(&found.body)?;
        ep.tags = Some(tags_body(&planned.tags));
        match identity {
            Some(i) => ep.identity = Some(i),
            None => {
                // Keep what the service has, without its read-only IDs.
                ep.identity = ep
                    .identity
                    .map(|i| Identity::request(&i.identity_type, &i.identity_ids()));
            }
        }
        let p = &mut ep.properties;
        p.auth_mode = planned.auth_mode.as_known().cloned();
        p.public_network_access = planned.public_network_access.as_known().cloned();
        p.description = planned.description.as_known().cloned();
        if let Value::Known(mine) = &planned.properties {
            let mut all = p.properties.take().unwrap_or_default();
            all.extend(mine.clone());
            p.properties = Some(all);
        }
        if let Value::Known(t) = &planned.traffic {
            p.traffic = Some(t.clone());
        }
        if let Value::Known(t) = &planned.mirror_traffic {
            p.mirror_traffic = Some(t.clone());
        }
        match arm.put(&id, ML, &ep).await {
            Ok(r) => settle(&arm, &id, r, planned, &doing).await,
            Err(e) => Err(failed_write(&arm, &id, e, planned, &doing).await),
        }
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let arm = ctx.arm().await?;
        let id = endpoint_id(state)?;
        arm.delete(&id, ML)
            .await
            .doing(format!("deleting online endpoint {id}"))
    }

    fn import(&self, id: &str) -> Result<M, Error> {
        let id = OnlineEndpointId::parse(id).map_err(|e| {
            Error::new(format!("invalid {TYPE} import ID"))
                .detail(format!("Expected an online endpoint ARM ID: {}", e.message))
        })?;
        let mut stub = M::from_value(&cty::Value::Null);
        stub.id = Value::Known(id.to_string());
        stub.workspace_id = Value::Known(id.workspace().to_string());
        stub.name = Value::Known(id.name().to_string());
        Ok(stub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_follow_the_product_rule() {
        for ok in ["abc", "score-prod-1", "A1b", &"a".repeat(32)] {
            assert_eq!(check_endpoint_name(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("ab", "2 characters"),
            (&"a".repeat(33) as &str, "33 characters"),
            ("1abc", "start with a letter"),
            ("abc-", "end with a letter or digit"),
            ("ab_c", "contains '_'"),
            ("ab.c", "contains '.'"),
        ] {
            let e = check_endpoint_name(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(e.contains("3 to 32 characters"), "{e}");
        }
    }

    #[test]
    fn traffic_sums_are_checked() {
        let m = |v: &[(&str, i64)]| {
            v.iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        let errs = |v: &[(&str, i64)], mirror: bool| {
            let mut d = Diagnostics::new();
            check_traffic(&m(v), attr("traffic"), mirror, &mut d);
            d.iter().map(|d| d.summary.clone()).collect::<Vec<_>>()
        };
        assert!(errs(&[("blue", 60), ("green", 40)], false).is_empty());
        assert!(errs(&[], false).is_empty());
        assert_eq!(
            errs(&[("blue", 60), ("green", 30)], false),
            vec!["traffic adds up to 90%, not 100%"]
        );
        assert_eq!(
            errs(&[("blue", 101)], false),
            vec!["traffic[\"blue\"] = 101 is not a percentage"]
        );
        assert!(errs(&[("blue", 50)], true).is_empty());
        assert!(errs(&[], true).is_empty());
        assert_eq!(
            errs(&[("blue", 30), ("green", 30)], true),
            vec!["mirror_traffic adds up to 60%, more than 50%"]
        );
        let map = |x: f64| {
            cty::Value::Map(BTreeMap::from([(
                "blue".to_string(),
                cty::Value::Number(cty::Number::from_f64(x).unwrap()),
            )]))
        };
        assert_eq!(check_whole_percentages(&map(100.0)), Ok(()));
        assert!(check_whole_percentages(&map(50.5))
            .unwrap_err()
            .contains("not a whole percentage"));
    }

    #[test]
    fn state_keeps_only_managed_entries_and_unmanaged_traffic_stays_null() {
        let id = OnlineEndpointId::parse(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/ep1",
        )
        .unwrap();
        let ep: OnlineEndpoint = serde_json::from_value(serde_json::json!({
            "location": "eastus",
            "identity": {"type": "SystemAssigned", "principalId": "p", "tenantId": "t"},
            "properties": {"authMode": "key", "properties": {"mine": "1", "service": "x"}, "traffic": {"blue": 100},
                           "provisioningState": "Succeeded", "keys": null}
        }))
        .unwrap();
        let mut prior = M::from_value(&cty::Value::Null);
        prior.auth_mode = Value::Known("Key".into());
        prior.location = Value::Known("East US".into());
        prior.properties = Value::Known(BTreeMap::from([("mine".to_string(), "1".to_string())]));
        let s = to_state(&id, ep.clone(), &prior);
        assert_eq!(s.auth_mode, Value::Known("Key".into()));
        assert_eq!(s.location, Value::Known("East US".into()));
        assert_eq!(s.properties, prior.properties);
        assert_eq!(s.traffic, Value::Null, "unmanaged traffic is not state");
        assert_eq!(s.public_network_access, Value::Known("Enabled".into()));
        assert_eq!(s.workspace_id, Value::Known(id.workspace().to_string()));
        let i = s.identity.unwrap();
        assert_eq!(i.principal_id, Value::Known("p".into()));
        assert_eq!(i.identity_ids, Value::Null);
        prior.traffic = Value::Known(BTreeMap::new());
        let s = to_state(&id, ep, &prior);
        assert_eq!(
            s.traffic,
            Value::Known(BTreeMap::from([("blue".to_string(), 100)]))
        );
        assert_eq!(s.mirror_traffic, Value::Null);
    }
}
