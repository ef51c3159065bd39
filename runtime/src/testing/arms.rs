//! `given arm STAGE`: the engine sends an account down a split's arm by a
//! hash of its id and the stage the split is in, so a test reaches an arm
//! by the account's id. The runner tries ids built on the test's own,
//! in a fixed order, and takes the first whose buckets fall in every arm
//! asked for: the same id on every run, and the engine's own choice of
//! arm, untouched.

use crate::engine::split_bucket;
use crate::format::{Machine, Op};

/// How many ids are tried: a test that asks for arms of 1% in two splits
/// finds one in about 10 000.
const TRIES: u32 = 1_000_000;

/// Each split of the flow with an arm to a stage: the name the engine
/// hashes (the stage holding the split, empty in a flow-wide handler) and
/// the arm's bucket range.
fn ranges(m: &Machine, target: u16) -> Vec<(&str, u32, u32)> {
    let mut out = Vec::new();
    let mut scan = |stage: Option<u16>, ops: &[Op]| {
        for op in ops {
            let Op::Split(arms) = op else { continue };
            let mut from = 0u32;
            for arm in arms {
                let to = from + u32::from(arm.share);
                if arm.stage == target {
                    out.push((stage, from, to));
                }
                from = to;
            }
        }
    };
    for (i, s) in m.stages.iter().enumerate() {
        let i = u16::try_from(i).ok();
        scan(i, &s.code);
        // A split in a handler hashes with no stage name, as the engine does.
        for h in &s.handlers {
            scan(None, &h.code);
        }
    }
    for h in &m.handlers {
        scan(None, &h.code);
    }
    out.into_iter()
        .map(|(stage, from, to)| (stage.map_or("", |s| m.stage_name(s)), from, to))
        .collect()
}

/// An account id that takes every arm of `targets`: `base` itself when it
/// does, else the first `base-N` that does.
pub(super) fn id_for_arms(m: &Machine, base: &str, targets: &[u16]) -> Result<String, String> {
    let wanted: Vec<(&str, u32, u32)> = targets.iter().flat_map(|t| ranges(m, *t)).collect();
    if let Some(t) = targets.iter().find(|t| ranges(m, **t).is_empty()) {
        return Err(format!(
            "`given arm {}`: no split of the flow goes to that stage",
            m.stage_name(*t)
        ));
    }
    let takes = |id: &str| {
        wanted
            .iter()
            .all(|(stage, from, to)| (*from..*to).contains(&split_bucket(id, stage)))
    };
    if takes(base) {
        return Ok(base.to_string());
    }
    (0..TRIES)
        .map(|n| format!("{base}-{n}"))
        .find(|id| takes(id))
        .ok_or_else(|| {
            let names: Vec<&str> = targets.iter().map(|t| m.stage_name(*t)).collect();
            format!(
                "no account id takes the arms to {} together: two of them may be arms of one split",
                names.join(", ")
            )
        })
}
