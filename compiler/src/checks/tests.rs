//! The checker's specification: what a flow author relies on, one rule per
//! test, asserted as diagnostic code plus the text it points at.

use crate::analysis::{analyze, Analysis};
use crate::diagnostics::Severity;
use std::path::Path;

const SAMPLE: &str = include_str!("../../../tests/cases/valid/reference.dun");

fn sample_path() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/cases/valid/reference.dun"
    ))
}

/// `(code, text under the primary span)` of every diagnostic.
fn found(src: &str) -> Vec<(&'static str, String)> {
    let a = analyze(None, src);
    a.diagnostics
        .iter()
        .map(|d| {
            (
                d.code,
                src.get(d.primary.span.range()).unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn show(a: &Analysis) -> String {
    a.diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {}: {} [{:?}] help: {:?}\n",
                d.severity.as_str(),
                d.code,
                d.message,
                d.primary.span,
                d.help
            )
        })
        .collect()
}

#[test]
fn the_reference_flow_checks_without_errors_or_warnings() {
    let a = analyze(Some(sample_path()), SAMPLE);
    assert!(a.diagnostics.is_empty(), "{}", show(&a));
}

/// A small complete flow around `body`: a schema, a start stage `s` and
/// whatever `body` adds.
fn flow(body: &str) -> String {
    format!(
        "flow t\ncurrency USD\naccount {{\n  name: text\n  balance: money\n  mobile: phone?\n  email: email?\n  risk: low | medium | high\n  tz: timezone\n}}\nevent payment {{ amount: money, note: text? }}\non payment when event.note is set -> s\nstart s\n{body}\n"
    )
}

fn errors_in(body: &str) -> Vec<(&'static str, String)> {
    found(&flow(body))
}

#[track_caller]
fn assert_reports(body: &str, code: &str, text: &str) {
    let all = errors_in(body);
    assert!(
        all.iter().any(|(c, t)| *c == code && t == text),
        "expected {code} at `{text}`, found {all:#?}"
    );
}

#[track_caller]
fn assert_clean(body: &str) {
    let src = flow(body);
    let a = analyze(None, &src);
    assert!(a.diagnostics.is_empty(), "{}", show(&a));
}

#[test]
fn a_small_well_formed_flow_is_clean() {
    assert_clean("stage s { send sms hi\n wait 1 day\n end paid }\ntemplate hi for sms \"Hi {account.name}\"");
}

#[test]
fn an_unknown_stage_suggests_the_closest_one() {
    assert_reports(
        "stage s { goto letterz }\nstage letters { end x }",
        "dun::names::unknown_stage",
        "letterz",
    );
    let a = analyze(
        None,
        &flow("stage s { goto letterz }\nstage letters { end x }"),
    );
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "dun::names::unknown_stage")
        .unwrap();
    assert_eq!(d.help.as_deref(), Some("did you mean `letters`?"));
}

#[test]
fn a_duplicate_stage_points_at_both_declarations() {
    let src = flow("stage s { end a }\nstage s { end b }");
    let a = analyze(None, &src);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "dun::names::duplicate")
        .unwrap();
    assert_eq!(&src[d.primary.span.range()], "s");
    assert_eq!(d.secondary[0].message, "first declared here");
    assert!(d.secondary[0].span.start < d.primary.span.start);
}

#[test]
fn a_flow_needs_a_flow_line_and_a_start() {
    let codes: Vec<_> = found("stage s { end paid }")
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert!(codes.contains(&"dun::names::missing_flow"), "{codes:?}");
    assert!(codes.contains(&"dun::names::missing_start"), "{codes:?}");
}

#[test]
fn money_adds_only_to_money() {
    assert_reports(
        "segment big = account.balance + 5 > 10 USD\nstage s { if big { end a } else { end b } }",
        "dun::types::operator",
        "account.balance + 5",
    );
}

#[test]
fn a_percentage_of_money_is_money() {
    assert_clean(
        "segment big = 20% * account.balance > 10 USD\nstage s { if big { end a } else { end b } }",
    );
}

#[test]
fn money_must_be_in_the_flows_currency() {
    assert_reports(
        "segment big = account.balance > 10 EUR\nstage s { if big { end a } else { end b } }",
        "dun::types::wrong_currency",
        "EUR",
    );
}

#[test]
fn money_without_a_currency_is_an_error() {
    let src = "flow t\naccount { balance: money }\nstart s\nstage s { end a }\n";
    assert!(found(src)
        .iter()
        .any(|(c, _)| *c == "dun::types::no_currency"));
}

#[test]
fn a_misspelt_variant_suggests_the_right_one() {
    let src =
        flow("segment risky = account.risk == hgh\nstage s { if risky { end a } else { end b } }");
    let a = analyze(None, &src);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "dun::types::unknown_variant")
        .unwrap_or_else(|| panic!("{}", show(&a)));
    assert_eq!(&src[d.primary.span.range()], "hgh");
    assert_eq!(d.help.as_deref(), Some("did you mean `high`?"));
}

#[test]
fn variants_in_a_list_are_checked_against_the_field() {
    assert_clean("segment risky = account.risk in [medium, high]\nstage s { if risky { end a } else { end b } }");
    assert_reports("segment risky = account.risk in [medium, hihg]\nstage s { if risky { end a } else { end b } }", "dun::types::unknown_variant", "hihg");
}

#[test]
fn an_optional_field_needs_proof_that_it_is_set() {
    assert_reports(
        "template t for sms \"{account.mobile}\"\nstage s { send sms t\n end a }",
        "dun::types::maybe_unset",
        "mobile",
    );
    assert_clean("segment m = account.mobile is set and account.mobile == \"1\"\nstage s { if m { end a } else { end b } }");
}

#[test]
fn an_enclosing_if_proves_a_field_set() {
    assert_clean("stage s { if account.email is set { alert team \"{account.email}\" }\n end a }");
    assert_reports("stage s { if account.email is set { end a } else { alert team \"{account.email}\" }\n end a }", "dun::types::maybe_unset", "email");
}

#[test]
fn event_fields_are_read_only_inside_a_handler_of_that_event() {
    assert_reports(
        "segment big = event.amount > 0 USD\nstage s { if big { end a } else { end b } }",
        "dun::types::no_event",
        "amount",
    );
    assert_clean("on payment when event.amount > 0 USD { alert team \"paid {event.amount}\" }\nstage s { end a }");
    assert_reports(
        "on payment when event.amont > 0 USD -> s\nstage s { end a }",
        "dun::names::unknown_field",
        "amont",
    );
}

#[test]
fn account_fields_cannot_be_set() {
    let src = flow("stage s { set balance = 0 USD\n end a }");
    let a = analyze(None, &src);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "dun::types::read_only")
        .unwrap_or_else(|| panic!("{}", show(&a)));
    assert_eq!(&src[d.primary.span.range()], "balance");
    assert!(d.help.as_deref().unwrap_or("").contains("var"));
}

#[test]
fn a_variable_is_set_to_a_value_of_its_type() {
    assert_reports(
        "var n: number = 0\nstage s { set n = today\n if n > 1 { end a } else { end b } }",
        "dun::types::mismatch",
        "today",
    );
}

#[test]
fn send_needs_a_template_of_its_channel() {
    assert_reports(
        "template t for email \"x\"\nstage s { send sms t\n end a }",
        "dun::types::template_channel",
        "t",
    );
    assert_reports(
        "stage s { send sms remindr\n end a }",
        "dun::names::unknown_template",
        "remindr",
    );
}

#[test]
fn send_without_to_needs_exactly_one_contact_field() {
    let src = "flow t\naccount { home: phone\n work: phone }\ntemplate t for sms \"x\"\nstart s\nstage s { send sms t\n end a }\n";
    let a = analyze(None, src);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "dun::types::contact_field")
        .unwrap_or_else(|| panic!("{}", show(&a)));
    assert!(d.message.contains("`home` and `work`"), "{}", d.message);
    assert!(d.help.as_deref().unwrap_or("").contains("to home"));
    assert_reports(
        "template t for letter \"x\"\nstage s { send letter t\n end a }",
        "dun::types::contact_field",
        "send letter t",
    );
}

#[test]
fn send_to_a_field_of_the_wrong_type_is_an_error() {
    assert_reports(
        "template t for sms \"x\"\nstage s { send sms t to email\n end a }",
        "dun::types::contact_field",
        "email",
    );
}

#[test]
fn contact_hours_take_a_timezone_field_or_a_zone_name() {
    assert_clean("policy { contact_hours 08:00 to 21:00 in account.tz }\nstage s { end a }");
    assert_clean("policy { contact_hours 08:00 to 21:00 in \"Europe/Madrid\" }\nstage s { end a }");
    assert_reports(
        "policy { contact_hours 08:00 to 21:00 in \"Europe/Madird\" }\nstage s { end a }",
        "dun::types::invalid_zone",
        "\"Europe/Madird\"",
    );
    assert_reports(
        "policy { contact_hours 08:00 to 21:00 in account.name }\nstage s { end a }",
        "dun::types::mismatch",
        "account.name",
    );
}

#[test]
fn policy_channels_accept_plurals_and_groups() {
    assert_clean("policy {\n at_most 3 calls per 7 days\n at_most 2 messages per 1 week\n stop contact on payment\n}\nstage s { end a }");
    assert_reports(
        "policy { at_most 3 smss per 7 days }\nstage s { end a }",
        "dun::names::unknown_channel",
        "smss",
    );
}

#[test]
fn a_stage_that_can_fall_off_its_end_is_an_error() {
    let src = flow("stage s {\n  if account.balance > 0 USD { goto s }\n}");
    let a = analyze(None, &src);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "dun::structure::falls_off")
        .unwrap_or_else(|| panic!("{}", show(&a)));
    assert_eq!(&src[d.primary.span.range()], "s");
    assert!(src[d.secondary[0].span.range()].starts_with("if account.balance"));
}

#[test]
fn steps_after_goto_never_run() {
    assert_reports(
        "stage s { goto s\n wait 1 day }",
        "dun::structure::unreachable_step",
        "wait 1 day",
    );
}

#[test]
fn a_handler_cannot_wait() {
    assert_reports(
        "stage s { on payment { wait 1 day }\n end a }",
        "dun::structure::wait_in_handler",
        "wait 1 day",
    );
}

#[test]
fn split_shares_add_up_to_100() {
    let src = flow("stage s { split {\n 80% -> s\n 30% -> s\n} }");
    let a = analyze(None, &src);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "dun::structure::split_total")
        .unwrap_or_else(|| panic!("{}", show(&a)));
    assert!(d.message.contains("110%"), "{}", d.message);
}

#[test]
fn repeat_counts_run_from_1_to_100() {
    assert_reports(
        "stage s { repeat 101 times { wait 1 day }\n end a }",
        "dun::structure::repeat_count",
        "101",
    );
}

#[test]
fn unreachable_stages_and_unused_declarations_are_warnings() {
    let src = flow(
        "stage s { end a }\nstage lost { end b }\ntemplate never for sms \"x\"\nvar v: number = 1",
    );
    let a = analyze(None, &src);
    let warned: Vec<_> = a
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.code, &src[d.primary.span.range()]))
        .collect();
    assert!(
        warned.contains(&(
            Severity::Warning,
            "dun::structure::unreachable_stage",
            "lost"
        )),
        "{warned:?}"
    );
    assert!(
        warned.contains(&(Severity::Warning, "dun::structure::unused", "never")),
        "{warned:?}"
    );
    assert!(
        warned.contains(&(Severity::Warning, "dun::structure::unused", "v")),
        "{warned:?}"
    );
    assert!(!a.has_errors(), "{}", show(&a));
}

#[test]
fn a_handler_after_a_catch_all_of_the_same_event_never_runs() {
    assert_reports(
        "stage s {\n on payment -> s\n on payment when event.amount > 1 USD -> s\n end a }",
        "dun::structure::shadowed_handler",
        "on payment when event.amount > 1 USD -> s",
    );
}

#[test]
fn template_files_may_not_leave_the_flows_folder() {
    assert_reports(
        "template t for letter file \"../secret.txt\"\nstage s { send letter t to name\n end a }",
        "dun::templates::outside_folder",
        "\"../secret.txt\"",
    );
}

#[test]
fn a_missing_template_file_is_reported_at_its_path() {
    let src = "flow t\naccount { a: address }\ntemplate t for letter file \"templates/none.txt\"\nstart s\nstage s { send letter t\n end a }\n";
    let a = analyze(Some(sample_path()), src);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "dun::templates::file_not_found")
        .unwrap_or_else(|| panic!("{}", show(&a)));
    assert_eq!(&src[d.primary.span.range()], "\"templates/none.txt\"");
}

#[test]
fn placeholders_of_a_template_file_are_checked_and_name_the_line() {
    let src = "flow t\naccount { a: address }\ntemplate t for letter file \"templates/final_demand.txt\"\nstart s\nstage s { send letter t\n end a }\n";
    let a = analyze(Some(sample_path()), src);
    // The file reads account.name, .balance and .due_date, which this
    // account does not have.
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "dun::names::unknown_field")
        .unwrap_or_else(|| panic!("{}", show(&a)));
    assert_eq!(
        &src[d.primary.span.range()],
        "\"templates/final_demand.txt\""
    );
    assert!(
        d.message.contains("line 1 of `templates/final_demand.txt`"),
        "{}",
        d.message
    );
}

#[test]
fn test_expectations_name_what_the_flow_does() {
    let body = "stage s { assign queue early\n end paid }\ntest \"x\" {\n given account { name: \"A\", balance: 1 USD, risk: low, tz: \"UTC\" }\n start at 2026-03-02 09:00\n on day 1 expect assigned queue erly\n on day 2 expect end payd\n}";
    assert_reports(body, "dun::tests::never_used", "erly");
    assert_reports(body, "dun::tests::never_used", "payd");
}

#[test]
fn a_given_account_has_every_required_field_of_the_right_type() {
    let body = "stage s { end paid }\ntest \"x\" {\n given account { name: \"A\", risk: hgh, tz: \"Mars/Base\", mobile: \"call me\" }\n start at 2026-03-02 09:00\n}";
    let all = errors_in(body);
    assert!(
        all.iter().any(|(c, _)| *c == "dun::tests::missing_value"),
        "{all:?}"
    );
    assert!(
        all.contains(&("dun::types::unknown_variant", "hgh".into())),
        "{all:?}"
    );
    assert!(
        all.contains(&("dun::types::invalid_zone", "\"Mars/Base\"".into())),
        "{all:?}"
    );
    assert!(
        all.contains(&("dun::tests::invalid_value", "\"call me\"".into())),
        "{all:?}"
    );
}

#[test]
fn a_segment_cannot_be_defined_by_itself() {
    assert_reports(
        "segment a = b\nsegment b = a\nstage s { if a { end x } else { end y } }",
        "dun::names::segment_cycle",
        "a",
    );
}

#[test]
fn the_model_knows_declarations_types_and_references() {
    let a = analyze(Some(sample_path()), SAMPLE);
    let m = &a.model;
    assert_eq!(m.stages.len(), 8);
    assert_eq!(m.start.as_deref(), Some("reminders"));
    assert!(m.account.get("mobile").is_some_and(|f| f.optional));
    assert_eq!(
        m.usage
            .references_to(crate::model::SymbolKind::Stage, "calls")
            .len(),
        2
    );
    assert!(m
        .templates
        .get("final_demand")
        .and_then(|t| t.file.as_ref())
        .is_some());
    assert_eq!(
        a.model
            .usage
            .send_targets
            .values()
            .filter(|f| *f == "mobile")
            .count(),
        1
    );
}

/// Every fixture of `tests/cases/invalid`, with the codes it raises.
fn fixtures() -> Vec<(String, Vec<&'static str>)> {
    fixtures_in(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/cases/invalid"
    )))
}

/// The fixtures of a folder, with the codes they raise.
fn fixtures_in(dir: &Path) -> Vec<(String, Vec<&'static str>)> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("dun") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let a = analyze(Some(&path), &text);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        out.push((name, a.diagnostics.iter().map(|d| d.code).collect()));
    }
    out
}

#[test]
fn every_code_has_a_fixture_that_raises_it() {
    let all = fixtures();
    let mut raised: std::collections::HashSet<&str> =
        all.iter().flat_map(|(_, c)| c.iter().copied()).collect();
    // A note is not a finding: its fixtures are under `valid/`, which
    // promises no error or warning (tests/cases.rs).
    let valid = fixtures_in(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/cases/valid"
    )));
    raised.extend(valid.iter().flat_map(|(_, c)| c.iter().copied()));
    let missing: Vec<_> = super::codes::ALL
        .iter()
        .filter(|c| !raised.contains(**c))
        .collect();
    assert!(missing.is_empty(), "no fixture raises {missing:?}");
}

#[test]
fn every_fixture_parses_and_raises_one_kind_of_diagnostic() {
    let wrong: Vec<_> = fixtures()
        .into_iter()
        .filter(|(_, codes)| {
            codes.is_empty()
                || codes
                    .iter()
                    .any(|c| *c != codes[0] || c.starts_with("dun::syntax"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "fixtures raising nothing, a syntax error or several kinds: {wrong:#?}"
    );
}

#[test]
fn every_code_is_documented() {
    let doc = include_str!("../../../docs/errors.md");
    for code in super::codes::ALL {
        assert!(
            doc.contains(&format!("\n## {code}\n")),
            "docs/errors.md has no section for {code}"
        );
    }
}
#[test]
fn every_documented_example_raises_its_code() {
    let doc = include_str!("../../../docs/errors.md");
    // Template files of the examples are those of the fixtures.
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/cases/invalid/example.dun"
    ));
    let mut checked = 0;
    for section in doc.split("\n## ").skip(1) {
        let code = section.lines().next().unwrap_or("").trim();
        if !super::codes::ALL.contains(&code) {
            continue; // the parser's and the formatter's tests check theirs
        }
        let example = section
            .split("```dun\n")
            .nth(1)
            .and_then(|rest| rest.split("\n```").next())
            .unwrap_or_else(|| panic!("{code} has no example"));
        let a = analyze(Some(path), example);
        assert!(
            a.diagnostics.iter().any(|d| d.code == code),
            "the example of {code} does not raise it:\n{}",
            show(&a)
        );
        checked += 1;
    }
    assert_eq!(checked, super::codes::ALL.len());
}

/// A one-off throughput figure for the whole front end (parse and check);
/// run with `cargo test --release -p dun-compiler --lib front_end_throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn front_end_throughput() {
    let mut src = String::from(
        "flow big\ncurrency USD\naccount {\n  name: text\n  balance: money\n  mobile: phone?\n  email: email?\n  risk: low | medium | high\n}\nevent payment { amount: money }\nvar tries: number = 0\nsegment vip = account.balance > 10000 USD and account.risk == low\ntemplate notice for email \"Dear {account.name}, {account.balance} is due.\"\ntemplate nudge for sms \"Hi {account.name}\"\non payment when event.amount >= account.balance -> s0\nstart s0\n",
    );
    let mut n = 0;
    while src.len() < 1024 * 1024 {
        src.push_str(&format!(
            "\nstage s{n} {{\n  on payment when event.amount > 10 USD -> s{n}\n  send email notice\n  wait 3 days\n  if vip and account.mobile is set {{\n    send sms nudge when account.mobile is set\n    assign queue q{n} priority high\n  }} else if account.risk in [medium, high] {{\n    set tries = tries + 1\n  }}\n  if tries > 3 {{ end escalated }}\n  goto s{}\n}}\n",
            n + 1
        ));
        n += 1;
    }
    src.push_str(&format!("\nstage s{n} {{ end paid }}\n"));
    let parse_started = std::time::Instant::now();
    let parsed = crate::syntax::parse(&src);
    println!(
        "parse alone: {:?} ({} decls)",
        parse_started.elapsed(),
        parsed.file.decls.len()
    );
    let started = std::time::Instant::now();
    let a = analyze(None, &src);
    let took = started.elapsed();
    assert!(a.diagnostics.is_empty(), "{}", show(&a));
    let mib = src.len() as f64 / (1024.0 * 1024.0);
    println!(
        "{n} stages, {mib:.2} MiB in {took:?}: {:.1} MiB/s",
        mib / took.as_secs_f64()
    );
}

#[test]
fn a_variable_read_only_by_a_flow_test_is_not_unused() {
    let body = "var strikes: number = 0\nstage s {\n  set strikes = 1\n  end done\n}\ntest \"counts\" {\n  given account { name: \"A\", balance: 10 USD, risk: low, tz: \"UTC\" }\n  start at 2026-03-02 09:00\n  on day 0 expect strikes == 1\n}";
    let flagged = |src: &str| {
        found(src)
            .iter()
            .any(|(c, t)| *c == crate::checks::codes::UNUSED && t == "strikes")
    };
    let tested = analyze(None, &flow(body));
    assert!(!tested.has_errors(), "{}", show(&tested));
    assert!(!flagged(&flow(body)), "{:#?}", found(&flow(body)));
    // Without the test that reads it, it is never read.
    let untested = body.split("test \"counts\"").next().unwrap_or_default();
    let src = flow(untested);
    assert!(flagged(&src), "{:#?}", found(&src));
}
