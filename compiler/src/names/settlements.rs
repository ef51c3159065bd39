//! The events a flow that offers settlements has without declaring them:
//! what the engine raises when a settlement offer (`offer settlement
//! AMOUNT until DATE`, `offer discount N% if paid in full by DATE`) is paid
//! in full by its day, or lapses. They carry no payload, and exist only in
//! a flow that declares its payments and makes such an offer, so every
//! other flow compiles as it did before settlements existed.

use super::DUPLICATE;
use crate::diagnostics::Diagnostic;
use crate::model::{Event, Model, Table};
use crate::syntax::ast::{self, Block, Decl, HandlerBody, Step, StepKind};

/// Raised when the payments since the offer reach its amount by its day.
pub const SETTLEMENT_PAID: &str = "settlement_paid";
/// Raised when the offer's day ends before that.
pub const SETTLEMENT_LAPSED: &str = "settlement_lapsed";

/// The events, in the order the machine lists them.
pub const BUILT_IN: &[&str] = &[SETTLEMENT_PAID, SETTLEMENT_LAPSED];

/// Whether any stage, handler or branch of the file offers a settlement.
pub fn offers_settlement(file: &ast::File) -> bool {
    fn steps(list: &[Step]) -> bool {
        list.iter().any(|s| match &s.kind {
            StepKind::OfferSettlement { .. } => true,
            StepKind::If {
                branches,
                otherwise,
            } => {
                branches.iter().any(|(_, b)| steps(&b.steps))
                    || otherwise.as_ref().is_some_and(|b| steps(&b.steps))
            }
            StepKind::Repeat { body, .. } => steps(&body.steps),
            _ => false,
        })
    }
    let handler = |h: &ast::Handler| match &h.body {
        HandlerBody::Block(Block { steps: s, .. }) => steps(s),
        HandlerBody::Goto(_) => false,
    };
    file.decls.iter().any(|d| match d {
        Decl::Stage(s) => steps(&s.body.steps) || s.handlers.iter().any(handler),
        Decl::Handler(h) => handler(h),
        _ => false,
    })
}

/// Adds the built-in events to a flow that declares its payments and
/// offers a settlement; a flow that declares one of them itself is told
/// to rename it.
pub(crate) fn add(file: &ast::File, model: &mut Model, diags: &mut Vec<Diagnostic>) {
    let Some((at, payments)) = file.decls.iter().enumerate().find_map(|(i, d)| match d {
        Decl::Payments(p) => Some((i, p)),
        _ => None,
    }) else {
        return;
    };
    if !offers_settlement(file) {
        return;
    }
    for name in BUILT_IN {
        let event = Event {
            name: (*name).to_string(),
            span: payments.span,
            fields: Table::default(),
            decl: at,
            built_in: true,
        };
        if let Err(first) = model.events.insert(name, event) {
            diags.push(
                Diagnostic::error(
                    DUPLICATE,
                    format!("event `{name}` is built in once the flow offers a settlement"),
                    first.span,
                )
                .with_label("declared by the flow")
                .with_secondary(payments.span, "payments are declared here")
                .with_help(format!(
                    "rename this event: dun raises `{name}` itself when a settlement offer is paid in full by its day or lapses"
                )),
            );
        }
    }
}
