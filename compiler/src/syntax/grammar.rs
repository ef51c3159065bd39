//! The pest parser generated from `grammar/dun.pest`. Pairs never leave the
//! `syntax` module: `build` turns them into the owned AST at once.

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/dun.pest"]
pub(crate) struct DunParser;
