use super::{doc_at, flow, flow_at, show_cursor, show_spans};
use crate::ide::{Document, TextEdit};
use crate::syntax::ast::Span;

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

/// Two stages with one name: as in rust-analyzer, each declaration is
/// renamed on its own and the other is never touched.
#[test]
fn rename_of_a_duplicate_declaration_renames_that_declaration_alone() {
    let text = "flow f\nstart calls\nstage calls {\n  goto letters\n}\n\
                stage letters {\n  goto calls\n}\n\
                stage calls {\n  end paid\n}\n";
    let doc = Document::new(None, text);
    assert!(doc.analysis().has_errors(), "the duplicate is reported");
    let first = text.find("stage calls").unwrap() + "stage ".len();
    let second = text.rfind("stage calls").unwrap() + "stage ".len();

    // The second: its own definition and only reference; a rename changes it alone.
    assert_eq!(
        doc.definition(second + 1),
        vec![Span::new(second, second + 5)]
    );
    assert_eq!(
        doc.references(second + 1, true),
        vec![Span::new(second, second + 5)]
    );
    assert!(doc.references(second + 1, false).is_empty());
    assert_eq!(
        doc.prepare_rename(second + 1),
        Ok(Span::new(second, second + 5))
    );
    let edits = doc
        .rename(second + 1, "final_calls")
        .expect("rename the duplicate");
    assert_eq!(edits.len(), 1);
    let after = apply(&doc, &edits);
    assert_eq!(
        after,
        text.replacen(
            "stage calls {\n  end paid",
            "stage final_calls {\n  end paid",
            1
        )
    );
    let renamed = Document::new(None, after);
    assert!(
        !renamed
            .diagnostics()
            .iter()
            .any(|d| d.code == "dun::names::duplicate"),
        "{:?}",
        renamed.diagnostics()
    );
    // Its hover says which declaration the flow uses.
    let hover = doc.hover(second + 1).expect("a hover on the duplicate");
    assert!(
        hover.markdown.contains("Declared twice"),
        "{}",
        hover.markdown
    );
    assert!(hover.markdown.contains("(line 3)"), "{}", hover.markdown);
    // A clash is refused as for any stage.
    assert!(doc
        .rename(second + 1, "letters")
        .unwrap_err()
        .0
        .contains("already a stage"));

    // The first: it and its uses, never the duplicate.
    let edits = doc
        .rename(first + 1, "early_calls")
        .expect("rename the first");
    let after = apply(&doc, &edits);
    assert!(
        after.contains("start early_calls\nstage early_calls {"),
        "{after}"
    );
    assert!(after.contains("goto early_calls"), "{after}");
    assert!(after.contains("stage calls {\n  end paid"), "{after}");
}

/// A flow whose letter is a template file naming a variable and fields;
/// the flow itself is never written (its folder holds the template).
fn flow_with_a_template_file() -> (Document, std::path::PathBuf, String) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ide/tests");
    let text = "flow f\ncurrency USD\naccount {\n  name: text\n  balance: money\n  address: address\n}\n\
                var promised_amount: money = 0 USD\n\
                template promise for letter file \"templates/promise.txt\"\n\
                start s\nstage s {\n  set promised_amount = account.balance\n  send letter promise\n  end done\n}\n";
    let doc = Document::new(Some(&dir.join("refs.dun")), text);
    let errors: Vec<_> = doc
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let file = dir.join("templates/promise.txt");
    let file_text = std::fs::read_to_string(&file).expect("the template file");
    (doc, file, file_text)
}

#[test]
fn references_of_a_variable_list_the_placeholders_of_template_files() {
    let (doc, file, file_text) = flow_with_a_template_file();
    let decl = doc.text().find("promised_amount").unwrap();
    let in_files = doc.template_file_references(decl + 2);
    let shown: Vec<(usize, &str)> = in_files
        .iter()
        .map(|p| {
            assert!(p.path.ends_with("templates/promise.txt"), "{p:?}");
            (p.span.start as usize, &file_text[p.span.range()])
        })
        .collect();
    // Both placeholders, at their offsets in the file's own text (after
    // the quote and the backslash, which the parser reads escaped).
    let first = file_text.find("{promised_amount}").unwrap() + 1;
    let second = file_text.rfind("{promised_amount}").unwrap() + 1;
    assert_eq!(
        shown,
        [(first, "promised_amount"), (second, "promised_amount")]
    );
    // An account field: `{account.balance}` names the field itself.
    let field = doc.text().find("balance: money").unwrap();
    let in_files = doc.template_file_references(field + 1);
    assert_eq!(in_files.len(), 1, "{in_files:?}");
    assert_eq!(&file_text[in_files[0].span.range()], "balance");
    // Inside a placeholder of the file: the declaration in the flow.
    assert_eq!(
        doc.template_file_declaration(&file, second + 3),
        Some((Span::new(second, second + 15), Span::new(decl, decl + 15)))
    );
    assert_eq!(
        doc.template_file_declaration(&file, 2),
        None,
        "literal text names nothing"
    );
}

#[test]
fn a_rename_rewrites_the_placeholders_of_template_files_too() {
    let (doc, file, file_text) = flow_with_a_template_file();
    let decl = doc.text().find("promised_amount").unwrap();
    // Renaming the flow alone would leave the file behind: refused.
    let refused = doc.rename(decl + 1, "promised").unwrap_err().0;
    assert!(refused.contains("templates/promise.txt"), "{refused}");
    let (edits, files) = doc
        .rename_with_template_files(decl + 1, "promised")
        .expect("rename");
    assert!(apply(&doc, &edits).contains("set promised = account.balance"));
    let mut new_file = file_text.clone();
    let mut files = files;
    files.sort_by_key(|f| std::cmp::Reverse(f.edit.span.start));
    for f in &files {
        assert_eq!(f.path, file);
        new_file.replace_range(f.edit.span.range(), &f.edit.new_text);
    }
    assert_eq!(
        new_file,
        file_text.replace("{promised_amount}", "{promised}")
    );
    // From inside the placeholder of the file: the same rename.
    let inside = file_text.find("{promised_amount}").unwrap() + 4;
    let (_, at) = doc
        .template_file_declaration(&file, inside)
        .expect("a name there");
    let (again, files_again) = doc
        .rename_with_template_files(at.start as usize, "promised")
        .expect("rename");
    assert_eq!(again, edits);
    assert_eq!(files_again.len(), 2);
    // A clash is refused before any file is touched.
    assert!(
        doc.rename_with_template_files(decl + 1, "balance").is_ok(),
        "vars and fields do not clash"
    );
    assert!(doc.rename_with_template_files(decl + 1, "9x").is_err());
}
