//! Context-aware completion. The context is read from the text itself, not
//! from the syntax tree: while the user types, the declaration around the
//! cursor is usually broken and left out of the tree, but its words are
//! there. A small lexer walks the text up to the cursor, keeping the stack
//! of open blocks (stage, handler, account, policy, test, ...) and the words
//! of the current line; what may come next is decided from those, and the
//! candidates (stages, fields, templates, variants) come from the model,
//! which holds every declaration that did parse.

use super::Document;
use crate::model::{Channel, SymbolKind, Type};
use crate::syntax::ast::Span;
use crate::syntax::keywords::{self, Roles};
use crate::syntax::lexer::{Lexer, TokenKind};

/// What a completion item is, for the editor's icon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    Keyword,
    Stage,
    Template,
    Event,
    Variable,
    Segment,
    Field,
    Variant,
    Calendar,
    Action,
    /// Queues, teams and outcomes, which are defined by use.
    Name,
    Channel,
    Type,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// A short description: a field's type, a template's channel.
    pub detail: Option<String>,
}

/// The candidates at a position and the span they replace (the part of a
/// name already typed before the cursor; empty when none is).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Completions {
    pub replace: Span,
    pub items: Vec<Completion>,
}

/// What completion offers after a number: the units, and `business`
/// for `business days`.
const DURATION_UNITS: &[&str] = &["minutes", "hours", "days", "weeks", "months", "business"];
const OUTCOMES: &[&str] = &["paid", "settled", "escalated", "written_off"];

#[derive(Clone, Debug, PartialEq)]
enum BlockKind {
    /// Steps of a stage or a handler; `event` is the handler's event.
    Steps {
        event: Option<String>,
    },
    AccountFields,
    /// Payload of `event NAME { ... }` or fields of `action NAME { ... }`.
    DeclFields,
    Calendar,
    Policy,
    Test,
    AccountValues,
    ReceiveValues(String),
    EmitValues(String),
    TemplateEmail,
    Split,
    /// `[` `(` and anything else.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok<'a> {
    Word(&'a str),
    Punct(&'a str),
    Literal,
}

struct Context<'a> {
    blocks: Vec<BlockKind>,
    /// The tokens of the current line (since the line's start or the last
    /// bracket on it), before the word under the cursor.
    line: Vec<Tok<'a>>,
    /// Where each token of `line` starts in the text.
    line_at: Vec<usize>,
    /// The cursor is in a comment or in the literal part of a string.
    silent: bool,
    /// The cursor is inside a `{...}` placeholder of a string.
    in_placeholder: bool,
}

impl<'a> Context<'a> {
    fn push(&mut self, tok: Tok<'a>, at: usize) {
        self.line.push(tok);
        self.line_at.push(at);
    }

    fn clear_line(&mut self) {
        self.line.clear();
        self.line_at.clear();
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn classify(line: &[Tok<'_>], depth: usize, parent: Option<&BlockKind>) -> BlockKind {
    let words: Vec<&str> = line
        .iter()
        .filter_map(|t| match t {
            Tok::Word(w) => Some(*w),
            _ => None,
        })
        .collect();
    let after = |kw: &str| {
        words
            .iter()
            .position(|w| *w == kw)
            .and_then(|i| words.get(i + 1))
            .map(|w| w.to_string())
    };
    let first = words.first().copied().unwrap_or("");
    let parent_event = match parent {
        Some(BlockKind::Steps { event }) => event.clone(),
        _ => None,
    };
    if words.contains(&"emit") {
        return BlockKind::EmitValues(after("emit").unwrap_or_default());
    }
    if words.contains(&"receive") {
        return BlockKind::ReceiveValues(after("receive").unwrap_or_default());
    }
    if (words.contains(&"given") || words.contains(&"update")) && words.contains(&"account") {
        return BlockKind::AccountValues;
    }
    match (first, depth) {
        ("account", 0) => BlockKind::AccountFields,
        ("event" | "action", 0) => BlockKind::DeclFields,
        ("calendar", 0) => BlockKind::Calendar,
        ("policy", 0) => BlockKind::Policy,
        ("test", 0) => BlockKind::Test,
        ("template", 0) => BlockKind::TemplateEmail,
        ("stage", 0) => BlockKind::Steps { event: None },
        ("on", _) => BlockKind::Steps {
            event: words.get(1).map(|w| w.to_string()),
        },
        ("split", _) => BlockKind::Split,
        ("if" | "else" | "repeat", _) => BlockKind::Steps {
            event: parent_event,
        },
        _ => BlockKind::Other,
    }
}

/// Reads the lexer's tokens of `text[..offset]`, keeping what completion
/// needs.
fn context(text: &str, offset: usize) -> Context<'_> {
    let mut cx = Context {
        blocks: Vec::new(),
        line: Vec::new(),
        line_at: Vec::new(),
        silent: false,
        in_placeholder: false,
    };
    // Strings nest placeholders: `"a {x} b"`; each entry is one string,
    // true while inside its placeholder. The tokens of a placeholder go to
    // `line` as well, after the line's tokens are saved here.
    let mut strings: Vec<bool> = Vec::new();
    let mut saved_lines: Vec<(Vec<Tok<'_>>, Vec<usize>)> = Vec::new();
    let mut lexer = Lexer::new(text);
    while let Some(token) = lexer.next() {
        if token.start >= offset {
            break;
        }
        let (start, end) = (token.start, token.end);
        match token.kind {
            TokenKind::Newline => {
                let rest = &text[end..];
                if starts_declaration(rest) && !strings.is_empty() {
                    // A string left open: the parser's recovery cuts the
                    // file at the next declaration, and so does this.
                    strings.clear();
                    saved_lines.clear();
                    cx.clear_line();
                    lexer.reset_to_code();
                } else if strings.is_empty() {
                    cx.clear_line();
                }
            }
            TokenKind::Blank | TokenKind::Text | TokenKind::Escape | TokenKind::BraceEscape => {}
            TokenKind::Comment | TokenKind::DocComment => {
                if end >= offset {
                    cx.silent = true;
                    return cx;
                }
            }
            TokenKind::Quote => strings.push(false),
            TokenKind::CloseQuote => {
                strings.pop();
                cx.push(Tok::Literal, start);
            }
            TokenKind::PlaceholderOpen => {
                if let Some(s) = strings.last_mut() {
                    *s = true;
                }
                saved_lines.push((
                    std::mem::take(&mut cx.line),
                    std::mem::take(&mut cx.line_at),
                ));
            }
            TokenKind::PlaceholderClose => {
                if let Some(s) = strings.last_mut() {
                    *s = false;
                }
                (cx.line, cx.line_at) = saved_lines.pop().unwrap_or_default();
            }
            TokenKind::Number => cx.push(Tok::Literal, start),
            TokenKind::Word => {
                if end >= offset {
                    // The word under the cursor: the prefix, not a token.
                    break;
                }
                cx.push(Tok::Word(token.text(text)), start);
            }
            TokenKind::Punct => match token.text(text) {
                open @ ("{" | "[" | "(") => {
                    let kind = if open == "{" {
                        classify(&cx.line, cx.blocks.len(), cx.blocks.last())
                    } else {
                        BlockKind::Other
                    };
                    cx.blocks.push(kind);
                    if open == "{" {
                        cx.clear_line();
                    } else {
                        cx.push(Tok::Punct(open), start);
                    }
                }
                close @ ("}" | "]" | ")") => {
                    cx.blocks.pop();
                    if close == "}" {
                        cx.clear_line();
                    } else {
                        cx.push(Tok::Literal, start);
                    }
                }
                // An operator cut by the cursor (`-$0>`) is its first part.
                _ => cx.push(
                    Tok::Punct(text.get(start..end.min(offset)).unwrap_or("")),
                    start,
                ),
            },
        }
    }
    match strings.last() {
        Some(false) => cx.silent = true,
        Some(true) => cx.in_placeholder = true,
        None => {}
    }
    cx
}

pub(crate) fn completions(doc: &Document, offset: usize) -> Completions {
    let text = doc.text();
    let offset = super::lines::floor_char(text, offset);
    let bytes = text.as_bytes();
    let mut start = offset;
    while start > 0 && is_word_byte(bytes[start - 1]) {
        start -= 1;
    }
    // A number being typed is not a name.
    if start < offset && bytes[start].is_ascii_digit() {
        return Completions::default();
    }
    let cx = context(text, offset);
    let mut out = Completions {
        replace: Span::new(start, offset),
        items: Vec::new(),
    };
    if cx.silent {
        return out;
    }
    Candidates {
        doc,
        cx: &cx,
        items: &mut out.items,
    }
    .fill();
    out
}

struct Candidates<'a, 'c> {
    doc: &'a Document,
    cx: &'c Context<'c>,
    items: &'c mut Vec<Completion>,
}

impl Candidates<'_, '_> {
    fn add(&mut self, label: &str, kind: CompletionKind, detail: Option<String>) {
        if label.is_empty()
            || self
                .items
                .iter()
                .any(|c| c.label == label && c.kind == kind)
        {
            return;
        }
        self.items.push(Completion {
            label: label.to_string(),
            kind,
            detail,
        });
    }

    fn keywords(&mut self, words: &[&str]) {
        for w in words {
            self.add(w, CompletionKind::Keyword, None);
        }
    }

    fn word(&self, back: usize) -> Option<&str> {
        let line = &self.cx.line;
        match line.len().checked_sub(back + 1).and_then(|i| line.get(i)) {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn punct(&self, back: usize) -> Option<&str> {
        let line = &self.cx.line;
        match line.len().checked_sub(back + 1).and_then(|i| line.get(i)) {
            Some(Tok::Punct(p)) => Some(p),
            _ => None,
        }
    }

    fn line_has(&self, word: &str) -> bool {
        self.cx.line.contains(&Tok::Word(word))
    }

    fn first_word(&self) -> Option<&str> {
        match self.cx.line.first() {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    /// The event whose payload `event.x` reads here: the current line's
    /// handler or policy rule, else the innermost handler block.
    fn event(&self) -> Option<String> {
        let words: Vec<&str> = self
            .cx
            .line
            .iter()
            .filter_map(|t| match t {
                Tok::Word(w) => Some(*w),
                _ => None,
            })
            .collect();
        let after = |kw: &str| {
            let i = words.iter().position(|w| *w == kw)?;
            words.get(i + 1).map(|w| w.to_string())
        };
        if words.first() == Some(&"on") && words.get(1) != Some(&"day") {
            return after("on");
        }
        if words.first() == Some(&"pause") {
            return after("after");
        }
        if words.first() == Some(&"stop") {
            return after("on");
        }
        self.cx.blocks.iter().rev().find_map(|b| match b {
            BlockKind::Steps { event } => event.clone(),
            _ => None,
        })
    }

    fn block(&self) -> Option<&BlockKind> {
        self.cx.blocks.last()
    }

    fn in_test(&self) -> bool {
        self.cx.blocks.contains(&BlockKind::Test)
    }

    fn fill(&mut self) {
        let model = &self.doc.analysis.model;
        // `account.` and `event.`
        if self.punct(0) == Some(".") {
            match self.word(1) {
                Some("account") => self.account_fields(None),
                Some("event") => {
                    if let Some(event) = self.event().and_then(|e| model.events.get(&e)) {
                        for f in event.fields.iter() {
                            let detail = field_detail(self.doc, &f.ty, f.optional);
                            self.add(&f.name, CompletionKind::Field, Some(detail));
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        if self.cx.in_placeholder {
            self.expression();
            return;
        }
        if self.in_test() && self.first_word() == Some("on") {
            // `on day N [at HH:MM] ACTION` inside a flow test.
            match self.cx.line.as_slice() {
                [Tok::Word("on")] => return self.keywords(&["day"]),
                [Tok::Word("on"), Tok::Word("day"), Tok::Literal]
                | [Tok::Word("on"), Tok::Word("day"), Tok::Literal, Tok::Word("at"), Tok::Literal] => {
                    return self.keywords(&["at", "receive", "update", "expect"])
                }
                _ => {}
            }
        }
        let prev = self.word(0);
        let prev2 = self.word(1);
        match (prev2, prev) {
            (_, Some("goto")) | (Some("expect"), Some("stage")) => return self.stages(),
            (None, Some("start")) if self.cx.blocks.is_empty() => return self.stages(),
            (_, Some("send")) | (Some("expect"), Some("sent")) | (_, Some("for"))
                if prev != Some("for") || self.first_word() == Some("template") =>
            {
                return self.channels()
            }
            (Some("send"), Some(channel)) | (Some("sent"), Some(channel)) => {
                return self.templates(Channel::from_name(channel))
            }
            (_, Some("to")) if self.line_has("send") => {
                let channel = self
                    .cx
                    .line
                    .iter()
                    .skip_while(|t| **t != Tok::Word("send"))
                    .nth(1)
                    .and_then(|t| match t {
                        Tok::Word(w) => Channel::from_name(w),
                        _ => None,
                    });
                return self.account_fields(channel.and_then(Channel::contact_type));
            }
            (Some("holidays"), Some("of")) | (Some("days"), Some("of")) => {
                for c in model.calendars.iter() {
                    self.add(&c.name, CompletionKind::Calendar, None);
                }
                return;
            }
            (_, Some("receive")) | (_, Some("after")) => return self.events(),
            (_, Some("on"))
                if self.first_word() == Some("stop") || self.first_word() == Some("on") =>
            {
                return self.events()
            }
            (Some("no_contact"), Some("on")) => {
                self.keywords(keywords::WEEKDAYS);
                return self.keywords(&["holidays"]);
            }
            (_, Some("emit")) | (Some("expect"), Some("emitted")) => {
                for a in model.actions.iter() {
                    self.add(&a.name, CompletionKind::Action, None);
                }
                return;
            }
            (_, Some("queue")) => return self.defined_by_use(SymbolKind::Queue),
            (_, Some("alert")) => return self.defined_by_use(SymbolKind::Team),
            (_, Some("end")) => {
                self.defined_by_use(SymbolKind::Outcome);
                for o in OUTCOMES {
                    self.add(o, CompletionKind::Name, None);
                }
                return;
            }
            (_, Some("priority")) => return self.keywords(keywords::PRIORITIES),
            (_, Some("assign")) => return self.keywords(&["queue", "agency"]),
            (_, Some("offer")) => return self.keywords(&["discount", "plan", "settlement"]),
            (_, Some("set")) => {
                for v in model.vars.iter() {
                    let detail = model.type_name(&v.ty);
                    self.add(&v.name, CompletionKind::Variable, Some(detail));
                }
                return;
            }
            (_, Some("expect")) => {
                self.keywords(&keywords_with(Roles::EXPECT));
                for v in model.vars.iter() {
                    self.add(
                        &v.name,
                        CompletionKind::Variable,
                        Some(model.type_name(&v.ty)),
                    );
                }
                return;
            }
            (_, Some("call")) if self.first_word() == Some("call") => {
                return self.keywords(&["queue", "priority", "when"])
            }
            (_, Some("wait")) => {
                self.keywords(&["until"]);
                return;
            }
            _ => {}
        }
        if self.punct(0) == Some("->") {
            return self.stages();
        }
        if matches!(self.punct(0), Some("==" | "!=")) || self.in_list() {
            self.variants_of_left();
            self.expression();
            return;
        }
        if self.cx.line.last() == Some(&Tok::Literal) && self.line_has("wait")
            || self.line_has("per") && self.cx.line.last() == Some(&Tok::Literal)
            || self.line_has("every") && self.cx.line.last() == Some(&Tok::Literal)
        {
            return self.keywords(DURATION_UNITS);
        }
        if self.punct(0) == Some(":") {
            match self.block() {
                Some(BlockKind::AccountFields | BlockKind::DeclFields) => return self.types(),
                Some(BlockKind::AccountValues) => {
                    if let Some(f) = self.word(1).and_then(|f| model.account.get(f)) {
                        if let Type::Enum(id) = f.ty {
                            self.variants(id);
                        }
                    }
                    return self.expression();
                }
                _ if self.first_word() == Some("var") => return self.types(),
                _ => return self.expression(),
            }
        }
        if self.punct(0) == Some("|") && self.line_has("template") {
            return;
        }
        let expression_start = matches!(
            self.word(0),
            Some("if" | "when" | "and" | "or" | "not" | "until")
        ) || matches!(
            self.punct(0),
            Some("=" | "<" | ">" | "<=" | ">=" | "+" | "-" | "*" | "/" | "(")
        );
        if expression_start {
            return self.expression();
        }
        if self.cx.line.is_empty() {
            self.line_start();
        }
    }

    fn in_list(&self) -> bool {
        matches!(self.punct(0), Some("[" | ",")) && self.cx.line.contains(&Tok::Word("in"))
    }

    fn line_start(&mut self) {
        let model = &self.doc.analysis.model;
        match self.block().cloned() {
            None => self.keywords(&keywords_with(Roles::DECL)),
            Some(BlockKind::Steps { .. }) => {
                self.keywords(&keywords_with(Roles::STEP));
                if self.cx.blocks.len() == 1
                    && self.cx.blocks[0] == (BlockKind::Steps { event: None })
                {
                    // Stage handlers come before the steps.
                    self.keywords(&["on"]);
                }
            }
            Some(BlockKind::Policy) => self.keywords(&keywords_with(Roles::POLICY)),
            Some(BlockKind::Calendar) => self.keywords(&keywords_with(Roles::CALENDAR)),
            Some(BlockKind::Test) => self.keywords(&keywords_with(Roles::TEST)),
            Some(BlockKind::TemplateEmail) => self.keywords(&["subject", "body"]),
            Some(BlockKind::AccountValues) => self.account_fields(None),
            Some(BlockKind::ReceiveValues(e)) => {
                if let Some(event) = model.events.get(&e) {
                    for f in event.fields.iter() {
                        let detail = field_detail(self.doc, &f.ty, f.optional);
                        self.add(&f.name, CompletionKind::Field, Some(detail));
                    }
                }
            }
            Some(BlockKind::EmitValues(a)) => {
                if let Some(action) = model.actions.get(&a) {
                    for f in action.fields.iter() {
                        let detail = field_detail(self.doc, &f.ty, f.optional);
                        self.add(&f.name, CompletionKind::Field, Some(detail));
                    }
                }
            }
            Some(
                BlockKind::AccountFields
                | BlockKind::DeclFields
                | BlockKind::Split
                | BlockKind::Other,
            ) => {}
        }
    }

    fn stages(&mut self) {
        for s in self.doc.analysis.model.stages.iter() {
            self.add(&s.name, CompletionKind::Stage, None);
        }
        // The stage being typed in is not in the model while its block is
        // unclosed (the parser drops it); its header still names it.
        let text = self.doc.text.as_str();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("stage ") {
                let name: &str = rest
                    .trim_start()
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("");
                self.add(name, CompletionKind::Stage, None);
            }
        }
    }

    fn channels(&mut self) {
        for c in Channel::ALL {
            self.add(c.name(), CompletionKind::Channel, None);
        }
    }

    fn templates(&mut self, channel: Option<Channel>) {
        for t in self.doc.analysis.model.templates.iter() {
            if channel.is_none() || t.channel == channel {
                let detail = t.channel.map(|c| format!("{} template", c.name()));
                self.add(&t.name, CompletionKind::Template, detail);
            }
        }
    }

    fn events(&mut self) {
        for e in self.doc.analysis.model.events.iter() {
            self.add(&e.name, CompletionKind::Event, None);
        }
    }

    fn types(&mut self) {
        for t in Type::NAMES {
            self.add(t, CompletionKind::Type, None);
        }
    }

    fn account_fields(&mut self, of_type: Option<Type>) {
        for f in self.doc.analysis.model.account.iter() {
            if of_type.as_ref().is_none_or(|t| *t == f.ty) {
                let detail = field_detail(self.doc, &f.ty, f.optional);
                self.add(&f.name, CompletionKind::Field, Some(detail));
            }
        }
    }

    /// The queues, outcomes or teams the flow names (defined by use), from
    /// the model's references.
    fn defined_by_use(&mut self, kind: SymbolKind) {
        let mut names: Vec<&str> = self
            .doc
            .analysis
            .model
            .usage
            .references
            .keys()
            .filter(|s| s.kind == kind)
            .map(|s| s.name.as_str())
            .collect();
        names.sort_unstable();
        for n in names {
            self.add(n, CompletionKind::Name, None);
        }
    }

    fn variants(&mut self, id: crate::model::EnumId) {
        for v in self.doc.analysis.model.variants(id).to_vec() {
            self.add(&v, CompletionKind::Variant, None);
        }
    }

    /// The variants of the enumeration on the left of `==`, `!=` or `in`,
    /// by the type the checker gives that operand: the one it recorded in
    /// the model when the line parsed, else the checker's type of the
    /// operand read on its own (while the line is being typed it does not
    /// parse, so the model has no type for it).
    fn variants_of_left(&mut self) {
        let line = &self.cx.line;
        // The operator (or the `in [`), then the operand before it: back to
        // the keyword or bracket that opens it.
        let Some(op) = line
            .iter()
            .rposition(|t| matches!(t, Tok::Punct("==" | "!=")) || *t == Tok::Word("in"))
        else {
            return;
        };
        let first = line[..op]
            .iter()
            .rposition(|t| match t {
                Tok::Word(w) => {
                    !matches!(*w, "account" | "event" | "today" | "now")
                        && keywords::lookup(w).is_some()
                }
                Tok::Punct(p) => matches!(*p, "(" | "[" | "," | "{" | ":"),
                Tok::Literal => false,
            })
            .map_or(0, |i| i + 1);
        let (Some(&start), Some(&end)) = (self.cx.line_at.get(first), self.cx.line_at.get(op))
        else {
            return;
        };
        if first >= op {
            return;
        }
        let text = self.doc.text();
        let written = text.get(start..end).unwrap_or("");
        let span = Span::new(start, start + written.trim_end().len());
        let model = &self.doc.analysis.model;
        let ty = match model.usage.expr_types.get(&span) {
            Some(ty) => Some(ty.clone()),
            None => crate::syntax::expression_at(text, span.start as usize, span.end as usize)
                .map(|e| crate::types::type_of(model, &e, self.event().as_deref())),
        };
        if let Some(Type::Enum(id)) = ty {
            self.variants(id);
        }
    }

    fn expression(&mut self) {
        let model = &self.doc.analysis.model;
        for v in model.vars.iter() {
            self.add(
                &v.name,
                CompletionKind::Variable,
                Some(model.type_name(&v.ty)),
            );
        }
        for s in model.segments.iter() {
            self.add(&s.name, CompletionKind::Segment, None);
        }
        self.keywords(&["account"]);
        if self.event().is_some() && !self.in_test() {
            self.keywords(&["event"]);
        }
        self.keywords(&["today", "now", "not", "true", "false"]);
    }
}

/// The line starts, in its first column, with a declaration keyword.
fn starts_declaration(rest: &str) -> bool {
    let len = rest
        .bytes()
        .position(|b| !(b.is_ascii_lowercase() || b == b'_'))
        .unwrap_or(rest.len());
    keywords::roles_of(&rest[..len]).any(Roles::DECL) && rest[len..].starts_with([' ', '\t', '{'])
}

/// The keywords with any of `roles`, in the keyword table's order.
fn keywords_with(roles: Roles) -> Vec<&'static str> {
    keywords::words(roles).collect()
}

fn field_detail(doc: &Document, ty: &Type, optional: bool) -> String {
    let name = doc.analysis.model.type_name(ty);
    if optional {
        format!("{name}?")
    } else {
        name
    }
}
