//! Accounts and events as core systems hand them over: CSV (a header names
//! the fields) or JSON Lines, read row by row with line numbers, so one bad
//! row is rejected with its reason and the good rows still run.
//!
//! The rules for values are in `docs/data.md`.

use crate::engine::{type_words, Account};
use crate::format::{DurationSpec, DurationUnit, Field, Machine, Type};
use crate::value::Value;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use std::io::BufRead;
use std::path::Path;
use std::str::FromStr;

mod checks;
mod rows;

pub use checks::minor_units;

/// One cell of a row, before it is read against a type.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A CSV cell or a JSON string.
    Str(String),
    /// A JSON number, as written.
    Num(String),
    Bool(bool),
    /// JSON `null`.
    Null,
}

impl Cell {
    /// Empty cells and `null` mean "unset".
    fn is_empty(&self) -> bool {
        match self {
            Cell::Str(s) => s.trim().is_empty(),
            Cell::Null => true,
            _ => false,
        }
    }

    fn text(&self) -> String {
        match self {
            Cell::Str(s) | Cell::Num(s) => s.trim().to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Null => String::new(),
        }
    }
}

/// A row of an input file: its line (1-based, of the row's first line), its
/// text as read, and its named cells in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub line: u64,
    pub raw: String,
    pub cells: Vec<(String, Cell)>,
}

/// A row that could not be used, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Reject {
    pub line: u64,
    pub raw: String,
    pub reason: String,
}

impl Reject {
    pub fn new(row: &Row, reason: impl Into<String>) -> Reject {
        Reject {
            line: row.line,
            raw: row.raw.clone(),
            reason: reason.into(),
        }
    }
}

/// The formats of an input file, told by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// Reads every row of a file. A file that cannot be read at all (missing,
/// unknown extension, a CSV without a header) is an error; a row that
/// cannot be read is a reject and the others are still returned.
pub fn read_rows(path: &Path) -> Result<(Vec<Row>, Vec<Reject>), String> {
    let format = Format::of(path).ok_or_else(|| {
        format!(
            "`{}`: unknown file type; name it `.csv` (a header row names the fields) or `.jsonl` (one JSON object a line)",
            path.display()
        )
    })?;
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let reader = std::io::BufReader::new(file);
    match format {
        Format::Csv => read_csv(reader).map_err(|e| format!("`{}`: {e}", path.display())),
        Format::Jsonl => Ok(read_jsonl(reader)),
    }
}

/// Reads a CSV file (see [`rows::read_csv`]).
pub fn read_csv(reader: impl std::io::Read) -> Result<(Vec<Row>, Vec<Reject>), String> {
    rows::read_csv(reader)
}

pub fn read_jsonl(reader: impl BufRead) -> (Vec<Row>, Vec<Reject>) {
    let mut rows = Vec::new();
    let mut rejects = Vec::new();
    for (n, line) in reader.split(b'\n').enumerate() {
        let line_no = n as u64 + 1;
        let bytes = match line {
            Ok(b) => b,
            Err(e) => {
                rejects.push(Reject {
                    line: line_no,
                    raw: String::new(),
                    reason: format!("cannot read the line: {e}"),
                });
                break;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            rejects.push(Reject {
                line: line_no,
                raw: String::new(),
                reason: "the line is not UTF-8 text".into(),
            });
            continue;
        };
        let text = text.trim_end_matches('\r');
        if text.trim().is_empty() {
            continue;
        }
        let reject = |reason: String| Reject {
            line: line_no,
            raw: text.to_string(),
            reason,
        };
        let cells = match rows::json_cells(text) {
            Ok(cells) => cells,
            Err(reason) => {
                rejects.push(reject(reason));
                continue;
            }
        };
        rows.push(Row {
            line: line_no,
            raw: text.to_string(),
            cells,
        });
    }
    (rows, rejects)
}

/// Reads one cell as a value of a declared type. The error says what was
/// expected.
pub fn parse_value(m: &Machine, field: &Field, cell: &Cell) -> Result<Value, String> {
    let name = m.str(field.name);
    if cell.is_empty() {
        return if field.optional {
            Ok(Value::Unset)
        } else {
            Err(format!(
                "field `{name}` is empty; it is not optional, so give {}",
                type_words(m, &field.ty)
            ))
        };
    }
    let text = cell.text();
    let wrong = || {
        format!(
            "field `{name}` should be {}, got `{text}`",
            type_words(m, &field.ty)
        )
    };
    let value = match &field.ty {
        Type::Bool => match (cell, text.to_ascii_lowercase().as_str()) {
            (Cell::Bool(b), _) => Value::Bool(*b),
            (_, "true") => Value::Bool(true),
            (_, "false") => Value::Bool(false),
            _ => return Err(wrong()),
        },
        Type::Number => Value::Number(decimal(&text).ok_or_else(wrong)?),
        Type::Percent => {
            let t = text.strip_suffix('%').unwrap_or(&text).trim();
            Value::Percent(decimal(t).ok_or_else(wrong)?)
        }
        Type::Money => Value::Money(money(m, name, &text)?),
        Type::Text | Type::Address => {
            // Text reaches subjects and other headers downstream: a line
            // break there starts a header of its own. An address may span
            // lines (a letter's), and nothing else.
            let lines = field.ty == Type::Address;
            if let Some(c) = checks::control_char(&text, lines) {
                return Err(format!(
                    "field `{name}` holds the control character {c:?}; {}",
                    if lines {
                        "an address may hold line breaks, and no other control character"
                    } else {
                        "text may not hold line breaks or other control characters"
                    }
                ));
            }
            Value::Text(text)
        }
        Type::Phone => {
            if !checks::phone_ok(&text) {
                return Err(format!(
                    "field `{name}` should be a phone number (3 to 15 digits, spaces, `-().` between them, `+` first), got {text:?}"
                ));
            }
            Value::Text(text)
        }
        Type::Email => {
            if !checks::email_ok(&text) {
                return Err(format!(
                    "field `{name}` should be an email address (`name@example.com`), got {text:?}"
                ));
            }
            Value::Text(text)
        }
        Type::Timezone => {
            if crate::time::zone_from_name(&text).is_none() {
                return Err(format!(
                    "field `{name}` should be an IANA timezone name such as \"America/New_York\", got `{text}`"
                ));
            }
            Value::Text(text)
        }
        Type::Enum(variants) => {
            if !variants.iter().any(|v| m.str(*v) == text) {
                return Err(format!(
                    "field `{name}` should be {}, got `{text}`",
                    type_words(m, &field.ty)
                ));
            }
            Value::Variant(text)
        }
        Type::Date => Value::Date(
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| format!("field `{name}` should be a date `YYYY-MM-DD`, got `{text}`"))?,
        ),
        Type::Time => Value::Time(
            NaiveTime::parse_from_str(&text, "%H:%M")
                .map_err(|_| format!("field `{name}` should be a time of day `HH:MM`, got `{text}`"))?,
        ),
        Type::DateTime => Value::DateTime(datetime(&text).ok_or_else(|| {
            format!("field `{name}` should be an RFC 3339 date and time such as `2026-03-02T09:00:00Z`, got `{text}`")
        })?),
        Type::Duration => Value::Duration(duration(&text).ok_or_else(|| {
            format!("field `{name}` should be a duration such as `3 days`, got `{text}`")
        })?),
    };
    Ok(value)
}

fn decimal(text: &str) -> Option<Decimal> {
    let t = text.trim().replace('_', "");
    Decimal::from_str(&t)
        .ok()
        .or_else(|| Decimal::from_scientific(&t).ok())
}

/// `120.50` or `120.50 USD`: a decimal in the flow's currency.
fn money(m: &Machine, name: &str, text: &str) -> Result<Decimal, String> {
    let (amount, code) = match text.rsplit_once(' ') {
        Some((a, c)) if c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase()) => {
            (a.trim(), Some(c))
        }
        _ => (text, None),
    };
    if let Some(code) = code {
        if !code.eq_ignore_ascii_case(&m.currency) {
            return Err(format!(
                "field `{name}` is in {code}, but the flow's currency is {}; convert it or write the amount alone",
                m.currency
            ));
        }
    }
    checks::money_amount(amount, &m.currency).map_err(|why| {
        format!(
            "field `{name}` should be money in {} (a decimal such as `120.50`), got `{text}`: {why}",
            m.currency
        )
    })
}

/// RFC 3339 (`2026-03-02T09:00:00Z`, `2026-03-02T09:00:00-05:00`).
pub fn datetime(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn duration(text: &str) -> Option<DurationSpec> {
    let mut words = text.split_whitespace();
    let amount: u32 = words.next()?.parse().ok()?;
    let unit = words.collect::<Vec<_>>().join(" ");
    let unit = match unit.trim_end_matches('s') {
        "minute" => DurationUnit::Minutes,
        "hour" => DurationUnit::Hours,
        "day" => DurationUnit::Days,
        "week" => DurationUnit::Weeks,
        "month" => DurationUnit::Months,
        "business day" => DurationUnit::BusinessDays,
        _ => return None,
    };
    Some(DurationSpec::new(amount, unit))
}

/// Reads an account row that may carry `as_of`, the moment its values
/// are true (RFC 3339); without it, the row is as of the account's clock.
pub fn parse_account_as_of(
    m: &Machine,
    row: &Row,
) -> Result<(Account, Option<DateTime<Utc>>), String> {
    let Some(i) = row.cells.iter().position(|(n, _)| n == "as_of") else {
        return parse_account(m, row).map(|a| (a, None));
    };
    let text = row.cells[i].1.text();
    let at = if text.trim().is_empty() {
        None
    } else {
        Some(datetime(&text).ok_or_else(|| {
            format!("`as_of` should be an RFC 3339 date and time such as `2026-03-02T09:00:00Z`, got `{text}`")
        })?)
    };
    let mut rest = row.clone();
    rest.cells.remove(i);
    parse_account(m, &rest).map(|a| (a, at))
}

/// Reads an account row: `id` and the flow's account fields.
pub fn parse_account(m: &Machine, row: &Row) -> Result<Account, String> {
    let mut id = None;
    let mut fields = vec![Value::Unset; m.account.len()];
    let mut given = vec![false; m.account.len()];
    for (name, cell) in &row.cells {
        if name == "id" {
            let t = cell.text();
            if t.is_empty() {
                return Err("`id` is empty; every account needs an id".into());
            }
            if let Some(c) = checks::control_char(&t, false) {
                return Err(format!(
                    "`id` holds the control character {c:?}; an id is one line of text"
                ));
            }
            id = Some(t);
            continue;
        }
        let Some(i) = m.account_field(name) else {
            return Err(format!(
                "unknown field `{name}`: the flow's account has no such field; remove the column or declare it in `account {{ }}`"
            ));
        };
        let field = &m.account[i as usize];
        fields[i as usize] = parse_value(m, field, cell)?;
        given[i as usize] = true;
    }
    let Some(id) = id else {
        return Err("no `id`: every account row needs an `id` field".into());
    };
    for (i, f) in m.account.iter().enumerate() {
        if !given[i] && !f.optional {
            return Err(format!(
                "field `{}` is missing; it is not optional, so give {}",
                m.str(f.name),
                type_words(m, &f.ty)
            ));
        }
    }
    Ok(Account { id, fields })
}

/// An event row read against the flow: its id, account, event, moment and
/// payload in the event's field order.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub id: String,
    pub account: String,
    pub event: u16,
    pub at: DateTime<Utc>,
    pub payload: Vec<Value>,
}

impl EventRow {
    /// A canonical text of the content, so that the same event given twice
    /// (even written differently: `120.5` and `120.50`) is recognised.
    pub fn content(&self, m: &Machine) -> String {
        let name = m
            .events
            .get(self.event as usize)
            .map(|e| m.str(e.name))
            .unwrap_or("?");
        let mut s = format!("{}\u{1f}{name}\u{1f}{}", self.account, self.at.timestamp());
        for v in &self.payload {
            s.push('\u{1f}');
            match v {
                Value::Number(d) | Value::Money(d) | Value::Percent(d) => {
                    s.push_str(&d.normalize().to_string())
                }
                v => s.push_str(&format!("{v:?}")),
            }
        }
        s
    }
}

const EVENT_KEYS: [&str; 4] = ["id", "account", "type", "at"];

/// Reads an event row: `id`, `account`, `type`, `at` and the payload
/// fields. In a CSV file holding several types of events, cells of other
/// types' fields are left empty.
pub fn parse_event(m: &Machine, row: &Row) -> Result<EventRow, String> {
    let get = |k: &str| {
        row.cells
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, c)| c.text())
            .unwrap_or_default()
    };
    for k in EVENT_KEYS {
        let v = get(k);
        if v.is_empty() {
            return Err(format!(
                "`{k}` is missing; every event needs `id`, `account`, `type` and `at`"
            ));
        }
        if let Some(c) = checks::control_char(&v, false) {
            return Err(format!(
                "`{k}` holds the control character {c:?}; it is one line of text"
            ));
        }
    }
    let ty = get("type");
    let Some(event) = m.event_index(&ty) else {
        let known: Vec<&str> = m.events.iter().map(|e| m.str(e.name)).collect();
        return Err(format!(
            "unknown event `{ty}`: the flow declares {}",
            if known.is_empty() {
                "no events".to_string()
            } else {
                known.join(", ")
            }
        ));
    };
    // The engine raises these from the payments; one sent from outside
    // would run the promise's handlers with the promise still open.
    let refused = m.plans.is_some()
        && m.events.get(event as usize).map(|e| m.str(e.name)) == Some(crate::format::PLAN_REFUSED);
    if refused
        || m.plans
            .as_ref()
            .is_some_and(|p| p.events().contains(&event))
    {
        return Err(format!(
            "`{ty}` is raised by dun itself when a payment plan is refused, misses an installment, is paid in full or breaks; send the plan and the payments, and dun decides"
        ));
    }
    if m.settlements
        .as_ref()
        .is_some_and(|s| s.events().contains(&event))
    {
        return Err(format!(
            "`{ty}` is raised by dun itself when a settlement offer is paid in full or lapses; send the payments, and dun decides"
        ));
    }
    if m.arrangements
        .as_ref()
        .is_some_and(|a| event == a.kept_event || event == a.broken_event)
    {
        return Err(format!(
            "`{ty}` is raised by dun itself when a promise to pay is kept or broken; send the payments and promises, and dun decides"
        ));
    }
    let at_text = get("at");
    let at = datetime(&at_text).ok_or_else(|| {
        format!("`at` should be an RFC 3339 date and time such as `2026-03-02T09:00:00Z`, got `{at_text}`")
    })?;
    let def = &m.events[event as usize];
    let mut payload = vec![Value::Unset; def.fields.len()];
    let mut given = vec![false; def.fields.len()];
    for (name, cell) in &row.cells {
        if EVENT_KEYS.contains(&name.as_str()) {
            continue;
        }
        let Some(i) = def.fields.iter().position(|f| m.str(f.name) == name) else {
            if cell.is_empty() {
                continue;
            }
            return Err(format!(
                "unknown field `{name}` for event `{ty}`; its fields are: {}",
                fields_list(m, &def.fields)
            ));
        };
        payload[i] = parse_value(m, &def.fields[i], cell)?;
        given[i] = true;
    }
    for (i, f) in def.fields.iter().enumerate() {
        if !given[i] && !f.optional {
            return Err(format!(
                "event `{ty}`: field `{}` is missing; give {}",
                m.str(f.name),
                type_words(m, &f.ty)
            ));
        }
    }
    Ok(EventRow {
        id: get("id"),
        account: get("account"),
        event,
        at,
        payload,
    })
}

fn fields_list(m: &Machine, fields: &[Field]) -> String {
    if fields.is_empty() {
        return "none".into();
    }
    fields
        .iter()
        .map(|f| m.str(f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value as JSON for exports and status: money and numbers as decimal
/// strings (never binary floats), enums by name.
pub fn value_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Unset => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(d) | Value::Money(d) => J::String(d.normalize().to_string()),
        Value::Percent(d) => J::String(format!("{}%", d.normalize())),
        Value::Text(s) | Value::Variant(s) => J::String(s.clone()),
        Value::Date(d) => J::String(d.format("%Y-%m-%d").to_string()),
        Value::Time(t) => J::String(t.format("%H:%M").to_string()),
        Value::DateTime(t) => J::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        Value::Duration(d) => J::String(d.to_string()),
    }
}

#[cfg(test)]
mod tests;
