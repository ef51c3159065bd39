//! `dun migrate --db PATH FLOW [--dry-run]`: accounts in flight on earlier
//! versions move to this one; and `dun check FLOW --from OLD.dunc |
//! --from-db PATH`, which checks the move without making it.

use crate::exit;
use dun_runtime::format::Machine;
use dun_runtime::store::Store;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The new version: a `.dun` file (compiled on the spot) or a `.dunc`.
    flow: PathBuf,
    /// The store whose accounts move: a SQLite file or a PostgreSQL
    /// database (`postgres://USER@HOST/DB`, or `postgres:` from PG*).
    #[arg(long, value_name = "PATH|URL")]
    db: PathBuf,
    /// Prints how many accounts would move from each place to each place,
    /// and moves none.
    #[arg(long)]
    dry_run: bool,
    /// The moment of the move, when new variables take their initial
    /// values (RFC 3339 or a date); now by default.
    #[arg(long, value_name = "T")]
    at: Option<String>,
}

pub fn run(args: &Args) -> u8 {
    let m = match crate::flow::load(&args.flow) {
        Ok(m) => m,
        Err(status) => return status,
    };
    let at = match args.at.as_deref().map(crate::flow::moment).transpose() {
        Ok(t) => t.unwrap_or_else(chrono::Utc::now),
        Err(e) => {
            eprintln!("error: --at: {e}");
            return exit::TROUBLE;
        }
    };
    let mut store = match Store::open_existing(&args.db) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::TROUBLE;
        }
    };
    match store.migrate(&m, args.dry_run, at) {
        Ok(summary) => {
            let total: u64 = summary.moves.values().sum();
            for ((version, from, to), n) in &summary.moves {
                println!(
                    "{n:>9}  version {version} {from}  ->  version {} {to}",
                    m.version
                );
            }
            if args.dry_run {
                eprintln!(
                    "dry run: {total} accounts would move to {} version {}; nothing was changed",
                    m.flow, m.version
                );
            } else {
                eprintln!(
                    "moved {} accounts to {} version {}, one audit line each",
                    summary.moved, m.flow, m.version
                );
            }
            exit::CLEAN
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::FINDINGS
        }
    }
}

/// The machines `dun check FLOW --from OLD.dunc | --from-db PATH` checks
/// the flow's migration from: the one given, or those of the store's
/// accounts in flight on other versions. `Err` is the exit status (the
/// reason was printed).
pub(crate) fn old_machines(
    from: Option<&Path>,
    from_db: Option<&Path>,
    new: &Machine,
) -> Result<Vec<Machine>, u8> {
    match (from, from_db) {
        (Some(path), _) => crate::flow::load(path).map(|m| vec![m]),
        (None, Some(db)) => machines_in_flight(db, new).map_err(|e| {
            eprintln!("error: {e}");
            exit::TROUBLE
        }),
        (None, None) => Ok(Vec::new()),
    }
}

/// Adds the findings of `new`'s migration from each of `olds` to
/// `diagnostics`, and says on standard error what was compared.
pub(crate) fn check_from(
    olds: &[Machine],
    new: &Machine,
    file: &dun_compiler::syntax::ast::File,
    diagnostics: &mut Vec<dun_compiler::diagnostics::Diagnostic>,
) {
    use dun_compiler::diagnostics::Severity;
    if olds.is_empty() {
        eprintln!(
            "no account is in flight on another version of {}: nothing to migrate",
            new.flow
        );
    }
    for old in olds {
        let found = dun_compiler::migrate::check(old, new, file);
        if !found.iter().any(|d| d.severity == Severity::Error) {
            eprintln!(
                "migration from version {} to version {} of {}: every place has a place",
                old.version, new.version, new.flow
            );
        }
        diagnostics.extend(found);
    }
    dun_compiler::diagnostics::sort(diagnostics);
}

/// The machines of a store's accounts in flight on other versions.
fn machines_in_flight(db: &Path, new: &Machine) -> Result<Vec<Machine>, String> {
    let store = Store::open_existing(db).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for p in store.pinned().map_err(|e| e.to_string())? {
        if p.in_flight == 0 || p.version == new.version {
            continue;
        }
        if let Some(m) = store.machine(&p.fingerprint).map_err(|e| e.to_string())? {
            out.push(m);
        }
    }
    Ok(out)
}
