use super::{doc_at, flow, show_cursor};
use crate::ide::Document;
use crate::syntax::ast::Span;

fn show(doc: &Document) -> String {
    doc.inlay_hints(Span::new(0, doc.text().len()))
        .iter()
        .map(|h| {
            let line = show_cursor(doc, h.offset);
            let first = line.lines().next().unwrap_or("").trim_end().to_string();
            match &h.tooltip {
                Some(t) => format!("{first}   ⟵ {}   ({t})", h.label),
                None => format!("{first}   ⟵ {}", h.label),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn inlay_hints_on_the_reference_flow() {
    insta::assert_snapshot!("inlay_hints_reference_flow", show(&flow()));
}

#[test]
fn business_days_and_months_give_ranges_and_until_is_data_dependent() {
    let (doc, _) = doc_at(
        "$0flow f\nvar due: date = today\nstart a\nstage a {\n  wait 2 business days\n  alert t \"x\"\n  wait 1 month\n  alert t \"y\"\n  wait until due\n  alert t \"z\"\n  goto b\n}\nstage b { end done }\n",
    );
    insta::assert_snapshot!("inlay_hints_ranges", show(&doc));
}

#[test]
fn a_stage_entered_only_by_an_event_counts_from_its_entry() {
    let (doc, _) = doc_at(
        "$0flow f\nevent promise\non promise -> promised\nstart a\nstage a {\n  wait 3 days\n  end done\n}\nstage promised {\n  wait 2 days\n  end kept\n}\n",
    );
    let shown = show(&doc);
    // A wait shows the day it ends, written so that it does not read as
    // part of the duration ("wait 1 day day 5").
    assert!(shown.contains("wait 3 days   ⟵ → day 3"), "{shown}");
    assert!(shown.contains("end done   ⟵ day 3"), "{shown}");
    assert!(shown.contains("end kept   ⟵ +2 days"), "{shown}");
}

#[test]
fn a_loop_of_stages_is_unbounded_not_endless() {
    let (doc, _) = doc_at(
        "$0flow f\nstart a\nstage a {\n  wait 1 day\n  goto b\n}\nstage b {\n  wait 1 day\n  goto a\n}\n",
    );
    let shown = show(&doc);
    assert!(shown.contains("goto b   ⟵ day 1 or later"), "{shown}");
}

#[test]
fn only_the_hints_in_the_range_are_given() {
    let doc = flow();
    let start = doc.text().find("stage settlement").unwrap();
    let end = start + 60;
    let hints = doc.inlay_hints(Span::new(start, end));
    assert!(!hints.is_empty());
    assert!(hints
        .iter()
        .all(|h| h.offset >= start && h.offset <= end + 40));
}
