//! `person account.FIELD`: the field that says which accounts belong to
//! one person, so that caps, pauses and stops count across them.

use super::Checker;
use crate::checks::codes::*;
use crate::diagnostics::Diagnostic;
use crate::model::Type;
use crate::syntax::ast::{self, ExprKind, FieldRoot, Span};

impl Checker<'_> {
    /// One `person` rule; `first` is the span of an earlier one.
    pub(crate) fn person(&mut self, field: &ast::Expr, span: Span, first: &mut Option<Span>) {
        if let Some(first) = *first {
            self.report(
                Diagnostic::error(DUPLICATE, "the person is declared twice", span)
                    .with_label("second `person`")
                    .with_secondary(first, "first declared here")
                    .with_help("keep one `person account.FIELD` rule"),
            );
        }
        first.get_or_insert(span);
        let ExprKind::Field {
            root: FieldRoot::Account,
            field: name,
            ..
        } = &field.kind
        else {
            self.report(
                Diagnostic::error(
                    MISMATCH,
                    "a person is identified by a field of the account",
                    field.span,
                )
                .with_label("not an account field")
                .with_help("write `person account.customer_id` with a text field the accounts of one person share"),
            );
            return;
        };
        // An unset field makes the account a person of its own.
        let ty = self.field(FieldRoot::Account, name, &super::Scope::default(), true);
        self.record_type(field.span, &ty);
        if name.name == "id" {
            self.report(
                Diagnostic::error(
                    MISMATCH,
                    "`account.id` names one account, not a person",
                    field.span,
                )
                .with_label("every account would be a person of its own")
                .with_help("declare a field the accounts of one person share, e.g. `customer_id: text`, and write `person account.customer_id`"),
            );
            return;
        }
        if !matches!(
            ty,
            Type::Text | Type::Phone | Type::Email | Type::Number | Type::Unknown
        ) {
            self.report(
                Diagnostic::error(
                    MISMATCH,
                    format!(
                        "a person is identified by text, a phone, an email or a number, not {}",
                        ty.describe()
                    ),
                    field.span,
                )
                .with_label(format!("this is {}", ty.describe()))
                .with_help("name a field such as `customer_id: text` that the accounts of one person share"),
            );
        }
    }
}
