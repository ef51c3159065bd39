//! Diagnostics printed for people, the same way by every subcommand: the
//! compiler's terminal renderer, coloured and sized for where the text
//! goes.
//!
//! Colour: `--color always|never` decides; with `auto` (the default),
//! `NO_COLOR` set to anything but the empty string turns colour off,
//! otherwise a terminal gets colour and so does a pipe when `CLICOLOR_FORCE`
//! is set (to anything but empty or `0`). Width: `COLUMNS` when it is a
//! number, else the terminal's width, else 100 columns; messages and help
//! are wrapped to it.

use dun_compiler::diagnostics::render::{human::Human, FileReport};
use dun_compiler::diagnostics::Diagnostic;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::sync::OnceLock;

/// `--color`, accepted by every subcommand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    /// Colour a terminal, or a pipe under `CLICOLOR_FORCE`, unless
    /// `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

/// The width when neither `COLUMNS` nor a terminal says otherwise: wide
/// enough for an excerpt and its labels, narrow enough for a CI log.
const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, miette's excerpt gutters leave no room for text.
const MIN_WIDTH: usize = 40;
/// Wider than this, a wrapped paragraph is one line anyway.
const MAX_WIDTH: usize = 1000;

static CHOICE: OnceLock<Color> = OnceLock::new();

/// Records the command line's `--color`, once, before anything is printed.
pub(crate) fn choose(color: Color) {
    let _ = CHOICE.set(color);
}

/// Where a report is written.
#[derive(Clone, Copy)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// How to render for `stream`, from the command line, the environment and
/// the terminal.
pub(crate) fn style(stream: Stream) -> Human {
    let terminal = stream.is_terminal();
    let terminal_width = terminal
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(width, _)| usize::from(width.0));
    Human {
        color: colour(
            CHOICE.get().copied().unwrap_or_default(),
            terminal,
            std::env::var_os("NO_COLOR"),
            std::env::var_os("CLICOLOR_FORCE"),
        ),
        // Box-drawing glyphs only where a terminal will draw them.
        unicode: terminal,
        width: width(std::env::var_os("COLUMNS"), terminal_width),
    }
}

/// The diagnostics of several files, rendered for `stream`.
pub(crate) fn render(stream: Stream, files: &[FileReport<'_>]) -> String {
    let style = style(stream);
    files.iter().map(|file| style.render_file(file)).collect()
}

/// Prints one file's diagnostics on standard error (nothing when there are
/// none): what `build`, `fmt`, `graph`, `test` and the runtime commands
/// print before they give up on a flow.
pub(crate) fn eprint(shown: &str, text: &str, diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let file = FileReport {
        path: shown,
        text,
        diagnostics,
    };
    eprint!("{}", render(Stream::Stderr, &[file]));
}

fn colour(
    choice: Color,
    terminal: bool,
    no_color: Option<OsString>,
    force: Option<OsString>,
) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            let no_color = no_color.is_some_and(|v| !v.is_empty());
            let forced = force.is_some_and(|v| !v.is_empty() && v != "0");
            !no_color && (terminal || forced)
        }
    }
}

fn width(columns: Option<OsString>, terminal: Option<usize>) -> usize {
    let columns = columns
        .and_then(|v| v.to_str().and_then(|v| v.trim().parse::<usize>().ok()))
        .filter(|&n| n > 0);
    columns
        .or(terminal)
        .unwrap_or(DEFAULT_WIDTH)
        .clamp(MIN_WIDTH, MAX_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[test]
    fn no_color_turns_colour_off_unless_the_flag_says_always() {
        assert!(colour(Color::Auto, true, None, None));
        assert!(!colour(Color::Auto, true, os("1"), None));
        assert!(!colour(Color::Auto, false, os("1"), os("1")));
        assert!(colour(Color::Always, false, os("1"), None));
        // An empty NO_COLOR is not set.
        assert!(colour(Color::Auto, true, os(""), None));
    }

    #[test]
    fn clicolor_force_colours_a_pipe_but_not_when_zero_or_empty() {
        assert!(!colour(Color::Auto, false, None, None));
        assert!(colour(Color::Auto, false, None, os("1")));
        assert!(!colour(Color::Auto, false, None, os("0")));
        assert!(!colour(Color::Auto, false, None, os("")));
        assert!(!colour(Color::Never, true, None, os("1")));
    }

    #[test]
    fn columns_beats_the_terminal_and_nonsense_is_ignored() {
        assert_eq!(width(None, None), DEFAULT_WIDTH);
        assert_eq!(width(None, Some(132)), 132);
        assert_eq!(width(os("72"), Some(132)), 72);
        assert_eq!(width(os("wide"), Some(132)), 132);
        assert_eq!(width(os("0"), None), DEFAULT_WIDTH);
        assert_eq!(width(os("5"), None), MIN_WIDTH);
        assert_eq!(width(os("99999"), None), MAX_WIDTH);
    }
}
