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

mod batch;
pub mod lease;
pub(crate) mod legacy;
mod read_only;
mod schema;

pub use batch::{run, Damaged, RunInput, RunSummary, Stopped, StoreReject, STEPS_PER_ACCOUNT};

use crate::engine::{Account, Instance, Status};
use crate::format::Machine;
use rusqlite::{params, Connection, OptionalExtension};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

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
    conn: Connection,
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
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        })?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            _lease: None,
        };
        store.sql(store.conn.busy_timeout(std::time::Duration::from_secs(10)))?;
        store.sql(
            store
                .conn
                // Larger pages hold more outbox rows (letters carry their
                // text) per page written; it only takes effect on a new store.
                .pragma_update(None, "page_size", 8192)
                .and_then(|()| store.conn.pragma_update(None, "journal_mode", "WAL"))
                .and_then(|()| store.conn.pragma_update(None, "synchronous", "FULL"))
                // Fewer, larger checkpoints; a bigger page cache for batches.
                .and_then(|()| store.conn.pragma_update(None, "wal_autocheckpoint", 8192))
                .and_then(|()| store.conn.pragma_update(None, "cache_size", -65536)),
        )?;
        store.sql(store.conn.execute_batch(schema::SCHEMA))?;
        store.sql(schema::migrate(&store.conn))?;
        lease.claim(&store.conn, path)?;
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
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: MEMORY.into(),
            source,
        })?;
        let store = Store {
            conn,
            path,
            _lease: None,
        };
        store.sql(store.conn.execute_batch(schema::SCHEMA))?;
        Ok(store)
    }

    /// Whether the store is kept in memory only.
    pub fn in_memory(&self) -> bool {
        self.path.as_os_str() == MEMORY
    }

    pub(crate) fn sql<T>(&self, r: rusqlite::Result<T>) -> Result<T> {
        r.map_err(|source| StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        })
    }

    pub fn versions(&self) -> Result<Vec<VersionCount>> {
        let mut stmt = self.sql(self.conn.prepare(
            "SELECT flow, version, count(*) FROM instances GROUP BY flow, version ORDER BY flow, version",
        ))?;
        let rows = self.sql(stmt.query_map([], |r| {
            Ok(VersionCount {
                flow: r.get(0)?,
                version: r.get(1)?,
                accounts: r.get::<_, i64>(2)? as u64,
            })
        }))?;
        self.sql(rows.collect())
    }

    /// Refuses a flow whose name or version differs from the instances the
    /// store holds: their states are indexes into the machine they were
    /// started with.
    pub fn check_flow(&self, m: &Machine) -> Result<()> {
        let other: Vec<VersionCount> = self
            .versions()?
            .into_iter()
            .filter(|v| v.flow != m.flow || v.version != m.version)
            .collect();
        if other.is_empty() {
            return Ok(());
        }
        let held: Vec<String> = other
            .iter()
            .map(|v| {
                format!(
                    "{} accounts of flow {} version {}",
                    v.accounts, v.flow, v.version
                )
            })
            .collect();
        Err(StoreError::Message(format!(
            "the store `{}` holds {}, but this is flow {} version {}; accounts in flight cannot move between versions until migration exists: run the version they were started with, or start a new store",
            self.path.display(),
            held.join(" and "),
            m.flow,
            m.version
        )))
    }

    pub fn account(&self, id: &str) -> Result<Option<StoredAccount>> {
        let row = self.sql(
            self.conn
                .query_row(
                    "SELECT data, state, flow, version, clock, enrolled, stage, status, outcome FROM instances WHERE account = ?1",
                    [id],
                    |r| {
                        Ok((
                            r.get::<_, Vec<u8>>(0)?,
                            r.get::<_, Vec<u8>>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, u32>(3)?,
                            r.get::<_, i64>(4)?,
                            r.get::<_, i64>(5)?,
                            r.get::<_, String>(6)?,
                            r.get::<_, String>(7)?,
                            r.get::<_, Option<String>>(8)?,
                        ))
                    },
                )
                .optional(),
        )?;
        let Some((data, state, flow, version, clock, enrolled, stage, status, outcome)) = row
        else {
            return Ok(None);
        };
        Ok(Some(StoredAccount {
            account: decode(&data, "account")?,
            instance: legacy::decode_instance(&state, id, None)?,
            flow,
            version,
            clock,
            enrolled,
            stage,
            status,
            outcome,
        }))
    }

    pub fn stage_counts(&self) -> Result<Vec<StageCount>> {
        let mut stmt = self.sql(self.conn.prepare(
            "SELECT stage, status, outcome, count(*) FROM instances GROUP BY stage, status, outcome ORDER BY status, stage, outcome",
        ))?;
        let rows = self.sql(stmt.query_map([], |r| {
            Ok(StageCount {
                stage: r.get(0)?,
                status: r.get(1)?,
                outcome: r.get(2)?,
                accounts: r.get::<_, i64>(3)? as u64,
            })
        }))?;
        self.sql(rows.collect())
    }

    pub fn events_of(&self, account: &str) -> Result<Vec<StoredEvent>> {
        let mut stmt = self.sql(self.conn.prepare(
            "SELECT id, type, at, processed FROM events WHERE account = ?1 ORDER BY at, rowid",
        ))?;
        let rows = self.sql(stmt.query_map([account], |r| {
            Ok(StoredEvent {
                id: r.get(0)?,
                kind: r.get(1)?,
                at: r.get(2)?,
                processed: r.get::<_, i64>(3)? != 0,
            })
        }))?;
        self.sql(rows.collect())
    }

    /// The account's actions, as exported (JSON text), oldest first.
    pub fn actions_of(&self, account: &str) -> Result<Vec<String>> {
        let mut stmt = self.sql(
            self.conn
                .prepare("SELECT body FROM outbox WHERE account = ?1 ORDER BY seq"),
        )?;
        let rows = self.sql(stmt.query_map([account], |r| r.get::<_, String>(0)))?;
        let bodies: Vec<String> = self.sql(rows.collect())?;
        Ok(bodies
            .iter()
            .flat_map(|b| b.lines())
            .map(str::to_string)
            .collect())
    }

    pub fn audit_of(&self, account: &str) -> Result<Vec<StoredAudit>> {
        let mut stmt = self.sql(
            self.conn
                .prepare("SELECT entries FROM audit_runs WHERE account = ?1 ORDER BY seq"),
        )?;
        let runs: Vec<Vec<u8>> =
            self.sql(self.sql(stmt.query_map([account], |r| r.get(0)))?.collect())?;
        let mut trail = Vec::new();
        // A store written before `audit_runs` holds its earlier entries one
        // per row in `audit`; they come first, being older.
        let legacy: bool = self.sql(self.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'audit'",
            [],
            |r| r.get(0),
        ))?;
        if legacy {
            let mut stmt = self.sql(self.conn.prepare(
                "SELECT at, stage, kind, message FROM audit WHERE account = ?1 ORDER BY seq",
            ))?;
            let rows = self.sql(stmt.query_map([account], |r| {
                Ok(StoredAudit {
                    at: r.get(0)?,
                    stage: r.get(1)?,
                    kind: r.get(2)?,
                    message: r.get(3)?,
                })
            }))?;
            trail = self.sql(rows.collect())?;
        }
        for run in runs {
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

    /// Totals for the summary: accounts, events, outbox rows, unexported
    /// outbox rows.
    pub fn totals(&self) -> Result<(u64, u64, u64, u64)> {
        self.sql(self.conn.query_row(
            "SELECT (SELECT count(*) FROM instances), (SELECT count(*) FROM events), (SELECT coalesce(sum(actions), 0) FROM outbox), (SELECT coalesce(sum(actions), 0) FROM outbox WHERE seq > (SELECT exported FROM export))",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                    r.get::<_, i64>(3)? as u64,
                ))
            },
        ))
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
    /// (and locked by the caller); `out` names it in errors. A device or a
    /// pipe (`/dev/null`) is written but not synced, having no disk.
    pub fn export_to(&mut self, file: &mut std::fs::File, out: &Path) -> Result<u64> {
        let io = |e: std::io::Error| {
            StoreError::Message(format!("cannot write `{}`: {e}", out.display()))
        };
        let regular = file.metadata().map_err(io)?.is_file();
        let mut writer = std::io::BufWriter::new(&mut *file);
        let mut last = 0i64;
        let mut count = 0u64;
        {
            let mut stmt = self.sql(
                self.conn
                    .prepare("SELECT seq, actions, body FROM outbox WHERE seq > (SELECT exported FROM export) ORDER BY seq"),
            )?;
            let mut rows = self.sql(stmt.query([]))?;
            while let Some(row) = self.sql(rows.next())? {
                let seq: i64 = self.sql(row.get(0))?;
                let actions: i64 = self.sql(row.get(1))?;
                let body = self.sql(row.get_ref(2).and_then(|v| Ok(v.as_bytes()?)))?;
                writer.write_all(body).map_err(io)?;
                writer.write_all(b"\n").map_err(io)?;
                last = seq;
                count += actions.max(0) as u64;
            }
        }
        writer.flush().map_err(io)?;
        drop(writer);
        if regular {
            file.sync_all().map_err(io)?;
        }
        if count > 0 {
            self.sql(self.conn.pragma_update(None, "synchronous", "FULL"))?;
            self.sql(self.conn.execute(
                "UPDATE export SET exported = ?1 WHERE one = 1",
                params![last],
            ))?;
        }
        Ok(count)
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
    match file.try_lock() {
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
            .conn
            .execute_batch(
                "CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, at INTEGER NOT NULL, stage TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);
                 INSERT INTO audit (account, at, stage, kind, message) VALUES ('A1', 10, 'early', 'enrolled', 'enrolled');",
            )
            .unwrap();
        let later = encode(&vec![(20i64, "early", "waiting", "waits 3 days")]).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO audit_runs (account, entries) VALUES ('A1', ?1)",
                [later],
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
            .conn
            .execute(
                "INSERT INTO outbox (account, actions, body) VALUES ('A2', 2, ?1)",
                ["{\"id\":\"b1\"}\n{\"id\":\"b2\"}"],
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
            .conn
            .execute(
                "INSERT INTO outbox (account, actions, body) VALUES ('A1', 1, '{\"id\":\"a\"}')",
                [],
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
}
