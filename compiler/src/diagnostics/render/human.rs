//! Diagnostics for people: miette's graphical report, source excerpt with
//! underlined spans, the code, and the help line.

use super::trim::Trimmed;
use super::{clamp, positions, FileReport};
use crate::diagnostics::{Diagnostic, LineIndex, Severity};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;

/// Lines longer than this are not shown as an excerpt: miette pads each
/// label to its column, and a label past column 65,535 overflows the
/// padding Rust's formatter allows. Such a line is no use on a terminal
/// anyway; the finding is printed with its line and column instead.
const MAX_EXCERPT_LINE: usize = 4096;

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
        let lines = LineIndex::new(file.text);
        let source = Source {
            name: file.path,
            text: file.text,
            lines: &lines,
            top: 0,
            trimmed: None,
        };
        let mut out = String::new();
        for diagnostic in file.diagnostics {
            out.push_str(&self.render_one(&handler, &source, file, &lines, diagnostic));
            out.push('\n');
        }
        out
    }

    /// One diagnostic on its own, e.g. for a hover or a test assertion.
    pub fn render(&self, file: &FileReport<'_>, diagnostic: &Diagnostic) -> String {
        let lines = LineIndex::new(file.text);
        let source = Source {
            name: file.path,
            text: file.text,
            lines: &lines,
            top: 0,
            trimmed: None,
        };
        self.render_one(&self.handler(), &source, file, &lines, diagnostic)
    }

    fn render_one(
        &self,
        handler: &GraphicalReportHandler,
        source: &Source<'_>,
        file: &FileReport<'_>,
        lines: &LineIndex,
        diagnostic: &Diagnostic,
    ) -> String {
        // Lines wider than the report are shown as a window around the
        // labels (what miette reads is the excerpt, cut).
        if let Some(trimmed) = Trimmed::new(file.text, lines, diagnostic, self.width, self.unicode)
        {
            let excerpt_lines = LineIndex::new(&trimmed.text);
            let excerpt = Source {
                name: file.path,
                text: &trimmed.text,
                lines: &excerpt_lines,
                top: trimmed.top,
                trimmed: Some(&trimmed),
            };
            let report = Report {
                diagnostic,
                source: &excerpt,
                text: file.text,
                trimmed: Some(&trimmed),
            };
            let mut out = String::new();
            return match handler.render_report(&mut out, &report) {
                Ok(()) => out,
                Err(fmt::Error) => plain(file, lines, diagnostic),
            };
        }
        render_one(handler, source, file, lines, diagnostic)
    }
}

/// The file as miette reads it: each excerpt is cut out through the line
/// index, so rendering a finding costs its excerpt, not the text before it
/// (miette's own reader walks the file from the start for every finding).
struct Source<'a> {
    name: &'a str,
    text: &'a str,
    lines: &'a LineIndex,
    /// The file's line (from 0) of the text's first line: not 0 when the
    /// text is a cut excerpt.
    top: usize,
    /// The cut excerpt `text` is, to name columns of the file.
    trimmed: Option<&'a Trimmed>,
}

impl SourceCode for Source<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let (offset, len) = (span.offset(), span.len());
        if offset + len > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.lines.line(offset);
        let last = self
            .lines
            .line((offset + len).saturating_sub(1).max(offset));
        let (start, column) = if context_lines_before == 0 {
            let column = match self.trimmed {
                Some(t) => t.column(offset),
                None => offset - self.lines.line_start(first),
            };
            (offset, column)
        } else {
            (
                self.lines
                    .line_start(first.saturating_sub(context_lines_before)),
                0,
            )
        };
        let top = if context_lines_before == 0 {
            first
        } else {
            first.saturating_sub(context_lines_before)
        };
        let bottom = last + context_lines_after;
        let end = if bottom + 1 < self.lines.line_count() {
            self.lines.line_start(bottom + 1)
        } else {
            self.text.len()
        }
        .max(offset + len);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            &self.text.as_bytes()[start..end],
            (start, end - start).into(),
            top + self.top,
            column,
            bottom.min(self.lines.line_count() - 1) - top + 1,
        )))
    }
}

/// Whether a label of the finding sits on a line too long to excerpt.
fn on_a_long_line(text: &str, lines: &LineIndex, diagnostic: &Diagnostic) -> bool {
    std::iter::once(&diagnostic.primary)
        .chain(&diagnostic.secondary)
        .any(|label| {
            let at = (label.span.start as usize).min(text.len());
            let line = lines.line(at);
            let start = lines.line_start(line);
            let end = if line + 1 < lines.line_count() {
                lines.line_start(line + 1)
            } else {
                text.len()
            };
            end - start > MAX_EXCERPT_LINE
        })
}

fn render_one(
    handler: &GraphicalReportHandler,
    source: &Source<'_>,
    file: &FileReport<'_>,
    lines: &LineIndex,
    diagnostic: &Diagnostic,
) -> String {
    if on_a_long_line(file.text, lines, diagnostic) {
        return plain(file, lines, diagnostic);
    }
    let report = Report {
        diagnostic,
        source,
        text: file.text,
        trimmed: None,
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
    source: &'a Source<'a>,
    /// The file's text, which the diagnostic's spans are offsets into.
    text: &'a str,
    /// The cut excerpt shown instead of the file, if any.
    trimmed: Option<&'a Trimmed>,
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
        let place = |span| {
            let range = clamp(self.text, span);
            match self.trimmed {
                Some(t) => t.map(range.start)..t.map(range.end),
                None => range,
            }
        };
        let primary = &self.diagnostic.primary;
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            label(&primary.message),
            place(primary.span),
        )];
        for secondary in &self.diagnostic.secondary {
            labels.push(LabeledSpan::new_with_span(
                label(&secondary.message),
                place(secondary.span),
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
    fn a_finding_far_along_a_long_line_is_printed_with_its_place() {
        let text = format!("flow x\nstage a {{ {}goto b }}\n", " ".repeat(70_000));
        let at = text.find("b }").unwrap();
        let diagnostic = Diagnostic::error("dun::x::y", "no stage b", Span::new(at, at + 1));
        let out = report(&text, diagnostic, Human::plain());
        assert!(out.contains("no stage b"), "{out}");
        assert!(
            out.contains(&format!("flows/early.dun:2:{}", at - 7 + 1)),
            "{out}"
        );
    }

    #[test]
    fn excerpts_show_the_lines_around_the_finding() {
        let text = "flow x\nstage a {\n  goto b\n}\nstage c {\n  end done\n}\n";
        let at = text.find('b').unwrap();
        let diagnostic =
            Diagnostic::error("dun::x::y", "no stage b", Span::new(at, at + 1)).with_label("here");
        let out = report(text, diagnostic, Human::plain());
        assert!(out.contains("[flows/early.dun:3:8]"), "{out}");
        assert!(out.contains(" 2 | stage a {"), "{out}");
        assert!(out.contains(" 3 |   goto b"), "{out}");
        assert!(out.contains(" 4 | }"), "{out}");
        assert!(!out.contains("end done"), "{out}");
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

    /// The flow of the excerpt tests: a long condition on line 3.
    fn long_line() -> String {
        let cond = (1..=12)
            .map(|i| format!("account.field_{i} > {i}00 USD"))
            .collect::<Vec<_>>()
            .join(" and ");
        format!("flow x\nstage a {{\n  if {cond} and account.risk == hgih {{ goto b }}\n  end paid\n}}\n")
    }

    fn at(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        Span::new(start, start + needle.len())
    }

    fn narrow(width: usize, unicode: bool) -> Human {
        Human {
            color: false,
            unicode,
            width,
        }
    }

    #[test]
    fn a_long_line_is_cut_around_the_caret() {
        let text = long_line();
        let diagnostic = Diagnostic::error(
            "dun::types::unknown_variant",
            "`hgih` is not a variant of `risk`",
            at(&text, "hgih"),
        )
        .with_label("not a variant")
        .with_help("did you mean `high`?");
        let out = report(&text, diagnostic, narrow(60, false));
        // The location still names the column in the file.
        let column = text.find("hgih").unwrap() - text.find("  if").unwrap() + 1;
        assert!(
            out.contains(&format!("[flows/early.dun:3:{column}]")),
            "{out}"
        );
        for line in out.lines() {
            assert!(line.len() <= 60, "wider than 60 columns: {line:?}\n{out}");
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn a_caret_near_the_start_of_a_long_line_keeps_its_start() {
        let text = long_line();
        let diagnostic = Diagnostic::error("dun::x::y", "no field_1", at(&text, "field_1 "))
            .with_label("unknown field");
        let out = report(&text, diagnostic, narrow(60, true));
        assert!(out.contains("  if account.field_1"), "{out}");
        insta::assert_snapshot!(out);
    }

    #[test]
    fn labels_on_several_long_lines_are_each_in_their_window() {
        let text = format!("{}{}", long_line(), long_line().replace("flow x\n", ""));
        let first = at(&text, "field_12");
        let second_at = text.rfind("goto b").unwrap();
        let diagnostic = Diagnostic::error("dun::x::y", "two places", first)
            .with_label("here")
            .with_secondary(Span::new(second_at, second_at + 6), "and there");
        let out = report(&text, diagnostic, narrow(70, false));
        for line in out.lines() {
            assert!(line.len() <= 70, "wider than 70 columns: {line:?}\n{out}");
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn a_line_that_fits_is_left_whole() {
        let text = "flow x\nstage a {\n  goto b\n}\n";
        let diagnostic =
            Diagnostic::error("dun::x::y", "no stage b", at(text, "b\n")).with_label("here");
        let wide = report(text, diagnostic.clone(), Human::plain());
        assert_eq!(report(text, diagnostic, narrow(40, false)), wide);
        assert!(!wide.contains("..."), "{wide}");
    }

    /// Every span of a long line holding tabs and characters of several
    /// bytes and columns, at several widths: the report renders, names the
    /// file's line, and keeps plain ASCII reports within the width (the
    /// labels' messages are short here).
    #[test]
    fn cut_excerpts_render_for_any_span_and_width() {
        let line = format!(
            "\tif {} == \"日本語 ünï\" {{",
            "account.name_of_x + ".repeat(8)
        );
        let text = format!("flow x\nstage a {{\n{line}\n  end paid\n}}\n");
        let start = text.find("\tif").unwrap();
        let end = start + line.len();
        let bounds: Vec<usize> = (start..=end)
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for width in [40, 47, 61, 80, 133] {
            for (n, &from) in bounds.iter().enumerate().step_by(5) {
                for &to in bounds[n..].iter().step_by(23) {
                    let diagnostic =
                        Diagnostic::error("dun::x::y", "m", Span::new(from, to)).with_label("l");
                    let out = report(&text, diagnostic, narrow(width, false));
                    assert!(
                        out.contains("[flows/early.dun:3:"),
                        "{from}..{to} at {width}:\n{out}"
                    );
                    for l in out.lines() {
                        assert!(
                            l.chars().count() <= width,
                            "{from}..{to} at {width}: {l:?}\n{out}"
                        );
                    }
                }
            }
        }
    }
}
