//! One short line per stage of what it does: `email first_notice · wait 3d`.
//! Moves (`goto`, `end`, `split`) are left out: the diagram's edges show them.

use super::spell;
use crate::syntax::ast::{DurationLit, DurationUnit, Step, StepKind, WaitKind};

/// A summary line is cut at about this many characters so that boxes stay
/// narrow enough to lay out side by side.
const LINE: usize = 44;

/// The summary of a stage's steps, wrapped into lines.
pub fn stage(steps: &[Step]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in self::steps(steps) {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 3 + part.chars().count() <= LINE => {
                line.push_str(" · ");
                line.push_str(&part);
            }
            _ => lines.push(part),
        }
    }
    lines
}

/// One entry per step that does something other than move; each branch of
/// an `if` is an entry of its own so that long stages wrap between them.
pub fn steps(steps: &[Step]) -> Vec<String> {
    let mut out = Vec::new();
    for s in steps {
        match &s.kind {
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (cond, block) in branches {
                    let inner = self::steps(&block.steps);
                    if !inner.is_empty() {
                        out.push(shorten(format!(
                            "if {} [{}]",
                            spell().expr(cond),
                            inner.join(" · ")
                        )));
                    }
                }
                if let Some(block) = otherwise {
                    let inner = self::steps(&block.steps);
                    if !inner.is_empty() {
                        out.push(shorten(format!("otherwise [{}]", inner.join(" · "))));
                    }
                }
            }
            _ => out.extend(step(s).map(shorten)),
        }
    }
    out
}

/// Cuts an entry longer than a box should be wide; the file has the rest.
fn shorten(entry: String) -> String {
    const MOST: usize = 72;
    if entry.chars().count() <= MOST {
        return entry;
    }
    let mut cut: String = entry.chars().take(MOST - 1).collect();
    cut.push('…');
    cut
}

fn step(step: &Step) -> Option<String> {
    Some(match &step.kind {
        StepKind::Send {
            channel,
            template,
            when,
            ..
        } => guarded(format!("{} {}", channel.name, template.name), when),
        StepKind::Call {
            queue: Some(q),
            when,
            ..
        } => guarded(format!("call {}", q.name), when),
        StepKind::Call {
            queue: None, when, ..
        } => guarded("call".to_string(), when),
        StepKind::Wait(WaitKind::For(d)) => format!("wait {}", short(d)),
        StepKind::Wait(WaitKind::Until(e)) => format!("wait until {}", spell().expr(e)),
        // Written branch by branch by `steps`.
        StepKind::If { .. } => return None,
        StepKind::Repeat { count, body } => {
            let inner = steps(&body.steps);
            if inner.is_empty() {
                return None;
            }
            format!("{}× [{}]", count.0, inner.join(" · "))
        }
        StepKind::Set { var, .. } => format!("set {}", var.name),
        StepKind::AssignQueue { queue, .. } => format!("queue {}", queue.name),
        StepKind::AssignAgency(name) => match name.plain() {
            Some(name) => format!("agency {name}"),
            None => "agency".to_string(),
        },
        StepKind::PlaceAgency { agency, period } => match agency.plain() {
            Some(name) => format!("agency {name} for {}", short(period)),
            None => format!("agency for {}", short(period)),
        },
        StepKind::OfferDiscount { percent, duration } => match duration {
            Some(d) => format!("discount {}% for {}", percent.0, short(d)),
            None => format!("discount {}%", percent.0),
        },
        StepKind::OfferPlan {
            installments,
            every,
            up_to,
        } => format!(
            "plan {}{} × {}",
            if *up_to { "≤" } else { "" },
            installments.0,
            short(every)
        ),
        StepKind::Alert { team, .. } => format!("alert {}", team.name),
        StepKind::Emit { action, .. } => format!("emit {}", action.name),
        StepKind::Promise { amount, by, .. } => {
            format!("promise {} by {}", spell().expr(amount), spell().expr(by))
        }
        StepKind::Plan { amount, count, .. } => {
            format!("plan {} in {}", spell().expr(amount), spell().expr(count))
        }
        StepKind::OfferSettlement { terms, .. } => match terms {
            crate::syntax::ast::SettlementTerms::Amount(a) => {
                format!("settlement {}", spell().expr(a))
            }
            crate::syntax::ast::SettlementTerms::Discount((p, _)) => {
                format!("discount {p}% if paid in full")
            }
        },
        StepKind::Goto(_) | StepKind::End(_) | StepKind::Split { .. } => return None,
        StepKind::ChargeFee { amount, when, .. } => {
            guarded(format!("fee {}", spell().expr(amount)), when)
        }
        StepKind::Interest { freeze: true } => "freeze interest".to_string(),
        StepKind::Interest { freeze: false } => "resume interest".to_string(),
    })
}

/// A contact with its `when`, so a guarded message does not read as one
/// every account gets.
fn guarded(what: String, when: &Option<crate::syntax::ast::Expr>) -> String {
    match when {
        Some(cond) => format!("{what} when {}", spell().expr(cond)),
        None => what,
    }
}

/// `3d`, `12h`, `30min`, `2w`, `1mo`; business days stay in words.
fn short(d: &DurationLit) -> String {
    let n = d.amount;
    match d.unit {
        DurationUnit::Minutes => format!("{n}min"),
        DurationUnit::Hours => format!("{n}h"),
        DurationUnit::Days => format!("{n}d"),
        DurationUnit::Weeks => format!("{n}w"),
        DurationUnit::Months => format!("{n}mo"),
        DurationUnit::BusinessDays => {
            let unit = if n == 1 {
                "business day"
            } else {
                "business days"
            };
            match &d.calendar {
                Some(c) => format!("{n} {unit} of {}", c.name),
                None => format!("{n} {unit}"),
            }
        }
    }
}
