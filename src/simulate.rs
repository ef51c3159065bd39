//! `dun simulate FLOW [--vs OTHER] (--portfolio FILE | --synthetic N) --days
//! D [--seed S] [--behaviour MODEL.toml] [--format table|json] [--report
//! OUT.html]`: compare strategies on the same accounts before rolling one
//! out.

use crate::exit;
use dun_runtime::data::{parse_account, read_rows};
use dun_runtime::sim::{self, Behaviour, Config, Kpis, Portfolio, Report};
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
    /// Days to simulate.
    #[arg(long, value_name = "D")]
    days: u32,
    /// The same seed gives the same output, byte for byte.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// How debtors respond (TOML); `examples/behaviour.toml` by default.
    #[arg(long, value_name = "MODEL")]
    behaviour: Option<PathBuf>,
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
    let model = match &args.behaviour {
        None => Behaviour::default_model(),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
            Behaviour::parse(&text).map_err(|e| format!("`{}`: {e}", p.display()))?
        }
    };
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
    let start = crate::flow::moment(&args.start).map_err(|e| format!("--start: {e}"))?;
    let cfg = Config {
        days: args.days,
        seed: args.seed,
        start,
        threads: args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }),
    };
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
                crate::build::shown(path),
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
                        crate::build::shown(path),
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
    let mut reports = vec![];
    for machine in std::iter::once(&m).chain(other.as_ref()) {
        let accounts = read(machine)?;
        let portfolio = match args.synthetic {
            Some(n) => Portfolio::Synthetic(n),
            None => Portfolio::Accounts(&accounts),
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
    let text = match args.format {
        Format::Json => {
            let v = if reports.len() == 1 {
                serde_json::to_value(&reports[0])
            } else {
                serde_json::to_value(&reports)
            };
            let mut s = v
                .and_then(|v| serde_json::to_string_pretty(&v))
                .map_err(|e| e.to_string())?;
            s.push('\n');
            s
        }
        Format::Table => table(&reports),
    };
    if let Some(path) = &args.report {
        std::fs::write(path, crate::report::html(&reports))
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    print!("{text}");
    let _ = std::io::Write::flush(&mut std::io::stdout());
    Ok(exit::CLEAN)
}

/// The KPI rows of the table: label and value.
pub(crate) fn rows(k: &Kpis) -> Vec<(String, f64, String)> {
    let pct = |x: f64| format!("{:.2}%", x * 100.0);
    let mut r = vec![
        (
            "accounts entered".to_string(),
            k.accounts as f64,
            k.accounts.to_string(),
        ),
        (
            "balance entered".into(),
            k.balance_entered,
            format!("{:.2}", k.balance_entered),
        ),
        (
            "amount recovered".into(),
            k.recovered,
            format!("{:.2}", k.recovered),
        ),
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
            k.paying_accounts.to_string(),
        ),
    ];
    for c in [
        "email", "sms", "whatsapp", "letter", "push", "voice", "call",
    ] {
        let n = k.contacts.get(c).copied().unwrap_or(0);
        r.push((format!("contacts: {c}"), n as f64, n.to_string()));
    }
    r.push(("cost of contacts".into(), k.cost, format!("{:.2}", k.cost)));
    r.push((
        "cost to collect".into(),
        k.cost_to_collect,
        pct(k.cost_to_collect),
    ));
    r.push((
        "right-party contacts".into(),
        k.right_party_contacts as f64,
        k.right_party_contacts.to_string(),
    ));
    r.push((
        "promises made".into(),
        k.promises_made as f64,
        k.promises_made.to_string(),
    ));
    r.push((
        "promises kept".into(),
        k.promises_kept as f64,
        k.promises_kept.to_string(),
    ));
    let med = k.median_days_to_resolution;
    r.push((
        "median days to resolution".into(),
        med.unwrap_or(0.0),
        med.map(|d| format!("{d}")).unwrap_or_else(|| "-".into()),
    ));
    for reason in sim::POLICY_REASONS {
        let n = k.policy.get(reason).copied().unwrap_or(0);
        r.push((format!("policy {reason}"), n as f64, n.to_string()));
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

fn grid(out: &mut String, header: &[String], body: &[Vec<String>]) {
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
    let mut body = vec![];
    for (i, (label, _, _)) in rows_of[0].iter().enumerate() {
        let mut row = vec![label.clone()];
        for r in &rows_of {
            row.push(r[i].2.clone());
        }
        if diff {
            let d = rows_of[1][i].1 - rows_of[0][i].1;
            let s = if label.contains("rate") || label == "cost to collect" {
                format!("{:+.2} pts", d * 100.0)
            } else if label.starts_with("balance")
                || label.starts_with("amount")
                || label.starts_with("cost")
            {
                format!("{d:+.2}")
            } else {
                format!("{d:+}")
            };
            row.push(s);
        }
        body.push(row);
    }
    for (label, values) in outcome_rows(ks) {
        let mut row = vec![label];
        row.extend(values.iter().map(|v| v.to_string()));
        if diff {
            row.push(format!("{:+}", values[1] as i64 - values[0] as i64));
        }
        body.push(row);
    }
    grid(out, &header, &body);
}

fn table(reports: &[Report]) -> String {
    let mut out = String::new();
    let r0 = &reports[0];
    let _ = writeln!(
        out,
        "{} accounts, {} days from {}, seed {}; money in {}\n",
        r0.whole.accounts, r0.days, r0.start, r0.seed, r0.currency
    );
    let names: Vec<String> = reports
        .iter()
        .map(|r| format!("{} v{}", r.flow, r.version))
        .collect();
    let _ = writeln!(out, "== whole portfolio");
    let ks: Vec<&Kpis> = reports.iter().map(|r| &r.whole).collect();
    kpi_table(&mut out, &names, &ks, reports.len() == 2);
    for r in reports {
        if !r.arms.is_empty() {
            let _ = writeln!(out, "\n== split arms of {} v{}", r.flow, r.version);
            let names: Vec<String> = r.arms.iter().map(|a| a.name.clone()).collect();
            let ks: Vec<&Kpis> = r.arms.iter().map(|a| &a.kpis).collect();
            kpi_table(&mut out, &names, &ks, false);
        }
        let _ = writeln!(out, "\n== stages of {} v{}", r.flow, r.version);
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
                    s.accounts_entered.to_string(),
                    format!("{:.2}", s.recovered),
                    s.contacts.values().sum::<u64>().to_string(),
                    format!("{:.2}", s.cost),
                    s.promises_made.to_string(),
                    s.outcomes.values().sum::<u64>().to_string(),
                    s.policy.values().sum::<u64>().to_string(),
                ]
            })
            .collect();
        grid(&mut out, &header, &body);
    }
    out
}
