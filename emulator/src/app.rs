//! Shared application state: configuration, the world, issued tokens, faults, the bounded
//! request log and the rate-limit buckets. One `Arc<App>` is shared by all connections.

use crate::cli::Config;
use crate::faults::FaultState;
use crate::state::World;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Instant;

/// Fixed identity of the default world (documented in the README).
pub mod ids {
    /// Subscription of the default world.
    pub const SUBSCRIPTION_ID: &str = "00000000-0000-4000-8000-00000000a3b1";
    /// Tenant the token endpoint serves.
    pub const TENANT_ID: &str = "00000000-0000-4000-8000-0000000000e1";
    /// Client (application) id accepted by the token endpoint.
    pub const CLIENT_ID: &str = "00000000-0000-4000-8000-0000000000c1";
    /// Client secret accepted by the token endpoint.
    pub const CLIENT_SECRET: &str = "emulator-client-secret";
    /// Object id of the service principal (appears in tokens and systemData).
    pub const OBJECT_ID: &str = "00000000-0000-4000-8000-0000000000b1";
}

/// One entry of the request log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// Sequence number (monotonic).
    pub seq: u64,
    /// RFC 3339 time.
    pub time: String,
    /// HTTP method.
    pub method: String,
    /// Path (no query).
    pub path: String,
    /// Query string.
    pub query: String,
    /// api-version query parameter, if any.
    pub api_version: Option<String>,
    /// Response status (0 for a dropped connection).
    pub status: u16,
    /// Request body (JSON if it parses, else text; secrets redacted).
    pub request_body: Value,
    /// x-ms-request-id of the response.
    pub request_id: String,
    /// Injected fault, if any.
    pub fault: Option<String>,
    /// Time spent in the handler, microseconds.
    pub duration_us: u64,
}

/// Token bucket for `x-ms-ratelimit-remaining-*` headers.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// Tokens left.
    pub tokens: f64,
    /// Last refill.
    pub at: Instant,
}

/// Application state shared by all requests.
#[derive(Debug)]
pub struct App {
    /// Configuration.
    pub cfg: Config,
    /// The world.
    pub world: RwLock<World>,
    /// Seed documents (used by reset).
    pub seed: Vec<Value>,
    /// Issued access tokens → expiry (unix seconds).
    pub tokens: RwLock<HashMap<String, i64>>,
    /// Fault injection.
    pub faults: FaultState,
    /// Request log ring buffer.
    pub log: Mutex<VecDeque<LogEntry>>,
    /// Next log sequence number.
    pub seq: AtomicU64,
    /// Rate-limit buckets by (subscription, kind).
    pub buckets: Mutex<HashMap<String, Bucket>>,
    /// Base URL, e.g. `https://127.0.0.1:8443`.
    pub base_url: RwLock<String>,
    /// Where the CA certificate was written.
    pub ca_path: RwLock<PathBuf>,
    /// Remaining forced 404s per resource key and until when they can come (fault
    /// `404-after-create`, window `lag`).
    pub fresh: Mutex<HashMap<String, (u32, std::time::Instant)>>,
}

impl App {
    /// Creates the state for a config and seed documents (the world is loaded by the caller).
    pub fn new(cfg: Config, seed: Vec<Value>) -> Self {
        App {
            cfg,
            world: RwLock::new(World::default()),
            seed,
            tokens: RwLock::new(HashMap::new()),
            faults: FaultState::default(),
            log: Mutex::new(VecDeque::new()),
            seq: AtomicU64::new(1),
            buckets: Mutex::new(HashMap::new()),
            base_url: RwLock::new(String::new()),
            ca_path: RwLock::new(PathBuf::new()),
            fresh: Mutex::new(HashMap::new()),
        }
    }

    /// Base URL of this instance.
    pub fn base(&self) -> String {
        self.base_url
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Appends to the request log, dropping the oldest entry when full.
    pub fn record(&self, mut e: LogEntry) {
        e.seq = self.seq.fetch_add(1, Ordering::SeqCst);
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= self.cfg.log_capacity.max(1) {
            log.pop_front();
        }
        log.push_back(e);
    }

    /// The remaining budget without consuming; never below 1 unless limits are enforced.
    pub fn peek_tokens(&self, sub: &str, kind: &str) -> u64 {
        let (cap, refill) = if kind == "reads" {
            (250.0, 25.0)
        } else {
            (200.0, 10.0)
        };
        let b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let left = match b.get(&format!("{}|{kind}", sub.to_ascii_lowercase())) {
            Some(e) => (e.tokens + e.at.elapsed().as_secs_f64() * refill).min(cap) as u64,
            None => cap as u64,
        };
        if self.cfg.enforce_rate_limits {
            left
        } else {
            left.max(1)
        }
    }

    /// Takes a token from the subscription bucket of `kind` (reads, writes, deletes) and
    /// returns what is left, or None when the bucket is empty.
    pub fn take_token(&self, sub: &str, kind: &str) -> Option<u64> {
        let (cap, refill) = if kind == "reads" {
            (250.0, 25.0)
        } else {
            (200.0, 10.0)
        };
        let mut b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let e = b
            .entry(format!("{}|{kind}", sub.to_ascii_lowercase()))
            .or_insert(Bucket {
                tokens: cap,
                at: now,
            });
        let dt = now.duration_since(e.at).as_secs_f64();
        e.tokens = (e.tokens + dt * refill).min(cap);
        e.at = now;
        if e.tokens >= 1.0 {
            e.tokens -= 1.0;
            Some(e.tokens as u64)
        } else {
            None
        }
    }
}
