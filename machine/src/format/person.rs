//! `person account.FIELD`: what identifies a person across accounts.
//!
//! Kept out of the machine's own payload, like [`super::Collections`]: it
//! follows it in the file under [`super::header::FLAG_PERSON`], so a flow
//! without it encodes, and fingerprints, as it did before.

use serde::{Deserialize, Serialize};

/// The account field whose value names the person an account belongs to:
/// caps, pauses and stops count across all the accounts with the same
/// value. An account whose field is unset is a person of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonKey {
    /// An index into [`super::Machine::account`].
    pub field: u16,
}
