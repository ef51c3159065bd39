//! The engine's behaviour at the edges a collections team relies on.

use super::*;
use crate::format::*;
use crate::testkit::{days, hours, Builder, S};
use crate::time::{format_local, local_to_utc};
use chrono::{NaiveDateTime, Weekday};
use chrono_tz::Tz;

fn at(tz: Tz, s: &str) -> DateTime<Utc> {
    local_to_utc(
        tz,
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
    )
}

fn utc(s: &str) -> DateTime<Utc> {
    at(Tz::UTC, s)
}

/// An account on a simulated clock, keeping every action and audit entry.
struct Sim {
    m: Machine,
    inst: Instance,
    account: Account,
    actions: Vec<Action>,
    audit: Vec<AuditEntry>,
}

impl Sim {
    fn new(m: Machine, account: Account) -> Self {
        Sim {
            m,
            inst: Instance::new(),
            account,
            actions: vec![],
            audit: vec![],
        }
    }

    fn keep(&mut self, out: Outcome) {
        self.actions.extend(out.actions);
        self.audit.extend(out.audit);
    }

    fn enrol(&mut self, now: DateTime<Utc>) {
        let out = step(&self.m, &mut self.inst, &self.account, Input::Enrol, now);
        self.keep(out);
    }

    fn run_until(&mut self, until: DateTime<Utc>) {
        while let Some(due) = self.inst.next_due() {
            if due > until {
                break;
            }
            let out = step(&self.m, &mut self.inst, &self.account, Input::Timer, due);
            self.keep(out);
        }
    }

    fn event(&mut self, event: u16, payload: Vec<Value>, now: DateTime<Utc>) {
        self.run_until(now);
        let out = step(
            &self.m,
            &mut self.inst,
            &self.account,
            Input::Event { event, payload },
            now,
        );
        self.keep(out);
    }

    fn contacts(&self) -> Vec<(String, DateTime<Utc>)> {
        self.actions
            .iter()
            .filter(|a| a.kind.channel().is_some())
            .map(|a| (a.kind.describe(&self.m), a.at))
            .collect()
    }

    fn sent_at(&self, what: &str) -> Vec<DateTime<Utc>> {
        self.contacts()
            .into_iter()
            .filter(|(d, _)| d == what)
            .map(|(_, t)| t)
            .collect()
    }

    fn audit_of(&self, kind: AuditKind) -> Vec<String> {
        self.audit
            .iter()
            .filter(|a| a.kind == kind)
            .map(|a| a.message(&self.m))
            .collect()
    }

    fn stage(&self) -> &str {
        let s = self.m.states[self.inst.state as usize].stage;
        self.m.stage_name(s)
    }
}

fn plain(b: &mut Builder, name: &str, channel: Channel) -> u16 {
    let text = vec![b.lit("Hello")];
    b.template(name, channel, text)
}

fn anonymous(m: &Machine) -> Account {
    Account::new(m, "acct-1", []).unwrap()
}

#[test]
fn a_contact_due_on_a_saturday_with_the_weekend_closed_goes_monday_and_later_waits_count_from_then()
{
    let mut b = Builder::new("weekend");
    b.hours(8, 21, ZoneSpec::Utc);
    b.m.policy.closed_weekdays =
        crate::time::weekday_bit(Weekday::Sat) | crate::time::weekday_bit(Weekday::Sun);
    let sms = plain(&mut b, "reminder_sms", Channel::Sms);
    let email = plain(&mut b, "follow_up", Channel::Email);
    let s = b.stage("reminders");
    let done = b.end("done");
    b.code(
        s,
        vec![
            S::Wait(days(5)),
            S::Send(Channel::Sms, sms, None),
            S::Wait(days(1)),
            S::Send(Channel::Email, email, None),
            S::Op(done),
        ],
    );
    let m = b.build();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    // Monday 09:00; five days later is Saturday.
    sim.enrol(utc("2026-03-02 09:00"));
    sim.run_until(utc("2026-03-20 00:00"));
    assert_eq!(
        sim.sent_at("sent sms reminder_sms"),
        vec![utc("2026-03-09 08:00")]
    );
    assert_eq!(
        sim.audit_of(AuditKind::Held),
        vec!["held: no_contact on saturday, goes 2026-03-09 08:00 (sms reminder_sms)"]
    );
    // The next wait counts from Monday 08:00, when the sms went.
    assert_eq!(
        sim.sent_at("sent email follow_up"),
        vec![utc("2026-03-10 08:00")]
    );
    assert_eq!(sim.inst.status, Status::Ended);
}

#[test]
fn an_evening_start_west_of_utc_waits_for_the_accounts_morning() {
    let mut b = Builder::new("evening");
    let tz_field = b.field("timezone", Type::Timezone, false);
    b.hours(8, 21, ZoneSpec::AccountField(tz_field));
    let email = plain(&mut b, "first_notice", Channel::Email);
    let s = b.stage("reminders");
    let done = b.end("done");
    b.code(
        s,
        vec![
            S::Send(Channel::Email, email, None),
            S::Wait(days(1)),
            S::Op(done),
        ],
    );
    let m = b.build();
    let account = Account::new(
        &m,
        "acct-ny",
        [("timezone", Value::Text("America/New_York".into()))],
    )
    .unwrap();
    let ny = chrono_tz::America::New_York;
    let mut sim = Sim::new(m, account);
    // 22:30 in New York, already 03:30 the next day in UTC.
    sim.enrol(at(ny, "2026-03-02 22:30"));
    assert!(sim.contacts().is_empty());
    assert_eq!(
        sim.audit_of(AuditKind::Held),
        vec!["held: contact_hours 08:00–21:00 America/New_York, goes 2026-03-03 08:00 (email first_notice)"]
    );
    sim.run_until(at(ny, "2026-03-10 00:00"));
    assert_eq!(
        sim.sent_at("sent email first_notice"),
        vec![at(ny, "2026-03-03 08:00")]
    );
    // `wait 1 day` counts from the morning the email went.
    assert_eq!(
        sim.actions.last().map(|a| format_local(ny, a.at)),
        Some("2026-03-04 08:00".to_string())
    );
}

fn capped_calls(gap: DurationSpec, calls: usize) -> Machine {
    let mut b = Builder::new("calls");
    b.m.policy.caps.push(Cap {
        channels: ChannelSet::CALLS,
        count: 7,
        window: days(7),
    });
    let s = b.stage("calls");
    let mut steps = vec![];
    for _ in 0..calls {
        steps.push(S::Call(Some("early_agents")));
        steps.push(S::Wait(gap));
    }
    let done = b.end("done");
    steps.push(S::Op(done));
    b.code(s, steps);
    b.build()
}

#[test]
fn the_eighth_call_in_seven_days_is_held_until_the_window_slides() {
    let m = capped_calls(hours(12), 8);
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.run_until(utc("2026-04-01 00:00"));
    let calls = sim.sent_at("call queue early_agents");
    assert_eq!(calls.len(), 8);
    // Seven calls, twelve hours apart, the last on 03-05 09:00; the eighth,
    // due 03-05 21:00, waits until the first leaves the 7-day window.
    assert_eq!(calls[6], utc("2026-03-05 09:00"));
    assert_eq!(calls[7], utc("2026-03-09 09:00"));
    assert_eq!(
        sim.audit_of(AuditKind::Held),
        vec!["held: at_most 7 calls per 7 days (already 7 since 2026-03-02 09:00), goes 2026-03-09 09:00 (call queue early_agents)"]
    );
}

#[test]
fn calls_on_days_0_to_6_then_day_7_is_accepted_because_the_window_slides() {
    let m = capped_calls(days(1), 8);
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.run_until(utc("2026-04-01 00:00"));
    let calls = sim.sent_at("call queue early_agents");
    assert_eq!(calls.len(), 8);
    assert_eq!(calls[7], utc("2026-03-09 09:00"));
    assert!(sim.audit_of(AuditKind::Held).is_empty());
}

#[test]
fn automated_voice_calls_count_against_a_calls_cap() {
    let mut b = Builder::new("voice");
    b.m.policy.caps.push(Cap {
        channels: ChannelSet::CALLS,
        count: 1,
        window: days(7),
    });
    let voice = plain(&mut b, "robo", Channel::Voice);
    let s = b.stage("s");
    let done = b.end("done");
    b.code(
        s,
        vec![
            S::Send(Channel::Voice, voice, None),
            S::Call(None),
            S::Op(done),
        ],
    );
    let m = b.build();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.run_until(utc("2026-04-01 00:00"));
    assert_eq!(sim.sent_at("call"), vec![utc("2026-03-09 09:00")]);
}

fn pause_flow() -> (Machine, u16) {
    let mut b = Builder::new("pause");
    let result = b.enum_type(&["answered", "no_answer"]);
    let ev = b.event("call_outcome", vec![("result", result)]);
    let answered = b.variant("answered");
    b.m.policy.pauses.push(Pause {
        channels: ChannelSet::CALLS,
        duration: days(7),
        event: ev,
        when: Some(vec![Instr::Event(0), answered, Instr::Eq]),
    });
    let s = b.stage("calls");
    let done = b.end("done");
    b.code(
        s,
        vec![S::Call(None), S::Wait(days(1)), S::Call(None), S::Op(done)],
    );
    (b.build(), ev)
}

#[test]
fn a_pause_after_an_answered_call_holds_the_next_call_for_seven_days() {
    let (m, ev) = pause_flow();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.event(
        ev,
        vec![Value::Variant("answered".into())],
        utc("2026-03-02 12:00"),
    );
    sim.run_until(utc("2026-04-01 00:00"));
    assert_eq!(
        sim.sent_at("call"),
        vec![utc("2026-03-02 09:00"), utc("2026-03-09 12:00")]
    );
    assert_eq!(
        sim.audit_of(AuditKind::Paused),
        vec!["pause calls for 7 days after call_outcome: until 2026-03-09 12:00"]
    );
}

#[test]
fn an_unanswered_call_does_not_pause_calls() {
    let (m, ev) = pause_flow();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.event(
        ev,
        vec![Value::Variant("no_answer".into())],
        utc("2026-03-02 12:00"),
    );
    sim.run_until(utc("2026-04-01 00:00"));
    assert_eq!(
        sim.sent_at("call"),
        vec![utc("2026-03-02 09:00"), utc("2026-03-03 09:00")]
    );
}

#[test]
fn a_cease_request_mid_wait_suppresses_later_contact_and_the_flow_carries_on() {
    let mut b = Builder::new("cease");
    let ev = b.event("cease_contact", vec![]);
    b.m.policy.stops.push(Stop {
        channels: ChannelSet::CONTACT,
        event: ev,
        when: None,
    });
    let email = plain(&mut b, "first_notice", Channel::Email);
    let sms = plain(&mut b, "reminder_sms", Channel::Sms);
    let s = b.stage("reminders");
    let q = b.sym("disputes");
    let done = b.end("escalated");
    b.code(
        s,
        vec![
            S::Send(Channel::Email, email, None),
            S::Wait(days(3)),
            S::Send(Channel::Sms, sms, None),
            S::Call(None),
            S::Op(Op::AssignQueue {
                queue: q,
                priority: Priority::High,
            }),
            S::Op(done),
        ],
    );
    let m = b.build();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.event(ev, vec![], utc("2026-03-03 10:00"));
    sim.run_until(utc("2026-04-01 00:00"));
    assert_eq!(sim.contacts().len(), 1, "only the email before the request");
    assert_eq!(sim.audit_of(AuditKind::Suppressed).len(), 2);
    assert!(sim.audit_of(AuditKind::Suppressed)[0].contains("sms reminder_sms"));
    assert!(sim
        .actions
        .iter()
        .any(|a| a.kind.describe(&sim.m) == "assigned queue disputes"
            && a.at == utc("2026-03-05 09:00")));
    assert_eq!(sim.inst.status, Status::Ended);
    assert_eq!(sim.m.str(sim.inst.outcome), "escalated");
}

#[test]
fn two_business_days_across_a_holiday_skip_it_and_the_weekend() {
    let mut b = Builder::new("bizdays");
    let bank = b.calendar("bank", &[Weekday::Sat, Weekday::Sun], &["2026-12-25"]);
    b.m.default_calendar = Some(bank);
    let s = b.stage("calls");
    let done = b.end("done");
    b.code(
        s,
        vec![
            S::Wait(DurationSpec::new(2, DurationUnit::BusinessDays)),
            S::Call(None),
            S::Op(done),
        ],
    );
    let m = b.build();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    // Thursday; Friday is Christmas.
    sim.enrol(utc("2026-12-24 09:00"));
    sim.run_until(utc("2027-01-31 00:00"));
    assert_eq!(sim.sent_at("call"), vec![utc("2026-12-29 09:00")]);
}

#[test]
fn a_month_from_january_31_lands_on_the_last_day_of_february() {
    let mut b = Builder::new("month");
    let s = b.stage("s");
    let done = b.end("done");
    b.code(
        s,
        vec![
            S::Wait(DurationSpec::new(1, DurationUnit::Months)),
            S::Call(None),
            S::Op(done),
        ],
    );
    let m = b.build();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-01-31 10:00"));
    sim.run_until(utc("2026-06-01 00:00"));
    assert_eq!(sim.sent_at("call"), vec![utc("2026-02-28 10:00")]);
}

#[test]
fn a_wait_across_a_daylight_saving_change_resumes_at_the_same_local_hour() {
    let mut b = Builder::new("dst");
    let zone = b.sym("America/New_York");
    b.hours(8, 21, ZoneSpec::Named(zone));
    let s = b.stage("s");
    let done = b.end("done");
    b.code(s, vec![S::Wait(days(1)), S::Call(None), S::Op(done)]);
    let m = b.build();
    let ny = chrono_tz::America::New_York;
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(at(ny, "2026-03-07 09:00"));
    sim.run_until(utc("2026-04-01 00:00"));
    let calls = sim.sent_at("call");
    assert_eq!(calls.len(), 1);
    assert_eq!(format_local(ny, calls[0]), "2026-03-08 09:00");
    assert_eq!(calls[0], utc("2026-03-08 13:00"));
}

#[test]
fn wait_until_a_date_resumes_at_midnight_local() {
    let mut b = Builder::new("until");
    let zone = b.sym("Europe/Madrid");
    b.hours(0, 0, ZoneSpec::Named(zone));
    let due = b.field("due_date", Type::Date, false);
    let two = b.konst(Const::Duration(days(2)));
    let s = b.stage("s");
    let done = b.end("done");
    b.code(
        s,
        vec![
            S::WaitUntil(vec![Instr::Account(due), two, Instr::Add]),
            S::Call(None),
            S::Op(done),
        ],
    );
    let m = b.build();
    let account = Account::new(
        &m,
        "a",
        [(
            "due_date",
            Value::Date(chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()),
        )],
    )
    .unwrap();
    let mut sim = Sim::new(m, account);
    sim.enrol(utc("2026-03-02 09:00"));
    sim.run_until(utc("2026-04-01 00:00"));
    let madrid = chrono_tz::Europe::Madrid;
    assert_eq!(sim.sent_at("call"), vec![at(madrid, "2026-03-12 00:00")]);
}

fn handler_flow() -> (Machine, u16, u16) {
    let mut b = Builder::new("handlers");
    let dispute = b.event("dispute", vec![]);
    let promise = b.event("promise_to_pay", vec![]);
    let f = b.konst(Const::Bool(false));
    let t = b.konst(Const::Bool(true));
    let promised = b.var("promised", Type::Bool, vec![f]);
    let team = b.sym("supervisors");
    let alert_text = vec![b.lit("Promise received")];
    let reminders = b.stage("reminders");
    let calls = b.stage("calls");
    let review = b.stage("review");
    let disputed = b.stage("disputed");
    let sms = plain(&mut b, "reminder_sms", Channel::Sms);
    let end_r = b.end("reviewed");
    let end_d = b.end("disputed");
    let end_c = b.end("done");
    b.code(
        reminders,
        vec![
            S::Wait(days(3)),
            S::Send(Channel::Sms, sms, None),
            S::Op(Op::Goto(calls)),
        ],
    );
    b.code(calls, vec![S::Wait(days(10)), S::Op(end_c)]);
    b.code(review, vec![S::Op(end_r)]);
    b.code(disputed, vec![S::Op(end_d)]);
    b.handler(None, dispute, None, vec![Op::Goto(disputed)]);
    b.handler(Some(reminders), dispute, None, vec![Op::Goto(review)]);
    b.handler(
        None,
        promise,
        None,
        vec![
            Op::Set {
                var: promised,
                value: vec![t],
            },
            Op::Alert {
                team,
                text: alert_text,
            },
        ],
    );
    (b.build(), dispute, promise)
}

#[test]
fn a_stage_handler_shadows_the_flow_handler_for_the_same_event() {
    let (m, dispute, _) = handler_flow();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.event(dispute, vec![], utc("2026-03-03 09:00"));
    assert_eq!(sim.m.str(sim.inst.outcome), "reviewed");

    // In a stage without its own handler, the flow's handler runs.
    let mut other = Sim::new(m.clone(), anonymous(&m));
    other.enrol(utc("2026-03-02 09:00"));
    other.event(dispute, vec![], utc("2026-03-06 09:00"));
    assert_eq!(other.m.str(other.inst.outcome), "disputed");
}

#[test]
fn a_handler_that_does_not_interrupt_keeps_the_stages_wait() {
    let (m, _, promise) = handler_flow();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.event(promise, vec![], utc("2026-03-03 15:00"));
    assert_eq!(sim.inst.vars[0], Value::Bool(true));
    assert!(sim
        .actions
        .iter()
        .any(|a| a.kind.describe(&sim.m) == "alert supervisors"));
    assert_eq!(sim.stage(), "reminders");
    sim.run_until(utc("2026-03-20 00:00"));
    // Still three days after enrolment, not after the promise.
    assert_eq!(
        sim.sent_at("sent sms reminder_sms"),
        vec![utc("2026-03-05 09:00")]
    );
}

#[test]
fn a_handler_contact_outside_hours_is_queued_and_goes_at_the_next_allowed_moment() {
    let mut b = Builder::new("queued");
    b.hours(8, 21, ZoneSpec::Utc);
    let ev = b.event("promise_to_pay", vec![]);
    let sms = plain(&mut b, "thanks", Channel::Sms);
    let s = b.stage("s");
    let done = b.end("done");
    b.code(s, vec![S::Wait(days(30)), S::Op(done)]);
    b.handler(
        None,
        ev,
        None,
        vec![Op::Send {
            channel: Channel::Sms,
            template: sms,
            to: None,
            when: None,
            hold: None,
        }],
    );
    let m = b.build();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.event(ev, vec![], utc("2026-03-02 22:00"));
    assert_eq!(
        sim.audit_of(AuditKind::Queued),
        vec!["queued: contact_hours 08:00–21:00 UTC, goes 2026-03-03 08:00 (sms thanks)"]
    );
    sim.run_until(utc("2026-03-10 00:00"));
    assert_eq!(
        sim.sent_at("sent sms thanks"),
        vec![utc("2026-03-03 08:00")]
    );
    assert_eq!(
        sim.audit_of(AuditKind::Released),
        vec!["queued sms thanks went"]
    );
    // The stage's own wait is untouched.
    assert_eq!(sim.inst.next_due(), Some(utc("2026-04-01 09:00")));
}

#[test]
fn a_contact_to_an_unset_optional_field_is_skipped_and_audited() {
    let mut b = Builder::new("skip");
    let mobile = b.field("mobile", Type::Phone, true);
    let sms = plain(&mut b, "reminder_sms", Channel::Sms);
    let s = b.stage("s");
    let done = b.end("done");
    b.code(
        s,
        vec![S::Send(Channel::Sms, sms, Some(mobile)), S::Op(done)],
    );
    let m = b.build();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    assert!(sim.contacts().is_empty());
    assert_eq!(
        sim.audit_of(AuditKind::Skipped),
        vec!["skipped: sms reminder_sms because account.mobile is not set"]
    );
    assert_eq!(sim.inst.status, Status::Ended);

    let with = Account::new(&m, "b", [("mobile", Value::Text("+15550100".into()))]).unwrap();
    let mut sim = Sim::new(m, with);
    sim.enrol(utc("2026-03-02 09:00"));
    match &sim.actions[1].kind {
        ActionKind::Send { to, .. } => assert_eq!(to.as_deref(), Some("+15550100")),
        other => panic!("expected a send, got {other:?}"),
    }
}

#[test]
fn templates_render_their_placeholders() {
    let mut b = Builder::new("render");
    let name = b.field("name", Type::Text, false);
    let due = b.field("minimum_due", Type::Money, false);
    let body = vec![
        b.lit("Hi "),
        TextPiece::Expr(vec![Instr::Account(name)]),
        b.lit(", "),
        TextPiece::Expr(vec![Instr::Account(due)]),
        b.lit(" is overdue."),
    ];
    let t = b.template("reminder_sms", Channel::Sms, body);
    let s = b.stage("s");
    let done = b.end("done");
    b.code(s, vec![S::Send(Channel::Sms, t, None), S::Op(done)]);
    let m = b.build();
    let account = Account::new(
        &m,
        "a",
        [
            ("name", Value::Text("Ann Lee".into())),
            (
                "minimum_due",
                Value::Money(rust_decimal::Decimal::new(300, 0)),
            ),
        ],
    )
    .unwrap();
    let mut sim = Sim::new(m, account);
    sim.enrol(utc("2026-03-02 09:00"));
    match &sim.actions[1].kind {
        ActionKind::Send { text, .. } => assert_eq!(text, "Hi Ann Lee, 300.00 USD is overdue."),
        other => panic!("expected a send, got {other:?}"),
    }
}

#[test]
fn a_70_30_split_over_ten_thousand_accounts_is_within_one_percent() {
    let mut b = Builder::new("split");
    let letters = b.stage("letters");
    let agency = b.stage("agency");
    let settlement = b.stage("settlement");
    let e1 = b.end("escalated");
    let e2 = b.end("settled");
    b.code(
        letters,
        vec![S::Op(Op::Split(vec![
            SplitArm {
                share: 7000,
                stage: agency,
            },
            SplitArm {
                share: 3000,
                stage: settlement,
            },
        ]))],
    );
    b.code(agency, vec![S::Op(e1)]);
    b.code(settlement, vec![S::Op(e2)]);
    let m = b.build();
    let mut agency_count = 0;
    for i in 0..10_000 {
        let account = Account::new(&m, format!("acct-{i}"), []).unwrap();
        let mut inst = Instance::new();
        step(
            &m,
            &mut inst,
            &account,
            Input::Enrol,
            utc("2026-03-02 09:00"),
        );
        if m.str(inst.outcome) == "escalated" {
            agency_count += 1;
        }
    }
    assert!(
        (6900..=7100).contains(&agency_count),
        "{agency_count} of 10000 went to the agency"
    );
    // The same account always lands in the same arm.
    let account = Account::new(&m, "acct-42", []).unwrap();
    let outcomes: Vec<_> = (0..3)
        .map(|_| {
            let mut inst = Instance::new();
            step(
                &m,
                &mut inst,
                &account,
                Input::Enrol,
                utc("2026-03-02 09:00"),
            );
            inst.outcome
        })
        .collect();
    assert!(outcomes.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn a_replay_yields_the_same_action_ids_and_ids_are_unique() {
    let m = capped_calls(days(1), 8);
    let run = || {
        let mut sim = Sim::new(m.clone(), anonymous(&m));
        sim.enrol(utc("2026-03-02 09:00"));
        sim.run_until(utc("2026-04-01 00:00"));
        sim.actions.iter().map(|a| a.id).collect::<Vec<_>>()
    };
    let first = run();
    assert_eq!(first, run());
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.len());
}

#[test]
fn events_before_enrolment_and_after_the_end_are_ignored_with_a_reason() {
    let (m, dispute, _) = handler_flow();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.event(dispute, vec![], utc("2026-03-01 09:00"));
    assert_eq!(
        sim.audit_of(AuditKind::Ignored),
        vec!["event dispute ignored: the account has not entered the flow"]
    );
    assert_eq!(sim.inst.status, Status::NotStarted);
}

#[test]
fn an_event_whose_payload_does_not_match_is_refused_with_a_reason() {
    let (m, ev) = pause_flow();
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.event(
        ev,
        vec![Value::Variant("maybe".into())],
        utc("2026-03-02 10:00"),
    );
    let problems = sim.audit_of(AuditKind::Problem);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("should be one of answered, no_answer"),
        "{}",
        problems[0]
    );
}

#[test]
fn an_instance_is_small() {
    let size = std::mem::size_of::<Instance>();
    println!("Instance: {size} bytes inline");
    assert!(size <= 128, "Instance is {size} bytes");
    // A flow with two caps (7 calls, 2 sms) and two variables.
    let mut b = Builder::new("size");
    b.m.policy.caps.push(Cap {
        channels: ChannelSet::CALLS,
        count: 7,
        window: days(7),
    });
    b.m.policy.caps.push(Cap {
        channels: Channel::Sms.bit(),
        count: 2,
        window: days(7),
    });
    let zero = b.konst(Const::Number(rust_decimal::Decimal::ZERO));
    b.var("broken_promises", Type::Number, vec![zero]);
    b.var("promised_on", Type::Date, vec![Instr::Today]);
    let s = b.stage("s");
    b.code(s, vec![S::Wait(days(1)), S::Op(Op::Goto(s))]);
    let m = b.build();
    let mut inst = Instance::new();
    step(
        &m,
        &mut inst,
        &anonymous(&m),
        Input::Enrol,
        utc("2026-03-02 09:00"),
    );
    let heap = inst.heap_bytes();
    let vars = inst.vars.len() * std::mem::size_of::<Value>();
    println!("heap: {heap} bytes, of which variables {vars}");
    // The goal: 128 bytes with the cap ledger, the variables aside.
    assert!(
        size + heap - vars <= 128,
        "ledger and instance without variables: {}",
        size + heap - vars
    );
}

fn hold_flow(longest: Option<DurationSpec>) -> (Machine, u16, u16) {
    let mut b = Builder::new("hold");
    let dispute = b.event("dispute", vec![]);
    let resolved = b.event("dispute_resolved", vec![]);
    b.m.policy.ext.holds.push(Hold {
        channels: ChannelSet::CALLS,
        event: dispute,
        release: resolved,
        longest,
        when: None,
    });
    let s = b.stage("calls");
    let done = b.end("done");
    b.code(
        s,
        vec![S::Call(None), S::Wait(days(1)), S::Call(None), S::Op(done)],
    );
    (b.build(), dispute, resolved)
}

#[test]
fn a_hold_keeps_the_stage_at_its_call_until_its_event_and_says_so() {
    let (m, dispute, resolved) = hold_flow(None);
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.event(dispute, vec![], utc("2026-03-02 12:00"));
    sim.run_until(utc("2026-03-20 00:00"));
    assert_eq!(sim.sent_at("call"), vec![utc("2026-03-02 09:00")]);
    assert_eq!(
        sim.audit_of(AuditKind::Held),
        vec!["held: hold until dispute_resolved, goes when the hold ends (call)"]
    );
    // Due only when the releasing event comes: no timer in the far future.
    assert_eq!(sim.inst.next_due(), None);
    sim.event(resolved, vec![], utc("2026-03-20 10:00"));
    sim.run_until(utc("2026-03-21 00:00"));
    assert_eq!(
        sim.sent_at("call"),
        vec![utc("2026-03-02 09:00"), utc("2026-03-20 10:00")]
    );
    assert_eq!(
        sim.audit_of(AuditKind::Paused),
        vec!["hold of calls after dispute until dispute_resolved"]
    );
    assert_eq!(
        sim.audit_of(AuditKind::HoldEnded),
        vec!["dispute_resolved arrived: the hold of calls is over"]
    );
}

#[test]
fn a_hold_with_a_longest_duration_ends_by_itself() {
    let (m, dispute, _) = hold_flow(Some(days(10)));
    let mut sim = Sim::new(m.clone(), anonymous(&m));
    sim.enrol(utc("2026-03-02 09:00"));
    sim.event(dispute, vec![], utc("2026-03-02 12:00"));
    sim.run_until(utc("2026-04-01 00:00"));
    assert_eq!(
        sim.sent_at("call"),
        vec![utc("2026-03-02 09:00"), utc("2026-03-12 12:00")]
    );
    assert_eq!(
        sim.audit_of(AuditKind::Paused),
        vec!["hold of calls after dispute until dispute_resolved, at the latest 2026-03-12 12:00"]
    );
}
