//! The machines a store's accounts ran on. Every compiled machine that
//! stepped an account is kept, by its fingerprint (SHA-256 of its compiled
//! form, the bytes of its `.dunc`), and every account names the fingerprint
//! it is on, so an account is always read and stepped with its own machine.
//!
//! [`Store::admit`] decides, before anything is stored or stepped, whether
//! a machine may run over the store: the same machine, or one that differs
//! only where no account in flight can tell (template wording, layout), or
//! a new version whose old accounts are drained or migrated.

use super::db::ps;
use super::{decode_instance_of, encode, Result, Store, StoreError};
use crate::change::{compare, Change};
use crate::format::Machine;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// SHA-256 of the machine's compiled form, in hex.
pub fn fingerprint(m: &Machine) -> String {
    let digest = Sha256::digest(crate::format::encode(m));
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// A fingerprint as messages show it.
pub fn short(fp: &str) -> &str {
    fp.get(..12).unwrap_or(fp)
}

/// The machines a run steps accounts with: the one given first, then the
/// machines of the accounts a drain leaves on an earlier version.
pub struct Admission {
    pub machines: Vec<(String, Machine)>,
    /// What was accepted and why (a wording edit, accounts pinned).
    pub notes: Vec<String>,
}

/// A machine kept in the store, with its accounts.
#[derive(Clone, Debug, PartialEq)]
pub struct PinnedMachine {
    pub fingerprint: String,
    pub flow: String,
    pub version: u32,
    pub accounts: u64,
    pub in_flight: u64,
}

/// Accounts per flow, version and machine (`None`: stored before machines
/// were kept), and how many of them are in flight.
struct Group {
    flow: String,
    version: u32,
    machine: Option<String>,
    accounts: u64,
    in_flight: u64,
}

impl Store {
    fn groups(&self) -> Result<Vec<Group>> {
        self.query(
            "SELECT flow, version, machine, count(*), CAST(sum(CASE WHEN status IN ('active', 'not_started') THEN 1 ELSE 0 END) AS BIGINT)
             FROM instances GROUP BY flow, version, machine ORDER BY flow, version, machine",
            ps![],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(Group {
                flow: r.get(0)?,
                version: r.get(1)?,
                machine: r.get(2)?,
                accounts: r.get(3)?,
                in_flight: r.get::<Option<u64>>(4)?.unwrap_or(0),
            })
        })
        .collect()
    }

    /// Every machine kept, with its accounts, oldest version first.
    pub fn pinned(&self) -> Result<Vec<PinnedMachine>> {
        self.query(
            "SELECT m.fingerprint, m.flow, m.version, count(i.account), CAST(coalesce(sum(CASE WHEN i.status IN ('active', 'not_started') THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM machines m LEFT JOIN instances i ON i.machine = m.fingerprint
             GROUP BY m.fingerprint ORDER BY m.flow, m.version, m.stored",
            ps![],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(PinnedMachine {
                fingerprint: r.get(0)?,
                flow: r.get(1)?,
                version: r.get(2)?,
                accounts: r.get(3)?,
                in_flight: r.get(4)?,
            })
        })
        .collect()
    }

    /// The machine kept under a fingerprint.
    pub fn machine(&self, fp: &str) -> Result<Option<Machine>> {
        let bytes: Option<Vec<u8>> = self
            .query_opt(
                "SELECT compiled FROM machines WHERE fingerprint = ?1",
                ps![fp],
            )?
            .map(|mut r| r.get(0))
            .transpose()?;
        bytes
            .map(|b| {
                crate::format::decode(&b).map_err(|e| {
                    StoreError::Message(format!(
                        "the machine {} kept in the store cannot be read: {e}",
                        short(fp)
                    ))
                })
            })
            .transpose()
    }

    /// The machine of each version of `flow` kept in the store, the latest
    /// kept first for each version.
    pub fn machine_of_version(
        &self,
        flow: &str,
        version: u32,
    ) -> Result<Option<(String, Machine)>> {
        let fp: Option<String> = self
            .query_opt(
                "SELECT fingerprint FROM machines WHERE flow = ?1 AND version = ?2 ORDER BY stored DESC, rowid DESC LIMIT 1",
                ps![flow, version],
            )?
            .map(|mut r| r.get(0))
            .transpose()?;
        let Some(fp) = fp else { return Ok(None) };
        Ok(self.machine(&fp)?.map(|m| (fp, m)))
    }

    /// Decides whether `m` may run over this store, before anything is
    /// stored or stepped; see the module's documentation. With `drain`,
    /// accounts in flight on an earlier version stay on their machine.
    pub fn admit(&mut self, m: &Machine, drain: bool) -> Result<Admission> {
        let fp = fingerprint(m);
        let groups = self.groups()?;
        let mut notes = Vec::new();
        let others: Vec<&Group> = groups.iter().filter(|g| g.flow != m.flow).collect();
        if !others.is_empty() {
            let held: Vec<String> = others
                .iter()
                .map(|g| {
                    format!(
                        "{} accounts of flow {} version {}",
                        g.accounts, g.flow, g.version
                    )
                })
                .collect();
            return Err(StoreError::Message(format!(
                "the store `{}` holds {}, but this is flow {}; a store holds one flow: give this flow a store of its own",
                self.path.display(),
                held.join(" and "),
                m.flow
            )));
        }
        let mut problems = Vec::new();
        let mut drained: BTreeMap<String, Machine> = BTreeMap::new();
        let mut repin: Vec<(String, Machine, Vec<String>)> = Vec::new();
        let mut unpinned = 0u64;
        for g in &groups {
            let Some(pinned) = &g.machine else {
                if g.version == m.version {
                    unpinned += g.accounts;
                } else {
                    problems.push(format!(
                        "{} accounts of version {} were stored by a dun that did not keep the machine they ran on; run version {} once over this store (it keeps its machine), then change the flow",
                        g.accounts, g.version, g.version
                    ));
                }
                continue;
            };
            if *pinned == fp {
                continue;
            }
            let Some(old) = self.machine(pinned)? else {
                return Err(StoreError::Message(format!(
                    "{} accounts are on machine {}, which the store does not hold; the store is damaged",
                    g.accounts,
                    short(pinned)
                )));
            };
            if g.version == m.version {
                match compare(&old, m) {
                    Change::Same | Change::Harmless(_)
                        if repin.iter().any(|(f, _, _)| f == pinned) => {}
                    Change::Same => repin.push((pinned.clone(), old, vec![])),
                    Change::Harmless(what) => repin.push((pinned.clone(), old, what)),
                    Change::Structural(what) => {
                        problems.push(structural(m, g, pinned, &what));
                    }
                }
            } else if g.in_flight == 0 {
                // Ended accounts stay on the machine they ended on.
            } else if drain {
                drained.insert(pinned.clone(), old);
            } else {
                let migrates = m
                    .lifecycle
                    .migrations
                    .iter()
                    .any(|mig| mig.from_version == g.version);
                problems.push(format!(
                    "{} accounts are in flight on flow {} version {}, and this is version {}. Either move them: {}; or run with `--drain`: they finish on version {} while new accounts enter version {}",
                    g.in_flight,
                    m.flow,
                    g.version,
                    m.version,
                    if migrates {
                        format!("`dun migrate --db {} FLOW` moves them as this version's `migrate from version {}` says", self.path.display(), g.version)
                    } else {
                        format!("add `migrate from version {} {{ ... }}` to this version, check it with `dun check FLOW --from-db {}`, and run `dun migrate --db {} FLOW`", g.version, self.path.display(), self.path.display())
                    },
                    g.version,
                    m.version
                ));
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Message(format!(
                "{}\nnothing was stored or stepped",
                problems.join("\n")
            )));
        }
        self.transaction(true, || {
            if self.is_postgres() {
                // Workers starting together keep a machine once, each
                // numbered after the ones before it.
                self.exec(
                    "SELECT pg_advisory_xact_lock(?1)",
                    ps![super::pg::LOCK_ADMIT],
                )?;
            }
            self.exec(
                "INSERT INTO machines (fingerprint, flow, version, compiled, stored)
                 VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(stored), 0) + 1 FROM machines))
                 ON CONFLICT (fingerprint) DO NOTHING",
                ps![fp.as_str(), m.flow.as_str(), m.version, &crate::format::encode(m)],
            )?;
            if unpinned > 0 {
                self.exec(
                    "UPDATE instances SET machine = ?1 WHERE machine IS NULL",
                    ps![fp.as_str()],
                )?;
                notes.push(format!(
                    "{unpinned} accounts stored before dun kept machines are now on this machine ({})",
                    short(&fp)
                ));
            }
            for (old_fp, old, what) in &repin {
                let n = repin_accounts(self, old_fp, old, &fp, m, what)?;
                notes.push(format!(
                    "accepted: this machine ({}) differs from the one {n} accounts ran on ({}) only in {}, which cannot matter to an account in flight; they continue on this one",
                    short(&fp),
                    short(old_fp),
                    if what.is_empty() { "its encoding".to_string() } else { what.join(" and ") }
                ));
            }
            Ok(())
        })?;
        let mut machines = vec![(fp, m.clone())];
        for (f, d) in drained {
            notes.push(format!(
                "draining: accounts in flight on version {} ({}) finish on it; new accounts enter version {}",
                d.version,
                short(&f),
                m.version
            ));
            machines.push((f, d));
        }
        Ok(Admission { machines, notes })
    }
}

fn structural(m: &Machine, g: &Group, pinned: &str, what: &[String]) -> String {
    let mut s = format!(
        "flow {} version {} has changed since its {} accounts ({} in flight) ran on it (machine {}, kept in the store; this one is {}):",
        m.flow,
        m.version,
        g.accounts,
        g.in_flight,
        short(pinned),
        short(&fingerprint(m))
    );
    for w in what {
        let _ = write!(s, "\n  - {w}");
    }
    let next = m.version + 1;
    let _ = write!(
        s,
        "\nan account's place is a position in the machine it ran on, so a changed machine cannot take the same version. Two ways out:\n  - raise the version (`flow {} version {next}`) and add `migrate from version {} {{ ... }}` saying where each place goes; `dun check FLOW --from-db STORE` checks it and `dun migrate --db STORE FLOW` moves the accounts; or\n  - raise the version and run with `--drain`: accounts in flight finish on version {}, new accounts enter version {next}",
        m.flow, m.version, m.version
    );
    s
}

/// Moves the accounts of machine `old_fp` to `fp`, whose states are the
/// same (a harmless change): names re-interned, one audit line each. Runs
/// in the caller's transaction.
fn repin_accounts(
    store: &Store,
    old_fp: &str,
    old: &Machine,
    fp: &str,
    m: &Machine,
    what: &[String],
) -> Result<u64> {
    let mut rows: Vec<(String, Vec<u8>, Vec<u8>, i64)> = Vec::new();
    for mut r in store.query(
        "SELECT account, data, state, clock FROM instances WHERE machine = ?1",
        ps![old_fp],
    )? {
        rows.push((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
    }
    let message = format!(
        "continues on machine {} of version {}: {}",
        short(fp),
        m.version,
        if what.is_empty() {
            "the same steps".to_string()
        } else {
            what.join(" and ")
        }
    );
    for (id, data, state, clock) in &rows {
        let inst = decode_instance_of(state, id, old)?;
        let inst = crate::translate::instance(old, m, &inst, &|s| Some(s))
            .map_err(|e| StoreError::Message(format!("account {id}: {e}")))?;
        let account: dun_machine::Account = super::decode(data, "account")?;
        let account = crate::translate::account(old, m, &account);
        let stage = super::batch::state_stage(m, inst.state).to_string();
        store.exec(
            "UPDATE instances SET machine = ?2, state = ?3, data = ?4 WHERE account = ?1",
            ps![id, fp, &encode(&inst)?, &encode(&account)?],
        )?;
        let entry = vec![(*clock, stage, "machine".to_string(), message.clone())];
        store.exec(
            "INSERT INTO audit_runs (account, entries) VALUES (?1, ?2)",
            ps![id, &encode(&entry)?],
        )?;
    }
    Ok(rows.len() as u64)
}
