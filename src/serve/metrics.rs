//! Prometheus metrics, written in its text format by hand: a few counters,
//! gauges and histograms need no library.

use dun_runtime::store::serve::Applied;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histograms, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {}",
                self.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Default)]
pub struct Metrics {
    pub events_accepted: AtomicU64,
    pub events_duplicate: AtomicU64,
    pub events_rejected: AtomicU64,
    pub accounts_accepted: AtomicU64,
    pub accounts_rejected: AtomicU64,
    steps: AtomicU64,
    actions: AtomicU64,
    lag: AtomicI64,
    /// The engine connection's round trips to a PostgreSQL server.
    round_trips: AtomicU64,
    pub webhook_delivered: AtomicU64,
    pub webhook_failures: AtomicU64,
    held: Mutex<BTreeMap<&'static str, u64>>,
    commit: Mutex<Histogram>,
    /// By route (its pattern, not the path asked) and status class.
    requests: Mutex<BTreeMap<(String, u16), Histogram>>,
}

impl Metrics {
    pub fn applied(&self, a: &Applied, took: Duration) {
        self.steps.fetch_add(a.steps, Relaxed);
        self.actions.fetch_add(a.actions, Relaxed);
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        for r in &a.held {
            *held.entry(r).or_default() += 1;
        }
        self.commit
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .observe(took.as_secs_f64());
    }

    /// The engine's store connection's round trips so far (see
    /// `Store::round_trips`).
    pub fn round_trips(&self, total: u64) {
        self.round_trips.store(total, Relaxed);
    }

    pub fn scheduler_lag(&self, secs: i64) {
        self.lag.store(secs.max(0), Relaxed);
    }

    pub fn request(&self, route: &str, status: u16, took: Duration) {
        let mut r = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        r.entry((route.to_string(), status))
            .or_default()
            .observe(took.as_secs_f64());
    }

    pub fn render(&self) -> String {
        let mut o = String::new();
        let counter = |o: &mut String, name: &str, help: &str, v: &[(&str, u64)]| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, v) in v {
                if labels.is_empty() {
                    let _ = writeln!(o, "{name} {v}");
                } else {
                    let _ = writeln!(o, "{name}{{{labels}}} {v}");
                }
            }
        };
        counter(
            &mut o,
            "dun_events_total",
            "Events posted, by verdict.",
            &[
                ("verdict=\"accepted\"", self.events_accepted.load(Relaxed)),
                ("verdict=\"duplicate\"", self.events_duplicate.load(Relaxed)),
                ("verdict=\"rejected\"", self.events_rejected.load(Relaxed)),
            ],
        );
        counter(
            &mut o,
            "dun_accounts_total",
            "Account rows posted, by verdict (duplicates counted as accepted).",
            &[
                ("verdict=\"accepted\"", self.accounts_accepted.load(Relaxed)),
                ("verdict=\"rejected\"", self.accounts_rejected.load(Relaxed)),
            ],
        );
        counter(
            &mut o,
            "dun_steps_total",
            "Engine steps committed.",
            &[("", self.steps.load(Relaxed))],
        );
        counter(
            &mut o,
            "dun_actions_total",
            "Actions written to the outbox.",
            &[("", self.actions.load(Relaxed))],
        );
        counter(
            &mut o,
            "dun_store_round_trips_total",
            "Round trips of the engine's connection to PostgreSQL (0 on SQLite).",
            &[("", self.round_trips.load(Relaxed))],
        );
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let held: Vec<(String, u64)> = held
            .iter()
            .map(|(k, v)| (format!("reason=\"{k}\""), *v))
            .collect();
        let held: Vec<(&str, u64)> = held.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        counter(
            &mut o,
            "dun_held_contacts_total",
            "Contacts the policy held or queued, by reason.",
            &held,
        );
        counter(
            &mut o,
            "dun_webhook_deliveries_total",
            "Webhook posts, by result.",
            &[
                ("result=\"delivered\"", self.webhook_delivered.load(Relaxed)),
                ("result=\"failed\"", self.webhook_failures.load(Relaxed)),
            ],
        );
        let _ = writeln!(
            o,
            "# HELP dun_scheduler_lag_seconds How late the last due steps ran.\n# TYPE dun_scheduler_lag_seconds gauge\ndun_scheduler_lag_seconds {}",
            self.lag.load(Relaxed)
        );
        let _ = writeln!(o, "# HELP dun_commit_seconds Time of one store transaction.\n# TYPE dun_commit_seconds histogram");
        self.commit.lock().unwrap_or_else(|p| p.into_inner()).write(
            &mut o,
            "dun_commit_seconds",
            "",
        );
        let _ = writeln!(o, "# HELP dun_request_seconds Request latency by route and status.\n# TYPE dun_request_seconds histogram");
        for ((route, status), h) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            h.write(
                &mut o,
                "dun_request_seconds",
                &format!("route=\"{route}\",status=\"{status}\""),
            );
        }
        o
    }
}
