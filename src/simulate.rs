//! `dun simulate FLOW [--vs OTHER] (--portfolio FILE | --synthetic N) --days
//! D [--seed S] [--behaviour MODEL.toml] [--format table|json] [--report
//! OUT.html]`: compare strategies on the same accounts before rolling one
//! out.

use crate::exit;
use dun_runtime::data::{parse_account, read_rows, value_json};
use dun_runtime::sim::stats::{self, thousands, Difference};
use dun_runtime::sim::{self, goals, Behaviour, Config, Kpis, Portfolio, Report};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The flow: a `.dun` file or a compiled `.dunc`.
    flow: PathBuf,
    /// A second flow, run on the same accounts with the same seed and shown
    /// side by side with the differences.
    #[arg(long, value_name = "OTHER_FLOW")]
    vs: Option<PathBuf>,
    /// Accounts to simulate (CSV or JSONL, as `dun run` reads them).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "synthetic",
        required_unless_present = "synthetic"
    )]
    portfolio: Option<PathBuf>,
    /// Draw this many accounts that fit the flow's schema.
    #[arg(long, value_name = "N")]
    synthetic: Option<u64>,
    /// Write the accounts `--synthetic` drew (CSV, as `--portfolio` reads).
    #[arg(long, value_name = "FILE", requires = "synthetic")]
    dump_portfolio: Option<PathBuf>,
    /// Days to simulate.
    #[arg(long, value_name = "D")]
    days: u32,
    /// The same seed gives the same output, byte for byte.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Repeat with K seeds (S, S+1, ...) and report the spread.
    #[arg(long, value_name = "K", default_value_t = 1)]
    runs: u32,
    /// How debtors respond (TOML); `examples/behaviour.toml` by default.
    #[arg(long, value_name = "MODEL")]
    behaviour: Option<PathBuf>,
    /// Simulate even when the model finds no payment event or no balance
    /// (nothing can be recovered then): a warning instead of a refusal.
    #[arg(long)]
    allow_unmapped: bool,
    /// Targets to report as met or missed (TOML: `goals = ["recovery_rate
    /// >= 35% by day 90"]`).
    #[arg(long, value_name = "FILE")]
    goals: Option<PathBuf>,
    /// A target, as a line of a goals file (repeatable).
    #[arg(long, value_name = "GOAL")]
    goal: Vec<String>,
    /// Exit with 1 when this holds: `recovery_rate drops by 1pt` (FLOW
    /// against the `--vs` flow), `cost rises by 10%`, `goal missed`.
    #[arg(long, value_name = "CONDITION")]
    fail_if: Vec<String>,
    /// When the accounts enter the flow (RFC 3339 or a date).
    #[arg(long, value_name = "T", default_value = "2026-03-02T14:00:00Z")]
    start: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write a self-contained HTML report with charts.
    #[arg(long, value_name = "OUT")]
    report: Option<PathBuf>,
    /// Worker threads (by default one per core).
    #[arg(long, hide = true)]
    threads: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

pub fn run(args: &Args) -> u8 {
    match go(args) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("error: {message}");
            exit::TROUBLE
        }
    }
}

/// Everything one invocation produced, for the table, JSON and HTML.
pub(crate) struct Outcome {
    pub reports: Vec<Report>,
    /// FLOW against `--vs`, paired over the same accounts.
    pub differences: Vec<Difference>,
    pub goals: Vec<goals::Checked>,
    pub gates: Vec<goals::GateResult>,
    pub runs: Vec<RunFigures>,
}

/// The headline figures of one seed, for `--runs`.
#[derive(serde::Serialize)]
pub(crate) struct RunFigures {
    pub seed: u64,
    /// Per flow: recovery rate, and per arm (name, recovery rate).
    pub flows: Vec<FlowFigures>,
}

/// A flow's name, its recovery rate, and each arm's (name, rate).
pub(crate) type FlowFigures = (String, f64, Vec<(String, f64)>);

/// Binds the model to a flow and says what does not fit: errors stop the
/// run (exit 2), an unmapped payment or balance refuses it (exit 1) unless
/// `--allow-unmapped`.
fn fit(
    args: &Args,
    path: &std::path::Path,
    m: &dun_runtime::Machine,
    model: &Behaviour,
) -> Result<(), u8> {
    let b = sim::bind(m, model);
    let shown = crate::inputs::shown(path);
    for n in &b.notes {
        eprintln!("note: {shown}: {n}");
    }
    if !b.errors.is_empty() {
        for e in &b.errors {
            eprintln!("error: {shown}: behaviour model: {e}");
        }
        return Err(exit::TROUBLE);
    }
    if b.unmapped.is_empty() {
        return Ok(());
    }
    let level = if args.allow_unmapped {
        "warning"
    } else {
        "error"
    };
    for u in &b.unmapped {
        eprintln!("{level}: {shown}: {u}");
    }
    if args.allow_unmapped {
        eprintln!(
            "warning: simulating anyway (--allow-unmapped): nothing can be recovered without both"
        );
        Ok(())
    } else {
        eprintln!(
            "the behaviour model does not fit this flow, so the simulation would recover nothing; map the names (docs/cli.md, \"Behaviour models\") or pass --allow-unmapped"
        );
        Err(exit::FINDINGS)
    }
}

fn go(args: &Args) -> Result<u8, String> {
    if let Some(report) = &args.report {
        use crate::outputs::{refuse_overwrite, Named};
        let inputs: Vec<Named> = [
            ("the flow", Some(&args.flow)),
            ("--vs", args.vs.as_ref()),
            ("--portfolio", args.portfolio.as_ref()),
            ("--behaviour", args.behaviour.as_ref()),
        ]
        .into_iter()
        .filter_map(|(option, path)| {
            Some(Named {
                option,
                path: path?.as_path(),
            })
        })
        .collect();
        refuse_overwrite(
            &[Named {
                option: "--report",
                path: report,
            }],
            &inputs,
        )?;
    }
    if args.days == 0 || args.days > 3660 {
        return Err("--days must be between 1 and 3660".into());
    }
    if args.runs == 0 || args.runs > 1000 {
        return Err("--runs must be between 1 and 1000".into());
    }
    let model = match &args.behaviour {
        None => Behaviour::default_model(),
        Some(p) => Behaviour::load(p)?,
    };
    let mut goal_list = vec![];
    if let Some(p) = &args.goals {
        let text = std::fs::read_to_string(p)
            .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
        goal_list = goals::read_file(&text).map_err(|e| format!("`{}`: {e}", p.display()))?;
    }
    for g in &args.goal {
        goal_list.push(goals::Goal::parse(g).map_err(|e| format!("--goal {e}"))?);
    }
    for g in &goal_list {
        g.fits(args.days)?;
    }
    let gates = args
        .fail_if
        .iter()
        .map(|g| goals::Gate::parse(g).map_err(|e| format!("--fail-if {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    for g in &gates {
        if matches!(g, goals::Gate::Change { .. }) && args.vs.is_none() {
            return Err(format!(
                "--fail-if \"{}\" compares FLOW with another flow; give it with `--vs OTHER_FLOW`",
                args.fail_if.join(", ")
            ));
        }
    }
    let m = match crate::flow::load(&args.flow) {
        Ok(m) => m,
        Err(s) => return Ok(s),
    };
    let other = match &args.vs {
        None => None,
        Some(p) => match crate::flow::load(p) {
            Ok(m) => Some(m),
            Err(s) => return Ok(s),
        },
    };
    if let Err(s) = fit(args, &args.flow, &m, &model) {
        return Ok(s);
    }
    if let (Some(o), Some(p)) = (&other, &args.vs) {
        if let Err(s) = fit(args, p, o, &model) {
            return Ok(s);
        }
    }
    let start = crate::flow::moment(&args.start).map_err(|e| format!("--start: {e}"))?;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if let (Some(path), Some(n)) = (&args.dump_portfolio, args.synthetic) {
        dump(path, &m, &model, n, args.seed, start)?;
    }
    let read = |m: &dun_runtime::Machine| -> Result<Vec<dun_runtime::Account>, String> {
        let Some(path) = &args.portfolio else {
            return Ok(vec![]);
        };
        let (rows, bad) = read_rows(path)?;
        let mut accounts = Vec::with_capacity(rows.len());
        let mut rejected = bad.len();
        for r in &bad {
            eprintln!(
                "{}:{}: rejected: {}",
                crate::inputs::shown(path),
                r.line,
                r.reason
            );
        }
        for row in rows {
            match parse_account(m, &row) {
                Ok(a) => accounts.push(a),
                Err(reason) => {
                    rejected += 1;
                    eprintln!(
                        "{}:{}: rejected: {reason}",
                        crate::inputs::shown(path),
                        row.line
                    );
                }
            }
        }
        if rejected > 0 {
            eprintln!(
                "{rejected} account rows rejected; simulating the other {}",
                accounts.len()
            );
        }
        Ok(accounts)
    };
    let mut portfolios = vec![];
    for machine in std::iter::once(&m).chain(other.as_ref()) {
        portfolios.push(read(machine)?);
    }
    // A worker that panicked fails the command (status 2 with its message):
    // a report of what the other workers saw would be wrong without a word.
    let simulate_all = |seed: u64| -> Result<Vec<Report>, String> {
        let cfg = Config {
            days: args.days,
            seed,
            start,
            threads,
        };
        let mut reports = vec![];
        for (machine, accounts) in std::iter::once(&m).chain(other.as_ref()).zip(&portfolios) {
            let portfolio = match args.synthetic {
                Some(n) => Portfolio::Synthetic(n),
                None => Portfolio::Accounts(accounts),
            };
            let bar = crate::run::progress_bar();
            if let Some(b) = &bar {
                b.set_length(portfolio.len());
            }
            let report = sim::simulate(machine, &model, &portfolio, &cfg, &mut |done| {
                if let Some(b) = &bar {
                    b.set_position(done);
                }
            })?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            reports.push(report);
        }
        Ok(reports)
    };
    let mut reports = simulate_all(args.seed)?;
    for r in &mut reports {
        sim::analyse(r);
    }
    let differences = match reports.as_slice() {
        [a, b] if a.samples.len() == b.samples.len() => {
            stats::paired((&label(a), &a.samples), (&label(b), &b.samples), args.seed)
        }
        [_, _] => {
            eprintln!("note: the two flows accepted different accounts from the portfolio, so their difference has no interval");
            vec![]
        }
        _ => vec![],
    };
    let mut runs = vec![];
    if args.runs > 1 {
        for k in 0..u64::from(args.runs) {
            let seed = args.seed.wrapping_add(k);
            let rs = if k == 0 {
                None
            } else {
                Some(simulate_all(seed)?)
            };
            let rs = rs.as_deref().unwrap_or(&reports);
            runs.push(RunFigures {
                seed,
                flows: rs
                    .iter()
                    .map(|r| {
                        (
                            label(r),
                            r.whole.recovery_rate,
                            r.arms
                                .iter()
                                .map(|a| (a.name.clone(), a.kpis.recovery_rate))
                                .collect(),
                        )
                    })
                    .collect(),
            });
        }
    }
    let checked: Vec<goals::Checked> = reports
        .iter()
        .take(1)
        .flat_map(|r| goal_list.iter().map(move |g| goals::check(g, r)))
        .collect();
    let gate_results = gates
        .iter()
        .map(|g| goals::gate(g, &reports[0], reports.get(1), &checked))
        .collect::<Result<Vec<_>, _>>()?;
    let outcome = Outcome {
        reports,
        differences,
        goals: checked,
        gates: gate_results,
        runs,
    };
    let text = match args.format {
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&json(&outcome)?).map_err(|e| e.to_string())?;
            s.push('\n');
            s
        }
        Format::Table => table(&outcome),
    };
    if let Some(path) = &args.report {
        std::fs::write(path, crate::report::html(&outcome))
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    print!("{text}");
    let _ = std::io::Write::flush(&mut std::io::stdout());
    if outcome.gates.iter().any(|g| g.failed) {
        for g in outcome.gates.iter().filter(|g| g.failed) {
            eprintln!("{}", g.sentence);
        }
        return Ok(exit::FINDINGS);
    }
    Ok(exit::CLEAN)
}

pub(crate) fn label(r: &Report) -> String {
    format!("{} v{}", r.flow, r.version)
}

/// One flow: its report with the goals, gates and runs beside it; two
/// flows: both reports under `flows`, and their paired `differences`.
fn json(o: &Outcome) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    let err = |e: serde_json::Error| e.to_string();
    let mut v = if o.reports.len() == 1 {
        serde_json::to_value(&o.reports[0]).map_err(err)?
    } else {
        let mut m = serde_json::Map::new();
        m.insert(
            "flows".into(),
            serde_json::to_value(&o.reports).map_err(err)?,
        );
        m.insert(
            "differences".into(),
            serde_json::to_value(&o.differences).map_err(err)?,
        );
        J::Object(m)
    };
    if let J::Object(map) = &mut v {
        if !o.goals.is_empty() {
            map.insert("goals".into(), serde_json::to_value(&o.goals).map_err(err)?);
        }
        if !o.gates.is_empty() {
            map.insert("gates".into(), serde_json::to_value(&o.gates).map_err(err)?);
        }
        if !o.runs.is_empty() {
            map.insert("runs".into(), serde_json::to_value(&o.runs).map_err(err)?);
        }
    }
    Ok(v)
}

/// Writes the accounts `--synthetic` draws as CSV that `--portfolio`
/// reads back.
fn dump(
    path: &std::path::Path,
    m: &dun_runtime::Machine,
    model: &Behaviour,
    n: u64,
    seed: u64,
    start: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    use std::io::Write as _;
    let b = sim::bind(m, model);
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let cell = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut header = vec!["id".to_string()];
    header.extend(m.account.iter().map(|f| cell(m.str(f.name))));
    let fail = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    writeln!(out, "{}", header.join(",")).map_err(fail)?;
    for i in 0..n {
        let a = sim::synthetic::account_drawn(m, seed, i, start, b.balance, &b.draws);
        let mut row = vec![cell(&a.id)];
        for v in &a.fields {
            row.push(cell(&match value_json(v) {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }));
        }
        writeln!(out, "{}", row.join(",")).map_err(fail)?;
    }
    out.flush().map_err(fail)
}

/// The KPI rows of the table: label and value.
/// Money to cents with thousands separators: `12,345.60`.
pub(crate) fn money(x: f64) -> String {
    let cents = (x * 100.0).round();
    let sign = if cents < 0.0 { "-" } else { "" };
    let c = cents.abs() as u64;
    format!("{sign}{}.{:02}", thousands(c / 100), c % 100)
}

/// A signed difference of money: `+1,234.50`.
fn signed_money(x: f64) -> String {
    if x >= 0.0 {
        format!("+{}", money(x))
    } else {
        money(x)
    }
}

fn count(n: u64) -> String {
    thousands(n)
}

pub(crate) fn rows(k: &Kpis) -> Vec<(String, f64, String)> {
    let pct = |x: f64| format!("{:.2}%", x * 100.0);
    let mut r = vec![
        (
            "accounts entered".to_string(),
            k.accounts as f64,
            count(k.accounts),
        ),
        (
            "balance entered".into(),
            k.balance_entered,
            money(k.balance_entered),
        ),
        ("amount recovered".into(), k.recovered, money(k.recovered)),
        (
            "recovery rate".into(),
            k.recovery_rate,
            pct(k.recovery_rate),
        ),
        (
            "liquidation rate".into(),
            k.liquidation_rate,
            pct(k.liquidation_rate),
        ),
        (
            "paying accounts".into(),
            k.paying_accounts as f64,
            count(k.paying_accounts),
        ),
    ];
    for c in [
        "email", "sms", "whatsapp", "letter", "push", "voice", "call",
    ] {
        let n = k.contacts.get(c).copied().unwrap_or(0);
        r.push((format!("contacts: {c}"), n as f64, count(n)));
    }
    r.push(("cost of contacts".into(), k.cost, money(k.cost)));
    r.push((
        "cost to collect".into(),
        k.cost_to_collect,
        pct(k.cost_to_collect),
    ));
    r.push((
        "right-party contacts".into(),
        k.right_party_contacts as f64,
        count(k.right_party_contacts),
    ));
    r.push((
        "promises made".into(),
        k.promises_made as f64,
        count(k.promises_made),
    ));
    r.push((
        "promises kept".into(),
        k.promises_kept as f64,
        count(k.promises_kept),
    ));
    // Only a flow that tracks promises has them; every arm of a run does.
    if let Some(p) = &k.flow_promises {
        r.push((
            "promises kept by payments".into(),
            p.kept as f64,
            count(p.kept),
        ));
        r.push(("promises broken".into(), p.broken as f64, count(p.broken)));
        r.push(("promise-kept rate".into(), p.kept_rate, pct(p.kept_rate)));
    }
    if let Some(p) = &k.flow_plans {
        r.push((
            "plans completed".into(),
            p.completed as f64,
            count(p.completed),
        ));
        r.push(("plans broken".into(), p.broken as f64, count(p.broken)));
        r.push((
            "plan-completion rate".into(),
            p.completed_rate,
            pct(p.completed_rate),
        ));
    }
    if let Some(s) = &k.flow_settlements {
        r.push((
            "settlements offered".into(),
            s.offered as f64,
            count(s.offered),
        ));
        r.push((
            "settlements accepted".into(),
            s.accepted as f64,
            count(s.accepted),
        ));
        r.push(("settlements paid".into(), s.paid as f64, count(s.paid)));
        r.push((
            "settlements lapsed".into(),
            s.lapsed as f64,
            count(s.lapsed),
        ));
        r.push(("settlement-paid rate".into(), s.paid_rate, pct(s.paid_rate)));
        r.push(("amount forgiven".into(), s.forgiven, money(s.forgiven)));
    }
    if let Some(f) = &k.fees {
        r.push(("fees charged".into(), f.charged as f64, count(f.charged)));
        r.push(("amount of fees charged".into(), f.amount, money(f.amount)));
        r.push((
            "fees suppressed by caps or holds".into(),
            f.suppressed as f64,
            count(f.suppressed),
        ));
        r.push((
            "accounts with interest frozen".into(),
            f.interest_frozen_accounts as f64,
            count(f.interest_frozen_accounts),
        ));
    }
    let med = k.median_days_to_resolution;
    r.push((
        "median days to resolution".into(),
        med.unwrap_or(0.0),
        med.map(|d| format!("{d}")).unwrap_or_else(|| "-".into()),
    ));
    for reason in sim::POLICY_REASONS {
        let n = k.policy.get(reason).copied().unwrap_or(0);
        r.push((format!("policy {reason}"), n as f64, count(n)));
    }
    r
}

fn outcome_rows(ks: &[&Kpis]) -> Vec<(String, Vec<u64>)> {
    let mut names: Vec<&String> = ks.iter().flat_map(|k| k.outcomes.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            (
                format!("outcome {n}"),
                ks.iter()
                    .map(|k| k.outcomes.get(n).copied().unwrap_or(0))
                    .collect(),
            )
        })
        .collect()
}

pub(crate) fn grid(out: &mut String, header: &[String], body: &[Vec<String>]) {
    let cols = header.len();
    let mut w = vec![0; cols];
    for row in std::iter::once(header).chain(body.iter().map(|r| r.as_slice())) {
        for (i, c) in row.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    for row in std::iter::once(header).chain(body.iter().map(|r| r.as_slice())) {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(line, "{c:<width$}", width = w[0]);
            } else {
                let _ = write!(line, "  {c:>width$}", width = w[i]);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn kpi_table(out: &mut String, names: &[String], ks: &[&Kpis], diff: bool) {
    let mut header = vec!["".to_string()];
    header.extend(names.iter().cloned());
    if diff {
        header.push("difference".into());
    }
    let rows_of: Vec<Vec<(String, f64, String)>> = ks.iter().map(|k| rows(k)).collect();
    // Rows by label: a flow that tracks promises, plans or fees has rows
    // another flow of a comparison does not (shown `-` there).
    let mut labels: Vec<&String> = Vec::new();
    for (label, _, _) in rows_of.iter().flatten() {
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    let find = |r: &[(String, f64, String)], label: &str| {
        r.iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, v, shown)| (*v, shown.clone()))
    };
    let mut body = vec![];
    for label in labels {
        let mut row = vec![label.clone()];
        let found: Vec<Option<(f64, String)>> = rows_of.iter().map(|r| find(r, label)).collect();
        for f in &found {
            row.push(
                f.as_ref()
                    .map_or_else(|| "-".to_string(), |(_, s)| s.clone()),
            );
        }
        if diff {
            let (Some(Some((a, _))), Some(Some((b, _)))) = (found.first(), found.get(1)) else {
                row.push("-".into());
                body.push(row);
                continue;
            };
            let d = b - a;
            let s = if label.contains("rate") || label == "cost to collect" {
                format!("{:+.2} pts", d * 100.0)
            } else if label.starts_with("balance")
                || label.starts_with("amount")
                || label.starts_with("cost")
            {
                signed_money(d)
            } else {
                format!("{d:+}")
            };
            row.push(s);
        }
        body.push(row);
    }
    for (label, values) in outcome_rows(ks) {
        let mut row = vec![label];
        row.extend(values.iter().map(|v| count(*v)));
        if diff {
            row.push(format!("{:+}", values[1] as i64 - values[0] as i64));
        }
        body.push(row);
    }
    grid(out, &header, &body);
}

/// A difference's interval as shown: points for rates.
pub(crate) fn interval(d: &Difference) -> (String, String) {
    let rate = d.metric.ends_with("_rate");
    let f = |x: f64| {
        if rate {
            format!("{:+.2}", x * 100.0)
        } else {
            signed_money(x)
        }
    };
    let unit = if rate { " pts" } else { "" };
    (
        format!("{}{unit}", f(d.difference)),
        format!("[{}, {}]{unit}", f(d.low), f(d.high)),
    )
}

/// An estimate's interval as shown.
pub(crate) fn estimate(e: &stats::Estimate) -> String {
    if e.metric.ends_with("_rate") {
        format!(
            "{:.2}% [{:.2}%, {:.2}%]",
            e.value * 100.0,
            e.low * 100.0,
            e.high * 100.0
        )
    } else {
        format!("{} [{}, {}]", money(e.value), money(e.low), money(e.high))
    }
}

pub(crate) fn metric_words(metric: &str) -> String {
    metric.replace('_', " ")
}

fn differences(out: &mut String, title: &str, ds: &[Difference]) {
    if ds.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n== {title}");
    let header: Vec<String> = ["", "difference", "95% interval"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut body = vec![];
    let mut meanings = vec![String::new()];
    for d in ds {
        let (v, i) = interval(d);
        body.push(vec![metric_words(d.metric), v, i]);
        let meaning = d
            .sentence
            .split_once(": ")
            .map(|x| x.1)
            .unwrap_or(&d.sentence);
        meanings.push(meaning.to_string());
    }
    let mut cells = String::new();
    grid(&mut cells, &header, &body);
    let width = cells.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    for (line, meaning) in cells.lines().zip(meanings) {
        let line = format!("{line:<width$}  {meaning}");
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn table(o: &Outcome) -> String {
    let reports = &o.reports;
    let mut out = String::new();
    let r0 = &reports[0];
    let _ = writeln!(
        out,
        "{} accounts, {} days from {}, seed {}; money in {}\n",
        count(r0.whole.accounts),
        r0.days,
        r0.start,
        r0.seed,
        r0.currency
    );
    let names: Vec<String> = reports.iter().map(label).collect();
    let _ = writeln!(out, "== whole portfolio");
    let ks: Vec<&Kpis> = reports.iter().map(|r| &r.whole).collect();
    kpi_table(&mut out, &names, &ks, reports.len() == 2);
    if reports.len() == 2 {
        differences(
            &mut out,
            &format!(
                "{} minus {}, on the same {} accounts (95% intervals: paired bootstrap over accounts)",
                names[1],
                names[0],
                count(r0.whole.accounts)
            ),
            &o.differences,
        );
    }
    for r in reports {
        if !r.arms.is_empty() {
            let _ = writeln!(out, "\n== split arms of {}", label(r));
            let names: Vec<String> = r.arms.iter().map(|a| a.name.clone()).collect();
            let ks: Vec<&Kpis> = r.arms.iter().map(|a| &a.kpis).collect();
            kpi_table(&mut out, &names, &ks, false);
            let mut header = vec!["95% intervals".to_string()];
            header.extend(names.iter().cloned());
            let mut body = vec![];
            for (k, e) in r
                .arms
                .first()
                .map(|a| a.intervals.as_slice())
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let mut row = vec![metric_words(e.metric)];
                for a in &r.arms {
                    row.push(a.intervals.get(k).map(estimate).unwrap_or_default());
                }
                body.push(row);
            }
            if !body.is_empty() {
                out.push('\n');
                grid(&mut out, &header, &body);
            }
            for (a, b, ds) in pairs(&r.arm_differences) {
                differences(
                    &mut out,
                    &format!("{b} minus {a} (95% intervals: bootstrap over each arm's accounts)"),
                    &ds,
                );
            }
        }
        let _ = writeln!(out, "\n== stages of {}", label(r));
        let header: Vec<String> = [
            "stage",
            "entered",
            "recovered",
            "contacts",
            "cost",
            "promises",
            "ended",
            "held/suppressed",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let body: Vec<Vec<String>> = r
            .stages
            .iter()
            .map(|s| {
                vec![
                    s.stage.clone(),
                    count(s.accounts_entered),
                    money(s.recovered),
                    count(s.contacts.values().sum::<u64>()),
                    money(s.cost),
                    count(s.promises_made),
                    count(s.outcomes.values().sum::<u64>()),
                    count(s.policy.values().sum::<u64>()),
                ]
            })
            .collect();
        grid(&mut out, &header, &body);
    }
    if let Some(first) = o.runs.first() {
        let last = o.runs.last().map(|r| r.seed).unwrap_or(first.seed);
        let _ = writeln!(
            out,
            "\n== recovery rate over {} runs (seeds {} to {last})",
            o.runs.len(),
            first.seed
        );
        let header: Vec<String> = ["", "lowest", "median", "highest"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut body = vec![];
        for spread in spreads(&o.runs) {
            body.push(vec![
                spread.0,
                format!("{:.2}%", spread.1 * 100.0),
                format!("{:.2}%", spread.2 * 100.0),
                format!("{:.2}%", spread.3 * 100.0),
            ]);
        }
        grid(&mut out, &header, &body);
    }
    if !o.goals.is_empty() {
        let _ = writeln!(out, "\n== goals");
        for g in &o.goals {
            let _ = writeln!(out, "{}", g.sentence);
        }
    }
    if !o.gates.is_empty() {
        let _ = writeln!(out, "\n== gates (--fail-if)");
        for g in &o.gates {
            let _ = writeln!(out, "{}", g.sentence);
        }
    }
    out
}

/// Differences grouped by the two arms they compare, in order.
pub(crate) fn pairs(ds: &[Difference]) -> Vec<(String, String, Vec<Difference>)> {
    let mut out: Vec<(String, String, Vec<Difference>)> = vec![];
    for d in ds {
        match out.iter_mut().find(|(a, b, _)| *a == d.a && *b == d.b) {
            Some(p) => p.2.push(d.clone()),
            None => out.push((d.a.clone(), d.b.clone(), vec![d.clone()])),
        }
    }
    out
}

/// Per flow and arm (and the difference of two flows): lowest, median and
/// highest recovery rate over the runs.
pub(crate) fn spreads(runs: &[RunFigures]) -> Vec<(String, f64, f64, f64)> {
    let mut series: Vec<(String, Vec<f64>)> = vec![];
    let mut push = |name: String, x: f64| match series.iter_mut().find(|s| s.0 == name) {
        Some(s) => s.1.push(x),
        None => series.push((name, vec![x])),
    };
    for r in runs {
        for (flow, rate, arms) in &r.flows {
            push(flow.clone(), *rate);
            for (arm, x) in arms {
                push(format!("{flow}: {arm}"), *x);
            }
        }
        if let [(a, x, _), (b, y, _)] = r.flows.as_slice() {
            push(format!("{b} minus {a} (pts)"), y - x);
        }
    }
    series
        .into_iter()
        .map(|(name, mut xs)| {
            xs.sort_by(f64::total_cmp);
            let n = xs.len();
            let median = if n % 2 == 1 {
                xs[n / 2]
            } else {
                (xs[n / 2 - 1] + xs[n / 2]) / 2.0
            };
            (name, xs[0], median, xs[n - 1])
        })
        .collect()
}
