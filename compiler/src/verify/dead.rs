//! Dead contacts: with `stop CHANNELS on EVENT` (no `when`), a contact that
//! every run reaches only through a handler of EVENT never goes: the event
//! has stopped its channel by then.

use super::graph::Via;
use super::paths::Reach;
use super::render::span;
use super::{Context, DEAD_CONTACT};
use crate::diagnostics::Diagnostic;
use std::collections::BTreeSet;

pub fn check(cx: &Context<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
    let g = cx.g;
    let mut reported = BTreeSet::new();
    for (i, stop) in cx.m.policy.stops.iter().enumerate() {
        if stop.when.is_some() {
            continue;
        }
        let event = stop.event;
        let is_stop_event = |via: Via| matches!(via, Via::Event { event: e, .. } if e == event);
        let without = Reach::from(g, &[g.start], |e| !is_stop_event(e.via));
        for v in 0..g.len() {
            if !reach.seen[v] {
                continue;
            }
            for e in g.out(v as super::graph::Node) {
                if without.seen[v] && !is_stop_event(e.via) {
                    continue;
                }
                for c in g
                    .contacts(e)
                    .iter()
                    .filter(|c| stop.channels.contains(c.channel))
                {
                    if !reported.insert((c.span.start, c.span.end)) {
                        continue;
                    }
                    let name = cx.event_name(event);
                    out.push(
                        Diagnostic::warning(
                            DEAD_CONTACT,
                            format!(
                                "this {} never goes: every way here follows `{name}`, which stops it",
                                c.channel.name()
                            ),
                            span(c.span),
                        )
                        .with_label("suppressed on every run")
                        .with_secondary(
                            cx.stop_span(i),
                            format!("stops {} once `{name}` arrives", stop.channels.describe()),
                        )
                        .with_help(
                            "delete the step, or use a channel the stop leaves open; the \
                             runtime suppresses it and writes why to the audit log",
                        ),
                    );
                }
            }
        }
    }
}
