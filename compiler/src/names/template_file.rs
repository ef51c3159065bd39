//! The one reader of `file "..."` templates: the path is relative to the
//! flow's folder and the file read must lie in that folder's tree once every
//! link is followed, be a regular file (a FIFO or a device is refused before
//! it is opened, so nothing blocks or streams forever) and hold at most
//! [`MAX_TEMPLATE_FILE_BYTES`], counted on what is actually read. The text is
//! parsed here, once, as the text of an inline template; the checker types
//! that parse and lowering compiles it.

use crate::checks::codes::{FILE_NOT_FOUND, INVALID_TEXT, OUTSIDE_FOLDER, UNREADABLE};
use crate::diagnostics::Diagnostic;
use crate::model::TemplateFile;
use crate::syntax::ast::{self, Decl, Span, TemplateBody};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest template file read: a letter is a few kilobytes. Escaped
/// for the parser, the text at most doubles, which keeps it well inside the
/// bound on a flow file's size.
pub const MAX_TEMPLATE_FILE_BYTES: u64 = 1024 * 1024;

/// What went wrong reading a template file, with the diagnostic code.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub code: &'static str,
    pub message: String,
    pub label: &'static str,
    pub help: String,
}

/// Refuses a path that leaves the folder as written (`../x`, `/etc/x`),
/// before any file is looked at.
pub(crate) fn relative(written: &str) -> Result<&Path, Refusal> {
    let relative = Path::new(written);
    let leaves = relative.is_absolute()
        || written.starts_with('/')
        || written.starts_with('\\')
        || relative.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
    if leaves {
        return Err(outside(written, "leaves the flow's folder"));
    }
    Ok(relative)
}

/// Reads the template file `written` (as written in the flow) below
/// `flow_dir`.
pub(crate) fn read(flow_dir: &Path, written: &str) -> Result<(PathBuf, String), Refusal> {
    let relative = relative(written)?;
    let full = flow_dir.join(relative);
    let not_found = || Refusal {
        code: FILE_NOT_FOUND,
        message: format!("template file `{written}` does not exist"),
        label: "no such file",
        help: format!(
            "create `{}` or correct the path; it is relative to the flow's folder",
            full.display()
        ),
    };
    let unreadable = |err: std::io::Error| Refusal {
        code: UNREADABLE,
        message: format!("template file `{written}` cannot be read: {err}"),
        label: "unreadable",
        help: "check that the file is a readable text file".to_string(),
    };
    let root = flow_dir.canonicalize().map_err(unreadable)?;
    // Every link followed: a link inside the folder that leads out of it is
    // refused like `../x`.
    let real = match full.canonicalize() {
        Ok(real) => real,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
        Err(err) => return Err(unreadable(err)),
    };
    if !real.starts_with(&root) {
        return Err(outside(
            written,
            "a link that leads out of the flow's folder",
        ));
    }
    let not_regular = || Refusal {
        code: UNREADABLE,
        message: format!("template file `{written}` is not a regular file"),
        label: "not a regular file",
        help: "point the template at a text file; pipes, devices and folders cannot be templates"
            .to_string(),
    };
    // Checked before opening: opening a FIFO for reading waits for a writer.
    let kind = std::fs::metadata(&real).map_err(unreadable)?;
    if !kind.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(&real).map_err(unreadable)?;
    // And again on what was opened, in case the path changed in between.
    if !file.metadata().map_err(unreadable)?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(MAX_TEMPLATE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_TEMPLATE_FILE_BYTES {
        return Err(Refusal {
            code: UNREADABLE,
            message: format!(
                "template file `{written}` is larger than {} MiB",
                MAX_TEMPLATE_FILE_BYTES / (1024 * 1024)
            ),
            label: "too large",
            help: "a template is the text of one message; split it or shorten it".to_string(),
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((full, text)),
        Err(_) => Err(Refusal {
            code: UNREADABLE,
            message: format!("template file `{written}` is not UTF-8 text"),
            label: "not text",
            help: "save the template as UTF-8 text".to_string(),
        }),
    }
}

fn outside(written: &str, label: &'static str) -> Refusal {
    Refusal {
        code: OUTSIDE_FOLDER,
        message: format!("template file `{written}` is outside the flow's folder"),
        label,
        help: "keep template files in the flow's folder or below it, e.g. `templates/final_demand.txt`".to_string(),
    }
}

/// What an inline template wraps a file's text in, so that the file is read
/// by the one parser of template text.
const PREFIX: &str = "template t for letter \"";

/// Parses a file's text as template text. Diagnostics come back relocated
/// to `at` (the path string in the flow), naming the line of the file.
pub(crate) fn parse(
    path: PathBuf,
    text: String,
    shown: &str,
    at: Span,
) -> (TemplateFile, Vec<Diagnostic>) {
    let mut wrapped = String::with_capacity(text.len() + PREFIX.len() + 8);
    wrapped.push_str(PREFIX);
    // Quotes and backslashes are literal in a file; escaping them keeps
    // the line structure, which is all the messages need.
    for ch in text.chars() {
        match ch {
            '"' => wrapped.push_str("\\\""),
            '\\' => wrapped.push_str("\\\\"),
            c => wrapped.push(c),
        }
    }
    wrapped.push('"');
    let newlines = wrapped
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i as u32)
        .collect();
    let parsed = crate::syntax::parse(&wrapped);
    let parsed_diagnostics = parsed.diagnostics;
    let body = parsed.file.decls.into_iter().find_map(|d| match d {
        Decl::Template(ast::TemplateDecl {
            body: TemplateBody::Text(text),
            ..
        }) => Some(text),
        _ => None,
    });
    let file = TemplateFile {
        path,
        text,
        body: None,
        source: String::new(),
        newlines,
    };
    let mut diagnostics = Vec::new();
    for d in parsed_diagnostics {
        let help = d.help.clone().unwrap_or_else(|| {
            "fix the `{...}` on that line of the file; write `{{` for a literal brace".to_string()
        });
        let mut d = Diagnostic {
            code: INVALID_TEXT,
            help: Some(help),
            ..d
        };
        relocate(&mut d, &file, shown, at);
        diagnostics.push(d);
    }
    let body = if diagnostics.is_empty() { body } else { None };
    (
        TemplateFile {
            body,
            source: wrapped,
            ..file
        },
        diagnostics,
    )
}

/// The offset into the file's text of an offset into its parsed text
/// (`TemplateFile::source`, the text wrapped as an inline template by
/// [`parse`]); `None` for an offset of the wrapping or inside an escape.
pub(crate) fn file_offset(file: &TemplateFile, source_offset: usize) -> Option<usize> {
    let rel = source_offset.checked_sub(PREFIX.len())?;
    if !file.text.contains(['"', '\\']) {
        return (rel <= file.text.len()).then_some(rel);
    }
    let mut wrapped = 0;
    for (i, ch) in file.text.char_indices() {
        if wrapped == rel {
            return Some(i);
        }
        if wrapped > rel {
            return None;
        }
        wrapped += match ch {
            '"' | '\\' => 2,
            c => c.len_utf8(),
        };
    }
    (wrapped == rel).then_some(file.text.len())
}

/// Moves a diagnostic found in a template file's text to the path string
/// of the flow (`at`), naming the line of the file.
pub(crate) fn relocate(d: &mut Diagnostic, file: &TemplateFile, shown: &str, at: Span) {
    let line = file.line_of(d.primary.span.start) + 1;
    d.message = format!("{} (line {line} of `{shown}`)", d.message);
    d.primary.span = at;
    d.primary.message = format!("in this file, line {line}");
    d.secondary.clear();
}
