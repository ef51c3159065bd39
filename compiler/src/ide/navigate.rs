//! Definition, references and rename: all three read the name index, so a
//! rename changes exactly the places "find references" lists.

use super::index::Target;
use super::Document;
use crate::syntax::ast::Span;
use crate::syntax::keywords;

/// One replacement in the document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextEdit {
    pub span: Span,
    pub new_text: String,
}

/// Why a rename cannot be done, in a sentence the editor shows as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameError(pub String);

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenameError {}

pub(crate) fn definition(doc: &Document, offset: usize) -> Vec<Span> {
    let Some(occ) = doc.index.at(offset) else {
        return super::duplicates::at(doc, offset)
            .map(|d| vec![d.span])
            .unwrap_or_default();
    };
    if occ.declaration {
        return vec![occ.span];
    }
    doc.index.declarations(&occ.target)
}

pub(crate) fn references(doc: &Document, offset: usize, include_declaration: bool) -> Vec<Span> {
    let Some(occ) = doc.index.at(offset) else {
        return match super::duplicates::at(doc, offset) {
            Some(d) if include_declaration => vec![d.span],
            _ => Vec::new(),
        };
    };
    doc.index
        .of(&occ.target)
        .filter(|o| include_declaration || !o.declaration)
        .map(|o| o.span)
        .collect()
}

/// The word around `offset` (letters, digits, `_`), as a span.
pub(crate) fn word_at(text: &str, offset: usize) -> Option<Span> {
    let bytes = text.as_bytes();
    let offset = offset.min(text.len());
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut start = offset;
    while start > 0 && is_word(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = offset;
    while end < bytes.len() && is_word(bytes[end]) {
        end += 1;
    }
    (start < end).then(|| Span::new(start, end))
}

pub(crate) fn prepare_rename(doc: &Document, offset: usize) -> Result<Span, RenameError> {
    if doc.index.at(offset).is_none() {
        if let Some(d) = super::duplicates::at(doc, offset) {
            return Ok(d.span);
        }
    }
    let Some(occ) = doc.index.at(offset) else {
        let word = word_at(&doc.text, offset).and_then(|s| doc.text.get(s.range()));
        return Err(RenameError(match word {
            // Apart from the reserved words, keywords are contextual (a
            // field may be called `email`), but a keyword in a keyword's
            // place is not a name.
            Some(w) if keywords::is_language_word(w) => {
                format!("`{w}` is a keyword of dun, not a name: it cannot be renamed")
            }
            Some(w) if w.chars().all(|c| c.is_ascii_digit() || c == '_') => {
                "a number cannot be renamed".to_string()
            }
            Some(w) => format!("`{w}` is not a name declared in this flow"),
            None => "there is no name here to rename".to_string(),
        }));
    };
    if occ.target == Target::AccountField("id".into()) {
        return Err(RenameError(
            "`account.id` is built in: every account has it, under that name".into(),
        ));
    }
    // A built-in event's origin is the step that causes it, not its name:
    // renaming would rewrite that step, and dun raises it under this name.
    let built_in = match &occ.target {
        Target::Event(event) | Target::EventField { event, .. } => doc
            .analysis
            .model
            .events
            .get(event)
            .is_some_and(|e| e.built_in),
        _ => false,
    };
    if built_in {
        return Err(RenameError(match &occ.target {
            Target::EventField { event, field } => format!(
                "`event.{field}` is part of the built-in event `{event}`: dun fills it under that name"
            ),
            other => format!(
                "`{}` is built in: dun raises it under that name",
                other.name()
            ),
        }));
    }
    Ok(occ.span)
}

pub(crate) fn valid_name(name: &str) -> Result<(), RenameError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(RenameError(format!(
            "`{name}` is not a valid name: names are lower-case letters, digits and `_`, and do not start with a digit"
        )));
    }
    if keywords::is_reserved(name) {
        return Err(RenameError(format!(
            "`{name}` is a reserved word of dun expressions and cannot name anything"
        )));
    }
    Ok(())
}

/// The edits of a rename in the flow, refused when a template file names
/// the name too (the caller would leave the file naming the old name):
/// `template_refs::rename` gives the edits of both.
pub(crate) fn rename(
    doc: &Document,
    offset: usize,
    new_name: &str,
) -> Result<Vec<TextEdit>, RenameError> {
    let edits = rename_in_flow(doc, offset, new_name)?;
    if let Some(occ) = doc.index.at(offset).filter(|_| !edits.is_empty()) {
        if let Some(place) = super::template_refs::of(doc, &occ.target).first() {
            let shown = super::links::template_links(doc)
                .into_iter()
                .find(|l| l.path == place.path)
                .and_then(|l| {
                    doc.text
                        .get(l.span.range())
                        .map(|p| p.trim_matches('"').to_string())
                })
                .unwrap_or_else(|| place.path.display().to_string());
            return Err(RenameError(format!(
                "the template file `{shown}` uses `{}`: rename it in an editor, which renames it in both files",
                occ.target.name()
            )));
        }
    }
    Ok(edits)
}

/// The edits of a rename in the flow's own text.
pub(crate) fn rename_in_flow(
    doc: &Document,
    offset: usize,
    new_name: &str,
) -> Result<Vec<TextEdit>, RenameError> {
    prepare_rename(doc, offset)?;
    if doc.index.at(offset).is_none() {
        if let Some(d) = super::duplicates::at(doc, offset) {
            return rename_duplicate(doc, d, new_name);
        }
    }
    let occ = doc
        .index
        .at(offset)
        .ok_or_else(|| RenameError("there is no name here to rename".into()))?;
    let target = occ.target.clone();
    valid_name(new_name)?;
    if target.name() == new_name {
        return Ok(Vec::new());
    }
    if let Some(reason) = clash(doc, &target, new_name) {
        return Err(RenameError(reason));
    }
    let mut edits: Vec<TextEdit> = doc
        .index
        .of(&target)
        .map(|o| TextEdit {
            span: o.span,
            new_text: new_name.to_string(),
        })
        .collect();
    edits.sort();
    edits.dedup();
    Ok(edits)
}

/// A duplicate declaration renamed on its own: nothing uses it (uses go
/// to the first declaration), so the one edit is its name.
fn rename_duplicate(
    doc: &Document,
    d: &crate::model::Duplicate,
    new_name: &str,
) -> Result<Vec<TextEdit>, RenameError> {
    valid_name(new_name)?;
    if d.name == new_name {
        return Ok(Vec::new());
    }
    let target = super::duplicates::target(d)
        .ok_or_else(|| RenameError(format!("`{}` cannot be renamed here", d.name)))?;
    if let Some(reason) = clash(doc, &target, new_name) {
        return Err(RenameError(reason));
    }
    Ok(vec![TextEdit {
        span: d.span,
        new_text: new_name.to_string(),
    }])
}

fn clash(doc: &Document, target: &Target, new: &str) -> Option<String> {
    let model = &doc.analysis.model;
    let taken = |what: &str| Some(format!("there is already {what} named `{new}`"));
    match target {
        Target::Stage(_) if model.stages.contains(new) => taken("a stage"),
        Target::Template(_) if model.templates.contains(new) => taken("a template"),
        Target::Event(_) if model.events.contains(new) => taken("an event"),
        Target::Var(_) | Target::Segment(_) if model.vars.contains(new) => taken("a variable"),
        Target::Var(_) | Target::Segment(_) if model.segments.contains(new) => taken("a segment"),
        Target::Calendar(_) if model.calendars.contains(new) => taken("a calendar"),
        Target::Action(_) if model.actions.contains(new) => taken("an action"),
        Target::AccountField(_) if model.account.contains(new) => taken("an account field"),
        Target::EventField { event, .. }
            if model
                .events
                .get(event)
                .is_some_and(|e| e.fields.contains(new)) =>
        {
            Some(format!("the event `{event}` already has a field `{new}`"))
        }
        Target::ActionField { action, .. }
            if model
                .actions
                .get(action)
                .is_some_and(|a| a.fields.contains(new)) =>
        {
            Some(format!("the action `{action}` already has a field `{new}`"))
        }
        Target::Variant { set, .. } if set.iter().any(|v| v == new) => Some(format!(
            "`{}` already has a variant `{new}`",
            set.join(" | ")
        )),
        Target::Queue(_) if doc.index.of(&Target::Queue(new.into())).next().is_some() => {
            taken("a queue")
        }
        Target::Outcome(_) if doc.index.of(&Target::Outcome(new.into())).next().is_some() => {
            taken("a outcome")
        }
        Target::Team(_) if doc.index.of(&Target::Team(new.into())).next().is_some() => {
            taken("a team")
        }
        _ => None,
    }
}
