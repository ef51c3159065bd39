//! `dun graph`: the stages of a flow and the ways between them, as a
//! diagram a collections manager can read.
//!
//! The model holds only what the flow means: nodes and edges come in the
//! order the declarations are written, and every label is printed in the
//! formatter's canonical spelling, so reformatting a flow, adding comments
//! or moving the file never changes its diagram.

mod dot;
mod fit;
mod mermaid;
mod summary;
mod svg;

pub use dot::to_dot;
pub use mermaid::to_mermaid;
pub use svg::to_svg;

use crate::fmt::Spelling;
use crate::syntax::ast::{Decl, File, Handler, HandlerBody, Step, StepKind};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowGraph {
    /// The flow's name, `flow` when the file has no `flow` line.
    pub flow: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    /// Safe in Mermaid, DOT and SVG: `entry`, `any_stage`, `stage_NAME`,
    /// `outcome_NAME` (names are `[a-z_][a-z0-9_]*`).
    pub id: String,
    pub kind: NodeKind,
    /// What kind of work the stage does, for its colour.
    pub role: Role,
    pub title: String,
    /// What the stage does, a few steps a line (`email first_notice · wait 3d`).
    pub summary: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NodeKind {
    /// Where new accounts come in; its one edge points at the `start` stage.
    Entry,
    Stage {
        start: bool,
    },
    /// Stands for "whichever stage the account is in" for flow handlers, so
    /// that they are drawn once and not from every stage.
    AnyStage,
    /// One node per distinct outcome named by `end`.
    Outcome,
}

/// The kind of stage a reader tells apart by colour: the first of legal,
/// agent, contact, wait that the stage's steps do (so a stage that calls
/// an agents' queue and also sends an SMS is an agent stage).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Role {
    Entry,
    /// Hands the account to an outside agency.
    Legal,
    /// Puts the account in front of people: a queue, a queued call, an
    /// alert to a team.
    Agent,
    /// Automated contact: messages, letters, dialer calls.
    Contact,
    /// Only waits, sets, offers or emits.
    Wait,
    /// Where accounts end (an outcome), or the handlers of every stage.
    End,
    AnyStage,
}

impl Role {
    /// Fill colours, light enough for black text.
    pub fn fill(self) -> &'static str {
        match self {
            Role::Entry => "#222222",
            Role::Legal => "#f8d7da",
            Role::Agent => "#fff3cd",
            Role::Contact => "#d6eaf8",
            Role::Wait => "#eeeeee",
            Role::End => "#d4edda",
            Role::AnyStage => "#ffffff",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Entry => "entry",
            Role::Legal => "legal",
            Role::Agent => "agent",
            Role::Contact => "contact",
            Role::Wait => "wait",
            Role::End => "end",
            Role::AnyStage => "any stage",
        }
    }

    fn of(steps: &[Step]) -> Role {
        let mut seen = [false; 3];
        visit(steps, &mut |k| match k {
            StepKind::AssignAgency(_) | StepKind::PlaceAgency { .. } => seen[0] = true,
            StepKind::AssignQueue { .. } | StepKind::Alert { .. } => seen[1] = true,
            StepKind::Call { queue: Some(_), .. } => seen[1] = true,
            StepKind::Send { .. } | StepKind::Call { .. } => seen[2] = true,
            _ => {}
        });
        match seen {
            [true, _, _] => Role::Legal,
            [_, true, _] => Role::Agent,
            [_, _, true] => Role::Contact,
            _ => Role::Wait,
        }
    }
}

fn visit(steps: &[Step], f: &mut dyn FnMut(&StepKind)) {
    for s in steps {
        f(&s.kind);
        match &s.kind {
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (_, b) in branches {
                    visit(&b.steps, f);
                }
                if let Some(b) = otherwise {
                    visit(&b.steps, f);
                }
            }
            StepKind::Repeat { body, .. } => visit(&body.steps, f),
            _ => {}
        }
    }
}

/// Edges between the same two nodes for the same reason are drawn as one,
/// their labels listed, at most this many, then a count of the rest: a flow
/// with a thousand handlers into one stage draws one readable arrow.
const LABELS_PER_EDGE: usize = 3;

fn merge(edges: Vec<Edge>) -> Vec<Edge> {
    use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
    let mut out: Vec<Edge> = Vec::with_capacity(edges.len());
    // Per merged edge: its distinct labels in order, and whether one of the
    // merged edges had none.
    let mut labels: Vec<(Vec<String>, HashSet<String>, bool)> = Vec::new();
    let mut index: HashMap<(String, String, EdgeKind), usize> = HashMap::new();
    for e in edges {
        let key = (e.from.clone(), e.to.clone(), e.kind);
        let i = *index.entry(key).or_insert_with(|| {
            out.push(Edge {
                label: None,
                ..e.clone()
            });
            labels.push((Vec::new(), HashSet::new(), false));
            out.len() - 1
        });
        let slot = &mut labels[i];
        match e.label {
            Some(l) => {
                if slot.1.insert(l.clone()) {
                    slot.0.push(l);
                }
            }
            None => slot.2 = true,
        }
    }
    for (e, (ls, _, bare)) in out.iter_mut().zip(labels) {
        if ls.is_empty() {
            continue;
        }
        let mut shown: Vec<String> = ls.iter().take(LABELS_PER_EDGE).cloned().collect();
        if ls.len() > LABELS_PER_EDGE {
            shown.push(format!("and {} more", ls.len() - LABELS_PER_EDGE));
        }
        if bare {
            shown.push("otherwise".to_string());
        }
        e.label = Some(shown.join(" / "));
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// The condition, share or event that takes this way, if any.
    pub label: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum EdgeKind {
    Start,
    Goto,
    Split,
    End,
    /// `on EVENT -> stage` in a stage.
    StageHandler,
    /// `on EVENT -> stage` at the top level, from the "any stage" node.
    FlowHandler,
}

pub const ENTRY: &str = "entry";
pub const ANY_STAGE: &str = "any_stage";

pub fn stage_id(name: &str) -> String {
    format!("stage_{name}")
}

pub fn outcome_id(name: &str) -> String {
    format!("outcome_{name}")
}

/// Builds the diagram of an analysed flow. Only the tree is read, never the
/// source text, so the layout of the file cannot leak into the diagram.
pub fn build(file: &File) -> FlowGraph {
    let mut builder = Builder::default();
    let mut flow = String::from("flow");
    let mut start = None;
    for decl in &file.decls {
        match decl {
            Decl::Flow(f) => flow = f.name.name.clone(),
            Decl::Start(s) => start = Some(s.stage.name.clone()),
            _ => {}
        }
    }

    let mut stages = Vec::new();
    let mut any_stage_summary = Vec::new();
    let mut has_flow_handlers = false;
    for decl in &file.decls {
        match decl {
            Decl::Stage(stage) => {
                let from = stage_id(&stage.name.name);
                for h in &stage.handlers {
                    builder.handler(&from, h, EdgeKind::StageHandler);
                }
                for d in &stage.deadlines {
                    let to = stage_id(&d.stage.name);
                    builder.edge(&from, to, EdgeKind::StageHandler, &[deadline_label(d)]);
                }
                builder.steps(&from, &stage.body.steps, &[]);
                stages.push(Node {
                    id: from,
                    kind: NodeKind::Stage {
                        start: start.as_deref() == Some(stage.name.name.as_str()),
                    },
                    role: Role::of(&stage.body.steps),
                    title: stage.name.name.clone(),
                    summary: summary::stage(&stage.body.steps),
                });
            }
            Decl::Handler(h) => {
                has_flow_handlers = true;
                builder.handler(ANY_STAGE, h, EdgeKind::FlowHandler);
                if let HandlerBody::Block(block) = &h.body {
                    let what = summary::steps(&block.steps).join(" · ");
                    if !what.is_empty() {
                        any_stage_summary.push(format!("{}: {what}", handler_label(h)));
                    }
                }
            }
            // A deadline leads from whichever stage the account is in, as
            // a flow handler does.
            Decl::Deadline(d) => {
                has_flow_handlers = true;
                let to = stage_id(&d.stage.name);
                builder.edge(ANY_STAGE, to, EdgeKind::FlowHandler, &[deadline_label(d)]);
            }
            _ => {}
        }
    }

    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    if let Some(start) = &start {
        nodes.push(Node {
            id: ENTRY.to_string(),
            kind: NodeKind::Entry,
            role: Role::Entry,
            title: "start".to_string(),
            summary: Vec::new(),
        });
        edges.push(Edge {
            from: ENTRY.to_string(),
            to: stage_id(start),
            kind: EdgeKind::Start,
            label: None,
        });
    }
    nodes.extend(stages);
    if has_flow_handlers {
        nodes.push(Node {
            id: ANY_STAGE.to_string(),
            kind: NodeKind::AnyStage,
            role: Role::AnyStage,
            title: "any stage".to_string(),
            summary: any_stage_summary,
        });
    }
    for outcome in &builder.outcomes {
        nodes.push(Node {
            id: outcome_id(outcome),
            kind: NodeKind::Outcome,
            role: Role::End,
            title: outcome.clone(),
            summary: Vec::new(),
        });
    }
    edges.extend(builder.edges);
    let edges = merge(edges);
    FlowGraph { flow, nodes, edges }
}

/// Canonical spelling of an expression, independent of the source text.
pub(crate) fn spell() -> Spelling<'static> {
    Spelling { src: "" }
}

fn handler_label(h: &Handler) -> String {
    match &h.when {
        Some(cond) => format!("on {} when {}", h.event.name, spell().expr(cond)),
        None => format!("on {}", h.event.name),
    }
}

fn deadline_label(d: &crate::syntax::ast::Deadline) -> String {
    match &d.when {
        Some(cond) => format!("at {} when {}", spell().expr(&d.at), spell().expr(cond)),
        None => format!("at {}", spell().expr(&d.at)),
    }
}

#[derive(Default)]
struct Builder {
    edges: Vec<Edge>,
    /// Outcomes in the order they are first used.
    outcomes: Vec<String>,
}

impl Builder {
    fn handler(&mut self, from: &str, h: &Handler, kind: EdgeKind) {
        let label = handler_label(h);
        match &h.body {
            HandlerBody::Goto(stage) => self.edge(from, stage_id(&stage.name), kind, &[label]),
            HandlerBody::Block(block) => self.moves(from, &block.steps, &[label], kind),
        }
    }

    fn steps(&mut self, from: &str, steps: &[Step], context: &[String]) {
        self.moves(from, steps, context, EdgeKind::Goto);
    }

    /// Every `goto`, `end` and `split` reachable in `steps`, labelled with
    /// the conditions that lead to it.
    fn moves(&mut self, from: &str, steps: &[Step], context: &[String], kind: EdgeKind) {
        for step in steps {
            match &step.kind {
                StepKind::Goto(stage) => self.edge(from, stage_id(&stage.name), kind, context),
                StepKind::End(outcome) => {
                    if !self.outcomes.contains(&outcome.name) {
                        self.outcomes.push(outcome.name.clone());
                    }
                    let kind = if kind == EdgeKind::Goto {
                        EdgeKind::End
                    } else {
                        kind
                    };
                    self.edge(from, outcome_id(&outcome.name), kind, context);
                }
                StepKind::Split { arms } => {
                    for arm in arms {
                        let mut inner = context.to_vec();
                        inner.push(format!("{}%", arm.share.0));
                        let kind = if kind == EdgeKind::Goto {
                            EdgeKind::Split
                        } else {
                            kind
                        };
                        self.edge(from, stage_id(&arm.stage.name), kind, &inner);
                    }
                }
                StepKind::If {
                    branches,
                    otherwise,
                } => {
                    for (cond, block) in branches {
                        let mut inner = context.to_vec();
                        inner.push(spell().expr(cond));
                        self.moves(from, &block.steps, &inner, kind);
                    }
                    if let Some(block) = otherwise {
                        let mut inner = context.to_vec();
                        inner.push("otherwise".to_string());
                        self.moves(from, &block.steps, &inner, kind);
                    }
                }
                StepKind::Repeat { body, .. } => self.moves(from, &body.steps, context, kind),
                _ => {}
            }
        }
    }

    fn edge(&mut self, from: &str, to: String, kind: EdgeKind, context: &[String]) {
        let label = if context.is_empty() {
            None
        } else {
            Some(context.join(", "))
        };
        self.edges.push(Edge {
            from: from.to_string(),
            to,
            kind,
            label,
        });
    }
}
