//! `dun token create --db STORE --scope ingest,read,admin [--name N]`: an
//! API token for `dun serve`, printed once; the store keeps only its
//! SHA-256.

use crate::exit;
use dun_runtime::store::serve::StoredToken;
use dun_runtime::store::{Location, Store};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(clap::Subcommand)]
enum TokenCommand {
    /// Create a token, print it once on standard output.
    Create(CreateArgs),
}

#[derive(clap::Args)]
struct CreateArgs {
    /// The store `dun serve` runs on (a SQLite file or a PostgreSQL URL).
    #[arg(long, value_name = "PATH|URL")]
    db: PathBuf,
    /// What the token may do, comma-separated: `ingest` (post accounts and
    /// events), `read` (accounts, portfolio, actions, metrics), `admin`
    /// (everything, and the test clock).
    #[arg(long, value_name = "SCOPES")]
    scope: String,
    /// A name to tell tokens apart in logs (never the token).
    #[arg(long, default_value = "token")]
    name: String,
}

pub fn run(args: &Args) -> u8 {
    let TokenCommand::Create(args) = &args.command;
    match create(args) {
        Ok(token) => {
            println!("{token}");
            eprintln!(
                "created token `{}` with scopes {}: it is shown only now, the store keeps its hash",
                args.name, args.scope
            );
            exit::CLEAN
        }
        Err(message) => {
            eprintln!("error: {message}");
            exit::TROUBLE
        }
    }
}

fn create(args: &CreateArgs) -> Result<String, String> {
    let scopes = crate::serve::auth::parse_scopes(&args.scope)?;
    if args.db.as_os_str() == dun_runtime::store::MEMORY {
        return Err("a token in a store kept in memory would be lost at once; give the store `dun serve` runs on".into());
    }
    let at = Location::parse(&args.db).map_err(|e| e.to_string())?;
    let store = Store::open_shared(&at).map_err(|e| e.to_string())?;
    let token = crate::serve::auth::new_token()?;
    let stored = StoredToken {
        hash: crate::serve::auth::hash(&token),
        name: args.name.clone(),
        scopes,
    };
    store
        .add_token(&stored, chrono::Utc::now().timestamp())
        .map_err(|e| e.to_string())?;
    Ok(token)
}
