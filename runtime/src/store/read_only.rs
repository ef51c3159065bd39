//! Opening a store to read it only (`dun status`): no lease, no schema
//! change, nothing written, so it works while a run holds the store and on
//! read-only media.

use super::{Result, Store, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

impl Store {
    /// Opens an existing store read-only. A store in WAL mode needs its
    /// shared-memory file to be read that way; where it cannot be created
    /// (read-only media) the store is opened as immutable, which SQLite
    /// reads without any file beside it.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let err = |source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let probe = |conn: &Connection| {
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
        };
        let conn = match Connection::open_with_flags(path, flags) {
            Ok(conn) if probe(&conn).is_ok() => conn,
            _ => {
                let conn = Connection::open_with_flags(
                    uri(path, "immutable=1"),
                    flags | OpenFlags::SQLITE_OPEN_URI,
                )
                .map_err(err)?;
                probe(&conn).map_err(err)?;
                conn
            }
        };
        Ok(Store {
            conn: std::cell::RefCell::new(super::db::Conn::Sqlite(conn)),
            path: path.to_path_buf(),
            _lease: None,
        })
    }
}

/// A `file:` URI naming `path`, with `query`: every byte but unreserved
/// ones and `/` percent-encoded, as SQLite decodes them.
fn uri(path: &Path, query: &str) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::from("file:");
    for b in absolute.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push('?');
    out.push_str(query);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_whose_side_files_cannot_be_created_is_still_read() {
        let dir = std::env::temp_dir().join(format!("dun-read-only-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("a store #1?.db");
        {
            let store = Store::open(&db).unwrap();
            store
                .exec(
                    "INSERT INTO outbox (account, actions, body) VALUES ('A1', 1, '{\"id\":\"a\"}')",
                    crate::store::db::ps![],
                )
                .unwrap();
        }
        // As on read-only media: the shared-memory file cannot be made.
        std::fs::create_dir(dir.join("a store #1?.db-shm")).unwrap();
        let store = Store::open_read_only(&db).unwrap();
        assert_eq!(store.totals().unwrap(), (0, 0, 1, 1));
        assert_eq!(store.actions_of("A1").unwrap(), vec!["{\"id\":\"a\"}"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn reading_a_store_needs_no_lease() {
        let dir = std::env::temp_dir().join(format!("dun-read-lease-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("store.db");
        let writer = Store::open(&db).unwrap();
        assert!(Store::open(&db).is_err(), "a second writer is refused");
        let reader = Store::open_read_only(&db).unwrap();
        assert_eq!(reader.totals().unwrap(), (0, 0, 0, 0));
        drop(writer);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
