//! Operator precedence: the one table that the parser's expression builder
//! (`syntax/expr.rs`) climbs and the formatter (`fmt/expr.rs`) consults to
//! know where parentheses are needed. Loosest first:
//!
//! `or` < `and` < `not` < comparisons < `is set` / `in` < `+ -` < `* /` <
//! unary `-` < a value.
//!
//! Comparisons do not associate (`a < b < c` is an error, not a chain); every
//! other binary operator associates to the left.

use super::ast::{BinaryOp, Expr, ExprKind, UnaryOp};

/// How tightly an operator holds its operands: a higher power binds first.
pub type Power = u8;

pub const OR: Power = 1;
pub const AND: Power = 2;
pub const NOT: Power = 3;
pub const COMPARISON: Power = 4;
/// `is set` and `in [...]`, written after their operand.
pub const POSTFIX: Power = 5;
pub const ADDITIVE: Power = 6;
pub const MULTIPLICATIVE: Power = 7;
pub const NEGATION: Power = 8;
/// A literal, a name, a field or anything in parentheses.
pub const PRIMARY: Power = 9;

/// Whether a chain of the same operator groups to the left or not at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assoc {
    Left,
    /// `a == b == c` is refused rather than read one way or the other.
    None,
}

/// One row of the table for a binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    pub power: Power,
    pub assoc: Assoc,
}

impl Binding {
    /// The least power each operand must have to be written without
    /// parentheses: for a left-associative operator, the left operand may
    /// be the same operator and the right one must bind tighter; a
    /// non-associative operator needs tighter operands on both sides.
    pub fn operand_powers(self) -> (Power, Power) {
        match self.assoc {
            Assoc::Left => (self.power, self.power + 1),
            Assoc::None => (self.power + 1, self.power + 1),
        }
    }
}

pub fn binary(op: BinaryOp) -> Binding {
    let (power, assoc) = match op {
        BinaryOp::Or => (OR, Assoc::Left),
        BinaryOp::And => (AND, Assoc::Left),
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            (COMPARISON, Assoc::None)
        }
        BinaryOp::Add | BinaryOp::Sub => (ADDITIVE, Assoc::Left),
        BinaryOp::Mul | BinaryOp::Div => (MULTIPLICATIVE, Assoc::Left),
    };
    Binding { power, assoc }
}

pub fn unary(op: UnaryOp) -> Power {
    match op {
        UnaryOp::Not => NOT,
        UnaryOp::Neg => NEGATION,
    }
}

/// The power of the operator at the top of `e`; an expression the writer
/// put in parentheses is a value whatever is inside.
pub fn of(e: &Expr) -> Power {
    if e.parens > 0 {
        return PRIMARY;
    }
    match &e.kind {
        ExprKind::Binary { op, .. } => binary(*op).power,
        ExprKind::Unary { op, .. } => unary(*op),
        ExprKind::IsSet(_) | ExprKind::In { .. } => POSTFIX,
        _ => PRIMARY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_levels_are_ordered_loosest_first() {
        let levels = [
            OR,
            AND,
            NOT,
            COMPARISON,
            POSTFIX,
            ADDITIVE,
            MULTIPLICATIVE,
            NEGATION,
            PRIMARY,
        ];
        assert!(levels.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(binary(BinaryOp::Lt).operand_powers(), (5, 5));
        assert_eq!(binary(BinaryOp::Sub).operand_powers(), (6, 7));
    }
}
