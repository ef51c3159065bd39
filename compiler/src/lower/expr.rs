//! Expressions → stack bytecode over the constant pool; durations and
//! template text.

use super::{Lowerer, UNRESOLVED};
use crate::model::DeclId;
use crate::syntax::ast::{self, BinaryOp, Decl, ExprKind, FieldRoot, TextPart, UnaryOp};
use dun_machine::format::{self, Code, Const, DurationSpec, DurationUnit, Instr, TextPiece};

impl<'a> Lowerer<'a> {
    /// Compiles an expression. `event` is the event whose payload
    /// `event.x` reads (in handlers and policy guards).
    pub fn code(&mut self, e: &ast::Expr, event: Option<u16>) -> Code {
        let mut out = Code::new();
        let mut segments: Vec<u16> = Vec::new();
        self.emit(e, event, &mut out, &mut segments);
        out
    }

    /// Adds a constant to the pool (once) and returns the instruction that
    /// pushes it.
    pub fn konst(&mut self, c: Const) -> Instr {
        // Equal constants share a slot (`Decimal` compares and hashes by
        // value, so `1.0` and `1` are one), the first one written kept.
        if let Some(&i) = self.pools.consts.get(&c) {
            return Instr::Const(i);
        }
        let i = self.m.consts.len() as u32;
        self.m.consts.push(c.clone());
        self.pools.consts.insert(c, i);
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
            Some(name) => match self.resolve(name) {
                Some(DeclId::Calendar(i)) => Some(i),
                _ => {
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

    /// The text of the `file "..."` template `name`, whose names are
    /// resolved in the file's own table.
    pub fn file_text(&mut self, name: &str, t: &ast::Text) -> format::Text {
        let model = self.model;
        let Some(table) = model.usage.resolved_in_files.get(name) else {
            // A file without placeholders resolves nothing.
            return self.text(t, None);
        };
        let flow = std::mem::replace(&mut self.resolved, table);
        let out = self.text(t, None);
        self.resolved = flow;
        out
    }

    /// The condition of a segment, from its declaration.
    fn segment_cond(&self, i: u16) -> Option<&'a ast::Expr> {
        let file = self.file;
        let decl = self.model.segments.at(usize::from(i))?.decl;
        match file.decls.get(decl)? {
            Decl::Segment(s) => Some(&s.cond),
            _ => None,
        }
    }

    fn emit(&mut self, e: &ast::Expr, event: Option<u16>, out: &mut Code, segments: &mut Vec<u16>) {
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
            ExprKind::Name(name) => match self.resolve(name) {
                Some(DeclId::Var(v)) => Instr::Var(v),
                Some(DeclId::Segment(i)) => {
                    if segments.contains(&i) {
                        self.error(
                            UNRESOLVED,
                            format!("segment `{}` is defined in terms of itself", name.name),
                            name.span,
                            "define the segment from account fields and variables, not from itself",
                        );
                        return;
                    }
                    let Some(cond) = self.segment_cond(i) else {
                        self.unresolved("segment", name);
                        return;
                    };
                    // A segment is inlined: its condition reads the account
                    // at the moment it is used.
                    segments.push(i);
                    self.emit(cond, event, out, segments);
                    segments.pop();
                    return;
                }
                Some(_) => {
                    self.unresolved("variable or segment", name);
                    return;
                }
                // The checker resolves every variable and segment; a bare
                // name it left alone is a variant of an enumeration.
                None => {
                    let sym = self.sym(&name.name);
                    self.konst(Const::Variant(sym))
                }
            },
            ExprKind::Field { root, field, .. } => match (root, self.resolve(field)) {
                (FieldRoot::Account, Some(DeclId::AccountField(0))) => Instr::AccountId,
                (FieldRoot::Account, Some(DeclId::AccountField(i))) => Instr::Account(i - 1),
                (FieldRoot::Event, Some(DeclId::EventField { event: e, field: i }))
                    if event == Some(e) =>
                {
                    Instr::Event(i)
                }
                (FieldRoot::Account, _) => {
                    self.unresolved("account field", field);
                    return;
                }
                (FieldRoot::Event, _) => {
                    self.unresolved("field of this event", field);
                    return;
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
