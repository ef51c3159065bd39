//! `--format sarif`: SARIF 2.1.0, the format code-scanning dashboards
//! (GitHub code scanning among them) import.

use super::{positions, FileReport};
use crate::diagnostics::{Diagnostic, LineIndex, Severity};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// What the report says about the tool that produced it.
pub struct Tool<'a> {
    pub version: &'a str,
    /// The project's home page.
    pub information_uri: &'a str,
    /// The page explaining every code; `#` and the code's anchor are appended.
    pub help_uri: &'a str,
    /// The one-line summary of a code (from docs/errors.md); the first
    /// message seen for the code stands in when there is none.
    pub summary: &'a dyn Fn(&str) -> Option<String>,
}

/// The whole log, pretty-printed, ending with a line break.
pub fn render(files: &[FileReport<'_>], tool: &Tool<'_>) -> String {
    // One rule per code seen, in code order so the log is stable.
    let mut first_seen: BTreeMap<&str, &Diagnostic> = BTreeMap::new();
    for file in files {
        for diagnostic in file.diagnostics {
            first_seen.entry(diagnostic.code).or_insert(diagnostic);
        }
    }
    let index: BTreeMap<&str, usize> = first_seen
        .keys()
        .enumerate()
        .map(|(i, code)| (*code, i))
        .collect();
    let rules: Vec<Value> = first_seen
        .iter()
        .map(|(code, example)| {
            let summary = (tool.summary)(code).unwrap_or_else(|| example.message.clone());
            json!({
                "id": code,
                "shortDescription": { "text": summary },
                "helpUri": format!("{}#{}", tool.help_uri, anchor(code)),
                "defaultConfiguration": { "level": level(example.severity) },
            })
        })
        .collect();

    let mut results = Vec::new();
    for file in files {
        let lines = LineIndex::new(file.text);
        let uri = uri(file.path);
        let location = |span, message: &str| {
            let (start, end) = positions(file.text, &lines, span);
            let mut location = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": {
                        "startLine": start.line,
                        "startColumn": start.column,
                        "endLine": end.line,
                        "endColumn": end.column,
                    }
                }
            });
            if !message.is_empty() {
                location["message"] = json!({ "text": message });
            }
            location
        };
        for diagnostic in file.diagnostics {
            let mut text = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let mut result = json!({
                "ruleId": diagnostic.code,
                "ruleIndex": index.get(diagnostic.code).copied().unwrap_or(0),
                "level": level(diagnostic.severity),
                "message": { "text": text },
                "locations": [location(diagnostic.primary.span, &diagnostic.primary.message)],
            });
            if !diagnostic.secondary.is_empty() {
                let related: Vec<Value> = diagnostic
                    .secondary
                    .iter()
                    .enumerate()
                    .map(|(id, label)| {
                        let mut related = location(label.span, &label.message);
                        related["id"] = json!(id);
                        related
                    })
                    .collect();
                result["relatedLocations"] = Value::Array(related);
            }
            results.push(result);
        }
    }

    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "dun",
                    "version": tool.version,
                    "informationUri": tool.information_uri,
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The anchor GitHub and most Markdown viewers give the heading `## CODE`:
/// lower case, punctuation other than `-` and `_` dropped.
pub fn anchor(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A relative URI reference for a path as shown: forward slashes, and
/// characters that may not appear in a URI percent-encoded. Absolute paths
/// become `file://` URIs.
pub fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::new();
    let absolute = path.starts_with('/');
    let drive = path.len() > 1 && path.as_bytes().get(1) == Some(&b':');
    if absolute {
        out.push_str("file://");
    } else if drive {
        out.push_str("file:///");
    }
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'/' | b'-' | b'_' | b'.' | b'~')
            || (drive && byte == b':');
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Span;

    fn tool_summary(code: &str) -> Option<String> {
        (code == "dun::types::mismatch").then(|| "A value has the wrong type".to_string())
    }

    fn tool() -> Tool<'static> {
        Tool {
            version: "0.1.0",
            information_uri: "https://example.org/dun",
            help_uri: "https://example.org/dun/errors",
            summary: &tool_summary,
        }
    }

    #[test]
    fn the_log_has_the_sarif_2_1_0_shape() {
        let text = "flow x\nvar n: number = \"ñ\"\n";
        let at = text.find('"').unwrap();
        let diagnostics = [
            Diagnostic::error(
                "dun::types::mismatch",
                "this is text",
                Span::new(at, at + 4),
            )
            .with_label("text here")
            .with_secondary(Span::new(14, 20), "number expected here")
            .with_help("write a number"),
            Diagnostic::warning("dun::names::unused", "`n` is never read", Span::new(11, 12)),
            Diagnostic::note("dun::names::unused", "second", Span::new(11, 12)),
        ];
        let out = render(
            &[FileReport {
                path: "flows\\my flow.dun",
                text,
                diagnostics: &diagnostics,
            }],
            &tool(),
        );
        let log: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(log["$schema"], SCHEMA);
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "dun");
        assert_eq!(driver["informationUri"], "https://example.org/dun");
        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 2, "one rule per code seen");
        assert_eq!(rules[0]["id"], "dun::names::unused");
        assert_eq!(rules[0]["shortDescription"]["text"], "`n` is never read");
        assert_eq!(rules[1]["id"], "dun::types::mismatch");
        assert_eq!(
            rules[1]["shortDescription"]["text"],
            "A value has the wrong type"
        );
        assert_eq!(
            rules[1]["helpUri"],
            "https://example.org/dun/errors#duntypesmismatch"
        );

        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        let first = &results[0];
        assert_eq!(first["ruleId"], "dun::types::mismatch");
        assert_eq!(first["ruleIndex"], 1);
        assert_eq!(first["level"], "error");
        assert_eq!(
            first["message"]["text"],
            "this is text\nhelp: write a number"
        );
        let location = &first["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "flows/my%20flow.dun");
        assert_eq!(
            location["region"],
            json!({"startLine": 2, "startColumn": 17, "endLine": 2, "endColumn": 20})
        );
        assert_eq!(
            first["relatedLocations"][0]["message"]["text"],
            "number expected here"
        );
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(results[2]["level"], "note");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("tests/cases/a.dun"), "tests/cases/a.dun");
        assert_eq!(uri("/home/ann/a b.dun"), "file:///home/ann/a%20b.dun");
        assert_eq!(uri("C:\\flows\\a.dun"), "file:///C:/flows/a.dun");
        assert_eq!(uri("ñ.dun"), "%C3%B1.dun");
    }
}
