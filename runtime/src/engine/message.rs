//! Which text of a template an account gets (its language's, for a
//! template written in several), how that text writes money and dates
//! (the locale of the text, else of the template, else of the flow), and
//! the WhatsApp approval that goes with it.

use super::Account;
use crate::format::{Approved, Machine, Sym, Template, Text};
use crate::value::Value;
use dun_machine::locale::{self, Formats};

pub(super) struct Wording<'m> {
    pub subject: Option<&'m Text>,
    pub body: &'m Text,
    /// The language of the text, for a template in several languages.
    pub language: Option<Sym>,
    pub approved: Option<Approved>,
    /// `None`: dun's own formats (`1234.50 PEN`, `2026-03-23`).
    pub formats: Option<Formats>,
}

impl Wording<'_> {
    /// Whether the send names more than its channel and template.
    pub fn is_plain(&self) -> bool {
        self.language.is_none() && self.approved.is_none()
    }
}

pub(super) fn wording<'m>(
    m: &'m Machine,
    index: u16,
    t: &'m Template,
    account: &Account,
) -> Wording<'m> {
    let flow_locale = m.locales.locale.as_deref();
    let Some(ext) = m.locales.template(index) else {
        return Wording {
            subject: t.subject.as_ref(),
            body: &t.body,
            language: None,
            approved: None,
            formats: flow_locale.and_then(locale::lookup),
        };
    };
    let template_locale = ext.locale.as_deref().or(flow_locale);
    if ext.languages.is_empty() {
        return Wording {
            subject: t.subject.as_ref(),
            body: &t.body,
            language: None,
            approved: ext.approved,
            formats: template_locale.and_then(locale::lookup),
        };
    }
    // The account's language when it has a text in it, else the fallback.
    let choice = m.locales.language.as_ref();
    let wanted = choice
        .and_then(|c| account.fields.get(c.field as usize))
        .and_then(|v| match v {
            Value::Variant(s) | Value::Text(s) => Some(s.as_str()),
            _ => None,
        });
    let text = wanted
        .and_then(|w| ext.languages.iter().find(|l| m.str(l.language) == w))
        .or_else(|| {
            let fallback = choice.map(|c| c.fallback)?;
            ext.languages.iter().find(|l| l.language == fallback)
        });
    match text {
        Some(l) => Wording {
            subject: l.subject.as_ref(),
            body: &l.body,
            language: Some(l.language),
            approved: l.approved.or(ext.approved),
            formats: l
                .locale
                .as_deref()
                .or(template_locale)
                .and_then(locale::lookup),
        },
        // The template's own text is the fallback language's.
        None => Wording {
            subject: t.subject.as_ref(),
            body: &t.body,
            language: choice.map(|c| c.fallback),
            approved: ext.approved,
            formats: template_locale.and_then(locale::lookup),
        },
    }
}
