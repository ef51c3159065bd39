//! The verifier against the engine: every cap error names a run that the
//! engine, with no contact rule enforced, really makes; every hold error a
//! contact the engine holds; and the engine keeps every calendar week
//! under its cap, for one account and across the accounts of one person.

use crate::analysis::analyze;
use crate::diagnostics::Severity;
use chrono::{DateTime, TimeZone, Utc};
use dun_runtime::engine::{step, Account, ActionKind, Input, Instance};
use dun_runtime::format::{ChannelSet, Machine, Policy};
use dun_runtime::Value;

/// A small deterministic generator (SplitMix64): reproducible cases with
/// no extra dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const FIELDS: usize = 3;

fn steps(rng: &mut Rng, depth: u32, out: &mut String, indent: &str) {
    let n = 1 + rng.below(4);
    for _ in 0..n {
        match rng.below(if depth < 2 { 7 } else { 5 }) {
            0 | 1 => out.push_str(&format!("{indent}call queue q{}\n", rng.below(2))),
            2 => out.push_str(&format!("{indent}send sms nudge\n")),
            3 => out.push_str(&format!("{indent}wait {} hours\n", 6 + 6 * rng.below(6))),
            4 => out.push_str(&format!("{indent}wait {} days\n", 1 + rng.below(2))),
            5 => {
                out.push_str(&format!(
                    "{indent}if account.f{} {{\n",
                    rng.below(FIELDS as u64)
                ));
                steps(rng, depth + 1, out, &format!("{indent}  "));
                out.push_str(&format!("{indent}}} else {{\n"));
                steps(rng, depth + 1, out, &format!("{indent}  "));
                out.push_str(&format!("{indent}}}\n"));
            }
            _ => {
                out.push_str(&format!("{indent}repeat {} times {{\n", 2 + rng.below(3)));
                steps(rng, depth + 1, out, &format!("{indent}  "));
                out.push_str(&format!("{indent}}}\n"));
            }
        }
    }
}

/// Contact hours a random flow may have: every day, per weekday, for one
/// channel only, and with a closed day; each moves some contacts.
const WINDOWS: &[&str] = &[
    "  contact_hours 08:00 to 21:00\n",
    "  contact_hours mon-fri 08:00 to 20:00, sat 09:00 to 13:00\n",
    "  contact_hours calls mon-fri 09:00 to 17:00\n",
    "  contact_hours 09:00 to 12:00\n  no_contact on sunday\n",
    "  contact_hours sms tue, thu 10:00 to 11:00\n",
];

/// A random flow of one to three stages, each ending in a wait and a
/// `goto` (forwards, or back with a wait in between) or an `end`. Half
/// have contact hours; one in three places the account with an agency for
/// a few days and handles the recall.
fn random_flow(seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut src = String::from(
        "flow random\ncurrency USD\naccount {\n  name: text\n  mobile: phone?\n  f0: bool\n  f1: bool\n  f2: bool\n}\n",
    );
    src.push_str("template nudge for sms \"Hi {account.name}\"\n");
    let cap_count = 1 + rng.below(4);
    let cap_days = 1 + rng.below(4);
    let words = ["calls", "sms", "contact"];
    let word = words[rng.below(3) as usize];
    // One flow in three caps a calendar week, which the verifier reads as
    // 7 days.
    let per = if rng.below(3) == 0 {
        "calendar week".to_string()
    } else {
        format!("{cap_days} days")
    };
    let hours = if rng.below(2) == 0 {
        WINDOWS[rng.below(WINDOWS.len() as u64) as usize]
    } else {
        ""
    };
    src.push_str(&format!(
        "policy {{\n  at_most {cap_count} {word} per {per}\n{hours}}}\n"
    ));
    let stages = 1 + rng.below(3) as usize;
    // The stage that places, and where the recall sends the account.
    let placed = (rng.below(3) == 0).then(|| rng.below(stages as u64) as usize);
    if placed.is_some() {
        match rng.below(3) {
            0 => src.push_str("on agency_recalled {\n  send sms nudge\n}\n"),
            _ => src.push_str(&format!(
                "on agency_recalled -> s{}\n",
                rng.below(stages as u64)
            )),
        }
    }
    src.push_str("start s0\n");
    for s in 0..stages {
        src.push_str(&format!("stage s{s} {{\n"));
        if placed == Some(s) {
            src.push_str(&format!(
                "  assign agency \"Acme\" for {} days\n",
                1 + rng.below(4)
            ));
        }
        steps(&mut rng, 0, &mut src, "  ");
        src.push_str("  send sms nudge\n  wait 1 day\n");
        if s + 1 < stages {
            src.push_str(&format!("  goto s{}\n", s + 1));
        } else if s > 0 && rng.below(2) == 0 {
            src.push_str("  if account.f0 {\n    wait 3 days\n    goto s0\n  }\n  end done\n");
        } else {
            src.push_str("  end done\n");
        }
        src.push_str("}\n");
    }
    src
}

/// Runs an account through the machine on its timers alone (recalls
/// included) from `start` and returns the moments of its contacts on
/// `channels`.
fn contacts(
    m: &Machine,
    account: &Account,
    channels: ChannelSet,
    start: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut inst = Instance::new();
    let mut out = Vec::new();
    let take = |o: dun_runtime::engine::Outcome, out: &mut Vec<DateTime<Utc>>| {
        for a in o.actions {
            let ch = match &a.kind {
                ActionKind::Call { .. } => Some(dun_runtime::format::Channel::Call),
                ActionKind::Send { channel, .. } => Some(*channel),
                _ => None,
            };
            if ch.is_some_and(|c| channels.contains(c)) {
                out.push(a.at);
            }
        }
    };
    take(step(m, &mut inst, account, Input::Enrol, start), &mut out);
    for _ in 0..500 {
        let Some(due) = inst.next_due() else { break };
        take(step(m, &mut inst, account, Input::Timer, due), &mut out);
    }
    out
}

#[test]
fn every_cap_error_is_a_run_the_engine_makes_with_no_contact_rules() {
    let mut errors = 0;
    let mut clean = 0;
    let mut shifted = 0;
    let (mut windowed, mut placed) = (0, 0);
    for seed in 0..400u64 {
        let src = random_flow(seed);
        windowed += usize::from(src.contains("contact_hours"));
        placed += usize::from(src.contains("assign agency"));
        let a = analyze(None, &src);
        let fatal: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && !d.code.starts_with("dun::verify::"))
            .collect();
        assert!(
            fatal.is_empty(),
            "seed {seed} does not check:\n{src}\n{fatal:#?}"
        );
        let m = crate::lower::lower(&a.file, &a.model).expect("a checked flow lowers");
        let runs = super::cap_error_runs(&a.file, &m);
        let reported = a
            .diagnostics
            .iter()
            .filter(|d| d.code == super::CAP && d.severity == Severity::Error)
            .count();
        assert_eq!(reported, runs.len(), "seed {seed}");
        if runs.is_empty() {
            clean += 1;
        }
        // The engine with the contact hours and closed days, and no cap,
        // pause, stop or hold: it moves contacts as the verifier's moments
        // do, and lets through the ones over the cap.
        let mut free = m.clone();
        free.policy = Policy {
            contact_hours: m.policy.contact_hours,
            zone: m.policy.zone.clone(),
            closed_weekdays: m.policy.closed_weekdays,
            ext: dun_runtime::format::PolicyExt {
                windows: m.policy.ext.windows.clone(),
                ..Default::default()
            },
            ..Policy::default()
        };
        for (cap_index, choices, entry) in runs {
            errors += 1;
            let cap = super::caps::all_caps(&m)[cap_index].clone();
            let mut values: Vec<(String, Value)> = vec![
                ("name".into(), Value::Text("Ann".into())),
                ("mobile".into(), Value::Text("+15550100".into())),
            ];
            for f in 0..FIELDS {
                let idx = m.account_field(&format!("f{f}")).unwrap();
                let v = choices
                    .iter()
                    .find(|(i, _)| *i == idx)
                    .map(|(_, t)| *t)
                    .unwrap_or(false);
                values.push((format!("f{f}"), Value::Bool(v)));
            }
            let account = Account::new(
                &free,
                "acct-1",
                values.iter().map(|(k, v)| (k.as_str(), v.clone())),
            )
            .unwrap();
            // A run the contact hours or a recall could move is an error
            // for the entry the verifier found; one they cannot move is an
            // error for any entry.
            let start = entry.unwrap_or_else(|| Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap());
            if entry.is_some() {
                shifted += 1;
            }
            let times = contacts(&free, &account, cap.channels, start);
            let n = cap.count as usize;
            let week_cap = cap_index >= m.policy.caps.len();
            let broken = if week_cap && entry.is_some() {
                let mut weeks = std::collections::BTreeMap::new();
                for t in &times {
                    *weeks.entry(monday_of(*t)).or_insert(0usize) += 1;
                }
                weeks.values().any(|&k| k > n)
            } else {
                times.windows(n + 1).any(|w| {
                    let end = dun_runtime::time::add(w[0], cap.window, chrono_tz::Tz::UTC, None)
                        .expect("in range");
                    w[n] < end
                })
            };
            assert!(
                broken,
                "seed {seed}: the verifier reports cap {cap_index} broken, but the engine's run \
                 ({choices:?}, entering {start}) contacts at {times:?}\n{src}"
            );
        }
    }
    // The generator must exercise both sides, with and without contact
    // hours and placements.
    assert!(errors > 20, "only {errors} cap errors in 400 flows");
    assert!(clean > 20, "only {clean} flows without a cap error");
    assert!(
        shifted > 20,
        "only {shifted} cap errors played at shifted moments"
    );
    assert!(
        windowed > 100 && placed > 60,
        "{windowed} flows with hours, {placed} placing"
    );
}

/// The Monday of a moment's week (UTC).
fn monday_of(t: DateTime<Utc>) -> chrono::NaiveDate {
    use chrono::Datelike;
    let day = t.date_naive();
    day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

#[test]
fn business_days_span_weekends_at_most_once_per_week() {
    let m = Machine::default();
    let d = |n| dun_runtime::format::DurationSpec {
        amount: n,
        unit: dun_runtime::format::DurationUnit::BusinessDays,
        calendar: None,
    };
    let day = 24 * 60;
    assert_eq!(super::bounds(&m, d(1)), (day, 3 * day));
    assert_eq!(super::bounds(&m, d(5)), (5 * day, 7 * day));
    assert_eq!(super::bounds(&m, d(6)), (8 * day, 10 * day));
}

#[test]
fn the_examples_and_the_generated_benchmark_flow_verify_clean() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples"));
    let mut seen = 0;
    for dir in std::fs::read_dir(root).unwrap() {
        let dir = dir.unwrap().path();
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        for f in files {
            let f = f.unwrap().path();
            if f.extension().and_then(|e| e.to_str()) != Some("dun") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let a = analyze(Some(&f), &text);
            let found: Vec<_> = a
                .diagnostics
                .iter()
                .filter(|d| d.code.starts_with("dun::verify::"))
                .collect();
            assert!(found.is_empty(), "{}: {found:#?}", f.display());
            seen += 1;
        }
    }
    assert!(seen >= 6, "found only {seen} examples");
}

/// `dun build` writes the machine `analyze` lowered to verify it, instead
/// of lowering again: it must be the one lowering gives.
#[test]
fn analysis_keeps_the_machine_it_verified() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/consumer_cards/consumer_cards.dun"
    ));
    let text = std::fs::read_to_string(path).unwrap();
    let a = analyze(Some(path), &text);
    let again = crate::lower::lower(&a.file, &a.model).expect("the example lowers");
    assert_eq!(a.machine.as_ref(), Some(&again));
    let broken = analyze(None, "flow x\nstart nowhere\n");
    assert!(broken.has_errors() && broken.machine.is_none());
}

/// A random flow whose policy holds contact from `dispute` until
/// `dispute_resolved` (for at most a few days, or with no end), and whose
/// flow-level handler sends a disputed account to one of its stages.
fn random_hold_flow(seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_add(1_000_003));
    let mut src = String::from(
        "flow random\ncurrency USD\naccount {\n  name: text\n  mobile: phone?\n  f0: bool\n  f1: bool\n  f2: bool\n}\n",
    );
    src.push_str("event dispute\nevent dispute_resolved\n");
    src.push_str("template nudge for sms \"Hi {account.name}\"\n");
    let words = ["calls", "sms", "contact"];
    let longest = match rng.below(3) {
        0 => String::new(),
        n => format!(" for at most {} days", n * (1 + rng.below(3))),
    };
    src.push_str(&format!(
        "policy {{\n  pause {} after dispute until dispute_resolved{longest}\n}}\n",
        words[rng.below(3) as usize]
    ));
    let stages = 1 + rng.below(3) as usize;
    src.push_str(&format!("on dispute -> s{}\n", rng.below(stages as u64)));
    src.push_str("start s0\n");
    for s in 0..stages {
        src.push_str(&format!("stage s{s} {{\n"));
        if rng.below(3) == 0 {
            src.push_str("  on dispute_resolved -> s0\n");
        }
        steps(&mut rng, 0, &mut src, "  ");
        src.push_str("  send sms nudge\n  wait 1 day\n");
        if s + 1 < stages {
            src.push_str(&format!("  goto s{}\n", s + 1));
        } else {
            src.push_str("  end done\n");
        }
        src.push_str("}\n");
    }
    src
}

/// Whether the engine, with the flow's holds as its only contact rule,
/// keeps back a contact by a hold when `dispute` comes as the account
/// enters and `dispute_resolved` never comes.
fn engine_holds(m: &Machine, fields: [bool; FIELDS]) -> bool {
    let mut free = m.clone();
    free.policy = Policy {
        ext: m.policy.ext.clone(),
        ..Policy::default()
    };
    let mut values: Vec<(String, Value)> = vec![
        ("name".into(), Value::Text("Ann".into())),
        ("mobile".into(), Value::Text("+15550100".into())),
    ];
    for (f, v) in fields.iter().enumerate() {
        values.push((format!("f{f}"), Value::Bool(*v)));
    }
    let account = Account::new(
        &free,
        "acct-1",
        values.iter().map(|(k, v)| (k.as_str(), v.clone())),
    )
    .unwrap();
    let dispute = free
        .events
        .iter()
        .position(|e| free.str(e.name) == "dispute")
        .unwrap() as u16;
    let held = |o: &dun_runtime::engine::Outcome| {
        o.audit
            .iter()
            .any(|a| matches!(a.reason(), Some(dun_runtime::engine::Reason::Hold { .. })))
    };
    let mut inst = Instance::new();
    let start = Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap();
    let mut any = held(&step(&free, &mut inst, &account, Input::Enrol, start));
    let event = Input::Event {
        event: dispute,
        payload: Vec::new(),
    };
    any |= held(&step(&free, &mut inst, &account, event, start));
    for _ in 0..200 {
        let Some(due) = inst.next_due() else { break };
        any |= held(&step(&free, &mut inst, &account, Input::Timer, due));
    }
    any
}

#[test]
fn every_hold_error_is_a_hold_the_engine_makes_and_a_clean_flow_is_never_held() {
    let (mut errors, mut clean) = (0, 0);
    for seed in 0..300u64 {
        let src = random_hold_flow(seed);
        let a = analyze(None, &src);
        let fatal: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && !d.code.starts_with("dun::verify::"))
            .collect();
        assert!(
            fatal.is_empty(),
            "seed {seed} does not check:\n{src}\n{fatal:#?}"
        );
        let m = crate::lower::lower(&a.file, &a.model).expect("a checked flow lowers");
        let reported: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.code == super::HOLD)
            .collect();
        let accounts = (0..8u8).map(|bits| [bits & 1 != 0, bits & 2 != 0, bits & 4 != 0]);
        let mut held = accounts.map(|f| engine_holds(&m, f));
        if reported.iter().any(|d| d.severity == Severity::Error) {
            errors += 1;
            assert!(
                held.any(|h| h),
                "seed {seed}: the verifier reports a contact inside the hold, but no account \
                 is held by the engine\n{src}"
            );
        } else if reported.is_empty() {
            clean += 1;
            assert!(
                !held.any(|h| h),
                "seed {seed}: the verifier reports nothing, but the engine holds a contact\n{src}"
            );
        }
    }
    // The generator must exercise both sides.
    assert!(errors > 20, "only {errors} hold errors in 300 flows");
    assert!(clean > 20, "only {clean} flows without a hold diagnostic");
}

/// Contacts on `channels` per calendar week (Monday 00:00 UTC), for a run
/// of the machine with its policy that starts on `start`.
fn contacts_per_week(
    m: &Machine,
    account: &Account,
    channels: ChannelSet,
    start: DateTime<Utc>,
) -> std::collections::BTreeMap<chrono::NaiveDate, usize> {
    use chrono::Datelike;
    let mut inst = Instance::new();
    let mut weeks = std::collections::BTreeMap::new();
    let mut take = |o: dun_runtime::engine::Outcome| {
        for a in o.actions {
            let ch = match &a.kind {
                ActionKind::Call { .. } => Some(dun_runtime::format::Channel::Call),
                ActionKind::Send { channel, .. } => Some(*channel),
                _ => None,
            };
            if ch.is_some_and(|c| channels.contains(c)) {
                let day = a.at.date_naive();
                let monday =
                    day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()));
                *weeks.entry(monday).or_insert(0) += 1;
            }
        }
    };
    take(step(m, &mut inst, account, Input::Enrol, start));
    for _ in 0..500 {
        let Some(due) = inst.next_due() else { break };
        take(step(m, &mut inst, account, Input::Timer, due));
    }
    weeks
}

#[test]
fn the_engine_keeps_every_calendar_week_under_its_cap_whatever_day_a_run_starts() {
    let mut weeks_seen = 0;
    for seed in 0..400u64 {
        let src = random_flow(seed);
        if !src.contains("per calendar week") {
            continue;
        }
        let a = analyze(None, &src);
        let m = crate::lower::lower(&a.file, &a.model).expect("a checked flow lowers");
        let cap = m.policy.ext.week_caps[0].clone();
        let mut values: Vec<(String, Value)> = vec![
            ("name".into(), Value::Text("Ann".into())),
            ("mobile".into(), Value::Text("+15550100".into())),
        ];
        for f in 0..FIELDS {
            values.push((format!("f{f}"), Value::Bool((seed >> f) & 1 == 1)));
        }
        let account = Account::new(
            &m,
            "acct-1",
            values.iter().map(|(k, v)| (k.as_str(), v.clone())),
        )
        .unwrap();
        // Every day of a week, so that some runs cross a week's end early.
        let start = Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap()
            + chrono::Duration::days((seed % 7) as i64);
        for (monday, n) in contacts_per_week(&m, &account, cap.channels, start) {
            weeks_seen += 1;
            assert!(
                n <= cap.count as usize,
                "seed {seed}: {n} contacts in the week of {monday}, the cap allows {}\n{src}",
                cap.count
            );
        }
    }
    assert!(weeks_seen > 50, "only {weeks_seen} weeks with contacts");
}

#[test]
fn a_never_open_error_is_exactly_a_call_the_engine_suppresses() {
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let (mut errors, mut clean) = (0, 0);
    for (d, day) in days.iter().enumerate() {
        for closed in [d, (d + 1) % 7] {
            let src = format!(
                "flow windows\ncurrency USD\naccount {{\n  name: text\n  mobile: phone?\n}}\n\
                 policy {{\n  contact_hours calls {} 09:00 to 15:00\n  no_contact on {}\n}}\n\
                 start a\nstage a {{\n  wait 1 day\n  call queue agents\n  wait 1 day\n  end done\n}}\n",
                &day[..3],
                days[closed]
            );
            let a = analyze(None, &src);
            let reported = a.diagnostics.iter().any(|d| d.code == super::NEVER_OPEN);
            let m = crate::lower::lower(&a.file, &a.model).expect("the flow lowers");
            let account =
                Account::new(&m, "acct-1", [("name", Value::Text("Ann".into()))]).unwrap();
            let mut inst = Instance::new();
            let start = Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap();
            let mut suppressed = false;
            let mut note = |o: dun_runtime::engine::Outcome| {
                suppressed |= o.audit.iter().any(|a| {
                    matches!(
                        a.reason(),
                        Some(dun_runtime::engine::Reason::NoMoment { .. })
                    )
                });
            };
            note(step(&m, &mut inst, &account, Input::Enrol, start));
            for _ in 0..50 {
                let Some(due) = inst.next_due() else { break };
                note(step(&m, &mut inst, &account, Input::Timer, due));
            }
            assert_eq!(reported, suppressed, "{src}");
            if reported {
                errors += 1;
            } else {
                clean += 1;
            }
        }
    }
    assert_eq!((errors, clean), (7, 7));
}

/// Contacts on `channels` of several accounts of one person, each run on
/// its timers alone; `interleaved` steps them together in time order (as
/// flow tests do), else each to its end before the next (as `dun run`
/// does within one run).
fn person_contacts(
    m: &Machine,
    accounts: &[(Account, DateTime<Utc>)],
    channels: ChannelSet,
    interleaved: bool,
) -> Vec<DateTime<Utc>> {
    use dun_runtime::engine::{step_person, Person};
    let mut person = Person::default();
    let mut insts: Vec<Instance> = accounts.iter().map(|_| Instance::new()).collect();
    let mut out = Vec::new();
    let mut take = |o: dun_runtime::engine::Outcome| {
        for a in o.actions {
            if a.kind.channel().is_some_and(|c| channels.contains(c)) {
                out.push(a.at);
            }
        }
    };
    if interleaved {
        let mut started = vec![false; accounts.len()];
        for _ in 0..4000 {
            let next = (0..accounts.len())
                .filter_map(|i| {
                    let due = if started[i] {
                        insts[i].next_due()?
                    } else {
                        accounts[i].1
                    };
                    Some((due, i))
                })
                .min();
            let Some((due, i)) = next else { break };
            let input = if started[i] {
                Input::Timer
            } else {
                started[i] = true;
                Input::Enrol
            };
            take(step_person(
                m,
                &mut insts[i],
                &accounts[i].0,
                &mut person,
                input,
                due,
            ));
        }
    } else {
        for (i, (account, start)) in accounts.iter().enumerate() {
            let inst = &mut insts[i];
            take(step_person(
                m,
                inst,
                account,
                &mut person,
                Input::Enrol,
                *start,
            ));
            for _ in 0..500 {
                let Some(due) = inst.next_due() else { break };
                take(step_person(
                    m,
                    inst,
                    account,
                    &mut person,
                    Input::Timer,
                    due,
                ));
            }
        }
    }
    out.sort_unstable();
    out
}

#[test]
fn the_engine_keeps_a_persons_accounts_together_under_every_cap_in_either_order() {
    use chrono::Datelike;
    let mut contacts_seen = 0;
    for seed in 0..200u64 {
        // The random flow's policy, counted per person.
        let src = random_flow(seed).replace("policy {\n", "policy {\n  person account.name\n");
        let a = analyze(None, &src);
        let m = crate::lower::lower(&a.file, &a.model).expect("a checked flow lowers");
        let accounts: Vec<(Account, DateTime<Utc>)> = (0..4u64)
            .map(|k| {
                let mut values: Vec<(String, Value)> = vec![
                    ("name".into(), Value::Text("Ann".into())),
                    ("mobile".into(), Value::Text("+15550100".into())),
                ];
                for f in 0..FIELDS {
                    values.push((format!("f{f}"), Value::Bool(((seed + k) >> f) & 1 == 1)));
                }
                let account = Account::new(
                    &m,
                    format!("acct-{k}"),
                    values.iter().map(|(k, v)| (k.as_str(), v.clone())),
                )
                .unwrap();
                // Entering hours and days apart, some runs across a week's
                // end.
                let start = Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap()
                    + chrono::Duration::hours(((seed * 7 + k * 29) % 120) as i64);
                (account, start)
            })
            .collect();
        for interleaved in [true, false] {
            if let Some(cap) = m.policy.caps.first() {
                let times = person_contacts(&m, &accounts, cap.channels, interleaved);
                contacts_seen += times.len();
                let n = cap.count as usize;
                for w in times.windows(n + 1) {
                    let end = dun_runtime::time::add(w[0], cap.window, chrono_tz::Tz::UTC, None)
                        .expect("in range");
                    assert!(
                        w[n] >= end,
                        "seed {seed} (interleaved: {interleaved}): {} contacts from {} to {}, the cap allows {n} per {}\n{src}",
                        n + 1,
                        w[0],
                        w[n],
                        cap.window
                    );
                }
            }
            if let Some(cap) = m.policy.ext.week_caps.first() {
                let times = person_contacts(&m, &accounts, cap.channels, interleaved);
                contacts_seen += times.len();
                let mut weeks = std::collections::BTreeMap::new();
                for t in &times {
                    let day = t.date_naive();
                    let monday = day
                        - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()));
                    *weeks.entry(monday).or_insert(0usize) += 1;
                }
                for (monday, n) in weeks {
                    assert!(
                        n <= cap.count as usize,
                        "seed {seed} (interleaved: {interleaved}): {n} contacts to the person in the week of {monday}, the cap allows {}\n{src}",
                        cap.count
                    );
                }
            }
        }
    }
    assert!(contacts_seen > 1000, "only {contacts_seen} contacts");
}
