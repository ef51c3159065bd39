//! Targets a strategy is held to (`recovery_rate >= 35% by day 90`) and
//! the gates CI fails a change on (`recovery_rate drops by 1pt`), read
//! from a small text form and checked against simulation reports.

use super::Report;
use serde::Serialize;

/// The metrics goals and gates can name, with whether they are rates
/// (written with `%`, compared in percentage points).
const METRICS: [(&str, bool); 9] = [
    ("recovery_rate", true),
    ("liquidation_rate", true),
    ("cost_to_collect", true),
    ("recovered", false),
    ("cost", false),
    ("paying_accounts", false),
    ("promises_kept", false),
    ("recovered_per_account", false),
    ("cost_per_account", false),
];

fn metric(word: &str, whole: &str) -> Result<(&'static str, bool), String> {
    METRICS
        .iter()
        .find(|(n, _)| *n == word)
        .copied()
        .ok_or_else(|| {
            format!(
                "`{whole}`: unknown metric `{word}`; the metrics are {}",
                METRICS.map(|m| m.0).join(", ")
            )
        })
}

/// A value as written: `35%` is 0.35 for a rate; a rate needs the `%`.
fn number(word: &str, rate: bool, whole: &str) -> Result<f64, String> {
    let (digits, pct) = match word.strip_suffix('%') {
        Some(d) => (d, true),
        None => (word, false),
    };
    let x: f64 = digits
        .replace(',', "")
        .parse()
        .map_err(|_| format!("`{whole}`: `{word}` is not a number"))?;
    if !x.is_finite() {
        return Err(format!("`{whole}`: `{word}` is not a number"));
    }
    match (rate, pct) {
        (true, true) => Ok(x / 100.0),
        (true, false) => Err(format!(
            "`{whole}`: write the rate as a percentage, such as `{word}%`"
        )),
        (false, true) => Err(format!(
            "`{whole}`: `{word}` is a percentage but the metric is not a rate; write a plain number"
        )),
        (false, false) => Ok(x),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "<")]
    Below,
}

/// `recovery_rate >= 35% by day 90`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Goal {
    pub text: String,
    pub metric: &'static str,
    pub op: Op,
    pub target: f64,
    pub by_day: Option<u32>,
}

impl Goal {
    pub fn parse(text: &str) -> Result<Goal, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let shape =
            "a goal reads `METRIC >= VALUE [by day N]`, such as `recovery_rate >= 35% by day 90`";
        let (m, op, v, rest) = match words.as_slice() {
            [m, op, v, rest @ ..] => (*m, *op, *v, rest),
            _ => return Err(format!("`{text}`: {shape}")),
        };
        let (metric, rate) = metric(m, text)?;
        let op = match op {
            ">=" => Op::AtLeast,
            ">" => Op::Above,
            "<=" => Op::AtMost,
            "<" => Op::Below,
            _ => {
                return Err(format!(
                    "`{text}`: `{op}` is not one of >=, >, <=, <; {shape}"
                ))
            }
        };
        let target = number(v, rate, text)?;
        let by_day = match rest {
            [] => None,
            ["by", "day", n] => {
                let n: u32 =
                    n.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                        format!("`{text}`: `{n}` is not a day number (1 or more)")
                    })?;
                if metric != "recovery_rate" && metric != "recovered" {
                    return Err(format!(
                        "`{text}`: `by day` applies to recovery_rate and recovered, which are counted day by day"
                    ));
                }
                Some(n)
            }
            _ => return Err(format!("`{text}`: {shape}")),
        };
        Ok(Goal {
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            metric,
            op,
            target,
            by_day,
        })
    }

    /// Refuses a goal the run cannot answer.
    pub fn fits(&self, days: u32) -> Result<(), String> {
        match self.by_day {
            Some(d) if d > days => Err(format!(
                "goal `{}`: the simulation runs {days} days; run it with `--days {d}` or more",
                self.text
            )),
            _ => Ok(()),
        }
    }
}

/// A metric of a report's whole portfolio; `by_day`: as counted at the end
/// of that day.
pub fn value(r: &Report, metric: &str, by_day: Option<u32>) -> f64 {
    let k = &r.whole;
    let per = |x: f64| {
        if k.accounts == 0 {
            0.0
        } else {
            x / k.accounts as f64
        }
    };
    let recovered = match by_day {
        Some(d) => k
            .cumulative_recovered
            .get(d as usize - 1)
            .or(k.cumulative_recovered.last())
            .copied()
            .unwrap_or(0.0),
        None => k.recovered,
    };
    match metric {
        "recovery_rate" => {
            if k.balance_entered == 0.0 {
                0.0
            } else {
                recovered / k.balance_entered
            }
        }
        "liquidation_rate" => k.liquidation_rate,
        "cost_to_collect" => k.cost_to_collect,
        "recovered" => recovered,
        "cost" => k.cost,
        "paying_accounts" => k.paying_accounts as f64,
        "promises_kept" => k.promises_kept as f64,
        "recovered_per_account" => per(k.recovered),
        "cost_per_account" => per(k.cost),
        _ => 0.0,
    }
}

fn shown(metric: &str, x: f64) -> String {
    if METRICS.iter().any(|(n, r)| *n == metric && *r) {
        format!("{:.2}%", x * 100.0)
    } else {
        format!("{x:.2}")
    }
}

/// A goal checked against one flow's report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Checked {
    pub goal: String,
    pub flow: String,
    pub value: f64,
    pub met: bool,
    pub sentence: String,
}

pub fn check(goal: &Goal, r: &Report) -> Checked {
    let v = value(r, goal.metric, goal.by_day);
    // Rounded as the report shows it, so a goal is not missed by a
    // rounding error the reader cannot see.
    let (a, t) = ((v * 1e8).round(), (goal.target * 1e8).round());
    let met = match goal.op {
        Op::AtLeast => a >= t,
        Op::Above => a > t,
        Op::AtMost => a <= t,
        Op::Below => a < t,
    };
    let flow = format!("{} v{}", r.flow, r.version);
    Checked {
        goal: goal.text.clone(),
        sentence: format!(
            "{}: {} for {flow}: {} ({})",
            if met { "met" } else { "missed" },
            goal.text,
            shown(goal.metric, v),
            match goal.by_day {
                Some(d) => format!("at the end of day {d}"),
                None => format!("after {} days", r.days),
            }
        ),
        flow,
        value: v,
        met,
    }
}

/// `recovery_rate drops by 1pt`, `cost rises by 10%`, or `goal missed`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Gate {
    Change {
        text: String,
        metric: &'static str,
        /// A drop (else a rise) of FLOW against the `--vs` flow.
        drop: bool,
        by: f64,
        /// `by` is a share of the `--vs` flow's value (`10%`), else in the
        /// metric's unit (percentage points for rates: `1pt`).
        relative: bool,
    },
    GoalMissed,
}

impl Gate {
    pub fn parse(text: &str) -> Result<Gate, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let shape = "a gate reads `METRIC drops by AMOUNT` or `METRIC rises by AMOUNT` (AMOUNT: `1pt` for a rate, `5%` of the --vs flow's value, or a plain number), or `goal missed`";
        match words.as_slice() {
            ["goal", "missed"] | ["any", "goal", "missed"] => Ok(Gate::GoalMissed),
            [m, dir, "by", amount] => {
                let (metric, rate) = metric(m, text)?;
                let drop = match *dir {
                    "drops" => true,
                    "rises" => false,
                    _ => return Err(format!("`{text}`: {shape}")),
                };
                let (digits, relative, pts) = if let Some(d) = amount
                    .strip_suffix("pts")
                    .or_else(|| amount.strip_suffix("pt"))
                {
                    (d, false, true)
                } else if let Some(d) = amount.strip_suffix('%') {
                    (d, true, false)
                } else {
                    (*amount, false, false)
                };
                if pts && !rate {
                    return Err(format!(
                        "`{text}`: points are for rates; `{metric}` changes by a plain number or a percentage"
                    ));
                }
                if rate && !pts && !relative {
                    return Err(format!(
                        "`{text}`: say `{amount}pt` (percentage points) or `{amount}%` (a share of the --vs flow's rate)"
                    ));
                }
                let x: f64 = digits
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| format!("`{text}`: `{amount}` is not an amount of 0 or more"))?;
                let by = if pts || relative { x / 100.0 } else { x };
                Ok(Gate::Change {
                    text: words.join(" "),
                    metric,
                    drop,
                    by,
                    relative,
                })
            }
            _ => Err(format!("`{text}`: {shape}")),
        }
    }
}

/// A gate checked: `failed` means CI should stop the change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateResult {
    pub gate: String,
    pub failed: bool,
    pub sentence: String,
}

/// Checks a change gate of `flow` against `base` (the `--vs` flow).
pub fn gate(
    g: &Gate,
    flow: &Report,
    base: Option<&Report>,
    goals: &[Checked],
) -> Result<GateResult, String> {
    match g {
        Gate::GoalMissed => {
            let missed: Vec<&Checked> = goals.iter().filter(|c| !c.met).collect();
            Ok(GateResult {
                gate: "goal missed".into(),
                failed: !missed.is_empty(),
                sentence: if missed.is_empty() {
                    format!("passed: goal missed: all {} goals met", goals.len())
                } else {
                    format!(
                        "FAILED: goal missed: {}",
                        missed
                            .iter()
                            .map(|c| c.goal.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                },
            })
        }
        Gate::Change {
            text,
            metric,
            drop,
            by,
            relative,
        } => {
            let base = base.ok_or_else(|| {
                format!("--fail-if \"{text}\" compares FLOW with another flow; give it with `--vs OTHER_FLOW`")
            })?;
            let (v, b) = (value(flow, metric, None), value(base, metric, None));
            let change = if *drop { b - v } else { v - b };
            let limit = if *relative { by * b.abs() } else { *by };
            // As shown (to 1e-8), so equal-looking figures compare equal.
            let failed = (change * 1e8).round() >= (limit * 1e8).round() && change > 0.0;
            let rate = METRICS.iter().any(|(n, r)| n == metric && *r);
            let moved = if rate {
                format!("{:+.2} pts", (v - b) * 100.0)
            } else {
                format!("{:+.2}", v - b)
            };
            Ok(GateResult {
                gate: text.clone(),
                failed,
                sentence: format!(
                    "{}: {text}: {metric} {} for {} v{} against {} for {} v{} ({moved})",
                    if failed { "FAILED" } else { "passed" },
                    shown(metric, v),
                    flow.flow,
                    flow.version,
                    shown(metric, b),
                    base.flow,
                    base.version,
                ),
            })
        }
    }
}

/// A goals file: `goals = ["recovery_rate >= 35% by day 90", ...]`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    goals: Vec<String>,
}

pub fn read_file(text: &str) -> Result<Vec<Goal>, String> {
    let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
    f.goals.iter().map(|g| Goal::parse(g)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_and_gates_read_as_written_and_bad_ones_say_how_to_write_them() {
        let g = Goal::parse("recovery_rate >= 35% by day 90").unwrap();
        assert_eq!(
            (g.metric, g.op, g.by_day),
            ("recovery_rate", Op::AtLeast, Some(90))
        );
        assert!((g.target - 0.35).abs() < 1e-12);
        assert!(Goal::parse("recovery_rate >= 35")
            .unwrap_err()
            .contains("`35%`"));
        assert!(Goal::parse("cost <= 1,000").is_ok());
        assert!(Goal::parse("cost <= 5% by day 3")
            .unwrap_err()
            .contains("not a rate"));
        assert!(Goal::parse("cost <= 5 by day 3")
            .unwrap_err()
            .contains("day by day"));
        assert!(Goal::parse("recovry_rate >= 3%")
            .unwrap_err()
            .contains("unknown metric"));
        assert!(g.fits(60).unwrap_err().contains("--days 90"));
        match Gate::parse("recovery_rate drops by 1pt").unwrap() {
            Gate::Change {
                drop, by, relative, ..
            } => {
                assert!(drop && !relative && (by - 0.01).abs() < 1e-12)
            }
            g => panic!("{g:?}"),
        }
        assert!(Gate::parse("recovery_rate drops by 1")
            .unwrap_err()
            .contains("1pt"));
        assert!(Gate::parse("cost drops by 1pt")
            .unwrap_err()
            .contains("points are for rates"));
        assert_eq!(Gate::parse("goal missed").unwrap(), Gate::GoalMissed);
        assert_eq!(
            read_file("goals = [\"liquidation_rate > 5%\"]").unwrap()[0].metric,
            "liquidation_rate"
        );
    }
}
