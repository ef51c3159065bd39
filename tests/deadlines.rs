//! Deadlines (`at EXPR [when COND] -> STAGE`) at run time, specified in flow
//! text as `dun test` runs it, and the ladder of issue 14 through the `dun`
//! binary with its coverage. 2026-03-02 is a Monday.

mod common;

use common::{dun, flow_text::passes, root, text};

const HEAD: &str = "flow edges\ncurrency USD\naccount { name: text\n mobile: phone\n due_date: date\n balance: money }\n";
const GIVEN: &str = "given account { name: \"Ann\", mobile: \"+15550100\", due_date: 2026-03-10, balance: 100 USD }";

fn flow(body: &str) -> String {
    format!("{HEAD}{body}").replace("GIVEN", GIVEN)
}

#[test]
fn a_stage_deadline_is_armed_again_at_every_entry_of_its_stage() {
    passes(&flow(
        r#"template nudge for sms "Please pay"
event call_back
var visits: number = 0
var check_on: date = today + 2 days
start watch
on call_back {
  set check_on = today + 2 days
  goto watch
}
stage watch {
  at check_on -> late
  set visits = visits + 1
  wait 30 days
  end quiet
}
stage late {
  send sms nudge
  wait 30 days
  end late
}
test "each visit has its own two days" {
  GIVEN
  start at 2026-03-02 10:00
  on day 1 expect stage watch
  on day 2 expect stage late
  on day 2 expect sent sms nudge
  on day 5 at 11:00 receive call_back
  on day 5 expect visits == 2
  on day 6 expect stage watch
  on day 7 expect stage late
  on day 7 expect sent sms nudge
}
"#,
    ));
}

#[test]
fn a_flow_deadline_fires_once_and_a_false_condition_spends_it() {
    passes(&flow(
        r#"template nudge for sms "Please pay"
start early
at account.due_date + 2 days when account.balance > 50 USD -> late
stage early {
  wait 60 days
  end quiet
}
stage late {
  send sms nudge
  wait 1 day
  goto early
}
test "the deadline moves the account once, then the stages run on" {
  GIVEN
  start at 2026-03-02 10:00
  on day 9 expect stage early
  on day 10 expect stage late
  on day 10 expect sent sms nudge
  on day 11 expect stage early
  on day 12 expect no sms
}
test "a balance below the condition at the moment spends the deadline" {
  GIVEN
  start at 2026-03-02 10:00
  on day 5 at 11:00 update account { balance: 20 USD }
  on day 10 expect stage early
  on day 10 at 11:00 update account { balance: 200 USD }
  on day 11 expect stage early
  on day 11 expect no sms
}
"#,
    ));
}

#[test]
fn a_deadline_a_handler_moves_into_the_past_fires_at_once() {
    passes(&flow(
        r#"template nudge for sms "Please pay"
event new_terms { due: date }
var due_on: date = today + 30 days
start early
on new_terms { set due_on = event.due }
at due_on -> late
stage early {
  wait 60 days
  end quiet
}
stage late {
  send sms nudge
  end late
}
test "a date set in the past moves the account as the event is handled" {
  GIVEN
  start at 2026-03-02 10:00
  on day 4 at 11:00 receive new_terms { due: 2026-03-01 }
  on day 4 expect sent sms nudge
  on day 4 expect end late
}
test "a date set ahead moves the account at its midnight" {
  GIVEN
  start at 2026-03-02 10:00
  on day 2 at 11:00 receive new_terms { due: 2026-03-06 }
  on day 3 expect stage early
  on day 4 expect end late
}
"#,
    ));
}

#[test]
fn the_ladder_sends_to_the_law_firm_on_day_45_with_coverage_above_80_percent() {
    let flow = root().join("tests/cases/valid/deadline_ladder.dun");
    let flow = flow.display().to_string();
    let out = dun(&["test", "--coverage", "--min-coverage", "80", &flow]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("PASS loaded 40 days late, the law firm still on day 45"),
        "{stdout}"
    );
    assert!(stdout.contains("transitions"), "{stdout}");
}
