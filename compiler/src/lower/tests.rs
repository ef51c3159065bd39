//! Lowering, specified on small flows and on the language reference.

use super::*;
use dun_runtime::format::{Instr, Op, StateKind};

fn compile(text: &str) -> Machine {
    let analysis = crate::analyze(None, text);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    match lower(&analysis.file, &analysis.model) {
        Ok(m) => m,
        Err(d) => panic!("{d:#?}"),
    }
}

const HEAD: &str = "flow t version 2\ncurrency USD\naccount { name: text\n mobile: phone?\n risk: low | high }\nevent paid\n";

#[test]
fn every_stage_has_an_entry_state_and_each_wait_a_state_after_it() {
    let m = compile(&format!(
        "{HEAD}start a\nstage a {{ wait 1 day\n wait 2 days\n goto b }}\nstage b {{ end done }}\n"
    ));
    assert_eq!(m.flow, "t");
    assert_eq!(m.version, 2);
    let kinds: Vec<_> = m.states.iter().map(|s| (s.stage, s.pc, s.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (0, 0, StateKind::Entry),
            (1, 0, StateKind::Entry),
            (0, 1, StateKind::Wait),
            (0, 2, StateKind::Wait)
        ]
    );
    assert_eq!(m.stages[0].spans.len(), m.stages[0].code.len());
}

#[test]
fn repeat_is_unrolled_with_distinct_states() {
    let m = compile(&format!(
        "{HEAD}start a\nstage a {{ repeat 3 times {{ call queue q\n wait 1 day }}\n end done }}\n"
    ));
    assert_eq!(m.stages[0].code.len(), 7);
    let held: Vec<_> = m
        .states
        .iter()
        .filter(|s| s.kind == StateKind::Held)
        .map(|s| s.pc)
        .collect();
    assert_eq!(held, vec![0, 2, 4]);
}

#[test]
fn and_short_circuits_so_an_unset_field_is_never_compared() {
    let m = compile(&format!(
        "{HEAD}start a\nstage a {{ if account.mobile is set and account.risk == high {{ end risky }}\n end done }}\n"
    ));
    let Op::JumpUnless { cond, to } = &m.stages[0].code[0] else {
        panic!("{:?}", m.stages[0].code)
    };
    assert_eq!(*to, 2);
    assert!(matches!(cond[2], Instr::AndThen(6)), "{cond:?}");
    assert_eq!(cond.len(), 6);
}

#[test]
fn a_bare_name_is_a_var_then_a_segment_then_a_variant() {
    let m = compile(&format!(
        "{HEAD}var n: number = 1\nsegment hi = account.risk == high\nstart a\nstage a {{ if hi and n == 1 {{ end x }}\n end done }}\n"
    ));
    let Op::JumpUnless { cond, .. } = &m.stages[0].code[0] else {
        panic!()
    };
    assert!(cond.contains(&Instr::Var(0)));
    assert!(cond.contains(&Instr::Account(2)));
    assert!(m
        .consts
        .iter()
        .any(|c| matches!(c, dun_runtime::format::Const::Variant(s) if m.str(*s) == "high")));
}

#[test]
fn a_handler_arrow_is_a_goto_and_handler_contacts_never_hold() {
    let m = compile(&format!(
        "{HEAD}template t for sms \"hi\"\non paid -> b\nstart a\nstage a {{ on paid {{ send sms t }}\n send sms t\n wait 1 day\n goto b }}\nstage b {{ end done }}\n"
    ));
    assert_eq!(m.handlers[0].code, vec![Op::Goto(1)]);
    assert!(matches!(
        m.stages[0].handlers[0].code[0],
        Op::Send {
            hold: None,
            to: Some(1),
            ..
        }
    ));
    assert!(matches!(
        m.stages[0].code[0],
        Op::Send { hold: Some(_), .. }
    ));
}

#[test]
fn else_if_chains_jump_past_the_other_branches() {
    let m = compile(&format!(
        "{HEAD}start a\nstage a {{\n if account.risk == high {{ assign queue h }}\n else if account.risk == low {{ assign queue l }}\n else {{ assign queue n }}\n end done\n}}\n"
    ));
    let code = &m.stages[0].code;
    assert!(matches!(code[0], Op::JumpUnless { to: 3, .. }), "{code:?}");
    assert!(matches!(code[2], Op::Jump(7)));
    assert!(matches!(code[3], Op::JumpUnless { to: 6, .. }));
    assert!(matches!(code[5], Op::Jump(7)));
    assert!(matches!(code[7], Op::End(_)));
}

#[test]
fn the_language_reference_compiles_to_about_half_its_source_and_its_test_passes() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/valid/reference.dun");
    let text = std::fs::read_to_string(&path).unwrap();
    let analysis = crate::analyze(Some(&path), &text);
    let m = lower(&analysis.file, &analysis.model).unwrap();
    assert_eq!(m.default_calendar, Some(0));
    assert_eq!(m.policy.caps.len(), 2);
    assert_eq!(m.policy.stops.len(), 1);
    let bytes = dun_runtime::encode(&m);
    // The reference is terse (few comments) and its letter lives in a file
    // that the machine carries: measured 1 703 bytes for 3 136 + 289.
    let letter = std::fs::metadata(path.with_file_name("templates/final_demand.txt"))
        .unwrap()
        .len() as usize;
    assert!(
        bytes.len() * 100 < (text.len() + letter) * 52,
        "{} bytes for {} + {letter} bytes of source",
        bytes.len(),
        text.len()
    );
    assert_eq!(dun_runtime::decode(&bytes).unwrap(), m);
    let tests = lower_tests(&analysis.file, &m);
    assert_eq!(tests.len(), 1);
    let report = dun_runtime::testing::run_test(&m, &tests[0]);
    assert!(report.passed, "{:#?}", report.results);
}
