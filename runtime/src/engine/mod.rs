//! The deterministic engine: one pure step function over a compiled flow.
//!
//! `step(machine, instance, account, input, now)` changes the instance and
//! returns the actions to carry out and the audit entries to keep. It reads
//! no clock, does no I/O and draws no random numbers: the same inputs give
//! the same instance, the same actions and the same action ids.

mod account;
mod audit;
mod contact;
pub(crate) mod eval;
mod run;

pub use account::{type_words, Account, AccountError};
pub use audit::{AuditEntry, AuditKind, ContactRef, Detail, Reason};

use crate::format::{Channel, ChannelSet, DurationSpec, Machine, Priority, Sym};
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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub actions: Vec<Action>,
    pub audit: Vec<AuditEntry>,
    /// States the account moved into, in order (for traces and coverage).
    pub visited: Vec<u32>,
    /// Zone offsets already looked up, kept while the caller reuses this
    /// outcome with [`step_into`].
    pub(crate) memo: crate::time::ZoneMemo,
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

/// What an action does. Names are the machine's interned strings (read
/// them with [`crate::format::Machine::str`]): an action is made for every
/// contact of every account, and a copy of each name would cost more than
/// the decision itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ActionKind {
    Send {
        channel: Channel,
        template: Sym,
        subject: Option<String>,
        text: String,
        /// The address used: the value of the contact field.
        to: Option<String>,
    },
    Call {
        queue: Option<Sym>,
        priority: Priority,
    },
    AssignQueue {
        queue: Sym,
        priority: Priority,
    },
    AssignAgency {
        agency: Sym,
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
        team: Sym,
        text: String,
    },
    /// A custom action: its index in [`crate::format::Machine::actions`]
    /// and its field values, by field index.
    Emit {
        action: u16,
        fields: Vec<(u16, Value)>,
    },
    /// The account moved to a stage (for tracing): stage indexes.
    Stage {
        from: Option<u16>,
        to: u16,
    },
    End {
        outcome: Sym,
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

    /// The contact, for audit entries.
    pub fn contact(&self) -> Option<ContactRef> {
        match self {
            ActionKind::Send {
                channel, template, ..
            } => Some(ContactRef {
                channel: *channel,
                name: Some(*template),
            }),
            ActionKind::Call { queue, .. } => Some(ContactRef {
                channel: Channel::Call,
                name: *queue,
            }),
            _ => None,
        }
    }

    /// The name of a custom action's field.
    pub fn field_name(m: &Machine, action: u16, field: u16) -> &str {
        m.actions
            .get(action as usize)
            .and_then(|d| d.fields.get(field as usize))
            .map(|f| m.str(f.name))
            .unwrap_or("?")
    }

    /// The name of a custom action.
    pub fn action_name(m: &Machine, action: u16) -> &str {
        m.actions
            .get(action as usize)
            .map(|d| m.str(d.name))
            .unwrap_or("?")
    }

    /// A short description for traces: `sent sms reminder_sms`, `call queue
    /// early_agents`.
    pub fn describe(&self, m: &Machine) -> String {
        match self {
            ActionKind::Send {
                channel, template, ..
            } => format!("sent {} {}", channel.name(), m.str(*template)),
            ActionKind::Call { queue, .. } => match queue {
                Some(q) => format!("call queue {}", m.str(*q)),
                None => "call".into(),
            },
            ActionKind::AssignQueue { queue, .. } => format!("assigned queue {}", m.str(*queue)),
            ActionKind::AssignAgency { agency } => {
                format!("assigned agency \"{}\"", m.str(*agency))
            }
            ActionKind::OfferDiscount { percent, .. } => format!("offer discount {percent}%"),
            ActionKind::OfferPlan {
                installments,
                every,
            } => {
                format!("offer plan {installments} installments every {every}")
            }
            ActionKind::Alert { team, .. } => format!("alert {}", m.str(*team)),
            ActionKind::Emit { action, .. } => {
                format!("emitted {}", Self::action_name(m, *action))
            }
            ActionKind::Stage { to, .. } => format!("stage {}", m.stage_name(*to)),
            ActionKind::End { outcome } => format!("end {}", m.str(*outcome)),
        }
    }
}

/// Runs one input against one account. Pure and deterministic.
pub fn step(
    machine: &Machine,
    instance: &mut Instance,
    account: &Account,
    input: Input,
    now: DateTime<Utc>,
) -> Outcome {
    let mut out = Outcome::default();
    run::Run::new(machine, instance, account, &mut out).step(input, now);
    out
}

/// [`step`] writing into `out`, which is cleared first: a loop over many
/// accounts reuses one outcome's buffers instead of allocating three
/// vectors per step, and the zone offsets it has already looked up.
pub fn step_into(
    machine: &Machine,
    instance: &mut Instance,
    account: &Account,
    input: Input,
    now: DateTime<Utc>,
    out: &mut Outcome,
) {
    out.actions.clear();
    out.audit.clear();
    out.visited.clear();
    if !out.memo.is_ready() {
        out.memo = crate::time::ZoneMemo::new();
    }
    run::Run::new(machine, instance, account, out).step(input, now);
}

#[cfg(test)]
mod tests;
