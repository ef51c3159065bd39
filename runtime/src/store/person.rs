//! The records the accounts of one person share (`person account.FIELD`):
//! the contacts that went to any of them, and the stops and pauses their
//! events set. One row per person, read before one of the person's
//! accounts steps and written in the same transaction as its state.
//!
//! The table is made the first time a flow with `person` runs on the
//! store, so a store of a flow without it has none.
//!
//! Several writers share a PostgreSQL store (the workers of a batch, the
//! nodes of `dun serve`), and one transaction steps many accounts, whose
//! persons another writer's transaction may share. The persons of a
//! transaction are therefore locked together, before any of its accounts
//! steps, in one order every writer follows (the keys' byte order), and
//! written together at its end ([`Persons`]): two writers wait for each
//! other on a shared person rather than overwrite each other's contacts,
//! and cannot deadlock, since neither can hold a later person while
//! waiting for an earlier one. A person not yet in the table is inserted
//! first (with an empty record, in the same order) so that a second
//! writer waits for the first one's row instead of reading no row and
//! writing its own over it.

use super::db::ps;
use super::{decode, encode, Result, Store, StoreError};
use crate::engine::{person_of, Account, Person};
use crate::format::Machine;
use chrono::DateTime;
use std::collections::{BTreeMap, BTreeSet};

/// The records of the persons of one transaction's accounts, locked and
/// read together by [`Store::lock_persons`], handed to each account as it
/// steps ([`Persons::take`], [`Persons::put`]) and written together by
/// [`Persons::save`] in the same transaction.
#[derive(Default)]
pub(crate) struct Persons {
    records: BTreeMap<String, Person>,
    /// The persons put back after an account stepped: those to write.
    changed: BTreeSet<String>,
}

impl Persons {
    /// The person of `account` under `m` and their record, less what no
    /// account stepping from `floor` (seconds since 1970 UTC) on can count
    /// (see [`Person::forget`]); `None` when the flow declares no `person`
    /// or the account's field is unset. The record is the caller's until
    /// it is put back.
    pub(crate) fn take(
        &mut self,
        m: &Machine,
        account: &Account,
        floor: i64,
    ) -> Result<Option<(String, Person)>> {
        let Some(key) = person_of(m, account) else {
            return Ok(None);
        };
        let Some(mut person) = self.records.remove(&key) else {
            return Err(StoreError::Message(format!(
                "account {}: its person `{key}` was not locked before it stepped (a bug in dun: nothing was written)",
                account.id
            )));
        };
        person.forget(m, DateTime::from_timestamp(floor, 0).unwrap_or_default());
        Ok(Some((key, person)))
    }

    /// Gives back a person's record after one of their accounts stepped:
    /// the next account of theirs in the transaction starts from it.
    pub(crate) fn put(&mut self, key: String, person: Person) {
        self.changed.insert(key.clone());
        self.records.insert(key, person);
    }

    /// Writes the records put back, in the caller's transaction: one
    /// statement on PostgreSQL, a row at a time on SQLite.
    pub(crate) fn save(&self, store: &Store) -> Result<()> {
        if self.changed.is_empty() {
            return Ok(());
        }
        let mut keys: Vec<&str> = Vec::with_capacity(self.changed.len());
        let mut states: Vec<Vec<u8>> = Vec::with_capacity(self.changed.len());
        for key in &self.changed {
            if let Some(person) = self.records.get(key) {
                keys.push(key);
                states.push(encode(person)?);
            }
        }
        if !store.is_postgres() {
            for (key, state) in keys.iter().zip(&states) {
                store.exec(UPSERT, ps![*key, state])?;
            }
            return Ok(());
        }
        let states: Vec<&[u8]> = states.iter().map(Vec::as_slice).collect();
        store.pg_exec(
            "INSERT INTO persons (person, state)
             SELECT * FROM unnest(?1::text[], ?2::bytea[])
             ON CONFLICT (person) DO UPDATE SET state = excluded.state",
            &[&keys, &states],
        )?;
        Ok(())
    }
}

const UPSERT: &str = "INSERT INTO persons (person, state) VALUES (?1, ?2)
             ON CONFLICT (person) DO UPDATE SET state = excluded.state";

const TABLE_SQLITE: &str = "CREATE TABLE IF NOT EXISTS persons (
    person TEXT PRIMARY KEY,
    state  BLOB NOT NULL   -- the shared record (postcard)
)";
const TABLE_PG: &str = "CREATE TABLE IF NOT EXISTS persons (
    person TEXT PRIMARY KEY,
    state  BYTEA NOT NULL
)";

impl Store {
    /// Makes the persons' table when `m` declares `person` (once per run).
    pub(crate) fn prepare_persons(&self, m: &Machine) -> Result<()> {
        if m.person.is_none() {
            return Ok(());
        }
        if !self.is_postgres() {
            return self.batch_sql(TABLE_SQLITE);
        }
        // `CREATE TABLE IF NOT EXISTS` is not safe against itself: workers
        // starting together on a new database would both create the table,
        // and PostgreSQL's catalog refuses the second. The schema's advisory
        // lock makes them take turns (the two statements run as one
        // transaction, or in the caller's); a table already there needs no
        // lock, so running nodes do not queue on it.
        let there = self.query_opt(
            "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'persons'",
            ps![],
        )?;
        if there.is_some() {
            return Ok(());
        }
        self.batch_sql(&format!(
            "SELECT pg_advisory_xact_lock({}); {TABLE_PG}",
            super::pg::LOCK_SCHEMA
        ))
    }

    /// Locks and reads the records of the persons of `accounts` (each an
    /// index into `machines` and its row), in the order the module's
    /// documentation gives, in the caller's transaction: a person not
    /// stored yet gets an empty record. The table must exist
    /// ([`Store::prepare_persons`]) when a machine declares `person`.
    pub(crate) fn lock_persons<'a>(
        &self,
        machines: &[(String, Machine)],
        accounts: impl Iterator<Item = (usize, &'a Account)>,
    ) -> Result<Persons> {
        let keys: BTreeSet<String> = accounts
            .filter_map(|(mi, a)| machines.get(mi).and_then(|(_, m)| person_of(m, a)))
            .collect();
        let mut persons = Persons::default();
        if keys.is_empty() {
            return Ok(persons);
        }
        let read = &mut |mut r: super::db::Row| -> Result<()> {
            let key: String = r.get(0)?;
            let bytes: Vec<u8> = r.get(1)?;
            persons.records.insert(key, decode(&bytes, "person")?);
            Ok(())
        };
        if self.is_postgres() {
            let ordered: Vec<&str> = keys.iter().map(String::as_str).collect();
            let empty = encode(&Person::default())?;
            // Both statements go in the keys' byte order (`COLLATE "C"`,
            // Rust's order of strings): inserts wait on another writer's
            // new rows, and locks on its locked ones, one way round only.
            self.pg_exec(
                "INSERT INTO persons (person, state)
                 SELECT k, ?2::bytea FROM unnest(?1::text[]) WITH ORDINALITY AS u(k, i) ORDER BY i
                 ON CONFLICT (person) DO NOTHING",
                &[&ordered, &empty],
            )?;
            self.pg_each(
                "SELECT person, state FROM persons WHERE person = ANY(?1::text[])
                 ORDER BY person COLLATE \"C\" FOR UPDATE",
                &[&ordered],
                &mut *read,
            )?;
        } else {
            for key in &keys {
                self.each(
                    "SELECT person, state FROM persons WHERE person = ?1",
                    ps![key],
                    &mut *read,
                )?;
            }
        }
        for key in keys {
            persons.records.entry(key).or_default();
        }
        Ok(persons)
    }

    /// The contacts to `person` (on any of their accounts) from `since`
    /// (seconds since 1970 UTC) on, oldest first: minute and channel, as
    /// the caps count them.
    pub fn person_contacts(
        &self,
        person: &str,
        since: i64,
    ) -> Result<Vec<(i64, crate::format::Channel)>> {
        let exists = if self.is_postgres() {
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'persons'"
        } else {
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'persons'"
        };
        let n: i64 = match self.query_opt(exists, ps![])? {
            Some(mut r) => r.get(0)?,
            None => 0,
        };
        if n == 0 {
            return Ok(Vec::new());
        }
        let row = self.query_opt("SELECT state FROM persons WHERE person = ?1", ps![person])?;
        let Some(mut r) = row else {
            return Ok(Vec::new());
        };
        let bytes: Vec<u8> = r.get(0)?;
        let p: Person = decode(&bytes, "person")?;
        Ok(p.contacts
            .iter()
            .map(|(minute, c)| (i64::from(*minute) * 60, *c))
            .filter(|(at, _)| *at >= since)
            .collect())
    }
}
