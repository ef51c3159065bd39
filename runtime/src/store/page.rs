//! The rows a transaction's accounts write, held until the transaction
//! ends and then written together: on PostgreSQL one statement per table
//! for the whole page (its rows as arrays, `unnest`ed), so that a page of
//! a thousand accounts costs five round trips rather than four per
//! account; on SQLite, which runs in this process and has no round trip,
//! row by row with the same statements as ever. Either way the rows go in
//! the caller's transaction, so a kill still leaves every account of the
//! page before or after its steps.

use super::db::ps;
use super::{Result, Store};

/// An account's new row of `instances`.
pub(crate) struct InstanceRow {
    pub account: String,
    pub flow: String,
    pub version: i64,
    pub data: Vec<u8>,
    pub state: Vec<u8>,
    pub clock: i64,
    pub enrolled: i64,
    pub stage: String,
    pub status: &'static str,
    pub outcome: Option<String>,
    pub machine: String,
    pub cycle: i64,
}

/// The rows of one transaction, in the order they were given.
#[derive(Default)]
pub(crate) struct Page {
    /// Events the page's steps took in, by id.
    pub processed: Vec<String>,
    /// Account, at, stage, arm.
    pub splits: Vec<(String, i64, String, String)>,
    /// Account, number of actions, their lines.
    pub outbox: Vec<(String, i64, String)>,
    /// Account, encoded audit entries.
    pub audit: Vec<(String, Vec<u8>)>,
    pub instances: Vec<InstanceRow>,
}

impl Page {
    /// Writes the page's rows in the transaction under way and empties it.
    pub(crate) fn flush(&mut self, store: &Store) -> Result<()> {
        if store.is_postgres() {
            self.flush_pg(store)?;
        } else {
            self.flush_rows(store)?;
        }
        *self = Page::default();
        Ok(())
    }

    fn flush_rows(&self, store: &Store) -> Result<()> {
        for id in &self.processed {
            store.exec("UPDATE events SET processed = 1 WHERE id = ?1", ps![id])?;
        }
        for (account, at, stage, arm) in &self.splits {
            store.exec(
                "INSERT INTO splits (account, at, stage, arm) VALUES (?1, ?2, ?3, ?4)",
                ps![account, *at, stage, arm],
            )?;
        }
        for (account, actions, body) in &self.outbox {
            store.exec(
                "INSERT INTO outbox (account, actions, body) VALUES (?1, ?2, ?3)",
                ps![account, *actions, body],
            )?;
        }
        for (account, entries) in &self.audit {
            store.exec(
                "INSERT INTO audit_runs (account, entries) VALUES (?1, ?2)",
                ps![account, entries],
            )?;
        }
        for r in &self.instances {
            store.exec(
                "INSERT INTO instances (account, flow, version, data, state, clock, enrolled, stage, status, outcome, machine, cycle)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (account) DO UPDATE SET data = excluded.data, state = excluded.state,
                   clock = excluded.clock, stage = excluded.stage, status = excluded.status, outcome = excluded.outcome,
                   machine = excluded.machine, cycle = excluded.cycle",
                ps![
                    &r.account,
                    &r.flow,
                    r.version,
                    &r.data,
                    &r.state,
                    r.clock,
                    r.enrolled,
                    &r.stage,
                    r.status,
                    r.outcome.as_deref(),
                    &r.machine,
                    r.cycle
                ],
            )?;
        }
        Ok(())
    }

    /// One statement per table. Outbox and audit rows keep the page's
    /// order in their sequence numbers (`WITH ORDINALITY`), as row by row.
    fn flush_pg(&self, store: &Store) -> Result<()> {
        fn strs<T>(rows: &[T], f: impl Fn(&T) -> &str) -> Vec<&str> {
            rows.iter().map(f).collect()
        }
        if !self.processed.is_empty() {
            let ids = strs(&self.processed, String::as_str);
            store.pg_exec(
                "UPDATE events SET processed = 1 WHERE id = ANY(?1::text[])",
                &[&ids],
            )?;
        }
        if !self.splits.is_empty() {
            let s = &self.splits;
            let accounts = strs(s, |r| r.0.as_str());
            let ats: Vec<i64> = s.iter().map(|r| r.1).collect();
            let stages = strs(s, |r| r.2.as_str());
            let arms = strs(s, |r| r.3.as_str());
            store.pg_exec(
                "INSERT INTO splits (account, at, stage, arm)
                 SELECT a, t, s, r FROM unnest(?1::text[], ?2::bigint[], ?3::text[], ?4::text[]) AS u(a, t, s, r)",
                &[&accounts, &ats, &stages, &arms],
            )?;
        }
        if !self.outbox.is_empty() {
            // Before the rows take their sequence numbers, and held to the
            // commit: a reader's cursor waits for this transaction to end
            // (see `Store::settled`).
            store.exec(
                "SELECT pg_advisory_xact_lock_shared(?1, hashtext(current_schema()))",
                ps![i64::from(super::pg::LOCK_OUTBOX)],
            )?;
            let o = &self.outbox;
            let accounts = strs(o, |r| r.0.as_str());
            let actions: Vec<i64> = o.iter().map(|r| r.1).collect();
            let bodies = strs(o, |r| r.2.as_str());
            store.pg_exec(
                "INSERT INTO outbox (account, actions, body)
                 SELECT a, n, b FROM unnest(?1::text[], ?2::bigint[], ?3::text[]) WITH ORDINALITY AS u(a, n, b, i) ORDER BY i",
                &[&accounts, &actions, &bodies],
            )?;
        }
        if !self.audit.is_empty() {
            let accounts = strs(&self.audit, |r| r.0.as_str());
            let entries: Vec<&[u8]> = self.audit.iter().map(|r| r.1.as_slice()).collect();
            store.pg_exec(
                "INSERT INTO audit_runs (account, entries)
                 SELECT a, e FROM unnest(?1::text[], ?2::bytea[]) WITH ORDINALITY AS u(a, e, i) ORDER BY i",
                &[&accounts, &entries],
            )?;
        }
        if !self.instances.is_empty() {
            let r = &self.instances;
            let accounts = strs(r, |r| r.account.as_str());
            let flows = strs(r, |r| r.flow.as_str());
            let versions: Vec<i64> = r.iter().map(|r| r.version).collect();
            let data: Vec<&[u8]> = r.iter().map(|r| r.data.as_slice()).collect();
            let states: Vec<&[u8]> = r.iter().map(|r| r.state.as_slice()).collect();
            let clocks: Vec<i64> = r.iter().map(|r| r.clock).collect();
            let enrolled: Vec<i64> = r.iter().map(|r| r.enrolled).collect();
            let stages = strs(r, |r| r.stage.as_str());
            let statuses: Vec<&str> = r.iter().map(|r| r.status).collect();
            let outcomes: Vec<Option<&str>> = r.iter().map(|r| r.outcome.as_deref()).collect();
            let machines = strs(r, |r| r.machine.as_str());
            let cycles: Vec<i64> = r.iter().map(|r| r.cycle).collect();
            store.pg_exec(
                "INSERT INTO instances (account, flow, version, data, state, clock, enrolled, stage, status, outcome, machine, cycle)
                 SELECT * FROM unnest(?1::text[], ?2::text[], ?3::bigint[], ?4::bytea[], ?5::bytea[], ?6::bigint[],
                                      ?7::bigint[], ?8::text[], ?9::text[], ?10::text[], ?11::text[], ?12::bigint[])
                 ON CONFLICT (account) DO UPDATE SET data = excluded.data, state = excluded.state,
                   clock = excluded.clock, stage = excluded.stage, status = excluded.status, outcome = excluded.outcome,
                   machine = excluded.machine, cycle = excluded.cycle",
                &[
                    &accounts, &flows, &versions, &data, &states, &clocks, &enrolled, &stages,
                    &statuses, &outcomes, &machines, &cycles,
                ],
            )?;
        }
        Ok(())
    }
}
