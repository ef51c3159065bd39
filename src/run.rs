//! `dun run FLOW --db PATH --accounts FILE --events FILE --until T
//! --actions OUT.jsonl`: one durable batch over a portfolio's store.

use crate::exit;
use dun_runtime::data::{parse_account_as_of, parse_event, read_rows, Reject};
use dun_runtime::store::{self, RunInput, Store};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The flow: a `.dun` file (compiled on the spot) or a `.dunc` file.
    flow: PathBuf,
    /// The store of the portfolio (created when missing): a SQLite file;
    /// `:memory:`, a fresh store kept in memory, which keeps nothing; or a
    /// PostgreSQL database, `postgres://USER@HOST:PORT/DB` or `postgres:`
    /// (from PGHOST, PGPORT, PGUSER, PGDATABASE), its password from
    /// PGPASSWORD or ~/.pgpass, never in the URL.
    #[arg(long, value_name = "PATH|URL")]
    db: PathBuf,
    /// Accounts (CSV or JSONL): new ones enrol at `--start`, known ones get
    /// their fields updated.
    #[arg(long, value_name = "FILE")]
    accounts: Option<PathBuf>,
    /// Events (JSONL or CSV) with `id`, `account`, `type`, `at` and payload
    /// fields; an id already stored with the same content is ignored.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// When new accounts enrol (RFC 3339 or a date); now by default.
    #[arg(long, value_name = "T")]
    start: Option<String>,
    /// Every account's clock advances to this moment.
    #[arg(long, value_name = "T")]
    until: String,
    /// Appends the actions not exported before to this JSON Lines file.
    #[arg(long, value_name = "OUT")]
    actions: PathBuf,
    /// Where rejected rows go (JSON Lines, appended, each line stamped with
    /// the run); by default next to `--actions`, named `OUT.rejects.jsonl`.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Any rejected row fails the run (exit status 1) and nothing is
    /// stored or run.
    #[arg(long)]
    strict: bool,
    /// Accounts in flight on an earlier version of the flow finish on it,
    /// while new accounts enter this version (docs/runtime.md, "Changing a
    /// running flow").
    #[arg(long)]
    drain: bool,
    /// Accounts per transaction (one disk sync each).
    #[arg(long, default_value_t = 1000, hide = true)]
    batch: usize,
    /// Shares this batch with every other `dun run --worker` given the same
    /// flow, files and moments over the same PostgreSQL store: each takes
    /// ranges of accounts under a lease; the one that finishes last
    /// exports the actions (docs/operations.md).
    #[arg(long)]
    worker: bool,
    /// How long a worker's claim on a range lasts without renewal, in
    /// seconds; a killed worker's range is taken over after it.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60.0,
        requires = "worker"
    )]
    lease: f64,
    /// Accounts per range a worker claims.
    #[arg(long, value_name = "N", default_value_t = 5000, requires = "worker")]
    range: usize,
}

/// How long a worker waits for another process writing the rejects file
/// (another worker of its batch writing its own rejects, a moment's work).
const REJECTS_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

struct Rejected {
    file: String,
    reject: Reject,
}

/// One input file, row by row: the rows `parse` accepts, with their line and
/// text; every other row (unreadable, or refused by `parse`) goes to
/// `rejected`, so that one bad row never costs the good ones.
fn read_file<T>(
    m: &dun_runtime::Machine,
    path: &Path,
    parse: impl Fn(&dun_runtime::Machine, &dun_runtime::data::Row) -> Result<T, String>,
    rejected: &mut Vec<Rejected>,
) -> Result<Vec<(u64, String, T)>, String> {
    let (rows, bad) = read_rows(path)?;
    let file = crate::inputs::shown(path);
    rejected.extend(bad.into_iter().map(|reject| Rejected {
        file: file.clone(),
        reject,
    }));
    let mut good = Vec::with_capacity(rows.len());
    for row in rows {
        match parse(m, &row) {
            Ok(value) => good.push((row.line, row.raw, value)),
            Err(reason) => rejected.push(Rejected {
                file: file.clone(),
                reject: Reject::new(&row, reason),
            }),
        }
    }
    Ok(good)
}

pub fn run(args: &Args) -> u8 {
    match go(args) {
        Ok(status) => status,
        Err(message) => {
            eprintln!("error: {message}");
            exit::TROUBLE
        }
    }
}

fn go(args: &Args) -> Result<u8, String> {
    let began = chrono::Utc::now();
    let rejects_path = rejects_path(args)?;
    refuse_overwrites(args, &rejects_path)?;
    let m = match crate::flow::load(&args.flow) {
        Ok(m) => m,
        Err(status) => return Ok(status),
    };
    let until = crate::flow::moment(&args.until).map_err(|e| format!("--until: {e}"))?;
    let start = match &args.start {
        Some(s) => crate::flow::moment(s).map_err(|e| format!("--start: {e}"))?,
        None => chrono::Utc::now(),
    };
    // The store's lease before anything of it is read: a second run on
    // this store stops here, naming the one that holds it.
    let at = store::Location::parse(&args.db).map_err(|e| e.to_string())?;
    let access = if args.worker {
        store::Access::Worker
    } else {
        store::Access::Sole
    };
    let mut store = Store::open_as(&at, access).map_err(|e| e.to_string())?;
    // Both outputs opened (and locked) before any step is committed, so
    // that one that cannot be written fails the run while nothing has
    // changed. Workers share a batch on purpose: the one that finishes it
    // last opens the actions file when it exports.
    let open = |path: &Path| {
        store::append_lines(path).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
    };
    let mut actions_file = if args.worker {
        None
    } else {
        Some(open(&args.actions)?)
    };
    let mut rejects_file = if args.worker {
        None
    } else {
        Some(open(&rejects_path)?)
    };
    let mut rejected: Vec<Rejected> = Vec::new();
    let rows = match &args.accounts {
        Some(path) => read_file(&m, path, parse_account_as_of, &mut rejected)?,
        None => Vec::new(),
    };
    let mut accounts = Vec::with_capacity(rows.len());
    let mut timed = Vec::new();
    for (line, raw, (account, as_of)) in rows {
        match as_of {
            Some(at) => timed.push((line, raw, account, at)),
            None => accounts.push((line, raw, account)),
        }
    }
    let events = match &args.events {
        Some(path) => read_file(&m, path, parse_event, &mut rejected)?,
        None => Vec::new(),
    };
    let stamp = RunStamp {
        run: began.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        until: until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    if args.strict && !rejected.is_empty() {
        if !rejected.is_empty() || rejects_file.is_some() {
            let file = match rejects_file.as_mut() {
                Some(file) => file,
                None => rejects_file.insert(open(&rejects_path)?),
            };
            write_rejects(file, &rejects_path, &stamp, &rejected)?;
        }
        eprintln!(
            "error: {} rows rejected (see `{}`); with --strict nothing was stored or run",
            rejected.len(),
            rejects_path.display()
        );
        return Ok(exit::FINDINGS);
    }
    let bar = progress_bar();
    let mut progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let input = RunInput {
        accounts,
        timed,
        events,
        start,
        until,
        batch: args.batch,
        strict: args.strict,
        drain: args.drain,
    };
    let mut exporter = true;
    let summary = if args.worker {
        if !(args.lease.is_finite() && args.lease >= 0.1) {
            return Err(format!(
                "--lease {}: give a number of seconds of at least 0.1",
                args.lease
            ));
        }
        let opts = store::WorkerOptions {
            name: worker_name(),
            lease: std::time::Duration::from_secs_f64(args.lease),
            range: args.range,
        };
        let w = store::run_worker(&m, &mut store, input, &opts, &mut progress)
            .map_err(|e| e.to_string())?;
        eprintln!(
            "worker {}: {} of the batch's {} ranges{}",
            opts.name,
            w.ranges_done,
            w.ranges,
            if w.set_up {
                "; stored the batch's events"
            } else {
                ""
            }
        );
        exporter = w.finished;
        // Every worker reads the same files, so their unreadable rows are
        // written once, by the worker that set the batch up; each worker
        // writes the rejects of the ranges it ran.
        if !w.set_up {
            rejected.clear();
        }
        w.run
    } else {
        store::run(&m, &mut store, input, &mut progress).map_err(|e| e.to_string())?
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for note in &summary.notes {
        eprintln!("note: {note}");
    }
    let file_of = |in_events: bool| {
        let p = if in_events {
            &args.events
        } else {
            &args.accounts
        };
        p.as_deref().map(crate::inputs::shown).unwrap_or_default()
    };
    rejected.extend(summary.rejects.iter().map(|r| Rejected {
        file: file_of(r.in_events),
        reject: Reject {
            line: r.line,
            raw: r.raw.clone(),
            reason: r.reason.clone(),
        },
    }));
    rejected.sort_by(|a, b| (&a.file, a.reject.line).cmp(&(&b.file, b.reject.line)));
    if !rejected.is_empty() || rejects_file.is_some() {
        let file = match rejects_file.as_mut() {
            Some(file) => file,
            // Workers of one batch sharing the file take turns.
            None => rejects_file.insert(
                store::append_lines_within(&rejects_path, REJECTS_WAIT)
                    .map_err(|e| format!("cannot write `{}`: {e}", rejects_path.display()))?,
            ),
        };
        write_rejects(file, &rejects_path, &stamp, &rejected)?;
        // Closed at once: the next worker's turn.
        drop(rejects_file.take());
    }
    if args.strict && !rejected.is_empty() {
        eprintln!(
            "error: {} rows rejected (see `{}`); with --strict nothing was stored or run",
            rejected.len(),
            rejects_path.display()
        );
        return Ok(exit::FINDINGS);
    }
    let exported = match (exporter, actions_file.as_mut()) {
        (false, _) => 0,
        (true, Some(file)) => store
            .export_to(file, &args.actions)
            .map_err(|e| e.to_string())?,
        (true, None) => store.export(&args.actions).map_err(|e| e.to_string())?,
    };
    eprintln!(
        "ran {} accounts of {} version {} ({} enrolled, {} updated): {} steps, {} actions; {} events stored, {} repeats ignored, {} processed",
        summary.accounts_stepped,
        m.flow,
        m.version,
        summary.enrolled,
        summary.updated,
        summary.steps,
        summary.actions,
        summary.events_stored,
        summary.events_repeated,
        summary.events_processed
    );
    if summary.reentered > 0 {
        eprintln!(
            "{} ended accounts re-entered for a new cycle (`reenter when`)",
            summary.reentered
        );
    }
    if exporter {
        eprintln!(
            "exported {exported} actions to `{}`",
            crate::inputs::shown(&args.actions)
        );
    } else {
        eprintln!("the worker that finishes the batch's last range exports its actions");
    }
    if store.in_memory() {
        eprintln!("the store was kept in memory: nothing of this run is kept but its exports");
    }
    if !rejected.is_empty() {
        eprintln!(
            "rejected {} rows (see `{}`)",
            rejected.len(),
            crate::inputs::shown(&rejects_path)
        );
    }
    for d in &summary.damaged {
        eprintln!(
            "error: account `{}` was not run: its stored record cannot be read ({}); the other accounts ran",
            d.account, d.reason
        );
    }
    if !summary.stopped.is_empty() {
        report_stopped(&summary.stopped);
    }
    if !summary.damaged.is_empty() || !summary.stopped.is_empty() {
        return Ok(exit::FINDINGS);
    }
    Ok(exit::CLEAN)
}

/// The accounts the step bound stopped short of `--until`, by name: their
/// work is committed, and the status says that some accounts did not get
/// there.
fn report_stopped(stopped: &[store::Stopped]) {
    const SHOWN: usize = 20;
    eprintln!(
        "warning: {} accounts stopped at the bound of {} steps per account per run, before --until; their clocks stay where they stopped, and the next run goes on from there (a flow that needs this many steps has a loop with a short wait):",
        stopped.len(),
        store::STEPS_PER_ACCOUNT
    );
    for s in stopped.iter().take(SHOWN) {
        let at = chrono::DateTime::from_timestamp(s.at, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        eprintln!("  account `{}` in stage `{}` at {at}", s.account, s.stage);
    }
    if stopped.len() > SHOWN {
        eprintln!("  and {} more", stopped.len() - SHOWN);
    }
}

/// Which run a reject line comes from: the rejects file is appended to
/// by every run, as the actions file is, so that a daily job keeps every
/// day's rejects.
struct RunStamp {
    /// When the run began (wall clock, UTC, milliseconds).
    run: String,
    /// Its `--until`.
    until: String,
}

fn write_rejects(
    file: &mut std::fs::File,
    path: &Path,
    stamp: &RunStamp,
    rejected: &[Rejected],
) -> Result<(), String> {
    let mut text = String::new();
    for r in rejected {
        let line = serde_json::json!({
            "run": stamp.run,
            "until": stamp.until,
            "file": r.file,
            "line": r.reject.line,
            "reason": r.reject.reason,
            "row": r.reject.raw,
        });
        text.push_str(&line.to_string());
        text.push('\n');
    }
    // Written even when empty: the file was created when the run began, so
    // that a run with no rejects still leaves it where an operator looks.
    let regular = file.metadata().is_ok_and(|m| m.is_file());
    file.write_all(text.as_bytes())
        .and_then(|()| if regular { file.sync_all() } else { Ok(()) })
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

/// Where rejected rows go: `--rejects`, or `OUT.rejects.jsonl` next to a
/// `--actions` file. An `--actions` that is not a file (`/dev/null`, a
/// pipe) has no folder of its own to put them in: `--rejects` is needed.
fn rejects_path(args: &Args) -> Result<PathBuf, String> {
    if let Some(path) = &args.rejects {
        return Ok(path.clone());
    }
    if std::fs::metadata(&args.actions).is_ok_and(|m| !m.is_file()) {
        return Err(format!(
            "`--actions {}` is not a file, so rejected rows have no place next to it: give `--rejects FILE` (`/dev/null` too, to drop them)",
            args.actions.display()
        ));
    }
    let mut name = args.actions.file_stem().unwrap_or_default().to_os_string();
    name.push(".rejects.jsonl");
    Ok(args.actions.with_file_name(name))
}

/// Refuses outputs that would overwrite an input or each other.
fn refuse_overwrites(args: &Args, rejects: &Path) -> Result<(), String> {
    use crate::outputs::{refuse_overwrite, store_files, Named};
    let store = store_files(&args.db);
    let mut inputs = vec![Named {
        option: "the flow",
        path: &args.flow,
    }];
    if let Some(path) = &args.accounts {
        inputs.push(Named {
            option: "--accounts",
            path,
        });
    }
    if let Some(path) = &args.events {
        inputs.push(Named {
            option: "--events",
            path,
        });
    }
    if args.db.as_os_str() != store::MEMORY {
        inputs.extend(store.iter().map(|path| Named {
            option: "the store (--db)",
            path,
        }));
    }
    let actions = Named {
        option: "--actions",
        path: &args.actions,
    };
    let rejects = Named {
        option: "the rejects file",
        path: rejects,
    };
    refuse_overwrite(&[rejects], std::slice::from_ref(&actions))?;
    refuse_overwrite(&[actions, rejects], &inputs)
}

/// A bar on a terminal only: piped output stays clean.
pub(crate) fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} accounts {elapsed} (eta {eta})",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// A worker's name in the store's claims: its host and process id, so an
/// operator can tell which machine holds a range.
fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}
