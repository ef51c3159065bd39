//! `dun run`'s work over a store: enrol new accounts, update known ones,
//! store the events, then step every account up to `until`, events and
//! timers in time order, each account's steps committed with its outbox and
//! audit rows.

use super::account_step::{moment, AccountSteps, Clocks};
use super::db::ps;
use super::page::Page;
use super::{decode, encode, Result, Store, StoreError};
use crate::data::{value_json, EventRow};
use crate::engine::{Account, Action, ActionKind, AuditKind, Input, Instance, Outcome};
use crate::format::Machine;
use crate::value::Value;
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::{BTreeMap, HashMap};

pub struct RunInput {
    /// Account rows read: line, text, account.
    pub accounts: Vec<(u64, String, Account)>,
    /// Account rows with an `as_of` moment: line, text, account, moment.
    /// Each applies at its moment, in time order with the events and the
    /// steps due (docs/data.md).
    pub timed: Vec<(u64, String, Account, DateTime<Utc>)>,
    /// Event rows read: line, text, event.
    pub events: Vec<(u64, String, EventRow)>,
    /// When new accounts enrol.
    pub start: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Accounts per transaction.
    pub batch: usize,
    /// Any reject stops the run before anything is stored or stepped.
    pub strict: bool,
    /// Accounts in flight on an earlier version finish on it (see
    /// [`Store::admit`]).
    pub drain: bool,
}

/// A row refused against the store's state.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreReject {
    /// `false`: the accounts file; `true`: the events file.
    pub in_events: bool,
    pub line: u64,
    pub raw: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSummary {
    pub enrolled: u64,
    pub updated: u64,
    pub events_stored: u64,
    pub events_repeated: u64,
    pub events_processed: u64,
    pub accounts_stepped: u64,
    pub steps: u64,
    pub actions: u64,
    pub rejects: Vec<StoreReject>,
    /// Ended accounts that started a new cycle (`reenter when`).
    pub reentered: u64,
    /// What the store accepted about the machine (see [`Store::admit`]).
    pub notes: Vec<String>,
    /// Accounts that reached [`STEPS_PER_ACCOUNT`] before `until`, oldest
    /// id first: their clocks stay where they stopped.
    pub stopped: Vec<Stopped>,
    /// Accounts whose stored record (fields, state or a pending event)
    /// cannot be read: left as they are, not run, the others run.
    pub damaged: Vec<Damaged>,
}

/// A stored account that could not be read, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Damaged {
    pub account: String,
    pub reason: String,
}

/// The most due moments one account runs in one run. A flow that keeps an
/// account busy past it (a short wait in a loop) stops there: the account's
/// clock stays at the first moment not run, so that the next run goes on
/// from it and an event after it is still accepted.
pub const STEPS_PER_ACCOUNT: u32 = 100_000;

/// An account stopped by [`STEPS_PER_ACCOUNT`].
#[derive(Clone, Debug, PartialEq)]
pub struct Stopped {
    pub account: String,
    /// The stage it is in.
    pub stage: String,
    /// Seconds since 1970 UTC: its clock, the first due moment not run.
    pub at: i64,
}

struct Work {
    /// The machine it steps with: an index into the admitted machines.
    mi: usize,
    account: Account,
    /// `None`: new, to enrol at the start.
    known: Option<(Instance, i64)>,
    /// It ended and its new row meets `reenter when`: its next cycle
    /// enrols at its clock.
    reenter: bool,
    /// Rows with `as_of` (read in machine 0), in time order.
    rows: Vec<(i64, Account)>,
    /// When a new account enrols: `--start`, or the `as_of` of its first
    /// row when all its rows have one.
    enrol_at: i64,
    changed: bool,
    events: Vec<(u16, i64, Vec<Value>, String)>,
}

/// Runs one batch. `progress(done, total)` is called as accounts commit.
pub fn run(
    m: &Machine,
    store: &mut Store,
    input: RunInput,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunSummary> {
    let (notes, machines) = admitted(m, store, input.drain)?;
    let summary = RunSummary {
        notes,
        ..RunSummary::default()
    };
    run_scoped(
        m,
        store,
        &machines,
        input,
        &Scope::default(),
        summary,
        progress,
    )
}

/// Renews a worker's lease in the transaction under way (see [`Scope`]).
pub(crate) type Renew<'a> = dyn Fn(&Store) -> Result<bool> + 'a;

/// The machines a run may step accounts with: fingerprint and machine.
pub(crate) type Machines = Vec<(String, Machine)>;

/// Which part of a batch one call of [`run_scoped`] does: a worker's
/// range of accounts (see `workers`), or all of it.
#[derive(Default)]
pub(crate) struct Scope<'a> {
    /// Only the accounts whose ids are from `.0` to `.1` (byte order,
    /// PostgreSQL's `COLLATE "C"`); their events are stored already.
    pub range: Option<(&'a str, &'a str)>,
    /// Called first in each transaction that steps accounts: `false` says
    /// the range is no longer this process's (its lease was taken over),
    /// and the transaction is rolled back and the range left.
    pub renew: Option<&'a Renew<'a>>,
    /// Set when the range was left so: the summary returned counts the
    /// transactions committed before, which stand.
    pub lost: std::cell::Cell<bool>,
}

/// The machines a run steps accounts with (see [`Store::admit`]), and
/// what was accepted.
pub(crate) fn admitted(
    m: &Machine,
    store: &mut Store,
    drain: bool,
) -> Result<(Vec<String>, Machines)> {
    let admission = store.admit(m, drain)?;
    let mut machines = admission.machines;
    // Ended accounts of earlier versions step (and show) with their own
    // machine too.
    for p in store.pinned()? {
        if p.accounts > 0 && !machines.iter().any(|(f, _)| *f == p.fingerprint) {
            if let Some(old) = store.machine(&p.fingerprint)? {
                machines.push((p.fingerprint, old));
            }
        }
    }
    Ok((admission.notes, machines))
}

pub(crate) fn run_scoped(
    m: &Machine,
    store: &mut Store,
    machines: &[(String, Machine)],
    input: RunInput,
    scope: &Scope,
    mut summary: RunSummary,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunSummary> {
    let machine_ix: HashMap<&str, usize> = machines
        .iter()
        .enumerate()
        .map(|(i, (f, _))| (f.as_str(), i))
        .collect();
    let start = input.start.timestamp();
    let until = input.until.timestamp();

    // Everything the store holds, keyed by account id.
    let mut known: HashMap<String, (usize, Account, Instance, i64)> = HashMap::new();
    let mut damaged_rows: Vec<Damaged> = Vec::new();
    let in_range = |id: &str| {
        scope
            .range
            .is_none_or(|(first, last)| first <= id && id <= last)
    };
    let load = &mut |mut r: super::db::Row| {
        let id: String = r.get(0)?;
        let data: Vec<u8> = r.get(1)?;
        let state: Vec<u8> = r.get(2)?;
        let clock: i64 = r.get(3)?;
        let pinned: Option<String> = r.get(4)?;
        let mi = pinned
            .as_deref()
            .and_then(|f| machine_ix.get(f).copied())
            .ok_or_else(|| {
                StoreError::Message(format!(
                    "account {id} is on machine {}, which this run was not given; the store is damaged",
                    pinned.as_deref().map(super::short).unwrap_or("(none)")
                ))
            })?;
        let cycle = r.get(5)?;
        // One record that cannot be read is that account's problem alone:
        // it is named and left as it is, and the others run.
        let read = super::legacy::decode_instance(&state, &id, Some(&machines[mi].1))
            .and_then(|instance| Ok((decode(&data, "account")?, instance)));
        match read {
            Ok((account, mut instance)) => {
                instance.cycle = cycle;
                known.insert(id, (mi, account, instance, clock));
            }
            Err(e) => damaged_rows.push(Damaged {
                account: id,
                reason: e.to_string(),
            }),
        }
        Ok(())
    };
    match scope.range {
        None => store.each(
            "SELECT account, data, state, clock, machine, cycle FROM instances",
            ps![],
            load,
        )?,
        Some((first, last)) => store.each(
            "SELECT account, data, state, clock, machine, cycle FROM instances WHERE account COLLATE \"C\" BETWEEN ?1 AND ?2",
            ps![first, last],
            load,
        )?,
    }
    summary.damaged.extend(damaged_rows);
    let damaged: std::collections::HashSet<String> =
        summary.damaged.iter().map(|d| d.account.clone()).collect();

    let mut work: BTreeMap<String, Work> = BTreeMap::new();
    let mut file_accounts: HashMap<String, (u64, Account)> = HashMap::new();
    for (line, raw, account) in input.accounts {
        if !in_range(&account.id) {
            continue;
        }
        if let Some((first, seen)) = file_accounts.get(&account.id) {
            if *seen != account {
                summary.rejects.push(StoreReject {
                    in_events: false,
                    line,
                    raw,
                    reason: account_clash(&account.id, Some(*first)),
                });
            }
            continue;
        }
        file_accounts.insert(account.id.clone(), (line, account.clone()));
        if damaged.contains(&account.id) {
            // Its stored state cannot be read: enrolling it again would
            // repeat its actions; it waits for a person.
            continue;
        }
        let id = account.id.clone();
        let w = match known.remove(&id) {
            Some((mi, old, inst, clock)) => {
                // Machine 0 is the one the rows were read with.
                let theirs =
                    (mi != 0).then(|| crate::translate::account(m, &machines[mi].1, &account));
                let changed = old != *theirs.as_ref().unwrap_or(&account);
                let ended_on = (mi != 0).then(|| &machines[mi].1);
                match reentry(m, ended_on, &inst, &account, changed, clock) {
                    Some(next) => {
                        summary.reentered += 1;
                        Work {
                            mi: 0,
                            changed,
                            account,
                            known: Some((next, clock)),
                            events: vec![],
                            reenter: true,
                            rows: vec![],
                            enrol_at: start,
                        }
                    }
                    None => Work {
                        mi,
                        changed,
                        account: theirs.unwrap_or(account),
                        known: Some((inst, clock)),
                        events: vec![],
                        reenter: false,
                        rows: vec![],
                        enrol_at: start,
                    },
                }
            }
            None => Work {
                mi: 0,
                reenter: false,
                rows: vec![],
                enrol_at: start,
                account,
                known: None,
                changed: true,
                events: vec![],
            },
        };
        work.insert(id, w);
    }
    for (id, (mi, account, inst, clock)) in known {
        work.insert(
            id,
            Work {
                mi,
                reenter: false,
                rows: vec![],
                enrol_at: start,
                account,
                known: Some((inst, clock)),
                changed: false,
                events: vec![],
            },
        );
    }

    // Rows with `as_of`: after the account's clock, up to `until`.
    let mut timed: HashMap<(String, i64), u64> = HashMap::new();
    let mut given = input.timed;
    given.sort_by_key(|(line, _, _, at)| (at.timestamp(), *line));
    for (line, raw, account, at) in given {
        if !in_range(&account.id) {
            continue;
        }
        let at = at.timestamp();
        let reject = |reason: String| StoreReject {
            in_events: false,
            line,
            raw: raw.clone(),
            reason,
        };
        let shown = |t: i64| {
            DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        };
        if let Some(first) = timed.get(&(account.id.clone(), at)) {
            summary.rejects.push(reject(format!(
                "a second row of account `{}` as of {} (first given on line {first}); give one row per account and moment",
                account.id,
                shown(at)
            )));
            continue;
        }
        if at > until {
            summary.rejects.push(reject(format!(
                "`as_of` {} is after --until {}: give the row to the run that reaches it",
                shown(at),
                shown(until)
            )));
            continue;
        }
        let id = account.id.clone();
        match work.get_mut(&id) {
            Some(w) => {
                let clock = w.known.as_ref().map_or(w.enrol_at, |(_, c)| *c);
                if at < clock {
                    summary.rejects.push(reject(format!(
                        "`as_of` {} is before the account's clock {}: the account has already run past it",
                        shown(at),
                        shown(clock)
                    )));
                    continue;
                }
                w.changed = true;
                w.rows.push((at, account));
            }
            None => {
                // A new account enrols with its first row, at its moment.
                work.insert(
                    id.clone(),
                    Work {
                        mi: 0,
                        account,
                        known: None,
                        changed: true,
                        events: vec![],
                        reenter: false,
                        rows: vec![],
                        enrol_at: at,
                    },
                );
            }
        }
        timed.insert((id, at), line);
    }
    // `--start` is when new accounts enrol: a run that ends before it is
    // refused only when it has one (a catch-up run of known accounts,
    // with `--start` left to its default of now, is not).
    if start > until {
        if let Some(w) = work
            .values()
            .find(|w| w.known.is_none() && w.enrol_at > until)
        {
            return Err(start_after_until(&input.start, &input.until, &w.account.id));
        }
    }
    let m0 = m;

    // Events: checked against the store, then stored in one transaction
    // before any account steps, so a kill never loses an accepted event
    // (and, synced, neither does a power cut).
    let clock_of = |id: &str| {
        work.get(id)
            .map(|w| w.known.as_ref().map_or(w.enrol_at, |(_, c)| *c))
    };
    // A worker's range has its events stored already, by the worker that
    // set the batch up.
    if scope.range.is_none() {
        store.begin(true)?;
        match store_events(m, store, input.events, &clock_of, &mut summary) {
            Ok(()) if input.strict && !summary.rejects.is_empty() => {
                store.rollback();
                return Ok(summary);
            }
            Ok(()) => store.commit()?,
            Err(e) => {
                store.rollback();
                return Err(e);
            }
        }
    }
    let mut damaged_events: Vec<Damaged> = Vec::new();
    let pending_events = &mut |mut r: super::db::Row| {
        let id: String = r.get(0)?;
        let account: String = r.get(1)?;
        let ty: String = r.get(2)?;
        let at: i64 = r.get(3)?;
        let payload: Vec<u8> = r.get(4)?;
        let Some(event) = m.event_index(&ty) else {
            return Ok(());
        };
        if let Some(w) = work.get_mut(&account) {
            let payload: Vec<Value> = match decode(&payload, "event") {
                Ok(payload) => payload,
                Err(e) => {
                    // Run without this event, the account would go on as
                    // if it never came: it waits for a person instead.
                    work.remove(&account);
                    damaged_events.push(Damaged {
                        account,
                        reason: format!("its event `{id}`: {e}"),
                    });
                    return Ok(());
                }
            };
            // An event the account's own machine does not declare is
            // kept unprocessed.
            let theirs = if w.mi == 0 {
                Some((event, payload))
            } else {
                crate::translate::event(m, &machines[w.mi].1, event, &payload)
            };
            if let Some((event, payload)) = theirs {
                w.events.push((event, at, payload, id));
            }
        }
        Ok(())
    };
    match scope.range {
        None => store.each(
            "SELECT id, account, type, at, payload FROM events WHERE processed = 0 AND at <= ?1 ORDER BY account, at, rowid",
            ps![until],
            pending_events,
        )?,
        Some((first, last)) => store.each(
            "SELECT id, account, type, at, payload FROM events WHERE processed = 0 AND at <= ?1 AND account COLLATE \"C\" BETWEEN ?2 AND ?3 ORDER BY account, at, rowid",
            ps![until, first, last],
            pending_events,
        )?,
    }
    summary.damaged.extend(damaged_events);

    let todo: Vec<Work> = work
        .into_values()
        .filter(|w| {
            w.changed || !w.events.is_empty() || w.known.as_ref().is_none_or(|(_, c)| *c < until)
        })
        .collect();
    for (_, machine) in machines {
        store.prepare_persons(machine)?;
    }
    // The earliest moment an account of this run steps from: a person's
    // contacts before it that no cap counts then are forgotten.
    let floor = todo
        .iter()
        .map(|w| w.known.as_ref().map_or(w.enrol_at, |(_, c)| *c))
        .min()
        .unwrap_or(start)
        .min(start);
    let total = todo.len() as u64;
    let mut done = 0u64;
    let mut pending = todo.into_iter().peekable();
    // The rows of the transaction under way, written at its end.
    let mut page = Page::default();
    let batch = input.batch.max(1);
    while pending.peek().is_some() {
        // The batches before the last commit without a disk sync: a killed
        // process loses none of them (the commit is in the operating
        // system's hands), and a power cut loses only the last few, as if
        // the run had been killed earlier: none of their actions has been
        // exported. The last batch commits with a sync, which puts the
        // whole write-ahead log on disk before `run` returns.
        // A worker's range is marked done by a durable commit of its own
        // (see `workers`), which puts every commit before it on disk too:
        // its transactions need no sync of their own.
        let last = scope.renew.is_none() && total - done <= batch as u64;
        store.begin(last)?;
        if let Some(renew) = scope.renew {
            match renew(store) {
                Ok(true) => {}
                Ok(false) => {
                    store.rollback();
                    scope.lost.set(true);
                    return Ok(summary);
                }
                Err(e) => {
                    store.rollback();
                    return Err(e);
                }
            }
        }
        let chunk: Vec<Work> = pending.by_ref().take(batch).collect();
        let stepped = (|| -> Result<()> {
            let mut persons =
                store.lock_persons(machines, chunk.iter().map(|w| (w.mi, &w.account)))?;
            for w in chunk {
                let is_new = w.known.is_none();
                let (inst, clock, enrolled) = match w.known {
                    Some((inst, clock)) => (inst, clock, None),
                    None => (Instance::new(), w.enrol_at, Some(w.enrol_at)),
                };
                if is_new {
                    summary.enrolled += 1;
                } else if w.changed {
                    summary.updated += 1;
                }
                let mut a = AccountSteps::new(machines, w.mi, w.account, inst);
                a.person = persons.take(a.machine(), &a.account, floor)?;
                if is_new {
                    a.enrol(clock);
                }
                if w.reenter {
                    a.reenter(clock);
                }
                // Events and rows with `as_of`, in time order (a row before
                // an event of the same moment).
                let mut rows = w.rows.into_iter().peekable();
                let mut events = w.events.into_iter().peekable();
                loop {
                    let row_next = match (rows.peek(), events.peek()) {
                        (Some((r, _)), Some((_, e, _, _))) => r <= e,
                        (Some(_), None) => true,
                        (None, Some(_)) => false,
                        (None, None) => break,
                    };
                    if row_next {
                        let Some((at, row)) = rows.next() else { break };
                        // Everything due before the row runs with the data
                        // it was due with.
                        a.step(Input::Timer, moment(at));
                        let theirs = if a.mi == 0 {
                            row.clone()
                        } else {
                            crate::translate::account(m0, a.machine(), &row)
                        };
                        let changed = theirs != a.account;
                        let ended_on = (a.mi != 0).then(|| a.machine());
                        match reentry(m0, ended_on, &a.inst, &row, changed, at) {
                            Some(next) => {
                                summary.reentered += 1;
                                a.inst = next;
                                a.mi = 0;
                                a.account = row;
                                a.reenter(at);
                            }
                            None => a.account = theirs,
                        }
                        continue;
                    }
                    let Some((event, at, payload, id)) = events.next() else {
                        break;
                    };
                    // Events are read in the machine the account was on
                    // when the run began.
                    let theirs = if a.mi == w.mi {
                        Some((event, payload))
                    } else {
                        crate::translate::event(&machines[w.mi].1, a.machine(), event, &payload)
                    };
                    let Some((event, payload)) = theirs else {
                        continue;
                    };
                    a.step(Input::Event { event, payload }, moment(at));
                    page.processed.push(id);
                    summary.events_processed += 1;
                }
                let (new_clock, stopped) = a.timers(clock, until);
                summary.stopped.extend(stopped);
                if let Some((key, person)) = a.person.take() {
                    persons.put(key, person);
                }
                let written = a.write(
                    &mut page,
                    Clocks {
                        clock: new_clock,
                        enrolled: enrolled.unwrap_or(start),
                    },
                )?;
                summary.steps += written.steps;
                summary.actions += written.actions;
                summary.accounts_stepped += 1;
                done += 1;
            }
            persons.save(store)?;
            page.flush(store)
        })();
        match stepped {
            Ok(()) => store.commit()?,
            Err(e) => {
                store.rollback();
                return Err(e);
            }
        }
        progress(done, total);
    }
    Ok(summary)
}

/// The refusal of a run whose new account `id` would enrol at `start`,
/// after the run's end.
pub(crate) fn start_after_until(
    start: &DateTime<Utc>,
    until: &DateTime<Utc>,
    id: &str,
) -> StoreError {
    StoreError::Message(format!(
        "--start ({}) is after --until ({}): account `{id}` is new and would enrol after the end of the run; give a --start before --until, or run to a later --until",
        start.to_rfc3339(),
        until.to_rfc3339()
    ))
}

/// The next cycle of an ended account whose changed row meets the flow's
/// `reenter when` (read in `m`, the machine the run was given, which the
/// account enters whatever machine it ended on: `ended_on` when another),
/// or `None`.
pub(crate) fn reentry(
    m: &Machine,
    ended_on: Option<&Machine>,
    inst: &Instance,
    row: &Account,
    changed: bool,
    clock: i64,
) -> Option<Instance> {
    let cond = m.lifecycle.reenter.as_ref()?;
    if !changed || inst.status != crate::engine::Status::Ended {
        return None;
    }
    let at = DateTime::from_timestamp(clock, 0)?;
    if !crate::engine::holds(m, row, cond, at) {
        return None;
    }
    let mut next = inst.next_cycle();
    if let Some(ended_on) = ended_on {
        let ledger = crate::translate::ledger(ended_on, m, inst.ledger());
        next.resize_ledger(ledger.len());
        next.ledger_mut().copy_from_slice(&ledger);
    }
    Some(next)
}

/// Checks each event against the store and stores the new ones, in the
/// caller's transaction; a refused row becomes a reject.
pub(crate) fn store_events(
    m: &Machine,
    store: &Store,
    events: Vec<(u64, String, EventRow)>,
    clock_of: &dyn Fn(&str) -> Option<i64>,
    summary: &mut RunSummary,
) -> Result<()> {
    for (line, raw, ev) in events {
        let content = ev.content(m);
        let reject = |reason: String| StoreReject {
            in_events: true,
            line,
            raw: raw.clone(),
            reason,
        };
        let stored: Option<String> = store
            .query_opt("SELECT content FROM events WHERE id = ?1", ps![&ev.id])?
            .map(|mut r| r.get(0))
            .transpose()?;
        if let Some(stored) = stored {
            if stored == content {
                summary.events_repeated += 1;
            } else {
                summary.rejects.push(reject(event_clash(&ev.id)));
            }
            continue;
        }
        let Some(clock) = clock_of(&ev.account) else {
            let damaged = summary.damaged.iter().any(|d| d.account == ev.account);
            summary.rejects.push(reject(if damaged {
                format!(
                    "account `{}` is in the store, but its stored record cannot be read; it is not run until that is mended",
                    ev.account
                )
            } else {
                unknown_account(&ev.account)
            }));
            continue;
        };
        if ev.at.timestamp() < clock {
            summary.rejects.push(reject(before_clock(ev.at, clock)));
            continue;
        }
        let name = m.str(m.events[ev.event as usize].name);
        let payload = encode(&ev.payload)?;
        store.exec(
            "INSERT INTO events (id, account, type, at, content, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            ps![&ev.id, &ev.account, name, ev.at.timestamp(), content.as_str(), &payload],
        )?;
        summary.events_stored += 1;
    }
    Ok(())
}

/// An account given twice with different content (`first`: the line of
/// the first, in a file).
pub(crate) fn account_clash(id: &str, first: Option<u64>) -> String {
    match first {
        Some(line) => format!(
            "duplicate id `{id}` with different content (first given on line {line}); give each account once"
        ),
        None => format!(
            "duplicate id `{id}` with different content in one request; give each account once"
        ),
    }
}

pub(crate) fn event_clash(id: &str) -> String {
    format!(
        "duplicate event id `{id}` with different content; an event id names one event, give a new id to a new event"
    )
}

pub(crate) fn unknown_account(id: &str) -> String {
    format!("unknown account `{id}`: it is neither in the store nor in the accounts file")
}

pub(crate) fn before_clock(at: DateTime<Utc>, clock: i64) -> String {
    format!(
        "`at` {} is before the account's clock {}: the account has already run past it",
        at.to_rfc3339_opts(SecondsFormat::Secs, true),
        DateTime::from_timestamp(clock, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// One audit entry as stored in `audit_runs`: at, stage, kind, message.
#[derive(serde::Serialize)]
pub(crate) struct AuditEntry(pub i64, pub String, pub &'static str, pub String);

/// What one account's run wrote, in order: the outcome of a step (with the
/// machine it ran on) or an audit entry of the run's own.
pub(crate) enum Piece {
    Out(usize, Outcome),
    Note(AuditEntry),
}

/// The audit entry of a new cycle.
pub(crate) fn reentered(m: &Machine, inst: &Instance, at: i64) -> Piece {
    Piece::Note(AuditEntry(
        at,
        m.stage_name(m.start).to_string(),
        "reentered",
        format!(
            "re-enters {} version {} for cycle {}: its new row meets `reenter when`",
            m.flow, m.version, inst.cycle
        ),
    ))
}

/// The stored name of an audit kind (its variant name in lower case, as
/// `dun status` shows it); a match, as formatting one per entry showed in
/// profiles.
pub(crate) fn audit_kind(k: AuditKind) -> &'static str {
    match k {
        AuditKind::Enrolled => "enrolled",
        AuditKind::Waiting => "waiting",
        AuditKind::Held => "held",
        AuditKind::Queued => "queued",
        AuditKind::Released => "released",
        AuditKind::Suppressed => "suppressed",
        AuditKind::Skipped => "skipped",
        AuditKind::Handler => "handler",
        AuditKind::Ignored => "ignored",
        AuditKind::Paused => "paused",
        AuditKind::HoldEnded => "hold_ended",
        AuditKind::Stopped => "stopped",
        AuditKind::Split => "split",
        AuditKind::Problem => "problem",
        AuditKind::FeeSuppressed => "fee_suppressed",
    }
}

pub(crate) fn state_stage(m: &Machine, state: u32) -> &str {
    m.states
        .get(state as usize)
        .map(|s| m.stage_name(s.stage))
        .unwrap_or("?")
}

/// A JSON object written straight into a string: exports are the hot path
/// of `dun run`, and building `serde_json::Value` maps first doubled its
/// cost. An account's actions of one run share one buffer.
struct Obj<'b> {
    buf: &'b mut String,
    empty: bool,
}

impl Obj<'_> {
    fn key(&mut self, k: &str) {
        self.buf.push(if self.empty { '{' } else { ',' });
        self.empty = false;
        self.buf.push('"');
        self.buf.push_str(k);
        self.buf.push_str("\":");
    }

    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        escape(self.buf, v);
    }

    fn opt(&mut self, k: &str, v: Option<&str>) {
        match v {
            Some(v) => self.str(k, v),
            None => self.raw(k, "null"),
        }
    }

    fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.buf.push_str(v);
    }

    /// A value that needs no escaping (digits, hex, a timestamp).
    fn display(&mut self, k: &str, v: impl std::fmt::Display, quoted: bool) {
        use std::fmt::Write as _;
        self.key(k);
        let _ = if quoted {
            write!(self.buf, "\"{v}\"")
        } else {
            write!(self.buf, "{v}")
        };
    }

    fn done(self) {
        self.buf.push('}');
    }
}

/// Copies runs of plain bytes at once: letters are most of an export's
/// bytes, and pushing them a `char` at a time was the largest single cost
/// of `dun run` in profiles. The bytes escaped are ASCII, so every slice
/// boundary is a char boundary.
fn escape(buf: &mut String, s: &str) {
    use std::fmt::Write as _;
    buf.reserve(s.len() + 2);
    buf.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let with: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        buf.push_str(&s[plain..i]);
        if with.is_empty() {
            let _ = write!(buf, "\\u{:04x}", b);
        } else {
            buf.push_str(with);
        }
        plain = i + 1;
    }
    buf.push_str(&s[plain..]);
    buf.push('"');
}

/// The exported form of an action: one flat JSON object (docs/data.md),
/// appended to `buf`.
pub(crate) fn write_action(buf: &mut String, m: &Machine, account: &str, a: &Action) {
    let mut o = Obj { buf, empty: true };
    o.display("id", a.id, true);
    o.str("account", account);
    o.str("at", &a.at.to_rfc3339_opts(SecondsFormat::Secs, true));
    o.str("flow", &m.flow);
    o.display("version", m.version, false);
    o.str("stage", state_stage(m, a.state));
    match &a.kind {
        ActionKind::Send {
            channel,
            template,
            subject,
            text,
            to,
        } => {
            o.str("type", "send");
            o.str("channel", channel.name());
            o.str("template", m.str(*template));
            o.opt("to", to.as_deref());
            if let Some(s) = subject {
                o.str("subject", s);
            }
            o.str("text", text);
        }
        ActionKind::Message {
            channel,
            template,
            language,
            approved,
            subject,
            text,
            to,
        } => {
            o.str("type", "send");
            o.str("channel", channel.name());
            o.str("template", m.str(*template));
            o.opt("to", to.as_deref());
            o.opt("language", language.map(|l| m.str(l)));
            if let Some(a) = approved {
                o.str("whatsapp_template", m.str(a.name));
                o.str("whatsapp_language", m.str(a.language));
            }
            if let Some(s) = subject {
                o.str("subject", s);
            }
            o.str("text", text);
        }
        ActionKind::Call { queue, priority } => {
            o.str("type", "call");
            o.opt("queue", queue.map(|q| m.str(q)));
            o.str("priority", priority.name());
        }
        ActionKind::AssignQueue { queue, priority } => {
            o.str("type", "assign_queue");
            o.str("queue", m.str(*queue));
            o.str("priority", priority.name());
        }
        ActionKind::AssignAgency { agency } => {
            o.str("type", "assign_agency");
            o.str("agency", m.str(*agency));
        }
        ActionKind::RecallAgency { agency } => {
            o.str("type", "recall_agency");
            o.str("agency", m.str(*agency));
        }
        ActionKind::OfferDiscount { percent, until } => {
            o.str("type", "offer_discount");
            o.str("percent", &percent.normalize().to_string());
            let until = until.map(|u| u.to_rfc3339_opts(SecondsFormat::Secs, true));
            o.opt("until", until.as_deref());
        }
        ActionKind::OfferPlan {
            installments,
            every,
            up_to,
        } => {
            o.str("type", "offer_plan");
            o.display("installments", installments, false);
            o.str("every", &every.to_string());
            if *up_to {
                o.display("up_to", true, false);
            }
        }
        ActionKind::OfferSettlement {
            amount,
            until,
            percent,
        } => {
            o.str("type", "offer_settlement");
            o.str("amount", &amount.normalize().to_string());
            o.str("currency", &m.currency);
            o.str("until", &until.to_string());
            if let Some(p) = percent {
                o.str("discount_percent", &p.normalize().to_string());
            }
        }
        ActionKind::Alert { team, text } => {
            o.str("type", "alert");
            o.str("team", m.str(*team));
            o.str("text", text);
        }
        ActionKind::Emit { action, fields } => {
            o.str("type", "emit");
            o.str("action", ActionKind::action_name(m, *action));
            let f: serde_json::Map<String, serde_json::Value> = fields
                .iter()
                .map(|(k, v)| {
                    let name = ActionKind::field_name(m, *action, *k);
                    (name.to_string(), value_json(v))
                })
                .collect();
            o.raw("fields", &serde_json::Value::Object(f).to_string());
        }
        ActionKind::Stage { from, to } => {
            o.str("type", "stage");
            o.opt("from", from.map(|f| m.stage_name(f)));
            o.str("to", m.stage_name(*to));
        }
        ActionKind::End { outcome } => {
            o.str("type", "end");
            o.str("outcome", m.str(*outcome));
        }
        ActionKind::ChargeFee { amount, reason } => {
            o.str("type", "charge_fee");
            o.str("amount", &amount.normalize().to_string());
            o.str("currency", &m.currency);
            o.opt("reason", reason.map(|r| m.str(r)));
        }
        ActionKind::Interest { frozen } => {
            o.str(
                "type",
                if *frozen {
                    "freeze_interest"
                } else {
                    "resume_interest"
                },
            );
        }
    }
    o.done();
}

#[cfg(test)]
mod tests {
    use super::{admitted, escape, run_scoped, RunInput, RunSummary, Scope};
    use crate::store::Store;
    use chrono::{Duration, TimeZone, Utc};
    use std::cell::Cell;

    /// A worker whose range is taken over between two transactions stops
    /// there, and its summary still counts the transactions it committed:
    /// nobody else steps those accounts again, so nobody else counts them.
    #[test]
    fn a_range_left_to_another_worker_counts_what_it_committed() {
        let m = crate::testkit::consumer_early();
        let dir = std::env::temp_dir().join(format!("dun-lease-lost-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        let mut store = Store::open(&dir.join("store.db")).expect("a store");
        let start = Utc
            .with_ymd_and_hms(2026, 3, 2, 15, 0, 0)
            .single()
            .expect("a moment");
        let balance = m.account_field("balance");
        let input = RunInput {
            accounts: (0..25)
                .map(|i| {
                    let a = crate::sim::synthetic::account(&m, 1, i, start, balance);
                    (i + 2, String::new(), a)
                })
                .collect(),
            timed: vec![],
            events: vec![],
            start,
            until: start + Duration::days(3),
            batch: 10,
            strict: false,
            drain: false,
        };
        // The lease holds for two transactions of ten accounts, then is
        // another worker's.
        let renewals = Cell::new(0);
        let renew = |_: &Store| {
            renewals.set(renewals.get() + 1);
            Ok(renewals.get() <= 2)
        };
        let scope = Scope {
            range: None,
            renew: Some(&renew),
            lost: Cell::new(false),
        };
        let (_, machines) = admitted(&m, &mut store, false).expect("the machine is admitted");
        let s = run_scoped(
            &m,
            &mut store,
            &machines,
            input,
            &scope,
            RunSummary::default(),
            &mut |_, _| {},
        )
        .expect("the run");
        assert!(scope.lost.get());
        assert_eq!((s.enrolled, s.accounts_stepped), (20, 20));
        assert!(s.steps >= 20, "{} steps", s.steps);
        assert_eq!(store.totals().expect("totals").0, 20);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn strings_are_escaped_as_json_reads_them() {
        for s in [
            "",
            "plain letter text",
            "quote \" backslash \\ slash /",
            "lines\nand\r\ntabs\t",
            "control \u{1} \u{1f} and \u{7f}",
            "accents é, ñ, emoji 📬 and a last \"",
        ] {
            let mut buf = String::from("x");
            escape(&mut buf, s);
            let back: String = serde_json::from_str(&buf[1..]).expect("valid JSON");
            assert_eq!(back, s);
            assert_eq!(buf[1..], serde_json::to_string(s).unwrap());
        }
    }
}
