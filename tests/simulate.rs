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
        "--allow-import-outside",
        common::SHARED_POLICIES,
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
    // Thousands are separated.
    let n = |s: &str| -> i64 { s.replace(',', "").parse().unwrap() };
    let (a, b) = (n(&calls[2]), n(&calls[3]));
    assert!(b > a, "twice the early calls: {a} vs {b}");
    assert_eq!(n(&calls[4]), b - a);
    assert!(a < 1000 || calls[2].contains(','), "{calls:?}");
    // The paired difference of the two flows, with its interval.
    assert!(
        table.contains("consumer_cards v5 minus consumer_cards v4, on the same 400 accounts"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("recovery rate") && l.contains("] pts")),
        "{table}"
    );
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
        "--allow-import-outside",
        common::SHARED_POLICIES,
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
    assert_eq!(html.matches("<svg").count(), 1, "the recovery chart");
    assert!(
        html.contains("Recovery by day, as a share of each balance"),
        "recovery as a percentage of each arm's balance"
    );
    // The whole flow and its three arms (no split and the two of the split).
    assert_eq!(
        html.matches("<polyline").count(),
        4,
        "a recovery line per arm"
    );
    assert!(html.contains("Contacts by channel") && html.contains("class=\"bar\""));
    assert!(
        html.contains("<h2>Stages: auto_loans v6</h2>"),
        "the stage table with money"
    );
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

/// A Spanish flow whose names the default model does not know: payments
/// arrive as `abono`, the balance is `deuda` (next to another money field,
/// so it cannot be guessed), and a score `puntaje` the model can scale by.
const COBRANZA: &str = r#"flow cobranza version 1
currency COP

account {
  nombre: text
  deuda: money
  cuota: money
  puntaje: number
  celular: phone
}

event abono { monto: money }

on abono when account.deuda <= 0 COP -> pagada

start recordatorio

stage recordatorio {
  split {
    50% -> suave
    50% -> firme
  }
}

stage suave {
  repeat 4 times {
    send sms aviso to account.celular
    wait 7 days
  }
  goto cierre
}

stage firme {
  repeat 6 times {
    call
    wait 3 days
  }
  goto cierre
}

stage cierre {
  wait 30 days
  end sin_pago
}

stage pagada {
  end pagada
}

template aviso for sms "Hola {account.nombre}, su deuda es {account.deuda}."
"#;

const MODELO: &str = r#"[map]
abono = "payment"
deuda = "balance"

[segments]
field = "puntaje"
[[segments.bands]]
max = 500
multiplier = 0.2
[[segments.bands]]
min = 700
multiplier = 3.0

[synthetic.puntaje]
range = [300, 850]
[synthetic.nombre]
file = "nombres.csv"
"#;

fn cobranza(dir: &std::path::Path) -> (String, String) {
    let f = dir.join("cobranza.dun");
    std::fs::write(&f, COBRANZA).unwrap();
    let m = dir.join("modelo.toml");
    std::fs::write(&m, MODELO).unwrap();
    std::fs::write(dir.join("nombres.csv"), "value,weight\nAna,3\nLuis,1\n").unwrap();
    (f.display().to_string(), m.display().to_string())
}

#[test]
fn a_spanish_flow_the_model_cannot_map_is_refused_with_what_was_looked_for() {
    let dir = scratch("unmapped");
    let (f, m) = cobranza(&dir);
    let base = ["simulate", f.as_str(), "--synthetic", "100", "--days", "30"];
    let out = dun(&base);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "no KPIs of a simulation that recovers nothing"
    );
    let err = common::text(&out.stderr);
    assert!(
        err.contains("no event of the flow carries payments: looked for `payment`")
            && err.contains("among the flow's events (abono)")
            && err.contains("`abono = \"payment\"`"),
        "{err}"
    );
    assert!(
        err.contains("no balance field found")
            && err.contains("the flow's money fields are deuda, cuota")
            && err.contains("`deuda = \"balance\"`"),
        "{err}"
    );
    // Warned, not refused.
    let mut allow = base.to_vec();
    allow.push("--allow-unmapped");
    let out = dun(&allow);
    assert_eq!(out.status.code(), Some(0));
    assert!(common::text(&out.stderr).contains("warning: "));
    // Mapped by the model: money comes back.
    let r = json(&[
        "simulate",
        &f,
        "--synthetic",
        "300",
        "--days",
        "30",
        "--behaviour",
        &m,
        "--format",
        "json",
    ]);
    assert!(
        r["whole"]["recovered"].as_f64().unwrap() > 0.0,
        "{}",
        r["whole"]
    );
    // A model naming what the flow lacks is an error in the model.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[map]\npagos = \"payment\"\n").unwrap();
    let out = dun(&[
        "simulate",
        &f,
        "--synthetic",
        "10",
        "--days",
        "10",
        "--behaviour",
        &bad.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out.stderr)
        .contains("map.pagos = \"payment\": the flow has no event `pagos`"));
}

#[test]
fn declared_fields_are_drawn_dumped_and_scale_by_bands() {
    let dir = scratch("bands");
    let (f, m) = cobranza(&dir);
    let dump = dir.join("drawn.csv");
    let out = dun(&[
        "simulate",
        &f,
        "--synthetic",
        "3000",
        "--days",
        "45",
        "--behaviour",
        &m,
        "--dump-portfolio",
        &dump.display().to_string(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    let drawn = std::fs::read_to_string(&dump).unwrap();
    let mut lines = drawn.lines();
    assert_eq!(lines.next(), Some("id,nombre,deuda,cuota,puntaje,celular"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3000);
    let scores: Vec<i64> = rows.iter().map(|r| r[4].parse().unwrap()).collect();
    assert!(
        scores.iter().all(|s| (300..=850).contains(s)),
        "within the declared range"
    );
    assert!(scores.iter().any(|s| *s < 400) && scores.iter().any(|s| *s > 800));
    let anas = rows.iter().filter(|r| r[1] == "Ana").count();
    assert!(
        anas > 2000 && anas < 2500,
        "3 in 4 from the file's weights: {anas}"
    );
    assert!(rows.iter().all(|r| r[1] == "Ana" || r[1] == "Luis"));
    // The dump is a portfolio: reading it back gives the same figures.
    let a: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = json(&[
        "simulate",
        &f,
        "--portfolio",
        &dump.display().to_string(),
        "--days",
        "45",
        "--behaviour",
        &m,
        "--format",
        "json",
    ]);
    assert_eq!(a["whole"]["balance_entered"], b["whole"]["balance_entered"]);
    // High scores pay: split the dumped accounts by band and compare.
    let high: String = std::iter::once("id,nombre,deuda,cuota,puntaje,celular")
        .chain(
            drawn
                .lines()
                .skip(1)
                .filter(|l| l.split(',').nth(4).unwrap().parse::<i64>().unwrap() >= 700),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let low: String = std::iter::once("id,nombre,deuda,cuota,puntaje,celular")
        .chain(
            drawn
                .lines()
                .skip(1)
                .filter(|l| l.split(',').nth(4).unwrap().parse::<i64>().unwrap() < 500),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let rate = |text: String, name: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text + "\n").unwrap();
        json(&[
            "simulate",
            &f,
            "--portfolio",
            &p.display().to_string(),
            "--days",
            "45",
            "--behaviour",
            &m,
            "--format",
            "json",
        ])["whole"]["recovery_rate"]
            .as_f64()
            .unwrap()
    };
    let (h, l) = (rate(high, "high.csv"), rate(low, "low.csv"));
    assert!(
        h > 3.0 * l,
        "score 700+ pays 15 times as often as under 500: {h} vs {l}"
    );
}

#[test]
fn arm_differences_come_with_intervals_and_a_sentence_and_runs_show_the_spread() {
    let dir = scratch("intervals");
    let (f, m) = cobranza(&dir);
    let r = json(&[
        "simulate",
        &f,
        "--synthetic",
        "400",
        "--days",
        "30",
        "--behaviour",
        &m,
        "--format",
        "json",
        "--runs",
        "3",
    ]);
    let arms = r["arms"].as_array().unwrap();
    assert_eq!(arms.len(), 2);
    for a in arms {
        let i = &a["intervals"][0];
        assert_eq!(i["metric"], "recovery_rate");
        let (lo, v, hi) = (
            i["low"].as_f64().unwrap(),
            i["value"].as_f64().unwrap(),
            i["high"].as_f64().unwrap(),
        );
        assert!(lo <= v && v <= hi && lo < hi, "{i}");
        let shown = a["kpis"]["recovery_rate"].as_f64().unwrap();
        assert!(
            (v - shown).abs() < 0.0001,
            "the interval is around the arm's rate"
        );
    }
    let d = &r["arm_differences"][0];
    assert_eq!(d["metric"], "recovery_rate");
    let sentence = d["sentence"].as_str().unwrap();
    if d["distinguishable"] == true {
        assert!(d["low"].as_f64().unwrap() > 0.0 || d["high"].as_f64().unwrap() < 0.0);
        assert!(
            sentence.contains("distinguishable from noise"),
            "{sentence}"
        );
    } else {
        assert!(
            sentence.contains("not distinguishable from noise at this size; about"),
            "{sentence}"
        );
        assert!(d["accounts_needed"].as_u64().unwrap() > 200);
    }
    let runs = r["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[2]["seed"], 3);
    let out = dun(&[
        "simulate",
        &f,
        "--synthetic",
        "400",
        "--days",
        "30",
        "--behaviour",
        &m,
        "--runs",
        "3",
    ]);
    let table = common::text(&out.stdout);
    assert!(
        table.contains("== recovery rate over 3 runs (seeds 1 to 3)"),
        "{table}"
    );
    assert!(table.contains("95% interval"), "{table}");
}

#[test]
fn goals_are_met_or_missed_and_a_gate_fails_ci_with_exit_status_1() {
    let dir = scratch("gate");
    let (f, m) = cobranza(&dir);
    // The candidate drops the calls: a lower recovery than the baseline.
    let worse = dir.join("worse.dun");
    std::fs::write(
        &worse,
        COBRANZA
            .replace("version 1", "version 2")
            .replace("repeat 6 times {\n    call", "repeat 1 times {\n    call"),
    )
    .unwrap();
    let worse = worse.display().to_string();
    let goals = dir.join("goals.toml");
    std::fs::write(
        &goals,
        "goals = [\"recovery_rate >= 1% by day 30\", \"recovery_rate >= 99%\"]\n",
    )
    .unwrap();
    let g = goals.display().to_string();
    let common = [
        "--synthetic",
        "600",
        "--days",
        "40",
        "--behaviour",
        m.as_str(),
    ];
    let run = |extra: &[&str]| {
        let mut a = vec!["simulate"];
        a.extend(extra);
        a.extend(common);
        dun(&a)
    };
    let out = run(&[&f, "--goals", &g]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "goals alone report, they do not fail"
    );
    let table = common::text(&out.stdout);
    assert!(
        table.contains("met: recovery_rate >= 1% by day 30 for cobranza v1"),
        "{table}"
    );
    assert!(
        table.contains("missed: recovery_rate >= 99% for cobranza v1"),
        "{table}"
    );
    let out = run(&[&f, "--goals", &g, "--fail-if", "goal missed"]);
    assert_eq!(out.status.code(), Some(1));
    // The gate: the candidate against the baseline.
    let out = run(&[
        &worse,
        "--vs",
        &f,
        "--fail-if",
        "recovery_rate drops by 1pt",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out.stdout));
    assert!(common::text(&out.stderr).contains("FAILED: recovery_rate drops by 1pt"));
    let out = run(&[
        &f,
        "--vs",
        &worse,
        "--fail-if",
        "recovery_rate drops by 1pt",
    ]);
    assert_eq!(out.status.code(), Some(0), "the better flow passes");
    assert!(common::text(&out.stdout).contains("passed: recovery_rate drops by 1pt"));
    let out = run(&[&f, "--vs", &f, "--fail-if", "recovery_rate drops by 0pt"]);
    assert_eq!(out.status.code(), Some(0), "no change is no drop");
    // A gate that cannot be checked is bad usage.
    let out = run(&[&f, "--fail-if", "recovery_rate drops by 1pt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out.stderr).contains("--vs OTHER_FLOW"));
    let out = run(&[&f, "--fail-if", "recovery_rate drops by 1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out.stderr).contains("`1pt`"));
}
