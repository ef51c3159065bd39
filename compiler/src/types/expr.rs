//! The type of an expression, and the facts a condition proves.

use super::{Checker, Scope};
use crate::checks::codes::*;
use crate::diagnostics::Diagnostic;
use crate::model::{SymbolKind, Type};
use crate::names::near_miss;
use crate::syntax::ast::{
    BinaryOp, DurationLit, Expr, ExprKind, FieldRoot, Ident, Span, Text, TextPart, UnaryOp,
};

impl Checker<'_> {
    /// Types `e` and reports when it is not `want`; `what` names the place
    /// in the message ("the condition of `if`").
    pub(crate) fn expect(&mut self, e: &Expr, want: &Type, scope: &Scope, what: &str) -> Type {
        let got = self.expr(e, Some(want), scope);
        self.require(e.span, &got, want, what);
        got
    }

    pub(crate) fn condition(&mut self, e: &Expr, scope: &Scope, what: &str) {
        self.expect(e, &Type::Bool, scope, what);
    }

    /// Reports `got` where `want` was needed; unknown types stay silent.
    pub(crate) fn require(&mut self, span: Span, got: &Type, want: &Type, what: &str) -> bool {
        if *got == Type::Unknown || *want == Type::Unknown || self.model.same_type(got, want) {
            return true;
        }
        let help = match (want, got) {
            (Type::Bool, _) => "write a comparison, e.g. `account.balance > 0 USD`".to_string(),
            (Type::Money, Type::Number) => match &self.model.currency {
                Some((code, _)) => format!("write the amount with its currency, e.g. `100 {code}`"),
                None => "write the amount with its currency, e.g. `100 USD`".to_string(),
            },
            (Type::Duration, Type::Number) => "write the unit, e.g. `3 days`".to_string(),
            _ => format!("give {} here", self.model.describe(want)),
        };
        self.report(
            Diagnostic::error(
                MISMATCH,
                format!(
                    "{what} must be {}, but this is {}",
                    self.model.describe(want),
                    self.model.describe(got)
                ),
                span,
            )
            .with_label(format!("this is {}", self.model.describe(got)))
            .with_help(help),
        );
        false
    }

    /// The type of `e`. `hint` is the type the context expects; it lets a
    /// bare name be read as a variant of that enumeration.
    pub(crate) fn expr(&mut self, e: &Expr, hint: Option<&Type>, scope: &Scope) -> Type {
        let ty = self.expr_inner(e, hint, scope);
        self.record_type(e.span, &ty);
        ty
    }

    fn expr_inner(&mut self, e: &Expr, hint: Option<&Type>, scope: &Scope) -> Type {
        match &e.kind {
            ExprKind::Number(_) => Type::Number,
            ExprKind::Percent(_) => Type::Percent,
            ExprKind::Money { currency, .. } => {
                self.money_currency(currency, e.span);
                Type::Money
            }
            ExprKind::Duration(d) => {
                self.duration(d);
                Type::Duration
            }
            ExprKind::Date(_) => Type::Date,
            ExprKind::Time(_) => Type::Time,
            ExprKind::DateTime(..) => Type::DateTime,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::Text(t) => {
                self.plain_text(t, "text in a condition");
                Type::Text
            }
            ExprKind::Today => Type::Date,
            ExprKind::Now => Type::DateTime,
            ExprKind::Name(id) => self.name(id, hint, scope),
            ExprKind::Field { root, field, .. } => self.field(*root, field, scope, false),
            ExprKind::IsSet(inner) => {
                self.is_set(inner, scope);
                Type::Bool
            }
            ExprKind::Unary { op, expr } => match op {
                UnaryOp::Not => {
                    self.condition(expr, scope, "what follows `not`");
                    Type::Bool
                }
                UnaryOp::Neg => {
                    let t = self.expr(expr, hint, scope);
                    match t {
                        Type::Number | Type::Money | Type::Percent | Type::Unknown => t,
                        other => {
                            let d = Diagnostic::error(
                                OPERATOR,
                                format!("{} cannot be negative", self.model.describe(&other)),
                                e.span,
                            )
                            .with_label("`-` needs a number, money or a percentage")
                            .with_help("remove the `-`");
                            self.report(d);
                            Type::Unknown
                        }
                    }
                }
            },
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, scope),
            ExprKind::In { expr, list } => {
                let t = self.expr(expr, None, scope);
                for item in list {
                    let it = self.expr(item, Some(&t), scope);
                    self.require(
                        item.span,
                        &it,
                        &t,
                        &format!(
                            "every choice of this list (compared with {})",
                            self.model.describe(&t)
                        ),
                    );
                }
                Type::Bool
            }
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, span: Span, scope: &Scope) -> Type {
        use BinaryOp::*;
        match op {
            And => {
                self.condition(lhs, scope, "each side of `and`");
                let proved = self.proves(lhs);
                if proved.is_empty() {
                    self.condition(rhs, scope, "each side of `and`");
                } else {
                    let mut inner = scope.clone();
                    inner.facts.extend(proved);
                    self.condition(rhs, &inner, "each side of `and`");
                }
                Type::Bool
            }
            Or => {
                self.condition(lhs, scope, "each side of `or`");
                self.condition(rhs, scope, "each side of `or`");
                Type::Bool
            }
            Eq | Ne | Lt | Le | Gt | Ge => {
                // A bare variant (`high == account.risk`) takes its type from
                // the other side.
                let (lt, rt) = if self.is_bare_variant(lhs) {
                    let rt = self.expr(rhs, None, scope);
                    (self.expr(lhs, Some(&rt), scope), rt)
                } else {
                    let lt = self.expr(lhs, None, scope);
                    (lt.clone(), self.expr(rhs, Some(&lt), scope))
                };
                if lt == Type::Unknown || rt == Type::Unknown {
                    return Type::Bool;
                }
                let comparable = self.model.same_type(&lt, &rt)
                    || (matches!(op, Eq | Ne) && text_like(&lt, &rt));
                if !comparable {
                    let mut d = Diagnostic::error(
                        OPERATOR,
                        format!(
                            "`{}` compares {} with {}",
                            op.symbol(),
                            self.model.describe(&lt),
                            self.model.describe(&rt)
                        ),
                        span,
                    )
                    .with_label("these cannot be compared")
                    .with_help(
                        "compare values of the same kind: money with money, a date with a date",
                    );
                    if matches!(
                        (&lt, &rt),
                        (Type::Number, Type::Duration) | (Type::Duration, Type::Number)
                    ) {
                        d = d.with_help(
                            "a date minus a date is a whole number of days: compare it with a number, e.g. `today - account.due_date > 30`",
                        );
                    }
                    if lt == Type::Money && rt == Type::Number {
                        if let Some((code, _)) = &self.model.currency {
                            d = d.with_help(format!(
                                "write the amount with its currency, e.g. `0 {code}`"
                            ));
                        }
                    }
                    self.report(d);
                } else if matches!(op, Lt | Le | Gt | Ge) && !lt.is_ordered() {
                    let d = Diagnostic::error(
                        OPERATOR,
                        format!(
                            "`{}` needs values that have an order; {} has none",
                            op.symbol(),
                            self.model.describe(&lt)
                        ),
                        span,
                    )
                    .with_label("no order")
                    .with_help("use `==` or `!=`, or `in [..]` for several choices");
                    self.report(d);
                }
                Type::Bool
            }
            Add | Sub | Mul | Div => {
                let lt = self.expr(lhs, None, scope);
                let rt = self.expr(rhs, None, scope);
                if lt == Type::Unknown || rt == Type::Unknown {
                    return Type::Unknown;
                }
                match arithmetic(op, &lt, &rt) {
                    Some(t) => t,
                    None => {
                        let (message, help) = self.arithmetic_error(op, &lt, &rt);
                        let d = Diagnostic::error(OPERATOR, message, span)
                            .with_label(format!("{} {} {}", lt.name(), op.symbol(), rt.name()))
                            .with_help(help);
                        self.report(d);
                        Type::Unknown
                    }
                }
            }
        }
    }

    fn arithmetic_error(&self, op: BinaryOp, lt: &Type, rt: &Type) -> (String, String) {
        let l = self.model.describe(lt);
        let r = self.model.describe(rt);
        let code = self
            .model
            .currency
            .as_ref()
            .map(|(c, _)| c.as_str())
            .unwrap_or("USD");
        let message = match op {
            BinaryOp::Add => format!("cannot add {r} to {l}"),
            BinaryOp::Sub => format!("cannot subtract {r} from {l}"),
            BinaryOp::Mul => format!("cannot multiply {l} by {r}"),
            _ => format!("cannot divide {l} by {r}"),
        };
        let help = match (lt, rt) {
            (Type::Money, Type::Number) | (Type::Number, Type::Money) => {
                format!("money adds only to money: write the amount with its currency, e.g. `5 {code}`")
            }
            (Type::Money, Type::Money) => "money times money means nothing; multiply money by a number or a percentage".to_string(),
            (Type::Date, Type::Number) | (Type::DateTime, Type::Number) => "write the unit, e.g. `+ 3 days`".to_string(),
            (Type::Duration, _) | (_, Type::Duration) => "a duration moves a date: write the total you mean (`10 days`), or add each to the date in turn (`today + 1 months + 3 days`)".to_string(),
            _ => "numbers, money, percentages and durations combine with `+ - * /`; dates move by adding a duration".to_string(),
        };
        (message, help)
    }

    fn is_bare_variant(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(id) => {
                !self.model.vars.contains(&id.name) && !self.model.segments.contains(&id.name)
            }
            _ => false,
        }
    }

    fn name(&mut self, id: &Ident, hint: Option<&Type>, scope: &Scope) -> Type {
        if let Some(Type::Enum(e)) = hint {
            if let Some(position) = self.model.variants(*e).iter().position(|v| *v == id.name) {
                if self.foreign.is_none() {
                    let at = (*e, position as u32);
                    self.walked.usage.variants.insert(id.span, at);
                }
                return Type::Enum(*e);
            }
        }
        let found = if let Some(var) = self.model.vars.get(&id.name) {
            Some((SymbolKind::Var, var.ty.clone()))
        } else {
            self.model
                .segments
                .get(&id.name)
                .map(|_| (SymbolKind::Segment, Type::Bool))
        };
        if let Some((kind, ty)) = found {
            self.refer(kind, &id.name, id.span);
            if scope.no_vars {
                let what = if kind == SymbolKind::Var {
                    "variable"
                } else {
                    "segment"
                };
                self.report(
                    Diagnostic::error(
                        INIT_REFERENCE,
                        format!("a variable's starting value cannot use the {what} `{}`", id.name),
                        id.span,
                    )
                    .with_label(format!("a {what}"))
                    .with_help("start from account fields, `today`, `now` or a literal; change it later with `set`"),
                );
                return Type::Unknown;
            }
            return ty;
        }
        if id.name.is_empty() {
            return Type::Unknown;
        }
        if let Some(Type::Enum(e)) = hint {
            let variants = self.model.variants(*e);
            let choices = variants.join(" | ");
            let help = near_miss(&id.name, variants.iter().map(String::as_str))
                .or_else(|| format!("the choices are `{choices}`"));
            self.report(
                Diagnostic::error(
                    UNKNOWN_VARIANT,
                    format!("`{}` is not one of `{choices}`", id.name),
                    id.span,
                )
                .with_label("not a choice of this field")
                .with_suggestion(help),
            );
            return Type::Unknown;
        }
        let names = self.model.vars.names().chain(self.model.segments.names());
        let help = near_miss(&id.name, names).or_else(|| {
            format!(
                "declare it with `var {0}: TYPE = VALUE` or `segment {0} = CONDITION`, or write `account.{0}` for an account field",
                id.name
            )
        });
        self.report(
            Diagnostic::error(
                UNKNOWN_NAME,
                format!("`{}` is not a variable or a segment", id.name),
                id.span,
            )
            .with_label("unknown name")
            .with_suggestion(help),
        );
        Type::Unknown
    }

    /// `account.x` / `event.x`. `unset_ok` when the read is the operand of
    /// `is set`.
    pub(crate) fn field(
        &mut self,
        root: FieldRoot,
        field: &Ident,
        scope: &Scope,
        unset_ok: bool,
    ) -> Type {
        if field.name.is_empty() {
            return Type::Unknown;
        }
        let (table, key, root_name) = match root {
            FieldRoot::Account => (&self.model.account, field.name.clone(), "account"),
            FieldRoot::Event => {
                let Some(event_name) = &scope.event else {
                    self.report(
                        Diagnostic::error(NO_EVENT, format!("`event.{}` is read where no event has happened", field.name), field.span)
                            .with_label("no event here")
                            .with_help("`event.x` reads the payload of the event being handled: use it inside `on EVENT ...` or in a policy rule's `when`"),
                    );
                    return Type::Unknown;
                };
                let Some(event) = self.model.events.get(event_name) else {
                    return Type::Unknown;
                };
                (
                    &event.fields,
                    format!("{event_name}.{}", field.name),
                    "event",
                )
            }
        };
        let Some(f) = table.get(&field.name) else {
            let owner = match root {
                FieldRoot::Account => "the account".to_string(),
                FieldRoot::Event => format!("the event `{}`", scope.event.as_deref().unwrap_or("")),
            };
            self.report(unknown_field(&owner, field, table.names(), || match root {
                FieldRoot::Account => format!("add `{}: TYPE` to the `account` block", field.name),
                FieldRoot::Event => format!(
                    "the event `{}` carries {}",
                    scope.event.as_deref().unwrap_or(""),
                    field_list(table.iter().map(|f| f.name.as_str()))
                ),
            }));
            return Type::Unknown;
        };
        let (ty, optional) = (f.ty.clone(), f.optional);
        let kind = match root {
            FieldRoot::Account => SymbolKind::AccountField,
            FieldRoot::Event => SymbolKind::EventField,
        };
        self.refer(kind, &key, field.span);
        let fact = format!("{root_name}.{}", field.name);
        if optional && !unset_ok && !scope.facts.contains(&fact) {
            let help = if scope.in_template {
                format!(
                    "a template cannot check that a field is set: print a field that is always set, or write a second template without `{{{fact}}}` and send each under `if {fact} is set {{ ... }} else {{ ... }}`"
                )
            } else {
                format!("guard it with `when {fact} is set`, an enclosing `if {fact} is set`, or `{fact} is set and ...`")
            };
            self.report(
                Diagnostic::error(
                    MAYBE_UNSET,
                    format!("`{fact}` may be unset here"),
                    field.span,
                )
                .with_label("optional field, not proved set")
                .with_help(help),
            );
        }
        ty
    }

    fn is_set(&mut self, inner: &Expr, scope: &Scope) {
        match &inner.kind {
            ExprKind::Field { root, field, .. } => {
                let ty = self.field(*root, field, scope, true);
                self.record_type(inner.span, &ty);
                let optional = match root {
                    FieldRoot::Account => self.model.account.get(&field.name).map(|f| f.optional),
                    FieldRoot::Event => scope
                        .event
                        .as_ref()
                        .and_then(|e| self.model.events.get(e))
                        .and_then(|e| e.fields.get(&field.name))
                        .map(|f| f.optional),
                };
                if optional == Some(false) {
                    let root = if *root == FieldRoot::Account {
                        "account"
                    } else {
                        "event"
                    };
                    self.report(
                        Diagnostic::warning(ALWAYS_SET, format!("`{root}.{}` is always set", field.name), inner.span)
                            .with_label("not an optional field")
                            .with_help("this test is always true: remove it, or make the field optional with `?` if it may be missing"),
                    );
                }
            }
            _ => {
                let ty = self.expr(inner, None, scope);
                if ty != Type::Unknown {
                    self.report(
                        Diagnostic::warning(ALWAYS_SET, "this value is always set", inner.span)
                            .with_label("only optional fields can be unset")
                            .with_help("`is set` tests an optional account or event field, e.g. `account.mobile is set`"),
                    );
                }
            }
        }
    }

    /// The optional fields a condition proves set when it holds.
    pub(crate) fn proves(&self, e: &Expr) -> Vec<String> {
        match &e.kind {
            ExprKind::IsSet(inner) => match &inner.kind {
                ExprKind::Field { root, field, .. } => {
                    let root = if *root == FieldRoot::Account {
                        "account"
                    } else {
                        "event"
                    };
                    vec![format!("{root}.{}", field.name)]
                }
                _ => Vec::new(),
            },
            ExprKind::Binary {
                op: BinaryOp::And,
                lhs,
                rhs,
            } => {
                let mut v = self.proves(lhs);
                v.extend(self.proves(rhs));
                v
            }
            ExprKind::Name(id) => self
                .model
                .segments
                .get(&id.name)
                .map(|s| s.proves.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn money_currency(&mut self, currency: &Ident, span: Span) {
        match &self.model.currency {
            None => {
                if !self.currency_reported {
                    self.currency_reported = true;
                    self.report(
                        Diagnostic::error(
                            NO_CURRENCY,
                            "money is used but the flow declares no `currency`",
                            span,
                        )
                        .with_label("money needs the flow's currency")
                        .with_help(format!(
                            "add `currency {}` near the top of the file",
                            currency.name
                        )),
                    );
                }
            }
            Some((code, decl)) if *code != currency.name && !currency.name.is_empty() => {
                let d = Diagnostic::error(
                    WRONG_CURRENCY,
                    format!(
                        "this amount is in {}, but the flow's currency is {code}",
                        currency.name
                    ),
                    currency.span,
                )
                .with_label(format!("not {code}"))
                .with_secondary(*decl, "the flow's currency")
                .with_help(format!(
                    "every amount of a flow is in its currency: write `{code}`"
                ));
                self.report(d);
            }
            Some(_) => {}
        }
    }

    /// Reports `money` used in a declaration when no currency is declared.
    pub(crate) fn money_type(&mut self, ty: &Type, span: Span) {
        if *ty == Type::Money && self.model.currency.is_none() && !self.currency_reported {
            self.currency_reported = true;
            self.report(
                Diagnostic::error(
                    NO_CURRENCY,
                    "money is used but the flow declares no `currency`",
                    span,
                )
                .with_label("money needs the flow's currency")
                .with_help("add `currency CODE` near the top of the file, e.g. `currency USD`"),
            );
        }
    }

    /// A duration's calendar (`5 business days of bank`) must exist; without
    /// `of`, the only declared calendar is meant.
    pub(crate) fn duration(&mut self, d: &DurationLit) {
        use crate::syntax::ast::DurationUnit;
        if d.unit != DurationUnit::BusinessDays {
            return;
        }
        match &d.calendar {
            Some(cal) => self.calendar_ref(cal),
            None => {
                if let Some(only) = self.model.default_calendar() {
                    let name = only.name.clone();
                    if !self.in_test {
                        self.walked
                            .used
                            .insert(crate::model::Symbol::new(SymbolKind::Calendar, name));
                    }
                } else if self.model.calendars.len() > 1 {
                    let names = field_list(self.model.calendars.iter().map(|c| c.name.as_str()));
                    self.report(
                        Diagnostic::error(
                            AMBIGUOUS_CALENDAR,
                            "which calendar do these business days follow?",
                            d.span,
                        )
                        .with_label("several calendars are declared")
                        .with_help(format!(
                            "name one: `{} business days of CALENDAR` ({names})",
                            d.amount
                        )),
                    );
                }
            }
        }
    }

    pub(crate) fn calendar_ref(&mut self, cal: &Ident) {
        if self.model.calendars.contains(&cal.name) {
            self.refer(SymbolKind::Calendar, &cal.name, cal.span);
        } else if !cal.name.is_empty() {
            let help = near_miss(&cal.name, self.model.calendars.names()).or_else(|| {
                format!(
                    "declare it with `calendar {} {{ weekend saturday, sunday }}`",
                    cal.name
                )
            });
            self.report(
                Diagnostic::error(
                    UNKNOWN_CALENDAR,
                    format!("there is no calendar `{}`", cal.name),
                    cal.span,
                )
                .with_label("unknown calendar")
                .with_suggestion(help),
            );
        }
    }

    /// A string where placeholders are not allowed (agency names, zones,
    /// titles, paths, test values). Returns its text when plain.
    pub(crate) fn plain_text(&mut self, t: &Text, what: &str) -> Option<String> {
        let mut ok = true;
        for part in &t.parts {
            if let TextPart::Placeholder(e) = part {
                ok = false;
                self.report(
                    Diagnostic::error(PLACEHOLDER_NOT_ALLOWED, format!("{what} cannot contain `{{...}}`"), e.span)
                        .with_label("placeholder not allowed here")
                        .with_help("placeholders fill in template and alert text only; write the text out, or `{{` for a literal brace"),
                );
            }
        }
        if ok {
            t.plain()
        } else {
            None
        }
    }
}

/// The result type of `lt op rt`, `None` when the operation means nothing.
/// The type of `lhs op rhs`, or `None` when the operator does not apply.
/// The engine (`dun_runtime`'s `eval`) computes exactly these; the property
/// test `compiler/tests/sound_types.rs` holds the two together.
pub fn arithmetic(op: BinaryOp, lt: &Type, rt: &Type) -> Option<Type> {
    use BinaryOp::*;
    use Type::*;
    Some(match (op, lt, rt) {
        (Add | Sub | Mul | Div, Number, Number) => Number,
        (Add | Sub, Money, Money) => Money,
        (Add | Sub, Percent, Percent) => Percent,
        (Add | Sub, Date, Duration) => Date,
        (Add | Sub, DateTime, Duration) => DateTime,
        (Add, Duration, Date) => Date,
        (Add, Duration, DateTime) => DateTime,
        // Days past due: `today - account.due_date > 30` is a whole number
        // of days, negative before the due date.
        (Sub, Date, Date) | (Sub, DateTime, DateTime) => Number,
        (Mul, Money, Number) | (Mul, Number, Money) => Money,
        // A percentage of an amount is an amount of the same kind.
        (Mul, Money, Percent) | (Mul, Percent, Money) => Money,
        (Mul, Percent, Number) | (Mul, Number, Percent) => Number,
        (Div, Money, Number) => Money,
        (Div, Money, Money) => Number,
        (Div, Percent, Number) => Percent,
        _ => return None,
    })
}

/// The one error for a field name that the fields of `owner` ("the
/// account", "the event `payment`") do not hold, with the closest of
/// `names` as its fix, else the advice `otherwise` gives.
pub(crate) fn unknown_field<'a>(
    owner: &str,
    field: &Ident,
    names: impl IntoIterator<Item = &'a str>,
    otherwise: impl FnOnce() -> String,
) -> Diagnostic {
    Diagnostic::error(
        UNKNOWN_FIELD,
        format!("{owner} has no field `{}`", field.name),
        field.span,
    )
    .with_label("unknown field")
    .with_suggestion(near_miss(&field.name, names).or_else(otherwise))
}

/// The one error for a field given a second time in `{ field: value, ...
/// }`; `first` is where it was given first.
pub(crate) fn given_twice(field: &Ident, first: Span) -> Diagnostic {
    Diagnostic::error(
        DUPLICATE,
        format!("`{}` is given twice", field.name),
        field.span,
    )
    .with_label("given again here")
    .with_secondary(first, "first given here")
    .with_help("give each field once")
}

/// `a`, `b` and `c` as a readable list.
pub(crate) fn field_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match names.len() {
        0 => "nothing".to_string(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// Contact values compare with plain text: `account.mobile == "+15550100"`.
fn text_like(a: &Type, b: &Type) -> bool {
    let contact = |t: &Type| {
        matches!(
            t,
            Type::Phone | Type::Email | Type::Address | Type::Timezone
        )
    };
    (*a == Type::Text && contact(b)) || (*b == Type::Text && contact(a))
}
