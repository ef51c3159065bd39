//! docs/architecture.md names every folder and module of the crates, so a
//! reader finds where a thing lives; a module added without a line there
//! fails here.

mod common;

use std::path::Path;

/// The source folders the page maps.
const TREES: &[&str] = &[
    "machine/src",
    "compiler/src",
    "runtime/src",
    "lsp/src",
    "src",
    "tests/common",
];

/// Whether `name` stands in `doc` as a word of its own (`log.rs`, not the
/// end of `catalog.rs`).
fn named(doc: &str, name: &str) -> bool {
    doc.match_indices(name).any(|(at, _)| {
        !doc[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Modules and folders below `dir` that the page does not name. Tests and
/// the entry files of a folder (`mod.rs`, `lib.rs`, `main.rs`) are named
/// by their folder.
fn unnamed(doc: &str, dir: &Path, missing: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let shown = path
            .strip_prefix(common::root())
            .unwrap_or(&path)
            .display()
            .to_string();
        if path.is_dir() {
            if name == "tests" || name == "snapshots" {
                continue;
            }
            if !named(doc, &format!("{name}/")) {
                missing.push(format!("{shown}/"));
            }
            unnamed(doc, &path, missing);
        } else if name.ends_with(".rs")
            && !matches!(&*name, "mod.rs" | "lib.rs" | "main.rs" | "tests.rs")
            && !name.ends_with("_tests.rs")
            && !named(doc, &name)
        {
            missing.push(shown);
        }
    }
}

#[test]
fn the_architecture_page_names_every_module_of_the_crates() {
    let doc = std::fs::read_to_string(common::root().join("docs/architecture.md"))
        .expect("docs/architecture.md");
    let mut missing = Vec::new();
    for tree in TREES {
        unnamed(&doc, &common::root().join(tree), &mut missing);
    }
    assert!(
        missing.is_empty(),
        "docs/architecture.md does not say where these live: {missing:#?}; \
         add them to \"Where each module lives\""
    );
}
