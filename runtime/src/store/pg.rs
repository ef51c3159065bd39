//! A store in PostgreSQL: the connection and the tables. The tables are
//! the SQLite store's, column for column (`BIGINT` for integers, `BYTEA`
//! for blobs, a `rowid` column where SQLite has its implicit one), so every
//! query of the store runs on both; the workers' tables (`claims`,
//! `batches`) exist only here.

use super::db::{pg_error, Conn};
use super::location::PgTarget;
use super::{Result, StoreError};
use std::collections::HashMap;
use std::time::Duration;

/// The tables' version this dun writes on PostgreSQL, kept in `meta` as
/// `schema_version` like SQLite's: 2 is SQLite's version 2 (machines
/// pinned, cycles counted) with the workers' tables.
pub(crate) const SCHEMA_VERSION: u32 = 2;

/// The steps from an empty database to each version, in order; each runs
/// once, in the transaction that records its version.
const STEPS: &[(u32, &str)] = &[(
    2,
    "
CREATE TABLE instances (
    account  TEXT PRIMARY KEY,
    flow     TEXT NOT NULL,
    version  BIGINT NOT NULL,
    data     BYTEA NOT NULL,
    state    BYTEA NOT NULL,
    clock    BIGINT NOT NULL,
    enrolled BIGINT NOT NULL,
    stage    TEXT NOT NULL,
    status   TEXT NOT NULL,
    outcome  TEXT,
    machine  TEXT,
    cycle    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX instances_machine ON instances (machine);
CREATE TABLE machines (
    fingerprint TEXT PRIMARY KEY,
    flow        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    compiled    BYTEA NOT NULL,
    stored      BIGINT NOT NULL,
    rowid       BIGSERIAL
);
CREATE TABLE events (
    rowid     BIGSERIAL,
    id        TEXT PRIMARY KEY,
    account   TEXT NOT NULL,
    type      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    content   TEXT NOT NULL,
    payload   BYTEA NOT NULL,
    processed BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX events_pending ON events (account, at) WHERE processed = 0;
CREATE INDEX events_account ON events (account, at);
CREATE TABLE outbox (
    seq      BIGSERIAL PRIMARY KEY,
    account  TEXT NOT NULL,
    actions  BIGINT NOT NULL,
    body     TEXT NOT NULL
);
CREATE INDEX outbox_account ON outbox (account, seq);
CREATE TABLE export (
    one      BIGINT PRIMARY KEY CHECK (one = 1),
    exported BIGINT NOT NULL
);
INSERT INTO export (one, exported) VALUES (1, 0);
CREATE TABLE audit_runs (
    seq     BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    entries BYTEA NOT NULL
);
CREATE INDEX audit_runs_account ON audit_runs (account, seq);
-- A batch that workers share: its accounts cut into ranges, each claimed
-- with a lease (see `workers`).
CREATE TABLE batches (
    id        TEXT PRIMARY KEY,   -- the run's machine, files and moment
    ranges    BIGINT NOT NULL,
    finished  BIGINT NOT NULL DEFAULT 0,  -- 1 once every range is done
    exported  BIGINT NOT NULL DEFAULT 0   -- 1 once its actions file is written
);
CREATE TABLE claims (
    batch   TEXT NOT NULL REFERENCES batches (id),
    range   BIGINT NOT NULL,
    first   TEXT NOT NULL,       -- the range's first account id
    last    TEXT NOT NULL,       -- and its last
    owner   TEXT,                -- the worker holding it
    lease   TIMESTAMPTZ,         -- until when (the server's clock)
    done    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (batch, range)
);
",
)];

/// A key for PostgreSQL's advisory locks that no other program is likely to
/// take: "dun" and a purpose.
pub(crate) const LOCK_SCHEMA: i64 = 0x64_75_6e_00_0000_0001;
pub(crate) const LOCK_ADMIT: i64 = 0x64_75_6e_00_0000_0002;
pub(crate) const LOCK_BATCH: i64 = 0x64_75_6e_00_0000_0003;

/// Connects, and creates or upgrades the tables.
pub(crate) fn connect(target: &PgTarget) -> Result<Conn> {
    let mut config = postgres::Config::new();
    config
        .user(&target.user)
        .dbname(&target.dbname)
        .port(target.port)
        .application_name("dun")
        // A network cut is noticed within a minute instead of the
        // system's two hours, and the lease of the worker cut off expires.
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(30));
    if target.host.starts_with('/') {
        config.host_path(&target.host);
    } else {
        config.host(&target.host);
    }
    for (k, v) in &target.options {
        match k.as_str() {
            "sslmode" if v == "disable" || v == "allow" || v == "prefer" => {}
            "sslmode" => {
                return Err(StoreError::Message(format!(
                    "--db: sslmode={v} asks for TLS, which dun's PostgreSQL connection does not speak; connect over the server's unix socket or through a TLS tunnel (stunnel, an SSH tunnel, pgbouncer) and drop sslmode"
                )))
            }
            "connect_timeout" => {
                let s: u64 = v.parse().map_err(|_| {
                    StoreError::Message(format!(
                        "--db: connect_timeout `{v}` is not a number of seconds"
                    ))
                })?;
                config.connect_timeout(Duration::from_secs(s.max(1)));
            }
            "application_name" => {
                config.application_name(v);
            }
            "options" => {
                config.options(v);
            }
            _ => {}
        }
    }
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let Some(pw) = target.password(&env) {
        config.password(pw);
    }
    let label = target.to_string();
    let client = config.connect(postgres::NoTls).map_err(|e| {
        let mut m = pg_error(&label, e).to_string();
        if m.contains("password") {
            m.push_str("; dun reads the password from PGPASSWORD or ~/.pgpass (PGPASSFILE)");
        }
        StoreError::Message(m)
    })?;
    let mut conn = Conn::Pg {
        client: Box::new(client),
        prepared: HashMap::new(),
        target: label.clone(),
    };
    upgrade(&mut conn, &label)?;
    Ok(conn)
}

/// Creates the tables, or brings them to this dun's version, under an
/// advisory lock so that workers starting together do it once.
fn upgrade(conn: &mut Conn, label: &str) -> Result<()> {
    conn.batch(label, "BEGIN")?;
    let done = (|| {
        conn.execute(
            label,
            "SELECT pg_advisory_xact_lock(?1)",
            super::ps![LOCK_SCHEMA],
        )?;
        conn.batch(
            label,
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )?;
        let current: u32 = match conn.query_opt(
            label,
            "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'schema_version'",
            super::ps![],
        )? {
            Some(mut r) => r.get(0)?,
            None => 0,
        };
        if current > SCHEMA_VERSION {
            return Err(StoreError::Message(format!(
                "the store `{label}` has tables of version {current}, written by a newer dun (this one writes version {SCHEMA_VERSION}); run it with that dun"
            )));
        }
        if current == 0 {
            let tables = conn.query(
                label,
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('instances', 'events', 'outbox')",
                super::ps![],
            )?;
            if !tables.is_empty() {
                return Err(StoreError::Message(format!(
                    "the database `{label}` has tables named like dun's (instances, events, outbox) but no dun schema version; give dun a database (or a schema, with `?options=-csearch_path%3DNAME`) of its own"
                )));
            }
        }
        for (version, sql) in STEPS {
            if *version > current {
                conn.batch(label, sql)?;
            }
        }
        conn.execute(
            label,
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            super::ps![SCHEMA_VERSION.to_string().as_str()],
        )?;
        Ok(())
    })();
    match done {
        Ok(()) => conn.batch(label, "COMMIT"),
        Err(e) => {
            let _ = conn.batch(label, "ROLLBACK");
            Err(e)
        }
    }
}
