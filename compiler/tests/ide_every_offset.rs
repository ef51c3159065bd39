//! No editor query panics, whatever the text and wherever the cursor: every
//! query at every offset of every example flow (each example is a few
//! hundred lines; the stride keeps bigger files fast), and at the end of
//! prefixes of every fixture under `tests/cases/` (broken and partial text,
//! as the user types it), plus offsets past the end and inside multi-byte
//! characters.

use dun_compiler::ide::{Document, Encoding, Position, Range};
use dun_compiler::syntax::ast::Span;
use std::path::{Path, PathBuf};

fn dun_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            dun_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "dun") {
            out.push(path);
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every query that takes an offset, at `offset`.
fn query_at(doc: &Document, offset: usize) {
    let _ = doc.hover(offset);
    let defs = doc.definition(offset);
    let refs = doc.references(offset, true);
    // A definition or reference in an imported file lies in that file.
    let sources = &doc.analysis().sources;
    for span in defs.iter().chain(&refs) {
        let (file, local) = sources.local(*span);
        let text = match file {
            dun_compiler::modules::FileId::Root => doc.text(),
            dun_compiler::modules::FileId::Imported(i) => sources.imported[i].text.as_str(),
        };
        assert!(local.end as usize <= text.len());
        assert!(text.is_char_boundary(local.start as usize));
    }
    if doc.prepare_rename(offset).is_ok() {
        let _ = doc.rename(offset, "renamed_name");
    }
    let _ = doc.rename(offset, "and");
    let c = doc.completions(offset);
    assert!(c.replace.start <= c.replace.end && c.replace.end as usize <= doc.text().len());
    let _ = doc.code_actions(Span::new(offset, offset));
    for enc in [Encoding::Utf8, Encoding::Utf16] {
        let p = doc.position(offset, enc);
        let back = doc.offset(p, enc);
        assert!(doc.text().is_char_boundary(back));
        if doc.text().is_char_boundary(offset) && offset <= doc.text().len() {
            assert_eq!(
                back, offset,
                "position {p:?} of {offset} does not come back"
            );
        }
    }
}

/// Every query that looks at the whole document.
fn whole(doc: &Document) {
    let len = doc.text().len();
    let _ = doc.document_symbols();
    let _ = doc.folding_ranges();
    let mut last = 0;
    for t in doc.semantic_tokens() {
        assert!(t.span.start >= last && t.span.end as usize <= len);
        last = t.span.end;
    }
    for h in doc.inlay_hints(Span::new(0, len)) {
        assert!(h.offset <= len);
    }
    for a in doc.code_actions(Span::new(0, len)) {
        for e in &a.edits {
            assert!(e.span.end as usize <= len && e.span.start <= e.span.end);
        }
    }
    let _ = doc.format_edits();
    let _ = doc.span(
        Range {
            start: Position::new(u32::MAX, u32::MAX),
            end: Position::new(0, u32::MAX),
        },
        Encoding::Utf16,
    );
    query_at(doc, len + 10);
}

#[test]
fn every_query_at_every_offset_of_every_example() {
    let mut files = Vec::new();
    dun_files(&root().join("examples"), &mut files);
    assert!(!files.is_empty(), "no examples found");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("example readable");
        let doc = Document::new(Some(&path), text.as_str());
        whole(&doc);
        // Every offset of files up to 16 KiB, about 4,000 offsets of bigger ones.
        let stride = if text.len() <= 16 * 1024 {
            1
        } else {
            text.len() / 4000
        };
        for offset in (0..=text.len()).step_by(stride) {
            query_at(&doc, offset);
        }
    }
}

#[test]
fn queries_on_prefixes_of_every_fixture() {
    let mut files = Vec::new();
    dun_files(&root().join("tests/cases"), &mut files);
    dun_files(&root().join("compiler/src/ide/tests"), &mut files);
    assert!(!files.is_empty(), "no fixtures found");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("fixture readable");
        // About 40 prefixes of each file, cut anywhere (even mid-word).
        let stride = (text.len() / 40).max(1);
        let mut cut = 0;
        while cut <= text.len() {
            let mut end = cut;
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let doc = Document::new(Some(&path), &text[..end]);
            whole(&doc);
            for offset in [end.saturating_sub(1), end, end / 2] {
                query_at(&doc, offset);
            }
            cut += stride;
        }
    }
}

#[test]
fn multibyte_text_at_every_byte() {
    let text = "## Olá — ñandú 😀\nflow f\naccount { name: text }\ntemplate t for sms \"Hola {account.name} 😀 ¿sí?\"\nstart s\nstage s {\n  send sms t # ✓ enviado\n  end done\n}\n";
    let doc = Document::new(None, text);
    whole(&doc);
    for offset in 0..=text.len() + 2 {
        query_at(&doc, offset);
    }
    // Truncated inside the emoji's bytes.
    let cut = text.find('😀').unwrap() + 2;
    let broken = String::from_utf8_lossy(&text.as_bytes()[..cut]).into_owned();
    let doc = Document::new(None, broken.as_str());
    whole(&doc);
}
