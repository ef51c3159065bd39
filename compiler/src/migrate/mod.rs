//! `migrate from version N { ... }`: lowered into the machine's lifecycle,
//! spelled back by `dun fmt`, and checked against the old machine (which
//! `dun check --from` reads from a `.dunc` or a store) so that every place
//! an account can wait in the old version has a place in this one and the
//! contact rules hold across the move.

use crate::syntax::ast::{Decl, File, MigrateMove};
use dun_machine::format::{Machine, Migration, Move, Op};
use dun_machine::places::{self, Place};

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

/// What the check of a migration found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Findings {
    /// The move cannot be made: unmapped places, unknown stages, a queued
    /// contact whose template is gone.
    pub errors: Vec<String>,
    /// It can, and something about it deserves a look.
    pub warnings: Vec<String>,
}

/// Checks `new`'s migration from `old`'s version.
pub fn check(old: &Machine, new: &Machine) -> Findings {
    let mut f = Findings::default();
    if old.flow != new.flow {
        f.errors.push(format!(
            "the old machine is flow `{}`, this is flow `{}`; a migration moves accounts between versions of one flow",
            old.flow, new.flow
        ));
        return f;
    }
    if old.version >= new.version {
        f.errors.push(format!(
            "the old machine is version {}, this is version {}; a migration moves accounts to a later version",
            old.version, new.version
        ));
        return f;
    }
    let Some(mig) = new
        .lifecycle
        .migrations
        .iter()
        .find(|m| m.from_version == old.version)
    else {
        f.errors.push(format!(
            "this flow has no `migrate from version {} {{ ... }}`; add one saying where each stage of version {} goes",
            old.version, old.version
        ));
        return f;
    };
    let plan = places::plan(old, new, mig);
    f.errors.extend(plan.unknown.iter().cloned());
    f.errors
        .extend(plan.unmapped.iter().map(|u| format!("unmapped place {u}")));
    // A held contact is retried where it is held: moved elsewhere, it is
    // not sent.
    for (i, to) in plan.map.iter().enumerate() {
        let (Some(Place::Contact(_)), Some(to)) = (places::place_of(old, i as u32), to) else {
            continue;
        };
        if !matches!(places::place_of(new, *to), Some(Place::Contact(_))) {
            f.warnings.push(format!(
                "an account held at {} moves to {}: the contact it waits to make is dropped, not sent",
                places::describe(old, i as u32),
                places::describe(new, *to)
            ));
        }
    }
    // Contacts queued by a handler keep their template.
    for h in old
        .handlers
        .iter()
        .chain(old.stages.iter().flat_map(|s| &s.handlers))
    {
        for op in &h.code {
            if let Op::Send { template, .. } = op {
                let name = old
                    .templates
                    .get(*template as usize)
                    .map(|t| old.str(t.name))
                    .unwrap_or("?");
                if new.template_index(name).is_none() {
                    f.errors.push(format!(
                        "template `{name}` of version {} may be waiting in an account's queue (a handler sends it); version {} has no template `{name}`: keep it",
                        old.version, new.version
                    ));
                }
            }
        }
    }
    for cap in &new.policy.caps {
        if !old
            .policy
            .caps
            .iter()
            .any(|c| c.channels.0 & cap.channels.0 != 0)
        {
            f.warnings.push(format!(
                "`at_most {} {} per {}` is new: contacts made before the move do not count toward it",
                cap.count,
                cap.channels.describe(),
                cap.window
            ));
        }
    }
    f
}
