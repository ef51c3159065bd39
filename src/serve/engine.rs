//! The one thread that writes the store: it takes the items of requests
//! and steps accounts as their moments fall due. Requests waiting at the
//! same time share one transaction (one disk sync), which is what lets a
//! single SQLite file take thousands of events a second.
//!
//! The scheduler is a min-heap of each account's next due moment, read
//! from the store once at start and kept by every transaction after; the
//! thread sleeps until the earliest moment or the next request.

use super::clock::Clock;
use super::metrics::Metrics;
use dun_runtime::data::EventRow;
use dun_runtime::engine::Account;
use dun_runtime::store::serve::{Intake, Stepper, Verdict};
use dun_runtime::store::Store;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

/// The verdicts on a job's accounts and events, or why the transaction
/// failed (nothing of it was taken).
pub type Verdicts = Result<(Vec<Verdict>, Vec<Verdict>), String>;

/// Items from one request, answered once they are committed.
pub struct Job {
    pub accounts: Vec<Account>,
    pub events: Vec<EventRow>,
    pub reply: tokio::sync::oneshot::Sender<Verdicts>,
}

/// What the engine thread is sent.
pub enum Msg {
    Items(Job),
    /// The clock moved: run what fell due, then answer.
    Tick(tokio::sync::oneshot::Sender<()>),
}

/// Items per transaction: a bound on the work (and the memory) of one
/// commit, whatever the queue holds.
const MAX_ITEMS: usize = 5_000;
/// Accounts stepped for the scheduler per transaction, so a backlog of due
/// accounts (after a restart) does not hold requests for long.
const MAX_DUE: usize = 2_000;
/// The longest sleep: a wall clock that jumps is looked at again.
const MAX_SLEEP: Duration = Duration::from_secs(30);

pub struct Engine {
    pub store: Store,
    pub stepper: Stepper,
    pub clock: Arc<Clock>,
    pub metrics: Arc<Metrics>,
    /// The outbox's last sequence number, for the feed and the webhook.
    pub outbox: tokio::sync::watch::Sender<i64>,
}

struct Schedule {
    heap: BinaryHeap<Reverse<(i64, String)>>,
    /// The current due moment of each account; heap entries that disagree
    /// are stale and skipped.
    due: HashMap<String, i64>,
}

impl Schedule {
    fn set(&mut self, id: String, at: Option<i64>) {
        match at {
            Some(t) => {
                if self.due.get(&id) != Some(&t) {
                    self.due.insert(id.clone(), t);
                    self.heap.push(Reverse((t, id)));
                }
            }
            None => {
                self.due.remove(&id);
            }
        }
    }

    fn next(&mut self) -> Option<i64> {
        while let Some(Reverse((t, id))) = self.heap.peek() {
            if self.due.get(id) == Some(t) {
                return Some(*t);
            }
            self.heap.pop();
        }
        None
    }

    /// Accounts due by `now`, at most `max`, with the earliest moment.
    fn take(&mut self, now: i64, max: usize) -> (Vec<String>, Option<i64>) {
        let mut ids = Vec::new();
        let mut earliest = None;
        while ids.len() < max {
            match self.next() {
                Some(t) if t <= now => {
                    if let Some(Reverse((t, id))) = self.heap.pop() {
                        earliest.get_or_insert(t);
                        self.due.remove(&id);
                        ids.push(id);
                    }
                }
                _ => break,
            }
        }
        (ids, earliest)
    }
}

impl Engine {
    /// Runs until every sender of `rx` is gone, then finishes what it holds.
    pub fn run(mut self, rx: Receiver<Msg>) -> Result<(), String> {
        let mut schedule = Schedule {
            heap: BinaryHeap::new(),
            due: HashMap::new(),
        };
        for (id, t) in self
            .stepper
            .due_all(&self.store)
            .map_err(|e| e.to_string())?
        {
            schedule.set(id, Some(t));
        }
        super::log::info(
            "scheduler ready",
            serde_json::json!({"accounts_due": schedule.due.len()}),
        );
        loop {
            let now = self.clock.now().timestamp();
            let wait = match schedule.next() {
                Some(t) if t <= now => Duration::ZERO,
                Some(t) => Duration::from_secs((t - now) as u64).min(MAX_SLEEP),
                None => MAX_SLEEP,
            };
            let mut msgs = Vec::new();
            let mut closed = false;
            if wait > Duration::ZERO {
                match rx.recv_timeout(wait) {
                    Ok(m) => msgs.push(m),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => closed = true,
                }
            }
            let mut items = msgs.iter().map(size).sum::<usize>();
            while items < MAX_ITEMS {
                match rx.try_recv() {
                    Ok(m) => {
                        items += size(&m);
                        msgs.push(m);
                    }
                    Err(std::sync::mpsc::TryRecvError::Empty) => break,
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                        closed = true;
                        break;
                    }
                }
            }
            self.round(msgs, &mut schedule);
            if closed {
                return Ok(());
            }
        }
    }

    /// One transaction: the items of `msgs` and the accounts due now.
    fn round(&mut self, msgs: Vec<Msg>, schedule: &mut Schedule) {
        let now = self.clock.now();
        let (due, earliest) = schedule.take(now.timestamp(), MAX_DUE);
        if msgs.is_empty() && due.is_empty() {
            return;
        }
        if let Some(t) = earliest {
            self.metrics.scheduler_lag(now.timestamp() - t);
        }
        let mut intake = Intake {
            due: due.clone(),
            ..Intake::default()
        };
        let mut replies = Vec::new();
        let mut ticks = Vec::new();
        for m in msgs {
            match m {
                Msg::Items(job) => {
                    replies.push((job.accounts.len(), job.events.len(), job.reply));
                    intake.accounts.extend(job.accounts);
                    intake.events.extend(job.events);
                }
                Msg::Tick(reply) => ticks.push(reply),
            }
        }
        let began = std::time::Instant::now();
        let applied = self.stepper.apply(&mut self.store, intake, now);
        self.metrics.round_trips(self.store.round_trips());
        match applied {
            Ok(applied) => {
                self.metrics.applied(&applied, began.elapsed());
                for (id, at) in applied.next_due {
                    schedule.set(id, at);
                }
                let mut accounts = applied.accounts.into_iter();
                let mut events = applied.events.into_iter();
                for (na, ne, reply) in replies {
                    let a: Vec<Verdict> = accounts.by_ref().take(na).collect();
                    let e: Vec<Verdict> = events.by_ref().take(ne).collect();
                    let _ = reply.send(Ok((a, e)));
                }
                self.outbox.send_if_modified(|last| {
                    let changed = *last != applied.last_seq;
                    *last = applied.last_seq;
                    changed
                });
            }
            Err(e) => {
                let message = e.to_string();
                super::log::error(
                    "a transaction failed; its items were not taken",
                    serde_json::json!({"error": message}),
                );
                // The due accounts are tried again at the next round.
                for id in due {
                    schedule.set(id, Some(now.timestamp()));
                }
                for (_, _, reply) in replies {
                    let _ = reply.send(Err(message.clone()));
                }
                // A store that keeps failing is not hammered.
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        if !ticks.is_empty() {
            // A moved clock is answered once everything due by then ran.
            while schedule.next().is_some_and(|t| t <= now.timestamp()) {
                self.round(Vec::new(), schedule);
            }
        }
        for t in ticks {
            let _ = t.send(());
        }
    }
}

fn size(m: &Msg) -> usize {
    match m {
        Msg::Items(j) => j.accounts.len() + j.events.len(),
        Msg::Tick(_) => 1,
    }
}
