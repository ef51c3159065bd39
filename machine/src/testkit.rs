//! A small builder of machines by hand, for the runtime's own tests (the
//! compiler's lowering builds real ones).

use crate::format::*;
use crate::time::weekday_bit;
use chrono::{NaiveDate, Weekday};

pub struct Builder {
    pub m: Machine,
}

impl Builder {
    pub fn new(flow: &str) -> Self {
        Builder {
            m: Machine {
                flow: flow.into(),
                version: 1,
                currency: "USD".into(),
                ..Machine::default()
            },
        }
    }

    pub fn sym(&mut self, s: &str) -> Sym {
        if let Some(i) = self.m.sym(s) {
            return i;
        }
        self.m.strings.push(s.into());
        (self.m.strings.len() - 1) as Sym
    }

    pub fn konst(&mut self, c: Const) -> Instr {
        self.m.consts.push(c);
        Instr::Const((self.m.consts.len() - 1) as u32)
    }

    pub fn variant(&mut self, name: &str) -> Instr {
        let s = self.sym(name);
        self.konst(Const::Variant(s))
    }

    pub fn field(&mut self, name: &str, ty: Type, optional: bool) -> u16 {
        let name = self.sym(name);
        self.m.account.push(Field { name, ty, optional });
        (self.m.account.len() - 1) as u16
    }

    pub fn enum_type(&mut self, variants: &[&str]) -> Type {
        Type::Enum(variants.iter().map(|v| self.sym(v)).collect())
    }

    pub fn event(&mut self, name: &str, fields: Vec<(&str, Type)>) -> u16 {
        let name = self.sym(name);
        let fields = fields
            .into_iter()
            .map(|(n, ty)| Field {
                name: self.sym(n),
                ty,
                optional: false,
            })
            .collect();
        self.m.events.push(EventDef { name, fields });
        (self.m.events.len() - 1) as u16
    }

    pub fn calendar(&mut self, name: &str, weekend: &[Weekday], holidays: &[&str]) -> u16 {
        let name = self.sym(name);
        let mut holidays: Vec<NaiveDate> = holidays
            .iter()
            .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap())
            .collect();
        holidays.sort();
        self.m.calendars.push(Calendar {
            name,
            weekend: weekend.iter().fold(0, |acc, d| acc | weekday_bit(*d)),
            holidays,
        });
        (self.m.calendars.len() - 1) as u16
    }

    pub fn var(&mut self, name: &str, ty: Type, init: Code) -> u16 {
        let name = self.sym(name);
        self.m.vars.push(VarDef { name, ty, init });
        (self.m.vars.len() - 1) as u16
    }

    pub fn template(&mut self, name: &str, channel: Channel, body: Text) -> u16 {
        let name = self.sym(name);
        self.m.templates.push(Template {
            name,
            channel,
            subject: None,
            body,
        });
        (self.m.templates.len() - 1) as u16
    }

    pub fn lit(&mut self, s: &str) -> TextPiece {
        TextPiece::Lit(self.sym(s))
    }

    /// Declares a stage (its code comes later with [`Builder::code`]).
    pub fn stage(&mut self, name: &str) -> u16 {
        let name = self.sym(name);
        let stage = self.m.stages.len() as u16;
        self.m.states.push(State {
            stage,
            pc: 0,
            kind: StateKind::Entry,
            span: SrcSpan::default(),
        });
        self.m.stages.push(StageDef {
            name,
            entry: (self.m.states.len() - 1) as u32,
            handlers: vec![],
            code: vec![],
            spans: vec![],
            span: SrcSpan::default(),
        });
        stage
    }

    pub fn start(&mut self, stage: u16) {
        self.m.start = stage;
    }

    /// Lowers simple steps into the stage's ops, creating wait and held
    /// states as the compiler would.
    pub fn code(&mut self, stage: u16, steps: Vec<S>) {
        let mut ops = vec![];
        self.lower(stage, steps, &mut ops);
        self.m.stages[stage as usize].code = ops;
    }

    fn new_state(&mut self, stage: u16, pc: usize, kind: StateKind) -> u32 {
        self.m.states.push(State {
            stage,
            pc: pc as u32,
            kind,
            span: SrcSpan::default(),
        });
        (self.m.states.len() - 1) as u32
    }

    fn lower(&mut self, stage: u16, steps: Vec<S>, ops: &mut Vec<Op>) {
        for s in steps {
            match s {
                S::Wait(d) => {
                    let resume = self.new_state(stage, ops.len() + 1, StateKind::Wait);
                    ops.push(Op::Wait {
                        duration: d,
                        resume,
                    });
                }
                S::WaitUntil(code) => {
                    let resume = self.new_state(stage, ops.len() + 1, StateKind::Wait);
                    ops.push(Op::WaitUntil { at: code, resume });
                }
                S::Send(channel, template, to) => {
                    let hold = self.new_state(stage, ops.len(), StateKind::Held);
                    ops.push(Op::Send {
                        channel,
                        template,
                        to,
                        when: None,
                        hold: Some(hold),
                    });
                }
                S::Call(queue) => {
                    let hold = self.new_state(stage, ops.len(), StateKind::Held);
                    let queue = queue.map(|q| self.sym(q));
                    ops.push(Op::Call {
                        queue,
                        priority: Priority::Normal,
                        when: None,
                        hold: Some(hold),
                    });
                }
                S::If(cond, then) => {
                    let at = ops.len();
                    ops.push(Op::Jump(0));
                    self.lower(stage, then, ops);
                    ops[at] = Op::JumpUnless {
                        cond,
                        to: ops.len() as u32,
                    };
                }
                S::Op(op) => ops.push(op),
            }
        }
    }

    pub fn handler(&mut self, stage: Option<u16>, event: u16, when: Option<Code>, code: Vec<Op>) {
        let h = Handler {
            event,
            when,
            code,
            spans: vec![],
            span: SrcSpan::default(),
        };
        match stage {
            Some(s) => self.m.stages[s as usize].handlers.push(h),
            None => self.m.handlers.push(h),
        }
    }

    pub fn hours(&mut self, from: u16, to: u16, zone: ZoneSpec) {
        self.m.policy.contact_hours = Some(ContactHours {
            from: from * 60,
            to: to * 60,
        });
        self.m.policy.zone = zone;
    }

    pub fn end(&mut self, outcome: &str) -> Op {
        Op::End(self.sym(outcome))
    }

    pub fn build(self) -> Machine {
        self.m
    }
}

/// A step as the builder takes it.
pub enum S {
    Wait(DurationSpec),
    WaitUntil(Code),
    Send(Channel, u16, Option<u16>),
    Call(Option<&'static str>),
    If(Code, Vec<S>),
    Op(Op),
}

pub fn days(n: u32) -> DurationSpec {
    DurationSpec::new(n, DurationUnit::Days)
}

pub fn hours(n: u32) -> DurationSpec {
    DurationSpec::new(n, DurationUnit::Hours)
}

/// Roughly the `consumer_early` flow of the language reference, built by
/// hand the way the lowering would.
pub fn consumer_early() -> Machine {
    let mut b = Builder::new("consumer_early");
    b.m.version = 3;
    let name = b.field("name", Type::Text, false);
    let balance = b.field("balance", Type::Money, false);
    let min_due = b.field("minimum_due", Type::Money, false);
    let due = b.field("due_date", Type::Date, false);
    b.field("days_past_due", Type::Number, false);
    let risk = b.enum_type(&["low", "medium", "high"]);
    let risk = b.field("risk", risk, false);
    let mobile = b.field("mobile", Type::Phone, true);
    let email = b.field("email", Type::Email, true);
    let address = b.field("address", Type::Address, false);
    b.field("whatsapp_opt_in", Type::Bool, false);
    let tz = b.field("timezone", Type::Timezone, false);
    let payment = b.event("payment", vec![("amount", Type::Money)]);
    let promise = b.event(
        "promise_to_pay",
        vec![("amount", Type::Money), ("due", Type::Date)],
    );
    let dispute = b.event("dispute", vec![("reason", Type::Text)]);
    let result = b.enum_type(&["answered", "no_answer", "wrong_number", "refused"]);
    let outcome = b.event("call_outcome", vec![("result", result)]);
    let cease = b.event("cease_contact", vec![]);
    let bank = b.calendar(
        "bank",
        &[Weekday::Sat, Weekday::Sun],
        &["2026-12-25", "2027-01-01"],
    );
    b.m.default_calendar = Some(bank);
    b.hours(8, 21, ZoneSpec::AccountField(tz));
    b.m.policy.closed_weekdays = crate::time::weekday_bit(Weekday::Sun);
    b.m.policy.closed_holidays = vec![bank];
    b.m.policy.caps = vec![
        Cap {
            channels: ChannelSet::CALLS,
            count: 7,
            window: days(7),
        },
        Cap {
            channels: Channel::Sms.bit(),
            count: 2,
            window: days(7),
        },
    ];
    let answered = b.variant("answered");
    b.m.policy.pauses.push(Pause {
        channels: ChannelSet::CALLS,
        duration: days(7),
        event: outcome,
        when: Some(vec![Instr::Event(0), answered, Instr::Eq]),
    });
    b.m.policy.stops.push(Stop {
        channels: ChannelSet::CONTACT,
        event: cease,
        when: None,
    });
    let promised_on = b.var("promised_on", Type::Date, vec![Instr::Today]);
    let zero = b.konst(Const::Number(0.into()));
    let broken = b.var("broken_promises", Type::Number, vec![zero]);
    let sms_body = vec![
        b.lit("Hi "),
        TextPiece::Expr(vec![Instr::Account(name)]),
        b.lit(", "),
        TextPiece::Expr(vec![Instr::Account(min_due)]),
        b.lit(" is overdue on your card."),
    ];
    let reminder = b.template("reminder_sms", Channel::Sms, sms_body);
    let email_body = vec![
        b.lit("Dear "),
        TextPiece::Expr(vec![Instr::Account(name)]),
        b.lit(", your balance of "),
        TextPiece::Expr(vec![Instr::Account(balance)]),
        b.lit(" was due on "),
        TextPiece::Expr(vec![Instr::Account(due)]),
        b.lit("."),
    ];
    let first = b.template("first_notice", Channel::Email, email_body);
    let subject = vec![b.lit("Your payment is past due")];
    b.m.templates[first as usize].subject = Some(subject);
    let letter_body = vec![
        b.lit("Final demand for "),
        TextPiece::Expr(vec![Instr::Account(name)]),
    ];
    let final_demand = b.template("final_demand", Channel::Letter, letter_body);

    let reminders = b.stage("reminders");
    let calls = b.stage("calls");
    let promised = b.stage("promised");
    let letters = b.stage("letters");
    let settlement = b.stage("settlement");
    let agency = b.stage("agency");
    let disputed = b.stage("disputed");
    let paid = b.stage("paid");
    b.start(reminders);

    let zero_usd = b.konst(Const::Money(0.into()));
    b.handler(
        None,
        payment,
        Some(vec![Instr::Account(balance), zero_usd, Instr::Le]),
        vec![Op::Goto(paid)],
    );
    b.handler(None, dispute, None, vec![Op::Goto(disputed)]);
    b.handler(
        None,
        promise,
        None,
        vec![
            Op::Set {
                var: promised_on,
                value: vec![Instr::Event(1)],
            },
            Op::Goto(promised),
        ],
    );
    let ten_k = b.konst(Const::Money(10000.into()));
    let low = b.variant("low");
    let vip = vec![
        Instr::Account(balance),
        ten_k,
        Instr::Gt,
        Instr::AndThen(7),
        Instr::Account(risk),
        low,
        Instr::Eq,
    ];
    let rm = b.sym("relationship_managers");
    b.code(
        reminders,
        vec![
            S::Send(Channel::Email, first, Some(email)),
            S::Wait(days(3)),
            S::Send(Channel::Sms, reminder, Some(mobile)),
            S::Wait(days(4)),
            S::If(
                vip,
                vec![
                    S::Op(Op::AssignQueue {
                        queue: rm,
                        priority: Priority::High,
                    }),
                    S::Wait(days(7)),
                ],
            ),
            S::Op(Op::Goto(calls)),
        ],
    );
    let wrong = b.variant("wrong_number");
    b.handler(
        Some(calls),
        outcome,
        Some(vec![Instr::Event(0), wrong, Instr::Eq]),
        vec![Op::Goto(letters)],
    );
    let mut call_steps = vec![];
    for _ in 0..3 {
        call_steps.push(S::Call(Some("early_agents")));
        call_steps.push(S::Wait(DurationSpec::new(2, DurationUnit::BusinessDays)));
    }
    call_steps.push(S::Op(Op::Goto(letters)));
    b.code(calls, call_steps);
    let two_days = b.konst(Const::Duration(days(2)));
    let one = b.konst(Const::Number(1.into()));
    let team = b.sym("supervisors");
    let alert = vec![
        b.lit("Promise broken on account "),
        TextPiece::Expr(vec![Instr::AccountId]),
    ];
    let paid_outcome = b.end("paid");
    b.code(
        promised,
        vec![
            S::WaitUntil(vec![Instr::Var(promised_on), two_days, Instr::Add]),
            S::If(
                vec![Instr::Account(balance), zero_usd, Instr::Gt],
                vec![
                    S::Op(Op::Set {
                        var: broken,
                        value: vec![Instr::Var(broken), one, Instr::Add],
                    }),
                    S::Op(Op::Alert { team, text: alert }),
                    S::Op(Op::Goto(calls)),
                ],
            ),
            S::Op(paid_outcome.clone()),
        ],
    );
    b.code(
        letters,
        vec![
            S::Send(Channel::Letter, final_demand, Some(address)),
            S::Wait(days(14)),
            S::Op(Op::Split(vec![
                SplitArm {
                    share: 8000,
                    stage: agency,
                },
                SplitArm {
                    share: 2000,
                    stage: settlement,
                },
            ])),
        ],
    );
    b.code(
        settlement,
        vec![
            S::Op(Op::OfferDiscount {
                percent: 20.into(),
                duration: Some(days(14)),
            }),
            S::Wait(days(14)),
            S::Op(Op::Goto(agency)),
        ],
    );
    let acme = b.sym("Acme Recoveries");
    let escalated = b.end("escalated");
    b.code(
        agency,
        vec![S::Op(Op::AssignAgency { agency: acme }), S::Op(escalated)],
    );
    let disputes = b.sym("disputes");
    let end_disputed = b.end("disputed");
    b.code(
        disputed,
        vec![
            S::Op(Op::AssignQueue {
                queue: disputes,
                priority: Priority::Normal,
            }),
            S::Op(end_disputed),
        ],
    );
    b.code(paid, vec![S::Op(paid_outcome)]);
    b.build()
}
