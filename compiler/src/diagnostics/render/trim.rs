//! Source excerpts cut to the report's width. A line of an excerpt wider
//! than the columns left after the gutter is shown as a window around the
//! labels on it, with an ellipsis where text is left out, the way rustc
//! does: the caret stays under the column it marks because the labels are
//! moved into the window, and the location line still names the column in
//! the file.

use super::clamp;
use crate::diagnostics::{Diagnostic, LineIndex};
use std::ops::Range;
use unicode_width::UnicodeWidthChar;

/// miette's tab stops.
const TAB_WIDTH: usize = 4;
/// Narrower than this, a window shows too little of a line to be read:
/// keep at least this many columns of text whatever the width.
const MIN_TEXT_COLUMNS: usize = 20;

/// The lines an excerpt shows (the labels' lines and one line of context
/// either side, as miette shows them), each cut to the width.
pub(super) struct Trimmed {
    /// The rows, joined with `\n`: what miette reads instead of the file.
    pub text: String,
    /// The file's line (from 0) of the first row.
    pub top: usize,
    rows: Vec<Row>,
}

struct Row {
    /// Where the line starts in the file, and its length without the line
    /// break.
    start: usize,
    len: usize,
    /// The part of the line kept, as offsets into the file.
    keep: Range<usize>,
    /// Where the row starts in `Trimmed::text`.
    at: usize,
    /// Bytes of the ellipsis before the kept part (0 when none).
    lead: usize,
    /// Bytes of the row in `Trimmed::text`, without the line break.
    row_len: usize,
}

impl Trimmed {
    /// The excerpt of `diagnostic` with its long lines cut to `width`
    /// columns; `None` when every line fits (or nothing can be shown).
    pub fn new(
        text: &str,
        lines: &LineIndex,
        diagnostic: &Diagnostic,
        width: usize,
        unicode: bool,
    ) -> Option<Trimmed> {
        let labels: Vec<(Range<usize>, usize)> = std::iter::once(&diagnostic.primary)
            .chain(&diagnostic.secondary)
            .map(|l| (clamp(text, l.span), columns(&l.message)))
            .collect();
        let spans: Vec<Range<usize>> = labels.iter().map(|(s, _)| s.clone()).collect();
        let first = spans.iter().map(|s| lines.line(s.start)).min()?;
        let last = spans
            .iter()
            .map(|s| lines.line(s.end.saturating_sub(1).max(s.start)))
            .max()?;
        let top = first.saturating_sub(1);
        let bottom = (last + 1).min(lines.line_count().saturating_sub(1));
        // The gutter: ` N | `, and two columns per label that spans lines.
        let digits = (bottom + 1).to_string().len();
        let multi = spans
            .iter()
            .filter(|s| lines.line(s.start) != lines.line(s.end.max(s.start)))
            .count();
        let gutter = digits + 4 + if multi > 0 { multi * 2 + 1 } else { 0 };
        let room = width.saturating_sub(gutter).max(MIN_TEXT_COLUMNS);
        let bounds = |line: usize| {
            let start = lines.line_start(line);
            let end = if line + 1 < lines.line_count() {
                lines.line_start(line + 1)
            } else {
                text.len()
            };
            let content = text[start..end].trim_end_matches('\n');
            let content = content.trim_end_matches('\r');
            (start, content.len())
        };
        if (top..=bottom).all(|line| {
            let (start, len) = bounds(line);
            columns(&text[start..start + len]) <= room
        }) {
            return None;
        }
        let ellipsis = if unicode { "…" } else { "..." };
        let mut out = Trimmed {
            text: String::new(),
            top,
            rows: Vec::new(),
        };
        // The first column each labelled row's window shows; a row
        // without a label that is too wide is cut at the column of the
        // nearest labelled row, so that the lines of one excerpt stay
        // aligned as in the file.
        let e = columns(ellipsis);
        let mut windows: Vec<(usize, Option<Range<usize>>)> = Vec::new();
        for line in top..=bottom {
            let (start, len) = bounds(line);
            let content = &text[start..start + len];
            let cut = match focus(&labels, start, start + len) {
                Some((focus, label)) if columns(content) > room => {
                    Some(window(content, focus, room, e, label))
                }
                _ => None,
            };
            windows.push((line, cut));
        }
        let labelled_columns: Vec<(usize, usize)> = windows
            .iter()
            .filter_map(|(line, cut)| {
                let cut = cut.as_ref()?;
                let (start, _) = bounds(*line);
                Some((*line, columns(&text[start..start + cut.start])))
            })
            .collect();
        for (line, cut) in windows {
            let (start, len) = bounds(line);
            let content = &text[start..start + len];
            let keep = match cut {
                Some(w) => start + w.start..start + w.end,
                None if columns(content) <= room => start..start + len,
                None => {
                    let from = labelled_columns
                        .iter()
                        .min_by_key(|(l, _)| l.abs_diff(line))
                        .map_or(0, |(_, c)| *c);
                    let w = from_column(content, from, room, e);
                    start + w.start..start + w.end
                }
            };
            let at = out.text.len();
            let lead = if keep.start > start {
                ellipsis.len()
            } else {
                0
            };
            if lead > 0 {
                out.text.push_str(ellipsis);
            }
            out.text.push_str(&text[keep.clone()]);
            if keep.end < start + len {
                out.text.push_str(ellipsis);
            }
            let row_len = out.text.len() - at;
            out.text.push('\n');
            out.rows.push(Row {
                start,
                len,
                keep,
                at,
                lead,
                row_len,
            });
        }
        Some(out)
    }

    /// Where an offset of the file falls in the excerpt: text left out
    /// before the window falls on the leading ellipsis, text after it on
    /// the end of the row, so a label cut by the window still underlines
    /// the ellipsis that stands for its hidden part.
    pub fn map(&self, offset: usize) -> usize {
        let i = self.rows.partition_point(|r| r.start <= offset);
        let Some(row) = i.checked_sub(1).and_then(|i| self.rows.get(i)) else {
            return 0;
        };
        if offset > row.start + row.len {
            // On the line break, or past the last row.
            return if i == self.rows.len() {
                self.text.len()
            } else {
                row.at + row.row_len
            };
        }
        if offset < row.keep.start {
            row.at
        } else if offset > row.keep.end || offset == row.start + row.len {
            row.at + row.row_len
        } else {
            row.at + row.lead + (offset - row.keep.start)
        }
    }

    /// The file's byte column of an offset of the excerpt.
    pub fn column(&self, offset: usize) -> usize {
        let i = self.rows.partition_point(|r| r.at <= offset);
        let Some(row) = i.checked_sub(1).and_then(|i| self.rows.get(i)) else {
            return 0;
        };
        let inside = offset - row.at;
        if inside < row.lead {
            row.keep.start - row.start
        } else {
            (row.keep.start - row.start + inside - row.lead).min(row.len)
        }
    }
}

/// The display columns of `text`, as miette draws it.
fn columns(text: &str) -> usize {
    text.chars().map(char_columns).sum()
}

fn char_columns(c: char) -> usize {
    if c == '\t' {
        TAB_WIDTH
    } else {
        c.width().unwrap_or(0)
    }
}

/// The part of the line `line_start..line_end` the labels point at, as
/// offsets into the line: from the first label that starts or ends on it
/// to the last (`None` when none does). With it, the columns of the widest
/// of those labels' messages.
fn focus(
    labels: &[(Range<usize>, usize)],
    line_start: usize,
    line_end: usize,
) -> Option<(Range<usize>, usize)> {
    let mut from = usize::MAX;
    let mut to = 0;
    let mut label = 0;
    for (s, message) in labels {
        let starts = (line_start..=line_end).contains(&s.start);
        let ends = s.end > line_start && s.end <= line_end;
        if starts || ends {
            label = label.max(*message);
        }
        if starts {
            from = from.min(s.start - line_start);
            to = to.max(s.end.min(line_end) - line_start);
        } else if ends {
            from = from.min((s.end - line_start).saturating_sub(1));
            to = to.max(s.end - line_start);
        }
    }
    (from != usize::MAX).then(|| (from..to.max(from), label))
}

/// The byte range of `line` to keep so that it, with an ellipsis at each
/// cut end, fits in `room` columns and shows `focus`: the focus with some
/// text before it (a third of what is left, and no more than leaves room
/// for a message of `label` columns drawn from the middle of the focus),
/// or from the focus's start when it is wider than the room.
fn window(
    line: &str,
    focus: Range<usize>,
    room: usize,
    ellipsis: usize,
    label: usize,
) -> Range<usize> {
    let cols: Vec<(usize, usize)> = line
        .char_indices()
        .map(|(i, c)| (i, char_columns(c)))
        .collect();
    // Column at each byte offset of a char start.
    let col_at = |byte: usize| -> usize {
        cols.iter()
            .take_while(|(i, _)| *i < byte)
            .map(|(_, w)| w)
            .sum()
    };
    let total = columns(line);
    let focus_from = col_at(focus.start);
    let focus_to = col_at(focus.end);
    let inner = room.saturating_sub(2 * ellipsis).max(1);
    let focus_width = focus_to - focus_from;
    // miette draws a message as `` `-- message`` from the focus's middle.
    let before_at_most = if label == 0 {
        usize::MAX
    } else {
        room.saturating_sub(ellipsis + focus_width / 2 + 4 + label)
    };
    let mut start = if focus_width >= inner {
        focus_from
    } else {
        focus_from.saturating_sub(((inner - focus_width) / 3).max(1).min(before_at_most))
    };
    // Flush with the line's start: no leading ellipsis, one more column.
    if start <= ellipsis {
        start = 0;
    }
    let mut width = if start == 0 {
        room.saturating_sub(ellipsis)
    } else {
        inner
    };
    // The rest of the line fits: no trailing ellipsis, and the window
    // reaches back as far as the room allows.
    if total - start <= width + ellipsis {
        width = total - start;
        let reach = room.saturating_sub(ellipsis).saturating_sub(width);
        start = start
            .saturating_sub(reach)
            .max(focus_from.saturating_sub(before_at_most))
            .min(focus_from);
        if start <= ellipsis {
            start = 0;
        }
        width = total - start;
    }
    bytes(&cols, line.len(), start, width)
}

/// The byte range of `line` to keep from the column `from` so that it,
/// with its ellipses, fits in `room` columns.
fn from_column(line: &str, from: usize, room: usize, ellipsis: usize) -> Range<usize> {
    let cols: Vec<(usize, usize)> = line
        .char_indices()
        .map(|(i, c)| (i, char_columns(c)))
        .collect();
    let total = columns(line);
    let start = if from <= ellipsis { 0 } else { from.min(total) };
    let lead = if start > 0 { ellipsis } else { 0 };
    let avail = room.saturating_sub(lead);
    let width = if total - start <= avail {
        total - start
    } else {
        avail.saturating_sub(ellipsis)
    };
    bytes(&cols, line.len(), start, width)
}

/// Columns `start..start + width` of a line as a byte range, on character
/// boundaries; `cols` holds each character's offset and columns.
fn bytes(cols: &[(usize, usize)], line_len: usize, start: usize, width: usize) -> Range<usize> {
    let mut col = 0;
    let mut from = line_len;
    let mut to = line_len;
    for &(i, w) in cols {
        if col >= start && from == line_len {
            from = i;
        }
        if col + w > start + width {
            to = i;
            break;
        }
        col += w;
    }
    from.min(to)..to
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_keeps_the_focus_and_fits_the_room() {
        let line = "a".repeat(50) + "TARGET" + &"b".repeat(50);
        let at = line.find("TARGET").unwrap();
        let w = window(&line, at..at + 6, 30, 3, 0);
        assert!(w.contains(&at) && w.end >= at + 6, "{w:?}");
        // Two ellipses of 3 columns each, and the text between them.
        assert!(w.end - w.start + 6 <= 30, "{w:?}");
        // Near the start: no leading cut, and more of the line shown.
        let w = window(&line, 2..3, 30, 3, 0);
        assert_eq!(w.start, 0);
        assert_eq!(w.end, 27);
        // Near the end: no trailing cut.
        let end = line.len();
        let w = window(&line, end - 1..end, 30, 3, 0);
        assert_eq!(w.end, end);
        assert_eq!(w.end - w.start, 27);
    }

    #[test]
    fn a_message_drawn_from_the_focus_keeps_the_window_from_reaching_back() {
        let line = "a".repeat(100) + "END";
        let end = line.len();
        // Without a message the window shows as much as fits...
        let w = window(&line, end - 3..end, 30, 3, 0);
        assert_eq!(w.end - w.start, 27);
        // ...with one, the focus stays far enough left for it.
        let w = window(&line, end - 3..end, 30, 3, 12);
        assert_eq!(w.end, end);
        assert!(3 + (end - 3 - w.start) + 1 + 4 + 12 <= 30, "{w:?}");
    }

    #[test]
    fn a_focus_wider_than_the_room_starts_at_its_start() {
        let line = "x".repeat(10) + &"y".repeat(100);
        let w = window(&line, 10..110, 30, 1, 0);
        assert_eq!(w.start, 10);
        assert_eq!(w.end - w.start, 28);
    }

    #[test]
    fn windows_cut_on_character_boundaries() {
        let line = "é".repeat(60) + "X" + &"ü".repeat(60);
        let at = line.find('X').unwrap();
        let w = window(&line, at..at + 1, 25, 1, 0);
        assert!(line.is_char_boundary(w.start) && line.is_char_boundary(w.end));
        assert!(w.contains(&at));
    }
}
