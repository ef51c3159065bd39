//! The engine at its edges, specified in flow text: each flow below is
//! checked, compiled and its `test` blocks run on the simulated clock, as
//! `dun test` does. They double as specifications of the language's
//! run-time behaviour. 2026-03-02 is a Monday.

mod common;

use common::flow_text::passes_unverified as passes;

const ACCOUNT: &str =
    "account { name: text\n mobile: phone\n email: email\n timezone: timezone }\n";
const GIVEN: &str = "given account { name: \"Ann\", mobile: \"+15550100\", email: \"ann@example.com\", timezone: \"America/New_York\" }";

fn flow(body: &str) -> String {
    format!("flow edges\ncurrency USD\n{ACCOUNT}{body}").replace("GIVEN", GIVEN)
}

#[test]
fn a_contact_due_on_a_saturday_with_the_weekend_closed_goes_on_monday() {
    passes(&flow(
        r#"template nudge for sms "Please pay"
policy {
  contact_hours 08:00 to 21:00
  no_contact on saturday, sunday
}
start a
stage a {
  wait 1 day
  send sms nudge
  end done
}
test "friday's wait ends on saturday; the text waits for monday" {
  GIVEN
  start at 2026-03-06 09:00
  on day 1 expect no sms
  on day 2 expect no sms
  on day 3 expect sent sms nudge
  on day 3 expect end done
}
"#,
    ));
}

#[test]
fn an_evening_start_west_of_utc_counts_hours_and_days_in_the_account_zone() {
    passes(&flow(
        r#"template hello for email { subject "Hi" body "Hello {account.name}" }
policy { contact_hours 08:00 to 21:00 in account.timezone }
start a
stage a {
  send email hello
  end done
}
test "at 20:30 in Los Angeles it is already tomorrow in UTC, but still today for the account" {
  given account { name: "Ann", mobile: "+15550100", email: "ann@example.com", timezone: "America/Los_Angeles" }
  start at 2026-03-02 20:30 in "America/Los_Angeles"
  on day 0 expect sent email hello
}
test "at 21:30 the email waits for 08:00 the next morning" {
  given account { name: "Ann", mobile: "+15550100", email: "ann@example.com", timezone: "America/Los_Angeles" }
  start at 2026-03-02 21:30 in "America/Los_Angeles"
  on day 0 expect no email
  on day 1 expect sent email hello
}
"#,
    ));
}

#[test]
fn the_eighth_call_in_seven_days_waits_until_the_first_has_aged_out() {
    passes(&flow(
        r#"policy { at_most 7 calls per 7 days }
start a
stage a {
  repeat 8 times {
    call queue agents
    wait 12 hours
  }
  end done
}
test "seven calls in three and a half days, the eighth a week after the first" {
  GIVEN
  start at 2026-03-02 09:00
  on day 3 expect call queue agents
  on day 4 expect no calls
  on day 6 expect no calls
  on day 7 expect call queue agents
  on day 7 expect end done
}
"#,
    ));
}

#[test]
fn an_answered_call_pauses_calls_for_seven_days_and_a_missed_one_does_not() {
    passes(&flow(
        r#"event call_outcome { result: answered | no_answer }
policy { pause calls for 7 days after call_outcome when event.result == answered }
start a
stage a {
  call queue agents
  wait 2 days
  call queue agents
  end done
}
test "a conversation on day 1 holds the next call until day 8" {
  GIVEN
  start at 2026-03-02 09:00
  on day 1 receive call_outcome { result: answered }
  on day 2 expect no calls
  on day 8 expect call queue agents
}
test "no answer does not pause" {
  GIVEN
  start at 2026-03-02 09:00
  on day 1 receive call_outcome { result: no_answer }
  on day 2 expect call queue agents
}
"#,
    ));
}

#[test]
fn a_cease_request_mid_wait_suppresses_later_contacts_and_the_flow_carries_on() {
    passes(&flow(
        r#"event cease_contact
template nudge for sms "Please pay"
policy { stop contact on cease_contact }
start a
stage a {
  send sms nudge
  wait 5 days
  send sms nudge
  wait 1 day
  end done
}
test "after the cease request nothing is sent, and the flow still ends" {
  GIVEN
  start at 2026-03-02 09:00
  on day 0 expect sent sms nudge
  on day 2 receive cease_contact
  on day 5 expect no contact
  on day 6 expect end done
}
"#,
    ));
}

#[test]
fn two_business_days_skip_a_holiday_and_the_weekend() {
    passes(&flow(
        r#"calendar bank {
  weekend saturday, sunday
  holiday 2026-04-03
}
template nudge for sms "Please pay"
start a
stage a {
  wait 2 business days
  send sms nudge
  end done
}
test "from Thursday before Good Friday, two business days is Tuesday" {
  GIVEN
  start at 2026-04-02 09:00
  on day 4 expect no sms
  on day 5 expect sent sms nudge
}
"#,
    ));
}

#[test]
fn a_month_from_january_31_is_the_last_day_of_february() {
    passes(&flow(
        r#"template nudge for sms "Please pay"
start a
stage a {
  wait 1 month
  send sms nudge
  end done
}
test "january 31 plus a month" {
  GIVEN
  start at 2026-01-31 09:00
  on day 27 expect no sms
  on day 28 expect sent sms nudge
}
"#,
    ));
}

#[test]
fn a_wait_across_the_spring_dst_change_resumes_at_the_same_local_hour() {
    passes(&flow(
        r#"event ping
template hello for email { subject "Hi" body "Hello" }
policy { contact_hours 08:00 to 21:00 in "America/New_York" }
on ping -> pinged
start a
stage a {
  wait 3 days
  send email hello
  end done
}
stage pinged { end pinged }
test "three days from Friday 09:00 is Monday 09:00 local, not 10:00" {
  GIVEN
  start at 2026-03-06 09:00 in "America/New_York"
  on day 3 at 09:30 receive ping
  on day 3 expect sent email hello
  on day 3 expect end done
}
"#,
    ));
}

#[test]
fn a_stage_handler_shadows_the_flow_handler_for_the_same_event() {
    passes(&flow(
        r#"event dispute
on dispute -> disputed
start a
stage a {
  on dispute -> reviewed_here
  wait 10 days
  goto b
}
stage b {
  wait 10 days
  end done
}
stage reviewed_here { end reviewed }
stage disputed { end disputed }
test "in stage a the stage's handler runs" {
  GIVEN
  start at 2026-03-02 09:00
  on day 1 receive dispute
  on day 1 expect end reviewed
}
test "in stage b the flow's handler runs" {
  GIVEN
  start at 2026-03-02 09:00
  on day 11 receive dispute
  on day 11 expect end disputed
}
"#,
    ));
}

#[test]
fn a_70_30_split_holds_within_a_percent_over_10000_accounts() {
    let text = flow(
        "start a\nstage a { split {\n 70% -> champion\n 30% -> challenger\n } }\nstage champion { end champion }\nstage challenger { end challenger }\n",
    );
    let analysis = dun_compiler::analyze(None, &text);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    let machine = dun_compiler::lower::lower(&analysis.file, &analysis.model).unwrap();
    let start = chrono::DateTime::from_timestamp(1_772_442_000, 0).unwrap();
    let mut champions = 0;
    for n in 0..10_000 {
        let account = dun_runtime::Account::new(
            &machine,
            format!("ACC-{n:06}"),
            [
                ("name", dun_runtime::Value::Text("Ann".into())),
                ("mobile", dun_runtime::Value::Text("+15550100".into())),
                ("email", dun_runtime::Value::Text("a@b.c".into())),
                ("timezone", dun_runtime::Value::Text("UTC".into())),
            ],
        )
        .unwrap();
        let mut instance = dun_runtime::Instance::new();
        dun_runtime::step(
            &machine,
            &mut instance,
            &account,
            dun_runtime::Input::Enrol,
            start,
        );
        if machine.str(instance.outcome) == "champion" {
            champions += 1;
        }
    }
    assert!(
        (6_900..=7_100).contains(&champions),
        "{champions} of 10000 took the 70% arm"
    );
}

#[test]
fn a_hold_until_an_event_keeps_a_handlers_queued_email_until_the_event() {
    // The debtor of the issue: a promise at 21:15 queues an email for
    // 08:00; hardship at 21:30 holds every contact until it ends.
    passes(&flow(
        r#"event promise
event hardship
event hardship_ended
template ack for email { subject "Thanks" body "We got your promise" }
template nudge for sms "Please pay"
policy {
  contact_hours 08:00 to 21:00 in account.timezone
  pause contact after hardship until hardship_ended
}
on promise { send email ack }
on hardship -> quiet
start a
stage a {
  send sms nudge
  wait 10 days
  end done
}
stage quiet {
  on hardship_ended -> a
  wait 60 days
  end closed
}
test "no email the next morning; it goes when the hardship ends" {
  GIVEN
  start at 2026-03-02 09:00 in "America/New_York"
  on day 0 expect sent sms nudge
  on day 0 at 21:15 receive promise
  on day 0 at 21:30 receive hardship
  on day 1 expect no email
  on day 2 expect no contact
  on day 3 at 10:00 receive hardship_ended
  on day 3 expect sent email ack
  on day 3 expect sent sms nudge
}
test "without the hardship the email goes at 08:00" {
  GIVEN
  start at 2026-03-02 09:00 in "America/New_York"
  on day 0 at 21:15 receive promise
  on day 1 expect sent email ack
}
"#,
    ));
}

#[test]
fn a_dispute_hold_ends_on_its_event_or_after_its_longest_duration() {
    passes(&flow(
        r#"event dispute
event dispute_resolved
template nudge for sms "Please pay"
policy {
  pause sms after dispute until dispute_resolved for at most 10 days
}
start a
stage a {
  send sms nudge
  wait 2 days
  send sms nudge
  wait 30 days
  end done
}
test "the resolution on day 4 lets the held reminder go that day" {
  GIVEN
  start at 2026-03-02 09:00
  on day 1 receive dispute
  on day 2 expect no sms
  on day 3 expect no sms
  on day 4 receive dispute_resolved
  on day 4 expect sent sms nudge
}
test "with no resolution the reminder goes when the 10 days are over" {
  GIVEN
  start at 2026-03-02 09:00
  on day 1 receive dispute
  on day 10 expect no sms
  on day 11 expect sent sms nudge
}
test "a resolution with no dispute changes nothing" {
  GIVEN
  start at 2026-03-02 09:00
  on day 1 receive dispute_resolved
  on day 2 expect sent sms nudge
}
"#,
    ));
}

#[test]
fn saturday_hours_let_a_reminder_go_on_saturday_and_sunday_stays_closed() {
    passes(&flow(
        r#"event ping
template nudge for sms "Please pay"
template hello for email { subject "Hi" body "Hello" }
policy {
  contact_hours mon-fri 08:00 to 21:00, sat 09:00 to 15:00 in account.timezone
  contact_hours email mon-sun 07:00 to 22:00
}
on ping {
  send email hello
  send sms nudge
}
start a
stage a {
  send sms nudge
  wait 1 day
  send sms nudge
  wait 1 day
  send sms nudge
  wait 10 days
  end done
}
test "Friday, Saturday at 10:00, then Sunday waits for Monday" {
  GIVEN
  start at 2026-03-06 10:00 in "America/New_York"
  on day 0 expect sent sms nudge
  on day 1 expect sent sms nudge
  on day 2 expect no sms
  on day 3 expect sent sms nudge
}
test "Saturday after 15:00 is closed for texts; emails have their own hours" {
  GIVEN
  start at 2026-03-07 15:30 in "America/New_York"
  on day 0 expect no sms
  on day 1 at 21:30 receive ping
  on day 1 expect sent email hello
  on day 1 expect no sms
  on day 2 expect sent sms nudge
}
"#,
    ));
}

#[test]
fn a_calendar_week_cap_starts_afresh_on_monday_across_a_month_end() {
    // 2026-04-30 is a Thursday; its calendar week ends on Sunday May 3.
    passes(&flow(
        r#"template nudge for sms "Please pay"
policy {
  contact_hours 08:00 to 21:00 in account.timezone
  at_most 2 sms per calendar week
}
start a
stage a {
  repeat 5 times {
    send sms nudge
    wait 1 day
  }
  end done
}
test "two texts a week, the third on Monday, whatever the month" {
  GIVEN
  start at 2026-04-30 09:00 in "America/New_York"
  on day 0 expect sent sms nudge
  on day 1 expect sent sms nudge
  on day 2 expect no sms
  on day 3 expect no sms
  on day 4 expect sent sms nudge
  on day 5 expect sent sms nudge
  on day 6 expect no sms
  on day 10 expect no sms
  on day 11 expect sent sms nudge
}
"#,
    ));
}

#[test]
fn a_hold_ends_on_its_event_even_after_the_account_left_the_flow() {
    passes(&flow(
        r#"event promise
event hardship
event hardship_ended
template ack for email { subject "Thanks" body "We got your promise" }
policy {
  contact_hours 08:00 to 21:00 in account.timezone
  pause contact after hardship until hardship_ended
}
on promise { send email ack }
on hardship -> closed
start a
stage a {
  wait 10 days
  end done
}
stage closed { end hardship }
test "the email queued before the hardship goes when it ends" {
  GIVEN
  start at 2026-03-02 09:00 in "America/New_York"
  on day 0 at 21:15 receive promise
  on day 0 at 21:30 receive hardship
  on day 0 expect end hardship
  on day 1 expect no email
  on day 2 at 10:00 receive hardship_ended
  on day 2 expect sent email ack
}
"#,
    ));
}
