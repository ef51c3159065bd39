//! Building the message constructs of locales and languages: `locale`,
//! `language ... fallback ...`, a template's `locale` and `approved`
//! clauses, and its texts per language.

use super::ast::{Approved, Doc, LanguageDecl, LanguageText, LocaleDecl, Span, TemplateBody, Text};
use super::build::Builder;
use super::grammar::Rule;
use pest::iterators::Pair;

impl Builder<'_> {
    pub(crate) fn locale_decl(&self, pair: Pair<'_, Rule>, span: Span, doc: Doc) -> LocaleDecl {
        let name = pair
            .into_inner()
            .find(|c| c.as_rule() == Rule::string)
            .map(|c| self.text(c))
            .unwrap_or(Text {
                parts: Vec::new(),
                span,
            });
        LocaleDecl { name, span, doc }
    }

    pub(crate) fn language_decl(&self, pair: Pair<'_, Rule>, span: Span, doc: Doc) -> LanguageDecl {
        let mut field = None;
        let mut fallback = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::field_access => field = Some(self.field_ref(c)),
                Rule::name => fallback = Some(self.ident(&c)),
                _ => {}
            }
        }
        LanguageDecl {
            field: field.unwrap_or_else(|| self.placeholder_expr(span)),
            fallback: fallback.unwrap_or_else(|| self.missing(span)),
            span,
            doc,
        }
    }

    pub(crate) fn template_locale(&self, pair: Pair<'_, Rule>) -> Option<Text> {
        pair.into_inner()
            .find(|c| c.as_rule() == Rule::string)
            .map(|c| self.text(c))
    }

    pub(crate) fn approved(&self, pair: Pair<'_, Rule>) -> Option<Approved> {
        let span = self.span(&pair);
        let mut texts = pair
            .into_inner()
            .filter(|c| c.as_rule() == Rule::string)
            .map(|c| self.text(c));
        let name = texts.next()?;
        let language = texts.next()?;
        Some(Approved {
            name,
            language,
            span,
        })
    }

    pub(crate) fn template_langs(&self, pair: Pair<'_, Rule>) -> TemplateBody {
        let texts = pair
            .into_inner()
            .filter(|c| c.as_rule() == Rule::template_lang)
            .filter_map(|c| self.template_lang(c))
            .collect();
        TemplateBody::Languages(texts)
    }

    fn template_lang(&self, pair: Pair<'_, Rule>) -> Option<LanguageText> {
        let span = self.span(&pair);
        let mut language = None;
        let mut locale = None;
        let mut approved = None;
        let mut body = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::name => language = Some(self.ident(&c)),
                Rule::template_locale => locale = self.template_locale(c),
                Rule::approved => approved = self.approved(c),
                Rule::string => body = Some(TemplateBody::Text(self.text(c))),
                Rule::template_email => body = self.email_body(c),
                Rule::template_file => {
                    body = c
                        .into_inner()
                        .find(|s| s.as_rule() == Rule::string)
                        .map(|s| TemplateBody::File(self.text(s)))
                }
                _ => {}
            }
        }
        Some(LanguageText {
            language: language?,
            locale,
            approved,
            body: body?,
            span,
        })
    }

    pub(crate) fn email_body(&self, pair: Pair<'_, Rule>) -> Option<TemplateBody> {
        let mut texts = pair
            .into_inner()
            .filter(|s| s.as_rule() == Rule::string)
            .map(|s| self.text(s));
        let subject = texts.next()?;
        let body = texts.next()?;
        Some(TemplateBody::Email { subject, body })
    }
}
