//! Placement with an agency for a period: `assign agency "X" for 90 days`
//! recalls the account when the period ends, an event the flow handles.
//! 2026-03-02 is a Monday.

mod common;

use common::flow_text::{failures, reports};
use dun_runtime::testing::TestReport;

fn run(flow: &str) -> Vec<TestReport> {
    reports(flow).1
}

const FLOW: &str = r#"flow placed
currency USD
account { name: text
  email: email }
template back for email { subject "Your account" body "Your account is back with us" }
start collect
stage collect {
  wait 5 days
  assign agency "Acme Recovery" for 90 days
  wait 365 days
  end written_off
}
on agency_recalled -> in_house
stage in_house {
  send email back
  end recalled_from {event.agency}
}
"#;

#[test]
fn an_account_placed_for_90_days_is_recalled_and_the_flow_handles_it() {
    let flow = FLOW.replace(
        "  end recalled_from {event.agency}\n",
        "  wait 30 days\n  end unpaid\n",
    );
    let reports = run(&format!(
        r#"{flow}
test "placed on day 5, recalled on day 95" {{
  given account {{ name: "Ann", email: "ann@example.com" }}
  start at 2026-03-02 09:00
  on day 5 expect assigned agency "Acme Recovery"
  on day 94 expect stage collect
  on day 95 expect recalled agency "Acme Recovery"
  on day 95 expect sent email back
  on day 95 expect stage in_house
}}
"#
    ));
    assert!(reports[0].passed, "{:#?}", failures(&reports[0]));
    // The recall is an action of its own in the trace.
    assert!(reports[0]
        .trace
        .iter()
        .any(|t| t.day == 95 && t.text == "recalled agency \"Acme Recovery\""));
}

#[test]
fn an_expected_recall_that_does_not_come_fails_with_when_it_did() {
    let flow = FLOW.replace(
        "  end recalled_from {event.agency}\n",
        "  wait 30 days\n  end unpaid\n",
    );
    let reports = run(&format!(
        r#"{flow}
test "the recall is on day 95, not 90" {{
  given account {{ name: "Ann", email: "ann@example.com" }}
  start at 2026-03-02 09:00
  on day 90 expect recalled agency "Acme Recovery"
}}
"#
    ));
    assert!(!reports[0].passed);
    let msg = &reports[0].results[0].message;
    assert!(msg.contains("happened on day 95"), "{msg}");
}

#[test]
fn the_recall_event_carries_the_agency_and_a_new_placement_replaces_the_old() {
    let reports = run(r#"flow placed
currency USD
account { name: text }
start collect
var recalled_from: text = ""
stage collect {
  assign agency "First" for 30 days
  wait 10 days
  assign agency "Second" for 30 days
  wait 100 days
  end done
}
on agency_recalled {
  set recalled_from = event.agency
}
test "the second placement's recall is the only one" {
  given account { name: "Ann" }
  start at 2026-03-02 09:00
  on day 0 expect assigned agency "First"
  on day 10 expect assigned agency "Second"
  on day 30 expect recalled_from == ""
  on day 40 expect recalled agency "Second"
  on day 40 expect recalled_from == "Second"
}
"#);
    assert!(reports[0].passed, "{:#?}", failures(&reports[0]));
}
