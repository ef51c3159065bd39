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
    template: &str,
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
    match chosen {
        Some(text) => texts_of(cx, template, text),
        None => (None, Vec::new()),
    }
}

fn texts_of(
    cx: &mut Lowerer<'_>,
    template: &str,
    text: &ast::LanguageText,
) -> (Option<format::Text>, format::Text) {
    match &text.body {
        TemplateBody::Email { subject, body } => {
            (Some(cx.text(subject, None)), cx.text(body, None))
        }
        TemplateBody::Text(body) => (None, cx.text(body, None)),
        TemplateBody::File(path) => {
            let language = &text.language.name;
            let model = cx.model;
            let body = model
                .templates
                .get(template)
                .and_then(|t| t.language_file(language))
                .and_then(|f| f.body.as_ref());
            match body {
                Some(body) => {
                    let key = crate::model::language_file_key(template, language);
                    (None, cx.file_text(&key, body))
                }
                None => {
                    cx.error(
                        super::UNRESOLVED,
                        format!(
                            "template file \"{}\" was not read",
                            path.plain().unwrap_or_default()
                        ),
                        path.span,
                        "`dun check` says why: fix the path or the file",
                    );
                    (None, Vec::new())
                }
            }
        }
        TemplateBody::Languages(_) => (None, Vec::new()),
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
            let (subject, body) = texts_of(cx, &t.name, text);
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
