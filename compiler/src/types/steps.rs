//! Steps: names they use, the types of their expressions, and the rules of
//! each step that need the model (contact fields, variables, actions).

use super::expr::{field_list, given_twice, unknown_field};
use super::{Checker, Scope};
use crate::checks::codes::*;
use crate::diagnostics::Diagnostic;
use crate::model::{Channel, SymbolKind, Type};
use crate::names::near_miss;
use crate::syntax::ast::{self, Block, Span, StepKind, WaitKind};

impl Checker<'_> {
    pub(crate) fn block(&mut self, block: &Block, scope: &Scope) {
        for step in &block.steps {
            self.step(step, scope);
        }
    }

    fn step(&mut self, step: &ast::Step, scope: &Scope) {
        match &step.kind {
            StepKind::Send {
                channel,
                template,
                to,
                when,
            } => {
                if let Some(when) = when {
                    self.condition(when, scope, "the `when` of `send`");
                }
                let channel = self.channel(channel);
                self.send_template(channel, template);
                if let Some(channel) = channel {
                    self.contact_field(channel, to.as_ref(), step.span);
                }
            }
            StepKind::Call { queue, when, .. } => {
                if let Some(q) = queue {
                    self.refer(SymbolKind::Queue, &q.name, q.span);
                }
                if let Some(when) = when {
                    self.condition(when, scope, "the `when` of `call`");
                }
            }
            StepKind::Wait(kind) => {
                if scope.in_handler {
                    self.report(
                        Diagnostic::error(WAIT_IN_HANDLER, "a handler cannot wait", step.span)
                            .with_label("`wait` inside `on ...`")
                            .with_help(
                                "end the handler with `goto STAGE` and wait in that stage instead",
                            ),
                    );
                }
                match kind {
                    WaitKind::For(d) => self.duration(d),
                    WaitKind::Until(e) => {
                        let t = self.expr(e, None, scope);
                        if !matches!(t, Type::Date | Type::DateTime | Type::Unknown) {
                            self.report(
                                Diagnostic::error(
                                    MISMATCH,
                                    format!("`wait until` needs a date or a date and time, but this is {}", self.model.describe(&t)),
                                    e.span,
                                )
                                .with_label(format!("this is {}", self.model.describe(&t)))
                                .with_help("wait until a date such as `promised_on + 2 days`, or write `wait 3 days` for a duration"),
                            );
                        }
                    }
                }
            }
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    self.condition(cond, scope, "the condition of `if`");
                    let proved = self.proves(cond);
                    if proved.is_empty() {
                        self.block(body, scope);
                    } else {
                        let mut inner = scope.clone();
                        inner.facts.extend(proved);
                        self.block(body, &inner);
                    }
                }
                if let Some(b) = otherwise {
                    self.block(b, scope);
                }
            }
            StepKind::Repeat { count, body } => {
                if !(1..=100).contains(&count.0) {
                    self.report(
                        Diagnostic::error(REPEAT_COUNT, format!("`repeat {} times` is out of range", count.0), count.1)
                            .with_label("must be from 1 to 100")
                            .with_help("repeat from 1 to 100 times; for more, move the steps into a stage that loops with `goto`"),
                    );
                }
                self.block(body, scope);
            }
            StepKind::Split { arms } => {
                let mut total = rust_decimal::Decimal::ZERO;
                for arm in arms {
                    total += arm.share.0;
                    if arm.share.0 <= rust_decimal::Decimal::ZERO {
                        self.report(
                            Diagnostic::error(
                                OUT_OF_RANGE,
                                "a share of a split must be more than 0%",
                                arm.share.1,
                            )
                            .with_label("no account would go here")
                            .with_help("remove this line, or give it a share"),
                        );
                    }
                    self.move_to(&arm.stage, crate::model::MoveKind::Split(arm.share.0));
                    self.seen_arm(&arm.stage.name, step.span);
                }
                if total != rust_decimal::Decimal::ONE_HUNDRED {
                    let span = arms
                        .first()
                        .map(|a| a.span.to(arms.last().map(|l| l.span).unwrap_or(a.span)))
                        .unwrap_or(step.span);
                    self.report(
                        Diagnostic::error(SPLIT_TOTAL, format!("the shares of this split add up to {}%, not 100%", total.normalize()), span)
                            .with_label(format!("{}% in all", total.normalize()))
                            .with_help("change the shares so that every account goes somewhere: they must add up to exactly 100%"),
                    );
                }
            }
            StepKind::Goto(stage) => self.move_to(stage, crate::model::MoveKind::Goto),
            StepKind::End(outcome) => {
                self.refer(SymbolKind::Outcome, &outcome.name, outcome.span);
            }
            StepKind::Set { var, value } => self.set(var, value, scope),
            StepKind::AssignQueue { queue, .. } => {
                self.refer(SymbolKind::Queue, &queue.name, queue.span);
            }
            StepKind::AssignAgency(name) => {
                if let Some(n) = self.plain_text(name, "an agency name") {
                    self.refer(SymbolKind::Agency, &n, name.span);
                }
            }
            StepKind::PlaceAgency { agency, period } => {
                if let Some(n) = self.plain_text(agency, "an agency name") {
                    self.refer(SymbolKind::Agency, &n, agency.span);
                }
                self.duration(period);
            }
            StepKind::OfferDiscount { percent, duration } => {
                let p = percent.0;
                if p <= rust_decimal::Decimal::ZERO || p > rust_decimal::Decimal::ONE_HUNDRED {
                    self.report(
                        Diagnostic::error(
                            OUT_OF_RANGE,
                            format!("a discount of {}% is not possible", p.normalize()),
                            percent.1,
                        )
                        .with_label("must be more than 0% and at most 100%")
                        .with_help("offer a discount such as `offer discount 20% for 14 days`"),
                    );
                }
                if let Some(d) = duration {
                    self.duration(d);
                }
            }
            StepKind::OfferPlan {
                installments,
                every,
                up_to,
            } => {
                if installments.0 < 2 {
                    self.report(
                        Diagnostic::error(OUT_OF_RANGE, format!("a plan of {} installment is not a plan", installments.0), installments.1)
                            .with_label("at least 2 installments")
                            .with_help("offer at least 2 installments, e.g. `offer plan 3 installments every 1 month`"),
                    );
                }
                self.duration(every);
                self.seen_plan(installments.0, every, *up_to);
            }
            StepKind::Alert { team, text } => {
                self.refer(SymbolKind::Team, &team.name, team.span);
                self.message_text(text, scope);
            }
            StepKind::Emit { action, fields } => self.emit(action, fields, scope, step.span),
            StepKind::ChargeFee {
                amount,
                reason,
                when,
            } => self.charge_fee(amount, reason.as_ref(), when.as_ref(), scope),
            StepKind::Interest { freeze } => self.interest_step(*freeze),
            StepKind::Promise { amount, by, grace } => {
                self.promise(amount, by, grace.as_ref(), scope, step.span)
            }
            StepKind::OfferSettlement { terms, until } => {
                self.offer_settlement(terms, until, scope, step.span)
            }
            StepKind::Plan {
                amount,
                count,
                every,
                from,
                grace,
            } => self.plan(
                super::plans::PlanStep {
                    amount,
                    count,
                    every,
                    from,
                    grace: grace.as_ref(),
                },
                scope,
                step.span,
            ),
        }
    }

    fn channel(&mut self, channel: &ast::Ident) -> Option<Channel> {
        let c = Channel::from_name(&channel.name);
        if c.is_none() && !channel.name.is_empty() {
            let names = Channel::ALL.map(Channel::name);
            let help = near_miss(&channel.name, names)
                .or_else(|| format!("the channels are {}", names.join(", ")));
            self.report(
                Diagnostic::error(
                    UNKNOWN_CHANNEL,
                    format!("`{}` is not a channel", channel.name),
                    channel.span,
                )
                .with_label("unknown channel")
                .with_suggestion(help),
            );
        }
        c
    }

    /// The template exists and is written for the channel it is sent on.
    pub(crate) fn send_template(&mut self, channel: Option<Channel>, template: &ast::Ident) {
        let Some(t) = self.model.templates.get(&template.name) else {
            if !template.name.is_empty() {
                let help = near_miss(&template.name, self.model.templates.names()).or_else(|| {
                    format!(
                        "declare it with `template {} for CHANNEL \"...\"`",
                        template.name
                    )
                });
                self.report(
                    Diagnostic::error(
                        UNKNOWN_TEMPLATE,
                        format!("there is no template `{}`", template.name),
                        template.span,
                    )
                    .with_label("unknown template")
                    .with_suggestion(help),
                );
            }
            return;
        };
        self.refer(SymbolKind::Template, &template.name, template.span);
        if let (Some(want), Some(have)) = (channel, t.channel) {
            if want != have {
                self.report(
                    Diagnostic::error(
                        TEMPLATE_CHANNEL,
                        format!(
                            "template `{}` is written for {}, not {}",
                            template.name,
                            have.name(),
                            want.name()
                        ),
                        template.span,
                    )
                    .with_label(format!("a {} template", have.name()))
                    .with_secondary(t.span, format!("declared `for {}` here", have.name()))
                    .with_help(format!(
                        "send it with `send {} {}`, or use a {} template",
                        have.name(),
                        template.name,
                        want.name()
                    )),
                );
            }
        }
    }

    /// The account field a contact goes to: the one named after `to`, else
    /// the only field of the channel's contact type.
    fn contact_field(&mut self, channel: Channel, to: Option<&ast::Ident>, step: Span) {
        let Some(want) = channel.contact_type() else {
            if let Some(to) = to {
                self.report(
                    Diagnostic::error(CONTACT_FIELD, "a push message needs no `to`", to.span)
                        .with_label("push goes to the account's app")
                        .with_help("remove `to ...`: push messages reach the app registered for the account's id"),
                );
            }
            return;
        };
        if let Some(to) = to {
            let Some(field) = self.model.account.get(&to.name) else {
                self.report(unknown_field(
                    "the account",
                    to,
                    self.model.account.names(),
                    || format!("add `{}: {}` to the `account` block", to.name, want.name()),
                ));
                return;
            };
            let ty = field.ty.clone();
            self.refer(SymbolKind::AccountField, &to.name, to.span);
            if ty != Type::Unknown && ty != want {
                let fits = field_list(self.fields_of(&want).into_iter());
                self.report(
                    Diagnostic::error(
                        CONTACT_FIELD,
                        format!(
                            "{} goes to {}, but `{}` is {}",
                            channel.name(),
                            want.describe(),
                            to.name,
                            self.model.describe(&ty)
                        ),
                        to.span,
                    )
                    .with_label(format!("not {}", want.describe()))
                    .with_help(format!(
                        "send to an account field of type `{}`: {fits}",
                        want.name()
                    )),
                );
                return;
            }
            if self.foreign.is_none() {
                self.walked.usage.send_targets.insert(step, to.name.clone());
            }
            return;
        }
        let fits = self.fields_of(&want);
        match fits.as_slice() {
            [only] => {
                let only = only.to_string();
                if !self.in_test {
                    self.walked.used.insert(crate::model::Symbol::new(
                        SymbolKind::AccountField,
                        only.clone(),
                    ));
                }
                self.walked.usage.send_targets.insert(step, only);
            }
            [] => self.report(
                Diagnostic::error(
                    CONTACT_FIELD,
                    format!(
                        "{} needs an account field of type `{}`, and the account has none",
                        channel.name(),
                        want.name()
                    ),
                    step,
                )
                .with_label(format!("where does this {} go?", channel.name()))
                .with_help(format!(
                    "add a field such as `{}: {}?` to the `account` block",
                    default_field(channel),
                    want.name()
                )),
            ),
            several => {
                let list = field_list(several.iter().copied());
                let first = several.first().copied().unwrap_or_default();
                self.report(
                    Diagnostic::error(
                        CONTACT_FIELD,
                        format!("the account has several `{}` fields: {list}", want.name()),
                        step,
                    )
                    .with_label(format!("which one does this {} go to?", channel.name()))
                    .with_help(format!("say which with `to`, e.g. `to {first}`")),
                );
            }
        }
    }

    fn fields_of(&self, ty: &Type) -> Vec<&str> {
        self.model
            .account
            .iter()
            .filter(|f| f.ty == *ty)
            .map(|f| f.name.as_str())
            .collect()
    }

    pub(crate) fn set(&mut self, var: &ast::Ident, value: &ast::Expr, scope: &Scope) {
        if let Some(v) = self.model.vars.get(&var.name) {
            let ty = v.ty.clone();
            if self.foreign.is_none() {
                if let Some(id) = self.model.decl_id(SymbolKind::Var, &var.name) {
                    self.walked.usage.resolved.insert(var.span, id);
                }
                let symbol = crate::model::Symbol::new(SymbolKind::Var, var.name.clone());
                self.walked
                    .usage
                    .references
                    .entry(symbol)
                    .or_default()
                    .push(var.span);
            }
            self.expect(value, &ty, scope, &format!("the value of `{}`", var.name));
            return;
        }
        self.expr(value, None, scope);
        if var.name.is_empty() {
            return;
        }
        if self.model.account.contains(&var.name) {
            self.report(
                Diagnostic::error(READ_ONLY, format!("`{}` is an account field, which the flow cannot change", var.name), var.span)
                    .with_label("read-only account field")
                    .with_help(format!(
                        "account fields come from the system of record; keep your own value in a variable: `var my_{0}: TYPE = account.{0}`",
                        var.name
                    )),
            );
            return;
        }
        if self.model.segments.contains(&var.name) {
            self.report(
                Diagnostic::error(
                    READ_ONLY,
                    format!("`{}` is a segment, which cannot be set", var.name),
                    var.span,
                )
                .with_label("a segment is a condition")
                .with_help(
                    "a segment always follows its condition; declare a `var` to keep a value",
                ),
            );
            return;
        }
        let help = near_miss(&var.name, self.model.vars.names())
            .or_else(|| format!("declare it with `var {}: TYPE = VALUE`", var.name));
        self.report(
            Diagnostic::error(
                UNKNOWN_VARIABLE,
                format!("there is no variable `{}`", var.name),
                var.span,
            )
            .with_label("unknown variable")
            .with_suggestion(help),
        );
    }

    fn emit(&mut self, action: &ast::Ident, fields: &[ast::FieldValue], scope: &Scope, step: Span) {
        let model = self.model;
        let Some(decl) = model.actions.get(&action.name) else {
            if !action.name.is_empty() {
                let help = near_miss(&action.name, model.actions.names()).or_else(|| {
                    format!("declare it with `action {} {{ field: type }}`", action.name)
                });
                self.report(
                    Diagnostic::error(
                        UNKNOWN_ACTION,
                        format!("there is no action `{}`", action.name),
                        action.span,
                    )
                    .with_label("unknown action")
                    .with_suggestion(help),
                );
            }
            for f in fields {
                self.expr(&f.value, None, scope);
            }
            return;
        };
        self.refer(SymbolKind::Action, &action.name, action.span);
        let owner = format!("the action `{}`", action.name);
        self.field_values(&decl.fields, fields, scope, &owner);
        if self.foreign.is_none() {
            for f in fields {
                let key = format!("{}.{}", action.name, f.name.name);
                if let Some(id) = model.decl_id(SymbolKind::ActionField, &key) {
                    self.walked.usage.resolved.insert(f.name.span, id);
                }
            }
        }
        let missing: Vec<&str> = decl
            .fields
            .iter()
            .filter(|f| !f.optional && !fields.iter().any(|v| v.name.name == f.name))
            .map(|f| f.name.as_str())
            .collect();
        if !missing.is_empty() {
            self.report(
                Diagnostic::error(
                    MISSING_FIELD,
                    format!("{owner} also needs {}", field_list(missing.iter().copied())),
                    step,
                )
                .with_label("fields missing")
                .with_secondary(decl.span, "declared here")
                .with_help(format!(
                    "give every field of {owner}, e.g. `{}: ...`",
                    missing.first().copied().unwrap_or_default()
                )),
            );
        }
    }

    /// `{ field: value, ... }` against the fields it fills: every name known,
    /// none twice, every value of its field's type.
    pub(crate) fn field_values(
        &mut self,
        decls: &crate::model::Table<crate::model::Field>,
        values: &[ast::FieldValue],
        scope: &Scope,
        owner: &str,
    ) -> Vec<(Type, usize)> {
        let mut seen: crate::model::Table<Span> = crate::model::Table::default();
        let mut typed = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if let Err(first) = seen.insert(&v.name.name, v.name.span) {
                self.report(given_twice(&v.name, *first));
                continue;
            }
            match decls.get(&v.name.name) {
                Some(f) => {
                    let ty = f.ty.clone();
                    self.expect(&v.value, &ty, scope, &format!("`{}`", v.name.name));
                    typed.push((ty, i));
                }
                None => {
                    self.expr(&v.value, None, scope);
                    if v.name.name.is_empty() {
                        continue;
                    }
                    self.report(unknown_field(owner, &v.name, decls.names(), || {
                        format!(
                            "{owner} has {}",
                            field_list(decls.iter().map(|f| f.name.as_str()))
                        )
                    }));
                }
            }
        }
        typed
    }
}

/// A field name to suggest when the account has no contact field.
fn default_field(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Letter => "address",
        _ => "mobile",
    }
}
