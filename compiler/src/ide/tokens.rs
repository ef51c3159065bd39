//! Semantic tokens: what every word of the file is, for colouring beyond
//! what the TextMate grammar can know (a stage named `email` is a stage,
//! `high` after `==` is a variant). Names are classified by the name index,
//! so colours agree with hover and "go to definition"; keywords, literals
//! and comments come from a lexical pass that needs no valid syntax.
//!
//! # Legend
//!
//! [`TOKEN_TYPES`] and [`TOKEN_MODIFIERS`] are the legend, in the order
//! [`TokenType`] and the modifier bits use; all are standard LSP names.
//!
//! | token type | what |
//! |---|---|
//! | `keyword` | keywords, channels, weekdays, priorities, duration units |
//! | `type` | type names (`money`, `phone`, ...) |
//! | `class` | stages |
//! | `function` | templates and actions |
//! | `event` | events |
//! | `variable` | variables, and segments (with `readonly`) |
//! | `property` | account fields, payload fields, action fields |
//! | `enumMember` | variants of enumerations |
//! | `namespace` | calendars, queues, teams and outcomes |
//! | `string` | the literal text of strings (not their `{placeholders}`) |
//! | `number` | numbers, money amounts, dates, times, percentages |
//! | `comment` | comments (`##` doc comments with `documentation`) |
//! | `operator` | `==`, `->`, `+`, ... |
//!
//! Modifiers: `declaration` where a name is declared, `readonly` for
//! segments, `documentation` for doc comments.

use super::index::Target;
use super::navigate::KEYWORDS;
use super::Document;
use crate::model::{ChannelSet, Type};
use crate::syntax::ast::Span;

pub const TOKEN_TYPES: &[&str] = &[
    "keyword",
    "type",
    "class",
    "function",
    "event",
    "variable",
    "property",
    "enumMember",
    "namespace",
    "string",
    "number",
    "comment",
    "operator",
];

pub const TOKEN_MODIFIERS: &[&str] = &["declaration", "readonly", "documentation"];

/// Indexes [`TOKEN_TYPES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenType {
    Keyword = 0,
    Type,
    Class,
    Function,
    Event,
    Variable,
    Property,
    EnumMember,
    Namespace,
    String,
    Number,
    Comment,
    Operator,
}

pub const DECLARATION: u32 = 1;
pub const READONLY: u32 = 2;
pub const DOCUMENTATION: u32 = 4;

/// One token; never spans a line break, never overlaps another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SemanticToken {
    pub span: Span,
    pub token_type: TokenType,
    /// Bits of [`TOKEN_MODIFIERS`]: [`DECLARATION`], [`READONLY`], [`DOCUMENTATION`].
    pub modifiers: u32,
}

const OTHER_WORDS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "week",
    "weeks",
    "month",
    "months",
    "installment",
];

fn target_type(t: &Target) -> (TokenType, u32) {
    match t {
        Target::Stage(_) => (TokenType::Class, 0),
        Target::Template(_) | Target::Action(_) => (TokenType::Function, 0),
        Target::Event(_) => (TokenType::Event, 0),
        Target::Var(_) => (TokenType::Variable, 0),
        Target::Segment(_) => (TokenType::Variable, READONLY),
        Target::AccountField(_) | Target::EventField { .. } | Target::ActionField { .. } => {
            (TokenType::Property, 0)
        }
        Target::Variant { .. } => (TokenType::EnumMember, 0),
        Target::Calendar(_) | Target::Queue(_) | Target::Outcome(_) | Target::Team(_) => {
            (TokenType::Namespace, 0)
        }
    }
}

pub(crate) fn semantic_tokens(doc: &Document) -> Vec<SemanticToken> {
    let text = doc.text();
    let bytes = text.as_bytes();
    let index = doc.index();
    let mut out: Vec<SemanticToken> = Vec::new();
    let push = |out: &mut Vec<SemanticToken>, start: usize, end: usize, t: TokenType, m: u32| {
        // Split at line breaks: a token lies on one line.
        let mut s = start;
        for (i, b) in bytes[start..end].iter().enumerate() {
            if *b == b'\n' {
                let e = start + i;
                let e = if e > s && bytes[e - 1] == b'\r' {
                    e - 1
                } else {
                    e
                };
                if e > s {
                    out.push(SemanticToken {
                        span: Span::new(s, e),
                        token_type: t,
                        modifiers: m,
                    });
                }
                s = start + i + 1;
            }
        }
        if end > s {
            out.push(SemanticToken {
                span: Span::new(s, end),
                token_type: t,
                modifiers: m,
            });
        }
    };
    // Strings nest placeholders; true while inside a placeholder.
    let mut strings: Vec<bool> = Vec::new();
    let mut literal_start = 0usize;
    let mut last_punct_colon = false;
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if strings.last() == Some(&false) {
            match b {
                b'\\' => i = (i + 2).min(bytes.len()),
                b'"' => {
                    push(&mut out, literal_start, i + 1, TokenType::String, 0);
                    strings.pop();
                    i += 1;
                }
                b'{' if bytes.get(i + 1) == Some(&b'{') => i += 2,
                b'{' => {
                    push(&mut out, literal_start, i, TokenType::String, 0);
                    if let Some(s) = strings.last_mut() {
                        *s = true;
                    }
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let end = if end > i && bytes[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                let doc_comment = bytes.get(i + 1) == Some(&b'#');
                push(
                    &mut out,
                    i,
                    end,
                    TokenType::Comment,
                    if doc_comment { DOCUMENTATION } else { 0 },
                );
                i = end.max(i + 1);
            }
            b'"' => {
                strings.push(false);
                literal_start = i;
                i += 1;
            }
            b'}' if strings.last() == Some(&true) => {
                if let Some(s) = strings.last_mut() {
                    *s = false;
                }
                literal_start = i + 1;
                i += 1;
            }
            b if b.is_ascii_digit() => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'.' | b':' | b'-' | b'%'))
                {
                    // A money amount stops before its code: `120 USD`.
                    i += 1;
                }
                push(&mut out, start, i, TokenType::Number, 0);
                last_punct_colon = false;
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                let span = Span::new(start, i);
                let found = index.at(start).filter(|o| o.span == span);
                if let Some(o) = found {
                    let (t, m) = target_type(&o.target);
                    let m = m | if o.declaration { DECLARATION } else { 0 };
                    push(&mut out, start, i, t, m);
                } else if last_punct_colon && Type::from_name(word).is_some() {
                    push(&mut out, start, i, TokenType::Type, 0);
                } else if word.len() == 3 && word.bytes().all(|c| c.is_ascii_uppercase()) {
                    // A currency code.
                    push(&mut out, start, i, TokenType::Number, 0);
                } else if KEYWORDS.contains(&word)
                    || ChannelSet::from_word(word).is_some()
                    || OTHER_WORDS.contains(&word)
                    || matches!(word, "low" | "normal" | "high" | "urgent")
                {
                    push(&mut out, start, i, TokenType::Keyword, 0);
                }
                last_punct_colon = false;
            }
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                let two = text.get(i..i + 2).unwrap_or("");
                let len = if matches!(two, "->" | "==" | "!=" | "<=" | ">=") {
                    2
                } else {
                    len
                };
                if matches!(two, "->" | "==" | "!=" | "<=" | ">=")
                    || matches!(b, b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'=')
                {
                    push(&mut out, i, i + len, TokenType::Operator, 0);
                }
                // A type follows `:` (fields, variables) and `|` (choices).
                last_punct_colon = b == b':' || b == b'|';
                i += len;
            }
        }
    }
    if strings.last() == Some(&false) {
        push(&mut out, literal_start, bytes.len(), TokenType::String, 0);
    }
    out
}
