//! Microsoft.MachineLearningServices managed online endpoints, their `deployments`, and the
//! workspace `computes` they build on. Endpoints and deployments follow the ML "MFE" contract
//! (spec `mfe.json`): PUT answers 201/200 with the document in `Creating`/`Updating` and an
//! `Azure-AsyncOperation` URL (final state via the original URI); PATCH and DELETE answer
//! 202 with `Location`. An endpoint PATCH accepts only `tags` and `identity`; `keys` are write-only;
//! `scoringUri` and `swaggerUri` are computed; endpoint names are unique per region across
//! workspaces; `traffic` and `mirrorTraffic` may only name existing deployments. Computes are
//! stored synchronously (enough to seed them and to name one in `imageBuildCompute`).

use super::registry::{Family, TypeHooks};
use super::{check_busy, check_conditions, not_found, page_with, with_etag, AsyncOp, Ctx};
use crate::app::{ids as fixed, App};
use crate::errors::{ArmError, ArmResult};
use crate::ids::{key_of, ResPath};
use crate::lro::{Done, Style};
use crate::reply::Reply;
use crate::routes::generic::new_id;
use crate::state::{new_etag, norm_location, system_data, Extra, Res, World};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Type key of online endpoints.
pub const EP_TKEY: &str = "microsoft.machinelearningservices/workspaces/onlineendpoints";
/// Type key of online deployments.
pub const DEP_TKEY: &str =
    "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments";
/// Type key of workspace computes.
pub const COMPUTE_TKEY: &str = "microsoft.machinelearningservices/workspaces/computes";

const EP_TYPE: &str = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";
const DEP_TYPE: &str = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments";
const AUTH_MODES: &[&str] = &["AMLToken", "Key", "AADToken"];
const ENDPOINT_COMPUTE_TYPES: &[&str] = &["Managed", "Kubernetes", "AzureMLCompute"];
const COMPUTE_TYPES: &[&str] = &[
    "AKS",
    "Kubernetes",
    "AmlCompute",
    "ComputeInstance",
    "DataFactory",
    "VirtualMachine",
    "HDInsight",
    "Databricks",
    "DataLakeAnalytics",
    "SynapseSpark",
];
/// Read-only endpoint properties: what a request sends there is ignored.
const EP_READ_ONLY: &[&str] = &["provisioningState", "scoringUri", "swaggerUri", "keys"];

/// Online endpoints, deployments and computes in the registry (ahead of the workspace family).
pub const FAMILY: Family = Family {
    owns: owns_type,
    write,
    list: Some(list),
    types: &[
        TypeHooks {
            view: Some(view_endpoint),
            ..TypeHooks::new(EP_TKEY)
        },
        TypeHooks::new(DEP_TKEY),
        TypeHooks::new(COMPUTE_TKEY),
    ],
    composed_children: &[],
};

fn owns_type(tk: &str) -> bool {
    tk == EP_TKEY || tk == DEP_TKEY || tk == COMPUTE_TKEY
}

/// GET view of an endpoint: `keys` is write-only and always returned as null.
fn view_endpoint(_w: &World, r: &Res, _api: &str) -> Value {
    let mut d = r.doc.clone();
    if d.get("properties").map(Value::is_object).unwrap_or(false) {
        d["properties"]["keys"] = Value::Null;
    }
    d
}

/// The endpoint list honours the spec's `count` (page size) and `name` filter.
fn list(
    app: &App,
    w: &World,
    ctx: &Ctx,
    parent: &str,
    tk: &str,
    tail: &str,
) -> Option<ArmResult<Reply>> {
    if tk != EP_TKEY {
        return None;
    }
    let name = ctx.query.get("name").filter(|n| !n.is_empty());
    let items: Vec<Value> = w
        .children(parent, tail)
        .into_iter()
        .filter(|r| {
            name.map(|n| r.doc["name"].as_str().unwrap_or("").eq_ignore_ascii_case(n))
                .unwrap_or(true)
        })
        .map(|r| super::view(w, r, &ctx.api))
        .collect();
    let count = ctx
        .query
        .get("count")
        .or_else(|| ctx.query.get("$top"))
        .and_then(|v| v.parse::<usize>().ok());
    Some(Ok(page_with(app, ctx, items, count)))
}

/// Entry point for endpoint, deployment and compute writes.
pub fn write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath, tk: &str) -> ArmResult<Reply> {
    if let Some(tail) = &p.tail {
        return Err(ArmError::bad_request(
            "InvalidResourceType",
            format!("The action '{tail}' is not supported by the emulator."),
        ));
    }
    match tk {
        EP_TKEY => endpoint_write(app, w, ctx, p),
        DEP_TKEY => deployment_write(app, w, ctx, p),
        _ => compute_write(w, ctx, p),
    }
}

fn bad(msg: impl Into<String>) -> ArmError {
    ArmError::bad_request("BadRequest", msg)
}

fn canon_of(v: &str, allowed: &[&str]) -> Option<String> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(v))
        .map(|a| a.to_string())
}

/// The product's naming rule for online endpoints and deployments: 3 to 32 characters,
/// letters, digits and hyphens, starting with a letter and ending with a letter or digit.
pub fn valid_endpoint_name(n: &str) -> bool {
    let b = n.as_bytes();
    (3..=32).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

fn name_error(kind: &str, n: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidResourceName",
        format!("The {kind} name '{n}' is invalid. It must be 3 to 32 characters long, begin with a letter, end with a letter or digit, and contain only letters, digits and hyphens ('-')."),
    )
    .with_target("name")
}

/// The region of a new child: the body's `location`, else its parent's.
fn region_of(body: &Value, parent: Option<&Res>) -> String {
    body.get("location")
        .and_then(Value::as_str)
        .map(norm_location)
        .or_else(|| {
            parent.and_then(|p| {
                p.doc
                    .get("location")
                    .and_then(Value::as_str)
                    .map(String::from)
            })
        })
        .unwrap_or_else(|| "eastus".into())
}

/// `identity` with its service-assigned ids; ids of an unchanged identity are kept.
pub fn fill_identity(identity: &Value, old: Option<&Value>) -> Value {
    let mut id = identity.clone();
    let t = id
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("None")
        .to_string();
    if t.contains("SystemAssigned") {
        let keep = old
            .filter(|o| {
                o.get("type")
                    .and_then(Value::as_str)
                    .map(|t| t.contains("SystemAssigned"))
                    .unwrap_or(false)
            })
            .and_then(|o| o.get("principalId").cloned())
            .filter(|v| v.is_string());
        id["principalId"] = keep.unwrap_or_else(|| json!(uuid::Uuid::new_v4().to_string()));
        id["tenantId"] = json!(fixed::TENANT_ID);
    }
    if let Some(uais) = id
        .get_mut("userAssignedIdentities")
        .and_then(Value::as_object_mut)
    {
        for (k, v) in uais.iter_mut() {
            let kept = old
                .and_then(|o| o.pointer("/userAssignedIdentities"))
                .and_then(Value::as_object)
                .and_then(|m| m.get(k))
                .filter(|x| x.get("principalId").is_some())
                .cloned();
            *v = kept.unwrap_or_else(|| json!({"principalId": uuid::Uuid::new_v4().to_string(), "clientId": uuid::Uuid::new_v4().to_string()}));
        }
    }
    id
}

/// `https://{name}.{region}.inference.ml.azure.com/score` and `/swagger.json`.
fn uris(name: &str, region: &str) -> (String, String) {
    let host = format!(
        "https://{}.{region}.inference.ml.azure.com",
        name.to_ascii_lowercase()
    );
    (format!("{host}/score"), format!("{host}/swagger.json"))
}

/// Completes a seeded endpoint, deployment or compute document: computed URIs, a terminal
/// provisioning state, service-assigned identity ids; `keys` are never stored.
pub fn complete_seeded(tkey: &str, doc: &mut Value) {
    if !doc.get("properties").map(Value::is_object).unwrap_or(false) {
        doc["properties"] = json!({});
    }
    if let Some(o) = doc["properties"].as_object_mut() {
        o.remove("keys");
        o.entry("provisioningState")
            .or_insert_with(|| json!("Succeeded"));
    }
    if tkey == EP_TKEY {
        let name = doc["name"].as_str().unwrap_or("").to_string();
        let region = doc["location"].as_str().unwrap_or("eastus").to_string();
        let (score, swagger) = uris(&name, &region);
        let p = doc["properties"]
            .as_object_mut()
            .expect("properties object");
        p.entry("scoringUri").or_insert_with(|| json!(score));
        p.entry("swaggerUri").or_insert_with(|| json!(swagger));
        p.entry("traffic").or_insert_with(|| json!({}));
        p.entry("publicNetworkAccess")
            .or_insert_with(|| json!("Enabled"));
    }
    if let Some(i) = doc.get("identity").cloned() {
        if i.is_object() {
            doc["identity"] = fill_identity(&i, Some(&i));
        }
    }
    if doc.get("systemData").is_none() {
        doc["systemData"] = system_data(None, fixed::CLIENT_ID);
    }
}

/// PATCH bodies: only the listed top-level members exist in the spec's update model; any
/// other member is refused the way ARM refuses an unknown member.
fn check_patch_members(body: &Value, allowed: &[&str], model: &str) -> ArmResult<()> {
    if let Some(o) = body.as_object() {
        if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(ArmError::invalid_content(format!(
                "The request content was invalid and could not be deserialized: 'Could not find member '{k}' on object of type '{model}'. Path '{k}'.'. Only {} can be updated with PATCH; change other properties with a PUT of the whole resource.",
                allowed.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" and ")
            ))
            .with_target(k.clone()));
        }
    }
    Ok(())
}

/// PATCH of an endpoint or deployment: merges `tags` (replaced) and the other allowed
/// members, then runs an `Updating` operation answered by 202 + `Location`.
fn patch_child(
    app: &Arc<App>,
    w: &mut World,
    ctx: &Ctx,
    p: &ResPath,
    existing: Res,
    allowed: &[&str],
    model: &str,
) -> ArmResult<Reply> {
    let body = ctx.json()?;
    check_patch_members(&body, allowed, model)?;
    let key = p.key();
    let mut r = existing;
    for k in allowed {
        match (*k, body.get(*k)) {
            (_, None) => {}
            ("identity", Some(i)) => {
                let old = r.doc.get("identity").cloned();
                r.doc["identity"] = fill_identity(i, old.as_ref());
            }
            (k, Some(v)) => r.doc[k] = v.clone(),
        }
    }
    r.doc["systemData"] = system_data(r.doc.get("systemData"), fixed::CLIENT_ID);
    crate::routes::set_state(&mut r.doc, "Updating");
    r.etag = new_etag(&r.tkey);
    let region = r.doc["location"].as_str().unwrap_or("eastus").to_string();
    w.put(r);
    let h = AsyncOp::new(Style::MlMfe, &key, &key, &region, Done::Succeed).start(app, w, ctx, p);
    Ok(Reply::empty(202).headers(h))
}

/// DELETE of an endpoint or deployment: 204 if absent, else `Deleting` and 202 + `Location`.
fn delete_child(
    app: &Arc<App>,
    w: &mut World,
    ctx: &Ctx,
    p: &ResPath,
    existing: Option<Res>,
) -> ArmResult<Reply> {
    let Some(r) = existing else {
        return Ok(Reply::empty(204));
    };
    let key = p.key();
    if let Some(m) = w.get_mut(&key) {
        crate::routes::set_state(&mut m.doc, "Deleting");
    }
    let region = r.doc["location"].as_str().unwrap_or("eastus").to_string();
    let h = AsyncOp::new(Style::MlMfe, &key, &key, &region, Done::Remove).start(app, w, ctx, p);
    Ok(Reply::empty(202).headers(h))
}

fn endpoint_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    match ctx.method.as_str() {
        "DELETE" => delete_child(app, w, ctx, p, existing),
        "PATCH" => {
            let r = existing.ok_or_else(|| not_found(p))?;
            patch_child(
                app,
                w,
                ctx,
                p,
                r,
                &["tags", "identity"],
                "PartialMinimalTrackedResourceWithIdentity",
            )
        }
        "PUT" => endpoint_put(app, w, ctx, p, existing),
        m => Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!("The method '{m}' is not allowed on online endpoints."),
        )),
    }
}

/// `traffic` / `mirrorTraffic`: a map of existing deployment names to whole percentages whose
/// total is at most `max`.
fn check_traffic(
    w: &World,
    ep_key: &str,
    ep_name: &str,
    field: &str,
    v: &Value,
    max: i64,
) -> ArmResult<Value> {
    if v.is_null() {
        return Ok(json!({}));
    }
    let m = v.as_object().ok_or_else(|| {
        ArmError::invalid_content(format!(
            "properties.{field} must be a map of deployment name to percentage."
        ))
        .with_target(format!("properties.{field}"))
    })?;
    let deployments: Vec<String> = w
        .children(ep_key, "deployments")
        .iter()
        .map(|d| d.doc["name"].as_str().unwrap_or("").to_string())
        .collect();
    let mut out = Map::new();
    let mut missing = Vec::new();
    let mut total = 0i64;
    for (name, pct) in m {
        let n = pct
            .as_i64()
            .filter(|n| (0..=100).contains(n))
            .ok_or_else(|| {
                bad(format!(
                    "properties.{field}['{name}'] must be a whole percentage between 0 and 100."
                ))
                .with_target(format!("properties.{field}"))
            })?;
        total += n;
        match deployments.iter().find(|d| d.eq_ignore_ascii_case(name)) {
            Some(d) => {
                out.insert(d.clone(), json!(n));
            }
            None => missing.push(name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(bad(format!(
            "{field} can only be set for deployments that exist; endpoint '{ep_name}' has no deployment named {}. Create the deployment first, then set its {field}.",
            missing.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
        ))
        .with_target(format!("properties.{field}")));
    }
    if total > max {
        return Err(bad(format!(
            "The values of properties.{field} add up to {total}; they may add up to at most {max}."
        ))
        .with_target(format!("properties.{field}")));
    }
    Ok(Value::Object(out))
}

/// Another endpoint (any workspace, any subscription) with this name in this region.
fn name_taken(w: &World, key: &str, name: &str, region: &str) -> bool {
    w.res.values().any(|r| {
        r.tkey == EP_TKEY
            && key_of(&r.id) != key
            && r.doc["name"]
                .as_str()
                .map(|n| n.eq_ignore_ascii_case(name))
                .unwrap_or(false)
            && r.doc["location"].as_str() == Some(region)
    })
}

/// The service's answer to a name that another endpoint in the region already uses.
fn name_conflict() -> ArmError {
    ArmError::bad_request("BadRequest", "The request is invalid.").with_detail(
        "InferencingClientCallFailed",
        "{\"errors\":{\"\":[\"There is already an endpoint with this name, Endpoint name needs to be unique within a region. Try some other name.\"]},\"title\":\"One or more validation errors occurred.\"}",
    )
}

fn endpoint_put(
    app: &Arc<App>,
    w: &mut World,
    ctx: &Ctx,
    p: &ResPath,
    existing: Option<Res>,
) -> ArmResult<Reply> {
    let key = p.key();
    let body = ctx.json()?;
    let created = existing.is_none();
    if created && !valid_endpoint_name(p.name()) {
        return Err(name_error("online endpoint", p.name()));
    }
    let ws = w.get(&key_of(&p.id_prefix(1))).cloned();
    let region = match &existing {
        Some(e) => e.doc["location"].as_str().unwrap_or("eastus").to_string(),
        None => {
            if body.get("location").and_then(Value::as_str).is_none() {
                return Err(ArmError::bad_request(
                    "LocationRequired",
                    "The location property is required for this definition.",
                ));
            }
            region_of(&body, ws.as_ref())
        }
    };
    if let (Some(_), Some(l)) = (&existing, body.get("location").and_then(Value::as_str)) {
        if norm_location(l) != region {
            return Err(bad(format!(
                "The location of online endpoint '{}' cannot be changed.",
                p.name()
            ))
            .with_target("location"));
        }
    }
    let mut props = body.get("properties").cloned().ok_or_else(|| {
        ArmError::invalid_content("properties is required.").with_target("properties")
    })?;
    let Some(po) = props.as_object_mut() else {
        return Err(
            ArmError::invalid_content("properties must be an object.").with_target("properties")
        );
    };
    for k in EP_READ_ONLY {
        po.remove(*k);
    }
    let auth = po.get("authMode").and_then(Value::as_str).ok_or_else(|| {
        bad("properties.authMode is required (AMLToken, Key or AADToken).")
            .with_target("properties.authMode")
    })?;
    let auth = canon_of(auth, AUTH_MODES).ok_or_else(|| {
        bad(format!(
            "'{auth}' is not a valid authMode; allowed: AMLToken, Key, AADToken."
        ))
        .with_target("properties.authMode")
    })?;
    po.insert("authMode".into(), json!(auth));
    let pna = match po.get("publicNetworkAccess") {
        None | Some(Value::Null) => "Enabled".to_string(),
        Some(v) => {
            let s = v.as_str().unwrap_or("");
            canon_of(s, &["Enabled", "Disabled"]).ok_or_else(|| {
                bad(format!(
                    "'{s}' is not a valid publicNetworkAccess; allowed: Enabled, Disabled."
                ))
                .with_target("properties.publicNetworkAccess")
            })?
        }
    };
    po.insert("publicNetworkAccess".into(), json!(pna));
    let name = existing
        .as_ref()
        .and_then(|e| e.doc["name"].as_str().map(String::from))
        .unwrap_or_else(|| p.name().to_string());
    let traffic = check_traffic(
        w,
        &key,
        &name,
        "traffic",
        po.get("traffic").unwrap_or(&Value::Null),
        100,
    )?;
    po.insert("traffic".into(), traffic);
    if let Some(m) = po.get("mirrorTraffic").cloned() {
        let m = check_traffic(w, &key, &name, "mirrorTraffic", &m, 50)?;
        po.insert("mirrorTraffic".into(), m);
    }
    merge_string_properties(po, existing.as_ref())?;
    if created && name_taken(w, &key, &name, &region) {
        return Err(name_conflict());
    }
    let (score, swagger) = uris(&name, &region);
    po.insert("scoringUri".into(), json!(score));
    po.insert("swaggerUri".into(), json!(swagger));
    let id = match &existing {
        Some(e) => e.id.clone(),
        None => new_id(w, p),
    };
    let doc = tracked_doc(
        &id,
        &name,
        EP_TYPE,
        &region,
        &body,
        props,
        existing.as_ref(),
    );
    put_async(app, w, ctx, p, id, EP_TKEY, doc, &region, created)
}

/// The stored document of an endpoint or deployment written by a PUT: ARM's tracked-resource
/// envelope around `props`, the request's `tags`, `kind`, `sku` and `identity` (filled in as the
/// service does, keeping the existing principal), and `systemData` kept from the existing one.
fn tracked_doc(
    id: &str,
    name: &str,
    ty: &str,
    region: &str,
    body: &Value,
    props: Value,
    existing: Option<&Res>,
) -> Value {
    let mut doc = json!({
        "id": id, "name": name, "type": ty, "location": region,
        "tags": body.get("tags").cloned().unwrap_or(json!({})),
        "properties": props,
        "systemData": system_data(existing.and_then(|e| e.doc.get("systemData")), fixed::CLIENT_ID),
    });
    for k in ["kind", "sku"] {
        if let Some(v) = body.get(k) {
            doc[k] = v.clone();
        }
    }
    if let Some(i) = body.get("identity") {
        let old = existing.and_then(|e| e.doc.get("identity"));
        doc["identity"] = fill_identity(i, old);
    }
    doc
}

/// `properties.properties` (a string map): entries can be added but not removed or altered.
fn merge_string_properties(po: &mut Map<String, Value>, existing: Option<&Res>) -> ArmResult<()> {
    let old = existing
        .and_then(|e| e.doc.pointer("/properties/properties"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut new = match po.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(ArmError::invalid_content(
                "properties.properties must be a map of strings.",
            )
            .with_target("properties.properties"))
        }
    };
    for (k, v) in &old {
        match new.get(k) {
            Some(n) if n != v => {
                return Err(bad(format!(
                    "Property '{k}' in properties.properties cannot be altered; entries can be added, but not removed or altered."
                ))
                .with_target("properties.properties"))
            }
            _ => {
                new.insert(k.clone(), v.clone());
            }
        }
    }
    po.insert("properties".into(), Value::Object(new));
    Ok(())
}

/// Stores a PUT of an endpoint or deployment in `Creating`/`Updating`, visible at once, and
/// answers 201/200 with the document and an `Azure-AsyncOperation` URL.
#[allow(clippy::too_many_arguments)]
fn put_async(
    app: &Arc<App>,
    w: &mut World,
    ctx: &Ctx,
    p: &ResPath,
    id: String,
    tkey: &str,
    mut doc: Value,
    region: &str,
    created: bool,
) -> ArmResult<Reply> {
    crate::routes::set_state(&mut doc, if created { "Creating" } else { "Updating" });
    let res = Res {
        id,
        tkey: tkey.to_string(),
        doc,
        etag: new_etag(tkey),
        hidden: false,
        x: Extra {
            api_version: ctx.api.clone(),
            ..Default::default()
        },
    };
    let body = super::view(w, &res, &ctx.api);
    let reply = with_etag(Reply::json(if created { 201 } else { 200 }, body), &res);
    w.put(res);
    let key = p.key();
    let h = AsyncOp::new(Style::MlMfe, &key, &key, region, Done::Succeed).start(app, w, ctx, p);
    Ok(reply.headers(h))
}

fn deployment_write(app: &Arc<App>, w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    match ctx.method.as_str() {
        "DELETE" => delete_child(app, w, ctx, p, existing),
        "PATCH" => {
            let r = existing.ok_or_else(|| not_found(p))?;
            patch_child(
                app,
                w,
                ctx,
                p,
                r,
                &["tags", "sku"],
                "PartialMinimalTrackedResourceWithSku",
            )
        }
        "PUT" => {
            let body = ctx.json()?;
            let created = existing.is_none();
            if created && !valid_endpoint_name(p.name()) {
                return Err(name_error("online deployment", p.name()));
            }
            let ep = w.get(&key_of(&p.id_prefix(2))).cloned();
            let region = match &existing {
                Some(e) => e.doc["location"].as_str().unwrap_or("eastus").to_string(),
                None => region_of(&body, ep.as_ref()),
            };
            let mut props = body.get("properties").cloned().ok_or_else(|| {
                ArmError::invalid_content("properties is required.").with_target("properties")
            })?;
            let Some(po) = props.as_object_mut() else {
                return Err(ArmError::invalid_content("properties must be an object.")
                    .with_target("properties"));
            };
            po.remove("provisioningState");
            let ect = po
                .get("endpointComputeType")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    bad("properties.endpointComputeType is required (Managed, Kubernetes or AzureMLCompute).")
                        .with_target("properties.endpointComputeType")
                })?;
            let ect = canon_of(ect, ENDPOINT_COMPUTE_TYPES).ok_or_else(|| {
                bad(format!("'{ect}' is not a valid endpointComputeType; allowed: Managed, Kubernetes, AzureMLCompute."))
                    .with_target("properties.endpointComputeType")
            })?;
            po.insert("endpointComputeType".into(), json!(ect));
            let id = match &existing {
                Some(e) => e.id.clone(),
                None => new_id(w, p),
            };
            let name = id.rsplit('/').next().unwrap_or("").to_string();
            let doc = tracked_doc(
                &id,
                &name,
                DEP_TYPE,
                &region,
                &body,
                props,
                existing.as_ref(),
            );
            put_async(app, w, ctx, p, id, DEP_TKEY, doc, &region, created)
        }
        m => Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!("The method '{m}' is not allowed on online deployments."),
        )),
    }
}

/// Computes: synchronous PUT (201/200) and DELETE (200/204), enough to seed them.
fn compute_write(w: &mut World, ctx: &Ctx, p: &ResPath) -> ArmResult<Reply> {
    let key = p.key();
    check_busy(w, ctx, &key, p.name())?;
    let existing = w.get(&key).cloned();
    check_conditions(ctx, existing.as_ref())?;
    match ctx.method.as_str() {
        "DELETE" => {
            if existing.is_none() {
                return Ok(Reply::empty(204));
            }
            w.remove_tree(&key);
            Ok(Reply::empty(200))
        }
        "PUT" => {
            let body = ctx.json()?;
            let ws = w.get(&key_of(&p.id_prefix(1))).cloned();
            let mut props = body.get("properties").cloned().ok_or_else(|| {
                ArmError::invalid_content("properties is required.").with_target("properties")
            })?;
            let Some(po) = props.as_object_mut() else {
                return Err(ArmError::invalid_content("properties must be an object.")
                    .with_target("properties"));
            };
            let ct = po
                .get("computeType")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    bad("properties.computeType is required (for example AmlCompute or ComputeInstance).")
                        .with_target("properties.computeType")
                })?;
            let ct = canon_of(ct, COMPUTE_TYPES).ok_or_else(|| {
                bad(format!(
                    "'{ct}' is not a valid computeType; allowed: {}.",
                    COMPUTE_TYPES.join(", ")
                ))
                .with_target("properties.computeType")
            })?;
            po.insert("computeType".into(), json!(ct));
            po.insert("provisioningState".into(), json!("Succeeded"));
            let id = match &existing {
                Some(e) => e.id.clone(),
                None => new_id(w, p),
            };
            let name = id.rsplit('/').next().unwrap_or("").to_string();
            let region = match &existing {
                Some(e) => e.doc["location"].as_str().unwrap_or("eastus").to_string(),
                None => region_of(&body, ws.as_ref()),
            };
            let mut doc = json!({
                "id": id, "name": name, "type": "Microsoft.MachineLearningServices/workspaces/computes",
                "location": region, "properties": props,
                "systemData": system_data(existing.as_ref().and_then(|e| e.doc.get("systemData")), fixed::CLIENT_ID),
            });
            for k in ["tags", "sku"] {
                if let Some(v) = body.get(k) {
                    doc[k] = v.clone();
                }
            }
            if let Some(i) = body.get("identity") {
                let old = existing.as_ref().and_then(|e| e.doc.get("identity"));
                doc["identity"] = fill_identity(i, old);
            }
            let res = Res {
                id,
                tkey: COMPUTE_TKEY.into(),
                doc,
                etag: new_etag(COMPUTE_TKEY),
                hidden: false,
                x: Extra::default(),
            };
            let reply = with_etag(
                Reply::json(if existing.is_some() { 200 } else { 201 }, res.doc.clone()),
                &res,
            );
            w.put(res);
            Ok(reply)
        }
        m => Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!("The method '{m}' is not allowed on computes in the emulator."),
        )),
    }
}
