//! `pause CHANNELS after EVENT until RELEASE [for at most D] [when COND]`:
//! the hold's words and events, and the one rule of its own: it must end on
//! another event than the one that starts it.

use super::Checker;
use crate::checks::codes::HOLD_RELEASE;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{self, DurationLit};

impl Checker<'_> {
    pub(crate) fn hold(
        &mut self,
        channels: &ast::Ident,
        event: &ast::Ident,
        release: &ast::Ident,
        longest: Option<&DurationLit>,
        when: Option<&ast::Expr>,
    ) {
        self.channel_set(channels);
        self.event_condition(event, when);
        let known = self.event_ref(release);
        if let Some(d) = longest {
            self.duration(d);
        }
        // The engine applies a policy's holds before it releases them, so
        // an event that did both would start a hold nothing could end.
        if known && release.name == event.name {
            self.report(
                Diagnostic::error(
                    HOLD_RELEASE,
                    format!("this hold starts and ends on the same event `{}`", event.name),
                    release.span,
                )
                .with_label("the event that starts the hold")
                .with_secondary(event.span, "starts the hold")
                .with_help(format!(
                    "name the event that ends it, e.g. `pause contact after {0} until {0}_resolved`, \
                     or write a pause for a duration: `pause contact for 30 days after {0}`",
                    event.name
                )),
            );
        }
    }
}
