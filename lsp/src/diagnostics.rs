//! The compiler's diagnostics as LSP diagnostics: the stable code, a link
//! to its explanation in docs/errors.md, the secondary labels as related
//! information, and the help appended to the message (LSP has no field
//! for it, and editors show the message in full).

use crate::documents::Snapshot;
use dun_compiler::diagnostics::registry::{self, Tag};
use dun_compiler::diagnostics::render::sarif::anchor;
use dun_compiler::diagnostics::{Diagnostic, Severity};
use dun_compiler::modules::FileId;
use tower_lsp_server::ls_types::{
    self as lsp, CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
    NumberOrString, Uri,
};

pub fn to_lsp(snapshot: &Snapshot, errors_page: &str) -> Vec<lsp::Diagnostic> {
    let sources = &snapshot.doc.analysis().sources;
    let mut out: Vec<lsp::Diagnostic> = snapshot
        .doc
        .diagnostics()
        .iter()
        // An imported file's diagnostics are published in that file.
        .filter(|d| sources.file_of(d.primary.span.start) == FileId::Root)
        .map(|d| one(snapshot, d, errors_page))
        .collect();
    if snapshot.internal_error {
        out.push(lsp::Diagnostic {
            severity: Some(DiagnosticSeverity::ERROR),
            code: Some(NumberOrString::String("dun::internal".into())),
            source: Some("dun".into()),
            message: "the checker failed on this text; please report it with the file".into(),
            ..Default::default()
        });
    }
    out
}

pub(crate) fn one(snapshot: &Snapshot, d: &Diagnostic, errors_page: &str) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .map(|label| DiagnosticRelatedInformation {
            location: snapshot.location(label.span),
            message: if label.message.is_empty() {
                "see also".to_string()
            } else {
                label.message.clone()
            },
        })
        .collect();
    let href: Option<Uri> = format!("{errors_page}#{}", anchor(d.code)).parse().ok();
    // Code that never runs or is never read is shown faded, as editors do
    // for dead code, in addition to the squiggle.
    let faded = registry::has_tag(d.code, Tag::Unnecessary);
    let struck = registry::has_tag(d.code, Tag::Deprecated);
    let tags: Vec<DiagnosticTag> = [
        faded.then_some(DiagnosticTag::UNNECESSARY),
        struck.then_some(DiagnosticTag::DEPRECATED),
    ]
    .into_iter()
    .flatten()
    .collect();
    lsp::Diagnostic {
        range: snapshot.location(d.primary.span).range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Note => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("dun".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: (!tags.is_empty()).then_some(tags),
        data: None,
    }
}
