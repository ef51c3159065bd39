//! Splitting an input file into rows of named cells: CSV with its quoting
//! rules made safe for damaged files, and JSON objects that keep every key
//! they were given so that a key given twice is refused, not half-read.

use super::{Cell, Reject, Row};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// Reads a CSV file. A quoted cell may span lines, but a quote left open
/// ends at its line: that line is rejected and reading goes on with the
/// next one, so one bad row never swallows the rows after it.
pub fn read_csv(mut reader: impl std::io::Read) -> Result<(Vec<Row>, Vec<Reject>), String> {
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(&data[..]);
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.iter().all(String::is_empty) {
        return Err("the file is empty: the first row must name the fields (`id,...`)".into());
    }
    let mut columns = std::collections::HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if let Some(first) = columns.insert(name.as_str(), i) {
            return Err(format!(
                "the header names `{name}` twice (columns {} and {}); give each field one column",
                first + 1,
                i + 1
            ));
        }
    }
    let mut rows = Vec::new();
    let mut rejects = Vec::new();
    let mut start = csv.position().byte() as usize;
    let mut first_line = csv.position().line();
    'body: loop {
        let rest = data.get(start..).unwrap_or_default();
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(rest);
        let mut record = csv::StringRecord::new();
        loop {
            let line_before = first_line + csv.position().line() - 1;
            match csv.read_record(&mut record) {
                Ok(false) => break 'body,
                Ok(true) => {
                    let (from, relative_line) = record
                        .position()
                        .map(|p| (p.byte() as usize, p.line()))
                        .unwrap_or((0, 1));
                    let line = first_line + relative_line - 1;
                    let to = (csv.position().byte() as usize).min(rest.len());
                    let span = rest.get(from..to).unwrap_or_default();
                    let text = span.strip_suffix(b"\n").unwrap_or(span);
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    let lines = text.contains(&b'\n');
                    let open = span.iter().filter(|b| **b == b'"').count() % 2 == 1;
                    if (lines && record.len() != header.len()) || (open && to >= rest.len()) {
                        let end = span.iter().position(|b| *b == b'\n').unwrap_or(span.len());
                        let raw = String::from_utf8_lossy(&span[..end]);
                        rejects.push(Reject {
                            line,
                            raw: raw.trim_end_matches('\r').to_string(),
                            reason: "a quote opened on this line is never closed: the row ends with its line; close the quote (`\"`), and double a quote inside a quoted cell (`\"\"`)".into(),
                        });
                        start += from + end + 1;
                        first_line = line + 1;
                        continue 'body;
                    }
                    let raw = record.iter().collect::<Vec<_>>().join(",");
                    if record.len() == 1 && record.get(0).is_some_and(|c| c.trim().is_empty()) {
                        continue;
                    }
                    if record.len() != header.len() {
                        rejects.push(Reject {
                            line,
                            raw,
                            reason: format!(
                                "the row has {} cells but the header names {} fields",
                                record.len(),
                                header.len()
                            ),
                        });
                        continue;
                    }
                    let cells = header
                        .iter()
                        .zip(record.iter())
                        .map(|(h, c)| (h.clone(), Cell::Str(c.to_string())))
                        .collect();
                    rows.push(Row { line, raw, cells });
                }
                Err(e) => {
                    let line = e
                        .position()
                        .map(|p| first_line + p.line() - 1)
                        .unwrap_or(line_before);
                    rejects.push(Reject {
                        line,
                        raw: String::new(),
                        reason: format!("not a CSV row: {e}"),
                    });
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        break 'body;
                    }
                }
            }
        }
    }
    Ok((rows, rejects))
}

/// A JSON object's members in order, a key given twice kept twice.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Each;
        impl<'de> Visitor<'de> for Each {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("one JSON object `{...}`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Each)
    }
}

/// The cells of one JSON Lines line: a key given twice, a list or an
/// object as a value are refused with the key named. Numbers keep the text
/// they were written with.
pub fn json_cells(text: &str) -> Result<Vec<(String, Cell)>, String> {
    let Members(members) =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
    let mut cells: Vec<(String, Cell)> = Vec::with_capacity(members.len());
    let mut seen = std::collections::HashSet::new();
    for (k, v) in members {
        if !seen.insert(k.clone()) {
            return Err(format!("field `{k}` is given twice; give each field once"));
        }
        let raw = v.get().trim();
        let cell = match raw.as_bytes().first() {
            Some(b'"') => Cell::Str(
                serde_json::from_str::<String>(raw).map_err(|e| format!("field `{k}`: {e}"))?,
            ),
            Some(b't') => Cell::Bool(true),
            Some(b'f') => Cell::Bool(false),
            Some(b'n') => Cell::Null,
            Some(b'[' | b'{') => {
                return Err(format!(
                    "field `{k}` is a JSON list or object; give a single value"
                ))
            }
            _ => Cell::Num(raw.to_string()),
        };
        cells.push((k, cell));
    }
    Ok(cells)
}
