//! The text of a template file (`template x for letter file "x.txt"`): the
//! whole file is template text, with `{expr}` placeholders and `{{`/`}}`
//! for literal braces, but no quotes around it and no escapes, so that a
//! letter can be written as it will be printed.

use super::ast::{Span, Text, TextPart};
use super::build::Builder;
use super::grammar::{DunParser, Rule};
use crate::diagnostics::Diagnostic;
use pest::Parser;
use std::collections::HashMap;

pub(crate) const TEMPLATE_PLACEHOLDER: &str = "dun::syntax::template_placeholder";

/// Parses a template file's contents. Spans are byte offsets into that
/// file, not into the flow. Never panics, whatever the text.
pub fn parse_template_text(text: &str) -> (Text, Vec<Diagnostic>) {
    let mut parts: Vec<TextPart> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut literal = String::new();
    let mut literal_start = 0usize;
    let bytes = text.as_bytes();
    let mut i = 0usize;
    let flush = |parts: &mut Vec<TextPart>, literal: &mut String, start: usize, end: usize| {
        if !literal.is_empty() {
            parts.push(TextPart::Literal(
                std::mem::take(literal),
                Span::new(start, end),
            ));
        }
    };
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'{', Some(b'{')) | (b'}', Some(b'}')) => {
                if literal.is_empty() {
                    literal_start = i;
                }
                literal.push(bytes[i] as char);
                i += 2;
            }
            (b'{', _) => {
                flush(&mut parts, &mut literal, literal_start, i);
                let Some(close) = closing_brace(text, i + 1) else {
                    diagnostics.push(
                        Diagnostic::error(
                            TEMPLATE_PLACEHOLDER,
                            "this `{` opens a placeholder that is never closed",
                            Span::new(i, i + 1),
                        )
                        .with_label("no matching `}`")
                        .with_help(
                            "close the placeholder with `}`, or write `{{` for a literal brace",
                        ),
                    );
                    break;
                };
                match placeholder(text, i + 1, close) {
                    Ok(part) => parts.push(part),
                    Err(d) => diagnostics.push(*d),
                }
                i = close + 1;
                literal_start = i;
            }
            _ => {
                // Copy a whole UTF-8 character: `i` always sits on a
                // character boundary here.
                let ch = text[i..].chars().next().unwrap_or('\u{FFFD}');
                if literal.is_empty() {
                    literal_start = i;
                }
                literal.push(ch);
                i += ch.len_utf8().max(1);
            }
        }
    }
    flush(&mut parts, &mut literal, literal_start, text.len());
    (
        Text {
            parts,
            span: Span::new(0, text.len()),
        },
        diagnostics,
    )
}

/// The `}` closing the placeholder opened just before `from`, skipping
/// brackets and quoted strings inside the expression.
fn closing_brace(text: &str, from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, ch) in text.get(from..)?.char_indices() {
        if in_string {
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '}' if depth == 0 => return Some(from + offset),
            '}' => depth -= 1,
            '\n' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

fn placeholder(text: &str, start: usize, end: usize) -> Result<TextPart, Box<Diagnostic>> {
    let inner = text.get(start..end).unwrap_or("");
    let lead = inner.len() - inner.trim_start().len();
    let source = inner.trim();
    let base = start + lead;
    let bad = |what: &str| {
        Box::new(Diagnostic::error(
            TEMPLATE_PLACEHOLDER,
            format!("`{{{source}}}` is not a value a template can insert: {what}"),
            Span::new(start.saturating_sub(1), end + 1),
        )
        .with_label("not a value")
        .with_help("write a value such as `{account.name}` or `{account.balance}`, or `{{` for a literal brace"))
    };
    if source.is_empty() {
        return Err(bad("the placeholder is empty"));
    }
    let pair = DunParser::parse(Rule::expr, source)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .ok_or_else(|| bad("it does not read as an expression"))?;
    if pair.as_span().end() != source.len() {
        return Err(bad("there is more after the value"));
    }
    let docs = HashMap::new();
    let builder = Builder::new(base, &docs);
    let expr = builder.expr(pair);
    match builder.into_diagnostics().into_iter().next() {
        Some(d) => Err(Box::new(d)),
        None => Ok(TextPart::Placeholder(expr)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::ExprKind;

    #[test]
    fn a_letter_keeps_its_text_and_its_placeholders() {
        let (text, diagnostics) = parse_template_text(
            "Dear {account.name},\nyou owe {account.balance}. {{not a placeholder}}\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(text.parts.len(), 5);
        assert!(matches!(&text.parts[0], TextPart::Literal(s, _) if s == "Dear "));
        assert!(
            matches!(&text.parts[1], TextPart::Placeholder(e) if matches!(e.kind, ExprKind::Field { .. }))
        );
        assert!(
            matches!(&text.parts[4], TextPart::Literal(s, _) if s == ". {not a placeholder}\n")
        );
    }

    #[test]
    fn an_unclosed_placeholder_is_reported_not_swallowed() {
        let (_, diagnostics) = parse_template_text("Dear {account.name\nbye");
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.contains("never closed"));
    }

    #[test]
    fn garbage_in_a_placeholder_is_reported() {
        let (_, diagnostics) = parse_template_text("Pay {account.balance +} now, é");
        assert_eq!(diagnostics.len(), 1);
    }
}
