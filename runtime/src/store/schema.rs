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
    outcome  TEXT
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
CREATE TABLE IF NOT EXISTS outbox (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    -- the action id; not an index: each account's steps commit at once,
    -- so an id cannot be written twice, and a random-key index would
    -- cost every insert a random page.
    id       TEXT NOT NULL,
    account  TEXT NOT NULL,
    at       INTEGER NOT NULL,
    body     TEXT NOT NULL      -- the exported JSON line
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
";
