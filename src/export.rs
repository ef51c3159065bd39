//! `dun export --db STORE --actions OUT [--after CURSOR]`: the actions a
//! store holds that were not exported yet, appended to a JSON Lines file.
//! Without `--after`, the store's own mark (the one `dun run` keeps)
//! advances; with it, the store is only read, and the new cursor is
//! printed, for a downstream system that keeps its own place and resumes
//! from it.

use crate::exit;
use dun_runtime::store::{Location, Store};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The store: a SQLite file or a PostgreSQL database
    /// (`postgres://USER@HOST/DB`, or `postgres:` from PG*).
    #[arg(long, value_name = "PATH|URL")]
    db: PathBuf,
    /// Appends the actions to this JSON Lines file.
    #[arg(long, value_name = "OUT")]
    actions: PathBuf,
    /// The cursor the last export printed (0: from the first action):
    /// appends the actions after it and prints the new cursor on standard
    /// output, leaving the store's own mark alone.
    #[arg(long, value_name = "CURSOR")]
    after: Option<i64>,
}

pub fn run(args: &Args) -> u8 {
    // Following a PostgreSQL store's outbox from a cursor only reads it,
    // beside whatever writes it; advancing the store's own mark writes.
    let opened = match (args.after, Location::parse(&args.db)) {
        (Some(_), Ok(at @ Location::Postgres(_))) => Store::open_shared(&at),
        _ => Store::open_existing(&args.db),
    };
    let mut store = match opened {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::TROUBLE;
        }
    };
    let shown = crate::inputs::shown(&args.actions);
    match args.after {
        Some(after) if after < 0 => {
            eprintln!("error: --after {after}: a cursor is 0 or a number an export printed");
            exit::TROUBLE
        }
        Some(after) => match store.export_after(after, &args.actions) {
            Ok((cursor, n)) => {
                println!("{cursor}");
                eprintln!(
                    "exported {n} actions to `{shown}`; the next export starts after {cursor}"
                );
                exit::CLEAN
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::TROUBLE
            }
        },
        None => match store.export(&args.actions) {
            Ok(n) => {
                eprintln!("exported {n} actions to `{shown}`");
                exit::CLEAN
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::TROUBLE
            }
        },
    }
}
