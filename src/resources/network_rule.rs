//! `aml_network_rule`: one public IPv4 address or CIDR range allowed into an Azure ML workspace,
//! as an entry of `properties.networkAcls.ipRules` of `Microsoft.MachineLearningServices/workspaces`.
//! That property exists only in the preview api-version [`api_versions::ML_NETWORK_ACLS`].
//!
//! There is no ARM resource per rule: every create and delete is an edit of the workspace,
//! submitted to the client's per-workspace coordinator, which batches concurrent edits into
//! few conditional PATCHes and never drops a rule it does not own. Addresses are checked at
//! plan time (IPv4 only, public only, no host bits in a CIDR).

use async_trait::async_trait;

use super::common::{attr, check_workspace_id, read_workspace, workspace_id};
use crate::arm::api_versions;
use crate::arm::ids::WorkspaceId;
use crate::arm::models::workspace::WorkspaceInbound;
use crate::arm::network_acls::{self, AddIpRule, AddOutcome, Ipv4Net, MAX_IP_RULES};
use crate::provider::handler::{parse, Ctx, Doing};
use crate::provider::ConfiguredProvider;
use crate::tfplugin::cty::Type;
use crate::tfplugin::diagnostics::Diagnostic;
use crate::tfplugin::model::{Model, Value};
use crate::tfplugin::schema::{Attribute, Block, Schema, Validator};
use crate::tfplugin::traits::Error;
use crate::tfplugin::typed::{TypedPlan, TypedResource};

/// The resource.
#[derive(Debug)]
pub struct NetworkRule;

/// The resource's configuration and state.
#[derive(Model, Clone, Debug)]
pub struct NetworkRuleModel {
    /// The rule's ID (see [`rule_id`]).
    pub id: Value<String>,
    /// The workspace's ARM ID.
    pub workspace_id: Value<String>,
    /// The IPv4 address or CIDR range.
    pub ip_address: Value<String>,
}

type M = NetworkRuleModel;

/// The type name.
pub const TYPE: &str = "aml_network_rule";

/// The separator between the workspace ID and the address in a rule's ID.
const ID_INFIX: &str = "/networkRules/";

/// Address ranges that are not public, with what they are.
const RESERVED: &[(&str, &str)] = &[
    ("0.0.0.0/8", "\"this network\""),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
];

/// Checks an `ip_address` value: an IPv4 address or CIDR range, public, with no host bits set.
pub fn check_ip(s: &str) -> Result<Ipv4Net, String> {
    if s.contains(':') {
        return Err(format!(
            "{s:?} is an IPv6 address: only IPv4 is supported. Workspace IP rules accept public IPv4 addresses \
             and CIDR ranges only."
        ));
    }
    if s.trim() != s || s.is_empty() {
        return Err(format!(
            "{s:?} is not an IPv4 address or CIDR range: remove the surrounding spaces."
        ));
    }
    let net = Ipv4Net::parse(s).ok_or_else(|| {
        format!("{s:?} is not an IPv4 address or CIDR range. Write an address like \"52.160.10.4\" or a range like \"52.160.0.0/16\".")
    })?;
    let network = Ipv4Net {
        addr: net.network(),
        prefix: net.prefix,
    };
    for (range, what) in RESERVED {
        let r = Ipv4Net::parse(range).expect("reserved ranges parse");
        if network.within(&r) || r.within(&network) {
            return Err(format!(
                "{s:?} is not a public address: it is in or covers {range} ({what}). Workspace IP rules accept \
                 public IPv4 addresses and ranges only; reach private addresses through a private endpoint."
            ));
        }
    }
    if net.addr != net.network() {
        return Err(format!(
            "{s:?} has host bits set for a /{} range: use the network address {}/{} (or the single address {}).",
            net.prefix,
            net.network(),
            net.prefix,
            net.addr
        ));
    }
    Ok(net)
}

fn validate_ip(s: &str) -> Result<(), String> {
    check_ip(s).map(|_| ())
}

/// The rule's ID: `<workspace ID>/networkRules/<address>`, with the `/` of a CIDR as `%2F`.
pub fn rule_id(workspace_id: &str, ip: &str) -> String {
    format!("{workspace_id}{ID_INFIX}{}", ip.replace('/', "%2F"))
}

/// Parses a rule ID (or import ID): the `/` of a CIDR may be written as `%2F` or as it is.
pub fn parse_rule_id(id: &str) -> Result<(WorkspaceId, String), String> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind(&ID_INFIX.to_ascii_lowercase()).ok_or_else(|| {
        format!(
            "{id:?} is not an IP rule ID: expected <workspace ID>/networkRules/<address>, e.g. \
             /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>/networkRules/52.160.0.0%2F16"
        )
    })?;
    let ws = WorkspaceId::parse(&id[..at]).map_err(|e| format!("{id:?}: {}", e.message))?;
    let ip = id[at + ID_INFIX.len()..]
        .replace("%2F", "/")
        .replace("%2f", "/");
    check_ip(&ip).map_err(|e| format!("{id:?}: {e}"))?;
    Ok((ws, ip))
}

/// The rule's address as the state holds it.
fn ip_of(m: &M) -> String {
    m.ip_address.as_known().cloned().unwrap_or_default()
}

#[async_trait]
impl TypedResource<ConfiguredProvider> for NetworkRule {
    type Model = NetworkRuleModel;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        let block = Block::new(format!(
                "One public IPv4 address or CIDR range allowed to reach an Azure Machine Learning workspace over \
                 its public endpoint: an entry of the workspace's `networkAcls.ipRules`. The rule takes effect \
                 only while the workspace's public network access is `Enabled` and its default action is \
                 `Deny` (see `aml_workspace_network_access`).\n\n\
                 Addresses are checked at plan time: IPv4 only, public only (private, shared, loopback, \
                 link-local, documentation, benchmarking, multicast and reserved ranges are refused), and a \
                 CIDR range must be written with its network address. A workspace holds at most {MAX_IP_RULES} \
                 rules.\n\n\
                 All writes to one workspace go through one in-process coordinator: rules created or \
                 destroyed together in one apply are written in a few conditional (`If-Match`) updates of the \
                 workspace, and rules added outside Terraform are kept. `networkAcls` exists only in a preview \
                 api-version of Microsoft.MachineLearningServices; this provider uses `{}` for it.",
                api_versions::ML_NETWORK_ACLS
            ));
        Schema::new(
            block
            .attribute(Attribute::id(
                "The rule's ID: the workspace ID, `/networkRules/`, and the address with the `/` of a CIDR range \
                 written as `%2F`.",
            ))
            .attribute(
                Attribute::required(
                    "workspace_id",
                    Type::String,
                    "The ARM ID of the workspace (or hub) the rule belongs to.",
                )
                .requires_replace()
                .case_insensitive()
                .validate(Validator::Str(check_workspace_id)),
            )
            .attribute(
                Attribute::required(
                    "ip_address",
                    Type::String,
                    "A public IPv4 address (`52.160.10.4`) or CIDR range (`52.160.0.0/16`) allowed in: IPv4 only, \
                     public only, a range with its network address.",
                )
                .requires_replace()
                .validate(Validator::Str(validate_ip)),
            ),
        )
    }

    fn import_doc(&self) -> &'static str {
        "Import a rule with the workspace's ARM ID, `/networkRules/`, and the address exactly as the workspace \
         lists it. Write the `/` of a CIDR range as `%2F` (a plain `/` is accepted too). The ID of every rule \
         in the state has this form, so it can be imported again as it is."
    }

    async fn plan(&self, ctx: &Ctx<'_>, plan: &mut TypedPlan<M>) -> Result<(), Error> {
        // Terraform applies an instance right after planning it: tell the coordinator that an
        // edit of this workspace is coming, so that parallel creates share a write.
        if plan.is_create() {
            if let Some(ws) = plan
                .planned
                .workspace_id
                .as_known()
                .and_then(|w| WorkspaceId::parse(w).ok())
            {
                ctx.client.plan_facts().announce_edit(ws.as_ref());
            }
        }
        Ok(())
    }

    async fn create(&self, ctx: &Ctx<'_>, planned: &M) -> Result<M, Error> {
        let ws = workspace_id(&planned.workspace_id)?;
        let ip = ip_of(planned);
        let arm = ctx.arm().await?;
        let doing = format!("adding IP rule {ip} to workspace {ws}");
        let mut edit = AddIpRule::new(ip.clone());
        let id = rule_id(ws.as_ref(), &ip);
        arm.accepted(&id);
        let done = ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), arm.deadline(), move |doc| edit.apply(doc))
            .await;
        arm.unless_refused(&id, &done);
        let done = done.doing(&doing)?;
        if !matches!(done.value, AddOutcome::Added) {
            arm.not_written(&id);
        }
        match done.value {
            AddOutcome::Added => {}
            AddOutcome::AlreadyPresent => {
                let mut err = Error::already_exists(TYPE, &id).at(attr(M::IP_ADDRESS));
                err.detail = format!("Workspace {ws} already allows {ip}. {}", err.detail);
                return Err(err);
            }
            AddOutcome::LimitReached(n) => {
                return Err(Error::new(format!("{doing}: the workspace already has {n} IP rules, the limit is {MAX_IP_RULES}"))
                    .at(attr(M::IP_ADDRESS))
                    .detail("Remove rules that are no longer needed, or combine neighbouring addresses into CIDR ranges."));
            }
        }
        let state = M {
            id: Value::Known(id),
            ..planned.clone()
        };
        let inbound: WorkspaceInbound =
            parse(&done.workspace).map_err(|e| e.with_partial(state.clone()))?;
        if let Some(reason) = inbound.rules_ineffective_reason() {
            ctx.warn(
                Diagnostic::warning(
                    "The IP rule has no effect yet",
                    format!(
                        "Workspace {ws} now allows {ip}, but {reason}. Manage the workspace's inbound access with \
                         `aml_workspace_network_access` (public_network_access = \"Enabled\", default_action = \"Deny\") \
                         and let the rules refer to its `workspace_id`, so that it is applied first."
                    ),
                )
                .at(attr(M::IP_ADDRESS)),
            );
        }
        Ok(state)
    }

    async fn read(&self, ctx: &Ctx<'_>, state: &M) -> Result<Option<M>, Error> {
        let ws = workspace_id(&state.workspace_id)?;
        let ip = ip_of(state);
        let Some(inbound) = read_workspace::<WorkspaceInbound>(ctx, &ws).await? else {
            return Ok(None);
        };
        Ok(inbound.has_ip_rule(&ip).then(|| M {
            id: Value::Known(rule_id(ws.as_ref(), &ip)),
            ..state.clone()
        }))
    }

    async fn update(&self, _ctx: &Ctx<'_>, _prior: &M, planned: &M) -> Result<M, Error> {
        // Every argument replaces the rule; only `timeouts` can change in place.
        Ok(planned.clone())
    }

    async fn delete(&self, ctx: &Ctx<'_>, state: &M) -> Result<(), Error> {
        let ws = workspace_id(&state.workspace_id)?;
        let ip = ip_of(state);
        let arm = ctx.arm().await?;
        let target = ip.clone();
        let result = ctx
            .client
            .coordinator()
            .await?
            .edit(ws.as_ref(), arm.deadline(), move |doc| {
                network_acls::remove_ip_rule(doc, &target)
            })
            .await;
        match result {
            Err(e) if e.is_not_found() => Ok(()),
            r => r
                .map(|_| ())
                .doing(format!("removing IP rule {ip} from workspace {ws}")),
        }
    }

    fn import(&self, id: &str) -> Result<M, Error> {
        let (ws, ip) = parse_rule_id(id)
            .map_err(|e| Error::new(format!("invalid {TYPE} import ID")).detail(e))?;
        Ok(M {
            id: Value::Known(rule_id(ws.as_ref(), &ip)),
            workspace_id: Value::Known(ws.to_string()),
            ip_address: Value::Known(ip),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw";

    /// `Ok(())` when accepted, else a fragment the message must contain.
    fn check(input: &str, expected: Result<(), &str>) {
        match (check_ip(input), expected) {
            (Ok(_), Ok(())) => {}
            (Err(m), Err(frag)) => assert!(m.contains(frag), "{input:?}: {m:?} lacks {frag:?}"),
            (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn ip_checks() {
        for (input, expected) in [
            ("52.160.10.4", Ok(())),
            ("52.160.10.4/32", Ok(())),
            ("52.160.0.0/16", Ok(())),
            ("1.0.0.0/8", Ok(())),
            ("203.0.114.0/24", Ok(())),
            ("2001:db8::1", Err("only IPv4 is supported")),
            ("::ffff:52.1.2.3", Err("only IPv4 is supported")),
            (
                "52.160.10.4/16",
                Err("use the network address 52.160.0.0/16"),
            ),
            ("52.160.10.4/33", Err("not an IPv4 address or CIDR range")),
            ("52.160.10", Err("not an IPv4 address or CIDR range")),
            ("052.1.2.3", Err("not an IPv4 address or CIDR range")),
            ("52.1.2.3/", Err("not an IPv4 address or CIDR range")),
            (" 52.1.2.3", Err("spaces")),
            ("", Err("spaces")),
            ("0.1.2.3", Err("0.0.0.0/8")),
            ("0.0.0.0/0", Err("not a public address")),
            ("10.1.2.3", Err("10.0.0.0/8 (private)")),
            ("100.64.0.1", Err("100.64.0.0/10")),
            ("100.128.0.1", Ok(())),
            ("127.0.0.1", Err("loopback")),
            ("169.254.1.1", Err("link-local")),
            ("172.16.0.0/12", Err("172.16.0.0/12")),
            ("172.31.255.255", Err("172.16.0.0/12")),
            ("172.32.0.1", Ok(())),
            ("192.0.0.9", Err("192.0.0.0/24")),
            ("192.0.2.10", Err("TEST-NET-1")),
            ("192.88.99.1", Err("6to4")),
            ("192.168.1.1", Err("192.168.0.0/16")),
            ("198.18.0.1", Err("benchmarking")),
            ("198.19.255.1", Err("benchmarking")),
            ("198.20.0.1", Ok(())),
            ("198.51.100.7", Err("TEST-NET-2")),
            ("203.0.113.0/24", Err("TEST-NET-3")),
            ("224.0.0.1", Err("multicast")),
            ("239.255.255.255", Err("multicast")),
            ("240.0.0.1", Err("reserved")),
            ("255.255.255.255", Err("reserved")),
            ("8.0.0.0/5", Err("covers 10.0.0.0/8")),
        ] {
            check(input, expected);
        }
    }

    #[test]
    fn rule_ids_round_trip() {
        for ip in ["52.160.10.4", "52.160.0.0/16", "52.160.10.4/32"] {
            let id = rule_id(WS, ip);
            assert!(
                !id[WS.len()..].trim_start_matches(ID_INFIX).contains('/'),
                "{id}"
            );
            let (ws, back) = parse_rule_id(&id).unwrap();
            assert_eq!((ws.to_string().as_str(), back.as_str()), (WS, ip));
            assert_eq!(rule_id(ws.as_ref(), &back), id);
        }
        // A plain slash and lower-case escape are accepted on import.
        assert_eq!(
            parse_rule_id(&format!("{WS}/networkRules/52.160.0.0/16"))
                .unwrap()
                .1,
            "52.160.0.0/16"
        );
        assert_eq!(
            parse_rule_id(&format!("{WS}/networkrules/52.160.0.0%2f16"))
                .unwrap()
                .1,
            "52.160.0.0/16"
        );
        for (bad, frag) in [
            (
                WS.to_string(),
                "expected <workspace ID>/networkRules/<address>",
            ),
            (
                format!("{WS}/networkRules/10.0.0.1"),
                "not a public address",
            ),
            (format!("{WS}/networkRules/2001:db8::1"), "only IPv4"),
            (
                "/subscriptions/x/networkRules/52.1.2.3".to_string(),
                "/subscriptions/x",
            ),
        ] {
            let e = parse_rule_id(&bad).unwrap_err();
            assert!(e.contains(frag), "{bad}: {e}");
        }
    }
}
