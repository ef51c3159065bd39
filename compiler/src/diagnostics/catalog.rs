//! The documentation of diagnostic codes: docs/errors.md, compiled into the
//! binary so `dun explain` works offline and never disagrees with the docs.
//! Each code is a section headed `## dun::area::name`; its first paragraph is
//! the one-line summary.

/// The explanations as shipped.
pub const ERRORS_MD: &str = include_str!("../../../docs/errors.md");

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub code: String,
    /// The first paragraph, on one line.
    pub summary: String,
    /// Everything under the heading, as written (Markdown).
    pub body: String,
}

/// The sections of `text`, in the order written.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        // A `##` inside a fenced example is a dun doc comment, not a heading.
        let heading = !in_fence && (line.starts_with("# ") || line.starts_with("## "));
        if heading {
            if let Some((code, lines)) = current.take() {
                entries.push(entry(code, &lines));
            }
            if let Some(code) = code_of_heading(line) {
                current = Some((code, Vec::new()));
            }
            continue;
        }
        if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some((code, lines)) = current.take() {
        entries.push(entry(code, &lines));
    }
    entries
}

fn code_of_heading(line: &str) -> Option<String> {
    let title = line.strip_prefix("## ")?.trim().trim_matches('`');
    let code = title.split_whitespace().next()?.trim_matches('`');
    code.starts_with("dun::").then(|| code.to_string())
}

fn entry(code: String, lines: &[&str]) -> Entry {
    let body = lines.join("\n").trim().to_string();
    let summary = body
        .split("\n\n")
        .map(str::trim)
        .find(|paragraph| !paragraph.is_empty() && !paragraph.starts_with("```"))
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    Entry {
        code,
        summary,
        body,
    }
}

/// The shipped catalogue.
pub fn entries() -> Vec<Entry> {
    parse(ERRORS_MD)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# Diagnostic codes\n\nIntro.\n\n\
## dun::a::first\n\nThe first\nthing is wrong.\n\n```dun\n## a doc comment\nflow x\n```\n\nFix it.\n\n\
## `dun::a::second`\n\nSecond summary.\n\n## Not a code\n\nIgnored.\n";

    #[test]
    fn sections_are_read_with_their_summary_and_body() {
        let entries = parse(SAMPLE);
        let codes: Vec<&str> = entries.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["dun::a::first", "dun::a::second"]);
        assert_eq!(entries[0].summary, "The first thing is wrong.");
        assert!(entries[0].body.contains("## a doc comment"));
        assert!(entries[0].body.ends_with("Fix it."));
        assert_eq!(entries[1].body, "Second summary.");
    }

    #[test]
    fn the_shipped_catalogue_has_a_summary_for_every_code() {
        for entry in entries() {
            assert!(!entry.summary.is_empty(), "{} has no summary", entry.code);
        }
    }
}
