//! `wait until` a moment the flow itself can already have passed: a date
//! computed from the clock (`today + 10 days`, kept in a variable) that the
//! flow's own fixed waits outrun before the `wait until` is reached, or one
//! that is at most the moment it is read (`wait until today`). The runtime
//! goes on at once then, so the wait does not wait.
//!
//! Dates that come from data (account and event fields, dates written in
//! the flow, variables set from them) are not reported: when they have
//! passed, going on at once is what such a wait is for. Nor are runs that
//! need an event or another `wait until` to get there. See
//! docs/verification.md.

use super::graph::{Graph, Node, Via, INFINITE};
use super::render::span;
use super::{Context, WAIT_UNTIL_PAST};
use crate::diagnostics::Diagnostic;
use dun_runtime::format::{Const, Instr, Machine, Op, SrcSpan};

const DAY: i64 = 24 * 60;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    /// The local date when the expression is evaluated (its 00:00).
    Today,
    Now,
    Var(u16),
}

/// An expression `BASE (+|- DURATION)*`, with the least offset its
/// durations can add, in minutes.
#[derive(Clone, Copy)]
struct Shape {
    base: Base,
    least: i64,
}

impl Shape {
    /// The least the value can be after the moment its clock was read:
    /// `today` is that day's 00:00, up to a minute short of a day before.
    fn earliest(&self) -> i64 {
        match self.base {
            Base::Today => self.least - (DAY - 1),
            _ => self.least,
        }
    }
}

fn shape(m: &Machine, code: &[Instr]) -> Option<Shape> {
    let (first, rest) = code.split_first()?;
    let base = match first {
        Instr::Today => Base::Today,
        Instr::Now => Base::Now,
        Instr::Var(v) => Base::Var(*v),
        _ => return None,
    };
    let mut least: i64 = 0;
    for pair in rest.chunks(2) {
        let [Instr::Const(k), op] = pair else {
            return None;
        };
        let Some(Const::Duration(d)) = m.consts.get(*k as usize) else {
            return None;
        };
        let (lo, hi) = super::graph::bounds(m, *d);
        let (lo, hi) = (
            i64::try_from(lo).unwrap_or(i64::MAX / 4),
            i64::try_from(hi).unwrap_or(i64::MAX / 4),
        );
        least = match op {
            Instr::Add => least.saturating_add(lo),
            Instr::Sub => least.saturating_sub(hi),
            _ => return None,
        };
    }
    Some(Shape { base, least })
}

/// Where a variable gets a value read from the clock: the node from which
/// the flow goes on with it, the offset, and the span to label.
struct Assignment {
    at: Node,
    value: Shape,
    span: SrcSpan,
}

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let (m, g) = (cx.m, cx.g);
    for (si, stage) in m.stages.iter().enumerate() {
        for (pc, op) in stage.code.iter().enumerate() {
            let Op::WaitUntil { at, .. } = op else {
                continue;
            };
            let Some(wait) = shape(m, at) else { continue };
            let here = g.entry(si as u16) + pc as Node;
            let wait_span = stage.spans.get(pc).copied().unwrap_or_default();
            match wait.base {
                Base::Today | Base::Now => {
                    if wait.earliest() <= 0 {
                        out.push(report(cx, wait_span, None));
                    }
                }
                Base::Var(x) => {
                    if guarded(&stage.code, pc, x) {
                        continue;
                    }
                    for a in assignments(m, g, x) {
                        let (Base::Today | Base::Now) = a.value.base else {
                            continue;
                        };
                        let earliest = a.value.earliest().saturating_add(wait.least);
                        let longest = longest_fixed(m, g, x, a.at, here);
                        if longest.is_some_and(|t| t >= earliest) {
                            let ahead = a.value.least.saturating_add(wait.least);
                            out.push(report(cx, wait_span, Some((&a, x, ahead, longest))));
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// Inside an `if` whose condition reads the variable: the author has
/// tested the date before waiting for it (`if deadline > today { ... }`).
fn guarded(code: &[Op], pc: usize, var: u16) -> bool {
    code[..pc].iter().enumerate().any(|(j, op)| match op {
        Op::JumpUnless { cond, to } => {
            j < pc && pc < *to as usize && cond.iter().any(|i| *i == Instr::Var(var))
        }
        _ => false,
    })
}

/// Every place `var` gets its value: its initial value as the account
/// enters the flow, and each `set` of it in a stage.
fn assignments(m: &Machine, g: &Graph, var: u16) -> Vec<Assignment> {
    let mut out = Vec::new();
    if let Some(value) = m.vars.get(var as usize).and_then(|v| shape(m, &v.init)) {
        out.push(Assignment {
            at: g.start,
            value,
            span: SrcSpan::default(),
        });
    }
    for (si, stage) in m.stages.iter().enumerate() {
        for (pc, op) in stage.code.iter().enumerate() {
            if let Op::Set { var: v, value } = op {
                if *v == var {
                    if let Some(value) = shape(m, value) {
                        out.push(Assignment {
                            at: g.entry(si as u16) + pc as Node + 1,
                            value,
                            span: stage.spans.get(pc).copied().unwrap_or_default(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Whether node `v` sets `var` (its move out does).
fn sets(m: &Machine, g: &Graph, v: Node, var: u16) -> bool {
    let s = g.stage_of[v as usize];
    let pc = (v - g.entry(s)) as usize;
    matches!(
        m.stages.get(s as usize).and_then(|st| st.code.get(pc)),
        Some(Op::Set { var: x, .. }) if *x == var
    )
}

/// The longest time, in minutes, a run of fixed moves (steps, branches and
/// fixed waits at their longest) can take from `from` to `to` without
/// setting `var` again; `None` when no such run gets there, `INFINITE`
/// through a loop that takes time.
fn longest_fixed(m: &Machine, g: &Graph, var: u16, from: Node, to: Node) -> Option<i64> {
    let n = g.len();
    let moves = |v: Node| {
        let blocked = v != from && sets(m, g, v, var);
        g.out(v)
            .iter()
            .filter(move |e| !blocked && e.is_fixed() && e.to != v)
    };
    // What `from` reaches, then what of it reaches `to`: loops elsewhere
    // do not lengthen the way.
    let mut ahead = vec![false; n];
    let mut stack = vec![from];
    ahead[from as usize] = true;
    while let Some(v) = stack.pop() {
        if v == to {
            continue;
        }
        for e in moves(v) {
            if !ahead[e.to as usize] {
                ahead[e.to as usize] = true;
                stack.push(e.to);
            }
        }
    }
    if !ahead[to as usize] {
        return None;
    }
    // Backwards from `to` over the moves among `ahead`.
    let mut back: Vec<(Node, Node)> = (0..n as Node)
        .filter(|&v| ahead[v as usize] && v != to)
        .flat_map(|v| moves(v).map(move |e| (e.to, v)))
        .collect();
    back.sort_unstable();
    let mut useful = vec![false; n];
    useful[to as usize] = true;
    let mut stack = vec![to];
    while let Some(w) = stack.pop() {
        let first = back.partition_point(|&(t, _)| t < w);
        for &(_, v) in back[first..].iter().take_while(|&&(t, _)| t == w) {
            if !useful[v as usize] {
                useful[v as usize] = true;
                stack.push(v);
            }
        }
    }
    // Longest path by depth-first search; meeting a node still open is a
    // loop inside the region.
    const OPEN: i64 = -1;
    const NEW: i64 = -2;
    let mut best = vec![NEW; n];
    best[to as usize] = 0;
    let mut work: Vec<(Node, usize, i64)> = vec![(from, 0, 0)];
    if from == to {
        return Some(0);
    }
    best[from as usize] = OPEN;
    while let Some(&mut (v, ref mut next, ref mut acc)) = work.last_mut() {
        if let Some(e) = moves(v).filter(|e| useful[e.to as usize]).nth(*next) {
            *next += 1;
            let w = match e.via {
                Via::Wait => i64::try_from(e.hi).unwrap_or(INFINITE as i64),
                _ => 0,
            };
            match best[e.to as usize] {
                OPEN => return Some(INFINITE as i64),
                // The child's time is added, with the move's, as it closes.
                NEW => {
                    best[e.to as usize] = OPEN;
                    work.push((e.to, 0, 0));
                }
                t => *acc = (*acc).max(t.saturating_add(w)),
            }
            continue;
        }
        let done = *acc;
        best[v as usize] = done;
        work.pop();
        if let Some((p, _, pacc)) = work.last_mut() {
            // The move that opened `v` is the one just before `next`.
            let w = g
                .out(*p)
                .iter()
                .filter(|e| e.to == v && e.is_fixed())
                .map(|e| match e.via {
                    Via::Wait => i64::try_from(e.hi).unwrap_or(INFINITE as i64),
                    _ => 0,
                })
                .max()
                .unwrap_or(0);
            *pacc = (*pacc).max(done.saturating_add(w));
        }
    }
    Some(best[from as usize].max(0))
}

fn days(minutes: i64) -> String {
    let d = minutes / DAY;
    if d == 1 {
        "1 day".into()
    } else {
        format!("{d} days")
    }
}

fn report(
    cx: &Context<'_>,
    at: SrcSpan,
    set: Option<(&Assignment, u16, i64, Option<i64>)>,
) -> Diagnostic {
    let help = "when the moment has passed the runtime does not wait: the account goes on at \
                once (the audit log says `already past, goes on`); to pause anyway, wait for a \
                duration (`wait 3 days`), set the date just before the wait, or test it first \
                (`if deadline > today { wait until deadline }`)";
    let Some((a, var, ahead, longest)) = set else {
        return Diagnostic::note(
            WAIT_UNTIL_PAST,
            "this `wait until` is never later than the moment it is reached",
            span(at),
        )
        .with_label("already come when the account gets here: it does not wait")
        .with_help(help);
    };
    let name =
        cx.m.vars
            .get(var as usize)
            .map(|v| cx.m.str(v.name).to_string())
            .unwrap_or_else(|| "?".into());
    let outrun = match longest {
        Some(t) if t >= INFINITE as i64 => "a loop of fixed waits can come in between".to_string(),
        Some(t) => format!("up to {} of fixed waits come in between", days(t)),
        None => "fixed waits come in between".to_string(),
    };
    let d = Diagnostic::note(
        WAIT_UNTIL_PAST,
        format!("`{name}` can already have passed when this `wait until` is reached"),
        span(at),
    )
    .with_label(format!(
        "at most {} after `{name}` is set; {outrun}",
        days(ahead)
    ));
    let d = if a.span == SrcSpan::default() {
        match cx.var_span(var) {
            Some(s) => d.with_secondary(s, format!("`{name}` is set as the account enters")),
            None => d,
        }
    } else {
        d.with_secondary(span(a.span), format!("`{name}` is set here"))
    };
    d.with_help(help)
}
