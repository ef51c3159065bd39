//! Editor queries (`compiler::ide`) on a generated flow of 5,000 lines.
//! Goal (issue 7): hover and completion under 10 ms. Building the
//! `Document` (analysis and name index, once per edit) is measured too, for
//! reference: the language server pays it on every change.

use criterion::{criterion_group, criterion_main, Criterion};
use dun_bench::generate::large_flow;
use dun_compiler::ide::Document;
use std::hint::black_box;

/// The smallest generated flow of at least `lines` lines.
fn flow_of_lines(lines: usize) -> String {
    let mut stages = lines / 16;
    loop {
        let text = large_flow(stages);
        if text.lines().count() >= lines {
            return text;
        }
        stages += 4;
    }
}

fn ide(c: &mut Criterion) {
    let text = flow_of_lines(5_000);
    let doc = Document::new(None, text.as_str());
    assert!(
        !doc.analysis().has_errors(),
        "the generated flow must check clean: {:?}",
        doc.diagnostics().first()
    );
    let stages = doc.analysis().model.stages.len();
    let middle = format!("goto stage_{}\n", stages / 2);
    let at = |needle: &str, skip: usize| {
        text.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not in the generated flow"))
            + skip
    };
    let stage_ref = at(&middle, 6);
    let field_ref = text[stage_ref..]
        .find("account.mobile")
        .map(|i| stage_ref + i + 10)
        .expect("a field after the middle stage");
    let template_ref = text[stage_ref..]
        .find("send email email_")
        .map(|i| stage_ref + i + 12)
        .expect("a template after the middle stage");
    for offset in [stage_ref, field_ref, template_ref] {
        assert!(doc.hover(offset).is_some(), "no hover at {offset}");
    }

    // The user is typing a step near the end of the file: the stage is
    // broken, the rest of the file still parses.
    let last_goto = text.rfind("  goto stage_").expect("a goto");
    let typing_goto = format!("{}  goto \n{}", &text[..last_goto], &text[last_goto..]);
    let goto_offset = last_goto + "  goto ".len();
    let typing_goto = Document::new(None, typing_goto);
    let typing_field = format!(
        "{}  if account.\n{}",
        &text[..last_goto],
        &text[last_goto..]
    );
    let field_offset = last_goto + "  if account.".len();
    let typing_field = Document::new(None, typing_field);
    // The stage being edited may drop out of the model while it is broken.
    assert!(typing_goto.completions(goto_offset).items.len() + 1 >= stages);
    assert!(!typing_field.completions(field_offset).items.is_empty());

    println!(
        "ide: {} lines, {} bytes, {stages} stages",
        text.lines().count(),
        text.len()
    );
    let mut group = c.benchmark_group("ide_5000_lines");
    group.bench_function("hover_stage", |b| {
        b.iter(|| doc.hover(black_box(stage_ref)))
    });
    group.bench_function("hover_field", |b| {
        b.iter(|| doc.hover(black_box(field_ref)))
    });
    group.bench_function("hover_template", |b| {
        b.iter(|| doc.hover(black_box(template_ref)))
    });
    group.bench_function("complete_after_goto", |b| {
        b.iter(|| typing_goto.completions(black_box(goto_offset)))
    });
    group.bench_function("complete_after_account_dot", |b| {
        b.iter(|| typing_field.completions(black_box(field_offset)))
    });
    group.bench_function("definition_stage", |b| {
        b.iter(|| doc.definition(black_box(stage_ref)))
    });
    group.bench_function("inlay_hints_whole_file", |b| {
        b.iter(|| doc.inlay_hints(dun_compiler::syntax::ast::Span::new(0, text.len())))
    });
    group.bench_function("semantic_tokens_whole_file", |b| {
        b.iter(|| doc.semantic_tokens())
    });
    group.sample_size(20);
    group.bench_function("document_new", |b| {
        b.iter(|| Document::new(None, black_box(text.as_str())))
    });
    group.bench_function("analyze_only", |b| {
        b.iter(|| dun_compiler::analyze(None, black_box(text.as_str())))
    });
    group.finish();
}

criterion_group!(benches, ide);
criterion_main!(benches);
