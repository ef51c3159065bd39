//! The lowered machine as a graph of program points and timed moves, the
//! one shape every verification pass walks.
//!
//! A node is a position in a stage's op list (before that op runs). An edge
//! is what can happen next: a step, a branch, a wait (with the least and the
//! most time it can take), a contact, a `goto` or a split arm, or a handler
//! firing while the stage waits (summarised: the handler's contacts and
//! where it leaves the account). `end` has no edge out.

use dun_machine::format::{Channel, DurationSpec, DurationUnit, Instr, Machine, Op, SrcSpan};

pub type Node = u32;

/// Minutes; `INFINITE` when no bound is known.
pub const INFINITE: u64 = u64::MAX / 4;
const DAY: u64 = 24 * 60;

/// A contact an edge makes, at the moment the edge is taken.
#[derive(Clone, Copy, Debug)]
pub struct Contact {
    pub channel: Channel,
    pub span: SrcSpan,
}

/// Why an edge exists; the passes tell fixed moves from assumed ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// A step, a contact, a `goto`, a split arm: no time passes.
    Step,
    /// One side of an `if`: `cond` is the op's place (stage, pc) so a
    /// path's choices can be compared.
    Branch { stage: u16, pc: u32, taken: bool },
    /// `wait DURATION`.
    Wait,
    /// `wait until EXPR`: any time from none to unbounded.
    WaitUntil,
    /// A handler of `event` firing while the stage waits. `at_end`: the
    /// event arrives as the wait is over, a moment the run has to hit.
    Event { event: u16, at_end: bool },
    /// A deadline (`at EXPR -> STAGE`) coming while the stage waits, like
    /// a handler: its moment comes from the account's data, so any moment
    /// of the wait, or as it ends.
    Deadline { at_end: bool },
}

#[derive(Clone, Copy, Debug)]
pub struct Edge {
    pub to: Node,
    pub via: Via,
    /// Least and most minutes the move takes.
    pub lo: u64,
    pub hi: u64,
    /// The contacts it makes: a range of [`Graph::contacts`], shared by
    /// every edge of the same handler way.
    contacts: (u32, u32),
    /// The op (or handler) the edge comes from, for labels.
    pub span: SrcSpan,
}

impl Edge {
    /// A move that runs whatever the account's data and whatever events come:
    /// steps, branches and fixed waits.
    pub fn is_fixed(&self) -> bool {
        !matches!(
            self.via,
            Via::WaitUntil | Via::Event { .. } | Via::Deadline { .. }
        )
    }

    pub fn has_contacts(&self) -> bool {
        self.contacts.0 != self.contacts.1
    }
}

/// The machine's moves, all in one array ordered by the node they leave
/// (`first[v] .. first[v + 1]` are node `v`'s), and the contacts in another:
/// a search touches memory in order and the graph is a handful of
/// allocations, not two per node.
pub struct Graph {
    /// `base[s]` is the node of stage `s` at pc 0; stage `s` owns
    /// `base[s] ..= base[s] + code.len()`.
    pub base: Vec<Node>,
    first: Vec<u32>,
    all: Vec<Edge>,
    contacts: Vec<Contact>,
    /// Nodes holding an `end` op (or a handler exit that ends).
    pub ends: Vec<bool>,
    /// The stage of each node.
    pub stage_of: Vec<u16>,
    pub start: Node,
}

impl Graph {
    pub fn len(&self) -> usize {
        self.first.len().saturating_sub(1)
    }

    pub fn entry(&self, stage: u16) -> Node {
        self.base.get(stage as usize).copied().unwrap_or(0)
    }

    /// The moves out of `v`.
    pub fn out(&self, v: Node) -> &[Edge] {
        let v = v as usize;
        match (self.first.get(v), self.first.get(v + 1)) {
            (Some(&a), Some(&b)) => &self.all[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Move `i` out of `u`, as a path names it.
    pub fn edge(&self, (u, i): (Node, usize)) -> &Edge {
        &self.out(u)[i]
    }

    /// The index of move `i` out of `u` among all the moves.
    pub fn edge_id(&self, u: Node, i: usize) -> u32 {
        self.first[u as usize] + i as u32
    }

    /// The move with index `id`, as (node it leaves, its place there).
    pub fn step_of(&self, id: u32) -> (Node, usize) {
        let u = self.first.partition_point(|&f| f <= id).saturating_sub(1);
        (u as Node, (id - self.first[u]) as usize)
    }

    pub fn contacts(&self, e: &Edge) -> &[Contact] {
        &self.contacts[e.contacts.0 as usize..e.contacts.1 as usize]
    }

    /// Every move, with the node it leaves.
    pub fn moves(&self) -> impl Iterator<Item = (Node, &Edge)> {
        (0..self.len()).flat_map(move |v| self.out(v as Node).iter().map(move |e| (v as Node, e)))
    }
}

/// The fewest and the most minutes a duration can take, on any start.
/// Holidays are left out: the verifier picks an account whose run meets no
/// declared holiday (holiday lists are dated and finite).
pub fn bounds(m: &Machine, d: DurationSpec) -> (u64, u64) {
    let n = u64::from(d.amount);
    match d.unit {
        DurationUnit::Minutes => (n, n),
        DurationUnit::Hours => (n * 60, n * 60),
        DurationUnit::Days => (n * DAY, n * DAY),
        DurationUnit::Weeks => (n * 7 * DAY, n * 7 * DAY),
        DurationUnit::Months => (n * 28 * DAY, n * 31 * DAY),
        DurationUnit::BusinessDays => {
            let cal = m.calendar_for(&d);
            let weekend = cal.map(|c| c.weekend).unwrap_or(0b110_0000);
            business_day_bounds(weekend, n)
        }
    }
}

/// Calendar days that `n` business days span, over every start weekday.
fn business_day_bounds(weekend: u8, n: u64) -> (u64, u64) {
    if n == 0 {
        return (0, 0);
    }
    let open = (0..7).filter(|d| weekend & (1 << d) == 0).count() as u64;
    if open == 0 {
        return (INFINITE, INFINITE);
    }
    let (mut lo, mut hi) = (u64::MAX, 0);
    for start in 0..7u64 {
        // Whole weeks first, so a long wait costs no long loop.
        let weeks = (n - 1) / open;
        let mut left = n - weeks * open;
        let mut days = weeks * 7;
        let mut day = start;
        while left > 0 {
            day = (day + 1) % 7;
            days += 1;
            if weekend & (1 << day) == 0 {
                left -= 1;
            }
        }
        lo = lo.min(days);
        hi = hi.max(days);
    }
    (lo * DAY, hi * DAY)
}

/// One way through a handler body: its contacts and where it leaves.
struct Exit {
    contacts: Vec<Contact>,
    to: ExitTo,
}

enum ExitTo {
    /// Runs off its end: the stage carries on where it was.
    CarryOn,
    Stages(Vec<u16>),
    End,
}

/// Paths through one handler body; a body has no wait and no loop, and
/// only the first `LIMIT` ways through are kept.
fn exits(m: &Machine, code: &[Op], spans: &[SrcSpan]) -> Vec<Exit> {
    const LIMIT: usize = 64;
    let mut out = Vec::new();
    let mut stack = vec![(0usize, Vec::new())];
    let mut budget = 4096usize;
    while let Some((mut pc, mut contacts)) = stack.pop() {
        loop {
            budget = budget.saturating_sub(1);
            if out.len() >= LIMIT || budget == 0 {
                return out;
            }
            let span = spans.get(pc).copied().unwrap_or_default();
            match code.get(pc) {
                None => {
                    out.push(Exit {
                        contacts,
                        to: ExitTo::CarryOn,
                    });
                    break;
                }
                Some(Op::Jump(t)) if (*t as usize) > pc => pc = *t as usize,
                Some(Op::JumpUnless { cond, to }) if (*to as usize) > pc => {
                    match constant_in(m, cond) {
                        Some(true) => pc += 1,
                        Some(false) => pc = *to as usize,
                        None => {
                            stack.push((*to as usize, contacts.clone()));
                            pc += 1;
                        }
                    }
                }
                Some(Op::Send { channel, .. }) => {
                    contacts.push(Contact {
                        channel: *channel,
                        span,
                    });
                    pc += 1;
                }
                Some(Op::Call { .. }) => {
                    contacts.push(Contact {
                        channel: Channel::Call,
                        span,
                    });
                    pc += 1;
                }
                Some(Op::Goto(s)) => {
                    out.push(Exit {
                        contacts,
                        to: ExitTo::Stages(vec![*s]),
                    });
                    break;
                }
                Some(Op::Split(arms)) => {
                    out.push(Exit {
                        contacts,
                        to: ExitTo::Stages(arms.iter().map(|a| a.stage).collect()),
                    });
                    break;
                }
                Some(Op::End(_)) => {
                    out.push(Exit {
                        contacts,
                        to: ExitTo::End,
                    });
                    break;
                }
                // A jump backwards or a wait cannot be in a lowered handler;
                // stop following rather than loop.
                Some(
                    Op::Jump(_) | Op::JumpUnless { .. } | Op::Wait { .. } | Op::WaitUntil { .. },
                ) => break,
                Some(_) => pc += 1,
            }
        }
    }
    out
}

/// `Some(b)` for a condition that is a bare `true` or `false`: the only
/// branches the verifier treats as impossible.
fn constant_in(m: &Machine, code: &[Instr]) -> Option<bool> {
    match code {
        [Instr::Const(i)] => match m.consts.get(*i as usize) {
            Some(dun_machine::format::Const::Bool(b)) => Some(*b),
            _ => None,
        },
        _ => None,
    }
}

/// What fires while a stage waits: a handler of an event, or a deadline.
#[derive(Clone, Copy)]
enum Origin {
    Event(u16),
    Deadline,
}

/// A handler's ways through, with their contacts moved to the graph's
/// array: (what fires it, handler span, (contacts, where it leaves) per
/// way).
type Ways = (Origin, SrcSpan, Vec<((u32, u32), ExitTo)>);

fn ways_of(m: &Machine, h: &dun_machine::format::Handler, contacts: &mut Vec<Contact>) -> Ways {
    let ways = exits(m, &h.code, &h.spans)
        .into_iter()
        .map(|x| {
            let from = contacts.len() as u32;
            contacts.extend_from_slice(&x.contacts);
            ((from, contacts.len() as u32), x.to)
        })
        .collect();
    (Origin::Event(h.event), h.span, ways)
}

/// A deadline moves the account to its stage and makes no contact.
fn deadline_ways(d: &dun_machine::format::Deadline) -> Ways {
    (
        Origin::Deadline,
        d.span,
        vec![((0, 0), ExitTo::Stages(vec![d.target]))],
    )
}

pub fn build(m: &Machine) -> Graph {
    let mut base = Vec::with_capacity(m.stages.len());
    let mut n: u32 = 0;
    let mut ops = 0usize;
    for s in &m.stages {
        base.push(n);
        n = n.saturating_add(s.code.len() as u32 + 1);
        ops += s.code.len();
    }
    let len = n as usize;
    let mut first: Vec<u32> = Vec::with_capacity(len + 1);
    let mut all: Vec<Edge> = Vec::with_capacity(ops + ops / 2);
    let mut contacts: Vec<Contact> = Vec::new();
    let mut ends = vec![false; len];
    let mut stage_of = vec![0u16; len];
    let mut handler_ends: Vec<Node> = Vec::new();
    let mut flow_ways: Vec<Ways> = m
        .handlers
        .iter()
        .map(|h| ways_of(m, h, &mut contacts))
        .collect();
    let deadlines = &m.collections.deadlines;
    flow_ways.extend(
        deadlines
            .iter()
            .filter(|d| d.stage.is_none())
            .map(deadline_ways),
    );
    // The moves of the node after a wait that a handler makes as the wait
    // ends: they come first among that node's moves.
    let mut pending: Vec<Edge> = Vec::new();
    for (si, stage) in m.stages.iter().enumerate() {
        let b = base[si];
        let mut stage_ways: Vec<Ways> = stage
            .handlers
            .iter()
            .map(|h| ways_of(m, h, &mut contacts))
            .collect();
        stage_ways.extend(
            deadlines
                .iter()
                .filter(|d| d.stage == Some(si as u16))
                .map(deadline_ways),
        );
        for pc in 0..=stage.code.len() {
            stage_of[b as usize + pc] = si as u16;
        }
        let step = |to: u32, via: Via, span: SrcSpan| Edge {
            to: b + to,
            via,
            lo: 0,
            hi: 0,
            contacts: (0, 0),
            span,
        };
        for (pc, op) in stage.code.iter().enumerate() {
            let here = b as usize + pc;
            first.push(all.len() as u32);
            all.append(&mut pending);
            let next = pc as u32 + 1;
            let span = stage.spans.get(pc).copied().unwrap_or_default();
            let mut waits = false;
            let contact = |channel: Channel, contacts: &mut Vec<Contact>| {
                let from = contacts.len() as u32;
                contacts.push(Contact { channel, span });
                Edge {
                    contacts: (from, from + 1),
                    ..step(next, Via::Step, span)
                }
            };
            match op {
                Op::Jump(t) => all.push(step(*t, Via::Step, span)),
                Op::JumpUnless { cond, to } => {
                    let c = constant_in(m, cond);
                    if c != Some(false) {
                        all.push(step(
                            next,
                            Via::Branch {
                                stage: si as u16,
                                pc: pc as u32,
                                taken: true,
                            },
                            span,
                        ));
                    }
                    if c != Some(true) {
                        all.push(step(
                            *to,
                            Via::Branch {
                                stage: si as u16,
                                pc: pc as u32,
                                taken: false,
                            },
                            span,
                        ));
                    }
                }
                Op::Wait { duration, .. } => {
                    let (lo, hi) = bounds(m, *duration);
                    let mut e = step(next, Via::Wait, span);
                    e.lo = lo;
                    e.hi = hi;
                    all.push(e);
                    waits = hi > 0;
                }
                Op::WaitUntil { .. } => {
                    let mut e = step(next, Via::WaitUntil, span);
                    e.hi = INFINITE;
                    all.push(e);
                    waits = true;
                }
                Op::Send { channel, .. } => all.push(contact(*channel, &mut contacts)),
                Op::Call { .. } => all.push(contact(Channel::Call, &mut contacts)),
                Op::Goto(t) => {
                    if let Some(&tb) = base.get(*t as usize) {
                        all.push(Edge {
                            to: tb,
                            ..step(0, Via::Step, span)
                        });
                    }
                }
                Op::Split(arms) => {
                    for arm in arms.iter().filter(|a| a.share > 0) {
                        if let Some(&tb) = base.get(arm.stage as usize) {
                            all.push(Edge {
                                to: tb,
                                ..step(0, Via::Step, span)
                            });
                        }
                    }
                }
                Op::End(_) => ends[here] = true,
                _ => all.push(step(next, Via::Step, span)),
            }
            if waits {
                // Handlers fire while the stage waits: as the wait begins
                // (any moment of it, for the sound side) and as it ends.
                for (at, at_end) in [(here, false), (here + 1, true)] {
                    let into = if at_end { &mut pending } else { &mut all };
                    for (origin, hspan, ways) in stage_ways.iter().chain(flow_ways.iter()) {
                        let via = match origin {
                            Origin::Event(event) => Via::Event {
                                event: *event,
                                at_end,
                            },
                            Origin::Deadline => Via::Deadline { at_end },
                        };
                        for (range, to) in ways {
                            let e = |to: Node| Edge {
                                to,
                                via,
                                lo: 0,
                                hi: 0,
                                contacts: *range,
                                span: *hspan,
                            };
                            match to {
                                ExitTo::CarryOn => into.push(e(at as Node)),
                                ExitTo::Stages(ss) => into.extend(
                                    ss.iter()
                                        .filter_map(|s| base.get(*s as usize))
                                        .map(|&t| e(t)),
                                ),
                                // An end inside a handler: the run
                                // finishes here (for progress).
                                ExitTo::End => handler_ends.push(at as Node),
                            }
                        }
                    }
                }
            }
        }
        // The node after the last op: only what a wait just before it
        // lets a handler do as it ends.
        first.push(all.len() as u32);
        all.append(&mut pending);
    }
    first.push(all.len() as u32);
    for n in handler_ends {
        ends[n as usize] = true;
    }
    Graph {
        start: base.get(m.start as usize).copied().unwrap_or(0),
        base,
        first,
        all,
        contacts,
        ends,
        stage_of,
    }
}
