//! Bounds that keep the parser and every later pass clear of stack
//! overflows and runaway memory, whatever file is thrown at them.

/// Larger files are refused before parsing (spans are `u32` offsets, and no
/// real flow comes near this).
pub(crate) const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Nesting of `{ }`, `[ ]`, `( )` and `{placeholders}`, counted before pest
/// runs, whose recursion would otherwise overflow the stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// Operators in one expression; each one nests the tree one level deeper.
pub(crate) const MAX_OPERATORS: usize = 256;
