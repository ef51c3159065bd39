//! `migrate from version N { ... }`: lowered into the machine's lifecycle,
//! spelled back by `dun fmt`, and checked against the old machine (which
//! `dun check --from` reads from a `.dunc` or a store) so that every place
//! an account can wait in the old version has a place in this one and the
//! contact rules hold across the move.

use crate::syntax::ast::{Decl, MigrateMove, MigrateVar};
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
/// (names the checker has already resolved), their `var` lines compiled
/// as `set`s are.
pub(crate) fn lower(
    cx: &mut crate::lower::Lowerer<'_>,
    stage: &dyn Fn(&str) -> Option<u16>,
) -> Vec<Migration> {
    let file = cx.file;
    let mut out = Vec::new();
    for d in &file.decls {
        let Decl::Migrate(mg) = d else {
            continue;
        };
        let moves = mg
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
            .collect();
        let mut vars = Vec::new();
        for v in &mg.vars {
            let Some(crate::model::DeclId::Var(index)) = cx.resolve(&v.name) else {
                cx.unresolved("variable", &v.name);
                continue;
            };
            vars.push((index, cx.code(&v.value, None)));
        }
        out.push(Migration {
            from_version: mg.from_version,
            moves,
            vars,
        });
    }
    out
}

/// A `var` line of a migration block as `dun fmt` writes it, around its
/// expression.
pub(crate) fn spell_var(v: &MigrateVar) -> String {
    format!("var {} = ", v.name.name)
}

mod check;

pub use check::{check, CODES};

#[cfg(test)]
mod tests;
