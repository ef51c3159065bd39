//! A flow that checks never meets a type problem at run time: random
//! well-typed expressions over every type (operators taken from the
//! checker's own table, `types::arithmetic`, so that every combination it
//! accepts is tried) are checked, lowered and run in the engine, and every
//! value must be of the type the checker gave it, with no problem audited
//! but a value's own (a division by zero, an out-of-range date).
//!
//! The generator is a seeded xorshift, so a failure names a seed that
//! reproduces it: `DUN_SEED=1234 cargo test -p dun-compiler --test sound_types`.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use dun_compiler::model::Type;
use dun_compiler::syntax::ast::BinaryOp;
use dun_compiler::types::arithmetic;
use dun_runtime::engine::Detail;
use dun_runtime::format::{DurationSpec, DurationUnit};
use dun_runtime::{step, AuditKind, Input, Instance, Value};
use rust_decimal::Decimal;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Every type of the language, with the name a field of it has.
const TYPES: [(&str, Type); 13] = [
    ("bool", Type::Bool),
    ("number", Type::Number),
    ("money", Type::Money),
    ("percent", Type::Percent),
    ("text", Type::Text),
    ("date", Type::Date),
    ("time", Type::Time),
    ("datetime", Type::DateTime),
    ("duration", Type::Duration),
    ("phone", Type::Phone),
    ("email", Type::Email),
    ("address", Type::Address),
    ("timezone", Type::Timezone),
];

/// The enumeration of the test flow (`Type::Enum` needs the model's id, so
/// it is named apart).
const RISK: &str = "risk";

const ARITHMETIC: [BinaryOp; 4] = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Ty {
    Plain(usize),
    Risk,
}

fn ty_name(t: Ty) -> &'static str {
    match t {
        Ty::Plain(i) => TYPES[i].0,
        Ty::Risk => RISK,
    }
}

fn plain(ty: &Type) -> Option<Ty> {
    TYPES.iter().position(|(_, t)| t == ty).map(Ty::Plain)
}

fn is(t: Ty, ty: Type) -> bool {
    matches!(t, Ty::Plain(i) if TYPES[i].1 == ty)
}

/// Types a variable may have: those with a literal to start from.
fn has_literal(t: Ty) -> bool {
    match t {
        Ty::Risk => true,
        Ty::Plain(i) => !matches!(
            TYPES[i].1,
            Type::Phone | Type::Email | Type::Address | Type::Timezone
        ),
    }
}

fn literal(rng: &mut Rng, t: Ty) -> String {
    let Ty::Plain(i) = t else {
        return rng.pick(&["low", "medium", "high"]).to_string();
    };
    match TYPES[i].1 {
        Type::Bool => rng.pick(&["true", "false"]).to_string(),
        Type::Number => format!("{}", 1 + rng.below(90)),
        Type::Money => format!("{}.{:02} USD", rng.below(5000), rng.below(100)),
        Type::Percent => format!("{}%", 1 + rng.below(99)),
        Type::Text => rng.pick(&["\"a\"", "\"late\"", "\"\""]).to_string(),
        Type::Date => format!("2026-0{}-1{}", 1 + rng.below(9), rng.below(10)),
        Type::Time => format!("{:02}:{:02}", rng.below(24), rng.below(60)),
        Type::DateTime => format!(
            "2026-0{}-1{} {:02}:{:02}",
            1 + rng.below(9),
            rng.below(10),
            rng.below(24),
            rng.below(60)
        ),
        Type::Duration => format!(
            "{} {}",
            1 + rng.below(40),
            rng.pick(&[
                "minutes",
                "hours",
                "days",
                "weeks",
                "months",
                "business days"
            ])
        ),
        _ => unreachable!("no literal for {}", TYPES[i].0),
    }
}

/// An expression of type `t`, at most `depth` operators deep. Every
/// binary sub-expression is in parentheses, so precedence plays no part.
fn expr(rng: &mut Rng, t: Ty, depth: usize) -> String {
    if depth > 0 && rng.below(3) > 0 {
        if let Some(e) = compound(rng, t, depth - 1) {
            return e;
        }
    }
    leaf(rng, t)
}

fn leaf(rng: &mut Rng, t: Ty) -> String {
    let mut choices = vec![format!("account.f_{}", ty_name(t))];
    if has_literal(t) {
        choices.push(format!("v_{}", ty_name(t)));
        if t != Ty::Risk {
            choices.push(literal(rng, t));
        }
    }
    if is(t, Type::Date) {
        choices.push("today".into());
    }
    if is(t, Type::DateTime) {
        choices.push("now".into());
    }
    rng.pick(&choices).clone()
}

fn compound(rng: &mut Rng, t: Ty, depth: usize) -> Option<String> {
    if is(t, Type::Bool) {
        return Some(condition(rng, depth));
    }
    // Every (op, left, right) the checker accepts with this result.
    let Ty::Plain(i) = t else {
        return None;
    };
    let want = &TYPES[i].1;
    let mut ways = Vec::new();
    for op in ARITHMETIC {
        for (_, l) in &TYPES {
            for (_, r) in &TYPES {
                if arithmetic(op, l, r).as_ref() == Some(want) {
                    ways.push((op, plain(l)?, plain(r)?));
                }
            }
        }
    }
    let negatable = matches!(want, Type::Number | Type::Money | Type::Percent);
    if negatable && rng.below(6) == 0 {
        return Some(format!("(-{})", expr(rng, t, depth)));
    }
    if ways.is_empty() {
        return None;
    }
    let (op, l, r) = *rng.pick(&ways);
    Some(format!(
        "({} {} {})",
        expr(rng, l, depth),
        op.symbol(),
        expr(rng, r, depth)
    ))
}

fn condition(rng: &mut Rng, depth: usize) -> String {
    match rng.below(5) {
        0 => format!(
            "({} and {})",
            expr(rng, Ty::Plain(0), depth),
            expr(rng, Ty::Plain(0), depth)
        ),
        1 => format!(
            "({} or {})",
            expr(rng, Ty::Plain(0), depth),
            expr(rng, Ty::Plain(0), depth)
        ),
        2 => format!("(not {})", expr(rng, Ty::Plain(0), depth)),
        _ => {
            let mut all: Vec<Ty> = (0..TYPES.len()).map(Ty::Plain).collect();
            all.push(Ty::Risk);
            let t = *rng.pick(&all);
            let ordered = matches!(t, Ty::Plain(i) if TYPES[i].1.is_ordered());
            let ops: &[&str] = if ordered {
                &["==", "!=", "<", "<=", ">", ">="]
            } else {
                &["==", "!="]
            };
            let op = rng.pick(ops);
            // A bare variant takes its type from the other side: keep a
            // typed value on the left.
            let left = if t == Ty::Risk {
                format!("account.f_{RISK}")
            } else {
                expr(rng, t, depth)
            };
            let right = if t == Ty::Risk {
                literal(rng, t)
            } else {
                expr(rng, t, depth)
            };
            format!("({left} {op} {right})")
        }
    }
}

/// The flow holding `count` generated expressions, each stored by `set`
/// into a variable of its type.
fn flow(rng: &mut Rng, count: usize) -> (String, Vec<Ty>) {
    let mut all: Vec<Ty> = (0..TYPES.len()).map(Ty::Plain).collect();
    all.push(Ty::Risk);
    let mut text = String::from(
        "flow props\ncurrency USD\n\ncalendar bank {\n  weekend saturday, sunday\n  holiday 2026-04-03\n}\n\naccount {\n",
    );
    for t in &all {
        let ty = match t {
            Ty::Risk => "low | medium | high",
            _ => ty_name(*t),
        };
        text.push_str(&format!("  f_{}: {ty}\n", ty_name(*t)));
    }
    text.push_str("}\n\n");
    for t in all.iter().filter(|t| has_literal(**t)) {
        let ty = match t {
            Ty::Risk => "low | medium | high".to_string(),
            _ => ty_name(*t).to_string(),
        };
        text.push_str(&format!(
            "var v_{}: {ty} = {}\n",
            ty_name(*t),
            literal(rng, *t)
        ));
    }
    let mut results = Vec::new();
    let mut body = String::new();
    for i in 0..count {
        let t = *rng.pick(&all);
        if !has_literal(t) {
            continue;
        }
        let ty = match t {
            Ty::Risk => "low | medium | high".to_string(),
            _ => ty_name(t).to_string(),
        };
        text.push_str(&format!("var r_{i}: {ty} = {}\n", literal(rng, t)));
        body.push_str(&format!("  set r_{i} = {}\n", expr(rng, t, 3)));
        results.push(t);
    }
    text.push_str(&format!("\nstart s\n\nstage s {{\n{body}  end done\n}}\n"));
    (text, results)
}

/// The account: every field set, to a value of its type.
fn account(m: &dun_runtime::Machine) -> dun_runtime::Account {
    let date = NaiveDate::from_ymd_opt(2026, 2, 20).unwrap();
    let fields = m
        .account
        .iter()
        .map(|f| {
            use dun_runtime::format::Type as T;
            match &f.ty {
                T::Bool => Value::Bool(true),
                T::Number => Value::Number(Decimal::from(12)),
                T::Money => Value::Money(Decimal::new(125_050, 2)),
                T::Percent => Value::Percent(Decimal::from(20)),
                T::Text | T::Address => Value::Text("x".into()),
                T::Phone => Value::Text("+15550100".into()),
                T::Email => Value::Text("ann@example.com".into()),
                T::Timezone => Value::Text("Europe/Madrid".into()),
                T::Date => Value::Date(date),
                T::Time => Value::Time(NaiveTime::from_hms_opt(9, 30, 0).unwrap()),
                T::DateTime => Value::DateTime(Utc.with_ymd_and_hms(2026, 2, 20, 8, 0, 0).unwrap()),
                T::Duration => Value::Duration(DurationSpec::new(3, DurationUnit::Days)),
                T::Enum(variants) => Value::Variant(m.str(variants[1]).to_string()),
            }
        })
        .collect();
    dun_runtime::Account {
        id: "A-1".into(),
        fields,
    }
}

/// A problem of the value itself, not of its type.
fn value_problem(message: &str) -> bool {
    ["division by zero", "too large", "out of range"]
        .iter()
        .any(|p| message.contains(p))
}

fn run_one(seed: u64) {
    let mut rng = Rng(seed.max(1));
    let (text, _) = flow(&mut rng, 40);
    let analysis = dun_compiler::analyze(None, &text);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(
        errors.is_empty(),
        "seed {seed}: the checker refused a generated flow:\n{}\n{text}",
        errors.join("\n")
    );
    let m = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .unwrap_or_else(|d| panic!("seed {seed}: does not lower: {d:?}\n{text}"));
    let account = account(&m);
    let mut inst = Instance::new();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let out = step(&m, &mut inst, &account, Input::Enrol, now);
    for entry in &out.audit {
        if entry.kind == AuditKind::Problem {
            let message = match &entry.detail {
                Detail::Problem(message) => message.clone(),
                other => format!("{other:?}"),
            };
            assert!(
                value_problem(&message),
                "seed {seed}: a well-typed flow met a type problem at run time: {message}\n{text}"
            );
        }
    }
    for (value, def) in inst.vars.iter().zip(&m.vars) {
        assert!(
            value.fits(&m, &def.ty, false),
            "seed {seed}: variable {} holds {value:?}, not a {:?}\n{text}",
            m.str(def.name),
            def.ty
        );
    }
}

#[test]
fn well_typed_expressions_never_meet_a_type_problem_at_run_time() {
    let seeds: Vec<u64> = match std::env::var("DUN_SEED") {
        Ok(s) => vec![s.parse().expect("DUN_SEED is a number")],
        Err(_) => (1..=300).map(|i| i * 7919).collect(),
    };
    for seed in seeds {
        run_one(seed);
    }
}
