//! `dun explain CODE` and `dun explain --list`.

use crate::exit;
use dun_compiler::diagnostics::catalog::{self, Entry};
use dun_compiler::diagnostics::registry;

#[derive(clap::Args)]
pub struct Args {
    /// The code to explain, e.g. `dun::syntax::unexpected` (the `dun::`
    /// prefix may be left out).
    #[arg(required_unless_present = "list")]
    code: Option<String>,
    /// List every code with its one-line summary.
    #[arg(long, conflicts_with = "code")]
    list: bool,
}

pub fn run(args: &Args) -> u8 {
    let entries = catalog::entries();
    if args.list {
        return print(&list(&entries));
    }
    let wanted = args.code.as_deref().unwrap_or_default().trim();
    let wanted = if wanted.starts_with("dun::") {
        wanted.to_string()
    } else {
        format!("dun::{wanted}")
    };
    match entries.iter().find(|entry| entry.code == wanted) {
        Some(entry) => {
            let mut head = entry.code.clone();
            if let Some(info) = registry::lookup(&entry.code) {
                head.push_str(&format!("\n{} by default", info.severity.as_str()));
                for tag in info.tags {
                    head.push_str(&format!(", {}", tag.as_str()));
                }
            }
            print(&format!("{head}\n\n{}\n", entry.body))
        }
        None => {
            let mut message = format!("error: `{wanted}` is not a dun diagnostic code\n");
            if let Some(near) = nearest(&wanted, &entries) {
                message.push_str(&format!("\n  did you mean `{near}`?\n"));
            }
            message.push_str("\nRun `dun explain --list` to see every code.\n");
            eprint!("{message}");
            exit::TROUBLE
        }
    }
}

fn list(entries: &[Entry]) -> String {
    let width = entries.iter().map(|e| e.code.len()).max().unwrap_or(0);
    entries
        .iter()
        .map(|entry| format!("{:width$}  {}\n", entry.code, entry.summary))
        .collect()
}

/// The code most like what was typed, judged on the whole code and on its
/// last part (people remember `mismatch` better than `types`).
fn nearest<'a>(wanted: &str, entries: &'a [Entry]) -> Option<&'a str> {
    let last = |code: &str| code.rsplit("::").next().unwrap_or_default().to_string();
    let wanted_last = last(wanted);
    entries
        .iter()
        .map(|entry| {
            let whole = strsim::normalized_damerau_levenshtein(wanted, &entry.code);
            let tail = strsim::normalized_damerau_levenshtein(&wanted_last, &last(&entry.code));
            (whole.max(tail), entry.code.as_str())
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, code)| code)
}

fn print(text: &str) -> u8 {
    match crate::outputs::write_stdout(text) {
        Ok(()) => exit::CLEAN,
        Err(error) => {
            eprintln!("error: cannot write the output: {error}");
            exit::TROUBLE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str) -> Entry {
        Entry {
            code: code.to_string(),
            summary: String::new(),
            body: String::new(),
        }
    }

    #[test]
    fn a_near_miss_suggests_the_code_meant() {
        let entries = [
            entry("dun::types::mismatch"),
            entry("dun::names::unknown_stage"),
        ];
        assert_eq!(
            nearest("dun::types::mismatc", &entries),
            Some("dun::types::mismatch")
        );
        assert_eq!(
            nearest("dun::unknown_stage", &entries),
            Some("dun::names::unknown_stage")
        );
        assert_eq!(nearest("dun::zzz", &entries), None);
    }
}
