//! The built-in event `agency_recalled { agency: text }`, which the
//! runtime hands the flow when the period of `assign agency "Name" for
//! DURATION` ends. It is part of a flow's model when a handler names it
//! and the flow does not declare an event of that name itself. Its origin
//! in the file is the first step that places for a period (the event
//! comes when that period ends), and its `agency` field's origin is that
//! step's agency name: diagnostics, hover and go-to-definition point
//! there. A flow that handles it without placing for a period gives it
//! no origin (hover still describes it).

use crate::model::{Event, Field, Model, Table, Type};
use crate::syntax::ast::{self, Block, Decl, Span, Step, StepKind};

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
    let (decl, step, agency) =
        first_placement(file).unwrap_or((usize::MAX, Span::default(), Span::default()));
    let mut fields = Table::default();
    let _ = fields.insert(
        "agency",
        Field {
            name: "agency".into(),
            span: agency,
            ty: Type::Text,
            optional: false,
        },
    );
    let _ = model.events.insert(
        AGENCY_RECALLED,
        Event {
            name: AGENCY_RECALLED.into(),
            span: step,
            fields,
            // Declared by dun: `decl` is the declaration holding the step
            // that causes it.
            decl,
            built_in: true,
        },
    );
}

/// The first `assign agency "Name" for DURATION` in file order: its
/// declaration's index, the step's span and the agency name's span.
fn first_placement(file: &ast::File) -> Option<(usize, Span, Span)> {
    file.decls.iter().enumerate().find_map(|(i, d)| {
        let found = match d {
            Decl::Stage(s) => s
                .handlers
                .iter()
                .find_map(handler_placement)
                .or_else(|| block_placement(&s.body)),
            Decl::Handler(h) => handler_placement(h),
            _ => None,
        };
        found.map(|(step, agency)| (i, step, agency))
    })
}

fn handler_placement(h: &ast::Handler) -> Option<(Span, Span)> {
    match &h.body {
        ast::HandlerBody::Block(b) => block_placement(b),
        ast::HandlerBody::Goto(_) => None,
    }
}

fn block_placement(b: &Block) -> Option<(Span, Span)> {
    b.steps.iter().find_map(step_placement)
}

fn step_placement(s: &Step) -> Option<(Span, Span)> {
    match &s.kind {
        StepKind::PlaceAgency { agency, .. } => Some((s.span, agency.span)),
        StepKind::If {
            branches,
            otherwise,
        } => branches
            .iter()
            .find_map(|(_, b)| block_placement(b))
            .or_else(|| otherwise.as_ref().and_then(block_placement)),
        StepKind::Repeat { body, .. } => block_placement(body),
        _ => None,
    }
}
