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
use dun_machine::format::{Cap, ChannelSet, DurationSpec, DurationUnit, Machine};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A way that breaks a cap: the moves before the window and inside it.
pub struct Breach {
    pub prefix: Vec<Step>,
    pub window: Vec<Step>,
    /// The run at the engine's moments, for an error the contact hours or
    /// a recall could have changed (see `moments`).
    pub shifted: Option<super::moments::Shifted>,
}

pub fn check(cx: &Context<'_>, reach: &Reach, out: &mut Vec<Diagnostic>) {
    let caps = all_caps(cx.m);
    for (i, b, mode) in breaches(cx, reach) {
        let cap = &caps[i];
        let code = if mode == Mode::Fixed {
            CAP
        } else {
            CAP_POSSIBLE
        };
        let mut d = render::cap(cx, i, cap, &b, mode, code);
        if i >= cx.m.policy.caps.len() {
            let help = d.help.take().unwrap_or_default();
            d = d.with_help(format!(
                "{help}; `per calendar week` counts from Monday 00:00: contacts within 7 days \
                 fall in one calendar week for an account whose run starts on the right day"
            ));
        }
        out.push(d);
    }
}

/// The sliding caps, then each `per calendar week` cap as a cap per 7
/// days: a run that makes N + 1 contacts within 7 days puts them all in one
/// calendar week for an account that enters on the right day (accounts
/// enter on any day), and contacts 7 days or more apart never share one.
pub fn all_caps(m: &Machine) -> Vec<Cap> {
    let week = DurationSpec::new(7, DurationUnit::Days);
    m.policy
        .caps
        .iter()
        .cloned()
        .chain(m.policy.ext.week_caps.iter().map(|w| Cap {
            channels: w.channels,
            count: w.count,
            window: week,
        }))
        .collect()
}

/// For each cap at most one run that breaks it: `Mode::Fixed` for a
/// certain one (an error), `Mode::Possible` for one that may happen.
pub fn breaches(cx: &Context<'_>, reach: &Reach) -> Vec<(usize, Breach, Mode)> {
    let mut out = Vec::new();
    let shifts = super::moments::matter(cx.m);
    for (i, cap) in all_caps(cx.m).iter().enumerate() {
        if cap.channels == ChannelSet::NONE {
            continue;
        }
        let (dlo, dhi) = super::graph::bounds(cx.m, cap.window);
        let week = i >= cx.m.policy.caps.len();
        // The possible search relaxes the fixed one (more moves, shorter
        // waits, a longer window): when it finds nothing, neither would
        // the fixed one, and a clean flow pays for one search per cap.
        let Some(possible) = search(cx.g, reach, cap, Mode::Possible, dhi) else {
            continue;
        };
        if let Some(mut b) = search(cx.g, reach, cap, Mode::Fixed, dlo) {
            let mut full = b.prefix.clone();
            full.extend_from_slice(&b.window);
            // Choices the same account cannot make together: a run for no
            // account, so not an error.
            let mode = if super::paths::choices_agree(cx.m, cx.g, &full) {
                Mode::Fixed
            } else {
                Mode::Possible
            };
            // The plan's run is an error only if the engine, holding
            // contacts for their windows and recalling placements, still
            // makes it over the cap for some entry.
            if mode == Mode::Fixed && shifts {
                b.shifted = super::moments::realise(cx.m, cx.g, &b.prefix, &b.window, cap, week);
                if b.shifted.is_none() {
                    // The engine holds this run's contacts apart for every
                    // entry: what is left is the relaxed run, when the
                    // engine's moments make it over the cap.
                    let mut possible = possible;
                    possible.shifted = super::moments::realise(
                        cx.m,
                        cx.g,
                        &possible.prefix,
                        &possible.window,
                        cap,
                        week,
                    );
                    if possible.shifted.is_some() {
                        out.push((i, possible, Mode::Possible));
                    }
                    continue;
                }
            }
            out.push((i, b, mode));
        } else {
            out.push((i, possible, Mode::Possible));
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

pub fn counted(g: &Graph, e: &Edge, channels: ChannelSet) -> usize {
    if !e.has_contacts() {
        return 0;
    }
    g.contacts(e)
        .iter()
        .filter(|c| channels.contains(c.channel))
        .count()
}

/// What a run may assume inside the window: one event at a chosen moment,
/// or one `wait until` whose date has already come. Runs that need more
/// (a promise made and broken the same minute) are left to the runtime,
/// which holds what they bring.
const EVENTS: u8 = 1;

/// A state's best entry: the least time since the window opened, and the
/// move that got there (an index of [`Graph::edge_id`]) from which state,
/// (layer, events) packed.
#[derive(Clone, Copy)]
struct Entry {
    dist: u64,
    edge: u32,
    from_state: u32,
}

const EMPTY: Entry = Entry {
    dist: u64::MAX,
    edge: 0,
    from_state: 0,
};

/// The search's table over (layer, events assumed, node), in chunks of
/// nodes allocated when the search first reaches one: a flow that keeps its
/// caps never reaches the top layers, and the states that assume an event
/// are a few stages' worth. Allocating and filling every slot up front was
/// most of the search's cost on a large flow.
struct Table {
    evs: usize,
    chunks: Vec<Vec<Entry>>,
    per_layer: usize,
}

const CHUNK: usize = 1024;

impl Table {
    fn new(layers: usize, evs: usize, nodes: usize) -> Table {
        let per_layer = nodes.div_ceil(CHUNK);
        Table {
            evs,
            chunks: vec![Vec::new(); layers * evs * per_layer],
            per_layer,
        }
    }

    fn chunk(&self, k: usize, v: Node, ev: u8) -> usize {
        (k * self.evs + ev as usize) * self.per_layer + v as usize / CHUNK
    }

    fn slot(&mut self, k: usize, v: Node, ev: u8) -> &mut Entry {
        let c = self.chunk(k, v, ev);
        let chunk = &mut self.chunks[c];
        if chunk.is_empty() {
            *chunk = vec![EMPTY; CHUNK];
        }
        &mut chunk[v as usize % CHUNK]
    }

    fn get(&self, k: usize, v: Node, ev: u8) -> Entry {
        self.chunks
            .get(self.chunk(k, v, ev))
            .and_then(|chunk| chunk.get(v as usize % CHUNK))
            .copied()
            .unwrap_or(EMPTY)
    }
}

fn pack(k: usize, ev: u8) -> u32 {
    ((k as u32) << 8) | u32::from(ev)
}

fn unpack(p: u32) -> (usize, u8) {
    ((p >> 8) as usize, (p & 0xff) as u8)
}

fn events_of(e: &Edge) -> u8 {
    u8::from(matches!(
        e.via,
        super::graph::Via::Event { .. }
            | super::graph::Via::Deadline { .. }
            | super::graph::Via::WaitUntil
    ))
}

fn search(g: &Graph, reach: &Reach, cap: &Cap, mode: Mode, limit: u64) -> Option<Breach> {
    if limit == 0 || limit >= INFINITE {
        return None;
    }
    let top = cap.count as usize + 1;
    let evs = if mode == Mode::Fixed {
        1
    } else {
        EVENTS as usize + 1
    };
    let mut table = Table::new(top + 1, evs, g.len());
    // For each layer, the states that moves from below reached.
    let mut seeded: Vec<Vec<(Node, u8)>> = vec![Vec::new(); top + 1];
    // Seeds: a counted contact on any reachable move opens the window;
    // layer 0 in `from_state` marks one.
    for v in 0..g.len() {
        if !reach.seen[v] {
            continue;
        }
        for (i, e) in g.out(v as Node).iter().enumerate() {
            let c = counted(g, e, cap.channels);
            let Some(d) = cost(e, mode) else { continue };
            let ev = events_of(e);
            if c == 0 || d >= limit || ev as usize >= evs {
                continue;
            }
            let k = c.min(top);
            let slot = table.slot(k, e.to, ev);
            if d < slot.dist {
                if slot.dist == u64::MAX {
                    seeded[k].push((e.to, ev));
                }
                *slot = Entry {
                    dist: d,
                    from_state: pack(0, 0),
                    edge: g.edge_id(v as Node, i),
                };
            }
        }
    }
    for k in 1..=top {
        let mut heap: BinaryHeap<Reverse<(u64, Node, u8)>> = seeded[k]
            .iter()
            .map(|&(v, ev)| Reverse((table.get(k, v, ev).dist, v, ev)))
            .collect();
        // Moves that take no time are most of them: a state they reach
        // has the distance being settled, so it goes on a stack, not the
        // heap (Dijkstra with a zero-weight shortcut).
        let mut now: Vec<(Node, u8)> = Vec::new();
        loop {
            let (d, v, ev) = if let Some((v, ev)) = now.pop() {
                (table.get(k, v, ev).dist, v, ev)
            } else if let Some(Reverse((d, v, ev))) = heap.pop() {
                if table.get(k, v, ev).dist != d {
                    continue;
                }
                (d, v, ev)
            } else {
                break;
            };
            if k == top {
                return Some(unwind(g, reach, &table, top, (v, ev)));
            }
            let out = g.out(v);
            let id0 = g.edge_id(v, 0);
            for (i, e) in out.iter().enumerate() {
                let Some(w) = cost(e, mode) else { continue };
                let nd = d.saturating_add(w);
                let nev = ev + events_of(e);
                if nd >= limit || nev as usize >= evs {
                    continue;
                }
                let k2 = (k + counted(g, e, cap.channels)).min(top);
                let slot = table.slot(k2, e.to, nev);
                if nd < slot.dist {
                    if k2 != k && slot.dist == u64::MAX {
                        seeded[k2].push((e.to, nev));
                    }
                    *slot = Entry {
                        dist: nd,
                        from_state: pack(k, ev),
                        edge: id0 + i as u32,
                    };
                    if k2 == k {
                        if nd == d {
                            now.push((e.to, nev));
                        } else {
                            heap.push(Reverse((nd, e.to, nev)));
                        }
                    }
                }
            }
        }
    }
    None
}

fn unwind(g: &Graph, reach: &Reach, table: &Table, top: usize, end: (Node, u8)) -> Breach {
    let mut window = Vec::new();
    let (mut k, mut at) = (top, end);
    let mut guard = 0usize;
    loop {
        let entry = table.get(k, at.0, at.1);
        if entry.dist == u64::MAX {
            break;
        }
        let (from, i) = g.step_of(entry.edge);
        window.push((from, i));
        let (pk, pev) = unpack(entry.from_state);
        guard += 1;
        if pk == 0 || guard > g.len() * (top + 1) * 2 {
            break;
        }
        k = pk;
        at = (from, pev);
    }
    window.reverse();
    let prefix = window
        .first()
        .map(|(u, _)| reach.path_to(*u))
        .unwrap_or_default();
    Breach {
        prefix,
        window,
        shifted: None,
    }
}
