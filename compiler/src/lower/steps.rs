//! Steps → ops. Inside a stage every `wait` creates a wait state (resuming
//! just after it) and every contact a held state (resuming at the contact
//! itself); inside a handler contacts never hold and waits do not exist.

use super::{src, Lowerer, UNRESOLVED, UNSUPPORTED};
use crate::model::DeclId;
use crate::syntax::ast::{self, StepKind, WaitKind};
use dun_machine::format::{Channel, Op, Priority, SplitArm, SrcSpan, State, StateKind};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Where steps are being lowered.
#[derive(Clone, Copy)]
pub(crate) enum Place {
    Stage(u16),
    /// A handler of this event.
    Handler(u16),
}

/// An op list being built, with the source span of each op.
#[derive(Default)]
pub(crate) struct Ops {
    pub code: Vec<Op>,
    pub spans: Vec<SrcSpan>,
}

impl Ops {
    pub(crate) fn push(&mut self, op: Op, span: ast::Span) -> usize {
        self.code.push(op);
        self.spans.push(src(span));
        self.code.len() - 1
    }

    fn here(&self) -> u32 {
        self.code.len() as u32
    }

    /// Whether control can never reach the op after the last one: the last
    /// op leaves, and no jump lands just past it (an inner `if` without
    /// `else` that ends in `goto` still falls through when false).
    fn ends_in_jump(&self) -> bool {
        let here = self.here();
        let leaves = matches!(
            self.code.last(),
            Some(Op::Goto(_) | Op::End(_) | Op::Split(_) | Op::Jump(_))
        );
        leaves
            && !self.code.iter().any(|op| match op {
                Op::Jump(to) | Op::JumpUnless { to, .. } => *to == here,
                _ => false,
            })
    }
}

impl<'a> Lowerer<'a> {
    pub fn new_state(&mut self, stage: u16, pc: u32, kind: StateKind, span: ast::Span) -> u32 {
        self.m.states.push(State {
            stage,
            pc,
            kind,
            span: src(span),
        });
        (self.m.states.len() - 1) as u32
    }

    fn event_of(&self, place: Place) -> Option<u16> {
        match place {
            Place::Handler(e) => Some(e),
            Place::Stage(_) => None,
        }
    }

    pub fn stage_index(&mut self, name: &ast::Ident) -> u16 {
        match self.resolve(name) {
            Some(DeclId::Stage(i)) => i,
            _ => {
                self.unresolved("stage", name);
                0
            }
        }
    }

    pub fn block(&mut self, block: &'a ast::Block, place: Place, ops: &mut Ops) {
        for step in &block.steps {
            self.step(step, place, ops);
        }
    }

    fn guard(
        &mut self,
        when: &'a Option<ast::Expr>,
        place: Place,
    ) -> Option<Vec<dun_machine::format::Instr>> {
        let event = self.event_of(place);
        when.as_ref().map(|w| self.code(w, event))
    }

    fn hold(&mut self, place: Place, ops: &Ops, span: ast::Span) -> Option<u32> {
        match place {
            Place::Stage(stage) => Some(self.new_state(stage, ops.here(), StateKind::Held, span)),
            Place::Handler(_) => None,
        }
    }

    fn step(&mut self, step: &'a ast::Step, place: Place, ops: &mut Ops) {
        let span = step.span;
        let event = self.event_of(place);
        match &step.kind {
            StepKind::Send {
                channel,
                template,
                to,
                when,
            } => {
                let Some(ch) = Channel::from_name(&channel.name).filter(|c| *c != Channel::Call)
                else {
                    self.unresolved("channel", channel);
                    return;
                };
                let Some(DeclId::Template(template_index)) = self.resolve(template) else {
                    self.unresolved("template", template);
                    return;
                };
                // The field the checker chose: the `to` field, or the
                // account's only field of the channel's contact type; none
                // for push, which reaches the account's app.
                let model = self.model;
                let to = match model.usage.send_targets.get(&span) {
                    Some(field) => match model.account.position(field) {
                        Some(i) if i > 0 => Some((i - 1) as u16),
                        _ => {
                            let at = to.as_ref().map_or(template.span, |t| t.span);
                            self.error(
                                UNRESOLVED,
                                format!("`{field}` is not an account field a contact can go to"),
                                at,
                                "write `to FIELD` naming a contact field of the account",
                            );
                            return;
                        }
                    },
                    None => None,
                };
                let when = self.guard(when, place);
                let hold = self.hold(place, ops, span);
                ops.push(
                    Op::Send {
                        channel: ch,
                        template: template_index,
                        to,
                        when,
                        hold,
                    },
                    span,
                );
            }
            StepKind::Call {
                queue,
                priority,
                when,
            } => {
                let queue = queue.as_ref().map(|q| self.sym(&q.name));
                let priority = self.priority(priority.as_ref());
                let when = self.guard(when, place);
                let hold = self.hold(place, ops, span);
                ops.push(
                    Op::Call {
                        queue,
                        priority,
                        when,
                        hold,
                    },
                    span,
                );
            }
            StepKind::Wait(kind) => {
                let Place::Stage(stage) = place else {
                    self.error(
                        UNSUPPORTED,
                        "a handler cannot wait: it runs at once when its event arrives".into(),
                        span,
                        "move the wait into a stage and `goto` that stage from the handler",
                    );
                    return;
                };
                let resume = self.new_state(stage, ops.here() + 1, StateKind::Wait, span);
                let op = match kind {
                    WaitKind::For(d) => Op::Wait {
                        duration: self.duration(d),
                        resume,
                    },
                    WaitKind::Until(e) => Op::WaitUntil {
                        at: self.code(e, None),
                        resume,
                    },
                };
                ops.push(op, span);
            }
            StepKind::If {
                branches,
                otherwise,
            } => {
                let mut to_end = Vec::new();
                let count = branches.len();
                for (n, (cond, body)) in branches.iter().enumerate() {
                    let cond_code = self.code(cond, event);
                    let test = ops.push(
                        Op::JumpUnless {
                            cond: cond_code,
                            to: 0,
                        },
                        cond.span,
                    );
                    self.block(body, place, ops);
                    let last = n + 1 == count && otherwise.is_none();
                    if !last && !ops.ends_in_jump() {
                        to_end.push(ops.push(Op::Jump(0), span));
                    }
                    let next = ops.here();
                    if let Some(Op::JumpUnless { to, .. }) = ops.code.get_mut(test) {
                        *to = next;
                    }
                }
                if let Some(body) = otherwise {
                    self.block(body, place, ops);
                }
                let end = ops.here();
                for at in to_end {
                    if let Some(op) = ops.code.get_mut(at) {
                        *op = Op::Jump(end);
                    }
                }
            }
            StepKind::Repeat { count, body } => {
                // Unrolled: each copy gets its own states, so the instance
                // needs no loop counter. The checker bounds the unrolled
                // size (`checks::unrolled`); this stops a file that was not
                // checked from growing without bound.
                let bound = crate::checks::unrolled::MAX_UNROLLED_STEPS;
                if u64::from(count.0).saturating_mul(crate::checks::unrolled::size(body)) > bound {
                    self.error(
                        UNSUPPORTED,
                        format!("this `repeat` unrolls to more than {bound} steps"),
                        span,
                        "repeat fewer times or nest fewer repeats; `dun check` says more",
                    );
                    return;
                }
                for _ in 0..count.0.min(100) {
                    self.block(body, place, ops);
                }
            }
            StepKind::Split { arms } => {
                let mut out = Vec::with_capacity(arms.len());
                for arm in arms {
                    let stage = self.stage_index(&arm.stage);
                    let share = (arm.share.0 * Decimal::from(100))
                        .round()
                        .to_u16()
                        .unwrap_or(0);
                    out.push(SplitArm { share, stage });
                }
                ops.push(Op::Split(out), span);
            }
            StepKind::Goto(stage) => {
                let s = self.stage_index(stage);
                ops.push(Op::Goto(s), span);
            }
            StepKind::End(outcome) => {
                let o = self.sym(&outcome.name);
                ops.push(Op::End(o), span);
            }
            StepKind::Set { var, value } => {
                let Some(DeclId::Var(v)) = self.resolve(var) else {
                    self.unresolved("variable", var);
                    return;
                };
                let value = self.code(value, event);
                ops.push(Op::Set { var: v, value }, span);
            }
            StepKind::AssignQueue { queue, priority } => {
                let queue = self.sym(&queue.name);
                let priority = self.priority(priority.as_ref());
                ops.push(Op::AssignQueue { queue, priority }, span);
            }
            StepKind::AssignAgency(name) => {
                let plain = name.plain().unwrap_or_default();
                let agency = self.sym(&plain);
                ops.push(Op::AssignAgency { agency }, span);
            }
            StepKind::PlaceAgency { agency, period } => {
                let plain = agency.plain().unwrap_or_default();
                let agency = self.sym(&plain);
                let period = self.duration(period);
                ops.push(Op::PlaceAgency { agency, period }, span);
            }
            StepKind::OfferDiscount { percent, duration } => {
                let duration = duration.as_ref().map(|d| self.duration(d));
                ops.push(
                    Op::OfferDiscount {
                        percent: percent.0,
                        duration,
                    },
                    span,
                );
            }
            StepKind::OfferPlan {
                installments,
                every,
                up_to,
            } => {
                let every = self.duration(every);
                let installments = installments.0;
                let op = if *up_to {
                    Op::OfferPlanUpTo {
                        installments,
                        every,
                    }
                } else {
                    Op::OfferPlan {
                        installments,
                        every,
                    }
                };
                ops.push(op, span);
                self.record_plan_offer(installments, every, *up_to, ops, span);
            }
            StepKind::Alert { team, text } => {
                let team = self.sym(&team.name);
                let text = self.text(text, event);
                ops.push(Op::Alert { team, text }, span);
            }
            StepKind::Emit { action, fields } => {
                let Some(DeclId::Action(a)) = self.resolve(action) else {
                    self.unresolved("action", action);
                    return;
                };
                let mut out = Vec::with_capacity(fields.len());
                for f in fields {
                    let Some(DeclId::ActionField { field: i, .. }) = self.resolve(&f.name) else {
                        self.unresolved(&format!("field of action `{}`", action.name), &f.name);
                        continue;
                    };
                    let code = self.code(&f.value, event);
                    out.push((i, code));
                }
                ops.push(
                    Op::Emit {
                        action: a,
                        fields: out,
                    },
                    span,
                );
            }
            StepKind::ChargeFee {
                amount,
                reason,
                when,
            } => {
                if let Some(op) = self.charge_fee(amount, reason.as_ref(), when.as_ref(), event) {
                    ops.push(op, span);
                }
            }
            StepKind::Interest { freeze } => {
                ops.push(Op::Interest { freeze: *freeze }, span);
            }
            StepKind::Promise { amount, by, grace } => {
                self.promise(amount, by, grace.as_ref(), event, ops, span)
            }
            StepKind::Plan {
                amount,
                count,
                every,
                from,
                grace,
            } => self.plan(
                crate::types::plans::PlanStep {
                    amount,
                    count,
                    every,
                    from,
                    grace: grace.as_ref(),
                },
                event,
                ops,
                span,
            ),
            StepKind::OfferSettlement { terms, until } => {
                self.offer_settlement(terms, until, event, ops, span)
            }
        }
    }

    fn priority(&mut self, p: Option<&ast::Ident>) -> Priority {
        match p.map(|p| p.name.as_str()) {
            None | Some("normal") => Priority::Normal,
            Some("low") => Priority::Low,
            Some("high") => Priority::High,
            Some("urgent") => Priority::Urgent,
            Some(_) => {
                if let Some(p) = p {
                    self.error(
                        UNRESOLVED,
                        format!("`{}` is not a priority", p.name),
                        p.span,
                        "write one of `low`, `normal`, `high` or `urgent`",
                    );
                }
                Priority::Normal
            }
        }
    }
}
