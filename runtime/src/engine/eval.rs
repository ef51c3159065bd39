//! The expression bytecode interpreter.

use crate::engine::Account;
use crate::format::{Const, DurationSpec, DurationUnit, Instr, Machine};
use crate::time::{self, MemoZone};
use crate::value::Value;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// What an expression can read.
pub(crate) struct Env<'a> {
    pub m: &'a Machine,
    pub account: &'a Account,
    pub event: Option<&'a [Value]>,
    pub vars: &'a [Value],
    pub now: DateTime<Utc>,
    pub tz: MemoZone<'a>,
}

/// Why an expression could not be evaluated; the engine audits it.
pub(crate) type EvalError = String;

const STACK_LIMIT: usize = 256;

/// A value on the evaluation stack. Fields, variables and constants are
/// read in place: a condition such as `event.result == answered` runs for
/// every event of every account, and copying the texts it compares would
/// cost more than the comparison.
#[derive(Debug)]
pub(crate) enum Slot<'a> {
    Own(Value),
    Ref(&'a Value),
    /// A text (`false`) or an enumeration variant (`true`) of the machine.
    Str(&'a str, bool),
}

/// What a slot holds, without copying.
pub(crate) enum View<'s> {
    Text(&'s str),
    Variant(&'s str),
    Other(&'s Value),
}

impl Slot<'_> {
    pub fn view(&self) -> View<'_> {
        let v = match self {
            Slot::Str(s, false) => return View::Text(s),
            Slot::Str(s, true) => return View::Variant(s),
            Slot::Own(v) => v,
            Slot::Ref(v) => v,
        };
        match v {
            Value::Text(s) => View::Text(s),
            Value::Variant(s) => View::Variant(s),
            v => View::Other(v),
        }
    }

    pub fn into_value(self) -> Value {
        match self {
            Slot::Own(v) => v,
            Slot::Ref(v) => v.clone(),
            Slot::Str(s, false) => Value::Text(s.to_string()),
            Slot::Str(s, true) => Value::Variant(s.to_string()),
        }
    }

    fn is_set(&self) -> bool {
        match self {
            Slot::Own(v) => v.is_set(),
            Slot::Ref(v) => v.is_set(),
            Slot::Str(..) => true,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Slot::Own(Value::Bool(b)) | Slot::Ref(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// Writes the value into a message (see [`Value::render_into`]).
    pub fn render_into(&self, out: &mut String, currency: &str) {
        match self.view() {
            View::Text(s) | View::Variant(s) => out.push_str(s),
            View::Other(v) => v.render_into(out, currency),
        }
    }

    /// Writes the value into a message for a locale (see
    /// [`Value::render_locale_into`]).
    pub fn render_locale_into(
        &self,
        out: &mut String,
        currency: &str,
        formats: &dun_machine::locale::Formats,
    ) {
        match self.view() {
            View::Text(s) | View::Variant(s) => out.push_str(s),
            View::Other(v) => v.render_locale_into(out, currency, formats),
        }
    }
}

type Stack<'a> = smallvec::SmallVec<[Slot<'a>; 8]>;

impl<'a> Env<'a> {
    pub fn eval(&self, code: &[Instr]) -> Result<Value, EvalError> {
        self.eval_slot(code).map(Slot::into_value)
    }

    /// The value an instruction that only loads one pushes; `None` for
    /// every other instruction.
    fn load(&self, instr: &Instr) -> Option<Result<Slot<'a>, EvalError>> {
        let field = |v: Option<&'a Value>| v.map_or(Slot::Own(Value::Unset), Slot::Ref);
        Some(Ok(match *instr {
            Instr::Const(i) => {
                let Some(c) = self.m.consts.get(i as usize) else {
                    return Some(Err("a constant is missing from the compiled flow".into()));
                };
                match c {
                    Const::Text(s) => Slot::Str(self.m.str(*s), false),
                    Const::Variant(s) => Slot::Str(self.m.str(*s), true),
                    c => Slot::Own(Value::from_const(self.m, c)),
                }
            }
            Instr::Account(i) => field(self.account.fields.get(i as usize)),
            Instr::AccountId => Slot::Str(&self.account.id, false),
            Instr::Event(i) => match self.event {
                Some(ev) => field(ev.get(i as usize)),
                None => return Some(Err("an event field is read outside an event handler".into())),
            },
            Instr::Var(i) => field(self.vars.get(i as usize)),
            _ => return None,
        }))
    }

    /// Evaluates to a slot that may borrow from the machine, the account,
    /// the event or the variables.
    pub fn eval_slot(&self, code: &[Instr]) -> Result<Slot<'a>, EvalError> {
        // Most template values and many conditions are one field: no stack.
        if let [only] = code {
            if let Some(slot) = self.load(only) {
                return slot;
            }
        }
        let mut stack: Stack<'a> = Stack::new();
        let mut pc = 0usize;
        // Jumps only go forward, so this loop ends; the counter is a guard
        // against a damaged machine.
        let mut steps = 0usize;
        while let Some(instr) = code.get(pc) {
            steps += 1;
            if steps > code.len() + 1 || stack.len() > STACK_LIMIT {
                return Err("the expression's code is damaged".into());
            }
            pc += 1;
            if let Some(slot) = self.load(instr) {
                stack.push(slot?);
                continue;
            }
            match *instr {
                // Pushed by `load` above.
                Instr::Const(_)
                | Instr::Account(_)
                | Instr::AccountId
                | Instr::Event(_)
                | Instr::Var(_) => {}
                Instr::Today => stack.push(Slot::Own(Value::Date(
                    time::to_local(self.tz, self.now).date(),
                ))),
                Instr::Now => stack.push(Slot::Own(Value::DateTime(self.now))),
                Instr::IsSet => {
                    let v = pop(&mut stack)?;
                    stack.push(Slot::Own(Value::Bool(v.is_set())));
                }
                Instr::Not => {
                    let v = pop(&mut stack)?;
                    match v.as_bool() {
                        Some(b) => stack.push(Slot::Own(Value::Bool(!b))),
                        None => {
                            return Err(format!(
                                "`not` needs a condition, got {}",
                                describe(&v.into_value())
                            ))
                        }
                    }
                }
                Instr::Neg => {
                    let v = match pop(&mut stack)?.into_value() {
                        Value::Number(n) => Value::Number(-n),
                        Value::Money(n) => Value::Money(-n),
                        Value::Percent(n) => Value::Percent(-n),
                        v => return Err(format!("cannot negate {}", describe(&v))),
                    };
                    stack.push(Slot::Own(v));
                }
                Instr::Add | Instr::Sub | Instr::Mul | Instr::Div => {
                    let r = pop(&mut stack)?.into_value();
                    let l = pop(&mut stack)?.into_value();
                    stack.push(Slot::Own(self.arith(*instr, l, r)?));
                }
                Instr::Eq | Instr::Ne => {
                    let r = pop(&mut stack)?;
                    let l = pop(&mut stack)?;
                    let eq = self.equal(&l, &r);
                    stack.push(Slot::Own(Value::Bool(if *instr == Instr::Eq {
                        eq
                    } else {
                        !eq
                    })));
                }
                Instr::Lt | Instr::Le | Instr::Gt | Instr::Ge => {
                    let r = pop(&mut stack)?;
                    let l = pop(&mut stack)?;
                    let ord = self.compare_slots(&l, &r)?;
                    let b = match instr {
                        Instr::Lt => ord == Ordering::Less,
                        Instr::Le => ord != Ordering::Greater,
                        Instr::Gt => ord == Ordering::Greater,
                        _ => ord != Ordering::Less,
                    };
                    stack.push(Slot::Own(Value::Bool(b)));
                }
                Instr::In(n) => {
                    let n = n as usize;
                    if stack.len() < n + 1 {
                        return Err("the expression's code is damaged".into());
                    }
                    let items: Stack<'a> = stack.drain(stack.len() - n..).collect();
                    let v = pop(&mut stack)?;
                    let found = items.iter().any(|i| self.equal(&v, i));
                    stack.push(Slot::Own(Value::Bool(found)));
                }
                Instr::AndThen(to) | Instr::OrElse(to) => {
                    let short = matches!(instr, Instr::OrElse(_));
                    match stack.last().map(|s| (s.as_bool(), s)) {
                        Some((Some(b), _)) if b == short => {
                            if (to as usize) < pc {
                                return Err("the expression's code is damaged".into());
                            }
                            pc = to as usize;
                        }
                        Some((Some(_), _)) => {
                            stack.pop();
                        }
                        Some((None, _)) => {
                            let v = pop(&mut stack)?.into_value();
                            return Err(format!(
                                "`and`/`or` need conditions, got {}",
                                describe(&v)
                            ));
                        }
                        None => return Err("the expression's code is damaged".into()),
                    }
                }
            }
        }
        match (stack.pop(), stack.is_empty()) {
            (Some(v), true) => Ok(v),
            _ => Err("the expression's code is damaged".into()),
        }
    }

    /// A condition: `true` only when the expression yields true.
    pub fn eval_bool(&self, code: &[Instr]) -> Result<bool, EvalError> {
        let v = self.eval_slot(code)?;
        match v.as_bool() {
            Some(b) => Ok(b),
            None => Err(format!(
                "a condition gave {} instead of true or false",
                describe(&v.into_value())
            )),
        }
    }

    fn equal(&self, l: &Slot<'_>, r: &Slot<'_>) -> bool {
        match (l.view(), r.view()) {
            (View::Text(a), View::Text(b)) | (View::Variant(a), View::Variant(b)) => a == b,
            (View::Other(a), View::Other(b)) => self.equal_values(a, b),
            _ => false,
        }
    }

    fn compare_slots(&self, l: &Slot<'_>, r: &Slot<'_>) -> Result<Ordering, EvalError> {
        match (l.view(), r.view()) {
            (View::Text(a), View::Text(b)) => Ok(a.cmp(b)),
            (View::Other(a), View::Other(b)) => self.compare(a, b),
            _ => Err(format!(
                "cannot compare {} with {}",
                describe(&slot_value(l)),
                describe(&slot_value(r))
            )),
        }
    }

    fn calendar(&self, d: &DurationSpec) -> Option<&crate::format::Calendar> {
        self.m.calendar_for(d)
    }

    fn arith(&self, op: Instr, l: Value, r: Value) -> Result<Value, EvalError> {
        use Value::*;
        let sub = op == Instr::Sub;
        let hundred = Decimal::ONE_HUNDRED;
        let checked = |v: Option<Decimal>| v.ok_or_else(|| "a number is too large".to_string());
        let v = match (op, l, r) {
            (Instr::Add, Number(a), Number(b)) => Number(checked(a.checked_add(b))?),
            (Instr::Sub, Number(a), Number(b)) => Number(checked(a.checked_sub(b))?),
            (Instr::Add, Money(a), Money(b)) => Money(checked(a.checked_add(b))?),
            (Instr::Sub, Money(a), Money(b)) => Money(checked(a.checked_sub(b))?),
            (Instr::Add, Percent(a), Percent(b)) => Percent(checked(a.checked_add(b))?),
            (Instr::Sub, Percent(a), Percent(b)) => Percent(checked(a.checked_sub(b))?),
            (Instr::Mul, Number(a), Number(b)) => Number(checked(a.checked_mul(b))?),
            (Instr::Mul, Money(a), Number(b)) | (Instr::Mul, Number(b), Money(a)) => {
                Money(checked(a.checked_mul(b))?)
            }
            (Instr::Mul, Money(a), Percent(p)) | (Instr::Mul, Percent(p), Money(a)) => {
                Money(checked(a.checked_mul(p))? / hundred)
            }
            (Instr::Mul, Number(a), Percent(p)) | (Instr::Mul, Percent(p), Number(a)) => {
                Number(checked(a.checked_mul(p))? / hundred)
            }
            (Instr::Div, _, Number(b)) | (Instr::Div, _, Money(b)) if b.is_zero() => {
                return Err("division by zero".into())
            }
            (Instr::Div, Number(a), Number(b)) => Number(checked(a.checked_div(b))?),
            (Instr::Div, Money(a), Number(b)) => Money(checked(a.checked_div(b))?),
            (Instr::Div, Money(a), Money(b)) => Number(checked(a.checked_div(b))?),
            (Instr::Add | Instr::Sub, Date(d), Duration(dur)) => {
                let amount = signed(dur.amount, sub);
                match dur.unit {
                    // A date stays a date (the checker types `today + 36
                    // hours` as one): the day on which the shifted moment
                    // falls, in the account's zone.
                    DurationUnit::Hours | DurationUnit::Minutes => {
                        let start = time::start_of_day(self.tz, d);
                        let moved = time::shift(start, amount, dur.unit, self.tz, None)
                            .ok_or("a date is out of range")?;
                        Date(time::to_local(self.tz, moved).date())
                    }
                    _ => Date(
                        time::shift_date(d, amount, dur.unit, self.calendar(&dur))
                            .ok_or("a date is out of range")?,
                    ),
                }
            }
            (Instr::Add, Duration(dur), Date(d)) => {
                return self.arith(Instr::Add, Date(d), Duration(dur))
            }
            (Instr::Add | Instr::Sub, DateTime(t), Duration(dur)) => DateTime(
                time::shift(
                    t,
                    signed(dur.amount, sub),
                    dur.unit,
                    self.tz,
                    self.calendar(&dur),
                )
                .ok_or("a date is out of range")?,
            ),
            (Instr::Add, Duration(dur), DateTime(t)) => {
                return self.arith(Instr::Add, DateTime(t), Duration(dur))
            }
            // Days past due: a whole number of days, negative when the
            // first is earlier; datetimes count whole days (24 hours) apart.
            (Instr::Sub, Date(a), Date(b)) => Number(Decimal::from((a - b).num_days())),
            (Instr::Sub, DateTime(a), DateTime(b)) => Number(Decimal::from((a - b).num_days())),
            (Instr::Div, Percent(a), Number(b)) => Percent(checked(a.checked_div(b))?),
            (op, l, r) => {
                let sym = match op {
                    Instr::Add => "+",
                    Instr::Sub => "-",
                    Instr::Mul => "*",
                    _ => "/",
                };
                return Err(format!(
                    "cannot compute {} {sym} {}",
                    describe(&l),
                    describe(&r)
                ));
            }
        };
        Ok(v)
    }

    fn equal_values(&self, l: &Value, r: &Value) -> bool {
        match (l, r) {
            (Value::Date(_), Value::DateTime(_)) | (Value::DateTime(_), Value::Date(_)) => {
                matches!(self.compare(l, r), Ok(Ordering::Equal))
            }
            _ => l == r,
        }
    }

    fn compare(&self, l: &Value, r: &Value) -> Result<Ordering, EvalError> {
        use Value::*;
        Ok(match (l, r) {
            (Number(a), Number(b)) | (Money(a), Money(b)) | (Percent(a), Percent(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Time(a), Time(b)) => a.cmp(b),
            (DateTime(a), DateTime(b)) => a.cmp(b),
            (Date(a), DateTime(b)) => time::start_of_day(self.tz, *a).cmp(b),
            (DateTime(a), Date(b)) => a.cmp(&time::start_of_day(self.tz, *b)),
            (Text(a), Text(b)) => a.cmp(b),
            (Duration(a), Duration(b)) => approx_minutes(a).cmp(&approx_minutes(b)),
            _ => {
                return Err(format!(
                    "cannot compare {} with {}",
                    describe(l),
                    describe(r)
                ))
            }
        })
    }
}

fn signed(amount: u32, negative: bool) -> i64 {
    if negative {
        -i64::from(amount)
    } else {
        i64::from(amount)
    }
}

/// Durations of different units compare by their usual length.
fn approx_minutes(d: &DurationSpec) -> u64 {
    let per = match d.unit {
        DurationUnit::Minutes => 1,
        DurationUnit::Hours => 60,
        DurationUnit::Days => 1440,
        DurationUnit::BusinessDays => 1440 * 7 / 5,
        DurationUnit::Weeks => 1440 * 7,
        DurationUnit::Months => 1440 * 30,
    };
    u64::from(d.amount) * per
}

fn slot_value(s: &Slot<'_>) -> Value {
    match s.view() {
        View::Text(t) => Value::Text(t.to_string()),
        View::Variant(t) => Value::Variant(t.to_string()),
        View::Other(v) => v.clone(),
    }
}

fn pop<'a>(stack: &mut Stack<'a>) -> Result<Slot<'a>, EvalError> {
    stack
        .pop()
        .ok_or_else(|| "the expression's code is damaged".to_string())
}

fn describe(v: &Value) -> String {
    match v {
        Value::Unset => "a value that is not set (guard it with `is set`)".into(),
        v => format!("{} `{v}`", v.kind()),
    }
}
