//! An account's data and state read by one machine, rewritten for another
//! machine of the same flow: fields, event payloads and variables by name,
//! interned names by their text, the cap ledger cap by cap.
//!
//! Used when accounts move between machines: a wording edit (same states,
//! strings maybe numbered differently), a migration (states mapped by the
//! flow's `migrate` block) and a drain (the new version's rows read for an
//! account that stays on the old one).

use crate::engine::{ActionKind, Instance};
use crate::format::{Machine, Sym};
use crate::value::Value;
use dun_machine::Account;

/// The account's fields of machine `from` as machine `to` lays them out;
/// a field `to` has and `from` lacks is unset.
pub fn account(from: &Machine, to: &Machine, a: &Account) -> Account {
    if std::ptr::eq(from, to) {
        return a.clone();
    }
    let fields = to
        .account
        .iter()
        .map(|f| {
            from.account_field(to.str(f.name))
                .and_then(|i| a.fields.get(i as usize))
                .cloned()
                .unwrap_or(Value::Unset)
        })
        .collect();
    Account {
        id: a.id.clone(),
        fields,
    }
}

/// An event's index and payload of machine `from` in machine `to`, or
/// `None` when `to` has no event of that name.
pub fn event(
    from: &Machine,
    to: &Machine,
    event: u16,
    payload: &[Value],
) -> Option<(u16, Vec<Value>)> {
    if std::ptr::eq(from, to) {
        return Some((event, payload.to_vec()));
    }
    let def = from.events.get(event as usize)?;
    let name = from.str(def.name);
    let target = to.event_index(name)?;
    let tdef = to.events.get(target as usize)?;
    let values = tdef
        .fields
        .iter()
        .map(|f| {
            def.fields
                .iter()
                .position(|g| from.str(g.name) == to.str(f.name))
                .and_then(|i| payload.get(i))
                .cloned()
                .unwrap_or(Value::Unset)
        })
        .collect();
    Some((target, values))
}

/// A name of machine `from` as machine `to` interns it.
pub fn sym(from: &Machine, to: &Machine, s: Sym) -> Option<Sym> {
    to.sym(from.str(s))
}

/// Rewrites an instance of `from` for `to`, its state given by `state`
/// (the state in `to` of each state of `from`): interned names by text,
/// variables by name (others start unset, for the caller to initialise),
/// the cap ledger cap by cap (see [`ledger`]). Pauses and stops are per
/// channel and carry over as they are. An error names what `to` lacks.
pub fn instance(
    from: &Machine,
    to: &Machine,
    inst: &Instance,
    state: &dyn Fn(u32) -> Option<u32>,
) -> Result<Instance, String> {
    let mut out = inst.clone();
    out.state = state(inst.state).ok_or_else(|| {
        format!(
            "it waits at {}, which has no place in version {}",
            dun_machine::places::describe(from, inst.state),
            to.version
        )
    })?;
    if inst.outcome != 0 || inst.status == crate::engine::Status::Ended {
        out.outcome = sym(from, to, inst.outcome).unwrap_or(0);
    }
    out.vars = to
        .vars
        .iter()
        .map(|v| {
            from.var_index(to.str(v.name))
                .filter(|i| from.vars.get(*i as usize).is_some_and(|o| o.ty == v.ty))
                .and_then(|i| inst.vars.get(i as usize))
                .cloned()
                .unwrap_or(Value::Unset)
        })
        .collect();
    for q in &mut out.queue {
        q.state = state(q.state).ok_or_else(|| {
            format!(
                "a contact waiting in its queue was decided at {}, which has no place in version {}",
                dun_machine::places::describe(from, q.state),
                to.version
            )
        })?;
        match &mut q.kind {
            ActionKind::Send { template, .. } => {
                *template = sym(from, to, *template).ok_or_else(|| {
                    format!(
                        "a contact waiting in its queue uses template `{}`, which version {} does not have",
                        from.str(*template),
                        to.version
                    )
                })?;
            }
            ActionKind::Call { queue: Some(q), .. } => {
                *q = sym(from, to, *q).ok_or_else(|| {
                    format!(
                        "a call waiting in its queue names queue `{}`, which version {} does not have",
                        from.str(*q),
                        to.version
                    )
                })?;
            }
            _ => {}
        }
    }
    let ledger = ledger(from, to, inst.ledger());
    out.resize_ledger(ledger.len());
    out.ledger_mut().copy_from_slice(&ledger);
    Ok(out)
}

/// The cap ledger of machine `to` from the ledger of `from`: each cap of
/// `to` gets the latest contacts of every cap of `from` that shares a
/// channel with it, so no contact made before a move is forgotten by a cap
/// that counts it (a contact of another channel counted by the same old
/// cap may count too: the side that never breaks a cap).
pub fn ledger(from: &Machine, to: &Machine, old: &[u32]) -> Vec<u32> {
    let mut offsets = Vec::with_capacity(from.policy.caps.len());
    let mut at = 0usize;
    for c in &from.policy.caps {
        offsets.push(at);
        at += c.count as usize;
    }
    let mut out = Vec::new();
    for cap in &to.policy.caps {
        let mut times: Vec<u32> = from
            .policy
            .caps
            .iter()
            .zip(&offsets)
            .filter(|(c, _)| c.channels.0 & cap.channels.0 != 0)
            .flat_map(|(c, off)| {
                old.get(*off..*off + c.count as usize)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
            })
            .filter(|t| *t != 0)
            .collect();
        times.sort_unstable();
        times.dedup();
        let n = cap.count as usize;
        let keep = &times[times.len().saturating_sub(n)..];
        // Oldest first, empty slots before them.
        out.extend(std::iter::repeat_n(0, n - keep.len()));
        out.extend_from_slice(keep);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Cap, ChannelSet, DurationSpec, DurationUnit};

    fn with_caps(caps: &[(ChannelSet, u16)]) -> Machine {
        let mut m = Machine::default();
        for (channels, count) in caps {
            m.policy.caps.push(Cap {
                channels: *channels,
                count: *count,
                window: DurationSpec::new(7, DurationUnit::Days),
            });
        }
        m
    }

    #[test]
    fn a_cap_keeps_the_latest_contacts_of_the_caps_that_cover_it() {
        let sms = crate::format::Channel::Sms.bit();
        let from = with_caps(&[(ChannelSet::CALLS, 3), (ChannelSet::MESSAGES, 2)]);
        let to = with_caps(&[(sms, 1), (ChannelSet::CALLS, 4)]);
        let old = [0, 100, 200, 300, 400];
        // sms: covered by messages only; calls: its own three, a slot empty.
        assert_eq!(ledger(&from, &to, &old), vec![400, 0, 0, 100, 200]);
    }
}
