//! Recovery from syntax errors: texts whose closing quote was forgotten are
//! closed at the end of their first line, the file is cut at the lines
//! where a top-level declaration starts, each slice is parsed strictly, and
//! inside a broken declaration the broken steps (or rules, fields, test
//! lines) are blanked out one by one so that the rest of it survives.
//!
//! What could not be parsed is kept in [`Recovered`]: the kind and name of
//! every declaration that was dropped and the spans left unread, so that
//! later passes do not report what the syntax error hides (see
//! `syntax::cascade`).

use super::ast::{Comment, Decl, Ident, Span};
use super::build::Builder;
use super::errors;
use super::grammar::{DunParser, Rule};
use super::keywords;
use super::scan::{self, Scan};
use crate::diagnostics::Diagnostic;
use pest::error::{ErrorVariant, InputLocation};
use pest::Parser;

/// Broken items blanked inside one declaration before giving up on it.
const MAX_ROUNDS: usize = 32;
/// Texts tried as unclosed ones in one file: each try parses a declaration
/// twice, so a file full of long letters stays cheap.
const MAX_TEXT_TRIES: usize = 32;

/// What recovery could not read, for the passes after it.
#[derive(Clone, Debug, Default)]
pub struct Recovered {
    /// Declarations dropped for a syntax error, by keyword and name.
    pub broken: Vec<BrokenDecl>,
    /// Spans of text left unread: dropped declarations and blanked steps.
    pub unparsed: Vec<Span>,
}

impl Recovered {
    pub fn is_empty(&self) -> bool {
        self.broken.is_empty() && self.unparsed.is_empty()
    }
}

/// A declaration whose text does not parse: its keyword (as the grammar
/// spells it, a misspelt one corrected) and its name when it has one.
#[derive(Clone, Debug)]
pub struct BrokenDecl {
    pub keyword: &'static str,
    pub name: Option<Ident>,
    pub span: Span,
}

pub(crate) struct Outcome {
    pub decls: Vec<Decl>,
    pub diagnostics: Vec<Diagnostic>,
    pub recovered: Recovered,
    /// The comments as read once unclosed texts are closed.
    pub comments: Vec<Comment>,
}

pub(crate) fn recover(text: &str, scan: Scan, whole: &pest::error::Error<Rule>) -> Outcome {
    let (closed, scan, mut diagnostics) = close_texts(text, scan);
    let text = closed.as_str();
    let mut recovered = Recovered::default();
    let mut decls = Vec::new();
    if !diagnostics.is_empty() {
        // Closing the texts may be all the file needed.
        if let Ok((d, diags)) = parse_with(text, 0, &scan) {
            diagnostics.extend(diags);
            return Outcome {
                decls: d,
                diagnostics,
                recovered,
                comments: scan.comments,
            };
        }
    }
    let mut starts = scan.decl_starts.clone();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let had = diagnostics.len();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let slice = parse_slice(text, start, end, &scan);
        if slice.decls.is_empty() && !slice.diagnostics.is_empty() {
            if let Some(broken) = broken_decl(text, start, end) {
                recovered.broken.push(broken);
            }
            recovered.unparsed.push(Span::new(start, end));
        }
        recovered.unparsed.extend(slice.blanked);
        decls.extend(slice.decls);
        diagnostics.extend(slice.diagnostics);
    }
    if diagnostics.len() == had {
        // Every slice parsed on its own, yet the file did not: report what
        // the whole-file parse saw rather than stay silent.
        diagnostics.push(errors::from_pest(text, 0, text.len(), whole));
    }
    Outcome {
        decls,
        diagnostics,
        recovered,
        comments: scan.comments,
    }
}

/// The keyword and name of the declaration that `start..end` holds.
fn broken_decl(text: &str, start: usize, end: usize) -> Option<BrokenDecl> {
    let slice = text.get(start..end)?;
    let head = slice.trim_start();
    let at = start + (slice.len() - head.len());
    let keyword =
        scan::decl_keyword_at(text, at).or_else(|| scan::misspelt_decl_keyword_at(text, at))?;
    let word_len = head
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(head.len());
    let rest = &head[word_len..];
    let name_from = rest.len() - rest.trim_start().len();
    let name_text = &rest[name_from..];
    let name_len = name_text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(name_text.len());
    let name_start = at + word_len + name_from;
    let name = (name_len > 0
        && name_text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && !rest[..name_from].contains('\n'))
    .then(|| Ident {
        name: name_text[..name_len].to_string(),
        span: Span::new(name_start, name_start + name_len),
    });
    Some(BrokenDecl {
        keyword,
        name,
        span: Span::new(at, start + slice.trim_end().len()),
    })
}

/// Closes, at the end of their first line, the texts whose closing quote
/// was forgotten: a text running over a line break is taken as unclosed when
/// the declaration holding it does not parse and, closed there, parses or
/// gets further. Offsets stay where they were (the line break becomes the
/// quote), so every span still points into the file as written.
fn close_texts(text: &str, mut scan: Scan) -> (String, Scan, Vec<Diagnostic>) {
    let mut owned = text.to_string();
    let mut diagnostics = Vec::new();
    let mut from = 0usize;
    for _ in 0..MAX_TEXT_TRIES {
        let Some(&(quote, newline)) = scan.multiline_texts.iter().find(|(q, _)| *q >= from) else {
            break;
        };
        from = newline + 1;
        let decl_start = |scan: &Scan| {
            scan.decl_starts
                .iter()
                .rev()
                .find(|&&s| s <= quote)
                .copied()
                .unwrap_or(0)
        };
        let decl_end = |scan: &Scan, after: usize, len: usize| {
            scan.decl_starts
                .iter()
                .find(|&&s| s > after)
                .copied()
                .unwrap_or(len)
        };
        let start = decl_start(&scan);
        let end = decl_end(&scan, quote, owned.len());
        let Some(slice) = owned.get(start..end) else {
            break;
        };
        let before = match DunParser::parse(Rule::file, slice) {
            Ok(_) => continue,
            Err(err) => start + error_pos(&err),
        };
        // `\r\n` keeps its `\n`: the `\r` becomes the quote.
        let at = if newline > 0 && owned.as_bytes().get(newline - 1) == Some(&b'\r') {
            newline - 1
        } else {
            newline
        };
        let mut candidate = owned.clone();
        candidate.replace_range(at..at + 1, "\"");
        let rescanned = scan::scan(&candidate, super::limits::MAX_DEPTH);
        let end = decl_end(&rescanned, at, candidate.len());
        let Some(slice) = candidate.get(start..end) else {
            break;
        };
        let better = match DunParser::parse(Rule::file, slice) {
            Ok(_) => true,
            Err(err) => start + error_pos(&err) > before,
        };
        if better && rescanned.too_deep.is_none() {
            diagnostics.push(errors::unclosed_text(quote, at));
            owned = candidate;
            scan = rescanned;
        }
    }
    (owned, scan, diagnostics)
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

/// One declaration's slice after recovery: what parsed, what was wrong,
/// and the items blanked to get there.
#[derive(Default)]
struct Slice {
    decls: Vec<Decl>,
    diagnostics: Vec<Diagnostic>,
    blanked: Vec<Span>,
}

impl Slice {
    fn parsed((decls, diagnostics): (Vec<Decl>, Vec<Diagnostic>)) -> Self {
        Slice {
            decls,
            diagnostics,
            blanked: Vec::new(),
        }
    }
    fn failed(diagnostics: Vec<Diagnostic>) -> Self {
        Slice {
            diagnostics,
            ..Slice::default()
        }
    }
}

fn parse_slice(text: &str, start: usize, end: usize, scan: &Scan) -> Slice {
    let Some(slice) = text.get(start..end) else {
        return Slice::default();
    };
    let err = match parse_with(slice, start, scan) {
        Ok(ok) => return Slice::parsed(ok),
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
                    return Slice::parsed((decls, diags));
                }
            }
            return Slice::failed(vec![diag]);
        }
    }

    let first = errors::from_pest(slice, start, file_len, &err);
    let items = scan::line_items(slice);
    let mut owned = slice.to_string();
    let mut diagnostics = vec![first.clone()];
    let mut blanked = Vec::new();
    let mut err = err;
    for _ in 0..MAX_ROUNDS {
        let Some((from, to)) = broken_item(&items, &owned, &err) else {
            break;
        };
        blank(&mut owned, from, to);
        blanked.push(Span::new(start + from, start + to));
        match parse_with(&owned, start, scan) {
            Ok((decls, diags)) => {
                diagnostics.extend(diags);
                return Slice {
                    decls,
                    diagnostics,
                    blanked,
                };
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
    Slice::failed(vec![first])
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
    text: &str,
    err: &pest::error::Error<Rule>,
) -> Option<(usize, usize)> {
    let len = text.len();
    // An expression cut off at the end of a line is that line's mistake,
    // not the next line's, which the parser read as its continuation.
    let pos = errors::cut_off_at(text, error_pos(err)).unwrap_or(error_pos(err));
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
    match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => keywords::asks_for_new_item(positives),
        ErrorVariant::CustomError { .. } => false,
    }
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
