//! `aml_private_dns_zone_virtual_network_link`: links a private DNS zone to a virtual network so
//! that names in the zone resolve there (Microsoft.Network/privateDnsZones/virtualNetworkLinks,
//! api-version `PRIVATE_DNS` = 2024-06-01). Writes are long-running operations; delete also waits
//! until a GET no longer finds the link, because the zone cannot be deleted before.

use async_trait::async_trait;
use serde_json::json;

use super::private_link::{self as pl, tags_json, tags_value};
use crate::arm::ids::{PrivateDnsZoneId, VirtualNetworkLinkId};
use crate::arm::{api_versions, Deadline, Response, Wait, WaitError, WriteOptions};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{Path, Type, Value};
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::{Ctx, Error, Resource};

/// The resource.
#[derive(Debug)]
pub struct PrivateDnsZoneVirtualNetworkLink;

/// The resolution policies ARM accepts.
pub const RESOLUTION_POLICIES: &[&str] = &["Default", "NxDomainRedirect"];

fn link_id(o: &Object) -> Result<VirtualNetworkLinkId, Error> {
    if let Some(id) = o.string("id") {
        return VirtualNetworkLinkId::parse_lenient(&id)
            .map_err(|e| Error::new(e.message).at(Path::root().attr("id")));
    }
    let zone = o.string("private_dns_zone_id").unwrap_or_default();
    let zone = PrivateDnsZoneId::parse(&zone)
        .map_err(|e| Error::new(e.message).at(Path::root().attr("private_dns_zone_id")))?;
    Ok(zone.virtual_network_link(&o.string("name").unwrap_or_default()))
}

fn body(planned: &Object) -> serde_json::Value {
    json!({
        "location": "global",
        "tags": tags_json(planned),
        "properties": {
            "virtualNetwork": {"id": planned.string("virtual_network_id")},
            "registrationEnabled": planned.bool_or("registration_enabled", false),
            "resolutionPolicy": planned.string("resolution_policy").unwrap_or_else(|| "Default".into()),
        }
    })
}

fn to_state(id: &VirtualNetworkLinkId, body: &serde_json::Value, prior: &Object) -> Object {
    let mut o = prior.clone();
    o.set("id", id.to_string());
    o.set("name", id.name());
    o.set(
        "private_dns_zone_id",
        pl::keep_spelling(
            Value::string(id.private_dns_zone().to_string()),
            prior,
            "private_dns_zone_id",
            pl::lower,
        ),
    );
    o.set(
        "virtual_network_id",
        pl::keep_spelling(
            pl::jstr(body, "/properties/virtualNetwork/id"),
            prior,
            "virtual_network_id",
            pl::lower,
        ),
    );
    o.set(
        "registration_enabled",
        body.pointer("/properties/registrationEnabled")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
    );
    let policy = pl::jstr(body, "/properties/resolutionPolicy");
    o.set(
        "resolution_policy",
        if policy.is_null() {
            Value::string("Default")
        } else {
            policy
        },
    );
    o.set("tags", tags_value(body, prior));
    o
}

#[async_trait]
impl Resource<ConfiguredProvider> for PrivateDnsZoneVirtualNetworkLink {
    fn type_name(&self) -> &'static str {
        "aml_private_dns_zone_virtual_network_link"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "Links a private DNS zone to a virtual network, so that the zone's records (such as those a private \
                 endpoint's DNS zone group writes) resolve inside that network. Link both AML zones to every virtual \
                 network whose clients use the workspace.",
            )
            .attribute(Attribute::id("The link's ARM ID."))
            .attribute(
                Attribute::required("name", Type::String, "The link name (1 to 80 letters, digits, `_`, `.`, `-`).")
                    .requires_replace()
                    .validate(Validator::Custom(pl::network_name)),
            )
            .attribute(
                Attribute::required("private_dns_zone_id", Type::String, "The ARM ID of the private DNS zone.")
                    .requires_replace()
                    .case_insensitive()
                    .validate(Validator::Custom(pl::private_dns_zone_id)),
            )
            .attribute(
                Attribute::required("virtual_network_id", Type::String, "The ARM ID of the virtual network (not a subnet).")
                    .requires_replace()
                    .case_insensitive()
                    .validate(Validator::Custom(pl::virtual_network_id)),
            )
            .attribute(
                Attribute::optional_computed(
                    "registration_enabled",
                    Type::Bool,
                    "Whether virtual machines in the network register their names in the zone automatically. Leave it off for `privatelink.*` zones. Updated in place.",
                )
                .default(Value::Bool(false)),
            )
            .attribute(
                Attribute::optional_computed(
                    "resolution_policy",
                    Type::String,
                    "`Default`, or `NxDomainRedirect` to fall back to public DNS when a name is not in the zone. Updated in place.",
                )
                .default(Value::string("Default"))
                .validate(Validator::OneOf(RESOLUTION_POLICIES)),
            )
            .attribute(Attribute::optional("tags", Type::map(Type::String), "Tags of the link; updated in place.")),
        )
    }

    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(30, 5, 30, 30)
    }

    fn import_doc(&self) -> &'static str {
        "Import a link by its ARM ID (`az network private-dns link vnet show -g <rg> -z <zone> -n <link> --query id`)."
    }

    async fn existing(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Option<String>, Error> {
        let id = link_id(planned)?;
        pl::existing_id(ctx, &id, api_versions::PRIVATE_DNS, "virtual network link").await
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        planned: &Object,
    ) -> Result<Object, Error> {
        let arm = ctx.client.arm().await?;
        let id = link_id(planned)?;
        let r = arm
            .put(
                &id,
                api_versions::PRIVATE_DNS,
                &body(planned),
                WriteOptions::default(),
                Deadline(ctx.deadline),
            )
            .await
            .map_err(|e| {
                Error::from(e).context(format!(
                    "creating private DNS zone virtual network link {id}"
                ))
            })?;
        Ok(to_state(&id, &r.body, planned))
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, ConfiguredProvider>,
        state: &Object,
    ) -> Result<Option<Object>, Error> {
        let id = link_id(state)?;
        let found = pl::get(
            ctx,
            &id,
            api_versions::PRIVATE_DNS,
            "reading private DNS zone virtual network link",
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
        let id = link_id(planned)?;
        let r = arm
            .put(
                &id,
                api_versions::PRIVATE_DNS,
                &body(planned),
                WriteOptions::default(),
                Deadline(ctx.deadline),
            )
            .await
            .map_err(|e| {
                Error::from(e).context(format!(
                    "updating private DNS zone virtual network link {id}"
                ))
            })?;
        Ok(to_state(&id, &r.body, planned))
    }

    async fn delete(&self, ctx: &Ctx<'_, ConfiguredProvider>, state: &Object) -> Result<(), Error> {
        let arm = ctx.client.arm().await?;
        let id = link_id(state)?;
        let deadline = Deadline(ctx.deadline);
        let doing = format!("deleting private DNS zone virtual network link {id}");
        arm.delete(&id, api_versions::PRIVATE_DNS, deadline)
            .await
            .map_err(|e| Error::from(e).context(&doing))?;
        // The operation can report success while the link is still visible: wait until it is gone.
        let gone = |r: Option<&Response>| match r {
            None => Wait::<(), ()>::Done(()),
            Some(_) => Wait::Pending,
        };
        match arm
            .wait_until(&id, api_versions::PRIVATE_DNS, deadline, None, gone)
            .await
        {
            Ok(()) => Ok(()),
            Err(WaitError::Arm(e)) => Err(Error::from(e).context(&doing)),
            Err(_) => Err(Error::new(format!("{doing}: the link is still there after the delete operation finished"))
                .detail("Azure accepted the delete but the link did not go away in time. Run `terraform destroy` again, or raise the `delete` timeout.")),
        }
    }

    fn import(&self, id: &str) -> Result<Object, Error> {
        let id = VirtualNetworkLinkId::parse(id)
            .map_err(|e| Error::new("Invalid import ID").detail(e.message))?;
        let mut o = Object::new(Value::object::<[(&str, Value); 0], &str>([]));
        o.set("id", id.to_string());
        Ok(o)
    }
}
