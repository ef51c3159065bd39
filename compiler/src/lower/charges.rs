//! Fees and interest: `charge fee` becomes an op, and the policy's fee caps
//! and `and fees` holds go to the machine's charges section. A cap on an
//! amount keeps as many of the latest fees as the flow's smallest fee fits
//! into it: no more fees than that can fall inside one window.

use super::Lowerer;
use crate::syntax::ast::{self, Decl, ExprKind, PolicyRuleKind};
use dun_machine::format::{FeeCap, FeeLimit, Op, MAX_FEE_SLOTS};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

impl Lowerer<'_> {
    /// `charge fee AMOUNT ["reason"] [when COND]`; the checker has made
    /// the amount a money literal.
    pub(super) fn charge_fee(
        &mut self,
        amount: &ast::Expr,
        reason: Option<&ast::Text>,
        when: Option<&ast::Expr>,
        event: Option<u16>,
    ) -> Option<Op> {
        let ExprKind::Money { amount, .. } = &amount.kind else {
            self.error(
                super::UNSUPPORTED,
                "the amount of `charge fee` must be written as money".into(),
                amount.span,
                "write an amount in the flow's currency, e.g. `charge fee 15 USD`",
            );
            return None;
        };
        let reason = reason.map(|r| {
            let plain = r.plain().unwrap_or_default();
            self.sym(&plain)
        });
        let when = when.map(|w| self.code(w, event));
        Some(Op::ChargeFee {
            amount: *amount,
            reason,
            when,
        })
    }
}

/// Every op of the machine: its stages', their handlers', the flow's
/// handlers'.
fn all_ops<'m>(cx: &'m Lowerer<'_>) -> impl Iterator<Item = &'m Op> {
    let m = &cx.m;
    let stage_ops = m.stages.iter().flat_map(|s| {
        s.code
            .iter()
            .chain(s.handlers.iter().flat_map(|h| h.code.iter()))
    });
    stage_ops.chain(m.handlers.iter().flat_map(|h| h.code.iter()))
}

/// The smallest fee any `charge fee` of the machine charges.
fn smallest_fee(cx: &Lowerer<'_>) -> Option<Decimal> {
    all_ops(cx)
        .filter_map(|op| match op {
            Op::ChargeFee { amount, .. } => Some(*amount),
            _ => None,
        })
        .filter(|a| *a > Decimal::ZERO)
        .min()
}

/// The fee caps and the holds that cover fees, once the stages are lowered.
pub(super) fn lower(cx: &mut Lowerer<'_>) {
    let smallest = smallest_fee(cx);
    let interest = all_ops(cx).any(|op| matches!(op, Op::Interest { .. }));
    cx.m.charges.interest = interest;
    let file = cx.file;
    let mut hold = 0u16;
    for decl in &file.decls {
        let Decl::Policy(p) = decl else { continue };
        for rule in &p.rules {
            match &rule.kind {
                PolicyRuleKind::Hold { fees, .. } => {
                    if fees.is_some() {
                        cx.m.charges.fee_holds.push(hold);
                    }
                    hold = hold.saturating_add(1);
                }
                PolicyRuleKind::FeeCap { limit, window } => {
                    let window = cx.duration(window);
                    let (limit, slots) = match limit {
                        ast::FeeLimit::Count((n, _)) => {
                            let n = (*n).min(u32::from(MAX_FEE_SLOTS)) as u16;
                            (FeeLimit::Count(n), n)
                        }
                        ast::FeeLimit::Amount(e) => {
                            let ExprKind::Money { amount, .. } = &e.kind else {
                                cx.error(
                                    super::UNSUPPORTED,
                                    "the amount of a fee cap must be written as money".into(),
                                    e.span,
                                    "write an amount in the flow's currency, e.g. `at_most 80 USD of fees per 30 days`",
                                );
                                continue;
                            };
                            let fit = smallest
                                .map(|s| (*amount / s).floor().to_u32().unwrap_or(u32::MAX))
                                .unwrap_or(0);
                            if fit > u32::from(MAX_FEE_SLOTS) {
                                cx.error(
                                    super::UNSUPPORTED,
                                    format!(
                                        "this cap lets more than {MAX_FEE_SLOTS} of the flow's smallest fee into one window"
                                    ),
                                    e.span,
                                    "cap the number of fees as well, e.g. `at_most 10 fees per 30 days`, or lower the amount",
                                );
                                continue;
                            }
                            (FeeLimit::Amount(*amount), fit as u16)
                        }
                    };
                    cx.m.charges.caps.push(FeeCap {
                        limit,
                        window,
                        slots,
                    });
                }
                _ => {}
            }
        }
    }
}
