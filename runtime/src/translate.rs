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
            ActionKind::Message {
                template,
                language,
                approved,
                ..
            } => {
                *template = sym(from, to, *template).ok_or_else(|| {
                    format!(
                        "a contact waiting in its queue uses template `{}`, which version {} does not have",
                        from.str(*template),
                        to.version
                    )
                })?;
                if let Some(l) = language {
                    *l = sym(from, to, *l).ok_or_else(|| {
                        format!(
                            "a contact waiting in its queue is in language `{}`, which version {} does not have",
                            from.str(*l),
                            to.version
                        )
                    })?;
                }
                if let Some(a) = approved {
                    let name = sym(from, to, a.name);
                    let code = sym(from, to, a.language);
                    let (Some(name), Some(code)) = (name, code) else {
                        return Err(format!(
                            "a contact waiting in its queue names WhatsApp template `{}` ({}), which version {} does not have",
                            from.str(a.name),
                            from.str(a.language),
                            to.version
                        ));
                    };
                    *a = crate::format::Approved {
                        name,
                        language: code,
                    };
                }
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
            ActionKind::RecallAgency { agency } => {
                *agency = sym(from, to, *agency).ok_or_else(|| {
                    format!(
                        "a recall from agency `{}` is waiting, and version {} places with no such agency",
                        from.str(*agency),
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
/// `to` (sliding or per calendar week) gets the latest contacts of every cap
/// of `from` that shares a channel with it, so no contact made before a move
/// is forgotten by a cap that counts it (a contact of another channel
/// counted by the same old cap may count too: the side that never breaks a
/// cap). A hold of `to` keeps the end of the hold of `from` with the same
/// starting and releasing events, so a move never ends a hold.
pub fn ledger(from: &Machine, to: &Machine, old: &[u32]) -> Vec<u32> {
    let counted = counted_slots(from);
    let mut out = Vec::new();
    let cap = |channels: crate::format::ChannelSet, n: usize, out: &mut Vec<u32>| {
        let mut times: Vec<u32> = counted
            .iter()
            .filter(|(c, _, _)| c.0 & channels.0 != 0)
            .flat_map(|(_, off, count)| old.get(*off..*off + *count).unwrap_or(&[]).iter().copied())
            .filter(|t| *t != 0)
            .collect();
        times.sort_unstable();
        times.dedup();
        let keep = &times[times.len().saturating_sub(n)..];
        // Oldest first, empty slots before them.
        out.extend(std::iter::repeat_n(0, n - keep.len()));
        out.extend_from_slice(keep);
    };
    for c in &to.policy.caps {
        cap(c.channels, c.count as usize, &mut out);
    }
    let holds_at: usize = from.policy.caps.iter().map(|c| c.count as usize).sum();
    let event = |m: &Machine, e: u16| m.events.get(e as usize).map(|d| m.str(d.name).to_string());
    for h in &to.policy.ext.holds {
        let same = from.policy.ext.holds.iter().position(|o| {
            event(from, o.event) == event(to, h.event)
                && event(from, o.release) == event(to, h.release)
        });
        out.push(
            same.and_then(|i| old.get(holds_at + i).copied())
                .unwrap_or(0),
        );
    }
    for c in &to.policy.ext.week_caps {
        cap(c.channels, c.count as usize, &mut out);
    }
    out
}

/// Every cap of a machine with its slots in the ledger: (channels, offset,
/// count), sliding caps first, then the caps per calendar week (after the
/// holds' slots).
fn counted_slots(m: &Machine) -> Vec<(crate::format::ChannelSet, usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    for c in &m.policy.caps {
        out.push((c.channels, at, c.count as usize));
        at += c.count as usize;
    }
    at += m.policy.ext.holds.len();
    for c in &m.policy.ext.week_caps {
        out.push((c.channels, at, c.count as usize));
        at += c.count as usize;
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

    #[test]
    fn a_move_keeps_a_hold_that_is_on_and_the_contacts_of_a_calendar_week() {
        use crate::format::{EventDef, Hold, WeekCap};
        let events = |m: &mut Machine, names: &[&str]| {
            for n in names {
                m.strings.push((*n).to_string());
                m.events.push(EventDef {
                    name: (m.strings.len() - 1) as u32,
                    fields: Vec::new(),
                });
            }
        };
        let hold = |event, release| Hold {
            channels: ChannelSet::CONTACT,
            event,
            release,
            longest: None,
            when: None,
        };
        let mut from = with_caps(&[(ChannelSet::CALLS, 1)]);
        events(&mut from, &["dispute", "dispute_resolved"]);
        from.policy.ext.holds.push(hold(0, 1));
        from.policy.ext.week_caps.push(WeekCap {
            channels: ChannelSet::CONTACT,
            count: 2,
        });
        // The new version declares its events in another order and adds a
        // hold of its own.
        let mut to = with_caps(&[]);
        events(
            &mut to,
            &["hardship", "hardship_ended", "dispute_resolved", "dispute"],
        );
        to.policy.ext.holds.push(hold(0, 1));
        to.policy.ext.holds.push(hold(3, 2));
        to.policy.ext.week_caps.push(WeekCap {
            channels: ChannelSet::MESSAGES,
            count: 2,
        });
        // calls cap: 100; hold on until minute 9000; week: 200 and 300.
        let old = [100, 9000, 200, 300];
        assert_eq!(ledger(&from, &to, &old), vec![0, 9000, 200, 300]);
    }
}
