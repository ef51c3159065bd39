//! Contacts no window ever lets go: the channel's hours name only days that
//! `no_contact on DAY` closes (`contact_hours calls sat 09:00 to 15:00` with
//! `no_contact on saturday`). The runtime suppresses every such contact
//! ("no moment within a year allows it"), so the flow's plan for the
//! channel is dead whatever the account does.

use super::paths::Reach;
use super::render::span;
use super::{Context, NEVER_OPEN};
use crate::diagnostics::Diagnostic;
use dun_machine::format::{Channel, Machine};
use std::collections::BTreeSet;

/// The weekdays (Monday = bit 0) on which some moment allows `channel`.
fn open_days(m: &Machine, channel: Channel) -> u8 {
    let days = match m.policy.ext.window_for(channel) {
        Some(w) => w
            .days
            .iter()
            .enumerate()
            .filter(|(_, h)| h.is_some())
            .fold(0u8, |bits, (d, _)| bits | (1 << d)),
        None => 0x7f,
    };
    days & !m.policy.closed_weekdays & 0x7f
}

pub fn check(cx: &Context<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
    if cx.m.policy.ext.windows.is_empty() {
        return;
    }
    let g = cx.g;
    let mut reported = BTreeSet::new();
    for v in 0..g.len() {
        if !reach.seen[v] {
            continue;
        }
        for e in g.out(v as super::graph::Node) {
            for c in g.contacts(e) {
                if open_days(cx.m, c.channel) != 0 || !reported.insert((c.span.start, c.span.end)) {
                    continue;
                }
                let mut d = Diagnostic::error(
                    NEVER_OPEN,
                    format!(
                        "this {} never goes: no day of the week is open for it",
                        c.channel.name()
                    ),
                    span(c.span),
                )
                .with_label("suppressed on every run")
                .with_help(
                    "the channel's `contact_hours` name only days that `no_contact on` closes; \
                     open a day for it (`contact_hours calls mon-fri 09:00 to 19:00`) or drop \
                     the `no_contact` day",
                );
                if let Some(at) = cx.window_span(c.channel) {
                    d = d.with_secondary(at, "the hours of this channel");
                }
                out.push(d);
            }
        }
    }
}
