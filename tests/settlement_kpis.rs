//! Settlements as KPIs: `dun simulate` of a flow that offers settlements
//! (examples/consumer_cards) reports the offers made, taken up, paid and
//! lapsed, with a paid rate that follows the behaviour model's
//! `[settlements] pay` and an amount forgiven.

mod common;

use common::{consumer_cards, json, scratch};

fn settlements(accept: f64, pay: f64) -> serde_json::Value {
    let dir = scratch("settlement_kpis", &format!("accept_{accept}_pay_{pay}"));
    let model = dir.join("behaviour.toml");
    std::fs::write(
        &model,
        format!("[settlements]\naccept = {accept}\npay = {pay}\n"),
    )
    .unwrap();
    let r = json(&[
        "simulate",
        &consumer_cards("consumer_cards.dun"),
        "--synthetic",
        "400",
        "--days",
        "120",
        "--seed",
        "5",
        "--behaviour",
        &model.display().to_string(),
        "--format",
        "json",
    ]);
    r["whole"]["flow_settlements"].clone()
}

fn n(v: &serde_json::Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("no {key} in {v}"))
}

#[test]
fn the_simulated_paid_rate_moves_with_the_behaviour_models_pay_chance() {
    let high = settlements(0.9, 0.95);
    let low = settlements(0.9, 0.3);
    for s in [&high, &low] {
        assert!(n(s, "offered") >= 40, "too few offers: {s}");
        assert!(n(s, "accepted") <= n(s, "offered"), "{s}");
        assert!(n(s, "paid") + n(s, "lapsed") <= n(s, "offered"), "{s}");
    }
    let rate = |s: &serde_json::Value| s["paid_rate"].as_f64().unwrap();
    assert!(
        rate(&high) > rate(&low) + 0.3,
        "paid rate {:.3} with pay 0.95, {:.3} with pay 0.3",
        rate(&high),
        rate(&low)
    );
    let forgiven = |s: &serde_json::Value| s["forgiven"].as_f64().unwrap();
    assert!(
        forgiven(&high) > forgiven(&low) && forgiven(&low) > 0.0,
        "forgiven {} with pay 0.95, {} with pay 0.3",
        forgiven(&high),
        forgiven(&low)
    );
}

#[test]
fn fewer_debtors_taking_offers_up_means_fewer_settlements_accepted_and_paid() {
    let many = settlements(0.9, 0.8);
    let few = settlements(0.1, 0.8);
    assert!(
        n(&many, "accepted") > 2 * n(&few, "accepted"),
        "{many} {few}"
    );
    assert!(n(&many, "paid") > 2 * n(&few, "paid"), "{many} {few}");
}
