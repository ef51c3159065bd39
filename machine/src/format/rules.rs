//! The contact rules that follow the machine's own payload in the file,
//! under [`super::FLAG_POLICY_EXT`]: a flow that uses none of them encodes,
//! and fingerprints, exactly as it did before they existed, so stores that
//! pinned such a flow read it unchanged.

use super::{ChannelSet, Code, DurationSpec};
use serde::{Deserialize, Serialize};

/// The rules of [`super::Policy`] kept apart from its payload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyExt {
    pub holds: Vec<Hold>,
}

impl PolicyExt {
    pub fn is_empty(&self) -> bool {
        self.holds.is_empty()
    }
}

/// `pause CHANNELS after EVENT until RELEASE [for at most DURATION] [when
/// COND]`: no contact on the channels from `event` until `release` arrives,
/// or until `longest` has passed when it is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    pub channels: ChannelSet,
    pub event: u16,
    pub release: u16,
    pub longest: Option<DurationSpec>,
    /// Read with `event`'s payload.
    pub when: Option<Code>,
}
