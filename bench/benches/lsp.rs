//! The language server's own path, on a generated 5,000-line flow: an edit
//! sent to the document thread until its diagnostics come out ready to
//! publish (issue 7: median under 20 ms, slowest under 50 ms), and hover
//! and completion answered on the thread (under 10 ms). Criterion reports
//! the means; the per-edit median and slowest are printed at the end.

use criterion::{criterion_group, criterion_main, Criterion};
use dun_bench::generate::large_flow_of_lines;
use dun_lsp::documents::{Documents, Published};
use dun_lsp::ls_types::{Position, TextDocumentContentChangeEvent, Uri};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

struct Session {
    docs: Documents,
    published: UnboundedReceiver<Published>,
    uri: Uri,
    version: i32,
}

impl Session {
    fn open(text: &str) -> Session {
        let (tx, published) = tokio::sync::mpsc::unbounded_channel();
        let docs = Documents::start(tx, "https://example.invalid/errors.md".into())
            .expect("start the document thread");
        let uri: Uri = "file:///bench/generated.dun".parse().expect("uri");
        docs.open(uri.clone(), 1, text.to_string());
        let mut s = Session {
            docs,
            published,
            uri,
            version: 1,
        };
        s.wait();
        s
    }

    fn edit(&mut self, text: &str) -> usize {
        self.version += 1;
        self.docs.change(
            self.uri.clone(),
            self.version,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: text.to_string(),
            }],
        );
        self.wait()
    }

    fn wait(&mut self) -> usize {
        loop {
            let p = self.published.blocking_recv().expect("diagnostics");
            if p.version == Some(self.version) {
                return p.diagnostics.len();
            }
        }
    }
}

fn lsp(c: &mut Criterion) {
    let text = large_flow_of_lines(5_000);
    // A typo typed in the middle of the file, and fixed again.
    let broken = text.replacen("goto stage_201\n", "goto stage_2o1\n", 1);
    assert_ne!(broken, text);
    let mut session = Session::open(&text);
    assert_eq!(session.edit(&text), 0, "the generated flow checks clean");
    // The typo, and every stage it cuts off, is reported.
    assert!(session.edit(&broken) > 0, "the typo is reported");

    let mut each = Vec::new();
    let mut group = c.benchmark_group("lsp_5000_lines");
    group.sample_size(30);
    group.bench_function("edit_to_diagnostics", |b| {
        let mut flip = false;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                flip = !flip;
                let t = Instant::now();
                session.edit(if flip { &broken } else { &text });
                let took = t.elapsed();
                each.push(took);
                total += took;
            }
            total
        })
    });

    // The same edits through `compiler::ide` alone, interleaved with edits
    // through the server, so that both see the same load on this shared
    // machine and the server's own share (thread hop, conversion of the
    // diagnostics) reads as a ratio.
    let mut direct = Vec::new();
    let mut served = Vec::new();
    for round in 0..60 {
        let t = if round % 2 == 0 { &broken } else { &text };
        let start = Instant::now();
        let doc = dun_compiler::ide::Document::new(
            Some(std::path::Path::new("/bench/generated.dun")),
            t.as_str(),
        );
        direct.push(start.elapsed());
        drop(doc);
        let start = Instant::now();
        session.edit(t);
        served.push(start.elapsed());
    }
    direct.sort();
    served.sort();
    println!(
        "interleaved, 60 edits each: compiler::ide Document::new median {:.2} ms; through the server median {:.2} ms (ratio {:.2})",
        ms(direct[30]),
        ms(served[30]),
        served[30].as_secs_f64() / direct[30].as_secs_f64()
    );

    // The server bounds its queries with `tokio::time::timeout`.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let line = text
        .lines()
        .position(|l| l.starts_with("  send email email_"))
        .and_then(|first| {
            text.lines()
                .skip(first + 2000)
                .position(|l| l.starts_with("  send email"))
                .map(|n| n + first + 2000)
        })
        .expect("a send step in the second half");
    let template = Position::new(line as u32, 14);
    let after_goto = text
        .lines()
        .skip(line)
        .position(|l| l.starts_with("  goto stage_"))
        .map(|n| Position::new((line + n) as u32, 7))
        .expect("a goto");
    let hover = runtime.block_on(session.docs.query(session.uri.clone(), move |s| {
        dun_lsp::queries::hover(s, template, false)
    }));
    assert!(
        matches!(hover, Ok(Some(_))),
        "hover on a template name answers"
    );
    group.bench_function("hover", |b| {
        b.iter(|| {
            runtime.block_on(session.docs.query(session.uri.clone(), move |s| {
                dun_lsp::queries::hover(s, template, false)
            }))
        })
    });
    group.bench_function("completion_after_goto", |b| {
        b.iter(|| {
            runtime.block_on(session.docs.query(session.uri.clone(), move |s| {
                dun_lsp::queries::completion(s, after_goto)
            }))
        })
    });
    group.finish();

    each.sort();
    if let (Some(median), Some(slowest)) = (each.get(each.len() / 2), each.last()) {
        println!(
            "edit_to_diagnostics over {} edits of a {}-line flow: median {:.2} ms, slowest {:.2} ms",
            each.len(),
            text.lines().count(),
            ms(*median),
            ms(*slowest)
        );
    }
}

criterion_group!(benches, lsp);
criterion_main!(benches);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
