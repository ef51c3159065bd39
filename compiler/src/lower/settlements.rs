//! Settlement offers → the machine's [`Settlements`]: hidden variables for
//! the account's last offer, and an [`Op::OfferSettlement`] that sets them
//! and records the offer. Declared with the payments (see
//! `arrangements::declare`), and only for a flow that offers a settlement,
//! so every other flow's machine stays as it was.

use super::steps::Ops;
use super::Lowerer;
use crate::names::settlements::{SETTLEMENT_LAPSED, SETTLEMENT_PAID};
use crate::syntax::ast::{self, Decl, PolicyRuleKind, SettlementTerms};
use crate::types::settlements::BALANCE_FIELD;
use dun_machine::format::{
    ChannelSet, Code, Const, Instr, Op, Settlements, Type, VarDef, SETTLEMENT_STATES,
    SETTLEMENT_VAR,
};
use rust_decimal::Decimal;

/// Declares the hidden variables and the section, for a flow whose
/// payments are declared and that offers a settlement; after the plans'
/// variables.
pub(crate) fn declare(cx: &mut Lowerer<'_>) {
    if cx.m.arrangements.is_none() {
        return;
    }
    let model = cx.model;
    let position = |name: &str| {
        model
            .events
            .position(name)
            .and_then(|i| u16::try_from(i).ok())
    };
    // The built-in events exist exactly when the flow offers a settlement.
    let (Some(paid_event), Some(lapsed_event)) =
        (position(SETTLEMENT_PAID), position(SETTLEMENT_LAPSED))
    else {
        return;
    };
    let states: Vec<_> = SETTLEMENT_STATES.iter().map(|s| cx.sym(s)).collect();
    let none = Const::Variant(states[0]);
    let settlement = var(cx, SETTLEMENT_VAR, Type::Enum(states), none);
    let zero = Const::Money(Decimal::ZERO);
    let amount = var(cx, "settlement amount", Type::Money, zero.clone());
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let until = var(cx, "settlement last day", Type::Date, Const::Date(epoch));
    let from = var(cx, "paid before the settlement", Type::Money, zero);
    let mut pause_while_open = ChannelSet::NONE;
    for decl in &cx.file.decls {
        let Decl::Policy(p) = decl else { continue };
        for rule in &p.rules {
            if let PolicyRuleKind::PauseWhileSettlement { channels } = &rule.kind {
                if let Some(set) = ChannelSet::from_word(&channels.name) {
                    pause_while_open = pause_while_open.union(set);
                }
            }
        }
    }
    cx.m.settlements = Some(Settlements {
        settlement,
        amount,
        until,
        from,
        pause_while_open,
        paid_event,
        lapsed_event,
    });
}

fn var(cx: &mut Lowerer<'_>, name: &str, ty: Type, init: Const) -> u16 {
    let name = cx.sym(name);
    let init = vec![cx.konst(init)];
    cx.m.vars.push(VarDef { name, ty, init });
    (cx.m.vars.len() - 1) as u16
}

impl Lowerer<'_> {
    /// `offer settlement AMOUNT until DATE`, `offer discount P% if paid in
    /// full by DATE`: the amount (for a discount, `account.balance` less
    /// P%) and the last day, which the engine records with the payments so
    /// far.
    pub(crate) fn offer_settlement(
        &mut self,
        terms: &SettlementTerms,
        until: &ast::Expr,
        event: Option<u16>,
        ops: &mut Ops,
        span: ast::Span,
    ) {
        if self.m.settlements.is_none() {
            self.error(
                super::UNSUPPORTED,
                "a settlement offer needs the flow's payments".into(),
                span,
                "declare them with `payments from EVENT.FIELD`",
            );
            return;
        }
        let (amount, percent): (Code, _) = match terms {
            SettlementTerms::Amount(a) => (self.code(a, event), None),
            SettlementTerms::Discount((p, at)) => {
                // The model lists `account.id` first; the machine does not.
                let field = self
                    .model
                    .account
                    .position(BALANCE_FIELD)
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| u16::try_from(i).ok());
                let Some(field) = field else {
                    self.error(
                        super::UNSUPPORTED,
                        "a discount if paid in full needs `account.balance`".into(),
                        *at,
                        "declare `balance: money` in the account",
                    );
                    return;
                };
                let rest = self.konst(Const::Percent(Decimal::ONE_HUNDRED - *p));
                (vec![Instr::Account(field), rest, Instr::Mul], Some(*p))
            }
        };
        let until = self.code(until, event);
        ops.push(
            Op::OfferSettlement {
                amount,
                until,
                percent,
            },
            span,
        );
    }
}
