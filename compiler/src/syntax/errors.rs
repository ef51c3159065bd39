//! pest errors → diagnostics a collections manager can act on.
//!
//! pest reports the furthest position it reached and the grammar rules it
//! tried there. Each rule that can be named in a message is a token of its
//! own in the grammar; here they become words (``expected `->` or `{` ``),
//! related alternatives are folded ("a step such as ..."), and a help is
//! added where the fix is plain. Rule names never reach the user.

use super::ast::Span;
use super::grammar::Rule;
use super::keywords::{asks_for_new_item, is_reserved, roles_of, rule_roles, words, Roles};
use crate::diagnostics::{Diagnostic, Fix, Suggestion};
use pest::error::{ErrorVariant, InputLocation};

pub(crate) const UNEXPECTED: &str = "dun::syntax::unexpected";
pub(crate) const UNCLOSED: &str = "dun::syntax::unclosed";

/// Whether a rule is a keyword with one of `roles`.
fn has_role(rule: Rule, roles: Roles) -> bool {
    rule_roles(rule).any(roles)
}

/// The words that only ever follow `expect` (`sent`, `no`, ...), not the
/// ones an expectation shares with steps and declarations.
fn expect_only(rule: Rule) -> bool {
    has_role(rule, Roles::EXPECT) && !has_role(rule, Roles::STEP.or(Roles::DECL))
}

const OPERATORS: &[Rule] = &[
    Rule::op_or,
    Rule::op_and,
    Rule::op_eq,
    Rule::op_ne,
    Rule::op_lt,
    Rule::op_le,
    Rule::op_gt,
    Rule::op_ge,
    Rule::op_add,
    Rule::op_sub,
    Rule::op_mul,
    Rule::op_div,
    Rule::is_set,
    Rule::in_list,
    Rule::kw_is,
    Rule::kw_in,
];

/// What the user sees for a rule the parser expected.
fn describe(rule: Rule) -> Phrase {
    choice_of(rule).unwrap_or_else(|| Phrase::One(word_for(rule)))
}

/// What the user sees for a rule named in one piece.
fn word_for(rule: Rule) -> String {
    let fixed = match rule {
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::dot => "`.`",
        Rule::arrow => "`->`",
        Rule::assign_eq => "`=`",
        Rule::pipe => "`|`",
        Rule::question => "`?`",
        Rule::name => "a name",
        Rule::weekday => "a day of the week such as `sunday`",
        Rule::zone => "a time zone (an account field such as `account.timezone`, or a name such as \"Europe/Madrid\")",
        Rule::expr | Rule::paren_expr | Rule::quantity | Rule::field_access => "a value or a condition",
        Rule::count => "a whole number",
        Rule::number => "a number",
        Rule::percent | Rule::percent_sign => "a percentage such as `20%`",
        Rule::duration => "a duration such as `3 days`",
        Rule::calendar_of => "`of` and a calendar",
        Rule::longest => "`for at most` and a duration",
        Rule::calendar_week => "`calendar week`",
        Rule::week_day => "a day of the week such as `mon` or `saturday`",
        Rule::day_window | Rule::day_range => "days and hours such as `mon-fri 08:00 to 21:00`",
        Rule::day_dash => "`-`",
        Rule::currency_code | Rule::loose_code => "a currency code such as `USD`",
        Rule::date => "a date such as `2026-03-31`",
        Rule::time => "a time of day such as `09:00`",
        Rule::datetime => "a date and time such as `2026-03-02 09:00`",
        Rule::string | Rule::quote => "text in double quotes",
        Rule::close_quote => "`\"` to close the text",
        Rule::string_text | Rule::escape => "more text",
        Rule::placeholder => "a `{value}`",
        Rule::op_or => "`or`",
        Rule::op_and => "`and`",
        Rule::op_not => "`not`",
        Rule::op_neg => "`-`",
        Rule::op_eq => "`==`",
        Rule::op_ne => "`!=`",
        Rule::op_lt => "`<`",
        Rule::op_le => "`<=`",
        Rule::op_gt => "`>`",
        Rule::op_ge => "`>=`",
        Rule::op_add => "`+`",
        Rule::op_sub => "`-`",
        Rule::op_mul => "`*`",
        Rule::op_div => "`/`",
        Rule::is_set => "`is set`",
        Rule::in_list => "`in [...]`",
        Rule::EOI => "the end of the file",
        Rule::handler | Rule::misplaced_handler | Rule::handler_goto => "a handler (`on EVENT ...`)",
        Rule::when_clause => "`when`",
        Rule::block | Rule::stage_body => "`{`",
        Rule::also_zone => "`and` and a second time zone",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    let name = format!("{rule:?}");
    if let Some(word) = name.strip_prefix("kw_") {
        return format!("`{word}`");
    }
    if name.ends_with("_step") {
        return "a step".to_string();
    }
    if name.ends_with("_decl") {
        return "a declaration".to_string();
    }
    if name.ends_with("_rule") {
        return "a policy rule".to_string();
    }
    if name.starts_with("expect_") {
        return "an expectation".to_string();
    }
    "something else".to_string()
}

/// The rules the user sees as a choice among a few words.
fn choice_of(rule: Rule) -> Option<Phrase> {
    Some(match rule {
        Rule::priority => ALL_PRIORITIES,
        Rule::type_expr | Rule::type_name | Rule::enum_type => Phrase::Choice {
            what: "a type",
            options: &["`money`", "`low | high`"],
            all: false,
        },
        Rule::channel => Phrase::Choice {
            what: "a channel",
            options: &["`sms`", "`email`"],
            all: false,
        },
        Rule::channels => Phrase::Choice {
            what: "channels",
            options: &["`calls`", "`sms`", "`contact`"],
            all: false,
        },
        Rule::a_value => Phrase::Choice {
            what: "a value",
            options: &["a number", "a name", "`account.balance`"],
            all: false,
        },
        Rule::duration_unit => Phrase::Choice {
            what: "",
            options: &[
                "`minutes`",
                "`hours`",
                "`days`",
                "`weeks`",
                "`months`",
                "`business days`",
            ],
            all: true,
        },
        _ => return None,
    })
}

/// One thing the parser expected, as a message names it.
#[derive(Clone, PartialEq, Eq)]
enum Phrase {
    /// Named in one piece: "`{`", "a name".
    One(String),
    /// A kind of thing (`what`) and its `options`: every option when `all`
    /// (the priorities), examples otherwise (a few of the steps). Without
    /// `what`, the options are words of their own (the duration units).
    Choice {
        what: &'static str,
        options: &'static [&'static str],
        all: bool,
    },
}

const A_STEP: Phrase = Phrase::Choice {
    what: "a step",
    options: &["`send`", "`wait`", "`goto`"],
    all: false,
};
const A_DECLARATION: Phrase = Phrase::Choice {
    what: "a declaration",
    options: &["`stage`", "`event`", "`on`"],
    all: false,
};
const A_POLICY_RULE: Phrase = Phrase::Choice {
    what: "a policy rule",
    options: &[
        "`contact_hours`",
        "`no_contact`",
        "`at_most`",
        "`pause`",
        "`stop`",
    ],
    all: true,
};
const AN_EXPECTATION: Phrase = Phrase::Choice {
    what: "an expectation",
    options: &["`sent`", "`stage`", "`end`", "`no`"],
    all: false,
};
const AN_OPERATOR: Phrase = Phrase::Choice {
    what: "an operator",
    options: &["`and`", "`==`"],
    all: false,
};
const ALL_PRIORITIES: Phrase = Phrase::Choice {
    what: "a priority",
    options: &["`low`", "`normal`", "`high`", "`urgent`"],
    all: true,
};

/// Folds related alternatives into one phrase, keeping the list short.
fn expected_phrases(positives: &[Rule]) -> Vec<Phrase> {
    let mut rules: Vec<Rule> = Vec::new();
    for r in positives {
        if !rules.contains(r) {
            rules.push(*r);
        }
    }
    // `at_most 3 calls ...` and `at_most 80 USD of fees ...` both start
    // with a number; a whole one is what nearly every rule there takes.
    if rules.contains(&Rule::count) {
        rules.retain(|r| *r != Rule::number);
    }
    let mut phrases: Vec<Phrase> = Vec::new();
    if rules.contains(&Rule::a_step) {
        // Handlers and deadlines are parsed among the steps only to be
        // reported as out of place: they are not what may follow a step.
        rules.retain(|r| {
            !has_role(*r, Roles::STEP) && !matches!(r, Rule::a_step | Rule::kw_on | Rule::kw_at)
        });
        phrases.push(A_STEP);
    }
    if rules.contains(&Rule::a_decl) {
        rules.retain(|r| !has_role(*r, Roles::DECL) && *r != Rule::a_decl);
        phrases.push(A_DECLARATION);
    }
    let fold = |group: &dyn Fn(Rule) -> bool,
                min: usize,
                phrase: Phrase,
                rules: &mut Vec<Rule>,
                phrases: &mut Vec<Phrase>| {
        let hits = rules.iter().filter(|r| group(**r)).count();
        if hits >= min {
            rules.retain(|r| !group(*r));
            phrases.push(phrase);
        }
    };
    fold(
        &|r| has_role(r, Roles::DECL),
        4,
        A_DECLARATION,
        &mut rules,
        &mut phrases,
    );
    if phrases.is_empty() {
        fold(
            &|r| has_role(r, Roles::STEP),
            4,
            A_STEP,
            &mut rules,
            &mut phrases,
        );
    }
    fold(
        &|r| has_role(r, Roles::POLICY),
        3,
        A_POLICY_RULE,
        &mut rules,
        &mut phrases,
    );
    if rules.iter().filter(|r| expect_only(**r)).count() >= 3 {
        rules.retain(|r| !has_role(*r, Roles::EXPECT) && *r != Rule::name);
        phrases.push(AN_EXPECTATION);
    }
    fold(
        &|r| OPERATORS.contains(&r),
        3,
        AN_OPERATOR,
        &mut rules,
        &mut phrases,
    );
    if rules.contains(&Rule::a_value) {
        rules.retain(|r| {
            !matches!(
                r,
                Rule::op_not
                    | Rule::op_neg
                    | Rule::string
                    | Rule::quote
                    | Rule::paren_expr
                    | Rule::lparen
            )
        });
    }
    if rules.contains(&Rule::EOI) && !phrases.is_empty() {
        rules.retain(|r| *r != Rule::EOI);
    }
    // After a complete declaration anything may follow; naming every
    // declaration hides the specific continuation the user most likely meant.
    if phrases.len() + rules.len() > 1 {
        phrases.retain(|p| *p != A_DECLARATION);
    }
    for r in rules {
        let d = describe(r);
        if !phrases.contains(&d) {
            phrases.push(d);
        }
    }
    phrases
}

/// The phrases as one list with one "or", before its last item: the
/// options of the first choice of examples are items of that list ("a step
/// such as `send`, `wait`, `goto` or `}`"); any other choice of a kind is
/// one item, its options in parentheses ("a priority (`low`, `normal`,
/// `high`, `urgent`)").
fn join(phrases: &[Phrase]) -> String {
    let mut items: Vec<String> = Vec::new();
    let mut spread = false;
    for phrase in phrases {
        match phrase {
            Phrase::One(text) => items.push(text.clone()),
            Phrase::Choice {
                what: "", options, ..
            } => {
                items.extend(options.iter().map(|o| o.to_string()));
            }
            Phrase::Choice {
                what,
                options,
                all: false,
            } if !spread => {
                spread = true;
                items.push(format!("{what} such as {}", options[0]));
                items.extend(options[1..].iter().map(|o| o.to_string()));
            }
            Phrase::Choice { what, options, .. } if phrases.len() == 1 => {
                items.push(format!("{what} ({})", or_list(options)));
            }
            Phrase::Choice { what, options, .. } => {
                items.push(format!("{what} ({})", options.join(", ")));
            }
        }
    }
    if items.is_empty() {
        return "something else".to_string();
    }
    or_list(&items)
}

/// `a`, `a or b`, `a, b or c`.
fn or_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} or {}", init.join(", "), last.as_ref())
        }
    }
}

/// The token found at `pos`: a word, a two-character operator, a quote or
/// one character; empty at the end.
fn token_at(text: &str, pos: usize) -> &str {
    let Some(rest) = text.get(pos..) else {
        return "";
    };
    let word_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if word_len > 0 {
        return &rest[..word_len];
    }
    for op in ["->", "==", "!=", "<=", ">="] {
        if rest.starts_with(op) {
            return &rest[..2];
        }
    }
    match rest.chars().next() {
        Some(c) => &rest[..c.len_utf8()],
        None => "",
    }
}

/// Whether a line starting with `word` begins a step, a declaration or a
/// test item: such a line is never the continuation of an expression on
/// the line before.
fn starts_line(word: &str) -> bool {
    roles_of(word).any(
        Roles::DECL
            .or(Roles::STEP)
            .or(Roles::TEST)
            .or(Roles::TEST_DAY),
    )
}

/// Binary operators and the other tokens that cannot end an expression.
const DANGLING: &[&str] = &[
    "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "=", "->", "and", "or", "not", "in", "is",
];

/// Where an expression cut off at the end of a line stops: the offset of
/// its last token (an operator such as `+` or `=`), when the parser failed
/// at `pos` on a later line that starts with a step or a declaration (which
/// it read as the rest of the expression) or at that line's first token.
pub(crate) fn cut_off_at(text: &str, pos: usize) -> Option<usize> {
    let pos = pos.min(text.len());
    let line_start = text[..pos].rfind('\n').map_or(0, |n| n + 1);
    let first = line_start + (text[line_start..].len() - text[line_start..].trim_start().len());
    let at_end = text[pos..].trim().is_empty();
    let starter = starts_line(token_at(text, first)) || text[first..].starts_with('}');
    if !(at_end || first == pos || starter) {
        return None;
    }
    // The last token before this line (or before the blanks at the end).
    let search_end = if at_end { pos } else { line_start };
    let prev = token_before(text, search_end)?;
    if !DANGLING.contains(&prev) {
        return None;
    }
    let op = (prev.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    if !at_end && !text.get(op + prev.len()..search_end)?.contains('\n') {
        return None;
    }
    Some(op)
}

/// The token just before `pos`, skipping blanks and comment lines.
fn token_before(text: &str, pos: usize) -> Option<&str> {
    let mut end = pos.min(text.len());
    loop {
        let before = text.get(..end)?;
        let trimmed = before.trim_end();
        if trimmed.is_empty() {
            return None;
        }
        // A comment on the line would end `trimmed`; step over it.
        let line_start = trimmed.rfind('\n').map_or(0, |n| n + 1);
        let line = &trimmed[line_start..];
        if let Some(hash) = comment_start(line) {
            end = line_start + hash;
            continue;
        }
        let last = trimmed.chars().last()?;
        let start = if last.is_alphanumeric() || last == '_' {
            trimmed
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |n| n + 1)
        } else if last == '"' {
            return Some("the text");
        } else {
            let two = trimmed.len().saturating_sub(2);
            match trimmed.get(two..) {
                Some(op @ ("->" | "==" | "!=" | "<=" | ">=")) => return Some(op),
                _ => trimmed.len() - last.len_utf8(),
            }
        };
        return trimmed.get(start..);
    }
}

/// Where a `#` comment starts on a line, outside text in quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_text = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_text => escaped = true,
            '"' => in_text = !in_text,
            '#' if !in_text => return Some(i),
            _ => {}
        }
    }
    None
}

/// Turns a pest error on `text` (a slice starting at `base` in the file)
/// into a diagnostic. `file_len` tells the end of the file from the end of
/// a slice.
pub(crate) fn from_pest(
    text: &str,
    base: usize,
    file_len: usize,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
    .min(text.len());
    let positives: Vec<Rule> = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    if let Some(op) = cut_off_at(text, pos) {
        let operator = token_at(text, op);
        return Diagnostic::error(
            UNEXPECTED,
            format!("expected a value after `{operator}`, but the line ends here"),
            Span::new(base + op, base + op + operator.len()),
        )
        .with_label("the line ends after this")
        .with_help(format!(
            "finish the expression after `{operator}` on this line, or remove `{operator}`"
        ));
    }
    // An error at the end of the slice belongs to the last token's line, not
    // to the blank lines (or the next declaration) after it.
    let pos = if text[pos..].trim().is_empty() {
        text[..pos].trim_end().len()
    } else {
        pos
    };
    // At the first token of a line, an error that does not ask for a new
    // step or declaration is about the line before, which was left
    // unfinished (`stage closing` without its `{`).
    let line_start = text[..pos].rfind('\n').map_or(0, |n| n + 1);
    let first_on_line = text[line_start..pos].trim().is_empty() && line_start > 0;
    if first_on_line && !asks_for_new_item(&positives) {
        if let Some(prev) = token_before(text, pos) {
            if prev != "the text" {
                if let Some(at) = (prev.as_ptr() as usize).checked_sub(text.as_ptr() as usize) {
                    let phrases = expected_phrases(&positives);
                    let mut d = Diagnostic::error(
                        UNEXPECTED,
                        format!("expected {} after `{prev}`", join(&phrases)),
                        Span::new(base + at, base + at + prev.len()),
                    )
                    .with_label(format!("expected {} after this", join(&phrases)));
                    if let Some(help) = help_for(&positives, prev) {
                        d = d.with_help(help);
                    }
                    return d;
                }
            }
        }
    }
    let found = token_at(text, pos);
    let span = Span::new(base + pos, base + pos + found.len());
    let phrases = expected_phrases(&positives);
    let mut message = format!("expected {}", join(&phrases));
    if let Some(prev) = token_before(text, pos) {
        if prev == "the text" {
            message.push_str(" after the text");
        } else {
            message.push_str(&format!(" after `{prev}`"));
        }
    }
    let label = if found.is_empty() {
        if base + pos >= file_len {
            "the file ends here".to_string()
        } else {
            "the declaration ends here".to_string()
        }
    } else if found == "\"" {
        "unexpected text".to_string()
    } else {
        format!("unexpected `{found}`")
    };
    let mut d = Diagnostic::error(UNEXPECTED, message, span).with_label(label);
    if let Some(near) = misspelt_keyword(&positives, found) {
        d = d.with_suggestion(Suggestion::Near {
            written: found.to_string(),
            near: near.to_string(),
            replacement: near.to_string(),
        });
    } else if let Some(help) = help_for(&positives, found) {
        d = d.with_help(help);
    }
    d
}

/// The keyword a word was most likely meant to be where a step, a
/// declaration or a policy rule begins (`wiat` for `wait`); none for a
/// keyword, which is out of place rather than misspelt.
fn misspelt_keyword(positives: &[Rule], found: &str) -> Option<&'static str> {
    let asks = |whole: Rule, role: Roles| {
        positives.contains(&whole) || positives.iter().any(|r| has_role(*r, role))
    };
    let mut roles = Roles::NONE;
    if asks(Rule::a_step, Roles::STEP) {
        roles = roles.or(Roles::STEP);
    }
    if asks(Rule::a_decl, Roles::DECL) {
        roles = roles.or(Roles::DECL);
    }
    if positives.iter().any(|r| has_role(*r, Roles::POLICY)) {
        roles = roles.or(Roles::POLICY);
    }
    let word = !found.is_empty() && found.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !word || roles_of(found) != Roles::NONE || roles == Roles::NONE {
        return None;
    }
    crate::names::suggest(found, words(roles))
}

fn help_for(positives: &[Rule], found: &str) -> Option<String> {
    let has = |r: Rule| positives.contains(&r);
    let first = found.chars().next().unwrap_or(' ');
    if has(Rule::currency_code)
        && found.len() == 3
        && found.chars().all(|c| c.is_ascii_alphabetic())
    {
        return Some(format!(
            "a currency is its three-letter code in capitals: `{}`",
            found.to_ascii_uppercase()
        ));
    }
    if has(Rule::duration_unit) {
        return Some(
            "a duration is a whole number and a unit, singular or plural, e.g. `30 minutes`, `12 hours`, `3 days`, `2 weeks`, `1 month` or `5 business days`"
                .to_string(),
        );
    }
    if has(Rule::priority) {
        return Some("the priorities are `low`, `normal`, `high` and `urgent`".to_string());
    }
    if has(Rule::weekday) {
        return Some(
            "days are written in full and in lower case: `monday`, `tuesday`, `wednesday`, `thursday`, `friday`, `saturday`, `sunday`"
                .to_string(),
        );
    }
    if has(Rule::currency_code) && first.is_ascii_lowercase() {
        return Some("a currency is its three-letter code in capitals, e.g. `USD`".to_string());
    }
    if found == "=" && positives.iter().any(|r| OPERATORS.contains(r)) {
        return Some(
            "to compare two values write `==`; a single `=` only gives a value in `set`, `var` and `segment`"
                .to_string(),
        );
    }
    if (has(Rule::name) || has(Rule::a_value)) && found.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(format!(
            "names are written in lower case with `_` between words, e.g. `{}`",
            snake_case(found)
        ));
    }
    if has(Rule::name) && is_reserved(found) {
        return Some(format!(
            "`{found}` is reserved for conditions and cannot name anything; choose another name"
        ));
    }
    if (has(Rule::name) || has(Rule::count)) && first.is_ascii_digit() && has(Rule::name) {
        return Some("a name starts with a letter or `_`".to_string());
    }
    None
}

fn snake_case(word: &str) -> String {
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A text whose closing quote is missing: point at its opening quote.
pub(crate) fn unclosed_text(quote: usize, line_end: usize) -> Diagnostic {
    Diagnostic::error(
        UNCLOSED,
        "this text is never closed",
        Span::new(quote, quote + 1),
    )
    .with_label("opened here")
    .with_secondary(Span::new(line_end, line_end), "`\"` expected by here")
    .with_help("add the missing `\"` at the end of the text")
    .with_fix(Fix::replace(
        "Close the text at the end of its line",
        Span::new(line_end, line_end),
        "\"",
        true,
    ))
}

/// A declaration whose brace is never closed: point at the opening brace.
pub(crate) fn unclosed(open: usize, bracket: char, end: usize, at_file_end: bool) -> Diagnostic {
    let closing = match bracket {
        '[' => ']',
        '(' => ')',
        _ => '}',
    };
    let where_ = if at_file_end {
        "the end of the file"
    } else {
        "the next declaration"
    };
    Diagnostic::error(
        UNCLOSED,
        format!("this `{bracket}` is never closed before {where_}"),
        Span::new(open, open + 1),
    )
    .with_label("opened here")
    .with_secondary(Span::new(end, end), format!("`{closing}` expected by here"))
    .with_help(format!("add the missing `{closing}` where the block ends"))
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn one(text: &str) -> Phrase {
        Phrase::One(text.to_string())
    }

    #[test]
    fn a_folded_choice_and_the_words_after_it_read_as_one_list() {
        assert_eq!(
            join(&[A_STEP, one("`}`")]),
            "a step such as `send`, `wait`, `goto` or `}`"
        );
        assert_eq!(
            join(&[AN_OPERATOR, one("`{`")]),
            "an operator such as `and`, `==` or `{`"
        );
        assert_eq!(
            join(&[one("`of`"), describe(Rule::duration_unit)]),
            "`of`, `minutes`, `hours`, `days`, `weeks`, `months` or `business days`"
        );
        // A second choice, or a choice of every option, is one item.
        assert_eq!(
            join(&[A_STEP, ALL_PRIORITIES, one("`}`")]),
            "a step such as `send`, `wait`, `goto`, a priority (`low`, `normal`, `high`, `urgent`) or `}`"
        );
    }

    #[test]
    fn a_choice_alone_keeps_its_own_or() {
        assert_eq!(join(&[A_STEP]), "a step such as `send`, `wait` or `goto`");
        assert_eq!(
            join(&[ALL_PRIORITIES]),
            "a priority (`low`, `normal`, `high` or `urgent`)"
        );
        assert_eq!(join(&[]), "something else");
    }

    #[test]
    fn a_message_about_a_broken_step_names_one_list() {
        let parsed = parse("flow f\nstart a\nstage a {\n  wait 3 days\n  42\n}\n");
        let messages: Vec<&str> = parsed
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("expected a step such as `send`, `wait`, `goto`")),
            "{messages:?}"
        );
        for m in messages {
            let outside_parentheses: String = m
                .split('(')
                .map(|part| part.split_once(')').map_or(part, |(_, rest)| rest))
                .collect();
            assert!(outside_parentheses.matches(" or ").count() <= 1, "{m}");
        }
    }
}
