//! Flow tests as a collections manager writes them.

use super::*;
use crate::format::{Channel, ChannelSet};
use crate::testkit::consumer_early;
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn ann(m: &Machine) -> Account {
    let money = |n: i64| Value::Money(Decimal::from(n));
    Account::new(
        m,
        "ann",
        [
            ("name", Value::Text("Ann Lee".into())),
            ("balance", money(12000)),
            ("minimum_due", money(300)),
            (
                "due_date",
                Value::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
            ),
            ("days_past_due", Value::Number(5.into())),
            ("risk", Value::Variant("low".into())),
            ("mobile", Value::Text("+15550100".into())),
            ("email", Value::Text("ann@example.com".into())),
            ("address", Value::Text("1 Main St, Springfield".into())),
            ("whatsapp_opt_in", Value::Bool(false)),
            ("timezone", Value::Text("America/New_York".into())),
        ],
    )
    .unwrap()
}

fn expect(day: u32, e: Expect) -> TimelineItem {
    TimelineItem {
        day,
        at: None,
        what: TestStep::Expect(e),
        span: SrcSpan::new(day, day.saturating_add(1)),
        account: 0,
    }
}

fn vip_case(m: &Machine) -> TestCase {
    let payment = m.event_index("payment").unwrap();
    let balance = m.account_field("balance").unwrap();
    TestCase {
        title: "a vip account is handed to a relationship manager in its first week".into(),
        span: SrcSpan::default(),
        account: ann(m),
        start: dt("2026-03-02 09:00"),
        zone: None,
        arms: Vec::new(),
        more: vec![],
        timeline: vec![
            expect(
                0,
                Expect::Sent {
                    channel: Channel::Email,
                    template: "first_notice".into(),
                },
            ),
            expect(
                3,
                Expect::Sent {
                    channel: Channel::Sms,
                    template: "reminder_sms".into(),
                },
            ),
            expect(7, Expect::AssignedQueue("relationship_managers".into())),
            TimelineItem {
                day: 10,
                at: None,
                what: TestStep::Update {
                    fields: vec![(balance, Value::Money(0.into()))],
                },
                span: SrcSpan::default(),
                account: 0,
            },
            TimelineItem {
                day: 10,
                at: None,
                what: TestStep::Receive {
                    event: payment,
                    payload: vec![Value::Money(12000.into())],
                },
                span: SrcSpan::default(),
                account: 0,
            },
            expect(10, Expect::End("paid".into())),
        ],
    }
}

#[test]
fn the_reference_flow_test_passes() {
    let m = consumer_early();
    let report = run_test(&m, &vip_case(&m));
    for r in &report.results {
        println!("{} {}", if r.passed { "ok  " } else { "FAIL" }, r.message);
    }
    assert!(report.passed, "{:#?}", report.results);
    assert!(report.problems.is_empty());
    assert!(report
        .trace
        .iter()
        .any(|t| t.text.starts_with("held: contact_hours")));
    assert!(report.states.len() >= 4);
    assert!(!report.transitions.is_empty());
}

#[test]
fn a_contact_on_the_wrong_day_says_when_it_went_and_why() {
    let m = consumer_early();
    let mut case = vip_case(&m);
    // 21:30 in New York: the email waits for the next morning.
    case.start = dt("2026-03-02 21:30");
    case.zone = Some("America/New_York".into());
    case.timeline = vec![expect(
        0,
        Expect::Sent {
            channel: Channel::Email,
            template: "first_notice".into(),
        },
    )];
    let report = run_test(&m, &case);
    assert!(!report.passed);
    let msg = &report.results[0].message;
    assert!(
        msg.starts_with("expected email `first_notice` on day 0; it was sent on day 1 at 08:00 because of contact_hours 08:00–21:00 America/New_York; nothing was done on day 0"),
        "{msg}"
    );
}

#[test]
fn a_skipped_contact_says_why_it_never_went() {
    let m = consumer_early();
    let mut case = vip_case(&m);
    let mobile = m.account_field("mobile").unwrap();
    case.account.fields[mobile as usize] = Value::Unset;
    case.timeline = vec![
        expect(
            3,
            Expect::Sent {
                channel: Channel::Sms,
                template: "reminder_sms".into(),
            },
        ),
        expect(3, Expect::No(ChannelSet::MESSAGES)),
        expect(3, Expect::Stage("reminders".into())),
    ];
    let report = run_test(&m, &case);
    let r = &report.results;
    assert!(!r[0].passed);
    assert!(
        r[0].message.contains("it never happened: on day 3 at 13:00, skipped: sms reminder_sms because account.mobile is not set"),
        "{}",
        r[0].message
    );
    assert!(r[1].passed, "{}", r[1].message);
    assert!(r[2].passed, "{}", r[2].message);
}

#[test]
fn state_expectations_hold_at_the_end_of_the_day() {
    let m = consumer_early();
    let promise = m.event_index("promise_to_pay").unwrap();
    let broken = m.var_index("broken_promises").unwrap();
    let mut case = vip_case(&m);
    case.timeline = vec![
        TimelineItem {
            day: 1,
            at: Some(NaiveTime::from_hms_opt(15, 0, 0).unwrap()),
            what: TestStep::Receive {
                event: promise,
                payload: vec![
                    Value::Money(300.into()),
                    Value::Date(NaiveDate::from_ymd_opt(2026, 3, 6).unwrap()),
                ],
            },
            span: SrcSpan::default(),
            account: 0,
        },
        expect(1, Expect::Stage("promised".into())),
        // Promise due on the 6th, checked two days later at 00:00 New York
        // (05:00 UTC on the 8th, day 6 of a test in UTC): still unpaid, so
        // it is broken and the account goes back to calls.
        expect(
            6,
            Expect::Var {
                var: broken,
                value: Value::Number(1.into()),
            },
        ),
        expect(6, Expect::Alert("supervisors".into())),
        expect(6, Expect::Stage("calls".into())),
        expect(5, Expect::Stage("calls".into())),
    ];
    let report = run_test(&m, &case);
    let r = &report.results;
    assert!(r[0].passed, "{}", r[0].message);
    assert!(r[1].passed, "{}", r[1].message);
    assert!(r[2].passed, "{}", r[2].message);
    assert!(r[3].passed, "{}", r[3].message);
    assert_eq!(
        r[4].message,
        "expected stage `calls` at the end of day 5; the account was in stage `promised`"
    );
}

#[test]
fn an_update_the_account_refuses_fails_the_test_with_the_reason() {
    let m = consumer_early();
    let mut case = vip_case(&m);
    let risk = m.account_field("risk").unwrap();
    case.timeline = vec![TimelineItem {
        day: 1,
        at: None,
        what: TestStep::Update {
            fields: vec![(risk, Value::Variant("extreme".into()))],
        },
        span: SrcSpan::default(),
        account: 0,
    }];
    let report = run_test(&m, &case);
    assert!(!report.passed);
    assert_eq!(
        report.problems,
        vec!["on day 1: update account: account ann: field `risk` should be one of low, medium, high, got enumeration variant `extreme`"]
    );
}

#[test]
fn a_day_beyond_a_century_is_refused_rather_than_simulated() {
    let m = consumer_early();
    let mut case = vip_case(&m);
    case.timeline = vec![expect(u32::MAX, Expect::End("paid".into()))];
    let report = run_test(&m, &case);
    assert!(!report.passed);
    assert!(
        report.problems[0].contains("more than 36600 days"),
        "{:?}",
        report.problems
    );
}
