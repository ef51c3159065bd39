//! `dun graph`: a flow's stages and the ways between them.

mod common;

use common::root;
use dun_compiler::graph::{build, to_dot, to_mermaid, to_svg, EdgeKind, FlowGraph, NodeKind};
use dun_compiler::syntax::parse;
use std::path::PathBuf;
use std::process::Command;

/// Every flow under `examples/` and `tests/cases/` that analyses without
/// errors (the language reference sample is `tests/cases/valid/reference.dun`).
fn fixtures() -> Vec<(String, PathBuf, String)> {
    let mut out = Vec::new();
    for folder in ["examples", "tests/cases"] {
        for entry in walkdir::WalkDir::new(root().join(folder))
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "dun") {
                let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
                // Two examples import the house's shared policy.
                let allowed = [root()
                    .join("examples/policies")
                    .canonicalize()
                    .expect("examples/policies")];
                let options = dun_compiler::modules::Options {
                    allowed: &allowed,
                    ..Default::default()
                };
                if !dun_compiler::analyze_in(Some(path), &text, options).has_errors() {
                    let name = path
                        .strip_prefix(root())
                        .unwrap_or(path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    out.push((name, path.to_path_buf(), text));
                }
            }
        }
    }
    assert!(out
        .iter()
        .any(|(name, _, _)| name.ends_with("reference.dun")));
    out
}

fn graph_of(text: &str) -> FlowGraph {
    build(&parse(text).file)
}

fn sample() -> String {
    std::fs::read_to_string(root().join("tests/cases/valid/reference.dun")).expect("sample")
}

fn edge<'g>(graph: &'g FlowGraph, from: &str, to: &str) -> Vec<&'g dun_compiler::graph::Edge> {
    graph
        .edges
        .iter()
        .filter(|e| e.from == from && e.to == to)
        .collect()
}

/// Snapshots of the diagrams. Not committed while the examples are being
/// written; generate them with `INSTA_UPDATE=always cargo test --test graph`.
#[test]
fn diagrams_of_the_fixtures_match_their_snapshots() {
    for (name, _, text) in fixtures() {
        let slug = name.trim_end_matches(".dun").replace('/', "__");
        let graph = graph_of(&text);
        insta::assert_snapshot!(format!("mermaid__{slug}"), to_mermaid(&graph));
        insta::assert_snapshot!(format!("dot__{slug}"), to_dot(&graph));
    }
}

#[test]
fn the_diagram_depends_on_the_meaning_not_the_layout_or_the_comments() {
    for (name, _, text) in fixtures() {
        let reformatted = dun_compiler::fmt::format(&text).expect("fixture formats");
        assert_eq!(graph_of(&text), graph_of(&reformatted), "{name}");
        let commented = format!("# a comment on top\n\n{}\n# and one at the end\n", text);
        assert_eq!(graph_of(&text), graph_of(&commented), "{name}");
    }
}

#[test]
fn stages_are_boxes_with_what_they_do_and_the_start_is_marked() {
    let graph = graph_of(&sample());
    let reminders = graph
        .nodes
        .iter()
        .find(|n| n.id == "stage_reminders")
        .expect("a node per stage");
    assert_eq!(reminders.kind, NodeKind::Stage { start: true });
    assert_eq!(
        reminders.summary.first().map(String::as_str),
        Some("email first_notice · wait 3d")
    );
    assert_eq!(edge(&graph, "entry", "stage_reminders").len(), 1);
    let stages: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Stage { .. }))
        .map(|n| n.title.as_str())
        .collect();
    assert_eq!(
        stages,
        [
            "reminders",
            "calls",
            "promised",
            "letters",
            "settlement",
            "agency",
            "disputed",
            "paid"
        ],
        "stages come in the order they are declared"
    );
}

#[test]
fn a_goto_inside_an_if_is_labelled_with_its_condition() {
    let graph = graph_of(&sample());
    let back = edge(&graph, "stage_promised", "stage_calls");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].label.as_deref(), Some("account.balance > 0 USD"));
    let fallthrough = edge(&graph, "stage_reminders", "stage_calls");
    assert_eq!(fallthrough[0].label, None);
}

#[test]
fn split_arms_are_labelled_with_their_share() {
    let graph = graph_of(&sample());
    let agency = edge(&graph, "stage_letters", "stage_agency");
    assert_eq!(agency[0].kind, EdgeKind::Split);
    assert_eq!(agency[0].label.as_deref(), Some("80%"));
    let settlement = edge(&graph, "stage_letters", "stage_settlement");
    assert_eq!(settlement[0].label.as_deref(), Some("20%"));
}

#[test]
fn stage_handlers_are_edges_labelled_with_their_event() {
    let graph = graph_of(&sample());
    let handler = edge(&graph, "stage_calls", "stage_letters");
    assert!(handler.iter().any(|e| e.kind == EdgeKind::StageHandler
        && e.label.as_deref() == Some("on call_outcome when event.result == wrong_number")));
}

#[test]
fn flow_handlers_are_drawn_once_from_an_any_stage_node() {
    let graph = graph_of(&sample());
    let from_any: Vec<_> = graph
        .edges
        .iter()
        .filter(|e| e.from == "any_stage")
        .collect();
    assert_eq!(from_any.len(), 3, "{from_any:#?}");
    assert!(from_any.iter().all(|e| e.kind == EdgeKind::FlowHandler));
    assert_eq!(
        edge(&graph, "any_stage", "stage_disputed")[0]
            .label
            .as_deref(),
        Some("on dispute")
    );
    assert!(
        graph
            .edges
            .iter()
            .filter(|e| e.to == "stage_disputed")
            .count()
            == 1,
        "not an edge from every stage"
    );
}

#[test]
fn each_outcome_is_one_final_node() {
    let graph = graph_of(&sample());
    let outcomes: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Outcome)
        .map(|n| n.title.as_str())
        .collect();
    assert_eq!(outcomes, ["paid", "escalated", "disputed"]);
    // `end paid` is reached from two stages, and drawn once.
    assert_eq!(
        graph
            .edges
            .iter()
            .filter(|e| e.to == "outcome_paid")
            .count(),
        2
    );
}

#[test]
fn mermaid_labels_are_escaped() {
    let mermaid = to_mermaid(&graph_of(&sample()));
    assert!(mermaid.starts_with("flowchart TD\n"));
    assert!(
        mermaid.contains(r#"-->|"account.balance #gt; 0 USD"| stage_calls"#),
        "{mermaid}"
    );
    assert!(
        mermaid.contains(r#"-.->|"on dispute"| stage_disputed"#),
        "{mermaid}"
    );
}

#[test]
fn svg_is_drawn_without_graphviz() {
    for (name, _, text) in fixtures() {
        let svg = to_svg(&graph_of(&text)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name}"
        );
        assert!(svg.contains("reminders") || !name.ends_with("reference.dun"));
    }
}

#[test]
fn graphviz_accepts_the_dot() {
    if Command::new("dot").arg("-V").output().is_err() {
        // .ci/run installs Graphviz: in CI a missing `dot` is a broken set-up,
        // not a reason to pass without checking.
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "Graphviz `dot` is not installed; .ci/run installs the `graphviz` package"
        );
        println!(
            "notice: Graphviz `dot` is not installed; skipping the check that it accepts our DOT"
        );
        return;
    }
    for (name, _, text) in fixtures() {
        let file = std::env::temp_dir().join(format!("dun-graph-{}.dot", std::process::id()));
        std::fs::write(&file, to_dot(&graph_of(&text))).expect("write dot");
        let out = Command::new("dot")
            .arg("-Tsvg")
            .arg(&file)
            .output()
            .expect("dot runs");
        let _ = std::fs::remove_file(&file);
        assert!(
            out.status.success(),
            "{name}: Graphviz refused the DOT: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{name}: Graphviz warned: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// The command line.

fn dun(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .output()
        .expect("dun runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn graph_prints_mermaid_by_default_and_writes_a_file_with_o() {
    let sample = root().join("tests/cases/valid/reference.dun");
    let sample = sample.to_str().unwrap_or_default();
    let (code, stdout, _) = dun(&["graph", sample]);
    assert_eq!(code, 0);
    assert_eq!(stdout, to_mermaid(&graph_of(&self::sample())));

    let out = std::env::temp_dir().join(format!("dun-graph-{}.svg", std::process::id()));
    let (code, stdout, _) = dun(&[
        "graph",
        sample,
        "--format",
        "svg",
        "-o",
        out.to_str().unwrap_or_default(),
    ]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    let svg = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    assert!(svg.contains("<svg"));
}

#[test]
fn graph_of_a_flow_with_errors_prints_them_and_exits_1() {
    let file = std::env::temp_dir().join(format!("dun-graph-broken-{}.dun", std::process::id()));
    std::fs::write(&file, "flow x\nstage a { goto }\n").expect("write");
    let (code, stdout, stderr) = dun(&["graph", file.to_str().unwrap_or_default()]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(stderr.contains(":2:"), "{stderr}");
}

#[test]
fn the_documented_diagram_of_the_reference_sample_is_current() {
    let doc = std::fs::read_to_string(root().join("docs/fmt-and-graph.md")).expect("docs");
    let block = doc
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a mermaid block in docs/fmt-and-graph.md");
    assert_eq!(
        block,
        to_mermaid(&graph_of(&sample())),
        "regenerate the block with `dun graph tests/cases/valid/reference.dun`"
    );
}

#[test]
fn many_handlers_into_one_stage_are_one_arrow_listing_the_first_few() {
    let mut text =
        String::from("flow many version 1\ncurrency USD\naccount {\n  balance: money\n}\n");
    for i in 0..1000 {
        text.push_str(&format!("event e{i}\n"));
    }
    for i in 0..1000 {
        text.push_str(&format!("on e{i} -> done\n"));
    }
    text.push_str("start done\nstage done {\n  end closed\n}\n");
    let graph = graph_of(&text);
    let arrows = edge(&graph, "any_stage", "stage_done");
    assert_eq!(arrows.len(), 1);
    assert_eq!(
        arrows[0].label.as_deref(),
        Some("on e0 / on e1 / on e2 / and 997 more")
    );
}
