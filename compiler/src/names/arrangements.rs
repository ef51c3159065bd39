//! The events a flow with payments has without declaring them: what the
//! engine raises when a promise to pay is kept or broken, and when a
//! payment plan misses an installment, is paid in full or breaks. Handlers
//! name them like any event (`on promise_broken -> early_contact`); they
//! carry no payload.

use super::DUPLICATE;
use crate::diagnostics::Diagnostic;
use crate::model::{Event, Model, Table};
use crate::syntax::ast::{self, Decl};

/// Raised when the payments since a promise reach its amount.
pub const PROMISE_KEPT: &str = "promise_kept";
/// Raised when a promise's date and grace pass before that.
pub const PROMISE_BROKEN: &str = "promise_broken";

/// Raised when an installment's last day (grace included) ends with the
/// payments since the plan began short of what was due by then.
pub const INSTALLMENT_MISSED: &str = "installment_missed";
/// Raised when the payments since the plan began reach its amount.
pub const PLAN_COMPLETED: &str = "plan_completed";
/// Raised when a second installment in a row is missed.
pub const PLAN_BROKEN: &str = "plan_broken";
/// Raised when an accepted plan does not fit the account's last offer.
pub const PLAN_REFUSED: &str = dun_machine::format::PLAN_REFUSED;

/// Every event the engine raises, in the order the machine lists them
/// after the flow's own.
pub const BUILT_IN: &[&str] = &[
    PROMISE_KEPT,
    PROMISE_BROKEN,
    INSTALLMENT_MISSED,
    PLAN_COMPLETED,
    PLAN_BROKEN,
    PLAN_REFUSED,
];

/// Adds the built-in events to a flow that declares its payments; a flow
/// that declares one of them itself is told to rename it.
pub(crate) fn add(file: &ast::File, model: &mut Model, diags: &mut Vec<Diagnostic>) {
    let Some((at, payments)) = file.decls.iter().enumerate().find_map(|(i, d)| match d {
        Decl::Payments(p) => Some((i, p)),
        _ => None,
    }) else {
        return;
    };
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
                    format!("event `{name}` is built in once the flow declares its payments"),
                    first.span,
                )
                .with_label("declared by the flow")
                .with_secondary(payments.span, "payments are declared here")
                .with_help(format!(
                    "rename this event: dun raises `{name}` itself when {}",
                    if name.starts_with("promise") {
                        "a promise to pay is kept or broken"
                    } else {
                        "a payment plan is refused, misses an installment, is paid in full or breaks"
                    }
                )),
            );
        }
    }
}
