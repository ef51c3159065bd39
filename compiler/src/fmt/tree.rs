//! Comparing two trees for meaning, ignoring where things were written.

use crate::syntax::ast::File;
use serde_json::Value;

/// The declarations of a file as JSON with every span removed: two files
/// with the same shape say the same thing, however they are laid out.
pub fn shape(file: &File) -> Value {
    let mut value = serde_json::to_value(&file.decls).unwrap_or(Value::Null);
    erase_spans(&mut value);
    value
}

/// Whether two files say the same thing. Compared one declaration at a
/// time: the JSON of a whole file is a hundred times its text, and the
/// formatter's memory must stay proportional to the file.
pub fn same_meaning(a: &File, b: &File) -> bool {
    a.decls.len() == b.decls.len()
        && a.decls.iter().zip(&b.decls).all(|(x, y)| {
            let shape_of = |decl| {
                let mut value = serde_json::to_value(decl).unwrap_or(Value::Null);
                erase_spans(&mut value);
                value
            };
            shape_of(x) == shape_of(y)
        })
}

/// The comments in order, as the formatter writes them (trailing spaces
/// are not kept).
pub fn comment_texts(file: &File) -> Vec<(bool, String)> {
    let mut comments: Vec<_> = file.comments.iter().collect();
    comments.sort_by_key(|c| c.span.start);
    comments
        .into_iter()
        .map(|c| (c.doc, c.text.trim_end().to_string()))
        .collect()
}

fn is_span(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.len() == 2
                && map.get("start").is_some_and(Value::is_u64)
                && map.get("end").is_some_and(Value::is_u64)
        }
        _ => false,
    }
}

fn erase_spans(value: &mut Value) {
    if is_span(value) {
        *value = Value::Null;
        return;
    }
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                erase_spans(v);
            }
        }
        Value::Array(items) => {
            for v in items {
                erase_spans(v);
            }
        }
        _ => {}
    }
}
