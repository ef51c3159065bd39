//! Contact hours in two zones: `contact_hours ... in account.timezone and
//! account.phone_timezone` lets a contact go only at a moment inside the
//! hours in both (Regulation F: convenient in every place the consumer may
//! be). 2026-03-02 is a Monday; New York is UTC-5 and Los Angeles UTC-8
//! until 2026-03-08.

mod common;

use common::flow_text::failures;
use dun_runtime::testing::{TestReport, TraceKind};

/// Every test's report; the flow must check clean.
fn run(flow: &str) -> Vec<TestReport> {
    common::flow_text::reports(flow).1
}

/// The `HH:MM` (in the test's zone) and day of each call.
fn calls(report: &TestReport) -> Vec<(u32, String)> {
    report
        .trace
        .iter()
        .filter(|t| t.kind == TraceKind::Action && t.text.starts_with("call"))
        .map(|t| (t.day, t.time.clone()))
        .collect()
}

fn audit(report: &TestReport) -> Vec<String> {
    report
        .trace
        .iter()
        .filter(|t| matches!(t.kind, TraceKind::Audit(_)))
        .map(|t| t.text.clone())
        .collect()
}

const FLOW: &str = r#"flow calls
currency USD
account {
  name: text
  timezone: timezone
  phone_timezone: timezone
}
policy {
  contact_hours HOURS in account.timezone and account.phone_timezone
}
start a
stage a {
  call queue agents
  wait 1 day
  call queue agents
  wait 1 day
  end done
}
"#;

fn flow(hours: &str, test: &str) -> String {
    format!("{}{test}", FLOW.replace("HOURS", hours))
}

#[test]
fn a_call_waits_until_the_hours_hold_in_both_zones() {
    let reports = run(&flow(
        "08:00 to 21:00",
        r#"test "a New York consumer with a Los Angeles phone" {
  given account { name: "Ann", timezone: "America/New_York", phone_timezone: "America/Los_Angeles" }
  start at 2026-03-02 09:00 in "America/New_York"
  on day 0 expect call queue agents
  on day 1 expect call queue agents
}
"#,
    ));
    assert!(reports[0].passed, "{:#?}", failures(&reports[0]));
    // 09:00 in New York is 06:00 in Los Angeles: held until 08:00 there,
    // 11:00 in New York; the next call a day after the first went.
    assert_eq!(
        calls(&reports[0]),
        vec![(0, "11:00".to_string()), (1, "11:00".to_string())]
    );
    let held = audit(&reports[0]);
    assert!(
        held.iter()
            .any(|l| l.contains("America/Los_Angeles") && l.contains("second zone")),
        "{held:#?}"
    );
}

#[test]
fn one_zone_given_twice_is_the_hours_of_that_zone() {
    let reports = run(&flow(
        "08:00 to 21:00",
        r#"test "both zones New York" {
  given account { name: "Ann", timezone: "America/New_York", phone_timezone: "America/New_York" }
  start at 2026-03-02 09:00 in "America/New_York"
  on day 0 expect call queue agents
}
"#,
    ));
    assert!(reports[0].passed, "{:#?}", failures(&reports[0]));
    assert_eq!(calls(&reports[0])[0], (0, "09:00".to_string()));
}

#[test]
fn the_late_zone_closes_the_evening_of_the_early_one() {
    // 19:00 in Los Angeles is 22:00 in New York, closed there: the next
    // moment in both is 08:00 in Los Angeles (11:00 in New York) the next
    // day.
    let reports = run(&flow(
        "08:00 to 21:00",
        r#"test "entering in the evening" {
  given account { name: "Ann", timezone: "America/Los_Angeles", phone_timezone: "America/New_York" }
  start at 2026-03-02 19:00 in "America/Los_Angeles"
  on day 0 expect no calls
  on day 1 expect call queue agents
}
"#,
    ));
    assert!(reports[0].passed, "{:#?}", failures(&reports[0]));
    assert_eq!(calls(&reports[0])[0], (1, "08:00".to_string()));
}

#[test]
fn zones_whose_hours_never_meet_suppress_the_contact_with_the_reason() {
    let reports = run(&flow(
        "09:00 to 17:00",
        r#"test "a Los Angeles consumer with a phone from Kolkata" {
  given account { name: "Ann", timezone: "America/Los_Angeles", phone_timezone: "Asia/Kolkata" }
  start at 2026-03-02 09:00 in "America/Los_Angeles"
  on day 0 expect no calls
  on day 2 expect end done
}
"#,
    ));
    assert!(reports[0].passed, "{:#?}", failures(&reports[0]));
    let lines = audit(&reports[0]);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("in both America/Los_Angeles and Asia/Kolkata")),
        "{lines:#?}"
    );
}

#[test]
fn per_weekday_hours_hold_in_both_zones() {
    // Saturday 09:00 to 13:00 in both: New York 12:00 to 13:00.
    let reports = run(&flow(
        "mon-fri 08:00 to 21:00, sat 09:00 to 13:00",
        r#"test "a Saturday call" {
  given account { name: "Ann", timezone: "America/New_York", phone_timezone: "America/Los_Angeles" }
  start at 2026-03-07 08:00 in "America/New_York"
  on day 0 expect call queue agents
}
"#,
    ));
    assert!(reports[0].passed, "{:#?}", failures(&reports[0]));
    assert_eq!(calls(&reports[0])[0], (0, "12:00".to_string()));
}

#[test]
fn the_second_zone_survives_build_and_the_json_view() {
    let src = FLOW.replace("HOURS", "08:00 to 21:00");
    let analysis = dun_compiler::analyze(None, &src);
    let m = dun_compiler::lower::lower(&analysis.file, &analysis.model).unwrap();
    assert!(m.second_zone.is_some());
    let bytes = dun_runtime::format::encode(&m);
    assert_eq!(dun_runtime::format::decode(&bytes).unwrap(), m);
    assert_eq!(
        dun_runtime::format::Machine::from_json(&m.to_json()).unwrap(),
        m
    );
    // `dun fmt` keeps both zones.
    let formatted = dun_compiler::fmt::format(&src).unwrap();
    assert!(
        formatted.contains("in account.timezone and account.phone_timezone"),
        "{formatted}"
    );
}
