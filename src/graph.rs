//! `dun graph FLOW`: draw a flow's stages and the ways between them.
//!
//! Exit status: 0 when the diagram was written; 1 when the flow has errors
//! (they are printed instead); 2 when a file cannot be read or written, or
//! the diagram cannot be drawn.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The flow file to draw; `-` reads it from standard input.
    pub flow: PathBuf,
    /// The kind of diagram: Mermaid (renders on GitHub), Graphviz DOT, or
    /// an SVG picture drawn without any other tool.
    #[arg(long, value_enum, default_value_t = Format::Mermaid)]
    pub format: Format,
    /// How an SVG is laid out: by Graphviz's `dot` when it is installed
    /// (`auto`), always by Graphviz, or by dun's own layout.
    #[arg(long, value_enum, default_value_t = Layout::Auto)]
    pub layout: Layout,
    /// Write the diagram to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Mermaid,
    Dot,
    Svg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    Auto,
    Graphviz,
    Builtin,
}

/// The SVG Graphviz's `dot` lays out from the diagram's DOT, or why not.
/// `NotFound` lets `auto` fall back to the built-in layout.
enum Graphviz {
    Svg(String),
    NotFound,
    Failed(String),
}

fn graphviz(dot: &str) -> Graphviz {
    use std::process::{Command, Stdio};
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Graphviz::NotFound,
        Err(e) => return Graphviz::Failed(format!("cannot run Graphviz's `dot`: {e}")),
    };
    // Written from a thread so a large diagram cannot fill both pipes.
    let input = child.stdin.take().map(|mut stdin| {
        let text = dot.to_string();
        std::thread::spawn(move || stdin.write_all(text.as_bytes()))
    });
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => return Graphviz::Failed(format!("Graphviz's `dot` failed: {e}")),
    };
    if let Some(t) = input {
        let _ = t.join();
    }
    if !out.status.success() {
        return Graphviz::Failed(format!(
            "Graphviz's `dot` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    match String::from_utf8(out.stdout) {
        Ok(svg) => Graphviz::Svg(fit(&svg)),
        Err(_) => Graphviz::Failed("Graphviz's `dot` wrote something other than UTF-8".into()),
    }
}

/// Graphviz's picture with its DOCTYPE (which names a network address) and
/// comments left out, so it can be put inline in a page as it is.
fn fit(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    let mut rest = &svg[start..];
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        match rest[i..].find("-->") {
            Some(j) => rest = &rest[i + j + 3..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

const CLEAN: u8 = 0;
const FINDINGS: u8 = 1;
const TROUBLE: u8 = 2;

pub fn run(args: Args) -> ExitCode {
    ExitCode::from(draw(&args))
}

fn draw(args: &Args) -> u8 {
    if let Some(out) = &args.output {
        let named = |option, path| crate::outputs::Named { option, path };
        if let Err(e) = crate::outputs::refuse_overwrite(
            &[named("-o", out.as_path())],
            &[named("the flow", args.flow.as_path())],
        ) {
            eprintln!("error: {e}");
            return crate::exit::TROUBLE;
        }
    }
    let from_stdin = args.flow.as_os_str() == "-";
    let shown = if from_stdin {
        "<stdin>".to_string()
    } else {
        crate::inputs::shown(&args.flow)
    };
    let text = if from_stdin {
        let mut text = String::new();
        if let Err(error) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("error: cannot read a flow from standard input: {error}");
            return TROUBLE;
        }
        text
    } else {
        match crate::inputs::flow_file(&args.flow).and_then(|()| crate::inputs::read(&args.flow)) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("error: {message}");
                return TROUBLE;
            }
        }
    };

    let path = (!from_stdin).then_some(args.flow.as_path());
    let analysis = crate::imports::analyze(path, &text);
    if analysis.has_errors() {
        crate::imports::eprint(&shown, &text, &analysis.sources, &analysis.diagnostics);
        eprintln!("note: no diagram was drawn; fix the errors above and run `dun graph` again");
        return FINDINGS;
    }
    let graph = dun_compiler::graph::build(&analysis.file);
    let diagram = match args.format {
        Format::Mermaid => dun_compiler::graph::to_mermaid(&graph),
        Format::Dot => dun_compiler::graph::to_dot(&graph),
        Format::Svg => {
            let laid_out = match args.layout {
                Layout::Builtin => Graphviz::NotFound,
                _ => graphviz(&dun_compiler::graph::to_dot(&graph)),
            };
            match laid_out {
                Graphviz::Svg(svg) => svg,
                Graphviz::Failed(message) => {
                    eprintln!("error: {message}");
                    return TROUBLE;
                }
                Graphviz::NotFound if args.layout == Layout::Graphviz => {
                    eprintln!("error: Graphviz's `dot` is not installed; install Graphviz, or use `--layout builtin`");
                    return TROUBLE;
                }
                Graphviz::NotFound => match dun_compiler::graph::to_svg(&graph) {
                    Ok(svg) => svg,
                    Err(message) => {
                        eprintln!("error: {message}");
                        return TROUBLE;
                    }
                },
            }
        }
    };

    match &args.output {
        Some(out) => match std::fs::write(out, &diagram) {
            Ok(()) => CLEAN,
            Err(error) => {
                eprintln!("error: cannot write `{}`: {error}", out.display());
                TROUBLE
            }
        },
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(diagram.as_bytes())
                .and_then(|_| stdout.flush())
            {
                Ok(()) => CLEAN,
                Err(error) => {
                    eprintln!("error: cannot write to standard output: {error}");
                    TROUBLE
                }
            }
        }
    }
}
