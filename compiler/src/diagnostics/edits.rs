//! Applying the fixes diagnostics carry, for `dun check --fix`.

use super::{Diagnostic, Edit};

/// Rounds of fixing before giving up: a fix may reveal another mistake
/// with its own fix, but never forever.
pub const MAX_ROUNDS: usize = 10;

/// The text with the safe fixes of `diagnostics` applied, and how many were
/// applied. A fix whose edits overlap one applied before it, or fall
/// outside the text or inside a character, is left for the next round.
pub fn apply_safe(text: &str, diagnostics: &[Diagnostic]) -> (String, usize) {
    apply(text, diagnostics, false)
}

/// As [`apply_safe`]; with `unsafe_too`, the fixes not marked safe as well
/// (`dun check --fix --unsafe-fixes`). Of the fixes of one diagnostic only
/// the first is taken: they are alternatives.
pub fn apply(text: &str, diagnostics: &[Diagnostic], unsafe_too: bool) -> (String, usize) {
    let mut fixes: Vec<&[Edit]> = diagnostics
        .iter()
        .filter_map(|d| {
            d.fixes
                .iter()
                .find(|f| (f.safe || unsafe_too) && !f.edits.is_empty())
        })
        .map(|f| f.edits.as_slice())
        .collect();
    fixes.sort_by_key(|edits| edits.iter().map(|e| e.span.start).min());
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for edits in fixes {
        let fits = edits.iter().all(|e| {
            let (start, end) = (e.span.start as usize, e.span.end as usize);
            start <= end
                && text.is_char_boundary(start)
                && text.is_char_boundary(end)
                && taken.iter().all(|t| {
                    // Two insertions at one place would depend on order.
                    let same_point = t.span.start == e.span.start;
                    !same_point && (t.span.end <= e.span.start || e.span.end <= t.span.start)
                })
        });
        if fits {
            taken.extend(edits.iter());
            applied += 1;
        }
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0usize;
    for edit in taken {
        out.push_str(&text[at..edit.span.start as usize]);
        out.push_str(&edit.replacement);
        at = edit.span.end as usize;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Fix;
    use crate::syntax::ast::Span;

    fn with_fix(span: Span, replacement: &str, safe: bool) -> Diagnostic {
        Diagnostic::error("dun::x::y", "m", span).with_fix(Fix::replace(
            "t",
            span,
            replacement,
            safe,
        ))
    }

    #[test]
    fn safe_fixes_are_applied_and_unsafe_ones_left() {
        let text = "abc def ghi";
        let ds = [
            with_fix(Span::new(4, 7), "DEF", true),
            with_fix(Span::new(0, 3), "ABC", false),
            with_fix(Span::new(11, 11), "!", true),
        ];
        assert_eq!(apply_safe(text, &ds), ("abc DEF ghi!".to_string(), 2));
        assert_eq!(apply(text, &ds, true), ("ABC DEF ghi!".to_string(), 3));
    }

    #[test]
    fn overlapping_or_broken_edits_are_skipped() {
        let text = "abcdef";
        let ds = [
            with_fix(Span::new(0, 4), "X", true),
            with_fix(Span::new(2, 5), "Y", true),
            with_fix(Span::new(5, 99), "Z", true),
        ];
        assert_eq!(apply_safe(text, &ds), ("Xef".to_string(), 1));
    }
}
