use super::{doc_at, flow};
use crate::ide::{DocumentSymbol, Encoding, TOKEN_TYPES};

fn outline(symbols: &[DocumentSymbol], depth: usize, out: &mut String) {
    for s in symbols {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&format!("{:?} {}", s.kind, s.name));
        if let Some(d) = &s.detail {
            out.push_str(&format!(" — {d}"));
        }
        out.push('\n');
        assert!(s.span.start <= s.selection.start && s.selection.end <= s.span.end);
        outline(&s.children, depth + 1, out);
    }
}

#[test]
fn document_symbols_list_declarations_and_stage_steps() {
    let doc = flow();
    let mut out = String::new();
    outline(&doc.document_symbols(), 0, &mut out);
    insta::assert_snapshot!("document_symbols", out);
}

#[test]
fn folding_ranges_cover_blocks_and_comment_runs() {
    let (doc, _) = doc_at(
        "$0# one\n# two\nflow f\nstart s\nstage s {\n  if true {\n    wait 1 day\n  }\n  end done\n}\n",
    );
    let folds: Vec<String> = doc
        .folding_ranges()
        .iter()
        .map(|f| format!("{:?} {}..{}", f.kind, f.start_line, f.end_line))
        .collect();
    assert_eq!(folds, ["Comment 0..1", "Region 4..9", "Region 5..7"]);
}

#[test]
fn semantic_tokens_classify_names_by_what_they_are() {
    let (doc, _) = doc_at(
        "$0flow f\naccount {\n  email: email?\n  risk: low | high\n}\nsegment email_ok = account.email is set\n## Where it starts.\nstart email\nstage email {\n  if email_ok and account.risk == high { send email hi }\n  end done\n}\ntemplate hi for email { subject \"Hi ✓\" body \"Dear {account.email}\" }\n",
    );
    let text = doc.text();
    let mut out = String::new();
    let mut last_end = 0;
    for t in doc.semantic_tokens() {
        assert!(
            t.span.start >= last_end,
            "tokens overlap or are out of order"
        );
        assert!(!text[t.span.range()].contains('\n'));
        last_end = t.span.end;
        let pos = doc.position(t.span.start as usize, Encoding::Utf16);
        out.push_str(&format!(
            "{}:{} {:?} {} {}\n",
            pos.line + 1,
            pos.character + 1,
            &text[t.span.range()],
            TOKEN_TYPES[t.token_type as usize],
            t.modifiers
        ));
    }
    insta::assert_snapshot!("semantic_tokens", out);
}
