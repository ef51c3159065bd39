#![forbid(unsafe_code)]
//! The `dun` command. Each subcommand is a thin module over the crates.

mod build;
mod check;
mod diagnostics_out;
mod explain;
mod export;
mod flow;
mod fmt;
mod graph;
mod imports;
mod inputs;
mod lsp;
mod migrate;
mod outputs;
mod report;
mod run;
mod serve;
mod simulate;
mod status;
mod test;
mod token;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Where people read about the project; written into SARIF reports.
pub const HOME_PAGE: &str = "https://github.com/dun-lang/dun";
/// The rendered list of diagnostic codes; `#CODE-ANCHOR` is appended.
pub const ERRORS_PAGE: &str = "https://github.com/dun-lang/dun/blob/main/docs/errors.md";

/// Exit statuses shared by every subcommand (docs/cli.md).
pub mod exit {
    /// Nothing to report.
    pub const CLEAN: u8 = 0;
    /// The flows have errors (or warnings under `--deny-warnings`).
    pub const FINDINGS: u8 = 1;
    /// The command could not do its job: bad usage, unreadable input.
    pub const TROUBLE: u8 = 2;
}

#[derive(Parser)]
#[command(
    name = "dun",
    version,
    about = "Check, compile and run debt-collection flows written in dun",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour diagnostics: `auto` colours a terminal (or a pipe
    /// under `CLICOLOR_FORCE`) unless `NO_COLOR` is set.
    #[arg(long, value_enum, global = true, default_value_t = diagnostics_out::Color::Auto)]
    color: diagnostics_out::Color,
    /// A folder outside the flow's folder tree that `import` may read
    /// (repeatable); imports elsewhere are refused.
    #[arg(long, value_name = "DIR", global = true)]
    allow_import_outside: Vec<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Check flow files for mistakes without running them.
    Check(check::Args),
    /// Explain a diagnostic code, with an example and how to fix it.
    Explain(explain::Args),
    /// Compile a flow into the state machine the runtime loads.
    Build(build::Args),
    /// Run the flows' `test` blocks on a simulated clock.
    Test(test::Args),
    /// Read a compiled flow (`.dunc`) and describe it.
    Inspect(build::InspectArgs),
    /// Rewrite flow files in the one canonical layout.
    Fmt(fmt::Args),
    /// Draw a flow's stages and the ways between them (Mermaid, DOT, SVG).
    Graph(graph::Args),
    /// Serve the language server protocol to an editor (stdio).
    Lsp(lsp::Args),
    /// Run a portfolio through a flow with durable state in SQLite or
    /// PostgreSQL.
    Run(run::Args),
    /// Simulate a portfolio through one flow, or two side by side.
    Simulate(simulate::Args),
    /// Show a store's accounts per stage and outcome, or one account.
    Status(status::Args),
    /// Serve a flow over HTTP: events in as they happen, actions out.
    Serve(serve::Args),
    /// Manage the API tokens of `dun serve`.
    Token(token::Args),
    /// Move accounts in flight on an earlier version to this one, as its
    /// `migrate` block says.
    Migrate(migrate::Args),
    /// Append a store's actions not exported yet to a JSON Lines file, or
    /// those after a cursor a downstream system keeps.
    Export(export::Args),
}

fn main() -> ExitCode {
    // clap prints usage errors and exits with status 2 itself.
    let cli = Cli::parse();
    // A panic is a bug in dun, never a result: the hook has printed where
    // it happened; the command then ends with the trouble status and says
    // so, rather than with the runtime's 101 or a report missing its work.
    match std::panic::catch_unwind(move || dispatch(cli)) {
        Ok(code) => code,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            eprintln!("error: dun failed ({what}); this is a bug in dun, please report it with the input that caused it");
            ExitCode::from(exit::TROUBLE)
        }
    }
}

fn dispatch(cli: Cli) -> ExitCode {
    diagnostics_out::choose(cli.color);
    if let Err(message) = imports::allow(&cli.allow_import_outside) {
        eprintln!("error: {message}");
        return ExitCode::from(exit::TROUBLE);
    }
    let status = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Inspect(args) => build::inspect(&args),
        Command::Fmt(args) => return fmt::run(args),
        Command::Graph(args) => return graph::run(args),
        Command::Lsp(args) => lsp::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Migrate(args) => migrate::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Token(args) => token::run(&args),
    };
    ExitCode::from(status)
}
