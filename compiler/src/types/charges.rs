//! Fees, interest and fee caps (`charge fee 15 USD "late fee"`, `freeze
//! interest`, `at_most 2 fees per 30 days`), the flow-test forms that
//! expect them (`expect charged fee`, `expect offer plan`, `expect interest
//! frozen`, `expect no fees`) and `given arm`: what the flow does is
//! collected while its steps are checked, and each expectation is held to
//! it, so that one that can never hold is an error.

use super::{expr::field_list, Checker, Scope};
use crate::checks::codes::{NEVER_USED, OUT_OF_RANGE};
use crate::diagnostics::Diagnostic;
use crate::model::Type;
use crate::names::near_miss;
use crate::syntax::ast::{self, DurationLit, ExprKind, FeeLimit, Span, Text};
use rust_decimal::Decimal;

/// A fee larger than an amount cap: it can never be charged.
pub(crate) const FEE_OVER_CAP: &str = "dun::types::fee_over_cap";
/// A `given arm` that names no arm of a split, or that another line of
/// the test contradicts.
pub(crate) const TEST_ARM: &str = "dun::tests::arm";

/// What the flow charges, offers and splits into, as its steps are checked.
#[derive(Default)]
pub(crate) struct Seen {
    /// `charge fee`: amount (when a literal), reason, where.
    fees: Vec<(Option<Decimal>, Option<String>, Span)>,
    /// `at_most ... fees`: the amount of an amount cap, and where.
    amount_caps: Vec<(Decimal, Span)>,
    /// `offer plan N installments every D`
    plans: Vec<(u32, DurationLit, bool)>,
    freezes: bool,
    /// The stage each split arm goes to, and the span of its split.
    arms: Vec<(String, Span)>,
    /// `plan ... in N installments every D ...` with a literal N: N, D and
    /// where N is written.
    accepted_plans: Vec<(u32, DurationLit, Span)>,
}

impl Seen {
    /// The flow's plan offers: installments, period, whether `up to`.
    pub(crate) fn plan_offers(&self) -> &[(u32, DurationLit, bool)] {
        &self.plans
    }

    pub(crate) fn accepted_plans(&self) -> &[(u32, DurationLit, Span)] {
        &self.accepted_plans
    }

    pub(crate) fn accept_plan(&mut self, count: u32, every: &DurationLit, at: Span) {
        self.accepted_plans.push((count, every.clone(), at));
    }
}

/// Whether two durations are written alike (amount, unit and calendar).
pub(crate) fn same_period(a: &DurationLit, b: &DurationLit) -> bool {
    same_duration(a, b)
}

fn money(e: &ast::Expr) -> Option<Decimal> {
    match &e.kind {
        ExprKind::Money { amount, .. } => Some(*amount),
        _ => None,
    }
}

fn same_duration(a: &DurationLit, b: &DurationLit) -> bool {
    let cal = |d: &DurationLit| d.calendar.as_ref().map(|c| c.name.clone());
    a.amount == b.amount && a.unit == b.unit && cal(a) == cal(b)
}

impl Checker<'_> {
    /// `charge fee AMOUNT ["reason"] [when COND]`
    pub(crate) fn charge_fee(
        &mut self,
        amount: &ast::Expr,
        reason: Option<&Text>,
        when: Option<&ast::Expr>,
        scope: &Scope,
    ) {
        if let Some(when) = when {
            self.condition(when, scope, "the `when` of `charge fee`");
        }
        self.expect(amount, &Type::Money, scope, "the amount of `charge fee`");
        let value = money(amount);
        if let Some(v) = value {
            if v <= Decimal::ZERO {
                self.report(
                    Diagnostic::error(
                        OUT_OF_RANGE,
                        format!("a fee of {} is not a charge", v.normalize()),
                        amount.span,
                    )
                    .with_label("must be more than 0")
                    .with_help("charge a positive amount, e.g. `charge fee 15 USD \"late fee\"`"),
                );
            }
        }
        let reason = reason.and_then(|r| self.plain_text(r, "the reason of a fee"));
        self.walked.charges.fees.push((value, reason, amount.span));
    }

    pub(crate) fn interest_step(&mut self, freeze: bool) {
        if freeze {
            self.walked.charges.freezes = true;
        }
    }

    pub(crate) fn seen_plan(&mut self, installments: u32, every: &DurationLit, up_to: bool) {
        self.walked
            .charges
            .plans
            .push((installments, every.clone(), up_to));
    }

    pub(crate) fn seen_arm(&mut self, stage: &str, split: Span) {
        self.walked.charges.arms.push((stage.to_string(), split));
    }

    /// `at_most N fees per D` / `at_most AMOUNT of fees per D`
    pub(crate) fn fee_cap(&mut self, limit: &FeeLimit, window: &DurationLit) {
        self.duration(window);
        match limit {
            FeeLimit::Count((n, span)) => {
                if *n == 0 || *n > 100 {
                    self.report(
                        Diagnostic::error(
                            OUT_OF_RANGE,
                            format!("a cap of {n} fees is out of range"),
                            *span,
                        )
                        .with_label("must be from 1 to 100")
                        .with_help("cap fees from 1 to 100 per window, e.g. `at_most 2 fees per 30 days`; to charge none, remove the `charge fee` steps"),
                    );
                }
            }
            FeeLimit::Amount(amount) => {
                let scope = Scope {
                    no_vars: true,
                    ..Scope::default()
                };
                self.expect(amount, &Type::Money, &scope, "the amount of a fee cap");
                if let Some(v) = money(amount) {
                    if v <= Decimal::ZERO {
                        self.report(
                            Diagnostic::error(
                                OUT_OF_RANGE,
                                format!("a cap of {} allows no fee", v.normalize()),
                                amount.span,
                            )
                            .with_label("must be more than 0")
                            .with_help("cap fees at a positive amount, e.g. `at_most 80 USD of fees per 30 days`"),
                        );
                    } else {
                        self.walked.charges.amount_caps.push((v, amount.span));
                    }
                }
            }
        }
    }

    /// Once the whole flow is checked: a fee that alone exceeds an amount
    /// cap could never be charged.
    pub(crate) fn fees_against_caps(&mut self) {
        let code = self.currency_code();
        let seen = &self.walked.charges;
        let mut found = Vec::new();
        for (cap, cap_span) in &seen.amount_caps {
            for (fee, _, span) in &seen.fees {
                if let Some(fee) = fee {
                    if fee > cap {
                        found.push((*fee, *span, *cap, *cap_span));
                    }
                }
            }
        }
        for (fee, span, cap, cap_span) in found {
            self.report(
                Diagnostic::error(
                    FEE_OVER_CAP,
                    format!(
                        "this fee of {} {code} is more than the policy's cap of {} {code}: it can never be charged",
                        fee.normalize(),
                        cap.normalize()
                    ),
                    span,
                )
                .with_label("always suppressed by the cap")
                .with_secondary(cap_span, "the cap")
                .with_help(format!(
                    "charge at most {} {code} here, or raise the cap",
                    cap.normalize()
                )),
            );
        }
    }

    fn currency_code(&self) -> String {
        self.model
            .currency
            .as_ref()
            .map(|(c, _)| c.clone())
            .unwrap_or_default()
    }

    fn never(&mut self, message: String, span: Span, help: String) {
        self.report(
            Diagnostic::error(NEVER_USED, message, span)
                .with_label("never happens in this flow")
                .with_help(help),
        );
    }

    /// `expect offer plan [N installments [every D]]`
    pub(crate) fn expect_plan(
        &mut self,
        installments: Option<(u32, Span)>,
        every: Option<&DurationLit>,
        up_to: bool,
        span: Span,
    ) {
        if let Some(d) = every {
            self.duration(d);
        }
        let plans = &self.walked.charges.plans;
        let fits = plans.iter().any(|(n, d, range)| {
            installments.is_none_or(|(want, _)| want == *n && up_to == *range)
                && every.is_none_or(|want| same_duration(want, d))
        });
        if fits {
            return;
        }
        let offered: Vec<String> = plans
            .iter()
            .map(|(n, d, range)| {
                format!(
                    "`offer plan {}{n} installments every {}`",
                    if *range { "up to " } else { "" },
                    crate::fmt::duration(d)
                )
            })
            .collect();
        let help = if offered.is_empty() {
            "the flow offers no plan; this expectation can never hold".to_string()
        } else {
            format!(
                "did you mean one of the flow's offers: {}",
                offered.join(", ")
            )
        };
        self.never("the flow never offers this plan".to_string(), span, help);
    }

    /// `expect charged fee [AMOUNT] ["reason"]`
    pub(crate) fn expect_charged(
        &mut self,
        amount: Option<&ast::Expr>,
        reason: Option<&Text>,
        span: Span,
    ) {
        let scope = Scope {
            no_vars: true,
            ..Scope::default()
        };
        if let Some(a) = amount {
            self.expect(a, &Type::Money, &scope, "the amount of an expected fee");
        }
        let want_amount = amount.and_then(money);
        let want_reason = reason.and_then(|r| self.plain_text(r, "the reason of a fee"));
        let fees = &self.walked.charges.fees;
        // A fee whose amount is not a literal could be any amount.
        let fits = fees.iter().any(|(a, r, _)| {
            (want_amount.is_none() || a.is_none() || *a == want_amount)
                && (want_reason.is_none() || *r == want_reason)
        });
        if fits {
            return;
        }
        let code = self.currency_code();
        let mut charged: Vec<String> = fees
            .iter()
            .map(|(a, r, _)| {
                let mut s = a.map_or("a fee".to_string(), |a| format!("{} {code}", a.normalize()));
                if let Some(r) = r {
                    s.push_str(&format!(" \"{r}\""));
                }
                s
            })
            .collect();
        charged.sort();
        charged.dedup();
        if let (Some(want), true) = (&want_reason, want_amount.is_none() || charged.len() > 1) {
            let reasons: Vec<&str> = fees.iter().filter_map(|(_, r, _)| r.as_deref()).collect();
            if let crate::diagnostics::Suggestion::Near { near, .. } =
                near_miss(want, reasons.iter().copied()).or_else(String::new)
            {
                self.never(
                    format!("the flow never charges a fee \"{want}\""),
                    span,
                    format!("did you mean \"{near}\"?"),
                );
                return;
            }
        }
        let help = if charged.is_empty() {
            "the flow has no `charge fee` step; this expectation can never hold".to_string()
        } else {
            format!(
                "did you mean one of the fees the flow charges: {}",
                field_list(charged.iter().map(String::as_str))
            )
        };
        self.never("the flow never charges this fee".to_string(), span, help);
    }

    pub(crate) fn expect_no_fee(&mut self, span: Span) {
        if self.walked.charges.fees.is_empty() {
            self.never(
                "the flow never charges a fee, so `expect no fees` always holds".to_string(),
                span,
                "remove this line, or add a `charge fee` step it can catch".to_string(),
            );
        }
    }

    pub(crate) fn expect_interest(&mut self, span: Span) {
        if !self.walked.charges.freezes {
            self.never(
                "the flow never freezes interest".to_string(),
                span,
                "the flow has no `freeze interest` step; this expectation can never fail or never hold".to_string(),
            );
        }
    }

    /// `given arm STAGE`, with the other `given arm` lines and the test's
    /// `given account` values.
    pub(crate) fn given_arms(&mut self, t: &ast::Test) {
        let mut chosen: Vec<(&ast::Ident, Span)> = Vec::new();
        for item in &t.items {
            let ast::TestItemKind::Arm(stage) = &item.kind else {
                continue;
            };
            if stage.name.is_empty() {
                continue;
            }
            let arms = &self.walked.charges.arms;
            let Some((_, split)) = arms.iter().find(|(s, _)| *s == stage.name) else {
                let mut names: Vec<&str> = arms.iter().map(|(s, _)| s.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                let help = near_miss(&stage.name, names.iter().copied()).or_else(|| {
                    if names.is_empty() {
                        "the flow has no `split`; remove this line".to_string()
                    } else {
                        format!("the split arms go to {}", field_list(names.iter().copied()))
                    }
                });
                self.report(
                    Diagnostic::error(
                        TEST_ARM,
                        format!("no split arm goes to `{}`", stage.name),
                        stage.span,
                    )
                    .with_label("not an arm of a split")
                    .with_suggestion(help),
                );
                continue;
            };
            let split = *split;
            if let Some((other, _)) = chosen.iter().find(|(_, s)| *s == split) {
                self.report(
                    Diagnostic::error(
                        TEST_ARM,
                        format!(
                            "`{}` and `{}` are arms of the same split: an account takes one",
                            other.name, stage.name
                        ),
                        stage.span,
                    )
                    .with_label("second arm of this split")
                    .with_secondary(other.span, "first arm chosen here")
                    .with_help(
                        "keep one `given arm` per split; write another test for the other arm",
                    ),
                );
                continue;
            }
            chosen.push((stage, split));
        }
        if chosen.is_empty() {
            return;
        }
        for item in &t.items {
            let ast::TestItemKind::Given(values) = &item.kind else {
                continue;
            };
            if let Some(id) = values.iter().find(|v| v.name.name == "id") {
                self.report(
                    Diagnostic::error(
                        TEST_ARM,
                        "this test gives the account's id and a split arm",
                        id.span,
                    )
                    .with_label("the id decides the arm")
                    .with_secondary(chosen[0].0.span, "the arm asked for")
                    .with_help(
                        "remove `id`: `dun test` picks an id that takes the arms the test names",
                    ),
                );
            }
        }
    }
}
