//! `--format json`: one document for scripts and other tools. The shape is
//! versioned (`"version": 1`) and described in docs/cli.md; fields are only
//! ever added, never renamed, within a version.

use super::{positions, FileReport, Position, Summary};
use crate::diagnostics::{Label, LineIndex};
use serde::Serialize;

/// Version of the document's shape, bumped on any breaking change.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    files: Vec<&'a str>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    /// `null` when the span is underlined without words.
    message: Option<&'a str>,
    primary: bool,
    start: Position,
    end: Position,
}

/// The whole report, pretty-printed, ending with a line break.
pub fn render(files: &[FileReport<'_>]) -> String {
    let mut diagnostics = Vec::new();
    for file in files {
        let lines = LineIndex::new(file.text);
        for diagnostic in file.diagnostics {
            let (start, end) = positions(file.text, &lines, diagnostic.primary.span);
            let mut labels = vec![json_label(file, &lines, &diagnostic.primary, true)];
            labels.extend(
                diagnostic
                    .secondary
                    .iter()
                    .map(|secondary| json_label(file, &lines, secondary, false)),
            );
            diagnostics.push(JsonDiagnostic {
                file: file.path,
                severity: diagnostic.severity.as_str(),
                code: diagnostic.code,
                message: &diagnostic.message,
                help: diagnostic.help.as_deref(),
                labels,
                start,
                end,
            });
        }
    }
    let document = Document {
        version: VERSION,
        files: files.iter().map(|file| file.path).collect(),
        diagnostics,
        summary: Summary::of(files),
    };
    // Serialising plain strings and numbers cannot fail.
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}

fn json_label<'a>(
    file: &FileReport<'_>,
    lines: &LineIndex,
    label: &'a Label,
    primary: bool,
) -> JsonLabel<'a> {
    let (start, end) = positions(file.text, lines, label.span);
    JsonLabel {
        message: (!label.message.is_empty()).then_some(label.message.as_str()),
        primary,
        start,
        end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostic;
    use crate::syntax::ast::Span;
    use serde_json::{json, Value};

    #[test]
    fn the_document_lists_files_diagnostics_and_a_summary() {
        // `é` and `😀` are one column each although they take 2 and 4 bytes.
        let text = "flow x\n# é😀\nstage é\n";
        let at = text.find("stage").unwrap() + "stage ".len();
        let diagnostics = [Diagnostic::error(
            "dun::syntax::bad_name",
            "a stage name is written in lower-case letters",
            Span::new(at, at + "é".len()),
        )
        .with_label("not a name")
        .with_secondary(Span::new(9, 15), "")
        .with_help("rename it")];
        let files = [
            FileReport {
                path: "a.dun",
                text,
                diagnostics: &diagnostics,
            },
            FileReport {
                path: "b.dun",
                text: "",
                diagnostics: &[],
            },
        ];
        let document: Value = serde_json::from_str(&render(&files)).unwrap();
        assert_eq!(
            document,
            json!({
                "version": 1,
                "files": ["a.dun", "b.dun"],
                "diagnostics": [{
                    "file": "a.dun",
                    "severity": "error",
                    "code": "dun::syntax::bad_name",
                    "message": "a stage name is written in lower-case letters",
                    "help": "rename it",
                    "labels": [
                        {"message": "not a name", "primary": true,
                         "start": {"line": 3, "column": 7}, "end": {"line": 3, "column": 8}},
                        {"message": null, "primary": false,
                         "start": {"line": 2, "column": 3}, "end": {"line": 2, "column": 5}}
                    ],
                    "start": {"line": 3, "column": 7},
                    "end": {"line": 3, "column": 8}
                }],
                "summary": {"errors": 1, "warnings": 0, "notes": 0}
            })
        );
    }

    #[test]
    fn a_clean_run_is_still_one_document() {
        let document: Value = serde_json::from_str(&render(&[])).unwrap();
        assert_eq!(document["diagnostics"], json!([]));
        assert_eq!(document["summary"]["errors"], 0);
    }
}
