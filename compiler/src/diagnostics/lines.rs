//! Line and column only at the edge: byte offsets inside,
//! 1-based line/character columns for people and JSON, UTF-16 for LSP.

#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// 0-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(0)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and 1-based column counted in characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = clamp_to_char(text, offset);
        let line = self.line(offset);
        let start = self.line_start(line);
        let col = text[start..offset].chars().count();
        (line + 1, col + 1)
    }

    /// 0-based line and UTF-16 column, as LSP counts by default.
    pub fn line_utf16(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = clamp_to_char(text, offset);
        let line = self.line(offset);
        let start = self.line_start(line);
        let col = text[start..offset].chars().map(char::len_utf16).sum();
        (line, col)
    }

    /// The byte offset of a 0-based line and UTF-16 column, clamped to the
    /// line's end so that a stale position from an editor never panics.
    pub fn offset_utf16(&self, text: &str, line: usize, col: usize) -> usize {
        if line >= self.starts.len() {
            return text.len();
        }
        let start = self.starts[line];
        let end = self
            .starts
            .get(line + 1)
            .map(|e| e.saturating_sub(1))
            .unwrap_or(text.len());
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            if units >= col {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

fn clamp_to_char(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_utf16_units() {
        let text = "ab\nñ😀x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(idx.line_col(text, x), (2, 3));
        assert_eq!(idx.line_utf16(text, x), (1, 3));
        assert_eq!(idx.offset_utf16(text, 1, 3), x);
        assert_eq!(idx.offset_utf16(text, 9, 0), text.len());
    }
}
