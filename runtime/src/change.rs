//! What changed between two compiled machines of one flow, as far as an
//! account in flight is concerned.
//!
//! An account in flight holds an index into its machine's states, the
//! values of its variables by index, and its cap ledger by cap; everything
//! else it reads from the machine at each step. Two machines that agree on
//! everything but template text and source positions run every account the
//! same way, with other words in its messages. Their interned strings and
//! constants may be numbered differently (new wording interns new strings),
//! so both are compared in a canonical form: spans cleared, template text
//! left out, and every string and constant renumbered in order of first use.

use crate::format::{
    Code, Const, Field, Handler, Instr, Machine, Op, StateKind, Sym, Template, TextPiece, Type,
    ZoneSpec,
};
use std::collections::{BTreeSet, HashMap};

/// How a new machine stands against the machine accounts ran on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The compiled forms are the same.
    Same,
    /// Only what cannot matter to an account in flight differs: each entry
    /// says what (template wording, layout and comments).
    Harmless(Vec<String>),
    /// Accounts in flight would be read wrongly: each entry says what moved.
    Structural(Vec<String>),
}

/// Compares the machine accounts ran on (`old`) with a new one.
pub fn compare(old: &Machine, new: &Machine) -> Change {
    if old == new {
        return Change::Same;
    }
    if canonical(old) == canonical(new) {
        let mut what = Vec::new();
        let worded: Vec<&str> = new
            .templates
            .iter()
            .filter(|t| {
                let name = new.str(t.name);
                old.template_index(name)
                    .and_then(|i| old.templates.get(i as usize))
                    .is_none_or(|o| wording(old, o) != wording(new, t))
            })
            .map(|t| new.str(t.name))
            .collect();
        if !worded.is_empty() {
            what.push(format!("the wording of template {}", worded.join(", ")));
        }
        if what.is_empty() {
            what.push("layout or comments only".into());
        }
        return Change::Harmless(what);
    }
    Change::Structural(structural(old, new))
}

/// A template's text with its placeholders, for telling which wording
/// changed.
fn wording(m: &Machine, t: &Template) -> String {
    let text = |pieces: &[TextPiece]| {
        pieces
            .iter()
            .map(|p| match p {
                TextPiece::Lit(s) => m.str(*s).to_string(),
                TextPiece::Expr(c) => format!("{{{}}}", canonical_code_text(m, c)),
            })
            .collect::<String>()
    };
    format!(
        "{:?}|{}|{}",
        t.channel,
        t.subject.as_deref().map(text).unwrap_or_default(),
        text(&t.body)
    )
}

/// A piece of code with its constants written out, for telling two
/// machines' expressions apart whatever their constant numbering.
fn code_values(m: &Machine, c: &Code) -> String {
    c.iter()
        .map(|i| match i {
            Instr::Const(k) => format!("{:?}", m.consts.get(*k as usize)),
            other => format!("{other:?}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn canonical_code_text(m: &Machine, c: &Code) -> String {
    let mut r = Renumber::new(m);
    format!("{:?}", r.code(c))
}

/// The changes that an account in flight would feel, in words: stages
/// added, removed or renamed, steps moved, and what else differs.
fn structural(old: &Machine, new: &Machine) -> Vec<String> {
    let names = |m: &Machine| -> Vec<String> {
        m.stages.iter().map(|s| m.str(s.name).to_string()).collect()
    };
    let (old_stages, new_stages) = (names(old), names(new));
    let removed: Vec<&String> = old_stages
        .iter()
        .filter(|s| !new_stages.contains(s))
        .collect();
    let added: Vec<&String> = new_stages
        .iter()
        .filter(|s| !old_stages.contains(s))
        .collect();
    let mut what = Vec::new();
    let mut renamed_from = BTreeSet::new();
    let mut renamed_to = BTreeSet::new();
    for r in &removed {
        let body = stage_shape(old, r);
        if let Some(a) = added
            .iter()
            .find(|a| !renamed_to.contains(*a) && stage_shape(new, a) == body)
        {
            what.push(format!("stage `{r}` renamed to `{a}`"));
            renamed_from.insert(*r);
            renamed_to.insert(*a);
        }
    }
    for r in removed.iter().filter(|r| !renamed_from.contains(*r)) {
        what.push(format!("stage `{r}` removed"));
    }
    for a in added.iter().filter(|a| !renamed_to.contains(*a)) {
        what.push(format!("stage `{a}` added"));
    }
    for name in old_stages.iter().filter(|s| new_stages.contains(s)) {
        let (o, n) = (places(old, name), places(new, name));
        let mut moved = Vec::new();
        for (p, pc) in &o {
            match n.iter().find(|(q, _)| q == p) {
                Some((_, npc)) if npc != pc => moved.push(format!(
                    "{p} resumed at step {}, now at step {}",
                    pc + 1,
                    npc + 1
                )),
                Some(_) => {}
                None => moved.push(format!("{p} is gone")),
            }
        }
        for (p, _) in n.iter().filter(|(p, _)| !o.iter().any(|(q, _)| q == p)) {
            moved.push(format!("{p} is new"));
        }
        if !moved.is_empty() {
            what.push(format!(
                "the steps of stage `{name}` moved: {}",
                moved.join("; ")
            ));
        } else if stage_shape(old, name) != stage_shape(new, name) {
            what.push(format!("the steps of stage `{name}` changed"));
        }
    }
    // A name with a space is a variable the compiler adds for a construct
    // (a deadline's state), which the construct's own line below describes.
    let var_names = |m: &Machine| -> Vec<String> {
        m.vars
            .iter()
            .map(|v| m.str(v.name).to_string())
            .filter(|n| !n.contains(' '))
            .collect()
    };
    if var_names(old) != var_names(new) {
        what.push(format!(
            "the variables changed (were {}, now {})",
            list(&var_names(old)),
            list(&var_names(new))
        ));
    }
    let (co, cn) = (canonical(old), canonical(new));
    if co.policy != cn.policy {
        what.push("the policy changed (contact hours, caps, pauses, holds or stops)".into());
    }
    if co.handlers != cn.handlers {
        what.push("the flow's event handlers changed".into());
    }
    if co.collections != cn.collections || co.consts != cn.consts {
        let deadlines = |m: &Machine| -> Vec<(String, String)> {
            m.collections
                .deadlines
                .iter()
                .filter_map(|d| {
                    let name = format!("`{}`", m.str(m.vars.get(d.spent as usize)?.name));
                    let moment = [Some(&d.at), d.when.as_ref()]
                        .into_iter()
                        .flatten()
                        .map(|c| code_values(m, c))
                        .collect::<Vec<_>>()
                        .join(" when ");
                    Some((name, moment))
                })
                .collect()
        };
        let (od, nd) = (deadlines(old), deadlines(new));
        let names = |d: &[(String, String)]| d.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        if names(&od) != names(&nd) {
            what.push(format!(
                "the deadlines changed (were {}, now {})",
                list(&names(&od)),
                list(&names(&nd))
            ));
        } else if od != nd {
            what.push("the moment or condition of a deadline changed".into());
        }
    }
    if co.account != cn.account || co.events != cn.events {
        what.push("the account fields or events changed".into());
    }
    if what.is_empty() {
        what.push("the compiled steps changed".into());
    }
    what
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The places an account can wait in a stage (`start`, `wait 1`,
/// `contact 2`), each with the position in the stage's compiled steps it
/// resumes at: a place at another position puts an account at another step.
fn places(m: &Machine, stage: &str) -> Vec<(crate::places::Place, u32)> {
    let Some(i) = m.stage_index(stage) else {
        return vec![];
    };
    crate::places::of_stage(m, i)
        .into_iter()
        .map(|(s, p)| (p, m.states.get(s as usize).map_or(0, |s| s.pc)))
        .collect()
}

/// A stage's code and handlers in canonical form.
fn stage_shape(m: &Machine, stage: &str) -> String {
    let Some(s) = m.stage_index(stage).and_then(|i| m.stages.get(i as usize)) else {
        return String::new();
    };
    let mut r = Renumber::new(m);
    let code: Vec<Op> = s.code.iter().map(|op| r.op(op)).collect();
    let handlers: Vec<Handler> = s.handlers.iter().map(|h| r.handler(h)).collect();
    format!("{code:?}{handlers:?}")
}

/// The machine with spans cleared, template text left out and strings and
/// constants renumbered in order of first use.
fn canonical(m: &Machine) -> Machine {
    let mut r = Renumber::new(m);
    let mut c = Machine {
        flow: m.flow.clone(),
        version: m.version,
        currency: m.currency.clone(),
        default_calendar: m.default_calendar,
        start: m.start,
        ..Machine::default()
    };
    c.account = m.account.iter().map(|f| r.field(f)).collect();
    c.events = m
        .events
        .iter()
        .map(|e| crate::format::EventDef {
            name: r.sym(e.name),
            fields: e.fields.iter().map(|f| r.field(f)).collect(),
        })
        .collect();
    c.actions = m
        .actions
        .iter()
        .map(|a| crate::format::ActionDef {
            name: r.sym(a.name),
            fields: a.fields.iter().map(|f| r.field(f)).collect(),
        })
        .collect();
    c.calendars = m
        .calendars
        .iter()
        .map(|k| crate::format::Calendar {
            name: r.sym(k.name),
            ..k.clone()
        })
        .collect();
    let mut policy = m.policy.clone();
    policy.zone = match &m.policy.zone {
        ZoneSpec::Named(s) => ZoneSpec::Named(r.sym(*s)),
        z => z.clone(),
    };
    c.second_zone = m.second_zone.as_ref().map(|z| match z {
        ZoneSpec::Named(s) => ZoneSpec::Named(r.sym(*s)),
        z => z.clone(),
    });
    for p in &mut policy.pauses {
        p.when = p.when.as_ref().map(|w| r.code(w));
    }
    for s in &mut policy.stops {
        s.when = s.when.as_ref().map(|w| r.code(w));
    }
    for h in &mut policy.ext.holds {
        h.when = h.when.as_ref().map(|w| r.code(w));
    }
    c.policy = policy;
    c.vars = m
        .vars
        .iter()
        .map(|v| crate::format::VarDef {
            name: r.sym(v.name),
            ty: r.ty(&v.ty),
            init: r.code(&v.init),
        })
        .collect();
    // Names and channels only: the text is what may change under accounts.
    c.templates = m
        .templates
        .iter()
        .map(|t| Template {
            name: r.sym(t.name),
            channel: t.channel,
            subject: t.subject.as_ref().map(|_| Vec::new()),
            body: Vec::new(),
        })
        .collect();
    c.stages = m
        .stages
        .iter()
        .map(|s| crate::format::StageDef {
            name: r.sym(s.name),
            entry: s.entry,
            handlers: s.handlers.iter().map(|h| r.handler(h)).collect(),
            code: s.code.iter().map(|op| r.op(op)).collect(),
            spans: Vec::new(),
            span: Default::default(),
        })
        .collect();
    c.handlers = m.handlers.iter().map(|h| r.handler(h)).collect();
    c.collections.deadlines = m
        .collections
        .deadlines
        .iter()
        .map(|d| crate::format::Deadline {
            at: r.code(&d.at),
            when: d.when.as_ref().map(|w| r.code(w)),
            span: Default::default(),
            ..d.clone()
        })
        .collect();
    c.collections.stage_resume = m.collections.stage_resume;
    c.states = m
        .states
        .iter()
        .map(|s| crate::format::State {
            span: Default::default(),
            ..s.clone()
        })
        .collect();
    c.strings = r.strings;
    c.consts = r.consts;
    c
}

/// Renumbers strings and constants in order of first use.
struct Renumber<'m> {
    m: &'m Machine,
    syms: HashMap<Sym, Sym>,
    strings: Vec<String>,
    const_ix: HashMap<u32, u32>,
    consts: Vec<Const>,
}

impl<'m> Renumber<'m> {
    fn new(m: &'m Machine) -> Self {
        Renumber {
            m,
            syms: HashMap::new(),
            strings: Vec::new(),
            const_ix: HashMap::new(),
            consts: Vec::new(),
        }
    }

    fn sym(&mut self, s: Sym) -> Sym {
        if let Some(n) = self.syms.get(&s) {
            return *n;
        }
        let n = self.strings.len() as Sym;
        self.strings.push(self.m.str(s).to_string());
        self.syms.insert(s, n);
        n
    }

    fn field(&mut self, f: &Field) -> Field {
        Field {
            name: self.sym(f.name),
            ty: self.ty(&f.ty),
            optional: f.optional,
        }
    }

    fn ty(&mut self, t: &Type) -> Type {
        match t {
            Type::Enum(vs) => Type::Enum(vs.iter().map(|v| self.sym(*v)).collect()),
            t => t.clone(),
        }
    }

    fn constant(&mut self, i: u32) -> u32 {
        if let Some(n) = self.const_ix.get(&i) {
            return *n;
        }
        let c = match self.m.consts.get(i as usize) {
            Some(Const::Text(s)) => Const::Text(self.sym(*s)),
            Some(Const::Variant(s)) => Const::Variant(self.sym(*s)),
            Some(c) => c.clone(),
            None => Const::Bool(false),
        };
        let n = self.consts.len() as u32;
        self.consts.push(c);
        self.const_ix.insert(i, n);
        n
    }

    fn code(&mut self, c: &Code) -> Code {
        c.iter()
            .map(|i| match i {
                Instr::Const(k) => Instr::Const(self.constant(*k)),
                i => *i,
            })
            .collect()
    }

    fn text(&mut self, t: &[TextPiece]) -> Vec<TextPiece> {
        t.iter()
            .map(|p| match p {
                TextPiece::Lit(s) => TextPiece::Lit(self.sym(*s)),
                TextPiece::Expr(c) => TextPiece::Expr(self.code(c)),
            })
            .collect()
    }

    fn handler(&mut self, h: &Handler) -> Handler {
        Handler {
            event: h.event,
            when: h.when.as_ref().map(|w| self.code(w)),
            code: h.code.iter().map(|op| self.op(op)).collect(),
            spans: Vec::new(),
            span: Default::default(),
        }
    }

    fn op(&mut self, op: &Op) -> Op {
        let when = |r: &mut Self, w: &Option<Code>| w.as_ref().map(|w| r.code(w));
        match op {
            Op::JumpUnless { cond, to } => Op::JumpUnless {
                cond: self.code(cond),
                to: *to,
            },
            Op::WaitUntil { at, resume } => Op::WaitUntil {
                at: self.code(at),
                resume: *resume,
            },
            Op::Send {
                channel,
                template,
                to,
                when: w,
                hold,
            } => Op::Send {
                channel: *channel,
                template: *template,
                to: *to,
                when: when(self, w),
                hold: *hold,
            },
            Op::Call {
                queue,
                priority,
                when: w,
                hold,
            } => Op::Call {
                queue: queue.map(|q| self.sym(q)),
                priority: *priority,
                when: when(self, w),
                hold: *hold,
            },
            Op::Set { var, value } => Op::Set {
                var: *var,
                value: self.code(value),
            },
            Op::AssignQueue { queue, priority } => Op::AssignQueue {
                queue: self.sym(*queue),
                priority: *priority,
            },
            Op::AssignAgency { agency } => Op::AssignAgency {
                agency: self.sym(*agency),
            },
            Op::PlaceAgency { agency, period } => Op::PlaceAgency {
                agency: self.sym(*agency),
                period: *period,
            },
            Op::Alert { team, text } => Op::Alert {
                team: self.sym(*team),
                text: self.text(text),
            },
            Op::Emit { action, fields } => Op::Emit {
                action: *action,
                fields: fields.iter().map(|(k, c)| (*k, self.code(c))).collect(),
            },
            Op::End(s) => Op::End(self.sym(*s)),
            Op::CheckPlan {
                count,
                every,
                offer,
                refused,
                event,
            } => Op::CheckPlan {
                count: self.code(count),
                every: *every,
                offer: *offer,
                refused: *refused,
                event: *event,
            },
            op => op.clone(),
        }
    }
}

/// Whether an account can be waiting in a state of this kind between two
/// runs (every state can: an entry is waited in when a run ends on a held
/// moment of it).
pub fn is_place(kind: StateKind) -> bool {
    matches!(kind, StateKind::Entry | StateKind::Wait | StateKind::Held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Channel, StageDef, State};

    fn machine(stages: &[(&str, Vec<Op>)], template: &str) -> Machine {
        let mut m = Machine {
            flow: "f".into(),
            version: 1,
            currency: "USD".into(),
            ..Machine::default()
        };
        m.strings.push(template.into());
        m.strings.push("first".into());
        m.templates.push(Template {
            name: 1,
            channel: Channel::Email,
            subject: None,
            body: vec![TextPiece::Lit(0)],
        });
        for (name, code) in stages {
            let sym = m.strings.len() as Sym;
            m.strings.push((*name).into());
            let stage = m.stages.len() as u16;
            let entry = m.states.len() as u32;
            m.states.push(State {
                stage,
                pc: 0,
                kind: StateKind::Entry,
                span: Default::default(),
            });
            m.stages.push(StageDef {
                name: sym,
                entry,
                handlers: vec![],
                code: code.clone(),
                spans: vec![],
                span: Default::default(),
            });
        }
        m
    }

    fn send() -> Op {
        Op::Send {
            channel: Channel::Email,
            template: 0,
            to: None,
            when: None,
            hold: None,
        }
    }

    #[test]
    fn wording_is_harmless_and_names_the_template() {
        let a = machine(&[("early", vec![send()])], "Hello");
        let b = machine(&[("early", vec![send()])], "Hi there");
        assert_eq!(compare(&a, &a), Change::Same);
        assert_eq!(
            compare(&a, &b),
            Change::Harmless(vec!["the wording of template first".into()])
        );
    }

    #[test]
    fn a_renamed_stage_and_a_removed_step_are_structural() {
        let a = machine(&[("early", vec![send(), Op::End(1)])], "Hello");
        let b = machine(&[("late", vec![send(), Op::End(1)])], "Hello");
        assert_eq!(
            compare(&a, &b),
            Change::Structural(vec!["stage `early` renamed to `late`".into()])
        );
        let c = machine(&[("early", vec![Op::End(1)])], "Hello");
        let Change::Structural(what) = compare(&a, &c) else {
            panic!("a removed step is structural");
        };
        assert_eq!(what, vec!["the steps of stage `early` changed"]);
    }

    /// A flow with a deadline to `late` whose moment is the date constant
    /// 2026-03-`day`.
    fn with_deadline(day: u32) -> Machine {
        let mut m = machine(
            &[("early", vec![Op::End(1)]), ("late", vec![Op::End(1)])],
            "Hello",
        );
        let name = m.strings.len() as Sym;
        m.strings.push("deadline -> late".into());
        let init = m.consts.len() as u32;
        m.consts.push(Const::Bool(false));
        m.vars.push(crate::format::VarDef {
            name,
            ty: Type::Bool,
            init: vec![Instr::Const(init)],
        });
        let at = m.consts.len() as u32;
        m.consts.push(Const::Date(
            chrono::NaiveDate::from_ymd_opt(2026, 3, day).expect("a March day"),
        ));
        m.collections.deadlines.push(crate::format::Deadline {
            stage: None,
            at: vec![Instr::Const(at)],
            when: None,
            target: 1,
            spent: 0,
            span: Default::default(),
        });
        m
    }

    #[test]
    fn a_deadline_is_named_by_its_target_and_its_moment_matters() {
        let before = machine(
            &[("early", vec![Op::End(1)]), ("late", vec![Op::End(1)])],
            "Hello",
        );
        let Change::Structural(what) = compare(&before, &with_deadline(30)) else {
            panic!("a new deadline moves accounts in flight");
        };
        assert_eq!(
            what,
            vec!["the deadlines changed (were none, now `deadline -> late`)"]
        );
        let Change::Structural(what) = compare(&with_deadline(30), &with_deadline(2)) else {
            panic!("an earlier deadline moves accounts in flight");
        };
        assert_eq!(what, vec!["the moment or condition of a deadline changed"]);
        let mut reworded = with_deadline(30);
        reworded.strings[0] = "Hello again".into();
        assert!(matches!(
            compare(&with_deadline(30), &reworded),
            Change::Harmless(_)
        ));
    }
}
