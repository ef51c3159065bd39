//! Message text: the `{expr}` placeholders of templates (inline and in
//! files) and alerts.

use super::{Checker, Scope};
use crate::checks::codes::*;
use crate::diagnostics::{Diagnostic, LineIndex};
use crate::model::Channel;
use crate::syntax::ast::{self, Decl, Span, TemplateBody, Text, TextPart};
use crate::syntax::parse;

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
            TemplateBody::File(path) => {
                self.plain_text(path, "a template file path");
                let contents = self
                    .model
                    .templates
                    .get(&t.name.name)
                    .and_then(|tpl| tpl.file.as_ref());
                if let Some(file) = contents {
                    let text = file.text.clone();
                    let shown = path.plain().unwrap_or_default();
                    self.file_text(&text, &shown, path.span);
                }
            }
        }
    }

    /// Type-checks a template file's placeholders. The file's text is parsed
    /// as the text of an inline template; every problem found is reported at
    /// the path string of the flow, naming the line in the file.
    fn file_text(&mut self, contents: &str, shown: &str, at: Span) {
        const PREFIX: &str = "template t for letter \"";
        let mut wrapped = String::with_capacity(contents.len() + PREFIX.len() + 8);
        wrapped.push_str(PREFIX);
        // Quotes and backslashes are literal in a file; escaping them keeps
        // the line structure, which is all the messages need.
        for ch in contents.chars() {
            match ch {
                '"' => wrapped.push_str("\\\""),
                '\\' => wrapped.push_str("\\\\"),
                c => wrapped.push(c),
            }
        }
        wrapped.push('"');
        let lines = LineIndex::new(&wrapped);
        let parsed = parse(&wrapped);
        let first_new = self.diags.len();
        for d in parsed.diagnostics {
            let help = d.help.clone().unwrap_or_else(|| {
                "fix the `{...}` on that line of the file; write `{{` for a literal brace"
                    .to_string()
            });
            self.report(Diagnostic {
                code: INVALID_TEXT,
                help: Some(help),
                fixes: Vec::new(),
                ..d
            });
        }
        let text = parsed.file.decls.into_iter().find_map(|d| match d {
            Decl::Template(ast::TemplateDecl {
                body: TemplateBody::Text(text),
                ..
            }) => Some(text),
            _ => None,
        });
        if let Some(text) = text {
            let was_foreign = std::mem::replace(&mut self.foreign, true);
            let scope = Scope {
                in_template: true,
                ..Scope::default()
            };
            self.message_text(&text, &scope);
            self.foreign = was_foreign;
        }
        for d in self.diags.iter_mut().skip(first_new) {
            let line = lines.line(d.primary.span.start as usize) + 1;
            d.message = format!("{} (line {line} of `{shown}`)", d.message);
            d.primary.span = at;
            d.primary.message = format!("in this file, line {line}");
            d.secondary.clear();
        }
    }
}
