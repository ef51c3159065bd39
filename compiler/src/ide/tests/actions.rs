use super::doc_at;
use crate::ide::{CodeAction, Document};
use crate::syntax::ast::Span;

fn apply(doc: &Document, action: &CodeAction) -> String {
    let mut text = doc.text().to_string();
    let mut edits = action.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    for e in edits {
        text.replace_range(e.span.range(), &e.new_text);
    }
    text
}

fn actions_at(fixture: &str) -> (Document, Vec<CodeAction>) {
    let (doc, offset) = doc_at(fixture);
    let actions = doc.code_actions(Span::new(offset, offset));
    (doc, actions)
}

const BASE: &str = "flow f\ncurrency USD\naccount { risk: low | high }\nevent payment { amount: money }\nvar tries: number = 0\nstart reminders\n";

#[test]
fn did_you_mean_is_applied() {
    let (doc, actions) = actions_at(&format!(
        "{BASE}stage reminders {{\n  wait 1 day\n  goto remi$0nder\n}}\n"
    ));
    let fix = actions
        .iter()
        .find(|a| a.preferred)
        .expect("a preferred fix");
    assert_eq!(fix.title, "Change `reminder` to `reminders`");
    let after = Document::new(None, apply(&doc, fix));
    assert!(!after.analysis().has_errors(), "{:?}", after.diagnostics());
}

#[test]
fn declare_a_missing_event() {
    let (doc, actions) = actions_at(&format!(
        "{BASE}on promi$0se -> reminders\nstage reminders {{\n  wait 1 day\n  goto reminders\n}}\n"
    ));
    let fix = actions
        .iter()
        .find(|a| a.title == "Declare `event promise`")
        .unwrap_or_else(|| panic!("{actions:?}"));
    let after = apply(&doc, fix);
    assert!(
        after.contains("event payment { amount: money }\nevent promise\n"),
        "{after}"
    );
    assert!(!Document::new(None, after).analysis().has_errors());
}

#[test]
fn declare_a_missing_variable_with_the_type_it_is_given() {
    let (doc, actions) = actions_at(&format!(
        "{BASE}on payment {{\n  set last_paid$0 = event.amount\n}}\nstage reminders {{\n  wait 1 day\n  goto reminders\n}}\n"
    ));
    let fix = actions
        .iter()
        .find(|a| a.title.starts_with("Declare `var"))
        .unwrap_or_else(|| panic!("{actions:?}"));
    assert_eq!(fix.title, "Declare `var last_paid: money = 0 USD`");
    let after = apply(&doc, fix);
    assert!(after.contains("var tries: number = 0\nvar last_paid: money = 0 USD\n"));
}

#[test]
fn add_the_missing_end_of_a_stage() {
    let (doc, actions) = actions_at(&format!(
        "{BASE}stage remi$0nders {{\n  if account.risk == high {{\n    end escalated\n  }}\n  wait 1 day\n}}\nstage other {{ end paid }}\n"
    ));
    let titles: Vec<&str> = actions.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "End stage `reminders` with `end escalated`",
            "End stage `reminders` with `end paid`"
        ]
    );
    let after = apply(&doc, &actions[0]);
    assert!(
        after.contains("  wait 1 day\n  end escalated\n}"),
        "{after}"
    );
    assert!(!Document::new(None, after).analysis().has_errors());
}

#[test]
fn insert_a_missing_closing_bracket() {
    let (doc, actions) = actions_at(&format!(
        "{BASE}stage reminders $0{{\n  wait 1 day\n  goto reminders\n"
    ));
    let fix = actions
        .iter()
        .find(|a| a.title == "Insert the missing `}`")
        .unwrap_or_else(|| panic!("{actions:?} {:?}", doc.diagnostics()));
    let after = Document::new(None, apply(&doc, fix));
    assert!(!after.analysis().has_errors(), "{:?}", after.diagnostics());
}

#[test]
fn no_actions_away_from_diagnostics() {
    let (_, actions) = actions_at(&format!(
        "{BASE}stage remi$0nders {{\n  wait 1 day\n  goto reminders\n}}\n"
    ));
    assert!(actions.is_empty(), "{actions:?}");
}

#[test]
fn formatting_returns_the_formatted_text_or_refuses() {
    let (doc, _) = doc_at("flow   f\n$0start s\nstage s {   end done }\n");
    let edits = doc.format_edits().expect("formats");
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].new_text, crate::fmt::format(doc.text()).unwrap());
    let clean = Document::new(None, edits[0].new_text.clone());
    assert!(clean.format_edits().unwrap().is_empty());
    let (broken, _) = doc_at("flow f\n$0stage s {\n  wait 3\n}\n");
    assert!(broken.format_edits().is_err());
}

#[test]
fn did_you_mean_for_every_kind_of_misspelt_name() {
    let flow = super::FLOW
        .replacen("send sms reminder_sms", "send sms remnder_sms", 1)
        .replacen("account.balance > 10000", "account.balanse > 10000", 1)
        .replacen("account.risk == low", "account.risk == lwo", 1)
        .replacen("on dispute ->", "on dispte ->", 1)
        .replacen("goto letters\n}", "goto leters\n}", 1);
    let doc = Document::new(None, flow);
    let all = doc.code_actions(Span::new(0, doc.text().len()));
    let titles: Vec<&str> = all
        .iter()
        .filter(|a| a.preferred)
        .map(|a| a.title.as_str())
        .collect();
    for expected in [
        "Change `remnder_sms` to `reminder_sms`",
        "Change `balanse` to `balance`",
        "Change `lwo` to `low`",
        "Change `dispte` to `dispute`",
        "Change `leters` to `letters`",
    ] {
        assert!(
            titles.contains(&expected),
            "{expected} missing from {titles:?}"
        );
    }
    for a in &all {
        let i = a.diagnostic.expect("each fix names its diagnostic");
        assert!(i < doc.diagnostics().len());
    }
}

#[test]
fn a_quick_fix_comes_from_the_fix_not_from_the_help_text() {
    let (doc, actions) = actions_at(&format!(
        "{BASE}stage reminders {{\n  wait 1 day\n  goto remi$0nder\n}}\n"
    ));
    assert!(actions.iter().any(|a| a.title.starts_with("Change `")));
    // The same diagnostics, help included, without their fixes: no change
    // of name is offered, the help text is for people.
    let mut bare = doc.clone();
    for d in &mut bare.analysis.diagnostics {
        d.fixes.clear();
    }
    assert!(bare
        .diagnostics()
        .iter()
        .any(|d| d.help.as_deref() == Some("did you mean `reminders`?")));
    let whole = Span::new(0, bare.text().len());
    assert!(
        !bare
            .code_actions(whole)
            .iter()
            .any(|a| a.title.starts_with("Change `")),
        "a change of name was read from the help text"
    );
}

#[test]
fn a_misspelt_time_zone_is_replaced_inside_its_quotes() {
    let (doc, actions) = actions_at(&format!(
        "{BASE}policy {{\n  contact_hours 08:00 to 21:00 in \"Europe/Madi$0rd\"\n}}\nstage reminders {{\n  end paid\n}}\n"
    ));
    let fix = actions
        .iter()
        .find(|a| a.title == "Change `Europe/Madird` to `Europe/Madrid`")
        .expect("a fix of the zone");
    let after = apply(&doc, fix);
    assert!(after.contains("in \"Europe/Madrid\"\n"), "{after}");
    let again = Document::new(None, after);
    assert!(!again.analysis().has_errors(), "{:?}", again.diagnostics());
}
