//! The compiled form of a flow: a state machine the engine runs, with its
//! schema, policy, templates and a small stack bytecode for expressions.
//!
//! Every place where an account can wait (a stage entry, a `wait`, a held
//! contact) is a [`State`]: a stage and a position in that stage's op list.
//! Resuming a state runs the stage's ops from that position until the next
//! wait, hold, `goto`, `end` or `split`.
//!
//! Strings are interned in [`Machine::strings`] and referred to by [`Sym`];
//! expression constants live in [`Machine::consts`].

mod arrangements;
mod charges;
mod collections;
mod header;
mod locales;
mod person;
mod plan_offer;
mod plans;
mod rules;
mod settlements;
mod validate;

pub use arrangements::{Arrangements, PROMISE_STATES, PROMISE_VAR};
pub use charges::{cents, Charges, FeeCap, FeeLimit, MAX_FEE_SLOTS};
pub use collections::{Collections, Deadline};

pub use header::FLAG_PLANS;
pub use header::FLAG_SETTLEMENTS;
pub use header::{
    decode, encode, FormatError, FLAGS_KNOWN, FLAG_CHARGES, FLAG_COLLECTIONS, FLAG_LIFECYCLE,
    FLAG_PERSON, FLAG_POLICY_EXT, FORMAT_VERSION, HEADER_LEN, MAGIC,
};
pub use header::{FLAG_ARRANGEMENTS, FLAG_LOCALES};
pub use locales::{Approved, LanguageChoice, LanguageText, Locales, TemplateLocale};
pub use person::PersonKey;
pub use plan_offer::{Misfit, PlanOffer, OFFER_VARS, PLAN_REFUSED, REFUSED_VAR};
pub use plans::{Plans, MISSED_VAR, PLAN_STATES, PLAN_VAR};
pub use rules::{Hold, PolicyExt, WeekCap, Window};
pub use settlements::{Settlements, SETTLEMENT_STATES, SETTLEMENT_VAR};
pub use validate::validate;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An index into [`Machine::strings`].
pub type Sym = u32;

/// Byte offsets `start..end` in the flow's source file, carried opaquely so
/// traces and coverage can point back at the source.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct SrcSpan {
    pub start: u32,
    pub end: u32,
}

impl SrcSpan {
    pub fn new(start: u32, end: u32) -> Self {
        SrcSpan { start, end }
    }
}

/// A whole compiled flow.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub flow: String,
    pub version: u32,
    /// ISO 4217 code; every money value of the flow is in it.
    pub currency: String,
    pub strings: Vec<String>,
    pub consts: Vec<Const>,
    /// The account's fields, `account.id` excluded (it is always present).
    pub account: Vec<Field>,
    pub events: Vec<EventDef>,
    /// Custom actions declared with `action NAME { ... }`.
    pub actions: Vec<ActionDef>,
    pub calendars: Vec<Calendar>,
    /// The calendar for `business days` without `of CALENDAR`; `None` means
    /// Saturday and Sunday off and no holidays.
    pub default_calendar: Option<u16>,
    pub policy: Policy,
    pub vars: Vec<VarDef>,
    pub templates: Vec<Template>,
    pub stages: Vec<StageDef>,
    /// Flow-level handlers, in source order; tried after the current stage's.
    pub handlers: Vec<Handler>,
    /// The stage a new account enters.
    pub start: u16,
    pub states: Vec<State>,
    /// How accounts of an earlier version move in and ended accounts come
    /// back. Kept out of the machine's own payload: it follows it in the
    /// file under a flag (see [`header`]), so a flow without it encodes,
    /// and fingerprints, as it did before it existed.
    #[serde(skip)]
    pub lifecycle: Lifecycle,
    /// Deadlines, kept out of the payload in the same way.
    #[serde(skip)]
    pub collections: Collections,
    /// Fee caps and the holds that cover fees, kept out of the payload in
    /// the same way.
    #[serde(skip)]
    pub charges: Charges,
    /// Locale, languages and WhatsApp approvals, kept out of the payload in
    /// the same way.
    #[serde(skip)]
    pub locales: Locales,
    /// Payments and promises, kept out of the payload in the same way;
    /// `None` for a flow that does not declare its payments.
    #[serde(skip)]
    pub arrangements: Option<Arrangements>,
    /// `person account.FIELD`, kept out of the payload in the same way.
    #[serde(skip)]
    pub person: Option<PersonKey>,
    /// Payment plans, kept out of the payload in the same way; `None` for a
    /// flow that does not declare its payments.
    #[serde(skip)]
    pub plans: Option<Plans>,
    /// Settlement offers, kept out of the payload in the same way; `None`
    /// for a flow that offers no settlement.
    #[serde(skip)]
    pub settlements: Option<Settlements>,
    /// `contact_hours ... in ZONE and ZONE`: the second zone whose hours
    /// hold too, kept out of the payload in the same way.
    #[serde(skip)]
    pub second_zone: Option<ZoneSpec>,
}

/// `migrate from version N { ... }` blocks and `reenter when COND`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub migrations: Vec<Migration>,
    /// An ended account whose new row meets this starts a new cycle.
    pub reenter: Option<Code>,
}

impl Lifecycle {
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty() && self.reenter.is_none()
    }
}

/// How the accounts of one earlier version move into this one. Stages of
/// the old version are named (the old machine is not at hand when this one
/// is compiled); places are named as [`crate::places`] names them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Migration {
    pub from_version: u32,
    pub moves: Vec<Move>,
    /// New values of variables of this version, set after the move: the
    /// variable and its expression (reading account fields and the
    /// variables carried over).
    pub vars: Vec<(u16, Code)>,
}

/// `stage OLD [PLACE] -> NEW [at PLACE]`. Without a place on the left, the
/// rule covers every place of the old stage; without `at PLACE` on the
/// right, each place goes to the same place of the new stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Move {
    pub from_stage: String,
    pub from_place: Option<crate::places::Place>,
    pub to_stage: u16,
    pub to_place: Option<crate::places::Place>,
}

impl Machine {
    /// The interned string, or `""` for an index the machine does not hold.
    pub fn str(&self, sym: Sym) -> &str {
        self.strings
            .get(sym as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The index of an interned string.
    pub fn sym(&self, s: &str) -> Option<Sym> {
        self.strings.iter().position(|x| x == s).map(|i| i as Sym)
    }

    pub fn stage_index(&self, name: &str) -> Option<u16> {
        self.stages
            .iter()
            .position(|s| self.str(s.name) == name)
            .map(|i| i as u16)
    }

    pub fn event_index(&self, name: &str) -> Option<u16> {
        self.events
            .iter()
            .position(|e| self.str(e.name) == name)
            .map(|i| i as u16)
    }

    pub fn account_field(&self, name: &str) -> Option<u16> {
        self.account
            .iter()
            .position(|f| self.str(f.name) == name)
            .map(|i| i as u16)
    }

    pub fn var_index(&self, name: &str) -> Option<u16> {
        self.vars
            .iter()
            .position(|v| self.str(v.name) == name)
            .map(|i| i as u16)
    }

    pub fn template_index(&self, name: &str) -> Option<u16> {
        self.templates
            .iter()
            .position(|t| self.str(t.name) == name)
            .map(|i| i as u16)
    }

    /// The calendar whose business days `d` counts: its own (`of CALENDAR`),
    /// else the flow's default; `None` counts Monday to Friday.
    pub fn calendar_for(&self, d: &DurationSpec) -> Option<&Calendar> {
        d.calendar
            .or(self.default_calendar)
            .and_then(|c| self.calendars.get(c as usize))
    }

    /// The name of a stage, or `"?"`.
    pub fn stage_name(&self, stage: u16) -> &str {
        self.stages
            .get(stage as usize)
            .map(|s| self.str(s.name))
            .unwrap_or("?")
    }

    /// The JSON view of the machine, for `dun build --emit json`: the
    /// machine's own fields in their order, then the sections the binary
    /// form keeps after the payload under a flag (lifecycle, the policy's
    /// later rules, deadlines), so people see all of it.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct View<'a> {
            #[serde(flatten)]
            machine: &'a Machine,
            lifecycle: &'a Lifecycle,
            policy_rules: &'a PolicyExt,
            collections: &'a Collections,
            // Absent for a flow without fees or interest, whose view reads
            // as it did before they existed.
            #[serde(skip_serializing_if = "no_charges")]
            charges: &'a Charges,
            #[serde(skip_serializing_if = "Locales::is_empty")]
            locales: &'a Locales,
            #[serde(skip_serializing_if = "Option::is_none")]
            arrangements: &'a Option<Arrangements>,
            #[serde(skip_serializing_if = "Option::is_none")]
            person: &'a Option<PersonKey>,
            #[serde(skip_serializing_if = "Option::is_none")]
            plans: &'a Option<Plans>,
            #[serde(skip_serializing_if = "Option::is_none")]
            settlements: &'a Option<Settlements>,
            #[serde(skip_serializing_if = "Option::is_none")]
            second_zone: &'a Option<ZoneSpec>,
        }
        let view = View {
            machine: self,
            lifecycle: &self.lifecycle,
            policy_rules: &self.policy.ext,
            collections: &self.collections,
            charges: &self.charges,
            locales: &self.locales,
            arrangements: &self.arrangements,
            person: &self.person,
            plans: &self.plans,
            settlements: &self.settlements,
            second_zone: &self.second_zone,
        };
        fn no_charges(c: &&Charges) -> bool {
            c.is_empty()
        }
        serde_json::to_string_pretty(&view).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Reads the JSON view back.
    pub fn from_json(text: &str) -> Result<Machine, serde_json::Error> {
        let mut v: serde_json::Value = serde_json::from_str(text)?;
        let mut section = |key: &str| v.as_object_mut().and_then(|o| o.remove(key));
        let lifecycle = section("lifecycle");
        let rules = section("policy_rules");
        let collections = section("collections");
        let charges = section("charges");
        let locales = section("locales");
        let arrangements = section("arrangements");
        let person = section("person");
        let plans = section("plans");
        let settlements = section("settlements");
        let second_zone = section("second_zone");
        let mut m: Machine = serde_json::from_value(v)?;
        if let Some(lifecycle) = lifecycle {
            m.lifecycle = serde_json::from_value(lifecycle)?;
        }
        if let Some(rules) = rules {
            m.policy.ext = serde_json::from_value(rules)?;
        }
        if let Some(collections) = collections {
            m.collections = serde_json::from_value(collections)?;
        }
        if let Some(charges) = charges {
            m.charges = serde_json::from_value(charges)?;
        }
        if let Some(locales) = locales {
            m.locales = serde_json::from_value(locales)?;
        }
        if let Some(arrangements) = arrangements {
            m.arrangements = serde_json::from_value(arrangements)?;
        }
        if let Some(person) = person {
            m.person = serde_json::from_value(person)?;
        }
        if let Some(plans) = plans {
            m.plans = serde_json::from_value(plans)?;
        }
        if let Some(settlements) = settlements {
            m.settlements = serde_json::from_value(settlements)?;
        }
        if let Some(zone) = second_zone {
            m.second_zone = serde_json::from_value(zone)?;
        }
        Ok(m)
    }
}

/// A field of the account, an event payload or a custom action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: Sym,
    pub ty: Type,
    /// Written `T?`: the value may be unset.
    pub optional: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Type {
    Bool,
    Number,
    Money,
    Percent,
    Text,
    Date,
    Time,
    DateTime,
    Duration,
    Phone,
    Email,
    Address,
    Timezone,
    /// `low | medium | high`: the variant names.
    Enum(Vec<Sym>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDef {
    pub name: Sym,
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDef {
    pub name: Sym,
    pub fields: Vec<Field>,
}

/// Business days: a calendar's weekend and holidays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub name: Sym,
    /// Bit `n` set means weekday `n` (Monday = 0 … Sunday = 6) is off.
    pub weekend: u8,
    /// Sorted, without duplicates.
    #[serde(with = "compact_dates")]
    pub holidays: Vec<NaiveDate>,
}

/// Contact channels. `Call` is an agent or dialer call (`call` step); `Voice`
/// is an automated call (`send voice`). Both count as calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Channel {
    Email,
    Sms,
    Whatsapp,
    Letter,
    Push,
    Voice,
    Call,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Email,
        Channel::Sms,
        Channel::Whatsapp,
        Channel::Letter,
        Channel::Push,
        Channel::Voice,
        Channel::Call,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn bit(self) -> ChannelSet {
        ChannelSet(1 << self as u8)
    }

    /// The word a flow uses for it (`call` for an agent call).
    pub fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Letter => "letter",
            Channel::Push => "push",
            Channel::Voice => "voice",
            Channel::Call => "call",
        }
    }

    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// A set of channels, as a policy rule or a test expectation names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChannelSet(pub u8);

impl ChannelSet {
    pub const NONE: ChannelSet = ChannelSet(0);
    /// `call`/`calls`: agent calls and automated voice calls alike.
    pub const CALLS: ChannelSet =
        ChannelSet((1 << Channel::Call as u8) | (1 << Channel::Voice as u8));
    /// `messages`: sms, whatsapp and push.
    pub const MESSAGES: ChannelSet = ChannelSet(
        (1 << Channel::Sms as u8) | (1 << Channel::Whatsapp as u8) | (1 << Channel::Push as u8),
    );
    /// `contact`: every channel.
    pub const CONTACT: ChannelSet = ChannelSet(0x7f);

    pub fn contains(self, c: Channel) -> bool {
        self.0 & c.bit().0 != 0
    }

    pub fn union(self, other: ChannelSet) -> ChannelSet {
        ChannelSet(self.0 | other.0)
    }

    pub fn channels(self) -> impl Iterator<Item = Channel> {
        Channel::ALL.into_iter().filter(move |c| self.contains(*c))
    }

    /// Reads the word a flow writes after `at_most N`, `pause`, `stop` or
    /// `expect no`: a channel singular or plural, or a group.
    pub fn from_word(word: &str) -> Option<ChannelSet> {
        let set = match word {
            "call" | "calls" => ChannelSet::CALLS,
            "message" | "messages" => ChannelSet::MESSAGES,
            "contact" | "contacts" => ChannelSet::CONTACT,
            "email" | "emails" => Channel::Email.bit(),
            "sms" | "smses" => Channel::Sms.bit(),
            "whatsapp" | "whatsapps" => Channel::Whatsapp.bit(),
            "letter" | "letters" => Channel::Letter.bit(),
            "push" | "pushes" => Channel::Push.bit(),
            "voice" | "voices" => Channel::Voice.bit(),
            _ => return None,
        };
        Some(set)
    }

    /// Words for people: `calls`, `messages`, `contact`, or the channels.
    pub fn describe(self) -> String {
        match self {
            ChannelSet::CALLS => "calls".into(),
            ChannelSet::MESSAGES => "messages".into(),
            ChannelSet::CONTACT => "contact".into(),
            _ => self
                .channels()
                .map(Channel::name)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Where local time is read: `contact_hours ... in ZONE`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZoneSpec {
    #[default]
    Utc,
    /// An IANA name such as `Europe/Madrid`.
    Named(Sym),
    /// An account field of type `timezone`.
    AccountField(u16),
}

/// The contact rules. The zone of `contact_hours` is also the zone in which
/// durations of days and longer move the calendar.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub contact_hours: Option<ContactHours>,
    pub zone: ZoneSpec,
    /// Bit `n` set: no contact on weekday `n` (Monday = 0).
    pub closed_weekdays: u8,
    /// `no_contact on holidays of CALENDAR`: calendar indexes.
    pub closed_holidays: Vec<u16>,
    pub caps: Vec<Cap>,
    pub pauses: Vec<Pause>,
    pub stops: Vec<Stop>,
    /// Holds until an event; kept out of the policy's own payload (see
    /// [`PolicyExt`]).
    #[serde(skip)]
    pub ext: PolicyExt,
}

/// `contact_hours 08:00 to 21:00`, as minutes after local midnight. When
/// `to <= from` the window runs over midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactHours {
    pub from: u16,
    pub to: u16,
}

/// `at_most N CHANNELS per DURATION`, over any sliding window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cap {
    pub channels: ChannelSet,
    pub count: u16,
    pub window: DurationSpec,
}

/// `pause CHANNELS for DURATION after EVENT [when COND]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pause {
    pub channels: ChannelSet,
    pub duration: DurationSpec,
    pub event: u16,
    pub when: Option<Code>,
}

/// `stop CHANNELS on EVENT [when COND]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    pub channels: ChannelSet,
    pub event: u16,
    pub when: Option<Code>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DurationUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    BusinessDays,
}

/// A duration as written: `3 days`, `1 month`, `5 business days of bank`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DurationSpec {
    pub amount: u32,
    pub unit: DurationUnit,
    /// Only for business days; `None` is the default calendar.
    pub calendar: Option<u16>,
}

impl DurationSpec {
    pub fn new(amount: u32, unit: DurationUnit) -> Self {
        DurationSpec {
            amount,
            unit,
            calendar: None,
        }
    }
}

impl std::fmt::Display for DurationSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (one, many) = match self.unit {
            DurationUnit::Minutes => ("minute", "minutes"),
            DurationUnit::Hours => ("hour", "hours"),
            DurationUnit::Days => ("day", "days"),
            DurationUnit::Weeks => ("week", "weeks"),
            DurationUnit::Months => ("month", "months"),
            DurationUnit::BusinessDays => ("business day", "business days"),
        };
        write!(
            f,
            "{} {}",
            self.amount,
            if self.amount == 1 { one } else { many }
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VarDef {
    pub name: Sym,
    pub ty: Type,
    /// Evaluated when the account enrols, in declaration order (an
    /// initialiser may read earlier variables).
    pub init: Code,
}

/// A message template. A `file` template is read by the compiler and
/// stored like any other text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub name: Sym,
    pub channel: Channel,
    pub subject: Option<Text>,
    pub body: Text,
}

/// Text with placeholders: literal pieces and `{expr}` pieces.
pub type Text = Vec<TextPiece>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TextPiece {
    Lit(Sym),
    Expr(Code),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageDef {
    pub name: Sym,
    /// The state of entering this stage (its position 0).
    pub entry: u32,
    /// Stage handlers in source order, tried before the flow's.
    pub handlers: Vec<Handler>,
    pub code: Vec<Op>,
    /// Source span of each op of `code` (same length), or empty.
    pub spans: Vec<SrcSpan>,
    pub span: SrcSpan,
}

/// `on EVENT [when COND] -> STAGE` / `{ steps }`. `on x -> s` is the body
/// `[Op::Goto(s)]`. A body that reaches `Goto`, `End` or `Split` interrupts
/// the stage; one that runs off its end lets the stage carry on where it
/// was, its wait not restarted. Contacts in a body never hold: one that may
/// not go now is queued.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Handler {
    pub event: u16,
    pub when: Option<Code>,
    pub code: Vec<Op>,
    pub spans: Vec<SrcSpan>,
    pub span: SrcSpan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StateKind {
    /// Entering a stage.
    Entry,
    /// After a `wait`.
    Wait,
    /// A contact step held by the policy, re-tried when the state resumes.
    Held,
}

/// A place where an account can be: a stage and a position in its code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub stage: u16,
    /// Index into the stage's `code` where resuming starts.
    pub pc: u32,
    pub kind: StateKind,
    pub span: SrcSpan,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn name(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitArm {
    /// The share in basis points (`80%` → 8000); arms add up to 10 000.
    pub share: u16,
    pub stage: u16,
}

/// One operation of a stage or handler. Jumps are indexes into the same op
/// list. Repeats are unrolled by the compiler, so there are no loops.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    Jump(u32),
    /// Jump when the condition is not true (an `if` branch).
    JumpUnless {
        cond: Code,
        to: u32,
    },
    /// Suspend; resume at state `resume` after the duration.
    Wait {
        duration: DurationSpec,
        resume: u32,
    },
    /// Suspend until a date (00:00 local) or a datetime; go on at once when
    /// that moment has passed.
    WaitUntil {
        at: Code,
        resume: u32,
    },
    /// `send CHANNEL TEMPLATE [to FIELD] [when COND]`. `to: None` sends
    /// without an address (the consumer decides). `hold` is the state whose
    /// position is this op, resumed when the policy holds the contact;
    /// `None` (always in handlers) queues the contact instead.
    Send {
        channel: Channel,
        template: u16,
        to: Option<u16>,
        when: Option<Code>,
        hold: Option<u32>,
    },
    /// `call [queue NAME] [priority P] [when COND]`; counts as a call.
    Call {
        queue: Option<Sym>,
        priority: Priority,
        when: Option<Code>,
        hold: Option<u32>,
    },
    Set {
        var: u16,
        value: Code,
    },
    AssignQueue {
        queue: Sym,
        priority: Priority,
    },
    AssignAgency {
        agency: Sym,
    },
    /// `offer discount P% [for DURATION]`, P as written (20 for 20%).
    OfferDiscount {
        percent: Decimal,
        duration: Option<DurationSpec>,
    },
    OfferPlan {
        installments: u32,
        every: DurationSpec,
    },
    Alert {
        team: Sym,
        text: Text,
    },
    /// `emit ACTION { field: expr, ... }`: field index in the action's
    /// schema, and its value.
    Emit {
        action: u16,
        fields: Vec<(u16, Code)>,
    },
    Goto(u16),
    End(Sym),
    Split(Vec<SplitArm>),
    /// `charge fee AMOUNT ["reason"] [when COND]`, the amount in the flow's
    /// currency; the policy's fee caps and holds may keep it from being
    /// charged.
    ChargeFee {
        amount: Decimal,
        reason: Option<Sym>,
        when: Option<Code>,
    },
    /// `freeze interest` (`freeze: true`) or `resume interest`.
    Interest {
        freeze: bool,
    },
    /// `assign agency "Name" for DURATION`: placed with the agency, and
    /// recalled when the period ends.
    PlaceAgency {
        agency: Sym,
        period: DurationSpec,
    },
    /// `offer plan up to N installments every D`: the debtor picks from 2
    /// to N installments.
    OfferPlanUpTo {
        installments: u32,
        every: DurationSpec,
    },
    /// `offer settlement AMOUNT until DATE`, or `offer discount P% if paid
    /// in full by DATE` (`percent`: P as written, the amount the balance
    /// less P%): sets the variables of [`Settlements`] and records the
    /// offer.
    OfferSettlement {
        amount: Code,
        until: Code,
        percent: Option<Decimal>,
    },
    /// The start of a `plan ... in COUNT installments every EVERY ...`
    /// step: whether the plan fits the account's last plan offer, kept in
    /// the variables `offer` (see [`OFFER_VARS`]). One that does not is
    /// refused: the audit log says why, `refused` (a `bool` variable) is
    /// set for the jump that skips the plan's terms, and `event`
    /// (`plan_refused`) is raised once the run of the step is over.
    CheckPlan {
        count: Code,
        every: DurationSpec,
        offer: [u16; 3],
        refused: u16,
        event: u16,
    },
}

/// An expression: stack bytecode, run from the first instruction; the value
/// left on the stack is the result.
pub type Code = Vec<Instr>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Instr {
    /// Push `consts[i]`.
    Const(u32),
    /// Push an account field (unset optional fields push "unset").
    Account(u16),
    /// Push `account.id`.
    AccountId,
    /// Push a field of the event being handled.
    Event(u16),
    Var(u16),
    /// The local date of the current moment, in the policy's zone.
    Today,
    Now,
    /// Pop a value, push whether it is set.
    IsSet,
    Not,
    Neg,
    /// Arithmetic on two popped values (left pushed first). `+`/`-` of a
    /// date or datetime and a duration follow the calendar rules of
    /// [`crate::time`]; a percentage times money is money.
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Pop `n` list items then the value; push whether the value equals one.
    In(u16),
    /// Short-circuit `and`: if the top is false jump to the index keeping
    /// it, otherwise pop it and go on with the right side.
    AndThen(u32),
    /// Short-circuit `or`: if the top is true jump keeping it, else pop.
    OrElse(u32),
}

/// A constant of the pool.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Const {
    Bool(bool),
    Number(Decimal),
    Money(Decimal),
    /// As written: 15 for `15%`.
    Percent(Decimal),
    Text(Sym),
    /// An enumeration variant, by name.
    Variant(Sym),
    Date(#[serde(with = "compact_date")] NaiveDate),
    /// Minutes after midnight.
    Time(u16),
    /// Seconds since 1970-01-01 00:00 UTC.
    DateTime(i64),
    Duration(DurationSpec),
}

impl Const {
    pub fn time(t: NaiveTime) -> Const {
        use chrono::Timelike;
        Const::Time((t.hour() * 60 + t.minute()) as u16)
    }
}

/// Dates as day numbers in the binary form (3 bytes instead of 11), as
/// `YYYY-MM-DD` in JSON.
mod compact_date {
    use chrono::{Datelike, NaiveDate};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(&d.format("%Y-%m-%d"))
        } else {
            s.serialize_i32(d.num_days_from_ce())
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(D::Error::custom)
        } else {
            let n = i32::deserialize(d)?;
            NaiveDate::from_num_days_from_ce_opt(n)
                .ok_or_else(|| D::Error::custom("date out of range"))
        }
    }
}

mod compact_dates {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct D(#[serde(with = "super::compact_date")] NaiveDate);

    pub fn serialize<S: Serializer>(v: &[NaiveDate], s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<D> = v.iter().map(|d| D(*d)).collect();
        v.serialize(s)
    }

    pub fn deserialize<'de, D2: Deserializer<'de>>(d: D2) -> Result<Vec<NaiveDate>, D2::Error> {
        Ok(Vec::<D>::deserialize(d)?.into_iter().map(|x| x.0).collect())
    }
}

#[cfg(test)]
pub(crate) mod tests;
