//! `dun migrate`: accounts in flight on earlier versions of a flow move to
//! the version given, as its `migrate from version N` block says.
//!
//! Every account of a run of `migrate` moves in one transaction, with an
//! audit line each: a process killed at any moment leaves every account on
//! its old machine or every account on the new one, and running again
//! moves only the accounts still on an old machine, so each moves once.

use super::db::ps;
use super::pins::short;
use super::{decode, decode_instance_of, encode, Result, Store, StoreError};
use crate::format::Machine;
use dun_machine::places::{self, describe};
use std::collections::BTreeMap;

/// Accounts per place of the old machine and place of the new one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MigrateSummary {
    /// (old version, old place, new place) → accounts.
    pub moves: BTreeMap<(u32, String, String), u64>,
    pub moved: u64,
}

impl Store {
    /// Moves (or, with `dry_run`, counts) every account in flight on an
    /// earlier version of `m`'s flow to `m`, at the moment `now` (new
    /// variables' initial values are computed then).
    pub fn migrate(
        &mut self,
        m: &Machine,
        dry_run: bool,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<MigrateSummary> {
        let fp = super::fingerprint(m);
        let mut olds: Vec<(String, Machine)> = Vec::new();
        for p in self.pinned()? {
            if p.flow != m.flow {
                return Err(StoreError::Message(format!(
                    "the store `{}` holds flow {}, not {}",
                    self.path.display(),
                    p.flow,
                    m.flow
                )));
            }
            if p.fingerprint == fp || p.in_flight == 0 {
                continue;
            }
            if p.version >= m.version {
                return Err(StoreError::Message(format!(
                    "{} accounts are in flight on machine {} of version {}; a migration moves accounts to a later version than theirs, and this is version {}",
                    p.in_flight,
                    short(&p.fingerprint),
                    p.version,
                    m.version
                )));
            }
            let Some(old) = self.machine(&p.fingerprint)? else {
                continue;
            };
            olds.push((p.fingerprint, old));
        }
        let mut plans = Vec::new();
        let mut problems = Vec::new();
        for (old_fp, old) in &olds {
            let Some(mig) = m
                .lifecycle
                .migrations
                .iter()
                .find(|g| g.from_version == old.version)
            else {
                problems.push(format!(
                    "accounts are in flight on version {}, and this flow has no `migrate from version {} {{ ... }}`",
                    old.version, old.version
                ));
                continue;
            };
            let plan = places::plan(old, m, mig);
            problems.extend(plan.unknown.iter().cloned());
            problems.extend(plan.unmapped.iter().map(|u| format!("unmapped place {u}")));
            plans.push((old_fp.clone(), old, plan));
        }
        if !problems.is_empty() {
            return Err(StoreError::Message(format!(
                "{}\nno account was moved",
                problems.join("\n")
            )));
        }
        let mut summary = MigrateSummary::default();
        self.begin(true)?;
        let moved = self.move_accounts(m, &fp, &plans, dry_run, now, &mut summary);
        match moved {
            Ok(()) if !dry_run => self.commit()?,
            Ok(()) => self.rollback(),
            Err(e) => {
                self.rollback();
                return Err(e);
            }
        }
        Ok(summary)
    }

    /// The moves of [`Store::migrate`], in the caller's transaction.
    fn move_accounts(
        &self,
        m: &Machine,
        fp: &str,
        plans: &[(String, &Machine, places::Plan)],
        dry_run: bool,
        now: chrono::DateTime<chrono::Utc>,
        summary: &mut MigrateSummary,
    ) -> Result<()> {
        if self.is_postgres() {
            self.exec(
                "SELECT pg_advisory_xact_lock(?1)",
                ps![super::pg::LOCK_ADMIT],
            )?;
        }
        self.exec(
            "INSERT INTO machines (fingerprint, flow, version, compiled, stored)
             VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(stored), 0) + 1 FROM machines))
             ON CONFLICT (fingerprint) DO NOTHING",
            ps![fp, m.flow.as_str(), m.version, &crate::format::encode(m)],
        )?;
        let mut moves: Vec<Move> = Vec::with_capacity(MOVES_PER_STATEMENT);
        for (old_fp, old, plan) in plans {
            let mut rows: Vec<(String, Vec<u8>, Vec<u8>, i64)> = Vec::new();
            for mut r in self.query(
                "SELECT account, data, state, clock FROM instances
                 WHERE machine = ?1 AND status IN ('active', 'not_started')",
                ps![old_fp],
            )? {
                rows.push((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
            }
            let map = |s: u32| plan.map.get(s as usize).copied().flatten();
            // The places in words, once per old state rather than once per
            // account (a million accounts wait in a few dozen places).
            let mut places: std::collections::HashMap<u32, (String, String)> =
                std::collections::HashMap::new();
            for (id, data, state, clock) in rows {
                let inst = decode_instance_of(&state, &id, old)?;
                let (from, to) = places
                    .entry(inst.state)
                    .or_insert_with(|| {
                        let to = map(inst.state);
                        (
                            describe(old, inst.state),
                            to.map(|t| describe(m, t)).unwrap_or_default(),
                        )
                    })
                    .clone();
                let key = (old.version, from, to);
                *summary.moves.entry(key.clone()).or_default() += 1;
                if dry_run {
                    continue;
                }
                let mut moved = crate::translate::instance(old, m, &inst, &map)
                    .map_err(|e| StoreError::Message(format!("account {id}: {e}")))?;
                let account: dun_machine::Account = decode(&data, "account")?;
                let account = crate::translate::account(old, m, &account);
                let at = now.timestamp().max(clock);
                let when = chrono::DateTime::from_timestamp(at, 0).unwrap_or(now);
                crate::engine::init_unset_vars(m, &mut moved, &account, when);
                if let Some(mig) = m
                    .lifecycle
                    .migrations
                    .iter()
                    .find(|g| g.from_version == old.version)
                {
                    crate::engine::set_migrated_vars(m, &mut moved, &account, &mig.vars, when);
                }
                let stage = super::batch::state_stage(m, moved.state).to_string();
                let message = format!(
                    "migrated from version {} ({}, machine {}) to version {} ({}, machine {})",
                    old.version,
                    key.1,
                    short(old_fp),
                    m.version,
                    key.2,
                    short(fp)
                );
                let entry = vec![(at, stage.as_str(), "migrated", message)];
                moves.push(Move {
                    state: encode(&moved)?,
                    data: encode(&account)?,
                    audit: encode(&entry)?,
                    account: id,
                    stage,
                });
                if moves.len() >= MOVES_PER_STATEMENT {
                    self.write_moves(fp, m.version, &mut moves)?;
                }
                summary.moved += 1;
            }
        }
        self.write_moves(fp, m.version, &mut moves)
    }

    /// Writes the accounts moved so far to the machine `fp` of `version`,
    /// each with its audit line, in the caller's transaction, and empties
    /// `moves`: on PostgreSQL two statements for them all (their rows as
    /// arrays), on SQLite, which has no round trips, a row at a time.
    fn write_moves(&self, fp: &str, version: u32, moves: &mut Vec<Move>) -> Result<()> {
        if moves.is_empty() {
            return Ok(());
        }
        if self.is_postgres() {
            let accounts: Vec<&str> = moves.iter().map(|v| v.account.as_str()).collect();
            let states: Vec<&[u8]> = moves.iter().map(|v| v.state.as_slice()).collect();
            let data: Vec<&[u8]> = moves.iter().map(|v| v.data.as_slice()).collect();
            let stages: Vec<&str> = moves.iter().map(|v| v.stage.as_str()).collect();
            let audits: Vec<&[u8]> = moves.iter().map(|v| v.audit.as_slice()).collect();
            let version = i64::from(version);
            self.pg_exec(
                "UPDATE instances AS i SET machine = ?1, version = ?2, state = u.s, data = u.d, stage = u.g
                 FROM unnest(?3::text[], ?4::bytea[], ?5::bytea[], ?6::text[]) AS u(a, s, d, g)
                 WHERE i.account = u.a",
                &[&fp, &version, &accounts, &states, &data, &stages],
            )?;
            self.pg_exec(
                "INSERT INTO audit_runs (account, entries)
                 SELECT a, e FROM unnest(?1::text[], ?2::bytea[]) WITH ORDINALITY AS u(a, e, i) ORDER BY i",
                &[&accounts, &audits],
            )?;
        } else {
            for v in moves.iter() {
                self.exec(
                    "UPDATE instances SET machine = ?2, version = ?3, state = ?4, data = ?5, stage = ?6
                     WHERE account = ?1",
                    ps![&v.account, fp, version, &v.state, &v.data, v.stage.as_str()],
                )?;
                self.exec(
                    "INSERT INTO audit_runs (account, entries) VALUES (?1, ?2)",
                    ps![&v.account, &v.audit],
                )?;
            }
        }
        moves.clear();
        Ok(())
    }
}

/// Accounts moved per pair of statements on PostgreSQL.
const MOVES_PER_STATEMENT: usize = 1000;

/// One account's move: its new state and row, its stage, its audit line.
struct Move {
    account: String,
    state: Vec<u8>,
    data: Vec<u8>,
    stage: String,
    audit: Vec<u8>,
}
