//! `aml_private_dns_zone_group`: registers a private endpoint in private DNS zones
//! (Microsoft.Network/privateEndpoints/privateDnsZoneGroups, api-version `NETWORK` = 2025-07-01).
//! Azure then keeps A records for the endpoint's names in each zone and lists them as record sets.
//!
//! ARM refuses to change the zone of an existing zone config (`InvalidRequestFormat`, users.md
//! row 12), so a change of the zone list replaces the group; a change of order alone is no change.
//! At plan, when the endpoint already exists and targets an AML workspace, a warning names any AML
//! zone missing from the list (users.md row 6: the notebooks zone is often forgotten).

use async_trait::async_trait;
use serde_json::{json, Value as Json};

use super::private_link::{self as pl, jstr, TargetKind};
use crate::arm::ids::{PrivateDnsZoneGroupId, PrivateDnsZoneId, PrivateEndpointId};
use crate::arm::{api_versions, Deadline, ErrorKind, WriteOptions};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{Path, Type, Value};
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::object::{self, Object};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::{Ctx, Error, Plan, Resource};

/// The resource.
#[derive(Debug)]
pub struct PrivateDnsZoneGroup;

fn record_set_type() -> Type {
    Type::object([
        ("zone", Type::String),
        ("name", Type::String),
        ("fqdn", Type::String),
        ("ttl", Type::Number),
        ("ip_addresses", Type::list(Type::String)),
    ])
}

fn group_id(o: &Object) -> Result<PrivateDnsZoneGroupId, Error> {
    if let Some(id) = o.string("id") {
        return PrivateDnsZoneGroupId::parse_lenient(&id)
            .map_err(|e| Error::new(e.message).at(Path::root().attr("id")));
    }
    let pe = o.string("private_endpoint_id").unwrap_or_default();
    let pe = PrivateEndpointId::parse(&pe)
        .map_err(|e| Error::new(e.message).at(Path::root().attr("private_endpoint_id")))?;
    Ok(pe.private_dns_zone_group(&o.string("name").unwrap_or_default()))
}

fn zone_ids(o: &Object) -> Vec<String> {
    o.get::<Vec<String>>("private_dns_zone_ids")
        .known()
        .unwrap_or_default()
}

/// The zone's name, from its ID.
fn zone_name(id: &str) -> String {
    PrivateDnsZoneId::parse_lenient(id)
        .map(|z| z.name().to_string())
        .unwrap_or_else(|_| id.rsplit('/').next().unwrap_or(id).to_string())
}

fn body(planned: &Object) -> Json {
    let configs: Vec<Json> = zone_ids(planned)
        .iter()
        .map(|z| json!({"name": zone_name(z), "properties": {"privateDnsZoneId": z}}))
        .collect();
    json!({"properties": {"privateDnsZoneConfigs": configs}})
}

/// Whether two zone lists name the same zones (any order, any case).
fn same_zones(a: &[String], b: &[String]) -> bool {
    let norm = |v: &[String]| {
        let mut v: Vec<String> = v.iter().map(|s| s.to_ascii_lowercase()).collect();
        v.sort();
        v
    };
    norm(a) == norm(b)
}

fn to_state(id: &PrivateDnsZoneGroupId, body: &Json, prior: &Object) -> Object {
    let mut o = prior.clone();
    o.set("id", id.to_string());
    o.set("name", id.name());
    o.set(
        "private_endpoint_id",
        pl::keep_spelling(
            Value::string(id.private_endpoint().to_string()),
            prior,
            "private_endpoint_id",
            pl::lower,
        ),
    );
    let configs = body
        .pointer("/properties/privateDnsZoneConfigs")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let prior_ids = zone_ids(prior);
    let mut ids = Vec::new();
    let mut sets = Vec::new();
    for c in &configs {
        let Some(zid) = c
            .pointer("/properties/privateDnsZoneId")
            .and_then(Json::as_str)
        else {
            continue;
        };
        let spelled = prior_ids
            .iter()
            .find(|p| p.eq_ignore_ascii_case(zid))
            .cloned()
            .unwrap_or_else(|| zid.to_string());
        ids.push(Value::string(spelled));
        let zone = zone_name(zid);
        for r in c
            .pointer("/properties/recordSets")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let ips = r
                .get("ipAddresses")
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Json::as_str)
                        .map(Value::string)
                        .collect()
                })
                .unwrap_or_default();
            sets.push(Value::object([
                ("zone", Value::string(zone.clone())),
                ("name", jstr(&r, "/recordSetName")),
                ("fqdn", jstr(&r, "/fqdn")),
                ("ttl", pl::jint(&r, "/ttl")),
                ("ip_addresses", Value::List(ips)),
            ]));
        }
    }
    // Keep the configured order when the remote list holds the same zones.
    let remote: Vec<String> = ids
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    if !prior_ids.is_empty() && same_zones(&remote, &prior_ids) {
        ids = prior_ids.into_iter().map(Value::string).collect();
    }
    o.set("private_dns_zone_ids", Value::List(ids));
    o.set("record_sets", Value::List(sets));
    o
}

#[async_trait]
impl Resource<ConfiguredProvider> for PrivateDnsZoneGroup {
    fn type_name(&self) -> &'static str {
        "aml_private_dns_zone_group"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "Registers a private endpoint in one to five private DNS zones: Azure writes and maintains A records for the \
                 endpoint's names in each zone. An endpoint has at most one zone group. For a workspace endpoint, list both \
                 AML zones (`private_dns_zone_names` of the endpoint); plan warns when one is missing.",
            )
            .attribute(Attribute::id("The zone group's ARM ID."))
            .attribute(
                Attribute::required("name", Type::String, "The zone group name, e.g. `default`.")
                    .requires_replace()
                    .validate(Validator::Custom(pl::network_name)),
            )
            .attribute(
                Attribute::required("private_endpoint_id", Type::String, "The ARM ID of the private endpoint.")
                    .requires_replace()
                    .case_insensitive()
                    .validate(Validator::Custom(pl::private_endpoint_id)),
            )
            .attribute(
                Attribute::required(
                    "private_dns_zone_ids",
                    Type::list(Type::String),
                    "The ARM IDs of the private DNS zones (1 to 5). Azure cannot change the zones of an existing group, so a \
                     different set of zones replaces the group (its records are removed and written again); a new order alone \
                     changes nothing.",
                )
                .requires_replace()
                .validate(Validator::Items(1, 5)),
            )
            .attribute(Attribute::computed(
                "record_sets",
                Type::list(record_set_type()),
                "The A records Azure keeps for the endpoint: `zone`, record `name`, `fqdn`, `ttl` and `ip_addresses`.",
            )),
        )
    }

    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(30, 5, 30, 30)
    }

    fn import_doc(&self) -> &'static str {
        "Import a zone group by its ARM ID: the endpoint's ID followed by `/privateDnsZoneGroups/<name>` \
         (`az network private-endpoint dns-zone-group list -g <rg> --endpoint-name <pe> --query [].id`). A zone group \
         written by Azure Policy can be imported this way, or left unmanaged."
    }

    fn validate(&self, config: &Object, diags: &mut Diagnostics) {
        let Value::List(items) = config.attr("private_dns_zone_ids") else {
            return;
        };
        let mut seen: Vec<String> = Vec::new();
        for (i, v) in items.iter().enumerate() {
            let path = Path::root().attr("private_dns_zone_ids").index(i as i64);
            let Some(s) = v.as_str() else { continue };
            if let Err(e) = pl::private_dns_zone_id(v) {
                diags.error_at(path, "Invalid private DNS zone ID", e);
                continue;
            }
            let name = zone_name(s).to_ascii_lowercase();
            if seen.contains(&name) {
                diags.error_at(
                    path,
                    "Duplicate zone",
                    format!(
                        "The zone {name:?} is listed twice; a zone group holds each zone once."
                    ),
                );
            }
            seen.push(name);
        }
    }

    async fn plan(&self, ctx: &Ctx<'_, ConfiguredProvider>, plan: &mut Plan) -> Result<(), Error> {
        let zones_path = Path::root().attr("private_dns_zone_ids");
        // A new order (or letter case) of the same zones is no change.
        if let Some(prior) = &plan.prior {
            let (old, new) = (zone_ids(prior), zone_ids(&plan.planned));
            if !new.is_empty() && same_zones(&old, &new) {
                plan.planned.set("private_dns_zone_ids", old);
                plan.requires_replace.retain(|p| p != &zones_path);
                if plan.requires_replace.is_empty() {
                    // Nothing remote changes: the records stay as they are.
                    plan.planned.set("id", prior.attr("id").clone());
                    plan.planned
                        .set("record_sets", prior.attr("record_sets").clone());
                }
            }
        }
        // Warn when a workspace endpoint misses an AML zone (only when the endpoint exists already).
        let (Some(pe), object::Value::Known(zones)) = (
            plan.planned.string("private_endpoint_id"),
            plan.config.get::<Vec<String>>("private_dns_zone_ids"),
        ) else {
            return Ok(());
        };
        let Ok(pe) = PrivateEndpointId::parse(&pe) else {
            return Ok(());
        };
        let arm = ctx.client.arm().await?;
        let found = match arm
            .get(&pe, api_versions::NETWORK, Deadline(ctx.deadline))
            .await
        {
            Ok(f) => f,
            Err(e) if e.kind == ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Error::from(e).context(format!(
                    "reading private endpoint {pe} to check its DNS zones"
                )))
            }
        };
        let Some(found) = found else { return Ok(()) };
        let target = [
            "privateLinkServiceConnections",
            "manualPrivateLinkServiceConnections",
        ]
        .iter()
        .find_map(|f| {
            found
                .body
                .pointer(&format!(
                    "/properties/{f}/0/properties/privateLinkServiceId"
                ))
                .and_then(Json::as_str)
        })
        .unwrap_or_default()
        .to_string();
        if TargetKind::of_lenient(&target) != Some(TargetKind::Workspace) {
            return Ok(());
        }
        let have: Vec<String> = zones
            .iter()
            .map(|z| zone_name(z).to_ascii_lowercase())
            .collect();
        let missing: Vec<&String> = arm
            .cloud()
            .aml_private_dns_zones
            .iter()
            .filter(|z| !have.contains(&z.to_ascii_lowercase()))
            .collect();
        if !missing.is_empty() {
            let names = missing
                .iter()
                .map(|z| format!("`{z}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            plan.diagnostics.warning_at(
                zones_path,
                format!("AML private DNS zone missing: {}", missing.iter().map(|z| z.as_str()).collect::<Vec<_>>().join(", ")),
                format!(
                    "Private endpoint {} targets the AML workspace {target}, which needs both {}. Without {names} the \
                     workspace's names there resolve publicly (a missing notebooks zone breaks notebooks while the studio \
                     still works). Add the zone's ID to `private_dns_zone_ids`.",
                    pe.name(),
                    arm.cloud().aml_private_dns_zones.iter().map(|z| format!("`{z}`")).collect::<Vec<_>>().join(" and "),
                ),
            );
        }
        Ok(())
    }

    async fn existing(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Option<String>, Error> {
        let arm = ctx.client.arm().await?;
        let id = group_id(planned)?;
        let pe = id.private_endpoint();
        // An endpoint has one zone group: any group there (e.g. one Azure Policy wrote) collides.
        match arm
            .list(
                &pe.collection("privateDnsZoneGroups"),
                api_versions::NETWORK,
                Deadline(ctx.deadline),
            )
            .await
        {
            Ok(groups) => Ok(groups
                .iter()
                .find_map(|g| g.get("id").and_then(Json::as_str).map(str::to_string))),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::from(e).context(format!(
                "listing the DNS zone groups of private endpoint {pe}"
            ))),
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Object, Error> {
        let arm = ctx.client.arm().await?;
        let id = group_id(planned)?;
        let r = arm
            .put(
                &id,
                api_versions::NETWORK,
                &body(planned),
                WriteOptions::default(),
                Deadline(ctx.deadline),
            )
            .await
            .map_err(|e| Error::from(e).context(format!("creating private DNS zone group {id}")))?;
        Ok(to_state(&id, &r.body, planned))
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        state: &Object,
    ) -> Result<Option<Object>, Error> {
        let id = group_id(state)?;
        let found = pl::get(
            ctx,
            &id,
            api_versions::NETWORK,
            "reading private DNS zone group",
        )
        .await?;
        Ok(found.map(|r| to_state(&id, &r.body, state)))
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        _prior: &Object,
        planned: &Object,
    ) -> Result<Object, Error> {
        // Every argument replaces the group; an update only re-applies the same zones.
        let arm = ctx.client.arm().await?;
        let id = group_id(planned)?;
        let r = arm
            .put(
                &id,
                api_versions::NETWORK,
                &body(planned),
                WriteOptions::default(),
                Deadline(ctx.deadline),
            )
            .await
            .map_err(|e| Error::from(e).context(format!("updating private DNS zone group {id}")))?;
        Ok(to_state(&id, &r.body, planned))
    }

    async fn delete(&self, ctx: &Ctx<'_, ConfiguredProvider>, state: &Object) -> Result<(), Error> {
        let arm = ctx.client.arm().await?;
        let id = group_id(state)?;
        arm.delete(&id, api_versions::NETWORK, Deadline(ctx.deadline))
            .await
            .map_err(|e| Error::from(e).context(format!("deleting private DNS zone group {id}")))
    }

    fn import(&self, id: &str) -> Result<Object, Error> {
        let id = PrivateDnsZoneGroupId::parse(id)
            .map_err(|e| Error::new("Invalid import ID").detail(e.message))?;
        let mut o = Object::new(Value::object::<[(&str, Value); 0], &str>([]));
        o.set("id", id.to_string());
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_lists_compare_as_sets() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let cases: &[(&[&str], &[&str], bool)] = &[
            (&["/a/Z1", "/a/z2"], &["/a/z2", "/a/z1"], true),
            (&["/a/z1"], &["/a/z1", "/a/z2"], false),
            (&["/a/z1", "/a/z2"], &["/a/z1", "/a/z3"], false),
        ];
        for (a, b, want) in cases {
            assert_eq!(same_zones(&s(a), &s(b)), *want, "{a:?} {b:?}");
        }
    }

    #[test]
    fn body_names_configs_after_zones() {
        let sub = "00000000-0000-4000-8000-00000000a3b1";
        let z = format!("/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms");
        let o = Object::new(Value::object([(
            "private_dns_zone_ids",
            Value::List(vec![Value::string(&z)]),
        )]));
        assert_eq!(
            body(&o),
            json!({"properties": {"privateDnsZoneConfigs": [{"name": "privatelink.api.azureml.ms", "properties": {"privateDnsZoneId": z}}]}})
        );
    }

    #[test]
    fn zone_ids_are_checked_with_their_index() {
        let sub = "00000000-0000-4000-8000-00000000a3b1";
        let z = format!("/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms");
        let vnet = format!(
            "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
        );
        let cfg = Object::new(Value::object([(
            "private_dns_zone_ids",
            Value::List(vec![
                Value::string(&z),
                Value::string(&vnet),
                Value::string(z.to_uppercase().replace("SUBSCRIPTIONS", "subscriptions")),
            ]),
        )]));
        let mut d = Diagnostics::new();
        PrivateDnsZoneGroup.validate(&cfg, &mut d);
        let errs: Vec<String> = d
            .iter()
            .map(|x| format!("{:?} {}", x.path, x.detail))
            .collect();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].contains("1") && errs[0].contains("This is a virtual network ID"),
            "{errs:?}"
        );
        assert!(errs[1].contains("listed twice"), "{errs:?}");
    }
}
