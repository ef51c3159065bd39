//! One cheap pass over the lexer's tokens (`lexer.rs`) before pest runs. It
//! finds what the grammar skips or cannot bound:
//! - every comment (pest treats them as whitespace, the formatter needs them)
//!   and the `##` doc text attached to the item below it;
//! - the nesting depth of brackets, so that a pathological file gets a clear
//!   error instead of overflowing the stack in pest's recursion;
//! - the lines where a top-level declaration may start, used to recover from
//!   syntax errors declaration by declaration.

use super::ast::{Comment, Span};
use super::keywords::{self, Roles};
use super::lexer::{Lexer, TokenKind};
use foldhash::HashMap;

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
    let mut out = Scan::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = 0usize;
    let mut line_start = 0usize;
    let mut at_line_start = true;
    // The doc lines read so far: their text and the line of the last one.
    let mut doc_run: Option<(String, usize)> = None;
    // The opening quote of each text being read, innermost last.
    let mut quotes: Vec<usize> = Vec::new();
    let mut lexer = Lexer::new(text);
    loop {
        if !at_line_start {
            lexer.skip_to_structure();
        }
        let Some(token) = lexer.next() else { break };
        let i = token.start;
        match token.kind {
            TokenKind::Newline => {
                if lexer.in_text() {
                    if let Some(&quote) = quotes.last() {
                        if out.multiline_texts.last().is_none_or(|&(q, _)| q != quote) {
                            out.multiline_texts.push((quote, i));
                        }
                    }
                }
                line += 1;
                line_start = token.end;
                at_line_start = true;
                continue;
            }
            TokenKind::Blank => continue,
            TokenKind::Text | TokenKind::Escape | TokenKind::BraceEscape => {
                at_line_start = false;
                continue;
            }
            TokenKind::CloseQuote => {
                at_line_start = false;
                stack.pop();
                quotes.pop();
                continue;
            }
            TokenKind::PlaceholderOpen => {
                at_line_start = false;
                stack.push(Frame::Placeholder);
                if stack.len() > max_depth {
                    out.too_deep = Some(Span::new(i, i + 1));
                    return out;
                }
                continue;
            }
            _ => {}
        }
        let first_on_line = at_line_start;
        at_line_start = false;
        if matches!(token.kind, TokenKind::Comment | TokenKind::DocComment) {
            let doc = token.kind == TokenKind::DocComment;
            let body_start = if doc { i + 2 } else { i + 1 };
            let body = text
                .get(body_start..token.end)
                .unwrap_or("")
                .trim_end_matches('\r');
            out.comments.push(Comment {
                span: Span::new(i, token.end),
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
                    lexer.reset_to_code();
                    quotes.clear();
                    out.decl_starts.push(i);
                }
            }
        }
        match token.kind {
            TokenKind::Quote => {
                stack.push(Frame::Text);
                quotes.push(i);
            }
            TokenKind::PlaceholderClose => close_placeholder(&mut stack),
            TokenKind::Punct => match text.as_bytes()[i] {
                b'{' | b'[' | b'(' => {
                    stack.push(Frame::Bracket);
                    if stack.len() > max_depth {
                        out.too_deep = Some(Span::new(i, i + 1));
                        return out;
                    }
                }
                b'}' | b']' | b')' if stack.last() == Some(&Frame::Bracket) => {
                    stack.pop();
                }
                _ => {}
            },
            _ => {}
        }
    }
    out
}

/// Pops the frames of a placeholder the lexer saw closed, with any bracket
/// left open inside it.
fn close_placeholder(stack: &mut Vec<Frame>) {
    while let Some(frame) = stack.pop() {
        if frame == Frame::Placeholder {
            break;
        }
    }
}

/// The declaration keyword starting at `at`, when it is followed by a space
/// or a brace rather than by `.` (`account.balance` is not a declaration).
pub(crate) fn decl_keyword_at(text: &str, at: usize) -> Option<&'static str> {
    let rest = text.get(at..)?;
    let len = rest
        .bytes()
        .position(|b| !(b.is_ascii_lowercase() || b == b'_'))
        .unwrap_or(rest.len());
    let keyword = keywords::lookup(&rest[..len]).filter(|k| k.roles.any(Roles::DECL))?;
    matches!(
        rest.as_bytes().get(len),
        Some(b' ' | b'\t' | b'{' | b'"' | b'\r' | b'\n') | None
    )
    .then_some(keyword.word)
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
    keywords::words(Roles::DECL)
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
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut at_line_start = true;
    for token in Lexer::new(text) {
        match token.kind {
            TokenKind::Newline => {
                at_line_start = true;
                continue;
            }
            TokenKind::Blank | TokenKind::Comment | TokenKind::DocComment => continue,
            TokenKind::Text | TokenKind::Escape | TokenKind::BraceEscape => {
                at_line_start = false;
                continue;
            }
            TokenKind::CloseQuote => {
                at_line_start = false;
                stack.pop();
                continue;
            }
            TokenKind::PlaceholderOpen => {
                at_line_start = false;
                stack.push(Frame::Placeholder);
                continue;
            }
            _ => {}
        }
        if at_line_start {
            out.push(LineItem {
                start: token.start,
                depth: stack.len(),
                closes: token.text(text) == "}",
            });
            at_line_start = false;
        }
        match (token.kind, token.text(text)) {
            (TokenKind::Quote, _) => stack.push(Frame::Text),
            (TokenKind::Punct, "{" | "[" | "(") => stack.push(Frame::Bracket),
            (TokenKind::PlaceholderClose, _) => close_placeholder(&mut stack),
            (TokenKind::Punct, "}" | "]" | ")") if stack.last() == Some(&Frame::Bracket) => {
                stack.pop();
            }
            _ => {}
        }
    }
    out
}

/// The opening brackets still open at the end of the text, outermost first.
pub(crate) fn unclosed_brackets(text: &str) -> Vec<usize> {
    let mut stack: Vec<(Frame, usize)> = Vec::new();
    for token in Lexer::new(text) {
        let frame = match (token.kind, token.text(text)) {
            (TokenKind::Quote, _) => Frame::Text,
            (TokenKind::PlaceholderOpen, _) => Frame::Placeholder,
            (TokenKind::Punct, "{" | "[" | "(") => Frame::Bracket,
            (TokenKind::CloseQuote, _) => {
                stack.pop();
                continue;
            }
            (TokenKind::PlaceholderClose, _) => {
                while let Some((frame, _)) = stack.pop() {
                    if frame == Frame::Placeholder {
                        break;
                    }
                }
                continue;
            }
            (TokenKind::Punct, "}" | "]" | ")") => {
                if stack.last().is_some_and(|f| f.0 == Frame::Bracket) {
                    stack.pop();
                }
                continue;
            }
            _ => continue,
        };
        stack.push((frame, token.start));
    }
    stack
        .into_iter()
        .filter(|f| f.0 == Frame::Bracket)
        .map(|f| f.1)
        .collect()
}
