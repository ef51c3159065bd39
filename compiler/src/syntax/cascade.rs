//! What a mistake hides from the passes after it. The checker runs on the declarations that
//! parsed, so a declaration dropped by recovery (or a step blanked out of
//! one) would otherwise be reported again as "there is no stage", "never
//! used" or "unreachable" wherever it is named. Those findings are withheld
//! while the file has the syntax error; fixing it brings back whatever was
//! real. In the same way a misspelt name (`goto closng`) is one mistake,
//! not also a "never used" on the name it misses.
//!
//! A finding is withheld when the name it is about is the name of a dropped
//! declaration or a word of the text left unread, when it is a whole-
//! declaration finding (a stage that falls off its end, a test with no
//! start) about a declaration that lost a step, or when it is a "never used"
//! about the name an unknown-name error suggests instead.

use super::ast::{File, Span};
use super::recovery::Recovered;
use crate::diagnostics::{Diagnostic, Severity};
use foldhash::{HashSet, HashSetExt};

/// Findings about a name the rest of the file fails to resolve.
const UNKNOWN: &[&str] = &[
    "dun::names::unknown_stage",
    "dun::names::unknown_template",
    "dun::names::unknown_event",
    "dun::names::unknown_variable",
    "dun::names::unknown_name",
    "dun::names::unknown_field",
    "dun::names::unknown_type",
    "dun::names::unknown_calendar",
    "dun::names::unknown_action",
    "dun::names::unknown_channel",
    "dun::tests::never_used",
    "dun::types::no_event",
];

/// Findings that a declaration or a step is not used.
const UNUSED: &[&str] = &[
    "dun::structure::unused",
    "dun::structure::unreachable_stage",
];

/// Findings about the whole of a declaration, which a lost step changes.
const WHOLE_DECLARATION: &[&str] = &[
    "dun::structure::falls_off",
    "dun::structure::unreachable_step",
    "dun::tests::missing_start",
    "dun::tests::missing_value",
    "dun::types::missing_field",
];

const MISSING_START: &str = "dun::names::missing_start";

/// Removes from `diagnostics` what the unread parts of `text` may explain.
pub fn withhold(text: &str, file: &File, recovered: &Recovered, diagnostics: &mut Vec<Diagnostic>) {
    if recovered.is_empty() && !diagnostics.iter().any(|d| UNKNOWN.contains(&d.code)) {
        return;
    }
    let mut names: HashSet<&str> = HashSet::new();
    for broken in &recovered.broken {
        if let Some(name) = &broken.name {
            names.insert(name.name.as_str());
        }
    }
    let mut words: HashSet<&str> = HashSet::new();
    for span in &recovered.unparsed {
        if let Some(region) = text.get(span.range()) {
            words.extend(
                region
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty()),
            );
        }
    }
    let start_lost =
        recovered.broken.iter().any(|b| b.keyword == "start") || words.contains("start");
    let damaged: Vec<Span> = file
        .decls
        .iter()
        .map(|d| d.span())
        .filter(|decl| {
            recovered
                .unparsed
                .iter()
                .any(|u| u.start >= decl.start && u.start < decl.end)
        })
        .collect();

    // The names that unknown-name errors still reported suggest instead.
    let unknown_kept: Vec<&str> = diagnostics
        .iter()
        .filter(|d| UNKNOWN.contains(&d.code))
        .filter_map(|d| last_word(text, d.primary.span))
        .filter(|name| !names.contains(name) && !words.contains(name))
        .collect();

    diagnostics.retain(|d| {
        let name = last_word(text, d.primary.span);
        if UNKNOWN.contains(&d.code) {
            return !name.is_some_and(|n| names.contains(n) || words.contains(n));
        }
        if UNUSED.contains(&d.code) && d.severity != Severity::Error {
            let Some(n) = name else { return true };
            if names.contains(n) || words.contains(n) {
                return false;
            }
            return crate::names::suggest(n, unknown_kept.iter().copied()).is_none();
        }
        if WHOLE_DECLARATION.contains(&d.code) {
            let at = d.primary.span.start;
            return !damaged.iter().any(|s| s.start <= at && at < s.end);
        }
        if d.code == MISSING_START {
            return !start_lost;
        }
        true
    });
}

/// The last word of the text under `span` (`account.nam` gives `nam`).
fn last_word(text: &str, span: Span) -> Option<&str> {
    let region = text.get(span.range())?;
    region
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| !w.is_empty())
}
