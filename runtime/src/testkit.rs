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
