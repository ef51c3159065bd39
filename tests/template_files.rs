//! `file "..."` templates through the real `dun` binary: a template is read
//! only from the flow's folder tree once links are followed, only from a
//! regular file, and only up to the size bound; nothing a template path
//! names makes `dun check` or `dun build` hang or read without end.

mod common;

use common::{scratch, text};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A flow whose letter template is the file `path`.
fn flow(path: &str) -> String {
    format!(
        "flow letters\ncurrency USD\n\naccount {{\n  name: text\n  address: address\n}}\n\n\
         start collect\n\ntemplate final_demand for letter file \"{path}\"\n\n\
         stage collect {{\n  send letter final_demand\n  end paid\n}}\n"
    )
}

/// Runs `dun ARGS` in `dir`; fails the test if it runs for more than 60
/// seconds (a template read that blocks or never ends).
fn dun_in(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the dun binary runs");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("waiting for dun").is_some() {
            return child.wait_with_output().expect("dun's output");
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`dun {}` still ran after 60 s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `dun check --format json` in `dir`: the codes it reports.
fn codes(dir: &Path) -> Vec<String> {
    let out = dun_in(dir, &["check", "--format", "json", "letters.dun"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    let mut found = Vec::new();
    collect_codes(&json, &mut found);
    found
}

fn collect_codes(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(code)) = map.get("code") {
                out.push(code.clone());
            }
            map.values().for_each(|v| collect_codes(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_codes(v, out)),
        _ => {}
    }
}

/// `dun build` refuses the flow and writes no compiled file.
fn build_refuses(dir: &Path) {
    let out = dun_in(dir, &["build", "letters.dun", "-o", "letters.dunc"]);
    assert!(
        !out.status.success(),
        "build accepted it: {}",
        text(&out.stdout)
    );
    assert!(!dir.join("letters.dunc").exists(), "a .dunc was written");
}

#[cfg(unix)]
#[test]
fn a_link_inside_the_folder_that_leads_out_of_it_is_refused() {
    let outside = scratch("template_files", "outside");
    std::fs::write(outside.join("secret.txt"), "the secret {account.name}").unwrap();
    let dir = scratch("template_files", "link_out");
    std::fs::write(dir.join("letters.dun"), flow("templates/letter.txt")).unwrap();
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), dir.join("templates/letter.txt"))
        .unwrap();
    assert_eq!(codes(&dir), ["dun::templates::outside_folder"]);
    build_refuses(&dir);
    // A linked folder that leads out is refused the same way.
    let dir = scratch("template_files", "folder_link_out");
    std::fs::write(dir.join("letters.dun"), flow("templates/secret.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("templates")).unwrap();
    assert_eq!(codes(&dir), ["dun::templates::outside_folder"]);
}

#[cfg(unix)]
#[test]
fn a_link_that_stays_inside_the_folder_is_read() {
    let dir = scratch("template_files", "link_in");
    std::fs::write(dir.join("letters.dun"), flow("letter.txt")).unwrap();
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(dir.join("templates/real.txt"), "Dear {account.name}").unwrap();
    std::os::unix::fs::symlink("templates/real.txt", dir.join("letter.txt")).unwrap();
    assert_eq!(codes(&dir), Vec::<String>::new());
    let out = dun_in(&dir, &["build", "letters.dun", "-o", "letters.dunc"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[cfg(unix)]
#[test]
fn a_link_to_a_device_is_refused_without_reading_it() {
    let dir = scratch("template_files", "dev_zero");
    std::fs::write(dir.join("letters.dun"), flow("zero.txt")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.txt")).unwrap();
    // /dev/zero is outside the folder, so the link is refused before it is
    // looked at; both ways, nothing is read.
    assert_eq!(codes(&dir), ["dun::templates::outside_folder"]);
    build_refuses(&dir);
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_and_never_waited_on() {
    let dir = scratch("template_files", "fifo");
    std::fs::write(dir.join("letters.dun"), flow("pipe.txt")).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.txt"))
        .status()
        .expect("mkfifo runs (coreutils)");
    assert!(made.success());
    assert_eq!(codes(&dir), ["dun::templates::unreadable"]);
    let out = dun_in(&dir, &["check", "letters.dun"]);
    assert!(
        text(&out.stdout).contains("is not a regular file")
            || text(&out.stderr).contains("is not a regular file"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    build_refuses(&dir);
}

#[test]
fn a_folder_named_as_a_template_is_refused() {
    let dir = scratch("template_files", "folder");
    std::fs::write(dir.join("letters.dun"), flow("templates")).unwrap();
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    assert_eq!(codes(&dir), ["dun::templates::unreadable"]);
}

#[test]
fn a_template_over_the_size_bound_is_refused() {
    let dir = scratch("template_files", "too_large");
    std::fs::write(dir.join("letters.dun"), flow("big.txt")).unwrap();
    let bound = dun_compiler::names::MAX_TEMPLATE_FILE_BYTES as usize;
    std::fs::write(dir.join("big.txt"), vec![b'a'; bound + 1]).unwrap();
    assert_eq!(codes(&dir), ["dun::templates::unreadable"]);
    let out = dun_in(&dir, &["check", "letters.dun"]);
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(shown.contains("is larger than 1 MiB"), "{shown}");
    // Exactly at the bound is read.
    std::fs::write(dir.join("big.txt"), vec![b'a'; bound]).unwrap();
    assert_eq!(codes(&dir), Vec::<String>::new());
}
