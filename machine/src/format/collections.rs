//! The collector's constructs the engine runs besides stages and handlers:
//! deadlines (`at EXPR [when COND] -> STAGE`).
//!
//! Kept out of the machine's own payload, like [`super::Lifecycle`]: it
//! follows it in the file under [`super::header::FLAG_COLLECTIONS`], so a
//! flow without any encodes, and fingerprints, as it did before.

use super::{Code, SrcSpan};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Collections {
    /// Flow-wide deadlines first, then each stage's, in source order.
    pub deadlines: Vec<Deadline>,
    /// With deadlines or promises, a hidden `datetime` variable: the
    /// stage's own resume moment while the instance is due earlier for a
    /// deadline or a promise's end (the Unix epoch when it is not).
    pub stage_resume: Option<u16>,
}

impl Collections {
    pub fn is_empty(&self) -> bool {
        self.deadlines.is_empty() && self.stage_resume.is_none()
    }
}

/// `at EXPR [when COND] -> STAGE`: when the moment comes (a date at 00:00
/// local time, or a datetime), the account moves to `target`, wherever it
/// is in its stage. A flow-wide deadline (`stage: None`) fires at most once
/// per cycle through the flow; a stage's, at most once per visit of the
/// stage. A moment already past when the account enters the flow (or the
/// stage, for a stage's deadline) fires at once, before the stage runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deadline {
    /// The stage it belongs to; `None` for a flow-wide deadline.
    pub stage: Option<u16>,
    /// The moment: a date or a datetime.
    pub at: Code,
    /// Read as the moment comes; a deadline whose condition is false then
    /// is spent without moving the account.
    pub when: Option<Code>,
    pub target: u16,
    /// The variable (a `bool`, hidden from the flow) that says whether the
    /// deadline has been spent: it is part of the account's stored state,
    /// and carries over a migration by its name.
    pub spent: u16,
    pub span: SrcSpan,
}
