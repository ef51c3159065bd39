//! The flow files a command works on, found the same way by every
//! subcommand that takes paths (`check`, `fmt`, `test`, `build`, `graph`
//! and the runtime commands), so that `dun check .` and `dun fmt .` see the
//! same files.
//!
//! A path named on the command line must exist; a file must end in `.dun`;
//! a folder is walked in name order for `*.dun` files, skipping what never
//! holds flows to check (hidden entries, `target/`, `node_modules/`). A
//! symbolic link met in the walk is followed only to a file inside the
//! folder named, so a walk never reads outside it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Folders skipped below a folder named on the command line: build output
/// and installed packages, which hold copies rather than sources. Hidden
/// entries (`.git`, editor state) are skipped too.
const SKIPPED: [&str; 2] = ["target", "node_modules"];

/// The files found for some paths, in the order named (each folder's files
/// in name order), each once.
pub(crate) struct Found {
    pub files: Vec<PathBuf>,
    /// False when a path could not be used (the reason was printed).
    pub ok: bool,
}

/// The `.dun` files of `paths`, the current folder when none is given.
/// Problems are printed on standard error as they are met.
pub(crate) fn find(paths: &[PathBuf]) -> Found {
    let here = [PathBuf::from(".")];
    let roots = if paths.is_empty() { &here[..] } else { paths };
    let mut found = Found {
        files: Vec::new(),
        ok: true,
    };
    // The same file reached twice (named twice, through a link or a second
    // spelling of its path) is one file.
    let mut seen = HashSet::new();
    for root in roots {
        let mut files = Vec::new();
        match walk(root, &mut files) {
            Ok(()) => {}
            Err(message) => {
                eprintln!("error: {message}");
                found.ok = false;
            }
        }
        for file in files {
            let key = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if seen.insert(key) {
                found.files.push(file);
            }
        }
    }
    found
}

/// The one flow file a command such as `dun build` reads: it must exist
/// and be a `.dun` file.
pub(crate) fn flow_file(path: &Path) -> Result<(), String> {
    let metadata = std::fs::metadata(path)
        .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
    if metadata.is_dir() {
        return Err(format!(
            "`{}` is a folder; give the path of one flow file (`.dun`)",
            path.display()
        ));
    }
    if !is_flow(path) {
        return Err(not_a_flow(path));
    }
    Ok(())
}

/// The text of a flow file, or why it cannot be read.
pub(crate) fn read(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path)
        .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| {
        format!(
            "`{}` is not UTF-8 text; save it as UTF-8 and try again",
            path.display()
        )
    })
}

/// The path as written into reports: without a leading `./`, with forward
/// slashes, so that reports compare equal across machines.
pub(crate) fn shown(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut text = text.as_str();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    text.to_string()
}

fn is_flow(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "dun")
}

fn not_a_flow(path: &Path) -> String {
    format!(
        "`{}` is not a flow file: flow files end in `.dun`; give a `.dun` file or a folder that holds some",
        path.display()
    )
}

/// Adds `root` itself (a `.dun` file) or the `.dun` files below it.
fn walk(root: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let metadata = std::fs::metadata(root).map_err(|error| {
        format!(
            "cannot read `{}`: {error}; give the path of a .dun file or of a folder that holds some",
            root.display()
        )
    })?;
    if !metadata.is_dir() {
        if !is_flow(root) {
            return Err(not_a_flow(root));
        }
        files.push(root.to_path_buf());
        return Ok(());
    }
    // Links are judged against where the folder really is.
    let inside = std::fs::canonicalize(root)
        .map_err(|error| format!("cannot read `{}`: {error}", root.display()))?;
    let before = files.len();
    let entries = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !skipped(entry));
    for entry in entries {
        let entry = entry.map_err(|error| {
            format!(
                "cannot search `{}`: {error}; make the folder readable or name the files to use",
                root.display()
            )
        })?;
        if !is_flow(entry.path()) {
            continue;
        }
        let kind = entry.file_type();
        if kind.is_file() || (kind.is_symlink() && link_stays_inside(entry.path(), &inside)) {
            files.push(entry.into_path());
        }
    }
    if files.len() == before {
        return Err(format!(
            "no .dun files found in `{}`; give the path of a flow file or of a folder that holds some",
            root.display()
        ));
    }
    Ok(())
}

fn skipped(entry: &walkdir::DirEntry) -> bool {
    let Some(name) = entry.file_name().to_str() else {
        return false;
    };
    name.starts_with('.') || (entry.file_type().is_dir() && SKIPPED.contains(&name))
}

/// Whether a link found in the walk leads to a file inside the folder.
fn link_stays_inside(link: &Path, inside: &Path) -> bool {
    std::fs::canonicalize(link).is_ok_and(|target| target.starts_with(inside) && target.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of the test's own under Cargo's target folder, emptied
    /// first, so that runs leave one copy behind at most.
    fn scratch(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/unit-scratch/inputs")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn touch(dir: &Path, name: &str) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "flow f\n").unwrap();
    }

    fn names(dir: &Path, found: &Found) -> Vec<String> {
        found
            .files
            .iter()
            .map(|f| shown(f.strip_prefix(dir).unwrap()))
            .collect()
    }

    #[test]
    fn shown_paths_drop_the_leading_dot_folder_and_use_forward_slashes() {
        assert_eq!(shown(Path::new("./flows/a.dun")), "flows/a.dun");
        assert_eq!(shown(Path::new("././a.dun")), "a.dun");
        assert_eq!(shown(Path::new("flows\\a.dun")), "flows/a.dun");
    }

    #[test]
    fn a_walk_skips_build_output_packages_and_hidden_folders_in_name_order() {
        let dir = scratch("walk");
        for name in [
            "b.dun",
            "a/c.dun",
            "target/debug/copy.dun",
            "node_modules/pkg/x.dun",
            ".git/y.dun",
            ".hidden.dun",
            "notes.txt",
            "a/target/z.dun",
        ] {
            touch(&dir, name);
        }
        let found = find(std::slice::from_ref(&dir));
        assert!(found.ok);
        assert_eq!(names(&dir, &found), ["a/c.dun", "b.dun"]);
    }

    #[test]
    fn a_folder_named_on_the_command_line_is_walked_even_if_it_would_be_skipped() {
        let dir = scratch("named");
        touch(&dir, "target/t.dun");
        let found = find(&[dir.join("target")]);
        assert!(found.ok);
        assert_eq!(names(&dir, &found), ["target/t.dun"]);
    }

    #[test]
    fn missing_paths_other_files_and_empty_folders_are_refused() {
        let dir = scratch("refused");
        touch(&dir, "notes.txt");
        std::fs::create_dir_all(dir.join("empty")).unwrap();
        for path in ["missing.dun", "notes.txt", "empty"] {
            let found = find(&[dir.join(path)]);
            assert!(!found.ok, "{path} is refused");
            assert!(found.files.is_empty());
        }
        assert!(flow_file(&dir.join("notes.txt"))
            .unwrap_err()
            .contains("flow files end in `.dun`"));
        assert!(flow_file(&dir.join("empty"))
            .unwrap_err()
            .contains("is a folder"));
    }

    #[test]
    fn a_file_reached_twice_is_found_once() {
        let dir = scratch("twice");
        touch(&dir, "a.dun");
        touch(&dir, "b.dun");
        let found = find(&[dir.join("b.dun"), dir.clone(), dir.join("./a.dun")]);
        assert!(found.ok);
        assert_eq!(names(&dir, &found), ["b.dun", "a.dun"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_only_to_files_inside_the_folder() {
        let dir = scratch("links");
        let outside = scratch("links-outside");
        touch(&outside, "secret.dun");
        touch(&dir, "flows/real.dun");
        touch(&dir, "flows/shared/common.dun");
        std::os::unix::fs::symlink(outside.join("secret.dun"), dir.join("flows/out.dun")).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("flows/elsewhere")).unwrap();
        std::os::unix::fs::symlink(
            dir.join("flows/shared/common.dun"),
            dir.join("flows/linked.dun"),
        )
        .unwrap();
        let found = find(&[dir.join("flows")]);
        assert!(found.ok);
        // The linked file is inside the folder: found once, by its first path.
        assert_eq!(names(&dir, &found), ["flows/linked.dun", "flows/real.dun"]);
        // A link outside, and the same file found twice, leave the folder
        // named explicitly alone.
        let direct = find(&[dir.join("flows/out.dun")]);
        assert!(direct.ok, "a link named on the command line is followed");
    }
}
