//! The `dun` binary as users and CI call it: exit statuses, output formats,
//! folder walking, colour, and `dun explain`.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A flow with one plain mistake (`wiat`): every build of dun rejects it.
const BROKEN: &str =
    "flow broken\ncurrency USD\nstart reminders\nstage reminders {\n  wiat 3 days\n  end paid\n}\n";

/// A flow that must check clean: the language reference's sample.
fn clean_flow() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/valid/reference.dun");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the clean fixture {} is needed: {e}", path.display()))
}

/// An empty scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("cli", name)
}

/// Writes the clean flow at `name`, with the template files it names beside it.
fn write_clean(dir: &Path, name: &str) {
    write(dir, name, &clean_flow());
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/valid/templates");
    let beside = dir.join(name).parent().unwrap().join("templates");
    for entry in std::fs::read_dir(templates).into_iter().flatten().flatten() {
        std::fs::create_dir_all(&beside).unwrap();
        std::fs::copy(entry.path(), beside.join(entry.file_name())).unwrap();
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs `dun` in `dir` with the colour and width variables cleared, so
/// that the test does not depend on the developer's shell.
fn dun(dir: &Path, args: &[&str]) -> Output {
    dun_with_env(dir, args, &[])
}

fn dun_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dun"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn status(output: &Output) -> i32 {
    output.status.code().expect("dun was killed by a signal")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(output)))
}

#[test]
fn a_clean_flow_exits_0_and_the_summary_says_so() {
    let dir = scratch("clean");
    write_clean(&dir, "early.dun");
    let output = dun(&dir, &["check", "early.dun"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "checked 1 file: no problems found\n");
}

#[test]
fn a_flow_with_an_error_exits_1_and_shows_where_and_why() {
    let dir = scratch("broken");
    write(&dir, "broken.dun", BROKEN);
    let output = dun(&dir, &["check", "broken.dun"]);
    assert_eq!(status(&output), 1);
    let report = stdout(&output);
    assert!(report.contains("dun::syntax::"), "{report}");
    assert!(report.contains("[broken.dun:5:"), "{report}");
    assert!(
        report.contains("wiat"),
        "the excerpt shows the line: {report}"
    );
    let summary = stderr(&output);
    assert!(
        summary.starts_with("checked 1 file: ") && summary.contains("error"),
        "{summary}"
    );
}

#[test]
fn problems_with_the_command_itself_exit_2() {
    let dir = scratch("trouble");
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    write(&dir, "latin1.dun", "");
    std::fs::write(dir.join("latin1.dun"), b"flow caf\xe9\n").unwrap();

    let missing = dun(&dir, &["check", "missing.dun"]);
    assert_eq!(status(&missing), 2);
    assert!(stderr(&missing).contains("cannot read `missing.dun`"));

    let empty = dun(&dir, &["check", "empty"]);
    assert_eq!(status(&empty), 2);
    assert!(stderr(&empty).contains("no .dun files found in `empty`"));

    let not_utf8 = dun(&dir, &["check", "latin1.dun"]);
    assert_eq!(status(&not_utf8), 2);
    assert!(stderr(&not_utf8).contains("not UTF-8"));

    assert_eq!(status(&dun(&dir, &["check", "--format", "xml"])), 2);
    assert_eq!(status(&dun(&dir, &["check", "--no-such-flag"])), 2);
    assert_eq!(status(&dun(&dir, &["no-such-command"])), 2);
}

#[test]
fn an_unreadable_file_wins_over_findings_in_the_others() {
    let dir = scratch("mixed");
    write(&dir, "broken.dun", BROKEN);
    let output = dun(&dir, &["check", "broken.dun", "missing.dun"]);
    assert_eq!(status(&output), 2);
    assert!(
        stdout(&output).contains("dun::syntax::"),
        "the readable file is still reported"
    );
}

#[test]
fn folders_are_searched_for_dun_files_in_name_order_skipping_hidden_ones() {
    let dir = scratch("walk");
    write_clean(&dir, "flows/b.dun");
    write_clean(&dir, "flows/a/c.dun");
    write(&dir, "flows/.drafts/d.dun", BROKEN);
    write(&dir, "flows/notes.txt", "not a flow");
    let output = dun(&dir, &["check", "--format", "json", "flows"]);
    assert_eq!(status(&output), 0, "{}", stdout(&output));
    assert_eq!(
        json(&output)["files"],
        serde_json::json!(["flows/a/c.dun", "flows/b.dun"])
    );
    assert_eq!(stderr(&output), "checked 2 files: no problems found\n");

    // Without paths, the current folder.
    let here = dun(&dir.join("flows"), &["check", "--format", "json"]);
    assert_eq!(
        json(&here)["files"],
        serde_json::json!(["a/c.dun", "b.dun"])
    );

    // A file named twice is checked once.
    let twice = dun(&dir, &["check", "--format", "json", "flows/b.dun", "flows"]);
    assert_eq!(
        json(&twice)["files"],
        serde_json::json!(["flows/b.dun", "flows/a/c.dun"])
    );
}

#[test]
fn json_output_is_one_document_with_positions_and_a_summary() {
    let dir = scratch("json");
    write(&dir, "broken.dun", BROKEN);
    write_clean(&dir, "clean.dun");
    let output = dun(
        &dir,
        &["check", "--format", "json", "broken.dun", "clean.dun"],
    );
    assert_eq!(status(&output), 1);
    let document = json(&output);
    assert_eq!(document["version"], 1);
    assert_eq!(
        document["files"],
        serde_json::json!(["broken.dun", "clean.dun"])
    );
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert!(!diagnostics.is_empty());
    let first = &diagnostics[0];
    assert_eq!(first["file"], "broken.dun");
    assert_eq!(first["severity"], "error");
    assert!(first["code"].as_str().unwrap().starts_with("dun::"));
    assert!(!first["message"].as_str().unwrap().is_empty());
    assert_eq!(first["start"]["line"], 5);
    assert!(first["start"]["column"].as_u64().unwrap() >= 1);
    assert!(first["labels"][0]["primary"].as_bool().unwrap());
    let errors = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    assert_eq!(document["summary"]["errors"], errors);
}

#[test]
fn github_output_is_one_workflow_command_per_diagnostic() {
    let dir = scratch("github");
    write(&dir, "broken.dun", BROKEN);
    let output = dun(&dir, &["check", "--format", "github", "broken.dun"]);
    assert_eq!(status(&output), 1);
    let report = stdout(&output);
    assert!(!report.is_empty());
    for line in report.lines() {
        assert!(
            line.starts_with("::error file=broken.dun,line=")
                || line.starts_with("::warning file=broken.dun,line=")
                || line.starts_with("::notice file=broken.dun,line="),
            "{line}"
        );
        assert!(line.contains(",title=dun%3A%3A"), "{line}");
    }
}

#[test]
fn sarif_output_is_a_sarif_2_1_0_log() {
    let dir = scratch("sarif");
    write(&dir, "flows/broken.dun", BROKEN);
    let output = dun(&dir, &["check", "--format", "sarif", "flows"]);
    assert_eq!(status(&output), 1);
    let log = json(&output);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["tool"]["driver"]["name"], "dun");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        assert!(rules.contains(&result["ruleId"].as_str().unwrap()));
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "flows/broken.dun");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    assert_eq!(results[0]["level"], "error");
}

#[test]
fn deny_warnings_fails_on_warnings_but_not_on_a_clean_flow() {
    let dir = scratch("deny");
    write_clean(&dir, "clean.dun");
    assert_eq!(
        status(&dun(&dir, &["check", "--deny-warnings", "clean.dun"])),
        0
    );
    write(&dir, "broken.dun", BROKEN);
    assert_eq!(
        status(&dun(&dir, &["check", "--deny-warnings", "broken.dun"])),
        1
    );

    // A fixture that only warns, if the checker has one, must pass without
    // the flag and fail with it.
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let only_warns = walkdir::WalkDir::new(&cases)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|path| path.extension().is_some_and(|ext| ext == "dun"))
        .find(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let analysis = dun_compiler::analyze(Some(path), &text);
            !analysis.has_errors()
                && analysis
                    .diagnostics
                    .iter()
                    .any(|d| d.severity == dun_compiler::diagnostics::Severity::Warning)
        });
    if let Some(path) = only_warns {
        let path = path.to_str().unwrap();
        assert_eq!(status(&dun(&dir, &["check", path])), 0, "{path}");
        assert_eq!(
            status(&dun(&dir, &["check", "--deny-warnings", path])),
            1,
            "{path}"
        );
    }
}

#[test]
fn colour_follows_the_terminal_no_color_and_the_color_flag() {
    let dir = scratch("colour");
    write(&dir, "broken.dun", BROKEN);
    let escape = |output: &Output| stdout(output).contains('\u{1b}');
    let check = ["check", "broken.dun"];

    assert!(!escape(&dun(&dir, &check)), "a pipe gets no colour");
    let forced = dun_with_env(&dir, &check, &[("CLICOLOR_FORCE", "1")]);
    assert!(escape(&forced), "CLICOLOR_FORCE colours a pipe");
    let no_color = dun_with_env(&dir, &check, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!escape(&no_color), "NO_COLOR wins");
    assert!(escape(&dun(
        &dir,
        &["check", "--color", "always", "broken.dun"]
    )));
    let never = dun_with_env(
        &dir,
        &["check", "--color", "never", "broken.dun"],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!escape(&never));
}

#[test]
fn every_subcommand_that_prints_diagnostics_colours_them_alike() {
    let dir = scratch("colour-everywhere");
    write(&dir, "broken.dun", BROKEN);
    let escape = |output: &Output| stderr(output).contains('\u{1b}');
    for command in [
        &["build", "broken.dun"][..],
        &["fmt", "--check", "broken.dun"],
        &["graph", "broken.dun"],
        &["test", "broken.dun"],
    ] {
        let plain = dun(&dir, command);
        assert!(
            stderr(&plain).contains("dun::syntax::unexpected"),
            "{command:?} prints the diagnostic: {}",
            stderr(&plain)
        );
        assert!(!escape(&plain), "{command:?}: a pipe gets no colour");
        let forced = dun_with_env(&dir, command, &[("CLICOLOR_FORCE", "1")]);
        assert!(
            escape(&forced),
            "{command:?}: CLICOLOR_FORCE colours a pipe"
        );
        let no_color = dun_with_env(&dir, command, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
        assert!(!escape(&no_color), "{command:?}: NO_COLOR wins");
        let empty = dun_with_env(&dir, command, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]);
        assert!(escape(&empty), "{command:?}: an empty NO_COLOR is not set");
        let mut never = vec!["--color", "never"];
        never.extend_from_slice(command);
        let never = dun_with_env(&dir, &never, &[("CLICOLOR_FORCE", "1")]);
        assert!(
            !escape(&never),
            "{command:?}: --color never beats CLICOLOR_FORCE"
        );
    }
}

#[test]
fn messages_are_wrapped_at_columns() {
    let dir = scratch("width");
    write(&dir, "broken.dun", BROKEN);
    // The message of the finding, the line after the code.
    let message = |stream: &str| {
        stream
            .lines()
            .skip_while(|line| !line.contains("dun::syntax::unexpected"))
            .skip(2)
            .take_while(|line| !line.contains(",-["))
            .map(str::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let narrow = dun_with_env(&dir, &["check", "broken.dun"], &[("COLUMNS", "45")]);
    let narrow = message(&stdout(&narrow));
    assert!(
        narrow.lines().count() >= 2 && narrow.lines().all(|line| line.chars().count() <= 45),
        "wrapped at 45 columns:\n{narrow}"
    );
    let wide = dun_with_env(&dir, &["check", "broken.dun"], &[("COLUMNS", "200")]);
    let wide = message(&stdout(&wide));
    assert_eq!(wide.lines().count(), 1, "one line at 200 columns:\n{wide}");
    // Standard error is sized the same way.
    let build = dun_with_env(&dir, &["build", "broken.dun"], &[("COLUMNS", "45")]);
    assert_eq!(message(&stderr(&build)), narrow);
}

#[test]
fn check_fmt_and_test_see_the_same_files_skipping_build_output_and_hidden_folders() {
    let dir = scratch("same-files");
    // Valid and laid out badly, so that `fmt --check` names every file it sees.
    let unformatted = "flow f\ncurrency USD\nstart a\nstage a {\n      end done\n}\n";
    for name in ["b.dun", "a/c.dun", "a/d/e.dun"] {
        write(&dir, name, unformatted);
    }
    for skipped in [
        "target/debug/copy.dun",
        "a/target/x.dun",
        "node_modules/pkg/flow.dun",
        ".git/hooks/flow.dun",
        ".drafts/draft.dun",
        "a/.hidden.dun",
    ] {
        write(&dir, skipped, BROKEN);
    }
    let expected = ["a/c.dun", "a/d/e.dun", "b.dun"];

    let check = dun(&dir, &["check", "--format", "json", "."]);
    assert_eq!(status(&check), 0, "{}", stdout(&check));
    assert_eq!(json(&check)["files"], serde_json::json!(expected));

    let fmt = dun(&dir, &["fmt", "--check", "."]);
    assert_eq!(status(&fmt), 1, "{}", stderr(&fmt));
    assert_eq!(stdout(&fmt).lines().collect::<Vec<_>>(), expected);
    assert!(
        stderr(&fmt).contains("(3 files looked at)"),
        "{}",
        stderr(&fmt)
    );

    let test = dun(&dir, &["test", "."]);
    assert_eq!(status(&test), 0, "{}", stderr(&test));
    assert!(!stderr(&test).contains("syntax"), "{}", stderr(&test));

    // The same without a path, and with the folder spelt differently.
    let here = dun(&dir, &["check", "--format", "json"]);
    assert_eq!(json(&here)["files"], serde_json::json!(expected));
    let fmt_here = dun(&dir.join("a"), &["fmt", "--check", "..", "../a"]);
    assert!(
        stderr(&fmt_here).contains("(3 files looked at)"),
        "each file once: {}",
        stderr(&fmt_here)
    );
}

#[test]
fn a_path_that_is_not_a_flow_file_is_refused_by_every_subcommand() {
    let dir = scratch("not-a-flow");
    write(&dir, "notes.txt", "flow f\n");
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    for command in ["check", "fmt", "test", "build", "graph"] {
        let other = dun(&dir, &[command, "notes.txt"]);
        assert_eq!(status(&other), 2, "{command}");
        assert!(
            stderr(&other).contains("`notes.txt` is not a flow file: flow files end in `.dun`"),
            "{command}: {}",
            stderr(&other)
        );
        let missing = dun(&dir, &[command, "missing.dun"]);
        assert_eq!(status(&missing), 2, "{command}");
        assert!(
            stderr(&missing).contains("cannot read `missing.dun`"),
            "{command}: {}",
            stderr(&missing)
        );
    }
    for command in ["check", "fmt", "test"] {
        let empty = dun(&dir, &[command, "empty"]);
        assert_eq!(status(&empty), 2, "{command}");
        assert!(stderr(&empty).contains("no .dun files found in `empty`"));
    }
}

#[cfg(unix)]
#[test]
fn a_walk_does_not_follow_links_out_of_the_folder() {
    let dir = scratch("links");
    write(&dir, "outside/secret.dun", BROKEN);
    write_clean(&dir, "flows/real.dun");
    std::os::unix::fs::symlink(dir.join("outside/secret.dun"), dir.join("flows/secret.dun"))
        .unwrap();
    std::os::unix::fs::symlink(dir.join("outside"), dir.join("flows/elsewhere")).unwrap();
    let check = dun(&dir, &["check", "--format", "json", "flows"]);
    assert_eq!(status(&check), 0, "{}", stdout(&check));
    assert_eq!(json(&check)["files"], serde_json::json!(["flows/real.dun"]));
}

#[test]
fn explain_prints_the_explanation_of_a_code() {
    let dir = scratch("explain");
    let list = dun(&dir, &["explain", "--list"]);
    assert_eq!(status(&list), 0);
    let listing = stdout(&list);
    let codes: Vec<&str> = listing
        .lines()
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    assert!(!codes.is_empty());
    for line in listing.lines() {
        assert!(line.starts_with("dun::"), "{line}");
        assert!(
            line.split_whitespace().count() > 1,
            "a summary follows: {line}"
        );
    }

    let code = codes[0];
    let explained = dun(&dir, &["explain", code]);
    assert_eq!(status(&explained), 0);
    // The code, then its default severity, then the explanation.
    assert!(stdout(&explained).starts_with(&format!("{code}\n")));
    assert!(stdout(&explained).contains("by default\n\n"));
    assert!(stdout(&explained).len() > code.len() + 20);

    let short = dun(&dir, &["explain", code.trim_start_matches("dun::")]);
    assert_eq!(
        stdout(&short),
        stdout(&explained),
        "the prefix may be left out"
    );

    let typo = &code[..code.len() - 1];
    let unknown = dun(&dir, &["explain", typo]);
    assert_eq!(status(&unknown), 2);
    assert!(
        stderr(&unknown).contains(&format!("did you mean `{code}`?")),
        "{}",
        stderr(&unknown)
    );

    assert_eq!(
        status(&dun(&dir, &["explain"])),
        2,
        "a code or --list is needed"
    );
}

const SMALL_HEAD: &str =
    "flow f\ncurrency USD\naccount { balance: money, mobile: phone }\nstart a\n";

#[test]
fn a_finding_past_column_65536_is_printed_not_a_panic() {
    // Issue 20, #11: miette's excerpt padding overflowed past column 65,535.
    let dir = scratch("far-column");
    let padding = " ".repeat(70_000);
    write(
        &dir,
        "flow.dun",
        &format!("{SMALL_HEAD}stage a {{\n  wait 1 day{padding} goto nowhere\n}}\n"),
    );
    for command in [
        &["check", "flow.dun"][..],
        &["build", "flow.dun"],
        &["fmt", "--check", "flow.dun"],
    ] {
        let out = dun(&dir, command);
        let err = stderr(&out) + &stdout(&out);
        assert_ne!(status(&out), 101, "{command:?} panicked: {err}");
        if command[0] != "fmt" {
            assert_eq!(status(&out), 1, "{command:?}: {err}");
            assert!(
                err.contains("there is no stage `nowhere`"),
                "{command:?}: {err}"
            );
            assert!(err.contains("flow.dun:6:70019"), "{command:?}: {err}");
        }
    }
}

#[test]
fn a_misspelt_name_80000_characters_long_gets_its_error() {
    // Issue 20, #7: the suggestion compared every pair of letters.
    let dir = scratch("long-name");
    let name = "a".repeat(80_000);
    write(
        &dir,
        "flow.dun",
        &format!("{SMALL_HEAD}stage a {{\n  goto {name}\n}}\nstage {name}b {{\n  end done\n}}\n"),
    );
    let out = dun(&dir, &["check", "flow.dun"]);
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("unknown_stage") || stdout(&out).contains("unknown_stage"));
}

#[test]
fn a_forgotten_quote_is_one_error_at_the_quote() {
    // Issue 12: the text ran on into the next template and every name
    // after it was reported unknown or unused.
    let dir = scratch("forgotten-quote");
    write(
        &dir,
        "flow.dun",
        &format!(
            "{SMALL_HEAD}template a_note for sms \"Please pay.\n\ntemplate b_note for sms \"Thanks.\"\n\nstage a {{\n  send sms a_note\n  send sms b_note\n  end done\n}}\n"
        ),
    );
    let out = dun(&dir, &["check", "--format", "json", "flow.dun"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let found: Vec<(String, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![("dun::syntax::unclosed".to_string(), 5)],
        "{json}"
    );
    assert_eq!(json["diagnostics"][0]["start"]["column"], 25);
}

#[test]
fn an_expression_cut_off_at_the_end_of_a_line_is_reported_on_that_line() {
    let dir = scratch("cut-off");
    write(
        &dir,
        "flow.dun",
        &format!("{SMALL_HEAD}var n: number = 0\nstage a {{\n  set n = n +\n  wait 1 day\n  end done\n}}\n"),
    );
    let out = dun(&dir, &["check", "flow.dun"]);
    let err = stderr(&out) + &stdout(&out);
    assert_eq!(status(&out), 1, "{err}");
    assert!(
        err.contains("expected a value after `+`, but the line ends here"),
        "{err}"
    );
    assert!(err.contains("flow.dun:7:13"), "{err}");
    assert!(err.contains("1 error"), "{err}");
}

#[test]
fn check_fix_applies_safe_fixes_and_diff_only_shows_them() {
    let dir = scratch("check-fix");
    let broken = format!(
        "{SMALL_HEAD}template a_note for sms \"Please pay.\n\nstage a {{\n  send sms a_note\n  goto b_stag\n}}\nstage b_stage {{\n  end done\n}}\n"
    );
    write(&dir, "flow.dun", &broken);

    let out = dun(&dir, &["check", "--fix", "--diff", "flow.dun"]);
    assert_eq!(status(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("+template a_note for sms \"Please pay.\""),
        "{}",
        stdout(&out)
    );
    let unchanged = std::fs::read_to_string(dir.join("flow.dun")).unwrap();
    assert_eq!(unchanged, broken, "--diff must not write the file");

    let out = dun(&dir, &["check", "--fix", "flow.dun"]);
    let fixed = std::fs::read_to_string(dir.join("flow.dun")).unwrap();
    assert!(fixed.contains("\"Please pay.\"\n"), "{fixed}");
    // A name swapped for the closest one is not safe: left for the author.
    assert!(fixed.contains("goto b_stag\n"), "{fixed}");
    assert_eq!(status(&out), 1, "the unknown stage is still an error");
    assert!(stderr(&out).contains("fixed 1 problem"), "{}", stderr(&out));
}

/// A line wider than the terminal is shown as a window around the caret,
/// with `...` where text is left out; the location still names the column
/// in the file.
#[test]
fn excerpts_are_cut_to_columns_around_the_caret() {
    let dir = scratch("excerpt-width");
    let cond = (1..=10)
        .map(|i| format!("account.balance > {i}00 USD"))
        .collect::<Vec<_>>()
        .join(" or ");
    let text = format!(
        "flow wide\ncurrency USD\naccount {{ balance: money }}\nstart a\nstage a {{\n  if {cond} or account.balanse > 5 USD {{ end paid }}\n  end done\n}}\n"
    );
    write(&dir, "wide.dun", &text);
    let out = dun_with_env(&dir, &["check", "wide.dun"], &[("COLUMNS", "60")]);
    let out = stdout(&out);
    let column = text.find("balanse").unwrap() - text.find("  if").unwrap() + 1;
    assert!(out.contains(&format!("wide.dun:6:{column}]")), "{out}");
    let excerpt: String = out
        .lines()
        .skip_while(|l| !l.contains(",-["))
        .take_while(|l| !l.contains("`----"))
        .collect::<Vec<_>>()
        .join("\n");
    for line in excerpt.lines() {
        assert!(line.chars().count() <= 60, "wider than 60: {line:?}\n{out}");
    }
    insta::assert_snapshot!(excerpt);
    // Wide enough, the line is shown whole.
    let wide = stdout(&dun_with_env(
        &dir,
        &["check", "wide.dun"],
        &[("COLUMNS", "400")],
    ));
    assert!(wide.contains(&format!("  if {cond}")), "{wide}");
    assert!(!wide.contains("..."), "{wide}");
}
