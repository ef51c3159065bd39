//! Byte offsets inside, LSP positions at the edge (DESIGN.md). A position's
//! `character` counts UTF-16 code units unless the client offered UTF-8 in
//! `general.positionEncodings`, in which case it counts bytes.

use dun_compiler::syntax::ast::Span;
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion at all), otherwise
    /// the protocol's mandatory UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// Where each line of one text starts, and how to convert between byte
/// offsets and positions in the negotiated encoding.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    encoding: Encoding,
}

impl LineIndex {
    pub fn new(text: &str, encoding: Encoding) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text));
        LineIndex { starts, encoding }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The position of a byte offset. Offsets past the end or inside a
    /// character are moved back to the nearest character boundary.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char(text, offset);
        let line = match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let slice = text.get(start..offset).unwrap_or("");
        let character = match self.encoding {
            Encoding::Utf8 => slice.len(),
            Encoding::Utf16 => slice.chars().map(char::len_utf16).sum(),
        };
        Position::new(to_u32(line), to_u32(character))
    }

    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start as usize),
            self.position(text, span.end.max(span.start) as usize),
        )
    }

    /// The byte offset of a position. An editor may send a position from a
    /// version we have not seen yet, or one inside a surrogate pair: a line
    /// past the end maps to the end of the text, a column past the end of
    /// its line to the line's end, and a column inside a character to that
    /// character's start. Never panics.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = match self.starts.get(line + 1) {
            // Exclude the `\n` (and a `\r` before it) from the line.
            Some(&next) => {
                let e = next.saturating_sub(1);
                if text.as_bytes().get(e.saturating_sub(1)) == Some(&b'\r') && e > start {
                    e - 1
                } else {
                    e
                }
            }
            None => text.len(),
        };
        let line_text = text.get(start..end).unwrap_or("");
        let wanted = position.character as usize;
        match self.encoding {
            Encoding::Utf8 => start + floor_char(line_text, wanted),
            Encoding::Utf16 => {
                let mut units = 0;
                for (i, c) in line_text.char_indices() {
                    let next = units + c.len_utf16();
                    if next > wanted {
                        return start + i;
                    }
                    units = next;
                }
                end
            }
        }
    }

    pub fn span(&self, text: &str, range: Range) -> Span {
        let a = self.offset(text, range.start);
        let b = self.offset(text, range.end);
        Span::new(a.min(b), a.max(b))
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

fn floor_char(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "ab\r\nñ😀x\nlast";

    #[test]
    fn utf16_counts_surrogate_pairs_as_two_units() {
        let idx = LineIndex::new(TEXT, Encoding::Utf16);
        let x = TEXT.find('x').unwrap();
        assert_eq!(idx.position(TEXT, x), Position::new(1, 3));
        assert_eq!(idx.offset(TEXT, Position::new(1, 3)), x);
        // Inside the surrogate pair: the emoji's start.
        assert_eq!(idx.offset(TEXT, Position::new(1, 2)), TEXT.find('😀').unwrap());
    }

    #[test]
    fn utf8_counts_bytes() {
        let idx = LineIndex::new(TEXT, Encoding::Utf8);
        let x = TEXT.find('x').unwrap();
        assert_eq!(idx.position(TEXT, x), Position::new(1, 6));
        assert_eq!(idx.offset(TEXT, Position::new(1, 6)), x);
        // Inside a character: moved back to its start.
        assert_eq!(idx.offset(TEXT, Position::new(1, 1)), TEXT.find('ñ').unwrap());
    }

    #[test]
    fn positions_past_the_end_are_clamped() {
        let idx = LineIndex::new(TEXT, Encoding::Utf16);
        assert_eq!(idx.offset(TEXT, Position::new(0, 99)), 2, "stops before \\r\\n");
        assert_eq!(idx.offset(TEXT, Position::new(99, 0)), TEXT.len());
        assert_eq!(idx.position(TEXT, 999), Position::new(2, 4));
        assert_eq!(idx.position(TEXT, TEXT.find('😀').unwrap() + 1), Position::new(1, 1));
    }

    #[test]
    fn the_client_chooses_utf8_only_by_offering_it() {
        let utf8 = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&utf8)), Encoding::Utf8);
        assert_eq!(Encoding::negotiate(Some(&[PositionEncodingKind::UTF32])), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
