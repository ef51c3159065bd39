//! `test "..." { }` blocks → the runtime's flow tests: names resolved to
//! indexes, values read against the declared types.

use super::{src, UNRESOLVED, UNSUPPORTED};
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{self, Decl, Expectation, ExprKind, TestAction, TestItemKind, UnaryOp};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use dun_machine::format::{Channel, ChannelSet, Field, Machine, Type};
use dun_machine::test_case::{Expect, TestCase, TestStep, TimelineItem};
use dun_machine::value::Value;
use dun_machine::Account;

/// The account id of a test that does not give one. Fixed, so that a
/// `split` sends every such test down the same arm whatever its title; give
/// `id: "..."` to try another arm.
pub const DEFAULT_TEST_ACCOUNT_ID: &str = "test-account";

/// The flow's tests, in source order. A value that does not fit its field
/// is left unset (the test then fails with the runtime's account check);
/// use [`lower_tests_with_diagnostics`] to report such problems.
pub fn lower_tests(file: &ast::File, m: &Machine) -> Vec<TestCase> {
    lower_tests_with_diagnostics(file, m).0
}

/// The flow's tests, and what could not be made of them.
pub fn lower_tests_with_diagnostics(
    file: &ast::File,
    m: &Machine,
) -> (Vec<TestCase>, Vec<Diagnostic>) {
    let mut cx = Cx {
        m,
        diagnostics: Vec::new(),
    };
    let tests = file
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Test(t) => Some(cx.test(t)),
            _ => None,
        })
        .collect();
    (tests, cx.diagnostics)
}

struct Cx<'m> {
    m: &'m Machine,
    diagnostics: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn problem(&mut self, code: &'static str, message: String, span: ast::Span, help: &str) {
        self.diagnostics.push(
            Diagnostic::error(code, message, span)
                .with_label("in this test")
                .with_help(help),
        );
    }

    fn test(&mut self, t: &ast::Test) -> TestCase {
        let title = t.title.plain().unwrap_or_default();
        let mut start = None;
        let mut zone = None;
        for item in &t.items {
            if let TestItemKind::Start {
                date,
                time,
                zone: z,
            } = &item.kind
            {
                start = Some(date.and_time(*time));
                zone = z.as_ref().and_then(|z| z.plain());
            }
        }
        let tz = zone
            .as_deref()
            .and_then(dun_machine::time::zone_from_name)
            .unwrap_or(chrono_tz::Tz::UTC);
        let start = start.unwrap_or_else(|| {
            self.problem(
                UNSUPPORTED,
                format!("test \"{title}\" has no `start at` line"),
                t.span,
                "add `start at 2026-03-02 09:00` to say when the account enters the flow",
            );
            NaiveDateTime::default()
        });
        // `given arm STAGE`: the split arms the test's account must take.
        let mut arms = Vec::new();
        for item in &t.items {
            if let TestItemKind::Arm(stage) = &item.kind {
                match self.m.stage_index(&stage.name) {
                    Some(s) => arms.push(s),
                    None => self.problem(
                        UNRESOLVED,
                        format!("the flow has no stage `{}`", stage.name),
                        stage.span,
                        "name the stage a split arm goes to",
                    ),
                }
            }
        }
        // The accounts in the order given: the first is the test's
        // `account`, the others its `more`, each named.
        let mut accounts: Vec<(Option<String>, Account)> = Vec::new();
        for item in &t.items {
            let TestItemKind::Given(values) = &item.kind else {
                continue;
            };
            let name = item.account.as_ref().map(|n| n.name.clone());
            if accounts.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let mut account = Account {
                id: name
                    .clone()
                    .unwrap_or_else(|| DEFAULT_TEST_ACCOUNT_ID.to_string()),
                fields: vec![Value::Unset; self.m.account.len()],
            };
            for fv in values {
                if fv.name.name == "id" {
                    match self.value(&fv.value, &Type::Text, tz) {
                        Some(Value::Text(id)) => account.id = id,
                        _ => self.bad_value(&fv.value, "a text such as \"A-1001\""),
                    }
                    continue;
                }
                if let Some((i, v)) = self.account_value(fv, tz) {
                    if let Some(slot) = account.fields.get_mut(i as usize) {
                        *slot = v;
                    }
                }
            }
            accounts.push((name, account));
        }
        let mut timeline = Vec::new();
        for item in &t.items {
            if let TestItemKind::OnDay { day, at, action } = &item.kind {
                let which = match &item.account {
                    None => Some(0),
                    Some(n) => accounts
                        .iter()
                        .position(|(a, _)| a.as_deref() == Some(n.name.as_str())),
                };
                let Some(which) = which else {
                    continue;
                };
                if let Some(what) = self.action(action, tz) {
                    timeline.push(TimelineItem {
                        day: day.0,
                        at: at.map(|(t, _)| t),
                        what,
                        span: src(item.span),
                        account: u16::try_from(which).unwrap_or(u16::MAX),
                    });
                }
            }
        }
        let mut accounts = accounts.into_iter();
        let account = accounts.next().map(|(_, a)| a).unwrap_or_else(|| Account {
            id: DEFAULT_TEST_ACCOUNT_ID.to_string(),
            fields: vec![Value::Unset; self.m.account.len()],
        });
        let more = accounts
            .map(|(name, a)| (name.unwrap_or_default(), a))
            .collect();
        TestCase {
            title,
            span: src(t.span),
            account,
            start,
            zone,
            timeline,
            arms,
            more,
        }
    }

    fn account_value(&mut self, fv: &ast::FieldValue, tz: chrono_tz::Tz) -> Option<(u16, Value)> {
        let m = self.m;
        let Some(i) = m.account_field(&fv.name.name) else {
            self.problem(
                UNRESOLVED,
                format!("the account has no field `{}`", fv.name.name),
                fv.name.span,
                "use a field declared in `account { }`",
            );
            return None;
        };
        let field = m.account.get(i as usize)?;
        let v = self.field_value(fv, field, tz)?;
        Some((i, v))
    }

    fn field_value(
        &mut self,
        fv: &ast::FieldValue,
        field: &Field,
        tz: chrono_tz::Tz,
    ) -> Option<Value> {
        match self.value(&fv.value, &field.ty, tz) {
            Some(v) => Some(v),
            None => {
                let words = dun_machine::type_words(self.m, &field.ty);
                self.bad_value(&fv.value, &words);
                None
            }
        }
    }

    fn bad_value(&mut self, e: &ast::Expr, expected: &str) {
        self.problem(
            UNSUPPORTED,
            format!("this value does not fit: {expected} is expected"),
            e.span,
            "write a literal value of the field's type, e.g. `300 USD`, `2026-03-01`, `\"+15550100\"`, `low`",
        );
    }

    fn action(&mut self, action: &TestAction, tz: chrono_tz::Tz) -> Option<TestStep> {
        let m = self.m;
        Some(match action {
            TestAction::Receive { event, fields } => {
                let Some(e) = m.event_index(&event.name) else {
                    self.problem(
                        UNRESOLVED,
                        format!("the flow has no event `{}`", event.name),
                        event.span,
                        "receive an event declared with `event NAME`",
                    );
                    return None;
                };
                let def = m.events.get(e as usize)?;
                let mut payload = vec![Value::Unset; def.fields.len()];
                for fv in fields {
                    let Some(i) = def
                        .fields
                        .iter()
                        .position(|f| m.str(f.name) == fv.name.name)
                    else {
                        self.problem(
                            UNRESOLVED,
                            format!("event `{}` has no field `{}`", event.name, fv.name.name),
                            fv.name.span,
                            "give only the fields declared in the event",
                        );
                        continue;
                    };
                    if let Some(v) = self.field_value(fv, &def.fields[i], tz) {
                        payload[i] = v;
                    }
                }
                TestStep::Receive { event: e, payload }
            }
            TestAction::Update(fields) => TestStep::Update {
                fields: fields
                    .iter()
                    .filter_map(|fv| self.account_value(fv, tz))
                    .collect(),
            },
            TestAction::Expect(e) => TestStep::Expect(self.expect(e, tz)?),
        })
    }

    fn expect(&mut self, e: &Expectation, tz: chrono_tz::Tz) -> Option<Expect> {
        Some(match e {
            Expectation::SentIn {
                channel,
                template,
                language,
            } => {
                let sent = Expectation::Sent {
                    channel: channel.clone(),
                    template: template.clone(),
                };
                match self.expect(&sent, tz)? {
                    Expect::Sent { channel, template } => Expect::SentIn {
                        channel,
                        template,
                        language: language.name.clone(),
                    },
                    other => other,
                }
            }
            Expectation::Sent { channel, template } => {
                let Some(c) = Channel::from_name(&channel.name) else {
                    self.problem(
                        UNRESOLVED,
                        format!("`{}` is not a channel", channel.name),
                        channel.span,
                        "write `email`, `sms`, `whatsapp`, `letter`, `push` or `voice`",
                    );
                    return None;
                };
                Expect::Sent {
                    channel: c,
                    template: template.name.clone(),
                }
            }
            Expectation::Call { queue } => Expect::Call {
                queue: queue.as_ref().map(|q| q.name.clone()),
            },
            Expectation::No { channels } => {
                match ChannelSet::from_word(&channels.name) {
                    Some(set) => Expect::No(set),
                    None => {
                        self.problem(
                        UNRESOLVED,
                        format!("`{}` is not a channel or a group of channels", channels.name),
                        channels.span,
                        "write a channel (`sms`, `emails`...) or `calls`, `messages` or `contact`",
                    );
                        return None;
                    }
                }
            }
            Expectation::AssignedQueue(q) => Expect::AssignedQueue(q.name.clone()),
            Expectation::AssignedAgency(a) => Expect::AssignedAgency(a.plain().unwrap_or_default()),
            Expectation::RecalledAgency(a) => Expect::RecalledAgency(a.plain().unwrap_or_default()),
            Expectation::OfferDiscount((p, _)) => Expect::OfferDiscount(*p),
            Expectation::Alert(t) => Expect::Alert(t.name.clone()),
            Expectation::Emitted(a) => Expect::Emitted(a.name.clone()),
            Expectation::Stage(s) => Expect::Stage(s.name.clone()),
            Expectation::End(o) => Expect::End(o.name.clone()),
            Expectation::OfferPlan {
                installments,
                every,
                up_to,
                ..
            } => Expect::OfferPlan {
                installments: installments.map(|(n, _)| n),
                every: every.as_ref().map(|d| duration_spec(self.m, d)),
                up_to: *up_to,
            },
            Expectation::ChargedFee { amount, reason, .. } => {
                let amount = match amount.as_ref().map(|a| &a.kind) {
                    None => None,
                    Some(ExprKind::Money { amount, .. }) => Some(*amount),
                    Some(_) => {
                        if let Some(a) = amount {
                            self.bad_value(a, "an amount such as `15 USD`");
                        }
                        return None;
                    }
                };
                Expect::ChargedFee {
                    amount,
                    reason: reason.as_ref().and_then(|r| r.plain()),
                }
            }
            Expectation::NoFee(_) => Expect::NoFee,
            Expectation::InterestFrozen { frozen, .. } => Expect::InterestFrozen(*frozen),
            Expectation::Var { var, value } => {
                let Some(i) = self.m.var_index(&var.name) else {
                    self.problem(
                        UNRESOLVED,
                        format!("the flow has no variable `{}`", var.name),
                        var.span,
                        "expect the value of a variable declared with `var`",
                    );
                    return None;
                };
                let ty = self.m.vars.get(i as usize).map(|v| v.ty.clone())?;
                let Some(v) = self.value(value, &ty, tz) else {
                    let words = dun_machine::type_words(self.m, &ty);
                    self.bad_value(value, &words);
                    return None;
                };
                Expect::Var { var: i, value: v }
            }
            // The state of the account's last plan, and the count of the
            // installments missed, held in hidden variables.
            Expectation::Plan(state) => {
                let Some(plans) = self.m.plans.as_ref() else {
                    self.problem(
                        UNRESOLVED,
                        "the flow tracks no payment plans".into(),
                        state.span,
                        "declare the payments with `payments from EVENT.FIELD`",
                    );
                    return None;
                };
                Expect::Var {
                    var: plans.plan,
                    value: Value::Variant(state.name.clone()),
                }
            }
            Expectation::InstallmentMissed(span) => {
                let Some(plans) = self.m.plans.as_ref() else {
                    self.problem(
                        UNRESOLVED,
                        "the flow tracks no payment plans".into(),
                        *span,
                        "declare the payments with `payments from EVENT.FIELD`",
                    );
                    return None;
                };
                Expect::InstallmentMissed { var: plans.missed }
            }
            // The state of the account's last promise, held in its hidden
            // variable.
            Expectation::Promise(state) => {
                let var = self.m.arrangements.as_ref().map(|a| a.promise);
                let Some(var) = var else {
                    self.problem(
                        UNRESOLVED,
                        "the flow tracks no promises".into(),
                        state.span,
                        "declare the payments with `payments from EVENT.FIELD`",
                    );
                    return None;
                };
                Expect::Var {
                    var,
                    value: Value::Variant(state.name.clone()),
                }
            }
            // The state of the account's last settlement offer, held in
            // its hidden variable.
            Expectation::Settlement(state) => {
                let Some(s) = self.m.settlements.as_ref() else {
                    self.problem(
                        UNRESOLVED,
                        "the flow offers no settlement".into(),
                        state.span,
                        "offer one with `offer settlement AMOUNT until DATE`",
                    );
                    return None;
                };
                Expect::Var {
                    var: s.settlement,
                    value: Value::Variant(state.name.clone()),
                }
            }
            Expectation::OfferSettlement { amount, until, .. } => {
                let amount = match amount.as_ref().map(|a| &a.kind) {
                    None => None,
                    Some(ExprKind::Money { amount, .. }) => Some(*amount),
                    Some(_) => {
                        if let Some(a) = amount {
                            self.bad_value(a, "an amount such as `600 USD`");
                        }
                        return None;
                    }
                };
                Expect::OfferSettlement {
                    amount,
                    until: until.map(|(d, _)| d),
                }
            }
        })
    }

    /// A literal value of a test, read as the given type. Datetimes are
    /// local to the test's zone.
    fn value(&self, e: &ast::Expr, ty: &Type, tz: chrono_tz::Tz) -> Option<Value> {
        let negate = |v: Value| match v {
            Value::Number(n) => Some(Value::Number(-n)),
            Value::Money(n) => Some(Value::Money(-n)),
            Value::Percent(n) => Some(Value::Percent(-n)),
            _ => None,
        };
        let v = match (&e.kind, ty) {
            (
                ExprKind::Unary {
                    op: UnaryOp::Neg,
                    expr,
                },
                _,
            ) => return self.value(expr, ty, tz).and_then(negate),
            (ExprKind::Name(n), Type::Enum(variants)) => {
                if !variants.iter().any(|s| self.m.str(*s) == n.name) {
                    return None;
                }
                Value::Variant(n.name.clone())
            }
            (
                ExprKind::Text(t),
                Type::Text | Type::Phone | Type::Email | Type::Address | Type::Timezone,
            ) => Value::Text(t.plain()?),
            (ExprKind::Money { amount, .. }, Type::Money) => Value::Money(*amount),
            (ExprKind::Number(n), Type::Number) => Value::Number(*n),
            (ExprKind::Percent(n), Type::Percent) => Value::Percent(*n),
            (ExprKind::Bool(b), Type::Bool) => Value::Bool(*b),
            (ExprKind::Date(d), Type::Date) => Value::Date(*d),
            (ExprKind::Time(t), Type::Time) => Value::Time(*t),
            (ExprKind::DateTime(d, t), Type::DateTime) => Value::DateTime(local(tz, *d, *t)),
            (ExprKind::Date(d), Type::DateTime) => Value::DateTime(local(tz, *d, NaiveTime::MIN)),
            (ExprKind::Duration(d), Type::Duration) => {
                let unit = match d.unit {
                    ast::DurationUnit::Minutes => dun_machine::format::DurationUnit::Minutes,
                    ast::DurationUnit::Hours => dun_machine::format::DurationUnit::Hours,
                    ast::DurationUnit::Days => dun_machine::format::DurationUnit::Days,
                    ast::DurationUnit::Weeks => dun_machine::format::DurationUnit::Weeks,
                    ast::DurationUnit::Months => dun_machine::format::DurationUnit::Months,
                    ast::DurationUnit::BusinessDays => {
                        dun_machine::format::DurationUnit::BusinessDays
                    }
                };
                let calendar = d.calendar.as_ref().and_then(|c| {
                    self.m
                        .calendars
                        .iter()
                        .position(|x| self.m.str(x.name) == c.name)
                        .map(|i| i as u16)
                });
                Value::Duration(dun_machine::format::DurationSpec {
                    amount: d.amount,
                    unit,
                    calendar,
                })
            }
            _ => return None,
        };
        Some(v)
    }
}

fn local(tz: chrono_tz::Tz, d: NaiveDate, t: NaiveTime) -> chrono::DateTime<chrono::Utc> {
    dun_machine::time::local_to_utc(tz, d.and_time(t))
}

/// A duration of a flow test, its calendar found by name in the machine.
fn duration_spec(m: &Machine, d: &ast::DurationLit) -> dun_machine::format::DurationSpec {
    use dun_machine::format::DurationUnit as U;
    let unit = match d.unit {
        ast::DurationUnit::Minutes => U::Minutes,
        ast::DurationUnit::Hours => U::Hours,
        ast::DurationUnit::Days => U::Days,
        ast::DurationUnit::Weeks => U::Weeks,
        ast::DurationUnit::Months => U::Months,
        ast::DurationUnit::BusinessDays => U::BusinessDays,
    };
    let calendar = d.calendar.as_ref().and_then(|c| {
        m.calendars
            .iter()
            .position(|k| m.str(k.name) == c.name)
            .and_then(|i| u16::try_from(i).ok())
    });
    dun_machine::format::DurationSpec {
        amount: d.amount,
        unit,
        calendar,
    }
}
