//! `dun simulate` as a strategy team runs it: reproducible, comparable,
//! readable offline.

mod common;

use common::{dun, flow, json, root};

fn scratch(name: &str) -> std::path::PathBuf {
    common::scratch("simulate", name)
}

#[test]
fn the_same_seed_gives_byte_identical_output_and_another_seed_does_not() {
    let f = flow("consumer_cards");
    let args = [
        "simulate",
        f.as_str(),
        "--synthetic",
        "300",
        "--days",
        "60",
        "--seed",
        "7",
    ];
    let a = dun(&args);
    let b = dun(&args);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    // Piped output carries no progress bar.
    assert!(!a.stdout.contains(&b'\r') && !a.stderr.contains(&b'\r'));
    let mut other = args.to_vec();
    other[7] = "8";
    assert_ne!(dun(&other).stdout, a.stdout);
    // One thread or several: the same figures.
    let mut one = args.to_vec();
    one.extend(["--threads", "1"]);
    assert_eq!(dun(&one).stdout, a.stdout);
}

#[test]
fn kpis_add_up_over_stages_arms_and_outcomes() {
    let f = flow("auto_loans");
    let r = json(&[
        "simulate",
        &f,
        "--synthetic",
        "500",
        "--days",
        "120",
        "--format",
        "json",
    ]);
    let whole = &r["whole"];
    assert_eq!(whole["accounts"], 500);
    let arms = r["arms"].as_array().unwrap();
    assert!(
        arms.iter()
            .any(|a| a["name"].as_str().unwrap().contains("(70%)")),
        "{arms:?}"
    );
    let arm_accounts: u64 = arms
        .iter()
        .map(|a| a["kpis"]["accounts"].as_u64().unwrap())
        .sum();
    assert_eq!(arm_accounts, 500, "every account is in one arm (or none)");
    let recovered = whole["recovered"].as_f64().unwrap();
    assert!(recovered > 0.0);
    let by_stage: f64 = r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["recovered"].as_f64().unwrap())
        .sum();
    assert!(
        (by_stage - recovered).abs() < 0.01,
        "{by_stage} vs {recovered}"
    );
    let cumulative = whole["cumulative_recovered"].as_array().unwrap();
    assert_eq!(cumulative.len(), 120);
    assert!((cumulative[119].as_f64().unwrap() - recovered).abs() < 0.01);
    let ended: u64 = whole["outcomes"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(ended > 0 && ended <= 500);
    assert!(whole["promises_kept"].as_u64() <= whole["promises_made"].as_u64());
    let rate = whole["recovery_rate"].as_f64().unwrap();
    let expected = recovered / whole["balance_entered"].as_f64().unwrap();
    assert!((rate - expected).abs() < 0.0001);
}

#[test]
fn vs_runs_both_flows_on_the_same_accounts_and_shows_the_difference() {
    let f = flow("consumer_cards");
    let dir = scratch("vs");
    let eager = dir.join("eager.dun");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    for t in ["validation_notice.txt", "settlement_offer.txt"] {
        std::fs::copy(
            root().join("examples/consumer_cards/templates").join(t),
            dir.join("templates").join(t),
        )
        .unwrap();
    }
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace(
            "flow consumer_cards version 4",
            "flow consumer_cards version 5",
        )
        .replace(
            "offer discount 40% for 30 days",
            "offer discount 60% for 30 days",
        )
        .replace(
            "repeat 3 times {\n    call queue early_agents",
            "repeat 6 times {\n    call queue early_agents",
        );
    std::fs::write(&eager, text).unwrap();
    let eager = eager.display().to_string();
    let out = dun(&[
        "simulate",
        &f,
        "--vs",
        &eager,
        "--synthetic",
        "400",
        "--days",
        "90",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let header = table
        .lines()
        .find(|l| l.contains("difference"))
        .expect("a difference column");
    assert!(
        header.contains("consumer_cards v4") && header.contains("consumer_cards v5"),
        "{table}"
    );
    let row = |label: &str| {
        table
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no row {label} in {table}"))
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let entered = row("accounts entered");
    assert_eq!(entered[2..], ["400", "400", "+0"]);
    let balance = row("balance entered");
    assert_eq!(balance[2], balance[3], "the same accounts in both");
    let calls = row("contacts: call");
    let (a, b): (i64, i64) = (calls[2].parse().unwrap(), calls[3].parse().unwrap());
    assert!(b > a, "twice the early calls: {a} vs {b}");
    assert_eq!(calls[4], format!("{:+}", b - a));
}

#[test]
fn a_portfolio_file_is_read_like_dun_run_reads_accounts_and_bad_rows_are_named() {
    let dir = scratch("portfolio");
    let src = std::fs::read_to_string(root().join("examples/consumer_cards/accounts.csv")).unwrap();
    let file = dir.join("accounts.csv");
    std::fs::write(
        &file,
        format!("{src}BAD-1,X,lots,Y,2025-01-01,1,low,,,Z,UTC,false\n"),
    )
    .unwrap();
    let f = flow("consumer_cards");
    let out = dun(&[
        "simulate",
        &f,
        "--portfolio",
        &file.display().to_string(),
        "--days",
        "30",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("accounts.csv:8: rejected: field `balance` should be money"),
        "{stderr}"
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["whole"]["accounts"], 6);
}

#[test]
fn the_report_is_one_offline_html_file_with_charts() {
    let dir = scratch("report");
    let out = dir.join("report.html");
    let f = flow("auto_loans");
    let r = dun(&[
        "simulate",
        &f,
        "--synthetic",
        "200",
        "--days",
        "60",
        "--report",
        &out.display().to_string(),
    ]);
    assert!(r.status.success());
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "recovery, channels, funnel"
    );
    assert!(html.contains("<polyline"), "a recovery line per arm");
    assert!(html.contains("standard_collections"));
    assert!(
        !html.contains("http://")
            || html.matches("http://").count()
                == html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "no link leaves the file"
    );
    assert!(!html.contains("<script"));
}

#[test]
fn a_broken_behaviour_model_is_refused_with_the_place_and_the_fix() {
    let dir = scratch("model");
    let model = dir.join("model.toml");
    std::fs::write(&model, "[channels.sms]\nreach = 1.5\n").unwrap();
    let f = flow("consumer_cards");
    let m = model.display().to_string();
    let out = dun(&[
        "simulate",
        &f,
        "--synthetic",
        "10",
        "--days",
        "10",
        "--behaviour",
        &m,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("channels.sms.reach is 1.5; a chance is between 0 and 1"));
    std::fs::write(&model, "[channels.fax]\nreach = 0.5\n").unwrap();
    let out = dun(&[
        "simulate",
        &f,
        "--synthetic",
        "10",
        "--days",
        "10",
        "--behaviour",
        &m,
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown channel `fax`"));
    std::fs::write(&model, "[promise]\nkeep = 0.5\n").unwrap();
    let out = dun(&[
        "simulate",
        &f,
        "--synthetic",
        "10",
        "--days",
        "10",
        "--behaviour",
        &m,
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown field `promise`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The documented default parses and changes nothing.
    let default = root().join("examples/behaviour.toml").display().to_string();
    let with = dun(&[
        "simulate",
        &f,
        "--synthetic",
        "50",
        "--days",
        "20",
        "--behaviour",
        &default,
    ]);
    let without = dun(&["simulate", &f, "--synthetic", "50", "--days", "20"]);
    assert_eq!(with.stdout, without.stdout);
}
