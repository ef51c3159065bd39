//! Settlements and discounts paid in full by a date: `offer settlement
//! AMOUNT until DATE` and `offer discount N% if paid in full by DATE`
//! record an offer that the payments since then settle (`settlement_paid`)
//! or that lapses at the end of its day (`settlement_lapsed`); `pause
//! CHANNELS while settlement open`, `expect settlement STATE` and `expect
//! offer settlement ...` read it. All need the flow's payments, as
//! promises do; the last three also need an offer, or they could never
//! hold.

use super::{Checker, Scope};
use crate::checks::codes::{MISMATCH, OUT_OF_RANGE, UNKNOWN_FIELD};
use crate::diagnostics::Diagnostic;
use crate::model::Type;
use crate::names::near_miss;
use crate::names::settlements::SETTLEMENT_PAID;
use crate::syntax::ast::{self, Expr, ExprKind, SettlementTerms, Span};
use rust_decimal::Decimal;

/// A rule or expectation about settlements in a flow that offers none.
pub(crate) const NO_SETTLEMENT: &str = "dun::types::no_settlement";

/// What `expect settlement ...` can say of the account's last offer.
pub(crate) const SETTLEMENT_STATES: &[&str] = &["open", "paid", "lapsed"];

/// The account field a discount paid in full is taken off.
pub(crate) const BALANCE_FIELD: &str = "balance";

impl Checker<'_> {
    pub(crate) fn offer_settlement(
        &mut self,
        terms: &SettlementTerms,
        until: &Expr,
        scope: &Scope,
        span: Span,
    ) {
        self.needs_payments(span, "a settlement offer");
        match terms {
            SettlementTerms::Amount(amount) => {
                self.expect(amount, &Type::Money, scope, "the amount of a settlement");
                if let ExprKind::Money { amount: a, .. } = &amount.kind {
                    if *a <= Decimal::ZERO {
                        self.report(
                            Diagnostic::error(
                                OUT_OF_RANGE,
                                format!("a settlement of {} is not possible", a.normalize()),
                                amount.span,
                            )
                            .with_label("must be more than zero")
                            .with_help("offer what the debtor pays to settle, e.g. `offer settlement account.balance * 60% until today + 14 days`"),
                        );
                    }
                }
            }
            SettlementTerms::Discount((p, at)) => {
                if *p <= Decimal::ZERO || *p >= Decimal::ONE_HUNDRED {
                    self.report(
                        Diagnostic::error(
                            OUT_OF_RANGE,
                            format!(
                                "a discount of {}% if paid in full is not possible",
                                p.normalize()
                            ),
                            *at,
                        )
                        .with_label("must be more than 0% and less than 100%")
                        .with_help("offer a discount such as `offer discount 10% if paid in full by today + 30 days`"),
                    );
                }
                self.needs_balance(*at);
            }
        }
        self.expect(
            until,
            &Type::Date,
            scope,
            "the last day of a settlement offer",
        );
    }

    /// A discount paid in full is taken off `account.balance`, which must
    /// be money.
    fn needs_balance(&mut self, span: Span) {
        let field = self.model.account.get(BALANCE_FIELD);
        let ok = field.is_some_and(|f| matches!(f.ty, Type::Money | Type::Unknown) && !f.optional);
        if ok {
            return;
        }
        let what = if field.is_some() {
            "is not money that is always set"
        } else {
            "is not declared"
        };
        self.report(
            Diagnostic::error(
                UNKNOWN_FIELD,
                format!("a discount if paid in full is taken off `account.balance`, which {what}"),
                span,
            )
            .with_label("nothing to take the discount off")
            .with_help("declare the amount owed in the account, `account { balance: money }`, or offer an amount: `offer settlement 900 USD until today + 30 days`"),
        );
    }

    /// Whether the flow offers a settlement: the built-in events exist
    /// exactly then.
    fn offers_settlement(&self) -> bool {
        self.model
            .events
            .get(SETTLEMENT_PAID)
            .is_some_and(|e| e.built_in)
    }

    fn has_payments(&self) -> bool {
        self.model
            .events
            .get(crate::names::arrangements::PROMISE_KEPT)
            .is_some_and(|e| e.built_in)
    }

    fn needs_offer(&mut self, span: Span, what: &str) {
        if self.offers_settlement() {
            return;
        }
        self.report(
            Diagnostic::error(
                NO_SETTLEMENT,
                format!("{what} can never hold: the flow offers no settlement"),
                span,
            )
            .with_label("no settlement to read")
            .with_help("offer one in a stage or a handler, e.g. `offer settlement account.balance * 60% until today + 14 days`, beside `payments from payment.amount`"),
        );
    }

    pub(crate) fn pause_while_settlement(&mut self, channels: &ast::Ident, span: Span) {
        self.channel_set(channels);
        self.needs_payments(span, "a pause while a settlement is open");
        if self.has_payments() {
            self.needs_offer(span, "a pause while a settlement is open");
        }
    }

    pub(crate) fn expect_settlement_state(&mut self, state: &ast::Ident) {
        self.needs_payments(state.span, "a settlement");
        if !state.name.is_empty() && !SETTLEMENT_STATES.contains(&state.name.as_str()) {
            let help = near_miss(&state.name, SETTLEMENT_STATES.iter().copied())
                .or_else(|| "write `open`, `paid` or `lapsed`".to_string());
            self.report(
                Diagnostic::error(
                    MISMATCH,
                    format!("a settlement is open, paid or lapsed, not `{}`", state.name),
                    state.span,
                )
                .with_label("not a state of a settlement")
                .with_suggestion(help),
            );
            return;
        }
        if self.has_payments() {
            self.needs_offer(state.span, &format!("`expect settlement {}`", state.name));
        }
    }

    pub(crate) fn expect_offer_settlement(&mut self, amount: Option<&Expr>, span: Span) {
        let scope = Scope {
            no_vars: true,
            ..Scope::default()
        };
        if let Some(a) = amount {
            self.expect(
                a,
                &Type::Money,
                &scope,
                "the amount of an expected settlement",
            );
        }
        if !self.offers_settlement() {
            self.report(
                Diagnostic::error(
                    NO_SETTLEMENT,
                    "`expect offer settlement` can never hold: the flow offers no settlement".to_string(),
                    span,
                )
                .with_label("no settlement is offered")
                .with_help("offer one in a stage or a handler, e.g. `offer settlement account.balance * 60% until today + 14 days`, beside `payments from payment.amount`"),
            );
        }
    }
}
