//! Semantic tokens: what every word of the file is, for colouring beyond
//! what the TextMate grammar can know (a stage named `email` is a stage,
//! `high` after `==` is a variant). Names are classified by the name index,
//! so colours agree with hover and "go to definition"; keywords, literals
//! and comments come from the lexer (`syntax/lexer.rs`) and the keyword
//! table (`syntax/keywords.rs`), which need no valid syntax.
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
use super::Document;
use crate::model::{ChannelSet, Type};
use crate::syntax::ast::Span;
use crate::syntax::keywords;
use crate::syntax::lexer::{Lexer, TokenKind};

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
    let index = doc.index();
    let mut out: Vec<SemanticToken> = Vec::new();
    let push = |out: &mut Vec<SemanticToken>, start: usize, end: usize, t: TokenType, m: u32| {
        // The lexer's tokens lie on one line; a carriage return before the
        // line break is not part of them.
        let end = start + text[start..end].trim_end_matches('\r').len();
        if end > start {
            out.push(SemanticToken {
                span: Span::new(start, end),
                token_type: t,
                modifiers: m,
            });
        }
    };
    // A type follows `:` (fields, variables) and `|` (choices).
    let mut after_colon = false;
    for token in Lexer::new(text) {
        let (start, end) = (token.start, token.end);
        match token.kind {
            TokenKind::Blank | TokenKind::Newline => {}
            // Braces of a placeholder are neither text nor operators.
            TokenKind::PlaceholderOpen | TokenKind::PlaceholderClose => {}
            TokenKind::Comment => push(&mut out, start, end, TokenType::Comment, 0),
            TokenKind::DocComment => push(&mut out, start, end, TokenType::Comment, DOCUMENTATION),
            TokenKind::Quote
            | TokenKind::CloseQuote
            | TokenKind::Text
            | TokenKind::Escape
            | TokenKind::BraceEscape => {
                // The pieces of a string's text on one line are one token.
                match out.last_mut() {
                    Some(last)
                        if last.token_type == TokenType::String
                            && last.span.end as usize == start =>
                    {
                        let end = start + text[start..end].trim_end_matches('\r').len();
                        last.span = Span::new(last.span.start as usize, end);
                    }
                    _ => push(&mut out, start, end, TokenType::String, 0),
                }
            }
            TokenKind::Number => {
                push(&mut out, start, end, TokenType::Number, 0);
                after_colon = false;
            }
            TokenKind::Word => {
                let word = token.text(text);
                let span = Span::new(start, end);
                let found = index.at(start).filter(|o| o.span == span);
                if let Some(o) = found {
                    let (t, m) = target_type(&o.target);
                    let m = m | if o.declaration { DECLARATION } else { 0 };
                    push(&mut out, start, end, t, m);
                } else if after_colon && Type::from_name(word).is_some() {
                    push(&mut out, start, end, TokenType::Type, 0);
                } else if word.len() == 3 && word.bytes().all(|c| c.is_ascii_uppercase()) {
                    // A currency code.
                    push(&mut out, start, end, TokenType::Number, 0);
                } else if keywords::is_language_word(word) || ChannelSet::from_word(word).is_some()
                {
                    push(&mut out, start, end, TokenType::Keyword, 0);
                }
                after_colon = false;
            }
            TokenKind::Punct => {
                let punct = token.text(text);
                if matches!(
                    punct,
                    "->" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "+" | "-" | "*" | "/" | "="
                ) {
                    push(&mut out, start, end, TokenType::Operator, 0);
                }
                after_colon = matches!(punct, ":" | "|");
            }
        }
    }
    out
}
