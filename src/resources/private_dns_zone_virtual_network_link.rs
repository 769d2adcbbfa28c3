//! `aml_private_dns_zone_virtual_network_link`: links a private DNS zone to a virtual network so
//! that names in the zone resolve there (Microsoft.Network/privateDnsZones/virtualNetworkLinks,
//! api-version `PRIVATE_DNS` = 2024-06-01). Writes are long-running operations; delete also waits
//! until a GET no longer finds the link, because the zone cannot be deleted before.

use crate::arm::{Response, Wait, WaitError};

use async_trait::async_trait;

use super::common::{
    attr, existing_listed_id, id_or, import_stub, keep_spelling, read_listed, tags_body,
    tags_state, text, Tags,
};
use super::private_link as pl;
use crate::arm::api_versions::PRIVATE_DNS;
use crate::arm::ids::{PrivateDnsZoneId, VirtualNetworkLinkId};
use crate::arm::models::virtual_network_link::{
    SubResource, VirtualNetworkLink as Link, VirtualNetworkLinkProperties,
};
use crate::provider::handler::{parse, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::{Type, Value as Cty};
use crate::tfplugin::model::{Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::TypedResource;

/// The resource.
#[derive(Debug)]
pub struct PrivateDnsZoneVirtualNetworkLink;

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct VirtualNetworkLinkModel {
    /// The link's ARM ID.
    pub id: Value<String>,
    /// The link name.
    pub name: Value<String>,
    /// The zone's ARM ID.
    pub private_dns_zone_id: Value<String>,
    /// The virtual network's ARM ID.
    pub virtual_network_id: Value<String>,
    /// Whether names register in the zone automatically.
    pub registration_enabled: Value<bool>,
    /// `Default` or `NxDomainRedirect`.
    pub resolution_policy: Value<String>,
    /// Tags.
    pub tags: Value<Tags>,
}

type M = VirtualNetworkLinkModel;

/// The resolution policies ARM accepts.
pub const RESOLUTION_POLICIES: &[&str] = &["Default", "NxDomainRedirect"];

/// The resolution policy ARM applies when none is given.
const DEFAULT_POLICY: &str = "Default";

fn link_id(m: &M) -> Result<VirtualNetworkLinkId, Error> {
    id_or(&m.id, VirtualNetworkLinkId::parse_lenient, || {
        let zone = m.private_dns_zone_id.as_known().map_or("", String::as_str);
        let zone = PrivateDnsZoneId::parse(zone)
            .map_err(|e| Error::new(e.message).at(attr(M::PRIVATE_DNS_ZONE_ID)))?;
        Ok(zone.virtual_network_link(m.name.as_known().map_or("", String::as_str)))
    })
}

/// The PUT body of a create or update.
fn body(planned: &M) -> Link {
    Link {
        location: Some("global".into()),
        tags: Some(tags_body(&planned.tags)),
        properties: VirtualNetworkLinkProperties {
            virtual_network: Some(SubResource {
                id: planned.virtual_network_id.as_known().cloned(),
            }),
            registration_enabled: Some(
                planned
                    .registration_enabled
                    .as_known()
                    .copied()
                    .unwrap_or(false),
            ),
            resolution_policy: Some(
                planned
                    .resolution_policy
                    .as_known()
                    .map_or(DEFAULT_POLICY, String::as_str)
                    .to_string(),
            ),
        },
    }
}

/// The link as state, from its ARM body.
fn to_state(id: &VirtualNetworkLinkId, link: Link, prior: &M) -> M {
    let p = link.properties;
    M {
        id: Value::Known(id.to_string()),
        name: Value::Known(id.name().to_string()),
        private_dns_zone_id: keep_spelling(
            Value::Known(id.private_dns_zone().to_string()),
            &prior.private_dns_zone_id,
            pl::lower,
        ),
        virtual_network_id: keep_spelling(
            text(p.virtual_network.and_then(|v| v.id)),
            &prior.virtual_network_id,
            pl::lower,
        ),
        registration_enabled: Value::Known(p.registration_enabled.unwrap_or(false)),
        resolution_policy: Value::Known(
            text(p.resolution_policy)
                .known()
                .unwrap_or_else(|| DEFAULT_POLICY.into()),
        ),
        tags: tags_state(link.tags, &prior.tags),
    }
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for PrivateDnsZoneVirtualNetworkLink {
    type Model = VirtualNetworkLinkModel;

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
                    .validate(Validator::Str(pl::check_network_name)),
            )
            .attribute(
                Attribute::required("private_dns_zone_id", Type::String, "The ARM ID of the private DNS zone.")
                    .requires_replace()
                    .case_insensitive()
                    .validate(Validator::Str(pl::check_private_dns_zone_id)),
            )
            .attribute(
                Attribute::required("virtual_network_id", Type::String, "The ARM ID of the virtual network (not a subnet).")
                    .requires_replace()
                    .case_insensitive()
                    .validate(Validator::Str(pl::check_virtual_network_id)),
            )
            .attribute(
                Attribute::optional_computed(
                    "registration_enabled",
                    Type::Bool,
                    "Whether virtual machines in the network register their names in the zone automatically. Leave it off for `privatelink.*` zones. Updated in place.",
                )
                .default(Cty::Bool(false)),
            )
            .attribute(
                Attribute::optional_computed(
                    "resolution_policy",
                    Type::String,
                    "`Default`, or `NxDomainRedirect` to fall back to public DNS when a name is not in the zone. Updated in place.",
                )
                .default(Cty::string(DEFAULT_POLICY))
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

    async fn existing(&self, ctx: &Ctx<'_>, planned: &M) -> Result<Option<String>, Error> {
        let arm = ctx.arm().await?;
        let id = link_id(planned)?;
        existing_listed_id(&arm, &id, PRIVATE_DNS, "virtual network link").await
    }

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = link_id(planned)?;
        let r = arm
            .put(&id, PRIVATE_DNS, &body(planned))
            .await
            .doing(format!(
                "creating private DNS zone virtual network link {id}"
            ))?;
        Ok(to_state(&id, parse(&r.body)?, planned))
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let arm = ctx.arm().await?;
        let id = link_id(state)?;
        let found = read_listed(&arm, &id, PRIVATE_DNS).await.doing(format!(
            "reading private DNS zone virtual network link {id}"
        ))?;
        found
            .map(|r| Ok(to_state(&id, parse(&r.body)?, state)))
            .transpose()
    }

    async fn update(&self, ctx: &Ctx<'_>, _prior: &M, planned: &M) -> Result<M, Error> {
        let arm = ctx.arm().await?;
        let id = link_id(planned)?;
        let r = arm
            .put(&id, PRIVATE_DNS, &body(planned))
            .await
            .doing(format!(
                "updating private DNS zone virtual network link {id}"
            ))?;
        Ok(to_state(&id, parse(&r.body)?, planned))
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let arm = ctx.arm().await?;
        let id = link_id(state)?;
        let doing = format!("deleting private DNS zone virtual network link {id}");
        arm.delete(&id, PRIVATE_DNS).await.doing(&doing)?;
        // The operation can report success while the link is still visible: wait until it is gone.
        let gone = |r: Option<&Response>| match r {
            None => Wait::<(), ()>::Done(()),
            Some(_) => Wait::Pending,
        };
        match arm
            .wait_until(&id, PRIVATE_DNS, arm.deadline(), None, gone)
            .await
        {
            Ok(()) => Ok(()),
            Err(WaitError::Arm(e)) => Err(e).doing(&doing),
            Err(_) => Err(Error::new(format!("{doing}: the link is still there after the delete operation finished"))
                .detail("Azure accepted the delete but the link did not go away in time. Run `terraform destroy` again, or raise the `delete` timeout.")),
        }
    }

    fn import(&self, id: &str) -> Result<M, Error> {
        import_stub(id, VirtualNetworkLinkId::parse, |m: &mut M| &mut m.id)
    }
}
