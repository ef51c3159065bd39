//! `migrate from version N { ... }`: lowered into the machine's lifecycle,
//! spelled back by `dun fmt`, and checked against the old machine (which
//! `dun check --from` reads from a `.dunc` or a store) so that every place
//! an account can wait in the old version has a place in this one and the
//! contact rules hold across the move.

use crate::syntax::ast::{Decl, File, MigrateMove};
use dun_machine::format::{Migration, Move};

/// A line of a migration block as `dun fmt` writes it.
pub(crate) fn spell(mv: &MigrateMove) -> String {
    let mut s = format!("stage {}", mv.from.name);
    if let Some(p) = mv.from_place {
        s.push_str(&format!(" {p}"));
    }
    s.push_str(&format!(" -> {}", mv.to.name));
    if let Some(p) = mv.to_place {
        s.push_str(&format!(" at {p}"));
    }
    s
}

/// The file's migration blocks, its new stages looked up by `stage`
/// (names the checker has already resolved).
pub(crate) fn lower(file: &File, stage: &dyn Fn(&str) -> Option<u16>) -> Vec<Migration> {
    file.decls
        .iter()
        .filter_map(|d| match d {
            Decl::Migrate(mg) => Some(Migration {
                from_version: mg.from_version,
                moves: mg
                    .moves
                    .iter()
                    .filter_map(|mv| {
                        Some(Move {
                            from_stage: mv.from.name.clone(),
                            from_place: mv.from_place,
                            to_stage: stage(&mv.to.name)?,
                            to_place: mv.to_place,
                        })
                    })
                    .collect(),
                vars: vec![],
            }),
            _ => None,
        })
        .collect()
}

mod check;

pub use check::{check, CODES};

#[cfg(test)]
mod tests;
