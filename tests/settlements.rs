//! Settlements and discounts paid in full by a date at run time (`offer
//! settlement AMOUNT until DATE`, `offer discount N% if paid in full by
//! DATE`, `on settlement_paid` / `on settlement_lapsed`, `pause ... while
//! settlement open`, `expect offer settlement`, `expect settlement STATE`),
//! specified in flow text as `dun test` runs it. 2026-03-02 is a Monday.

mod common;

use common::flow_text::passes;
use dun_runtime::testing::run_test;

/// The failure messages of a flow whose tests must fail.
fn failures(flow: &str) -> Vec<String> {
    let analysis = dun_compiler::analyze(None, flow);
    let machine = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let cases = dun_compiler::lower::lower_tests(&analysis.file, &machine);
    cases
        .iter()
        .flat_map(|case| run_test(&machine, case).results)
        .filter(|r| !r.passed)
        .map(|r| r.message)
        .collect()
}

/// The codes of the errors of a flow.
fn errors(flow: &str) -> Vec<&'static str> {
    dun_compiler::analyze(None, flow)
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect()
}

const HEAD: &str = r#"flow settlements
currency USD
account { name: text
 mobile: phone
 balance: money }
event payment { amount: money }
payments from payment.amount
template offer_text for sms "Settle today"
template nudge for sms "Please pay"
"#;
const GIVEN: &str = "given account { name: \"Ann\", mobile: \"+15550100\", balance: 1000 USD }";

fn flow(body: &str) -> String {
    format!("{HEAD}{body}").replace("GIVEN", GIVEN)
}

/// A settlement of 60% offered for 14 days; paid, the account is settled;
/// lapsed, a reminder follows.
const OFFER: &str = r#"
on settlement_paid {
  end settled
}
start offer
stage offer {
  on settlement_lapsed -> reminders
  offer settlement account.balance * 60% until today + 14 days
  send sms offer_text
  wait 30 days
  end unpaid
}
stage reminders {
  send sms nudge
  wait 10 days
  end unpaid
}
"#;

#[test]
fn partial_payments_add_up_and_pay_the_settlement_as_soon_as_they_reach_it() {
    passes(&flow(&format!(
        r#"{OFFER}
test "600 USD in two payments settles an account of 1000 USD" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 0 expect offer settlement 600 USD until 2026-03-16
  on day 0 expect settlement open
  on day 3 at 12:00 receive payment {{ amount: 250 USD }}
  on day 3 expect settlement open
  on day 14 at 18:00 receive payment {{ amount: 350 USD }}
  on day 14 expect settlement paid
  on day 14 expect end settled
}}
"#
    )));
}

#[test]
fn a_partial_payment_does_not_pay_it_and_the_offer_lapses_after_its_last_day() {
    passes(&flow(&format!(
        r#"{OFFER}
test "599.99 of 600 USD: lapsed at 00:00 after 2026-03-16" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 5 at 12:00 receive payment {{ amount: 599.99 USD }}
  on day 14 expect settlement open
  on day 14 expect stage offer
  on day 15 expect settlement lapsed
  on day 15 expect stage reminders
  on day 15 expect sent sms nudge
}}
"#
    )));
}

#[test]
fn payments_before_the_offer_do_not_count_toward_it() {
    passes(&flow(
        r#"on settlement_paid {
  end settled
}
start waiting
stage waiting {
  wait 3 days
  offer settlement 100 USD until today + 5 days
  wait 30 days
  end unpaid
}
test "100 USD paid the day before the offer" {
  GIVEN
  start at 2026-03-02 10:00
  on day 2 at 12:00 receive payment { amount: 100 USD }
  on day 3 expect offer settlement 100 USD until 2026-03-10
  on day 3 expect settlement open
  on day 8 at 12:00 receive payment { amount: 100 USD }
  on day 8 expect settlement paid
  on day 8 expect end settled
}
"#,
    ));
}

#[test]
fn a_discount_if_paid_in_full_is_the_balance_less_the_discount_tracked_like_a_settlement() {
    passes(&flow(
        r#"on settlement_paid {
  end settled
}
start offer
stage offer {
  offer discount 15% if paid in full by today + 30 days
  wait 40 days
  end unpaid
}
test "850 USD of 1000 USD by 2026-04-01" {
  GIVEN
  start at 2026-03-02 10:00
  on day 0 expect offer discount 15%
  on day 0 expect offer settlement 850 USD until 2026-04-01
  on day 30 at 20:00 receive payment { amount: 850 USD }
  on day 30 expect settlement paid
  on day 30 expect end settled
}
"#,
    ));
}

#[test]
fn a_new_offer_replaces_the_open_one_and_counts_from_its_own_day() {
    passes(&flow(
        r#"on settlement_paid {
  end settled
}
start offer
stage offer {
  offer settlement 800 USD until today + 10 days
  wait 2 days
  offer settlement 500 USD until today + 10 days
  wait 30 days
  end unpaid
}
test "the second offer, of 500 USD, is the one paid" {
  GIVEN
  start at 2026-03-02 10:00
  on day 1 at 12:00 receive payment { amount: 300 USD }
  on day 2 expect offer settlement 500 USD until 2026-03-14
  on day 4 at 12:00 receive payment { amount: 499 USD }
  on day 4 expect settlement open
  on day 5 at 12:00 receive payment { amount: 1 USD }
  on day 5 expect settlement paid
}
"#,
    ));
}

#[test]
fn calls_wait_while_a_settlement_is_open_and_go_when_it_lapses() {
    passes(&flow(
        r#"policy {
  pause calls while settlement open
}
start offer
stage offer {
  offer settlement 500 USD until today + 4 days
  wait 1 day
  call queue agents
  wait 30 days
  end unpaid
}
test "the call planned for day 1 waits for the end of day 4" {
  GIVEN
  start at 2026-03-02 10:00
  on day 1 expect no calls
  on day 4 expect no calls
  on day 5 expect settlement lapsed
  on day 5 expect call queue agents
}
"#,
    ));
}

#[test]
fn a_paid_settlement_lets_a_paused_call_go_at_once() {
    passes(&flow(
        r#"policy {
  pause calls while settlement open
}
start offer
stage offer {
  on settlement_paid {
    call queue thank_you
  }
  offer settlement 500 USD until today + 10 days
  wait 30 days
  end unpaid
}
test "paid on day 3: the thank-you call goes that day" {
  GIVEN
  start at 2026-03-02 10:00
  on day 3 at 10:00 receive payment { amount: 500 USD }
  on day 3 expect settlement paid
  on day 3 expect call queue thank_you
}
"#,
    ));
}

#[test]
fn expectations_on_the_settlement_fail_with_what_happened() {
    let messages = failures(&flow(&format!(
        r#"{OFFER}
test "wrong" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 0 expect offer settlement 700 USD
  on day 2 expect settlement paid
}}
"#
    )));
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].contains("700 USD") && messages[0].contains("offer settlement 600 USD"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("paid") && messages[1].contains("open"),
        "{messages:?}"
    );
}

#[test]
fn expectations_and_pauses_that_can_never_hold_are_errors() {
    let text = flow(
        r#"policy {
  pause calls while settlement open
}
start s
stage s {
  offer discount 20% for 14 days
  wait 30 days
  end unpaid
}
test "t" {
  GIVEN
  start at 2026-03-02 10:00
  on day 0 expect offer settlement
  on day 20 expect settlement paid
}
"#,
    );
    assert_eq!(
        errors(&text),
        [
            "dun::types::no_settlement",
            "dun::types::no_settlement",
            "dun::types::no_settlement"
        ]
    );
}

#[test]
fn an_offer_needs_the_payments_money_a_date_and_a_discount_below_100() {
    let no_payments = flow(OFFER).replace("payments from payment.amount\n", "");
    let codes = errors(&no_payments);
    assert!(codes.contains(&"dun::types::no_payments"), "{codes:?}");
    let text = flow(
        r#"on settlement_paid {
  end settled
}
start s
stage s {
  offer settlement 600 until 5 USD
  offer discount 100% if paid in full by today + 3 days
  wait 30 days
  end unpaid
}
test "t" {
  GIVEN
  start at 2026-03-02 10:00
  on day 2 expect settlement setled
}
"#,
    );
    assert_eq!(
        errors(&text),
        [
            "dun::types::mismatch",
            "dun::types::mismatch",
            "dun::types::out_of_range",
            "dun::types::mismatch"
        ],
        "{:#?}",
        dun_compiler::analyze(None, &text).diagnostics
    );
}

#[test]
fn a_discount_if_paid_in_full_needs_the_accounts_balance() {
    let text = flow(
        r#"on settlement_paid {
  end settled
}
start s
stage s {
  offer discount 10% if paid in full by today + 30 days
  wait 30 days
  end unpaid
}
"#,
    )
    .replace(" balance: money }", " owed: money }");
    assert_eq!(errors(&text), ["dun::names::unknown_field"]);
}

#[test]
fn the_events_dun_raises_cannot_come_from_outside() {
    let text = flow(OFFER);
    let analysis = dun_compiler::analyze(None, &text);
    let machine = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let lines = "{\"id\":\"e1\",\"account\":\"A1\",\"type\":\"settlement_paid\",\"at\":\"2026-03-02T10:00:00Z\"}\n";
    let (rows, rejects) = dun_runtime::data::read_jsonl(lines.as_bytes());
    assert!(rejects.is_empty(), "{rejects:?}");
    let err = dun_runtime::data::parse_event(&machine, &rows[0]).unwrap_err();
    assert!(err.contains("raised by dun itself"), "{err}");
    let faked = flow(&format!(
        r#"{OFFER}
test "faked" {{
  GIVEN
  start at 2026-03-02 10:00
  on day 1 receive settlement_paid
}}
"#
    ));
    assert_eq!(errors(&faked), ["dun::types::mismatch"]);
}

#[test]
fn a_flow_without_offers_compiles_without_the_settlements_section() {
    let text = flow(
        r#"start s
stage s {
  offer discount 20% for 14 days
  wait 3 days
  end unpaid
}
"#,
    );
    let analysis = dun_compiler::analyze(None, &text);
    let machine = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    assert!(machine.settlements.is_none());
    assert!(machine
        .events
        .iter()
        .all(|e| !machine.str(e.name).starts_with("settlement")));
    let with = flow(OFFER);
    let analysis = dun_compiler::analyze(None, &with);
    let machine = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let bytes = dun_runtime::format::encode(&machine);
    let flags = u16::from_le_bytes([bytes[6], bytes[7]]);
    assert_ne!(flags & dun_runtime::format::FLAG_SETTLEMENTS, 0);
    let back = dun_runtime::format::decode(&bytes).unwrap();
    assert_eq!(back.settlements, machine.settlements);
}
