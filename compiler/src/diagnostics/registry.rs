//! Every diagnostic code `dun` can print, as data: its area, its default
//! severity and its tags. The explanation of each is its section of
//! docs/errors.md ([`super::catalog`]); `dun explain`, the index at the top
//! of docs/errors.md and the language server's tags all read this table, and
//! tests hold the table, the docs and the code that emits diagnostics to
//! one another.

use super::Severity;

/// What an editor may show besides the squiggle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    /// Code that never runs or is never read: shown faded.
    Unnecessary,
    /// A construct kept for old flows: shown struck through.
    Deprecated,
}

impl Tag {
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Unnecessary => "unnecessary",
            Tag::Deprecated => "deprecated",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    /// The severity the code is reported with. A few codes (`verify::pause`)
    /// are reported as warnings or errors depending on what was found; this
    /// is the more common one.
    pub severity: Severity,
    pub tags: &'static [Tag],
}

impl CodeInfo {
    /// The area, the middle part of the code (`syntax`, `names`, ...).
    pub fn area(&self) -> &'static str {
        self.code.split("::").nth(1).unwrap_or("")
    }
    /// Its one-line summary from docs/errors.md.
    pub fn summary(&self) -> Option<String> {
        super::catalog::entries()
            .into_iter()
            .find(|e| e.code == self.code)
            .map(|e| e.summary)
    }
}

const fn code(code: &'static str, severity: Severity) -> CodeInfo {
    CodeInfo {
        code,
        severity,
        tags: &[],
    }
}

const fn unnecessary(code: &'static str) -> CodeInfo {
    CodeInfo {
        code,
        severity: Severity::Warning,
        tags: &[Tag::Unnecessary],
    }
}

use Severity::{Error, Note, Warning};

/// Every code, in the order docs/errors.md explains them.
pub const REGISTRY: &[CodeInfo] = &[
    code("dun::syntax::unexpected", Error),
    code("dun::syntax::unclosed", Error),
    code("dun::syntax::invalid_literal", Error),
    code("dun::syntax::comparison_chain", Error),
    code("dun::syntax::handler_after_step", Error),
    code("dun::syntax::template_placeholder", Error),
    code("dun::syntax::too_deep", Error),
    code("dun::syntax::too_large", Error),
    code("dun::names::duplicate", Error),
    code("dun::names::missing_flow", Error),
    code("dun::names::missing_start", Error),
    code("dun::names::unknown_stage", Error),
    code("dun::names::unknown_template", Error),
    code("dun::names::unknown_event", Error),
    code("dun::names::unknown_field", Error),
    code("dun::names::unknown_name", Error),
    code("dun::names::unknown_variable", Error),
    code("dun::names::unknown_calendar", Error),
    code("dun::names::ambiguous_calendar", Error),
    code("dun::names::unknown_action", Error),
    code("dun::names::unknown_channel", Error),
    code("dun::names::unknown_type", Error),
    code("dun::names::segment_cycle", Error),
    code("dun::types::mismatch", Error),
    code("dun::types::operator", Error),
    code("dun::types::no_currency", Error),
    code("dun::types::wrong_currency", Error),
    code("dun::types::unknown_variant", Error),
    code("dun::types::maybe_unset", Error),
    code("dun::types::always_set", Warning),
    code("dun::types::no_event", Error),
    code("dun::types::read_only", Error),
    code("dun::types::init_reference", Error),
    code("dun::types::optional_not_allowed", Error),
    code("dun::types::placeholder_not_allowed", Error),
    code("dun::types::template_channel", Error),
    code("dun::types::contact_field", Error),
    code("dun::types::invalid_zone", Error),
    code("dun::types::out_of_range", Error),
    code("dun::types::missing_field", Error),
    code("dun::types::hold_release", Error),
    code("dun::types::deadline_on_clock", Warning),
    code("dun::types::fee_over_cap", Error),
    code("dun::types::no_payments", Error),
    code("dun::types::no_settlement", Error),
    code("dun::templates::file_not_found", Error),
    code("dun::templates::outside_folder", Error),
    code("dun::templates::unreadable", Error),
    code("dun::templates::invalid_text", Error),
    code("dun::templates::subject_not_email", Error),
    code("dun::templates::unknown_locale", Error),
    code("dun::templates::whatsapp_approval", Error),
    code("dun::templates::language_choice", Error),
    code("dun::templates::unknown_language", Error),
    code("dun::templates::missing_language", Error),
    code("dun::structure::falls_off", Error),
    code("dun::structure::wait_in_handler", Error),
    code("dun::structure::split_total", Error),
    code("dun::structure::repeat_count", Error),
    code("dun::structure::repeat_size", Error),
    code("dun::structure::no_business_day", Error),
    unnecessary("dun::structure::unreachable_step"),
    unnecessary("dun::structure::unreachable_stage"),
    unnecessary("dun::structure::unused"),
    code("dun::structure::shadowed_handler", Warning),
    code("dun::tests::never_used", Error),
    code("dun::test::failed", Error),
    code("dun::tests::missing_value", Error),
    code("dun::tests::invalid_value", Error),
    code("dun::tests::missing_start", Error),
    code("dun::tests::arm", Error),
    code("dun::verify::cap", Error),
    code("dun::verify::cap_possible", Warning),
    code("dun::verify::pause", Warning),
    code("dun::verify::hold", Warning),
    code("dun::verify::never_open", Error),
    code("dun::verify::zero_time_loop", Error),
    code("dun::verify::never_ends", Warning),
    code("dun::verify::dead_contact", Warning),
    code("dun::verify::wait_until_past", Note),
    code("dun::verify::zones_never_overlap", Warning),
    code("dun::lower::unresolved", Error),
    code("dun::lower::template_file", Error),
    code("dun::lower::unsupported", Error),
    code("dun::fmt::refused", Error),
    code("dun::migrate::other_flow", Error),
    code("dun::migrate::not_later", Error),
    code("dun::migrate::no_migration", Error),
    code("dun::migrate::unknown_old_stage", Error),
    code("dun::migrate::unmapped", Error),
    code("dun::migrate::template_gone", Error),
    code("dun::migrate::held_contact", Warning),
    code("dun::migrate::new_cap", Warning),
    code("dun::modules::not_found", Error),
    code("dun::modules::outside", Error),
    code("dun::modules::cycle", Error),
    code("dun::modules::not_in_library", Error),
    code("dun::modules::too_many", Error),
    code("dun::types::plan_outside_offer", Error),
];

/// The entry of a code.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    REGISTRY.iter().find(|info| info.code == code)
}

/// Whether a code carries a tag.
pub fn has_tag(code: &str, tag: Tag) -> bool {
    lookup(code).is_some_and(|info| info.tags.contains(&tag))
}

/// The index of codes that heads docs/errors.md, between the markers
/// `<!-- index:begin -->` and `<!-- index:end -->`.
pub fn index_markdown() -> String {
    let mut out = String::from("| Code | Severity | Tags | Summary |\n|---|---|---|---|\n");
    for info in REGISTRY {
        let tags: Vec<&str> = info.tags.iter().map(|t| t.as_str()).collect();
        let summary = info.summary().unwrap_or_default().replace('|', "\\|");
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} | {} |\n",
            info.code,
            info.code.replace("::", ""),
            info.severity.as_str(),
            tags.join(", "),
            summary
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_is_listed_once_and_explained_in_the_docs() {
        let mut seen = BTreeSet::new();
        for info in REGISTRY {
            assert!(seen.insert(info.code), "{} is listed twice", info.code);
            assert!(
                info.summary().is_some_and(|s| !s.is_empty()),
                "{} has no section in docs/errors.md",
                info.code
            );
        }
        for entry in super::super::catalog::entries() {
            assert!(
                lookup(&entry.code).is_some(),
                "docs/errors.md explains {}, which the registry does not list",
                entry.code
            );
        }
    }

    #[test]
    fn the_checker_codes_are_all_registered() {
        for code in crate::checks::codes::ALL
            .iter()
            .chain(&crate::migrate::CODES)
            .chain(crate::modules::ALL)
        {
            assert!(lookup(code).is_some(), "{code} is not in the registry");
        }
    }

    /// Every code literal in the sources that emit diagnostics (tests
    /// excluded) is registered: a new code cannot ship unexplained.
    #[test]
    fn every_code_written_in_the_sources_is_registered() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        let mut found = 0;
        for dir in [
            root.join("src"),
            root.join("../src"),
            root.join("../lsp/src"),
        ] {
            for entry in walk(&dir) {
                let Ok(text) = std::fs::read_to_string(&entry) else {
                    continue;
                };
                let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name == "tests.rs" || entry.components().any(|c| c.as_os_str() == "tests") {
                    continue;
                }
                // Test modules written inline use made-up codes.
                let text = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or("");
                for literal in code_literals(text) {
                    found += 1;
                    if lookup(literal).is_none() {
                        missing.push(format!("{literal} in {}", entry.display()));
                    }
                }
            }
        }
        assert!(
            found > 50,
            "only {found} code literals found: is the walk broken?"
        );
        assert!(
            missing.is_empty(),
            "codes emitted but not registered: {missing:#?}"
        );
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return out;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        out
    }

    fn code_literals(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find("\"dun::") {
            let tail = &rest[at + 1..];
            let end = tail.find('"').unwrap_or(tail.len());
            let literal = &tail[..end];
            if literal.split("::").count() == 3
                && literal
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == ':')
            {
                out.push(literal);
            }
            rest = &tail[end.min(tail.len())..];
        }
        out
    }

    #[test]
    fn the_docs_index_is_the_registry() {
        let docs = super::super::catalog::ERRORS_MD;
        let begin = "<!-- index:begin -->\n";
        let end = "<!-- index:end -->";
        let (Some(a), Some(b)) = (docs.find(begin), docs.find(end)) else {
            panic!("docs/errors.md has no index markers");
        };
        let written = &docs[a + begin.len()..b];
        let expected = index_markdown();
        assert_eq!(
            written, expected,
            "docs/errors.md's index is out of date; replace it with:\n{expected}"
        );
    }
}
