//! The records the accounts of one person share (`person account.FIELD`):
//! the contacts that went to any of them, and the stops and pauses their
//! events set. One row per person, read before one of the person's
//! accounts steps and written in the same transaction as its state.
//!
//! The table is made the first time a flow with `person` runs on the
//! store, so a store of a flow without it has none. On PostgreSQL the row
//! is read `FOR UPDATE`: two workers stepping accounts of one person wait
//! for each other rather than one overwriting the other's contacts.

use super::db::ps;
use super::{decode, encode, Result, Store};
use crate::engine::{person_of, Account, Person};
use crate::format::Machine;
use chrono::DateTime;

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
        self.batch_sql(if self.is_postgres() {
            TABLE_PG
        } else {
            TABLE_SQLITE
        })
    }

    /// The person of `account` under `m` and their shared record (empty
    /// for a person not seen before), less what no account stepping from
    /// `floor` (seconds since 1970 UTC) on can count; `None` when the flow
    /// declares no `person` or the account's field is unset.
    pub(crate) fn person_of(
        &self,
        m: &Machine,
        account: &Account,
        floor: i64,
    ) -> Result<Option<(String, Person)>> {
        let Some(key) = person_of(m, account) else {
            return Ok(None);
        };
        let row = if self.is_postgres() {
            self.query_opt(
                "SELECT state FROM persons WHERE person = ?1 FOR UPDATE",
                ps![&key],
            )?
        } else {
            self.query_opt("SELECT state FROM persons WHERE person = ?1", ps![&key])?
        };
        let mut person: Person = match row {
            Some(mut r) => {
                let bytes: Vec<u8> = r.get(0)?;
                decode(&bytes, "person")?
            }
            None => Person::default(),
        };
        person.forget(m, DateTime::from_timestamp(floor, 0).unwrap_or_default());
        Ok(Some((key, person)))
    }

    /// Writes a person's record, in the caller's transaction.
    pub(crate) fn save_person(&self, key: &str, person: &Person) -> Result<()> {
        let state = encode(person)?;
        self.exec(
            "INSERT INTO persons (person, state) VALUES (?1, ?2)
             ON CONFLICT (person) DO UPDATE SET state = excluded.state",
            ps![key, &state],
        )?;
        Ok(())
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
