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

/// Where every state of an old machine goes in a new one under a
/// migration: the map (by old state) and, for each place that goes
/// nowhere, why, in words.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub map: Vec<Option<u32>>,
    pub unmapped: Vec<Unmapped>,
    /// Rules naming a stage the old machine does not have.
    pub unknown: Vec<String>,
}

/// A place of the old machine that a migration sends nowhere.
#[derive(Clone, Debug, PartialEq)]
pub struct Unmapped {
    /// The old stage and the place in it.
    pub stage: String,
    pub place: Place,
    /// Why it goes nowhere.
    pub why: String,
    /// The line of the `migrate` block that would place it, when one can
    /// be written.
    pub fix: Option<String>,
}

impl std::fmt::Display for Unmapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.stage, self.place, self.why)?;
        if let Some(fix) = &self.fix {
            write!(f, "; add `{fix}`")?;
        }
        Ok(())
    }
}

/// Maps each place of `old` through `migration` (rules by old stage name;
/// a stage no rule names goes to the stage of the same name, same place).
pub fn plan(old: &Machine, new: &Machine, migration: &crate::format::Migration) -> Plan {
    let mut plan = Plan::default();
    for mv in &migration.moves {
        if old.stage_index(&mv.from_stage).is_none() {
            plan.unknown.push(format!(
                "`stage {}`: version {} has no stage `{}`",
                mv.from_stage, old.version, mv.from_stage
            ));
        }
    }
    for (i, s) in old.states.iter().enumerate() {
        let stage = old.stage_name(s.stage);
        let Some(place) = place_of(old, i as u32) else {
            plan.map.push(None);
            continue;
        };
        let rule = migration
            .moves
            .iter()
            .find(|m| m.from_stage == stage && m.from_place == Some(place))
            .or_else(|| {
                migration
                    .moves
                    .iter()
                    .find(|m| m.from_stage == stage && m.from_place.is_none())
            });
        let (to_stage, to_place) = match rule {
            Some(m) => (Some(m.to_stage), m.to_place.unwrap_or(place)),
            None => (new.stage_index(stage), place),
        };
        let target = to_stage.and_then(|t| state_of(new, t, to_place));
        if target.is_none() {
            let (why, fix) = match (rule, to_stage) {
                (None, None) => (
                    format!(
                        "no rule moves it, and version {} has no stage `{stage}`",
                        new.version
                    ),
                    Some(format!("stage {stage} -> STAGE")),
                ),
                (_, Some(t)) => (
                    format!(
                        "stage `{}` of version {} has no place `{to_place}`",
                        new.stage_name(t),
                        new.version
                    ),
                    Some(format!(
                        "stage {stage} {place} -> {} at PLACE",
                        new.stage_name(t)
                    )),
                ),
                (Some(_), None) => (
                    format!("its rule names no stage of version {}", new.version),
                    None,
                ),
            };
            plan.unmapped.push(Unmapped {
                stage: stage.to_string(),
                place,
                why,
                fix,
            });
        }
        plan.map.push(target);
    }
    plan
}
