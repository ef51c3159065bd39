//! Bodies of top-level declarations: variables, segments, policy rules,
//! handlers and stages.

use super::{Checker, Scope};
use crate::checks::codes::*;
use crate::diagnostics::Diagnostic;
use crate::model::{ChannelSet, DeclId, MoveHandler, MoveKind, SymbolKind, Type};
use crate::names::near_miss;
use crate::syntax::ast::{self, Decl, ExprKind, FieldRoot, HandlerBody, PolicyRuleKind, Span};
use foldhash::{HashMap, HashMapExt};

impl Checker<'_> {
    pub(crate) fn decl(&mut self, decl: &Decl) {
        match decl {
            Decl::Account(a) => {
                for f in &a.fields {
                    if let ast::TypeExprKind::Named(id) = &f.ty.kind {
                        if id.name == "money" {
                            self.money_type(&crate::model::Type::Money, f.ty.span);
                        }
                    }
                }
            }
            Decl::Event(ast::EventDecl { fields, .. })
            | Decl::Action(ast::ActionDecl { fields, .. }) => {
                for f in fields {
                    if matches!(&f.ty.kind, ast::TypeExprKind::Named(id) if id.name == "money") {
                        self.money_type(&Type::Money, f.ty.span);
                    }
                }
            }
            Decl::Var(v) => {
                let Some(var) = self.model.vars.get(&v.name.name) else {
                    return;
                };
                let ty = var.ty.clone();
                self.money_type(&ty, v.ty.span);
                let scope = Scope {
                    no_vars: true,
                    ..Scope::default()
                };
                self.expect(
                    &v.init,
                    &ty,
                    &scope,
                    &format!("the starting value of `{}`", v.name.name),
                );
            }
            Decl::Segment(s) => {
                self.condition(
                    &s.cond,
                    &Scope::default(),
                    &format!("segment `{}`", s.name.name),
                );
            }
            Decl::Template(t) => self.template(t),
            Decl::Policy(p) => self.policy(p),
            Decl::Handler(h) => self.handler(h),
            Decl::Deadline(d) => self.deadline(d),
            Decl::Payments(p) => self.payments(p),
            Decl::Stage(s) => {
                self.within = self
                    .model
                    .stages
                    .position(&s.name.name)
                    .and_then(|p| u16::try_from(p).ok());
                for h in &s.handlers {
                    self.handler(h);
                }
                for d in &s.deadlines {
                    self.deadline(d);
                }
                self.block(&s.body, &Scope::default());
                self.within = None;
            }
            Decl::Test(t) => {
                self.in_test = true;
                self.test(t);
                self.in_test = false;
            }
            // A `start` naming no stage is reported by `names`.
            Decl::Start(s) => {
                if self.model.stages.contains(&s.stage.name) {
                    self.move_to(&s.stage, MoveKind::Start);
                }
            }
            Decl::Flow(_) | Decl::Currency(_) | Decl::Calendar(_) | Decl::Import(_) => {}
            Decl::Reenter(r) => self.condition(&r.cond, &Scope::default(), "`reenter when`"),
            Decl::Locale(l) => self.locale_decl(l),
            Decl::Language(l) => self.language_decl(l),
            Decl::Migrate(mg) => {
                for mv in &mg.moves {
                    self.move_to(
                        &mv.to,
                        MoveKind::Migrate {
                            from_version: mg.from_version,
                        },
                    );
                }
                // Read like a `set`: a variable of this flow, a value of its
                // type, from the account and the other variables.
                for v in &mg.vars {
                    self.set(&v.name, &v.value, &Scope::default());
                }
            }
        }
    }

    pub(crate) fn handler(&mut self, h: &ast::Handler) {
        let known = self.event_ref(&h.event);
        let scope = Scope {
            event: known.then(|| h.event.name.clone()),
            ..Scope::default()
        };
        let mut body_scope = scope.clone();
        body_scope.in_handler = true;
        if let Some(when) = &h.when {
            self.condition(when, &scope, "the `when` of a handler");
            body_scope.facts.extend(self.proves(when));
        }
        let outer = self.handler.replace(MoveHandler {
            event: h.event.name.clone(),
            when: h.when.is_some(),
        });
        match &h.body {
            HandlerBody::Goto(stage) => self.move_to(stage, MoveKind::HandlerArrow),
            HandlerBody::Block(b) => self.block(b, &body_scope),
        }
        self.handler = outer;
    }

    /// Resolves an event name; false (and reported) when there is none.
    pub(crate) fn event_ref(&mut self, event: &ast::Ident) -> bool {
        if self.model.events.contains(&event.name) {
            self.refer(SymbolKind::Event, &event.name, event.span);
            return true;
        }
        if !event.name.is_empty() {
            let help = near_miss(&event.name, self.model.events.names())
                .or_else(|| format!("declare it with `event {} {{ field: type }}`", event.name));
            self.report(
                Diagnostic::error(
                    UNKNOWN_EVENT,
                    format!("there is no event `{}`", event.name),
                    event.span,
                )
                .with_label("unknown event")
                .with_suggestion(help),
            );
        }
        false
    }

    /// Resolves a stage's name, reporting an unknown one; gives the
    /// stage's position in `Model::stages`.
    pub(crate) fn stage_ref(&mut self, stage: &ast::Ident) -> Option<u16> {
        if self.model.stages.contains(&stage.name) {
            return match self.refer(SymbolKind::Stage, &stage.name, stage.span) {
                Some(DeclId::Stage(at)) => Some(at),
                _ => None,
            };
        }
        if !stage.name.is_empty() {
            let d = crate::names::unknown_stage(self.model, stage);
            self.report(d);
        }
        None
    }

    /// A channel word of a policy rule or `expect no`: a channel, its
    /// plural, or a group.
    pub(crate) fn channel_set(&mut self, word: &ast::Ident) -> Option<ChannelSet> {
        let set = ChannelSet::from_word(&word.name);
        if set.is_none() && !word.name.is_empty() {
            let help = near_miss(&word.name, ChannelSet::WORDS).or_else(|| {
                "write a channel (`email`, `sms`, `whatsapp`, `letter`, `push`, `voice`), its plural, or a group: `calls`, `messages`, `contact`".to_string()
            });
            self.report(
                Diagnostic::error(
                    UNKNOWN_CHANNEL,
                    format!("`{}` is not a kind of contact", word.name),
                    word.span,
                )
                .with_label("unknown channel")
                .with_suggestion(help),
            );
        }
        set
    }

    fn policy(&mut self, p: &ast::PolicyDecl) {
        let mut hours: Option<Span> = None;
        let mut windows = super::windows::Seen::default();
        let mut person = None;
        for rule in &p.rules {
            match &rule.kind {
                PolicyRuleKind::Windows {
                    channels,
                    windows: days,
                    zone,
                    also,
                } => {
                    self.windows(channels.as_ref(), days, rule.span, &mut hours, &mut windows);
                    if let Some(zone) = zone {
                        self.zone(zone);
                    }
                    if let Some(also) = also {
                        self.zone(also);
                    }
                }
                PolicyRuleKind::ContactHours { from, to, zone, .. } => {
                    if let Some(first) = hours {
                        self.report(
                            Diagnostic::error(DUPLICATE, "contact hours are set twice", rule.span)
                                .with_label("second `contact_hours`")
                                .with_secondary(first, "first set here")
                                .with_help("keep one `contact_hours` rule"),
                        );
                    }
                    hours = Some(rule.span);
                    if from.0 >= to.0 {
                        self.report(
                            Diagnostic::error(
                                OUT_OF_RANGE,
                                "contact hours end before they start",
                                from.1.to(to.1),
                            )
                            .with_label("no time left to contact")
                            .with_help(
                                "write the earlier time first, e.g. `contact_hours 08:00 to 21:00`",
                            ),
                        );
                    }
                    if let Some(zone) = zone {
                        self.zone(zone);
                    }
                    if let PolicyRuleKind::ContactHours {
                        also: Some(also), ..
                    } = &rule.kind
                    {
                        self.zone(also);
                    }
                }
                PolicyRuleKind::NoContactDays(_) => {}
                PolicyRuleKind::NoContactHolidays(cal) => self.calendar_ref(cal),
                PolicyRuleKind::AtMost {
                    channels, window, ..
                } => {
                    self.channel_set(channels);
                    self.duration(window);
                }
                PolicyRuleKind::AtMostPerWeek { channels, .. } => {
                    self.channel_set(channels);
                }
                PolicyRuleKind::Pause {
                    channels,
                    duration,
                    event,
                    when,
                } => {
                    self.channel_set(channels);
                    self.duration(duration);
                    self.event_condition(event, when.as_ref());
                }
                PolicyRuleKind::Stop {
                    channels,
                    event,
                    when,
                } => {
                    self.channel_set(channels);
                    self.event_condition(event, when.as_ref());
                }
                PolicyRuleKind::PauseWhilePromise { channels } => {
                    self.pause_while_promise(channels, rule.span)
                }
                PolicyRuleKind::PauseWhilePlan { channels } => {
                    self.pause_while_plan(channels, rule.span)
                }
                PolicyRuleKind::PauseWhileSettlement { channels } => {
                    self.pause_while_settlement(channels, rule.span)
                }
                PolicyRuleKind::Hold {
                    channels,
                    event,
                    release,
                    longest,
                    when,
                    ..
                } => self.hold(channels, event, release, longest.as_ref(), when.as_ref()),
                PolicyRuleKind::FeeCap { limit, window } => self.fee_cap(limit, window),
                PolicyRuleKind::Person(field) => self.person(field, rule.span, &mut person),
            }
        }
    }

    pub(crate) fn event_condition(&mut self, event: &ast::Ident, when: Option<&ast::Expr>) {
        let known = self.event_ref(event);
        if let Some(when) = when {
            let scope = Scope {
                event: known.then(|| event.name.clone()),
                ..Scope::default()
            };
            self.condition(when, &scope, "the `when` of a policy rule");
        }
    }

    /// `in account.timezone` or `in "Europe/Madrid"`.
    fn zone(&mut self, zone: &ast::Expr) {
        match &zone.kind {
            ExprKind::Text(t) => {
                if let Some(name) = self.plain_text(t, "a time zone") {
                    self.zone_name(&name, zone.span);
                }
                self.record_type(zone.span, &Type::Timezone);
            }
            ExprKind::Field {
                root: FieldRoot::Account,
                field,
                ..
            } => {
                // An unset optional zone falls back to UTC, like no zone.
                let ty = self.field(FieldRoot::Account, field, &Scope::default(), true);
                self.record_type(zone.span, &ty);
                self.require(zone.span, &ty, &Type::Timezone, "the zone of contact hours");
            }
            _ => {
                let ty = self.expr(zone, None, &Scope::default());
                self.require(zone.span, &ty, &Type::Timezone, "the zone of contact hours");
            }
        }
    }

    /// A zone name must be an IANA zone (`Europe/Madrid`).
    pub(crate) fn zone_name(&mut self, name: &str, span: Span) -> bool {
        if name.parse::<chrono_tz::Tz>().is_ok() {
            return true;
        }
        let help = near_miss(name, chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()))
            .quoted()
            .or_else(|| {
                "write an IANA zone name such as `Europe/Madrid` or `America/New_York`".to_string()
            });
        self.report(
            Diagnostic::error(INVALID_ZONE, format!("`{name}` is not a time zone"), span)
                .with_label("unknown zone")
                .with_suggestion(help),
        );
        false
    }

    /// Segments may use each other, but not in a circle: each would wait
    /// for the other's value.
    pub(crate) fn segment_cycles(&mut self, file: &ast::File) {
        let mut deps: HashMap<&str, (Span, Vec<&str>)> = HashMap::new();
        for d in &file.decls {
            if let Decl::Segment(s) = d {
                let mut names = Vec::new();
                segment_names(&s.cond, self.model, &mut names);
                deps.entry(s.name.name.as_str())
                    .or_insert((s.name.span, names));
            }
        }
        // Iterative depth-first search: 0 unvisited, 1 on the path, 2 done.
        let mut state: HashMap<&str, u8> = HashMap::new();
        let mut order: Vec<&str> = deps.keys().copied().collect();
        order.sort_by_key(|n| deps.get(n).map(|d| d.0));
        for root in order {
            if state.get(root).copied().unwrap_or(0) != 0 {
                continue;
            }
            let mut path: Vec<(&str, usize)> = vec![(root, 0)];
            state.insert(root, 1);
            while let Some((node, next)) = path.last().copied() {
                let children = deps.get(node).map(|d| d.1.as_slice()).unwrap_or(&[]);
                if let Some(&child) = children.get(next) {
                    if let Some(top) = path.last_mut() {
                        top.1 += 1;
                    }
                    match state.get(child).copied().unwrap_or(0) {
                        0 => {
                            state.insert(child, 1);
                            path.push((child, 0));
                        }
                        1 => {
                            let start = path.iter().position(|(n, _)| *n == child).unwrap_or(0);
                            let mut circle: Vec<&str> =
                                path[start..].iter().map(|(n, _)| *n).collect();
                            circle.push(child);
                            let span = deps.get(child).map(|d| d.0).unwrap_or_default();
                            self.report(
                                Diagnostic::error(
                                    SEGMENT_CYCLE,
                                    format!("segment `{child}` is defined in terms of itself"),
                                    span,
                                )
                                .with_label(circle.join(" → "))
                                .with_help("write one of these conditions out in full instead of naming the other segment"),
                            );
                        }
                        _ => {}
                    }
                } else {
                    state.insert(node, 2);
                    path.pop();
                }
            }
        }
    }
}

/// The segments an expression names.
fn segment_names<'e>(e: &'e ast::Expr, model: &crate::model::Model, out: &mut Vec<&'e str>) {
    match &e.kind {
        ExprKind::Name(id)
            if model.segments.contains(&id.name) && !model.vars.contains(&id.name) =>
        {
            out.push(&id.name)
        }
        ExprKind::Unary { expr, .. } | ExprKind::IsSet(expr) => segment_names(expr, model, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            segment_names(lhs, model, out);
            segment_names(rhs, model, out);
        }
        ExprKind::In { expr, list } => {
            segment_names(expr, model, out);
            for item in list {
                segment_names(item, model, out);
            }
        }
        _ => {}
    }
}
