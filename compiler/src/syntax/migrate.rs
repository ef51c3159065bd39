//! Builds `migrate from version N { ... }` blocks and `reenter when COND`.

use super::ast::{Doc, MigrateDecl, MigrateMove, ReenterDecl, Span};
use super::build::Builder;
use super::grammar::Rule;
use dun_machine::places::Place;
use pest::iterators::Pair;

impl Builder<'_> {
    pub(crate) fn migrate(&self, pair: Pair<'_, Rule>, span: Span, doc: Doc) -> MigrateDecl {
        let mut from_version = 0;
        let mut moves = Vec::new();
        for c in pair.into_inner() {
            match c.as_rule() {
                Rule::count => from_version = self.count(&c).0,
                Rule::migrate_move => moves.push(self.migrate_move(c)),
                _ => {}
            }
        }
        MigrateDecl {
            from_version,
            moves,
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
