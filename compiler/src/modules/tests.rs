use super::*;
use crate::analysis::analyze;
use std::path::PathBuf;

/// A fresh folder holding `files` (path, text).
fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dun-modules-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir
}

fn check(dir: &Path, flow: &str) -> crate::Analysis {
    let path = dir.join(flow);
    let text = std::fs::read_to_string(&path).unwrap();
    analyze(Some(&path), &text)
}

fn codes(a: &crate::Analysis) -> Vec<&'static str> {
    a.diagnostics.iter().map(|d| d.code).collect()
}

const FLOW: &str = "flow f\naccount { mobile: phone }\nimport \"lib/shared.dun\"\nstart a\nstage a {\n  send sms nudge\n  end done\n}\n";
const LIB: &str =
    "template nudge for sms \"Please pay\"\nevent cease\npolicy {\n  stop contact on cease\n}\n";

#[test]
fn names_declared_in_an_imported_file_resolve_and_lower() {
    let dir = folder("resolve", &[("f.dun", FLOW), ("lib/shared.dun", LIB)]);
    let a = check(&dir, "f.dun");
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    assert!(a.machine.is_some());
    assert_eq!(a.sources.imported.len(), 1);
    assert_eq!(a.own_decls().len(), 5);
}

#[test]
fn a_flow_without_imports_has_no_sources() {
    let dir = folder(
        "none",
        &[("f.dun", "flow f\nstart a\nstage a {\n  end done\n}\n")],
    );
    let a = check(&dir, "f.dun");
    assert!(a.sources.is_empty() && a.sources.root.is_none());
}

#[test]
fn a_mistake_in_an_imported_file_is_reported_in_that_file() {
    let lib = "template nudge for sms \"Pay {account.nme}\"\n";
    let dir = folder("mistake", &[("f.dun", FLOW), ("lib/shared.dun", lib)]);
    let a = check(&dir, "f.dun");
    let text = std::fs::read_to_string(dir.join("f.dun")).unwrap();
    let parts = a.sources.split("f.dun", &text, a.diagnostics.clone());
    let lib_part = parts
        .iter()
        .find(|p| p.file == FileId::Imported(0))
        .expect("diagnostics in the imported file");
    let d = &lib_part.diagnostics[0];
    assert_eq!(d.code, crate::names::UNKNOWN_FIELD);
    assert_eq!(&lib[d.primary.span.range()], "nme");
    assert!(a.sources.imported[0].shown.ends_with("lib/shared.dun"));
}

#[test]
fn a_name_declared_in_both_files_is_a_duplicate_naming_the_other_file() {
    let flow = FLOW.replace("start a", "event cease\nstart a");
    let dir = folder("duplicate", &[("f.dun", &flow), ("lib/shared.dun", LIB)]);
    let a = check(&dir, "f.dun");
    let parts = a.sources.split("f.dun", &flow, a.diagnostics.clone());
    let d = parts
        .iter()
        .flat_map(|p| &p.diagnostics)
        .find(|d| d.code == crate::names::DUPLICATE)
        .expect("a duplicate");
    assert!(
        d.help.as_deref().unwrap_or("").contains("f.dun:4:7"),
        "{d:?}"
    );
}

#[test]
fn a_missing_file_a_cycle_and_a_stage_in_a_library_are_errors() {
    let flow = FLOW.replace(
        "import \"lib/shared.dun\"",
        "import \"lib/shared.dun\"\nimport \"lib/gone.dun\"",
    );
    let lib = format!("{LIB}import \"../f.dun\"\nstage b {{\n  end done\n}}\n");
    let dir = folder("errors", &[("f.dun", &flow), ("lib/shared.dun", &lib)]);
    let a = check(&dir, "f.dun");
    let found = codes(&a);
    for code in [NOT_FOUND, CYCLE, NOT_IN_LIBRARY] {
        assert!(found.contains(&code), "{code} missing from {found:?}");
    }
}

#[test]
fn an_import_outside_the_folder_tree_is_refused_unless_allowed() {
    let dir = folder(
        "outside",
        &[
            (
                "flows/f.dun",
                &FLOW.replace("lib/shared.dun", "../lib/shared.dun"),
            ),
            ("lib/shared.dun", LIB),
        ],
    );
    let a = check(&dir, "flows/f.dun");
    assert_eq!(codes(&a)[0], OUTSIDE);
    let help = a.diagnostics[0].help.clone().unwrap_or_default();
    assert!(help.contains("--allow-import-outside"), "{help}");
    let allowed = [dir.join("lib").canonicalize().unwrap()];
    let path = dir.join("flows/f.dun");
    let text = std::fs::read_to_string(&path).unwrap();
    let options = Options {
        allowed: &allowed,
        ..Options::default()
    };
    let a = crate::analyze_in(Some(&path), &text, options);
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
}

#[cfg(unix)]
#[test]
fn a_link_that_leads_out_of_the_tree_is_refused() {
    let dir = folder("link", &[("flows/f.dun", FLOW), ("lib/shared.dun", LIB)]);
    std::os::unix::fs::symlink(dir.join("lib"), dir.join("flows/lib")).unwrap();
    let a = check(&dir, "flows/f.dun");
    assert_eq!(codes(&a)[0], OUTSIDE);
}

#[test]
fn a_file_imported_twice_is_read_once() {
    let flow = FLOW.replace(
        "import \"lib/shared.dun\"",
        "import \"lib/shared.dun\"\nimport \"lib/other.dun\"",
    );
    let other = "import \"shared.dun\"\nevent other\npolicy {\n  stop contact on other\n}\n";
    let dir = folder(
        "twice",
        &[
            ("f.dun", &flow),
            ("lib/shared.dun", LIB),
            ("lib/other.dun", other),
        ],
    );
    let a = check(&dir, "f.dun");
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    assert_eq!(a.sources.imported.len(), 2);
}

#[test]
fn shown_paths_fold_parent_folders() {
    assert_eq!(
        shown_path(Path::new("examples/utilities"), "../policies/reg_f.dun"),
        "examples/policies/reg_f.dun"
    );
    assert_eq!(shown_path(Path::new("."), "lib/x.dun"), "lib/x.dun");
    assert_eq!(shown_path(Path::new("."), "../x.dun"), "../x.dun");
}

#[test]
fn a_flow_of_more_than_max_files_is_refused() {
    let mut files: Vec<(String, String)> = vec![(
        "f.dun".into(),
        "flow f\nimport \"l0.dun\"\nstart a\nstage a {\n  end done\n}\n".into(),
    )];
    for i in 0..=MAX_FILES {
        files.push((
            format!("l{i}.dun"),
            format!("import \"l{}.dun\"\nevent e{i}\n", i + 1),
        ));
    }
    files.push((format!("l{}.dun", MAX_FILES + 1), "event last\n".into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = folder("many", &refs);
    let a = check(&dir, "f.dun");
    assert!(codes(&a).contains(&TOO_MANY), "{:?}", codes(&a));
    assert_eq!(a.sources.imported.len(), MAX_FILES);
}
