//! The migration check on two versions of a flow, compiled from text.

use crate::diagnostics::{Diagnostic, Severity};
use dun_machine::format::Machine;

const V1: &str = r#"flow dues version 1
currency USD

account {
  name: text
  balance: money
  email: email
}

event dispute

template notice for email "Hello {account.name}, you owe {account.balance}."
template ack for email "We are looking into it."

on dispute {
  send email ack
}

start reminders

stage reminders {
  send email notice
  wait 3 days
  goto calls
}

stage calls {
  call queue early
  wait 5 days
  end unresolved
}
"#;

/// Version 2: `calls` became `late_calls`; `tail` is appended.
fn v2(tail: &str) -> String {
    V1.replace("flow dues version 1", "flow dues version 2")
        .replace(
            "stage calls {\n  call queue early",
            "stage late_calls {\n  call queue late",
        )
        .replace("goto calls", "goto late_calls")
        + tail
}

fn machine(text: &str) -> Machine {
    let a = crate::analyze(None, text);
    assert!(!a.has_errors(), "{:#?}", a.diagnostics);
    a.machine.expect("a clean flow lowers")
}

/// The findings of `new`'s migration from version 1, with the text each
/// points at.
fn findings(new: &str) -> Vec<(Diagnostic, String)> {
    let a = crate::analyze(None, new);
    assert!(!a.has_errors(), "{:#?}", a.diagnostics);
    let m = a.machine.expect("a clean flow lowers");
    super::check(&machine(V1), &m, &a.file)
        .into_iter()
        .map(|d| {
            let at = new[d.primary.span.range()].to_string();
            (d, at)
        })
        .collect()
}

fn codes(found: &[(Diagnostic, String)]) -> Vec<&str> {
    found.iter().map(|(d, _)| d.code).collect()
}

#[test]
fn a_total_migration_has_no_findings() {
    let found = findings(&v2(
        "\nmigrate from version 1 {\n  stage calls -> late_calls\n}\n",
    ));
    assert_eq!(codes(&found), Vec::<&str>::new());
}

#[test]
fn an_unmapped_place_is_an_error_on_the_rule_that_misses_it() {
    let found = findings(&v2(
        "\nmigrate from version 1 {\n  stage calls start -> late_calls\n}\n",
    ));
    let unmapped: Vec<_> = found
        .iter()
        .filter(|(d, _)| d.code == "dun::migrate::unmapped")
        .collect();
    assert_eq!(unmapped.len(), 2, "{found:#?}");
    let (d, at) = unmapped
        .iter()
        .find(|(d, _)| d.message.contains("calls wait 1"))
        .expect("the wait of `calls` is named");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(
        d.message,
        "unmapped place calls wait 1: no rule moves it, and version 2 has no stage `calls`"
    );
    assert!(d
        .help
        .as_deref()
        .unwrap()
        .contains("`stage calls -> STAGE`"));
    // No rule covers the wait: the finding points at the block.
    assert_eq!(at, "migrate");
}

#[test]
fn a_rule_whose_target_lacks_the_place_points_at_the_rule() {
    let found = findings(&v2(
        "\nmigrate from version 1 {\n  stage calls -> late_calls at wait 4\n}\n",
    ));
    let (d, at) = found
        .iter()
        .find(|(d, _)| d.code == "dun::migrate::unmapped")
        .expect("unmapped");
    assert!(d.message.contains("has no place `wait 4`"), "{}", d.message);
    assert_eq!(at, "stage calls -> late_calls at wait 4");
}

#[test]
fn a_rule_for_a_stage_the_old_version_lacks_names_the_stages_it_has() {
    let found = findings(&v2(
        "\nmigrate from version 1 {\n  stage calls -> late_calls\n  stage cals -> late_calls\n}\n",
    ));
    assert_eq!(codes(&found), ["dun::migrate::unknown_old_stage"]);
    let (d, at) = &found[0];
    assert_eq!(at, "cals");
    assert_eq!(
        d.help.as_deref(),
        Some("name a stage of version 1: reminders, calls")
    );
}

#[test]
fn no_block_another_flow_or_an_earlier_version_are_errors_on_the_head() {
    let found = findings(&v2(""));
    assert_eq!(codes(&found), ["dun::migrate::no_migration"]);
    assert_eq!(found[0].1, "2");

    let other = v2("\nmigrate from version 1 {\n  stage calls -> late_calls\n}\n")
        .replace("flow dues", "flow letters");
    let found = findings(&other);
    assert_eq!(codes(&found), ["dun::migrate::other_flow"]);
    assert_eq!(found[0].1, "letters");

    let a = crate::analyze(None, V1);
    let same = super::check(&machine(V1), &machine(V1), &a.file);
    assert_eq!(same.len(), 1);
    assert_eq!(same[0].code, "dun::migrate::not_later");
}

#[test]
fn a_template_a_handler_queues_must_stay() {
    let found = findings(
        &v2("\nmigrate from version 1 {\n  stage calls -> late_calls\n}\n")
            .replace("template ack for email \"We are looking into it.\"\n", "")
            .replace("on dispute {\n  send email ack\n}\n", ""),
    );
    assert_eq!(codes(&found), ["dun::migrate::template_gone"]);
    assert!(found[0].0.message.contains("template `ack`"));
    assert_eq!(found[0].1, "migrate");
}

#[test]
fn a_new_cap_and_a_dropped_held_contact_are_warnings() {
    let found = findings(
        &v2("\nmigrate from version 1 {\n  stage calls -> late_calls\n  stage reminders contact 1 -> reminders at wait 1\n}\n")
            .replace("event dispute\n", "event dispute\n\npolicy {\n  at_most 2 emails per 7 days\n}\n"),
    );
    let mut got = codes(&found);
    got.sort();
    assert_eq!(got, ["dun::migrate::held_contact", "dun::migrate::new_cap"]);
    assert!(found.iter().all(|(d, _)| d.severity == Severity::Warning));
}
