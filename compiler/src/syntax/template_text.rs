//! The text of a template file (`template x for letter file "x.txt"`): the
//! whole file is template text, with `{expr}` placeholders and `{{`/`}}`
//! for literal braces, but no quotes around it and no escapes, so that a
//! letter can be written as it will be printed. The lexer reads it in its
//! template mode; pest reads each placeholder's expression.

use super::ast::{Span, Text, TextPart};
use super::build::Builder;
use super::grammar::{DunParser, Rule};
use super::lexer::{Lexer, TokenKind};
use crate::diagnostics::Diagnostic;
use foldhash::{HashMap, HashMapExt};
use pest::Parser;

pub(crate) const TEMPLATE_PLACEHOLDER: &str = "dun::syntax::template_placeholder";

/// Parses a template file's contents. Spans are byte offsets into that
/// file, not into the flow. Never panics, whatever the text.
pub fn parse_template_text(text: &str) -> (Text, Vec<Diagnostic>) {
    let mut parts: Vec<TextPart> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut literal = String::new();
    let mut literal_start = 0usize;
    let flush = |parts: &mut Vec<TextPart>, literal: &mut String, start: usize, end: usize| {
        if !literal.is_empty() {
            parts.push(TextPart::Literal(
                std::mem::take(literal),
                Span::new(start, end),
            ));
        }
    };
    let mut lexer = Lexer::template(text);
    while let Some(token) = lexer.next() {
        if token.kind != TokenKind::PlaceholderOpen {
            if literal.is_empty() {
                literal_start = token.start;
            }
            let written = token.text(text);
            // `{{` and `}}` stand for one brace.
            let meant = if token.kind == TokenKind::BraceEscape {
                &written[..1]
            } else {
                written
            };
            literal.push_str(meant);
            continue;
        }
        let open = token.start;
        flush(&mut parts, &mut literal, literal_start, open);
        let Some(close) = closing_brace(&mut lexer) else {
            diagnostics.push(
                Diagnostic::error(
                    TEMPLATE_PLACEHOLDER,
                    "this `{` opens a placeholder that is never closed",
                    Span::new(open, open + 1),
                )
                .with_label("no matching `}`")
                .with_help("close the placeholder with `}`, or write `{{` for a literal brace"),
            );
            break;
        };
        match placeholder(text, open + 1, close) {
            Ok(part) => parts.push(part),
            Err(d) => diagnostics.push(*d),
        }
        literal_start = close + 1;
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

/// Reads the placeholder the lexer has just opened up to its `}` (strings
/// and braces inside the expression included) and returns where that `}`
/// is; none when the line or the file ends first.
fn closing_brace(lexer: &mut Lexer<'_>) -> Option<usize> {
    while let Some(token) = lexer.next() {
        match token.kind {
            TokenKind::PlaceholderClose if lexer.string_depth() == 0 => return Some(token.start),
            TokenKind::Newline if !lexer.in_string() => return None,
            _ => {}
        }
    }
    None
}

/// The expression written at `text[start..end]` (one value, nothing
/// after it), with spans into `text`; `None` when it does not read as one.
/// Completion types the left side of a comparison being typed with it.
pub(crate) fn expression_at(text: &str, start: usize, end: usize) -> Option<super::ast::Expr> {
    match placeholder(text, start, end) {
        Ok(TextPart::Placeholder(e)) => Some(e),
        _ => None,
    }
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
    fn a_brace_in_text_inside_a_placeholder_does_not_close_it() {
        let (text, diagnostics) =
            parse_template_text("Ref {account.name == \"}{{\"} \"quoted\" \\ }");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(text.parts.len(), 3);
        assert!(
            matches!(&text.parts[1], TextPart::Placeholder(e) if matches!(e.kind, ExprKind::Binary { .. }))
        );
        assert!(matches!(&text.parts[2], TextPart::Literal(s, _) if s == " \"quoted\" \\ }"));
    }

    #[test]
    fn garbage_in_a_placeholder_is_reported() {
        let (_, diagnostics) = parse_template_text("Pay {account.balance +} now, é");
        assert_eq!(diagnostics.len(), 1);
    }
}
