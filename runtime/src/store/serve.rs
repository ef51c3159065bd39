//! What `dun serve` asks of a store: items taken one request at a time
//! (accounts and events, each answered accepted, duplicate or rejected),
//! the accounts they touch and the accounts whose steps fell due stepped
//! up to "now", all in one durable transaction; the outbox read after a
//! cursor; the next due moment of every account; hashed API tokens.
//!
//! The checks on an item are `dun run`'s: a row is read by
//! [`crate::data`], and an event is refused against the store by the
//! reasons in [`super::batch`].

use super::account_step::{moment, AccountSteps, Clocks};
use super::batch;
use super::db::ps;
use super::page::Page;
use super::person::Persons;
use super::serve_rows;
use super::{decode, Result, Store, StoreError};
use crate::data::EventRow;
use crate::engine::{Account, Input, Instance};
use crate::format::Machine;
use crate::value::Value;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// The answer for one item of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Stored (and, for an account, enrolled or updated).
    Accepted,
    /// The same item was stored before: nothing changed.
    Duplicate,
    /// Refused, with `dun run`'s reason.
    Rejected(String),
}

/// One transaction's work: items to take, and accounts whose steps fell
/// due, all stepped up to `now`.
#[derive(Default)]
pub struct Intake {
    pub accounts: Vec<Account>,
    pub events: Vec<EventRow>,
    pub due: Vec<String>,
}

/// What one transaction did.
#[derive(Debug, Default)]
pub struct Applied {
    /// One per item, in the order given.
    pub accounts: Vec<Verdict>,
    pub events: Vec<Verdict>,
    /// Every account stepped, with its next due moment (seconds since 1970
    /// UTC), `None` when nothing of it is due any more.
    pub next_due: Vec<(String, Option<i64>)>,
    pub steps: u64,
    pub actions: u64,
    /// Contacts the policy held or queued, by reason (`stopped`, `paused`,
    /// `cap`, `closed`, `no_moment`).
    pub held: Vec<&'static str>,
    /// The outbox sequence number of the last row, after the commit.
    pub last_seq: i64,
}

/// The machines a server steps with: the one it was started with (index 0)
/// and every machine an account in the store is pinned to.
pub struct Stepper {
    current: Machine,
    machines: Vec<(String, Machine)>,
    pub notes: Vec<String>,
}

struct Work {
    mi: usize,
    account: Account,
    known: Option<(Instance, i64)>,
    /// It ended and its new row meets `reenter when`: its next cycle
    /// enrols now.
    reenter: bool,
}

impl Stepper {
    /// Admits `m` to the store as `dun run` does (a structural edit under
    /// the same version is refused), then loads every pinned machine.
    pub fn admit(m: Machine, store: &mut Store, drain: bool) -> Result<Stepper> {
        let admission = store.admit(&m, drain)?;
        let mut machines = admission.machines;
        for p in store.pinned()? {
            if p.accounts > 0 && !machines.iter().any(|(f, _)| *f == p.fingerprint) {
                if let Some(old) = store.machine(&p.fingerprint)? {
                    machines.push((p.fingerprint, old));
                }
            }
        }
        Ok(Stepper {
            current: m,
            machines,
            notes: admission.notes,
        })
    }

    pub fn machine(&self) -> &Machine {
        &self.current
    }

    fn index(&self, fp: Option<&str>, id: &str) -> Result<usize> {
        fp.and_then(|f| self.machines.iter().position(|(g, _)| g == f))
            .ok_or_else(|| {
                StoreError::Message(format!(
                    "account {id} is on machine {}, which this server was not given; the store is damaged",
                    fp.map(super::short).unwrap_or("(none)")
                ))
            })
    }

    /// The stored accounts of `ids` with the machine each is on, read in
    /// one query (`serve_rows`).
    fn load_all(&self, store: &Store, ids: &[&str]) -> Result<HashMap<String, Work>> {
        let mut loaded = HashMap::new();
        serve_rows::instances(store, ids, &mut |mut r| {
            let id: String = r.get(0)?;
            let data: Vec<u8> = r.get(1)?;
            let state: Vec<u8> = r.get(2)?;
            let clock: i64 = r.get(3)?;
            let fp: Option<String> = r.get(4)?;
            let mi = self.index(fp.as_deref(), &id)?;
            let mut instance =
                super::legacy::decode_instance(&state, &id, Some(&self.machines[mi].1))?;
            instance.cycle = r.get(5)?;
            let w = Work {
                mi,
                account: decode(&data, "account")?,
                known: Some((instance, clock)),
                reenter: false,
            };
            loaded.insert(id, w);
            Ok(())
        })?;
        Ok(loaded)
    }

    /// Every account's next due moment: its next timer, or its first
    /// event not yet processed, whichever comes first. Read once when a
    /// server starts; after that each transaction says what it changed.
    pub fn due_all(&self, store: &Store) -> Result<Vec<(String, i64)>> {
        let mut due: HashMap<String, i64> = HashMap::new();
        store.each(
            "SELECT account, state, machine FROM instances WHERE status IN ('active', 'not_started')",
            ps![],
            &mut |mut r| {
                let id: String = r.get(0)?;
                let state: Vec<u8> = r.get(1)?;
                let fp: Option<String> = r.get(2)?;
                let mi = self.index(fp.as_deref(), &id)?;
                let inst = super::legacy::decode_instance(&state, &id, Some(&self.machines[mi].1))?;
                if let Some(t) = inst.next_due() {
                    due.insert(id, t.timestamp());
                }
                Ok(())
            },
        )?;
        store.each(
            "SELECT account, CAST(min(at) AS BIGINT) FROM events WHERE processed = 0 GROUP BY account",
            ps![],
            &mut |mut r| {
                let id: String = r.get(0)?;
                let at: i64 = r.get(1)?;
                let e = due.entry(id).or_insert(at);
                *e = (*e).min(at);
                Ok(())
            },
        )?;
        Ok(due.into_iter().collect())
    }

    /// Takes the items, steps every account they touch and every account
    /// in `due` up to `now`, in one transaction committed durably before
    /// this returns: an accepted event is on disk when it is answered.
    pub fn apply(&self, store: &mut Store, intake: Intake, now: DateTime<Utc>) -> Result<Applied> {
        store.transaction(true, || {
            let mut applied = self.apply_in(store, intake, now)?;
            applied.last_seq = store
                .query_opt(
                    "SELECT CAST(coalesce(max(seq), 0) AS BIGINT) FROM outbox",
                    ps![],
                )?
                .map(|mut r| r.get(0))
                .transpose()?
                .unwrap_or(0);
            Ok(applied)
        })
    }

    fn apply_in(&self, store: &Store, intake: Intake, now: DateTime<Utc>) -> Result<Applied> {
        let m = &self.current;
        let mut applied = Applied::default();
        // Every account the transaction may step, locked before any of
        // them is read (`serve_rows`), then read at once.
        let mut ids: Vec<&str> = intake
            .accounts
            .iter()
            .map(|a| a.id.as_str())
            .chain(intake.events.iter().map(|e| e.account.as_str()))
            .chain(intake.due.iter().map(String::as_str))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        serve_rows::lock_accounts(store, &ids)?;
        let mut loaded = self.load_all(store, &ids)?;
        let event_ids: Vec<&str> = intake.events.iter().map(|e| e.id.as_str()).collect();
        let mut stored = serve_rows::stored_events(store, &event_ids)?;
        // Accepted events to store, with the index of their verdicts.
        let mut new_events: Vec<serve_rows::NewEvent> = Vec::new();
        let mut new_verdicts: Vec<usize> = Vec::new();
        let mut work: BTreeMap<String, Work> = BTreeMap::new();
        let mut given: HashMap<String, Account> = HashMap::new();
        for account in intake.accounts {
            if let Some(seen) = given.get(&account.id) {
                applied.accounts.push(if *seen == account {
                    Verdict::Duplicate
                } else {
                    Verdict::Rejected(batch::account_clash(&account.id, None))
                });
                continue;
            }
            given.insert(account.id.clone(), account.clone());
            let id = account.id.clone();
            let verdict = match loaded.remove(&id) {
                Some(mut w) => {
                    let translated = if w.mi == 0 {
                        account.clone()
                    } else {
                        crate::translate::account(m, &self.machines[w.mi].1, &account)
                    };
                    if translated == w.account {
                        loaded.insert(id, w);
                        Verdict::Duplicate
                    } else {
                        let ended_on = (w.mi != 0).then(|| &self.machines[w.mi].1);
                        let next = w.known.as_ref().and_then(|(inst, clock)| {
                            batch::reentry(m, ended_on, inst, &account, true, *clock)
                        });
                        match next {
                            Some(next) => {
                                let clock = w.known.as_ref().map_or(now.timestamp(), |k| k.1);
                                w.known = Some((next, clock));
                                w.mi = 0;
                                w.account = account;
                                w.reenter = true;
                            }
                            None => w.account = translated,
                        }
                        work.insert(id, w);
                        Verdict::Accepted
                    }
                }
                None => {
                    work.insert(
                        id,
                        Work {
                            mi: 0,
                            account,
                            known: None,
                            reenter: false,
                        },
                    );
                    Verdict::Accepted
                }
            };
            applied.accounts.push(verdict);
        }
        for ev in intake.events {
            match self.take_event(&mut loaded, &mut stored, &mut work, ev, now)? {
                Ok(new) => {
                    new_verdicts.push(applied.events.len());
                    new_events.push(new);
                    applied.events.push(Verdict::Accepted);
                }
                Err(verdict) => applied.events.push(verdict),
            }
        }
        let inserted = serve_rows::insert_events(store, &new_events)?;
        for (i, e) in new_verdicts.iter().zip(&new_events) {
            if !inserted.contains(&e.id) {
                // Another node stored the same id, for another account,
                // after this transaction looked: answered as if it had
                // been stored before.
                let theirs = serve_rows::stored_events(store, &[e.id.as_str()])?;
                applied.events[*i] = match theirs.get(&e.id) {
                    Some(c) if *c == e.content => Verdict::Duplicate,
                    _ => Verdict::Rejected(batch::event_clash(&e.id)),
                };
            }
        }
        for id in intake.due {
            if let std::collections::btree_map::Entry::Vacant(slot) = work.entry(id) {
                if let Some(w) = loaded.remove(slot.key()) {
                    slot.insert(w);
                }
            }
        }
        let stepped: Vec<&str> = work.keys().map(String::as_str).collect();
        let mut pending = serve_rows::unprocessed(store, &stepped)?;
        let mut page = Page::default();
        for (_, machine) in self.machines.iter() {
            store.prepare_persons(machine)?;
        }
        // The persons of every account stepped, locked together in one
        // order (see `person`): nodes sharing a person wait, never deadlock.
        let mut persons =
            store.lock_persons(&self.machines, work.values().map(|w| (w.mi, &w.account)))?;
        for (id, w) in work {
            let events = pending.remove(&id).unwrap_or_default();
            let next = self.step_account(w, events, now, &mut page, &mut persons, &mut applied);
            applied.next_due.push((id, next?));
        }
        persons.save(store)?;
        page.flush(store)?;
        Ok(applied)
    }

    /// Checks an event against the store and the request: `Ok` with the
    /// row to store when it is accepted, else its verdict.
    fn take_event(
        &self,
        loaded: &mut HashMap<String, Work>,
        stored: &mut HashMap<String, String>,
        work: &mut BTreeMap<String, Work>,
        ev: EventRow,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<serve_rows::NewEvent, Verdict>> {
        let m = &self.current;
        let content = ev.content(m);
        if let Some(before) = stored.get(&ev.id) {
            return Ok(Err(if *before == content {
                Verdict::Duplicate
            } else {
                Verdict::Rejected(batch::event_clash(&ev.id))
            }));
        }
        if !work.contains_key(&ev.account) {
            match loaded.remove(&ev.account) {
                Some(w) => {
                    work.insert(ev.account.clone(), w);
                }
                None => return Ok(Err(Verdict::Rejected(batch::unknown_account(&ev.account)))),
            }
        }
        let clock = work
            .get(&ev.account)
            .and_then(|w| w.known.as_ref().map(|(_, c)| *c))
            .unwrap_or(now.timestamp());
        if ev.at.timestamp() < clock {
            return Ok(Err(Verdict::Rejected(batch::before_clock(ev.at, clock))));
        }
        stored.insert(ev.id.clone(), content.clone());
        let name = m.str(m.events[ev.event as usize].name);
        Ok(Ok(serve_rows::NewEvent {
            id: ev.id,
            account: ev.account,
            kind: name.to_string(),
            at: ev.at.timestamp(),
            content,
            payload: ev.payload,
        }))
    }

    /// Steps one account up to `now` (enrolment, its events due by then,
    /// its timers) and writes it with its outbox and audit rows, as
    /// `dun run` writes an account; returns its next due moment.
    fn step_account(
        &self,
        w: Work,
        events: Vec<serve_rows::Pending>,
        now: DateTime<Utc>,
        page: &mut Page,
        persons: &mut Persons,
        applied: &mut Applied,
    ) -> Result<Option<i64>> {
        let until = now.timestamp();
        let (inst, clock, enrolled) = match w.known {
            Some((inst, clock)) => (inst, clock, None),
            None => (Instance::new(), until, Some(until)),
        };
        let mut a = AccountSteps::new(&self.machines, w.mi, w.account, inst);
        // Accounts step as they fall due: a sibling decides from about
        // this account's clock on (`forget` keeps a month more).
        a.person = persons.take(a.machine(), &a.account, clock)?;
        if enrolled.is_some() {
            a.enrol(until);
        }
        if w.reenter {
            a.reenter(until);
        }
        let mut event_due: Option<i64> = None;
        for e in events {
            if e.at > until {
                event_due = Some(event_due.map_or(e.at, |d| d.min(e.at)));
                continue;
            }
            let (eid, at, payload) = (e.id, e.at, e.payload);
            let Some(event) = self.current.event_index(&e.kind) else {
                continue;
            };
            let payload: Vec<Value> = decode(&payload, "event")?;
            // An event the account's own machine does not declare is kept
            // unprocessed, as `dun run` keeps it.
            let Some((event, payload)) =
                crate::translate::event(&self.current, a.machine(), event, &payload)
            else {
                continue;
            };
            a.step(Input::Event { event, payload }, moment(at));
            page.processed.push(eid);
        }
        // An account stopped by the bound keeps its clock where it
        // stopped; its next due moment is then already past, and the
        // scheduler steps it again at its next round.
        let (new_clock, _stopped) = a.timers(clock, until);
        if let Some((key, person)) = a.person.take() {
            persons.put(key, person);
        }
        let written = a.write(
            page,
            Clocks {
                clock: new_clock,
                enrolled: enrolled.unwrap_or(until),
            },
        )?;
        applied.steps += written.steps;
        applied.actions += written.actions;
        applied.held.extend(written.held);
        let timer_due = a.inst.next_due().map(|t| t.timestamp());
        Ok(match (timer_due, event_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }
}

/// One outbox row read by the action feed.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxRow {
    pub seq: i64,
    /// The row's actions as exported, one JSON object a line.
    pub body: String,
}

/// An API token as stored: the SHA-256 of the token (hex), never the
/// token itself.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredToken {
    pub hash: String,
    pub name: String,
    /// Comma-separated: `ingest`, `read`, `admin`.
    pub scopes: String,
}

impl Store {
    /// The tables of `dun serve`, created when missing (the same SQL on
    /// SQLite and PostgreSQL).
    pub fn serve_tables(&self) -> Result<()> {
        self.batch_sql(
            "CREATE TABLE IF NOT EXISTS api_tokens (
                hash    TEXT PRIMARY KEY,
                name    TEXT NOT NULL,
                scopes  TEXT NOT NULL,
                created BIGINT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS cursors (
                name TEXT PRIMARY KEY,
                seq  BIGINT NOT NULL
            );",
        )
    }

    pub fn add_token(&self, token: &StoredToken, created: i64) -> Result<()> {
        self.serve_tables()?;
        self.transaction(true, || {
            self.exec(
                "INSERT INTO api_tokens (hash, name, scopes, created) VALUES (?1, ?2, ?3, ?4)",
                ps![&token.hash, &token.name, &token.scopes, created],
            )
            .map(|_| ())
        })
    }

    pub fn tokens(&self) -> Result<Vec<StoredToken>> {
        self.query("SELECT hash, name, scopes FROM api_tokens", ps![])?
            .into_iter()
            .map(|mut r| {
                Ok(StoredToken {
                    hash: r.get(0)?,
                    name: r.get(1)?,
                    scopes: r.get(2)?,
                })
            })
            .collect()
    }

    /// Outbox rows after the cursor `after`, oldest first, at most
    /// `limit`, and only up to the settled row (see [`Store::settled`]), so
    /// a cursor never passes a row that commits later.
    pub fn outbox_after(&self, after: i64, limit: usize) -> Result<Vec<OutboxRow>> {
        let upto = self.settled()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query(
            "SELECT seq, body FROM outbox WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
            ps![after, upto, limit],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(OutboxRow {
                seq: r.get(0)?,
                body: r.get(1)?,
            })
        })
        .collect()
    }

    /// A named cursor kept in the store (the webhook's), 0 when new.
    pub fn cursor(&self, name: &str) -> Result<i64> {
        Ok(self
            .query_opt("SELECT seq FROM cursors WHERE name = ?1", ps![name])?
            .map(|mut r| r.get(0))
            .transpose()?
            .unwrap_or(0))
    }

    pub fn set_cursor(&self, name: &str, seq: i64) -> Result<()> {
        self.transaction(true, || {
            self.exec(
                "INSERT INTO cursors (name, seq) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                ps![name, seq],
            )
            .map(|_| ())
        })
    }
}
