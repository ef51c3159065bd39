//! Progress: a stage from which no `end` can be reached, by any move and
//! any event, holds its accounts for ever.

use super::paths::Reach;
use super::render::span;
use super::{Context, NEVER_ENDS};
use crate::diagnostics::Diagnostic;
use std::collections::VecDeque;

pub fn check(cx: &Context<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
    let g = cx.g;
    // The moves backwards, grouped by the node they reach (a counting
    // sort): `from[start[w] .. start[w + 1]]` are the nodes with a move to `w`.
    let n = g.len();
    let mut start = vec![0u32; n + 1];
    for (_, e) in g.moves() {
        if let Some(c) = start.get_mut(e.to as usize + 1) {
            *c += 1;
        }
    }
    for w in 0..n {
        start[w + 1] += start[w];
    }
    let mut fill = start.clone();
    let mut from = vec![0u32; start[n] as usize];
    for (v, e) in g.moves() {
        if let Some(at) = fill.get_mut(e.to as usize) {
            from[*at as usize] = v;
            *at += 1;
        }
    }
    let mut ends = vec![false; g.len()];
    let mut queue: VecDeque<u32> = VecDeque::new();
    for (v, &is_end) in g.ends.iter().enumerate() {
        if is_end {
            ends[v] = true;
            queue.push_back(v as u32);
        }
    }
    while let Some(v) = queue.pop_front() {
        let v = v as usize;
        for &u in &from[start[v] as usize..start[v + 1] as usize] {
            if !ends[u as usize] {
                ends[u as usize] = true;
                queue.push_back(u);
            }
        }
    }
    for (s, stage) in cx.m.stages.iter().enumerate() {
        let entry = g.entry(s as u16) as usize;
        if !reach.seen.get(entry).copied().unwrap_or(false) || ends[entry] {
            continue;
        }
        let name = cx.m.str(stage.name);
        out.push(
            Diagnostic::warning(
                NEVER_ENDS,
                format!("accounts that enter `{name}` never finish"),
                cx.stage_name_span(s).unwrap_or(span(stage.span)),
            )
            .with_label("no `end` can be reached from here, whatever events come")
            .with_help(
                "lead every way out of this stage to an `end`, directly or through other \
                 stages, or give it a handler that ends (`on payment -> paid`)",
            ),
        );
    }
}
