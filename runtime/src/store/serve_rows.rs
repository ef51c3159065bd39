//! What one `dun serve` transaction reads and writes of its accounts'
//! rows, a fixed number of round trips whatever the number of accounts:
//! on PostgreSQL each is one statement for the whole transaction (the ids
//! as an array), on SQLite, which runs in this process, one statement per
//! account with the same meaning.
//!
//! Before anything of an account is read, the transaction takes the
//! account's lock (PostgreSQL only: a SQLite file has one writer), so two
//! `dun serve` nodes sharing a database never step one account at once:
//! the second waits for the first to commit, then reads what it wrote.

use super::db::{ps, Row};
use super::{encode, Result, Store};
use std::collections::{HashMap, HashSet};

/// The first half of an account lock's key: "dun" and a purpose, beside
/// the writer locks' keys of `pg_lease` (which ignores it).
const ACCOUNT_LOCK: i32 = 0x6475_6e24;

/// The second half: FNV-1a of the account id, 32 bits. Two accounts whose
/// ids share a key only wait for each other; nothing else follows.
fn account_key(id: &str) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as i32
}

/// Takes the lock of every account in `ids` for the transaction under way
/// (PostgreSQL's transaction advisory locks, released by its commit or
/// rollback, or by the server when the session ends, however it ends).
///
/// They are taken in one statement, in the order of their keys, before the
/// transaction holds anything else: two transactions wanting some of the
/// same accounts wait for each other in one order and never deadlock.
pub(crate) fn lock_accounts(store: &Store, ids: &[&str]) -> Result<()> {
    if !store.is_postgres() || ids.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<i32> = ids.iter().map(|id| account_key(id)).collect();
    keys.sort_unstable();
    keys.dedup();
    // `unnest` yields the array in order and each row's lock is taken as
    // the row is produced.
    store.pg_exec(
        "SELECT pg_advisory_xact_lock(?1, k) FROM unnest(?2::int4[]) AS k",
        &[&ACCOUNT_LOCK, &keys],
    )?;
    Ok(())
}

/// Calls `f` with the row `SELECT account, data, state, clock, machine,
/// cycle` of each stored account of `ids`.
pub(crate) fn instances(
    store: &Store,
    ids: &[&str],
    f: &mut dyn FnMut(Row) -> Result<()>,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    if store.is_postgres() {
        return store.pg_each(
            "SELECT account, data, state, clock, machine, cycle FROM instances WHERE account = ANY(?1::text[])",
            &[&ids],
            f,
        );
    }
    for id in ids {
        store.each(
            "SELECT account, data, state, clock, machine, cycle FROM instances WHERE account = ?1",
            ps![*id],
            f,
        )?;
    }
    Ok(())
}

/// The stored content of each event of `ids` that is stored, by id.
pub(crate) fn stored_events(store: &Store, ids: &[&str]) -> Result<HashMap<String, String>> {
    let mut found = HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let mut take = |mut r: Row| -> Result<()> {
        found.insert(r.get(0)?, r.get(1)?);
        Ok(())
    };
    if store.is_postgres() {
        store.pg_each(
            "SELECT id, content FROM events WHERE id = ANY(?1::text[])",
            &[&ids],
            &mut take,
        )?;
    } else {
        for id in ids {
            store.each(
                "SELECT id, content FROM events WHERE id = ?1",
                ps![*id],
                &mut take,
            )?;
        }
    }
    Ok(found)
}

/// An event accepted by a transaction, to store.
pub(crate) struct NewEvent {
    pub id: String,
    pub account: String,
    pub kind: String,
    pub at: i64,
    pub content: String,
    pub payload: Vec<crate::value::Value>,
}

/// Stores `events` in their order (their order among events of the same
/// moment is the order they are stepped in) and returns the ids stored.
/// An id stored meanwhile by another node's transaction (committed after
/// this one read the ids) is left as it is and not returned.
pub(crate) fn insert_events(store: &Store, events: &[NewEvent]) -> Result<HashSet<String>> {
    let mut stored = HashSet::new();
    if events.is_empty() {
        return Ok(stored);
    }
    if store.is_postgres() {
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        let accounts: Vec<&str> = events.iter().map(|e| e.account.as_str()).collect();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        let ats: Vec<i64> = events.iter().map(|e| e.at).collect();
        let contents: Vec<&str> = events.iter().map(|e| e.content.as_str()).collect();
        let payloads = events
            .iter()
            .map(|e| encode(&e.payload))
            .collect::<Result<Vec<Vec<u8>>>>()?;
        store.pg_each(
            "INSERT INTO events (id, account, type, at, content, payload)
             SELECT i, a, t, x, c, p FROM unnest(?1::text[], ?2::text[], ?3::text[], ?4::bigint[], ?5::text[], ?6::bytea[])
                 WITH ORDINALITY AS u(i, a, t, x, c, p, n) ORDER BY n
             ON CONFLICT (id) DO NOTHING RETURNING id",
            &[&ids, &accounts, &kinds, &ats, &contents, &payloads],
            &mut |mut r| {
                stored.insert(r.get(0)?);
                Ok(())
            },
        )?;
        return Ok(stored);
    }
    for e in events {
        let n = store.exec(
            "INSERT INTO events (id, account, type, at, content, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO NOTHING",
            ps![&e.id, &e.account, e.kind.as_str(), e.at, e.content.as_str(), &encode(&e.payload)?],
        )?;
        if n > 0 {
            stored.insert(e.id.clone());
        }
    }
    Ok(stored)
}

/// An event not yet taken in by its account's steps.
pub(crate) struct Pending {
    pub id: String,
    pub kind: String,
    pub at: i64,
    pub payload: Vec<u8>,
}

/// The events of `ids` not yet taken in, per account, by moment and then
/// in the order they were stored: those due now and those to come, read
/// together.
pub(crate) fn unprocessed(store: &Store, ids: &[&str]) -> Result<HashMap<String, Vec<Pending>>> {
    let mut found: HashMap<String, Vec<Pending>> = HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let mut take = |mut r: Row| -> Result<()> {
        let account: String = r.get(0)?;
        found.entry(account).or_default().push(Pending {
            id: r.get(1)?,
            kind: r.get(2)?,
            at: r.get(3)?,
            payload: r.get(4)?,
        });
        Ok(())
    };
    if store.is_postgres() {
        store.pg_each(
            "SELECT account, id, type, at, payload FROM events
             WHERE account = ANY(?1::text[]) AND processed = 0 ORDER BY account, at, rowid",
            &[&ids],
            &mut take,
        )?;
    } else {
        for id in ids {
            store.each(
                "SELECT account, id, type, at, payload FROM events
                 WHERE account = ?1 AND processed = 0 ORDER BY at, rowid",
                ps![*id],
                &mut take,
            )?;
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_key_is_fnv1a_of_the_id_and_the_same_in_every_process() {
        // FNV-1a's published test vectors: the key must not depend on the
        // process (a seeded hash would let two nodes lock one account
        // under two keys).
        assert_eq!(account_key("") as u32, 0x811c_9dc5);
        assert_eq!(account_key("a") as u32, 0xe40c_292c);
        assert_eq!(account_key("foobar") as u32, 0xbf9c_f968);
    }
}
