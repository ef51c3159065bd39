//! Payment plans at run time: `offer plan up to N installments every D`,
//! specified in flow text as `dun test` runs it. 2026-03-02 is a Monday.

use dun_runtime::testing::run_test;

/// Checks, lowers and runs every test of a flow; every test must pass.
fn passes(flow: &str) {
    let analysis = dun_compiler::analyze(None, flow);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "the flow does not check: {errors:#?}");
    let machine = dun_compiler::lower::lower(&analysis.file, &analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let (cases, problems) =
        dun_compiler::lower::lower_tests_with_diagnostics(&analysis.file, &machine);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(!cases.is_empty(), "the flow has no test");
    for case in &cases {
        let report = run_test(&machine, case);
        let failures: Vec<&str> = report
            .results
            .iter()
            .filter(|r| !r.passed)
            .map(|r| r.message.as_str())
            .chain(report.problems.iter().map(String::as_str))
            .collect();
        assert!(
            report.passed,
            "test \"{}\" failed:\n  {}",
            case.title,
            failures.join("\n  ")
        );
    }
}

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
