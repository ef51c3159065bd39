//! `dun serve FLOW --db STORE --listen ADDR`: the flow as a service.
//! Accounts and events come in over HTTP as they happen, each answered
//! once it is committed; steps fall due by a scheduler; actions go out as
//! a feed and to a webhook. Every endpoint but `/healthz` and `/readyz`
//! wants a bearer token from `dun token create`.
//!
//! One thread ([`engine`]) writes the store; requests that read it share
//! a second connection. docs/cli.md and docs/operations.md describe it.

mod api;
pub mod auth;
mod clock;
mod engine;
mod log;
mod metrics;
mod webhook;

use crate::exit;
use dun_runtime::store::serve::Stepper;
use dun_runtime::store::{Location, Store};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The flow: a `.dun` file (compiled on the spot) or a `.dunc` file.
    flow: PathBuf,
    /// The store: a SQLite file or a PostgreSQL database (as `dun run`).
    #[arg(long, value_name = "PATH|URL")]
    db: PathBuf,
    /// Where to listen, `127.0.0.1:8080`; port 0 picks a free port (the
    /// address is logged). TLS belongs to a reverse proxy in front.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The largest request body accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
    max_body: usize,
    /// Posts each action to this URL (http://), signed, at least once.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// The environment variable holding the webhook's signing secret.
    #[arg(long, value_name = "VAR", requires = "webhook")]
    webhook_secret_env: Option<String>,
    /// Accounts in flight on an earlier version finish on it (as `dun run
    /// --drain`).
    #[arg(long)]
    drain: bool,
    /// A testing aid: the service's clock starts at T and stands still;
    /// an admin token moves it forward with `POST /v1/clock`.
    #[arg(long, value_name = "T")]
    clock: Option<String>,
}

pub fn run(args: &Args) -> u8 {
    match go(args) {
        Ok(()) => exit::CLEAN,
        Err(message) => {
            log::error(&message, serde_json::json!({}));
            exit::TROUBLE
        }
    }
}

fn go(args: &Args) -> Result<(), String> {
    let m = match crate::flow::load(&args.flow) {
        Ok(m) => m,
        Err(_) => {
            return Err(format!(
                "the flow `{}` does not compile",
                args.flow.display()
            ))
        }
    };
    if args.db.as_os_str() == dun_runtime::store::MEMORY {
        return Err(
            "`dun serve` needs a store that lasts (a SQLite file or PostgreSQL), not `:memory:`"
                .into(),
        );
    }
    let clock = match &args.clock {
        Some(t) => {
            clock::Clock::simulated(crate::flow::moment(t).map_err(|e| format!("--clock: {e}"))?)
        }
        None => clock::Clock::wall(),
    };
    let secret = match (&args.webhook, &args.webhook_secret_env) {
        (Some(_), Some(var)) => match std::env::var(var) {
            Ok(s) if !s.is_empty() => Some(s.into_bytes()),
            _ => {
                return Err(format!(
                    "--webhook-secret-env: the variable `{var}` is not set or empty"
                ))
            }
        },
        (Some(_), None) => {
            return Err("--webhook needs --webhook-secret-env VAR: every post is signed".into())
        }
        _ => None,
    };
    if let Some(url) = &args.webhook {
        if !url.starts_with("http://") {
            return Err(format!(
                "--webhook `{url}`: give an http:// URL (a local relay or a reverse proxy adds TLS)"
            ));
        }
    }
    let at = Location::parse(&args.db).map_err(|e| e.to_string())?;
    let mut store =
        Store::open_as(&at, dun_runtime::store::Access::Serve).map_err(|e| e.to_string())?;
    store.serve_tables().map_err(|e| e.to_string())?;
    let machine = Arc::new(m.clone());
    let stepper = Stepper::admit(m, &mut store, args.drain).map_err(|e| e.to_string())?;
    for note in &stepper.notes {
        log::info(note, serde_json::json!({}));
    }
    let reader = Store::open_shared(&at).map_err(|e| e.to_string())?;
    let last = reader.settled().map_err(|e| e.to_string())?;
    let (outbox_tx, outbox_rx) = tokio::sync::watch::channel(last);
    let metrics = Arc::new(metrics::Metrics::default());
    let clock = Arc::new(clock);
    let (tx, rx) = std::sync::mpsc::channel::<engine::Msg>();
    let engine = engine::Engine {
        store,
        stepper,
        clock: clock.clone(),
        metrics: metrics.clone(),
        outbox: outbox_tx,
    };
    let engine_thread = std::thread::Builder::new()
        .name("dun-engine".into())
        .spawn(move || engine.run(rx))
        .map_err(|e| format!("cannot start the engine thread: {e}"))?;
    let hook = match (&args.webhook, secret) {
        (Some(url), Some(secret)) => Some(webhook::start(
            url.clone(),
            secret,
            Store::open_shared(&at).map_err(|e| e.to_string())?,
            outbox_rx.clone(),
            metrics.clone(),
        )?),
        _ => None,
    };
    let state = api::State {
        jobs: std::sync::Mutex::new(Some(tx)),
        reader: std::sync::Mutex::new(reader),
        tokens: auth::Tokens::new(),
        metrics,
        clock,
        outbox: outbox_rx,
        machine,
    };
    let state = Arc::new(state);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let served = runtime.block_on(api::serve(state.clone(), &args.listen, args.max_body));
    // No new items: the engine finishes the ones in hand and stops.
    state.close();
    drop(state);
    let finished = engine_thread
        .join()
        .map_err(|_| "the engine thread panicked".to_string())?;
    if let Some(hook) = hook {
        hook.stop();
    }
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    served?;
    finished?;
    log::info("stopped", serde_json::json!({}));
    Ok(())
}
