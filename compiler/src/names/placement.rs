//! The built-in event `agency_recalled { agency: text }`, which the
//! runtime hands the flow when the period of `assign agency "Name" for
//! DURATION` ends. It is part of a flow's model when a handler names it
//! and the flow does not declare an event of that name itself.

use crate::model::{Event, Field, Model, Table, Type};
use crate::syntax::ast::{self, Decl, Span};

pub(crate) const AGENCY_RECALLED: &str = "agency_recalled";

pub(crate) fn add_builtin_events(file: &ast::File, model: &mut Model) {
    if model.events.get(AGENCY_RECALLED).is_some() {
        return;
    }
    let named = |h: &ast::Handler| h.event.name == AGENCY_RECALLED;
    let handled = file.decls.iter().any(|d| match d {
        Decl::Handler(h) => named(h),
        Decl::Stage(s) => s.handlers.iter().any(named),
        _ => false,
    });
    if !handled {
        return;
    }
    let mut fields = Table::default();
    let _ = fields.insert(
        "agency",
        Field {
            name: "agency".into(),
            span: Span::default(),
            ty: Type::Text,
            optional: false,
        },
    );
    let _ = model.events.insert(
        AGENCY_RECALLED,
        Event {
            name: AGENCY_RECALLED.into(),
            span: Span::default(),
            fields,
            // Declared by dun, not by a line of the file.
            decl: usize::MAX,
            built_in: true,
        },
    );
}
