//! `aml_private_dns_zone`: a private DNS zone (Microsoft.Network/privateDnsZones, api-version
//! `PRIVATE_DNS` = 2024-06-01), such as `privatelink.api.azureml.ms`. The location is always
//! `global` (ARM refuses anything else), so it is not an argument. Zone writes are long-running
//! operations (`final-state-via: location`), completed by the ARM client.

use async_trait::async_trait;

use super::common::{
    existing_listed_id, id_or, import_stub, keep_spelling, known, read_listed, tags_body,
    tags_state, Tags,
};
use super::private_link as pl;
use crate::arm::api_versions::PRIVATE_DNS;
use crate::arm::ids::{PrivateDnsZoneId, ResourceGroupId};
use crate::arm::models::private_dns_zone::{PrivateDnsZone as Zone, TagsPatch};
use crate::arm::ErrorKind;
use crate::provider::handler::{parse, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::Type;
use crate::tfplugin::model::{Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::TypedResource;

/// The resource.
#[derive(Debug)]
pub struct PrivateDnsZone;

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct PrivateDnsZoneModel {
    /// The zone's ARM ID.
    pub id: Value<String>,
    /// The zone name.
    pub name: Value<String>,
    /// The resource group.
    pub resource_group_name: Value<String>,
    /// Tags.
    pub tags: Value<Tags>,
    /// Record sets in the zone.
    pub number_of_record_sets: Value<i64>,
    /// The most record sets.
    pub max_number_of_record_sets: Value<i64>,
    /// Linked virtual networks.
    pub number_of_virtual_network_links: Value<i64>,
    /// The most linked virtual networks.
    pub max_number_of_virtual_network_links: Value<i64>,
    /// Linked virtual networks with registration.
    pub number_of_virtual_network_links_with_registration: Value<i64>,
    /// The most linked virtual networks with registration.
    pub max_number_of_virtual_network_links_with_registration: Value<i64>,
}

type M = PrivateDnsZoneModel;

fn zone_id(arm_sub: &str, m: &M) -> Result<PrivateDnsZoneId, Error> {
    id_or(&m.id, PrivateDnsZoneId::parse_lenient, || {
        let (rg, name) = (m.resource_group_name.as_known(), m.name.as_known());
        Ok(ResourceGroupId::new(arm_sub, rg.map_or("", String::as_str))
            .private_dns_zone(name.map_or("", String::as_str)))
    })
}

/// The zone as state, from its ARM body.
fn to_state(id: &PrivateDnsZoneId, zone: Zone, prior: &M) -> M {
    let p = zone.properties;
    M {
        id: Value::Known(id.to_string()),
        name: Value::Known(id.name().to_string()),
        resource_group_name: keep_spelling(
            Value::Known(id.resource_group().to_string()),
            &prior.resource_group_name,
            pl::lower,
        ),
        tags: tags_state(zone.tags, &prior.tags),
        number_of_record_sets: known(p.number_of_record_sets),
        max_number_of_record_sets: known(p.max_number_of_record_sets),
        number_of_virtual_network_links: known(p.number_of_virtual_network_links),
        max_number_of_virtual_network_links: known(p.max_number_of_virtual_network_links),
        number_of_virtual_network_links_with_registration: known(
            p.number_of_virtual_network_links_with_registration,
        ),
        max_number_of_virtual_network_links_with_registration: known(
            p.max_number_of_virtual_network_links_with_registration,
        ),
    }
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for PrivateDnsZone {
    type Model = PrivateDnsZoneModel;

    fn type_name(&self) -> &'static str {
        "aml_private_dns_zone"
    }

    fn schema(&self) -> Schema {
        let n = |name: &str, d: &str| Attribute::computed(name, Type::Number, d);
        Schema::new(
            Block::new(
                "A private DNS zone, such as `privatelink.api.azureml.ms` or `privatelink.notebooks.azure.net` for an \
                 Azure Machine Learning workspace's private endpoint. Private DNS zones are global: there is no location.",
            )
            .attribute(Attribute::id("The zone's ARM ID."))
            .attribute(
                Attribute::required("name", Type::String, "The zone name without a trailing dot, e.g. `privatelink.api.azureml.ms`.")
                    .requires_replace()
                    .validate(Validator::Str(pl::check_dns_zone_name)),
            )
            .attribute(
                Attribute::required("resource_group_name", Type::String, "The resource group of the zone.")
                    .requires_replace()
                    .validate(Validator::Str(pl::check_resource_group_name)),
            )
            .attribute(Attribute::optional("tags", Type::map(Type::String), "Tags of the zone; updated in place."))
            .attribute(n("number_of_record_sets", "The number of record sets in the zone (including the SOA record)."))
            .attribute(n("max_number_of_record_sets", "The maximum number of record sets the zone can hold."))
            .attribute(n("number_of_virtual_network_links", "The number of virtual networks linked to the zone."))
            .attribute(n("max_number_of_virtual_network_links", "The maximum number of virtual networks the zone can be linked to."))
            .attribute(n(
                "number_of_virtual_network_links_with_registration",
                "The number of linked virtual networks with auto-registration enabled.",
            ))
            .attribute(n(
                "max_number_of_virtual_network_links_with_registration",
                "The maximum number of linked virtual networks with auto-registration enabled.",
            )),
        )
    }

    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(30, 5, 30, 30)
    }

    fn import_doc(&self) -> &'static str {
        "Import a private DNS zone by its ARM ID (`az network private-dns zone show -g <rg> -n <zone> --query id`)."
    }

    async fn existing(&self, ctx: &Ctx<'_>, planned: &M) -> Result<Option<String>, Error> {
        let arm = ctx.arm().await?;
        let id = zone_id(arm.subscription_id(), planned)?;
        existing_listed_id(&arm, &id, PRIVATE_DNS, "private DNS zone").await
    }

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = zone_id(arm.subscription_id(), planned)?;
        let body = Zone {
            location: Some("global".into()),
            tags: Some(tags_body(&planned.tags)),
            ..Zone::default()
        };
        let r = arm
            .put(&id, PRIVATE_DNS, &body)
            .await
            .doing(format!("creating private DNS zone {id}"))?;
        Ok(to_state(&id, parse(&r.body)?, planned))
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let arm = ctx.arm().await?;
        let id = zone_id(arm.subscription_id(), state)?;
        let found = read_listed(&arm, &id, PRIVATE_DNS)
            .await
            .doing(format!("reading private DNS zone {id}"))?;
        found
            .map(|r| Ok(to_state(&id, parse(&r.body)?, state)))
            .transpose()
    }

    async fn update(&self, ctx: &Ctx<'_>, _prior: &M, planned: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = zone_id(arm.subscription_id(), planned)?;
        let body = TagsPatch {
            tags: tags_body(&planned.tags),
        };
        let r = arm
            .patch(&id, PRIVATE_DNS, &body)
            .await
            .doing(format!("updating the tags of private DNS zone {id}"))?;
        Ok(to_state(&id, parse(&r.body)?, planned))
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let arm = ctx.arm().await?;
        let id = zone_id(arm.subscription_id(), state)?;
        let result = arm.delete(&id, PRIVATE_DNS).await;
        let conflict = matches!(&result, Err(e) if e.kind == ErrorKind::Conflict);
        result.doing(format!("deleting private DNS zone {id}")).map_err(|mut err| {
            if conflict {
                err.detail = format!(
                    "A zone cannot be deleted while virtual network links exist: delete its aml_private_dns_zone_virtual_network_link \
                     resources first (Terraform orders this when the links reference the zone's ID). {}",
                    err.detail
                );
            }
            err
        })
    }

    fn import(&self, id: &str) -> Result<M, Error> {
        import_stub(id, PrivateDnsZoneId::parse, |m: &mut M| &mut m.id)
    }
}
