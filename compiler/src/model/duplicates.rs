//! Declarations whose name an earlier declaration of the same kind already
//! took. The first declaration is the one in the model's tables and the one
//! every use resolves to; a duplicate stays out of them (and is reported),
//! but the editor still needs to know it is a declaration: renaming it
//! renames that declaration alone.

use super::SymbolKind;
use crate::syntax::ast::{Ident, Span};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub kind: SymbolKind,
    pub name: String,
    /// The span of the duplicate's name.
    pub span: Span,
}

impl Duplicate {
    pub(crate) fn of(kind: SymbolKind, name: &Ident) -> Duplicate {
        Duplicate {
            kind,
            name: name.name.clone(),
            span: name.span,
        }
    }
}
