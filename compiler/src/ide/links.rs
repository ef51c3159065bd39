//! Template files seen from the flow that uses them: a link from each
//! `file "..."` to the file it names, and the problems the checker found
//! inside each file, by line, so that an editor can show them in the file
//! itself. Only files the checker read (inside the flow's folder) appear.

use super::Document;
use crate::diagnostics::Diagnostic;
use crate::model::TemplateFile;
use crate::syntax::ast::{Decl, Span, TemplateBody};
use std::path::PathBuf;

/// A `file "..."` of a template and the file it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateLink {
    pub template: String,
    /// The path string in the flow, quotes included.
    pub span: Span,
    /// The file, resolved against the flow's folder.
    pub path: PathBuf,
    /// The file's text as the checker read it.
    pub text: String,
}

/// A problem of a template file, on a line of that file.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateFileDiagnostic {
    pub path: PathBuf,
    /// 0-based line in the file.
    pub line: usize,
    pub diagnostic: Diagnostic,
}

pub(crate) fn template_links(doc: &Document) -> Vec<TemplateLink> {
    let model = &doc.analysis.model;
    doc.analysis
        .file
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Template(t) => Some(t),
            _ => None,
        })
        .flat_map(|t| {
            let template = model.templates.get(&t.name.name);
            let link = |path: &crate::syntax::ast::Text, file: Option<&TemplateFile>| {
                file.map(|file| TemplateLink {
                    template: t.name.name.clone(),
                    span: path.span,
                    path: file.path.clone(),
                    text: file.text.clone(),
                })
            };
            match &t.body {
                TemplateBody::File(path) => link(path, template.and_then(|m| m.file.as_ref()))
                    .into_iter()
                    .collect::<Vec<_>>(),
                // `es file "..."`: each language's file.
                TemplateBody::Languages(texts) => texts
                    .iter()
                    .filter_map(|text| match &text.body {
                        TemplateBody::File(path) => link(
                            path,
                            template.and_then(|m| m.language_file(&text.language.name)),
                        ),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        })
        .collect()
}

/// The checker reports a template file's problems at the flow's path
/// string, labelled with the line of the file (`types::text`); this reads
/// them back to that line.
pub(crate) fn template_file_diagnostics(doc: &Document) -> Vec<TemplateFileDiagnostic> {
    let links = template_links(doc);
    let mut out = Vec::new();
    for d in doc.diagnostics() {
        let Some(link) = links.iter().find(|l| l.span == d.primary.span) else {
            continue;
        };
        let Some(line) = d
            .primary
            .message
            .strip_prefix("in this file, line ")
            .and_then(|n| n.trim().parse::<usize>().ok())
        else {
            continue;
        };
        out.push(TemplateFileDiagnostic {
            path: link.path.clone(),
            line: line.saturating_sub(1),
            diagnostic: d.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_misspelt_placeholder_is_found_on_its_line_of_the_file() {
        // `templates/misspelt.txt` next to this file; the flow is never written.
        let flow = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ide/tests/links.dun");
        let text = "flow f\naccount { name: text\n address: address }\n\
                    template notice for letter file \"templates/misspelt.txt\"\n\
                    start s\nstage s {\n  send letter notice\n  end done\n}\n";
        let doc = Document::new(Some(&flow), text);
        let links = doc.template_links();
        assert_eq!(links.len(), 1);
        assert_eq!(
            doc.text().get(links[0].span.range()),
            Some("\"templates/misspelt.txt\"")
        );
        assert!(links[0].path.ends_with("templates/misspelt.txt"));
        let found = doc.template_file_diagnostics();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 2);
        assert!(found[0].diagnostic.message.contains("nmae"), "{found:?}");
    }
}
