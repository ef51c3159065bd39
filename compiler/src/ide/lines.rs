//! Byte offsets inside, line and column at the edge. The server
//! speaks UTF-16 columns by default and UTF-8 byte columns when the client
//! offers them; both conversions clamp, so a stale position from an editor
//! never panics and never lands inside a character.

use crate::syntax::ast::Span;

/// How columns are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Bytes of UTF-8 (LSP `utf-8`).
    Utf8,
    /// UTF-16 code units (LSP `utf-16`, the protocol's default).
    Utf16,
}

/// A 0-based line and column, the column counted in the chosen [`Encoding`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

impl Position {
    pub fn new(line: u32, character: u32) -> Self {
        Position { line, character }
    }
}

/// A range of two positions, end exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

/// Where every line of one text starts.
#[derive(Clone, Debug)]
pub struct LineMap {
    starts: Vec<u32>,
    len: u32,
}

impl LineMap {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        LineMap {
            starts,
            len: text.len() as u32,
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line holding a byte offset (offsets past the end clamp).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len as usize) as u32;
        match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        }
    }

    /// Byte offset where a 0-based line starts; the text's end past the last.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line)
            .map_or(self.len as usize, |&s| s as usize)
    }

    /// Byte offset where a line's content ends, before `\n` or `\r\n`.
    pub fn line_end(&self, text: &str, line: usize) -> usize {
        let next = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |&s| s as usize - 1);
        let start = self.line_start(line).min(next);
        let end = next.min(text.len());
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') && end < text.len() {
            end - 1
        } else {
            end
        }
    }

    /// The position of a byte offset. An offset inside a character counts
    /// as the start of that character.
    pub fn position(&self, text: &str, offset: usize, encoding: Encoding) -> Position {
        let offset = floor_char(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line).min(offset);
        let slice = text.get(start..offset).unwrap_or("");
        let character = match encoding {
            Encoding::Utf8 => slice.len(),
            Encoding::Utf16 => slice.chars().map(char::len_utf16).sum(),
        };
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of a position, clamped to the line's end (and to the
    /// text's end past the last line); a column inside a character rounds
    /// down to the character's start.
    pub fn offset(&self, text: &str, position: Position, encoding: Encoding) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let start = self.line_start(line);
        let end = self.line_end(text, line);
        let want = position.character as usize;
        let Some(slice) = text.get(start..end) else {
            return floor_char(text, start);
        };
        match encoding {
            Encoding::Utf8 => floor_char(text, start + want.min(slice.len())),
            Encoding::Utf16 => {
                let mut units = 0;
                for (i, c) in slice.char_indices() {
                    let next = units + c.len_utf16();
                    if next > want {
                        return start + i;
                    }
                    units = next;
                }
                end
            }
        }
    }

    pub fn range(&self, text: &str, span: Span, encoding: Encoding) -> Range {
        Range {
            start: self.position(text, span.start as usize, encoding),
            end: self.position(text, span.end as usize, encoding),
        }
    }

    pub fn span(&self, text: &str, range: Range, encoding: Encoding) -> Span {
        let a = self.offset(text, range.start, encoding);
        let b = self.offset(text, range.end, encoding);
        Span::new(a.min(b), a.max(b))
    }
}

/// The largest character boundary at or before `offset`.
pub(crate) fn floor_char(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_columns_round_trip_over_multibyte_text() {
        let text = "ab\nñ😀x\r\nlast";
        let map = LineMap::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(map.position(text, x, Encoding::Utf16), Position::new(1, 3));
        assert_eq!(map.position(text, x, Encoding::Utf8), Position::new(1, 6));
        assert_eq!(map.offset(text, Position::new(1, 3), Encoding::Utf16), x);
        assert_eq!(map.offset(text, Position::new(1, 6), Encoding::Utf8), x);
        // Inside the emoji: rounds down to its start.
        let emoji = text.find('😀').unwrap();
        assert_eq!(
            map.offset(text, Position::new(1, 2), Encoding::Utf16),
            emoji
        );
        assert_eq!(map.offset(text, Position::new(1, 4), Encoding::Utf8), emoji);
        assert_eq!(
            map.position(text, emoji + 2, Encoding::Utf16),
            Position::new(1, 1)
        );
        // Past the line's end: before `\r\n`; past the last line: the end.
        assert_eq!(
            map.offset(text, Position::new(1, 99), Encoding::Utf16),
            x + 1
        );
        assert_eq!(
            map.offset(text, Position::new(9, 0), Encoding::Utf16),
            text.len()
        );
        assert_eq!(
            map.position(text, text.len() + 5, Encoding::Utf16),
            Position::new(2, 4)
        );
    }
}
