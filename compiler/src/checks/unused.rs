//! Declarations the flow never uses: usually a typo elsewhere, or a left-over.

use super::codes::UNUSED;
use crate::diagnostics::Diagnostic;
use crate::model::{Model, Symbol, SymbolKind};
use crate::syntax::ast::Span;
use crate::types::Walked;

pub(super) fn check(model: &Model, walked: &Walked, diags: &mut Vec<Diagnostic>) {
    let mut warn = |kind: SymbolKind, name: &str, span: Span, message: String, help: &str| {
        if !walked.used.contains(&Symbol::new(kind, name)) {
            diags.push(
                Diagnostic::warning(UNUSED, message, span)
                    .with_label("never used")
                    .with_help(help.to_string()),
            );
        }
    };
    for t in model.templates.iter() {
        warn(
            SymbolKind::Template,
            &t.name,
            t.span,
            format!("template `{}` is never sent", t.name),
            "send it with `send CHANNEL TEMPLATE` in a stage, or delete it",
        );
    }
    for s in model.segments.iter() {
        warn(
            SymbolKind::Segment,
            &s.name,
            s.span,
            format!("segment `{}` is never used", s.name),
            "use it in a condition (`if NAME { ... }`, `when NAME`), or delete it",
        );
    }
    for v in model.vars.iter() {
        // Read by a flow test: kept for the tests to observe.
        if walked
            .read_by_tests
            .contains(&Symbol::new(SymbolKind::Var, v.name.as_str()))
        {
            continue;
        }
        warn(SymbolKind::Var, &v.name, v.span, format!("variable `{}` is never read", v.name), "read it in a condition, a `wait until` or a message, or delete it; setting a variable alone has no effect");
    }
    for c in model.calendars.iter() {
        warn(SymbolKind::Calendar, &c.name, c.span, format!("calendar `{}` is never used", c.name), "use it with `N business days of CALENDAR` or `no_contact on holidays of CALENDAR`, or delete it");
    }
    for a in model.actions.iter() {
        warn(
            SymbolKind::Action,
            &a.name,
            a.span,
            format!("action `{}` is never emitted", a.name),
            "emit it with `emit ACTION { ... }` in a stage, or delete it",
        );
    }
    // A built-in event the flow does not handle is one it does not need.
    for e in model.events.iter().filter(|e| !e.built_in) {
        warn(SymbolKind::Event, &e.name, e.span, format!("event `{}` is never handled", e.name), "handle it with `on EVENT ...` or use it in a policy rule; otherwise the flow ignores it");
    }
}
