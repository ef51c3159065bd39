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
/// pinned, cycles counted) with the workers' tables; 3 adds the split arms
/// and the views for BI tools (docs/operations.md); 4 indexes accounts and
/// pending events in byte order, as workers read their ranges.
pub(crate) const SCHEMA_VERSION: u32 = 4;

/// The steps from an empty database to each version, in order; each runs
/// once, in the transaction that records its version.
const STEPS: &[(u32, &str)] = &[
    (
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
    ),
    (
        3,
        r"
CREATE TABLE splits (
    account TEXT NOT NULL,
    at      BIGINT NOT NULL,
    stage   TEXT NOT NULL,
    arm     TEXT NOT NULL
);
CREATE INDEX splits_account ON splits (account);
-- Accounts per flow version, stage, status and outcome.
CREATE VIEW dun_accounts_by_stage AS
SELECT flow, version, stage, status, outcome, count(*) AS accounts
FROM instances GROUP BY flow, version, stage, status, outcome;
-- One row per action exported or to export, as in the actions file.
CREATE VIEW dun_actions AS
SELECT o.seq, o.account, a.j->>'id' AS id, CAST(a.j->>'at' AS timestamptz) AS at,
       a.j->>'flow' AS flow, CAST(a.j->>'version' AS integer) AS version,
       a.j->>'stage' AS stage, a.j->>'type' AS type, a.j->>'channel' AS channel,
       a.j->>'template' AS template, a.j->>'queue' AS queue, a.j AS action
FROM outbox o
CROSS JOIN LATERAL (
    SELECT CAST(line AS jsonb) AS j FROM regexp_split_to_table(o.body, E'
') AS line
) a;
-- Actions per day (UTC), type and channel (null for calls and other
-- actions without one).
CREATE VIEW dun_actions_per_day AS
SELECT CAST(date_trunc('day', at AT TIME ZONE 'UTC') AS date) AS day, type, channel, count(*) AS actions
FROM dun_actions GROUP BY 1, 2, 3;
-- The events an account's steps have taken in, per account: promises
-- (events of type promise_to_pay), payments (type payment) and the
-- amount paid (a payment's first field).
CREATE VIEW dun_account_events AS
SELECT account,
       count(*) FILTER (WHERE type = 'promise_to_pay') AS promises,
       count(*) FILTER (WHERE type = 'payment') AS payments,
       coalesce(sum(CASE WHEN type = 'payment' AND split_part(content, chr(31), 4) ~ '^-?[0-9]+(\.[0-9]+)?$'
                         THEN CAST(split_part(content, chr(31), 4) AS numeric) END), 0) AS recovered
FROM events WHERE processed = 1 GROUP BY account;
-- Per arm of each split: the accounts that fell in it, their promises,
-- payments and amount recovered.
CREATE VIEW dun_split_arms AS
SELECT s.stage AS split, s.arm, count(*) AS accounts,
       CAST(coalesce(sum(e.promises), 0) AS BIGINT) AS promises,
       CAST(coalesce(sum(e.payments), 0) AS BIGINT) AS payments,
       coalesce(sum(e.recovered), 0) AS recovered
FROM (SELECT DISTINCT account, stage, arm FROM splits) s
LEFT JOIN dun_account_events e ON e.account = s.account
GROUP BY s.stage, s.arm;
",
    ),
    (
        4,
        r#"
-- A worker reads its range of accounts and their pending events in byte
-- order (`COLLATE "C"`, the same on every server whatever its locale). An
-- index of the database's own collation cannot serve that order, and
-- each range read the whole table.
CREATE INDEX instances_account_c ON instances (account COLLATE "C");
CREATE INDEX events_pending_c ON events (account COLLATE "C", at) WHERE processed = 0;
"#,
    ),
];

/// A key for PostgreSQL's advisory locks that no other program is likely to
/// take: "dun" and a purpose.
pub(crate) const LOCK_SCHEMA: i64 = 0x6475_6e00_0000_0001;
pub(crate) const LOCK_ADMIT: i64 = 0x6475_6e00_0000_0002;
pub(crate) const LOCK_BATCH: i64 = 0x6475_6e00_0000_0003;

/// The first half of the advisory lock that orders the outbox's writers
/// and its readers' cursor (see [`super::Store::settled`]); the second
/// half is the store's schema, hashed, as for `pg_lease`'s keys.
pub(crate) const LOCK_OUTBOX: i32 = 0x6475_6e25;

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
        trips: 0,
    };
    upgrade(&mut conn, &label)?;
    // The outbox's action lines and the audit trails are mostly over the
    // 2 kB at which PostgreSQL compresses a value; its default, pglz, took
    // about a quarter of the server's CPU in a batch (perf, consumer cards,
    // docs/performance.md). LZ4 compresses several times faster; a server
    // built without it (or older than 14) keeps its default. Stored values
    // of either kind read the same.
    conn.execute(
        &label,
        "SELECT set_config('default_toast_compression', 'lz4', false) FROM pg_settings
         WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
        super::ps![],
    )?;
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
