//! The canonical layout of each declaration, step, policy rule and test line.

use super::expr::{date, decimal, duration, time};
use super::layout::Printer;
use crate::syntax::ast::*;

/// Continuation lines of a filled list sit two steps deeper.
const CONTINUATION: &str = "    ";

/// One entry of a list in braces: its text and where it was written.
struct ListItem {
    text: String,
    span: Span,
}

impl Printer<'_> {
    pub fn file(&mut self, file: &File) {
        let mut previous_was_block = false;
        for decl in &file.decls {
            let span = decl.span();
            let group = self.lines.len();
            let mark = self.begin(span);
            self.decl(decl);
            let own_lines = self.lines.len() - mark;
            self.end(span, mark);
            // Declarations that take several lines stand apart from their
            // neighbours; one-liners keep the author's grouping.
            let is_block = own_lines > 1;
            if (is_block || previous_was_block) && group > 0 {
                let before_is_blank = self.lines.get(group - 1).is_some_and(|l| l.is_empty());
                let first_is_blank = self.lines.get(group).is_some_and(|l| l.is_empty());
                if !before_is_blank && !first_is_blank {
                    self.lines.insert(group, String::new());
                }
            }
            previous_was_block = is_block;
        }
    }

    fn decl(&mut self, decl: &Decl) {
        match decl {
            Decl::Flow(f) => match &f.version {
                Some((v, _)) => self.push(format!("flow {} version {v}", f.name.name)),
                None => self.push(format!("flow {}", f.name.name)),
            },
            Decl::Currency(c) => self.push(format!("currency {}", c.code.name)),
            Decl::Account(a) => {
                let items = field_decls(&a.fields);
                self.brace_list(
                    "account",
                    &items,
                    a.span.start as usize,
                    a.span.end as usize,
                );
            }
            Decl::Event(e) => {
                if e.fields.is_empty() {
                    self.push(format!("event {}", e.name.name));
                } else {
                    let items = field_decls(&e.fields);
                    let head = format!("event {}", e.name.name);
                    self.brace_list(&head, &items, e.name.span.end as usize, e.span.end as usize);
                }
            }
            Decl::Action(a) => {
                let items = field_decls(&a.fields);
                let head = format!("action {}", a.name.name);
                self.brace_list(&head, &items, a.name.span.end as usize, a.span.end as usize);
            }
            Decl::Calendar(c) => self.calendar(c),
            Decl::Policy(p) => {
                self.push("policy {");
                self.at(p.span.start as usize);
                self.indent += 1;
                for rule in &p.rules {
                    let mark = self.begin(rule.span);
                    self.policy_rule(&rule.kind);
                    self.end(rule.span, mark);
                }
                self.close(p.span.end as usize, "}");
            }
            Decl::Var(v) => {
                let prefix = format!("var {}: {} = ", v.name.name, type_expr(&v.ty));
                self.condition(&prefix, &v.init, "");
            }
            Decl::Segment(s) => {
                let prefix = format!("segment {} = ", s.name.name);
                self.condition(&prefix, &s.cond, "");
            }
            Decl::Template(t) => self.template(t),
            Decl::Handler(h) => self.handler_body(h),
            Decl::Deadline(d) => self.deadline_body(d),
            Decl::Start(s) => self.push(format!("start {}", s.stage.name)),
            Decl::Import(i) => {
                let path = self.spell.text(&i.path);
                self.push(format!("import {path}"));
            }
            Decl::Reenter(r) => self.condition("reenter when ", &r.cond, ""),
            Decl::Locale(l) => {
                let name = self.spell.text(&l.name);
                self.push(format!("locale {name}"));
            }
            Decl::Language(l) => {
                let field = self.spell.expr(&l.field);
                self.push(format!("language {field} fallback {}", l.fallback.name));
            }
            Decl::Payments(p) => {
                self.push(format!("payments from {}.{}", p.event.name, p.field.name))
            }
            Decl::Stage(s) => {
                self.push(format!("stage {} {{", s.name.name));
                self.at(s.name.span.end as usize);
                self.indent += 1;
                for h in &s.handlers {
                    self.handler(h);
                }
                for d in &s.deadlines {
                    self.deadline(d);
                }
                for step in &s.body.steps {
                    self.step(step);
                }
                let close = s.span.end.max(s.body.span.end) as usize;
                self.close(close, "}");
            }
            Decl::Test(t) => {
                let title = self.spell.text(&t.title);
                self.push(format!("test {title} {{"));
                self.at(t.title.span.end as usize);
                self.indent += 1;
                for item in &t.items {
                    let mark = self.begin(item.span);
                    self.test_item(item);
                    self.end(item.span, mark);
                }
                self.close(t.span.end as usize, "}");
            }
            Decl::Migrate(mg) => {
                self.push(format!("migrate from version {} {{", mg.from_version));
                self.indent += 1;
                // Moves and `var` lines in the order written, so that
                // comments between them stay where they were.
                let mut lines: Vec<(Span, Option<&MigrateMove>, Option<&MigrateVar>)> = mg
                    .moves
                    .iter()
                    .map(|mv| (mv.span, Some(mv), None))
                    .chain(mg.vars.iter().map(|v| (v.span, None, Some(v))))
                    .collect();
                lines.sort_by_key(|(span, _, _)| span.start);
                for (span, mv, var) in lines {
                    let mark = self.begin(span);
                    if let Some(mv) = mv {
                        self.push(crate::migrate::spell(mv));
                    }
                    if let Some(v) = var {
                        self.condition(&crate::migrate::spell_var(v), &v.value, "");
                    }
                    self.end(span, mark);
                }
                self.close(mg.span.end as usize, "}");
            }
        }
    }

    /// `head { a, b }` when it fits on one line and holds no comment, else
    /// one item per line (commas are optional there and left out).
    fn brace_list(&mut self, head: &str, items: &[ListItem], inner_from: usize, close: usize) {
        if items.is_empty() {
            self.push(format!("{head} {{}}"));
            return;
        }
        let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
        let one_line = format!("{head} {{ {} }}", texts.join(", "));
        if self.fits(&one_line) && !self.has_comment_in(inner_from, close) {
            self.push(one_line);
            return;
        }
        self.push(format!("{head} {{"));
        self.at(inner_from);
        self.indent += 1;
        for item in items {
            let mark = self.begin(item.span);
            self.push(&item.text);
            self.end(item.span, mark);
        }
        self.close(close, "}");
    }

    /// `keyword a, b, c` on one line when it fits; a longer list fills
    /// continuation lines like a paragraph; a list with comments inside
    /// puts one item on each line so each comment stays by its item.
    fn word_list(&mut self, keyword: &str, items: &[ListItem]) {
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return;
        };
        let from = first.span.start as usize;
        let to = last.span.end as usize;
        if !self.has_comment_in(from, to) {
            let mut lines = vec![keyword.to_string()];
            for (i, item) in items.iter().enumerate() {
                let comma = if i + 1 == items.len() { "" } else { "," };
                let piece = format!("{}{comma}", item.text);
                let current = lines
                    .last_mut()
                    .filter(|line| i == 0 || self.fits(&format!("{line} {piece}")));
                match current {
                    Some(line) => {
                        line.push(' ');
                        line.push_str(&piece);
                    }
                    None => lines.push(format!("{CONTINUATION}{piece}")),
                }
            }
            for line in lines {
                self.push(line);
            }
            self.at(to);
            self.trailing_comment();
            return;
        }
        self.push(keyword);
        self.indent += 1;
        for (i, item) in items.iter().enumerate() {
            let mark = self.begin(item.span);
            if i + 1 == items.len() {
                self.push(&item.text);
            } else {
                self.push(format!("{},", item.text));
            }
            self.end(item.span, mark);
        }
        self.indent -= 1;
    }

    fn calendar(&mut self, c: &CalendarDecl) {
        self.push(format!("calendar {} {{", c.name.name));
        self.at(c.name.span.end as usize);
        self.indent += 1;
        let weekend: Vec<ListItem> = c
            .weekend
            .iter()
            .map(|d| ListItem {
                text: d.name.clone(),
                span: d.span,
            })
            .collect();
        let holidays: Vec<ListItem> = c
            .holidays
            .iter()
            .map(|(d, span)| ListItem {
                text: date(*d),
                span: *span,
            })
            .collect();
        // The two lines keep the order the author wrote them in.
        let weekend_first = match (weekend.first(), holidays.first()) {
            (Some(w), Some(h)) => w.span.start <= h.span.start,
            _ => true,
        };
        let lines: [(&str, &[ListItem]); 2] = if weekend_first {
            [("weekend", &weekend), ("holiday", &holidays)]
        } else {
            [("holiday", &holidays), ("weekend", &weekend)]
        };
        for (keyword, items) in lines {
            if let Some(first) = items.first() {
                self.begin(first.span);
                self.word_list(keyword, items);
            }
        }
        self.close(c.span.end as usize, "}");
    }

    fn policy_rule(&mut self, rule: &PolicyRuleKind) {
        match rule {
            PolicyRuleKind::PauseWhilePromise { channels } => {
                self.push(format!("pause {} while promise open", channels.name))
            }
            PolicyRuleKind::PauseWhilePlan { channels } => {
                self.push(format!("pause {} while plan current", channels.name))
            }
            PolicyRuleKind::PauseWhileSettlement { channels } => {
                self.push(format!("pause {} while settlement open", channels.name))
            }
            PolicyRuleKind::ContactHours {
                from,
                to,
                zone,
                also,
            } => {
                let mut line = format!("contact_hours {} to {}", time(from.0), time(to.0));
                if let Some(zone) = zone {
                    line.push_str(" in ");
                    line.push_str(&self.spell.expr(zone));
                }
                if let Some(also) = also {
                    line.push_str(" and ");
                    line.push_str(&self.spell.expr(also));
                }
                self.push(line);
            }
            PolicyRuleKind::Windows {
                channels,
                windows,
                zone,
                also,
            } => {
                let mut line = String::from("contact_hours");
                if let Some(c) = channels {
                    line.push(' ');
                    line.push_str(&c.name);
                }
                let windows: Vec<String> = windows
                    .iter()
                    .map(|w| {
                        let days: Vec<String> = w
                            .days
                            .iter()
                            .map(|d| match &d.last {
                                Some(last) => format!("{}-{}", d.first.name, last.name),
                                None => d.first.name.clone(),
                            })
                            .collect();
                        let mut text = days.join(", ");
                        if !text.is_empty() {
                            text.push(' ');
                        }
                        text.push_str(&format!("{} to {}", time(w.from.0), time(w.to.0)));
                        text
                    })
                    .collect();
                line.push(' ');
                line.push_str(&windows.join(", "));
                if let Some(zone) = zone {
                    line.push_str(" in ");
                    line.push_str(&self.spell.expr(zone));
                }
                if let Some(also) = also {
                    line.push_str(" and ");
                    line.push_str(&self.spell.expr(also));
                }
                self.push(line);
            }
            PolicyRuleKind::NoContactDays(days) => {
                let names: Vec<&str> = days.iter().map(|d| d.name.as_str()).collect();
                self.push(format!("no_contact on {}", names.join(", ")));
            }
            PolicyRuleKind::NoContactHolidays(calendar) => {
                self.push(format!("no_contact on holidays of {}", calendar.name));
            }
            PolicyRuleKind::AtMost {
                count,
                channels,
                window,
            } => self.push(format!(
                "at_most {} {} per {}",
                count.0,
                channels.name,
                duration(window)
            )),
            PolicyRuleKind::AtMostPerWeek {
                count, channels, ..
            } => self.push(format!(
                "at_most {} {} per calendar week",
                count.0, channels.name
            )),
            PolicyRuleKind::Pause {
                channels,
                duration: d,
                event,
                when,
            } => {
                let head = format!(
                    "pause {} for {} after {}",
                    channels.name,
                    duration(d),
                    event.name
                );
                self.with_when(head, when.as_ref(), "");
            }
            PolicyRuleKind::Stop {
                channels,
                event,
                when,
            } => {
                let head = format!("stop {} on {}", channels.name, event.name);
                self.with_when(head, when.as_ref(), "");
            }
            PolicyRuleKind::Hold {
                channels,
                event,
                release,
                longest,
                when,
                fees,
            } => {
                let and_fees = if fees.is_some() { " and fees" } else { "" };
                let mut head = format!(
                    "pause {}{and_fees} after {} until {}",
                    channels.name, event.name, release.name
                );
                if let Some(d) = longest {
                    head.push_str(&format!(" for at most {}", duration(d)));
                }
                self.with_when(head, when.as_ref(), "");
            }
            PolicyRuleKind::FeeCap { limit, window } => {
                let limit = match limit {
                    FeeLimit::Count((1, _)) => "1 fee".to_string(),
                    FeeLimit::Count((n, _)) => format!("{n} fees"),
                    FeeLimit::Amount(amount) => format!("{} of fees", self.spell.expr(amount)),
                };
                self.push(format!("at_most {limit} per {}", duration(window)));
            }
            PolicyRuleKind::Person(field) => {
                self.push(format!("person {}", self.spell.expr(field)));
            }
        }
    }

    /// `head [when COND] suffix`, wrapping a long condition.
    fn with_when(&mut self, head: String, when: Option<&Expr>, suffix: &str) {
        match when {
            Some(cond) => self.condition(&format!("{head} when "), cond, suffix),
            None => self.push(format!("{head}{suffix}")),
        }
    }

    fn template(&mut self, t: &TemplateDecl) {
        let mut head = format!("template {} for {}", t.name.name, t.channel.name);
        head.push_str(&self.wording(t.locale.as_ref(), t.approved.as_ref()));
        match &t.body {
            TemplateBody::Languages(texts) => {
                self.push(format!("{head} {{"));
                self.at(t.channel.span.end as usize);
                self.indent += 1;
                for text in texts {
                    let mark = self.begin(text.span);
                    let mut line = text.language.name.clone();
                    line.push_str(&self.wording(text.locale.as_ref(), text.approved.as_ref()));
                    match &text.body {
                        TemplateBody::Email { subject, body } => {
                            self.push(format!("{line} {{"));
                            self.indent += 1;
                            for (keyword, part) in [("subject", subject), ("body", body)] {
                                let mark = self.begin(part.span);
                                let out = self.spell.text(part);
                                self.push(format!("{keyword} {out}"));
                                self.end(part.span, mark);
                            }
                            self.indent -= 1;
                            self.push("}");
                        }
                        TemplateBody::Text(body) => {
                            let out = self.spell.text(body);
                            self.push(format!("{line} {out}"));
                        }
                        TemplateBody::File(path) => {
                            let out = self.spell.text(path);
                            self.push(format!("{line} file {out}"));
                        }
                        TemplateBody::Languages(_) => {}
                    }
                    self.end(text.span, mark);
                }
                self.close(t.span.end as usize, "}");
            }
            TemplateBody::Text(text) => {
                let text = self.spell.text(text);
                self.push(format!("{head} {text}"));
            }
            TemplateBody::File(path) => {
                let path = self.spell.text(path);
                self.push(format!("{head} file {path}"));
            }
            TemplateBody::Email { subject, body } => {
                self.push(format!("{head} {{"));
                self.at(t.channel.span.end as usize);
                self.indent += 1;
                for (keyword, text) in [("subject", subject), ("body", body)] {
                    let mark = self.begin(text.span);
                    let text_out = self.spell.text(text);
                    self.push(format!("{keyword} {text_out}"));
                    self.end(text.span, mark);
                }
                self.close(t.span.end as usize, "}");
            }
        }
    }

    /// ` locale "en-US" approved "NAME" language "CODE"`, each when written.
    fn wording(
        &self,
        locale: Option<&crate::syntax::ast::Text>,
        approved: Option<&crate::syntax::ast::Approved>,
    ) -> String {
        let mut out = String::new();
        if let Some(l) = locale {
            out.push_str(" locale ");
            out.push_str(&self.spell.text(l));
        }
        if let Some(a) = approved {
            out.push_str(" approved ");
            out.push_str(&self.spell.text(&a.name));
            out.push_str(" language ");
            out.push_str(&self.spell.text(&a.language));
        }
        out
    }

    fn deadline(&mut self, d: &crate::syntax::ast::Deadline) {
        let mark = self.begin(d.span);
        self.deadline_body(d);
        self.end(d.span, mark);
    }

    fn deadline_body(&mut self, d: &crate::syntax::ast::Deadline) {
        let head = format!("at {}", self.spell.expr(&d.at));
        self.with_when(head, d.when.as_ref(), &format!(" -> {}", d.stage.name));
    }

    fn handler(&mut self, h: &Handler) {
        let mark = self.begin(h.span);
        self.handler_body(h);
        self.end(h.span, mark);
    }

    fn handler_body(&mut self, h: &Handler) {
        let head = format!("on {}", h.event.name);
        match &h.body {
            HandlerBody::Goto(stage) => {
                self.with_when(head, h.when.as_ref(), &format!(" -> {}", stage.name));
            }
            HandlerBody::Block(block) => {
                self.with_when(head, h.when.as_ref(), " {");
                self.at(h.when.as_ref().map_or(h.event.span.end, |w| w.span.end) as usize);
                self.block(block);
                self.close(block.span.end.max(h.span.end) as usize, "}");
            }
        }
    }

    /// The steps of a block, one level in; the caller writes the brace.
    fn block(&mut self, block: &Block) {
        self.indent += 1;
        for step in &block.steps {
            self.step(step);
        }
    }

    fn step(&mut self, step: &Step) {
        let mark = self.begin(step.span);
        match &step.kind {
            StepKind::Send {
                channel,
                template,
                to,
                when,
            } => {
                let mut head = format!("send {} {}", channel.name, template.name);
                if let Some(field) = to {
                    head.push_str(&format!(" to account.{}", field.name));
                }
                self.with_when(head, when.as_ref(), "");
            }
            StepKind::Call {
                queue,
                priority,
                when,
            } => {
                let mut head = String::from("call");
                if let Some(q) = queue {
                    head.push_str(&format!(" queue {}", q.name));
                }
                if let Some(p) = priority {
                    head.push_str(&format!(" priority {}", p.name));
                }
                self.with_when(head, when.as_ref(), "");
            }
            StepKind::Wait(WaitKind::For(d)) => self.push(format!("wait {}", duration(d))),
            StepKind::Wait(WaitKind::Until(e)) => self.condition("wait until ", e, ""),
            StepKind::If {
                branches,
                otherwise,
            } => {
                let mut prefix = "if ";
                for (cond, block) in branches {
                    self.condition(prefix, cond, " {");
                    self.at(cond.span.end as usize);
                    self.block(block);
                    self.leading_comments(self.code_end(block.span.end as usize));
                    self.indent = self.indent.saturating_sub(1);
                    self.at(block.span.end as usize);
                    prefix = "} else if ";
                }
                match otherwise {
                    Some(block) => {
                        self.push("} else {");
                        self.block(block);
                        self.close(block.span.end as usize, "}");
                    }
                    None => self.push("}"),
                }
            }
            StepKind::Repeat { count, body } => {
                self.push(format!("repeat {} times {{", count.0));
                self.at(count.1.end as usize);
                self.block(body);
                self.close(body.span.end as usize, "}");
            }
            StepKind::Split { arms } => {
                self.push("split {");
                self.indent += 1;
                for arm in arms {
                    let mark = self.begin(arm.span);
                    self.push(format!(
                        "{}% -> {}",
                        decimal(arm.share.0, false),
                        arm.stage.name
                    ));
                    self.end(arm.span, mark);
                }
                self.close(step.span.end as usize, "}");
            }
            StepKind::Goto(stage) => self.push(format!("goto {}", stage.name)),
            StepKind::End(outcome) => self.push(format!("end {}", outcome.name)),
            StepKind::Set { var, value } => {
                self.condition(&format!("set {} = ", var.name), value, "")
            }
            StepKind::AssignQueue { queue, priority } => match priority {
                Some(p) => self.push(format!("assign queue {} priority {}", queue.name, p.name)),
                None => self.push(format!("assign queue {}", queue.name)),
            },
            StepKind::AssignAgency(name) => {
                let name = self.spell.text(name);
                self.push(format!("assign agency {name}"));
            }
            StepKind::PlaceAgency { agency, period } => {
                let name = self.spell.text(agency);
                self.push(format!("assign agency {name} for {}", duration(period)));
            }
            StepKind::OfferDiscount {
                percent,
                duration: d,
            } => {
                let mut line = format!("offer discount {}%", decimal(percent.0, false));
                if let Some(d) = d {
                    line.push_str(&format!(" for {}", duration(d)));
                }
                self.push(line);
            }
            StepKind::OfferPlan {
                installments,
                every,
                up_to,
            } => self.push(format!(
                "offer plan {}{} installments every {}",
                if *up_to { "up to " } else { "" },
                installments.0,
                duration(every)
            )),
            StepKind::Promise { amount, by, grace } => {
                let mut line = format!(
                    "promise {} by {}",
                    self.spell.expr(amount),
                    self.spell.expr(by)
                );
                if let Some(g) = grace {
                    line.push_str(&format!(" grace {}", duration(g)));
                }
                self.push(line);
            }
            StepKind::Plan {
                amount,
                count,
                every,
                from,
                grace,
            } => {
                let mut line = format!(
                    "plan {} in {} installments every {} from {}",
                    self.spell.expr(amount),
                    self.spell.expr(count),
                    duration(every),
                    self.spell.expr(from)
                );
                if let Some(g) = grace {
                    line.push_str(&format!(" grace {}", duration(g)));
                }
                self.push(line);
            }
            StepKind::OfferSettlement { terms, until } => {
                let line = match terms {
                    SettlementTerms::Amount(a) => format!(
                        "offer settlement {} until {}",
                        self.spell.expr(a),
                        self.spell.expr(until)
                    ),
                    SettlementTerms::Discount((p, _)) => format!(
                        "offer discount {}% if paid in full by {}",
                        decimal(*p, false),
                        self.spell.expr(until)
                    ),
                };
                self.push(line);
            }
            StepKind::Alert { team, text } => {
                let text = self.spell.text(text);
                self.push(format!("alert {} {text}", team.name));
            }
            StepKind::Emit { action, fields } => {
                let items = self.field_values(fields);
                let head = format!("emit {}", action.name);
                self.brace_list(
                    &head,
                    &items,
                    action.span.end as usize,
                    step.span.end as usize,
                );
            }
            StepKind::ChargeFee {
                amount,
                reason,
                when,
            } => {
                let mut head = format!("charge fee {}", self.spell.expr(amount));
                if let Some(reason) = reason {
                    head.push(' ');
                    head.push_str(&self.spell.text(reason));
                }
                self.with_when(head, when.as_ref(), "");
            }
            StepKind::Interest { freeze: true } => self.push("freeze interest"),
            StepKind::Interest { freeze: false } => self.push("resume interest"),
        }
        self.end(step.span, mark);
    }

    fn field_values(&self, fields: &[FieldValue]) -> Vec<ListItem> {
        fields
            .iter()
            .map(|f| ListItem {
                text: format!("{}: {}", f.name.name, self.spell.expr(&f.value)),
                span: f.span,
            })
            .collect()
    }

    fn test_item(&mut self, item: &TestItem) {
        let start = item.span.start as usize;
        let end = item.span.end as usize;
        match &item.kind {
            TestItemKind::Given(fields) => {
                let items = self.field_values(fields);
                let head = match &item.account {
                    Some(name) => format!("given account {}", name.name),
                    None => "given account".to_string(),
                };
                self.brace_list(&head, &items, start, end);
            }
            TestItemKind::Start {
                date: d,
                time: t,
                zone,
            } => {
                let mut line = format!("start at {} {}", date(*d), time(*t));
                if let Some(zone) = zone {
                    line.push_str(" in ");
                    line.push_str(&self.spell.text(zone));
                }
                self.push(line);
            }
            TestItemKind::OnDay { day, at, action } => {
                let mut head = format!("on day {}", day.0);
                if let Some((t, _)) = at {
                    head.push_str(&format!(" at {}", time(*t)));
                }
                if let Some(name) = &item.account {
                    head.push_str(&format!(" for {}", name.name));
                }
                match action {
                    TestAction::Receive { event, fields } if fields.is_empty() => {
                        self.push(format!("{head} receive {}", event.name));
                    }
                    TestAction::Receive { event, fields } => {
                        let items = self.field_values(fields);
                        let head = format!("{head} receive {}", event.name);
                        self.brace_list(&head, &items, event.span.end as usize, end);
                    }
                    TestAction::Update(fields) => {
                        let items = self.field_values(fields);
                        self.brace_list(&format!("{head} update account"), &items, start, end);
                    }
                    TestAction::Expect(Expectation::Var { var, value }) => {
                        self.condition(&format!("{head} expect {} == ", var.name), value, "");
                    }
                    TestAction::Expect(expectation) => {
                        let text = self.expectation(expectation);
                        self.push(format!("{head} expect {text}"));
                    }
                }
            }
            TestItemKind::Arm(stage) => self.push(format!("given arm {}", stage.name)),
        }
    }

    fn expectation(&self, e: &Expectation) -> String {
        match e {
            Expectation::SentIn {
                channel,
                template,
                language,
            } => format!(
                "sent {} {} in {}",
                channel.name, template.name, language.name
            ),
            Expectation::Sent { channel, template } => {
                format!("sent {} {}", channel.name, template.name)
            }
            Expectation::Call { queue: Some(q) } => format!("call queue {}", q.name),
            Expectation::Call { queue: None } => "call".to_string(),
            Expectation::No { channels } => format!("no {}", channels.name),
            Expectation::AssignedQueue(q) => format!("assigned queue {}", q.name),
            Expectation::RecalledAgency(name) => {
                format!("recalled agency {}", self.spell.text(name))
            }
            Expectation::AssignedAgency(name) => {
                format!("assigned agency {}", self.spell.text(name))
            }
            Expectation::OfferDiscount((p, _)) => {
                format!("offer discount {}%", decimal(*p, false))
            }
            Expectation::Alert(team) => format!("alert {}", team.name),
            Expectation::Emitted(action) => format!("emitted {}", action.name),
            Expectation::Stage(stage) => format!("stage {}", stage.name),
            Expectation::End(outcome) => format!("end {}", outcome.name),
            Expectation::Var { var, value } => {
                format!("{} == {}", var.name, self.spell.expr(value))
            }
            Expectation::OfferPlan {
                installments,
                every,
                up_to,
                ..
            } => {
                let mut text = "offer plan".to_string();
                if let Some((n, _)) = installments {
                    let range = if *up_to { " up to" } else { "" };
                    text.push_str(&format!("{range} {n} installments"));
                    if let Some(every) = every {
                        text.push_str(&format!(" every {}", duration(every)));
                    }
                }
                text
            }
            Expectation::ChargedFee { amount, reason, .. } => {
                let mut text = "charged fee".to_string();
                if let Some(amount) = amount {
                    text.push(' ');
                    text.push_str(&self.spell.expr(amount));
                }
                if let Some(reason) = reason {
                    text.push(' ');
                    text.push_str(&self.spell.text(reason));
                }
                text
            }
            Expectation::NoFee(_) => "no fees".to_string(),
            Expectation::InterestFrozen { frozen: true, .. } => "interest frozen".to_string(),
            Expectation::InterestFrozen { frozen: false, .. } => "interest not frozen".to_string(),
            Expectation::Promise(state) => format!("promise {}", state.name),
            Expectation::Plan(state) => format!("plan {}", state.name),
            Expectation::InstallmentMissed(_) => "installment missed".to_string(),
            Expectation::Settlement(state) => format!("settlement {}", state.name),
            Expectation::OfferSettlement { amount, until, .. } => {
                let mut text = "offer settlement".to_string();
                if let Some(amount) = amount {
                    text.push(' ');
                    text.push_str(&self.spell.expr(amount));
                }
                if let Some((d, _)) = until {
                    text.push_str(&format!(" until {d}"));
                }
                text
            }
        }
    }
}

fn field_decls(fields: &[FieldDecl]) -> Vec<ListItem> {
    fields
        .iter()
        .map(|f| ListItem {
            text: format!("{}: {}", f.name.name, type_expr(&f.ty)),
            span: f.span,
        })
        .collect()
}

pub fn type_expr(t: &TypeExpr) -> String {
    let base = match &t.kind {
        TypeExprKind::Named(name) => name.name.clone(),
        TypeExprKind::Enum(variants) => variants
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
    };
    if t.optional {
        format!("{base}?")
    } else {
        base
    }
}
