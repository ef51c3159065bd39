//! `dun status --db PATH [ACCOUNT] [--format text|json]`: how a
//! portfolio's store stands.

mod by_arm;
mod plans;
mod promises;
mod settlements;

use crate::exit;
use dun_runtime::store::Store;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The store written by `dun run`: a SQLite file or a PostgreSQL
    /// database (`postgres://USER@HOST/DB`, or `postgres:` from PG*).
    #[arg(long, value_name = "PATH|URL")]
    db: PathBuf,
    /// One account: its state, events, actions and audit trail.
    account: Option<String>,
    /// Per split arm: accounts, money recovered, promises made and kept,
    /// contacts and their cost, with 95% intervals and each arm's
    /// difference from the first.
    #[arg(long, conflicts_with = "account")]
    by_arm: bool,
    /// With `--by-arm`: the behaviour model naming the payment and promise
    /// events and the cost of each contact (`examples/behaviour.toml` by
    /// default).
    #[arg(long, value_name = "MODEL", requires = "by_arm")]
    behaviour: Option<PathBuf>,
    /// `json`: one JSON document on standard output, for scripts and CI.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

type Shown = Result<Option<String>, dun_runtime::store::StoreError>;

/// A moment as JSON shows it: RFC 3339, UTC, whole seconds.
fn moment(s: i64) -> serde_json::Value {
    chrono::DateTime::from_timestamp(s, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into())
        .unwrap_or_default()
}

fn when(s: i64) -> String {
    chrono::DateTime::from_timestamp(s, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "?".into())
}

pub fn run(args: &Args) -> u8 {
    if args.db.as_os_str() == dun_runtime::store::MEMORY {
        eprintln!(
            "error: `--db {}` is a store that lives only while one `dun run` runs; give `dun status` the store file a run wrote",
            dun_runtime::store::MEMORY
        );
        return exit::TROUBLE;
    }
    let at = match dun_runtime::store::Location::parse(&args.db) {
        Ok(at) => at,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::TROUBLE;
        }
    };
    if matches!(at, dun_runtime::store::Location::File(_)) && !args.db.exists() {
        eprintln!(
            "error: there is no store at `{}`; `dun run ... --db {}` creates it",
            args.db.display(),
            args.db.display()
        );
        return exit::TROUBLE;
    }
    // A store is read without its lease and without writing, so that
    // status works while a run holds it (and a file on read-only media).
    let opened = match &at {
        dun_runtime::store::Location::File(path) => Store::open_read_only(path),
        _ => Store::open_shared(&at),
    };
    let store = match opened {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::TROUBLE;
        }
    };
    if args.by_arm {
        let model = match &args.behaviour {
            None => dun_runtime::sim::Behaviour::default_model(),
            Some(p) => match dun_runtime::sim::Behaviour::load(p) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::TROUBLE;
                }
            },
        };
        let r = match by_arm::compute(&store, &model) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::TROUBLE;
            }
        };
        let text = match args.format {
            Format::Text => by_arm::text(&r),
            Format::Json => match serde_json::to_string_pretty(&r) {
                Ok(s) => s + "\n",
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::TROUBLE;
                }
            },
        };
        print!("{text}");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        return exit::CLEAN;
    }
    let text = match (&args.account, args.format) {
        (None, Format::Text) => summary(&store),
        (Some(id), Format::Text) => account(&store, id),
        (None, Format::Json) => summary_json(&store),
        (Some(id), Format::Json) => account_json(&store, id),
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
                store.label(),
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

fn summary(store: &Store) -> Shown {
    let mut out = String::new();
    let (accounts, events, actions, unexported) = store.totals()?;
    for v in store.versions()? {
        let _ = writeln!(
            out,
            "flow {} version {}: {} accounts",
            v.flow, v.version, v.accounts
        );
    }
    for p in store.pinned()? {
        let _ = writeln!(
            out,
            "  machine {} (version {}): {} accounts, {} in flight",
            dun_runtime::store::short(&p.fingerprint),
            p.version,
            p.accounts,
            p.in_flight
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
    let (promises, plans) = arrangements(store)?;
    if let Some(p) = promises {
        let _ = writeln!(
            out,
            "\npromises (each account's last): {} open, {} kept, {} broken; {:.1}% of the decided ones kept",
            p.open,
            p.kept,
            p.broken,
            p.kept_rate() * 100.0
        );
    }
    if let Some(p) = plans {
        let _ = writeln!(
            out,
            "plans (each account's last): {} current, {} completed, {} broken; {:.1}% of the decided ones completed",
            p.current,
            p.completed,
            p.broken,
            p.completed_rate() * 100.0
        );
    }
    Ok(Some(out))
}

/// How many accounts' last promise and last plan are in each state, each
/// `None` when no machine of the store tracks them: one read of every
/// account for both.
fn arrangements(
    store: &Store,
) -> Result<(Option<promises::Promises>, Option<plans::Plans>), dun_runtime::store::StoreError> {
    let mut machines = std::collections::HashMap::new();
    for p in store.pinned()? {
        let m = store.machine(&p.fingerprint)?;
        machines.insert(p.fingerprint, m);
    }
    let any =
        |tracks: fn(&dun_runtime::format::Machine) -> bool| machines.values().flatten().any(tracks);
    let mut promises = any(promises::tracks).then(promises::Promises::default);
    let mut plans = any(plans::tracks).then(plans::Plans::default);
    if promises.is_none() && plans.is_none() {
        return Ok((None, None));
    }
    for id in store.account_ids()? {
        let Some(acct) = store.account(&id)? else {
            continue;
        };
        let Some(Some(m)) = acct.machine.as_ref().and_then(|fp| machines.get(fp)) else {
            continue;
        };
        if let Some(p) = &mut promises {
            p.add(m, &acct);
        }
        if let Some(p) = &mut plans {
            p.add(m, &acct);
        }
    }
    Ok((promises, plans))
}

fn account(store: &Store, id: &str) -> Shown {
    let Some(a) = store.account(id)? else {
        return Ok(None);
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "account {id}: flow {} version {}, machine {}, cycle {}",
        a.flow,
        a.version,
        a.machine
            .as_deref()
            .map(dun_runtime::store::short)
            .unwrap_or("not kept yet"),
        a.cycle
    );
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
    } else if a.instance.status == dun_runtime::engine::Status::Active
        || !a.instance.queue.is_empty()
    {
        // Waiting on an event (a hold without a longest duration, or a
        // stage that waits for one): no timer would wake it.
        let _ = writeln!(out, "next due when an event it waits for comes");
    }
    if let Some(line) = settlements::line(store, &a)? {
        let _ = writeln!(out, "{line}");
    }
    if let Some((p, currency)) = plans::of(store, &a)? {
        let _ = writeln!(out, "{}", plans::line(&p, &currency));
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

pub(crate) fn summary_json(store: &Store) -> Shown {
    let (accounts, events, actions, unexported) = store.totals()?;
    let flows: Vec<serde_json::Value> = store
        .versions()?
        .into_iter()
        .map(|v| serde_json::json!({"flow": v.flow, "version": v.version, "accounts": v.accounts}))
        .collect();
    let stages: Vec<serde_json::Value> = store
        .stage_counts()?
        .into_iter()
        .map(|c| {
            serde_json::json!({
                "status": c.status,
                "stage": c.stage,
                "outcome": c.outcome,
                "accounts": c.accounts,
            })
        })
        .collect();
    let machines: Vec<serde_json::Value> = store
        .pinned()?
        .into_iter()
        .map(|p| {
            serde_json::json!({
                "fingerprint": p.fingerprint,
                "flow": p.flow,
                "version": p.version,
                "accounts": p.accounts,
                "in_flight": p.in_flight,
            })
        })
        .collect();
    let mut doc = serde_json::json!({
        "flows": flows,
        "machines": machines,
        "accounts": accounts,
        "events": events,
        "actions": actions,
        "unexported": unexported,
        "stages": stages,
    });
    let (promises, plans) = arrangements(store)?;
    if let Some(p) = promises {
        doc["promises"] = serde_json::json!({
            "open": p.open,
            "kept": p.kept,
            "broken": p.broken,
            "kept_rate": p.kept_rate(),
        });
    }
    if let Some(p) = plans {
        doc["plans"] = serde_json::json!({
            "current": p.current,
            "completed": p.completed,
            "broken": p.broken,
            "completed_rate": p.completed_rate(),
        });
    }
    Ok(Some(pretty(&doc)))
}

pub(crate) fn account_json(store: &Store, id: &str) -> Shown {
    let Some(a) = store.account(id)? else {
        return Ok(None);
    };
    let events: Vec<serde_json::Value> = store
        .events_of(id)?
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id,
                "type": e.kind,
                "at": moment(e.at),
                "processed": e.processed,
            })
        })
        .collect();
    // Each action as exported to `--actions`: the same object, parsed.
    let actions: Vec<serde_json::Value> = store
        .actions_of(id)?
        .iter()
        .map(|body| serde_json::from_str(body).unwrap_or(serde_json::Value::String(body.clone())))
        .collect();
    let audit: Vec<serde_json::Value> = store
        .audit_of(id)?
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "at": moment(e.at),
                "stage": e.stage,
                "kind": e.kind,
                "message": e.message,
            })
        })
        .collect();
    let next_due = a
        .instance
        .next_due()
        .map(|t| moment(t.timestamp()))
        .unwrap_or_default();
    let mut doc = serde_json::json!({
        "account": id,
        "flow": a.flow,
        "version": a.version,
        "machine": a.machine,
        "cycle": a.cycle,
        "status": a.status,
        "stage": a.stage,
        "outcome": a.outcome,
        "enrolled": moment(a.enrolled),
        "clock": moment(a.clock),
        "next_due": next_due,
        "events": events,
        "actions": actions,
        "audit": audit,
    });
    if let Some((p, currency)) = plans::of(store, &a)? {
        doc["plan"] = plans::json(&p, &currency);
    }
    Ok(Some(pretty(&doc)))
}

fn pretty(doc: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.push('\n');
    text
}
