//! The tree-sitter grammar of dun (`grammar.js`, generated into
//! `src/parser.c`) and its queries, for editors and tools that read dun
//! with tree-sitter. The compiler does not use it: `grammar/dun.pest` is the
//! language's reference, and `tests/agreement.rs` fails when the two differ.
//!
//! ```
//! let mut parser = tree_sitter::Parser::new();
//! parser.set_language(&tree_sitter_dun::LANGUAGE.into()).expect("a compatible tree-sitter");
//! let tree = parser.parse("flow reminders\nstart first\n", None).expect("a tree");
//! assert!(!tree.root_node().has_error());
//! ```

// The crate's one unsafe item is the C parser's entry point, which the
// tree-sitter API takes as a raw function; nothing else may use `unsafe`.
#![deny(unsafe_code)]

use tree_sitter_language::LanguageFn;

extern "C" {
    fn tree_sitter_dun() -> *const ();
}

/// The dun language, for `tree_sitter::Parser::set_language`.
// SAFETY: `tree_sitter_dun` is the generated parser's constructor: it takes
// nothing and returns a pointer to a static `TSLanguage`.
#[allow(unsafe_code)]
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_dun) };

/// The node types, as `tree-sitter generate` describes them.
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");

/// Syntax highlighting (nvim-treesitter's capture names).
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");

/// Syntax highlighting with Helix's capture names, generated from
/// [`HIGHLIGHTS_QUERY`] (`tests/helix.rs`).
pub const HELIX_HIGHLIGHTS_QUERY: &str = include_str!("../../queries/helix/highlights.scm");

/// Folds.
pub const FOLDS_QUERY: &str = include_str!("../../queries/folds.scm");

/// Indents (nvim-treesitter's captures).
pub const INDENTS_QUERY: &str = include_str!("../../queries/indents.scm");

/// Indents with Helix's captures, generated from [`INDENTS_QUERY`]
/// (`tests/helix.rs`).
pub const HELIX_INDENTS_QUERY: &str = include_str!("../../queries/helix/indents.scm");

/// Bracket pairs for Zed.
pub const ZED_BRACKETS_QUERY: &str = include_str!("../../queries/zed/brackets.scm");

/// Indents for Zed.
pub const ZED_INDENTS_QUERY: &str = include_str!("../../queries/zed/indents.scm");

/// The outline panel for Zed.
pub const ZED_OUTLINE_QUERY: &str = include_str!("../../queries/zed/outline.scm");

/// Definitions and references.
pub const LOCALS_QUERY: &str = include_str!("../../queries/locals.scm");
