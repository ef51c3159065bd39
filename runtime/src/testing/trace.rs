//! A test's trace as people read it, the same in `dun test --trace` and in
//! the editor's "Trace" lens: one line per entry, with its day, its time in
//! the test's zone, what kind of entry it is and its text.

use super::{TestReport, TraceKind};
use std::fmt::Write as _;

/// Appends the lines of `report`'s trace to `out`.
pub fn write_trace(report: &TestReport, out: &mut String) {
    for entry in &report.trace {
        let kind = match entry.kind {
            TraceKind::Action => "did".to_string(),
            TraceKind::Input => "test".to_string(),
            TraceKind::Audit(k) => format!("{k:?}").to_lowercase(),
        };
        let _ = writeln!(
            out,
            "  day {:>3} {}  {kind:<10} {}",
            entry.day, entry.time, entry.text
        );
    }
}
