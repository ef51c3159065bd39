//! `dun simulate --report OUT.html`: one self-contained HTML file (inline
//! CSS and SVG, no script, no network) with the KPIs and three charts.

use dun_runtime::sim::{Kpis, Report};
use std::fmt::Write as _;

const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Lines of cumulative recovery by day.
fn recovery_chart(series: &[(String, &[f64])]) -> String {
    let (w, h, pad) = (720.0, 300.0, 50.0);
    let days = series.iter().map(|s| s.1.len()).max().unwrap_or(1).max(2);
    let top = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{}\" role=\"img\"><title>Cumulative recovery by day</title>",
        h + 30.0 + 18.0 * series.len() as f64
    );
    let _ = write!(
        svg,
        "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>",
        h - pad / 2.0,
        w - 10.0,
        h - pad / 2.0
    );
    let _ = write!(
        svg,
        "<line x1=\"{pad}\" y1=\"10\" x2=\"{pad}\" y2=\"{}\" stroke=\"#444\"/>",
        h - pad / 2.0
    );
    let _ = write!(
        svg,
        "<text x=\"{pad}\" y=\"{}\" font-size=\"11\">day 0</text>",
        h - 8.0
    );
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">day {}</text>",
        w - 10.0,
        h - 8.0,
        days - 1
    );
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"20\" font-size=\"11\">{top:.0}</text>",
        pad + 4.0
    );
    for (i, (name, values)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(d, v)| {
                let x = pad + (w - pad - 10.0) * d as f64 / (days - 1) as f64;
                let y = (h - pad / 2.0) - (h - pad / 2.0 - 10.0) * v / top;
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        );
        let y = h + 18.0 * (i as f64 + 1.0);
        let _ = write!(svg, "<rect x=\"{pad}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>", y - 10.0, pad + 18.0, y, esc(name));
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars: label, value.
fn bars(title: &str, items: &[(String, f64)]) -> String {
    let (w, row, label_w) = (720.0, 22.0, 220.0);
    let top = items.iter().map(|x| x.1).fold(0.0f64, f64::max).max(1.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{}\" role=\"img\"><title>{}</title>",
        row * items.len() as f64 + 10.0,
        esc(title)
    );
    for (i, (label, v)) in items.iter().enumerate() {
        let y = row * i as f64 + 4.0;
        let len = (w - label_w - 90.0) * v / top;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{len:.1}\" height=\"{}\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{v}</text>",
            label_w - 6.0,
            y + 13.0,
            esc(label),
            row - 6.0,
            COLOURS[0],
            label_w + len + 6.0,
            y + 13.0
        );
    }
    svg.push_str("</svg>");
    svg
}

fn kpi_rows(names: &[String], ks: &[&Kpis]) -> String {
    let mut t = String::from("<table><tr><th></th>");
    for n in names {
        let _ = write!(t, "<th>{}</th>", esc(n));
    }
    t.push_str("</tr>");
    let rows: Vec<_> = ks.iter().map(|k| crate::simulate::rows(k)).collect();
    for (i, (label, _, _)) in rows[0].iter().enumerate() {
        let _ = write!(t, "<tr><td>{}</td>", esc(label));
        for r in &rows {
            let _ = write!(t, "<td class=\"n\">{}</td>", esc(&r[i].2));
        }
        t.push_str("</tr>");
    }
    t.push_str("</table>");
    t
}

pub(crate) fn html(reports: &[Report]) -> String {
    let mut h = String::from("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>dun simulate</title><style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px}td.n{text-align:right}h2{margin-top:2em}</style></head><body>");
    let r0 = &reports[0];
    let names: Vec<String> = reports
        .iter()
        .map(|r| format!("{} v{}", r.flow, r.version))
        .collect();
    let _ = write!(
        h,
        "<h1>Simulation: {}</h1><p>{} accounts, {} days from {}, seed {}; money in {}.</p>",
        esc(&names.join(" vs ")),
        r0.whole.accounts,
        r0.days,
        esc(&r0.start),
        r0.seed,
        esc(&r0.currency)
    );
    h.push_str("<h2>KPIs</h2>");
    let ks: Vec<&Kpis> = reports.iter().map(|r| &r.whole).collect();
    h.push_str(&kpi_rows(&names, &ks));
    h.push_str("<h2>Cumulative recovery by day</h2>");
    let series: Vec<(String, &[f64])> = if reports.len() == 1 && !r0.arms.is_empty() {
        r0.arms
            .iter()
            .map(|a| (a.name.clone(), a.kpis.cumulative_recovered.as_slice()))
            .collect()
    } else {
        reports
            .iter()
            .zip(&names)
            .map(|(r, n)| (n.clone(), r.whole.cumulative_recovered.as_slice()))
            .collect()
    };
    h.push_str(&recovery_chart(&series));
    for (r, n) in reports.iter().zip(&names) {
        let _ = write!(h, "<h2>Contacts by channel: {}</h2>", esc(n));
        let items: Vec<(String, f64)> = r
            .whole
            .contacts
            .iter()
            .map(|(c, v)| (c.clone(), *v as f64))
            .collect();
        h.push_str(&bars("Contacts by channel", &items));
        let _ = write!(h, "<h2>Stage funnel: {}</h2>", esc(n));
        let items: Vec<(String, f64)> = r
            .stages
            .iter()
            .map(|s| (s.stage.clone(), s.accounts_entered as f64))
            .collect();
        h.push_str(&bars("Accounts entering each stage", &items));
        if !r.arms.is_empty() {
            let _ = write!(h, "<h2>Split arms: {}</h2>", esc(n));
            let an: Vec<String> = r.arms.iter().map(|a| a.name.clone()).collect();
            let ak: Vec<&Kpis> = r.arms.iter().map(|a| &a.kpis).collect();
            h.push_str(&kpi_rows(&an, &ak));
        }
    }
    h.push_str("</body></html>\n");
    h
}
