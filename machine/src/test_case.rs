//! A flow test as the compiler hands it to the runtime: the account, the
//! start, and a timeline of events, updates and expectations, with names
//! already resolved to indexes.

use crate::account::Account;
use crate::format::{Channel, ChannelSet, DurationSpec, SrcSpan};
use crate::value::Value;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestCase {
    pub title: String,
    pub span: SrcSpan,
    /// `given account { ... }`; `id` defaults to whatever the compiler chose.
    pub account: Account,
    /// `start at DATETIME`, local to `zone`.
    pub start: NaiveDateTime,
    /// `in "Zone"`: an IANA name; UTC when absent.
    pub zone: Option<String>,
    pub timeline: Vec<TimelineItem>,
    /// `given arm STAGE`: the stages the account's split arms go to. The
    /// runner gives the account an id that takes them.
    #[serde(default)]
    pub arms: Vec<u16>,
    /// The accounts after the first (`given account a2 { ... }`), by name:
    /// several accounts of one person. A line of the timeline says which
    /// with [`TimelineItem::account`].
    #[serde(default)]
    pub more: Vec<(String, Account)>,
}

/// `on day N [at HH:MM] ...`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineItem {
    pub day: u32,
    /// Time of day of an action; the start's time of day when absent.
    pub at: Option<NaiveTime>,
    pub what: TestStep,
    pub span: SrcSpan,
    /// `on day N for a2 ...`: 0 for the first account, `n` for
    /// [`TestCase::more`]`[n - 1]`.
    #[serde(default)]
    pub account: u16,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TestStep {
    /// `receive EVENT { ... }`, payload in the event's field order.
    Receive {
        event: u16,
        payload: Vec<Value>,
    },
    /// `update account { field: value }`, by account field index.
    Update {
        fields: Vec<(u16, Value)>,
    },
    Expect(Expect),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Expect {
    Sent {
        channel: Channel,
        template: String,
    },
    Call {
        queue: Option<String>,
    },
    /// `expect no CHANNELS`.
    No(ChannelSet),
    AssignedQueue(String),
    AssignedAgency(String),
    /// As written: 20 for `20%`.
    OfferDiscount(Decimal),
    Alert(String),
    Emitted(String),
    Stage(String),
    End(String),
    Var {
        var: u16,
        value: Value,
    },
    /// `expect sent CHANNEL TEMPLATE in LANGUAGE`.
    SentIn {
        channel: Channel,
        template: String,
        language: String,
    },
    /// `expect offer plan [N installments [every D]]`: what is left out
    /// matches any plan.
    OfferPlan {
        installments: Option<u32>,
        every: Option<DurationSpec>,
        /// `up to N installments`: matches only a range offer, as the
        /// exact form matches only an exact one.
        up_to: bool,
    },
    /// `expect charged fee [AMOUNT] ["reason"]`
    ChargedFee {
        amount: Option<Decimal>,
        reason: Option<String>,
    },
    /// `expect no fees`: none charged that day.
    NoFee,
    /// `expect interest [not] frozen`, at the end of the day.
    InterestFrozen(bool),
    /// `expect recalled agency "Name"`.
    RecalledAgency(String),
    /// `expect installment missed`: the count of missed installments (the
    /// variable) grew that day.
    InstallmentMissed {
        var: u16,
    },
    /// `expect offer settlement [AMOUNT] [until DATE]`: a settlement (or a
    /// discount if paid in full) offered that day, for that amount and
    /// last day when given.
    OfferSettlement {
        amount: Option<Decimal>,
        until: Option<NaiveDate>,
    },
}
