//! What a person sees, checked in a real browser (headless Chromium): the
//! simulation report on a phone and on a desk.

mod chromium;
mod common;

use common::{dun, flow, text};

#[test]
fn the_report_reads_on_a_phone_and_on_a_desk_without_overflowing() {
    let Some(bin) = chromium::find() else { return };
    let dir = common::scratch("browser", "report");
    let report = dir.join("report.html");
    let f = flow("auto_loans");
    let policies = common::root()
        .join("examples/policies")
        .display()
        .to_string();
    let out = dun(&[
        "simulate",
        &f,
        "--allow-import-outside",
        &policies,
        "--synthetic",
        "1500",
        "--days",
        "90",
        "--goal",
        "recovery_rate >= 20% by day 60",
        "--report",
        &report.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("<script"), "the report runs no script");
    for width in [375, 1280] {
        let p = chromium::probe(&bin, &dir, &html, width);
        assert_eq!(p.width, width, "{p:?}");
        assert!(p.overflowing.is_empty(), "at {width}px: {p:?}");
        assert!(
            p.scroll <= width,
            "no sideways scrolling at {width}px: {p:?}"
        );
        let [shown_w, _, _, _, _, _, text_h] = p.svgs[0];
        assert!(
            shown_w >= f64::from(width) * 0.8 || shown_w >= 600.0,
            "{p:?}"
        );
        assert!(text_h >= 9.0, "chart text readable at {width}px: {p:?}");
        chromium::screenshot_at(
            &bin,
            &dir,
            &html,
            width,
            2400,
            &dir.join(format!("report-{width}.png")),
        );
    }
    // What the page says, as the browser has it.
    let dom = chromium::dom(&bin, &report, 1280);
    for expected in [
        "Recovery by day, as a share of each balance",
        "met: recovery_rate &gt;= 20% by day 60 for auto_loans v6",
        "strategy -&gt; catch_up_offer (30%) minus strategy -&gt; standard_collections (70%)",
        "95% interval",
        "distinguishable from noise",
        "Stages: auto_loans v6",
        "repossession",
    ] {
        assert!(dom.contains(expected), "no `{expected}` in the page");
    }
    // Thousands separated, money with cents, in the stage table too.
    assert!(regex_like_money(&dom), "money such as 1,234.56 in the page");
}

/// A figure of at least a thousand with a separator and cents.
fn regex_like_money(s: &str) -> bool {
    s.split(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .any(|w| {
            let parts: Vec<&str> = w.split('.').collect();
            parts.len() == 2
                && parts[1].len() == 2
                && parts[0].contains(',')
                && parts[0].split(',').skip(1).all(|g| g.len() == 3)
        })
}

const EXAMPLES: [&str; 6] = [
    "auto_loans",
    "b2b_invoices",
    "bnpl",
    "consumer_cards",
    "telecom_latam",
    "utilities",
];

/// Graphviz's `dot`, which lays the SVG diagrams out; like Chromium, its
/// absence fails the test under CI and skips it otherwise.
fn graphviz() -> bool {
    let found = std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("Graphviz is not installed, and CI=true needs it: apt-get install graphviz");
        }
        eprintln!("skipped: Graphviz is not installed (apt-get install graphviz)");
    }
    found
}

#[test]
fn the_examples_diagrams_are_committed_as_svg_and_current() {
    if !graphviz() {
        return;
    }
    let update = std::env::var("UPDATE_DIAGRAMS").is_ok_and(|v| v == "1");
    let mut stale = vec![];
    // Two examples import the house's shared policy (examples/policies).
    let policies = common::root()
        .join("examples/policies")
        .display()
        .to_string();
    for name in EXAMPLES {
        let out = dun(&[
            "graph",
            &flow(name),
            "--allow-import-outside",
            &policies,
            "--format",
            "svg",
            "--layout",
            "graphviz",
        ]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let path = common::root()
            .join("examples")
            .join(name)
            .join(format!("{name}.svg"));
        let committed = std::fs::read(&path).unwrap_or_default();
        if committed != out.stdout {
            if update {
                std::fs::write(&path, &out.stdout).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale diagrams (regenerate with `UPDATE_DIAGRAMS=1 cargo test --test browser`): {stale:?}"
    );
}

#[test]
fn diagrams_are_fitted_to_their_drawing_with_readable_text_in_a_browser() {
    let Some(bin) = chromium::find() else { return };
    if !graphviz() {
        return;
    }
    let dir = common::scratch("browser", "diagrams");
    // Two examples import the house's shared policy (examples/policies).
    let policies = common::root()
        .join("examples/policies")
        .display()
        .to_string();
    for name in EXAMPLES {
        let out = dun(&[
            "graph",
            &flow(name),
            "--allow-import-outside",
            &policies,
            "--format",
            "svg",
            "--layout",
            "graphviz",
        ]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let svg = text(&out.stdout);
        assert!(
            !svg.contains("<!DOCTYPE") && !svg.contains("<script"),
            "{name}"
        );
        let page = format!("<!DOCTYPE html><html><body style=\"margin:0\">{svg}</body></html>");
        let p = chromium::probe(&bin, &dir, &page, 3000);
        let [shown_w, shown_h, view_w, view_h, drawn_w, drawn_h, text_h] = p.svgs[0];
        // Shown at its own size: points to pixels.
        assert!((shown_w - view_w * 4.0 / 3.0).abs() < 3.0, "{name}: {p:?}");
        assert!((shown_h - view_h * 4.0 / 3.0).abs() < 3.0, "{name}: {p:?}");
        // The drawing fills the picture: no empty band around it.
        assert!(
            drawn_w >= view_w * 0.95 && drawn_w <= view_w * 1.02,
            "{name}: {p:?}"
        );
        assert!(
            drawn_h >= view_h * 0.95 && drawn_h <= view_h * 1.02,
            "{name}: {p:?}"
        );
        // Text as large as a page's body text when shown at its size.
        assert!(text_h >= 14.0, "{name}: median text {text_h}px: {p:?}");
        // A picture a screen can show, not a poster.
        assert!(view_w < 3000.0 && view_h < 2000.0, "{name}: {p:?}");
    }
    // The built-in layout, for machines without Graphviz, is fitted too:
    // nothing cut off, and no empty band around the drawing.
    // Two examples import the house's shared policy (examples/policies).
    let policies = common::root()
        .join("examples/policies")
        .display()
        .to_string();
    for name in EXAMPLES {
        let out = dun(&[
            "graph",
            &flow(name),
            "--allow-import-outside",
            &policies,
            "--format",
            "svg",
            "--layout",
            "builtin",
        ]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let svg = text(&out.stdout);
        let page = format!("<!DOCTYPE html><html><body style=\"margin:0\">{svg}</body></html>");
        let p = chromium::probe(&bin, &dir, &page, 5000);
        let [_, _, view_w, view_h, drawn_w, drawn_h, _] = p.svgs[0];
        assert!(
            drawn_w >= view_w * 0.85 && drawn_w <= view_w * 1.02,
            "builtin {name}: {p:?}"
        );
        assert!(
            drawn_h >= view_h * 0.85 && drawn_h <= view_h * 1.02,
            "builtin {name}: {p:?}"
        );
    }
    // Each stage's colour is its kind's, and a guarded contact keeps its
    // condition.
    let out = dun(&[
        "graph",
        &flow("telecom_latam"),
        "--format",
        "svg",
        "--layout",
        "graphviz",
    ]);
    let svg = text(&out.stdout);
    for colour in ["#d6eaf8", "#fff3cd", "#f8d7da", "#eeeeee", "#d4edda"] {
        assert!(svg.contains(colour), "no {colour} in the telecom diagram");
    }
    assert!(svg.contains("whatsapp reminder_whatsapp when account.whatsapp_opt_in"));
    chromium::screenshot_at(
        &bin,
        &dir,
        &format!("<!DOCTYPE html><html><body style=\"margin:0\">{svg}</body></html>"),
        2400,
        1100,
        &dir.join("telecom_latam.png"),
    );
}
