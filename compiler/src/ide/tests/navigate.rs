use super::{doc_at, flow, flow_at, show_cursor, show_spans};
use crate::ide::{Document, TextEdit};

fn apply(doc: &Document, edits: &[TextEdit]) -> String {
    let mut text = doc.text().to_string();
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    for e in edits {
        text.replace_range(e.span.range(), &e.new_text);
    }
    text
}

macro_rules! references_tests {
    ($($name:ident: $snippet:expr;)*) => {$(
        #[test]
        fn $name() {
            let (doc, offset) = flow_at($snippet);
            let refs = doc.references(offset, true);
            let defs = doc.definition(offset);
            assert!(!refs.is_empty(), "no references");
            for d in &defs {
                assert!(refs.contains(d), "the definition {d:?} is not among the references");
            }
            insta::assert_snapshot!(stringify!($name), format!(
                "{}\n--- definition\n{}\n--- references\n{}",
                show_cursor(&doc, offset),
                show_spans(&doc, &defs),
                show_spans(&doc, &refs),
            ));
        }
    )*};
}

references_tests! {
    refs_stage: "goto le$0tters\n}";
    refs_template: "send email first$0_notice";
    refs_event: "on dispu$0te -> disputed";
    refs_variable: "set promised_on$0 = event.due";
    refs_segment: "segment v$0ip";
    refs_calendar: "calendar ba$0nk";
    refs_action_free_flow_field: "account.ti$0mezone";
    refs_payload_field: "event.res$0ult == answered";
    refs_enum_variant: "account.risk == l$0ow";
    refs_queue: "assign queue relationship$0_managers";
    refs_outcome: "end pa$0id\n}\n\nstage letters";
    refs_team: "alert super$0visors";
}

#[test]
fn definition_of_a_declaration_is_itself() {
    let (doc, offset) = flow_at("stage ag$0ency {");
    assert_eq!(
        show_spans(&doc, &doc.definition(offset)),
        show_spans(&doc, &[doc.index().at(offset).unwrap().span])
    );
}

#[test]
fn references_without_the_declaration() {
    let (doc, offset) = flow_at("stage sett$0lement {");
    let all = doc.references(offset, true);
    let uses = doc.references(offset, false);
    assert_eq!(all.len(), uses.len() + 1);
}

#[test]
fn action_and_its_fields_resolve_in_emit() {
    let (doc, offset) = doc_at(
        "flow f\naction notify_crm { reason: text }\nstart s\nstage s {\n  emit notify_crm { rea$0son: \"x\" }\n  end done\n}\n",
    );
    let defs = doc.definition(offset);
    assert_eq!(show_spans(&doc, &defs), "2:21 `reason`");
    let offset = doc.text().find("emit notify").unwrap() + 6;
    assert_eq!(
        show_spans(&doc, &doc.definition(offset)),
        "2:8 `notify_crm`"
    );
}

#[test]
fn rename_a_stage_changes_every_use() {
    let (doc, offset) = flow_at("stage le$0tters {");
    let edits = doc.rename(offset, "final_letters").expect("rename");
    let after = apply(&doc, &edits);
    assert!(!after.contains("stage letters"));
    assert_eq!(after.matches("final_letters").count(), edits.len());
    let again = Document::new(None, after);
    assert!(
        !again
            .diagnostics()
            .iter()
            .any(|d| d.code == "dun::names::unknown_stage"),
        "{:?}",
        again.diagnostics()
    );
}

#[test]
fn rename_a_field_changes_templates_tests_and_send_targets() {
    let (doc, offset) = flow_at("  mob$0ile: phone?");
    let edits = doc.rename(offset, "cell").expect("rename");
    let after = apply(&doc, &edits);
    let again = Document::new(None, after.clone());
    assert!(after.contains("account.cell is set"));
    assert!(after.contains("cell: \"+15550100\""));
    let errors: Vec<_> = again
        .diagnostics()
        .iter()
        .filter(|d| d.is_error() && d.code != "dun::templates::file_not_found")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn rename_an_enum_variant() {
    let (doc, offset) = flow_at("  risk: low | medium | hi$0gh");
    let edits = doc.rename(offset, "severe").expect("rename");
    let after = apply(&doc, &edits);
    assert!(after.contains("risk: low | medium | severe"));
    // `priority high` is a priority keyword, not this variant: untouched.
    assert!(after.contains("priority high"));
}

#[test]
fn rename_is_refused_with_a_reason() {
    let doc = flow();
    let at = |snippet: &str| {
        let (_, offset) = flow_at(snippet);
        offset
    };
    let reason = |offset: usize, name: &str| doc.rename(offset, name).unwrap_err().0;
    insta::assert_snapshot!(
        "rename_refusals",
        [
            reason(at("st$0age agency"), "x"),
            reason(at("wait 1$04 days\n  split"), "x"),
            reason(at("goto ca$0lls\n}"), "letters"),
            reason(at("goto ca$0lls\n}"), "Calls"),
            reason(at("goto ca$0lls\n}"), "2calls"),
            reason(at("goto ca$0lls\n}"), "today"),
            reason(at("goto ca$0lls\n}"), "call-center"),
            reason(at("var promised$0_on"), "vip"),
            reason(at("account.mob$0ile is set"), "email"),
            reason(at("{account.i$0d}"), "key"),
            reason(at("account.risk == l$0ow"), "medium"),
            reason(at("account {\n  na$0me: text"), "full_name"),
        ]
        .join("\n")
    );
}

#[test]
fn prepare_rename_gives_the_name_span() {
    let (doc, offset) = flow_at("goto ca$0lls\n}");
    let span = doc.prepare_rename(offset).unwrap();
    assert_eq!(&doc.text()[span.range()], "calls");
}

#[test]
fn crlf_text_keeps_positions_and_queries() {
    use crate::ide::{Encoding, Position};
    let text = "flow f\r\nstart calls\r\nstage calls {\r\n  goto calls\r\n}\r\n";
    let doc = Document::new(None, text);
    let offset = doc.offset(Position::new(3, 7), Encoding::Utf16);
    assert_eq!(&text[offset..offset + 5], "calls");
    assert_eq!(show_spans(&doc, &doc.definition(offset)), "3:7 `calls`");
    // Past the end of a line: before its `\r\n`.
    let end = doc.offset(Position::new(0, 99), Encoding::Utf8);
    assert_eq!(&text[end..end + 2], "\r\n");
}

#[test]
fn a_document_can_be_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Document>();
}

#[test]
fn an_unresolved_name_has_no_occurrence_and_no_references() {
    let (doc, offset) = doc_at("flow f\nstart a\nstage a {\n  wait 1 day\n  goto now$0here\n}\n");
    assert!(doc.index().at(offset).is_none());
    assert!(doc.references(offset, true).is_empty());
    assert!(doc.definition(offset).is_empty());
    // Every occurrence the index holds is one the checker resolved or a
    // declaration of the model.
    let model = &doc.analysis().model;
    for o in doc.index().occurrences() {
        assert!(
            o.declaration || model.usage.resolved.contains_key(&o.span),
            "{o:?} is not from the model"
        );
    }
}
