//! The durable state of a portfolio in SQLite: one row per account (its data
//! and its instance), the events handed over, the outbox of actions and the
//! audit log.
//!
//! Each account's steps are written with their outbox and audit rows and
//! the events they consumed in one transaction (several accounts share a
//! transaction, so that one disk sync covers many of them), so a process
//! killed at any moment leaves every account either before or after its
//! steps, never half way; running again redoes exactly the missing steps
//! and, the engine being deterministic, gives the same action ids.

mod account_step;
mod batch;
pub(crate) mod db;
pub mod lease;
pub(crate) mod legacy;
mod location;
mod migrate;
mod page;
mod person;
mod pg;
mod pg_lease;
mod pins;
mod read_only;
mod schema;
pub mod serve;
mod serve_rows;
#[cfg(any(test, feature = "testkit"))]
pub mod testpg;
mod workers;

use db::ps;
pub use location::{Location, PgTarget};
pub use pg_lease::Access;

pub use batch::{run, Damaged, RunInput, RunSummary, Stopped, StoreReject, STEPS_PER_ACCOUNT};
pub use migrate::MigrateSummary;
pub use pins::{fingerprint, short, Admission, PinnedMachine};
pub use workers::{run_worker, WorkerOptions, WorkerSummary};

use crate::engine::{Account, Instance, Status};
use crate::format::Machine;
use rusqlite::Connection;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The bytes of actions an export hands its writing thread at a time.
const EXPORT_CHUNK: usize = 1 << 20;
/// The bytes of actions an export writes between two syncs in the
/// background.
const EXPORT_SYNC: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store `{path}`: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{0}")]
    Message(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub struct Store {
    conn: std::cell::RefCell<db::Conn>,
    /// Where the store is, as messages show it: a file's path, or a
    /// PostgreSQL target without its password.
    path: PathBuf,
    /// Held by a store opened to write, released when it is dropped (after
    /// the connection closes).
    _lease: Option<lease::Lease>,
}

/// How many accounts of each flow version a store holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionCount {
    pub flow: String,
    pub version: u32,
    pub accounts: u64,
}

/// The schema version of the store's tables (see `schema::SCHEMA_VERSION`).
pub fn schema_version(store: &Store) -> Result<u32> {
    let row = store.query_opt(
        "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'schema_version'",
        ps![],
    )?;
    match row {
        Some(mut r) => r.get(0),
        None => Ok(1),
    }
}

/// Reads a stored instance with the machine it ran on.
pub(crate) fn decode_instance_of(state: &[u8], account: &str, m: &Machine) -> Result<Instance> {
    legacy::decode_instance(state, account, Some(m))
}

pub(crate) fn sqlerr(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

/// One account as the store holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAccount {
    pub account: Account,
    pub instance: Instance,
    pub flow: String,
    pub version: u32,
    /// Seconds since 1970 UTC: the moment up to which its steps have run.
    pub clock: i64,
    pub enrolled: i64,
    pub stage: String,
    pub status: String,
    pub outcome: Option<String>,
    /// The fingerprint of the machine it is on (`None`: stored before
    /// machines were kept, until the next run).
    pub machine: Option<String>,
    /// Its cycle through the flow: 1, then one more at each re-entry.
    pub cycle: u32,
}

/// A row of the events table, for `dun status`.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub id: String,
    pub kind: String,
    pub at: i64,
    pub processed: bool,
}

/// A row of the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAudit {
    pub at: i64,
    pub stage: String,
    pub kind: String,
    pub message: String,
}

/// Accounts per stage, status and outcome, for `dun status`.
#[derive(Clone, Debug, PartialEq)]
pub struct StageCount {
    pub stage: String,
    pub status: String,
    pub outcome: Option<String>,
    pub accounts: u64,
}

pub(crate) fn status_word(s: Status) -> &'static str {
    match s {
        Status::NotStarted => "not_started",
        Status::Active => "active",
        Status::Ended => "ended",
        Status::Halted => "halted",
    }
}

pub(crate) fn encode<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(v).map_err(|e| StoreError::Message(format!("cannot encode a row: {e}")))
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| {
        StoreError::Message(format!(
            "a stored {what} cannot be read ({e}); the store was written by another version of dun or is damaged"
        ))
    })
}

/// The path that names a store kept in memory (`--db :memory:`), as SQLite
/// spells it. A file of that name is `./:memory:`.
pub const MEMORY: &str = ":memory:";

impl Store {
    /// Opens (creating when missing) a store to write, in WAL mode with
    /// synchronous commits (see `run` for which commits sync), after taking
    /// its lease: another writer holding it is refused by name before
    /// anything is read (`lease`). [`MEMORY`] opens [`Store::memory`].
    pub fn open(path: &Path) -> Result<Store> {
        if path.as_os_str() == MEMORY {
            return Store::memory();
        }
        let mut lease = lease::Lease::take(path)?;
        let conn = Connection::open(path).map_err(|e| sqlerr(path, e))?;
        let sql = |r: rusqlite::Result<()>| r.map_err(|e| sqlerr(path, e));
        sql(conn.busy_timeout(std::time::Duration::from_secs(10)))?;
        sql(conn
            // Larger pages hold more outbox rows (letters carry their
            // text) per page written; it only takes effect on a new store.
            .pragma_update(None, "page_size", 8192)
            .and_then(|()| conn.pragma_update(None, "journal_mode", "WAL"))
            .and_then(|()| conn.pragma_update(None, "synchronous", "FULL"))
            // Fewer, larger checkpoints; a bigger page cache for batches.
            .and_then(|()| conn.pragma_update(None, "wal_autocheckpoint", 8192))
            .and_then(|()| conn.pragma_update(None, "cache_size", -65536)))?;
        lease.claim(&conn, path)?;
        let mut store = Store::sqlite(conn, path.to_path_buf())?;
        store._lease = Some(lease);
        Ok(store)
    }

    /// A store that lives in this process's memory and is gone when it is
    /// dropped: the same tables, queries and transactions as a file (it is
    /// SQLite's in-memory database), without durability. For tests, and
    /// for `dun run --db :memory:`, a trial run of a fresh portfolio that
    /// keeps nothing.
    pub fn memory() -> Result<Store> {
        let path = PathBuf::from(MEMORY);
        let conn = Connection::open_in_memory().map_err(|e| sqlerr(&path, e))?;
        Store::sqlite(conn, path)
    }

    fn sqlite(conn: Connection, path: PathBuf) -> Result<Store> {
        let sql = |r: rusqlite::Result<()>| r.map_err(|e| sqlerr(&path, e));
        sql(conn.execute_batch(schema::SCHEMA))?;
        sql(schema::migrate(&conn))?;
        sql(conn.execute_batch(schema::INDEXES))?;
        Ok(Store {
            conn: std::cell::RefCell::new(db::Conn::Sqlite(conn)),
            path,
            _lease: None,
        })
    }

    /// Opens the store `--db` names to write it alone: a SQLite file,
    /// [`MEMORY`], or a PostgreSQL database (see [`Location`]), creating or
    /// upgrading its tables, after taking its lease (another writer is
    /// refused by name before anything is read).
    pub fn open_at(at: &Location) -> Result<Store> {
        Store::open_as(at, Access::Sole)
    }

    /// [`Store::open_at`] for a writer of the kind `access`. On PostgreSQL
    /// workers share a store with workers and servers with servers (see
    /// `pg_lease`); a SQLite file has one writer whatever the kind.
    pub fn open_as(at: &Location, access: Access) -> Result<Store> {
        match at {
            Location::File(path) => Store::open(path),
            Location::Postgres(target) => {
                let mut conn = pg::connect(target)?;
                let label = target.to_string();
                pg_lease::take(&mut conn, &label, access)?;
                Ok(Store {
                    conn: std::cell::RefCell::new(conn),
                    path: PathBuf::from(label),
                    _lease: None,
                })
            }
        }
    }

    /// Opens a connection that steps no account and so takes no lease: the
    /// reading and webhook connections of a `dun serve` whose own writer
    /// holds the lease, `dun token create`, which writes only the token
    /// table and may run beside a server, and readers of a PostgreSQL
    /// store (`dun status`, `dun export --after`), which its transactions
    /// keep consistent beside any writer. SQLite serialises its writes.
    pub fn open_shared(at: &Location) -> Result<Store> {
        match at {
            Location::File(path) if path.as_os_str() != MEMORY => {
                let conn = Connection::open(path).map_err(|e| sqlerr(path, e))?;
                conn.busy_timeout(std::time::Duration::from_secs(10))
                    .map_err(|e| sqlerr(path, e))?;
                Store::sqlite(conn, path.to_path_buf())
            }
            Location::Postgres(target) => Ok(Store {
                conn: std::cell::RefCell::new(pg::connect(target)?),
                path: PathBuf::from(target.to_string()),
                _lease: None,
            }),
            _ => Store::open_at(at),
        }
    }

    /// Opens the store `--db` names for a command that reads or changes an
    /// existing one: a missing file is refused rather than created.
    pub fn open_existing(db: &Path) -> Result<Store> {
        let at = Location::parse(db)?;
        if let Location::File(path) = &at {
            if path.as_os_str() != MEMORY && !path.exists() {
                return Err(StoreError::Message(format!(
                    "there is no store at `{}`",
                    path.display()
                )));
            }
        }
        Store::open_at(&at)
    }

    /// Whether the store is kept in memory only.
    pub fn in_memory(&self) -> bool {
        self.path.as_os_str() == MEMORY
    }

    /// Whether the store is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.conn.borrow().is_pg()
    }

    /// Where the store is, as messages show it (never a password).
    pub fn label(&self) -> String {
        self.path.display().to_string()
    }

    pub(crate) fn exec(&self, sql: &'static str, ps: &[db::P]) -> Result<u64> {
        self.conn.borrow_mut().execute(&self.label(), sql, ps)
    }

    /// A PostgreSQL-only statement (see [`db::Conn::pg_execute`]).
    pub(crate) fn pg_exec(
        &self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<u64> {
        self.conn
            .borrow_mut()
            .pg_execute(&self.label(), sql, params)
    }

    /// A PostgreSQL-only query (see [`db::Conn::pg_each`]).
    pub(crate) fn pg_each(
        &self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
        f: &mut dyn FnMut(db::Row) -> Result<()>,
    ) -> Result<()> {
        self.conn
            .borrow_mut()
            .pg_each(&self.label(), sql, params, f)
    }

    /// The round trips this store's connection has made to a PostgreSQL
    /// server (0 on SQLite): `dun serve` reports them as a metric, tests
    /// and benchmarks read what a transaction costs.
    pub fn round_trips(&self) -> u64 {
        self.conn.borrow().round_trips()
    }

    pub(crate) fn query(&self, sql: &'static str, ps: &[db::P]) -> Result<Vec<db::Row>> {
        self.conn.borrow_mut().query(&self.label(), sql, ps)
    }

    pub(crate) fn query_opt(&self, sql: &'static str, ps: &[db::P]) -> Result<Option<db::Row>> {
        self.conn.borrow_mut().query_opt(&self.label(), sql, ps)
    }

    pub(crate) fn each(
        &self,
        sql: &'static str,
        ps: &[db::P],
        f: &mut dyn FnMut(db::Row) -> Result<()>,
    ) -> Result<()> {
        self.conn.borrow_mut().each(&self.label(), sql, ps, f)
    }

    pub(crate) fn batch_sql(&self, sql: &str) -> Result<()> {
        self.conn.borrow_mut().batch(&self.label(), sql)
    }

    /// Begins a transaction; `durable: false` lets its commit return before
    /// it is on disk (see [`db::Conn::durable`]).
    pub(crate) fn begin(&self, durable: bool) -> Result<()> {
        let label = self.label();
        let mut c = self.conn.borrow_mut();
        if c.is_pg() {
            c.batch(&label, "BEGIN")?;
            c.durable(&label, durable)
        } else {
            // SQLite takes the pragma outside a transaction.
            c.durable(&label, durable)?;
            c.batch(&label, "BEGIN")
        }
    }

    pub(crate) fn commit(&self) -> Result<()> {
        self.batch_sql("COMMIT")
    }

    /// Rolls back the transaction under way, if any; an error here leaves
    /// nothing to do (the connection drops the transaction when it closes).
    pub(crate) fn rollback(&self) {
        let _ = self.batch_sql("ROLLBACK");
    }

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled
    /// back when it fails.
    pub(crate) fn transaction<T>(&self, durable: bool, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.begin(durable)?;
        match f() {
            Ok(v) => {
                self.commit()?;
                Ok(v)
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    pub fn versions(&self) -> Result<Vec<VersionCount>> {
        self.query(
            "SELECT flow, version, count(*) FROM instances GROUP BY flow, version ORDER BY flow, version",
            ps![],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(VersionCount {
                flow: r.get(0)?,
                version: r.get(1)?,
                accounts: r.get(2)?,
            })
        })
        .collect()
    }

    pub fn account(&self, id: &str) -> Result<Option<StoredAccount>> {
        let Some(mut r) = self.query_opt(
            "SELECT data, state, flow, version, clock, enrolled, stage, status, outcome, machine, cycle FROM instances WHERE account = ?1",
            ps![id],
        )?
        else {
            return Ok(None);
        };
        let data: Vec<u8> = r.get(0)?;
        let state: Vec<u8> = r.get(1)?;
        let machine: Option<String> = r.get(9)?;
        let pinned = match &machine {
            Some(fp) => self.machine(fp)?,
            None => None,
        };
        Ok(Some(StoredAccount {
            account: decode(&data, "account")?,
            instance: legacy::decode_instance(&state, id, pinned.as_ref())?,
            flow: r.get(2)?,
            version: r.get(3)?,
            clock: r.get(4)?,
            enrolled: r.get(5)?,
            stage: r.get(6)?,
            status: r.get(7)?,
            outcome: r.get(8)?,
            machine,
            cycle: r.get(10)?,
        }))
    }

    pub fn stage_counts(&self) -> Result<Vec<StageCount>> {
        self.query(
            "SELECT stage, status, outcome, count(*) FROM instances GROUP BY stage, status, outcome ORDER BY status, stage, outcome",
            ps![],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(StageCount {
                stage: r.get(0)?,
                status: r.get(1)?,
                outcome: r.get(2)?,
                accounts: r.get(3)?,
            })
        })
        .collect()
    }

    pub fn events_of(&self, account: &str) -> Result<Vec<StoredEvent>> {
        self.query(
            "SELECT id, type, at, processed FROM events WHERE account = ?1 ORDER BY at, rowid",
            ps![account],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(StoredEvent {
                id: r.get(0)?,
                kind: r.get(1)?,
                at: r.get(2)?,
                processed: r.get(3)?,
            })
        })
        .collect()
    }

    /// The account's actions, as exported (JSON text), oldest first.
    pub fn actions_of(&self, account: &str) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for mut r in self.query(
            "SELECT body FROM outbox WHERE account = ?1 ORDER BY seq",
            ps![account],
        )? {
            let body: String = r.get(0)?;
            lines.extend(body.lines().map(str::to_string));
        }
        Ok(lines)
    }

    pub fn audit_of(&self, account: &str) -> Result<Vec<StoredAudit>> {
        let mut trail = Vec::new();
        // A SQLite store written before `audit_runs` holds its earlier
        // entries one per row in `audit`; they come first, being older.
        let legacy = !self.is_postgres()
            && self
                .query_opt(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'",
                    ps![],
                )?
                .is_some();
        if legacy {
            for mut r in self.query(
                "SELECT at, stage, kind, message FROM audit WHERE account = ?1 ORDER BY seq",
                ps![account],
            )? {
                trail.push(StoredAudit {
                    at: r.get(0)?,
                    stage: r.get(1)?,
                    kind: r.get(2)?,
                    message: r.get(3)?,
                });
            }
        }
        for mut run in self.query(
            "SELECT entries FROM audit_runs WHERE account = ?1 ORDER BY seq",
            ps![account],
        )? {
            let run: Vec<u8> = run.get(0)?;
            let entries: Vec<(i64, String, String, String)> = decode(&run, "audit trail")?;
            trail.extend(
                entries
                    .into_iter()
                    .map(|(at, stage, kind, message)| StoredAudit {
                        at,
                        stage,
                        kind,
                        message,
                    }),
            );
        }
        Ok(trail)
    }

    /// Every account's id, in id order (for `dun status --by-arm`).
    pub fn account_ids(&self) -> Result<Vec<String>> {
        self.query("SELECT account FROM instances ORDER BY account", ps![])?
            .into_iter()
            .map(|mut r| r.get(0))
            .collect()
    }

    /// An account's events with their payloads (in the event's field
    /// order), oldest first: type, moment, payload.
    pub fn event_payloads_of(
        &self,
        account: &str,
    ) -> Result<Vec<(String, i64, Vec<crate::value::Value>)>> {
        self.query(
            "SELECT type, at, payload FROM events WHERE account = ?1 ORDER BY at, rowid",
            ps![account],
        )?
        .into_iter()
        .map(|mut r| {
            let payload: Vec<u8> = r.get(2)?;
            Ok((r.get(0)?, r.get(1)?, decode(&payload, "event")?))
        })
        .collect()
    }

    /// Totals for the summary: accounts, events, outbox rows, unexported
    /// outbox rows.
    pub fn totals(&self) -> Result<(u64, u64, u64, u64)> {
        let mut r = self
            .query_opt(
                "SELECT (SELECT count(*) FROM instances), (SELECT count(*) FROM events), (SELECT CAST(coalesce(sum(actions), 0) AS BIGINT) FROM outbox), (SELECT CAST(coalesce(sum(actions), 0) AS BIGINT) FROM outbox WHERE seq > (SELECT exported FROM export))",
                ps![],
            )?
            .ok_or_else(|| StoreError::Message("the totals query gave no row".into()))?;
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    }

    /// Appends the outbox rows not exported before to `out` (JSON Lines),
    /// syncs the file, then marks them exported. Killed before the mark,
    /// the next export writes them again with the same ids; a line cut
    /// short by a kill is removed first (its row was never marked).
    pub fn export(&mut self, out: &Path) -> Result<u64> {
        let mut file = append_lines(out)
            .map_err(|e| StoreError::Message(format!("cannot write `{}`: {e}", out.display())))?;
        self.export_to(&mut file, out)
    }

    /// [`Store::export`] into a file already opened with [`append_lines`]
    /// (and locked by the caller); `out` names it in errors.
    pub fn export_to(&mut self, file: &mut std::fs::File, out: &Path) -> Result<u64> {
        let from = self
            .query_opt("SELECT exported FROM export", ps![])?
            .map(|mut r| r.get::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        let (last, count) = self.export_after_to(from, file, out)?;
        if count > 0 {
            self.begin(true)?;
            self.exec("UPDATE export SET exported = ?1 WHERE one = 1", ps![last])?;
            self.commit()?;
        }
        Ok(count)
    }

    /// Appends the outbox rows after the cursor `after` (an outbox
    /// sequence number) to `out`, synced; returns the cursor of the last
    /// row written (`after` when none) and how many actions they held. On
    /// PostgreSQL, rows are read only up to the last one whose transaction
    /// has committed with every row before it (see [`Store::settled`]), so
    /// a cursor never passes a row that a worker commits later.
    pub fn export_after(&self, after: i64, out: &Path) -> Result<(i64, u64)> {
        let mut file = append_lines(out)
            .map_err(|e| StoreError::Message(format!("cannot write `{}`: {e}", out.display())))?;
        self.export_after_to(after, &mut file, out)
    }

    /// [`Store::export_after`] into a file already opened with
    /// [`append_lines`]. A device or a pipe (`/dev/null`) is written but
    /// not synced, having no disk.
    ///
    /// The rows are read on this thread and written by another, in chunks
    /// of [`EXPORT_CHUNK`], while a third syncs what is written every
    /// [`EXPORT_SYNC`] bytes: a batch's actions run to hundreds of
    /// megabytes, and reading them, writing them and putting them on disk
    /// then overlap rather than follow each other.
    fn export_after_to(
        &self,
        after: i64,
        file: &mut std::fs::File,
        out: &Path,
    ) -> Result<(i64, u64)> {
        let io = |e: std::io::Error| {
            StoreError::Message(format!("cannot write `{}`: {e}", out.display()))
        };
        let upto = self.settled()?;
        let regular = file.metadata().map_err(io)?.is_file();
        let mut last = after;
        let mut count = 0u64;
        std::thread::scope(|scope| {
            let (chunks, written) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
            let writer = scope.spawn(move || -> std::io::Result<()> {
                // Every EXPORT_SYNC bytes, a thread of its own syncs what
                // is written so far while writing goes on, so that the
                // last sync has only the tail left to put on disk.
                let (due, syncs) = std::sync::mpsc::channel::<()>();
                let syncing = file.try_clone()?;
                let syncer = std::thread::spawn(move || -> std::io::Result<()> {
                    while syncs.recv().is_ok() {
                        while syncs.try_recv().is_ok() {}
                        syncing.sync_data()?;
                    }
                    Ok(())
                });
                let mut unsynced = 0;
                for chunk in written {
                    file.write_all(&chunk)?;
                    unsynced += chunk.len();
                    if regular && unsynced >= EXPORT_SYNC {
                        let _ = due.send(());
                        unsynced = 0;
                    }
                }
                drop(due);
                syncer
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("the syncing thread stopped")))?;
                if regular {
                    file.sync_all()?;
                }
                Ok(())
            });
            let mut chunk = Vec::with_capacity(EXPORT_CHUNK);
            let read = self.each(
                "SELECT seq, actions, body FROM outbox WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
                ps![after, upto],
                &mut |mut r| {
                    let seq: i64 = r.get(0)?;
                    let actions: i64 = r.get(1)?;
                    let body: Vec<u8> = r.get(2)?;
                    chunk.extend_from_slice(&body);
                    chunk.push(b'\n');
                    if chunk.len() >= EXPORT_CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(EXPORT_CHUNK));
                        // Refused only when the writer has stopped on an
                        // error, which its join below gives.
                        if chunks.send(full).is_err() {
                            return Err(StoreError::Message(format!(
                                "cannot write `{}`",
                                out.display()
                            )));
                        }
                    }
                    last = seq;
                    count += actions.max(0) as u64;
                    Ok(())
                },
            );
            if read.is_ok() && !chunk.is_empty() {
                let _ = chunks.send(chunk);
            }
            drop(chunks);
            let wrote = writer
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the writing thread stopped")));
            // The writer's error says why a read stopped on a refused send.
            wrote.map_err(io)?;
            read
        })?;
        Ok((last, count))
    }

    /// The outbox sequence number up to which every row is committed. On
    /// SQLite a reader never sees a gap that fills later (one writer at a
    /// time), so it is the largest. On PostgreSQL workers take sequence
    /// numbers before they commit, so a taken number may commit after a
    /// larger one. Every transaction writing the outbox holds an advisory
    /// lock, shared, from before its rows take their numbers to its end;
    /// taking it exclusively waits for each of them to end, and then the
    /// largest is settled. A lock on the table itself would do the same,
    /// but would also queue behind (auto)vacuum, which holds the outbox
    /// for seconds after a batch's inserts (or, to prevent wraparound, for
    /// as long as it takes).
    pub fn settled(&self) -> Result<i64> {
        if !self.is_postgres() {
            let mut r = self
                .query_opt(
                    "SELECT CAST(coalesce(max(seq), 0) AS BIGINT) FROM outbox",
                    ps![],
                )?
                .ok_or_else(|| StoreError::Message("max(seq) gave no row".into()))?;
            return r.get(0);
        }
        self.transaction(true, || {
            self.exec(
                "SELECT pg_advisory_xact_lock(?1, hashtext(current_schema()))",
                ps![i64::from(pg::LOCK_OUTBOX)],
            )?;
            let mut r = self
                .query_opt(
                    "SELECT CAST(coalesce(max(seq), 0) AS BIGINT) FROM outbox",
                    ps![],
                )?
                .ok_or_else(|| StoreError::Message("max(seq) gave no row".into()))?;
            r.get(0)
        })
    }
}

/// Opens a JSON Lines file to append to (creating it when missing), locked
/// for this process alone until the file is closed (another writer, such
/// as a run of another store sharing the file, is refused rather than
/// splicing its lines into ours), after removing a last line cut short by
/// a kill: the next line appended then starts on a line of its own, and the
/// cut line's content, never marked done, is written again whole. A device
/// or a pipe (`/dev/null`) is opened as it is.
pub fn append_lines(path: &Path) -> std::io::Result<std::fs::File> {
    append_lines_within(path, std::time::Duration::ZERO)
}

/// [`append_lines`], waiting up to `wait` for another writer of the file to
/// close it before refusing: the workers of one batch on one machine, each
/// appending its own rejects to one file, take turns.
pub fn append_lines_within(
    path: &Path,
    wait: std::time::Duration,
) -> std::io::Result<std::fs::File> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(file);
    }
    let began = std::time::Instant::now();
    let mut locked = file.try_lock();
    while matches!(locked, Err(std::fs::TryLockError::WouldBlock)) && began.elapsed() < wait {
        std::thread::sleep(std::time::Duration::from_millis(20));
        locked = file.try_lock();
    }
    match locked {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                "another process is writing it (another `dun run`?); one writer at a time: wait for it to finish, or name another file",
            ))
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(e),
    }
    let len = meta.len();
    if len > 0 {
        // Only the tail can hold a cut line; read back to the last newline.
        let back = len.min(1 << 20);
        file.seek(SeekFrom::Start(len - back))?;
        let mut tail = Vec::with_capacity(back as usize);
        file.read_to_end(&mut tail)?;
        if tail.last() != Some(&b'\n') {
            let keep = match tail.iter().rposition(|b| *b == b'\n') {
                Some(i) => len - back + i as u64 + 1,
                None if back == len => 0,
                None => len,
            };
            file.set_len(keep)?;
        }
    }
    file.seek(SeekFrom::End(0))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty folder of this test's own.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dun-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_audit_trail_of_a_store_from_before_audit_runs_is_still_shown() {
        let dir = scratch("legacy");
        let store = Store::open(&dir.join("store.db")).unwrap();
        store
            .batch_sql(
                "CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, at INTEGER NOT NULL, stage TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);
                 INSERT INTO audit (account, at, stage, kind, message) VALUES ('A1', 10, 'early', 'enrolled', 'enrolled');",
            )
            .unwrap();
        let later = encode(&vec![(20i64, "early", "waiting", "waits 3 days")]).unwrap();
        store
            .exec(
                "INSERT INTO audit_runs (account, entries) VALUES ('A1', ?1)",
                ps![&later],
            )
            .unwrap();
        let trail = store.audit_of("A1").unwrap();
        let kinds: Vec<(i64, &str)> = trail.iter().map(|e| (e.at, e.kind.as_str())).collect();
        assert_eq!(kinds, vec![(10, "enrolled"), (20, "waiting")]);
        assert!(store.audit_of("A2").unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_store_from_before_grouped_outbox_rows_is_migrated_and_keeps_its_actions() {
        let dir = scratch("outbox");
        let path = dir.join("store.db");
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, account TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
                 CREATE INDEX outbox_account ON outbox (account, seq);
                 INSERT INTO outbox (id, account, at, body) VALUES ('00000000000000a1', 'A1', 10, '{\"id\":\"00000000000000a1\"}');
                 INSERT INTO outbox (id, account, at, body) VALUES ('00000000000000a2', 'A1', 20, '{\"id\":\"00000000000000a2\"}');",
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.totals().unwrap(), (0, 0, 2, 2));
        assert_eq!(
            store.actions_of("A1").unwrap(),
            vec![
                "{\"id\":\"00000000000000a1\"}",
                "{\"id\":\"00000000000000a2\"}"
            ]
        );
        // A run's grouped row goes after them; the export gives every line.
        store
            .exec(
                "INSERT INTO outbox (account, actions, body) VALUES ('A2', 2, ?1)",
                ps!["{\"id\":\"b1\"}\n{\"id\":\"b2\"}"],
            )
            .unwrap();
        let out = dir.join("actions.jsonl");
        assert_eq!(store.export(&out).unwrap(), 4);
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "{\"id\":\"00000000000000a1\"}\n{\"id\":\"00000000000000a2\"}\n{\"id\":\"b1\"}\n{\"id\":\"b2\"}\n"
        );
        assert_eq!(store.totals().unwrap(), (0, 0, 4, 0));
        drop(store);
        // Opening it again finds nothing to migrate.
        assert_eq!(Store::open(&path).unwrap().totals().unwrap(), (0, 0, 4, 0));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_store_in_memory_has_the_same_tables_and_export_and_keeps_nothing() {
        let dir = scratch("memory");
        let mut store = Store::open(Path::new(MEMORY)).unwrap();
        assert!(store.in_memory());
        assert!(!Path::new(MEMORY).exists());
        store
            .exec(
                "INSERT INTO outbox (account, actions, body) VALUES ('A1', 1, '{\"id\":\"a\"}')",
                ps![],
            )
            .unwrap();
        let out = dir.join("actions.jsonl");
        assert_eq!(store.export(&out).unwrap(), 1);
        assert_eq!(store.export(&out).unwrap(), 0, "exported rows are marked");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{\"id\":\"a\"}\n");
        assert_eq!(Store::memory().unwrap().totals().unwrap(), (0, 0, 0, 0));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_cut_last_line_is_removed_before_appending() {
        let dir = scratch("append");
        let path = dir.join("lines.jsonl");
        for (before, after) in [
            ("", ""),
            ("{\"a\":1}\n", "{\"a\":1}\n"),
            ("{\"a\":1}\n{\"b\"", "{\"a\":1}\n"),
            ("{\"b\"", ""),
        ] {
            std::fs::write(&path, before).unwrap();
            let mut f = append_lines(&path).unwrap();
            f.write_all(b"{\"c\":3}\n").unwrap();
            drop(f);
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                format!("{after}{{\"c\":3}}\n")
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A disk that refuses the actions stops the export with the reason,
    /// and marks nothing exported: the next export writes the same rows.
    /// More than one chunk of them, so that the refusal reaches the
    /// reading thread while rows are still coming.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_export_refused_by_the_disk_says_why_and_marks_nothing() {
        let dir = scratch("refused");
        let mut store = Store::open(&dir.join("store.db")).expect("a store");
        let body = format!("{{\"id\":\"a\",\"text\":\"{}\"}}", "x".repeat(4000));
        for _ in 0..(2 * EXPORT_CHUNK / body.len() + 1) {
            store
                .exec(
                    "INSERT INTO outbox (account, actions, body) VALUES ('A1', 1, ?1)",
                    ps![body.as_str()],
                )
                .expect("an outbox row");
        }
        let rows = (2 * EXPORT_CHUNK / body.len() + 1) as u64;
        let refused = store
            .export(Path::new("/dev/full"))
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("/dev/full") && refused.contains("No space left"),
            "{refused}"
        );
        let out = dir.join("actions.jsonl");
        assert_eq!(store.export(&out).expect("the export to a file"), rows);
        assert_eq!(
            std::fs::read_to_string(&out)
                .expect("the actions file")
                .lines()
                .count() as u64,
            rows
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// An export's cursor on PostgreSQL stops short of a row whose
    /// transaction has not ended (it waits for the transaction, then
    /// passes the row), and does not queue behind a vacuum of the outbox,
    /// which holds the table in a mode a lock on the table would wait for.
    #[test]
    fn the_cursor_waits_for_a_writer_of_the_outbox_and_not_for_a_vacuum() {
        use std::sync::mpsc::channel;
        use std::time::Duration;
        let Some(cluster) = testpg::cluster() else {
            return;
        };
        let url = cluster.database("settled_cursor");
        let at = Location::parse(Path::new(&url)).expect("the database's URL");
        let writer = Store::open_as(&at, Access::Worker).expect("a writer");
        writer.begin(false).expect("a transaction");
        let mut page = page::Page::default();
        page.outbox.push(("A1".into(), 1, "{\"id\":\"a\"}".into()));
        page.flush(&writer).expect("the outbox row written");
        let settled = |reader: Store| {
            let (tx, rx) = channel();
            std::thread::spawn(move || {
                let _ = tx.send(reader.settled().map_err(|e| e.to_string()));
            });
            rx
        };
        let waiting = settled(Store::open_as(&at, Access::Worker).expect("a reader"));
        assert!(
            waiting.recv_timeout(Duration::from_millis(500)).is_err(),
            "the cursor passed a row whose transaction is under way"
        );
        writer.commit().expect("the commit");
        let upto = waiting
            .recv_timeout(Duration::from_secs(30))
            .expect("the cursor once the writer committed");
        assert_eq!(upto, Ok(1));
        // What autovacuum holds while it vacuums the outbox.
        let mut vacuum = cluster.client("settled_cursor");
        vacuum
            .batch_execute("BEGIN; LOCK TABLE outbox IN SHARE UPDATE EXCLUSIVE MODE")
            .expect("the vacuum's lock");
        let beside = settled(Store::open_as(&at, Access::Worker).expect("a reader"));
        assert_eq!(
            beside
                .recv_timeout(Duration::from_secs(30))
                .expect("the cursor beside a vacuum"),
            Ok(1),
            "the cursor waited for a vacuum"
        );
        vacuum.batch_execute("ROLLBACK").expect("the vacuum let go");
    }
}
