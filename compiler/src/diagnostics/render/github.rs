//! `--format github`: GitHub Actions workflow commands, one per line, which
//! GitHub turns into annotations on the pull request's changed lines.

use super::{positions, FileReport};
use crate::diagnostics::{LineIndex, Severity};

/// One `::error`/`::warning`/`::notice` line per diagnostic.
pub fn render(files: &[FileReport<'_>]) -> String {
    let mut out = String::new();
    for file in files {
        let lines = LineIndex::new(file.text);
        for diagnostic in file.diagnostics {
            let (start, end) = positions(file.text, &lines, diagnostic.primary.span);
            let command = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "notice",
            };
            let mut message = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            out.push_str(&format!(
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                escape_property(file.path),
                start.line,
                start.column,
                end.line,
                end.column,
                escape_property(diagnostic.code),
                escape_data(&message),
            ));
        }
    }
    out
}

/// The message after `::`, escaped as GitHub's toolkit does (`escapeData`):
/// a raw line break would end the command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value (`file=`, `title=`): also `:` and `,`, which would
/// otherwise end the value (`escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostic;
    use crate::syntax::ast::Span;

    #[test]
    fn each_severity_becomes_its_workflow_command() {
        let text = "flow x\nstage ñandú { }\n";
        let at = text.find('{').unwrap();
        let diagnostics = [
            Diagnostic::error(
                "dun::a::b",
                "stage falls off its end",
                Span::new(at, at + 3),
            ),
            Diagnostic::warning("dun::a::c", "unused", Span::new(0, 4)),
            Diagnostic::note("dun::a::d", "fyi", Span::new(0, 0)),
        ];
        let out = render(&[FileReport {
            path: "flows/x.dun",
            text,
            diagnostics: &diagnostics,
        }]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                // `ñandú ` is six characters although it is eight bytes.
                "::error file=flows/x.dun,line=2,col=13,endLine=2,endColumn=16,title=dun%3A%3Aa%3A%3Ab::stage falls off its end",
                "::warning file=flows/x.dun,line=1,col=1,endLine=1,endColumn=5,title=dun%3A%3Aa%3A%3Ac::unused",
                "::notice file=flows/x.dun,line=1,col=1,endLine=1,endColumn=1,title=dun%3A%3Aa%3A%3Ad::fyi",
            ]
        );
    }

    #[test]
    fn messages_and_properties_are_escaped_so_they_cannot_break_the_command() {
        assert_eq!(
            escape_data("100% done\r\nnext: a, b"),
            "100%25 done%0D%0Anext: a, b"
        );
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A",);
        let diagnostics = [
            Diagnostic::error("dun::a::b", "two\nlines", Span::new(0, 1))
                .with_help("50% off, then: pay"),
        ];
        let out = render(&[FileReport {
            path: "dir,with:odd.dun",
            text: "x",
            diagnostics: &diagnostics,
        }]);
        assert_eq!(
            out,
            "::error file=dir%2Cwith%3Aodd.dun,line=1,col=1,endLine=1,endColumn=2,title=dun%3A%3Aa%3A%3Ab::two%0Alines%0Ahelp: 50%25 off, then: pay\n"
        );
    }
}
