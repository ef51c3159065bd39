//! Payments and promises → the machine's [`Arrangements`]: hidden
//! variables for the payments received and the account's last promise, a
//! `promise` step as `set`s of them, and the built-in events the engine
//! raises. The variables' names hold spaces, so no flow can declare them,
//! and stay the same from one version to the next, so a migration carries
//! an open promise over.

use super::steps::Ops;
use super::Lowerer;
use crate::names::arrangements::{PROMISE_BROKEN, PROMISE_KEPT};
use crate::syntax::ast::{self, Decl, PolicyRuleKind};
use dun_machine::format::{
    Arrangements, ChannelSet, Code, Const, Instr, Op, Type, PROMISE_STATES, PROMISE_VAR,
};
use rust_decimal::Decimal;

/// Declares the hidden variables and the section, for a flow with a
/// `payments from` line; after the flow's own variables, before stages.
pub(crate) fn declare(cx: &mut Lowerer<'_>) {
    let file = cx.file;
    let model = cx.model;
    let Some(payments) = file.decls.iter().find_map(|d| match d {
        Decl::Payments(p) => Some(p),
        _ => None,
    }) else {
        return;
    };
    let position = |name: &str| {
        model
            .events
            .position(name)
            .and_then(|i| u16::try_from(i).ok())
    };
    let (Some(payment_event), Some(kept_event), Some(broken_event)) = (
        position(&payments.event.name),
        position(PROMISE_KEPT),
        position(PROMISE_BROKEN),
    ) else {
        cx.unresolved("event", &payments.event);
        return;
    };
    let Some(payment_field) = model
        .events
        .at(usize::from(payment_event))
        .and_then(|e| e.fields.position(&payments.field.name))
        .and_then(|i| u16::try_from(i).ok())
    else {
        cx.unresolved("payment field", &payments.field);
        return;
    };
    let zero = Const::Money(Decimal::ZERO);
    let paid = cx.hidden_var("payments received", Type::Money, zero.clone());
    let states: Vec<_> = PROMISE_STATES.iter().map(|s| cx.sym(s)).collect();
    let none = Const::Variant(states[0]);
    let promise = cx.hidden_var(PROMISE_VAR, Type::Enum(states), none);
    let promise_amount = cx.hidden_var("promise amount", Type::Money, zero.clone());
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let promise_due = cx.hidden_var("promise due", Type::Date, Const::Date(epoch));
    let promise_from = cx.hidden_var("paid before the promise", Type::Money, zero);
    let mut pause_while_promise = ChannelSet::NONE;
    for decl in &file.decls {
        let Decl::Policy(p) = decl else { continue };
        for rule in &p.rules {
            if let PolicyRuleKind::PauseWhilePromise { channels } = &rule.kind {
                if let Some(set) = ChannelSet::from_word(&channels.name) {
                    pause_while_promise = pause_while_promise.union(set);
                }
            }
        }
    }
    cx.m.arrangements = Some(Arrangements {
        payment_event,
        payment_field,
        paid,
        promise,
        promise_amount,
        promise_due,
        promise_from,
        pause_while_promise,
        kept_event,
        broken_event,
    });
}

impl Lowerer<'_> {
    /// `promise AMOUNT by DATE [grace D]`: the amount, the last day (grace
    /// included), the payments so far, and the state `open`.
    pub(crate) fn promise(
        &mut self,
        amount: &ast::Expr,
        by: &ast::Expr,
        grace: Option<&ast::DurationLit>,
        event: Option<u16>,
        ops: &mut Ops,
        span: ast::Span,
    ) {
        let Some(a) = self.m.arrangements.clone() else {
            self.error(
                super::UNSUPPORTED,
                "a promise needs the flow's payments".into(),
                span,
                "declare them with `payments from EVENT.FIELD`",
            );
            return;
        };
        let value = self.code(amount, event);
        ops.push(
            Op::Set {
                var: a.promise_amount,
                value,
            },
            span,
        );
        let mut due: Code = self.code(by, event);
        if let Some(g) = grace {
            let g = self.duration(g);
            due.push(self.konst(Const::Duration(g)));
            due.push(Instr::Add);
        }
        ops.push(
            Op::Set {
                var: a.promise_due,
                value: due,
            },
            span,
        );
        ops.push(
            Op::Set {
                var: a.promise_from,
                value: vec![Instr::Var(a.paid)],
            },
            span,
        );
        let open = self.sym(PROMISE_STATES[1]);
        let open = vec![self.konst(Const::Variant(open))];
        ops.push(
            Op::Set {
                var: a.promise,
                value: open,
            },
            span,
        );
    }
}
