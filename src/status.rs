//! `dun status --db PATH [ACCOUNT]`: how a portfolio's store stands.

use crate::exit;
use dun_runtime::store::Store;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The SQLite store written by `dun run`.
    #[arg(long, value_name = "PATH")]
    db: PathBuf,
    /// One account: its state, fields, events, actions and audit trail.
    account: Option<String>,
}

fn when(s: i64) -> String {
    chrono::DateTime::from_timestamp(s, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "?".into())
}

pub fn run(args: &Args) -> u8 {
    if !args.db.exists() {
        eprintln!(
            "error: there is no store at `{}`; `dun run ... --db {}` creates it",
            args.db.display(),
            args.db.display()
        );
        return exit::TROUBLE;
    }
    let store = match Store::open(&args.db) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::TROUBLE;
        }
    };
    let text = match &args.account {
        None => summary(&store),
        Some(id) => account(&store, id),
    };
    match text {
        Ok(Some(text)) => {
            print!("{text}");
            let _ = std::io::Write::flush(&mut std::io::stdout());
            exit::CLEAN
        }
        Ok(None) => {
            eprintln!(
                "error: the store `{}` has no account `{}`",
                args.db.display(),
                args.account.as_deref().unwrap_or("")
            );
            exit::FINDINGS
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::TROUBLE
        }
    }
}

fn summary(store: &Store) -> Result<Option<String>, dun_runtime::store::StoreError> {
    let mut out = String::new();
    let (accounts, events, actions, unexported) = store.totals()?;
    for v in store.versions()? {
        let _ = writeln!(
            out,
            "flow {} version {}: {} accounts",
            v.flow, v.version, v.accounts
        );
    }
    let _ = writeln!(
        out,
        "{accounts} accounts, {events} events, {actions} actions ({unexported} not exported yet)\n"
    );
    let counts = store.stage_counts()?;
    let width = counts
        .iter()
        .map(|c| c.stage.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "{:<8} {:<width$} {:<20} {:>9}",
        "status", "stage", "outcome", "accounts"
    );
    for c in counts {
        let _ = writeln!(
            out,
            "{:<8} {:<width$} {:<20} {:>9}",
            c.status,
            c.stage,
            c.outcome.as_deref().unwrap_or("-"),
            c.accounts
        );
    }
    Ok(Some(out))
}

fn account(store: &Store, id: &str) -> Result<Option<String>, dun_runtime::store::StoreError> {
    let Some(a) = store.account(id)? else {
        return Ok(None);
    };
    let mut out = String::new();
    let _ = writeln!(out, "account {id}: flow {} version {}", a.flow, a.version);
    let _ = writeln!(
        out,
        "status {}, stage {}{}",
        a.status,
        a.stage,
        a.outcome
            .as_deref()
            .map(|o| format!(", outcome {o}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "enrolled {}, clock {}",
        when(a.enrolled),
        when(a.clock)
    );
    if let Some(next) = a.instance.next_due() {
        let _ = writeln!(out, "next due {}", next.format("%Y-%m-%d %H:%M UTC"));
    }
    let _ = writeln!(out, "\nevents:");
    for e in store.events_of(id)? {
        let _ = writeln!(
            out,
            "  {}  {} {}{}",
            when(e.at),
            e.kind,
            e.id,
            if e.processed { "" } else { " (pending)" }
        );
    }
    let _ = writeln!(out, "\nactions:");
    for body in store.actions_of(id)? {
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let what = match s("type").as_str() {
            "send" => format!("send {} {}", s("channel"), s("template")),
            "call" => format!("call {}", s("queue")),
            "stage" => format!("stage {}", s("to")),
            "end" => format!("end {}", s("outcome")),
            "assign_queue" => format!("assign queue {}", s("queue")),
            "assign_agency" => format!("assign agency {}", s("agency")),
            "alert" => format!("alert {}", s("team")),
            "emit" => format!("emit {}", s("action")),
            other => other.replace('_', " "),
        };
        let _ = writeln!(out, "  {}  {}  {what}", s("at"), s("id"));
    }
    let _ = writeln!(out, "\naudit:");
    for e in store.audit_of(id)? {
        let _ = writeln!(
            out,
            "  {}  {:<10} {:<11} {}",
            when(e.at),
            e.stage,
            e.kind,
            e.message
        );
    }
    Ok(Some(out))
}
