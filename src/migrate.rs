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

/// `dun check FLOW --from OLD.dunc` or `--from-db PATH`.
pub fn check_from(paths: &[PathBuf], from: Option<&Path>, from_db: Option<&Path>) -> u8 {
    let [flow] = paths else {
        eprintln!("error: `--from` and `--from-db` check one flow: give its file");
        return exit::TROUBLE;
    };
    let new = match crate::flow::load(flow) {
        Ok(m) => m,
        Err(status) => return status,
    };
    let olds: Vec<Machine> = match (from, from_db) {
        (Some(path), _) => match crate::flow::load(path) {
            Ok(m) => vec![m],
            Err(status) => return status,
        },
        (None, Some(db)) => match machines_in_flight(db, &new) {
            Ok(ms) => ms,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::TROUBLE;
            }
        },
        (None, None) => return exit::TROUBLE,
    };
    if olds.is_empty() {
        println!(
            "no account is in flight on another version of {}: nothing to migrate",
            new.flow
        );
        return exit::CLEAN;
    }
    let mut failed = false;
    for old in &olds {
        let f = dun_compiler::migrate::check(old, &new);
        for e in &f.errors {
            println!("error: {e}");
        }
        for w in &f.warnings {
            println!("warning: {w}");
        }
        if f.errors.is_empty() {
            println!(
                "migration from version {} to version {} of {}: every place has a place",
                old.version, new.version, new.flow
            );
        }
        failed |= !f.errors.is_empty();
    }
    if failed {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
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
