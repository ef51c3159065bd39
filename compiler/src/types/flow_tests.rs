//! Flow tests are type-checked like the flow: given accounts and event
//! payloads against the schema, and every name an expectation uses against
//! what the flow really does.

use super::expr::{field_list, given_twice, unknown_field};
use super::{Checker, Scope};
use crate::checks::codes::*;
use crate::diagnostics::Diagnostic;
use crate::model::{Channel, Field, Symbol, SymbolKind, Table, Type};
use crate::names::near_miss;
use crate::syntax::ast::{self, Expectation, ExprKind, Span, TestAction, TestItemKind};

impl Checker<'_> {
    pub(crate) fn test(&mut self, t: &ast::Test) {
        self.plain_text(&t.title, "a test title");
        let mut given: Option<Span> = None;
        let mut start: Option<Span> = None;
        let mut names: Vec<(String, Span)> = Vec::new();
        let mut first_unnamed: Option<Span> = None;
        for item in &t.items {
            match &item.kind {
                TestItemKind::Given(values) => {
                    if let Some(first) = given {
                        // Several accounts (of one person) are named, each
                        // once; a second unnamed one is the same account.
                        let again = match &item.account {
                            None => Some(first),
                            Some(name) => names
                                .iter()
                                .find(|(n, _)| *n == name.name)
                                .map(|(_, s)| *s)
                                .or(first_unnamed),
                        };
                        if let Some(first) = again {
                            self.report(
                                Diagnostic::error(DUPLICATE, "this test gives the account twice", item.span)
                                    .with_label("second `given account`")
                                    .with_secondary(first, "first given here")
                                    .with_help("give all the fields in one `given account { ... }`; change them later with `on day N update account { ... }`; for several accounts, name each: `given account a1 { ... }`, `given account a2 { ... }`"),
                            );
                            continue;
                        }
                    }
                    given = Some(item.span);
                    match &item.account {
                        Some(name) => names.push((name.name.clone(), item.span)),
                        None => first_unnamed = Some(item.span),
                    }
                    let model = self.model;
                    self.test_values(&model.account, None, values, "the account");
                    self.missing_values(
                        &model.account,
                        values,
                        item.span,
                        "the account",
                        "given account",
                    );
                }
                TestItemKind::Start { zone, .. } => {
                    if let Some(first) = start {
                        self.report(
                            Diagnostic::error(DUPLICATE, "this test starts twice", item.span)
                                .with_label("second `start at`")
                                .with_secondary(first, "first start here")
                                .with_help("keep one `start at`"),
                        );
                    }
                    start = Some(item.span);
                    if let Some(zone) = zone {
                        if let Some(name) = self.plain_text(zone, "a time zone") {
                            self.zone_name(&name, zone.span);
                        }
                    }
                }
                TestItemKind::OnDay { action, .. } => {
                    if let Some(name) = &item.account {
                        self.test_account_ref(name, &names, t);
                    }
                    match action {
                        TestAction::Receive { event, fields } => {
                            let model = self.model;
                            if self.event_ref(event) {
                                self.receive_built_in(event);
                                if let Some(decl) = model.events.get(&event.name) {
                                    let owner = format!("the event `{}`", event.name);
                                    self.test_values(
                                        &decl.fields,
                                        Some(&event.name),
                                        fields,
                                        &owner,
                                    );
                                    self.missing_values(
                                        &decl.fields,
                                        fields,
                                        item.span,
                                        &owner,
                                        "receive",
                                    );
                                }
                            }
                        }
                        TestAction::Update(values) => {
                            let model = self.model;
                            self.test_values(&model.account, None, values, "the account");
                        }
                        TestAction::Expect(e) => self.expectation(e),
                    }
                }
                TestItemKind::Arm(_) => {}
            }
        }
        self.given_arms(t);
        if start.is_none() {
            self.report(
                Diagnostic::error(
                    MISSING_START_AT,
                    "this test does not say when it starts",
                    t.title.span,
                )
                .with_label("no `start at`")
                .with_help(
                    "add a line such as `start at 2026-03-02 09:00`; days are counted from it",
                ),
            );
        }
        if given.is_none() {
            let required: Vec<&str> = self
                .model
                .account
                .iter()
                .filter(|f| !f.optional && f.name != "id")
                .map(|f| f.name.as_str())
                .collect();
            if !required.is_empty() {
                self.report(
                    Diagnostic::error(MISSING_VALUE, "this test gives no account", t.title.span)
                        .with_label("no `given account`")
                        .with_help(format!(
                            "add `given account {{ ... }}` with {}",
                            field_list(required.into_iter())
                        )),
                );
            }
        }
    }

    /// `for NAME` on a test day names an account given by then or later
    /// in the test.
    fn test_account_ref(&mut self, name: &ast::Ident, given: &[(String, Span)], t: &ast::Test) {
        let all: Vec<&str> = t
            .items
            .iter()
            .filter(|i| matches!(i.kind, TestItemKind::Given(_)))
            .filter_map(|i| i.account.as_ref().map(|a| a.name.as_str()))
            .collect();
        if given.iter().any(|(n, _)| *n == name.name) || all.contains(&name.name.as_str()) {
            return;
        }
        let near = near_miss(&name.name, all.iter().copied());
        let advice = if all.is_empty() {
            format!(
                "give the account a name: `given account {} {{ ... }}`",
                name.name
            )
        } else {
            format!(
                "the accounts of this test are {}",
                field_list(all.into_iter())
            )
        };
        self.report(
            Diagnostic::error(
                UNKNOWN_NAME,
                format!("this test gives no account named `{}`", name.name),
                name.span,
            )
            .with_label("no `given account` of this name")
            .with_suggestion(near.or_else(|| advice)),
        );
    }

    /// Values of a test: like `field_values`, but text is accepted for
    /// phone, email, address and timezone fields and checked for shape.
    /// `event` names the event whose payload `decls` is; `None` for the
    /// account.
    fn test_values(
        &mut self,
        decls: &Table<Field>,
        event: Option<&str>,
        values: &[ast::FieldValue],
        owner: &str,
    ) {
        let mut seen: Table<Span> = Table::default();
        let scope = Scope {
            no_vars: true,
            ..Scope::default()
        };
        for v in values {
            if let Err(first) = seen.insert(&v.name.name, v.name.span) {
                self.report(given_twice(&v.name, *first));
                continue;
            }
            let Some(field) = decls.get(&v.name.name) else {
                if v.name.name.is_empty() {
                    continue;
                }
                self.report(unknown_field(owner, &v.name, decls.names(), || {
                    format!(
                        "{owner} has {}",
                        field_list(decls.iter().map(|f| f.name.as_str()))
                    )
                }));
                continue;
            };
            match event {
                Some(e) => {
                    let key = format!("{e}.{}", v.name.name);
                    self.refer(SymbolKind::EventField, &key, v.name.span);
                }
                None => {
                    self.refer(SymbolKind::AccountField, &v.name.name, v.name.span);
                }
            }
            let ty = field.ty.clone();
            match (&v.value.kind, &ty) {
                (
                    ExprKind::Text(t),
                    Type::Text | Type::Phone | Type::Email | Type::Address | Type::Timezone,
                ) => {
                    self.record_type(v.value.span, &ty);
                    if let Some(s) = self.plain_text(t, "a test value") {
                        self.string_value(&ty, &s, &v.name.name, v.value.span);
                    }
                }
                _ => {
                    self.expect(&v.value, &ty, &scope, &format!("`{}`", v.name.name));
                }
            }
        }
    }

    fn string_value(&mut self, ty: &Type, s: &str, field: &str, span: Span) {
        let problem = match ty {
            Type::Phone => {
                let digits = s.chars().filter(char::is_ascii_digit).count();
                let shape = s
                    .chars()
                    .enumerate()
                    .all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0));
                (!shape || !(6..=15).contains(&digits))
                    .then_some("a phone number is digits, optionally after `+` and with spaces or dashes, e.g. `\"+15550100\"`")
            }
            Type::Email => {
                let ok = s.split_once('@').is_some_and(|(user, host)| {
                    !user.is_empty() && !host.is_empty() && !s.contains(char::is_whitespace)
                });
                (!ok).then_some("an email address looks like `\"ann@example.com\"`")
            }
            Type::Timezone => {
                self.zone_name(s, span);
                None
            }
            _ => None,
        };
        if let Some(help) = problem {
            self.report(
                Diagnostic::error(
                    INVALID_VALUE,
                    format!("`{s}` is not {} (field `{field}`)", ty.describe()),
                    span,
                )
                .with_label(format!("not {}", ty.describe()))
                .with_help(help),
            );
        }
    }

    fn missing_values(
        &mut self,
        decls: &Table<Field>,
        values: &[ast::FieldValue],
        at: Span,
        owner: &str,
        what: &str,
    ) {
        let missing: Vec<&str> = decls
            .iter()
            .filter(|f| {
                !f.optional && f.name != "id" && !values.iter().any(|v| v.name.name == f.name)
            })
            .map(|f| f.name.as_str())
            .collect();
        if missing.is_empty() {
            return;
        }
        self.report(
            Diagnostic::error(MISSING_VALUE, format!("{owner} also needs {}", field_list(missing.iter().copied())), at)
                .with_label(format!("`{what}` is incomplete"))
                .with_help("give every field that is not optional (`?`); a test account must be one the runtime would accept"),
        );
    }

    fn expectation(&mut self, e: &Expectation) {
        match e {
            Expectation::SentIn {
                channel,
                template,
                language,
            } => {
                let sent = Expectation::Sent {
                    channel: channel.clone(),
                    template: template.clone(),
                };
                self.expectation(&sent);
                self.expected_language(language);
            }
            Expectation::Sent { channel, template } => {
                let c = Channel::from_name(&channel.name);
                if c.is_none() {
                    self.channel_set(channel);
                }
                if self.model.templates.contains(&template.name) {
                    self.send_template(c, template);
                    self.flow_uses(SymbolKind::Template, template, "sends the template");
                } else {
                    self.send_template(c, template);
                }
            }
            Expectation::Call { queue } => {
                if let Some(q) = queue {
                    self.flow_uses(SymbolKind::Queue, q, "uses the queue");
                }
            }
            Expectation::No { channels } => {
                self.channel_set(channels);
            }
            Expectation::AssignedQueue(q) => self.flow_uses(SymbolKind::Queue, q, "uses the queue"),
            Expectation::RecalledAgency(text) => {
                if let Some(name) = self.plain_text(text, "an agency name") {
                    let id = ast::Ident {
                        name,
                        span: text.span,
                    };
                    self.flow_uses(SymbolKind::Agency, &id, "assigns to the agency");
                }
            }
            Expectation::AssignedAgency(text) => {
                if let Some(name) = self.plain_text(text, "an agency name") {
                    let id = ast::Ident {
                        name,
                        span: text.span,
                    };
                    self.flow_uses(SymbolKind::Agency, &id, "assigns to the agency");
                }
            }
            Expectation::OfferDiscount(_) => {}
            Expectation::Alert(team) => self.flow_uses(SymbolKind::Team, team, "alerts the team"),
            Expectation::Emitted(action) => {
                if self.model.actions.contains(&action.name) {
                    self.flow_uses(SymbolKind::Action, action, "emits the action");
                } else if !action.name.is_empty() {
                    let help = near_miss(&action.name, self.model.actions.names()).or_else(|| {
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
            }
            Expectation::Stage(stage) => {
                self.stage_ref(stage);
            }
            Expectation::Promise(state) => self.expect_promise(state, state.span),
            Expectation::Plan(state) => self.expect_plan_state(state),
            Expectation::InstallmentMissed(span) => self.expect_installment_missed(*span),
            Expectation::Settlement(state) => self.expect_settlement_state(state),
            Expectation::OfferSettlement { amount, span, .. } => {
                self.expect_offer_settlement(amount.as_ref(), *span)
            }
            Expectation::End(outcome) => {
                self.flow_uses(SymbolKind::Outcome, outcome, "ends with the outcome")
            }
            Expectation::OfferPlan {
                installments,
                every,
                up_to,
                span,
            } => self.expect_plan(*installments, every.as_ref(), *up_to, *span),
            Expectation::ChargedFee {
                amount,
                reason,
                span,
            } => self.expect_charged(amount.as_ref(), reason.as_ref(), *span),
            Expectation::NoFee(span) => self.expect_no_fee(*span),
            Expectation::InterestFrozen { span, .. } => self.expect_interest(*span),
            Expectation::Var { var, value } => {
                let scope = Scope::default();
                match self.model.vars.get(&var.name) {
                    Some(v) => {
                        let ty = v.ty.clone();
                        self.refer(SymbolKind::Var, &var.name, var.span);
                        self.expect(
                            value,
                            &ty,
                            &scope,
                            &format!("the expected value of `{}`", var.name),
                        );
                    }
                    None => {
                        self.expr(value, None, &scope);
                        if var.name.is_empty() {
                            return;
                        }
                        let help = near_miss(&var.name, self.model.vars.names()).or_else(|| {
                            "`expect NAME == VALUE` checks a flow variable declared with `var`"
                                .to_string()
                        });
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
                }
            }
        }
    }

    /// An expectation naming something defined by use (decision 6): the
    /// flow itself must use it somewhere, or the expectation can never hold.
    fn flow_uses(&mut self, kind: SymbolKind, name: &ast::Ident, verb: &str) {
        if name.name.is_empty() {
            return;
        }
        let symbol = Symbol::new(kind, name.name.clone());
        let used = self.walked.used.contains(&symbol);
        self.refer(kind, &name.name, name.span);
        if used {
            return;
        }
        let mut candidates: Vec<&str> = self
            .walked
            .used
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.name.as_str())
            .collect();
        candidates.sort_unstable();
        let help = near_miss(&name.name, candidates.iter().copied()).or_else(|| {
            if candidates.is_empty() {
                "this expectation can never hold; check the name against the flow".to_string()
            } else {
                format!("the flow uses {}", field_list(candidates.iter().copied()))
            }
        });
        self.report(
            Diagnostic::error(
                NEVER_USED,
                format!("the flow never {verb} `{}`", name.name),
                name.span,
            )
            .with_label("never happens in this flow")
            .with_suggestion(help),
        );
    }
}
