//! Outputs checked before any work: a command never writes over one of its
//! own inputs (`dun build f.dun -o f.dun`, `dun run --actions accounts.csv`),
//! whatever name reaches it (a relative path, `..`, a link, a hard link).
//! And standard output, written the same way by every command.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `text` to standard output and flushes it. A reader that stopped
/// early (`dun explain --list | head`) is not a failure: that is `Ok`.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// A file named on the command line, and the option that named it.
#[derive(Clone, Copy)]
pub struct Named<'a> {
    pub option: &'a str,
    pub path: &'a Path,
}

/// The path with its folder resolved through links (the file itself need
/// not exist yet), so that two spellings of one place compare equal.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::canonicalize(dir)
        .map(|d| d.join(&name))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Whether two paths name one file: the same place, or (both existing) the
/// same file under two names.
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (x, y) = (std::fs::metadata(a).ok(), std::fs::metadata(b).ok());
    // Devices and pipes (`/dev/null`, `/dev/stdout`) take any number of
    // writers without harm; only a file can be overwritten.
    if [&x, &y]
        .iter()
        .any(|m| m.as_ref().is_some_and(|m| !m.is_file()))
    {
        return false;
    }
    if resolved(a) == resolved(b) {
        return true;
    }
    #[cfg(unix)]
    if let (Some(x), Some(y)) = (x, y) {
        use std::os::unix::fs::MetadataExt;
        return x.dev() == y.dev() && x.ino() == y.ino();
    }
    false
}

/// Refuses an output that names an input, saying which and how to fix it.
/// `-` (standard output) is never a file.
pub fn refuse_overwrite(outputs: &[Named], inputs: &[Named]) -> Result<(), String> {
    for out in outputs {
        if out.path.as_os_str() == "-" {
            continue;
        }
        for input in inputs {
            if input.path.as_os_str() == "-" {
                continue;
            }
            if same_file(out.path, input.path) {
                return Err(format!(
                    "{} `{}` is the same file as {} `{}`: writing it would destroy that input; name another file",
                    out.option,
                    out.path.display(),
                    input.option,
                    input.path.display()
                ));
            }
        }
    }
    Ok(())
}

/// The files that make up a SQLite store at `db`: the database and the
/// files SQLite and the lease keep beside it.
pub fn store_files(db: &Path) -> Vec<PathBuf> {
    let with = |suffix: &str| {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    vec![
        db.to_path_buf(),
        with("-wal"),
        with("-shm"),
        with("-journal"),
        with(".lock"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_under_several_names_is_found() {
        let dir = std::env::temp_dir().join(format!("dun-outputs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let flow = dir.join("f.dun");
        std::fs::write(&flow, "flow f version 1").unwrap();
        std::fs::hard_link(&flow, dir.join("hard.dun")).unwrap();
        assert!(same_file(&flow, &dir.join("sub/../f.dun")));
        assert!(same_file(&flow, &dir.join("hard.dun")));
        assert!(same_file(&dir.join("new.db"), &dir.join("sub/../new.db")));
        assert!(!same_file(&flow, &dir.join("g.dun")));
        assert!(!same_file(Path::new("/dev/null"), Path::new("/dev/null")));
        let err = refuse_overwrite(
            &[Named {
                option: "-o",
                path: &dir.join("hard.dun"),
            }],
            &[Named {
                option: "the flow",
                path: &flow,
            }],
        )
        .unwrap_err();
        assert!(err.contains("-o `") && err.contains("the flow `"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
