//! In-process coordination of writes to one workspace.
//!
//! ARM keeps only some of several concurrent writes to one workspace: several outbound rules
//! written at once all report success, yet only some of them remain. And a write per change makes
//! applies with many rules slow (each rule write also updates the managed network's firewall).
//! Two tools live here:
//!
//! - [`KeyedLocks`]: one async mutex per key (a lower-cased workspace ID), for callers that only
//!   need to serialise.
//! - [`Coordinator`]: a per-workspace queue of edits, writing through the [`WorkspaceStore`] it
//!   was built with (the [`ArmClient`]). One driver task per workspace runs write cycles while
//!   edits are queued. A cycle GETs the workspace (taking the ETag), then waits for edits it is
//!   told are on their way (see below), then takes every queued edit as one batch, applies them
//!   in submission order to the body it read, and PATCHes only the changed top-level properties
//!   with `If-Match`. On 412 (or a transient failure) it reads again, adds whatever queued
//!   meanwhile, and re-applies every edit of the batch, within the latest of the callers'
//!   deadlines; from the fourth such conflict of a cycle on it also waits before reading (100 ms,
//!   doubling up to 1.6 s), and fails the batch with a timeout when that wait would reach the
//!   deadline. Each caller gets its own edit's result.
//!
//!   The wait before taking a batch is bounded and happens only when edits are known to be
//!   coming: (a) while an [`ExpectedEdits`] source (the provider's plan-time announcements)
//!   reports an expected edit of this workspace, until it is submitted or the source's expiry
//!   (1 s after the announcement, for the provider); (b) otherwise, for at most
//!   [`REFILL_WAIT`] (400 ms) after the previous cycle of this workspace answered its callers,
//!   until as many new edits (of any workspace) have been submitted as that cycle answered. A
//!   lone edit, or the first after a quiet spell, waits for nothing. Edits only touch what they
//!   own, and the ETag guarantees that concurrent out-of-band changes survive.
//!
//! The coordinator knows nothing of Terraform or of what an edit means; the edits on
//! `networkAcls` live in [`super::network_acls`]. It is in memory and coordinates the writes of
//! one provider process.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Map, Value};
use tokio::sync::{oneshot, Mutex as AsyncMutex, OwnedMutexGuard};

use super::api_versions;
use super::client::{ArmClient, Response, WriteOptions};
use super::deadline::Deadline;
use super::error::{ArmError, ErrorKind};

/// A map of async mutexes keyed case-insensitively.
#[derive(Debug, Default)]
pub struct KeyedLocks {
    locks: Mutex<HashMap<String, Weak<AsyncMutex<()>>>>,
}

impl KeyedLocks {
    /// An empty set of locks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for and takes the lock of `key` (compared case-insensitively); released on drop.
    pub async fn lock(&self, key: &str) -> OwnedMutexGuard<()> {
        let mutex = {
            let mut map = self.locks.lock().expect("KeyedLocks map poisoned");
            map.retain(|_, w| w.strong_count() > 0);
            let k = key.to_ascii_lowercase();
            match map.get(&k).and_then(Weak::upgrade) {
                Some(m) => m,
                None => {
                    let m = Arc::new(AsyncMutex::new(()));
                    map.insert(k, Arc::downgrade(&m));
                    m
                }
            }
        };
        mutex.lock_owned().await
    }

    /// Number of keys with a live lock (held or awaited); for tests and diagnostics.
    pub fn live_keys(&self) -> usize {
        let map = self.locks.lock().expect("KeyedLocks map poisoned");
        map.values().filter(|w| w.strong_count() > 0).count()
    }
}

/// How the [`Coordinator`] reads and writes a workspace. [`ArmClient`] implements it at the
/// preview api-version that carries `networkAcls`; tests use a fake.
#[async_trait]
pub trait WorkspaceStore: Clone + Send + Sync + 'static {
    /// GET the workspace; `Ok(None)` when it does not exist.
    async fn read(&self, id: &str, deadline: Deadline) -> Result<Option<Response>, ArmError>;

    /// PATCH the workspace with `body`, conditional on `if_match` when given, and wait for the
    /// operation; returns the final workspace body.
    async fn patch(
        &self,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        deadline: Deadline,
    ) -> Result<Response, ArmError>;
}

#[async_trait]
impl WorkspaceStore for ArmClient {
    async fn read(&self, id: &str, deadline: Deadline) -> Result<Option<Response>, ArmError> {
        self.get(id, api_versions::ML_NETWORK_ACLS, deadline).await
    }

    async fn patch(
        &self,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
        deadline: Deadline,
    ) -> Result<Response, ArmError> {
        let opts = WriteOptions {
            if_match: if_match.map(str::to_string),
            ..WriteOptions::default()
        };
        ArmClient::patch(
            self,
            id,
            api_versions::ML_NETWORK_ACLS,
            body,
            opts,
            deadline,
        )
        .await
    }
}

/// Tells a [`Coordinator`]'s write cycle which edits are on their way, so that it can wait for
/// them before taking its batch (see the module docs). Keys are lower-cased workspace IDs.
pub trait ExpectedEdits: Send + Sync {
    /// Until when the oldest expected, not yet submitted edit of workspace `key` is waited for;
    /// `None` when no edit of it is expected.
    fn expected_until(&self, key: &str) -> Option<Instant>;

    /// An edit of workspace `key` was submitted: one fewer is expected.
    fn submitted(&self, key: &str);
}

/// An [`ExpectedEdits`] that never expects anything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoExpectedEdits;

impl ExpectedEdits for NoExpectedEdits {
    fn expected_until(&self, _key: &str) -> Option<Instant> {
        None
    }

    fn submitted(&self, _key: &str) {}
}

/// The environment variable that turns coalescing off (`0`, `false` or `off`): every edit then
/// gets its own read-modify-write, still serialised per workspace. For measurements.
pub const COALESCE_ENV: &str = "AML_COORDINATOR_COALESCE";

/// What a caller of [`Coordinator::edit`] gets back.
#[derive(Clone, Debug, PartialEq)]
pub struct Edited<T> {
    /// The edit's own result, from its last application (after any re-read).
    pub value: T,
    /// The workspace body after the write (or as read, when the batch changed nothing).
    pub workspace: Value,
    /// Whether a PATCH was sent for the batch this edit was in.
    pub wrote: bool,
}

/// Counters of the coordinator's work, for tests and measurements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// PATCHes sent (including ones answered 412).
    pub patches: u64,
    /// GETs sent by write cycles and reads.
    pub reads: u64,
    /// 412 answers (and transient write failures) that led to a re-read.
    pub conflicts: u64,
    /// Edits submitted.
    pub edits: u64,
}

/// Per-workspace edit queues with coalescing read-modify-writes through one store; see the
/// module docs.
pub struct Coordinator<S: WorkspaceStore = ArmClient> {
    store: S,
    expected: Arc<dyn ExpectedEdits>,
    coalesce: bool,
    keys: Mutex<HashMap<String, Arc<KeyState>>>,
    stats: Mutex<Stats>,
    /// Submissions so far, for every workspace: Terraform's freed slots are refilled with
    /// instances of any workspace.
    submits: std::sync::atomic::AtomicU64,
    /// Signalled on every submission.
    submitted: tokio::sync::Notify,
}

impl<S: WorkspaceStore> std::fmt::Debug for Coordinator<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coordinator")
            .field("coalesce", &self.coalesce)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

struct Pending {
    apply: Box<dyn FnMut(&mut Value) + Send>,
    deadline: Deadline,
    done: oneshot::Sender<Result<(Value, bool), ArmError>>,
}

#[derive(Default)]
struct Queue {
    pending: VecDeque<Pending>,
    running: bool,
}

#[derive(Clone)]
struct Cached {
    response: Response,
    at: Instant,
}

#[derive(Default)]
struct KeyState {
    queue: Mutex<Queue>,
    read_lock: AsyncMutex<()>,
    cache: Mutex<Option<Cached>>,
    /// The last write's completion: when, how many callers it released, and the coordinator's
    /// submission count then.
    released: Mutex<Option<(Instant, usize, u64)>>,
}

impl std::fmt::Debug for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyState").finish_non_exhaustive()
    }
}

/// How long a write waits, after the previous one released its callers, for the edits that
/// take their places (see [`Coordinator::await_followers`]).
pub const REFILL_WAIT: Duration = Duration::from_millis(400);

/// After this many consecutive conflicts a write cycle backs off before reading again.
const FREE_CONFLICT_RETRIES: u32 = 3;

impl<S: WorkspaceStore> Coordinator<S> {
    /// A coordinator writing through `store`, waiting for the edits `expected` announces;
    /// `coalesce = false` gives every edit its own write.
    pub fn new(store: S, coalesce: bool, expected: Arc<dyn ExpectedEdits>) -> Self {
        Coordinator {
            store,
            expected,
            coalesce,
            keys: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            submits: std::sync::atomic::AtomicU64::new(0),
            submitted: tokio::sync::Notify::new(),
        }
    }

    /// A coordinator configured from [`COALESCE_ENV`] (coalescing unless it says otherwise).
    pub fn from_env(store: S, expected: Arc<dyn ExpectedEdits>) -> Self {
        let off = std::env::var(COALESCE_ENV)
            .map(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "0" | "false" | "off" | "no"
                )
            })
            .unwrap_or(false);
        Coordinator::new(store, !off, expected)
    }

    /// Whether edits are coalesced.
    pub fn coalesces(&self) -> bool {
        self.coalesce
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        *self.stats.lock().expect("stats poisoned")
    }

    fn count(&self, f: impl FnOnce(&mut Stats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    fn key_state(&self, id: &str) -> Arc<KeyState> {
        let mut map = self.keys.lock().expect("coordinator map poisoned");
        map.entry(id.to_ascii_lowercase()).or_default().clone()
    }

    /// Submits `edit` for the workspace `id` and waits for the write that carries it.
    ///
    /// `edit` gets the workspace body (as read with its ETag) and changes it in place; it may be
    /// called more than once (after a 412 it is applied to the re-read body), so it must decide
    /// from what it sees, and its last return value is the caller's result. An edit that refuses
    /// (a limit, a duplicate) leaves the body unchanged and says so in its value. Other edits of
    /// the same batch are applied to the same body, in submission order.
    pub async fn edit<T, F>(
        self: &Arc<Self>,
        id: &str,
        deadline: Deadline,
        mut edit: F,
    ) -> Result<Edited<T>, ArmError>
    where
        T: Send + 'static,
        F: FnMut(&mut Value) -> T + Send + 'static,
    {
        let slot: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
        let out = slot.clone();
        let apply = Box::new(move |doc: &mut Value| {
            let v = edit(doc);
            if let Ok(mut s) = slot.lock() {
                *s = Some(v);
            }
        });
        let (tx, rx) = oneshot::channel();
        let state = self.key_state(id);
        let start_driver = {
            let mut q = state.queue.lock().unwrap_or_else(|e| e.into_inner());
            q.pending.push_back(Pending {
                apply,
                deadline,
                done: tx,
            });
            !std::mem::replace(&mut q.running, true)
        };
        self.expected.submitted(&id.to_ascii_lowercase());
        self.submits
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.submitted.notify_waiters();
        self.count(|s| s.edits += 1);
        if start_driver {
            let (me, id, state) = (self.clone(), id.to_string(), state.clone());
            tokio::spawn(async move {
                use futures::FutureExt;
                let run = std::panic::AssertUnwindSafe(me.drive(&id, &state))
                    .catch_unwind()
                    .await;
                if run.is_err() {
                    // Never leave the workspace "running" with nobody driving it: callers
                    // waiting now get an error (their senders are dropped), later ones start
                    // a new driver.
                    tracing::error!(target: "arm", workspace = %id, "workspace write coordinator panicked");
                    let mut q = state.queue.lock().unwrap_or_else(|e| e.into_inner());
                    q.pending.clear();
                    q.running = false;
                }
            });
        }
        let (workspace, wrote) = match rx.await {
            Ok(r) => r?,
            Err(_) => {
                return Err(ArmError::new(
                    ErrorKind::Transport,
                    format!("the write of workspace {id} was abandoned"),
                ))
            }
        };
        let value = out.lock().ok().and_then(|mut s| s.take()).ok_or_else(|| {
            ArmError::new(
                ErrorKind::Transport,
                format!("the edit of workspace {id} was never applied"),
            )
        })?;
        Ok(Edited {
            value,
            workspace,
            wrote,
        })
    }

    /// Reads the workspace, accepting a body this process read or wrote within `max_age`.
    /// Concurrent readers of one workspace share one GET. `Ok(None)` when it does not exist.
    pub async fn read(
        &self,
        id: &str,
        max_age: Duration,
        deadline: Deadline,
    ) -> Result<Option<Response>, ArmError> {
        let state = self.key_state(id);
        let _g = state.read_lock.lock().await;
        if let Some(c) = state
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            if c.at.elapsed() <= max_age {
                return Ok(Some(c.response));
            }
        }
        self.count(|s| s.reads += 1);
        let r = self.store.read(id, deadline).await?;
        remember(&state, r.as_ref());
        Ok(r)
    }

    /// Forgets the shared read of workspace `id`. Call it after changing the workspace without the
    /// coordinator (an action such as `provisionManagedNetwork`), so that the next read sees it.
    pub fn forget(&self, id: &str) {
        let state = self.key_state(id);
        *state.cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Runs write cycles for one workspace until its queue is empty.
    async fn drive(&self, id: &str, state: &KeyState) {
        loop {
            let deadline = {
                let mut q = state.queue.lock().unwrap_or_else(|e| e.into_inner());
                q.pending.retain(|p| !p.done.is_closed());
                match q.pending.iter().map(|p| p.deadline).max() {
                    Some(d) => d,
                    None => {
                        q.running = false;
                        return;
                    }
                }
            };
            // Read first, then take the batch: what queued during the GET, and the edits known
            // to be on their way, join this write.
            self.count(|s| s.reads += 1);
            let read = self.store.read(id, deadline).await;
            self.await_followers(id, state).await;
            let batch = self.take_batch(state);
            if batch.is_empty() {
                continue;
            }
            let released = self.cycle(id, state, batch, read).await;
            let submits = self.submits.load(std::sync::atomic::Ordering::SeqCst);
            *state.released.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((Instant::now(), released, submits));
        }
    }

    /// Before a batch is taken, waits for edits that are known to be on their way, never for
    /// more: every edit [`ExpectedEdits`] reports (until submitted or its expiry), and, for at
    /// most [`REFILL_WAIT`] after the previous write released its callers, as many new edits
    /// (of any workspace) as it released: a caller running a bounded number of parallel tasks
    /// (Terraform) hands each freed slot to the next task at once, and those of this workspace
    /// are then queued. Without this, two groups of parallel edits alternate between writes
    /// forever (one group's followers always arrive during the other group's write), doubling
    /// the writes and the time. A lone edit, or the first after a quiet spell, waits for nothing.
    async fn await_followers(&self, id: &str, state: &KeyState) {
        if !self.coalesce {
            return;
        }
        let key = id.to_ascii_lowercase();
        loop {
            let notified = self.submitted.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let expiry = {
                match self.expected.expected_until(&key) {
                    Some(until) => until,
                    None => {
                        let submits = self.submits.load(std::sync::atomic::Ordering::SeqCst);
                        match *state.released.lock().unwrap_or_else(|e| e.into_inner()) {
                            Some((at, callers, then))
                                if at.elapsed() < REFILL_WAIT
                                    && submits - then < callers as u64 =>
                            {
                                at + REFILL_WAIT
                            }
                            _ => return,
                        }
                    }
                }
            };
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep_until(expiry.into()) => {}
            }
        }
    }

    fn take_batch(&self, state: &KeyState) -> Vec<Pending> {
        let mut q = state.queue.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch = Vec::new();
        while let Some(p) = q.pending.pop_front() {
            if p.done.is_closed() {
                continue;
            }
            batch.push(p);
            if !self.coalesce {
                break;
            }
        }
        batch
    }

    /// One read-modify-write of `batch`, re-reading on conflicts.
    /// Returns how many callers it answered.
    async fn cycle(
        &self,
        id: &str,
        state: &KeyState,
        mut batch: Vec<Pending>,
        mut read: Result<Option<Response>, ArmError>,
    ) -> usize {
        let mut conflicts = 0u32;
        loop {
            let deadline = batch
                .iter()
                .map(|p| p.deadline)
                .max()
                .unwrap_or_else(|| Deadline::after(Duration::ZERO));
            let current = match read {
                Ok(Some(r)) => r,
                Ok(None) => {
                    *state.cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    let e = not_found(id);
                    return finish(batch, |_| Err(e.clone()));
                }
                Err(e) => return finish(batch, |_| Err(e.clone())),
            };
            remember(state, Some(&current));
            let mut after = current.body.clone();
            for p in &mut batch {
                (p.apply)(&mut after);
            }
            let Some(body) = patch_body(&current.body, &after) else {
                return finish(batch, |_| Ok((after.clone(), false)));
            };
            if current.etag.is_none() {
                tracing::warn!(target: "arm", workspace = id, "no ETag on the workspace; writing without If-Match");
            }
            self.count(|s| s.patches += 1);
            tracing::debug!(target: "arm", workspace = id, edits = batch.len(), "writing workspace");
            match self
                .store
                .patch(id, &body, current.etag.as_deref(), deadline)
                .await
            {
                Ok(written) => {
                    let ws = if written.body.get("properties").is_some() {
                        written.body.clone()
                    } else {
                        after
                    };
                    if written.body.get("properties").is_some() {
                        remember(state, Some(&written));
                    } else {
                        *state.cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    }
                    return finish(batch, |_| Ok((ws.clone(), true)));
                }
                Err(e) if retry_after_write_error(&e) && !deadline.expired() => {
                    conflicts += 1;
                    self.count(|s| s.conflicts += 1);
                    tracing::debug!(target: "arm", workspace = id, conflicts, error = %e, "workspace changed or write failed; reading it again");
                    if conflicts > FREE_CONFLICT_RETRIES {
                        let wait = Duration::from_millis(
                            50u64 << (conflicts - FREE_CONFLICT_RETRIES).min(5),
                        );
                        if wait >= deadline.remaining() {
                            return finish(batch, |_| {
                                Err(ArmError::timeout(
                                    "writing the workspace after conflicting changes",
                                    Some(e.clone()),
                                ))
                            });
                        }
                        tokio::time::sleep(wait).await;
                    }
                    self.count(|s| s.reads += 1);
                    read = self.store.read(id, deadline).await;
                    if self.coalesce {
                        batch.extend(self.take_batch(state));
                    }
                }
                Err(e) => {
                    *state.cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    return finish(batch, |_| Err(e.clone()));
                }
            }
        }
    }
}

/// Whether a failed conditional PATCH should be re-done from a fresh read: 412 (someone else
/// wrote), or a transient failure whose outcome is unknown (the ETag makes the retry safe).
fn retry_after_write_error(e: &ArmError) -> bool {
    matches!(
        e.kind,
        ErrorKind::PreconditionFailed | ErrorKind::Transient | ErrorKind::Transport
    )
}

fn not_found(id: &str) -> ArmError {
    let mut e = ArmError::new(ErrorKind::NotFound, format!("workspace {id} not found"));
    e.status = Some(404);
    e
}

fn remember(state: &KeyState, r: Option<&Response>) {
    if let Ok(mut c) = state.cache.lock() {
        *c = r.map(|r| Cached {
            response: r.clone(),
            at: Instant::now(),
        });
    }
}

fn finish(batch: Vec<Pending>, result: impl Fn(usize) -> Result<(Value, bool), ArmError>) -> usize {
    let n = batch.len();
    for (i, p) in batch.into_iter().enumerate() {
        let _ = p.done.send(result(i));
    }
    n
}

/// The PATCH body that turns `before` into `after`: `{"properties": {...}}` with each changed
/// top-level property in full (keys removed inside it as `null`), or `None` when nothing changed.
pub fn patch_body(before: &Value, after: &Value) -> Option<Value> {
    // Never echo the managed network's rules or read-only fields: a workspace update that sends
    // the service's own system rules (category `Required` and the like) back is refused with
    // HTTP 400, and rules have their own writer.
    let writable = |doc: &Value| {
        let mut props = doc
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(mn) = props
            .get_mut("managedNetwork")
            .and_then(Value::as_object_mut)
        {
            for k in MANAGED_NETWORK_READ_ONLY {
                mn.remove(*k);
            }
        }
        props
    };
    let (b, a) = (writable(before), writable(after));
    let mut props = Map::new();
    for (k, v) in &a {
        if b.get(k) != Some(v) {
            props.insert(k.clone(), with_removed_as_null(b.get(k), v));
        }
    }
    for k in b.keys() {
        if !a.contains_key(k) {
            props.insert(k.clone(), Value::Null);
        }
    }
    (!props.is_empty()).then(|| serde_json::json!({ "properties": props }))
}

/// Fields of `properties.managedNetwork` that a workspace write never carries.
const MANAGED_NETWORK_READ_ONLY: &[&str] = &[
    "outboundRules",
    "status",
    "networkId",
    "changeableIsolationModes",
];

fn with_removed_as_null(before: Option<&Value>, after: &Value) -> Value {
    match (before.and_then(Value::as_object), after.as_object()) {
        (Some(b), Some(a)) => {
            let mut out = Map::new();
            for (k, v) in a {
                out.insert(k.clone(), with_removed_as_null(b.get(k), v));
            }
            for k in b.keys() {
                if !a.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        _ => after.clone(),
    }
}

/// A fake [`WorkspaceStore`] for tests here and in the provider layer.
#[cfg(test)]
pub(crate) mod fake {
    use super::*;
    use crate::arm::network_acls;
    use serde_json::json;

    /// An in-memory workspace with an ETag, write latency, counters, and a hook that changes the
    /// workspace out of band right after a chosen GET (before the PATCH that follows it).
    #[derive(Clone, Default)]
    pub(crate) struct Fake {
        inner: Arc<Mutex<FakeState>>,
    }

    #[derive(Default)]
    pub(crate) struct FakeState {
        pub(crate) doc: Option<Value>,
        pub(crate) etag: u64,
        pub(crate) patches: u64,
        pub(crate) gets: u64,
        pub(crate) latency_ms: u64,
        /// After GET number n, add this rule out of band.
        pub(crate) oob_after_get: Option<(u64, String)>,
        /// Answer the next n PATCHes 412 without applying them.
        pub(crate) fail_412: u64,
        pub(crate) bodies: Vec<Value>,
    }

    impl Fake {
        pub(crate) fn new(rules: &[&str]) -> Fake {
            let f = Fake::default();
            f.inner.lock().unwrap().doc = Some(
                json!({"id": "/ws", "properties": {"publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Deny", "ipRules": rules.iter().map(|r| json!({"value": r})).collect::<Vec<_>>()}}}),
            );
            f
        }
        pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
            self.inner.lock().unwrap()
        }
        pub(crate) fn rules(&self) -> Vec<String> {
            network_acls::ip_rules(self.state().doc.as_ref().unwrap())
        }
    }

    #[async_trait]
    impl WorkspaceStore for Fake {
        async fn read(&self, _id: &str, _d: Deadline) -> Result<Option<Response>, ArmError> {
            let mut s = self.state();
            s.gets += 1;
            let resp = s.doc.clone().map(|body| Response {
                body,
                etag: Some(format!("\"{}\"", s.etag)),
                request_id: None,
            });
            if let Some((n, rule)) = s.oob_after_get.clone() {
                if s.gets == n {
                    let mut doc = s.doc.take().unwrap();
                    network_acls::AddIpRule::new(rule).apply(&mut doc);
                    s.doc = Some(doc);
                    s.etag += 1;
                }
            }
            Ok(resp)
        }

        async fn patch(
            &self,
            _id: &str,
            body: &Value,
            if_match: Option<&str>,
            _d: Deadline,
        ) -> Result<Response, ArmError> {
            let latency = {
                let mut s = self.state();
                s.patches += 1;
                s.bodies.push(body.clone());
                s.latency_ms
            };
            tokio::time::sleep(Duration::from_millis(latency)).await;
            let mut s = self.state();
            if s.fail_412 > 0 || if_match.is_some_and(|m| m != format!("\"{}\"", s.etag)) {
                s.fail_412 = s.fail_412.saturating_sub(1);
                let mut e = ArmError::new(ErrorKind::PreconditionFailed, "etag mismatch");
                e.status = Some(412);
                return Err(e);
            }
            let mut doc = s.doc.take().unwrap();
            for (k, v) in body["properties"].as_object().unwrap() {
                doc["properties"][k] = v.clone();
            }
            s.doc = Some(doc.clone());
            s.etag += 1;
            Ok(Response {
                body: doc,
                etag: None,
                request_id: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_bodies_never_echo_managed_network_rules() {
        let before = serde_json::json!({"properties": {"managedNetwork": {"isolationMode": "Disabled",
            "outboundRules": {"__SYS_x": {"category": "Required"}}, "status": {"status": "Inactive"}}}});
        let mut after = before.clone();
        after["properties"]["managedNetwork"]["isolationMode"] = "AllowOnlyApprovedOutbound".into();
        assert_eq!(
            patch_body(&before, &after).unwrap(),
            serde_json::json!({"properties": {"managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"}}})
        );
        let mut only_rules = before.clone();
        only_rules["properties"]["managedNetwork"]["outboundRules"] = serde_json::json!({});
        assert_eq!(patch_body(&before, &only_rules), None);
    }
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn serialises_one_key_case_insensitively_and_not_others() {
        let locks = Arc::new(KeyedLocks::new());
        let inside = Arc::new(AtomicUsize::new(0));
        let max_inside = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (locks, inside, max_inside) = (locks.clone(), inside.clone(), max_inside.clone());
            let key = if i % 2 == 0 {
                "/Subscriptions/S/WS"
            } else {
                "/subscriptions/s/ws"
            };
            tasks.push(tokio::spawn(async move {
                let _g = locks.lock(key).await;
                let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max_inside.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(max_inside.load(Ordering::SeqCst), 1);

        let a = locks.lock("a").await;
        let b = tokio::time::timeout(Duration::from_millis(100), locks.lock("b")).await;
        assert!(b.is_ok(), "a different key must not wait");
        drop((a, b));
        assert_eq!(locks.live_keys(), 0);
    }

    // ---- Coordinator, against a fake workspace store ----

    use super::fake::Fake;
    use crate::arm::network_acls::{self, AddIpRule, AddOutcome};
    use serde_json::json;

    fn coordinator(f: &Fake, coalesce: bool) -> Arc<Coordinator<Fake>> {
        Arc::new(Coordinator::new(
            f.clone(),
            coalesce,
            Arc::new(NoExpectedEdits),
        ))
    }

    fn deadline() -> Deadline {
        Deadline::after(Duration::from_secs(10))
    }

    async fn add(c: &Arc<Coordinator<Fake>>, ip: &str) -> Result<Edited<AddOutcome>, ArmError> {
        let mut e = AddIpRule::new(ip);
        c.edit("/WS", deadline(), move |doc| e.apply(doc)).await
    }

    /// Submits `n` adds at once (as Terraform's parallel creates do) and waits for all.
    async fn add_many(c: &Arc<Coordinator<Fake>>, n: usize) -> Vec<AddOutcome> {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let c = c.clone();
                tokio::spawn(async move {
                    add(&c, &format!("52.0.{}.{}", i / 200, i % 200 + 1))
                        .await
                        .unwrap()
                        .value
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn concurrent_edits_coalesce_into_few_writes() {
        let f = Fake::new(&["40.0.0.1"]);
        f.state().latency_ms = 30;
        let c = coordinator(&f, true);
        let out = add_many(&c, 50).await;
        assert!(out.iter().all(|o| *o == AddOutcome::Added));
        assert_eq!(
            f.rules().len(),
            51,
            "every rule and the unmanaged one are there"
        );
        let patches = f.state().patches;
        assert!(patches <= 3, "50 concurrent adds took {patches} writes");
        // Only the changed property is sent.
        for b in &f.state().bodies {
            assert_eq!(
                b["properties"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .collect::<Vec<_>>(),
                vec!["networkAcls"]
            );
        }
    }

    #[tokio::test]
    async fn without_coalescing_every_edit_writes_alone() {
        let f = Fake::new(&[]);
        let c = coordinator(&f, false);
        let out = add_many(&c, 12).await;
        assert!(out.iter().all(|o| *o == AddOutcome::Added));
        assert_eq!(f.state().patches, 12);
        assert_eq!(f.rules().len(), 12);
    }

    #[tokio::test]
    async fn a_412_rereads_and_keeps_rules_added_out_of_band() {
        let f = Fake::new(&["40.0.0.1"]);
        // Someone adds 40.0.0.2 between our first GET and our PATCH.
        f.state().oob_after_get = Some((1, "40.0.0.2".into()));
        let c = coordinator(&f, true);
        let r = add(&c, "52.0.0.1").await.unwrap();
        assert_eq!(r.value, AddOutcome::Added);
        assert!(r.wrote);
        assert_eq!(f.rules(), vec!["40.0.0.1", "40.0.0.2", "52.0.0.1"]);
        assert_eq!(f.state().patches, 2, "one refused with 412, one accepted");
        assert_eq!(c.stats().conflicts, 1);
        // Removing ours leaves theirs.
        let r = c
            .edit("/ws", deadline(), |doc| {
                network_acls::remove_ip_rule(doc, "52.0.0.1")
            })
            .await
            .unwrap();
        assert!(r.value);
        assert_eq!(f.rules(), vec!["40.0.0.1", "40.0.0.2"]);
    }

    #[tokio::test]
    async fn each_caller_gets_its_own_result() {
        let mut rules: Vec<String> = (0..198)
            .map(|i| format!("40.0.{}.{}", i / 200, i % 200 + 1))
            .collect();
        rules.push("52.9.9.9".into());
        let f = Fake::new(&rules.iter().map(String::as_str).collect::<Vec<_>>());
        f.state().latency_ms = 20;
        let c = coordinator(&f, true);
        let ips = ["52.9.9.9", "52.0.0.1", "52.0.0.2", "52.0.0.3"];
        let tasks: Vec<_> = ips
            .iter()
            .map(|ip| {
                let (c, ip) = (c.clone(), ip.to_string());
                tokio::spawn(async move { add(&c, &ip).await.unwrap().value })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        assert_eq!(out[0], AddOutcome::AlreadyPresent);
        assert_eq!(
            out.iter().filter(|o| **o == AddOutcome::Added).count(),
            1,
            "{out:?}"
        );
        assert_eq!(
            out.iter()
                .filter(|o| **o == AddOutcome::LimitReached(200))
                .count(),
            2,
            "{out:?}"
        );
        assert_eq!(f.rules().len(), 200);
    }

    #[tokio::test]
    async fn a_write_whose_outcome_was_lost_is_not_reported_as_someone_elses_rule() {
        let f = Fake::new(&[]);
        let c = coordinator(&f, true);
        // First PATCH is applied but the answer is a 412 (as a replay after a lost answer gets).
        f.state().fail_412 = 0;
        let mut e = AddIpRule::new("52.0.0.1");
        let mut doc = f.state().doc.clone().unwrap();
        assert_eq!(e.apply(&mut doc), AddOutcome::Added);
        f.state().doc = Some(doc);
        let r = c
            .edit("/ws", deadline(), move |d| e.apply(d))
            .await
            .unwrap();
        assert_eq!(r.value, AddOutcome::Added);
        assert!(!r.wrote, "nothing left to write");
    }

    #[tokio::test]
    async fn conflicts_are_retried_until_the_write_lands() {
        let f = Fake::new(&[]);
        f.state().fail_412 = 5;
        let c = coordinator(&f, true);
        let r = add(&c, "52.0.0.1").await.unwrap();
        assert_eq!(r.value, AddOutcome::Added);
        assert_eq!(f.state().patches, 6);
        assert_eq!(f.rules(), vec!["52.0.0.1"]);
    }

    #[tokio::test]
    async fn a_missing_workspace_fails_every_caller_and_reads_share_a_get() {
        let f = Fake::default();
        let c = coordinator(&f, true);
        let e = add(&c, "52.0.0.1").await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        let f = Fake::new(&["52.0.0.1"]);
        let c = coordinator(&f, true);
        let gets_before = f.state().gets;
        for _ in 0..5 {
            let r = c
                .read("/ws", Duration::from_secs(5), deadline())
                .await
                .unwrap()
                .unwrap();
            assert!(network_acls::has_rule(&r.body, "52.0.0.1"));
        }
        assert_eq!(f.state().gets - gets_before, 1);
    }

    #[tokio::test]
    async fn a_panicking_edit_fails_its_batch_and_the_next_edit_still_runs() {
        let f = Fake::new(&[]);
        let c = coordinator(&f, true);
        let e = c
            .edit("/ws", deadline(), |_doc| -> bool { panic!("edit bug") })
            .await
            .unwrap_err();
        assert!(e.message.contains("abandoned"), "{e}");
        assert_eq!(add(&c, "52.0.0.1").await.unwrap().value, AddOutcome::Added);
    }

    #[test]
    fn patch_body_sends_changed_properties_only() {
        let before = json!({"properties": {"a": 1, "networkAcls": {"defaultAction": "Deny", "ipRules": []}, "gone": true}});
        let after =
            json!({"properties": {"a": 1, "networkAcls": {"ipRules": [{"value": "52.0.0.1"}]}}});
        assert_eq!(
            patch_body(&before, &after).unwrap(),
            json!({"properties": {"networkAcls": {"ipRules": [{"value": "52.0.0.1"}], "defaultAction": null}, "gone": null}})
        );
        assert_eq!(patch_body(&before, &before), None);
    }
}
