//! One writer per store: the lease a run takes before it reads anything of
//! the store, and holds until it is done.
//!
//! Two guards make it. An operating-system lock on a file next to the store
//! (`STORE.lock`) is the one that counts on a machine: the kernel releases
//! it when the holder exits, however it exits, so a crashed run never
//! blocks the next one. The holder writes who it is into that file, so a
//! run refused names it. A row in the store itself (`lease`) records the
//! same holder with a heartbeat a thread renews: it catches a second writer
//! that reached the same database under another name (a hard link, another
//! mount) and so locked another lock file, and it is taken over when its
//! holder is gone (same host, no such process) or its heartbeat expired.

use super::{Result, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How often the holder renews its heartbeat.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// A heartbeat older than this is a lease given up: its holder stopped
/// renewing it (it hangs, or its host went away).
pub const EXPIRY: Duration = Duration::from_secs(60);

/// Who holds a store.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    /// Seconds since 1970 UTC: when it took the lease.
    pub since: i64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let since = chrono::DateTime::from_timestamp(self.since, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        write!(
            f,
            "process {} on host `{}`, since {since}",
            self.pid, self.host
        )
    }
}

/// A store's lease, held while this value lives.
pub struct Lease {
    /// Locked while the lease is held; closing it releases the lock.
    _file: File,
    lock_path: PathBuf,
    holder: Holder,
    /// A random token naming this holding in the store's row.
    token: String,
    /// Dropped to stop the heartbeat thread.
    stop: Option<mpsc::Sender<()>>,
    beat: Option<std::thread::JoinHandle<()>>,
}

/// The lock file of a store: the store's path, resolved through links so
/// that every name of one store finds one lock file, with `.lock` added.
pub fn lock_path(db: &Path) -> PathBuf {
    let resolved = match (db.parent(), db.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(db)
                .or_else(|_| std::fs::canonicalize(dir).map(|d| d.join(name)))
                .unwrap_or_else(|_| db.to_path_buf())
        }
        _ => db.to_path_buf(),
    };
    let mut name = resolved.into_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

fn refused(db: &Path, holder: Option<&Holder>) -> StoreError {
    let who = match holder {
        Some(h) => format!("it is held by {h}"),
        None => "its holder is still starting".to_string(),
    };
    StoreError::Message(format!(
        "the store `{}` is in use by another `dun run` ({who}); one run writes a store at a time: wait for that run to finish and run again",
        db.display()
    ))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// This machine's name, as the lease records it.
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Whether a process of this host is still there. Where the system does not
/// say (no `/proc`), it is taken to be, and only its heartbeat's expiry
/// frees its lease.
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

impl Lease {
    /// Takes the operating-system lock of the store at `db`, or refuses
    /// naming the holder. The store's row is claimed by [`Lease::claim`]
    /// once the store is open.
    pub fn take(db: &Path) -> Result<Lease> {
        let lock_path = lock_path(db);
        let io = |e: std::io::Error| {
            StoreError::Message(format!(
                "cannot lock the store `{}` (its lock file `{}`: {e})",
                db.display(),
                lock_path.display()
            ))
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                // The holder writes its name just after it locks: give it
                // a moment to, so that the refusal can name it.
                let mut holder = None;
                for _ in 0..50 {
                    let mut text = String::new();
                    let _ = file.seek(SeekFrom::Start(0));
                    let _ = file.read_to_string(&mut text);
                    holder = serde_json::from_str::<Holder>(text.trim()).ok();
                    if holder.is_some() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                return Err(refused(db, holder.as_ref()));
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let holder = Holder {
            host: host(),
            pid: std::process::id(),
            since: now(),
        };
        let text = serde_json::to_string(&holder).unwrap_or_default();
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(format!("{text}\n").as_bytes()))
            .and_then(|()| file.flush())
            .map_err(io)?;
        let token = format!(
            "{:x}-{:x}-{:x}",
            holder.pid,
            holder.since,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default()
        );
        Ok(Lease {
            _file: file,
            lock_path,
            holder,
            token,
            stop: None,
            beat: None,
        })
    }

    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    /// Claims the store's lease row (in one immediate transaction, so two
    /// runs cannot both find it free), refusing while another live holder
    /// has it, then renews it every [`HEARTBEAT`] from a thread with its own
    /// connection to `db`.
    pub fn claim(&mut self, conn: &Connection, db: &Path) -> Result<()> {
        let sql = |e: rusqlite::Error| StoreError::Sqlite {
            path: db.display().to_string(),
            source: e,
        };
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS lease (
                one       INTEGER PRIMARY KEY CHECK (one = 1),
                token     TEXT NOT NULL,
                host      TEXT NOT NULL,
                pid       INTEGER NOT NULL,
                since     INTEGER NOT NULL,
                heartbeat INTEGER NOT NULL
            );",
        )
        .map_err(sql)?;
        conn.execute_batch("BEGIN IMMEDIATE").map_err(sql)?;
        let claimed = (|| {
            let held: Option<(Holder, i64)> = conn
                .query_row(
                    "SELECT host, pid, since, heartbeat FROM lease WHERE one = 1",
                    [],
                    |r| {
                        Ok((
                            Holder {
                                host: r.get(0)?,
                                pid: r.get(1)?,
                                since: r.get(2)?,
                            },
                            r.get(3)?,
                        ))
                    },
                )
                .optional()
                .map_err(sql)?;
            if let Some((other, heartbeat)) = held {
                let fresh = now() - heartbeat < EXPIRY.as_secs() as i64;
                let gone = other.host == self.holder.host
                    && (other.pid == self.holder.pid || !alive(other.pid));
                if fresh && !gone {
                    return Err(refused(db, Some(&other)));
                }
            }
            conn.execute(
                "INSERT INTO lease (one, token, host, pid, since, heartbeat) VALUES (1, ?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (one) DO UPDATE SET token = excluded.token, host = excluded.host,
                   pid = excluded.pid, since = excluded.since, heartbeat = excluded.heartbeat",
                params![
                    self.token,
                    self.holder.host,
                    self.holder.pid,
                    self.holder.since,
                    now()
                ],
            )
            .map_err(sql)?;
            conn.execute_batch("COMMIT").map_err(sql)
        })();
        if claimed.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        claimed?;
        let (stop, stopped) = mpsc::channel::<()>();
        let token = self.token.clone();
        let db = db.to_path_buf();
        self.stop = Some(stop);
        self.beat = Some(std::thread::spawn(move || heartbeat(&db, &token, stopped)));
        Ok(())
    }
}

/// Renews the lease row until told to stop, then removes it. A renewal that
/// fails (the store busy past its timeout) is tried again at the next beat.
fn heartbeat(db: &Path, token: &str, stopped: mpsc::Receiver<()>) {
    let Ok(conn) = Connection::open(db) else {
        return;
    };
    let _ = conn.busy_timeout(Duration::from_secs(5));
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(HEARTBEAT) {
        let _ = conn.execute(
            "UPDATE lease SET heartbeat = ?1 WHERE one = 1 AND token = ?2",
            params![now(), token],
        );
    }
    let _ = conn.execute(
        "DELETE FROM lease WHERE one = 1 AND token = ?1",
        params![token],
    );
}

impl Drop for Lease {
    fn drop(&mut self) {
        // The row goes before the lock: the next holder then finds it free.
        drop(self.stop.take());
        if let Some(beat) = self.beat.take() {
            let _ = beat.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dun-lease-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_second_lease_is_refused_naming_the_holder_and_free_again_once_dropped() {
        let dir = scratch("second");
        let db = dir.join("store.db");
        let first = Lease::take(&db).unwrap();
        let Err(e) = Lease::take(&db) else {
            panic!("a second lease was given")
        };
        let message = e.to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains(&host()), "{message}");
        assert!(message.contains("since 20"), "{message}");
        drop(first);
        Lease::take(&db).expect("free once dropped");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn another_name_of_the_same_store_finds_the_same_lock() {
        let dir = scratch("names");
        let db = dir.join("store.db");
        std::fs::write(&db, b"").unwrap();
        let other = dir.join("sub").join("..").join("store.db");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        assert_eq!(lock_path(&db), lock_path(&other));
        let _held = Lease::take(&db).unwrap();
        assert!(Lease::take(&other).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn row(conn: &Connection, host: &str, pid: u32, heartbeat: i64) {
        conn.execute(
            "INSERT OR REPLACE INTO lease (one, token, host, pid, since, heartbeat) VALUES (1, 'other', ?1, ?2, 0, ?3)",
            params![host, pid, heartbeat],
        )
        .unwrap();
    }

    #[test]
    fn the_row_of_a_live_holder_refuses_and_a_gone_or_expired_one_is_taken_over() {
        let dir = scratch("row");
        let db = dir.join("store.db");
        let conn = Connection::open(&db).unwrap();
        let mut lease = Lease::take(&db).unwrap();
        lease.claim(&conn, &db).unwrap();
        drop(lease);
        // A live process of another host, heartbeat fresh: refused.
        row(&conn, "elsewhere", 1, now());
        let mut lease = Lease::take(&db).unwrap();
        let e = lease.claim(&conn, &db).unwrap_err().to_string();
        assert!(e.contains("process 1 on host `elsewhere`"), "{e}");
        drop(lease);
        // The same holder, its heartbeat expired: taken over.
        row(&conn, "elsewhere", 1, now() - EXPIRY.as_secs() as i64 - 1);
        let mut lease = Lease::take(&db).unwrap();
        lease.claim(&conn, &db).unwrap();
        drop(lease);
        // A process of this host that is gone: taken over at once.
        let gone = u32::MAX - 7;
        row(&conn, &host(), gone, now());
        let mut lease = Lease::take(&db).unwrap();
        lease.claim(&conn, &db).unwrap();
        let mine: String = conn
            .query_row("SELECT token FROM lease", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mine, lease.token);
        drop(lease);
        let left: i64 = conn
            .query_row("SELECT count(*) FROM lease", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "a released lease leaves no row");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
