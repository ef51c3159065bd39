//! Verification of the contact rules and of the flow's shape over the
//! lowered state machine: caps, pauses, zero-time loops, progress and dead
//! contacts. What each pass proves, and what it leaves to the runtime, is
//! in docs/verification.md.
//!
//! Every pass walks [`graph::Graph`]: errors come from moves that happen on
//! fixed waits whatever events arrive; what needs an event at a particular
//! moment, a `wait until` or a calendar-dependent length is a warning.

mod caps;
mod dead;
mod graph;
mod holds;
mod loops;
mod moments;
mod paths;
mod pauses;
mod progress;
mod render;
mod until;
mod windows;
mod zones;

#[cfg(test)]
mod deadline_tests;
#[cfg(test)]
mod tests;

pub use graph::bounds;

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{self, Decl, PolicyRuleKind, Span};
use dun_machine::format::Machine;
use foldhash::{HashMap, HashMapExt};

/// More contacts than a cap allows fall in one window on a run of fixed waits.
pub const CAP: &str = "dun::verify::cap";
/// The same, on a run that needs an event, a `wait until` or the calendar.
pub const CAP_POSSIBLE: &str = "dun::verify::cap_possible";
/// A contact the flow plans inside a `pause` that follows its event.
pub const PAUSE: &str = "dun::verify::pause";
/// A contact the flow plans inside a hold, before its releasing event.
pub const HOLD: &str = "dun::verify::hold";
/// A contact whose channel has no open day in the week.
pub const NEVER_OPEN: &str = "dun::verify::never_open";
/// A cycle of stages and handlers that repeats without any wait.
pub const ZERO_TIME_LOOP: &str = "dun::verify::zero_time_loop";
/// A stage from which no `end` can be reached.
pub const NEVER_ENDS: &str = "dun::verify::never_ends";
/// A contact every run reaches only after a `stop` of its channel.
pub const DEAD_CONTACT: &str = "dun::verify::dead_contact";
/// A `wait until` whose moment the flow's own waits can have passed.
pub const WAIT_UNTIL_PAST: &str = "dun::verify::wait_until_past";
/// Contact hours in two named zones that never meet.
pub const ZONES_NEVER_OVERLAP: &str = "dun::verify::zones_never_overlap";

/// Every code of the verifier, in the order docs/errors.md lists them.
pub const ALL: &[&str] = &[
    CAP,
    CAP_POSSIBLE,
    PAUSE,
    HOLD,
    NEVER_OPEN,
    ZERO_TIME_LOOP,
    NEVER_ENDS,
    DEAD_CONTACT,
    WAIT_UNTIL_PAST,
    ZONES_NEVER_OVERLAP,
];

/// What every pass reads.
pub(crate) struct Context<'a> {
    pub m: &'a Machine,
    pub g: &'a graph::Graph,
    /// Source spans of the policy rules, by kind, in the machine's order.
    caps: Vec<Span>,
    pauses: Vec<Span>,
    stops: Vec<Span>,
    holds: Vec<Span>,
    /// The rules of hours per day, in the machine's order of windows.
    windows: Vec<Span>,
    /// The plain `contact_hours FROM to TO`.
    hours: Option<Span>,
    /// The span of each stage's name, by stage index.
    stage_names: Vec<Option<Span>>,
    /// The span of each variable's name, by variable index.
    var_names: Vec<Span>,
}

impl Context<'_> {
    pub fn cap_span(&self, i: usize) -> Span {
        self.caps.get(i).copied().unwrap_or_default()
    }

    pub fn pause_span(&self, i: usize) -> Span {
        self.pauses.get(i).copied().unwrap_or_default()
    }

    pub fn hold_span(&self, i: usize) -> Span {
        self.holds.get(i).copied().unwrap_or_default()
    }

    /// The rule of hours that applies to a channel, when one names days.
    pub fn window_span(&self, channel: dun_machine::format::Channel) -> Option<Span> {
        let w = self.m.policy.ext.window_for(channel)?;
        let i = self.m.policy.ext.windows.iter().position(|x| x == w)?;
        self.windows.get(i).copied()
    }

    pub fn stop_span(&self, i: usize) -> Span {
        self.stops.get(i).copied().unwrap_or_default()
    }

    pub fn var_span(&self, var: u16) -> Option<Span> {
        self.var_names.get(var as usize).copied()
    }

    pub fn stage_name_span(&self, stage: usize) -> Option<Span> {
        self.stage_names.get(stage).copied().flatten()
    }

    pub fn event_name(&self, event: u16) -> String {
        self.m
            .events
            .get(event as usize)
            .map(|e| self.m.str(e.name).to_string())
            .unwrap_or_else(|| "?".into())
    }
}

/// Runs every pass over a machine lowered from `file`.
pub fn verify(file: &ast::File, m: &Machine) -> Vec<Diagnostic> {
    with_context(file, m, |cx, reach| {
        let mut out = Vec::new();
        loops::check(cx, reach, &mut out);
        progress::check(cx, reach, &mut out);
        caps::check(cx, reach, &mut out);
        pauses::check(cx, reach, &mut out);
        holds::check(cx, reach, &mut out);
        windows::check(cx, reach, &mut out);
        zones::check(cx, &mut out);
        dead::check(cx, reach, &mut out);
        let mut past = Vec::new();
        until::check(cx, &mut past);
        // A `wait until` a zero-time loop already labels is said once, in
        // the error.
        past.retain(|note| {
            !out.iter().any(|d| {
                d.code == ZERO_TIME_LOOP
                    && (d.primary.span == note.primary.span
                        || d.secondary.iter().any(|l| l.span == note.primary.span))
            })
        });
        out.extend(past);
        out
    })
}

/// A cap error's run, for the property test: the cap, the `if` choices
/// of its run as (account field, taken) for conditions that read one
/// field, and the entry at which the engine's moments break the cap when
/// the contact hours or a recall could move them.
#[cfg(test)]
pub(crate) type CapErrorRun = (
    usize,
    Vec<(u16, bool)>,
    Option<chrono::DateTime<chrono::Utc>>,
);

/// The runs behind the cap errors, for the property test.
#[cfg(test)]
pub(crate) fn cap_error_runs(file: &ast::File, m: &Machine) -> Vec<CapErrorRun> {
    with_context(file, m, |cx, reach| {
        caps::breaches(cx, reach)
            .into_iter()
            .filter(|(_, _, mode)| *mode == render::Mode::Fixed)
            .map(|(i, b, _)| {
                let mut choices = Vec::new();
                for &(u, e) in b.prefix.iter().chain(b.window.iter()) {
                    if let graph::Via::Branch { stage, pc, taken } = cx.g.edge((u, e)).via {
                        if let Some(dun_machine::format::Op::JumpUnless { cond, .. }) = m
                            .stages
                            .get(stage as usize)
                            .and_then(|s| s.code.get(pc as usize))
                        {
                            if let [dun_machine::format::Instr::Account(f)] = cond.as_slice() {
                                choices.push((*f, taken));
                            }
                        }
                    }
                }
                (i, choices, b.shifted.map(|s| s.entry))
            })
            .collect()
    })
}

fn with_context<T>(
    file: &ast::File,
    m: &Machine,
    run: impl FnOnce(&Context<'_>, &paths::Reach) -> T,
) -> T {
    let (mut caps, mut pauses, mut stops) = (Vec::new(), Vec::new(), Vec::new());
    let mut holds = Vec::new();
    let mut windows = Vec::new();
    let mut hours = None;
    let mut week_caps = Vec::new();
    // Variables are numbered as declared, the first of a name winning (as
    // lowering numbers them).
    let mut var_names: Vec<Span> = Vec::new();
    let mut seen_vars = foldhash::HashSet::default();
    for decl in &file.decls {
        if let Decl::Var(v) = decl {
            if seen_vars.insert(v.name.name.as_str()) {
                var_names.push(v.name.span);
            }
        }
    }
    for decl in &file.decls {
        if let Decl::Policy(p) = decl {
            for rule in &p.rules {
                match rule.kind {
                    PolicyRuleKind::AtMost { .. } => caps.push(rule.span),
                    PolicyRuleKind::Pause { .. } => pauses.push(rule.span),
                    PolicyRuleKind::Stop { .. } => stops.push(rule.span),
                    PolicyRuleKind::Hold { .. } => holds.push(rule.span),
                    PolicyRuleKind::Windows { .. } => windows.push(rule.span),
                    PolicyRuleKind::ContactHours { .. } => hours = Some(rule.span),
                    PolicyRuleKind::AtMostPerWeek { .. } => week_caps.push(rule.span),
                    _ => {}
                }
            }
        }
    }
    // The caps' spans in the order of `caps::all_caps`.
    caps.extend(week_caps);
    // One map of the declarations, not a scan of them per stage: a scan
    // made this quadratic in the number of stages, the largest cost of
    // verifying a big flow.
    let mut declared: HashMap<&str, Span> = HashMap::new();
    for d in &file.decls {
        if let Decl::Stage(st) = d {
            // The first declaration of a name wins, as the scan did.
            declared
                .entry(st.name.name.as_str())
                .or_insert(st.name.span);
        }
    }
    let stage_names = m
        .stages
        .iter()
        .map(|s| declared.get(m.str(s.name)).copied())
        .collect();
    let g = graph::build(m);
    let cx = Context {
        stage_names,
        var_names,
        m,
        g: &g,
        caps,
        pauses,
        stops,
        holds,
        windows,
        hours,
    };
    let reach = paths::Reach::from_start(&g);
    run(&cx, &reach)
}
