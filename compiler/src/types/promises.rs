//! Payments and promises to pay: `payments from EVENT.FIELD` names the
//! event that is a payment and its money field; `promise AMOUNT by DATE
//! [grace D]` records a promise that the payments then keep or break;
//! `pause CHANNELS while promise open` and `expect promise STATE` read it.
//! All but the first need the flow's payments, or nothing could keep a
//! promise.

use super::expr::unknown_field;
use super::{Checker, Scope};
use crate::checks::codes::MISMATCH;
use crate::diagnostics::Diagnostic;
use crate::model::{SymbolKind, Type};
use crate::names::near_miss;
use crate::syntax::ast::{self, DurationLit, Expr, Span};

/// A promise (or a rule or expectation about one) in a flow that does not
/// say which event is a payment.
pub(crate) const NO_PAYMENTS: &str = "dun::types::no_payments";

/// What `expect promise ...` can say of the account's last promise.
pub(crate) const PROMISE_STATES: &[&str] = &["open", "kept", "broken"];

impl Checker<'_> {
    pub(crate) fn payments(&mut self, p: &ast::PaymentsDecl) {
        if !self.event_ref(&p.event) {
            return;
        }
        let Some(event) = self.model.events.get(&p.event.name) else {
            return;
        };
        let Some(field) = event.fields.get(&p.field.name) else {
            if p.field.name.is_empty() {
                return;
            }
            self.report(unknown_field(
                &format!("the event `{}`", p.event.name),
                &p.field,
                event.fields.names(),
                || {
                    format!(
                        "name the money field of `{}` that holds the amount paid",
                        p.event.name
                    )
                },
            ));
            return;
        };
        let (ty, optional) = (field.ty.clone(), field.optional);
        let name = format!("{}.{}", p.event.name, p.field.name);
        self.refer(SymbolKind::EventField, &name, p.field.span);
        if !matches!(ty, Type::Money | Type::Unknown) || optional {
            let what = if optional {
                format!("{} that may be unset", self.model.describe(&ty))
            } else {
                self.model.describe(&ty)
            };
            self.report(
                Diagnostic::error(
                    MISMATCH,
                    format!("the amount of a payment must be money, but `{name}` is {what}"),
                    p.field.span,
                )
                .with_label(format!("this is {what}"))
                .with_help(format!(
                    "declare the field as money in the flow's currency, e.g. `event {} {{ {}: money }}`",
                    p.event.name, p.field.name
                )),
            );
        }
    }

    pub(crate) fn promise(
        &mut self,
        amount: &Expr,
        by: &Expr,
        grace: Option<&DurationLit>,
        scope: &Scope,
        span: Span,
    ) {
        self.needs_payments(span, "a promise to pay");
        self.expect(amount, &Type::Money, scope, "the amount of a promise");
        self.expect(by, &Type::Date, scope, "the day a promise is due");
        if let Some(g) = grace {
            self.duration(g);
        }
    }

    pub(crate) fn pause_while_promise(&mut self, channels: &ast::Ident, span: Span) {
        self.channel_set(channels);
        self.needs_payments(span, "a pause while a promise is open");
    }

    pub(crate) fn expect_promise(&mut self, state: &ast::Ident, span: Span) {
        self.needs_payments(span, "a promise");
        if !state.name.is_empty() && !PROMISE_STATES.contains(&state.name.as_str()) {
            let help = near_miss(&state.name, PROMISE_STATES.iter().copied())
                .or_else(|| "write `open`, `kept` or `broken`".to_string());
            self.report(
                Diagnostic::error(
                    MISMATCH,
                    format!("a promise is open, kept or broken, not `{}`", state.name),
                    state.span,
                )
                .with_label("not a state of a promise")
                .with_suggestion(help),
            );
        }
    }

    /// `receive promise_kept` in a flow test: the engine raises it from the
    /// payments, so a test sends those instead.
    pub(crate) fn receive_built_in(&mut self, event: &ast::Ident) {
        if !self
            .model
            .events
            .get(&event.name)
            .is_some_and(|e| e.built_in)
        {
            return;
        }
        self.report(
            Diagnostic::error(
                MISMATCH,
                format!("`{}` is raised by dun itself; a test cannot send it", event.name),
                event.span,
            )
            .with_label("raised from the payments")
            .with_help(if event.name.starts_with("promise") {
                "receive the promise and the payments, and expect the promise's state: `expect promise kept`"
            } else if event.name.starts_with("settlement") {
                "receive the payments, and expect the settlement's state: `expect settlement paid` or `expect settlement lapsed`"
            } else {
                "receive the plan's event and the payments, and expect the plan's state: `expect plan completed` or `expect installment missed`"
            }),
        );
    }

    pub(super) fn needs_payments(&mut self, span: Span, what: &str) {
        // The built-in events exist exactly when the payments are declared.
        let declared = self
            .model
            .events
            .get(crate::names::arrangements::PROMISE_KEPT)
            .is_some_and(|e| e.built_in);
        if declared {
            return;
        }
        self.report(
            Diagnostic::error(
                NO_PAYMENTS,
                format!("{what} needs the flow's payments, and the flow does not say which event is a payment"),
                span,
            )
            .with_label("nothing can keep this promise")
            .with_help("declare the payment event and its amount, e.g. `payments from payment.amount` beside `event payment { amount: money }`"),
        );
    }
}
