//! Fees and interest as KPIs: `dun simulate` of a flow that charges fees
//! under a cap and freezes interest (examples/utilities) reports the fees
//! charged and their amount, the fees the cap kept from being charged, and
//! the accounts whose interest was frozen, in text and JSON; a flow without
//! fees reports none.

mod common;

use common::{dun, flow, json, text, SHARED_POLICIES};

fn simulate(name: &str, format: &str) -> Vec<String> {
    vec![
        "simulate".into(),
        flow(name),
        "--allow-import-outside".into(),
        SHARED_POLICIES.into(),
        "--synthetic".into(),
        "300".into(),
        "--days".into(),
        "90".into(),
        "--seed".into(),
        "7".into(),
        "--format".into(),
        format.into(),
    ]
}

#[test]
fn fees_charged_capped_and_interest_frozen_are_counted() {
    let args = simulate("utilities", "json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = json(&args);
    let f = &r["whole"]["fees"];
    let charged = f["charged"].as_u64().expect("fees charged");
    let suppressed = f["suppressed"].as_u64().expect("fees suppressed");
    let frozen = f["interest_frozen_accounts"]
        .as_u64()
        .expect("accounts with interest frozen");
    // Every account gets the first notice's fee unless it paid before;
    // the disconnection notice's comes ten days later, inside the
    // policy's `at_most 1 fee per 30 days`, so it is never charged.
    assert!(charged > 0, "{f:#}");
    assert!(suppressed > 0, "{f:#}");
    assert!(charged <= 300, "one fee per account at most: {f:#}");
    // Every fee of the flow is 8.50 USD.
    let amount = f["amount"].as_f64().unwrap();
    assert!(
        (amount - charged as f64 * 8.5).abs() < 0.005,
        "{amount} for {charged} fees"
    );
    assert!(frozen > 0 && frozen < 300, "{f:#}");
    // The arms' figures add up to the whole's.
    let arms = r["arms"].as_array().cloned().unwrap_or_default();
    if !arms.is_empty() {
        let sum: u64 = arms
            .iter()
            .map(|a| a["kpis"]["fees"]["charged"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, charged);
    }

    let args = simulate("utilities", "table");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = dun(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    for row in [
        "fees charged",
        "amount of fees charged",
        "fees suppressed by caps or holds",
        "accounts with interest frozen",
    ] {
        assert!(report.contains(row), "no `{row}` in:\n{report}");
    }
}

#[test]
fn a_flow_without_fees_reports_none() {
    let r = json(&[
        "simulate",
        &flow("consumer_cards"),
        "--synthetic",
        "50",
        "--days",
        "30",
        "--format",
        "json",
    ]);
    assert!(r["whole"].get("fees").is_none(), "{:#}", r["whole"]);
}
