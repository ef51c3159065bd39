//! The tables of a store. `CREATE ... IF NOT EXISTS` makes opening an
//! existing store harmless.

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS instances (
    account  TEXT PRIMARY KEY,
    flow     TEXT NOT NULL,
    version  INTEGER NOT NULL,
    data     BLOB NOT NULL,     -- the account's fields (postcard)
    state    BLOB NOT NULL,     -- the engine's instance (postcard)
    clock    INTEGER NOT NULL,  -- seconds since 1970 UTC up to which it has run
    enrolled INTEGER NOT NULL,
    stage    TEXT NOT NULL,
    status   TEXT NOT NULL,
    outcome  TEXT,
    machine  TEXT,              -- the fingerprint of the machine it is on
    cycle    INTEGER NOT NULL DEFAULT 1  -- its cycle through the flow (re-entry)
);
-- Every compiled machine that stepped an account, by fingerprint (SHA-256
-- of its `.dunc` bytes), so an account is always read with its own.
CREATE TABLE IF NOT EXISTS machines (
    fingerprint TEXT PRIMARY KEY,
    flow        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    compiled    BLOB NOT NULL,  -- the `.dunc` bytes
    stored      INTEGER NOT NULL -- 1, 2, ...: the order machines were kept in
);
-- What the store's tables are: `schema_version`, raised by `migrate`.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id        TEXT PRIMARY KEY,
    account   TEXT NOT NULL,
    type      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    content   TEXT NOT NULL,    -- canonical content, to tell a repeat from a clash
    payload   BLOB NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_pending ON events (account, at) WHERE processed = 0;
CREATE INDEX IF NOT EXISTS events_account ON events (account, at);
-- One row per account per run: that run's actions, as exported (JSON
-- Lines, one action a line, no newline at the end), oldest first. A row
-- per action made the outbox most of a run's inserts; the action id is in
-- each line, so no column repeats it.
CREATE TABLE IF NOT EXISTS outbox (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    account  TEXT NOT NULL,
    actions  INTEGER NOT NULL,  -- the lines in `body`
    body     TEXT NOT NULL
);
-- Rows up to `exported` have been exported: outbox rows are only ever
-- appended, in `seq` order, so one number marks them all.
CREATE TABLE IF NOT EXISTS export (
    one      INTEGER PRIMARY KEY CHECK (one = 1),
    exported INTEGER NOT NULL
);
INSERT OR IGNORE INTO export (one, exported) VALUES (1, 0);
CREATE INDEX IF NOT EXISTS outbox_account ON outbox (account, seq);
-- The audit trail: one row per account per run, holding that run's
-- entries (postcard: at, stage, kind, message), oldest first. A row per
-- entry made the audit the largest share of a run's inserts.
CREATE TABLE IF NOT EXISTS audit_runs (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    entries BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_runs_account ON audit_runs (account, seq);
-- The arm of a `split` each account fell in, for reports by arm.
CREATE TABLE IF NOT EXISTS splits (
    account TEXT NOT NULL,
    at      INTEGER NOT NULL,
    stage   TEXT NOT NULL,      -- the stage holding the split
    arm     TEXT NOT NULL       -- the stage of the arm taken
);
CREATE INDEX IF NOT EXISTS splits_account ON splits (account);
";

/// Indexes on columns a store of schema version 1 lacks until `migrate`.
pub(crate) const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS instances_machine ON instances (machine);
";

/// The tables' version this dun writes, kept in `meta` as
/// `schema_version`: 1 had no machines, 2 pins each account to its machine
/// and counts its cycles.
pub(crate) const SCHEMA_VERSION: u32 = 2;

/// Brings a store written by an earlier dun to the current tables. Each
/// step runs once, in a transaction that re-checks under the write lock,
/// so two runs opening the same old store do not both migrate it.
pub(crate) fn migrate(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    outbox(conn)?;
    pins(conn)
}

/// The current schema version, `None` for a store from before `meta`.
pub(crate) fn version(conn: &rusqlite::Connection) -> rusqlite::Result<Option<u32>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'",
        [],
        |r| r.get(0),
    )
    .optional()
}

/// Version 2: `instances.machine` and `instances.cycle`.
fn pins(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let missing = |conn: &rusqlite::Connection| {
        conn.query_row(
            "SELECT count(*) = 0 FROM pragma_table_info('instances') WHERE name = 'machine'",
            [],
            |r| r.get::<_, bool>(0),
        )
    };
    if !missing(conn)? && version(conn)? == Some(SCHEMA_VERSION) {
        return Ok(());
    }
    if version(conn)?.is_some_and(|v| v > SCHEMA_VERSION) {
        // A newer dun's store: its tables are left as they are.
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let done = (|| {
        if missing(conn)? {
            conn.execute_batch(
                "ALTER TABLE instances ADD COLUMN machine TEXT;
                 ALTER TABLE instances ADD COLUMN cycle INTEGER NOT NULL DEFAULT 1;",
            )?;
        }
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SCHEMA_VERSION.to_string()],
        )?;
        conn.execute_batch("COMMIT")
    })();
    if done.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    done
}

/// Outbox rows grouped per account and run.
fn outbox(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let outbox_per_action = |conn: &rusqlite::Connection| {
        conn.query_row(
            "SELECT count(*) > 0 FROM pragma_table_info('outbox') WHERE name = 'id'",
            [],
            |r| r.get::<_, bool>(0),
        )
    };
    if !outbox_per_action(conn)? {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let done = (|| {
        if outbox_per_action(conn)? {
            // Each old row holds one action: one line, so `actions` is 1.
            conn.execute_batch(
                "ALTER TABLE outbox DROP COLUMN id;
                 ALTER TABLE outbox DROP COLUMN at;
                 ALTER TABLE outbox ADD COLUMN actions INTEGER NOT NULL DEFAULT 1;",
            )?;
        }
        conn.execute_batch("COMMIT")
    })();
    if done.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    done
}
