//! Hover answers reported wrong by users of the editors (issue 19): a
//! file template's `{today}`, a variable's initial value, the article of
//! "an outcome".

use crate::ide::Document;
use std::path::Path;

fn hover(doc: &Document, line: usize, needle: &str) -> String {
    let at = doc.span_of_line_text(line, needle).start as usize;
    doc.hover(at).map(|h| h.markdown).unwrap_or_default()
}

#[test]
fn a_file_template_fills_today_and_variables_from_their_initialiser() {
    // `templates/notice.txt` next to this file; the flow is never written.
    let flow = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ide/tests/editor_fixes.dun");
    let text = "flow f\ncurrency USD\naccount { name: text\n balance: money\n address: address }\n\
                var tries: number = 2\nvar last_seen: date = today\n\
                template notice for letter file \"templates/notice.txt\"\n\
                start s\nstage s {\n  send letter notice\n  end done\n}\n";
    let doc = Document::new(Some(&flow), text);
    assert!(doc.diagnostics().is_empty(), "{:?}", doc.diagnostics());
    let shown = hover(&doc, 10, "notice");
    assert!(shown.contains("on 2026-03-01 you owe"), "{shown}");
    assert!(shown.contains("tries: 2;"), "{shown}");
    assert!(shown.contains("last: 2026-03-01."), "{shown}");
    assert!(!shown.contains('{'), "{shown}");
}

#[test]
fn an_outcome_has_its_article() {
    let doc = Document::new(None, "flow f\nstart s\nstage s {\n  end done\n}\n");
    let shown = hover(&doc, 3, "done");
    assert!(shown.contains("An outcome is defined by use"), "{shown}");
}

#[test]
fn goto_offers_the_stage_it_is_written_in() {
    for text in [
        "flow f\nstart a\nstage a {\n  wait 1 day\n  goto $0\n}\nstage b {\n  end done\n}\n",
        "flow f\nstart a\nstage b {\n  end done\n}\nstage a {\n  wait 1 day\n  goto $0\n}\n",
        "flow f\nstart a\nstage a {\n  wait 1 day\n  goto $0\n",
    ] {
        let offset = text.find("$0").unwrap();
        let text = text.replace("$0", "");
        let doc = Document::new(None, text.as_str());
        let labels: Vec<String> = doc
            .completions(offset)
            .items
            .into_iter()
            .map(|i| i.label)
            .collect();
        assert!(labels.contains(&"a".to_string()), "{text}\n{labels:?}");
    }
}
