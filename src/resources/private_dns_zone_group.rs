//! `aml_private_dns_zone_group`: registers a private endpoint in private DNS zones
//! (Microsoft.Network/privateEndpoints/privateDnsZoneGroups, api-version `NETWORK` = 2025-07-01).
//! Azure then keeps A records for the endpoint's names in each zone and lists them as record sets.
//!
//! ARM refuses to change the zone of an existing zone config (`InvalidRequestFormat`, the error
//! azurerm users meet when they edit a group's zone IDs), so a change of the zone list replaces
//! the group; a change of order alone is no change. At plan, when the endpoint already exists and
//! targets an AML workspace, a warning names any AML zone missing from the list: the second zone,
//! `privatelink.notebooks.azure.net`, is the one often forgotten, and notebooks then fail.

use async_trait::async_trait;

use super::common::{attr, id_or, import_stub, keep_spelling, known, text};
use super::private_link::{self as pl, TargetKind};
use crate::arm::api_versions::NETWORK;
use crate::arm::ids::{PrivateDnsZoneGroupId, PrivateDnsZoneId, PrivateEndpointId};
use crate::arm::models::private_dns_zone_group::{
    PrivateDnsZoneGroup as Group, PrivateDnsZoneGroupProperties, ZoneConfig, ZoneConfigProperties,
};
use crate::arm::models::private_endpoint::PrivateEndpoint as Endpoint;
use crate::arm::ErrorKind;
use crate::provider::handler::{parse, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{self, Type};
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::model::{object_type, Field, FieldType, Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::{TypedPlan, TypedResource};

/// The resource.
#[derive(Debug)]
pub struct PrivateDnsZoneGroup;

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct PrivateDnsZoneGroupModel {
    /// The group's ARM ID.
    pub id: Value<String>,
    /// The group name.
    pub name: Value<String>,
    /// The private endpoint's ARM ID.
    pub private_endpoint_id: Value<String>,
    /// The zones' ARM IDs, each of which may be unknown while the others are known.
    pub private_dns_zone_ids: Value<Vec<ZoneIdItem>>,
    /// The A records Azure keeps.
    pub record_sets: Value<Vec<RecordSet>>,
}

/// An element of `record_sets`.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct RecordSet {
    /// The zone's name.
    pub zone: Value<String>,
    /// The record name.
    pub name: Value<String>,
    /// The full name.
    pub fqdn: Value<String>,
    /// The time to live in seconds.
    pub ttl: Value<i64>,
    /// The endpoint's addresses.
    pub ip_addresses: Value<Vec<String>>,
}

/// One element of `private_dns_zone_ids` as configured: a configuration may hold unknown IDs (of
/// zones not created yet) next to known ones, which validation still checks by index.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneIdItem(pub Value<String>);

impl FieldType for ZoneIdItem {
    fn cty_type() -> Type {
        Type::String
    }
    fn from_known(value: &cty::Value) -> Option<Self> {
        Some(ZoneIdItem(Field::from_cty(value)))
    }
    fn into_known(self) -> cty::Value {
        self.0.into_cty()
    }
}

type M = PrivateDnsZoneGroupModel;

/// A list of zone IDs as the attribute's value.
fn zone_list(ids: Vec<String>) -> Value<Vec<ZoneIdItem>> {
    Value::Known(
        ids.into_iter()
            .map(|z| ZoneIdItem(Value::Known(z)))
            .collect(),
    )
}

/// The zone IDs when the whole list is known.
fn known_zone_ids(v: &Value<Vec<ZoneIdItem>>) -> Option<Vec<String>> {
    v.as_known()?
        .iter()
        .map(|z| z.0.as_known().cloned())
        .collect()
}

/// The zone IDs, or none while the list is not wholly known.
fn zone_ids(m: &M) -> Vec<String> {
    known_zone_ids(&m.private_dns_zone_ids).unwrap_or_default()
}

fn group_id(m: &M) -> Result<PrivateDnsZoneGroupId, Error> {
    id_or(&m.id, PrivateDnsZoneGroupId::parse_lenient, || {
        let pe = m.private_endpoint_id.as_known().map_or("", String::as_str);
        let pe = PrivateEndpointId::parse(pe)
            .map_err(|e| Error::new(e.message).at(attr(M::PRIVATE_ENDPOINT_ID)))?;
        Ok(pe.private_dns_zone_group(m.name.as_known().map_or("", String::as_str)))
    })
}

/// The zone's name, from its ID.
fn zone_name(id: &str) -> String {
    PrivateDnsZoneId::parse_lenient(id)
        .map(|z| z.name().to_string())
        .unwrap_or_else(|_| id.rsplit('/').next().unwrap_or(id).to_string())
}

fn body(planned: &M) -> Group {
    let configs = zone_ids(planned)
        .into_iter()
        .map(|z| ZoneConfig {
            name: Some(zone_name(&z)),
            properties: ZoneConfigProperties {
                private_dns_zone_id: Some(z),
                ..ZoneConfigProperties::default()
            },
        })
        .collect();
    Group {
        properties: PrivateDnsZoneGroupProperties {
            private_dns_zone_configs: configs,
        },
        ..Group::default()
    }
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

/// Zone names in backticks, joined by "and".
fn ticked<'a>(zones: impl Iterator<Item = &'a String>) -> String {
    zones
        .map(|z| format!("`{z}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn to_state(id: &PrivateDnsZoneGroupId, group: &Group, prior: &M) -> M {
    let prior_ids = zone_ids(prior);
    let mut ids = Vec::new();
    let mut sets = Vec::new();
    for c in &group.properties.private_dns_zone_configs {
        let Some(zid) = c.properties.private_dns_zone_id.as_deref() else {
            continue;
        };
        let spelled = prior_ids
            .iter()
            .find(|p| p.eq_ignore_ascii_case(zid))
            .cloned()
            .unwrap_or_else(|| zid.to_string());
        ids.push(spelled);
        let zone = zone_name(zid);
        sets.extend(c.properties.record_sets.iter().map(|r| RecordSet {
            zone: Value::Known(zone.clone()),
            name: text(r.record_set_name.clone()),
            fqdn: text(r.fqdn.clone()),
            ttl: known(r.ttl),
            ip_addresses: Value::Known(r.ip_addresses.clone()),
        }));
    }
    // Keep the configured order when the remote list holds the same zones.
    if !prior_ids.is_empty() && same_zones(&ids, &prior_ids) {
        ids = prior_ids;
    }
    M {
        id: Value::Known(id.to_string()),
        name: Value::Known(id.name().to_string()),
        private_endpoint_id: keep_spelling(
            Value::Known(id.private_endpoint().to_string()),
            &prior.private_endpoint_id,
            pl::lower,
        ),
        private_dns_zone_ids: zone_list(ids),
        record_sets: Value::Known(sets),
    }
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for PrivateDnsZoneGroup {
    type Model = PrivateDnsZoneGroupModel;

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
                    .validate(Validator::Str(pl::check_network_name)),
            )
            .attribute(
                Attribute::required("private_endpoint_id", Type::String, "The ARM ID of the private endpoint.")
                    .requires_replace()
                    .case_insensitive()
                    .validate(Validator::Str(pl::check_private_endpoint_id)),
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
                Type::list(object_type::<RecordSet>()),
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

    fn validate(&self, config: &M, diags: &mut Diagnostics) {
        let Value::Known(items) = &config.private_dns_zone_ids else {
            return;
        };
        let mut seen: Vec<String> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = attr(M::PRIVATE_DNS_ZONE_IDS).index(i as i64);
            let Value::Known(s) = &item.0 else { continue };
            if let Err(e) = pl::check_private_dns_zone_id(s) {
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

    async fn plan(&self, ctx: &Ctx<'_>, plan: &mut TypedPlan<M>) -> Result<(), Error> {
        let zones_path = attr(M::PRIVATE_DNS_ZONE_IDS);
        // A new order (or letter case) of the same zones is no change.
        if let Some(prior) = &plan.prior {
            let (old, new) = (zone_ids(prior), zone_ids(&plan.planned));
            if !new.is_empty() && same_zones(&old, &new) {
                plan.planned.private_dns_zone_ids = zone_list(old);
                plan.requires_replace.retain(|p| p != &zones_path);
                if plan.requires_replace.is_empty() {
                    // Nothing remote changes: the records stay as they are.
                    plan.planned.id = prior.id.clone();
                    plan.planned.record_sets = prior.record_sets.clone();
                }
            }
        }
        // Warn when a workspace endpoint misses an AML zone (only when the endpoint exists already).
        let (Some(pe), Some(zones)) = (
            plan.planned.private_endpoint_id.as_known(),
            known_zone_ids(&plan.config.private_dns_zone_ids),
        ) else {
            return Ok(());
        };
        let Ok(pe) = PrivateEndpointId::parse(pe) else {
            return Ok(());
        };
        let arm = ctx.arm().await?;
        let found = match arm.get(&pe, NETWORK).await {
            Err(e) if e.kind == ErrorKind::NotFound => None,
            found => found.doing(format!(
                "reading private endpoint {pe} to check its DNS zones"
            ))?,
        };
        let Some(found) = found else { return Ok(()) };
        let endpoint: Endpoint = parse(&found.body)?;
        let target = endpoint.target().unwrap_or_default();
        if TargetKind::of_lenient(target) != Some(TargetKind::Workspace) {
            return Ok(());
        }
        let have: Vec<String> = zones
            .iter()
            .map(|z| zone_name(z).to_ascii_lowercase())
            .collect();
        let aml_zones = &arm.cloud().aml_private_dns_zones;
        let missing: Vec<&String> = aml_zones
            .iter()
            .filter(|z| !have.contains(&z.to_ascii_lowercase()))
            .collect();
        if !missing.is_empty() {
            let names = ticked(missing.iter().copied());
            plan.diagnostics.warning_at(
                zones_path,
                format!(
                    "AML private DNS zone missing: {}",
                    missing.iter().map(|z| z.as_str()).collect::<Vec<_>>().join(", ")
                ),
                format!(
                    "Private endpoint {} targets the AML workspace {target}, which needs both {}. Without {names} the \
                     workspace's names there resolve publicly (a missing notebooks zone breaks notebooks while the studio \
                     still works). Add the zone's ID to `private_dns_zone_ids`.",
                    pe.name(),
                    ticked(aml_zones.iter()),
                ),
            );
        }
        Ok(())
    }

    async fn existing(&self, ctx: &Ctx<'_>, planned: &M) -> Result<Option<String>, Error> {
        let arm = ctx.arm().await?;
        let id = group_id(planned)?;
        let pe = id.private_endpoint();
        // An endpoint has one zone group: any group there (e.g. one Azure Policy wrote) collides.
        let groups = match arm
            .list(&pe.collection("privateDnsZoneGroups"), NETWORK)
            .await
        {
            Err(e) if e.kind == ErrorKind::NotFound => return Ok(None),
            listed => listed.doing(format!(
                "listing the DNS zone groups of private endpoint {pe}"
            ))?,
        };
        for g in &groups {
            if let Some(id) = parse::<Group>(g)?.id {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = group_id(planned)?;
        let r = arm
            .put(&id, NETWORK, &body(planned))
            .await
            .doing(format!("creating private DNS zone group {id}"))?;
        Ok(to_state(&id, &parse(&r.body)?, planned))
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let id = group_id(state)?;
        let found = ctx
            .arm()
            .await?
            .get(&id, NETWORK)
            .await
            .doing(format!("reading private DNS zone group {id}"))?;
        found
            .map(|r| Ok(to_state(&id, &parse(&r.body)?, state)))
            .transpose()
    }

    async fn update(&self, ctx: &Ctx<'_>, _prior: &M, planned: &M) -> Result<M, Error> {
        // Every argument replaces the group; an update only re-applies the same zones.
        let arm = ctx.arm().await?;
        let id = group_id(planned)?;
        let r = arm
            .put(&id, NETWORK, &body(planned))
            .await
            .doing(format!("updating private DNS zone group {id}"))?;
        Ok(to_state(&id, &parse(&r.body)?, planned))
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let arm = ctx.arm().await?;
        let id = group_id(state)?;
        arm.delete(&id, NETWORK)
            .await
            .doing(format!("deleting private DNS zone group {id}"))
    }

    fn import(&self, id: &str) -> Result<M, Error> {
        import_stub(id, PrivateDnsZoneGroupId::parse, |m: &mut M| &mut m.id)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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

    fn with_zones(zones: Vec<cty::Value>) -> M {
        M::from_value(&cty::Value::object([(
            M::PRIVATE_DNS_ZONE_IDS,
            cty::Value::List(zones),
        )]))
    }

    #[test]
    fn body_names_configs_after_zones() {
        let sub = "00000000-0000-4000-8000-00000000a3b1";
        let z = format!("/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms");
        let m = with_zones(vec![cty::Value::string(&z)]);
        assert_eq!(
            serde_json::to_value(body(&m)).unwrap(),
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
        let cfg = with_zones(vec![
            cty::Value::string(&z),
            cty::Value::string(&vnet),
            cty::Value::string(z.to_uppercase().replace("SUBSCRIPTIONS", "subscriptions")),
        ]);
        let mut d = Diagnostics::new();
        TypedResource::validate(&PrivateDnsZoneGroup, &cfg, &mut d);
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

    /// IDs of zones not created yet are unknown at validation; the known ones are still checked.
    #[test]
    fn known_zone_ids_are_checked_next_to_unknown_ones() {
        let cfg = with_zones(vec![cty::Value::unknown(), cty::Value::string("snet-pe")]);
        let mut d = Diagnostics::new();
        TypedResource::validate(&PrivateDnsZoneGroup, &cfg, &mut d);
        let errs: Vec<String> = d.iter().map(|x| format!("{:?}", x.path)).collect();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains('1'), "{errs:?}");
        assert_eq!(known_zone_ids(&cfg.private_dns_zone_ids), None);
        assert!(zone_ids(&cfg).is_empty());
    }
}
