//! Pacing of one process's ARM requests by the subscription's throttling buckets.
//!
//! ARM throttles each principal per subscription with token buckets: reads, writes and deletes
//! (documented defaults: reads 250 refilled 25/s, writes and deletes 200 refilled 10/s). Every
//! answer says what is left in its bucket (`x-ms-ratelimit-remaining-subscription-reads|writes|
//! deletes`, and the `-global-` / `-resource-` / tenant variants where ARM sends them). Sending
//! into an empty bucket earns a 429 and a wait for every request that meets it; a large apply then
//! spends much of its time in retries (and their backoff) instead of work.
//!
//! The [`Pacer`] keeps, per bucket, an estimate of the tokens left: the last remaining count ARM
//! reported, minus the requests this process admitted after the one that carried it, plus the
//! refill since. While the estimate is comfortably above [`LOW_WATER`] a request goes at once;
//! below it, requests are spaced at the refill rate (each reservation takes the next token, so
//! concurrent callers queue in order rather than racing). A 429 holds back every request of that
//! bucket until its Retry-After, not only the one that got it. Before ARM reports anything,
//! nothing is paced.
//!
//! The decisions are a pure function of the observations and the time ([`PacerCore`] takes
//! `now`), so they are tested as data; [`Pacer`] wraps the core in a mutex with the real clock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::http::{HttpResponse, Method};

/// A throttling bucket of ARM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    /// GET (and HEAD).
    Reads,
    /// PUT, PATCH and POST.
    Writes,
    /// DELETE.
    Deletes,
}

impl Bucket {
    /// The bucket a request of `method` draws from.
    pub fn of(method: Method) -> Bucket {
        match method {
            Method::Get => Bucket::Reads,
            Method::Delete => Bucket::Deletes,
            Method::Put | Method::Patch | Method::Post => Bucket::Writes,
        }
    }

    /// The word ARM uses in the header names.
    pub fn word(self) -> &'static str {
        match self {
            Bucket::Reads => "reads",
            Bucket::Writes => "writes",
            Bucket::Deletes => "deletes",
        }
    }

    /// The bucket's size by ARM's documented defaults (until a larger count is reported).
    pub fn default_size(self) -> f64 {
        match self {
            Bucket::Reads => 250.0,
            Bucket::Writes | Bucket::Deletes => 200.0,
        }
    }

    /// Tokens per second ARM adds to the bucket (its documented defaults).
    pub fn refill_per_sec(self) -> f64 {
        match self {
            Bucket::Reads => 25.0,
            Bucket::Writes | Bucket::Deletes => 10.0,
        }
    }
}

/// Below this many tokens (estimated), requests are spaced at the refill rate. The margin leaves
/// room for what other processes of the same principal send meanwhile.
pub const LOW_WATER: f64 = 8.0;

/// The longest a pacing wait may be (a Retry-After hold is not capped here: the pipeline caps
/// server waits by its policy).
const MAX_PACE_WAIT: Duration = Duration::from_secs(30);

/// What a request must do before it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    /// Wait this long first (zero: send now).
    pub wait: Duration,
    /// Which admission this is, for [`PacerCore::observe`].
    pub ticket: u64,
}

#[derive(Clone, Debug, Default)]
struct State {
    /// Tokens estimated left at `at` (negative: reservations queued beyond the bucket).
    tokens: Option<f64>,
    /// When `tokens` was last brought up to date.
    at: Option<Instant>,
    /// Admissions handed out so far (the next ticket).
    admitted: u64,
    /// The ticket of the admission whose answer set `tokens` last.
    observed_ticket: u64,
    /// No request of this bucket is sent before this (after a 429).
    hold_until: Option<Instant>,
    /// The largest remaining count ARM reported (the bucket's size, as far as we know).
    capacity: f64,
}

/// The pacing decisions, without a clock or a lock: every call says what time it is.
#[derive(Clone, Debug, Default)]
pub struct PacerCore {
    buckets: HashMap<Bucket, State>,
    /// Requests answered 429, per bucket (for diagnostics and tests).
    throttled: HashMap<Bucket, u64>,
}

impl PacerCore {
    /// A pacer that has observed nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves the next request of `bucket` at `now` and says how long it must wait.
    pub fn admit(&mut self, bucket: Bucket, now: Instant) -> Admission {
        let rate = bucket.refill_per_sec();
        let s = self.buckets.entry(bucket).or_default();
        let ticket = s.admitted;
        s.admitted += 1;
        let hold = s
            .hold_until
            .filter(|h| *h > now)
            .map_or(Duration::ZERO, |h| h - now);
        let Some(tokens) = s.tokens else {
            return Admission { wait: hold, ticket };
        };
        let at = s.at.unwrap_or(now);
        // Refill from the last update to now (never beyond the known size), then take one.
        let refilled = if now > at {
            let size = s.capacity.max(bucket.default_size()).max(tokens);
            (tokens + (now - at).as_secs_f64() * rate).min(size)
        } else {
            tokens
        };
        let after = refilled - 1.0;
        s.tokens = Some(after);
        s.at = Some(now.max(at));
        let pace = if after >= LOW_WATER {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((LOW_WATER - after) / rate).min(MAX_PACE_WAIT)
        };
        Admission {
            wait: pace.max(hold),
            ticket,
        }
    }

    /// Takes in the answer to admission `ticket` of `bucket`, received at `now`: the remaining
    /// count ARM reported (if any), whether it was a 429, and its Retry-After.
    pub fn observe(
        &mut self,
        bucket: Bucket,
        ticket: u64,
        remaining: Option<u64>,
        throttled: bool,
        retry_after: Option<Duration>,
        now: Instant,
    ) {
        if throttled {
            *self.throttled.entry(bucket).or_default() += 1;
        }
        let s = self.buckets.entry(bucket).or_default();
        if throttled {
            let until = now + retry_after.unwrap_or(Duration::from_secs(1));
            s.hold_until = Some(s.hold_until.map_or(until, |h| h.max(until)));
        }
        let reported = match (remaining, throttled) {
            (Some(r), _) => r as f64,
            (None, true) => 0.0,
            (None, false) => return,
        };
        // An answer older than the one already used says less than we know.
        if s.tokens.is_some() && ticket < s.observed_ticket {
            return;
        }
        s.capacity = s.capacity.max(reported);
        // Requests admitted after this one have taken tokens the answer does not show yet.
        let later = s.admitted.saturating_sub(ticket + 1) as f64;
        s.tokens = Some(reported - later);
        s.at = Some(now);
        s.observed_ticket = ticket;
    }

    /// How many answers of `bucket` were 429.
    pub fn throttled(&self, bucket: Bucket) -> u64 {
        self.throttled.get(&bucket).copied().unwrap_or(0)
    }
}

/// The remaining count of `bucket` in an answer: the subscription header, else the narrower of
/// the global/resource/tenant variants ARM sends instead.
pub fn remaining(resp: &HttpResponse, bucket: Bucket) -> Option<u64> {
    let w = bucket.word();
    let names = [
        format!("x-ms-ratelimit-remaining-subscription-{w}"),
        format!("x-ms-ratelimit-remaining-subscription-global-{w}"),
        format!("x-ms-ratelimit-remaining-subscription-resource-{w}"),
        format!("x-ms-ratelimit-remaining-tenant-{w}"),
    ];
    names
        .iter()
        .filter_map(|n| resp.header(n))
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .min()
}

/// The process's pacer: [`PacerCore`] behind a lock, on the real clock.
#[derive(Debug, Default)]
pub struct Pacer {
    core: Mutex<PacerCore>,
}

impl Pacer {
    /// A pacer that has observed nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves a request of `method`; sleep `wait` before sending it.
    pub fn admit(&self, method: Method) -> Admission {
        self.core
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .admit(Bucket::of(method), Instant::now())
    }

    /// Reserves a request of `method` and waits its turn (never past `deadline`); returns the
    /// ticket for [`Pacer::observe`].
    pub(crate) async fn wait_turn(
        &self,
        method: Method,
        deadline: super::deadline::Deadline,
    ) -> u64 {
        let a = self.admit(method);
        if !a.wait.is_zero() {
            tracing::debug!(target: "arm", bucket = Bucket::of(method).word(), wait_ms = a.wait.as_millis() as u64, "pacing ARM request");
            tokio::time::sleep(a.wait.min(deadline.remaining())).await;
        }
        a.ticket
    }

    /// Takes in the answer to an admitted request.
    pub fn observe(
        &self,
        method: Method,
        ticket: u64,
        resp: &HttpResponse,
        retry_after: Option<Duration>,
    ) {
        let bucket = Bucket::of(method);
        self.core.lock().unwrap_or_else(|e| e.into_inner()).observe(
            bucket,
            ticket,
            remaining(resp, bucket),
            resp.status == 429,
            retry_after,
            Instant::now(),
        );
    }

    /// How many answers of `bucket` were 429 in this process.
    pub fn throttled(&self, bucket: Bucket) -> u64 {
        self.core
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .throttled(bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One step of a pacing script: at `t_ms`, admit a request (expecting its wait in ms) or
    /// observe the answer to an earlier admission.
    enum Step {
        Admit {
            t_ms: u64,
            bucket: Bucket,
            wait_ms: u64,
        },
        Answer {
            t_ms: u64,
            bucket: Bucket,
            ticket: u64,
            remaining: Option<u64>,
            throttled: bool,
            retry_after_ms: Option<u64>,
        },
    }
    use Step::*;

    fn admit(t_ms: u64, bucket: Bucket, wait_ms: u64) -> Step {
        Admit {
            t_ms,
            bucket,
            wait_ms,
        }
    }
    fn ok(t_ms: u64, bucket: Bucket, ticket: u64, remaining: u64) -> Step {
        Answer {
            t_ms,
            bucket,
            ticket,
            remaining: Some(remaining),
            throttled: false,
            retry_after_ms: None,
        }
    }
    fn throttled(t_ms: u64, bucket: Bucket, ticket: u64, retry_after_ms: u64) -> Step {
        Answer {
            t_ms,
            bucket,
            ticket,
            remaining: Some(0),
            throttled: true,
            retry_after_ms: Some(retry_after_ms),
        }
    }

    /// Runs a script and checks every admission's wait (to the millisecond).
    fn check(name: &str, steps: Vec<Step>) {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut p = PacerCore::new();
        for (i, step) in steps.into_iter().enumerate() {
            match step {
                Admit {
                    t_ms,
                    bucket,
                    wait_ms,
                } => {
                    let got = p.admit(bucket, at(t_ms)).wait.as_millis() as u64;
                    assert!(
                        got.abs_diff(wait_ms) <= 1,
                        "{name}, step {i}: waited {got} ms, want {wait_ms} ms"
                    );
                }
                Answer {
                    t_ms,
                    bucket,
                    ticket,
                    remaining,
                    throttled,
                    retry_after_ms,
                } => p.observe(
                    bucket,
                    ticket,
                    remaining,
                    throttled,
                    retry_after_ms.map(Duration::from_millis),
                    at(t_ms),
                ),
            }
        }
    }

    use Bucket::*;

    #[test]
    fn nothing_is_paced_before_arm_reports_or_while_the_bucket_is_full() {
        check(
            "unknown",
            (0..50).map(|_| admit(0, Writes, 0)).collect::<Vec<_>>(),
        );
        check(
            "plenty",
            vec![
                admit(0, Reads, 0),
                ok(5, Reads, 0, 200),
                admit(5, Reads, 0),
                admit(5, Reads, 0),
                ok(6, Reads, 1, 198),
                admit(6, Reads, 0),
            ],
        );
    }

    #[test]
    fn a_low_bucket_spaces_requests_at_the_refill_rate() {
        // Writes refill 10/s: with 9 left (8 after this one) the next goes at once, then each
        // further one waits 100 ms more than the one before (reservations queue).
        check(
            "writes",
            vec![
                admit(0, Writes, 0),
                ok(10, Writes, 0, 9),
                admit(10, Writes, 0),
                admit(10, Writes, 100),
                admit(10, Writes, 200),
                admit(10, Writes, 300),
                // 300 ms later three tokens came back: the queue is where it was.
                admit(310, Writes, 100),
            ],
        );
        // Reads refill 25/s: 40 ms a token.
        check(
            "reads",
            vec![
                admit(0, Reads, 0),
                ok(1, Reads, 0, 8),
                admit(1, Reads, 40),
                admit(1, Reads, 80),
            ],
        );
        // Buckets are separate: low writes do not slow reads or deletes.
        check(
            "separate",
            vec![
                admit(0, Writes, 0),
                ok(1, Writes, 0, 0),
                admit(1, Writes, 900),
                admit(1, Reads, 0),
                admit(1, Deletes, 0),
            ],
        );
    }

    #[test]
    fn answers_count_the_requests_sent_after_them() {
        // Twenty requests left before the first answer came back saying 25 remained: 5 are
        // left in truth, so the next request is paced.
        let mut steps: Vec<Step> = (0..21).map(|_| admit(0, Writes, 0)).collect();
        steps.push(ok(50, Writes, 0, 25));
        steps.push(admit(50, Writes, 400));
        check("in flight", steps);
        // An answer older than one already used changes nothing.
        check(
            "stale",
            vec![
                admit(0, Writes, 0),
                admit(0, Writes, 0),
                ok(10, Writes, 1, 100),
                ok(11, Writes, 0, 2),
                admit(11, Writes, 0),
            ],
        );
    }

    #[test]
    fn a_429_holds_back_the_whole_bucket_until_retry_after() {
        check(
            "hold",
            vec![
                admit(0, Deletes, 0),
                admit(0, Deletes, 0),
                admit(0, Deletes, 0),
                throttled(20, Deletes, 0, 1000),
                // Every request of the bucket waits at least for the hold; the two still in
                // flight count as spent, so the next is paced beyond it.
                admit(20, Deletes, 1100),
                admit(500, Deletes, 720),
                // Other buckets go on.
                admit(500, Reads, 0),
                // Once the hold is over the refill counts from its end.
                admit(1020 + 2000, Deletes, 0),
            ],
        );
        // A Retry-After that ends sooner does not shorten a longer hold.
        check(
            "longest hold",
            vec![
                admit(0, Reads, 0),
                admit(0, Reads, 0),
                throttled(0, Reads, 0, 2000),
                throttled(0, Reads, 1, 500),
                admit(1000, Reads, 1000),
            ],
        );
    }

    #[test]
    fn remaining_reads_any_variant_and_takes_the_smallest() {
        let resp = |h: &[(&str, &str)]| HttpResponse {
            status: 200,
            headers: h
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: vec![],
        };
        type Headers<'a> = Vec<(&'a str, &'a str)>;
        let cases: Vec<(Headers, Bucket, Option<u64>)> = vec![
            (
                vec![("x-ms-ratelimit-remaining-subscription-reads", "249")],
                Reads,
                Some(249),
            ),
            (
                vec![("X-MS-RateLimit-Remaining-Subscription-Writes", " 7 ")],
                Writes,
                Some(7),
            ),
            (
                vec![("x-ms-ratelimit-remaining-subscription-writes", "7")],
                Reads,
                None,
            ),
            (
                vec![
                    ("x-ms-ratelimit-remaining-subscription-global-deletes", "40"),
                    ("x-ms-ratelimit-remaining-subscription-deletes", "120"),
                ],
                Deletes,
                Some(40),
            ),
            (
                vec![("x-ms-ratelimit-remaining-tenant-reads", "11")],
                Reads,
                Some(11),
            ),
            (
                vec![("x-ms-ratelimit-remaining-subscription-reads", "many")],
                Reads,
                None,
            ),
        ];
        for (h, b, want) in cases {
            assert_eq!(remaining(&resp(&h), b), want, "{h:?} {b:?}");
        }
    }

    #[test]
    fn methods_map_to_buckets() {
        for (m, b) in [
            (Method::Get, Reads),
            (Method::Put, Writes),
            (Method::Patch, Writes),
            (Method::Post, Writes),
            (Method::Delete, Deletes),
        ] {
            assert_eq!(Bucket::of(m), b, "{m:?}");
        }
    }
}
