//! The line writer under the formatter: indentation, blank lines, width,
//! wrapping of long conditions, and the placement of comments.
//!
//! Comments are placed by position. The printer walks the tree in source
//! order and keeps `last_pos`, the source offset of what it has printed so
//! far. Before each line item (declaration, step, field, rule, arm) every
//! comment that starts before the item is written on its own line; a
//! comment on the same source line as `last_pos` stays at the end of the
//! output line instead. A comment the printer could not place inside an
//! item (one written in the middle of an expression) is moved above that
//! item, never dropped.

use super::expr::Spelling;
use crate::syntax::ast::{BinaryOp, Comment, Expr, ExprKind, Span};
use crate::syntax::precedence;

/// Lines longer than this are wrapped where the language allows it.
pub const WIDTH: usize = 100;
const INDENT: &str = "  ";
/// Continuation lines of a wrapped condition sit two steps deeper than the
/// line they continue, so they don't read as the body of a block.
const CONTINUATION: usize = 4;

pub struct Printer<'a> {
    pub src: &'a str,
    pub spell: Spelling<'a>,
    comments: Vec<&'a Comment>,
    next: usize,
    pub lines: Vec<String>,
    pub indent: usize,
    pub last_pos: usize,
}

impl<'a> Printer<'a> {
    pub fn new(src: &'a str, comments: &'a [Comment]) -> Self {
        let mut sorted: Vec<&Comment> = comments.iter().collect();
        sorted.sort_by_key(|c| (c.span.start, c.span.end));
        Printer {
            src,
            spell: Spelling { src },
            comments: sorted,
            next: 0,
            lines: Vec::new(),
            indent: 0,
            last_pos: 0,
        }
    }

    /// The formatted file, and how many comments it holds.
    pub fn finish_file(mut self) -> (String, usize) {
        self.leading_comments(usize::MAX);
        while self.lines.last().is_some_and(|l| l.is_empty()) {
            self.lines.pop();
        }
        let mut out = self.lines.join("\n");
        out.push('\n');
        (out, self.next)
    }

    pub fn push(&mut self, text: impl AsRef<str>) {
        let mut line = INDENT.repeat(self.indent);
        line.push_str(text.as_ref());
        self.lines.push(line);
    }

    /// One blank line, never at the top of the file, never twice, never
    /// right after an opening brace.
    pub fn blank(&mut self) {
        match self.lines.last() {
            Some(last) if !last.is_empty() && !last.ends_with('{') => {
                self.lines.push(String::new())
            }
            _ => {}
        }
    }

    /// A blank line if the author left one between what was printed last
    /// and `upto`: runs of blank lines collapse to one.
    pub fn blank_if_source(&mut self, upto: usize) {
        let gap = self.src.get(self.last_pos.min(upto)..upto).unwrap_or("");
        let mut segments = gap.split('\n');
        segments.next();
        let mut interior: Vec<&str> = segments.collect();
        interior.pop();
        if interior.iter().any(|line| line.trim().is_empty()) {
            self.blank();
        }
    }

    /// Records that the source up to `pos` has been printed.
    pub fn at(&mut self, pos: usize) {
        let pos = self.code_end(pos);
        self.last_pos = self.last_pos.max(pos);
    }

    /// Where the code before `pos` ends, back past blanks and comments: a
    /// parser may count the trivia after a node into its span, and a comment
    /// after the last token belongs after the node, not inside it.
    pub fn code_end(&self, pos: usize) -> usize {
        let bytes = self.src.as_bytes();
        let mut end = pos.min(bytes.len());
        loop {
            while end > 0 && bytes.get(end - 1).is_some_and(|b| b.is_ascii_whitespace()) {
                end -= 1;
            }
            // A comment that reaches `end` (its own trailing blanks
            // included) is trivia too. A comment runs to the end of its
            // line, so only the last one starting before `end` can reach
            // it: a binary search in the sorted comments, not a scan of
            // them all, keeps formatting linear in the file.
            let before = self
                .comments
                .partition_point(|c| (c.span.start as usize) < end);
            match before
                .checked_sub(1)
                .and_then(|i| self.comments.get(i))
                .filter(|c| {
                    end <= (c.span.end as usize).max(end_of_line(self.src, c.span.end as usize))
                }) {
                Some(c) => end = c.span.start as usize,
                None => return end,
            }
        }
    }

    pub fn fits(&self, text: &str) -> bool {
        !text.contains('\n') && self.indent * INDENT.len() + text.chars().count() <= WIDTH
    }

    /// Whether a comment starts inside `from..to` (used to keep lists that
    /// hold comments one item per line, so the comments keep their place).
    pub fn has_comment_in(&self, from: usize, to: usize) -> bool {
        let to = self.code_end(to);
        self.comments[self.next..]
            .iter()
            .any(|c| (c.span.start as usize) >= from && (c.span.start as usize) < to)
    }

    fn comment_text(c: &Comment) -> String {
        let marker = if c.doc { "##" } else { "#" };
        format!("{marker}{}", c.text.trim_end())
    }

    /// Whether a comment at `to` ends the output line that holds the code
    /// up to `from`: it is on the same source line, and no block closes in
    /// between (`{ set x = 1 }  # note` belongs to the `}`, not to `set`).
    fn same_line(&self, from: usize, to: usize) -> bool {
        from <= to
            && self
                .src
                .get(from..to)
                .is_some_and(|between| !between.contains(['\n', '}']))
    }

    fn can_trail(&self) -> bool {
        self.lines.last().is_some_and(|l| !l.trim().is_empty())
    }

    /// Writes every comment that starts before `pos`.
    pub fn leading_comments(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next).copied() {
            let start = c.span.start as usize;
            if start >= pos {
                break;
            }
            if self.can_trail() && self.same_line(self.last_pos, start) {
                self.append_comment(c);
            } else {
                self.blank_if_source(start);
                self.push(Self::comment_text(c));
            }
            self.last_pos = self.last_pos.max(c.span.end as usize);
            self.next += 1;
        }
    }

    fn append_comment(&mut self, c: &Comment) {
        let text = Self::comment_text(c);
        if let Some(last) = self.lines.last_mut() {
            last.push_str("  ");
            last.push_str(&text);
        }
    }

    /// The comment written after the end of what was printed last, on the
    /// same line, stays at the end of the output line.
    pub fn trailing_comment(&mut self) {
        if let Some(c) = self.comments.get(self.next).copied() {
            let start = c.span.start as usize;
            if self.can_trail() && self.same_line(self.last_pos, start) {
                self.append_comment(c);
                self.last_pos = self.last_pos.max(c.span.end as usize);
                self.next += 1;
            }
        }
    }

    /// Where the code of an item starts, past any comments its span may
    /// include (a parser may count the `##` lines into a declaration).
    fn code_start(&self, pos: usize) -> usize {
        let bytes = self.src.as_bytes();
        let mut i = pos;
        while let Some(&b) = bytes.get(i) {
            if b.is_ascii_whitespace() {
                i += 1;
            } else if b == b'#' {
                while bytes.get(i).is_some_and(|&b| b != b'\n') {
                    i += 1;
                }
            } else {
                break;
            }
        }
        i
    }

    /// Starts a line item: its comments, the author's blank line. Returns
    /// the mark where the item's own lines begin.
    pub fn begin(&mut self, span: Span) -> usize {
        let start = self.code_start(span.start as usize);
        self.leading_comments(start);
        self.blank_if_source(start);
        self.last_pos = self.last_pos.max(start);
        self.lines.len()
    }

    /// Ends a line item: comments left inside it move above it, the comment
    /// after it on its line stays there.
    pub fn end(&mut self, span: Span, mark: usize) {
        let end = self.code_end(span.end as usize);
        let mut inside = Vec::new();
        while let Some(c) = self.comments.get(self.next).copied() {
            if (c.span.start as usize) >= end {
                break;
            }
            let mut line = INDENT.repeat(self.indent);
            line.push_str(&Self::comment_text(c));
            inside.push(line);
            self.next += 1;
        }
        // An item's `##` lines must stay right above it to document it, so
        // the comments moved out of a documented item go below it, the
        // comment at the end of its line after them (keeping the order of
        // comments). A moved `##` line gets a blank line after it so that
        // it documents nothing, as it did not in the source.
        let documented = mark > 0
            && self
                .lines
                .get(mark - 1)
                .is_some_and(|l| l.trim_start().starts_with("##"));
        if inside.iter().any(|l| l.trim_start().starts_with("##")) {
            inside.push(String::new());
        }
        self.last_pos = self.last_pos.max(end);
        if documented && !inside.is_empty() {
            if let Some(c) = self.comments.get(self.next).copied() {
                if self.same_line(self.last_pos, c.span.start as usize) {
                    let mut line = INDENT.repeat(self.indent);
                    line.push_str(&Self::comment_text(c));
                    let at =
                        inside.len() - usize::from(inside.last().is_some_and(String::is_empty));
                    inside.insert(at, line);
                    self.last_pos = self.last_pos.max(c.span.end as usize);
                    self.next += 1;
                }
            }
            self.lines.extend(inside);
            return;
        }
        let at = mark.min(self.lines.len());
        self.lines.splice(at..at, inside);
        self.trailing_comment();
    }

    /// Writes the comments left before a closing brace at `close`, then the
    /// brace itself (or `closer`, e.g. `} else {`) one level out.
    pub fn close(&mut self, close: usize, closer: &str) {
        let close = self.code_end(close);
        self.leading_comments(close);
        self.indent = self.indent.saturating_sub(1);
        self.push(closer);
        self.last_pos = self.last_pos.max(close);
    }

    /// `prefix EXPR suffix`, wrapped at `or`/`and` when it is too wide.
    pub fn condition(&mut self, prefix: &str, e: &Expr, suffix: &str) {
        for line in self.wrapped(e, prefix.to_string(), suffix, CONTINUATION) {
            self.push(line);
        }
    }

    fn wrapped(&self, e: &Expr, prefix: String, suffix: &str, continuation: usize) -> Vec<String> {
        let whole = format!("{prefix}{}{suffix}", self.spell.expr(e));
        if self.fits(&whole) {
            return vec![whole];
        }
        let Some((op, operands)) = chain(e) else {
            return vec![whole];
        };
        let count = operands.len();
        let mut out = Vec::new();
        for (i, (operand, parenthesised)) in operands.into_iter().enumerate() {
            let head = if i == 0 {
                prefix.clone()
            } else {
                format!("{}{} ", " ".repeat(continuation), op.symbol())
            };
            let tail = if i + 1 == count { suffix } else { "" };
            if parenthesised {
                out.push(format!("{head}({}){tail}", self.spell.expr(operand)));
            } else {
                out.extend(self.wrapped(operand, head, tail, continuation + 2));
            }
        }
        out
    }
}

/// The operands of a run of the same `and`/`or`, with whether each needs
/// parentheses to keep the tree (`a or (b or c)` keeps its grouping).
fn chain(e: &Expr) -> Option<(BinaryOp, Vec<(&Expr, bool)>)> {
    // What the writer put in parentheses is kept whole, on one line.
    let ExprKind::Binary { op, .. } = &e.kind else {
        return None;
    };
    if e.parens > 0 {
        return None;
    }
    let op = *op;
    if op != BinaryOp::And && op != BinaryOp::Or {
        return None;
    }
    let p = precedence::binary(op).power;
    let mut rights = Vec::new();
    let mut cursor = e;
    loop {
        match &cursor.kind {
            ExprKind::Binary { op: o, lhs, rhs } if *o == op && cursor.parens == 0 => {
                rights.push((rhs.as_ref(), precedence::of(rhs) <= p));
                cursor = lhs;
            }
            _ => break,
        }
    }
    let mut operands = vec![(cursor, precedence::of(cursor) < p)];
    operands.extend(rights.into_iter().rev());
    Some((op, operands))
}

/// The offset of the line break (or the end of the text) at or after `pos`.
fn end_of_line(src: &str, pos: usize) -> usize {
    src.get(pos..)
        .and_then(|rest| rest.find('\n'))
        .map_or(src.len(), |i| pos + i)
}
