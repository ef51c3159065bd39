//! Fees and interest at run time (`charge fee`, `freeze interest`, fee caps,
//! holds written `and fees`), the flow-test expectations about them and
//! `given arm`, specified in flow text as `dun test` runs it. 2026-03-02 is
//! a Monday.

mod common;

use common::flow_text::{self, passes, reports};

/// The failure messages of the flow's only test.
fn failures(flow: &str) -> Vec<String> {
    let (_, reports) = reports(flow);
    assert_eq!(reports.len(), 1);
    assert!(!reports[0].passed, "the test passed");
    flow_text::failures(&reports[0])
}

const HEAD: &str = "flow fees\ncurrency USD\naccount { name: text\n mobile: phone\n balance: money }\ntemplate nudge for sms \"Please pay\"\nevent dispute\nevent dispute_resolved\n";
const GIVEN: &str = "given account { name: \"Ann\", mobile: \"+15550100\", balance: 300 USD }\n  start at 2026-03-02 09:00";

fn flow(body: &str) -> String {
    format!("{HEAD}{body}").replace("GIVEN", GIVEN)
}

#[test]
fn the_fixture_of_fees_caps_holds_and_arms_passes() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cases/valid/charges.dun"
    ))
    .unwrap();
    passes(&text);
}

#[test]
fn a_count_cap_refuses_the_third_fee_in_its_window_and_allows_it_once_the_first_ages_out() {
    let body = r#"policy { at_most 2 fees per 30 days }
start a
stage a {
  repeat 4 times {
    charge fee 10 USD "late fee"
    wait 10 days
  }
  end done
}
test "t" {
  GIVEN
  on day 0 expect charged fee 10 USD
  on day 10 expect charged fee 10 USD
  on day 20 expect no fees
  on day 30 expect charged fee 10 USD "late fee"
}
"#;
    passes(&flow(body));
    // The day-20 fee was capped: a test that expects it fails, and says
    // which rule kept it.
    let wrong = flow(body).replace(
        "on day 20 expect no fees",
        "on day 20 expect charged fee 10 USD",
    );
    let messages = failures(&wrong);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("fee 10 USD not charged: at_most 2 fees per 30 days"),
        "{}",
        messages[0]
    );
}

#[test]
fn an_amount_cap_counts_money_not_fees() {
    passes(&flow(
        r#"policy { at_most 40 USD of fees per 30 days }
start a
stage a {
  charge fee 30 USD
  wait 1 day
  charge fee 15 USD
  wait 1 day
  charge fee 10 USD
  wait 30 days
  charge fee 15 USD
  end done
}
test "t" {
  GIVEN
  on day 0 expect charged fee 30 USD
  on day 1 expect no fees
  on day 2 expect charged fee 10 USD
  on day 32 expect charged fee 15 USD
}
"#,
    ));
}

#[test]
fn a_hold_and_fees_keeps_fees_and_the_resumption_of_interest_until_its_event() {
    passes(&flow(
        r#"policy { pause contact and fees after dispute until dispute_resolved }
start a
stage a {
  freeze interest
  wait 5 days
  charge fee 20 USD
  resume interest
  wait 10 days
  charge fee 20 USD
  resume interest
  end done
}
test "t" {
  GIVEN
  on day 0 expect interest frozen
  on day 1 receive dispute
  on day 5 expect no fees
  on day 5 expect interest frozen
  on day 12 receive dispute_resolved
  on day 15 expect charged fee 20 USD
  on day 15 expect interest not frozen
}
"#,
    ));
}

#[test]
fn a_hold_without_and_fees_leaves_fees_alone() {
    passes(&flow(
        r#"policy { pause contact after dispute until dispute_resolved }
start a
stage a {
  wait 5 days
  charge fee 20 USD
  end done
}
test "t" {
  GIVEN
  on day 1 receive dispute
  on day 5 expect charged fee 20 USD
}
"#,
    ));
}

#[test]
fn given_arm_sends_the_account_down_the_arm_it_names_whatever_the_shares() {
    let body = r#"start a
stage a {
  split {
    97% -> common
    3% -> rare
  }
}
stage common {
  offer discount 10%
  end common
}
stage rare {
  offer plan 4 installments every 2 weeks
  end rare
}
test "t" {
  GIVEN
  given arm ARM
  on day 0 expect end ARM
}
"#;
    passes(&flow(&body.replace("ARM", "rare")));
    passes(&flow(&body.replace("ARM", "common")));
    // Without `given arm`, the fixed test id takes the common arm: the
    // plan is never offered, and the test says so.
    let without = flow(body).replace("  given arm ARM\n", "").replace(
        "on day 0 expect end ARM",
        "on day 0 expect offer plan 4 installments every 2 weeks",
    );
    let messages = failures(&without);
    assert!(messages[0].contains("it never happened"), "{messages:?}");
}

#[test]
fn a_split_in_a_handler_is_placed_too() {
    passes(&flow(
        r#"start a
on dispute {
  split {
    50% -> left
    50% -> right
  }
}
stage a {
  wait 30 days
  end waited
}
stage left {
  end left
}
stage right {
  end right
}
test "t" {
  GIVEN
  given arm right
  on day 2 receive dispute
  on day 2 expect end right
}
"#,
    ));
}

#[test]
fn a_flow_with_charges_survives_the_compiled_file() {
    let (machine, _) = reports(&flow(
        r#"policy {
  at_most 2 fees per 30 days
  at_most 40 USD of fees per 60 days
  pause contact and fees after dispute until dispute_resolved
}
start a
stage a {
  charge fee 15 USD
  freeze interest
  end done
}
test "t" {
  GIVEN
  on day 0 expect charged fee 15 USD
}
"#,
    ));
    let bytes = dun_runtime::format::encode(&machine);
    let flags = u16::from_le_bytes([bytes[6], bytes[7]]);
    assert_ne!(flags & dun_runtime::format::FLAG_CHARGES, 0);
    let back = dun_runtime::format::decode(&bytes).unwrap();
    assert_eq!(back, machine);
    assert_eq!(back.charges.caps.len(), 2);
    // 40 USD holds at most two of the flow's 15 USD fees.
    assert_eq!(back.charges.caps[1].slots, 2);
    assert_eq!(back.charges.fee_holds, vec![0]);
    assert!(back.charges.interest);
}
