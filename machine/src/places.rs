//! The places an account can wait in a stage, named as a person names
//! them: `start` (entering the stage), `wait N` (after the stage's N-th
//! wait) and `contact N` (its N-th contact step, held by the policy). Steps
//! are counted in the compiled order, a `repeat` unrolled, from 1.
//!
//! A migration maps the places of the old machine onto the new one, and a
//! refused edit says which places moved, both in these words.

use crate::format::{Machine, Op, StateKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Place {
    Start,
    Wait(u32),
    Contact(u32),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Start => write!(f, "start"),
            Place::Wait(n) => write!(f, "wait {n}"),
            Place::Contact(n) => write!(f, "contact {n}"),
        }
    }
}

/// The state index and place of every state of stage `stage`, in code order.
pub fn of_stage(m: &Machine, stage: u16) -> Vec<(u32, Place)> {
    let mut out: Vec<(u32, u32, Place)> = Vec::new();
    for (i, s) in m.states.iter().enumerate() {
        if s.stage != stage {
            continue;
        }
        if let Some(p) = place_of(m, i as u32) {
            out.push((s.pc, i as u32, p));
        }
    }
    out.sort();
    out.into_iter().map(|(_, i, p)| (i, p)).collect()
}

/// The place of a state, counting the waits or contact steps of its stage
/// before it.
pub fn place_of(m: &Machine, state: u32) -> Option<Place> {
    let s = m.states.get(state as usize)?;
    let code = &m.stages.get(s.stage as usize)?.code;
    match s.kind {
        StateKind::Entry => Some(Place::Start),
        StateKind::Wait => {
            // The wait whose resume is this state; its rank among the waits.
            let mut n = 0;
            for op in code {
                if let Op::Wait { resume, .. } | Op::WaitUntil { resume, .. } = op {
                    n += 1;
                    if *resume == state {
                        return Some(Place::Wait(n));
                    }
                }
            }
            None
        }
        StateKind::Held => {
            let mut n = 0;
            for op in code {
                if let Op::Send { hold, .. } | Op::Call { hold, .. } = op {
                    n += 1;
                    if *hold == Some(state) {
                        return Some(Place::Contact(n));
                    }
                }
            }
            None
        }
    }
}

/// The state of a named place in a stage, if the stage has it.
pub fn state_of(m: &Machine, stage: u16, place: Place) -> Option<u32> {
    of_stage(m, stage)
        .into_iter()
        .find(|(_, p)| *p == place)
        .map(|(i, _)| i)
}

/// A stage's name and a place, as messages write them: `calls wait 2`,
/// `letters start`.
pub fn describe(m: &Machine, state: u32) -> String {
    let stage = m
        .states
        .get(state as usize)
        .map(|s| m.stage_name(s.stage))
        .unwrap_or("?");
    match place_of(m, state) {
        Some(p) => format!("{stage} {p}"),
        None => format!("{stage} (state {state})"),
    }
}
