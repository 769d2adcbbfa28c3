//! Shared reads: many reads of objects under one parent served by one paged list.
//!
//! A refresh of 1,000 private DNS zones in one resource group costs 1,000 GETs, and ARM's read
//! bucket (250, refilled 25/s) turns that into half a minute of 429s. The objects whose count
//! scales (zones in a resource group, links of a zone, endpoints in a resource group) are listed
//! by their parent collection in pages of ~100, so one list can answer them all.
//!
//! [`SharedReads::read`] (called by `ArmClient::read_shared`, in `shared_get.rs`) reads one
//! object, given the collection it is listed in:
//!
//! - **A fresh list answers.** A list of the collection that started less than [`LIST_MAX_AGE`]
//!   ago, and after this process last wrote the object, answers from memory: the item with the
//!   object's ID (compared case-insensitively), or "gone" when the list does not hold it.
//! - **Batching.** Otherwise the read opens (or joins) a short window ([`BATCH_WINDOW`], 15 ms)
//!   for the collection. When the window closes with one read, that read is one GET: a lone read
//!   stays one request. With two or more, one list serves all of them (single-flight: every read
//!   of the window, and any that arrives while the list is under way and may use it, waits for
//!   the same list; it follows `nextLink`). Terraform refreshes ten objects at a time, so the
//!   first window of a large refresh lists, and the rest of the refresh reads from memory.
//! - **Our own writes.** A list that started before this process's last write of the object
//!   ended, or while one is under way, never answers for it. The final body of a write (the
//!   operation's result) answers the first read of that object within [`WRITTEN_MAX_AGE`]: the
//!   read that follows a write costs no second GET of the same object.
//! - **Fallbacks.** An item the caller's `usable` check refuses (a list that leaves out
//!   properties the caller needs), or a list that failed, falls back to the GET.
//!
//! Drift is still seen: a list is at most [`LIST_MAX_AGE`] old, it reflects changes made outside
//! this process, and each `terraform` command runs a new provider process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::OnceCell;

use super::error::ArmError;

/// An object's body as a read answers it (the ARM client's `Body`, without naming it).
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    /// The JSON body.
    pub body: Value,
    /// The etag.
    pub etag: Option<String>,
    /// `x-ms-request-id` of the response that carried it, if it came from one.
    pub request_id: Option<String>,
}

/// How long a read waits for siblings before it decides between a GET and a list.
pub const BATCH_WINDOW: Duration = Duration::from_millis(15);

/// How long a list answers reads after it started.
pub const LIST_MAX_AGE: Duration = Duration::from_secs(20);

/// How long the final body of a write answers the next read of the object.
pub const WRITTEN_MAX_AGE: Duration = Duration::from_secs(30);

/// A finished list: when it started and its items by lower-cased ID. `None`: the list failed.
type Listing = Option<Arc<Listed>>;

#[derive(Debug)]
struct Listed {
    started: Instant,
    items: HashMap<String, Value>,
}

/// A batch of reads of one collection: the window, then (with two or more) one list.
#[derive(Debug)]
struct Batch {
    /// When the window closes (and the list, if any, starts).
    closes: Instant,
    /// Reads that joined (changed under the state lock).
    joined: std::sync::atomic::AtomicUsize,
    /// Whether the batch lists, decided once when its window closes (under the state lock).
    lists: std::sync::OnceLock<bool>,
    /// The list, run once by whichever member gets there first.
    list: OnceCell<Listing>,
}

#[derive(Debug, Default)]
struct Collection {
    /// The latest finished list.
    listed: Option<Arc<Listed>>,
    /// The batch whose window is open or whose list is under way.
    batch: Option<Arc<Batch>>,
}

#[derive(Debug, Default)]
struct Object {
    /// Writes of this object under way in this process.
    writing: u32,
    /// When the last write ended.
    written: Option<Instant>,
    /// The final body of the last write, until a read takes it.
    body: Option<(Body, Instant)>,
}

#[derive(Debug, Default)]
struct State {
    collections: HashMap<String, Collection>,
    objects: HashMap<String, Object>,
}

/// What a read does, decided under the lock.
enum Plan {
    /// Answer now.
    Answer(Option<Body>),
    /// Take part in a batch: wait for its window, then list or GET.
    Batch(Arc<Batch>),
    /// GET the object.
    Get,
}

/// Counts of how reads were answered (for the benchmark's log and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SharedStats {
    /// Reads answered from a list.
    pub from_list: u64,
    /// Reads answered by the final body of this process's write.
    pub from_write: u64,
    /// Reads that were one GET.
    pub gets: u64,
    /// Lists run (each may be several pages).
    pub lists: u64,
}

/// The shared-read state of one ARM client.
#[derive(Debug, Default)]
pub struct SharedReads {
    state: Mutex<State>,
    stats: Mutex<SharedStats>,
}

/// Marks a write of one object as under way; dropping it records when it ended.
pub(crate) struct WriteMark<'a> {
    reads: &'a SharedReads,
    key: String,
}

impl Drop for WriteMark<'_> {
    fn drop(&mut self) {
        let mut s = self.reads.lock();
        let o = s.objects.entry(self.key.clone()).or_default();
        o.writing = o.writing.saturating_sub(1);
        o.written = Some(Instant::now());
    }
}

fn key(s: &str) -> String {
    s.trim_end_matches('/').to_ascii_lowercase()
}

impl SharedReads {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count(&self, f: impl FnOnce(&mut SharedStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// How reads were answered so far.
    pub fn stats(&self) -> SharedStats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A write of `id` starts; the returned mark ends it when dropped.
    pub(crate) fn begin_write(&self, id: &str) -> WriteMark<'_> {
        let k = key(id);
        let mut s = self.lock();
        let o = s.objects.entry(k.clone()).or_default();
        o.writing += 1;
        o.body = None;
        WriteMark {
            reads: self,
            key: k,
        }
    }

    /// The final body of a successful write of `id`: it answers the next read of `id`.
    pub(crate) fn wrote(&self, id: &str, body: &Body) {
        if body.body.is_null() {
            return;
        }
        let now = Instant::now();
        let mut s = self.lock();
        s.objects.retain(|_, o| {
            o.writing > 0
                || o.written
                    .is_some_and(|t| now.duration_since(t) < LIST_MAX_AGE + WRITTEN_MAX_AGE)
        });
        s.objects.entry(key(id)).or_default().body = Some((body.clone(), now));
    }

    /// A GET of `id` outside the shared reads answered `read` (e.g. a wait for a state after a
    /// write): a final body kept for the next read is replaced by this newer one.
    pub(crate) fn seen(&self, id: &str, read: Option<&Body>) {
        let mut s = self.lock();
        if let Some(o) = s.objects.get_mut(&key(id)) {
            if let Some((body, at)) = &mut o.body {
                match read {
                    Some(r) => {
                        *body = r.clone();
                        *at = Instant::now();
                    }
                    None => o.body = None,
                }
            }
        }
    }

    /// Decides what a read of `id` listed in `collection` does at `now`.
    fn plan(&self, id: &str, collection: &str, usable: fn(&Value) -> bool, now: Instant) -> Plan {
        let (k, ck) = (key(id), key(collection));
        let mut s = self.lock();
        let (writing, written) = match s.objects.get_mut(&k) {
            Some(o) => {
                if let Some((body, at)) = o.body.take() {
                    if o.writing == 0 && now.duration_since(at) < WRITTEN_MAX_AGE {
                        drop(s);
                        self.count(|c| c.from_write += 1);
                        return Plan::Answer(Some(body));
                    }
                }
                (o.writing > 0, o.written)
            }
            None => (false, None),
        };
        if writing {
            return Plan::Get;
        }
        let valid = |started: Instant| written.is_none_or(|w| started > w);
        let c = s.collections.entry(ck).or_default();
        if let Some(l) = &c.listed {
            if now.duration_since(l.started) < LIST_MAX_AGE && valid(l.started) {
                let answer = match l.items.get(&k) {
                    Some(item) if !usable(item) => return Plan::Get,
                    Some(item) => Some(item_response(item)),
                    None => None,
                };
                drop(s);
                self.count(|c| c.from_list += 1);
                return Plan::Answer(answer);
            }
        }
        match &c.batch {
            // A window still open, or a list under way that started after our last write.
            Some(b) if now < b.closes || (b.lists.get() == Some(&true) && valid(b.closes)) => {
                b.joined.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Plan::Batch(b.clone())
            }
            _ => {
                let b = Arc::new(Batch {
                    closes: now + BATCH_WINDOW,
                    joined: 1.into(),
                    lists: std::sync::OnceLock::new(),
                    list: OnceCell::new(),
                });
                c.batch = Some(b.clone());
                Plan::Batch(b)
            }
        }
    }

    /// At the close of a batch's window: whether the batch lists (more than one read joined).
    /// A lone batch leaves the collection, so that nothing joins it afterwards.
    fn batch_lists(&self, collection: &str, batch: &Arc<Batch>) -> bool {
        let mut s = self.lock();
        let lists = *batch
            .lists
            .get_or_init(|| batch.joined.load(std::sync::atomic::Ordering::SeqCst) > 1);
        if !lists {
            let c = s.collections.entry(key(collection)).or_default();
            if c.batch.as_ref().is_some_and(|b| Arc::ptr_eq(b, batch)) {
                c.batch = None;
            }
        }
        lists
    }

    /// Records a finished list of `collection`.
    fn listed(&self, collection: &str, batch: Option<&Arc<Batch>>, listed: &Listing) {
        let mut s = self.lock();
        let c = s.collections.entry(key(collection)).or_default();
        if let (Some(cur), Some(b)) = (&c.batch, batch) {
            if Arc::ptr_eq(cur, b) {
                c.batch = None;
            }
        }
        if let Some(l) = listed {
            if c.listed.as_ref().is_none_or(|old| old.started < l.started) {
                c.listed = Some(l.clone());
            }
        }
    }

    /// The answer for `id` from a finished list, if the list may answer it.
    fn answer_from(
        &self,
        id: &str,
        listing: &Listing,
        usable: fn(&Value) -> bool,
    ) -> Option<Option<Body>> {
        let l = listing.as_ref()?;
        let k = key(id);
        {
            let s = self.lock();
            if let Some(o) = s.objects.get(&k) {
                if o.writing > 0 || o.written.is_some_and(|w| l.started <= w) {
                    return None;
                }
            }
        }
        let answer = match l.items.get(&k) {
            Some(item) if !usable(item) => return None,
            Some(item) => Some(item_response(item)),
            None => None,
        };
        self.count(|c| c.from_list += 1);
        Some(answer)
    }
}

/// A list item as the response of a GET of it.
fn item_response(item: &Value) -> Body {
    Body {
        body: item.clone(),
        etag: item.get("etag").and_then(Value::as_str).map(str::to_string),
        request_id: None,
    }
}

/// The item check for collections whose list items carry the whole object: it has
/// `properties`.
pub fn has_properties(item: &Value) -> bool {
    item.get("properties").is_some_and(Value::is_object)
}

impl SharedReads {
    /// Reads `id`, listed in `collection`, as the module documentation says: `get` reads it alone
    /// (called at most once), `list` lists the collection (following `nextLink`); `usable` says
    /// whether a list item carries everything the caller needs. `Ok(None)`: it is gone.
    pub async fn read<G, L>(
        &self,
        id: &str,
        collection: &str,
        usable: fn(&Value) -> bool,
        get: impl FnOnce() -> G,
        list: impl FnOnce() -> L,
    ) -> Result<Option<Body>, ArmError>
    where
        G: std::future::Future<Output = Result<Option<Body>, ArmError>>,
        L: std::future::Future<Output = Result<Vec<Value>, ArmError>>,
    {
        let batch = match self.plan(id, collection, usable, Instant::now()) {
            Plan::Answer(a) => return Ok(a),
            Plan::Get => {
                self.count(|c| c.gets += 1);
                return get().await;
            }
            Plan::Batch(b) => b,
        };
        tokio::time::sleep_until(batch.closes.into()).await;
        if !self.batch_lists(collection, &batch) {
            self.count(|c| c.gets += 1);
            return get().await;
        }
        let listing = batch
            .list
            .get_or_init(|| async {
                self.count(|c| c.lists += 1);
                let started = Instant::now();
                match list().await {
                    Ok(values) => Some(Arc::new(Listed {
                        started,
                        items: values
                            .into_iter()
                            .filter_map(|v| {
                                let id = v.get("id").and_then(Value::as_str).map(key)?;
                                Some((id, v))
                            })
                            .collect(),
                    })),
                    Err(e) => {
                        tracing::debug!(target: "arm", collection, error = %e, "shared list failed; reading one by one");
                        None
                    }
                }
            })
            .await
            .clone();
        self.listed(collection, Some(&batch), &listing);
        match self.answer_from(id, &listing, usable) {
            Some(answer) => Ok(answer),
            None => {
                self.count(|c| c.gets += 1);
                get().await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const COL: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones";

    fn id(n: &str) -> String {
        format!("{COL}/{n}")
    }

    fn listed(reads: &SharedReads, started: Instant, names: &[&str]) {
        let l: Listing = Some(Arc::new(Listed {
            started,
            items: names
                .iter()
                .map(|n| {
                    (
                        key(&id(n)),
                        json!({"id": id(n), "properties": {}, "etag": format!("e-{n}")}),
                    )
                })
                .collect(),
        }));
        reads.listed(COL, None, &l);
    }

    /// What the plan is, as a word: "found", "gone", "batch", "get".
    fn plan_word(reads: &SharedReads, name: &str, now: Instant) -> &'static str {
        match reads.plan(&id(name), COL, has_properties, now) {
            Plan::Answer(Some(_)) => "found",
            Plan::Answer(None) => "gone",
            Plan::Batch(_) => "batch",
            Plan::Get => "get",
        }
    }

    #[test]
    fn a_fresh_list_answers_found_and_gone_until_it_is_old() {
        let reads = SharedReads::default();
        let t0 = Instant::now();
        listed(&reads, t0, &["a.example", "B.example"]);
        let cases = [
            ("a.example", t0, "found"),
            ("b.EXAMPLE", t0 + Duration::from_secs(1), "found"),
            ("c.example", t0 + Duration::from_secs(1), "gone"),
            (
                "a.example",
                t0 + LIST_MAX_AGE + Duration::from_millis(1),
                "batch",
            ),
        ];
        for (name, at, want) in cases {
            assert_eq!(plan_word(&reads, name, at), want, "{name}");
        }
        let st = reads.stats();
        assert_eq!(st.from_list, 3);
    }

    #[test]
    fn our_writes_are_never_answered_by_an_older_list() {
        let reads = SharedReads::default();
        let t0 = Instant::now();
        listed(&reads, t0, &["a.example", "b.example"]);
        {
            let _w = reads.begin_write(&id("a.example"));
            // While the write is under way: a GET.
            assert_eq!(plan_word(&reads, "a.example", Instant::now()), "get");
        }
        // After it: the older list does not answer; others still come from it.
        assert_eq!(plan_word(&reads, "b.example", Instant::now()), "found");
        assert_eq!(plan_word(&reads, "a.example", Instant::now()), "batch");
        // A list that started after the write answers again.
        std::thread::sleep(Duration::from_millis(2));
        listed(&reads, Instant::now(), &["a.example", "b.example"]);
        assert_eq!(plan_word(&reads, "a.example", Instant::now()), "found");
    }

    #[test]
    fn the_final_body_of_a_write_answers_the_next_read_once() {
        let reads = SharedReads::default();
        let body = Body {
            body: json!({"id": id("a.example"), "properties": {"n": 1}}),
            etag: Some("e1".into()),
            request_id: Some("r1".into()),
        };
        {
            let _w = reads.begin_write(&id("a.example"));
        }
        reads.wrote(&id("A.example"), &body);
        match reads.plan(&id("a.example"), COL, has_properties, Instant::now()) {
            Plan::Answer(Some(r)) => assert_eq!(r, body),
            _ => panic!("the written body should answer"),
        }
        // Taken: the next read goes to ARM.
        assert_eq!(plan_word(&reads, "a.example", Instant::now()), "batch");
        // A body too old answers nothing.
        reads.wrote(&id("b.example"), &body);
        let late = Instant::now() + WRITTEN_MAX_AGE + Duration::from_secs(1);
        assert_eq!(plan_word(&reads, "b.example", late), "batch");
        assert_eq!(reads.stats().from_write, 1);
    }

    #[test]
    fn items_without_the_needed_properties_fall_back_to_get() {
        let reads = SharedReads::default();
        let t0 = Instant::now();
        let l: Listing = Some(Arc::new(Listed {
            started: t0,
            items: [(key(&id("a.example")), json!({"id": id("a.example")}))].into(),
        }));
        reads.listed(COL, None, &l);
        assert_eq!(plan_word(&reads, "a.example", t0), "get");
        assert_eq!(
            reads.answer_from(&id("a.example"), &l, has_properties),
            None
        );
    }

    #[test]
    fn a_lone_read_is_a_get_and_two_share_one_list() {
        let reads = SharedReads::default();
        let t0 = Instant::now();
        let batch = |name: &str, at: Instant| match reads.plan(&id(name), COL, has_properties, at) {
            Plan::Batch(b) => b,
            _ => panic!("batch expected"),
        };
        // Alone in its window: the batch does not list, and leaves the collection.
        let lone = batch("a.example", t0);
        assert!(!reads.batch_lists(COL, &lone));
        // Two in one window: both list, with the same list.
        let b1 = batch("a.example", t0);
        let b2 = batch("b.example", t0 + Duration::from_millis(5));
        assert!(!Arc::ptr_eq(&lone, &b1));
        assert!(Arc::ptr_eq(&b1, &b2));
        assert_eq!(b1.closes, t0 + BATCH_WINDOW);
        assert!(reads.batch_lists(COL, &b1));
        assert!(reads.batch_lists(COL, &b2));
        // A read arriving while that list is under way joins it.
        let b3 = batch("c.example", t0 + BATCH_WINDOW * 2);
        assert!(Arc::ptr_eq(&b1, &b3));
        // Once the list is recorded, the collection has no batch: the next read after the
        // list's age is over starts a new one.
        reads.listed(COL, Some(&b1), &None);
        let b4 = batch("c.example", t0 + BATCH_WINDOW * 3);
        assert!(!Arc::ptr_eq(&b1, &b4));
    }
}
