//! Expressions → stack bytecode over the constant pool; durations and
//! template text.

use super::{Lowerer, UNRESOLVED};
use crate::syntax::ast::{self, BinaryOp, ExprKind, FieldRoot, TextPart, UnaryOp};
use dun_machine::format::{self, Code, Const, DurationSpec, DurationUnit, Instr, TextPiece};

impl Lowerer<'_> {
    /// Compiles an expression. `event` is the event whose payload
    /// `event.x` reads (in handlers and policy guards).
    pub fn code(&mut self, e: &ast::Expr, event: Option<u16>) -> Code {
        let mut out = Code::new();
        let mut segments: Vec<String> = Vec::new();
        self.emit(e, event, &mut out, &mut segments);
        out
    }

    /// Adds a constant to the pool (once) and returns the instruction that
    /// pushes it.
    pub fn konst(&mut self, c: Const) -> Instr {
        // Equal constants share a slot (`Decimal` compares and hashes by
        // value, so `1.0` and `1` are one), the first one written kept.
        if let Some(&i) = self.names.consts.get(&c) {
            return Instr::Const(i);
        }
        let i = self.m.consts.len() as u32;
        self.m.consts.push(c.clone());
        self.names.consts.insert(c, i);
        Instr::Const(i)
    }

    pub fn duration(&mut self, d: &ast::DurationLit) -> DurationSpec {
        let unit = match d.unit {
            ast::DurationUnit::Minutes => DurationUnit::Minutes,
            ast::DurationUnit::Hours => DurationUnit::Hours,
            ast::DurationUnit::Days => DurationUnit::Days,
            ast::DurationUnit::Weeks => DurationUnit::Weeks,
            ast::DurationUnit::Months => DurationUnit::Months,
            ast::DurationUnit::BusinessDays => DurationUnit::BusinessDays,
        };
        let calendar = match &d.calendar {
            None => None,
            Some(name) => match self.names.calendars.get(name.name.as_str()) {
                Some(&i) => Some(i),
                None => {
                    self.unresolved("calendar", name);
                    None
                }
            },
        };
        DurationSpec {
            amount: d.amount,
            unit,
            calendar,
        }
    }

    /// Text with placeholders (templates, alerts).
    pub fn text(&mut self, t: &ast::Text, event: Option<u16>) -> format::Text {
        let mut out = format::Text::new();
        for part in &t.parts {
            match part {
                TextPart::Literal(s, _) => {
                    let sym = self.sym(s);
                    out.push(TextPiece::Lit(sym));
                }
                TextPart::Placeholder(e) => {
                    let code = self.code(e, event);
                    out.push(TextPiece::Expr(code));
                }
            }
        }
        out
    }

    fn emit(
        &mut self,
        e: &ast::Expr,
        event: Option<u16>,
        out: &mut Code,
        segments: &mut Vec<String>,
    ) {
        let instr = match &e.kind {
            ExprKind::Number(n) => self.konst(Const::Number(*n)),
            ExprKind::Percent(n) => self.konst(Const::Percent(*n)),
            ExprKind::Money { amount, .. } => self.konst(Const::Money(*amount)),
            ExprKind::Duration(d) => {
                let d = self.duration(d);
                self.konst(Const::Duration(d))
            }
            ExprKind::Date(d) => self.konst(Const::Date(*d)),
            ExprKind::Time(t) => self.konst(Const::time(*t)),
            // A datetime written in a flow has no zone: it is read as UTC.
            ExprKind::DateTime(d, t) => {
                self.konst(Const::DateTime(d.and_time(*t).and_utc().timestamp()))
            }
            ExprKind::Bool(b) => self.konst(Const::Bool(*b)),
            ExprKind::Text(t) => {
                // Placeholders are only allowed in templates and alerts (the
                // checker says so); here the literal parts are the value.
                let plain: String = t
                    .parts
                    .iter()
                    .filter_map(|p| match p {
                        TextPart::Literal(s, _) => Some(s.as_str()),
                        TextPart::Placeholder(_) => None,
                    })
                    .collect();
                let sym = self.sym(&plain);
                self.konst(Const::Text(sym))
            }
            ExprKind::Today => Instr::Today,
            ExprKind::Now => Instr::Now,
            ExprKind::Name(name) => {
                if let Some(&v) = self.names.vars.get(name.name.as_str()) {
                    Instr::Var(v)
                } else if let Some(&cond) = self.names.segments.get(name.name.as_str()) {
                    if segments.contains(&name.name) {
                        self.error(
                            UNRESOLVED,
                            format!("segment `{}` is defined in terms of itself", name.name),
                            name.span,
                            "define the segment from account fields and variables, not from itself",
                        );
                        return;
                    }
                    // A segment is inlined: its condition reads the account
                    // at the moment it is used.
                    segments.push(name.name.clone());
                    self.emit(cond, event, out, segments);
                    segments.pop();
                    return;
                } else {
                    let sym = self.sym(&name.name);
                    self.konst(Const::Variant(sym))
                }
            }
            ExprKind::Field { root, field, .. } => match root {
                FieldRoot::Account if field.name == "id" => Instr::AccountId,
                FieldRoot::Account => match self.names.account.get(field.name.as_str()) {
                    Some(&i) => Instr::Account(i),
                    None => {
                        self.unresolved("account field", field);
                        return;
                    }
                },
                FieldRoot::Event => {
                    let index = event.and_then(|ev| {
                        self.names
                            .event_fields
                            .get(ev as usize)
                            .and_then(|f| f.get(field.name.as_str()).copied())
                    });
                    match index {
                        Some(i) => Instr::Event(i),
                        None => {
                            self.unresolved("field of this event", field);
                            return;
                        }
                    }
                }
            },
            ExprKind::Unary { op, expr } => {
                self.emit(expr, event, out, segments);
                match op {
                    UnaryOp::Not => Instr::Not,
                    UnaryOp::Neg => Instr::Neg,
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.emit(lhs, event, out, segments);
                match op {
                    BinaryOp::And | BinaryOp::Or => {
                        let at = out.len();
                        out.push(Instr::AndThen(0));
                        self.emit(rhs, event, out, segments);
                        let end = out.len() as u32;
                        out[at] = if *op == BinaryOp::And {
                            Instr::AndThen(end)
                        } else {
                            Instr::OrElse(end)
                        };
                        return;
                    }
                    _ => {}
                }
                self.emit(rhs, event, out, segments);
                match op {
                    BinaryOp::Eq => Instr::Eq,
                    BinaryOp::Ne => Instr::Ne,
                    BinaryOp::Lt => Instr::Lt,
                    BinaryOp::Le => Instr::Le,
                    BinaryOp::Gt => Instr::Gt,
                    BinaryOp::Ge => Instr::Ge,
                    BinaryOp::Add => Instr::Add,
                    BinaryOp::Sub => Instr::Sub,
                    BinaryOp::Mul => Instr::Mul,
                    BinaryOp::Div => Instr::Div,
                    BinaryOp::And | BinaryOp::Or => return,
                }
            }
            ExprKind::IsSet(inner) => {
                self.emit(inner, event, out, segments);
                Instr::IsSet
            }
            ExprKind::In { expr, list } => {
                self.emit(expr, event, out, segments);
                for item in list {
                    self.emit(item, event, out, segments);
                }
                Instr::In(list.len().min(u16::MAX as usize) as u16)
            }
        };
        out.push(instr);
    }
}
