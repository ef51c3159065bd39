//! Declarations, steps and flow tests: pest pairs → owned AST.
//!
//! Conversion never fails: the grammar guarantees the shape of each pair, and
//! where a literal is out of range the node keeps a neutral value and a
//! diagnostic is reported, so the checker still sees the declaration.

use super::ast::*;
use super::grammar::Rule;
use crate::diagnostics::Diagnostic;
use foldhash::HashMap;
use pest::iterators::Pair;
use std::cell::RefCell;

pub(crate) const HANDLER_AFTER_STEP: &str = "dun::syntax::handler_after_step";

/// Converts pairs of one parsed slice of the file. `base` is the slice's
/// byte offset in the file, so that every span is a file offset.
pub(crate) struct Builder<'a> {
    base: usize,
    docs: &'a HashMap<u32, String>,
    diagnostics: RefCell<Vec<Diagnostic>>,
}

/// Where a node's text really ends. pest lets a rule that ends with an
/// optional part (`wait 3 days [of bank]`) swallow the blanks and comments
/// before that missing part; the last token inside it ends where it should.
///
/// Every rule of the grammar ends with a token of its own, so the node ends
/// where its last token does: after the trailing blanks are trimmed, unless
/// what is left ends inside a comment. Only then (or when a character other
/// than ASCII is in the way) are the node's children walked, which used to
/// be done for every node that ended with a blank or held a `#` anywhere.
fn exact_end(pair: &Pair<'_, Rule>) -> usize {
    let span = pair.as_span();
    let (start, end) = (span.start(), span.end());
    let input = span.get_input().as_bytes();
    match input[start..end].last() {
        // A comment can end a node only at the end of the input: pest's
        // blanks run on past the line break that ends a comment.
        Some(b) if !is_blank(*b) && b.is_ascii() && end < input.len() => return end,
        None => return end,
        _ => {}
    }
    let mut p = end;
    while p > start && is_blank(input[p - 1]) {
        p -= 1;
    }
    let line_start = input[start..p]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(start, |n| start + n + 1);
    let in_comment = input[line_start..p].contains(&b'#');
    if p < end && p > start && input[p - 1].is_ascii() && !in_comment {
        return p;
    }
    exact_end_by_children(pair)
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r')
}

/// The exact end found by walking down to the last token: slow, for the
/// rare node whose text ends in a comment or a non-ASCII character.
fn exact_end_by_children(pair: &Pair<'_, Rule>) -> usize {
    let text = pair.as_str();
    if !(text.ends_with(char::is_whitespace) || text.contains('#')) {
        return pair.as_span().end();
    }
    match pair.clone().into_inner().last() {
        Some(last) => exact_end_by_children(&last),
        None => pair.as_span().end(),
    }
}

impl<'a> Builder<'a> {
    pub(crate) fn new(base: usize, docs: &'a HashMap<u32, String>) -> Self {
        Builder {
            base,
            docs,
            diagnostics: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics.into_inner()
    }

    pub(crate) fn report(&self, d: Diagnostic) {
        self.diagnostics.borrow_mut().push(d);
    }

    pub(crate) fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.base + s.start(), self.base + exact_end(pair))
    }

    pub(crate) fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// Stands in for a part the grammar guarantees; never reached on a
    /// successful parse, but conversion must not panic if it were.
    pub(crate) fn missing(&self, span: Span) -> Ident {
        Ident {
            name: String::new(),
            span,
        }
    }

    pub(crate) fn doc(&self, span: Span) -> Doc {
        self.docs.get(&span.start).cloned()
    }

    pub(crate) fn file(&self, pair: Pair<'_, Rule>) -> Vec<Decl> {
        pair.into_inner().filter_map(|p| self.decl(p)).collect()
    }

    fn decl(&self, pair: Pair<'_, Rule>) -> Option<Decl> {
        let span = self.span(&pair);
        let doc = self.doc(span);
        let rule = pair.as_rule();
        let decl = match rule {
            Rule::flow_decl => {
                let mut name = None;
                let mut version = None;
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::name => name = Some(self.ident(&c)),
                        Rule::count => version = Some(self.count(&c)),
                        _ => {}
                    }
                }
                Decl::Flow(FlowDecl {
                    name: name.unwrap_or_else(|| self.missing(span)),
                    version,
                    span,
                    doc,
                })
            }
            Rule::currency_decl => {
                let code = pair
                    .into_inner()
                    .find(|c| matches!(c.as_rule(), Rule::currency_code | Rule::loose_code))
                    .map(|c| self.currency_code(&c))
                    .unwrap_or_else(|| self.missing(span));
                Decl::Currency(CurrencyDecl { code, span, doc })
            }
            Rule::account_decl => Decl::Account(AccountDecl {
                fields: self.field_decls(pair),
                span,
                doc,
            }),
            Rule::event_decl | Rule::action_decl => {
                let mut name = None;
                let mut fields = Vec::new();
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::name => name = Some(self.ident(&c)),
                        Rule::field_decl => fields.push(self.field_decl(c)),
                        _ => {}
                    }
                }
                let name = name.unwrap_or_else(|| self.missing(span));
                if rule == Rule::event_decl {
                    Decl::Event(EventDecl {
                        name,
                        fields,
                        span,
                        doc,
                    })
                } else {
                    Decl::Action(ActionDecl {
                        name,
                        fields,
                        span,
                        doc,
                    })
                }
            }
            Rule::calendar_decl => {
                let mut name = None;
                let mut weekend = Vec::new();
                let mut holidays = Vec::new();
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::name => name = Some(self.ident(&c)),
                        Rule::weekend_rule => weekend.extend(
                            c.into_inner()
                                .filter(|d| d.as_rule() == Rule::weekday)
                                .map(|d| self.ident(&d)),
                        ),
                        Rule::holiday_rule => holidays.extend(
                            c.into_inner()
                                .filter(|d| d.as_rule() == Rule::date)
                                .map(|d| self.date(&d)),
                        ),
                        _ => {}
                    }
                }
                Decl::Calendar(CalendarDecl {
                    name: name.unwrap_or_else(|| self.missing(span)),
                    weekend,
                    holidays,
                    span,
                    doc,
                })
            }
            Rule::policy_decl => Decl::Policy(PolicyDecl {
                rules: pair
                    .into_inner()
                    .filter_map(|r| self.policy_rule(r))
                    .collect(),
                span,
                doc,
            }),
            Rule::var_decl => {
                let mut name = None;
                let mut ty = None;
                let mut init = None;
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::name => name = Some(self.ident(&c)),
                        Rule::type_expr => ty = Some(self.type_expr(c)),
                        Rule::expr => init = Some(self.expr(c)),
                        _ => {}
                    }
                }
                Decl::Var(VarDecl {
                    name: name.unwrap_or_else(|| self.missing(span)),
                    ty: ty.unwrap_or_else(|| TypeExpr {
                        kind: TypeExprKind::Named(self.missing(span)),
                        optional: false,
                        span,
                    }),
                    init: init.unwrap_or_else(|| self.placeholder_expr(span)),
                    span,
                    doc,
                })
            }
            Rule::segment_decl => {
                let mut name = None;
                let mut cond = None;
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::name => name = Some(self.ident(&c)),
                        Rule::expr => cond = Some(self.expr(c)),
                        _ => {}
                    }
                }
                Decl::Segment(SegmentDecl {
                    name: name.unwrap_or_else(|| self.missing(span)),
                    cond: cond.unwrap_or_else(|| self.placeholder_expr(span)),
                    span,
                    doc,
                })
            }
            Rule::template_decl => {
                let mut name = None;
                let mut channel = None;
                let mut body = None;
                let mut locale = None;
                let mut approved = None;
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::name => name = Some(self.ident(&c)),
                        Rule::channel => channel = self.inner_name(c),
                        Rule::string => body = Some(TemplateBody::Text(self.text(c))),
                        Rule::template_locale => locale = self.template_locale(c),
                        Rule::approved => approved = self.approved(c),
                        Rule::template_langs => body = Some(self.template_langs(c)),
                        Rule::template_file => {
                            body = c
                                .into_inner()
                                .find(|s| s.as_rule() == Rule::string)
                                .map(|s| TemplateBody::File(self.text(s)))
                        }
                        Rule::template_email => {
                            let mut texts = c
                                .into_inner()
                                .filter(|s| s.as_rule() == Rule::string)
                                .map(|s| self.text(s));
                            let subject = texts.next();
                            let email_body = texts.next();
                            if let (Some(subject), Some(email_body)) = (subject, email_body) {
                                body = Some(TemplateBody::Email {
                                    subject,
                                    body: email_body,
                                });
                            }
                        }
                        _ => {}
                    }
                }
                Decl::Template(TemplateDecl {
                    name: name.unwrap_or_else(|| self.missing(span)),
                    channel: channel.unwrap_or_else(|| self.missing(span)),
                    body: body.unwrap_or_else(|| {
                        TemplateBody::Text(Text {
                            parts: Vec::new(),
                            span,
                        })
                    }),
                    span,
                    doc,
                    locale,
                    approved,
                })
            }
            Rule::handler => Decl::Handler(self.handler(pair)),
            Rule::start_decl => Decl::Start(StartDecl {
                stage: pair
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::name)
                    .map(|c| self.ident(&c))
                    .unwrap_or_else(|| self.missing(span)),
                span,
                doc,
            }),
            Rule::stage_decl => Decl::Stage(self.stage(pair)),
            Rule::test_decl => Decl::Test(self.test(pair)),
            Rule::migrate_decl => Decl::Migrate(self.migrate(pair, span, doc)),
            Rule::reenter_decl => Decl::Reenter(self.reenter(pair, span, doc)),
            Rule::deadline => Decl::Deadline(self.deadline(pair)),
            Rule::locale_decl => Decl::Locale(self.locale_decl(pair, span, doc)),
            Rule::language_decl => Decl::Language(self.language_decl(pair, span, doc)),
            Rule::payments_decl => Decl::Payments(self.payments(pair, span, doc)),
            Rule::import_decl => {
                let path = pair
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::string)
                    .map(|c| self.text(c))
                    .unwrap_or(Text {
                        parts: Vec::new(),
                        span,
                    });
                Decl::Import(ImportDecl { path, span, doc })
            }
            _ => return None,
        };
        Some(decl)
    }

    pub(crate) fn placeholder_expr(&self, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Bool(false),
            span,
            parens: 0,
        }
    }

    pub(crate) fn inner_name(&self, pair: Pair<'_, Rule>) -> Option<Ident> {
        pair.into_inner()
            .find(|c| c.as_rule() == Rule::name)
            .map(|c| self.ident(&c))
    }

    fn field_decls(&self, pair: Pair<'_, Rule>) -> Vec<FieldDecl> {
        pair.into_inner()
            .filter(|c| c.as_rule() == Rule::field_decl)
            .map(|c| self.field_decl(c))
            .collect()
    }

    fn field_decl(&self, pair: Pair<'_, Rule>) -> FieldDecl {
        let span = self.span(&pair);
        let mut name = None;
        let mut ty = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::name => name = Some(self.ident(&c)),
                Rule::type_expr => ty = Some(self.type_expr(c)),
                _ => {}
            }
        }
        let name = name.unwrap_or_else(|| self.missing(span));
        // The span of a field is `name: type`, without a trailing comma.
        let end = ty.as_ref().map_or(span, |t| t.span);
        FieldDecl {
            span: name.span.to(end),
            doc: self.doc(span),
            name,
            ty: ty.unwrap_or_else(|| TypeExpr {
                kind: TypeExprKind::Named(self.missing(span)),
                optional: false,
                span,
            }),
        }
    }

    fn type_expr(&self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let mut kind = None;
        let mut optional = false;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::enum_type => {
                    kind = Some(TypeExprKind::Enum(
                        c.into_inner()
                            .filter(|v| v.as_rule() == Rule::name)
                            .map(|v| self.ident(&v))
                            .collect(),
                    ))
                }
                Rule::type_name => kind = self.inner_name(c).map(TypeExprKind::Named),
                Rule::question => optional = true,
                _ => {}
            }
        }
        TypeExpr {
            kind: kind.unwrap_or_else(|| TypeExprKind::Named(self.missing(span))),
            optional,
            span,
        }
    }

    fn policy_rule(&self, pair: Pair<'_, Rule>) -> Option<PolicyRule> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        if rule == Rule::fee_cap_rule {
            return Some(self.fee_cap_rule(pair));
        }
        let mut times = Vec::new();
        let mut zone = None;
        let mut also = None;
        let mut names = Vec::new();
        let mut days = Vec::new();
        let mut holidays = None;
        let mut count = None;
        let mut channels = None;
        let mut duration = None;
        let mut when = None;
        let mut longest = None;
        let mut fees = None;
        let mut windows = Vec::new();
        let mut week = None;
        let mut person = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::field_access => person = Some(self.field_ref(c)),
                Rule::time => times.push(self.time(&c)),
                Rule::day_window => windows.push(self.day_window(c)),
                Rule::calendar_week => week = Some(self.span(&c)),
                Rule::zone => zone = self.zone(c),
                Rule::also_zone => {
                    also = c
                        .into_inner()
                        .find(|z| z.as_rule() == Rule::zone)
                        .and_then(|z| self.zone(z))
                }
                Rule::weekday_list => days.extend(
                    c.into_inner()
                        .filter(|d| d.as_rule() == Rule::weekday)
                        .map(|d| self.ident(&d)),
                ),
                Rule::holidays_of => holidays = self.inner_name(c),
                Rule::count => count = Some(self.count(&c)),
                Rule::channels => channels = self.inner_name(c),
                Rule::duration => duration = Some(self.duration(c)),
                Rule::name => names.push(self.ident(&c)),
                Rule::when_clause => when = self.when(c),
                Rule::hold_fees => fees = Some(self.span(&c)),
                Rule::longest => {
                    longest = c
                        .into_inner()
                        .find(|d| d.as_rule() == Rule::duration)
                        .map(|d| self.duration(d))
                }
                _ => {}
            }
        }
        let missing_duration = || DurationLit {
            amount: 0,
            unit: DurationUnit::Days,
            calendar: None,
            span,
        };
        let kind = match rule {
            Rule::contact_hours_rule if channels.is_none() && windows.is_empty() => {
                let mut times = times.into_iter();
                let from = times.next().unwrap_or_default();
                let to = times.next().unwrap_or_default();
                PolicyRuleKind::ContactHours {
                    from,
                    to,
                    zone,
                    also,
                }
            }
            Rule::contact_hours_rule => {
                if windows.is_empty() {
                    let mut times = times.into_iter();
                    let from = times.next().unwrap_or_default();
                    let to = times.next().unwrap_or_default();
                    windows.push(DayWindow {
                        days: Vec::new(),
                        span: from.1.to(to.1),
                        from,
                        to,
                    });
                }
                PolicyRuleKind::Windows {
                    channels,
                    windows,
                    zone,
                    also,
                }
            }
            Rule::no_contact_rule => match holidays {
                Some(cal) => PolicyRuleKind::NoContactHolidays(cal),
                None => PolicyRuleKind::NoContactDays(days),
            },
            Rule::at_most_rule if week.is_some() => PolicyRuleKind::AtMostPerWeek {
                count: count.unwrap_or((0, span)),
                channels: channels.unwrap_or_else(|| self.missing(span)),
                week: week.unwrap_or(span),
            },
            Rule::at_most_rule => PolicyRuleKind::AtMost {
                count: count.unwrap_or((0, span)),
                channels: channels.unwrap_or_else(|| self.missing(span)),
                window: duration.unwrap_or_else(missing_duration),
            },
            Rule::pause_rule => PolicyRuleKind::Pause {
                channels: channels.unwrap_or_else(|| self.missing(span)),
                duration: duration.unwrap_or_else(missing_duration),
                event: names.pop().unwrap_or_else(|| self.missing(span)),
                when,
            },
            Rule::hold_rule => {
                let release = names.pop().unwrap_or_else(|| self.missing(span));
                PolicyRuleKind::Hold {
                    channels: channels.unwrap_or_else(|| self.missing(span)),
                    event: names.pop().unwrap_or_else(|| self.missing(span)),
                    release,
                    longest,
                    when,
                    fees,
                }
            }
            Rule::person_rule => PolicyRuleKind::Person(person.unwrap_or_else(|| Expr {
                kind: ExprKind::Text(Text {
                    parts: Vec::new(),
                    span,
                }),
                span,
                parens: 0,
            })),
            Rule::stop_rule => PolicyRuleKind::Stop {
                channels: channels.unwrap_or_else(|| self.missing(span)),
                event: names.pop().unwrap_or_else(|| self.missing(span)),
                when,
            },
            Rule::pause_promise_rule => PolicyRuleKind::PauseWhilePromise {
                channels: channels.unwrap_or_else(|| self.missing(span)),
            },
            Rule::pause_plan_rule => PolicyRuleKind::PauseWhilePlan {
                channels: channels.unwrap_or_else(|| self.missing(span)),
            },
            Rule::pause_settlement_rule => PolicyRuleKind::PauseWhileSettlement {
                channels: channels.unwrap_or_else(|| self.missing(span)),
            },
            _ => return None,
        };
        Some(PolicyRule { kind, span })
    }

    fn day_window(&self, pair: Pair<'_, Rule>) -> DayWindow {
        let span = self.span(&pair);
        let mut days = Vec::new();
        let mut times = Vec::new();
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::day_range => {
                    let mut names = c
                        .into_inner()
                        .filter(|d| d.as_rule() == Rule::week_day)
                        .map(|d| self.ident(&d));
                    if let Some(first) = names.next() {
                        days.push(DayRange {
                            first,
                            last: names.next(),
                        });
                    }
                }
                Rule::time => times.push(self.time(&c)),
                _ => {}
            }
        }
        let mut times = times.into_iter();
        DayWindow {
            days,
            from: times.next().unwrap_or_default(),
            to: times.next().unwrap_or_default(),
            span,
        }
    }

    /// `in ZONE`: a zone name or an account field.
    fn zone(&self, pair: Pair<'_, Rule>) -> Option<Expr> {
        pair.into_inner().next().map(|z| {
            let span = self.span(&z);
            match z.as_rule() {
                Rule::string => Expr {
                    kind: ExprKind::Text(self.text(z)),
                    span,
                    parens: 0,
                },
                _ => self.field_ref(z),
            }
        })
    }

    pub(crate) fn field_ref(&self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let mut root = FieldRoot::Account;
        let mut root_span = span;
        let mut field = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::kw_account => root_span = self.span(&c),
                Rule::kw_event => {
                    root = FieldRoot::Event;
                    root_span = self.span(&c);
                }
                Rule::name => field = Some(self.ident(&c)),
                _ => {}
            }
        }
        Expr {
            kind: ExprKind::Field {
                root,
                root_span,
                field: field.unwrap_or_else(|| self.missing(span)),
            },
            span,
            parens: 0,
        }
    }

    pub(crate) fn when(&self, pair: Pair<'_, Rule>) -> Option<Expr> {
        pair.into_inner()
            .find(|c| c.as_rule() == Rule::expr)
            .map(|c| self.expr(c))
    }

    fn handler(&self, pair: Pair<'_, Rule>) -> Handler {
        let span = self.span(&pair);
        let mut event = None;
        let mut when = None;
        let mut body = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::name => event = Some(self.ident(&c)),
                Rule::when_clause => when = self.when(c),
                Rule::handler_goto => {
                    body = Some(HandlerBody::Goto(
                        self.inner_name(c).unwrap_or_else(|| self.missing(span)),
                    ))
                }
                Rule::block => body = Some(HandlerBody::Block(self.block(c))),
                _ => {}
            }
        }
        Handler {
            event: event.unwrap_or_else(|| self.missing(span)),
            when,
            body: body.unwrap_or(HandlerBody::Block(Block {
                steps: Vec::new(),
                span,
            })),
            span,
            doc: self.doc(span),
        }
    }

    fn stage(&self, pair: Pair<'_, Rule>) -> Stage {
        let span = self.span(&pair);
        let mut name = None;
        let mut handlers = Vec::new();
        let mut deadlines = Vec::new();
        let mut body = Block {
            steps: Vec::new(),
            span,
        };
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::name => name = Some(self.ident(&c)),
                Rule::stage_body => {
                    body.span = self.span(&c);
                    let mut first_step: Option<Span> = None;
                    for item in c.into_inner() {
                        match item.as_rule() {
                            Rule::handler => handlers.push(self.handler(item)),
                            Rule::deadline => deadlines.push(self.deadline(item)),
                            Rule::misplaced_deadline => {
                                deadlines.extend(self.misplaced_deadline(item, first_step));
                            }
                            Rule::misplaced_handler => {
                                let Some(h) = item.into_inner().next() else {
                                    continue;
                                };
                                let handler = self.handler(h);
                                let mut d = Diagnostic::error(
                                    HANDLER_AFTER_STEP,
                                    format!(
                                        "the handler `on {}` comes after a step; a stage lists its handlers first",
                                        handler.event.name
                                    ),
                                    handler.span,
                                )
                                .with_label("handler after a step")
                                .with_help("move this `on ...` line above the first step of the stage");
                                if let Some(first) = first_step {
                                    d = d.with_secondary(first, "the first step of the stage");
                                }
                                self.report(d);
                                handlers.push(handler);
                            }
                            Rule::lbrace | Rule::rbrace => {}
                            _ => {
                                if let Some(step) = self.step(item) {
                                    first_step.get_or_insert(step.span);
                                    body.steps.push(step);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Stage {
            name: name.unwrap_or_else(|| self.missing(span)),
            handlers,
            deadlines,
            body,
            span,
            doc: self.doc(span),
        }
    }

    pub(crate) fn block(&self, pair: Pair<'_, Rule>) -> Block {
        let span = self.span(&pair);
        Block {
            steps: pair.into_inner().filter_map(|s| self.step(s)).collect(),
            span,
        }
    }

    fn field_values(&self, pair: Pair<'_, Rule>) -> Vec<FieldValue> {
        pair.into_inner()
            .filter(|c| c.as_rule() == Rule::field_value)
            .map(|c| self.field_value(c))
            .collect()
    }

    fn field_value(&self, pair: Pair<'_, Rule>) -> FieldValue {
        let span = self.span(&pair);
        let mut name = None;
        let mut value = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::name => name = Some(self.ident(&c)),
                Rule::expr => value = Some(self.expr(c)),
                _ => {}
            }
        }
        let name = name.unwrap_or_else(|| self.missing(span));
        let value = value.unwrap_or_else(|| self.placeholder_expr(span));
        FieldValue {
            span: name.span.to(value.span),
            name,
            value,
        }
    }

    fn step(&self, pair: Pair<'_, Rule>) -> Option<Step> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        if matches!(rule, Rule::charge_step | Rule::interest_step) {
            return Some(self.charge_step(pair));
        }
        if rule == Rule::plan_step {
            return Some(self.plan_step(pair));
        }
        if let Some(step) = self.settlement_step(&pair) {
            return Some(step);
        }
        let mut names = Vec::new();
        let mut channel = None;
        let mut target = None;
        let mut when = None;
        let mut priority = None;
        let mut duration = None;
        let mut until = None;
        let mut exprs = Vec::new();
        let mut blocks = Vec::new();
        let mut else_ifs = Vec::new();
        let mut otherwise = None;
        let mut count = None;
        let mut up_to = false;
        let mut percent = None;
        let mut arms = Vec::new();
        let mut text = None;
        let mut fields = Vec::new();
        let mut has_queue = false;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::name => names.push(self.ident(&c)),
                Rule::channel => channel = self.inner_name(c),
                Rule::send_target => target = self.inner_name(c),
                Rule::when_clause => when = self.when(c),
                Rule::priority => priority = Some(self.ident(&c)),
                Rule::kw_queue => has_queue = true,
                Rule::duration => duration = Some(self.duration(c)),
                Rule::wait_until => {
                    until = c
                        .into_inner()
                        .find(|e| e.as_rule() == Rule::expr)
                        .map(|e| self.expr(e))
                }
                Rule::expr => exprs.push(self.expr(c)),
                Rule::block => blocks.push(self.block(c)),
                Rule::else_if => {
                    let mut cond = None;
                    let mut block = None;
                    for e in c.into_inner() {
                        match e.as_rule() {
                            Rule::expr => cond = Some(self.expr(e)),
                            Rule::block => block = Some(self.block(e)),
                            _ => {}
                        }
                    }
                    if let (Some(cond), Some(block)) = (cond, block) {
                        else_ifs.push((cond, block));
                    }
                }
                Rule::else_block => {
                    otherwise = c
                        .into_inner()
                        .find(|b| b.as_rule() == Rule::block)
                        .map(|b| self.block(b))
                }
                Rule::count => count = Some(self.count(&c)),
                Rule::plan_up_to => up_to = true,
                Rule::percent => percent = Some(self.percent(c)),
                Rule::split_arm => {
                    let arm_span = self.span(&c);
                    let mut share = None;
                    let mut stage = None;
                    for a in c.into_inner() {
                        match a.as_rule() {
                            Rule::percent => share = Some(self.percent(a)),
                            Rule::name => stage = Some(self.ident(&a)),
                            _ => {}
                        }
                    }
                    if let (Some(share), Some(stage)) = (share, stage) {
                        arms.push(SplitArm {
                            span: share.1.to(stage.span),
                            share,
                            stage,
                        });
                    } else {
                        let _ = arm_span;
                    }
                }
                Rule::string => text = Some(self.text(c)),
                Rule::field_value => fields.push(self.field_value(c)),
                _ => {}
            }
        }
        let mut names = names.into_iter();
        let mut next_name = || names.next().unwrap_or_else(|| self.missing(span));
        let missing_duration = DurationLit {
            amount: 0,
            unit: DurationUnit::Days,
            calendar: None,
            span,
        };
        let empty_text = || Text {
            parts: Vec::new(),
            span,
        };
        let kind = match rule {
            Rule::send_step => StepKind::Send {
                channel: channel.unwrap_or_else(|| self.missing(span)),
                template: next_name(),
                to: target,
                when,
            },
            Rule::call_step => StepKind::Call {
                queue: if has_queue { Some(next_name()) } else { None },
                priority,
                when,
            },
            Rule::wait_step => match until {
                Some(e) => StepKind::Wait(WaitKind::Until(e)),
                None => StepKind::Wait(WaitKind::For(duration.unwrap_or(missing_duration))),
            },
            Rule::if_step => {
                let mut branches = Vec::new();
                if let (Some(cond), Some(block)) = (exprs.pop(), blocks.pop()) {
                    branches.push((cond, block));
                }
                branches.extend(else_ifs);
                StepKind::If {
                    branches,
                    otherwise,
                }
            }
            Rule::repeat_step => StepKind::Repeat {
                count: count.unwrap_or((0, span)),
                body: blocks.pop().unwrap_or(Block {
                    steps: Vec::new(),
                    span,
                }),
            },
            Rule::split_step => StepKind::Split { arms },
            Rule::goto_step => StepKind::Goto(next_name()),
            Rule::end_step => StepKind::End(next_name()),
            Rule::set_step => StepKind::Set {
                var: next_name(),
                value: exprs.pop().unwrap_or_else(|| self.placeholder_expr(span)),
            },
            Rule::assign_queue_step => StepKind::AssignQueue {
                queue: next_name(),
                priority,
            },
            Rule::assign_agency_step => match duration {
                Some(period) => StepKind::PlaceAgency {
                    agency: text.unwrap_or_else(empty_text),
                    period,
                },
                None => StepKind::AssignAgency(text.unwrap_or_else(empty_text)),
            },
            Rule::offer_discount_step => StepKind::OfferDiscount {
                percent: percent.unwrap_or_default(),
                duration,
            },
            Rule::offer_plan_step => StepKind::OfferPlan {
                installments: count.unwrap_or((0, span)),
                every: duration.unwrap_or(missing_duration),
                up_to,
            },
            Rule::alert_step => StepKind::Alert {
                team: next_name(),
                text: text.unwrap_or_else(empty_text),
            },
            Rule::emit_step => StepKind::Emit {
                action: next_name(),
                fields,
            },
            Rule::promise_step => self.promise(exprs, duration, span),
            _ => return None,
        };
        Some(Step { kind, span })
    }

    fn test(&self, pair: Pair<'_, Rule>) -> Test {
        let span = self.span(&pair);
        let mut title = None;
        let mut items = Vec::new();
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::string => title = Some(self.text(c)),
                Rule::given | Rule::given_arm | Rule::test_start | Rule::on_day => {
                    items.push(self.test_item(c))
                }
                _ => {}
            }
        }
        Test {
            title: title.unwrap_or(Text {
                parts: Vec::new(),
                span,
            }),
            items,
            span,
            doc: self.doc(span),
        }
    }

    fn test_item(&self, pair: Pair<'_, Rule>) -> TestItem {
        let span = self.span(&pair);
        let account = pair.clone().into_inner().find_map(|c| match c.as_rule() {
            Rule::name => Some(self.ident(&c)),
            Rule::test_for => self.inner_name(c),
            _ => None,
        });
        let kind = match pair.as_rule() {
            Rule::given => TestItemKind::Given(self.field_values(pair)),
            Rule::given_arm => self.given_arm(pair),
            Rule::test_start => {
                let mut date = Default::default();
                let mut time = Default::default();
                let mut zone = None;
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::date => date = self.date(&c).0,
                        Rule::time => time = self.time(&c).0,
                        Rule::string => zone = Some(self.text(c)),
                        _ => {}
                    }
                }
                TestItemKind::Start { date, time, zone }
            }
            _ => {
                let mut day = (0, span);
                let mut at = None;
                let mut action = None;
                for c in pair.into_inner() {
                    match c.as_rule() {
                        Rule::count => day = self.count(&c),
                        Rule::time => at = Some(self.time(&c)),
                        Rule::receive => {
                            let mut event = None;
                            let mut fields = Vec::new();
                            for r in c.into_inner() {
                                match r.as_rule() {
                                    Rule::name => event = Some(self.ident(&r)),
                                    Rule::field_value => fields.push(self.field_value(r)),
                                    _ => {}
                                }
                            }
                            action = Some(TestAction::Receive {
                                event: event.unwrap_or_else(|| self.missing(span)),
                                fields,
                            });
                        }
                        Rule::update => action = Some(TestAction::Update(self.field_values(c))),
                        Rule::expect => action = self.expectation(c).map(TestAction::Expect),
                        _ => {}
                    }
                }
                TestItemKind::OnDay {
                    day,
                    at,
                    action: action.unwrap_or(TestAction::Update(Vec::new())),
                }
            }
        };
        TestItem {
            kind,
            span,
            account,
        }
    }

    fn expectation(&self, pair: Pair<'_, Rule>) -> Option<Expectation> {
        let form = pair.into_inner().find(|c| c.as_rule() != Rule::kw_expect)?;
        if form.as_rule() == Rule::expect_offer_settlement {
            return Some(self.settlement_expectation(form));
        }
        if matches!(
            form.as_rule(),
            Rule::expect_offer_plan
                | Rule::expect_charged
                | Rule::expect_no_fee
                | Rule::expect_interest
        ) {
            return self.charge_expectation(form);
        }
        let span = self.span(&form);
        let rule = form.as_rule();
        let mut names = Vec::new();
        let mut channel = None;
        let mut text = None;
        let mut percent = None;
        let mut value = None;
        let mut has_queue = false;
        let mut has_in = false;
        for c in form.into_inner() {
            match c.as_rule() {
                Rule::name => names.push(self.ident(&c)),
                Rule::channel | Rule::channels => channel = self.inner_name(c),
                Rule::string => text = Some(self.text(c)),
                Rule::percent => percent = Some(self.percent(c)),
                Rule::expr => value = Some(self.expr(c)),
                Rule::kw_queue => has_queue = true,
                Rule::kw_in => has_in = true,
                _ => {}
            }
        }
        let mut names = names.into_iter();
        let mut next_name = || names.next().unwrap_or_else(|| self.missing(span));
        let channel = channel.unwrap_or_else(|| self.missing(span));
        Some(match rule {
            Rule::expect_sent => {
                let template = next_name();
                if has_in {
                    Expectation::SentIn {
                        channel,
                        template,
                        language: next_name(),
                    }
                } else {
                    Expectation::Sent { channel, template }
                }
            }
            Rule::expect_call => Expectation::Call {
                queue: if has_queue { Some(next_name()) } else { None },
            },
            Rule::expect_no => Expectation::No { channels: channel },
            Rule::expect_assigned_queue => Expectation::AssignedQueue(next_name()),
            Rule::expect_recalled => Expectation::RecalledAgency(text.unwrap_or(Text {
                parts: Vec::new(),
                span,
            })),
            Rule::expect_assigned_agency => Expectation::AssignedAgency(text.unwrap_or(Text {
                parts: Vec::new(),
                span,
            })),
            Rule::expect_offer => Expectation::OfferDiscount(percent.unwrap_or_default()),
            Rule::expect_alert => Expectation::Alert(next_name()),
            Rule::expect_emitted => Expectation::Emitted(next_name()),
            Rule::expect_stage => Expectation::Stage(next_name()),
            Rule::expect_end => Expectation::End(next_name()),
            Rule::expect_var => Expectation::Var {
                var: next_name(),
                value: value.unwrap_or_else(|| self.placeholder_expr(span)),
            },
            Rule::expect_promise => Expectation::Promise(next_name()),
            Rule::expect_plan => Expectation::Plan(next_name()),
            Rule::expect_installment => Expectation::InstallmentMissed(span),
            Rule::expect_settlement => Expectation::Settlement(next_name()),
            _ => return None,
        })
    }
}
