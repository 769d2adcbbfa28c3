//! Deterministic fault injection. A spec is a comma-separated list of `key=value` pairs:
//!
//! | key | meaning |
//! |---|---|
//! | `seed=N` | seed of the decision hash (default 0) |
//! | `429=P`, `500=P`, `503=P` | probability of answering with that status (ARM error body) |
//! | `drop=P` | probability of closing the connection without a response |
//! | `409=P` | probability of `409 AnotherOperationInProgress` on writes |
//! | `lro-fail=P` | probability that an async operation started on a matching path ends `Failed` |
//! | `412=P` | probability of `412 PreconditionFailed` on writes that carry `If-Match` (nothing is applied) |
//! | `403=P` | probability of `403 AuthorizationFailed` (a caller without the permission; use with `paths=`) |
//! | `slow-lro=2000ms` (or `2s`) | delay of async operations on matching paths |
//! | `hang-lro=P` | probability that an async operation started on a matching path never completes (until the client gives up) |
//! | `404-after-create=N` | up to N GETs after a create completes answer 404 (replication lag), within `lag` |
//! | `lag=D` | how long after a create those 404s can come (default `2000ms`) |
//! | `paths=GLOB\|GLOB` | only paths matching one glob (`*` = any run of characters, case-insensitive) |
//! | `methods=GET\|PUT` | only these methods |
//! | `targets=arm\|token\|metadata` | which endpoint families are eligible (default `arm`) |
//! | `retry-after=S` | `Retry-After` seconds on injected 429/503 (default 1) |
//! | `retry-after-ms=MS` | `retry-after-ms` / `x-ms-retry-after-ms` on 429/503 (default 100) |
//! | `max=N` | stop after N injected faults |
//!
//! Decisions are deterministic: the n-th request with a given method and path gets the same
//! decision for the same seed, whatever the interleaving with other paths. `/_emulator/` is
//! never faulted.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

/// A parsed fault specification.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FaultSpec {
    /// Seed of the decision hash.
    pub seed: u64,
    /// Probability of 429.
    pub p429: f64,
    /// Probability of 500.
    pub p500: f64,
    /// Probability of 503.
    pub p503: f64,
    /// Probability of a dropped connection.
    pub drop: f64,
    /// Probability of 409 on writes.
    pub p409: f64,
    /// Probability that an async operation ends `Failed`.
    pub lro_fail: f64,
    /// Probability that a completed outbound-rule write drops another user rule of the same
    /// workspace, as the real service can when rule writes race; while set, concurrent rule
    /// writes are accepted (no 409).
    pub lost_rule: f64,
    /// Probability of 412 on conditional (`If-Match`) writes.
    pub p412: f64,
    /// Probability of 403 `AuthorizationFailed`.
    pub p403: f64,
    /// Async operation delay override in milliseconds.
    pub slow_lro_ms: Option<u64>,
    /// Probability that an async operation stays in progress for a day (the client gives up first).
    pub hang_lro: f64,
    /// Number of 404s on GET after a create.
    pub not_found_after_create: u32,
    /// How long after a create those 404s can come (replication lag is short), in milliseconds.
    pub lag_ms: u64,
    /// Path globs (lowercase); empty = all.
    pub paths: Vec<String>,
    /// Methods (uppercase); empty = all.
    pub methods: Vec<String>,
    /// Eligible endpoint families.
    pub targets: Vec<String>,
    /// Retry-After seconds on 429/503.
    pub retry_after_s: u64,
    /// retry-after-ms on 429/503.
    pub retry_after_ms: u64,
    /// Maximum number of injected faults.
    pub max: Option<u64>,
    /// The spec text as given.
    pub source: String,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            seed: 0,
            p429: 0.0,
            p500: 0.0,
            p503: 0.0,
            drop: 0.0,
            p409: 0.0,
            lro_fail: 0.0,
            lost_rule: 0.0,
            p412: 0.0,
            p403: 0.0,
            slow_lro_ms: None,
            hang_lro: 0.0,
            not_found_after_create: 0,
            lag_ms: 2000,
            paths: Vec::new(),
            methods: Vec::new(),
            targets: vec!["arm".into()],
            retry_after_s: 1,
            retry_after_ms: 100,
            max: None,
            source: String::new(),
        }
    }
}

fn prob(k: &str, v: &str) -> Result<f64, String> {
    let p: f64 = v.parse().map_err(|_| format!("{k}={v}: not a number"))?;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!("{k}={v}: probability must be within 0..1"));
    }
    Ok(p)
}

fn duration_ms(k: &str, v: &str) -> Result<u64, String> {
    let v = v.trim();
    let (num, mul) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000)
    } else {
        (v, 1)
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n * mul)
        .map_err(|_| format!("{k}={v}: expected a duration like 2000ms or 2s"))
}

/// Parses a fault spec.
pub fn parse(spec: &str) -> Result<FaultSpec, String> {
    let mut f = FaultSpec {
        source: spec.to_string(),
        ..Default::default()
    };
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("'{part}': expected key=value"))?;
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{k}={v}: not an integer"))
        };
        match k.as_str() {
            "seed" => f.seed = num(v)?,
            "429" => f.p429 = prob(&k, v)?,
            "500" => f.p500 = prob(&k, v)?,
            "503" => f.p503 = prob(&k, v)?,
            "drop" => f.drop = prob(&k, v)?,
            "409" => f.p409 = prob(&k, v)?,
            "lro-fail" => f.lro_fail = prob(&k, v)?,
            "lost-rule" => f.lost_rule = prob(&k, v)?,
            "412" => f.p412 = prob(&k, v)?,
            "403" => f.p403 = prob(&k, v)?,
            "slow-lro" => f.slow_lro_ms = Some(duration_ms(&k, v)?),
            "hang-lro" => f.hang_lro = prob(&k, v)?,
            "404-after-create" => f.not_found_after_create = num(v)? as u32,
            "lag" => f.lag_ms = duration_ms(&k, v)?,
            "paths" => {
                f.paths = v
                    .split('|')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .collect()
            }
            "methods" => {
                f.methods = v
                    .split('|')
                    .map(|s| s.trim().to_ascii_uppercase())
                    .collect()
            }
            "targets" => {
                f.targets = v
                    .split('|')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .collect();
                for t in &f.targets {
                    if !["arm", "token", "metadata"].contains(&t.as_str()) {
                        return Err(format!(
                            "targets: unknown family '{t}' (arm, token, metadata)"
                        ));
                    }
                }
            }
            "retry-after" => f.retry_after_s = num(v)?,
            "retry-after-ms" => f.retry_after_ms = num(v)?,
            "max" => f.max = Some(num(v)?),
            _ => return Err(format!("unknown fault key '{k}'")),
        }
    }
    if f.p429 + f.p500 + f.p503 + f.drop + f.p409 + f.p412 + f.p403 > 1.0 + 1e-9 {
        return Err("the probabilities add up to more than 1".into());
    }
    Ok(f)
}

/// An injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 with Retry-After.
    Throttle,
    /// 500 InternalServerError.
    Internal,
    /// 503 ServiceUnavailable.
    Unavailable,
    /// Close the connection without a response.
    Drop,
    /// 409 AnotherOperationInProgress.
    Conflict,
    /// 412 PreconditionFailed (only on writes with `If-Match`; the caller checks the header).
    Precondition,
    /// 403 AuthorizationFailed.
    Forbidden,
}

/// Case-insensitive glob with `*` only.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b.to_ascii_lowercase() as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Runtime fault state: the active spec and per-path request counters.
#[derive(Debug, Default)]
pub struct FaultState {
    spec: RwLock<Option<FaultSpec>>,
    counters: Mutex<HashMap<String, u64>>,
    injected: AtomicU64,
}

impl FaultState {
    /// Replaces the active spec (None clears) and restarts the deterministic sequence.
    pub fn set(&self, spec: Option<FaultSpec>) {
        *self.spec.write().unwrap_or_else(|e| e.into_inner()) = spec;
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.injected.store(0, Ordering::SeqCst);
    }

    /// The active spec.
    pub fn get(&self) -> Option<FaultSpec> {
        self.spec.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Number of faults injected since the spec was set.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::SeqCst)
    }

    fn matches(spec: &FaultSpec, family: &str, method: &str, path: &str) -> bool {
        spec.targets.iter().any(|t| t == family)
            && (spec.methods.is_empty() || spec.methods.iter().any(|m| m == method))
            && (spec.paths.is_empty() || spec.paths.iter().any(|g| glob(g, path)))
    }

    /// Decides whether to inject a fault into this request.
    pub fn decide(&self, family: &str, method: &str, path: &str) -> Option<(Fault, FaultSpec)> {
        let guard = self.spec.read().unwrap_or_else(|e| e.into_inner());
        let spec = guard.as_ref()?;
        if !Self::matches(spec, family, method, path) {
            return None;
        }
        let total =
            spec.p429 + spec.p500 + spec.p503 + spec.drop + spec.p409 + spec.p412 + spec.p403;
        if total <= 0.0 {
            return None;
        }
        let key = format!("{method} {}", path.to_ascii_lowercase());
        let n = {
            let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            let e = c.entry(key.clone()).or_insert(0);
            *e += 1;
            *e
        };
        let r = (mix(spec.seed ^ fnv(&key) ^ mix(n)) >> 11) as f64 / (1u64 << 53) as f64;
        let write = method != "GET" && method != "HEAD";
        let mut acc = 0.0;
        let mut pick = None;
        for (p, f) in [
            (spec.p429, Fault::Throttle),
            (spec.p500, Fault::Internal),
            (spec.p503, Fault::Unavailable),
            (spec.drop, Fault::Drop),
            (spec.p409, Fault::Conflict),
            (spec.p412, Fault::Precondition),
            (spec.p403, Fault::Forbidden),
        ] {
            acc += p;
            if r < acc {
                pick = Some(f);
                break;
            }
        }
        let f = pick?;
        if matches!(f, Fault::Conflict | Fault::Precondition) && !write {
            return None;
        }
        // Counted only when injected: past `max`, the counter stays at `max`.
        let taken = self
            .injected
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| match spec.max {
                Some(max) if n >= max => None,
                _ => Some(n + 1),
            });
        taken.ok()?;
        Some((f, spec.clone()))
    }

    /// Whether an async operation started by this request should fail (deterministic per path).
    pub fn lro_fails(&self, method: &str, path: &str) -> bool {
        self.lro_decision("LRO", |s| s.lro_fail, method, path)
    }

    /// Whether an async operation started by this request should never complete (fault
    /// `hang-lro`, deterministic per path).
    pub fn lro_hangs(&self, method: &str, path: &str) -> bool {
        self.lro_decision("HANG", |s| s.hang_lro, method, path)
    }

    fn lro_decision(
        &self,
        kind: &str,
        p: impl Fn(&FaultSpec) -> f64,
        method: &str,
        path: &str,
    ) -> bool {
        let guard = self.spec.read().unwrap_or_else(|e| e.into_inner());
        let Some(spec) = guard.as_ref() else {
            return false;
        };
        let p = p(spec);
        if p <= 0.0 || !Self::matches(spec, "arm", method, path) {
            return false;
        }
        let key = format!("{kind} {method} {}", path.to_ascii_lowercase());
        let n = {
            let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            let e = c.entry(key.clone()).or_insert(0);
            *e += 1;
            *e
        };
        let r = (mix(spec.seed ^ fnv(&key) ^ mix(n)) >> 11) as f64 / (1u64 << 53) as f64;
        if r < p {
            self.injected.fetch_add(1, Ordering::SeqCst);
            true
        } else {
            false
        }
    }

    /// Whether fault `lost-rule` is set (concurrent outbound-rule writes are then accepted).
    pub fn lost_rule_active(&self) -> bool {
        let guard = self.spec.read().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(|s| s.lost_rule > 0.0).unwrap_or(false)
    }

    /// Decides (deterministically per rule key) whether the completed write of the outbound
    /// rule `key` drops another user rule; returns a number to pick the victim with.
    pub fn lost_rule(&self, key: &str) -> Option<u64> {
        let guard = self.spec.read().unwrap_or_else(|e| e.into_inner());
        let spec = guard.as_ref()?;
        if spec.lost_rule <= 0.0 {
            return None;
        }
        let k = format!("LOST {}", key.to_ascii_lowercase());
        let n = {
            let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            let e = c.entry(k.clone()).or_insert(0);
            *e += 1;
            *e
        };
        let h = mix(spec.seed ^ fnv(&k) ^ mix(n));
        let r = (h >> 11) as f64 / (1u64 << 53) as f64;
        if r < spec.lost_rule {
            self.injected.fetch_add(1, Ordering::SeqCst);
            Some(mix(h))
        } else {
            None
        }
    }

    /// Async-operation delay override for this path.
    pub fn slow_lro(&self, method: &str, path: &str) -> Option<u64> {
        let guard = self.spec.read().unwrap_or_else(|e| e.into_inner());
        let spec = guard.as_ref()?;
        if spec.paths.is_empty() || spec.paths.iter().any(|g| glob(g, path)) {
            let _ = method;
            spec.slow_lro_ms
        } else {
            None
        }
    }

    /// Number of 404s to serve after a create on this path, and how long after the create they
    /// can come (fault `lag`).
    pub fn not_found_after_create(&self, path: &str) -> (u32, std::time::Duration) {
        let guard = self.spec.read().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(s) if s.paths.is_empty() || s.paths.iter().any(|g| glob(g, path)) => (
                s.not_found_after_create,
                std::time::Duration::from_millis(s.lag_ms),
            ),
            _ => (0, std::time::Duration::ZERO),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_spec() {
        let f = parse("seed=7,429=0.1,500=0.05,503=0.05,drop=0.02,slow-lro=2000ms,404-after-create=3,409=0.05,paths=*/workspaces/*").unwrap();
        assert_eq!(f.seed, 7);
        assert_eq!(f.slow_lro_ms, Some(2000));
        assert_eq!(f.not_found_after_create, 3);
        assert_eq!(f.lag_ms, 2000);
        assert_eq!(parse("404-after-create=1,lag=500ms").unwrap().lag_ms, 500);
        assert_eq!(parse("412=0.1").unwrap().p412, 0.1);
        assert_eq!(parse("hang-lro=0.25").unwrap().hang_lro, 0.25);
        assert_eq!(parse("403=1").unwrap().p403, 1.0);
        assert!(parse("403=0.6,429=0.6").is_err());
        assert!(parse("412=0.6,429=0.5").is_err());
        assert!(parse("429=2").is_err());
        assert!(parse("bogus=1").is_err());
    }

    #[test]
    fn glob_matches() {
        assert!(glob(
            "*/workspaces/*",
            "/subscriptions/x/resourceGroups/r/providers/M/Workspaces/w"
        ));
        assert!(!glob("*/workspaces/*", "/subscriptions/x/resourceGroups/r"));
        assert!(glob("*", ""));
    }

    #[test]
    fn deterministic_sequence() {
        let run = || {
            let s = FaultState::default();
            s.set(Some(parse("seed=3,429=0.3,500=0.2").unwrap()));
            (0..50)
                .map(|_| s.decide("arm", "GET", "/a").map(|f| f.0))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
        assert!(run().iter().any(|d| d.is_some()));
    }

    #[test]
    fn max_stops_injecting_and_the_count_stays_true() {
        let s = FaultState::default();
        s.set(Some(parse("500=1,max=2").unwrap()));
        let hits = (0..10)
            .filter(|_| s.decide("arm", "GET", "/a").is_some())
            .count();
        assert_eq!(hits, 2);
        assert_eq!(s.injected(), 2);
    }
}
