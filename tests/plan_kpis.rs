//! Payment plans as KPIs: `dun simulate` of a flow that offers and tracks
//! plans (examples/bnpl) reports the plans completed and broken, with a
//! completion rate that follows the behaviour model's `[plans] pay`.

mod common;

use common::{json, scratch};

fn completion(pay: f64) -> (f64, u64) {
    let dir = scratch("plan_kpis", &format!("pay_{pay}"));
    let model = dir.join("behaviour.toml");
    std::fs::write(&model, format!("[plans]\naccept = 0.9\npay = {pay}\n")).unwrap();
    let flow = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bnpl/bnpl.dun");
    let r = json(&[
        "simulate",
        &flow.display().to_string(),
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
    let p = &r["whole"]["flow_plans"];
    let decided = p["completed"].as_u64().unwrap() + p["broken"].as_u64().unwrap();
    (p["completed_rate"].as_f64().unwrap(), decided)
}

#[test]
fn the_simulated_completion_rate_moves_with_the_behaviour_models_pay_chance() {
    let (high, n_high) = completion(0.95);
    let (low, n_low) = completion(0.3);
    assert!(
        n_high >= 20 && n_low >= 20,
        "too few plans decided: {n_high}, {n_low}"
    );
    assert!(
        high > low + 0.3,
        "completion rate {high:.3} with pay 0.95, {low:.3} with pay 0.3"
    );
}
