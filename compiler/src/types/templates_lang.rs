//! The wording of messages: `locale`, `language account.FIELD fallback
//! LANG`, a template's own locale, its WhatsApp approval and its texts per
//! language.

use super::{Checker, Scope};
use crate::checks::codes::*;
use crate::diagnostics::Diagnostic;
use crate::model::{Channel, Type};
use crate::names::near_miss;
use crate::syntax::ast::{self, ExprKind, FieldRoot, Span, TemplateBody, Text};
use dun_machine::locale;

impl Checker<'_> {
    pub(crate) fn locale_decl(&mut self, l: &ast::LocaleDecl) {
        self.locale_name(&l.name);
    }

    /// A locale the locale data knows (`es-PE`, `en_US`).
    pub(crate) fn locale_name(&mut self, text: &Text) {
        let Some(name) = self.plain_text(text, "a locale") else {
            return;
        };
        if locale::lookup(&name).is_some() {
            return;
        }
        let near: Vec<String> = locale::near(&name)
            .into_iter()
            .map(|n| n.replace('_', "-"))
            .collect();
        let help = near_miss(&name, near.iter().map(String::as_str))
            .quoted()
            .or_else(|| {
                "write a language and a territory, such as \"es-PE\", \"en-US\" or \"de-DE\"".into()
            });
        self.report(
            Diagnostic::error(
                UNKNOWN_LOCALE,
                format!("`{name}` is not a locale dun knows"),
                text.span,
            )
            .with_label("unknown locale")
            .with_suggestion(help),
        );
    }

    pub(crate) fn language_decl(&mut self, l: &ast::LanguageDecl) {
        let ExprKind::Field {
            root: FieldRoot::Account,
            field,
            ..
        } = &l.field.kind
        else {
            self.report(
                Diagnostic::error(
                    LANGUAGE_CHOICE,
                    "the language is chosen by a field of the account",
                    l.field.span,
                )
                .with_label("not an account field")
                .with_help("write `language account.FIELD fallback LANG`"),
            );
            return;
        };
        let ty = self.field(FieldRoot::Account, field, &Scope::default(), true);
        self.record_type(l.field.span, &ty);
        let Some(languages) = self.languages() else {
            if ty != Type::Unknown {
                self.report(
                    Diagnostic::error(
                        LANGUAGE_CHOICE,
                        format!(
                            "`account.{}` is not an enumeration of languages",
                            field.name
                        ),
                        l.field.span,
                    )
                    .with_label("the language field")
                    .with_help(format!(
                        "declare it with the languages the flow writes in, such as `{}: es | en`",
                        field.name
                    )),
                );
            }
            return;
        };
        let fallback = &l.fallback.name;
        if !languages.iter().any(|v| v == fallback) {
            let help = near_miss(fallback, languages.iter().map(String::as_str))
                .or_else(|| format!("the languages are {}", languages.join(", ")));
            self.report(
                Diagnostic::error(
                    LANGUAGE_CHOICE,
                    format!(
                        "`{fallback}` is not one of the languages of `account.{}`",
                        field.name
                    ),
                    l.fallback.span,
                )
                .with_label("not a language of the field")
                .with_suggestion(help),
            );
        }
    }

    /// The variants of the `language` field, when it is an enumeration.
    fn languages(&self) -> Option<Vec<String>> {
        let line = self.model.messages.language.as_ref()?;
        let field = self.model.account.get(&line.field)?;
        match &field.ty {
            Type::Enum(id) => self.model.enums.get(id.0 as usize).cloned(),
            _ => None,
        }
    }

    /// What a template says besides its text: its locale, its approval and
    /// its texts per language.
    pub(crate) fn template_wording(&mut self, t: &ast::TemplateDecl, scope: &Scope) {
        let channel = Channel::from_name(&t.channel.name);
        let whatsapp = channel == Some(Channel::Whatsapp);
        if let Some(l) = &t.locale {
            self.locale_name(l);
        }
        if let Some(a) = &t.approved {
            self.approved(t, a, whatsapp);
        }
        let TemplateBody::Languages(texts) = &t.body else {
            if whatsapp && t.approved.is_none() {
                self.unapproved(t, t.name.span, "");
            }
            return;
        };
        if let (true, Some(a)) = (whatsapp, &t.approved) {
            self.report(
                Diagnostic::error(
                    WHATSAPP_APPROVAL,
                    "a template in several languages is approved once per language",
                    a.span,
                )
                .with_label("approval of the whole template")
                .with_help("move `approved \"NAME\" language \"CODE\"` to each language's text"),
            );
        }
        let languages = self.languages();
        if self.model.messages.language.is_none() {
            self.report(
                Diagnostic::error(
                    LANGUAGE_CHOICE,
                    format!("template `{}` has a text per language, and nothing picks one", t.name.name),
                    t.name.span,
                )
                .with_label("texts per language")
                .with_help("say which account field holds the customer's language: `language account.language fallback es`, with `language: es | en` in the account"),
            );
        }
        let mut seen: Vec<&ast::Ident> = Vec::new();
        for text in texts {
            let lang = &text.language;
            if let Some(first) = seen.iter().find(|s| s.name == lang.name) {
                self.report(
                    Diagnostic::error(
                        DUPLICATE,
                        format!(
                            "template `{}` has two texts in `{}`",
                            t.name.name, lang.name
                        ),
                        lang.span,
                    )
                    .with_label("second text")
                    .with_secondary(first.span, "first text in this language")
                    .with_help("delete one of the two texts"),
                );
            } else {
                seen.push(lang);
            }
            if let Some(languages) = &languages {
                if !languages.contains(&lang.name) {
                    let help = near_miss(&lang.name, languages.iter().map(String::as_str))
                        .or_else(|| format!("the flow's languages are {}", languages.join(", ")));
                    self.report(
                        Diagnostic::error(
                            UNKNOWN_LANGUAGE,
                            format!("`{}` is not one of the flow's languages", lang.name),
                            lang.span,
                        )
                        .with_label("unknown language")
                        .with_suggestion(help),
                    );
                }
            }
            if let Some(l) = &text.locale {
                self.locale_name(l);
            }
            match &text.approved {
                Some(a) => self.approved(t, a, whatsapp),
                None if whatsapp => self.unapproved(t, lang.span, &format!("{} ", lang.name)),
                None => {}
            }
            match &text.body {
                TemplateBody::Email { subject, body } => {
                    self.subject_on_email(t, channel);
                    self.message_text(subject, scope);
                    self.message_text(body, scope);
                }
                TemplateBody::Text(body) => self.message_text(body, scope),
                TemplateBody::File(path) => self.language_file(t, &lang.name, path),
                TemplateBody::Languages(_) => {}
            }
        }
        if let Some(languages) = &languages {
            let missing: Vec<&String> = languages
                .iter()
                .filter(|l| !seen.iter().any(|s| s.name == **l))
                .collect();
            if let Some(first) = missing.first() {
                let list = missing.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>();
                self.report(
                    Diagnostic::error(
                        MISSING_LANGUAGE,
                        format!("template `{}` has no text in {}", t.name.name, list.join(", ")),
                        t.name.span,
                    )
                    .with_label("a language of the flow is missing")
                    .with_help(format!(
                        "every language of the flow needs its text: add `{first} \"...\"` to the template"
                    )),
                );
            }
        }
    }

    /// `expect sent ... in LANG`: a language of the flow.
    pub(crate) fn expected_language(&mut self, language: &ast::Ident) {
        match self.languages() {
            Some(languages) if languages.contains(&language.name) => {}
            Some(languages) => {
                let help = near_miss(&language.name, languages.iter().map(String::as_str))
                    .or_else(|| format!("the flow's languages are {}", languages.join(", ")));
                self.report(
                    Diagnostic::error(
                        UNKNOWN_LANGUAGE,
                        format!("`{}` is not one of the flow's languages", language.name),
                        language.span,
                    )
                    .with_label("unknown language")
                    .with_suggestion(help),
                );
            }
            None => self.report(
                Diagnostic::error(
                    LANGUAGE_CHOICE,
                    "this test expects a language, and the flow has no languages",
                    language.span,
                )
                .with_label("language expected")
                .with_help("say which account field holds the customer's language: `language account.language fallback es`, with `language: es | en` in the account"),
            ),
        }
    }

    fn subject_on_email(&mut self, t: &ast::TemplateDecl, channel: Option<Channel>) {
        if channel.is_some() && channel != Some(Channel::Email) {
            self.report(
                Diagnostic::error(
                    SUBJECT_NOT_EMAIL,
                    format!("a {} template has no subject", t.channel.name),
                    t.channel.span,
                )
                .with_label("not an email template")
                .with_help("write each language's message as one text: `es \"...\"`, or make it `for email`"),
            );
        }
    }

    fn unapproved(&mut self, t: &ast::TemplateDecl, at: Span, lang: &str) {
        self.report(
            Diagnostic::error(
                WHATSAPP_APPROVAL,
                format!(
                    "WhatsApp template `{}` does not say its approved name and language",
                    t.name.name
                ),
                at,
            )
            .with_label("no approval")
            .with_help(format!(
                "the WhatsApp Business API sends only templates it approved: write `{lang}approved \"{}\" language \"es\"` before the text, with the name and language code of the approval",
                t.name.name
            )),
        );
    }

    fn approved(&mut self, t: &ast::TemplateDecl, a: &ast::Approved, whatsapp: bool) {
        if !whatsapp {
            if Channel::from_name(&t.channel.name).is_some() {
                self.report(
                    Diagnostic::error(
                        WHATSAPP_APPROVAL,
                        format!("a {} template has no WhatsApp approval", t.channel.name),
                        a.span,
                    )
                    .with_label("only WhatsApp approves templates")
                    .with_help("delete `approved ...`, or make the template `for whatsapp`"),
                );
            }
            return;
        }
        if let Some(name) = self.plain_text(&a.name, "an approved template name") {
            let valid = !name.is_empty()
                && name.len() <= 512
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid {
                self.report(
                    Diagnostic::error(
                        WHATSAPP_APPROVAL,
                        format!("\"{name}\" is not a WhatsApp template name"),
                        a.name.span,
                    )
                    .with_label("not a template name")
                    .with_help("WhatsApp template names are lowercase letters, digits and `_`, as approved: \"overdue_notice_v2\""),
                );
            }
        }
        if let Some(code) = self.plain_text(&a.language, "a language code") {
            if !locale::is_language_code(&code) {
                let near: Vec<String> = locale::near(&code.replace('-', "_"))
                    .into_iter()
                    .chain(code.split(['_', '-']).next().map(str::to_ascii_lowercase))
                    .collect();
                let help = near_miss(&code, near.iter().map(String::as_str))
                    .quoted()
                    .or_else(|| "write the code WhatsApp approved the template in: a language (\"es\") or a language and territory (\"es_PE\", \"en_US\")".into());
                self.report(
                    Diagnostic::error(
                        WHATSAPP_APPROVAL,
                        format!("\"{code}\" is not a WhatsApp language code"),
                        a.language.span,
                    )
                    .with_label("unknown language code")
                    .with_suggestion(help),
                );
            }
        }
    }
}
