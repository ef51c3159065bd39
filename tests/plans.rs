//! Payment plans at run time (`offer plan up to N installments every D`,
//! `plan AMOUNT in N installments every D from DATE grace D`, the built-in
//! events `installment_missed`, `plan_completed` and `plan_broken`, `pause
//! ... while plan current`, `expect plan ...`, `expect installment
//! missed`), specified in flow text as `dun test` runs it. 2026-03-02 is a
//! Monday.

mod common;

use common::flow_text::{failures_of, passes};

/// The errors of a flow, as code and message.
fn errors(flow: &str) -> Vec<(&'static str, String)> {
    dun_compiler::analyze(None, flow)
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code, d.message.clone()))
        .collect()
}

const HEAD: &str = r#"flow plans
currency USD
account { name: text
 mobile: phone
 balance: money }
event payment { amount: money }
event plan_accepted { total: money, count: number, first: date }
payments from payment.amount
template nudge for sms "Please pay"
template thanks for sms "Thank you"
"#;
const GIVEN: &str = "given account { name: \"Ann\", mobile: \"+15550100\", balance: 600 USD }";

fn flow(body: &str) -> String {
    format!("{HEAD}{body}").replace("GIVEN", GIVEN)
}

const OFFER: &str = r#"
start offer
stage offer {
  send sms nudge
  offer plan up to 6 installments every 1 month
  wait 30 days
  end unpaid
}
"#;

#[test]
fn a_range_offer_is_an_action_a_test_expects_with_its_range() {
    passes(&flow(&format!(
        r#"{OFFER}
test "up to six" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 0 expect offer plan up to 6 installments every 1 month
  on day 0 expect offer plan up to 6 installments
  on day 0 expect offer plan
}}
"#
    )));
}

#[test]
fn an_exact_expectation_does_not_match_a_range_offer() {
    let errors = errors(&flow(&format!(
        r#"{OFFER}
test "exactly six" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 0 expect offer plan 6 installments
}}
"#
    )));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].1.contains("never offers this plan"),
        "{errors:#?}"
    );
}

#[test]
fn a_range_of_one_installment_is_refused() {
    let errors = errors(&flow(
        "start s\nstage s {\n  offer plan up to 1 installments every 1 month\n  end done\n}\n",
    ));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].1.contains("not a plan"), "{errors:#?}");
}

/// 600 USD in 3 installments due on the 10th of March, April and May, 3
/// days of grace each: checked at 00:00 on March 14 (day 12), April 14
/// (day 43) and May 14 (day 73).
const PLAN: &str = r#"
on plan_accepted {
  plan event.total in event.count installments every 1 month from event.first grace 3 days
  goto on_plan
}
on installment_missed {
  send sms nudge
}
on plan_broken -> broken_plan
on plan_completed -> paid
start offer
stage offer {
  offer plan up to 6 installments every 1 month
  wait 30 days
  end unpaid
}
stage on_plan {
  send sms thanks
  wait 365 days
  end unpaid
}
stage broken_plan {
  end broken
}
stage paid {
  end paid
}
"#;

const ACCEPTED: &str = "start at 2026-03-02 10:00\n  on day 1 at 11:00 receive plan_accepted { total: 600 USD, count: 3, first: 2026-03-10 }";

fn plan_test(title: &str, lines: &str) -> String {
    flow(&format!(
        "{PLAN}\ntest \"{title}\" {{\n  GIVEN\n  {ACCEPTED}\n{lines}}}\n"
    ))
}

#[test]
fn installments_paid_on_time_complete_the_plan_on_the_last_payment() {
    passes(&plan_test(
        "three on time",
        r#"  on day 1 expect plan current
  on day 1 expect stage on_plan
  on day 7 at 09:00 receive payment { amount: 200 USD }
  on day 38 at 09:00 receive payment { amount: 200 USD }
  on day 43 expect plan current
  on day 67 at 09:00 receive payment { amount: 200 USD }
  on day 67 expect plan completed
  on day 67 expect end paid
"#,
    ));
}

#[test]
fn a_missed_installment_paid_late_keeps_the_plan_current_to_completion() {
    // The second installment (due April 10, grace to the 13th) comes on
    // April 20: missed on day 43, caught up on day 49, completed on day 71.
    passes(&plan_test(
        "one missed then caught up",
        r#"  on day 7 at 09:00 receive payment { amount: 200 USD }
  on day 12 expect plan current
  on day 42 expect plan current
  on day 43 expect installment missed
  on day 43 expect sent sms nudge
  on day 43 expect plan current
  on day 49 at 09:00 receive payment { amount: 200 USD }
  on day 49 expect plan current
  on day 71 at 09:00 receive payment { amount: 200 USD }
  on day 71 expect plan completed
  on day 71 expect end paid
"#,
    ));
}

#[test]
fn two_installments_missed_in_a_row_break_the_plan() {
    passes(&plan_test(
        "paid once, then nothing",
        r#"  on day 7 at 09:00 receive payment { amount: 200 USD }
  on day 43 expect installment missed
  on day 72 expect plan current
  on day 72 expect stage on_plan
  on day 73 expect plan broken
  on day 73 expect end broken
"#,
    ));
}

#[test]
fn partial_payments_add_up_and_paying_ahead_carries_forward() {
    // 450 on day 7 covers the first two installments (400) and part of the
    // third; 150 more completes the plan.
    passes(&plan_test(
        "ahead, then the rest",
        r#"  on day 7 at 09:00 receive payment { amount: 450 USD }
  on day 44 expect plan current
  on day 72 at 09:00 receive payment { amount: 100 USD }
  on day 72 expect plan current
  on day 73 expect installment missed
  on day 73 expect plan current
  on day 80 at 09:00 receive payment { amount: 50 USD }
  on day 80 expect end paid
"#,
    ));
}

#[test]
fn a_missed_last_installment_breaks_the_plan_a_period_later() {
    // Checks go on at the same rhythm after the last installment: May 14
    // (day 73) misses it, June 14 (day 104) breaks the plan.
    passes(&plan_test(
        "the last one never comes",
        r#"  on day 7 at 09:00 receive payment { amount: 200 USD }
  on day 38 at 09:00 receive payment { amount: 200 USD }
  on day 73 expect installment missed
  on day 103 expect plan current
  on day 104 expect plan broken
  on day 104 expect end broken
"#,
    ));
}

#[test]
fn payments_before_the_plan_do_not_count_toward_it() {
    passes(&flow(&format!(
        "{PLAN}\ntest \"paid before\" {{\n  GIVEN\n  start at 2026-03-02 10:00\n  on day 1 at 09:00 receive payment {{ amount: 600 USD }}\n  on day 1 at 11:00 receive plan_accepted {{ total: 600 USD, count: 3, first: 2026-03-10 }}\n  on day 1 expect plan current\n  on day 12 expect installment missed\n}}\n"
    )));
}

#[test]
fn an_expectation_of_a_missed_installment_on_the_wrong_day_fails_naming_the_day() {
    let messages = failures_of(&plan_test(
        "wrong day",
        "  on day 7 at 09:00 receive payment { amount: 200 USD }\n  on day 42 expect installment missed\n  on day 44 expect plan current\n",
    ));
    assert_eq!(
        messages,
        vec!["expected an installment missed on day 42; installments were missed on day 43"],
    );
    let short = plan_test(
        "too early",
        "  on day 7 at 09:00 receive payment { amount: 200 USD }\n  on day 42 expect installment missed\n",
    );
    let messages = failures_of(&short);
    assert_eq!(
        messages,
        vec!["expected an installment missed on day 42; no installment was missed up to day 42"],
    );
}

#[test]
fn contacts_pause_while_the_plan_is_current_and_go_when_an_installment_is_missed() {
    let text = flow(&format!(
        "policy {{\n  pause sms while plan current\n}}\n{}\ntest \"held\" {{\n  GIVEN\n  {ACCEPTED}\n  on day 6 expect no sms\n  on day 7 at 09:00 receive payment {{ amount: 200 USD }}\n  on day 12 expect no sms\n  on day 20 expect no sms\n  on day 43 expect installment missed\n  on day 43 expect sent sms nudge\n  on day 43 expect sent sms thanks\n}}\n",
        PLAN.replace("  send sms thanks\n  wait 365 days", "  wait 5 days\n  send sms thanks\n  wait 365 days")
    ));
    passes(&text);
}

#[test]
fn a_plan_needs_the_payments_and_checks_its_terms() {
    let no_payments = flow(PLAN).replace("payments from payment.amount\n", "");
    let codes: Vec<&str> = errors(&no_payments).iter().map(|e| e.0).collect();
    assert!(codes.contains(&"dun::types::no_payments"), "{codes:?}");
    let bad = flow(
        "start s\nstage s {\n  plan 600 USD in 1 installments every 2 hours from 2026-03-10\n  end done\n}\ntest \"t\" {\n  GIVEN\n  start at 2026-03-02 10:00\n  on day 0 expect plan kept\n}\n",
    );
    let messages: Vec<String> = errors(&bad).into_iter().map(|e| e.1).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(
        messages[0].contains("a plan of 1 installments is out of range"),
        "{messages:#?}"
    );
    assert!(messages[1].contains("counts whole days"), "{messages:#?}");
    assert!(messages[2].contains("not `kept`"), "{messages:#?}");
}

#[test]
fn a_test_cannot_send_a_built_in_plan_event() {
    let text = plan_test("sends it", "  on day 3 receive installment_missed\n");
    let analysis = dun_compiler::analyze(None, &text);
    let refused = analysis
        .diagnostics
        .iter()
        .find(|d| d.is_error() && d.message.contains("raised by dun itself"))
        .unwrap_or_else(|| panic!("{:#?}", analysis.diagnostics));
    let help = format!("{refused:?}");
    assert!(help.contains("expect installment missed"), "{help}");
}

// --- an accepted plan checked against the offer ---------------------------

/// The plan's handlers of `PLAN`, and a refused plan sent to a stage of
/// its own with a text.
const REFUSED: &str = r#"
template not_possible for sms "We cannot set up that plan"
on plan_refused -> refused
stage refused {
  send sms not_possible
  end refused
}
"#;

fn refused_test(title: &str, flow_text: &str, lines: &str) -> String {
    flow(&format!(
        "{flow_text}{REFUSED}\ntest \"{title}\" {{\n  GIVEN\n  start at 2026-03-02 10:00\n{lines}}}\n"
    ))
}

#[test]
fn more_installments_than_offered_are_refused_and_plan_refused_is_raised() {
    passes(&refused_test(
        "eight of up to six",
        PLAN,
        r#"  on day 1 at 11:00 receive plan_accepted { total: 600 USD, count: 8, first: 2026-03-10 }
  on day 1 expect sent sms not_possible
  on day 1 expect end refused
"#,
    ));
    // Within the range, the same flow records the plan.
    passes(&refused_test(
        "six of up to six",
        PLAN,
        r#"  on day 1 at 11:00 receive plan_accepted { total: 600 USD, count: 6, first: 2026-03-10 }
  on day 1 expect plan current
  on day 1 expect stage on_plan
"#,
    ));
}

#[test]
fn a_plan_of_another_period_than_offered_is_refused() {
    let weekly = PLAN.replace(
        "installments every 1 month from event.first",
        "installments every 2 weeks from event.first",
    );
    passes(&refused_test(
        "every two weeks",
        &weekly,
        r#"  on day 1 at 11:00 receive plan_accepted { total: 600 USD, count: 3, first: 2026-03-10 }
  on day 1 expect end refused
"#,
    ));
}

#[test]
fn a_refused_plan_leaves_the_current_plan_as_it_was() {
    // A second plan of 8 (refused) does not replace the plan of 3: its
    // installments are still checked, and the payments complete it.
    let stay = PLAN.replace(
        "stage on_plan {\n  send sms thanks",
        "stage on_plan {\n  on plan_accepted {\n    plan event.total in event.count installments every 1 month from event.first grace 3 days\n  }\n  send sms thanks",
    );
    let text = flow(&format!(
        "{stay}\ntemplate not_possible for sms \"We cannot set up that plan\"\non plan_refused {{\n  send sms not_possible\n}}\ntest \"kept\" {{\n  GIVEN\n  {ACCEPTED}\n  on day 5 at 11:00 receive plan_accepted {{ total: 900 USD, count: 8, first: 2026-03-20 }}\n  on day 5 expect sent sms not_possible\n  on day 5 expect plan current\n  on day 7 at 09:00 receive payment {{ amount: 600 USD }}\n  on day 7 expect end paid\n}}\n"
    ));
    passes(&text);
}

#[test]
fn an_account_never_offered_a_plan_accepts_any() {
    let no_offer = PLAN.replace("  offer plan up to 6 installments every 1 month\n", "");
    passes(&refused_test(
        "no offer",
        &no_offer,
        r#"  on day 1 at 11:00 receive plan_accepted { total: 600 USD, count: 8, first: 2026-03-10 }
  on day 1 expect plan current
  on day 1 expect stage on_plan
"#,
    ));
}

#[test]
fn the_refusal_is_audited_with_the_offer_and_the_reason() {
    use dun_runtime::engine::{step, Account, Input, Instance};
    use dun_runtime::Value;
    let text = flow(&format!("{PLAN}{REFUSED}"));
    let analysis = dun_compiler::analyze(None, &text);
    let m = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let account = Account::new(
        &m,
        "A1",
        [
            ("name", Value::Text("Ann".into())),
            ("mobile", Value::Text("+15550100".into())),
            ("balance", Value::Money(600.into())),
        ],
    )
    .unwrap();
    let mut inst = Instance::new();
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    step(
        &m,
        &mut inst,
        &account,
        Input::Enrol,
        at("2026-03-02T10:00:00Z"),
    );
    let event = m
        .events
        .iter()
        .position(|e| m.str(e.name) == "plan_accepted")
        .unwrap() as u16;
    let payload = vec![
        Value::Money(600.into()),
        Value::Number(8.into()),
        Value::Date(chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()),
    ];
    let out = step(
        &m,
        &mut inst,
        &account,
        Input::Event { event, payload },
        at("2026-03-03T11:00:00Z"),
    );
    let messages: Vec<String> = out.audit.iter().map(|a| a.message(&m)).collect();
    assert!(
        messages.iter().any(|s| s
            == "plan of 8 installments every 1 month refused: more installments than the offer of up to 6 installments every 1 month"),
        "{messages:#?}"
    );
}

#[test]
fn the_checker_flags_a_literal_plan_that_never_fits_the_only_offer() {
    let literal = |count: &str, extra_offer: &str| {
        flow(&format!(
            "on plan_accepted {{\n  plan event.total in {count} installments every 1 month from event.first\n}}\nstart s\nstage s {{\n  offer plan up to 6 installments every 1 month\n{extra_offer}  wait 30 days\n  end done\n}}\n"
        ))
    };
    let codes = |text: &str| -> Vec<&'static str> { errors(text).iter().map(|e| e.0).collect() };
    let eight = errors(&literal("8", ""));
    assert_eq!(eight.len(), 1, "{eight:#?}");
    assert_eq!(eight[0].0, "dun::types::plan_outside_offer");
    assert!(
        eight[0].1.contains(
            "never fits the flow's only offer, `offer plan up to 6 installments every 1 month`"
        ),
        "{eight:#?}"
    );
    assert!(codes(&literal("6", "")).is_empty());
    // With two offers, which one an account got decides: nothing is said.
    let two = literal("8", "  offer plan up to 12 installments every 1 month\n");
    assert!(codes(&two).is_empty(), "{:?}", codes(&two));
}

#[test]
fn a_test_or_an_events_file_cannot_send_plan_refused() {
    let text = plan_test("sends it", "  on day 3 receive plan_refused\n");
    let analysis = dun_compiler::analyze(None, &text);
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.message.contains("raised by dun itself")),
        "{:#?}",
        analysis.diagnostics
    );
}
