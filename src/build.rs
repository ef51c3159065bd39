//! `dun build FLOW [-o OUT] [--emit binary|json]`: check a flow and write
//! its compiled state machine.

use crate::exit;

use crate::inputs::shown;
use dun_runtime::format::Machine;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The flow file to compile.
    flow: PathBuf,
    /// Where to write the compiled flow (`-` for standard output). By
    /// default next to the flow: `FLOW.dunc`, or `FLOW.dunc.json` with
    /// `--emit json`.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,
    /// The form to write: the compact binary the runtime loads, or the same
    /// machine as JSON for people and diffs.
    #[arg(long, value_enum, default_value_t = Emit::Binary)]
    emit: Emit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Emit {
    Binary,
    Json,
}

/// A flow read, analysed and compiled.
pub(crate) struct Compiled {
    pub shown: String,
    pub text: String,
    pub file: dun_compiler::syntax::ast::File,
    pub machine: Machine,
    /// Bytes of the flow and of the template files it reads.
    pub source_bytes: usize,
}

/// Why a flow could not be compiled: its own mistakes (already reported,
/// status 1) or trouble reading it (status 2).
pub(crate) enum Failure {
    Findings,
    Trouble,
}

impl Failure {
    pub fn status(&self) -> u8 {
        match self {
            Failure::Findings => exit::FINDINGS,
            Failure::Trouble => exit::TROUBLE,
        }
    }
}

/// Reads, analyses and lowers one flow, printing its diagnostics (errors
/// and warnings) on standard error like `dun check` does.
pub(crate) fn compile(path: &Path) -> Result<Compiled, Failure> {
    compile_found(path, &[])
}

/// [`compile`] for a flow found below the folders `given` on the command
/// line, which its imports may read (`crate::imports::analyze_found`).
pub(crate) fn compile_found(path: &Path, given: &[PathBuf]) -> Result<Compiled, Failure> {
    let text = match crate::inputs::flow_file(path).and_then(|()| crate::inputs::read(path)) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("error: {message}");
            return Err(Failure::Trouble);
        }
    };
    let shown = shown(path);
    let analysis = crate::imports::analyze_found(path, &text, given);
    crate::imports::eprint(&shown, &text, &analysis.sources, &analysis.diagnostics);
    if analysis.has_errors() {
        return Err(Failure::Findings);
    }
    // Analysis lowered the flow to verify it; lower again only to say why
    // it does not lower.
    let lowered = match analysis.machine {
        Some(machine) => Ok(machine),
        None => dun_compiler::lower::lower(&analysis.file, &analysis.model),
    };
    match lowered {
        Ok(machine) => {
            let imported: usize = analysis.sources.imported.iter().map(|f| f.text.len()).sum();
            let source_bytes = text.len() + imported + template_bytes(&analysis.model);
            Ok(Compiled {
                shown,
                text,
                file: analysis.file,
                machine,
                source_bytes,
            })
        }
        Err(diagnostics) => {
            crate::imports::eprint(&shown, &text, &analysis.sources, &diagnostics);
            Err(Failure::Findings)
        }
    }
}

/// The size of the template files a flow reads (as the checker read them),
/// so the summary compares the compiled file with everything it was
/// compiled from.
fn template_bytes(model: &dun_compiler::model::Model) -> usize {
    model
        .templates
        .iter()
        .filter_map(|t| t.file.as_ref())
        .map(|f| f.text.len())
        .sum()
}

pub fn run(args: &Args) -> u8 {
    if let Some(out) = &args.output {
        let named = |option, path| crate::outputs::Named { option, path };
        if let Err(e) = crate::outputs::refuse_overwrite(
            &[named("-o", out.as_path())],
            &[named("the flow", args.flow.as_path())],
        ) {
            eprintln!("error: {e}");
            return exit::TROUBLE;
        }
    }
    let compiled = match compile(&args.flow) {
        Ok(c) => c,
        Err(failure) => return failure.status(),
    };
    let bytes = match args.emit {
        Emit::Binary => dun_runtime::encode(&compiled.machine),
        Emit::Json => {
            let mut json = compiled.machine.to_json();
            json.push('\n');
            json.into_bytes()
        }
    };
    let output = args.output.clone().unwrap_or_else(|| {
        let mut name = args.flow.file_stem().unwrap_or_default().to_os_string();
        name.push(match args.emit {
            Emit::Binary => ".dunc",
            Emit::Json => ".dunc.json",
        });
        args.flow.with_file_name(name)
    });
    let written = if output == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&bytes).and_then(|()| stdout.flush())
    } else {
        std::fs::write(&output, &bytes)
    };
    if let Err(error) = written {
        eprintln!("error: cannot write `{}`: {error}", output.display());
        return exit::TROUBLE;
    }
    let percent = bytes.len() * 100 / compiled.source_bytes.max(1);
    let target = if output == Path::new("-") {
        "standard output".to_string()
    } else {
        format!("`{}`", shown(&output))
    };
    eprintln!(
        "built {} into {target}: {} states, {} bytes ({percent}% of {} bytes of source)",
        compiled.shown,
        compiled.machine.states.len(),
        bytes.len(),
        compiled.source_bytes,
    );
    exit::CLEAN
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// A compiled flow written by `dun build`.
    compiled: PathBuf,
    /// Print the whole machine as JSON rather than a summary.
    #[arg(long)]
    json: bool,
}

/// `dun inspect FILE.dunc`: reads a compiled flow the way the runtime does,
/// so a file from another version of dun is refused with the reason.
pub fn inspect(args: &InspectArgs) -> u8 {
    let bytes = match std::fs::read(&args.compiled) {
        Ok(b) => b,
        Err(error) => {
            eprintln!("error: cannot read `{}`: {error}", args.compiled.display());
            return exit::TROUBLE;
        }
    };
    let machine = match dun_runtime::decode(&bytes) {
        Ok(m) => m,
        Err(error) => {
            eprintln!("error: `{}`: {error}", args.compiled.display());
            return exit::FINDINGS;
        }
    };
    let text = if args.json {
        let mut json = machine.to_json();
        json.push('\n');
        json
    } else {
        let stages: Vec<&str> = machine.stages.iter().map(|s| machine.str(s.name)).collect();
        format!(
            "flow {} version {} (format {}), currency {}\n{} states, {} stages: {}\nstarts in {}\n",
            machine.flow,
            machine.version,
            dun_runtime::format::FORMAT_VERSION,
            machine.currency,
            machine.states.len(),
            stages.len(),
            stages.join(", "),
            machine.stage_name(machine.start)
        )
    };
    match crate::outputs::write_stdout(&text) {
        Ok(()) => exit::CLEAN,
        Err(error) => {
            eprintln!("error: cannot write: {error}");
            exit::TROUBLE
        }
    }
}
