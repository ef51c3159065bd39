//! `pause CHANNELS after EVENT until RELEASE [for at most D]`: a contact
//! the flow itself plans after EVENT, before the run has taken RELEASE.
//!
//! The verifier cannot know when RELEASE arrives, so the hold lasts, on
//! every run, until the run takes RELEASE's handler (or for D, when the
//! rule gives one): a contact reached from EVENT's handler on fixed waits
//! alone is inside the hold. Events that arrive during an unrelated wait
//! are what a hold is for, and the runtime holds what follows them; they
//! are not reported, as for a pause.

use super::graph::INFINITE;
use super::paths::{self, Reach};
use super::pauses::{search, Found, Trigger};
use super::render::{self, span, Labels, Mode};
use super::{Context, HOLD};
use crate::diagnostics::Diagnostic;
use dun_machine::format::Hold;

pub fn check(cx: &Context<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
    for (i, hold) in cx.m.policy.ext.holds.iter().enumerate() {
        // Without a longest duration the search may follow the flow's waits
        // for as long as they last.
        let (lo, hi) = match hold.longest {
            Some(d) => super::graph::bounds(cx.m, d),
            None => (u64::MAX, u64::MAX),
        };
        let trigger = Trigger {
            channels: hold.channels,
            event: hold.event,
            when: hold.when.as_deref(),
        };
        let fixed = (lo < INFINITE || hold.longest.is_none())
            .then(|| search(cx, reach, &trigger, Mode::Fixed, lo))
            .flatten();
        if let Some(found) = fixed {
            let sure = found.sure
                && paths::choices_agree(cx.m, cx.g, &found.path)
                && paths::choices_agree(cx.m, cx.g, &found.prefix);
            let mode = if sure { Mode::Fixed } else { Mode::Possible };
            out.push(report(cx, i, hold, &found, mode));
        } else if hi < INFINITE || hold.longest.is_none() {
            if let Some(found) = search(cx, reach, &trigger, Mode::Possible, hi) {
                out.push(report(cx, i, hold, &found, Mode::Possible));
            }
        }
    }
}

fn report(cx: &Context<'_>, index: usize, hold: &Hold, f: &Found, mode: Mode) -> Diagnostic {
    let event = cx.event_name(hold.event);
    let release = cx.event_name(hold.release);
    let what = render::channels_word(hold.channels);
    let lasting = match hold.longest {
        Some(d) => format!("until `{release}`, for at most {d}"),
        None => format!("until `{release}`"),
    };
    let mut labels = Labels::new();
    let when = f.when_after(&event);
    if let Some(&(u, i)) = f.path.first() {
        labels.add(
            cx.g.edge((u, i)).span,
            format!("`{event}` arrives: {what} held {lasting}"),
        );
    }
    let message = format!(
        "this flow plans a {} inside the hold after `{event}`, before `{release}` arrives",
        f.channel.name()
    );
    let d = match mode {
        Mode::Fixed => Diagnostic::error(HOLD, message, span(f.contact)),
        Mode::Possible => Diagnostic::warning(HOLD, message, span(f.contact)),
    }
    .with_label(format!("{when}: inside the hold"))
    .with_secondary(
        cx.hold_span(index),
        format!("no {what} after `{event}` {lasting}"),
    );
    let mut help = match mode {
        Mode::Fixed => format!(
            "the flow reacts to `{event}` with a contact the hold forbids, on a run where \
             `{release}` has not arrived; the runtime would hold it; wait for `{release}` \
             first (`on {release} -> STAGE` in the stage the handler leads to) or drop the contact"
        ),
        Mode::Possible => "the runtime holds this contact until the hold is over; on this run \
             it depends on the event's data, a `wait until` or the calendar"
            .to_string(),
    };
    if mode == Mode::Possible && !f.sure {
        help.push_str("; the handler's condition and the hold's may not hold together");
    }
    labels.apply(d).with_help(help)
}
