//! Several `dun run --worker` processes, on any machines, sharing one batch
//! over one PostgreSQL store.
//!
//! The first worker to start a batch (a batch is its machine, its moment,
//! its start and its input rows: the same command on every worker) stores
//! its events and cuts the batch's accounts, in byte order of their ids,
//! into ranges, one `claims` row each; an advisory lock makes that happen
//! once. Each worker then claims a range with `FOR UPDATE SKIP LOCKED`
//! (a claim never waits on another worker's), holding it under a lease: a
//! time on the database server's clock. Every transaction that steps
//! accounts of the range first renews the lease, holding the claim's row
//! until it commits, and the last marks the range done. A worker killed or
//! cut off stops renewing; once its lease has run out another worker
//! claims the range and steps what was not committed (an account already
//! run to the batch's moment is not stepped again, and the engine gives
//! the same action ids). A worker whose lease was taken over finds the
//! claim no longer its own at its next transaction and leaves the range.
//!
//! Row locks rather than advisory locks hold the claims because a row
//! lock is released with its transaction on a kill or a network cut,
//! while the lease still covers the time between transactions, and
//! because a claim's state is then a row anyone can query.
//!
//! The worker that sees the last range done marks the batch finished and
//! exports its actions, once; `dun export` does it too (see
//! [`Store::export_after`]).

use super::batch::{admitted, run_scoped, store_events, RunInput, RunSummary, Scope};
use super::db::ps;
use super::{pg, Result, Store, StoreError};
use crate::format::Machine;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

/// How a worker takes its share.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Its name in `claims.owner` (host and process id by default).
    pub name: String,
    /// How long a claim lasts without renewal: longer than one
    /// transaction of `batch` accounts takes.
    pub lease: Duration,
    /// Accounts per range.
    pub range: usize,
}

/// What one worker did.
#[derive(Debug, Default)]
pub struct WorkerSummary {
    pub run: RunSummary,
    /// The batch's ranges and those this worker finished.
    pub ranges: u64,
    pub ranges_done: u64,
    /// Whether this worker set the batch up (stored its events).
    pub set_up: bool,
    /// Whether this worker saw the last range done: it exports.
    pub finished: bool,
}

/// The batch's identity: what every worker of it is given.
fn batch_id(m: &Machine, input: &RunInput) -> String {
    let mut h = Sha256::new();
    h.update(super::fingerprint(m));
    h.update(input.start.timestamp().to_le_bytes());
    h.update(input.until.timestamp().to_le_bytes());
    for (_, raw, _) in &input.accounts {
        h.update(raw.as_bytes());
        h.update(b"\n");
    }
    h.update(b"\0timed\0");
    for (_, raw, _, _) in &input.timed {
        h.update(raw.as_bytes());
        h.update(b"\n");
    }
    h.update(b"\0events\0");
    for (_, raw, _) in &input.events {
        h.update(raw.as_bytes());
        h.update(b"\n");
    }
    let mut hex = String::with_capacity(64);
    for b in h.finalize() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// Runs this process's share of a batch; see the module's documentation.
pub fn run_worker(
    m: &Machine,
    store: &mut Store,
    input: RunInput,
    opts: &WorkerOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<WorkerSummary> {
    if !store.is_postgres() {
        return Err(StoreError::Message(format!(
            "--worker shares a batch between processes over a PostgreSQL store; `{}` is a SQLite file, which one process runs: drop --worker, or give --db postgres://...",
            store.label()
        )));
    }
    let (notes, machines) = admitted(m, store, input.drain)?;
    let id = batch_id(m, &input);
    let mut out = WorkerSummary {
        run: RunSummary {
            notes,
            ..RunSummary::default()
        },
        ..WorkerSummary::default()
    };
    let range = opts.range.max(1);
    // Set up once: events stored, ranges cut.
    store.begin(true)?;
    let setup = (|| -> Result<Option<u64>> {
        store.exec("SELECT pg_advisory_xact_lock(?1)", ps![pg::LOCK_BATCH])?;
        if let Some(mut r) =
            store.query_opt("SELECT ranges FROM batches WHERE id = ?1", ps![id.as_str()])?
        {
            return Ok(Some(r.get(0)?));
        }
        let start = input.start.timestamp();
        let mut ids: BTreeSet<String> = BTreeSet::new();
        let mut clocks = std::collections::HashMap::new();
        store.each(
            "SELECT account, clock FROM instances",
            ps![],
            &mut |mut r| {
                let a: String = r.get(0)?;
                clocks.insert(a.clone(), r.get::<i64>(1)?);
                ids.insert(a);
                Ok(())
            },
        )?;
        for (_, _, a) in &input.accounts {
            // `--start` is when new accounts enrol (see `run_scoped`).
            if input.start > input.until && !clocks.contains_key(&a.id) {
                return Err(super::batch::start_after_until(
                    &input.start,
                    &input.until,
                    &a.id,
                ));
            }
            ids.insert(a.id.clone());
        }
        // A new account given only in rows with `as_of` enrols with the
        // first of them.
        let mut first_row: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
        for (_, _, a, at) in &input.timed {
            ids.insert(a.id.clone());
            let at = at.timestamp();
            first_row
                .entry(a.id.as_str())
                .and_modify(|t| *t = (*t).min(at))
                .or_insert(at);
        }
        let untimed: BTreeSet<&str> = input
            .accounts
            .iter()
            .map(|(_, _, a)| a.id.as_str())
            .collect();
        let clock_of = |a: &str| {
            clocks.get(a).copied().or_else(|| {
                if untimed.contains(a) {
                    Some(start)
                } else {
                    first_row.get(a).copied()
                }
            })
        };
        store_events(m, store, input.events.clone(), &clock_of, &mut out.run)?;
        if input.strict && !out.run.rejects.is_empty() {
            return Ok(None);
        }
        let ids: Vec<&String> = ids.iter().collect();
        let chunks: Vec<&[&String]> = ids.chunks(range).collect();
        store.exec(
            "INSERT INTO batches (id, ranges) VALUES (?1, ?2)",
            ps![id.as_str(), chunks.len() as i64],
        )?;
        for (i, c) in chunks.iter().enumerate() {
            store.exec(
                "INSERT INTO claims (batch, range, first, last) VALUES (?1, ?2, ?3, ?4)",
                ps![id.as_str(), i as i64, c[0], c[c.len() - 1]],
            )?;
        }
        out.set_up = true;
        Ok(Some(chunks.len() as u64))
    })();
    let ranges = match setup {
        Ok(Some(n)) => {
            store.commit()?;
            n
        }
        Ok(None) => {
            store.rollback();
            return Ok(out);
        }
        Err(e) => {
            store.rollback();
            return Err(e);
        }
    };
    out.ranges = ranges;
    let lease = i64::try_from(opts.lease.as_millis().max(1)).unwrap_or(i64::MAX);
    // In id order (stable: a duplicate row keeps its place after the
    // first), so that a range's rows are found by bisection rather than by
    // reading every row of the batch once per range.
    let mut accounts = input.accounts;
    accounts.sort_by(|x, y| x.2.id.cmp(&y.2.id));
    let mut timed = input.timed;
    timed.sort_by(|x, y| x.2.id.cmp(&y.2.id));
    loop {
        // Not synced: a claim lost in a crash of the server is claimed
        // again, and its range's first transaction renews it anyway.
        let claim = store.transaction(false, || {
            store.query_opt(
                "UPDATE claims SET owner = ?2, lease = now() + ?3 * interval '1 millisecond'
                 WHERE (batch, range) = (
                     SELECT batch, range FROM claims
                     WHERE batch = ?1 AND done = 0 AND (owner IS NULL OR lease < now())
                     ORDER BY range LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING range, first, last",
                ps![id.as_str(), opts.name.as_str(), lease],
            )
        })?;
        let Some(mut claim) = claim else {
            let mut r = store
                .query_opt(
                    "SELECT count(*) FROM claims WHERE batch = ?1 AND done = 0",
                    ps![id.as_str()],
                )?
                .ok_or_else(|| StoreError::Message("count(*) gave no row".into()))?;
            if r.get::<i64>(0)? == 0 {
                break;
            }
            // Other workers hold the rest: wait for them to finish, or for
            // a lease of one that stopped to run out.
            std::thread::sleep(Duration::from_millis(200).min(opts.lease / 4));
            continue;
        };
        let number: i64 = claim.get(0)?;
        let first: String = claim.get(1)?;
        let last: String = claim.get(2)?;
        let renew = |store: &Store| -> Result<bool> {
            Ok(store.exec(
                "UPDATE claims SET lease = now() + ?4 * interval '1 millisecond'
                 WHERE batch = ?1 AND range = ?2 AND owner = ?3 AND done = 0",
                ps![id.as_str(), number, opts.name.as_str(), lease],
            )? == 1)
        };
        let part = RunInput {
            accounts: within(&accounts, &first, &last, |r| &r.2.id).to_vec(),
            timed: within(&timed, &first, &last, |r| &r.2.id).to_vec(),
            events: Vec::new(),
            start: input.start,
            until: input.until,
            batch: input.batch,
            // Rejects that stop a strict run were found when the batch
            // was set up.
            strict: false,
            drain: input.drain,
        };
        let scope = Scope {
            range: Some((&first, &last)),
            renew: Some(&renew),
            lost: Default::default(),
        };
        let s = run_scoped(
            m,
            store,
            &machines,
            part,
            &scope,
            RunSummary::default(),
            progress,
        )?;
        let r = &mut out.run;
        r.enrolled += s.enrolled;
        r.updated += s.updated;
        r.events_processed += s.events_processed;
        r.accounts_stepped += s.accounts_stepped;
        r.steps += s.steps;
        r.actions += s.actions;
        r.reentered += s.reentered;
        r.rejects.extend(s.rejects);
        r.stopped.extend(s.stopped);
        r.damaged.extend(s.damaged);
        // Another worker took the range over after this one's lease ran
        // out; what this one committed is counted above, and the rest is
        // the other's to step and to count.
        if scope.lost.get() {
            continue;
        }
        // Done, and released, if the lease is still this worker's: a
        // durable commit, which puts the range's steps (committed without
        // a sync of their own) on disk before the range counts as done.
        let marked = store.transaction(true, || {
            store.exec(
                "UPDATE claims SET done = 1, owner = NULL, lease = NULL
                 WHERE batch = ?1 AND range = ?2 AND owner = ?3 AND done = 0",
                ps![id.as_str(), number, opts.name.as_str()],
            )
        })?;
        out.ranges_done += marked;
    }
    out.finished = store.exec(
        "UPDATE batches SET finished = 1 WHERE id = ?1 AND finished = 0",
        ps![id.as_str()],
    )? == 1;
    Ok(out)
}

/// The rows of `rows` (in id order) whose ids are from `first` to `last`.
fn within<'r, T>(rows: &'r [T], first: &str, last: &str, id: impl Fn(&T) -> &String) -> &'r [T] {
    let from = rows.partition_point(|r| id(r).as_str() < first);
    let to = rows.partition_point(|r| id(r).as_str() <= last);
    &rows[from..to.max(from)]
}
