//! The lexer: the text of a flow (or of a template file) as tokens, trivia
//! included. pest reads the grammar itself; everything that must look at
//! the text without a parse tree (the pre-pass in `scan.rs`, template files,
//! completion, semantic tokens) reads it through this one lexer, so they
//! agree on what a word, a number, a comment or a string is.
//!
//! Strings nest: `"Dear {account.name}"` is a quote, text, a placeholder
//! holding code, more text and a closing quote. The lexer keeps a stack of
//! the strings and placeholders it is in. Every token lies on one line, and
//! the tokens cover the text without gaps or overlaps. It never fails: a
//! character that starts nothing is a one-character [`TokenKind::Punct`].

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Spaces, tabs, carriage returns and byte-order marks.
    Blank,
    Newline,
    /// `# ...` up to the end of the line, the line break excluded.
    Comment,
    /// `## ...`: documentation of the item below.
    DocComment,
    /// A run of letters, digits and `_` starting with a letter or `_`: a
    /// name, a keyword (`keywords::lookup`), a currency code or a unit.
    Word,
    /// A number, a percentage, a date (`2026-03-31`) or a time (`09:00`).
    /// A money amount or a duration is a number and a word: `120 USD`,
    /// `3 days`.
    Number,
    /// An operator (`->`, `==`, `<=`, `+`, ...), a bracket or any other
    /// character of code.
    Punct,
    /// The `"` that opens a string.
    Quote,
    /// The `"` that closes it.
    CloseQuote,
    /// Literal text of a string or of a template file.
    Text,
    /// `\"`, `\\`, ...: a backslash and the character it escapes.
    Escape,
    /// `{{` or `}}`: a literal brace in text.
    BraceEscape,
    /// The `{` that opens a placeholder in text.
    PlaceholderOpen,
    /// The `}` that closes it.
    PlaceholderClose,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text<'t>(&self, source: &'t str) -> &'t str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    /// Inside `"..."`.
    Quoted,
    /// A template file: text up to the end, with no quotes and no escapes.
    Template,
    /// Inside `{...}` in text, with the number of `{` opened in it.
    Placeholder(u32),
}

pub(crate) struct Lexer<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    frames: Vec<Frame>,
}

impl<'t> Lexer<'t> {
    /// Lexes the code of a flow file.
    pub fn new(text: &'t str) -> Self {
        Lexer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            frames: Vec::new(),
        }
    }

    /// Lexes a template file: text with `{placeholders}` and `{{`/`}}`
    /// for literal braces, but no quotes and no escapes, so that a letter
    /// is written as it will be printed.
    pub fn template(text: &'t str) -> Self {
        let mut lexer = Lexer::new(text);
        lexer.frames.push(Frame::Template);
        lexer
    }

    /// Whether the next token is read as literal text (inside quotes or in
    /// a template file, outside placeholders).
    pub fn in_text(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Quoted | Frame::Template))
    }

    /// Whether the next token is inside a string or a placeholder.
    pub fn in_string(&self) -> bool {
        self.frames.contains(&Frame::Quoted)
    }

    /// How many strings and placeholders the next token is inside.
    pub fn string_depth(&self) -> usize {
        self.frames
            .iter()
            .filter(|f| !matches!(f, Frame::Template))
            .count()
    }

    /// Forgets every string and placeholder left open and reads on as code:
    /// for a caller that decides a string's closing quote was forgotten.
    pub fn reset_to_code(&mut self) {
        self.frames.retain(|f| *f == Frame::Template);
    }

    /// In code, moves past the words, numbers, operators and blanks up to
    /// the next byte that can begin a line break, a comment, a quote or a
    /// bracket. The pre-pass reads only those after a line's first token,
    /// and lexing every word between them was most of its cost. Text (in
    /// quotes or a template file) is read token by token as ever.
    pub fn skip_to_structure(&mut self) {
        if self.in_text() || self.pos >= self.bytes.len() {
            return;
        }
        self.pos += self.run(self.pos, |c| {
            !matches!(
                c,
                b'\n' | b'#' | b'"' | b'{' | b'}' | b'(' | b')' | b'[' | b']'
            )
        });
    }

    fn token(&mut self, kind: TokenKind, len: usize) -> Token {
        let start = self.pos;
        self.pos = (start + len.max(1)).min(self.bytes.len());
        Token {
            kind,
            start,
            end: self.pos,
        }
    }

    /// The length of the run of bytes from `pos` that satisfy `keep`.
    fn run(&self, from: usize, keep: impl Fn(u8) -> bool) -> usize {
        self.bytes[from..]
            .iter()
            .position(|&b| !keep(b))
            .unwrap_or(self.bytes.len() - from)
    }

    fn char_len(&self) -> usize {
        self.text[self.pos..]
            .chars()
            .next()
            .map_or(1, char::len_utf8)
    }

    fn text_token(&mut self, quoted: bool) -> Token {
        let b = self.bytes[self.pos];
        let next = self.bytes.get(self.pos + 1).copied();
        match b {
            b'\n' => self.token(TokenKind::Newline, 1),
            b'"' if quoted => {
                self.frames.pop();
                self.token(TokenKind::CloseQuote, 1)
            }
            b'\\' if quoted => {
                let escaped = self.text[self.pos + 1..]
                    .chars()
                    .next()
                    .filter(|c| *c != '\n')
                    .map_or(0, char::len_utf8);
                self.token(TokenKind::Escape, 1 + escaped)
            }
            b'{' | b'}' if next == Some(b) => self.token(TokenKind::BraceEscape, 2),
            b'{' => {
                self.frames.push(Frame::Placeholder(0));
                self.token(TokenKind::PlaceholderOpen, 1)
            }
            _ => {
                // Up to the next byte that means something; a lone `}` is
                // text.
                let len = 1 + self.run(self.pos + 1, |c| {
                    !(matches!(c, b'\n' | b'{' | b'}') || quoted && matches!(c, b'"' | b'\\'))
                });
                self.token(TokenKind::Text, len)
            }
        }
    }

    fn code_token(&mut self) -> Token {
        let b = self.bytes[self.pos];
        match b {
            b'\n' => self.token(TokenKind::Newline, 1),
            b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c' => {
                let len = self.run(self.pos, |c| {
                    matches!(c, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
                });
                self.token(TokenKind::Blank, len)
            }
            b'#' => {
                let kind = if self.bytes.get(self.pos + 1) == Some(&b'#') {
                    TokenKind::DocComment
                } else {
                    TokenKind::Comment
                };
                let len = self.run(self.pos, |c| c != b'\n');
                self.token(kind, len)
            }
            b'"' => {
                self.frames.push(Frame::Quoted);
                self.token(TokenKind::Quote, 1)
            }
            b'{' => {
                if let Some(Frame::Placeholder(depth)) = self.frames.last_mut() {
                    *depth += 1;
                }
                self.token(TokenKind::Punct, 1)
            }
            b'}' => match self.frames.last_mut() {
                Some(Frame::Placeholder(0)) => {
                    self.frames.pop();
                    self.token(TokenKind::PlaceholderClose, 1)
                }
                Some(Frame::Placeholder(depth)) => {
                    *depth -= 1;
                    self.token(TokenKind::Punct, 1)
                }
                _ => self.token(TokenKind::Punct, 1),
            },
            b'0'..=b'9' => {
                let len = self.number_len();
                self.token(TokenKind::Number, len)
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let len = self.run(self.pos, |c| c.is_ascii_alphanumeric() || c == b'_');
                self.token(TokenKind::Word, len)
            }
            _ => {
                let two = self.text.get(self.pos..self.pos + 2).unwrap_or("");
                let len = if matches!(two, "->" | "==" | "!=" | "<=" | ">=") {
                    2
                } else if b == 0xEF && self.text[self.pos..].starts_with('\u{FEFF}') {
                    return self.token(TokenKind::Blank, 3);
                } else {
                    self.char_len()
                };
                self.token(TokenKind::Punct, len)
            }
        }
    }

    /// `12`, `1_000.50`, `15%`, `2026-03-31`, `09:00`.
    fn number_len(&self) -> usize {
        let digits = |from: usize| self.run(from, |c| c.is_ascii_digit() || c == b'_');
        let at = |i: usize| self.bytes.get(i).copied();
        let is_digit = |i: usize| at(i).is_some_and(|c| c.is_ascii_digit());
        let mut end = self.pos + digits(self.pos);
        match at(end) {
            Some(b'-') if end - self.pos == 4 && is_digit(end + 1) => {
                // A date: two more groups of digits.
                end += 1 + digits(end + 1);
                if at(end) == Some(b'-') && is_digit(end + 1) {
                    end += 1 + digits(end + 1);
                }
            }
            Some(b':') if is_digit(end + 1) => end += 1 + digits(end + 1),
            Some(b'.') if is_digit(end + 1) => end += 1 + digits(end + 1),
            _ => {}
        }
        if at(end) == Some(b'%') {
            end += 1;
        }
        end - self.pos
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        Some(match self.frames.last() {
            Some(Frame::Quoted) => self.text_token(true),
            Some(Frame::Template) => self.text_token(false),
            Some(Frame::Placeholder(_)) | None => self.code_token(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        Lexer::new(text).map(|t| (t.kind, t.text(text))).collect()
    }

    #[test]
    fn code_is_words_numbers_operators_and_trivia() {
        assert_eq!(
            kinds("if account.balance >= 1_000.50 USD # big\n"),
            vec![
                (Word, "if"),
                (Blank, " "),
                (Word, "account"),
                (Punct, "."),
                (Word, "balance"),
                (Blank, " "),
                (Punct, ">="),
                (Blank, " "),
                (Number, "1_000.50"),
                (Blank, " "),
                (Word, "USD"),
                (Blank, " "),
                (Comment, "# big"),
                (Newline, "\n"),
            ]
        );
        assert_eq!(
            kinds("2026-03-31 09:00 15% 5-3"),
            vec![
                (Number, "2026-03-31"),
                (Blank, " "),
                (Number, "09:00"),
                (Blank, " "),
                (Number, "15%"),
                (Blank, " "),
                (Number, "5"),
                (Punct, "-"),
                (Number, "3"),
            ]
        );
    }

    #[test]
    fn strings_hold_text_escapes_and_placeholders_with_code_and_strings() {
        let text = r#"send "Dear {account.name} \"{{x}}\" {f("}")}" ## doc"#;
        assert_eq!(
            kinds(text),
            vec![
                (Word, "send"),
                (Blank, " "),
                (Quote, "\""),
                (Text, "Dear "),
                (PlaceholderOpen, "{"),
                (Word, "account"),
                (Punct, "."),
                (Word, "name"),
                (PlaceholderClose, "}"),
                (Text, " "),
                (Escape, "\\\""),
                (BraceEscape, "{{"),
                (Text, "x"),
                (BraceEscape, "}}"),
                (Escape, "\\\""),
                (Text, " "),
                (PlaceholderOpen, "{"),
                (Word, "f"),
                (Punct, "("),
                (Quote, "\""),
                (Text, "}"),
                (CloseQuote, "\""),
                (Punct, ")"),
                (PlaceholderClose, "}"),
                (CloseQuote, "\""),
                (Blank, " "),
                (DocComment, "## doc"),
            ]
        );
    }

    #[test]
    fn a_template_file_has_no_quotes_and_no_escapes() {
        let text = "Say \"hi\" \\ {account.name}\n{{";
        let kinds: Vec<_> = Lexer::template(text)
            .map(|t| (t.kind, t.text(text)))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Text, "Say \"hi\" \\ "),
                (PlaceholderOpen, "{"),
                (Word, "account"),
                (Punct, "."),
                (Word, "name"),
                (PlaceholderClose, "}"),
                (Newline, "\n"),
                (BraceEscape, "{{"),
            ]
        );
    }

    #[test]
    fn tokens_cover_any_text_without_gaps_and_on_one_line() {
        for text in [
            "stage a {\n  send sms \"x {y\n}",
            "\u{FEFF}é \"\\",
            "\"unclosed\n\nstage b {}",
            "{{}}\"{\"{\"}\"}\"",
            "1.x 2026-1 3: ->=",
        ] {
            let mut at = 0;
            for t in Lexer::new(text).chain(Lexer::template(text)) {
                if t.start == 0 {
                    at = 0;
                }
                assert_eq!(t.start, at, "{text:?}: a gap before {t:?}");
                assert!(t.end > t.start, "{text:?}: an empty token");
                let inner = &text[t.start..t.end];
                assert!(
                    t.kind == Newline || !inner.contains('\n'),
                    "{text:?}: {t:?} spans a line break"
                );
                at = t.end;
            }
            assert_eq!(at, text.len());
        }
    }
}
