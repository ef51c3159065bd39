//! Payments and promises to pay at run time (`payments from`, `promise ...
//! by ... grace ...`, `on promise_kept` / `on promise_broken`, `pause ...
//! while promise open`), specified in flow text as `dun test` runs it.
//! 2026-03-02 is a Monday.

mod common;

use common::flow_text::{failures_of, passes};

/// The codes of the errors of a flow.
fn errors(flow: &str) -> Vec<&'static str> {
    dun_compiler::analyze(None, flow)
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect()
}

const HEAD: &str = r#"flow promises
currency USD
account { name: text
 mobile: phone
 due_date: date
 balance: money }
event payment { amount: money }
event promise_to_pay { amount: money, due: date }
payments from payment.amount
template nudge for sms "Please pay"
template thanks for sms "Thank you"
"#;
const GIVEN: &str = "given account { name: \"Ann\", mobile: \"+15550100\", due_date: 2026-03-10, balance: 300 USD }";

fn flow(body: &str) -> String {
    format!("{HEAD}{body}").replace("GIVEN", GIVEN)
}

const LADDER: &str = r#"
on promise_to_pay {
  promise event.amount by event.due grace 2 days
  goto promised
}
on promise_broken -> reminders
on promise_kept -> kept
start reminders
stage reminders {
  send sms nudge
  wait 20 days
  end unpaid
}
stage promised {
  send sms thanks
  wait 60 days
  end unpaid
}
stage kept {
  end kept
}
"#;

#[test]
fn partial_payments_add_up_and_keep_the_promise_as_soon_as_they_reach_it() {
    passes(&flow(&format!(
        r#"{LADDER}
test "two payments keep a promise of 200" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 1 at 11:00 receive promise_to_pay {{ amount: 200 USD, due: 2026-03-10 }}
  on day 1 expect promise open
  on day 1 expect sent sms thanks
  on day 3 at 09:00 receive payment {{ amount: 120 USD }}
  on day 3 expect promise open
  on day 3 expect stage promised
  on day 5 at 09:00 receive payment {{ amount: 80 USD }}
  on day 5 expect promise kept
  on day 5 expect end kept
}}
"#
    )));
}

#[test]
fn a_partial_payment_does_not_keep_it_and_the_promise_breaks_after_its_grace() {
    // Due Tuesday 2026-03-10, two days of grace: open until the end of
    // Thursday the 12th (day 10), broken at 00:00 on day 11.
    passes(&flow(&format!(
        r#"{LADDER}
test "150 of 200 paid: broken on day 11, back to the reminders" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 1 at 11:00 receive promise_to_pay {{ amount: 200 USD, due: 2026-03-10 }}
  on day 4 at 09:00 receive payment {{ amount: 150 USD }}
  on day 10 expect promise open
  on day 10 expect stage promised
  on day 11 expect promise broken
  on day 11 expect stage reminders
  on day 11 expect sent sms nudge
}}
"#
    )));
}

#[test]
fn payments_before_the_promise_do_not_count_toward_it() {
    passes(&flow(&format!(
        r#"{LADDER}
test "a payment the day before is not part of the promise" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 1 at 09:00 receive payment {{ amount: 200 USD }}
  on day 1 at 11:00 receive promise_to_pay {{ amount: 200 USD, due: 2026-03-10 }}
  on day 2 expect promise open
  on day 11 expect promise broken
}}
"#
    )));
}

#[test]
fn a_deadline_fires_while_the_account_is_inside_a_promise() {
    passes(&flow(&format!(
        r#"at account.due_date + 5 days -> law_firm
stage law_firm {{
  end placed
}}
{LADDER}
test "the promise runs to the 20th, the deadline of the 15th moves the account" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 2 at 11:00 receive promise_to_pay {{ amount: 200 USD, due: 2026-03-20 }}
  on day 12 expect stage promised
  on day 12 expect promise open
  on day 13 expect end placed
}}
"#
    )));
}

#[test]
fn calls_wait_while_a_promise_is_open_and_go_when_it_breaks() {
    passes(&flow(
        r#"policy {
  pause calls while promise open
}
on promise_to_pay {
  promise event.amount by event.due
  goto promised
}
start waiting
stage waiting {
  wait 30 days
  end unpaid
}
stage promised {
  send sms thanks
  wait 1 day
  call queue agents
  wait 30 days
  end unpaid
}
test "the call planned for day 2 waits for the end of day 5" {
  GIVEN
  start at 2026-03-02 10:00
  on day 1 at 11:00 receive promise_to_pay { amount: 50 USD, due: 2026-03-07 }
  on day 1 expect sent sms thanks
  on day 2 expect no calls
  on day 5 expect no calls
  on day 6 expect promise broken
  on day 6 expect call queue agents
}
"#,
    ));
}

#[test]
fn a_kept_promise_lets_a_paused_call_go_at_once() {
    passes(&flow(
        r#"policy {
  pause calls while promise open
}
on promise_to_pay {
  promise event.amount by event.due
  goto promised
}
start waiting
stage waiting {
  wait 30 days
  end unpaid
}
stage promised {
  on promise_kept {
    call queue thank_you
  }
  wait 30 days
  end unpaid
}
test "kept on day 3: the thank-you call goes that day" {
  GIVEN
  start at 2026-03-02 10:00
  on day 1 at 11:00 receive promise_to_pay { amount: 50 USD, due: 2026-03-07 }
  on day 3 at 10:00 receive payment { amount: 50 USD }
  on day 3 expect promise kept
  on day 3 expect call queue thank_you
}
"#,
    ));
}

#[test]
fn an_expectation_on_the_promise_fails_with_its_state() {
    let messages = failures_of(&flow(&format!(
        r#"{LADDER}
test "wrong" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 1 at 11:00 receive promise_to_pay {{ amount: 200 USD, due: 2026-03-10 }}
  on day 2 expect promise kept
}}
"#
    )));
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("kept") && messages[0].contains("open"),
        "{messages:?}"
    );
}

#[test]
fn a_promise_needs_the_flows_payments() {
    let text = r#"flow f
currency USD
account { name: text }
event promise_to_pay { amount: money, due: date }
on promise_to_pay {
  promise event.amount by event.due
}
start waiting
stage waiting {
  wait 3 days
  end done
}
"#;
    assert_eq!(errors(text), ["dun::types::no_payments"]);
}

#[test]
fn the_amount_of_a_payment_is_money_and_a_promise_is_money_by_a_date() {
    let text = flow(
        r#"event refund { reference: text }
start s
stage s {
  promise 200 by 5 USD grace 2 days
  wait 3 days
  end done
}
"#,
    )
    .replace(
        "payments from payment.amount",
        "payments from refund.reference",
    );
    let codes = errors(&text);
    assert_eq!(
        codes,
        [
            "dun::types::mismatch",
            "dun::types::mismatch",
            "dun::types::mismatch"
        ],
        "{:#?}",
        dun_compiler::analyze(None, &text).diagnostics
    );
}

#[test]
fn an_events_file_cannot_send_the_events_dun_raises_itself() {
    let text = flow(LADDER);
    let analysis = dun_compiler::analyze(None, &text);
    let machine = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let lines = "{\"id\":\"e1\",\"account\":\"A1\",\"type\":\"promise_kept\",\"at\":\"2026-03-02T10:00:00Z\"}\n{\"id\":\"e2\",\"account\":\"A1\",\"type\":\"payment\",\"at\":\"2026-03-02T10:00:00Z\",\"amount\":\"10.00\"}\n";
    let (rows, rejects) = dun_runtime::data::read_jsonl(lines.as_bytes());
    assert!(rejects.is_empty(), "{rejects:?}");
    let err = dun_runtime::data::parse_event(&machine, &rows[0]).unwrap_err();
    assert!(err.contains("raised by dun itself"), "{err}");
    assert!(dun_runtime::data::parse_event(&machine, &rows[1]).is_ok());
}

#[test]
fn a_flow_test_cannot_send_the_events_dun_raises_itself() {
    let text = flow(&format!(
        r#"{LADDER}
test "faked" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 1 receive promise_kept
  on day 1 expect end kept
}}
"#
    ));
    assert_eq!(errors(&text), ["dun::types::mismatch"]);
}
