//! `aml_private_dns_zone`: a private DNS zone (Microsoft.Network/privateDnsZones, api-version
//! `PRIVATE_DNS` = 2024-06-01), such as `privatelink.api.azureml.ms`. The location is always
//! `global` (ARM refuses anything else), so it is not an argument. Zone writes are long-running
//! operations (`final-state-via: location`), completed by the ARM client.

use async_trait::async_trait;
use serde_json::json;

use super::private_link::{self as pl, jint, tags_json, tags_value};
use crate::arm::ids::{PrivateDnsZoneId, ResourceGroupId};
use crate::arm::{api_versions, Deadline, WriteOptions};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{Path, Type, Value};
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::{Ctx, Error, Resource};

/// The resource.
#[derive(Debug)]
pub struct PrivateDnsZone;

fn zone_id(arm_sub: &str, o: &Object) -> Result<PrivateDnsZoneId, Error> {
    if let Some(id) = o.string("id") {
        return PrivateDnsZoneId::parse_lenient(&id)
            .map_err(|e| Error::new(e.message).at(Path::root().attr("id")));
    }
    let name = o.string("name").unwrap_or_default();
    let rg = o.string("resource_group_name").unwrap_or_default();
    Ok(ResourceGroupId::new(arm_sub, &rg).private_dns_zone(&name))
}

/// The zone as state, from its ARM body.
fn to_state(id: &PrivateDnsZoneId, body: &serde_json::Value, prior: &Object) -> Object {
    let mut o = prior.clone();
    o.set("id", id.to_string());
    o.set("name", id.name());
    o.set(
        "resource_group_name",
        pl::keep_spelling(
            Value::string(id.resource_group()),
            prior,
            "resource_group_name",
            pl::lower,
        ),
    );
    o.set("tags", tags_value(body, prior));
    for (attr, prop) in [
        ("number_of_record_sets", "numberOfRecordSets"),
        ("max_number_of_record_sets", "maxNumberOfRecordSets"),
        (
            "number_of_virtual_network_links",
            "numberOfVirtualNetworkLinks",
        ),
        (
            "max_number_of_virtual_network_links",
            "maxNumberOfVirtualNetworkLinks",
        ),
        (
            "number_of_virtual_network_links_with_registration",
            "numberOfVirtualNetworkLinksWithRegistration",
        ),
        (
            "max_number_of_virtual_network_links_with_registration",
            "maxNumberOfVirtualNetworkLinksWithRegistration",
        ),
    ] {
        o.set(attr, jint(body, &format!("/properties/{prop}")));
    }
    o
}

#[async_trait]
impl Resource<ConfiguredProvider> for PrivateDnsZone {
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
                    .validate(Validator::Custom(pl::dns_zone_name)),
            )
            .attribute(
                Attribute::required("resource_group_name", Type::String, "The resource group of the zone.")
                    .requires_replace()
                    .validate(Validator::Custom(pl::resource_group_name)),
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

    async fn existing(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Option<String>, Error> {
        let arm = ctx.client.arm().await?;
        let id = zone_id(arm.subscription_id(), planned)?;
        pl::existing_id(ctx, &id, api_versions::PRIVATE_DNS, "private DNS zone").await
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Object, Error> {
        let arm = ctx.client.arm().await?;
        let id = zone_id(arm.subscription_id(), planned)?;
        let body = json!({"location": "global", "tags": tags_json(planned)});
        let r = arm
            .put(
                &id,
                api_versions::PRIVATE_DNS,
                &body,
                WriteOptions::default(),
                Deadline(ctx.deadline),
            )
            .await
            .map_err(|e| Error::from(e).context(format!("creating private DNS zone {id}")))?;
        Ok(to_state(&id, &r.body, planned))
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        state: &Object,
    ) -> Result<Option<Object>, Error> {
        let arm = ctx.client.arm().await?;
        let id = zone_id(arm.subscription_id(), state)?;
        let found = pl::get(
            ctx,
            &id,
            api_versions::PRIVATE_DNS,
            "reading private DNS zone",
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
        let arm = ctx.client.arm().await?;
        let id = zone_id(arm.subscription_id(), planned)?;
        let body = json!({"tags": tags_json(planned)});
        let r = arm
            .patch(
                &id,
                api_versions::PRIVATE_DNS,
                &body,
                WriteOptions::default(),
                Deadline(ctx.deadline),
            )
            .await
            .map_err(|e| {
                Error::from(e).context(format!("updating the tags of private DNS zone {id}"))
            })?;
        Ok(to_state(&id, &r.body, planned))
    }

    async fn delete(&self, ctx: &Ctx<'_, ConfiguredProvider>, state: &Object) -> Result<(), Error> {
        let arm = ctx.client.arm().await?;
        let id = zone_id(arm.subscription_id(), state)?;
        arm.delete(&id, api_versions::PRIVATE_DNS, Deadline(ctx.deadline)).await.map_err(|e| {
            let conflict = e.kind == crate::arm::ErrorKind::Conflict;
            let mut err = Error::from(e).context(format!("deleting private DNS zone {id}"));
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

    fn import(&self, id: &str) -> Result<Object, Error> {
        let id = PrivateDnsZoneId::parse(id)
            .map_err(|e| Error::new("Invalid import ID").detail(e.message))?;
        let mut o = Object::new(Value::object::<[(&str, Value); 0], &str>([]));
        o.set("id", id.to_string());
        Ok(o)
    }
}
