//! `dun simulate --report OUT.html`: one self-contained HTML file (inline
//! CSS and SVG, no script, no network) that reads on a phone as well as on
//! a desk: recovery by day as a share of each arm's balance, the KPIs with
//! the differences and their 95% intervals, the stages with their money,
//! goals and gates.

use crate::simulate::{
    estimate, interval, label, metric_words, money, pairs, rows, spreads, Outcome,
};
use dun_runtime::sim::stats::{thousands, Difference};
use dun_runtime::sim::{Kpis, Report};
use std::fmt::Write as _;

const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];

const STYLE: &str = "\
*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;padding:1em;max-width:64em;line-height:1.4;color:#222;overflow-wrap:anywhere}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}\
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}\
td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}\
th{background:#f4f4f4;text-align:left}td.n{text-align:right;white-space:nowrap}\
.met{color:#1b5e20}.missed,.failed{color:#b71c1c;font-weight:bold}\
figure{margin:0}svg{width:100%;height:auto;max-width:640px;display:block}\
.legend{list-style:none;padding:0;margin:.3em 0 1em}.legend li{display:inline-block;margin-right:1.2em}\
.sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}\
.bar{display:flex;align-items:center;gap:.5em;margin:2px 0}.bar span.l{flex:0 0 38%;text-align:right}\
.bar span.b{height:1em;background:#1f77b4;display:inline-block}.bar span.v{white-space:nowrap}\
@media (max-width:640px){\
body{padding:.6em;font-size:15px}\
table,tbody,tr,td,th{display:block;width:100%}\
tr.h{display:none}tr{border:1px solid #ccc;margin-bottom:.6em}\
td{border:0;border-bottom:1px solid #eee;text-align:right;white-space:normal}\
td.n{white-space:normal}\
td::before{content:attr(data-label);float:left;font-weight:bold;text-align:left;margin-right:.6em}\
td.k{text-align:left;font-weight:bold;background:#f4f4f4}td.k::before{content:none}\
svg text{font-size:22px}\
}";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Money as the flow's currency is written: `1.234,56` for the currencies
/// of countries that write decimals with a comma, `1,234.56` otherwise.
fn local(text: &str, currency: &str) -> String {
    let comma = matches!(
        currency,
        "EUR"
            | "COP"
            | "BRL"
            | "CLP"
            | "ARS"
            | "PEN"
            | "UYU"
            | "PYG"
            | "IDR"
            | "TRY"
            | "DKK"
            | "NOK"
            | "SEK"
    );
    if !comma {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            ',' => '.',
            '.' => ',',
            c => c,
        })
        .collect()
}

/// A table whose cells carry their column's name, so that on a narrow
/// screen each row reads as a card of `name: value` lines.
fn table(header: &[String], body: &[Vec<(String, bool)>]) -> String {
    let mut t = String::from("<table><tr class=\"h\">");
    for h in header {
        let _ = write!(t, "<th>{}</th>", esc(h));
    }
    t.push_str("</tr>");
    for row in body {
        t.push_str("<tr>");
        for (i, (cell, number)) in row.iter().enumerate() {
            let name = header.get(i).map(String::as_str).unwrap_or("");
            if i == 0 {
                let _ = write!(t, "<td class=\"k\">{}</td>", esc(cell));
            } else {
                let _ = write!(
                    t,
                    "<td{} data-label=\"{}\">{}</td>",
                    if *number { " class=\"n\"" } else { "" },
                    esc(name),
                    esc(cell)
                );
            }
        }
        t.push_str("</tr>");
    }
    t.push_str("</table>");
    t
}

/// Lines of recovery by day, each as a share of its own group's balance,
/// so a small test arm is not flattened by the rest of the portfolio.
fn recovery_chart(series: &[(String, Vec<f64>)]) -> String {
    let (w, h, left, bottom) = (600.0, 320.0, 72.0, 36.0);
    let days = series.iter().map(|s| s.1.len()).max().unwrap_or(1).max(2);
    let top = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .fold(0.0f64, f64::max);
    // A round top: the next 5, 10, 20 ... percent.
    let step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0]
        .into_iter()
        .find(|s| top <= s * 4.0)
        .unwrap_or(1.0);
    let top = ((top / step).ceil().max(1.0)) * step;
    let plot_h = h - bottom - 10.0;
    let plot_w = w - left - 12.0;
    let y = |v: f64| 10.0 + plot_h * (1.0 - v / top);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" font-size=\"18\"><title>Recovery by day, as a share of each group's balance</title>"
    );
    let mut t = 0.0;
    while t <= top + 1e-9 {
        let _ = write!(
            svg,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#ddd\"/><text x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\">{4}%</text>",
            y(t),
            w - 12.0,
            left - 6.0,
            y(t) + 5.0,
            (t * 1000.0).round() / 10.0
        );
        t += step;
    }
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"{}\">day 1</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">day {days}</text>",
        h - 8.0,
        w - 12.0,
        h - 8.0
    );
    for (i, (_, values)) in series.iter().enumerate() {
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(d, v)| {
                let x = left + plot_w * d as f64 / (days - 1) as f64;
                format!("{x:.1},{:.1}", y(*v))
            })
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" points=\"{}\"/>",
            COLOURS[i % COLOURS.len()],
            points.join(" ")
        );
    }
    svg.push_str("</svg><ul class=\"legend\">");
    for (i, (name, values)) in series.iter().enumerate() {
        let _ = write!(
            svg,
            "<li><span class=\"sw\" style=\"background:{}\"></span>{}: {:.2}%</li>",
            COLOURS[i % COLOURS.len()],
            esc(name),
            values.last().copied().unwrap_or(0.0) * 100.0
        );
    }
    svg.push_str("</ul>");
    svg
}

/// Horizontal bars in HTML, readable at any width.
fn bars(items: &[(String, u64)]) -> String {
    let top = items.iter().map(|x| x.1).max().unwrap_or(0).max(1) as f64;
    let mut h = String::from("<div>");
    for (label, v) in items {
        let _ = write!(
            h,
            "<div class=\"bar\"><span class=\"l\">{}</span><span class=\"b\" style=\"width:{:.1}%\"></span><span class=\"v\">{}</span></div>",
            esc(label),
            (*v as f64 / top * 45.0).max(0.5),
            thousands(*v)
        );
    }
    h.push_str("</div>");
    h
}

fn share(k: &Kpis) -> Vec<f64> {
    k.cumulative_recovered
        .iter()
        .map(|c| {
            if k.balance_entered == 0.0 {
                0.0
            } else {
                c / k.balance_entered
            }
        })
        .collect()
}

fn kpi_table(
    names: &[String],
    ks: &[&Kpis],
    currency: &str,
    diff: Option<&[Difference]>,
) -> String {
    let mut header = vec!["".to_string()];
    header.extend(names.iter().cloned());
    if diff.is_some() {
        header.push("difference".into());
        header.push("95% interval".into());
    }
    let rs: Vec<_> = ks.iter().map(|k| rows(k)).collect();
    let mut body = vec![];
    for (i, (label, _, _)) in rs[0].iter().enumerate() {
        let mut row = vec![(label.clone(), false)];
        for r in &rs {
            row.push((local(&r[i].2, currency), true));
        }
        if let Some(ds) = diff {
            let metric = match label.as_str() {
                "recovery rate" => Some("recovery_rate"),
                "liquidation rate" => Some("liquidation_rate"),
                _ => None,
            };
            match metric.and_then(|m| ds.iter().find(|d| d.metric == m)) {
                Some(d) => {
                    let (v, iv) = interval(d);
                    row.push((v, true));
                    row.push((iv, true));
                }
                None => {
                    let d = rs[1][i].1 - rs[0][i].1;
                    let shown = if label.contains("rate") || label == "cost to collect" {
                        format!("{:+.2} pts", d * 100.0)
                    } else if label.starts_with("balance")
                        || label.starts_with("amount")
                        || label.starts_with("cost")
                    {
                        local(
                            &format!("{}{}", if d >= 0.0 { "+" } else { "" }, money(d)),
                            currency,
                        )
                    } else {
                        format!("{d:+}")
                    };
                    row.push((shown, true));
                    row.push(("".into(), true));
                }
            }
        }
        body.push(row);
    }
    table(&header, &body)
}

fn differences(ds: &[Difference], currency: &str) -> String {
    let header: Vec<String> = ["", "difference", "95% interval", "what it means"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let body: Vec<Vec<(String, bool)>> = ds
        .iter()
        .map(|d| {
            let (v, i) = interval(d);
            let meaning = d
                .sentence
                .split_once(": ")
                .map(|x| x.1)
                .unwrap_or(&d.sentence);
            vec![
                (metric_words(d.metric), false),
                (local(&v, currency), true),
                (local(&i, currency), true),
                (meaning.to_string(), false),
            ]
        })
        .collect();
    table(&header, &body)
}

fn stages(r: &Report) -> String {
    let header: Vec<String> = [
        "stage",
        "entered",
        "recovered",
        "contacts",
        "cost",
        "promises",
        "ended",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let c = &r.currency;
    let body: Vec<Vec<(String, bool)>> = r
        .stages
        .iter()
        .map(|s| {
            vec![
                (s.stage.clone(), false),
                (thousands(s.accounts_entered), true),
                (local(&money(s.recovered), c), true),
                (thousands(s.contacts.values().sum::<u64>()), true),
                (local(&money(s.cost), c), true),
                (thousands(s.promises_made), true),
                (thousands(s.outcomes.values().sum::<u64>()), true),
            ]
        })
        .collect();
    table(&header, &body)
}

pub(crate) fn html(o: &Outcome) -> String {
    let reports = &o.reports;
    let r0 = &reports[0];
    let cur = &r0.currency;
    let names: Vec<String> = reports.iter().map(label).collect();
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>dun simulate: {}</title><style>{STYLE}</style></head><body>",
        esc(&names.join(" vs "))
    );
    let _ = write!(
        h,
        "<h1>Simulation: {}</h1><p>{} accounts, {} days from {}, seed {}; money in {}.</p>",
        esc(&names.join(" vs ")),
        thousands(r0.whole.accounts),
        r0.days,
        esc(&r0.start),
        r0.seed,
        esc(cur)
    );
    if !o.goals.is_empty() || !o.gates.is_empty() {
        h.push_str("<h2>Goals and gates</h2><ul>");
        for g in &o.goals {
            let _ = write!(
                h,
                "<li class=\"{}\">{}</li>",
                if g.met { "met" } else { "missed" },
                esc(&g.sentence)
            );
        }
        for g in &o.gates {
            let _ = write!(
                h,
                "<li class=\"{}\">{}</li>",
                if g.failed { "failed" } else { "met" },
                esc(&g.sentence)
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("<h2>Recovery by day, as a share of each balance</h2><figure>");
    let mut series = vec![];
    for (r, n) in reports.iter().zip(&names) {
        series.push((n.clone(), share(&r.whole)));
        for a in &r.arms {
            let name = if reports.len() == 1 {
                a.name.clone()
            } else {
                format!("{n}: {}", a.name)
            };
            series.push((name, share(&a.kpis)));
        }
    }
    h.push_str(&recovery_chart(&series));
    h.push_str("</figure>");
    h.push_str("<h2>KPIs</h2>");
    let ks: Vec<&Kpis> = reports.iter().map(|r| &r.whole).collect();
    let diff = (reports.len() == 2).then_some(o.differences.as_slice());
    h.push_str(&kpi_table(&names, &ks, cur, diff));
    if reports.len() == 2 && !o.differences.is_empty() {
        let _ = write!(
            h,
            "<h2>{} minus {}</h2><p>On the same {} accounts; 95% intervals by a paired bootstrap over accounts.</p>",
            esc(&names[1]),
            esc(&names[0]),
            thousands(r0.whole.accounts)
        );
        h.push_str(&differences(&o.differences, cur));
    }
    for (r, n) in reports.iter().zip(&names) {
        if !r.arms.is_empty() {
            let _ = write!(h, "<h2>Split arms: {}</h2>", esc(n));
            let an: Vec<String> = r.arms.iter().map(|a| a.name.clone()).collect();
            let ak: Vec<&Kpis> = r.arms.iter().map(|a| &a.kpis).collect();
            h.push_str(&kpi_table(&an, &ak, &r.currency, None));
            let mut header = vec!["95% intervals".to_string()];
            header.extend(an.iter().cloned());
            let body: Vec<Vec<(String, bool)>> = r
                .arms
                .first()
                .map(|a| a.intervals.as_slice())
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    let mut row = vec![(metric_words(e.metric), false)];
                    for a in &r.arms {
                        row.push((
                            local(
                                &a.intervals.get(k).map(estimate).unwrap_or_default(),
                                &r.currency,
                            ),
                            true,
                        ));
                    }
                    row
                })
                .collect();
            h.push_str(&table(&header, &body));
            for (a, b, ds) in pairs(&r.arm_differences) {
                let _ = write!(
                    h,
                    "<h3>{} minus {}</h3><p>95% intervals by a bootstrap over each arm's accounts.</p>",
                    esc(&b),
                    esc(&a)
                );
                h.push_str(&differences(&ds, &r.currency));
            }
        }
        let _ = write!(h, "<h2>Stages: {}</h2>", esc(n));
        h.push_str(&stages(r));
        let _ = write!(h, "<h2>Contacts by channel: {}</h2>", esc(n));
        let items: Vec<(String, u64)> = r
            .whole
            .contacts
            .iter()
            .map(|(c, v)| (c.clone(), *v))
            .collect();
        h.push_str(&bars(&items));
        let _ = write!(h, "<h2>Accounts entering each stage: {}</h2>", esc(n));
        let items: Vec<(String, u64)> = r
            .stages
            .iter()
            .map(|s| (s.stage.clone(), s.accounts_entered))
            .collect();
        h.push_str(&bars(&items));
    }
    if let (Some(first), Some(last)) = (o.runs.first(), o.runs.last()) {
        let _ = write!(
            h,
            "<h2>Recovery rate over {} runs (seeds {} to {})</h2>",
            o.runs.len(),
            first.seed,
            last.seed
        );
        let header: Vec<String> = ["", "lowest", "median", "highest"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let body: Vec<Vec<(String, bool)>> = spreads(&o.runs)
            .into_iter()
            .map(|(n, lo, mid, hi)| {
                vec![
                    (n, false),
                    (format!("{:.2}%", lo * 100.0), true),
                    (format!("{:.2}%", mid * 100.0), true),
                    (format!("{:.2}%", hi * 100.0), true),
                ]
            })
            .collect();
        h.push_str(&table(&header, &body));
    }
    h.push_str("</body></html>\n");
    h
}
