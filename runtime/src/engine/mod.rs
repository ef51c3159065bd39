//! The deterministic engine: one pure step function over a compiled flow.
//!
//! `step(machine, instance, account, input, now)` changes the instance and
//! returns the actions to carry out and the audit entries to keep. It reads
//! no clock, does no I/O and draws no random numbers: the same inputs give
//! the same instance, the same actions and the same action ids.

mod audit;
mod charge;
mod contact;
mod deadline;
pub(crate) mod eval;
mod hold;
pub(crate) mod instance;
mod message;
mod person;
mod placement;
mod plan;
mod promise;
mod run;
mod settlement;
mod week;

pub use audit::{AuditEntry, AuditKind, ContactRef, Detail, Reason};
pub use charge::{interest_frozen, Charge, FeeBlock};
pub use dun_machine::account::{type_words, Account, AccountError};
pub use instance::{Instance, Queued};
pub use person::{person_of, Person};
pub use plan::{plan_of, PlanMark, PlanView};
pub use run::split_bucket;

use crate::format::{Approved, Channel, DurationSpec, Machine, Priority, Sym};
use crate::value::Value;
use chrono::{DateTime, NaiveDate, Utc};
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
        /// `offer plan up to N ...`: the debtor may choose fewer.
        up_to: bool,
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
    /// A send whose template says more than its text: the language of the
    /// text chosen for the account, the name and language code WhatsApp
    /// approved it under. A template that says neither gives a
    /// [`ActionKind::Send`].
    Message {
        channel: Channel,
        template: Sym,
        language: Option<Sym>,
        approved: Option<Approved>,
        subject: Option<String>,
        text: String,
        to: Option<String>,
    },
    /// `charge fee AMOUNT ["reason"]`: the amount in the flow's currency.
    ChargeFee {
        amount: Decimal,
        reason: Option<Sym>,
    },
    /// `freeze interest` (`frozen: true`) or `resume interest`.
    Interest {
        frozen: bool,
    },
    /// The period of `assign agency "Name" for DURATION` is over: the
    /// account comes back from the agency.
    RecallAgency {
        agency: Sym,
    },
    /// `offer settlement AMOUNT until DATE`, or `offer discount P% if paid
    /// in full by DATE` (`percent`: P): what paid by the last day settles
    /// the account, rounded to the cent.
    OfferSettlement {
        amount: Decimal,
        until: NaiveDate,
        percent: Option<Decimal>,
    },
}

impl ActionKind {
    /// The contact channel, for sends and calls.
    pub fn channel(&self) -> Option<Channel> {
        match self {
            ActionKind::Send { channel, .. } | ActionKind::Message { channel, .. } => {
                Some(*channel)
            }
            ActionKind::Call { .. } => Some(Channel::Call),
            _ => None,
        }
    }

    /// The contact, for audit entries.
    pub fn contact(&self) -> Option<ContactRef> {
        match self {
            ActionKind::Send {
                channel, template, ..
            }
            | ActionKind::Message {
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
                up_to,
            } => {
                let range = if *up_to { "up to " } else { "" };
                format!("offer plan {range}{installments} installments every {every}")
            }
            ActionKind::Alert { team, .. } => format!("alert {}", m.str(*team)),
            ActionKind::Emit { action, .. } => {
                format!("emitted {}", Self::action_name(m, *action))
            }
            ActionKind::Stage { to, .. } => format!("stage {}", m.stage_name(*to)),
            ActionKind::End { outcome } => format!("end {}", m.str(*outcome)),
            ActionKind::Message {
                channel,
                template,
                language,
                approved,
                ..
            } => {
                let mut out = format!("sent {} {}", channel.name(), m.str(*template));
                if let Some(l) = language {
                    out.push_str(" in ");
                    out.push_str(m.str(*l));
                }
                if let Some(a) = approved {
                    out.push_str(&format!(
                        " (approved \"{}\" language \"{}\")",
                        m.str(a.name),
                        m.str(a.language)
                    ));
                }
                out
            }
            ActionKind::ChargeFee { amount, reason } => match reason {
                Some(r) => format!(
                    "charged fee {} {} \"{}\"",
                    amount.normalize(),
                    m.currency,
                    m.str(*r)
                ),
                None => format!("charged fee {} {}", amount.normalize(), m.currency),
            },
            ActionKind::Interest { frozen: true } => "interest frozen".into(),
            ActionKind::Interest { frozen: false } => "interest resumed".into(),
            ActionKind::RecallAgency { agency } => {
                format!("recalled agency \"{}\"", m.str(*agency))
            }
            ActionKind::OfferSettlement {
                amount,
                until,
                percent,
            } => match percent {
                Some(p) => format!(
                    "offer discount {}% if paid in full by {until} ({} {})",
                    p.normalize(),
                    amount.normalize(),
                    m.currency
                ),
                None => format!(
                    "offer settlement {} {} until {until}",
                    amount.normalize(),
                    m.currency
                ),
            },
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

/// [`step`] for an account of a flow with `person account.FIELD`: caps,
/// pauses and stops count with `person`, which the caller keeps for all
/// the accounts of that person and hands to each of their steps.
pub fn step_person(
    machine: &Machine,
    instance: &mut Instance,
    account: &Account,
    person: &mut Person,
    input: Input,
    now: DateTime<Utc>,
) -> Outcome {
    let mut out = Outcome::default();
    let mut run = run::Run::new(machine, instance, account, &mut out);
    run.person = Some(person);
    run.step(input, now);
    out
}

/// [`step_person`] writing into `out`, as [`step_into`] does.
pub fn step_person_into(
    machine: &Machine,
    instance: &mut Instance,
    account: &Account,
    person: &mut Person,
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
    let mut run = run::Run::new(machine, instance, account, out);
    run.person = Some(person);
    run.step(input, now);
}

/// Whether `code` (a condition on the account, such as `reenter when`)
/// holds for `account` at `now`; a condition that cannot be computed does
/// not.
pub fn holds(
    machine: &Machine,
    account: &Account,
    code: &crate::format::Code,
    now: DateTime<Utc>,
) -> bool {
    let mut inst = Instance::new();
    let mut out = Outcome::default();
    run::Run::new(machine, &mut inst, account, &mut out).holds(code, now)
}

/// Gives the instance's unset variables their initial values at `now`, as
/// enrolment would: the variables a migration adds.
pub fn init_unset_vars(
    machine: &Machine,
    instance: &mut Instance,
    account: &Account,
    now: DateTime<Utc>,
) -> Outcome {
    let mut out = Outcome::default();
    run::Run::new(machine, instance, account, &mut out).init_unset(now);
    out
}

/// Sets the variables a migration's `var NAME = EXPR` lines give, in the
/// order written, each reading the account and the instance's variables as
/// they stand (the carried-over ones, the new ones' starting values and
/// the lines before it).
pub fn set_migrated_vars(
    machine: &Machine,
    instance: &mut Instance,
    account: &Account,
    vars: &[(u16, crate::format::Code)],
    now: DateTime<Utc>,
) -> Outcome {
    let mut out = Outcome::default();
    run::Run::new(machine, instance, account, &mut out).set_vars(vars, now);
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
