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
    let out = dun(&[
        "simulate",
        &f,
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
