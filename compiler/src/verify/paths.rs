//! Searches over the graph shared by the passes: what the start reaches,
//! the way there, and what a path assumes about the account and its events.

use super::graph::{Edge, Graph, Node, Via};
use dun_machine::format::{Instr, Machine, Op};
use std::collections::VecDeque;

/// A move along a path: the node it leaves and the edge taken.
pub type Step = (Node, usize);

/// Every node the start can reach by any move, with the move that first
/// got there (breadth first, so the way back is short).
pub struct Reach {
    pub seen: Vec<bool>,
    pred: Vec<Option<Step>>,
}

impl Reach {
    pub fn from_start(g: &Graph) -> Reach {
        Self::from(g, &[g.start], |_| true)
    }

    pub fn from(g: &Graph, sources: &[Node], allow: impl Fn(&Edge) -> bool) -> Reach {
        let mut seen = vec![false; g.len()];
        let mut pred = vec![None; g.len()];
        let mut queue = VecDeque::new();
        for &s in sources {
            if let Some(x) = seen.get_mut(s as usize) {
                *x = true;
                queue.push_back(s);
            }
        }
        while let Some(v) = queue.pop_front() {
            for (i, e) in g.out(v).iter().enumerate() {
                if !allow(e) {
                    continue;
                }
                let t = e.to as usize;
                if t < seen.len() && !seen[t] {
                    seen[t] = true;
                    pred[t] = Some((v, i));
                    queue.push_back(e.to);
                }
            }
        }
        Reach { seen, pred }
    }

    /// The moves from a source to `to`, in order.
    pub fn path_to(&self, to: Node) -> Vec<Step> {
        let mut out = Vec::new();
        let mut v = to;
        while let Some(Some((u, i))) = self.pred.get(v as usize) {
            out.push((*u, *i));
            v = *u;
            if out.len() > self.pred.len() {
                break;
            }
        }
        out.reverse();
        out
    }
}

/// The events a path assumes, in order, each with the handler's span,
/// and whether one must come at a set moment (as a wait ends).
pub fn events(g: &Graph, path: &[Step]) -> Vec<(u16, dun_machine::format::SrcSpan)> {
    path.iter()
        .filter_map(|&(u, i)| {
            let e = &g.edge((u, i));
            match e.via {
                Via::Event { event, .. } => Some((event, e.span)),
                _ => None,
            }
        })
        .collect()
}

/// Whether the `if` choices on a path can all hold for one account: the
/// same condition over the account's data (no variable, event field or
/// clock in it) may not be taken both ways. Other conditions are taken as
/// satisfiable, as documented in docs/verification.md.
pub fn choices_agree(m: &Machine, g: &Graph, path: &[Step]) -> bool {
    let mut seen: Vec<(&[Instr], bool)> = Vec::new();
    for &(u, i) in path {
        let Via::Branch { stage, pc, taken } = g.edge((u, i)).via else {
            continue;
        };
        let Some(Op::JumpUnless { cond, .. }) = m
            .stages
            .get(stage as usize)
            .and_then(|s| s.code.get(pc as usize))
        else {
            continue;
        };
        let stable = !cond.iter().any(|x| {
            matches!(
                x,
                Instr::Var(_) | Instr::Event(_) | Instr::Today | Instr::Now
            )
        });
        if !stable {
            continue;
        }
        if seen
            .iter()
            .any(|(c, t)| *c == cond.as_slice() && *t != taken)
        {
            return false;
        }
        seen.push((cond.as_slice(), taken));
    }
    true
}
