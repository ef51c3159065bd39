//! The owned syntax tree of a flow file. Every node carries its byte span;
//! nothing here borrows from pest, so trees can cross threads (the language
//! server analyses off its executor).

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::Serialize;

/// Byte offsets `start..end` into the source file. `u32` keeps nodes small;
/// files are bounded well below 4 GiB by `syntax::limits`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn contains(self, offset: usize) -> bool {
        (self.start as usize) <= offset && offset <= (self.end as usize)
    }
}

/// A name as written, e.g. a stage, a field, a channel keyword or a type name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct File {
    pub decls: Vec<Decl>,
    /// Every comment of the file in source order, doc comments included;
    /// the formatter re-attaches them by span.
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub span: Span,
    /// The text after `#` or `##`, without the line break.
    pub text: String,
    pub doc: bool,
}

/// The text of the `##` lines directly above a declaration, joined by `\n`.
pub type Doc = Option<String>;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Decl {
    Flow(FlowDecl),
    Currency(CurrencyDecl),
    Account(AccountDecl),
    Event(EventDecl),
    Calendar(CalendarDecl),
    Policy(PolicyDecl),
    Var(VarDecl),
    Segment(SegmentDecl),
    Template(TemplateDecl),
    Action(ActionDecl),
    Handler(Handler),
    Start(StartDecl),
    Stage(Stage),
    Test(Test),
    Migrate(MigrateDecl),
    Reenter(ReenterDecl),
    Deadline(Deadline),
    Locale(LocaleDecl),
    Language(LanguageDecl),
    Payments(PaymentsDecl),
    Import(ImportDecl),
}

impl Decl {
    /// The whole declaration, from its keyword to its closing brace.
    pub fn span(&self) -> Span {
        match self {
            Decl::Flow(d) => d.span,
            Decl::Currency(d) => d.span,
            Decl::Account(d) => d.span,
            Decl::Event(d) => d.span,
            Decl::Calendar(d) => d.span,
            Decl::Policy(d) => d.span,
            Decl::Var(d) => d.span,
            Decl::Segment(d) => d.span,
            Decl::Template(d) => d.span,
            Decl::Action(d) => d.span,
            Decl::Handler(d) => d.span,
            Decl::Start(d) => d.span,
            Decl::Stage(d) => d.span,
            Decl::Test(d) => d.span,
            Decl::Migrate(d) => d.span,
            Decl::Reenter(d) => d.span,
            Decl::Deadline(d) => d.span,
            Decl::Locale(d) => d.span,
            Decl::Language(d) => d.span,
            Decl::Payments(d) => d.span,
            Decl::Import(d) => d.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowDecl {
    pub name: Ident,
    pub version: Option<(u32, Span)>,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurrencyDecl {
    /// The ISO 4217 code as written (`USD`).
    pub code: Ident,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AccountDecl {
    pub fields: Vec<FieldDecl>,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventDecl {
    pub name: Ident,
    /// Empty for `event cease_contact` (no payload).
    pub fields: Vec<FieldDecl>,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionDecl {
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    /// Written with a trailing `?`.
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TypeExprKind {
    /// `number`, `money`, ... as written; the checker resolves the name so
    /// that a misspelt type gets a "did you mean".
    Named(Ident),
    /// `low | medium | high`
    Enum(Vec<Ident>),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CalendarDecl {
    pub name: Ident,
    pub weekend: Vec<Ident>,
    pub holidays: Vec<(NaiveDate, Span)>,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyDecl {
    pub rules: Vec<PolicyRule>,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyRule {
    pub kind: PolicyRuleKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum PolicyRuleKind {
    /// `contact_hours 08:00 to 21:00 [in account.timezone | in "Europe/Madrid"]`
    ContactHours {
        from: (NaiveTime, Span),
        to: (NaiveTime, Span),
        zone: Option<Expr>,
        /// `in ZONE and ZONE`: the second zone, whose hours hold too.
        #[serde(skip_serializing_if = "Option::is_none")]
        also: Option<Expr>,
    },
    /// `no_contact on sunday, saturday`
    NoContactDays(Vec<Ident>),
    /// `no_contact on holidays of bank`
    NoContactHolidays(Ident),
    /// `at_most 7 calls per 7 days`
    AtMost {
        count: (u32, Span),
        channels: Ident,
        window: DurationLit,
    },
    /// `at_most 2 contacts per calendar week`
    AtMostPerWeek {
        count: (u32, Span),
        channels: Ident,
        /// `calendar week`
        week: Span,
    },
    /// `pause calls for 7 days after call_outcome [when COND]`
    Pause {
        channels: Ident,
        duration: DurationLit,
        event: Ident,
        when: Option<Expr>,
    },
    /// `stop contact on cease_contact [when COND]`
    Stop {
        channels: Ident,
        event: Ident,
        when: Option<Expr>,
    },
    /// `contact_hours [CHANNELS] mon-fri 08:00 to 21:00, sat 09:00 to 15:00
    /// [in ZONE]`, or `contact_hours CHANNELS 08:00 to 21:00`: hours per
    /// day of the week, for some channels or all.
    Windows {
        channels: Option<Ident>,
        windows: Vec<DayWindow>,
        zone: Option<Expr>,
        /// `in ZONE and ZONE`: the second zone, whose hours hold too.
        #[serde(skip_serializing_if = "Option::is_none")]
        also: Option<Expr>,
    },
    /// `pause contact after dispute until dispute_resolved [for at most 60
    /// days] [when COND]`
    Hold {
        channels: Ident,
        event: Ident,
        release: Ident,
        longest: Option<DurationLit>,
        when: Option<Expr>,
        /// `and fees` after the channels: the hold also keeps fees from
        /// being charged.
        fees: Option<Span>,
    },
    /// `at_most 2 fees per 30 days`, `at_most 80 USD of fees per 30 days`
    FeeCap {
        limit: FeeLimit,
        window: DurationLit,
    },
    /// `pause contact while promise open`
    PauseWhilePromise { channels: Ident },
    /// `person account.customer_id`: caps, pauses and stops count across
    /// the accounts with the same value.
    Person(Expr),
    /// `pause contact while plan current`
    PauseWhilePlan { channels: Ident },
    /// `pause calls while settlement open`
    PauseWhileSettlement { channels: Ident },
}

/// `mon-fri, sun 08:00 to 21:00`; no days means every day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayWindow {
    pub days: Vec<DayRange>,
    pub from: (NaiveTime, Span),
    pub to: (NaiveTime, Span),
    pub span: Span,
}

/// `mon`, or `mon-fri` (a range may wrap: `fri-mon`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayRange {
    pub first: Ident,
    pub last: Option<Ident>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VarDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub init: Expr,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentDecl {
    pub name: Ident,
    pub cond: Expr,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TemplateDecl {
    pub name: Ident,
    pub channel: Ident,
    pub body: TemplateBody,
    pub span: Span,
    pub doc: Doc,
    /// `locale "en-US"`, written after the channel.
    pub locale: Option<Text>,
    /// `approved "NAME" language "CODE"` (WhatsApp).
    pub approved: Option<Approved>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TemplateBody {
    /// `template x for sms "text"`
    Text(Text),
    /// `template x for email { subject "..." body "..." }`
    Email { subject: Text, body: Text },
    /// `template x for letter file "templates/x.txt"`; the path is a plain
    /// string, the file's contents are parsed as template text by the checker.
    File(Text),
    /// `template x for sms { es "..." en "..." }`: a text per language.
    Languages(Vec<LanguageText>),
}

/// A string literal. Strings are parsed into literal parts and `{expr}`
/// placeholders everywhere; the checker refuses placeholders where a plain
/// string is meant (agency names, zones, test titles).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Text {
    pub parts: Vec<TextPart>,
    pub span: Span,
}

impl Text {
    /// The literal value when the string has no placeholder.
    pub fn plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TextPart::Literal(s, _) => out.push_str(s),
                TextPart::Placeholder(_) => return None,
            }
        }
        Some(out)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TextPart {
    /// Unescaped text (`\"` → `"`, `{{` → `{`), with the span of its source.
    Literal(String, Span),
    Placeholder(Expr),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Handler {
    pub event: Ident,
    pub when: Option<Expr>,
    pub body: HandlerBody,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum HandlerBody {
    /// `on x -> stage`
    Goto(Ident),
    /// `on x { steps }`
    Block(Block),
}

/// `at EXPR [when COND] -> STAGE`: the account moves to STAGE when the
/// moment EXPR (a date or a datetime) comes, wherever it is in its stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deadline {
    pub at: Expr,
    pub when: Option<Expr>,
    pub stage: Ident,
    pub span: Span,
    pub doc: Doc,
}

/// `payments from EVENT.FIELD`: the event that is a payment and its money
/// field that is the amount paid.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaymentsDecl {
    pub event: Ident,
    pub field: Ident,
    pub span: Span,
    pub doc: Doc,
}

/// `reenter when COND`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReenterDecl {
    pub cond: Expr,
    pub span: Span,
    pub doc: Doc,
}

/// `migrate from version N { stage OLD [PLACE] -> NEW [at PLACE] ... var NAME = EXPR ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MigrateDecl {
    pub from_version: u32,
    pub moves: Vec<MigrateMove>,
    /// `var NAME = EXPR` lines, in the order written.
    pub vars: Vec<MigrateVar>,
    pub span: Span,
    pub doc: Doc,
}

/// One line of a migration. The old stage is a name of the earlier
/// version, so it is not resolved in this file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MigrateMove {
    pub from: Ident,
    pub from_place: Option<dun_machine::places::Place>,
    pub to: Ident,
    pub to_place: Option<dun_machine::places::Place>,
    pub span: Span,
}

/// `var NAME = EXPR` in a migration: the value a variable of this version
/// takes in every account that moves.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MigrateVar {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StartDecl {
    pub stage: Ident,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stage {
    pub name: Ident,
    /// Stage handlers, written before the steps.
    pub handlers: Vec<Handler>,
    /// Stage deadlines, written among the handlers.
    pub deadlines: Vec<Deadline>,
    pub body: Block,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Block {
    pub steps: Vec<Step>,
    /// From `{` to `}` inclusive.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub span: Span,
}

// Every step of a flow is one `Step` in a vector, so the largest variant
// sets the size of all of them: a variant with several expressions boxes
// them to keep the front end's memory (and time) where the common steps
// (`send`, `wait`, `set`) put it.
const _: () = assert!(std::mem::size_of::<Step>() <= 176);

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum StepKind {
    /// `send sms reminder [to mobile | to account.mobile] [when COND]`
    Send {
        channel: Ident,
        template: Ident,
        /// The account field named after `to`, written bare or as `account.x`.
        to: Option<Ident>,
        when: Option<Expr>,
    },
    /// `call [queue NAME] [priority P] [when COND]`
    Call {
        queue: Option<Ident>,
        priority: Option<Ident>,
        when: Option<Expr>,
    },
    /// `wait 3 days` / `wait until EXPR`
    Wait(WaitKind),
    /// `if C { } else if C { } else { }`: one entry per `if`/`else if`.
    If {
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    Repeat {
        count: (u32, Span),
        body: Block,
    },
    Split {
        arms: Vec<SplitArm>,
    },
    Goto(Ident),
    End(Ident),
    Set {
        var: Ident,
        value: Expr,
    },
    AssignQueue {
        queue: Ident,
        priority: Option<Ident>,
    },
    AssignAgency(Text),
    OfferDiscount {
        percent: (rust_decimal::Decimal, Span),
        duration: Option<DurationLit>,
    },
    /// `offer plan [up to] N installments every D`; `up_to` when the
    /// debtor may choose fewer.
    OfferPlan {
        installments: (u32, Span),
        every: DurationLit,
        up_to: bool,
    },
    Alert {
        team: Ident,
        text: Text,
    },
    Emit {
        action: Ident,
        fields: Vec<FieldValue>,
    },
    /// `charge fee 15 USD ["late fee"] [when COND]`
    ChargeFee {
        amount: Box<Expr>,
        reason: Option<Text>,
        when: Option<Expr>,
    },
    /// `freeze interest` (`freeze: true`) or `resume interest`.
    Interest {
        freeze: bool,
    },
    /// `promise AMOUNT by DATE [grace DURATION]`
    Promise {
        amount: Box<Expr>,
        by: Box<Expr>,
        grace: Option<DurationLit>,
    },
    /// `assign agency "Name" for 90 days`: placed with the agency for that
    /// long, then recalled (the built-in event `agency_recalled`).
    PlaceAgency {
        agency: Text,
        period: DurationLit,
    },
    /// `plan AMOUNT in COUNT installments every D from DATE [grace D]`
    Plan {
        amount: Box<Expr>,
        count: Box<Expr>,
        every: DurationLit,
        from: Box<Expr>,
        grace: Option<DurationLit>,
    },
    /// `offer settlement AMOUNT until DATE`, or `offer discount N% if paid
    /// in full by DATE`: what paid by that day settles the account.
    OfferSettlement {
        terms: SettlementTerms,
        until: Expr,
    },
}

/// What a settlement offer asks the debtor to pay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SettlementTerms {
    /// `offer settlement AMOUNT ...`: that amount.
    Amount(Expr),
    /// `offer discount N% if paid in full ...`: the balance less N%.
    Discount((Decimal, Span)),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum WaitKind {
    For(DurationLit),
    Until(Expr),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SplitArm {
    /// The share as written, `80%` → 80.
    pub share: (Decimal, Span),
    pub stage: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldValue {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum DurationUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    /// `N business days [of CALENDAR]`
    BusinessDays,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DurationLit {
    pub amount: u32,
    pub unit: DurationUnit,
    /// Only for business days: `5 business days of bank`.
    pub calendar: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    /// Covers the parentheses when the writer put some around it.
    pub span: Span,
    /// How many pairs of parentheses the writer put around it. They change
    /// nothing in the tree (that is the grammar's precedence), so they are
    /// not part of a flow's meaning, but `dun fmt` writes them back.
    #[serde(skip)]
    pub parens: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ExprKind {
    Number(Decimal),
    /// `15%` → 15
    Percent(Decimal),
    Money {
        amount: Decimal,
        currency: Ident,
    },
    Duration(DurationLit),
    Date(NaiveDate),
    Time(NaiveTime),
    /// `2026-03-02 09:00`, used in flow tests.
    DateTime(NaiveDate, NaiveTime),
    Bool(bool),
    Text(Text),
    Today,
    Now,
    /// A bare name: a variable, a segment or an enumeration variant; the
    /// checker decides which.
    Name(Ident),
    /// `account.x` / `event.x`
    Field {
        root: FieldRoot,
        root_span: Span,
        field: Ident,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `x is set`
    IsSet(Box<Expr>),
    /// `x in [a, b]`
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum FieldRoot {
    Account,
    Event,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Test {
    pub title: Text,
    pub items: Vec<TestItem>,
    pub span: Span,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestItem {
    pub kind: TestItemKind,
    pub span: Span,
    /// The account's name: `given account a2 { ... }`, or the `for a2` of
    /// `on day N for a2 ...` (several accounts of one person); `None` for
    /// the test's only or first account.
    pub account: Option<Ident>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TestItemKind {
    /// `given account { field: value, ... }`
    Given(Vec<FieldValue>),
    /// `start at 2026-03-02 09:00 [in "America/New_York"]`
    Start {
        date: NaiveDate,
        time: NaiveTime,
        zone: Option<Text>,
    },
    /// `on day N [at HH:MM] ACTION`
    OnDay {
        day: (u32, Span),
        at: Option<(NaiveTime, Span)>,
        action: TestAction,
    },
    /// `given arm reminder_b`: the account takes the split arm that goes
    /// to this stage.
    Arm(Ident),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TestAction {
    /// `receive payment { amount: 10 USD }`
    Receive {
        event: Ident,
        fields: Vec<FieldValue>,
    },
    /// `update account { balance: 0 USD }`
    Update(Vec<FieldValue>),
    Expect(Expectation),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Expectation {
    Sent {
        channel: Ident,
        template: Ident,
    },
    Call {
        queue: Option<Ident>,
    },
    /// `expect no sms` / `expect no calls` / `expect no contact`
    No {
        channels: Ident,
    },
    AssignedQueue(Ident),
    AssignedAgency(Text),
    OfferDiscount((Decimal, Span)),
    Alert(Ident),
    Emitted(Ident),
    Stage(Ident),
    End(Ident),
    /// `expect broken_promises == 1`
    Var {
        var: Ident,
        value: Expr,
    },
    /// `expect sent sms reminder in en`
    SentIn {
        channel: Ident,
        template: Ident,
        language: Ident,
    },
    /// `expect offer plan [[up to] N installments [every D]]`; what is
    /// left out matches any plan.
    OfferPlan {
        installments: Option<(u32, Span)>,
        every: Option<DurationLit>,
        up_to: bool,
        span: Span,
    },
    /// `expect charged fee [AMOUNT] ["reason"]`
    ChargedFee {
        amount: Option<Expr>,
        reason: Option<Text>,
        span: Span,
    },
    /// `expect no fees`
    NoFee(Span),
    /// `expect interest frozen` / `expect interest not frozen`
    InterestFrozen {
        frozen: bool,
        span: Span,
    },
    /// `expect promise kept|broken|open`
    Promise(Ident),
    /// `expect recalled agency "Name"`
    RecalledAgency(Text),
    /// `expect plan current|completed|broken`
    Plan(Ident),
    /// `expect installment missed`
    InstallmentMissed(Span),
    /// `expect offer settlement [AMOUNT] [until DATE]`
    OfferSettlement {
        amount: Option<Expr>,
        until: Option<(chrono::NaiveDate, Span)>,
        span: Span,
    },
    /// `expect settlement open|paid|lapsed`
    Settlement(Ident),
}

/// `locale "es-PE"`: how messages write money and dates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LocaleDecl {
    pub name: Text,
    pub span: Span,
    pub doc: Doc,
}

/// `language account.FIELD fallback LANG`: the account field that picks
/// the text of a template written in several languages.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LanguageDecl {
    pub field: Expr,
    pub fallback: Ident,
    pub span: Span,
    pub doc: Doc,
}

/// `approved "overdue_notice_v2" language "es_PE"`: the name and language
/// code under which the WhatsApp Business API knows the template.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Approved {
    pub name: Text,
    pub language: Text,
    pub span: Span,
}

/// One language's text of a template: `es "..."`, `en locale "en-US"
/// approved "x" language "en_US" "..."`, `es { subject "..." body "..." }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LanguageText {
    pub language: Ident,
    pub locale: Option<Text>,
    pub approved: Option<Approved>,
    /// A `Text` or an `Email` body.
    pub body: TemplateBody,
    pub span: Span,
}

/// What a fee cap counts: fees, or the money they add up to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum FeeLimit {
    /// `at_most 2 fees`
    Count((u32, Span)),
    /// `at_most 80 USD of fees`
    Amount(Expr),
}

/// `import "policies/reg_f.dun"`: the path as written, relative to the
/// importing file (`crate::modules` resolves it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportDecl {
    pub path: Text,
    pub span: Span,
    pub doc: Doc,
}
