//! One cheap, string-aware pass over the text before pest runs. It finds
//! what the grammar skips or cannot bound:
//! - every comment (pest treats them as whitespace, the formatter needs them)
//!   and the `##` doc text attached to the item below it;
//! - the nesting depth of brackets, so that a pathological file gets a clear
//!   error instead of overflowing the stack in pest's recursion;
//! - the lines where a top-level declaration may start, used to recover from
//!   syntax errors declaration by declaration.

use super::ast::{Comment, Span};
use std::collections::HashMap;

/// Words that start a top-level declaration.
const DECL_KEYWORDS: &[&str] = &[
    "flow", "currency", "account", "event", "calendar", "policy", "var", "segment", "template",
    "action", "on", "start", "stage", "test",
];

#[derive(Default)]
pub(crate) struct Scan {
    pub comments: Vec<Comment>,
    /// Offset of a documented item's first token → its doc text.
    pub docs: HashMap<u32, String>,
    /// The first bracket opened beyond the nesting limit.
    pub too_deep: Option<Span>,
    /// Offsets where a top-level declaration seems to start.
    pub decl_starts: Vec<usize>,
    /// Texts in quotes that run over a line break: the offset of the opening
    /// quote and of the first line break inside. Recovery tries each as a
    /// text whose closing quote was forgotten.
    pub multiline_texts: Vec<(usize, usize)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Frame {
    Bracket,
    Text,
    Placeholder,
}

pub(crate) fn scan(text: &str, max_depth: usize) -> Scan {
    let bytes = text.as_bytes();
    let mut out = Scan::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = 0usize;
    let mut line_start = 0usize;
    let mut at_line_start = true;
    // The doc lines read so far: their text and the line of the last one.
    let mut doc_run: Option<(String, usize)> = None;
    // The opening quote of each text being read, innermost last.
    let mut quotes: Vec<usize> = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        let in_text = stack.last() == Some(&Frame::Text);
        // Most bytes change nothing: the letters of a word after the first
        // one on its line, the plain characters of a text. Skipping them in
        // a tight loop is what keeps this pass cheap next to the parser.
        if in_text {
            i += bytes[i..]
                .iter()
                .position(|&b| matches!(b, b'\\' | b'"' | b'{' | b'\n'))
                .unwrap_or(bytes.len() - i);
        } else if !at_line_start {
            i += bytes[i..]
                .iter()
                .position(|&b| {
                    matches!(
                        b,
                        b'\n' | b'"' | b'#' | b'{' | b'[' | b'(' | b'}' | b']' | b')'
                    )
                })
                .unwrap_or(bytes.len() - i);
        }
        let Some(&b) = bytes.get(i) else {
            break;
        };
        if b == b'\n' {
            if in_text {
                if let Some(&quote) = quotes.last() {
                    if out.multiline_texts.last().is_none_or(|&(q, _)| q != quote) {
                        out.multiline_texts.push((quote, i));
                    }
                }
            }
            line += 1;
            line_start = i + 1;
            at_line_start = true;
            i += 1;
            continue;
        }
        if in_text {
            at_line_start = false;
            match b {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                    quotes.pop();
                }
                b'{' if bytes.get(i + 1) == Some(&b'{') => i += 1,
                b'{' => {
                    stack.push(Frame::Placeholder);
                    if stack.len() > max_depth && out.too_deep.is_none() {
                        out.too_deep = Some(Span::new(i, i + 1));
                        return out;
                    }
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b' ' || b == b'\t' || b == b'\r' {
            i += 1;
            continue;
        }
        let first_on_line = at_line_start;
        at_line_start = false;
        if b == b'#' {
            let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            let doc = bytes.get(i + 1) == Some(&b'#');
            let body_start = if doc { i + 2 } else { i + 1 };
            let body = text
                .get(body_start..end)
                .unwrap_or("")
                .trim_end_matches('\r');
            out.comments.push(Comment {
                span: Span::new(i, end),
                text: body.to_string(),
                doc,
            });
            if first_on_line {
                if doc {
                    // Blanks at the end of a doc line are invisible and
                    // the formatter drops them: they are not part of it.
                    let line_text = body.strip_prefix(' ').unwrap_or(body).trim_end();
                    doc_run = match doc_run.take() {
                        Some((mut acc, last)) if last + 1 == line => {
                            acc.push('\n');
                            acc.push_str(line_text);
                            Some((acc, line))
                        }
                        _ => Some((line_text.to_string(), line)),
                    };
                } else {
                    doc_run = None;
                }
            }
            i = end;
            continue;
        }
        if first_on_line {
            if let Some((doc, last)) = doc_run.take() {
                if last + 1 == line {
                    out.docs.insert(i as u32, doc);
                }
            }
            let word = decl_keyword_at(text, i).or_else(|| {
                (i == line_start)
                    .then(|| misspelt_decl_keyword_at(text, i))
                    .flatten()
            });
            if let Some(word) = word {
                let top_level = stack.is_empty();
                // An unclosed brace would hide every later declaration; a
                // declaration keyword at the very start of a line is taken
                // as a fresh start whatever the depth.
                let unindented = i == line_start && !matches!(word, "on" | "start");
                if top_level || unindented {
                    stack.clear();
                    out.decl_starts.push(i);
                }
            }
        }
        match b {
            b'"' => {
                stack.push(Frame::Text);
                quotes.push(i);
            }
            b'{' | b'[' | b'(' => {
                stack.push(Frame::Bracket);
                if stack.len() > max_depth && out.too_deep.is_none() {
                    out.too_deep = Some(Span::new(i, i + 1));
                    return out;
                }
            }
            b'}' if stack.last() == Some(&Frame::Placeholder) => {
                stack.pop();
            }
            b'}' | b']' | b')' if stack.last() == Some(&Frame::Bracket) => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The declaration keyword starting at `at`, when it is followed by a space
/// or a brace rather than by `.` (`account.balance` is not a declaration).
pub(crate) fn decl_keyword_at(text: &str, at: usize) -> Option<&'static str> {
    let rest = text.get(at..)?;
    let first = *rest.as_bytes().first()?;
    // Every line is tested: comparing the first byte first spares most
    // lines fourteen string comparisons.
    DECL_KEYWORDS.iter().copied().find(|kw| {
        kw.as_bytes().first() == Some(&first)
            && rest.starts_with(kw)
            && matches!(
                rest.as_bytes().get(kw.len()),
                Some(b' ' | b'\t' | b'{' | b'"' | b'\r' | b'\n') | None
            )
    })
}

/// The declaration keyword that a word at the start of a line misspells
/// (`stag disputed {`): one letter off from a keyword of four letters or
/// more, and followed by a name, as a declaration's header is. Recovery cuts
/// the file there too, so that the misspelt declaration is reported alone.
pub(crate) fn misspelt_decl_keyword_at(text: &str, at: usize) -> Option<&'static str> {
    let rest = text.get(at..)?;
    let word_len = rest
        .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .unwrap_or(rest.len());
    let word = &rest[..word_len];
    let after = rest[word_len..].strip_prefix(' ')?;
    if !after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') || word.len() < 3 {
        return None;
    }
    DECL_KEYWORDS
        .iter()
        .copied()
        .filter(|kw| kw.len() >= 4 && kw.len().abs_diff(word.len()) <= 1)
        .find(|kw| *kw != word && one_edit_apart(kw, word))
}

/// Whether one insertion, deletion, substitution or swap of neighbours turns
/// `a` into `b` (ASCII words).
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ra, rb) = (a.len() - prefix - suffix, b.len() - prefix - suffix);
    match (ra, rb) {
        (0, 1) | (1, 0) | (1, 1) => true,
        (2, 2) => a[prefix] == b[prefix + 1] && a[prefix + 1] == b[prefix],
        _ => false,
    }
}

/// For each line of a slice: where its first token is and the bracket depth
/// before it. Lines that start inside a string or hold only comments are
/// left out. Used to cut a broken declaration into steps.
pub(crate) struct LineItem {
    pub start: usize,
    pub depth: usize,
    pub closes: bool,
}

pub(crate) fn line_items(text: &str) -> Vec<LineItem> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut at_line_start = true;
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            at_line_start = true;
            i += 1;
            continue;
        }
        if stack.last() == Some(&Frame::Text) {
            at_line_start = false;
            match b {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'{' if bytes.get(i + 1) == Some(&b'{') => i += 1,
                b'{' => stack.push(Frame::Placeholder),
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b' ' || b == b'\t' || b == b'\r' {
            i += 1;
            continue;
        }
        if b == b'#' {
            i = text[i..].find('\n').map_or(text.len(), |n| i + n);
            continue;
        }
        if at_line_start {
            out.push(LineItem {
                start: i,
                depth: stack.len(),
                closes: b == b'}',
            });
            at_line_start = false;
        }
        match b {
            b'"' => stack.push(Frame::Text),
            b'{' | b'[' | b'(' => stack.push(Frame::Bracket),
            b'}' | b']' | b')' if stack.last().is_some_and(|f| *f != Frame::Text) => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The opening brackets still open at the end of the text, outermost first.
pub(crate) fn unclosed_brackets(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut stack: Vec<(Frame, usize)> = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if stack.last().map(|f| f.0) == Some(Frame::Text) {
            match b {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'{' if bytes.get(i + 1) == Some(&b'{') => i += 1,
                b'{' => stack.push((Frame::Placeholder, i)),
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'#' => {
                i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                continue;
            }
            b'"' => stack.push((Frame::Text, i)),
            b'{' | b'[' | b'(' => stack.push((Frame::Bracket, i)),
            b'}' | b']' | b')' if stack.last().is_some_and(|f| f.0 != Frame::Text) => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    stack
        .into_iter()
        .filter(|f| f.0 == Frame::Bracket)
        .map(|f| f.1)
        .collect()
}
