//! The parser's specification: what a flow author relies on.

use super::ast::*;
use super::parse;

const SAMPLE: &str = include_str!("../../../tests/cases/valid/reference.dun");

#[test]
fn the_reference_flow_parses_without_diagnostics() {
    let parsed = parse(SAMPLE);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    assert_eq!(parsed.file.decls.len(), 29);
}

fn clean(src: &str) -> File {
    let parsed = parse(src);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    parsed.file
}

fn codes(src: &str) -> Vec<&'static str> {
    parse(src).diagnostics.iter().map(|d| d.code).collect()
}

fn stage<'a>(file: &'a File, name: &str) -> &'a Stage {
    file.decls
        .iter()
        .find_map(|d| match d {
            Decl::Stage(s) if s.name.name == name => Some(s),
            _ => None,
        })
        .expect("stage present")
}

fn text_of(src: &str, span: Span) -> &str {
    &src[span.range()]
}

/// The first expression of `segment s = ...`.
fn cond(src: &str) -> Expr {
    let file = clean(&format!("segment s = {src}"));
    match file.decls.into_iter().next() {
        Some(Decl::Segment(s)) => s.cond,
        other => panic!("not a segment: {other:?}"),
    }
}

/// The expression rendered with explicit parentheses, to read precedence.
fn shape(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", shape(lhs), op.symbol(), shape(rhs))
        }
        ExprKind::Unary { op, expr } => match op {
            UnaryOp::Not => format!("(not {})", shape(expr)),
            UnaryOp::Neg => format!("(-{})", shape(expr)),
        },
        ExprKind::IsSet(x) => format!("({} is set)", shape(x)),
        ExprKind::In { expr, list } => format!(
            "({} in [{}])",
            shape(expr),
            list.iter().map(shape).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Field { root, field, .. } => format!("{root:?}.{}", field.name).to_lowercase(),
        ExprKind::Number(n) => n.to_string(),
        ExprKind::Money { amount, currency } => format!("{amount} {}", currency.name),
        ExprKind::Duration(d) => format!("{} {:?}", d.amount, d.unit),
        other => format!("{other:?}"),
    }
}

#[test]
fn the_reference_flow_has_the_expected_shape() {
    let file = clean(SAMPLE);
    let Decl::Flow(flow) = &file.decls[0] else {
        panic!("flow first")
    };
    assert_eq!(flow.name.name, "consumer_early");
    assert_eq!(flow.version.map(|v| v.0), Some(3));
    assert_eq!(
        flow.doc.as_deref(),
        Some("Consumer credit cards, 1 to 90 days past due.")
    );
    assert_eq!(text_of(SAMPLE, flow.span), "flow consumer_early version 3");

    let Decl::Account(account) = &file.decls[2] else {
        panic!("account third")
    };
    assert_eq!(account.fields.len(), 11);
    let mobile = &account.fields[6];
    assert_eq!(mobile.name.name, "mobile");
    assert!(mobile.ty.optional);
    assert_eq!(text_of(SAMPLE, mobile.span), "mobile: phone?");
    match &account.fields[5].ty.kind {
        TypeExprKind::Enum(variants) => assert_eq!(variants.len(), 3),
        other => panic!("risk is an enumeration, got {other:?}"),
    }

    let Decl::Event(promise) = &file.decls[4] else {
        panic!("event")
    };
    assert_eq!(promise.name.name, "promise_to_pay");
    assert_eq!(promise.fields.len(), 2);
    let Decl::Event(cease) = &file.decls[7] else {
        panic!("event")
    };
    assert!(cease.fields.is_empty());

    let Decl::Calendar(bank) = &file.decls[8] else {
        panic!("calendar")
    };
    assert_eq!(bank.weekend.len(), 2);
    assert_eq!(bank.holidays.len(), 2);

    let Decl::Policy(policy) = &file.decls[9] else {
        panic!("policy")
    };
    assert_eq!(policy.rules.len(), 7);
    assert!(matches!(
        &policy.rules[0].kind,
        PolicyRuleKind::ContactHours {
            zone: Some(Expr {
                kind: ExprKind::Field { .. },
                ..
            }),
            ..
        }
    ));
    assert!(
        matches!(&policy.rules[2].kind, PolicyRuleKind::NoContactHolidays(c) if c.name == "bank")
    );
    match &policy.rules[3].kind {
        PolicyRuleKind::AtMost {
            count,
            channels,
            window,
        } => {
            assert_eq!(count.0, 7);
            assert_eq!(channels.name, "calls");
            assert_eq!((window.amount, window.unit), (7, DurationUnit::Days));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &policy.rules[5].kind,
        PolicyRuleKind::Pause { when: Some(_), .. }
    ));
    assert!(matches!(
        &policy.rules[6].kind,
        PolicyRuleKind::Stop { when: None, .. }
    ));

    let Decl::Segment(vip) = &file.decls[12] else {
        panic!("segment")
    };
    assert_eq!(
        shape(&vip.cond),
        "((account.balance > 10000 USD) and (account.risk == low))"
    );

    let Decl::Template(first_notice) = &file.decls[14] else {
        panic!("template")
    };
    assert!(matches!(&first_notice.body, TemplateBody::Email { .. }));
    let Decl::Template(final_demand) = &file.decls[15] else {
        panic!("template")
    };
    match &final_demand.body {
        TemplateBody::File(path) => {
            assert_eq!(path.plain().as_deref(), Some("templates/final_demand.txt"))
        }
        other => panic!("{other:?}"),
    }

    let Decl::Handler(on_promise) = &file.decls[18] else {
        panic!("handler")
    };
    assert!(matches!(&on_promise.body, HandlerBody::Block(b) if b.steps.len() == 2));

    let reminders = stage(&file, "reminders");
    assert_eq!(reminders.body.steps.len(), 6);
    assert!(matches!(
        &reminders.body.steps[2].kind,
        StepKind::Send {
            to: None,
            when: Some(_),
            ..
        }
    ));
    assert_eq!(text_of(SAMPLE, reminders.body.steps[1].span), "wait 3 days");

    let calls = stage(&file, "calls");
    assert_eq!(calls.handlers.len(), 1);
    match &calls.body.steps[0].kind {
        StepKind::Repeat { count, body } => {
            assert_eq!(count.0, 3);
            assert!(matches!(
                &body.steps[1].kind,
                StepKind::Wait(WaitKind::For(DurationLit {
                    amount: 2,
                    unit: DurationUnit::BusinessDays,
                    ..
                }))
            ));
        }
        other => panic!("{other:?}"),
    }

    let letters = stage(&file, "letters");
    match &letters.body.steps[2].kind {
        StepKind::Split { arms } => {
            assert_eq!(arms.len(), 2);
            assert_eq!(arms[0].share.0, rust_decimal::Decimal::from(80));
            assert_eq!(arms[1].stage.name, "settlement");
        }
        other => panic!("{other:?}"),
    }

    let promised = stage(&file, "promised");
    match &promised.body.steps[1].kind {
        StepKind::If {
            branches,
            otherwise,
        } => {
            assert_eq!(branches.len(), 1);
            assert!(otherwise.is_none());
            assert!(
                matches!(&branches[0].1.steps[1].kind, StepKind::Alert { text, .. } if text.parts.len() == 2)
            );
        }
        other => panic!("{other:?}"),
    }

    let Some(Decl::Test(test)) = file.decls.last() else {
        panic!("test last")
    };
    assert_eq!(test.items.len(), 8);
    assert!(matches!(&test.items[0].kind, TestItemKind::Given(fields) if fields.len() == 11));
    assert!(matches!(
        &test.items[1].kind,
        TestItemKind::Start { zone: None, .. }
    ));
    assert!(matches!(
        &test.items[7].kind,
        TestItemKind::OnDay { day: (10, _), action: TestAction::Expect(Expectation::End(o)), .. } if o.name == "paid"
    ));

    assert_eq!(file.comments.len(), 1);
    assert!(file.comments[0].doc);
}

#[test]
fn expressions_follow_the_documented_precedence() {
    assert_eq!(shape(&cond("a or b and c")), "(a or (b and c))");
    assert_eq!(shape(&cond("not a == b and c")), "((not (a == b)) and c)");
    assert_eq!(shape(&cond("a + b * c - d")), "((a + (b * c)) - d)");
    assert_eq!(shape(&cond("-a * b")), "((-a) * b)");
    assert_eq!(shape(&cond("a + b is set")), "((a + b) is set)");
    assert_eq!(
        shape(&cond("event.result in [a, b] or x")),
        "((event.result in [a, b]) or x)"
    );
    assert_eq!(shape(&cond("(a < b) == c")), "((a < b) == c)");
    assert_eq!(
        shape(&cond("promised_on + 2 days")),
        "(promised_on + 2 Days)"
    );
}

#[test]
fn the_tree_counts_the_parentheses_a_writer_put_and_they_group_nothing_else() {
    let e = cond("((a or b)) and (c)");
    let ExprKind::Binary { lhs, rhs, .. } = &e.kind else {
        panic!("not an `and`: {e:?}")
    };
    assert_eq!((e.parens, lhs.parens, rhs.parens), (0, 2, 1));
    assert_eq!(shape(&e), "((a or b) and c)");
    // The span of a parenthesised expression covers its parentheses.
    assert_eq!((lhs.span.start, lhs.span.end), (12, 22));
    assert_eq!(cond("(a)").parens, 1);
}

#[test]
fn a_comparison_chain_is_an_error_that_suggests_and() {
    let parsed = parse("segment s = a < b < c");
    assert_eq!(parsed.diagnostics.len(), 1);
    let d = &parsed.diagnostics[0];
    assert_eq!(d.code, "dun::syntax::comparison_chain");
    assert!(d.help.as_deref().unwrap_or("").contains("and"));
}

#[test]
fn literals_are_read_with_their_units() {
    let kinds: Vec<ExprKind> = [
        "1_000",
        "3.5",
        "15%",
        "120.50 USD",
        "30 minutes",
        "1 hour",
        "2 weeks",
        "1 month",
        "5 business days of bank",
        "1 business day",
        "2026-03-31",
        "09:00",
        "2026-03-02 09:00",
        "true",
        "today",
        "now",
    ]
    .iter()
    .map(|src| cond(src).kind)
    .collect();
    assert!(matches!(&kinds[0], ExprKind::Number(n) if *n == rust_decimal::Decimal::from(1000)));
    assert!(matches!(&kinds[1], ExprKind::Number(_)));
    assert!(matches!(&kinds[2], ExprKind::Percent(p) if *p == rust_decimal::Decimal::from(15)));
    assert!(matches!(&kinds[3], ExprKind::Money { currency, .. } if currency.name == "USD"));
    assert!(matches!(&kinds[4], ExprKind::Duration(d) if d.unit == DurationUnit::Minutes));
    assert!(matches!(&kinds[5], ExprKind::Duration(d) if d.unit == DurationUnit::Hours));
    assert!(matches!(&kinds[6], ExprKind::Duration(d) if d.unit == DurationUnit::Weeks));
    assert!(matches!(&kinds[7], ExprKind::Duration(d) if d.unit == DurationUnit::Months));
    assert!(
        matches!(&kinds[8], ExprKind::Duration(d) if d.unit == DurationUnit::BusinessDays && d.calendar.is_some())
    );
    assert!(
        matches!(&kinds[9], ExprKind::Duration(d) if d.amount == 1 && d.unit == DurationUnit::BusinessDays)
    );
    assert!(matches!(&kinds[10], ExprKind::Date(_)));
    assert!(matches!(&kinds[11], ExprKind::Time(_)));
    assert!(matches!(&kinds[12], ExprKind::DateTime(..)));
    assert!(matches!(&kinds[13], ExprKind::Bool(true)));
    assert!(matches!(&kinds[14], ExprKind::Today));
    assert!(matches!(&kinds[15], ExprKind::Now));
}

#[test]
fn strings_unescape_and_split_placeholders() {
    let src = r#"template t for sms "Say \"hi\" {{x}} to {account.name}\\""#;
    let file = clean(src);
    let Decl::Template(t) = &file.decls[0] else {
        panic!()
    };
    let TemplateBody::Text(text) = &t.body else {
        panic!()
    };
    assert_eq!(text.parts.len(), 3);
    assert!(matches!(&text.parts[0], TextPart::Literal(s, _) if s == "Say \"hi\" {x} to "));
    assert!(matches!(&text.parts[1], TextPart::Placeholder(_)));
    assert!(matches!(&text.parts[2], TextPart::Literal(s, _) if s == "\\"));
}

const EVERY_FORM: &str = r#"
flow forms
action crm_note { text: text }
policy {
  contact_hours 08:00 to 21:00 in "Europe/Madrid"
  contact_hours 09:00 to 17:00
  no_contact on saturday sunday
  at_most 2 messages per 1 week
  pause sms for 2 days after payment when event.amount > 0 USD
  stop contact on cease_contact when true
}
stage s {
  on payment -> t
  on dispute when event.reason is set { alert legal "Dispute: {event.reason}" }
  send sms a to mobile when x
  send email b to account.email
  call
  call queue q priority urgent when y
  wait until today + 1 day
  if a { goto t } else if b { end paid } else { set n = n + 1 }
  assign queue q
  assign queue q priority low
  assign agency "Acme"
  offer discount 20%
  offer discount 15% for 14 days
  offer plan 6 installments every 1 month
  emit crm_note { text: "x" }
  emit ping
  goto t
}
test "every expectation" {
  start at 2026-03-02 09:00 in "America/New_York"
  on day 0 at 10:30 receive payment { amount: 10 USD }
  on day 0 receive cease_contact
  on day 1 update account { balance: 0 USD }
  on day 1 expect sent sms a
  on day 1 expect call
  on day 1 expect call queue q
  on day 1 expect no calls
  on day 1 expect assigned queue q
  on day 1 expect assigned agency "Acme"
  on day 1 expect offer discount 20%
  on day 1 expect alert legal
  on day 1 expect emitted crm_note
  on day 1 expect stage t
  on day 1 expect end paid
  on day 1 expect n == 1
}
"#;

#[test]
fn every_step_policy_rule_and_expectation_form_parses() {
    let file = clean(EVERY_FORM);
    let s = stage(&file, "s");
    assert_eq!(s.handlers.len(), 2);
    assert_eq!(s.body.steps.len(), 15);
    assert!(
        matches!(&s.body.steps[0].kind, StepKind::Send { to: Some(f), .. } if f.name == "mobile")
    );
    assert!(
        matches!(&s.body.steps[1].kind, StepKind::Send { to: Some(f), .. } if f.name == "email")
    );
    assert!(matches!(
        &s.body.steps[2].kind,
        StepKind::Call {
            queue: None,
            priority: None,
            when: None
        }
    ));
    assert!(matches!(
        &s.body.steps[3].kind,
        StepKind::Call {
            queue: Some(_),
            priority: Some(_),
            when: Some(_)
        }
    ));
    assert!(
        matches!(&s.body.steps[5].kind, StepKind::If { branches, otherwise: Some(_) } if branches.len() == 2)
    );
    assert!(matches!(
        &s.body.steps[11].kind,
        StepKind::OfferPlan {
            installments: (6, _),
            ..
        }
    ));
    let Some(Decl::Test(test)) = file.decls.last() else {
        panic!()
    };
    let expectations = test
        .items
        .iter()
        .filter(|i| {
            matches!(
                &i.kind,
                TestItemKind::OnDay {
                    action: TestAction::Expect(_),
                    ..
                }
            )
        })
        .count();
    assert_eq!(expectations, 12);
    assert!(matches!(
        &test.items[1].kind,
        TestItemKind::OnDay { at: Some(_), .. }
    ));
}

#[test]
fn three_broken_declarations_give_three_diagnostics_and_keep_the_rest() {
    let src = "flow f
event payment amount: money }
stage a { goto b }
segment s = account.balance >
stage b { end paid }
template t sms \"hi\"
start a
";
    let parsed = parse(src);
    assert_eq!(parsed.diagnostics.len(), 3, "{:#?}", parsed.diagnostics);
    let kept: Vec<&str> = parsed
        .file
        .decls
        .iter()
        .map(|d| match d {
            Decl::Flow(_) => "flow",
            Decl::Stage(s) => s.name.name.as_str(),
            Decl::Start(_) => "start",
            _ => "other",
        })
        .collect();
    assert_eq!(kept, ["flow", "a", "b", "start"]);
}

#[test]
fn a_broken_step_leaves_its_stage_and_the_other_steps() {
    let src = "stage a {
  send email x
  wait 3 dys
  goto b
}
";
    let parsed = parse(src);
    assert_eq!(codes(src), ["dun::syntax::unexpected"]);
    let d = &parsed.diagnostics[0];
    assert_eq!(&src[d.primary.span.range()], "dys");
    assert!(d.message.contains("`days`"), "{}", d.message);
    let a = stage(&parsed.file, "a");
    assert_eq!(a.body.steps.len(), 2);
}

#[test]
fn a_step_missing_its_end_is_blamed_not_the_next_line() {
    let src = "stage a {
  wait 3
  send sms y
  goto b
}
";
    let parsed = parse(src);
    assert_eq!(parsed.diagnostics.len(), 1);
    let a = stage(&parsed.file, "a");
    assert_eq!(a.body.steps.len(), 2, "send and goto survive");
}

#[test]
fn an_unclosed_stage_points_at_its_opening_brace() {
    let src = "stage a {
  send email x

stage b { end paid }
";
    let parsed = parse(src);
    assert_eq!(codes(src), ["dun::syntax::unclosed"]);
    assert_eq!(parsed.diagnostics[0].primary.span, Span::new(8, 9));
    assert_eq!(parsed.file.decls.len(), 2);
}

#[test]
fn a_handler_after_a_step_says_handlers_come_first() {
    let src = "stage a {
  goto b
  on pay -> c
}
";
    assert_eq!(codes(src), ["dun::syntax::handler_after_step"]);
}

#[test]
fn messages_name_tokens_never_grammar_rules() {
    for src in [
        "stage a {
  call queue q priority hi
}
",
        "calendar bank { weekend satday }
",
        "var X: number = 0
",
        "on payment goto x
",
        "segment s = 10 usd
",
        "template t for sms \"hi {account.name\"\n",
    ] {
        for d in parse(src).diagnostics {
            for word in ["kw_", "_decl", "_step", "expr", "rule", "EOI", "quantity"] {
                assert!(!d.message.contains(word), "{src}: {}", d.message);
            }
        }
    }
}

#[test]
fn invalid_literals_are_reported_with_a_help() {
    for src in [
        "var d: date = 2026-02-30",
        "var t: time = 25:00",
        "stage a { repeat 99999999999 times { goto b } }",
        "var m: money = 10 Usd",
        "currency usd1",
        "stage a { wait 1.5 days }",
        r#"template t for sms "a \q b""#,
    ] {
        let parsed = parse(src);
        assert_eq!(
            parsed.diagnostics.len(),
            1,
            "{src}: {:#?}",
            parsed.diagnostics
        );
        let d = &parsed.diagnostics[0];
        assert_eq!(d.code, "dun::syntax::invalid_literal", "{src}");
        assert!(d.help.is_some(), "{src}");
        assert_eq!(parsed.file.decls.len(), 1, "{src}: the declaration is kept");
    }
}

#[test]
fn deep_nesting_is_refused_before_it_can_overflow_the_stack() {
    let src = format!(
        "segment s = {}a{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_eq!(codes(&src), ["dun::syntax::too_deep"]);
    let within = format!("segment s = {}a{}", "(".repeat(60), ")".repeat(60));
    assert!(codes(&within).is_empty());
    let long = format!("segment s = a{}", " or a".repeat(10_000));
    assert_eq!(codes(&long), ["dun::syntax::too_deep"]);
    let negations = format!("segment s = {}a", "not ".repeat(10_000));
    assert_eq!(codes(&negations), ["dun::syntax::too_deep"]);
}

#[test]
fn an_oversized_file_is_refused() {
    let src = "#".repeat(17 * 1024 * 1024);
    assert_eq!(codes(&src), ["dun::syntax::too_large"]);
}

#[test]
fn doc_comments_attach_to_declarations_fields_and_stages() {
    let src = "# plain
## The account.
account {
  ## Balance owed.
  balance: money
}

## Not attached

stage a { end paid }
## First stage.
## Two lines.
stage b { end paid }
";
    let file = clean(src);
    let Decl::Account(account) = &file.decls[0] else {
        panic!()
    };
    assert_eq!(account.doc.as_deref(), Some("The account."));
    assert_eq!(account.fields[0].doc.as_deref(), Some("Balance owed."));
    assert_eq!(stage(&file, "a").doc, None);
    assert_eq!(
        stage(&file, "b").doc.as_deref(),
        Some("First stage.\nTwo lines.")
    );
    assert_eq!(file.comments.len(), 6);
    assert!(!file.comments[0].doc);
}

#[test]
fn comments_inside_text_are_not_comments() {
    let file = clean("template t for sms \"call #3 now\" # real\n");
    assert_eq!(file.comments.len(), 1);
    assert_eq!(file.comments[0].text, " real");
}

#[test]
fn contextual_keywords_can_name_things() {
    let file = clean(
        "stage email { wait 1 day
 goto days }
stage days { end paid }
var plan: number = 0
",
    );
    assert_eq!(file.decls.len(), 3);
}

/// Every span lies in the file and, when `tight`, neither starts nor ends
/// with blanks (a node is exactly its text, for editors and the formatter).
fn spans_within(file: &File, text: &str, tight: bool) {
    // Comments and the literal parts of strings keep their blanks.
    let json = serde_json::to_value(&file.decls).expect("serialisable");
    fn walk(v: &serde_json::Value, text: &str, literal: bool) {
        match v {
            serde_json::Value::Object(map) => {
                if let (Some(s), Some(e)) = (map.get("start"), map.get("end")) {
                    if let (Some(s), Some(e)) = (s.as_u64(), e.as_u64()) {
                        let (s, e) = (s as usize, e as usize);
                        assert!(s <= e && e <= text.len(), "span {s}..{e} outside the file");
                        let inner = &text[s..e];
                        assert!(
                            literal || inner == inner.trim(),
                            "span {s}..{e} is not tight"
                        );
                    }
                }
                for (key, x) in map {
                    walk(x, text, literal || key == "Literal");
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|x| walk(x, text, literal)),
            _ => {}
        }
    }
    walk(&json, text, !tight);
}

#[test]
fn spans_of_the_reference_flow_are_tight() {
    spans_within(&clean(SAMPLE), SAMPLE, true);
    spans_within(&clean(EVERY_FORM), EVERY_FORM, true);
}

#[test]
fn every_prefix_of_the_sample_parses_without_panic_and_spans_stay_in_the_file() {
    let mut cut = 0;
    while cut <= SAMPLE.len() {
        if SAMPLE.is_char_boundary(cut) {
            let prefix = &SAMPLE[..cut];
            let parsed = parse(prefix);
            // A block closed by recovery may end on the blank it was closed at.
            spans_within(&parsed.file, prefix, false);
            for d in &parsed.diagnostics {
                assert!(d.primary.span.end as usize <= prefix.len());
                for l in &d.secondary {
                    assert!(l.span.end as usize <= prefix.len());
                }
            }
        }
        cut += 1;
    }
}

#[test]
fn each_syntax_fixture_triggers_the_code_it_is_named_after() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/syntax");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("fixture folder") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("dun") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).expect("readable");
        let codes: Vec<_> = parse(&text).diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [format!("dun::syntax::{stem}")],
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 6);
}

#[test]
fn each_documented_example_triggers_its_code_and_each_fix_parses() {
    let doc = include_str!("../../../docs/errors.md");
    let mut documented = 0;
    for section in doc.split("\n## ").skip(1) {
        let code = section.lines().next().unwrap_or_default().trim();
        if !code.starts_with("dun::syntax::") {
            continue;
        }
        documented += 1;
        // Said inside a template file, which is not flow text.
        if code == "dun::syntax::template_placeholder" {
            continue;
        }
        let blocks: Vec<&str> = section
            .split("```dun\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .collect();
        assert!(!blocks.is_empty(), "{code} has an example");
        if code == "dun::syntax::too_large" {
            continue;
        }
        let codes: Vec<_> = parse(blocks[0])
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect();
        assert_eq!(codes, [code], "example of {code}");
        if let Some(fix) = blocks.get(1) {
            assert!(parse(fix).diagnostics.is_empty(), "fix of {code}");
        }
    }
    assert!(documented >= 7, "every syntax code is documented");
}
