//! The contact rules that follow the machine's own payload in the file,
//! under [`super::FLAG_POLICY_EXT`]: a flow that uses none of them encodes,
//! and fingerprints, exactly as it did before they existed, so stores that
//! pinned such a flow read it unchanged.

use super::{ChannelSet, Code, ContactHours, DurationSpec};
use serde::{Deserialize, Serialize};

/// The rules of [`super::Policy`] kept apart from its payload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyExt {
    pub holds: Vec<Hold>,
    /// Contact hours per day of the week; for a channel, the window with
    /// the fewest channels that covers it applies, else `contact_hours`.
    pub windows: Vec<Window>,
    pub week_caps: Vec<WeekCap>,
}

impl PolicyExt {
    pub fn is_empty(&self) -> bool {
        self.holds.is_empty() && self.windows.is_empty() && self.week_caps.is_empty()
    }

    /// The window of `contact_hours` for a channel, when one names it.
    pub fn window_for(&self, channel: super::Channel) -> Option<&Window> {
        self.windows
            .iter()
            .filter(|w| w.channels.contains(channel))
            .min_by_key(|w| w.channels.0.count_ones())
    }
}

/// `contact_hours [CHANNELS] mon-fri 08:00 to 21:00, sat 09:00 to 15:00`:
/// the hours of each day of the week (Monday first); `None` is a day the
/// rule does not name, closed for its channels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub channels: ChannelSet,
    pub days: [Option<ContactHours>; 7],
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

/// `at_most N CHANNELS per calendar week`: weeks start on Monday at 00:00
/// in the flow's zone (the zone of `contact_hours`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekCap {
    pub channels: ChannelSet,
    pub count: u16,
}
