//! Diagnostics for people: miette's graphical report, source excerpt with
//! underlined spans, the code, and the help line.

use super::{clamp, positions, FileReport};
use crate::diagnostics::{Diagnostic, LineIndex, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use std::fmt;

/// How a terminal report looks. The command line picks colours and glyphs
/// from the terminal; tests fix everything so snapshots never drift.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Human {
    /// ANSI colours. Only for a terminal, and never when `NO_COLOR` is set.
    pub color: bool,
    /// Box-drawing characters rather than plain ASCII art.
    pub unicode: bool,
    /// Columns to wrap messages and help at.
    pub width: usize,
}

impl Human {
    /// Plain ASCII, no colour, 80 columns: identical on every machine, for
    /// snapshots and logs.
    pub fn plain() -> Self {
        Human {
            color: false,
            unicode: false,
            width: 80,
        }
    }

    fn handler(&self) -> GraphicalReportHandler {
        let theme = match (self.unicode, self.color) {
            (true, true) => GraphicalTheme::unicode(),
            (true, false) => GraphicalTheme::unicode_nocolor(),
            (false, true) => GraphicalTheme::ascii(),
            (false, false) => GraphicalTheme::none(),
        };
        GraphicalReportHandler::new_themed(theme)
            .with_width(self.width)
            .with_links(false)
    }

    /// Every diagnostic of a file, each followed by a blank line.
    pub fn render_file(&self, file: &FileReport<'_>) -> String {
        let handler = self.handler();
        let source = NamedSource::new(file.path, file.text.to_string());
        let lines = LineIndex::new(file.text);
        let mut out = String::new();
        for diagnostic in file.diagnostics {
            out.push_str(&render_one(&handler, &source, file, &lines, diagnostic));
            out.push('\n');
        }
        out
    }

    /// One diagnostic on its own, e.g. for a hover or a test assertion.
    pub fn render(&self, file: &FileReport<'_>, diagnostic: &Diagnostic) -> String {
        let source = NamedSource::new(file.path, file.text.to_string());
        let lines = LineIndex::new(file.text);
        render_one(&self.handler(), &source, file, &lines, diagnostic)
    }
}

fn render_one(
    handler: &GraphicalReportHandler,
    source: &NamedSource<String>,
    file: &FileReport<'_>,
    lines: &LineIndex,
    diagnostic: &Diagnostic,
) -> String {
    let report = Report {
        diagnostic,
        source,
        text: file.text,
    };
    let mut out = String::new();
    match handler.render_report(&mut out, &report) {
        Ok(()) => out,
        // miette refuses spans it cannot read; the finding still matters
        // more than the excerpt, so say it without one.
        Err(fmt::Error) => plain(file, lines, diagnostic),
    }
}

fn plain(file: &FileReport<'_>, lines: &LineIndex, diagnostic: &Diagnostic) -> String {
    let (start, _) = positions(file.text, lines, diagnostic.primary.span);
    let mut out = format!(
        "{}[{}]: {}\n  at {}:{start}\n",
        diagnostic.severity.as_str(),
        diagnostic.code,
        diagnostic.message,
        file.path
    );
    if let Some(help) = &diagnostic.help {
        out.push_str(&format!("  help: {help}\n"));
    }
    out
}

/// Our diagnostic seen through miette's trait.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a NamedSource<String>,
    text: &'a str,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = |message: &str| (!message.is_empty()).then(|| message.to_string());
        let primary = &self.diagnostic.primary;
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            label(&primary.message),
            clamp(self.text, primary.span),
        )];
        for secondary in &self.diagnostic.secondary {
            labels.push(LabeledSpan::new_with_span(
                label(&secondary.message),
                clamp(self.text, secondary.span),
            ));
        }
        Some(Box::new(labels.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Span;

    fn report(text: &str, diagnostic: Diagnostic, style: Human) -> String {
        let diagnostics = [diagnostic];
        style.render_file(&FileReport {
            path: "flows/early.dun",
            text,
            diagnostics: &diagnostics,
        })
    }

    #[test]
    fn a_report_shows_code_message_place_labels_and_help() {
        let text = "flow early\nstage a { goto b }\n";
        let start = text.find('b').unwrap();
        let diagnostic = Diagnostic::error(
            "dun::names::unknown_stage",
            "there is no stage called `b`",
            Span::new(start, start + 1),
        )
        .with_label("no such stage")
        .with_secondary(Span::new(11, 18), "in this stage")
        .with_help("declare `stage b { ... }` or go to an existing stage");
        let out = report(text, diagnostic, Human::plain());
        assert!(out.contains("dun::names::unknown_stage"), "{out}");
        assert!(out.contains("there is no stage called `b`"), "{out}");
        assert!(out.contains("[flows/early.dun:2:16]"), "{out}");
        assert!(out.contains("no such stage"), "{out}");
        assert!(out.contains("in this stage"), "{out}");
        assert!(out.contains("help: declare `stage b"), "{out}");
        assert!(out.is_ascii(), "plain reports are ASCII: {out}");
        assert!(!out.contains('\u{1b}'), "no colour codes: {out}");
    }

    #[test]
    fn colour_is_only_used_when_asked_for() {
        let diagnostic = Diagnostic::warning("dun::x::y", "odd", Span::new(0, 4));
        let coloured = Human {
            color: true,
            unicode: true,
            width: 80,
        };
        assert!(report("flow x\n", diagnostic.clone(), coloured).contains('\u{1b}'));
        let plain = Human {
            color: false,
            ..coloured
        };
        assert!(!report("flow x\n", diagnostic, plain).contains('\u{1b}'));
    }

    #[test]
    fn spans_past_the_end_or_inside_a_character_still_render() {
        for span in [Span::new(0, 500), Span::new(2, 2), Span::new(9, 3)] {
            let diagnostic = Diagnostic::error("dun::x::y", "broken", span);
            let out = report("añb", diagnostic, Human::plain());
            assert!(out.contains("broken"), "{out}");
        }
        let empty = Diagnostic::error("dun::x::y", "empty file", Span::new(0, 0));
        assert!(report("", empty, Human::plain()).contains("empty file"));
    }
}
