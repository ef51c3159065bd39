//! What the flow says about the wording of its messages: its locale and
//! the account field that picks a template's language.

use crate::syntax::ast::{Ident, Span};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Messages {
    pub locale: Option<LocaleLine>,
    pub language: Option<LanguageLine>,
}

/// `locale "es-PE"`.
#[derive(Clone, Debug, PartialEq)]
pub struct LocaleLine {
    /// As written; empty when it holds a placeholder (reported by `types`).
    pub name: String,
    pub span: Span,
}

/// `language account.FIELD fallback LANG`.
#[derive(Clone, Debug, PartialEq)]
pub struct LanguageLine {
    /// The account field's name.
    pub field: String,
    pub fallback: Ident,
    pub span: Span,
}
