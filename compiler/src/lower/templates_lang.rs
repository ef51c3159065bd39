//! The machine's [`Locales`]: the flow's locale, the field that picks a
//! language, and each template's locale, approval and texts per language.

use super::decls::decl_at;
use super::Lowerer;
use crate::syntax::ast::{self, Decl, TemplateBody};
use dun_machine::format::{self, Approved, LanguageChoice, LanguageText, Locales, TemplateLocale};
use dun_machine::locale;

/// The subject and body a template in several languages keeps as its own
/// text: the fallback language's (the first text when none matches, which
/// the checker refuses).
pub(super) fn fallback_text(
    cx: &mut Lowerer<'_>,
    texts: &[ast::LanguageText],
) -> (Option<format::Text>, format::Text) {
    let fallback = cx
        .model
        .messages
        .language
        .as_ref()
        .map(|l| l.fallback.name.as_str());
    let chosen = texts
        .iter()
        .find(|t| Some(t.language.name.as_str()) == fallback)
        .or(texts.first());
    match chosen.map(|t| &t.body) {
        Some(body) => texts_of(cx, body),
        None => (None, Vec::new()),
    }
}

fn texts_of(cx: &mut Lowerer<'_>, body: &TemplateBody) -> (Option<format::Text>, format::Text) {
    match body {
        TemplateBody::Email { subject, body } => {
            (Some(cx.text(subject, None)), cx.text(body, None))
        }
        TemplateBody::Text(text) => (None, cx.text(text, None)),
        TemplateBody::File(_) | TemplateBody::Languages(_) => (None, Vec::new()),
    }
}

/// The locale data's name of a locale the checker accepted.
fn locale_name(text: Option<&ast::Text>) -> Option<String> {
    text.and_then(ast::Text::plain)
        .filter(|n| locale::lookup(n).is_some())
        .map(|n| locale::normalize(&n))
}

fn approved(cx: &mut Lowerer<'_>, a: Option<&ast::Approved>) -> Option<Approved> {
    let a = a?;
    let name = a.name.plain()?;
    let language = a.language.plain()?;
    Some(Approved {
        name: cx.sym(&name),
        language: cx.sym(&language),
    })
}

pub(super) fn lower(cx: &mut Lowerer<'_>) {
    let model = cx.model;
    let mut out = Locales {
        locale: model
            .messages
            .locale
            .as_ref()
            .filter(|l| locale::lookup(&l.name).is_some())
            .map(|l| locale::normalize(&l.name)),
        ..Locales::default()
    };
    if let Some(line) = &model.messages.language {
        if let Some(i) = model.account.position(&line.field).filter(|&i| i > 0) {
            out.language = Some(LanguageChoice {
                field: (i - 1) as u16,
                fallback: cx.sym(&line.fallback.name),
            });
        }
    }
    for t in model.templates.iter() {
        let Some(decl) = decl_at(cx, t.decl, |d| match d {
            Decl::Template(t) => Some(t),
            _ => None,
        }) else {
            continue;
        };
        let languages = match &decl.body {
            TemplateBody::Languages(texts) => texts.as_slice(),
            _ => &[],
        };
        if decl.locale.is_none() && decl.approved.is_none() && languages.is_empty() {
            continue;
        }
        let name = cx.sym(&t.name);
        let Some(index) = cx.m.templates.iter().position(|m| m.name == name) else {
            continue;
        };
        let mut entry = TemplateLocale {
            template: index as u16,
            locale: locale_name(decl.locale.as_ref()),
            approved: approved(cx, decl.approved.as_ref()),
            languages: Vec::with_capacity(languages.len()),
        };
        for text in languages {
            let (subject, body) = texts_of(cx, &text.body);
            entry.languages.push(LanguageText {
                language: cx.sym(&text.language.name),
                locale: locale_name(text.locale.as_ref()),
                approved: approved(cx, text.approved.as_ref()),
                subject,
                body,
            });
        }
        out.templates.push(entry);
    }
    cx.m.locales = out;
}
