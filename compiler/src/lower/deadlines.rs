//! Deadlines → the machine's [`Deadline`]s. Each gets a hidden `bool`
//! variable saying whether it has been spent, so that the state lives in
//! the account's variables (stored, migrated and shown like the others).
//! The variable is named after the deadline's place and target
//! (`deadline -> law_firm`, `deadline of promised -> broken`): names a flow
//! cannot declare, which stay the same when deadlines are reordered, so a
//! migration carries each one's state over. One more hidden variable,
//! `stage resumes at`, keeps a stage's resume moment while the account is
//! due earlier for a deadline (see the engine's `deadline` module).

use super::{src, Lowerer};
use crate::syntax::ast::{self, Decl};
use dun_machine::format::{Const, Deadline, Type};

pub(crate) fn lower(cx: &mut Lowerer<'_>) {
    let file = cx.file;
    let model = cx.model;
    for decl in &file.decls {
        if let Decl::Deadline(d) = decl {
            one(cx, d, None);
        }
    }
    for (i, s) in model.stages.iter().enumerate() {
        let Some(Decl::Stage(stage)) = file.decls.get(s.decl) else {
            continue;
        };
        for d in &stage.deadlines {
            one(cx, d, Some(i as u16));
        }
    }
    // A promise wakes the account when it breaks, as a deadline does.
    if !cx.m.collections.deadlines.is_empty() || cx.m.arrangements.is_some() {
        let resume = cx.hidden_var("stage resumes at", Type::DateTime, Const::DateTime(0));
        cx.m.collections.stage_resume = Some(resume);
    }
}

fn one(cx: &mut Lowerer<'_>, d: &ast::Deadline, stage: Option<u16>) {
    let target = cx.stage_index(&d.stage);
    let base = match stage {
        None => format!("deadline -> {}", d.stage.name),
        Some(s) => format!("deadline of {} -> {}", cx.m.stage_name(s), d.stage.name),
    };
    let mut name = base.clone();
    let mut n = 1;
    while cx.m.var_index(&name).is_some() {
        n += 1;
        name = format!("{base} #{n}");
    }
    let spent = cx.hidden_var(&name, Type::Bool, Const::Bool(false));
    let at = cx.code(&d.at, None);
    let when = d.when.as_ref().map(|w| cx.code(w, None));
    cx.m.collections.deadlines.push(Deadline {
        stage,
        at,
        when,
        target,
        spent,
        span: src(d.span),
    });
}
