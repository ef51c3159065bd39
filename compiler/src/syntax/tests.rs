//! The parser's specification: what a flow author relies on.

#[allow(unused_imports)]
use super::ast::*;
use super::parse;

const SAMPLE: &str = include_str!("../../../tests/cases/valid/reference.dun");

#[test]
fn the_reference_flow_parses_without_diagnostics() {
    let parsed = parse(SAMPLE);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    assert_eq!(parsed.file.decls.len(), 29);
}
