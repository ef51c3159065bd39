//! Loading the flow a runtime command works on: a `.dun` file is checked
//! and compiled on the spot (its diagnostics printed like `dun check`), a
//! `.dunc` file is decoded the way a service would load it.

use crate::exit;
use dun_runtime::format::Machine;
use std::path::Path;

/// The machine, or the exit status to end with (the reason was printed).
pub(crate) fn load(path: &Path) -> Result<Machine, u8> {
    if path.extension().is_some_and(|e| e == "dunc") {
        let bytes = std::fs::read(path).map_err(|e| {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            exit::TROUBLE
        })?;
        return dun_runtime::decode(&bytes).map_err(|e| {
            eprintln!("error: `{}`: {e}", path.display());
            exit::FINDINGS
        });
    }
    crate::build::compile(path)
        .map(|c| c.machine)
        .map_err(|f| f.status())
}

/// `2026-03-02T09:00:00Z` (RFC 3339) or `2026-03-02` (00:00 UTC).
pub(crate) fn moment(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Some(t) = dun_runtime::data::datetime(text) {
        return Ok(t);
    }
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            format!("`{text}` is not a moment; write `2026-03-02T09:00:00Z` (RFC 3339) or a date `2026-03-02`")
        })
}
