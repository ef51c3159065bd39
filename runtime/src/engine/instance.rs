//! One account's progress through a flow, kept small so that millions fit
//! in memory, and its stored form.
//!
//! In memory, the cap ledger and the pauses share one boxed slice: most
//! accounts are paused on no channel, and a slot per channel for every
//! account would be a fifth of the instance. Stored (postcard, in the store
//! of `dun run`), an instance keeps the shape it has always had, a pause
//! per channel and the ledger apart, so stores written before this layout
//! read the same.

use super::Status;
use crate::engine::ActionKind;
use crate::format::{Channel, ChannelSet, Sym};
use crate::value::Value;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One account's progress through a flow.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(from = "Owned")]
pub struct Instance {
    /// Index into [`crate::format::Machine::states`].
    pub state: u32,
    pub status: Status,
    /// Channels a `stop` rule has closed for good.
    pub stopped: ChannelSet,
    /// How many of `marks` are the cap ledger.
    ledger_len: u16,
    /// The outcome symbol once [`Status::Ended`].
    pub outcome: Sym,
    /// Actions emitted so far: part of every action id.
    pub seq: u32,
    /// When the current state resumes, in seconds since 1970 UTC;
    /// `i64::MAX` when nothing is scheduled.
    pub resume_at: i64,
    /// One slot per variable of the machine, fixed at enrolment.
    pub vars: Box<[Value]>,
    /// The cap ledger (see [`Instance::ledger`]), then one pause per paused
    /// channel: the channel's index in its top [`CHANNEL_BITS`] bits and the
    /// minute the pause ends below them.
    marks: Box<[u32]>,
    /// Contacts from handlers waiting for an allowed moment.
    pub queue: Vec<Queued>,
    /// The account's cycle through the flow (1, 2, ... at each re-entry; 0
    /// is read as 1): part of every action id from the second cycle on.
    /// Not in the stored form: the store keeps it in a column of its own.
    pub cycle: u32,
}

/// A contact that a handler decided but the policy did not let go yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// Seconds since 1970 UTC.
    pub due: i64,
    pub state: u32,
    pub kind: ActionKind,
}

/// Bits of a pause mark that hold the channel.
const CHANNEL_BITS: u32 = 3;
const MINUTE_BITS: u32 = 32 - CHANNEL_BITS;
/// The latest minute a pause can end: in the year 2990. A pause that would
/// end later ends then.
pub(crate) const LAST_PAUSE_MINUTE: u32 = (1 << MINUTE_BITS) - 1;

fn pause_mark(channel: Channel, minute: u32) -> u32 {
    ((channel.index() as u32) << MINUTE_BITS) | minute.min(LAST_PAUSE_MINUTE)
}

fn mark_channel(mark: u32) -> usize {
    (mark >> MINUTE_BITS) as usize
}

fn mark_minute(mark: u32) -> u32 {
    mark & LAST_PAUSE_MINUTE
}

impl Instance {
    /// A fresh instance, to be enrolled with [`super::Input::Enrol`].
    pub fn new() -> Self {
        Instance {
            resume_at: i64::MAX,
            ..Instance::default()
        }
    }

    /// The next moment a [`super::Input::Timer`] has work to do.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let stage = (self.status == Status::Active).then_some(self.resume_at);
        let queued = self.queue.iter().map(|q| q.due).min();
        let t = match (stage, queued) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        // A hold with no longest duration parks what it holds at its last
        // minute: such an account is due only when the releasing event comes.
        if t >= i64::from(LAST_PAUSE_MINUTE) * 60 {
            return None;
        }
        DateTime::from_timestamp(t, 0)
    }

    /// Per cap, in policy order, the times of its channels' last `count`
    /// contacts, oldest first, in minutes since 1970 UTC (rounded up), 0
    /// for an empty slot.
    pub fn ledger(&self) -> &[u32] {
        self.marks.get(..self.ledger_len as usize).unwrap_or(&[])
    }

    pub(crate) fn ledger_mut(&mut self) -> &mut [u32] {
        let n = self.ledger_len as usize;
        self.marks.get_mut(..n).unwrap_or(&mut [])
    }

    /// Gives the ledger `len` slots, keeping the pauses and the slots it
    /// has (new ones are empty), as `Vec::resize` would.
    pub(crate) fn resize_ledger(&mut self, len: usize) {
        let len = len.min(usize::from(u16::MAX));
        let mut marks = Vec::with_capacity(len + self.pause_marks().len());
        marks.extend_from_slice(self.ledger());
        marks.resize(len, 0);
        marks.extend_from_slice(self.pause_marks());
        self.marks = marks.into_boxed_slice();
        self.ledger_len = len as u16;
    }

    fn pause_marks(&self) -> &[u32] {
        self.marks.get(self.ledger_len as usize..).unwrap_or(&[])
    }

    /// The minute (since 1970 UTC) until which a `pause` rule forbids
    /// contact on `channel`; 0 when it is not paused.
    pub fn paused_until(&self, channel: Channel) -> u32 {
        self.pause_marks()
            .iter()
            .find(|m| mark_channel(**m) == channel.index())
            .map_or(0, |m| mark_minute(*m))
    }

    /// Pauses `channel` until `minute` at least. Pauses that ended by
    /// `now_minute` are dropped on the way, so the marks hold only live ones.
    pub(crate) fn pause(&mut self, channel: Channel, minute: u32, now_minute: u32) {
        let minute = minute.max(self.paused_until(channel));
        let ledger = self.ledger();
        let mut marks = Vec::with_capacity(self.marks.len() + 1);
        marks.extend_from_slice(ledger);
        marks.extend(
            self.pause_marks()
                .iter()
                .copied()
                .filter(|m| mark_channel(*m) != channel.index() && mark_minute(*m) > now_minute),
        );
        marks.push(pause_mark(channel, minute));
        // In channel order, as a stored instance reads back.
        let n = self.ledger_len as usize;
        if let Some(pauses) = marks.get_mut(n..) {
            pauses.sort_unstable_by_key(|m| mark_channel(*m));
        }
        self.marks = marks.into_boxed_slice();
    }

    /// The instance of a new cycle: enrolled afresh, with the cap ledger,
    /// pauses, stops and action sequence of the person, not of the cycle.
    pub fn next_cycle(&self) -> Instance {
        Instance {
            state: 0,
            status: Status::NotStarted,
            outcome: 0,
            resume_at: i64::MAX,
            vars: Box::default(),
            queue: Vec::new(),
            cycle: self.cycle.max(1) + 1,
            ..self.clone()
        }
    }

    /// Bytes this instance holds on the heap (variables, ledger and pauses,
    /// queue).
    pub fn heap_bytes(&self) -> usize {
        self.vars.len() * std::mem::size_of::<Value>()
            + self
                .vars
                .iter()
                .map(|v| match v {
                    Value::Text(s) | Value::Variant(s) => s.capacity(),
                    _ => 0,
                })
                .sum::<usize>()
            + self.marks.len() * 4
            + self.queue.capacity() * std::mem::size_of::<Queued>()
    }
}

/// The stored form: fields in this order, a pause per channel. Written
/// from borrowed slices, read into vectors (serde spells both the same),
/// and read with another kind of queue by `store::legacy`.
#[derive(Serialize, Deserialize)]
pub(crate) struct Stored<Vars, Ledger, Queue> {
    pub state: u32,
    pub status: Status,
    pub outcome: Sym,
    pub resume_at: i64,
    pub seq: u32,
    pub stopped: ChannelSet,
    pub pause_until: [u32; 7],
    pub vars: Vars,
    pub ledger: Ledger,
    pub queue: Queue,
}

/// The stored form as it is read.
pub(crate) type Owned<Q = Queued> = Stored<Vec<Value>, Vec<u32>, Vec<Q>>;

impl<V, L, Q> Stored<V, L, Q> {
    /// The same instance with another queue (the store's reading of older
    /// layouts).
    #[cfg(feature = "store")]
    pub(crate) fn with_queue<R>(self, queue: R) -> Stored<V, L, R> {
        Stored {
            state: self.state,
            status: self.status,
            outcome: self.outcome,
            resume_at: self.resume_at,
            seq: self.seq,
            stopped: self.stopped,
            pause_until: self.pause_until,
            vars: self.vars,
            ledger: self.ledger,
            queue,
        }
    }
}

impl Serialize for Instance {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut pause_until = [0; 7];
        for m in self.pause_marks() {
            if let Some(slot) = pause_until.get_mut(mark_channel(*m)) {
                *slot = mark_minute(*m);
            }
        }
        Stored {
            state: self.state,
            status: self.status,
            outcome: self.outcome,
            resume_at: self.resume_at,
            seq: self.seq,
            stopped: self.stopped,
            pause_until,
            vars: &self.vars[..],
            ledger: self.ledger(),
            queue: &self.queue[..],
        }
        .serialize(s)
    }
}

impl From<Owned> for Instance {
    fn from(s: Owned) -> Self {
        let ledger_len = s.ledger.len().min(usize::from(u16::MAX));
        let mut marks = s.ledger;
        marks.truncate(ledger_len);
        for (channel, minute) in Channel::ALL.into_iter().zip(s.pause_until) {
            if minute != 0 {
                marks.push(pause_mark(channel, minute));
            }
        }
        Instance {
            state: s.state,
            status: s.status,
            stopped: s.stopped,
            ledger_len: ledger_len as u16,
            outcome: s.outcome,
            seq: s.seq,
            resume_at: s.resume_at,
            vars: s.vars.into_boxed_slice(),
            marks: marks.into_boxed_slice(),
            queue: s.queue,
            cycle: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_share_the_ledger_slice_and_only_live_ones_stay() {
        let mut i = Instance::new();
        i.resize_ledger(3);
        i.ledger_mut()[2] = 500;
        i.pause(Channel::Call, 1_000, 0);
        i.pause(Channel::Sms, 2_000, 0);
        // A shorter pause does not shorten a longer one.
        i.pause(Channel::Call, 900, 0);
        assert_eq!(i.paused_until(Channel::Call), 1_000);
        assert_eq!(i.paused_until(Channel::Sms), 2_000);
        assert_eq!(i.paused_until(Channel::Email), 0);
        assert_eq!(i.ledger(), &[0, 0, 500]);
        // At minute 1 500 the call pause is over and is dropped.
        i.pause(Channel::Voice, 3_000, 1_500);
        assert_eq!(i.paused_until(Channel::Call), 0);
        assert_eq!(i.marks.len(), 3 + 2);
        // A resized ledger keeps its slots and the pauses.
        i.resize_ledger(4);
        assert_eq!(i.ledger(), &[0, 0, 500, 0]);
        i.resize_ledger(1);
        assert_eq!(i.ledger(), &[0]);
        assert_eq!(i.paused_until(Channel::Voice), 3_000);
        // Far pauses end in 2990.
        i.pause(Channel::Letter, u32::MAX, 0);
        assert_eq!(i.paused_until(Channel::Letter), LAST_PAUSE_MINUTE);
        assert_eq!(i.paused_until(Channel::Voice), 3_000);
    }

    #[test]
    #[cfg(feature = "store")]
    fn the_stored_form_is_the_one_stores_have_always_held() {
        // Bytes in the layout of earlier versions, field by field.
        let bytes = crate::store::legacy::tests::before(vec![]);
        let i: Instance = postcard::from_bytes(&bytes).unwrap();
        assert_eq!((i.state, i.status, i.seq), (3, Status::Active, 2));
        assert_eq!(i.resume_at, 1_772_442_000);
        assert_eq!(i.vars, vec![Value::Bool(true)].into());
        assert_eq!(i.ledger(), &[0, 29_540_700]);
        assert_eq!(i.paused_until(Channel::Call), 29_550_000);
        assert_eq!(i.paused_until(Channel::Voice), 0);
        assert_eq!(postcard::to_allocvec(&i).unwrap(), bytes);
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(serde_json::from_str::<Instance>(&json).unwrap(), i);
    }
}
