//! Paths through stages and between them.

use super::codes::*;
use crate::diagnostics::Diagnostic;
use crate::model::Model;
use crate::syntax::ast::{Block, Decl, File, Handler, HandlerBody, Span, Stage, Step, StepKind};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

pub(super) fn check(file: &File, model: &Model, diags: &mut Vec<Diagnostic>) {
    let mut flow_handlers: Vec<&Handler> = Vec::new();
    let mut stages: Vec<&Stage> = Vec::new();
    // Flow-wide deadlines lead where they go from any stage, as flow
    // handlers do.
    let mut flow_deadlines: Vec<&str> = Vec::new();
    for d in &file.decls {
        match d {
            Decl::Handler(h) => flow_handlers.push(h),
            Decl::Deadline(d) => flow_deadlines.push(&d.stage.name),
            Decl::Stage(s) => stages.push(s),
            _ => {}
        }
    }
    for s in &stages {
        if let Some((at, why)) = block_falls_off(&s.body) {
            diags.push(
                Diagnostic::error(FALLS_OFF, format!("stage `{}` can reach its end without moving on", s.name.name), s.name.span)
                    .with_label("a path through this stage falls off its end")
                    .with_secondary(at, why)
                    .with_help("end every path with `goto STAGE`, `end OUTCOME` or `split { ... }`; for an `if`, add an `else`"),
            );
        }
        unreachable_steps(&s.body, diags);
        for h in &s.handlers {
            if let HandlerBody::Block(b) = &h.body {
                unreachable_steps(b, diags);
            }
        }
        shadowed(&s.handlers.iter().collect::<Vec<_>>(), diags);
    }
    for h in &flow_handlers {
        if let HandlerBody::Block(b) = &h.body {
            unreachable_steps(b, diags);
        }
    }
    shadowed(&flow_handlers, diags);
    unreachable_stages(model, &stages, &flow_handlers, &flow_deadlines, diags);
}

/// Where a path through `block` runs off its end, with why; `None` when
/// every path ends in `goto`, `end` or `split`.
fn block_falls_off(block: &Block) -> Option<(Span, String)> {
    let mut last = None;
    for step in &block.steps {
        match step_falls_off(step) {
            None => return None,
            Some(f) => last = Some(f),
        }
    }
    Some(last.unwrap_or_else(|| {
        (
            block.span,
            "nothing in here moves the account on".to_string(),
        )
    }))
}

fn step_falls_off(step: &Step) -> Option<(Span, String)> {
    match &step.kind {
        StepKind::Goto(_) | StepKind::End(_) | StepKind::Split { .. } => None,
        StepKind::If {
            branches,
            otherwise,
        } => {
            for (_, body) in branches {
                if let Some(f) = block_falls_off(body) {
                    return Some(f);
                }
            }
            match otherwise {
                Some(b) => block_falls_off(b),
                None => Some((
                    step.span,
                    "this `if` has no `else`: when its condition is false the stage runs past it"
                        .to_string(),
                )),
            }
        }
        // `repeat` runs its body at least once.
        StepKind::Repeat { body, .. } => block_falls_off(body),
        _ => Some((
            step.span,
            "after this step the stage has nowhere to go".to_string(),
        )),
    }
}

/// Steps after a step that always moves the account on never run.
fn unreachable_steps(block: &Block, diags: &mut Vec<Diagnostic>) {
    let mut ended: Option<Span> = None;
    for step in &block.steps {
        if let Some(at) = ended {
            let last = block.steps.last().map(|s| s.span).unwrap_or(step.span);
            diags.push(
                Diagnostic::warning(
                    UNREACHABLE_STEP,
                    "these steps never run",
                    step.span.to(last),
                )
                .with_label("never runs")
                .with_secondary(at, "every path moves on here")
                .with_help("delete them, or move them before the step that moves the account on"),
            );
            break;
        }
        match &step.kind {
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (_, b) in branches {
                    unreachable_steps(b, diags);
                }
                if let Some(b) = otherwise {
                    unreachable_steps(b, diags);
                }
            }
            StepKind::Repeat { body, .. } => unreachable_steps(body, diags),
            _ => {}
        }
        if step_falls_off(step).is_none() {
            ended = Some(step.span);
        }
    }
}

/// A handler without `when` catches every event of its kind, so a later
/// handler of the same event in the same place never runs.
fn shadowed(handlers: &[&Handler], diags: &mut Vec<Diagnostic>) {
    let mut catch_all: HashMap<&str, Span> = HashMap::new();
    for h in handlers {
        if let Some(first) = catch_all.get(h.event.name.as_str()) {
            diags.push(
                Diagnostic::warning(SHADOWED_HANDLER, format!("this handler of `{}` never runs", h.event.name), h.span)
                    .with_label("never runs")
                    .with_secondary(*first, format!("this earlier handler has no `when` and catches every `{}`", h.event.name))
                    .with_help("handlers are tried in order and the first match runs: move this one above, or add a `when` to the earlier one"),
            );
        } else if h.when.is_none() {
            catch_all.insert(&h.event.name, h.span);
        }
    }
}

fn targets<'a>(block: &'a Block, out: &mut Vec<&'a str>) {
    for step in &block.steps {
        match &step.kind {
            StepKind::Goto(s) => out.push(&s.name),
            StepKind::Split { arms } => out.extend(arms.iter().map(|a| a.stage.name.as_str())),
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (_, b) in branches {
                    targets(b, out);
                }
                if let Some(b) = otherwise {
                    targets(b, out);
                }
            }
            StepKind::Repeat { body, .. } => targets(body, out),
            _ => {}
        }
    }
}

fn handler_targets<'a>(h: &'a Handler, out: &mut Vec<&'a str>) {
    match &h.body {
        HandlerBody::Goto(s) => out.push(&s.name),
        HandlerBody::Block(b) => targets(b, out),
    }
}

/// Stages that no path from `start` reaches. Flow handlers can fire in any
/// stage, so their targets are reachable as soon as the start is.
fn unreachable_stages(
    model: &Model,
    stages: &[&Stage],
    flow_handlers: &[&Handler],
    flow_deadlines: &[&str],
    diags: &mut Vec<Diagnostic>,
) {
    let Some(start) = &model.start else {
        return; // no start: already an error, every stage would be flagged
    };
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::with_capacity(stages.len());
    for s in stages {
        let mut out = Vec::new();
        targets(&s.body, &mut out);
        for h in &s.handlers {
            handler_targets(h, &mut out);
        }
        out.extend(s.deadlines.iter().map(|d| d.stage.name.as_str()));
        edges.entry(&s.name.name).or_insert(out);
    }
    let mut queue: Vec<&str> = vec![start.as_str()];
    for h in flow_handlers {
        handler_targets(h, &mut queue);
    }
    queue.extend_from_slice(flow_deadlines);
    let mut seen: HashSet<&str> = HashSet::with_capacity(stages.len());
    while let Some(s) = queue.pop() {
        if seen.insert(s) {
            if let Some(next) = edges.get(s) {
                queue.extend(next.iter().copied());
            }
        }
    }
    for s in stages {
        if !seen.contains(s.name.name.as_str())
            && model.stages.get(&s.name.name).map(|d| d.span) == Some(s.name.span)
        {
            diags.push(
                Diagnostic::warning(UNREACHABLE_STAGE, format!("no account ever reaches stage `{}`", s.name.name), s.name.span)
                    .with_label("unreachable stage")
                    .with_help(format!(
                        "nothing leads here from `start {start}`: add `goto {}` (or a handler `-> {}`) somewhere, or delete the stage",
                        s.name.name, s.name.name
                    )),
            );
        }
    }
}
