//! The transitions a compiled flow can make, for test coverage: from each
//! state, the states its stage code can reach before it suspends again
//! (a wait, a held contact, a `goto` or `split` into another stage), and
//! each handler that moves the account to another stage.

use dun_machine::format::{Machine, Op};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TransitionKind {
    /// Stage code: `from` is a state.
    Code { from: u32 },
    /// A handler of stage `stage` (index among its handlers).
    StageHandler { stage: u16, handler: usize },
    /// A flow handler (index among the flow's handlers).
    FlowHandler { handler: usize },
    /// A deadline (index among the machine's deadlines), of a stage or of
    /// the flow.
    Deadline { deadline: usize, stage: Option<u16> },
}

/// A move to state `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Transition {
    pub kind: TransitionKind,
    pub to: u32,
}

impl Transition {
    /// Whether an observed move `(from, to)` between states took this
    /// transition. A handler's move is taken from any state of the stages
    /// it covers; a move that stage code explains is never a handler's.
    pub fn taken_by(&self, m: &Machine, from: u32, to: u32, code: &BTreeSet<(u32, u32)>) -> bool {
        if to != self.to {
            return false;
        }
        match self.kind {
            TransitionKind::Code { from: f } => f == from,
            TransitionKind::StageHandler { stage, .. } => {
                !code.contains(&(from, to))
                    && m.states
                        .get(from as usize)
                        .is_some_and(|s| s.stage == stage)
            }
            // A stage's deadline already past as the account enters the
            // stage moves it on from where it came, so it is told from the
            // flow's only by its target.
            TransitionKind::FlowHandler { .. } | TransitionKind::Deadline { .. } => {
                !code.contains(&(from, to))
            }
        }
    }
}

/// Every transition of the machine, stage code first, in state order.
pub fn transitions(m: &Machine) -> Vec<Transition> {
    let mut out = BTreeSet::new();
    for (i, state) in m.states.iter().enumerate() {
        let Some(stage) = m.stages.get(state.stage as usize) else {
            continue;
        };
        let mut reached = BTreeSet::new();
        walk(m, &stage.code, state.pc as usize, &mut reached);
        for to in reached {
            if to != i as u32 {
                out.insert(Transition {
                    kind: TransitionKind::Code { from: i as u32 },
                    to,
                });
            }
        }
    }
    for (s, stage) in m.stages.iter().enumerate() {
        for (h, handler) in stage.handlers.iter().enumerate() {
            for to in handler_targets(m, &handler.code) {
                out.insert(Transition {
                    kind: TransitionKind::StageHandler {
                        stage: s as u16,
                        handler: h,
                    },
                    to,
                });
            }
        }
    }
    for (h, handler) in m.handlers.iter().enumerate() {
        for to in handler_targets(m, &handler.code) {
            out.insert(Transition {
                kind: TransitionKind::FlowHandler { handler: h },
                to,
            });
        }
    }
    for (i, d) in m.collections.deadlines.iter().enumerate() {
        out.extend(entry(m, d.target).map(|to| Transition {
            kind: TransitionKind::Deadline {
                deadline: i,
                stage: d.stage,
            },
            to,
        }));
    }
    out.into_iter().collect()
}

fn entry(m: &Machine, stage: u16) -> Option<u32> {
    m.stages.get(stage as usize).map(|s| s.entry)
}

fn handler_targets(m: &Machine, code: &[Op]) -> BTreeSet<u32> {
    let mut reached = BTreeSet::new();
    walk(m, code, 0, &mut reached);
    reached
}

/// The states reachable from `pc` before the code suspends or leaves,
/// following both sides of every branch. Jumps only go forward, so this
/// ends.
fn walk(m: &Machine, code: &[Op], pc: usize, reached: &mut BTreeSet<u32>) {
    let mut pending = vec![pc];
    let mut seen = BTreeSet::new();
    while let Some(mut pc) = pending.pop() {
        while let Some(op) = code.get(pc) {
            if !seen.insert(pc) {
                break;
            }
            pc += 1;
            match op {
                Op::Jump(to) => pc = *to as usize,
                Op::JumpUnless { to, .. } => pending.push(*to as usize),
                Op::Wait { resume, .. } | Op::WaitUntil { resume, .. } => {
                    reached.insert(*resume);
                    // `wait until` a moment already past goes straight on.
                    if !matches!(op, Op::WaitUntil { .. }) {
                        break;
                    }
                }
                Op::Send { hold, .. } | Op::Call { hold, .. } => {
                    if let Some(h) = hold {
                        reached.insert(*h);
                    }
                }
                Op::Goto(s) => {
                    reached.extend(entry(m, *s));
                    break;
                }
                Op::Split(arms) => {
                    reached.extend(arms.iter().filter_map(|a| entry(m, a.stage)));
                    break;
                }
                Op::End(_) => break,
                _ => {}
            }
        }
    }
}
