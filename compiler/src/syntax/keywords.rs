//! The keyword table: every word of the language, with its pest rule and
//! the roles it plays. The grammar (`grammar/dun.pest`) matches the words;
//! everything else that needs to know them (the pre-pass in `scan.rs`, the
//! error messages in `errors.rs`, recovery, completion, semantic tokens,
//! rename) reads this table. A test checks it against the grammar's
//! `kw_*` rules and its reserved words, so the two cannot drift apart.
//!
//! Keywords are contextual: only the words with the [`Roles::EXPR`] role are
//! reserved (they can never be a name); the others are names wherever the
//! grammar does not expect the keyword.

use super::grammar::Rule;

/// What a word begins or where it appears; a word may have several roles
/// (`end` is a step and an expectation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Roles(u16);

impl Roles {
    /// Begins a top-level declaration (`stage`, `event`, `on`, ...).
    pub const DECL: Roles = Roles(1);
    /// Begins a step of a stage or a handler (`send`, `wait`, ...).
    pub const STEP: Roles = Roles(1 << 1);
    /// Begins a rule of a `policy` block.
    pub const POLICY: Roles = Roles(1 << 2);
    /// Begins a rule of a `calendar` block.
    pub const CALENDAR: Roles = Roles(1 << 3);
    /// Begins an item of a `test` block (`given`, `start`, `on`).
    pub const TEST: Roles = Roles(1 << 4);
    /// What happens on a test day: `receive`, `update`, `expect`.
    pub const TEST_DAY: Roles = Roles(1 << 5);
    /// Follows `expect`: what a test expects (`sent`, `stage`, ...).
    pub const EXPECT: Roles = Roles(1 << 6);
    /// A reserved word of expressions: a value (`today`), an operator
    /// (`and`) or a field's root (`account`). Never a name.
    pub const EXPR: Roles = Roles(1 << 7);
    /// A word in the middle of a construct (`to`, `of`, `queue`, the `set`
    /// of `is set`, the `on` of `no_contact on`).
    pub const INNER: Roles = Roles(1 << 8);

    pub(crate) const NONE: Roles = Roles(0);

    pub const fn or(self, other: Roles) -> Roles {
        Roles(self.0 | other.0)
    }

    /// Whether any of the roles in `other` is one of these.
    pub const fn any(self, other: Roles) -> bool {
        self.0 & other.0 != 0
    }
}

/// One spelling of a keyword. A rule with two spellings (`holiday`,
/// `holidays`) has two entries; the first is the one messages use.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Keyword {
    pub word: &'static str,
    pub rule: Rule,
    pub roles: Roles,
}

const fn kw(word: &'static str, rule: Rule, roles: Roles) -> Keyword {
    Keyword { word, rule, roles }
}

const DECL: Roles = Roles::DECL;
const STEP: Roles = Roles::STEP;
const POLICY: Roles = Roles::POLICY;
const CALENDAR: Roles = Roles::CALENDAR;
const TEST: Roles = Roles::TEST;
const TEST_DAY: Roles = Roles::TEST_DAY;
const EXPECT: Roles = Roles::EXPECT;
const EXPR: Roles = Roles::EXPR;
const INNER: Roles = Roles::INNER;

/// Every keyword, declarations first in the order completion offers them.
pub(crate) const KEYWORDS: &[Keyword] = &[
    // Declarations.
    kw("flow", Rule::kw_flow, DECL),
    kw("currency", Rule::kw_currency, DECL),
    kw("account", Rule::kw_account, DECL.or(EXPR).or(INNER)),
    kw("event", Rule::kw_event, DECL.or(EXPR)),
    kw("calendar", Rule::kw_calendar, DECL),
    kw("policy", Rule::kw_policy, DECL),
    kw("var", Rule::kw_var, DECL),
    kw("segment", Rule::kw_segment, DECL),
    kw("template", Rule::kw_template, DECL),
    kw("action", Rule::kw_action, DECL),
    kw("on", Rule::kw_on, DECL.or(TEST).or(INNER)),
    kw("at", Rule::kw_at, DECL.or(INNER)),
    kw("start", Rule::kw_start, DECL.or(TEST).or(INNER)),
    kw("stage", Rule::kw_stage, DECL.or(EXPECT)),
    kw("test", Rule::kw_test, DECL),
    kw("migrate", Rule::kw_migrate, DECL),
    kw("reenter", Rule::kw_reenter, DECL),
    kw("locale", Rule::kw_locale, DECL.or(INNER)),
    kw("language", Rule::kw_language, DECL.or(INNER)),
    // Steps.
    kw("send", Rule::kw_send, STEP),
    kw("call", Rule::kw_call, STEP.or(EXPECT)),
    kw("wait", Rule::kw_wait, STEP.or(INNER)),
    kw("if", Rule::kw_if, STEP),
    kw("repeat", Rule::kw_repeat, STEP),
    kw("split", Rule::kw_split, STEP),
    kw("goto", Rule::kw_goto, STEP),
    kw("end", Rule::kw_end, STEP.or(EXPECT)),
    kw("set", Rule::kw_set, STEP.or(INNER)),
    kw("assign", Rule::kw_assign, STEP),
    kw("offer", Rule::kw_offer, STEP.or(EXPECT)),
    kw("alert", Rule::kw_alert, STEP.or(EXPECT)),
    kw("emit", Rule::kw_emit, STEP),
    // Policy and calendar rules.
    kw("contact_hours", Rule::kw_contact_hours, POLICY),
    kw("no_contact", Rule::kw_no_contact, POLICY),
    kw("at_most", Rule::kw_at_most, POLICY),
    kw("pause", Rule::kw_pause, POLICY),
    kw("stop", Rule::kw_stop, POLICY),
    kw("person", Rule::kw_person, POLICY),
    kw("weekend", Rule::kw_weekend, CALENDAR),
    kw("holiday", Rule::kw_holiday, CALENDAR.or(INNER)),
    kw("holidays", Rule::kw_holiday, CALENDAR.or(INNER)),
    // Tests.
    kw("given", Rule::kw_given, TEST),
    kw("receive", Rule::kw_receive, TEST_DAY),
    kw("update", Rule::kw_update, TEST_DAY),
    kw("expect", Rule::kw_expect, TEST_DAY),
    kw("sent", Rule::kw_sent, EXPECT),
    kw("no", Rule::kw_no, EXPECT),
    kw("assigned", Rule::kw_assigned, EXPECT),
    kw("emitted", Rule::kw_emitted, EXPECT),
    kw("recalled", Rule::kw_recalled, EXPECT),
    // Expressions: the reserved words.
    kw("and", Rule::op_and, EXPR),
    kw("or", Rule::op_or, EXPR),
    kw("not", Rule::op_not, EXPR),
    kw("is", Rule::kw_is, EXPR),
    kw("in", Rule::kw_in, EXPR.or(INNER)),
    kw("true", Rule::kw_true, EXPR),
    kw("false", Rule::kw_false, EXPR),
    kw("today", Rule::kw_today, EXPR),
    kw("now", Rule::kw_now, EXPR),
    // Words inside constructs.
    kw("version", Rule::kw_version, INNER),
    kw("to", Rule::kw_to, INNER),
    kw("of", Rule::kw_of, INNER),
    kw("per", Rule::kw_per, INNER),
    kw("most", Rule::kw_most, INNER),
    kw("week", Rule::kw_week, INNER),
    kw("for", Rule::kw_for, INNER),
    kw("after", Rule::kw_after, INNER),
    kw("when", Rule::kw_when, INNER),
    kw("file", Rule::kw_file, INNER),
    kw("subject", Rule::kw_subject, INNER),
    kw("body", Rule::kw_body, INNER),
    kw("queue", Rule::kw_queue, INNER),
    kw("priority", Rule::kw_priority, INNER),
    kw("until", Rule::kw_until, INNER),
    kw("else", Rule::kw_else, INNER),
    kw("times", Rule::kw_times, INNER),
    kw("agency", Rule::kw_agency, INNER),
    kw("discount", Rule::kw_discount, INNER),
    kw("plan", Rule::kw_plan, STEP.or(EXPECT).or(INNER)),
    kw("installments", Rule::kw_installments, INNER),
    kw("every", Rule::kw_every, INNER),
    kw("day", Rule::kw_day, INNER),
    kw("from", Rule::kw_from, INNER),
    kw("contact", Rule::kw_contact_step, INNER),
    kw("fallback", Rule::kw_fallback, INNER),
    kw("approved", Rule::kw_approved, INNER),
    // Fees and interest, and the flow tests' words for them.
    kw("charge", Rule::kw_charge, STEP),
    kw("freeze", Rule::kw_freeze, STEP),
    kw("resume", Rule::kw_resume, STEP),
    kw("fee", Rule::kw_fee, INNER),
    kw("fees", Rule::kw_fee, INNER),
    kw("interest", Rule::kw_interest, INNER.or(EXPECT)),
    kw("charged", Rule::kw_charged, EXPECT),
    kw("frozen", Rule::kw_frozen, INNER),
    kw("arm", Rule::kw_arm, INNER),
    // Payments and promises to pay.
    kw("payments", Rule::kw_payments, DECL),
    kw("promise", Rule::kw_promise, STEP.or(EXPECT).or(INNER)),
    kw("by", Rule::kw_by, INNER),
    kw("grace", Rule::kw_grace, INNER),
    kw("while", Rule::kw_while, INNER),
    kw("open", Rule::kw_open, INNER),
    kw("import", Rule::kw_import, DECL),
    // Payment plans.
    kw("up", Rule::kw_up, INNER),
    kw("installment", Rule::kw_installment, EXPECT),
    kw("missed", Rule::kw_missed, INNER),
    kw("current", Rule::kw_current, INNER),
    // Settlements and discounts paid in full by a date.
    kw("settlement", Rule::kw_settlement, EXPECT.or(INNER)),
    kw("paid", Rule::kw_paid, INNER),
    kw("full", Rule::kw_full, INNER),
];

/// The fixed words that are not keywords of their own rule but values the
/// grammar spells out (`weekday`, `priority`, `duration_unit`).
pub(crate) const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
pub(crate) const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];
/// Every spelling of a duration unit; `business` starts `business days`.
pub(crate) const DURATION_UNITS: &[&str] = &[
    "minute", "minutes", "hour", "hours", "day", "days", "business", "week", "weeks", "month",
    "months",
];

/// The keyword spelt `word`, if it is one.
pub(crate) fn lookup(word: &str) -> Option<&'static Keyword> {
    // Keywords are lowercase ASCII; most words of a flow are names, and the
    // first byte turns most of them away before any comparison.
    let first = *word.as_bytes().first()?;
    if !first.is_ascii_lowercase() {
        return None;
    }
    BY_FIRST_LETTER[usize::from(first - b'a')]
        .iter()
        .map(|&i| &KEYWORDS[i])
        .find(|k| k.word == word)
}

/// The rows of [`KEYWORDS`] by the first letter of their word: the
/// pre-pass looks up the first word of every line, and a scan of the
/// whole table for each was a measurable part of `dun check`.
static BY_FIRST_LETTER: std::sync::LazyLock<[Vec<usize>; 26]> = std::sync::LazyLock::new(|| {
    let mut rows: [Vec<usize>; 26] = Default::default();
    for (i, k) in KEYWORDS.iter().enumerate() {
        if let Some(letter) = k.word.bytes().next().filter(u8::is_ascii_lowercase) {
            rows[usize::from(letter - b'a')].push(i);
        }
    }
    rows
});

/// The roles of `word`, none for a word that is not a keyword.
pub(crate) fn roles_of(word: &str) -> Roles {
    lookup(word).map_or(Roles::NONE, |k| k.roles)
}

/// The roles of a keyword rule, none for any other rule.
pub(crate) fn rule_roles(rule: Rule) -> Roles {
    KEYWORDS
        .iter()
        .find(|k| k.rule == rule)
        .map_or(Roles::NONE, |k| k.roles)
}

/// The words with any of `roles`, in the table's order, each keyword in
/// its first spelling only (`holiday`, not `holidays`).
pub(crate) fn words(roles: Roles) -> impl Iterator<Item = &'static str> {
    KEYWORDS
        .iter()
        .enumerate()
        .filter(move |(i, k)| {
            k.roles.any(roles) && !KEYWORDS[..*i].iter().any(|o| o.rule == k.rule)
        })
        .map(|(_, k)| k.word)
}

/// Whether `word` is a keyword or one of the fixed words of the grammar
/// (weekdays, priorities, duration units).
pub(crate) fn is_language_word(word: &str) -> bool {
    lookup(word).is_some()
        || WEEKDAYS.contains(&word)
        || PRIORITIES.contains(&word)
        || DURATION_UNITS.contains(&word)
}

/// Whether `word` is reserved for expressions and can never be a name.
pub(crate) fn is_reserved(word: &str) -> bool {
    roles_of(word).any(Roles::EXPR)
}

/// Whether a keyword rule only ever begins a new step, rule or test item:
/// when the parser asks for one, it had finished what came before.
fn begins_item(rule: Rule) -> bool {
    let roles = rule_roles(rule);
    roles.any(STEP.or(POLICY).or(CALENDAR).or(TEST)) && !roles.any(INNER.or(EXPR))
}

/// Whether the parser, where it failed, would have taken a new step, rule,
/// field, declaration or the end of a block: then what came before was
/// complete, and the mistake is in what stands at that place. Error
/// messages and recovery both ask this.
pub(crate) fn asks_for_new_item(positives: &[Rule]) -> bool {
    positives.iter().any(|r| {
        matches!(
            r,
            Rule::rbrace
                | Rule::field_decl
                | Rule::field_value
                | Rule::a_decl
                | Rule::a_step
                | Rule::EOI
        ) || begins_item(*r)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn grammar() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../grammar/dun.pest");
        std::fs::read_to_string(path).expect("grammar/dun.pest is readable")
    }

    /// The quoted strings of a grammar rule's body.
    fn quoted(body: &str) -> Vec<String> {
        body.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    /// `(rule, spelling)` for every keyword rule of the grammar: each
    /// `kw_*` rule and the word operators `op_and`, `op_or`, `op_not`.
    fn grammar_keywords(grammar: &str) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for line in grammar.lines() {
            let Some((name, body)) = line.split_once('=') else {
                continue;
            };
            let name = name.trim();
            let is_word_op = matches!(name, "op_and" | "op_or" | "op_not");
            if !(name.starts_with("kw_") || is_word_op) {
                continue;
            }
            for word in quoted(body) {
                out.insert((name.to_string(), word));
            }
        }
        out
    }

    fn rule_name(rule: Rule) -> String {
        format!("{rule:?}")
    }

    #[test]
    fn the_table_and_the_grammar_have_the_same_keywords() {
        let grammar = grammar();
        let in_grammar = grammar_keywords(&grammar);
        let in_table: BTreeSet<(String, String)> = KEYWORDS
            .iter()
            .map(|k| (rule_name(k.rule), k.word.to_string()))
            .collect();
        let missing: Vec<_> = in_grammar.difference(&in_table).collect();
        let extra: Vec<_> = in_table.difference(&in_grammar).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "the keyword table and grammar/dun.pest disagree.\n\
             in the grammar, not in the table: {missing:?}\n\
             in the table, not in the grammar: {extra:?}"
        );
        assert!(
            in_grammar.len() > 60,
            "the grammar's keywords were not read"
        );
    }

    #[test]
    fn the_reserved_words_are_the_grammars() {
        // `reserved` is written letter by letter for speed:
        // `'a'..'a' ~ ("nd" | "ccount")` is `and` and `account`.
        let grammar = grammar();
        let start = grammar.find("reserved = _{").expect("a reserved rule");
        let body = &grammar[start..];
        let body = &body[..body.find("~ !ident_char").expect("the rule's end")];
        let mut in_grammar = BTreeSet::new();
        for line in body.lines().skip(1) {
            let Some(rest) = line.trim_start_matches(['(', '|', ' ']).strip_prefix('\'') else {
                continue;
            };
            let first = &rest[..1];
            let tail = &rest[rest.find('~').expect("a tail after the letter")..];
            let mut tails = quoted(tail);
            // Single letters are written as ranges: `('s'..'s' | 'n'..'n')`.
            tails.extend(
                tail.split('\'')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect::<BTreeSet<_>>(),
            );
            for t in tails {
                in_grammar.insert(format!("{first}{t}"));
            }
        }
        let in_table: BTreeSet<String> = words(Roles::EXPR).map(str::to_string).collect();
        assert_eq!(in_grammar, in_table);
    }

    #[test]
    fn the_fixed_words_are_the_grammars() {
        let grammar = grammar();
        let rule = |name: &str| {
            let line = grammar
                .lines()
                .find(|l| l.starts_with(&format!("{name} ")))
                .expect("the rule is in the grammar");
            quoted(line).into_iter().collect::<BTreeSet<_>>()
        };
        let set = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(rule("weekday"), set(WEEKDAYS));
        assert_eq!(rule("priority"), set(PRIORITIES));
        let start = grammar.find("duration_unit = @{").expect("duration_unit");
        let body = &grammar[start..];
        let body = &body[..body.find('}').expect("the rule's end")];
        let units: BTreeSet<String> = quoted(body)
            .into_iter()
            .filter(|w| w.trim().chars().all(|c| c.is_ascii_lowercase()) && !w.trim().is_empty())
            .collect();
        assert_eq!(units, set(DURATION_UNITS));
    }

    #[test]
    fn a_word_that_begins_an_item_elsewhere_is_not_taken_for_a_new_item_inside_one() {
        assert!(asks_for_new_item(&[Rule::kw_send]));
        assert!(asks_for_new_item(&[Rule::kw_contact_hours]));
        assert!(asks_for_new_item(&[Rule::kw_given]));
        assert!(asks_for_new_item(&[Rule::a_decl]));
        // `no_contact on ...` and `wait until ...`: the word continues a rule.
        assert!(!asks_for_new_item(&[Rule::kw_on]));
        assert!(!asks_for_new_item(&[Rule::kw_until]));
        // `account.x` in an expression is not an `account { ... }` block.
        assert!(!asks_for_new_item(&[Rule::kw_account, Rule::a_value]));
    }
}
