//! Builds `migrate from version N { ... }` blocks and `reenter when COND`.

use super::ast::{Doc, MigrateDecl, MigrateMove, MigrateVar, ReenterDecl, Span};
use super::build::Builder;
use super::grammar::Rule;
use dun_machine::places::Place;
use pest::iterators::Pair;

impl Builder<'_> {
    pub(crate) fn migrate(&self, pair: Pair<'_, Rule>, span: Span, doc: Doc) -> MigrateDecl {
        let mut from_version = 0;
        let mut moves = Vec::new();
        let mut vars = Vec::new();
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::count => from_version = self.count(&c).0,
                Rule::migrate_move => moves.push(self.migrate_move(c)),
                Rule::migrate_var => vars.push(self.migrate_var(c)),
                _ => {}
            }
        }
        MigrateDecl {
            from_version,
            moves,
            vars,
            span,
            doc,
        }
    }

    fn migrate_move(&self, pair: Pair<'_, Rule>) -> MigrateMove {
        let span = self.span(&pair);
        let mut names = Vec::new();
        let mut places: Vec<(usize, Place)> = Vec::new();
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::name => names.push(self.ident(&c)),
                Rule::migrate_place => places.push((names.len(), self.migrate_place(c))),
                _ => {}
            }
        }
        let mut names = names.into_iter();
        let from = names.next().unwrap_or_else(|| self.missing(span));
        let to = names.next().unwrap_or_else(|| self.missing(span));
        // A place after the first name is the old one, after the second the new.
        let place = |after: usize| places.iter().find(|(n, _)| *n == after).map(|(_, p)| *p);
        MigrateMove {
            from,
            from_place: place(1),
            to,
            to_place: place(2),
            span,
        }
    }

    fn migrate_var(&self, pair: Pair<'_, Rule>) -> MigrateVar {
        let span = self.span(&pair);
        let mut name = None;
        let mut value = None;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::name => name = Some(self.ident(&c)),
                Rule::expr => value = Some(self.expr(c)),
                _ => {}
            }
        }
        MigrateVar {
            name: name.unwrap_or_else(|| self.missing(span)),
            value: value.unwrap_or_else(|| self.placeholder_expr(span)),
            span,
        }
    }

    fn migrate_place(&self, pair: Pair<'_, Rule>) -> Place {
        let mut kind = Rule::kw_start;
        let mut n = 0;
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::count => n = self.count(&c).0,
                r => kind = r,
            }
        }
        match kind {
            Rule::kw_wait => Place::Wait(n),
            Rule::kw_contact_step => Place::Contact(n),
            _ => Place::Start,
        }
    }
}

impl Builder<'_> {
    pub(crate) fn reenter(&self, pair: Pair<'_, Rule>, span: Span, doc: Doc) -> ReenterDecl {
        let cond = pair
            .into_inner()
            .find(|c| c.as_rule() == Rule::expr)
            .map(|c| self.expr(c))
            .unwrap_or_else(|| self.placeholder_expr(span));
        ReenterDecl { cond, span, doc }
    }
}
