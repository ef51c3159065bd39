use super::{doc_at, flow_at, show_cursor};

fn hover_snapshot(name: &str, doc: &super::Document, offset: usize) {
    let shown = match doc.hover(offset) {
        Some(h) => {
            assert!(
                h.span.contains(offset),
                "hover span {:?} does not hold the cursor {offset}",
                h.span
            );
            format!("{}\n---\n{}", show_cursor(doc, offset), h.markdown)
        }
        None => format!("{}\n---\n(no hover)", show_cursor(doc, offset)),
    };
    insta::assert_snapshot!(name, shown);
}

macro_rules! hover_tests {
    ($($name:ident: $snippet:expr;)*) => {$(
        #[test]
        fn $name() {
            let (doc, offset) = flow_at($snippet);
            hover_snapshot(stringify!($name), &doc, offset);
        }
    )*};
}

hover_tests! {
    hover_account_field_shows_type_and_doc: "account.bal$0ance > 10000 USD";
    hover_optional_field_says_so: "when account.mob$0ile is set";
    hover_event_shows_payload_and_doc: "on pay$0ment when";
    hover_event_without_payload: "stop contact on cease_cont$0act";
    hover_payload_field_in_handler: "set promised_on = event.d$0ue";
    hover_variable_shows_declaration_and_doc: "set broken_promises = broken_pro$0mises + 1";
    hover_segment_shows_condition: "if v$0ip {";
    hover_template_shows_text_with_sample_values: "send sms reminder$0_sms";
    hover_email_template_shows_subject_and_body: "send email first_no$0tice";
    hover_file_template_reads_the_file: "send letter final$0_demand";
    hover_stage_lists_its_entry_points: "goto ca$0lls\n}";
    hover_stage_declaration_with_doc: "stage pro$0mised {";
    hover_enum_variant: "event.result == wrong$0_number";
    hover_calendar: "holidays of ba$0nk";
    hover_queue_is_defined_by_use: "call queue early$0_agents";
    hover_outcome: "stage paid { end pa$0id }";
    hover_on_a_keyword_says_nothing: "st$0age agency";
}

#[test]
fn hover_in_a_test_uses_given_values_as_samples() {
    let (doc, offset) = doc_at(
        "flow f\naccount { name: text }\ntemplate hi for sms \"Hi {account.name}\"\nstart s\nstage s { send sms h$0i\n end done }\n\
         test \"t\" { given account { name: \"Zoë\" } start at 2026-01-01 09:00 on day 0 expect end done }\n",
    );
    let h = doc.hover(offset).expect("a hover on the template");
    assert!(h.markdown.contains("> Hi Zoë"), "{}", h.markdown);
}

#[test]
fn hover_works_in_a_broken_file() {
    // The `account` block is fine; the stage below it is cut off mid-step.
    let (doc, offset) = doc_at(
        "flow f\naccount { balance: money }\nstart s\nstage s {\n  if account.bal$0ance > \n",
    );
    let h = doc.hover(offset);
    assert!(doc.analysis().has_errors());
    // The broken stage did not parse, so its expression is not known; the
    // hover then is on nothing rather than on a wrong name.
    assert!(h.is_none() || h.unwrap().markdown.contains("money"));
    let (doc, offset) = doc_at(
        "flow f\naccount { bal$0ance: money }\nstart s\nstage s {\n  if account.balance > \n",
    );
    let h = doc.hover(offset).expect("the account block parsed");
    assert!(
        h.markdown.contains("account.balance: money"),
        "{}",
        h.markdown
    );
}

#[test]
fn hover_on_a_stage_lists_every_kind_of_move_into_it_in_file_order() {
    let (doc, offset) = doc_at(
        "flow f version 2\naccount { due: date }\nevent paid {}\nevent dispute {}\n\
         start first\n\
         on dispute -> hold\n\
         at account.due + 90 days -> hold\n\
         stage first {\n  on paid when account.due > today { goto hold }\n  at account.due + 30 days -> hold\n  \
         split {\n    40% -> hold\n    60% -> second\n  }\n}\n\
         stage second {\n  goto ho$0ld\n}\n\
         stage hold {\n  end done\n}\n\
         migrate from version 1 {\n  stage old -> hold\n}\n\
         test \"t\" { given account { due: 2026-01-01 } start at 2026-01-01 09:00 on day 0 expect stage hold }\n",
    );
    let h = doc.hover(offset).expect("a hover on the stage");
    let listed: Vec<&str> = h
        .markdown
        .split_once("Entered from:")
        .map(|(_, l)| l.lines().filter(|l| l.starts_with("- ")).collect())
        .unwrap_or_default();
    assert_eq!(
        listed,
        [
            "- `on dispute` (any stage)",
            "- deadline `at ... -> hold` (any stage)",
            "- `goto` in handler `on paid when ...` (stage `first`)",
            "- deadline `at ... -> hold` (stage `first`)",
            "- `split` in stage `first`: 40% of accounts",
            "- `goto` in stage `second`",
            "- `migrate from version 1`",
        ],
        "{}",
        h.markdown
    );
    // The flow test's `expect stage hold` moves nothing.
    assert_eq!(
        doc.analysis()
            .model
            .usage
            .moves
            .iter()
            .filter(|m| m.to == 2)
            .count(),
        7
    );
}
