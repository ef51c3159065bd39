//! `dun fmt`: one canonical layout, the same meaning, every comment kept.

mod common;

use common::root;
use dun_compiler::fmt::{comment_texts, format, shape};
use dun_compiler::syntax::parse;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Every flow under `examples/` and `tests/cases/` that parses cleanly (the
/// language reference sample is `tests/cases/valid/reference.dun`), by relative path.
fn fixtures() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for folder in ["examples", "tests/cases"] {
        for entry in walkdir::WalkDir::new(root().join(folder))
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "dun") {
                let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
                if !parse(&text).diagnostics.iter().any(|d| d.is_error()) {
                    let name = path
                        .strip_prefix(root())
                        .unwrap_or(path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    out.push((name, text));
                }
            }
        }
    }
    assert!(
        out.iter().any(|(name, _)| name.ends_with("reference.dun")),
        "the language reference sample must be among the fixtures"
    );
    out
}

fn formatted(text: &str) -> String {
    match format(text) {
        Ok(out) => out,
        Err(diagnostics) => panic!("expected the flow to format, got {diagnostics:#?}"),
    }
}

#[test]
fn formatting_twice_changes_nothing_the_second_time() {
    for (name, text) in fixtures() {
        let once = formatted(&text);
        let twice = formatted(&once);
        assert_eq!(
            once, twice,
            "{name}: the formatter's own output is not a fixed point"
        );
    }
}

#[test]
fn the_bundled_examples_are_in_the_canonical_layout() {
    // What we ship is what `dun fmt` writes: a team that copies an example
    // and runs `dun fmt --check` in CI starts green.
    let off: Vec<String> = fixtures()
        .into_iter()
        .filter(|(name, _)| name.starts_with("examples/") || name.ends_with("reference.dun"))
        .filter(|(_, text)| formatted(text) != *text)
        .map(|(name, _)| name)
        .collect();
    assert!(
        off.is_empty(),
        "run `dun fmt examples/ tests/cases/valid/` and commit: {off:?}"
    );
}

#[test]
fn formatting_keeps_the_meaning_and_every_comment_in_order() {
    for (name, text) in fixtures() {
        let before = parse(&text).file;
        let after = parse(&formatted(&text)).file;
        assert_eq!(shape(&before), shape(&after), "{name}: the tree changed");
        assert_eq!(
            comment_texts(&before),
            comment_texts(&after),
            "{name}: comments changed"
        );
        assert_eq!(before.comments.len(), after.comments.len(), "{name}");
    }
}

/// Snapshots of the formatted fixtures. They are not committed while the
/// examples are still being written; generate them with
/// `INSTA_UPDATE=always cargo test --test fmt` and review `tests/snapshots/`.
#[test]
fn formatted_flows_compile_to_the_same_machine() {
    // Spans are where things are written, which formatting changes on
    // purpose; everything else in the machine must be the same.
    fn without_spans(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.retain(|key, _| key != "span" && key != "spans");
                map.values_mut().for_each(without_spans);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(without_spans),
            _ => {}
        }
    }
    let mut compared = 0;
    for (name, text) in fixtures() {
        let path = root().join(&name);
        let before = dun_compiler::analyze(Some(&path), &text);
        if before.has_errors() {
            continue;
        }
        let after_text = formatted(&text);
        let after = dun_compiler::analyze(Some(&path), &after_text);
        let machine = |a: &dun_compiler::Analysis| {
            let m = dun_compiler::lower::lower(&a.file, &a.model)
                .unwrap_or_else(|d| panic!("{name}: does not compile: {d:?}"));
            let mut json = serde_json::to_value(&m).expect("a machine serialises");
            without_spans(&mut json);
            json
        };
        assert_eq!(
            machine(&before),
            machine(&after),
            "{name}: formatting changed the compiled machine"
        );
        compared += 1;
    }
    assert!(compared >= 7, "only {compared} flows compiled");
}

#[test]
fn formatted_fixtures_match_their_snapshots() {
    for (name, text) in fixtures() {
        let slug = name.trim_end_matches(".dun").replace('/', "__");
        insta::assert_snapshot!(slug, formatted(&text));
    }
}

#[test]
fn a_messy_flow_is_laid_out_canonically() {
    let messy = "flow   demo version 2\ncurrency USD\n\n\n\nevent payment{amount:money}\n\
stage first { send sms hello when account.mobile is set\n wait 1 days\n\
if account.balance>0 USD{goto first}else{end paid} }\nstart first\n";
    let expected = "\
flow demo version 2
currency USD

event payment { amount: money }

stage first {
  send sms hello when account.mobile is set
  wait 1 day
  if account.balance > 0 USD {
    goto first
  } else {
    end paid
  }
}

start first
";
    assert_eq!(formatted(messy), expected);
}

#[test]
fn comments_stay_before_at_the_end_of_and_inside_what_they_describe() {
    let source = "\
# header

## The stage where it starts.
stage one {   # opens the stage
  on promise { set x = x + 1 }   # after the handler


  send sms t   # the first contact
  # before the wait
  wait 3 days
  # at the end of the block
}
stage two { end paid }  # after the stage
# at the end of the file
";
    let expected = "\
# header

## The stage where it starts.
stage one {  # opens the stage
  on promise {
    set x = x + 1
  }  # after the handler

  send sms t  # the first contact
  # before the wait
  wait 3 days
  # at the end of the block
}

stage two {
  end paid
}  # after the stage
# at the end of the file
";
    assert_eq!(formatted(source), expected);
}

#[test]
fn a_comment_inside_a_list_keeps_the_list_one_item_a_line() {
    let source = "event promise { amount: money, # in the account's currency\n due: date }\n";
    let expected = "\
event promise {
  amount: money  # in the account's currency
  due: date
}
";
    assert_eq!(formatted(source), expected);
}

#[test]
fn a_comment_in_the_middle_of_a_condition_moves_above_its_line() {
    let source = "stage s {\n  send sms t when account.balance > 0 USD # big\n    and account.risk == high\n  end paid\n}\n";
    let out = formatted(source);
    assert!(
        out.contains(
            "  # big\n  send sms t when account.balance > 0 USD and account.risk == high\n"
        ),
        "{out}"
    );
}

#[test]
fn a_run_of_blank_lines_collapses_to_one_and_one_liners_keep_their_grouping() {
    let source = "var a: number = 1\nvar b: number = 2\n\n\n\nvar c: number = 3\n";
    assert_eq!(
        formatted(source),
        "var a: number = 1\nvar b: number = 2\n\nvar c: number = 3\n"
    );
}

#[test]
fn lists_in_braces_go_one_item_a_line_past_100_columns() {
    let short = "event promise { amount: money, due: date }\n";
    assert_eq!(formatted(short), short);
    let long = "action crm_update { account_ref: text, amount: money, due: date, \
reason: text, channel: text, agent: text }\n";
    assert_eq!(
        formatted(long),
        "action crm_update {\n  account_ref: text\n  amount: money\n  due: date\n  reason: text\n  \
channel: text\n  agent: text\n}\n"
    );
}

#[test]
fn long_conditions_wrap_at_or_and_and() {
    let source = "segment careful = account.balance > 10000 USD and account.risk == high or \
account.days_past_due > 60 and account.mobile is set or account.balance < 100 USD\n";
    let expected = "\
segment careful = account.balance > 10000 USD and account.risk == high
    or account.days_past_due > 60 and account.mobile is set
    or account.balance < 100 USD
";
    assert_eq!(formatted(source), expected);
}

#[test]
fn parentheses_the_writer_put_are_kept_even_where_the_tree_does_not_need_them() {
    let source =
        "segment s = ((a and b)) or (c and (d or e)) and not (f == 1) and (g + 1) * 2 > 3\n\
segment t = a  or  ( b )\nsegment u = ((x))\n";
    let once = formatted(source);
    assert_eq!(
        once,
        "segment s = ((a and b)) or (c and (d or e)) and not (f == 1) and (g + 1) * 2 > 3\n\
segment t = a or (b)\nsegment u = ((x))\n"
    );
    assert_eq!(formatted(&once), once, "not a fixed point");
}

#[test]
fn parentheses_are_added_only_where_the_tree_needs_them() {
    // `- -x` is two negations; written together they would read as
    // something else, so the inner one gets parentheses.
    assert_eq!(formatted("segment n = - -x\n"), "segment n = -(-x)\n");
    assert_eq!(formatted("segment n = -(-x)\n"), "segment n = -(-x)\n");
}

#[test]
fn a_long_condition_wraps_around_what_the_writer_put_in_parentheses() {
    let source = "segment careful = (account.balance > 10000 USD and account.risk == high) or \
(account.days_past_due > 60 and account.mobile is set) or account.balance < 100 USD\n";
    let expected = "\
segment careful = (account.balance > 10000 USD and account.risk == high)
    or (account.days_past_due > 60 and account.mobile is set)
    or account.balance < 100 USD
";
    let once = formatted(source);
    assert_eq!(once, expected);
    assert_eq!(formatted(&once), once, "not a fixed point");
}

#[test]
fn literals_are_spelt_canonically() {
    let source =
        "var big: money = 1_0000.50 USD\nvar plain: number = 1000\nvar d: duration = 1 weeks\n\
template t for sms \"Say \\\"hi\\\" {{ok} \\\\ {account.name}\"\n";
    let expected =
        "var big: money = 10_000.50 USD\nvar plain: number = 1000\nvar d: duration = 1 week\n\
template t for sms \"Say \\\"hi\\\" {{ok} \\\\ {account.name}\"\n";
    assert_eq!(formatted(source), expected);
}

#[test]
fn a_file_with_syntax_errors_is_refused_with_its_diagnostics() {
    let broken = "flow x\nstage a { goto }\n";
    let diagnostics = format(broken).expect_err("a broken flow is not formatted");
    assert!(diagnostics.iter().any(|d| d.is_error()));
}

// The command line. These run the `dun` binary.

fn dun(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dun runs");
    if let Some(input) = stdin {
        use std::io::Write;
        // dun may refuse before reading its input; a closed pipe is fine.
        if let Some(mut pipe) = child.stdin.take() {
            let _ = pipe.write_all(input.as_bytes());
        }
    }
    let out = child.wait_with_output().expect("dun finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const UGLY: &str = "flow  demo\nstage a {end paid}\n";
const CANONICAL: &str = "flow demo\n\nstage a {\n  end paid\n}\n";

/// An empty folder for one test, with an empty folder `nested` in it.
fn scratch(name: &str) -> PathBuf {
    let dir = common::scratch("fmt", name);
    std::fs::create_dir_all(dir.join("nested")).expect("temp dir");
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

#[test]
fn fmt_rewrites_every_flow_below_a_folder_in_place() {
    let dir = scratch("write");
    write(&dir.join("a.dun"), UGLY);
    write(&dir.join("nested/b.dun"), UGLY);
    write(&dir.join("notes.txt"), UGLY);
    let (code, _, _) = dun(&["fmt", dir.to_str().unwrap_or_default()], None);
    assert_eq!(code, 0);
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).unwrap_or_default();
    assert_eq!(read("a.dun"), CANONICAL);
    assert_eq!(read("nested/b.dun"), CANONICAL);
    assert_eq!(read("notes.txt"), UGLY, "only .dun files are touched");
}

#[test]
fn fmt_check_lists_what_would_change_and_changes_nothing() {
    let dir = scratch("check");
    write(&dir.join("ugly.dun"), UGLY);
    write(&dir.join("fine.dun"), CANONICAL);
    let (code, stdout, _) = dun(&["fmt", "--check", dir.to_str().unwrap_or_default()], None);
    assert_eq!(code, 1);
    assert!(stdout.contains("ugly.dun"), "{stdout}");
    assert!(!stdout.contains("fine.dun"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.join("ugly.dun")).unwrap_or_default(),
        UGLY
    );

    write(&dir.join("ugly.dun"), CANONICAL);
    let (code, stdout, _) = dun(&["fmt", "--check", dir.to_str().unwrap_or_default()], None);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn fmt_diff_prints_a_unified_diff() {
    let dir = scratch("diff");
    let file = dir.join("ugly.dun");
    write(&file, UGLY);
    let (code, stdout, _) = dun(&["fmt", "--diff", file.to_str().unwrap_or_default()], None);
    assert_eq!(code, 1);
    assert!(stdout.contains("--- a/"), "{stdout}");
    assert!(stdout.contains("-stage a {end paid}"), "{stdout}");
    assert!(stdout.contains("+  end paid"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), UGLY);
}

#[test]
fn fmt_dash_formats_standard_input_to_standard_output() {
    let (code, stdout, _) = dun(&["fmt", "-"], Some(UGLY));
    assert_eq!((code, stdout.as_str()), (0, CANONICAL));
}

#[test]
fn fmt_leaves_a_broken_file_alone_and_prints_why() {
    let dir = scratch("broken");
    let file = dir.join("broken.dun");
    let broken = "flow x\nstage a { goto }\n";
    write(&file, broken);
    let (code, _, stderr) = dun(&["fmt", file.to_str().unwrap_or_default()], None);
    assert_eq!(code, 1);
    assert!(stderr.contains("broken.dun:2:"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), broken);
}

#[test]
fn fmt_exits_2_when_a_path_cannot_be_read_or_dash_is_mixed_with_paths() {
    let (code, _, stderr) = dun(&["fmt", "/no/such/flow.dun"], None);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = dun(&["fmt", "-", "other.dun"], Some(UGLY));
    assert_eq!(code, 2);
}

/// A flow cut short at a line end, as an editor holds it mid-typing: it
/// either formats or is refused with diagnostics, never a panic, and a cut
/// that parses cleanly must format (the safety net must never fire).
#[test]
fn flows_cut_short_format_or_are_refused_without_a_panic() {
    for (name, text) in fixtures() {
        let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
        // About 60 cuts a file keeps this quick in debug builds.
        let step = (ends.len() / 60).max(1);
        for &cut in ends.iter().step_by(step) {
            let prefix = &text[..cut];
            let clean = !parse(prefix).diagnostics.iter().any(|d| d.is_error());
            let result = format(prefix);
            if clean {
                assert!(
                    result.is_ok(),
                    "{name}: the first {cut} bytes parse but were refused: {result:#?}"
                );
            }
        }
    }
}

// Valid files `dun fmt` once refused as "a bug in dun fmt" (issue 20, #12),
// through the binary as a user meets them.

fn formats_and_keeps_formatting(name: &str, source: &str) -> String {
    let dir = scratch(name);
    let path = dir.join("flow.dun");
    write(&path, source);
    let path_text = path.to_string_lossy().into_owned();
    let (code, _, err) = dun(&["fmt", &path_text], None);
    assert_eq!(code, 0, "dun fmt refused a valid file: {err}");
    let once = std::fs::read_to_string(&path).expect("read back");
    let (code, _, err) = dun(&["fmt", "--check", &path_text], None);
    assert_eq!(
        code, 0,
        "a second `dun fmt` would change the file again: {err}"
    );
    let (code, _, err) = dun(&["check", &path_text], None);
    assert_eq!(code, 0, "the formatted file no longer checks: {err}");
    once
}

const HEAD: &str = "flow f\ncurrency USD\naccount { balance: money }\n";
const TAIL: &str = "start a\nstage a {\n  if big {\n    end done\n  }\n  end other\n}\n";

#[test]
fn a_doc_line_with_trailing_blanks_is_formatted() {
    let out = formats_and_keeps_formatting(
        "doc-trailing",
        &format!("{HEAD}## Large balances.   \nsegment big = account.balance > 100 USD\n{TAIL}"),
    );
    assert!(out.contains("## Large balances.\nsegment big"), "{out}");
}

#[test]
fn a_doc_line_inside_an_expression_is_kept_and_documents_nothing() {
    let out = formats_and_keeps_formatting(
        "doc-in-expr",
        &format!("{HEAD}segment big = account.balance >\n  ## odd place\n  100 USD\n{TAIL}"),
    );
    assert!(
        out.contains("## odd place\n\nsegment big = account.balance > 100 USD"),
        "{out}"
    );
}

#[test]
fn a_comment_inside_a_documented_declaration_keeps_the_doc_attached() {
    let out = formats_and_keeps_formatting(
        "comment-in-doc",
        &format!("{HEAD}## Large balances.\nsegment big = account.balance >\n  # one hundred\n  100 USD\n{TAIL}"),
    );
    assert!(
        out.contains(
            "## Large balances.\nsegment big = account.balance > 100 USD\n# one hundred\n"
        ),
        "{out}"
    );
}

#[test]
fn a_line_break_between_business_and_days_is_a_line_break_like_any_other() {
    let out = formats_and_keeps_formatting(
        "business-days",
        &format!("{HEAD}start a\nstage a {{\n  wait 2 business\n    days\n  end done\n}}\n"),
    );
    assert!(out.contains("wait 2 business days\n"), "{out}");
}
