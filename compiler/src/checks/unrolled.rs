//! The size of a stage once its `repeat`s are unrolled. Lowering copies a
//! `repeat N times` body N times (each copy gets its own states, so a
//! running account needs no loop counter); nested repeats multiply, so four
//! nested `repeat 100 times` would be a hundred million copies. The bound
//! here keeps every compiled stage, and so build, test, verification and
//! the language server, small.

use super::codes::REPEAT_SIZE;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{Block, Decl, File, HandlerBody, StepKind};

/// The most steps a stage or handler may hold once unrolled.
pub const MAX_UNROLLED_STEPS: u64 = 10_000;

/// Steps of `block` once unrolled, saturating.
pub fn size(block: &Block) -> u64 {
    block.steps.iter().fold(0u64, |total, step| {
        let one = match &step.kind {
            StepKind::Repeat { count, body } => u64::from(count.0).saturating_mul(size(body)),
            StepKind::If {
                branches,
                otherwise,
            } => branches
                .iter()
                .map(|(_, b)| size(b))
                .chain(otherwise.iter().map(size))
                .fold(1u64, u64::saturating_add),
            _ => 1,
        };
        total.saturating_add(one)
    })
}

pub(super) fn check(file: &File, diags: &mut Vec<Diagnostic>) {
    for decl in &file.decls {
        match decl {
            Decl::Stage(s) => {
                if !repeats(&s.body, diags) {
                    whole(&s.body, s.name.span, "stage", &s.name.name, diags);
                }
                for h in &s.handlers {
                    if let HandlerBody::Block(b) = &h.body {
                        repeats(b, diags);
                    }
                }
            }
            Decl::Handler(h) => {
                if let HandlerBody::Block(b) = &h.body {
                    repeats(b, diags);
                }
            }
            _ => {}
        }
    }
}

/// Reports each outermost `repeat` that alone unrolls past the bound; true
/// when one was reported.
fn repeats(block: &Block, diags: &mut Vec<Diagnostic>) -> bool {
    let mut reported = false;
    for step in &block.steps {
        match &step.kind {
            StepKind::Repeat { count, body } => {
                let unrolled = u64::from(count.0).saturating_mul(size(body));
                if unrolled > MAX_UNROLLED_STEPS {
                    diags.push(
                        Diagnostic::error(
                            REPEAT_SIZE,
                            format!(
                                "this `repeat` unrolls to {} steps, more than {MAX_UNROLLED_STEPS}",
                                shown(unrolled)
                            ),
                            count.1,
                        )
                        .with_label(format!("{} times {} steps", count.0, shown(size(body))))
                        .with_help("repeat fewer times or nest fewer repeats; for a long loop, move the steps into a stage that loops with `goto` and a `wait`"),
                    );
                    reported = true;
                } else {
                    reported |= repeats(body, diags);
                }
            }
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (_, b) in branches {
                    reported |= repeats(b, diags);
                }
                if let Some(b) = otherwise {
                    reported |= repeats(b, diags);
                }
            }
            _ => {}
        }
    }
    reported
}

/// Several repeats, each under the bound, that together pass it.
fn whole(
    block: &Block,
    at: crate::syntax::ast::Span,
    what: &str,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let total = size(block);
    if total > MAX_UNROLLED_STEPS {
        diags.push(
            Diagnostic::error(
                REPEAT_SIZE,
                format!(
                    "{what} `{name}` unrolls to {} steps, more than {MAX_UNROLLED_STEPS}",
                    shown(total)
                ),
                at,
            )
            .with_label("its `repeat`s together are too large")
            .with_help(
                "repeat fewer times, or split the steps over several stages joined by `goto`",
            ),
        );
    }
}

fn shown(n: u64) -> String {
    if n == u64::MAX {
        "more than 18 quintillion".to_string()
    } else {
        n.to_string()
    }
}
