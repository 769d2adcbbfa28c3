//! What the provider learns while Terraform plans, kept for the rest of the same provider
//! process. Terraform starts one provider process per phase, and in the apply phase it plans each
//! resource instance again right before applying it; so facts recorded at plan time in that
//! process describe the apply that follows.
//!
//! - Announcements: a planned create of an edit of a workspace (an IP rule) means that edit will
//!   be submitted in a moment. The workspace write coordinator asks for them (as
//!   [`ExpectedEdits`]) so that parallel creates share one write.
//! - Planned isolation modes: the mode an `aml_workspace_managed_network` of the same run will
//!   set, which the outbound-rule plans check against instead of the current one.
//! - Planned inbound access and provisioning: the public network access an
//!   `aml_workspace_network_access` of the same run will set, and whether an
//!   `aml_workspace_managed_network` of the same run will provision the managed network, which
//!   the online endpoint's plan checks against instead of the current workspace.
//! - Warnings given once per workspace in a run (the firewall cost warning).
//!
//! The ARM layer knows nothing of this: it only sees the [`ExpectedEdits`] trait.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::arm::ids::WorkspaceId;
use crate::arm::ExpectedEdits;

/// How long an announced edit is waited for. Terraform plans a resource instance and applies it
/// right after, so an announced edit normally arrives within milliseconds, but on a loaded
/// machine (a CI runner running other jobs) the gap was seen above 300 ms, which split a batch
/// of sibling rules into several writes; this bounds the wait when the edit never comes (the
/// apply failed early, or the plan was a plan only).
pub const ANNOUNCE_TTL: Duration = Duration::from_millis(1000);

/// Edits announced at plan time and not yet submitted, per workspace (lower-cased ID).
#[derive(Debug, Default)]
pub struct Announcements {
    announced: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Announcements {
    /// Records that an edit of workspace `workspace_id` is about to be submitted.
    pub fn announce(&self, workspace_id: &str) {
        let mut map = self.announced.lock().unwrap_or_else(|e| e.into_inner());
        let a = map.entry(workspace_id.to_ascii_lowercase()).or_default();
        a.retain(|t| t.elapsed() < ANNOUNCE_TTL);
        a.push_back(Instant::now());
    }
}

impl ExpectedEdits for Announcements {
    fn expected_until(&self, key: &str) -> Option<Instant> {
        let mut map = self.announced.lock().unwrap_or_else(|e| e.into_inner());
        let a = map.get_mut(key)?;
        a.retain(|t| t.elapsed() < ANNOUNCE_TTL);
        a.front().map(|t| *t + ANNOUNCE_TTL)
    }

    fn submitted(&self, key: &str) {
        let mut map = self.announced.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = map.get_mut(key) {
            a.pop_front();
        }
    }
}

/// The plan-time facts of one provider process; owned by
/// [`ConfiguredProvider`](super::ConfiguredProvider).
#[derive(Debug, Default)]
pub struct PlanFacts {
    announcements: Arc<Announcements>,
    isolation_modes: Mutex<HashMap<String, String>>,
    public_network_access: Mutex<HashMap<String, String>>,
    provisioning: Mutex<HashSet<String>>,
    firewall_warned: Mutex<HashSet<String>>,
}

impl PlanFacts {
    /// Announces that Terraform has planned the create of an edit of workspace `workspace_id`
    /// and will submit it next: a write of that workspace about to take its batch waits for it
    /// (at most [`ANNOUNCE_TTL`]), so that the instances Terraform runs in parallel share one
    /// write. A lone edit, or one that was not announced, waits for nothing.
    pub fn announce_edit(&self, workspace_id: &str) {
        self.announcements.announce(workspace_id);
    }

    /// The announcements, as the workspace write coordinator consumes them.
    pub fn announcements(&self) -> Arc<Announcements> {
        self.announcements.clone()
    }

    /// Records the isolation mode an `aml_workspace_managed_network` in the same plan will set,
    /// so that rule plans of the same run check against it rather than the current one.
    pub fn plan_isolation_mode(&self, ws: &WorkspaceId, mode: &str) {
        if let Ok(mut m) = self.isolation_modes.lock() {
            m.insert(ws.key(), mode.to_string());
        }
    }

    /// The isolation mode planned for `ws` in this process, if any.
    pub fn planned_isolation_mode(&self, ws: &WorkspaceId) -> Option<String> {
        self.isolation_modes
            .lock()
            .ok()
            .and_then(|m| m.get(&ws.key()).cloned())
    }

    /// Records the public network access an `aml_workspace_network_access` in the same plan will
    /// set on `ws` (`Enabled` or `Disabled`).
    pub fn plan_public_network_access(&self, ws: &WorkspaceId, access: &str) {
        if let Ok(mut m) = self.public_network_access.lock() {
            m.insert(ws.key(), access.to_string());
        }
    }

    /// The public network access planned for `ws` in this process, if any.
    pub fn planned_public_network_access(&self, ws: &WorkspaceId) -> Option<String> {
        self.public_network_access
            .lock()
            .ok()
            .and_then(|m| m.get(&ws.key()).cloned())
    }

    /// Records that an `aml_workspace_managed_network` in the same plan provisions the managed
    /// network of `ws` (and waits until it is Active).
    pub fn plan_provisioning(&self, ws: &WorkspaceId) {
        if let Ok(mut s) = self.provisioning.lock() {
            s.insert(ws.key());
        }
    }

    /// Whether this process planned the provisioning of the managed network of `ws`.
    pub fn provisioning_planned(&self, ws: &WorkspaceId) -> bool {
        self.provisioning
            .lock()
            .map(|s| s.contains(&ws.key()))
            .unwrap_or(false)
    }

    /// Returns true the first time it is called for `ws` in this process (one firewall warning
    /// per workspace and plan).
    pub fn first_firewall_warning(&self, ws: &WorkspaceId) -> bool {
        self.firewall_warned
            .lock()
            .map(|mut s| s.insert(ws.key()))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::coordination::fake::Fake;
    use crate::arm::network_acls::{self, AddIpRule, AddOutcome};
    use crate::arm::{ArmError, Coordinator, Deadline, Edited};

    fn deadline() -> Deadline {
        Deadline::after(Duration::from_secs(10))
    }

    async fn add(c: &Arc<Coordinator<Fake>>, ip: &str) -> Result<Edited<AddOutcome>, ArmError> {
        let mut e = AddIpRule::new(ip);
        c.edit("/WS", deadline(), move |doc| e.apply(doc)).await
    }

    #[test]
    fn announcements_expire_and_are_consumed_in_order() {
        let a = Announcements::default();
        assert_eq!(a.expected_until("/ws"), None);
        a.announce("/WS");
        a.announce("/ws");
        let until = a.expected_until("/ws").expect("announced");
        assert!(until <= Instant::now() + ANNOUNCE_TTL);
        a.submitted("/ws");
        assert!(a.expected_until("/ws").is_some(), "one is still expected");
        a.submitted("/ws");
        assert_eq!(a.expected_until("/ws"), None);
        assert_eq!(a.expected_until("/other"), None);
    }

    #[test]
    fn plan_facts_are_per_workspace() {
        let f = PlanFacts::default();
        let ws = WorkspaceId::parse(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w",
        )
        .unwrap();
        assert_eq!(f.planned_isolation_mode(&ws), None);
        f.plan_isolation_mode(&ws, "AllowOnlyApprovedOutbound");
        assert_eq!(
            f.planned_isolation_mode(&ws).as_deref(),
            Some("AllowOnlyApprovedOutbound")
        );
        assert!(f.first_firewall_warning(&ws));
        assert!(!f.first_firewall_warning(&ws));
        assert_eq!(f.planned_public_network_access(&ws), None);
        f.plan_public_network_access(&ws, "Enabled");
        assert_eq!(
            f.planned_public_network_access(&ws).as_deref(),
            Some("Enabled")
        );
        assert!(!f.provisioning_planned(&ws));
        f.plan_provisioning(&ws);
        assert!(f.provisioning_planned(&ws));
        let other = WorkspaceId::parse(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/other",
        )
        .unwrap();
        assert_eq!(f.planned_public_network_access(&other), None);
        assert!(!f.provisioning_planned(&other));
    }

    #[tokio::test]
    async fn announced_edits_join_the_write_and_unannounced_ones_wait_for_nothing() {
        let f = Fake::new(&[]);
        let facts = PlanFacts::default();
        let c = Arc::new(Coordinator::new(f.clone(), true, facts.announcements()));
        // Terraform planned 6 instances; their applies arrive a few milliseconds apart.
        for _ in 0..6 {
            facts.announce_edit("/ws");
        }
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let c = c.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(8 * i)).await;
                    add(&c, &format!("52.0.0.{}", i + 1)).await.unwrap().value
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), AddOutcome::Added);
        }
        assert_eq!(f.state().patches, 1, "announced edits share one write");
        // An announcement that never turns into an edit delays a write by at most ANNOUNCE_TTL.
        facts.announce_edit("/ws");
        let t = Instant::now();
        add(&c, "52.0.0.9").await.unwrap();
        assert!(t.elapsed() < ANNOUNCE_TTL + Duration::from_millis(200));
        facts.announce_edit("/ws");
        let t = Instant::now();
        c.edit("/ws", deadline(), |d| {
            network_acls::remove_ip_rule(d, "52.0.0.9")
        })
        .await
        .unwrap();
        c.edit("/ws", deadline(), |d| {
            network_acls::remove_ip_rule(d, "52.0.0.8")
        })
        .await
        .unwrap();
        assert!(
            t.elapsed() < ANNOUNCE_TTL + Duration::from_millis(200),
            "the announcement was consumed by the first edit"
        );
    }
}
