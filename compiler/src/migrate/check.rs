//! `dun check FLOW --from OLD.dunc | --from-db PATH`: whether every place an
//! account can wait in the old machine has a place in this version, and
//! what the move changes for the contact rules. The findings are
//! diagnostics on the flow's text (the `migrate` block, or the line of it
//! that a finding is about), so every output format shows them.

use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{Decl, File, MigrateDecl, Span};
use dun_machine::format::{Machine, Op};
use dun_machine::places::{self, Place};

const OTHER_FLOW: &str = "dun::migrate::other_flow";
const NOT_LATER: &str = "dun::migrate::not_later";
const NO_MIGRATION: &str = "dun::migrate::no_migration";
const UNKNOWN_OLD_STAGE: &str = "dun::migrate::unknown_old_stage";
const UNMAPPED: &str = "dun::migrate::unmapped";
const TEMPLATE_GONE: &str = "dun::migrate::template_gone";
const HELD_CONTACT: &str = "dun::migrate::held_contact";
const NEW_CAP: &str = "dun::migrate::new_cap";

/// Every code of the check, in the order docs/errors.md lists them.
pub const CODES: [&str; 8] = [
    OTHER_FLOW,
    NOT_LATER,
    NO_MIGRATION,
    UNKNOWN_OLD_STAGE,
    UNMAPPED,
    TEMPLATE_GONE,
    HELD_CONTACT,
    NEW_CAP,
];

/// Checks the migration of `new` (compiled from `file`) from `old`'s
/// version.
pub fn check(old: &Machine, new: &Machine, file: &File) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let head = flow_head(file);
    if old.flow != new.flow {
        out.push(
            Diagnostic::error(
                OTHER_FLOW,
                format!(
                    "the old machine is flow `{}`, this is flow `{}`",
                    old.flow, new.flow
                ),
                head,
            )
            .with_label("this flow")
            .with_help("a migration moves accounts between versions of one flow: give the compiled form or the store of an earlier version of this flow"),
        );
        return out;
    }
    if old.version >= new.version {
        out.push(
            Diagnostic::error(
                NOT_LATER,
                format!(
                    "the old machine is version {}, this is version {}",
                    old.version, new.version
                ),
                version_span(file).unwrap_or(head),
            )
            .with_label("this version")
            .with_help(format!(
                "a migration moves accounts to a later version: raise this flow's `version` above {}",
                old.version
            )),
        );
        return out;
    }
    let Some(mig) = new
        .lifecycle
        .migrations
        .iter()
        .find(|m| m.from_version == old.version)
    else {
        out.push(
            Diagnostic::error(
                NO_MIGRATION,
                format!(
                    "accounts on version {} have no way to version {}: this flow has no `migrate from version {}`",
                    old.version, new.version, old.version
                ),
                version_span(file).unwrap_or(head),
            )
            .with_label("this version")
            .with_help(format!(
                "add `migrate from version {} {{ ... }}` saying where each stage of version {} goes, or let its accounts finish with `dun run --drain`",
                old.version, old.version
            )),
        );
        return out;
    };
    let block = block(file, old.version);
    let anchor = block.map(keyword).unwrap_or(head);
    // A rule is about a stage of the old version.
    for mv in block.map(|b| b.moves.as_slice()).unwrap_or(&[]) {
        if old.stage_index(&mv.from.name).is_none() {
            let names: Vec<&str> = old.stages.iter().map(|s| old.str(s.name)).collect();
            out.push(
                Diagnostic::error(
                    UNKNOWN_OLD_STAGE,
                    format!("version {} has no stage `{}`", old.version, mv.from.name),
                    mv.from.span,
                )
                .with_label("not a stage of the old version")
                .with_help(format!(
                    "name a stage of version {}: {}",
                    old.version,
                    names.join(", ")
                )),
            );
        }
    }
    let plan = places::plan(old, new, mig);
    for u in &plan.unmapped {
        // The line whose rule sends the place nowhere, else the block.
        let rule = block.and_then(|b| {
            b.moves
                .iter()
                .find(|m| m.from.name == u.stage && m.from_place.is_none_or(|p| p == u.place))
        });
        let mut d = Diagnostic::error(
            UNMAPPED,
            format!("unmapped place {} {}: {}", u.stage, u.place, u.why),
            rule.map(|m| m.span).unwrap_or(anchor),
        )
        .with_label(match rule {
            Some(_) => "this rule",
            None => "no rule here places it",
        });
        if let Some(fix) = &u.fix {
            d = d.with_help(format!(
                "add `{fix}` to the block, so that accounts waiting there have a place in version {}",
                new.version
            ));
        }
        out.push(d);
    }
    // A held contact is retried where it is held: moved elsewhere, it is
    // not sent.
    for (i, to) in plan.map.iter().enumerate() {
        let (Some(Place::Contact(_)), Some(to)) = (places::place_of(old, i as u32), to) else {
            continue;
        };
        if !matches!(places::place_of(new, *to), Some(Place::Contact(_))) {
            out.push(
                Diagnostic::warning(
                    HELD_CONTACT,
                    format!(
                        "an account held at {} moves to {}: the contact it waits to make is dropped, not sent",
                        places::describe(old, i as u32),
                        places::describe(new, *to)
                    ),
                    anchor,
                )
                .with_label("this migration")
                .with_help("move the place to a contact step of the new version (`at contact N`) if the contact should still be made"),
            );
        }
    }
    // Contacts queued by a handler keep their template.
    let mut gone: Vec<&str> = Vec::new();
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
                if new.template_index(name).is_none() && !gone.contains(&name) {
                    gone.push(name);
                }
            }
        }
    }
    for name in gone {
        out.push(
            Diagnostic::error(
                TEMPLATE_GONE,
                format!(
                    "template `{name}` of version {} may be waiting in an account's queue (a handler sends it); version {} has no template `{name}`",
                    old.version, new.version
                ),
                anchor,
            )
            .with_label("this migration")
            .with_help(format!("keep `template {name}` in this version, so that queued contacts can still be written")),
        );
    }
    for cap in &new.policy.caps {
        if !old
            .policy
            .caps
            .iter()
            .any(|c| c.channels.0 & cap.channels.0 != 0)
        {
            out.push(
                Diagnostic::warning(
                    NEW_CAP,
                    format!(
                        "`at_most {} {} per {}` is new: contacts made before the move do not count toward it",
                        cap.count,
                        cap.channels.describe(),
                        cap.window
                    ),
                    anchor,
                )
                .with_label("this migration")
                .with_help("for the first window after the move, accounts may get more contacts than the cap allows; migrate when that is acceptable"),
            );
        }
    }
    out
}

/// The `migrate from version N` block for `version`.
fn block(file: &File, version: u32) -> Option<&MigrateDecl> {
    file.decls.iter().find_map(|d| match d {
        Decl::Migrate(m) if m.from_version == version => Some(m),
        _ => None,
    })
}

/// The block's `migrate` keyword: a label on the whole block would print
/// all of it.
fn keyword(block: &MigrateDecl) -> Span {
    let start = block.span.start as usize;
    Span::new(
        start,
        (start + "migrate".len()).min(block.span.end as usize),
    )
}

/// The flow's name, where a finding about the whole flow points.
fn flow_head(file: &File) -> Span {
    file.decls
        .iter()
        .find_map(|d| match d {
            Decl::Flow(f) => Some(f.name.span),
            _ => None,
        })
        .unwrap_or_default()
}

fn version_span(file: &File) -> Option<Span> {
    file.decls.iter().find_map(|d| match d {
        Decl::Flow(f) => f.version.map(|(_, span)| span),
        _ => None,
    })
}
