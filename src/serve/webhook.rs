//! Actions posted to a webhook, at least once and in order: a thread
//! follows the outbox from a cursor kept in the store (`cursors`, named
//! `webhook`), posts each action with its stable id and an HMAC-SHA256
//! signature, retries with exponential back-off until the receiver answers
//! 2xx, and moves the cursor past an outbox row only once every action of
//! it was delivered. A receiver deduplicates by the action id.

use super::metrics::Metrics;
use dun_runtime::store::Store;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const CURSOR: &str = "webhook";
const FIRST_RETRY: Duration = Duration::from_millis(250);
const LAST_RETRY: Duration = Duration::from_secs(60);
const IDLE: Duration = Duration::from_millis(100);

pub struct Hook {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Hook {
    /// Stops after the post in hand (its row is delivered again on the
    /// next start if it was not acknowledged).
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.thread.join();
    }
}

/// The signature header's value: `sha256=` and the hex HMAC-SHA256 of
/// `TIMESTAMP.BODY` under the secret (the timestamp is sent in
/// `X-Dun-Timestamp`, so a receiver can refuse old replays).
pub fn sign(secret: &[u8], timestamp: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", super::auth::hex(&mac.finalize().into_bytes()))
}

pub fn start(
    url: String,
    secret: Vec<u8>,
    store: Store,
    mut outbox: tokio::sync::watch::Receiver<i64>,
    metrics: Arc<Metrics>,
) -> Result<Hook, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::Builder::new()
        .name("dun-webhook".into())
        .spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(10)))
                .http_status_as_error(false)
                .build()
                .into();
            let mut cursor = match store.cursor(CURSOR) {
                Ok(c) => c,
                Err(e) => {
                    super::log::error("webhook: cannot read its cursor", serde_json::json!({"error": e.to_string()}));
                    return;
                }
            };
            let mut backoff = FIRST_RETRY;
            while !stopping.load(Ordering::SeqCst) {
                let rows = match store.outbox_after(cursor, 100) {
                    Ok(r) => r,
                    Err(e) => {
                        super::log::error("webhook: cannot read the outbox", serde_json::json!({"error": e.to_string()}));
                        std::thread::sleep(backoff);
                        backoff = (backoff * 2).min(LAST_RETRY);
                        continue;
                    }
                };
                if rows.is_empty() {
                    // Nothing new: look at the engine's last sequence number
                    // (memory, not the store) until it moves or `stop`.
                    let seen = *outbox.borrow_and_update();
                    while !stopping.load(Ordering::SeqCst) && *outbox.borrow() == seen {
                        std::thread::sleep(IDLE);
                    }
                    continue;
                }
                'rows: for row in rows {
                    for line in row.body.lines() {
                        let id = serde_json::from_str::<serde_json::Value>(line)
                            .ok()
                            .and_then(|v| v["id"].as_str().map(str::to_string))
                            .unwrap_or_default();
                        loop {
                            if stopping.load(Ordering::SeqCst) {
                                break 'rows;
                            }
                            let ts = chrono::Utc::now().timestamp();
                            let sent = agent
                                .post(&url)
                                .header("content-type", "application/json")
                                .header("x-dun-action-id", &id)
                                .header("x-dun-timestamp", ts.to_string())
                                .header("x-dun-signature", sign(&secret, ts, line))
                                .send(line);
                            match sent {
                                Ok(r) if r.status().is_success() => {
                                    metrics.webhook_delivered.fetch_add(1, Ordering::Relaxed);
                                    backoff = FIRST_RETRY;
                                    break;
                                }
                                other => {
                                    let why = match other {
                                        Ok(r) => format!("status {}", r.status().as_u16()),
                                        Err(e) => e.to_string(),
                                    };
                                    metrics.webhook_failures.fetch_add(1, Ordering::Relaxed);
                                    super::log::warn(
                                        "webhook: delivery failed; retrying",
                                        serde_json::json!({"action": id, "error": why, "retry_ms": backoff.as_millis() as u64}),
                                    );
                                    std::thread::sleep(backoff);
                                    backoff = (backoff * 2).min(LAST_RETRY);
                                }
                            }
                        }
                    }
                    cursor = row.seq;
                    if let Err(e) = store.set_cursor(CURSOR, cursor) {
                        super::log::error("webhook: cannot keep its cursor", serde_json::json!({"error": e.to_string()}));
                    }
                }
            }
        })
        .map_err(|e| format!("cannot start the webhook thread: {e}"))?;
    Ok(Hook { stop, thread })
}
