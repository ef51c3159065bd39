//! Message text: the `{expr}` placeholders of templates (inline and in
//! files) and alerts.

use super::{Checker, Scope};
use crate::checks::codes::*;
use crate::diagnostics::Diagnostic;
use crate::model::{Channel, TemplateFile};
use crate::names::template_file::relocate;
use crate::syntax::ast::{self, Span, TemplateBody, Text, TextPart};

/// Placeholders print any value; the checker only needs them well typed.
impl Checker<'_> {
    pub(crate) fn message_text(&mut self, text: &Text, scope: &Scope) {
        for part in &text.parts {
            if let TextPart::Placeholder(e) = part {
                self.expr(e, None, scope);
            }
        }
    }

    pub(crate) fn template(&mut self, t: &ast::TemplateDecl) {
        let scope = Scope {
            in_template: true,
            ..Scope::default()
        };
        self.template_wording(t, &scope);
        match &t.body {
            TemplateBody::Text(text) => self.message_text(text, &scope),
            TemplateBody::Email { subject, body } => {
                let channel = Channel::from_name(&t.channel.name);
                if channel.is_some() && channel != Some(Channel::Email) {
                    self.report(
                        Diagnostic::error(
                            SUBJECT_NOT_EMAIL,
                            format!("a {} template has no subject", t.channel.name),
                            t.channel.span,
                        )
                        .with_label("not an email template")
                        .with_help(format!(
                            "write the message as one text: `template {} for {} \"...\"`, or make it `for email`",
                            t.name.name, t.channel.name
                        )),
                    );
                }
                self.message_text(subject, &scope);
                self.message_text(body, &scope);
            }
            TemplateBody::Languages(_) => {}
            TemplateBody::File(path) => {
                self.plain_text(path, "a template file path");
                let model = self.model;
                let file = model
                    .templates
                    .get(&t.name.name)
                    .and_then(|tpl| tpl.file.as_ref());
                if let Some(file) = file {
                    let shown = path.plain().unwrap_or_default();
                    self.file_text(&t.name.name, file, &shown, path.span);
                }
            }
        }
    }

    /// `LANG file "..."` in a template with a text per language: the path
    /// is plain text, and the file's placeholders are checked like a
    /// one-language template file's.
    pub(crate) fn language_file(&mut self, t: &ast::TemplateDecl, language: &str, path: &Text) {
        self.plain_text(path, "a template file path");
        let model = self.model;
        let file = model
            .templates
            .get(&t.name.name)
            .and_then(|tpl| tpl.language_file(language));
        if let Some(file) = file {
            let shown = path.plain().unwrap_or_default();
            let key = crate::model::language_file_key(&t.name.name, language);
            self.file_text(&key, file, &shown, path.span);
        }
    }

    /// Type-checks a template file's placeholders (parsed once by
    /// `names::template_file`); every problem found is reported at the path
    /// string of the flow, naming the line in the file.
    fn file_text(&mut self, name: &str, file: &TemplateFile, shown: &str, at: Span) {
        let Some(body) = &file.body else {
            return;
        };
        let first_new = self.diags.len();
        let was = self.foreign.replace(Default::default());
        let scope = Scope {
            in_template: true,
            ..Scope::default()
        };
        self.message_text(body, &scope);
        let resolved = std::mem::replace(&mut self.foreign, was).unwrap_or_default();
        self.walked
            .usage
            .resolved_in_files
            .insert(name.to_string(), resolved);
        for d in self.diags.iter_mut().skip(first_new) {
            relocate(d, file, shown, at);
        }
    }
}
