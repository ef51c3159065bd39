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
use dun_machine::format::{Const, Instr, Machine, Op, SrcSpan};

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
    // The `wait until`s of each variable: (node, offset, span).
    let mut of_var: Vec<Vec<(Node, i64, SrcSpan)>> = vec![Vec::new(); m.vars.len()];
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
                    if !guarded(&stage.code, pc, x) {
                        if let Some(list) = of_var.get_mut(x as usize) {
                            list.push((here, wait.least, wait_span));
                        }
                    }
                }
            }
        }
    }
    // One search per place a variable is set from the clock, over every
    // `wait until` of that variable: linear in the graph per `set`.
    let mut reported = vec![false; g.len()];
    for (x, waits) in of_var.iter().enumerate() {
        if waits.is_empty() {
            continue;
        }
        let x = x as u16;
        for a in assignments(m, g, x) {
            let (Base::Today | Base::Now) = a.value.base else {
                continue;
            };
            let longest = longest_from(m, g, x, a.at);
            for &(w, least, wait_span) in waits {
                let t = longest[w as usize];
                let ahead = a.value.least.saturating_add(least);
                let earliest = a.value.earliest().saturating_add(least);
                if t >= 0 && t >= earliest && !reported[w as usize] {
                    reported[w as usize] = true;
                    out.push(report(cx, wait_span, Some((&a, x, ahead, Some(t)))));
                }
            }
        }
    }
}

/// Inside an `if` whose condition reads the variable: the author has
/// tested the date before waiting for it (`if deadline > today { ... }`).
fn guarded(code: &[Op], pc: usize, var: u16) -> bool {
    guarded_by(code, pc, &[Instr::Var(var)])
}

/// Inside an `if` whose condition reads one of `reads`.
fn guarded_by(code: &[Op], pc: usize, reads: &[Instr]) -> bool {
    code[..pc].iter().enumerate().any(|(j, op)| match op {
        Op::JumpUnless { cond, to } => {
            j < pc && pc < *to as usize && cond.iter().any(|i| reads.contains(i))
        }
        _ => false,
    })
}

/// Whether the `wait until at` at `pc` of a stage's `code` can find its
/// moment already come, whatever the data: it then does not wait. It
/// always waits when its moment is ahead of the clock it reads
/// (`today + 3 days`), when the variable it reads is set ahead of the
/// clock on every way to it within the stage, or when an enclosing `if`
/// tests what it reads (`if deadline > today { wait until deadline }`).
pub(super) fn can_be_past(m: &Machine, code: &[Op], pc: usize, at: &[Instr]) -> bool {
    match shape(m, at) {
        Some(
            s @ Shape {
                base: Base::Today | Base::Now,
                ..
            },
        ) => s.earliest() <= 0,
        Some(Shape {
            base: Base::Var(x),
            least,
        }) => !(guarded(code, pc, x) || set_ahead_before(m, code, pc, x, least)),
        None => {
            let reads: Vec<Instr> = at
                .iter()
                .filter(|i| matches!(i, Instr::Var(_) | Instr::Account(_) | Instr::Event(_)))
                .copied()
                .collect();
            reads.is_empty() || !guarded_by(code, pc, &reads)
        }
    }
}

/// Whether every way to `pc` within the stage passes a `set` of `var` to a
/// moment ahead of the clock (with `least` added) after the last place a
/// jump can land: the op runs in straight line from that `set`.
fn set_ahead_before(m: &Machine, code: &[Op], pc: usize, var: u16, least: i64) -> bool {
    let landings: foldhash::HashSet<usize> = code
        .iter()
        .filter_map(|op| match op {
            Op::Jump(to) | Op::JumpUnless { to, .. } => Some(*to as usize),
            _ => None,
        })
        .collect();
    for j in (0..pc).rev() {
        // A jump landing just after `j` reaches `pc` without passing it.
        if landings.contains(&(j + 1)) {
            return false;
        }
        if let Op::Set { var: v, value } = &code[j] {
            if *v == var {
                return shape(m, value).is_some_and(|s| {
                    matches!(s.base, Base::Today | Base::Now)
                        && s.earliest().saturating_add(least) > 0
                });
            }
        }
    }
    false
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

/// For each node, the longest time in minutes a run of fixed moves (steps,
/// branches and fixed waits at their longest) can take from `from` to it
/// without setting `var` again: -1 where no such run gets, `INFINITE` after
/// a loop such a run can go round.
fn longest_from(m: &Machine, g: &Graph, var: u16, from: Node) -> Vec<i64> {
    let n = g.len();
    // A `set` of the variable ends the run: from there on it holds
    // another value (a `set`'s own run starts on the node after it).
    let moves = |v: Node| {
        let blocked = sets(m, g, v, var);
        g.out(v)
            .iter()
            .filter(move |e| !blocked && e.is_fixed() && e.to != v)
    };
    let weight = |e: &super::graph::Edge| match e.via {
        Via::Wait => i64::try_from(e.hi).unwrap_or(INFINITE as i64),
        _ => 0,
    };
    // Depth first: the order in which nodes close, and the heads of loops
    // (a move to a node still open).
    let mut state = vec![0u8; n];
    let mut closed: Vec<Node> = Vec::new();
    let mut heads: Vec<Node> = Vec::new();
    let mut work: Vec<(Node, usize)> = vec![(from, 0)];
    state[from as usize] = 1;
    while let Some(&mut (v, ref mut next)) = work.last_mut() {
        if let Some(e) = moves(v).nth(*next) {
            *next += 1;
            match state[e.to as usize] {
                0 => {
                    state[e.to as usize] = 1;
                    work.push((e.to, 0));
                }
                1 => heads.push(e.to),
                _ => {}
            }
            continue;
        }
        state[v as usize] = 2;
        closed.push(v);
        work.pop();
    }
    // Reverse closing order is a topological order of the moves that do
    // not go round a loop.
    let mut rank = vec![u32::MAX; n];
    for (i, &v) in closed.iter().rev().enumerate() {
        rank[v as usize] = i as u32;
    }
    let mut best = vec![-1i64; n];
    best[from as usize] = 0;
    for &v in closed.iter().rev() {
        let here = best[v as usize];
        if here < 0 {
            continue;
        }
        for e in moves(v) {
            if rank[e.to as usize] > rank[v as usize] {
                let t = here.saturating_add(weight(e)).min(INFINITE as i64);
                let slot = &mut best[e.to as usize];
                *slot = (*slot).max(t);
            }
        }
    }
    // Whatever a loop leads to can come after any number of turns.
    let mut stack = heads;
    while let Some(v) = stack.pop() {
        if best[v as usize] == INFINITE as i64 {
            continue;
        }
        best[v as usize] = INFINITE as i64;
        stack.extend(moves(v).map(|e| e.to));
    }
    best
}

fn days(minutes: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if minutes % DAY == 0 || minutes.abs() >= DAY {
        plural(minutes / DAY, "day")
    } else {
        plural(minutes / 60, "hour")
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
