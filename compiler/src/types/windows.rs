//! `contact_hours [CHANNELS] mon-fri 08:00 to 21:00, sat 09:00 to 15:00`:
//! each window's hours, each day named once per rule, and one rule of hours
//! per channel.

use super::Checker;
use crate::checks::codes::{DUPLICATE, OUT_OF_RANGE};
use crate::diagnostics::Diagnostic;
use crate::model::week::day_bits;
use crate::model::ChannelSet;
use crate::syntax::ast::{self, DayWindow, Span};
use dun_machine::time::weekday_name;

/// The rules of hours met so far in a policy, by the channels they cover.
#[derive(Default)]
pub(crate) struct Seen {
    by_channels: Vec<(ChannelSet, String, Span)>,
}

impl Checker<'_> {
    /// `hours` is the span of the rule of hours for every channel, shared
    /// with the plain `contact_hours FROM to TO`.
    pub(crate) fn windows(
        &mut self,
        channels: Option<&ast::Ident>,
        windows: &[DayWindow],
        span: Span,
        hours: &mut Option<Span>,
        seen: &mut Seen,
    ) {
        match channels {
            None => {
                if let Some(first) = *hours {
                    self.report(
                        Diagnostic::error(DUPLICATE, "contact hours are set twice", span)
                            .with_label("second `contact_hours`")
                            .with_secondary(first, "first set here")
                            .with_help(
                                "keep one `contact_hours` rule for every channel; list its days in it: \
                                 `contact_hours mon-fri 08:00 to 21:00, sat 09:00 to 15:00`",
                            ),
                    );
                }
                *hours = Some(span);
            }
            Some(word) => {
                if let Some(set) = self.channel_set(word) {
                    let clash = seen
                        .by_channels
                        .iter()
                        .find(|(other, _, _)| overlap(*other, set))
                        .map(|(_, w, s)| (w.clone(), *s));
                    if let Some((other, first)) = clash {
                        self.report(
                            Diagnostic::error(
                                DUPLICATE,
                                format!(
                                    "contact hours for `{}` are set twice (`{other}` covers them too)",
                                    word.name
                                ),
                                span,
                            )
                            .with_label("second `contact_hours` for these channels")
                            .with_secondary(first, "first set here")
                            .with_help(
                                "give each channel one rule of hours, with all its days: \
                                 `contact_hours calls mon-fri 08:00 to 21:00, sat 09:00 to 15:00`",
                            ),
                        );
                    } else {
                        seen.by_channels.push((set, word.name.clone(), span));
                    }
                }
            }
        }
        let mut named = 0u8;
        for w in windows {
            if w.from.0 >= w.to.0 {
                self.report(
                    Diagnostic::error(
                        OUT_OF_RANGE,
                        "contact hours end before they start",
                        w.from.1.to(w.to.1),
                    )
                    .with_label("no time left to contact")
                    .with_help("write the earlier time first, e.g. `mon-fri 08:00 to 21:00`"),
                );
            }
            for range in &w.days {
                let Some(bits) = day_bits(range) else {
                    continue;
                };
                let twice = named & bits;
                if twice != 0 {
                    let day = (0..7u8)
                        .find(|d| twice & (1 << d) != 0)
                        .and_then(|d| chrono::Weekday::try_from(d).ok())
                        .map(weekday_name)
                        .unwrap_or("a day");
                    let at = match &range.last {
                        Some(last) => range.first.span.to(last.span),
                        None => range.first.span,
                    };
                    self.report(
                        Diagnostic::error(
                            DUPLICATE,
                            format!("{day} has two windows in this rule"),
                            at,
                        )
                        .with_label(format!("{day} again"))
                        .with_help(
                            "name each day once in a rule of hours; a day it does not name is closed",
                        ),
                    );
                }
                named |= bits;
            }
        }
    }
}

fn overlap(a: ChannelSet, b: ChannelSet) -> bool {
    (a.agent_calls && b.agent_calls) || a.channels.iter().zip(b.channels).any(|(x, y)| *x && y)
}
