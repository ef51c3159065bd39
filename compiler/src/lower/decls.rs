//! Declarations → the machine's schema, calendars, policy, variables,
//! templates, stages and handlers.

use super::names::first_of;
use super::steps::{Ops, Place};
use super::{src, Lowerer, TEMPLATE_FILE, UNRESOLVED, UNSUPPORTED};
use crate::syntax::ast::{self, Decl, PolicyRuleKind, TemplateBody};
use chrono::Timelike;
use dun_machine::format::{
    ActionDef, Calendar, Cap, Channel, ChannelSet, ContactHours, EventDef, Field, Handler, Op,
    Pause, StageDef, StateKind, Stop, Template, Type, VarDef, ZoneSpec,
};
use dun_machine::time::{weekday_bit, weekday_from_name};

pub(crate) fn lower_all(cx: &mut Lowerer<'_>) {
    let file = cx.file;
    header(cx, file);
    schema(cx, file);
    calendars(cx, file);
    for decl in &file.decls {
        if let Decl::Policy(p) = decl {
            policy(cx, p);
        }
    }
    vars(cx, file);
    templates(cx, file);
    stages(cx, file);
}

fn header(cx: &mut Lowerer<'_>, file: &ast::File) {
    let mut flow = None;
    for decl in &file.decls {
        match decl {
            Decl::Flow(f) if flow.is_none() => flow = Some(f),
            Decl::Currency(c) if cx.m.currency.is_empty() => cx.m.currency = c.code.name.clone(),
            _ => {}
        }
    }
    match flow {
        Some(f) => {
            cx.m.flow = f.name.name.clone();
            cx.m.version = f.version.map(|(v, _)| v).unwrap_or(1);
        }
        None => cx.error(
            UNSUPPORTED,
            "this file has no `flow NAME` line, so it cannot be compiled".into(),
            ast::Span::new(0, 0),
            "start the file with `flow my_flow version 1`",
        ),
    }
}

fn ty(cx: &mut Lowerer<'_>, t: &ast::TypeExpr) -> Type {
    match &t.kind {
        ast::TypeExprKind::Enum(variants) => {
            Type::Enum(variants.iter().map(|v| cx.sym(&v.name)).collect())
        }
        ast::TypeExprKind::Named(name) => match name.name.as_str() {
            "bool" => Type::Bool,
            "number" => Type::Number,
            "money" => Type::Money,
            "percent" => Type::Percent,
            "text" => Type::Text,
            "date" => Type::Date,
            "time" => Type::Time,
            "datetime" => Type::DateTime,
            "duration" => Type::Duration,
            "phone" => Type::Phone,
            "email" => Type::Email,
            "address" => Type::Address,
            "timezone" => Type::Timezone,
            _ => {
                cx.unresolved("type", name);
                Type::Text
            }
        },
    }
}

fn fields(cx: &mut Lowerer<'_>, list: &[ast::FieldDecl], skip_id: bool) -> Vec<Field> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for f in list {
        if (skip_id && f.name.name == "id") || !seen.insert(f.name.name.as_str()) {
            continue;
        }
        let name = cx.sym(&f.name.name);
        let t = ty(cx, &f.ty);
        out.push(Field {
            name,
            ty: t,
            optional: f.ty.optional,
        });
    }
    out
}

fn schema(cx: &mut Lowerer<'_>, file: &ast::File) {
    for decl in &file.decls {
        if let Decl::Account(a) = decl {
            let mut more = fields(cx, &a.fields, true);
            cx.m.account.append(&mut more);
        }
    }
    for e in first_of(file, |d| match d {
        Decl::Event(e) => Some((e, e.name.name.as_str())),
        _ => None,
    }) {
        let name = cx.sym(&e.name.name);
        let fields = fields(cx, &e.fields, false);
        cx.m.events.push(EventDef { name, fields });
    }
    for a in first_of(file, |d| match d {
        Decl::Action(a) => Some((a, a.name.name.as_str())),
        _ => None,
    }) {
        let name = cx.sym(&a.name.name);
        let fields = fields(cx, &a.fields, false);
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

fn calendars(cx: &mut Lowerer<'_>, file: &ast::File) {
    for c in first_of(file, |d| match d {
        Decl::Calendar(c) => Some((c, c.name.name.as_str())),
        _ => None,
    }) {
        let name = cx.sym(&c.name.name);
        let weekend = weekdays(cx, &c.weekend);
        let mut holidays: Vec<_> = c.holidays.iter().map(|(d, _)| *d).collect();
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
    match cx.names.events.get(name.name.as_str()) {
        Some(&i) => i,
        None => {
            cx.unresolved("event", name);
            0
        }
    }
}

fn minutes(t: chrono::NaiveTime) -> u16 {
    (t.hour() * 60 + t.minute()) as u16
}

fn policy<'a>(cx: &mut Lowerer<'a>, p: &'a ast::PolicyDecl) {
    for rule in &p.rules {
        match &rule.kind {
            PolicyRuleKind::ContactHours { from, to, zone } => {
                cx.m.policy.contact_hours = Some(ContactHours {
                    from: minutes(from.0),
                    to: minutes(to.0),
                });
                cx.m.policy.zone = match zone.as_ref().map(|z| &z.kind) {
                    None => ZoneSpec::Utc,
                    Some(ast::ExprKind::Field {
                        root: ast::FieldRoot::Account,
                        field,
                        ..
                    }) => match cx.names.account.get(field.name.as_str()) {
                        Some(&i) => ZoneSpec::AccountField(i),
                        None => {
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
                };
            }
            PolicyRuleKind::NoContactDays(days) => {
                let bits = weekdays(cx, days);
                cx.m.policy.closed_weekdays |= bits;
            }
            PolicyRuleKind::NoContactHolidays(cal) => {
                match cx.names.calendars.get(cal.name.as_str()) {
                    Some(&i) => {
                        if !cx.m.policy.closed_holidays.contains(&i) {
                            cx.m.policy.closed_holidays.push(i);
                        }
                    }
                    None => cx.unresolved("calendar", cal),
                }
            }
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
        }
    }
}

fn vars<'a>(cx: &mut Lowerer<'a>, file: &'a ast::File) {
    for v in first_of(file, |d| match d {
        Decl::Var(v) => Some((v, v.name.name.as_str())),
        _ => None,
    }) {
        let name = cx.sym(&v.name.name);
        let t = ty(cx, &v.ty);
        let init = cx.code(&v.init, None);
        cx.m.vars.push(VarDef { name, ty: t, init });
    }
}

fn templates<'a>(cx: &mut Lowerer<'a>, file: &'a ast::File) {
    for t in first_of(file, |d| match d {
        Decl::Template(t) => Some((t, t.name.name.as_str())),
        _ => None,
    }) {
        let name = cx.sym(&t.name.name);
        let Some(channel) = Channel::from_name(&t.channel.name).filter(|c| *c != Channel::Call)
        else {
            cx.unresolved("channel", &t.channel);
            continue;
        };
        let (subject, body) = match &t.body {
            TemplateBody::Text(text) => (None, cx.text(text, None)),
            TemplateBody::Email { subject, body } => {
                (Some(cx.text(subject, None)), cx.text(body, None))
            }
            TemplateBody::File(path) => match template_file(cx, path) {
                Some(text) => (None, text),
                None => continue,
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

/// Reads and compiles a `file "..."` template, relative to the flow's
/// folder.
fn template_file(cx: &mut Lowerer<'_>, path: &ast::Text) -> Option<dun_machine::format::Text> {
    let relative = path.plain().unwrap_or_default();
    let Some(flow_path) = cx.path else {
        cx.error(
            TEMPLATE_FILE,
            format!("template file \"{relative}\" cannot be found for a flow that is not saved"),
            path.span,
            "save the flow, so that the template's path can be read relative to its folder",
        );
        return None;
    };
    let leaves = std::path::Path::new(&relative).components().any(|c| {
        !matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if leaves {
        cx.error(
            TEMPLATE_FILE,
            format!("template file \"{relative}\" is outside the flow's folder"),
            path.span,
            "keep template files in the flow's folder or below it, e.g. \"templates/letter.txt\"",
        );
        return None;
    }
    let folder = flow_path.parent().unwrap_or(std::path::Path::new(""));
    let full = folder.join(&relative);
    let content = match std::fs::read_to_string(&full) {
        Ok(c) => c,
        Err(e) => {
            cx.error(
                TEMPLATE_FILE,
                format!("cannot read template file `{}`: {e}", full.display()),
                path.span,
                "check the path: it is relative to the folder of the flow file",
            );
            return None;
        }
    };
    let (text, problems) = crate::syntax::parse_template_text(&content);
    if let Some(first) = problems.first() {
        cx.error(
            TEMPLATE_FILE,
            format!(
                "template file `{}` has a broken placeholder: {}",
                full.display(),
                first.message
            ),
            path.span,
            "fix the placeholder in the template file (`{{` writes a literal brace)",
        );
        return None;
    }
    Some(cx.text(&text, None))
}

fn stages<'a>(cx: &mut Lowerer<'a>, file: &'a ast::File) {
    let stages = first_of(file, |d| match d {
        Decl::Stage(s) => Some((s, s.name.name.as_str())),
        _ => None,
    });
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
        match decl {
            Decl::Handler(h) => {
                if let Some(h) = handler(cx, h) {
                    cx.m.handlers.push(h);
                }
            }
            Decl::Start(s) => cx.m.start = cx.stage_index(&s.stage),
            _ => {}
        }
    }
    if !file.decls.iter().any(|d| matches!(d, Decl::Start(_))) {
        cx.error(
            UNSUPPORTED,
            "this flow has no `start` line, so new accounts have nowhere to go".into(),
            ast::Span::new(0, 0),
            "add `start STAGE` naming the first stage",
        );
    }
}

fn handler<'a>(cx: &mut Lowerer<'a>, h: &'a ast::Handler) -> Option<Handler> {
    let Some(&event) = cx.names.events.get(h.event.name.as_str()) else {
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
