//! How messages are worded for the reader: the flow's locale, the account
//! field that picks a template's language, and, per template, its texts
//! per language, its own locale and its WhatsApp approval.
//!
//! Kept out of the machine's own payload, like [`super::Lifecycle`]: it
//! follows it in the file under [`super::header::FLAG_LOCALES`], so a flow
//! without any encodes, and fingerprints, as it did before.

use super::{Sym, Text};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Locales {
    /// `locale "es-PE"`, as the locale data names it (`es_PE`); without
    /// it, money is written `1234.50 PEN` and dates `2026-03-23`.
    pub locale: Option<String>,
    /// `language account.FIELD fallback LANG`.
    pub language: Option<LanguageChoice>,
    /// The templates with a locale, an approval or texts per language.
    pub templates: Vec<TemplateLocale>,
}

impl Locales {
    pub fn is_empty(&self) -> bool {
        self.locale.is_none() && self.language.is_none() && self.templates.is_empty()
    }

    /// What template `index` says besides its text, if anything.
    pub fn template(&self, index: u16) -> Option<&TemplateLocale> {
        self.templates.iter().find(|t| t.template == index)
    }
}

/// The account field (an enumeration of language codes) that picks the
/// text of a template written in several languages, and the language used
/// when the field is unset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LanguageChoice {
    pub field: u16,
    pub fallback: Sym,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateLocale {
    /// Index into [`super::Machine::templates`]; that template's own text
    /// is the one of the fallback language when it has several.
    pub template: u16,
    /// `locale "en-US"` on the template: its money and dates.
    pub locale: Option<String>,
    pub approved: Option<Approved>,
    /// One text per language, in source order; empty for a template with
    /// one text.
    pub languages: Vec<LanguageText>,
}

/// `approved "NAME" language "CODE"`: the template as the WhatsApp Business
/// API knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approved {
    pub name: Sym,
    pub language: Sym,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LanguageText {
    /// The language, a variant of the choosing field (`es`).
    pub language: Sym,
    /// Its own locale, else the template's, else the flow's.
    pub locale: Option<String>,
    pub approved: Option<Approved>,
    pub subject: Option<Text>,
    pub body: Text,
}
