//! The tree-sitter grammar against the language's reference, grammar/dun.pest:
//! both must accept and reject the same files. Read on every `.dun` file of
//! the repository (examples, fixtures, the language server's and the fuzz
//! regressions' flows), every prefix of the examples cut at a line break,
//! every ```dun block of docs/, and the corpus of test/corpus/. The
//! highlight, fold, indent and locals queries must compile against the
//! grammar, so a renamed node breaks this test rather than an editor.
//!
//! When this test fails after a change to grammar/dun.pest, change
//! grammar.js the same way and run `tree-sitter generate` in
//! editors/tree-sitter-dun (docs/editors.md, "Tree-sitter").

// pest_derive, built without `std` in this workspace, names `alloc`.
extern crate alloc;

use pest::Parser as _;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tree_sitter::{Language, Node, Parser, Query, QueryCursor, StreamingIterator, Tree};

#[derive(pest_derive::Parser)]
#[grammar = "../../../grammar/dun.pest"]
struct Pest;

/// The inputs on which the two grammars differ on purpose, each with the
/// reason: tree-sitter is for editors, and these are mistakes the compiler
/// reports anyway. `known_differences_are_still_differences` fails when one
/// no longer differs, so the list stays true.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "stage s { wait 3days }",
        "a number run into a word: pest's literals look ahead for a letter, tree-sitter's \
         lexer has no lookahead past a token and reads `3` and `days`",
    ),
    (
        "segment s = 10USD",
        "a number run into a currency code, as above",
    ),
    (
        "stage s { repeat 3times { end paid } }",
        "a count run into a keyword, as above",
    ),
    (
        "test \"t\" { given account { late: 5 days\n of: 3 } }",
        "a field called `of` right after a duration, with no comma between: pest backtracks \
         out of `5 days of CALENDAR`, tree-sitter reads the keyword `of` there",
    ),
    (
        "stage s { plan not a in 3 installments every 1 month from today }",
        "a plan's amount ending in an operator looser than `in` (`not`, `and`, `==`): pest \
         tries the list test `in [...]` and gives the `in` back to the plan when no `[` follows, \
         tree-sitter's precedence reads that `in` as the list test's; a plan of a condition is a \
         type error `dun check` reports",
    ),
];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn language() -> Language {
    tree_sitter_dun::LANGUAGE.into()
}

fn parse(text: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&language())
        .expect("the generated parser's ABI is one the tree-sitter crate reads");
    parser
        .parse(text, None)
        .expect("no timeout or cancellation is set")
}

/// The first ERROR or MISSING node, as `line:column: what`, if any.
fn first_error(text: &str, tree: &Tree) -> Option<String> {
    fn walk(node: Node<'_>) -> Option<Node<'_>> {
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        if !node.has_error() {
            return None;
        }
        let mut cursor = node.walk();
        let found = node.children(&mut cursor).find_map(walk);
        found
    }
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let node = walk(root).unwrap_or(root);
    let at = node.start_position();
    let what = if node.is_missing() {
        format!("missing `{}`", node.kind())
    } else {
        let snippet: String = text[node.start_byte()..node.end_byte()]
            .chars()
            .take(40)
            .collect();
        format!("cannot read {snippet:?}")
    };
    Some(format!("{}:{}: {what}", at.row + 1, at.column + 1))
}

/// Where pest stops, as `line:column`, if it rejects the text.
fn pest_error(text: &str) -> Option<String> {
    Pest::parse(Rule::file, text).err().map(|e| {
        let (line, column) = match e.line_col {
            pest::error::LineColLocation::Pos(p) | pest::error::LineColLocation::Span(p, _) => p,
        };
        format!("{line}:{column}")
    })
}

fn relative(path: &Path) -> String {
    let root = repository().canonicalize().unwrap_or_else(|_| repository());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every `.dun` file of the repository, outside build output and packages.
fn dun_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(repository())
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.depth() > 0
                && (name.starts_with('.') || name == "target" || name == "node_modules"))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "dun"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// One disagreement, worded for the person who must fix it.
fn disagreement(what: &str, text: &str) -> Option<String> {
    let tree = parse(text);
    match (pest_error(text), first_error(text, &tree)) {
        (None, Some(ts)) => Some(format!(
            "{what}: grammar/dun.pest accepts it, tree-sitter does not ({ts})"
        )),
        (Some(pest), None) => Some(format!(
            "{what}: grammar/dun.pest rejects it (at {pest}), tree-sitter reads it without an error"
        )),
        _ => None,
    }
}

const FIX_THE_GRAMMAR: &str =
    "change editors/tree-sitter-dun/grammar.js to read what grammar/dun.pest reads, \
     run `tree-sitter generate --abi 14` there and commit src/ (docs/editors.md, \"Tree-sitter\")";

fn fail_if_any(problems: &[String], what: &str, fix: &str) {
    if problems.is_empty() {
        return;
    }
    let mut message = format!("{} {what}:\n", problems.len());
    for p in problems.iter().take(40) {
        let _ = writeln!(message, "  {p}");
    }
    message.push_str(fix);
    panic!("{message}");
}

#[test]
fn examples_and_valid_fixtures_parse_without_an_error_node() {
    let mut problems = Vec::new();
    let mut read_files = 0;
    for path in dun_files() {
        let name = relative(&path);
        if !(name.starts_with("examples/") || name.starts_with("tests/cases/valid/")) {
            continue;
        }
        read_files += 1;
        let text = read(&path);
        if let Some(e) = pest_error(&text) {
            problems.push(format!("{name}: grammar/dun.pest rejects it at {e}"));
        }
        if let Some(e) = first_error(&text, &parse(&text)) {
            problems.push(format!("{name}:{e}"));
        }
    }
    assert!(
        read_files >= 10,
        "expected the examples and valid fixtures, found {read_files} files"
    );
    fail_if_any(
        &problems,
        "examples or valid fixtures that tree-sitter cannot read",
        FIX_THE_GRAMMAR,
    );
}

#[test]
fn every_flow_of_the_repository_is_accepted_or_rejected_by_both_grammars() {
    let mut problems = Vec::new();
    let mut rejected_by_pest = 0;
    for path in dun_files() {
        let name = relative(&path);
        let text = read(&path);
        if pest_error(&text).is_some() {
            rejected_by_pest += 1;
        }
        problems.extend(disagreement(&name, &text));
    }
    assert!(
        rejected_by_pest > 0,
        "no file that grammar/dun.pest rejects was found under tests/cases"
    );
    fail_if_any(
        &problems,
        "files on which the grammars disagree",
        FIX_THE_GRAMMAR,
    );
}

#[test]
fn known_differences_are_still_differences() {
    for (text, why) in KNOWN_DIFFERENCES {
        assert!(
            disagreement("", text).is_some(),
            "the grammars now agree on {text:?}, listed in KNOWN_DIFFERENCES ({why}): remove it"
        );
    }
}

#[test]
fn every_line_prefix_of_the_examples_gets_the_same_verdict() {
    let mut problems = Vec::new();
    let mut prefixes = 0;
    for path in dun_files() {
        let name = relative(&path);
        if !name.starts_with("examples/") {
            continue;
        }
        let text = read(&path);
        for (end, _) in text.match_indices('\n') {
            prefixes += 1;
            let prefix = &text[..end];
            let line = prefix.matches('\n').count() + 1;
            if let Some(p) = disagreement(&format!("{name} up to the end of line {line}"), prefix) {
                problems.push(p);
            }
        }
    }
    assert!(
        prefixes > 1000,
        "expected the examples' lines, found {prefixes} prefixes"
    );
    fail_if_any(
        &problems,
        "prefixes of the examples on which the grammars disagree",
        FIX_THE_GRAMMAR,
    );
}

/// The ```dun blocks of docs/*.md and of the README.
fn documented_snippets() -> Vec<(String, String)> {
    let mut snippets = Vec::new();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(repository().join("docs"))
        .expect("docs/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.push(repository().join("README.md"));
    pages.sort();
    for page in pages {
        let text = read(&page);
        let mut block: Option<(usize, String)> = None;
        for (number, line) in text.lines().enumerate() {
            match &mut block {
                None if line.trim_start() == "```dun" => block = Some((number + 2, String::new())),
                Some((start, body)) if line.trim_start() == "```" => {
                    snippets.push((format!("{}:{start}", relative(&page)), std::mem::take(body)));
                    block = None;
                }
                Some((_, body)) => {
                    body.push_str(line);
                    body.push('\n');
                }
                None => {}
            }
        }
    }
    snippets
}

#[test]
fn the_documentation_s_examples_get_the_same_verdict() {
    let snippets = documented_snippets();
    assert!(
        snippets.len() >= 10,
        "expected the ```dun blocks of docs/, found {}",
        snippets.len()
    );
    let problems: Vec<String> = snippets
        .iter()
        .filter_map(|(place, text)| disagreement(place, text))
        .collect();
    fail_if_any(
        &problems,
        "```dun blocks of the documentation on which the grammars disagree",
        FIX_THE_GRAMMAR,
    );
}

// ------------------------------------------------------------------ corpus

struct CorpusCase {
    place: String,
    name: String,
    input: String,
    expected: String,
    error: bool,
    fields: bool,
}

/// Reads tree-sitter's corpus format: a `===` line, the name (with
/// `:error` among the attributes below it for an input that must not
/// parse, `:fields` to compare field names), `===`, the input, `---`, the
/// expected tree.
fn corpus() -> Vec<CorpusCase> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("test/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("test/corpus exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = read(&file);
        let lines: Vec<&str> = text.lines().collect();
        let is_rule = |l: &str, c: char| l.len() >= 3 && l.chars().all(|x| x == c);
        let mut i = 0;
        while i < lines.len() {
            if !is_rule(lines[i], '=') {
                i += 1;
                continue;
            }
            let start = i + 1;
            let mut header_end = start;
            while header_end < lines.len() && !is_rule(lines[header_end], '=') {
                header_end += 1;
            }
            let header = &lines[start..header_end];
            let name = header
                .first()
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            let error = header.iter().any(|l| l.trim() == ":error");
            let fields = header.iter().any(|l| l.trim() == ":fields");
            let mut body_end = header_end + 1;
            while body_end < lines.len() && !is_rule(lines[body_end], '-') {
                body_end += 1;
            }
            let mut tree_end = body_end + 1;
            while tree_end < lines.len() && !is_rule(lines[tree_end], '=') {
                tree_end += 1;
            }
            let input = lines
                .get(header_end + 1..body_end)
                .unwrap_or_default()
                .join("\n");
            let expected = lines
                .get(body_end + 1..tree_end)
                .unwrap_or_default()
                .join("\n");
            cases.push(CorpusCase {
                place: format!("{}:{}", relative(&file), start),
                name,
                input,
                expected,
                error,
                fields,
            });
            i = tree_end;
        }
    }
    cases
}

/// The S-expression with one space between tokens, as the CLI compares
/// them; without the field names unless the case asks for them (`:fields`).
fn normalize(sexp: &str, fields: bool) -> String {
    let spaced = sexp.replace('(', " (").replace(')', " ) ");
    let words: Vec<&str> = spaced
        .split_whitespace()
        .filter(|w| {
            fields
                || !(w.ends_with(':')
                    && w[..w.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_'))
        })
        .collect();
    words.join(" ").replace(" )", ")").replace("( ", "(")
}

#[test]
fn the_corpus_parses_to_its_expected_trees_and_pest_agrees() {
    let cases = corpus();
    assert!(
        cases.len() >= 20,
        "expected the corpus of test/corpus, found {} cases",
        cases.len()
    );
    let mut problems = Vec::new();
    for case in &cases {
        let tree = parse(&case.input);
        let got = normalize(&tree.root_node().to_sexp(), case.fields);
        if case.error {
            if first_error(&case.input, &tree).is_none() {
                problems.push(format!(
                    "{} {:?}: marked :error but parses as {got}",
                    case.place, case.name
                ));
            }
        } else if got != normalize(&case.expected, case.fields) {
            problems.push(format!(
                "{} {:?}:\n    expected {}\n    got      {got}",
                case.place,
                case.name,
                normalize(&case.expected, case.fields)
            ));
        }
        if let Some(p) = disagreement(&format!("{} {:?}", case.place, case.name), &case.input) {
            problems.push(p);
        }
    }
    fail_if_any(&problems, "corpus cases that fail", FIX_THE_GRAMMAR);
}

#[test]
fn the_corpus_shows_every_kind_of_node() {
    let language = language();
    let mut shown = BTreeSet::new();
    for case in corpus() {
        let tree = parse(&case.input);
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            shown.insert(node.kind().to_string());
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
    }
    let missing: Vec<&str> = (0..language.node_kind_count() as u16)
        .filter(|&id| language.node_kind_is_named(id) && language.node_kind_is_visible(id))
        .filter_map(|id| language.node_kind_for_id(id))
        .filter(|kind| *kind != "ERROR" && !shown.contains(*kind))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        missing.is_empty(),
        "no corpus case shows these nodes: {missing:?}; add one to test/corpus"
    );
}

// ------------------------------------------------------------------ queries

fn query(name: &str, source: &str) -> Query {
    Query::new(&language(), source).unwrap_or_else(|e| {
        panic!(
            "queries/{name} does not compile against the grammar (line {}, column {}): {}",
            e.row + 1,
            e.column + 1,
            e.message
        )
    })
}

#[test]
fn every_query_compiles_against_the_grammar() {
    for (name, source) in [
        ("highlights.scm", tree_sitter_dun::HIGHLIGHTS_QUERY),
        (
            "helix/highlights.scm",
            tree_sitter_dun::HELIX_HIGHLIGHTS_QUERY,
        ),
        ("folds.scm", tree_sitter_dun::FOLDS_QUERY),
        ("indents.scm", tree_sitter_dun::INDENTS_QUERY),
        ("helix/indents.scm", tree_sitter_dun::HELIX_INDENTS_QUERY),
        ("locals.scm", tree_sitter_dun::LOCALS_QUERY),
        ("zed/brackets.scm", tree_sitter_dun::ZED_BRACKETS_QUERY),
        ("zed/indents.scm", tree_sitter_dun::ZED_INDENTS_QUERY),
        ("zed/outline.scm", tree_sitter_dun::ZED_OUTLINE_QUERY),
    ] {
        let q = query(name, source);
        assert!(q.pattern_count() > 0, "queries/{name} has no pattern");
    }
}

/// Every keyword of the grammar has a colour: a word the grammar adds and
/// the highlights forget fails here.
#[test]
fn every_keyword_is_highlighted() {
    let language = language();
    let highlights = query("highlights.scm", tree_sitter_dun::HIGHLIGHTS_QUERY);
    // Words coloured through their parent node rather than by name.
    let through_parent: BTreeSet<&str> = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "low",
        "normal",
        "high",
        "urgent",
        "minute",
        "minutes",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "true",
        "false",
        "today",
        "now",
        "account",
        "event",
    ]
    .into_iter()
    .collect();
    let source = tree_sitter_dun::HIGHLIGHTS_QUERY;
    let mut missing = BTreeSet::new();
    for id in 0..language.node_kind_count() as u16 {
        let Some(kind) = language.node_kind_for_id(id) else {
            continue;
        };
        if language.node_kind_is_named(id)
            || !language.node_kind_is_visible(id)
            || !kind.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            || through_parent.contains(kind)
        {
            continue;
        }
        if !source.contains(&format!("\"{kind}\"")) {
            missing.insert(kind);
        }
    }
    assert!(highlights.capture_names().contains(&"keyword"));
    assert!(
        missing.is_empty(),
        "queries/highlights.scm gives no colour to the keywords {missing:?}"
    );
}

/// The colour at each place the files of test/highlight/ point at, in the
/// CLI's format: a comment line with `^` under a column of the line above
/// (or `<-` for the comment's own column) names the capture expected there.
/// As in the editors, the innermost captured node wins, and of two patterns
/// capturing the same node the later one.
#[test]
fn the_highlight_tests_hold() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("test/highlight");
    let highlights = query("highlights.scm", tree_sitter_dun::HIGHLIGHTS_QUERY);
    let names = highlights.capture_names();
    let mut problems = Vec::new();
    let mut assertions = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("test/highlight exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    for file in files {
        let text = read(&file);
        let tree = parse(&text);
        if let Some(e) = first_error(&text, &tree) {
            problems.push(format!("{}:{e}", relative(&file)));
            continue;
        }
        // (start, end, pattern, capture) of every capture, in bytes.
        let mut captured = Vec::new();
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(&highlights, tree.root_node(), text.as_bytes());
        while let Some(m) = matches.next() {
            for c in m.captures {
                captured.push((
                    c.node.start_byte(),
                    c.node.end_byte(),
                    m.pattern_index,
                    c.index,
                ));
            }
        }
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut target: Option<usize> = None;
        for (row, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            let comment = line.len() - trimmed.len();
            let assertion = trimmed
                .strip_prefix('#')
                .map(str::trim_start)
                .and_then(|rest| {
                    if let Some(name) = rest.strip_prefix("<-") {
                        Some((comment, name.trim()))
                    } else {
                        let caret = line.find('^')?;
                        rest.starts_with('^')
                            .then(|| (caret, rest.trim_start_matches('^').trim()))
                    }
                });
            let Some((column, expected)) = assertion else {
                target = Some(row);
                continue;
            };
            let Some(target_row) = target else { continue };
            assertions += 1;
            let at = line_starts[target_row] + column;
            let got = captured
                .iter()
                .filter(|(start, end, _, _)| *start <= at && at < *end)
                .min_by_key(|(start, end, pattern, _)| (end - start, std::cmp::Reverse(*pattern)))
                .map(|(_, _, _, capture)| names[*capture as usize]);
            if got != Some(expected) {
                problems.push(format!(
                    "{}:{}:{}: expected {expected}, got {}",
                    relative(&file),
                    target_row + 1,
                    column + 1,
                    got.unwrap_or("no capture")
                ));
            }
        }
    }
    assert!(
        assertions >= 50,
        "expected the assertions of test/highlight, found {assertions}"
    );
    fail_if_any(
        &problems,
        "highlight assertions that fail",
        "fix queries/highlights.scm (then generate the Helix queries: tests/helix.rs) or the assertion in test/highlight",
    );
}

/// src/ is what `tree-sitter generate` makes of grammar.js today: node runs
/// the CLI's grammar DSL (test/dsl.js) on grammar.js, and the JSON must be
/// src/grammar.json, written by the same generation as src/parser.c. Skipped
/// with the reason when node is missing, except under `CI=true`.
#[test]
fn the_generated_parser_is_the_one_grammar_js_describes() {
    let grammar = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dsl = read(&grammar.join("test/dsl.js"));
    let child = std::process::Command::new("node")
        .args(["--input-type=module", "-"])
        .env("TREE_SITTER_GRAMMAR_PATH", grammar.join("grammar.js"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "cannot run node ({e}): it is needed to read grammar.js (apt-get install nodejs)"
            );
            eprintln!("skipped: cannot run node ({e})");
            return;
        }
    };
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("node's standard input");
        stdin
            .write_all(dsl.as_bytes())
            .expect("hand the DSL to node");
    }
    let output = child.wait_with_output().expect("node's output");
    assert!(
        output.status.success(),
        "node could not evaluate grammar.js:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let described: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the DSL prints the grammar as JSON");
    let generated: serde_json::Value =
        serde_json::from_str(&read(&grammar.join("src/grammar.json")))
            .expect("src/grammar.json is JSON");
    assert!(
        described == generated,
        "grammar.js has changed since src/ was generated: run `tree-sitter generate --abi 14` in \
         editors/tree-sitter-dun and commit src/"
    );
}
