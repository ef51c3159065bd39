//! Declarations → the machine's schema, calendars, policy, variables,
//! templates, stages and handlers.

use super::steps::{Ops, Place};
use super::{src, Lowerer, UNRESOLVED, UNSUPPORTED};
use crate::model::{self, DeclId};
use crate::syntax::ast::{self, Decl, PolicyRuleKind, TemplateBody};
use chrono::Timelike;
use dun_machine::format::{
    ActionDef, Calendar, Cap, Channel, ChannelSet, ContactHours, EventDef, Field, Handler, Op,
    Pause, StageDef, StateKind, Stop, Template, Type, VarDef, ZoneSpec,
};
use dun_machine::time::{weekday_bit, weekday_from_name};

pub(crate) fn lower_all(cx: &mut Lowerer<'_>) {
    let file = cx.file;
    header(cx);
    schema(cx);
    calendars(cx);
    for decl in &file.decls {
        if let Decl::Policy(p) = decl {
            policy(cx, p);
        }
    }
    vars(cx);
    super::arrangements::declare(cx);
    super::plans::declare(cx);
    super::settlements::declare(cx);
    templates(cx);
    super::templates_lang::lower(cx);
    stages(cx);
}

fn header(cx: &mut Lowerer<'_>) {
    let model = cx.model;
    if let Some((code, _)) = &model.currency {
        cx.m.currency = code.clone();
    }
    match &model.flow {
        Some(f) => {
            cx.m.flow = f.name.clone();
            cx.m.version = f.version.unwrap_or(1);
        }
        None => cx.error(
            UNSUPPORTED,
            "this file has no `flow NAME` line, so it cannot be compiled".into(),
            ast::Span::new(0, 0),
            "start the file with `flow my_flow version 1`",
        ),
    }
}

/// The machine's form of a type the checker resolved.
fn ty(cx: &mut Lowerer<'_>, t: &model::Type, span: ast::Span) -> Type {
    match t {
        model::Type::Bool => Type::Bool,
        model::Type::Number => Type::Number,
        model::Type::Money => Type::Money,
        model::Type::Percent => Type::Percent,
        model::Type::Text => Type::Text,
        model::Type::Date => Type::Date,
        model::Type::Time => Type::Time,
        model::Type::DateTime => Type::DateTime,
        model::Type::Duration => Type::Duration,
        model::Type::Phone => Type::Phone,
        model::Type::Email => Type::Email,
        model::Type::Address => Type::Address,
        model::Type::Timezone => Type::Timezone,
        model::Type::Enum(id) => {
            let model = cx.model;
            Type::Enum(model.variants(*id).iter().map(|v| cx.sym(v)).collect())
        }
        model::Type::Unknown => {
            cx.error(
                UNRESOLVED,
                "this type is not known".into(),
                span,
                "write one of the types of docs/language.md, or a choice `a | b | c`",
            );
            Type::Text
        }
    }
}

fn fields<'m>(cx: &mut Lowerer<'_>, list: impl Iterator<Item = &'m model::Field>) -> Vec<Field> {
    list.map(|f| {
        let name = cx.sym(&f.name);
        let t = ty(cx, &f.ty, f.span);
        Field {
            name,
            ty: t,
            optional: f.optional,
        }
    })
    .collect()
}

fn schema(cx: &mut Lowerer<'_>) {
    let model = cx.model;
    // `account.id` (position 0) is built in, never a slot.
    cx.m.account = fields(cx, model.account.iter().skip(1));
    for e in model.events.iter() {
        let name = cx.sym(&e.name);
        let fields = fields(cx, e.fields.iter());
        cx.m.events.push(EventDef { name, fields });
    }
    for a in model.actions.iter() {
        let name = cx.sym(&a.name);
        let fields = fields(cx, a.fields.iter());
        cx.m.actions.push(ActionDef { name, fields });
    }
}

fn weekdays(cx: &mut Lowerer<'_>, days: &[ast::Ident]) -> u8 {
    let mut bits = 0u8;
    for d in days {
        match weekday_from_name(&d.name) {
            Some(w) => bits |= weekday_bit(w),
            None => cx.error(
                UNRESOLVED,
                format!("`{}` is not a day of the week", d.name),
                d.span,
                "write the day in full, in lower case: `saturday`, `sunday`",
            ),
        }
    }
    bits
}

fn calendars(cx: &mut Lowerer<'_>) {
    let model = cx.model;
    for c in model.calendars.iter() {
        let name = cx.sym(&c.name);
        let weekend = c.weekend.iter().fold(0u8, |bits, &d| bits | weekday_bit(d));
        let mut holidays = c.holidays.clone();
        holidays.sort();
        holidays.dedup();
        cx.m.calendars.push(Calendar {
            name,
            weekend,
            holidays,
        });
    }
    // The only calendar declared is the default one.
    if cx.m.calendars.len() == 1 {
        cx.m.default_calendar = Some(0);
    }
}

fn channels(cx: &mut Lowerer<'_>, word: &ast::Ident) -> ChannelSet {
    match ChannelSet::from_word(&word.name) {
        Some(set) => set,
        None => {
            cx.error(
                UNRESOLVED,
                format!("`{}` is not a channel or a group of channels", word.name),
                word.span,
                "write a channel (`sms`, `emails`, `letters`...) or `calls`, `messages` or `contact`",
            );
            ChannelSet::NONE
        }
    }
}

fn event_index(cx: &mut Lowerer<'_>, name: &ast::Ident) -> u16 {
    match cx.resolve(name) {
        Some(DeclId::Event(i)) => i,
        _ => {
            cx.unresolved("event", name);
            0
        }
    }
}

fn minutes(t: chrono::NaiveTime) -> u16 {
    (t.hour() * 60 + t.minute()) as u16
}

/// The zone of `contact_hours ... in ZONE`.
fn zone_spec(cx: &mut Lowerer<'_>, zone: Option<&ast::Expr>) -> ZoneSpec {
    match zone.map(|z| &z.kind) {
        None => ZoneSpec::Utc,
        Some(ast::ExprKind::Field {
            root: ast::FieldRoot::Account,
            field,
            ..
        }) => match cx.resolve(field) {
            Some(DeclId::AccountField(i)) if i > 0 => ZoneSpec::AccountField(i - 1),
            _ => {
                cx.unresolved("account field", field);
                ZoneSpec::Utc
            }
        },
        Some(ast::ExprKind::Text(t)) => {
            let name = t.plain().unwrap_or_default();
            if dun_machine::time::zone_from_name(&name).is_none() {
                cx.error(
                    UNRESOLVED,
                    format!("\"{name}\" is not a timezone"),
                    t.span,
                    "write an IANA zone name such as \"Europe/Madrid\", or an account field of type `timezone`",
                );
            }
            ZoneSpec::Named(cx.sym(&name))
        }
        Some(_) => {
            if let Some(z) = zone {
                cx.error(
                    UNSUPPORTED,
                    "the zone of `contact_hours` must be an account field or a zone name".into(),
                    z.span,
                    "write `in account.timezone` or `in \"Europe/Madrid\"`",
                );
            }
            ZoneSpec::Utc
        }
    }
}

fn policy<'a>(cx: &mut Lowerer<'a>, p: &'a ast::PolicyDecl) {
    for rule in &p.rules {
        match &rule.kind {
            PolicyRuleKind::ContactHours {
                from,
                to,
                zone,
                also,
            } => {
                cx.m.policy.contact_hours = Some(ContactHours {
                    from: minutes(from.0),
                    to: minutes(to.0),
                });
                if zone.is_some() {
                    cx.m.policy.zone = zone_spec(cx, zone.as_ref());
                }
                if also.is_some() {
                    cx.m.second_zone = Some(zone_spec(cx, also.as_ref()));
                }
            }
            PolicyRuleKind::Windows {
                channels: words,
                windows,
                zone,
                also,
            } => {
                if also.is_some() {
                    cx.m.second_zone = Some(zone_spec(cx, also.as_ref()));
                }
                let channels = match words {
                    Some(w) => channels(cx, w),
                    None => ChannelSet::CONTACT,
                };
                let window = super::windows::lower(channels, windows);
                cx.m.policy.ext.windows.push(window);
                if zone.is_some() {
                    cx.m.policy.zone = zone_spec(cx, zone.as_ref());
                }
            }
            PolicyRuleKind::NoContactDays(days) => {
                let bits = weekdays(cx, days);
                cx.m.policy.closed_weekdays |= bits;
            }
            PolicyRuleKind::NoContactHolidays(cal) => match cx.resolve(cal) {
                Some(DeclId::Calendar(i)) => {
                    if !cx.m.policy.closed_holidays.contains(&i) {
                        cx.m.policy.closed_holidays.push(i);
                    }
                }
                _ => cx.unresolved("calendar", cal),
            },
            PolicyRuleKind::AtMost {
                count,
                channels: words,
                window,
            } => {
                let channels = channels(cx, words);
                let window = cx.duration(window);
                cx.m.policy.caps.push(Cap {
                    channels,
                    count: count.0.min(u32::from(u16::MAX)) as u16,
                    window,
                });
            }
            PolicyRuleKind::AtMostPerWeek {
                count,
                channels: words,
                ..
            } => {
                let channels = channels(cx, words);
                cx.m.policy
                    .ext
                    .week_caps
                    .push(dun_machine::format::WeekCap {
                        channels,
                        count: count.0.min(u32::from(u16::MAX)) as u16,
                    });
            }
            PolicyRuleKind::Pause {
                channels: words,
                duration,
                event,
                when,
            } => {
                let channels = channels(cx, words);
                let duration = cx.duration(duration);
                let event = event_index(cx, event);
                let when = when.as_ref().map(|w| cx.code(w, Some(event)));
                cx.m.policy.pauses.push(Pause {
                    channels,
                    duration,
                    event,
                    when,
                });
            }
            // Read with the payments, by `arrangements::declare`.
            PolicyRuleKind::PauseWhilePromise { .. } => {}
            // Read with the payments, by `plans::declare`.
            PolicyRuleKind::PauseWhilePlan { .. } => {}
            // Read with the payments, by `settlements::declare`.
            PolicyRuleKind::PauseWhileSettlement { .. } => {}
            PolicyRuleKind::Stop {
                channels: words,
                event,
                when,
            } => {
                let channels = channels(cx, words);
                let event = event_index(cx, event);
                let when = when.as_ref().map(|w| cx.code(w, Some(event)));
                cx.m.policy.stops.push(Stop {
                    channels,
                    event,
                    when,
                });
            }
            PolicyRuleKind::Hold {
                channels: words,
                event,
                release,
                longest,
                when,
                ..
            } => {
                let channels = channels(cx, words);
                let event = event_index(cx, event);
                let release = event_index(cx, release);
                let longest = longest.as_ref().map(|d| cx.duration(d));
                let when = when.as_ref().map(|w| cx.code(w, Some(event)));
                cx.m.policy.ext.holds.push(dun_machine::format::Hold {
                    channels,
                    event,
                    release,
                    longest,
                    when,
                });
            }
            // Lowered with the stages' fees: see `charges::lower`.
            PolicyRuleKind::FeeCap { .. } => {}
            PolicyRuleKind::Person(field) => {
                if let ast::ExprKind::Field {
                    root: ast::FieldRoot::Account,
                    field,
                    ..
                } = &field.kind
                {
                    if let Some(DeclId::AccountField(i)) = cx.resolve(field) {
                        if i > 0 && cx.m.person.is_none() {
                            cx.m.person = Some(dun_machine::format::PersonKey { field: i - 1 });
                        }
                    }
                }
            }
        }
    }
}

/// The declaration at a position of the file, as the model recorded it.
pub(super) fn decl_at<'a, T>(
    cx: &Lowerer<'a>,
    at: usize,
    pick: impl Fn(&'a Decl) -> Option<&'a T>,
) -> Option<&'a T> {
    let file = cx.file;
    file.decls.get(at).and_then(pick)
}

fn vars(cx: &mut Lowerer<'_>) {
    let model = cx.model;
    for v in model.vars.iter() {
        let Some(decl) = decl_at(cx, v.decl, |d| match d {
            Decl::Var(v) => Some(v),
            _ => None,
        }) else {
            continue;
        };
        let name = cx.sym(&v.name);
        let t = ty(cx, &v.ty, v.span);
        let init = cx.code(&decl.init, None);
        cx.m.vars.push(VarDef { name, ty: t, init });
    }
}

fn templates(cx: &mut Lowerer<'_>) {
    let model = cx.model;
    for t in model.templates.iter() {
        let Some(decl) = decl_at(cx, t.decl, |d| match d {
            Decl::Template(t) => Some(t),
            _ => None,
        }) else {
            continue;
        };
        let name = cx.sym(&t.name);
        let Some(channel) = t.channel.and_then(|c| Channel::from_name(c.name())) else {
            cx.unresolved("channel", &decl.channel);
            continue;
        };
        let (subject, body) = match &decl.body {
            TemplateBody::Text(text) => (None, cx.text(text, None)),
            TemplateBody::Languages(texts) => {
                super::templates_lang::fallback_text(cx, &t.name, texts)
            }
            TemplateBody::Email { subject, body } => {
                (Some(cx.text(subject, None)), cx.text(body, None))
            }
            TemplateBody::File(path) => match t.file.as_ref().and_then(|f| f.body.as_ref()) {
                Some(text) => (None, cx.file_text(&t.name, text)),
                None => {
                    cx.error(
                        UNRESOLVED,
                        format!(
                            "template file \"{}\" was not read",
                            path.plain().unwrap_or_default()
                        ),
                        path.span,
                        "`dun check` says why: fix the path or the file",
                    );
                    continue;
                }
            },
        };
        cx.m.templates.push(Template {
            name,
            channel,
            subject,
            body,
        });
    }
}

fn stages(cx: &mut Lowerer<'_>) {
    let model = cx.model;
    let file = cx.file;
    let stages: Vec<&ast::Stage> = model
        .stages
        .iter()
        .filter_map(|s| {
            decl_at(cx, s.decl, |d| match d {
                Decl::Stage(s) => Some(s),
                _ => None,
            })
        })
        .collect();
    // Entry states first: state `i` is the entry of stage `i`.
    for (i, s) in stages.iter().enumerate() {
        let name = cx.sym(&s.name.name);
        let entry = cx.new_state(i as u16, 0, StateKind::Entry, s.name.span);
        cx.m.stages.push(StageDef {
            name,
            entry,
            handlers: vec![],
            code: vec![],
            spans: vec![],
            span: src(s.span),
        });
    }
    for (i, s) in stages.iter().enumerate() {
        let mut ops = Ops::default();
        cx.block(&s.body, Place::Stage(i as u16), &mut ops);
        let handlers: Vec<Handler> = s.handlers.iter().filter_map(|h| handler(cx, h)).collect();
        if let Some(def) = cx.m.stages.get_mut(i) {
            def.code = ops.code;
            def.spans = ops.spans;
            def.handlers = handlers;
        }
    }
    for decl in &file.decls {
        if let Decl::Handler(h) = decl {
            if let Some(h) = handler(cx, h) {
                cx.m.handlers.push(h);
            }
        }
    }
    cx.m.start = model
        .start
        .as_deref()
        .and_then(|s| model.stages.position(s))
        .map(|i| i as u16)
        .unwrap_or(0);
    if model.start.is_none() {
        cx.error(
            UNSUPPORTED,
            "this flow has no `start` line, so new accounts have nowhere to go".into(),
            ast::Span::new(0, 0),
            "add `start STAGE` naming the first stage",
        );
    }
}

fn handler<'a>(cx: &mut Lowerer<'a>, h: &'a ast::Handler) -> Option<Handler> {
    let Some(DeclId::Event(event)) = cx.resolve(&h.event) else {
        cx.unresolved("event", &h.event);
        return None;
    };
    let when = h.when.as_ref().map(|w| cx.code(w, Some(event)));
    let (code, spans) = match &h.body {
        ast::HandlerBody::Goto(stage) => {
            let s = cx.stage_index(stage);
            (vec![Op::Goto(s)], vec![src(stage.span)])
        }
        ast::HandlerBody::Block(block) => {
            let mut ops = Ops::default();
            cx.block(block, Place::Handler(event), &mut ops);
            (ops.code, ops.spans)
        }
    };
    Some(Handler {
        event,
        when,
        code,
        spans,
        span: src(h.span),
    })
}
