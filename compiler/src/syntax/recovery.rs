//! Recovery from syntax errors (DESIGN.md): the file is cut at the lines
//! where a top-level declaration starts, each slice is parsed strictly, and
//! inside a broken declaration the broken steps (or rules, fields, test
//! lines) are blanked out one by one so that the rest of it survives.

use super::ast::Decl;
use super::build::Builder;
use super::errors;
use super::grammar::{DunParser, Rule};
use super::scan::{self, Scan};
use crate::diagnostics::Diagnostic;
use pest::error::{ErrorVariant, InputLocation};
use pest::Parser;

/// Broken items blanked inside one declaration before giving up on it.
const MAX_ROUNDS: usize = 32;

pub(crate) fn recover(
    text: &str,
    scan: &Scan,
    whole: &pest::error::Error<Rule>,
) -> (Vec<Decl>, Vec<Diagnostic>) {
    let mut starts = scan.decl_starts.clone();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let mut decls = Vec::new();
    let mut diagnostics = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let (d, diags) = parse_slice(text, start, end, scan);
        decls.extend(d);
        diagnostics.extend(diags);
    }
    if diagnostics.is_empty() {
        // Every slice parsed on its own, yet the file did not: report what
        // the whole-file parse saw rather than stay silent.
        diagnostics.push(errors::from_pest(text, 0, text.len(), whole));
    }
    (decls, diagnostics)
}

fn parse_with(
    text: &str,
    base: usize,
    scan: &Scan,
) -> Result<(Vec<Decl>, Vec<Diagnostic>), pest::error::Error<Rule>> {
    let mut pairs = DunParser::parse(Rule::file, text)?;
    let builder = Builder::new(base, &scan.docs);
    let decls = pairs
        .next()
        .map(|file| builder.file(file))
        .unwrap_or_default();
    Ok((decls, builder.into_diagnostics()))
}

fn parse_slice(text: &str, start: usize, end: usize, scan: &Scan) -> (Vec<Decl>, Vec<Diagnostic>) {
    let Some(slice) = text.get(start..end) else {
        return (Vec::new(), Vec::new());
    };
    let err = match parse_with(slice, start, scan) {
        Ok(ok) => return ok,
        Err(err) => err,
    };
    let file_len = text.len();

    // A block never closed: say so at its opening bracket, and try the
    // declaration again with the bracket closed where the slice ends.
    let open = scan::unclosed_brackets(slice);
    if let Some(&first) = open.first() {
        if error_pos(&err) >= slice.trim_end().len() {
            let bracket = slice[first..].chars().next().unwrap_or('{');
            let diag = errors::unclosed(
                start + first,
                bracket,
                start + slice.trim_end().len(),
                text.get(end..).is_none_or(|rest| rest.trim().is_empty()),
            );
            let mut closed = slice.to_string();
            if let Some(fixed) = close_in_place(&mut closed, &open, slice) {
                if let Ok((decls, mut diags)) = parse_with(fixed, start, scan) {
                    diags.insert(0, diag);
                    return (decls, diags);
                }
            }
            return (Vec::new(), vec![diag]);
        }
    }

    let first = errors::from_pest(slice, start, file_len, &err);
    let items = scan::line_items(slice);
    let mut owned = slice.to_string();
    let mut diagnostics = vec![first.clone()];
    let mut err = err;
    for _ in 0..MAX_ROUNDS {
        let Some((from, to)) = broken_item(&items, &err, owned.len()) else {
            break;
        };
        blank(&mut owned, from, to);
        match parse_with(&owned, start, scan) {
            Ok((decls, diags)) => {
                diagnostics.extend(diags);
                return (decls, diagnostics);
            }
            Err(next) => {
                if error_pos(&next) == error_pos(&err) {
                    break;
                }
                diagnostics.push(errors::from_pest(&owned, start, file_len, &next));
                err = next;
            }
        }
    }
    (Vec::new(), vec![first])
}

/// Replaces the trailing blanks of the slice with the missing closing
/// brackets, keeping every offset (and so every span) where it was.
fn close_in_place<'a>(owned: &'a mut String, open: &[usize], slice: &str) -> Option<&'a str> {
    let closers: String = open
        .iter()
        .rev()
        .map(|&o| match slice.as_bytes().get(o) {
            Some(b'[') => ']',
            Some(b'(') => ')',
            _ => '}',
        })
        .collect();
    let content_end = slice.trim_end().len();
    if slice.len() - content_end < closers.len() {
        return None;
    }
    owned.replace_range(content_end..content_end + closers.len(), &closers);
    Some(owned.as_str())
}

fn error_pos(err: &pest::error::Error<Rule>) -> usize {
    match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
}

/// The line item (step, rule, field, test line) that the error belongs to,
/// as a byte range; `None` when the error is in the declaration's header.
fn broken_item(
    items: &[scan::LineItem],
    err: &pest::error::Error<Rule>,
    len: usize,
) -> Option<(usize, usize)> {
    let pos = error_pos(err);
    let mut index = items.iter().rposition(|it| it.start <= pos)?;
    // An error at the first token of a line that the parser wanted to
    // continue the line before (`wait 3` then `send ...`) belongs there.
    if items[index].start == pos && !expects_new_item(err) && index > 0 {
        index -= 1;
    }
    let item = &items[index];
    if item.depth == 0 || item.closes {
        return None;
    }
    let end = items[index + 1..]
        .iter()
        .find(|it| it.depth <= item.depth)
        .map_or(len, |it| it.start);
    Some((item.start, end))
}

fn expects_new_item(err: &pest::error::Error<Rule>) -> bool {
    let ErrorVariant::ParsingError { positives, .. } = &err.variant else {
        return false;
    };
    positives.iter().any(|r| {
        matches!(
            r,
            Rule::rbrace
                | Rule::kw_send
                | Rule::kw_wait
                | Rule::kw_goto
                | Rule::kw_end
                | Rule::kw_contact_hours
                | Rule::kw_given
                | Rule::field_decl
                | Rule::field_value
                | Rule::kw_weekend
        )
    })
}

/// Blanks `from..to` with spaces, keeping line breaks and every offset.
fn blank(text: &mut String, from: usize, to: usize) {
    let Some(region) = text.get(from..to) else {
        return;
    };
    let blanked: String = region
        .bytes()
        .map(|b| if b == b'\n' { '\n' } else { ' ' })
        .collect();
    text.replace_range(from..to, &blanked);
}
