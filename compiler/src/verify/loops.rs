//! Zero-time loops: a cycle of moves none of which waits. The engine would
//! spin through it until its step budget halts the account. A `wait until`
//! a moment that can already be past (`wait until today`, a date from the
//! data, a variable not set ahead of the clock on the way) does not wait
//! once that moment has come, so it does not break such a cycle.

use super::graph::{Edge, Graph, Node, Via};
use super::paths::Reach;
use super::render::span;
use super::until;
use super::{Context, ZERO_TIME_LOOP};
use crate::diagnostics::Diagnostic;
use dun_machine::format::Op;
use std::collections::VecDeque;

/// Which moves can take no time.
struct Instant {
    /// By node: a `wait until` there can already be past when reached.
    passable: Vec<bool>,
}

impl Instant {
    fn new(cx: &Context<'_>) -> Self {
        let (m, g) = (cx.m, cx.g);
        let mut passable = vec![false; g.len()];
        for (si, stage) in m.stages.iter().enumerate() {
            for (pc, op) in stage.code.iter().enumerate() {
                if let Op::WaitUntil { at, .. } = op {
                    let node = (g.entry(si as u16) + pc as Node) as usize;
                    if let Some(slot) = passable.get_mut(node) {
                        *slot = until::can_be_past(m, &stage.code, pc, at);
                    }
                }
            }
        }
        Instant { passable }
    }

    /// A move from `from` that takes no time whatever events come: a step,
    /// or a `wait until` whose moment can have come.
    fn is(&self, from: Node, e: &Edge) -> bool {
        (e.is_fixed() && e.hi == 0)
            || (matches!(e.via, Via::WaitUntil)
                && self.passable.get(from as usize).copied().unwrap_or(false))
    }
}

pub fn check(cx: &Context<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
    let g = cx.g;
    let instant = Instant::new(cx);
    for scc in components(g, reach, &instant) {
        let Some(cycle) = cycle_in(g, &scc, &instant) else {
            continue;
        };
        // The stages in the order the cycle enters them.
        let mut names: Vec<String> = cycle
            .first()
            .map(|&(u, _)| vec![cx.m.stage_name(g.stage_of[u as usize]).to_string()])
            .unwrap_or_default();
        let mut d: Option<Diagnostic> = None;
        let mut labels = Vec::new();
        for &(u, i) in &cycle {
            let e = &g.edge((u, i));
            let to_stage = g.stage_of[e.to as usize];
            if e.to == g.entry(to_stage) {
                let name = cx.m.stage_name(to_stage).to_string();
                labels.push((e.span, format!("goes to `{name}` without waiting")));
                if names.first() != Some(&name) {
                    names.push(name);
                }
            }
            if matches!(e.via, Via::WaitUntil) {
                labels.push((
                    e.span,
                    "a `wait until` a moment that can already be past: once it has come, this does not wait".to_string(),
                ));
            }
            for c in g.contacts(e) {
                labels.push((c.span, format!("{} on every turn", c.channel.name())));
            }
        }
        if labels.is_empty() {
            continue;
        }
        let mut shown = names.clone();
        if let Some(first) = names.first() {
            shown.push(first.clone());
        }
        let drawn = shown
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" → ");
        for (at, text) in labels {
            d = Some(match d {
                None => Diagnostic::error(
                    ZERO_TIME_LOOP,
                    format!("{drawn} loops without ever waiting"),
                    span(at),
                )
                .with_label(text),
                Some(d) if d.primary.span == span(at) => d,
                Some(d) => d.with_secondary(span(at), text),
            });
        }
        if let Some(d) = d {
            out.push(d.with_help(
                "put a `wait` on the way round, or end the loop; the runtime halts an account \
                 that runs this many steps at once",
            ));
        }
    }
}

/// Strongly connected groups of reachable nodes over instant moves that
/// hold a cycle (Tarjan, without recursion).
fn components(g: &Graph, reach: &Reach, instant: &Instant) -> Vec<Vec<Node>> {
    let n = g.len();
    let mut index = vec![u32::MAX; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<Node> = Vec::new();
    let mut out = Vec::new();
    let mut next = 0u32;
    for root in 0..n {
        if index[root] != u32::MAX || !reach.seen[root] {
            continue;
        }
        let mut work: Vec<(Node, usize)> = vec![(root as Node, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root as Node);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut ei)) = work.last_mut() {
            let vu = v as usize;
            if let Some(e) = g.out(v).get(*ei) {
                *ei += 1;
                if !instant.is(v, e) {
                    continue;
                }
                let w = e.to as usize;
                if index[w] == u32::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(e.to);
                    on_stack[w] = true;
                    work.push((e.to, 0));
                } else if on_stack[w] {
                    low[vu] = low[vu].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(p, _)) = work.last() {
                low[p as usize] = low[p as usize].min(low[vu]);
            }
            if low[vu] == index[vu] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                let looped =
                    comp.len() > 1 || g.out(v).iter().any(|e| instant.is(v, e) && e.to == v);
                if looped {
                    comp.sort_unstable();
                    out.push(comp);
                }
            }
        }
    }
    out
}

/// One cycle through the group, from its first stage entry.
fn cycle_in(g: &Graph, comp: &[Node], instant: &Instant) -> Option<Vec<(Node, usize)>> {
    let inside = |v: Node| comp.binary_search(&v).is_ok();
    let start = comp
        .iter()
        .copied()
        .find(|&v| v == g.entry(g.stage_of[v as usize]))
        .or_else(|| comp.first().copied())?;
    let mut pred: foldhash::HashMap<Node, (Node, usize)> = Default::default();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for (i, e) in g.out(v).iter().enumerate() {
            if !instant.is(v, e) || !inside(e.to) {
                continue;
            }
            if e.to == start {
                let mut path = vec![(v, i)];
                let mut x = v;
                while x != start {
                    let &(p, j) = pred.get(&x)?;
                    path.push((p, j));
                    x = p;
                }
                path.reverse();
                return Some(path);
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = pred.entry(e.to) {
                slot.insert((v, i));
                queue.push_back(e.to);
            }
        }
    }
    None
}
