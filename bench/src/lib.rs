#![forbid(unsafe_code)]
//! Inputs for the benchmarks: generated flows of a realistic shape, so that
//! figures measure the language as collections teams write it.

pub mod generate;
pub mod portfolio;
