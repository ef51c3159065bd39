//! `at_most N CHANNELS per D`: a run that puts more than N such contacts in
//! one window of length D.
//!
//! A layered shortest-path search: layer `k` holds, for each node, the
//! least time since the first contact of the window on a way that has made
//! `k` contacts of the cap's channels. Contacts only move up a layer and
//! take no time, so each layer is one Dijkstra. Reaching layer `N + 1` in
//! less than `D` is a run that breaks the cap. `O((N + 1) · E log V)`.

use super::graph::{Edge, Graph, Node, INFINITE};
use super::paths::{Reach, Step};
use super::render::{self, Mode};
use super::{Context, CAP, CAP_POSSIBLE};
use crate::diagnostics::Diagnostic;
use dun_runtime::format::{Cap, ChannelSet};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// A way that breaks a cap: the moves before the window and inside it.
pub struct Breach {
    pub prefix: Vec<Step>,
    pub window: Vec<Step>,
}

pub fn check(cx: &Context<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
    for (i, b, mode) in breaches(cx, reach) {
        let cap = &cx.m.policy.caps[i];
        let code = if mode == Mode::Fixed {
            CAP
        } else {
            CAP_POSSIBLE
        };
        out.push(render::cap(cx, i, cap, &b, mode, code));
    }
}

/// For each cap at most one run that breaks it: `Mode::Fixed` for a
/// certain one (an error), `Mode::Possible` for one that may happen.
pub fn breaches(cx: &Context<'_>, reach: &Reach) -> Vec<(usize, Breach, Mode)> {
    let mut out = Vec::new();
    for (i, cap) in cx.m.policy.caps.iter().enumerate() {
        if cap.channels == ChannelSet::NONE {
            continue;
        }
        let (dlo, dhi) = super::graph::bounds(cx.m, cap.window);
        if let Some(b) = search(cx.g, reach, cap, Mode::Fixed, dlo) {
            let mut full = b.prefix.clone();
            full.extend_from_slice(&b.window);
            // Choices the same account cannot make together: a run for no
            // account, so not an error.
            let mode = if super::paths::choices_agree(cx.m, cx.g, &full) {
                Mode::Fixed
            } else {
                Mode::Possible
            };
            out.push((i, b, mode));
        } else if let Some(b) = search(cx.g, reach, cap, Mode::Possible, dhi) {
            out.push((i, b, Mode::Possible));
        }
    }
    out
}

/// Moves allowed inside the window, and the time each takes.
pub fn cost(e: &Edge, mode: Mode) -> Option<u64> {
    match mode {
        Mode::Fixed if e.is_fixed() => Some(e.hi),
        Mode::Fixed => None,
        Mode::Possible => Some(e.lo),
    }
}

pub fn counted(e: &Edge, channels: ChannelSet) -> usize {
    e.contacts
        .iter()
        .filter(|c| channels.contains(c.channel))
        .count()
}

/// What a run may assume inside the window: one event at a chosen moment,
/// or one `wait until` whose date has already come. Runs that need more
/// (a promise made and broken the same minute) are left to the runtime,
/// which holds what they bring.
const EVENTS: u8 = 1;

/// (node, events assumed) → (time since the window opened, the move
/// that got there: layer, events, node, edge).
type Layer = HashMap<(Node, u8), (u64, Option<(usize, u8, Node, usize)>)>;

fn events_of(e: &Edge) -> u8 {
    u8::from(matches!(
        e.via,
        super::graph::Via::Event { .. } | super::graph::Via::WaitUntil
    ))
}

fn search(g: &Graph, reach: &Reach, cap: &Cap, mode: Mode, limit: u64) -> Option<Breach> {
    if limit == 0 || limit >= INFINITE {
        return None;
    }
    let top = cap.count as usize + 1;
    let mut layers: Vec<Layer> = vec![HashMap::new(); top + 1];
    // Seeds: a counted contact on any reachable move opens the window.
    for v in 0..g.len() {
        if !reach.seen[v] {
            continue;
        }
        for (i, e) in g.edges[v].iter().enumerate() {
            let c = counted(e, cap.channels);
            let Some(d) = cost(e, mode) else { continue };
            if c == 0 || d >= limit || events_of(e) > EVENTS {
                continue;
            }
            let k = c.min(top);
            let slot = layers[k]
                .entry((e.to, events_of(e)))
                .or_insert((u64::MAX, None));
            if d < slot.0 {
                *slot = (d, Some((0, 0, v as Node, i)));
            }
        }
    }
    for k in 1..=top {
        let mut heap: BinaryHeap<Reverse<(u64, Node, u8)>> = layers[k]
            .iter()
            .map(|((v, ev), (d, _))| Reverse((*d, *v, *ev)))
            .collect();
        while let Some(Reverse((d, v, ev))) = heap.pop() {
            if layers[k].get(&(v, ev)).map(|x| x.0) != Some(d) {
                continue;
            }
            if k == top {
                return Some(unwind(g, reach, &layers, top, (v, ev)));
            }
            for (i, e) in g.edges[v as usize].iter().enumerate() {
                let Some(w) = cost(e, mode) else { continue };
                let nd = d.saturating_add(w);
                let nev = ev + events_of(e);
                if nd >= limit || nev > EVENTS {
                    continue;
                }
                let k2 = (k + counted(e, cap.channels)).min(top);
                let slot = layers[k2].entry((e.to, nev)).or_insert((u64::MAX, None));
                if nd < slot.0 {
                    *slot = (nd, Some((k, ev, v, i)));
                    if k2 == k {
                        heap.push(Reverse((nd, e.to, nev)));
                    }
                }
            }
        }
    }
    None
}

fn unwind(g: &Graph, reach: &Reach, layers: &[Layer], top: usize, end: (Node, u8)) -> Breach {
    let mut window = Vec::new();
    let (mut k, mut at) = (top, end);
    let mut guard = 0usize;
    while let Some((_, Some((pk, pev, u, i)))) = layers[k].get(&at) {
        window.push((*u, *i));
        guard += 1;
        if *pk == 0 || guard > g.len() * (top + 1) * 2 {
            break;
        }
        k = *pk;
        at = (*u, *pev);
    }
    window.reverse();
    let prefix = window
        .first()
        .map(|(u, _)| reach.path_to(*u))
        .unwrap_or_default();
    Breach { prefix, window }
}
