//! Text → owned AST (`ast`), with recovery per declaration and per step.

pub mod ast;
