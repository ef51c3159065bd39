//! The deterministic engine: one pure step function over a compiled flow.
//!
//! `step(machine, instance, account, input, now)` changes the instance and
//! returns the actions to carry out and the audit entries to keep. It reads
//! no clock, does no I/O and draws no random numbers: the same inputs give
//! the same instance, the same actions and the same action ids.

mod account;
mod contact;
pub(crate) mod eval;
mod run;

pub use account::{type_words, Account, AccountError};

use crate::format::{Channel, ChannelSet, DurationSpec, Priority, Sym};
use crate::value::Value;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where an account is in its flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Created, not enrolled yet.
    #[default]
    NotStarted,
    Active,
    /// Finished with the outcome in [`Instance::outcome`].
    Ended,
    /// Stopped by a fault of the compiled flow (audited); needs a person.
    Halted,
}

/// One account's progress through a flow: small and flat, so millions fit
/// in memory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// Index into [`crate::format::Machine::states`].
    pub state: u32,
    pub status: Status,
    /// The outcome symbol once [`Status::Ended`].
    pub outcome: Sym,
    /// When the current state resumes, in seconds since 1970 UTC;
    /// `i64::MAX` when nothing is scheduled.
    pub resume_at: i64,
    /// Actions emitted so far: part of every action id.
    pub seq: u32,
    /// Channels a `stop` rule has closed for good.
    pub stopped: ChannelSet,
    /// Per channel (in [`Channel`] order), minutes since 1970 UTC until
    /// which a `pause` rule forbids contact; 0 when not paused.
    pub pause_until: [u32; 7],
    pub vars: Vec<Value>,
    /// Per cap, in policy order, the times of its channels' last `count`
    /// contacts, oldest first, minutes since 1970 UTC (rounded up), 0 for
    /// an empty slot.
    pub ledger: Vec<u32>,
    /// Contacts from handlers waiting for an allowed moment.
    pub queue: Vec<Queued>,
}

/// A contact that a handler decided but the policy did not let go yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// Seconds since 1970 UTC.
    pub due: i64,
    pub state: u32,
    pub kind: ActionKind,
}

impl Instance {
    /// A fresh instance, to be enrolled with [`Input::Enrol`].
    pub fn new() -> Self {
        Instance {
            resume_at: i64::MAX,
            ..Instance::default()
        }
    }

    /// The next moment a [`Input::Timer`] has work to do.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let stage = (self.status == Status::Active).then_some(self.resume_at);
        let queued = self.queue.iter().map(|q| q.due).min();
        let t = match (stage, queued) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        if t == i64::MAX {
            return None;
        }
        DateTime::from_timestamp(t, 0)
    }

    /// Bytes this instance holds on the heap (variables, ledger, queue).
    pub fn heap_bytes(&self) -> usize {
        self.vars.capacity() * std::mem::size_of::<Value>()
            + self
                .vars
                .iter()
                .map(|v| match v {
                    Value::Text(s) | Value::Variant(s) => s.capacity(),
                    _ => 0,
                })
                .sum::<usize>()
            + self.ledger.capacity() * 4
            + self.queue.capacity() * std::mem::size_of::<Queued>()
    }
}

/// What happens to an account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Input {
    /// The account enters the flow at its start stage.
    Enrol,
    /// Time passes: everything due up to `now` runs, each at its due moment.
    Timer,
    /// An event arrives (after everything due before it has run). `payload`
    /// follows the event's schema in the machine, field by field.
    Event { event: u16, payload: Vec<Value> },
}

/// Everything one step produced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub actions: Vec<Action>,
    pub audit: Vec<AuditEntry>,
    /// States the account moved into, in order (for traces and coverage).
    pub visited: Vec<u32>,
}

/// An id that is the same every time the same step is replayed, so a
/// consumer can deduplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ActionId(pub u64);

impl std::fmt::Display for ActionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub id: ActionId,
    pub at: DateTime<Utc>,
    /// The state the account was in when it was decided.
    pub state: u32,
    pub kind: ActionKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ActionKind {
    Send {
        channel: Channel,
        template: String,
        subject: Option<String>,
        text: String,
        /// The address used: the value of the contact field.
        to: Option<String>,
    },
    Call {
        queue: Option<String>,
        priority: Priority,
    },
    AssignQueue {
        queue: String,
        priority: Priority,
    },
    AssignAgency {
        agency: String,
    },
    OfferDiscount {
        percent: Decimal,
        until: Option<DateTime<Utc>>,
    },
    OfferPlan {
        installments: u32,
        every: DurationSpec,
    },
    Alert {
        team: String,
        text: String,
    },
    Emit {
        action: String,
        fields: Vec<(String, Value)>,
    },
    /// The account moved to a stage (for tracing).
    Stage {
        from: Option<String>,
        to: String,
    },
    End {
        outcome: String,
    },
}

impl ActionKind {
    /// The contact channel, for sends and calls.
    pub fn channel(&self) -> Option<Channel> {
        match self {
            ActionKind::Send { channel, .. } => Some(*channel),
            ActionKind::Call { .. } => Some(Channel::Call),
            _ => None,
        }
    }

    /// A short description for traces: `sms reminder_sms`, `call early_agents`.
    pub fn describe(&self) -> String {
        match self {
            ActionKind::Send {
                channel, template, ..
            } => format!("sent {} {template}", channel.name()),
            ActionKind::Call { queue, .. } => match queue {
                Some(q) => format!("call queue {q}"),
                None => "call".into(),
            },
            ActionKind::AssignQueue { queue, .. } => format!("assigned queue {queue}"),
            ActionKind::AssignAgency { agency } => format!("assigned agency \"{agency}\""),
            ActionKind::OfferDiscount { percent, .. } => format!("offer discount {percent}%"),
            ActionKind::OfferPlan {
                installments,
                every,
            } => {
                format!("offer plan {installments} installments every {every}")
            }
            ActionKind::Alert { team, .. } => format!("alert {team}"),
            ActionKind::Emit { action, .. } => format!("emitted {action}"),
            ActionKind::Stage { to, .. } => format!("stage {to}"),
            ActionKind::End { outcome } => format!("end {outcome}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditKind {
    Enrolled,
    /// Suspended by a `wait`.
    Waiting,
    /// A stage contact the policy does not allow now; the stage waits.
    Held,
    /// A handler contact the policy does not allow now; it goes later.
    Queued,
    /// A queued contact went.
    Released,
    /// A contact after a `stop`; the flow carries on.
    Suppressed,
    /// A contact whose contact field is unset at run time.
    Skipped,
    /// A handler ran for an event.
    Handler,
    /// An event matched no handler, or came before enrolment / after the end.
    Ignored,
    Paused,
    Stopped,
    Split,
    /// A fault of the compiled flow or of the input (a condition that could
    /// not be evaluated, a payload that does not match the event...).
    Problem,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub state: u32,
    pub kind: AuditKind,
    /// For people: what happened and why, e.g. `held: contact_hours
    /// 08:00–21:00 America/New_York, goes 2026-03-03 08:00`.
    pub message: String,
}

/// Runs one input against one account. Pure and deterministic.
pub fn step(
    machine: &crate::format::Machine,
    instance: &mut Instance,
    account: &Account,
    input: Input,
    now: DateTime<Utc>,
) -> Outcome {
    run::Run::new(machine, instance, account).step(input, now)
}

#[cfg(test)]
mod tests;
