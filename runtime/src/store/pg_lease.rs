//! One writer per PostgreSQL store, the counterpart of SQLite's `lease`:
//! a session advisory lock taken on the store's own connection before
//! anything of the store is read, held until the connection closes.
//!
//! The server releases a session lock the moment the session ends, however
//! it ends: a holder killed, crashed or cut off (the holder's session sets
//! TCP keepalives, so the server notices a silent peer within a minute)
//! never blocks the next one, and there is no row to clean up.
//!
//! Three kinds of writers, one lock key each (per database and schema, so
//! two stores in two schemas of one database do not refuse each other):
//!
//! | wants \ finds | sole | worker | serve |
//! |---|---|---|---|
//! | sole (`dun run`, `migrate`, `export`) | refused | refused | refused |
//! | worker (`dun run --worker`) | refused | shares | refused |
//! | serve (`dun serve`) | refused | refused | shares |
//!
//! Whether a writer may join is decided from `pg_locks` under a gate (a
//! transaction advisory lock every writer takes first), so that two
//! writers starting at the same moment are decided one after the other.
//! The holder's session names it (`application_name`), which both the
//! refusal and an operator reading `pg_stat_activity` show.

use super::db::{ps, Conn};
use super::lease::{host, Holder};
use super::{Result, StoreError};

/// How a process writes a PostgreSQL store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Alone: a `dun run` without `--worker`, `dun migrate`, `dun export`.
    Sole,
    /// With other workers of a batch (`dun run --worker`), which share
    /// the accounts by claims (see `workers`).
    Worker,
    /// A `dun serve` node, with other nodes.
    Serve,
}

/// The advisory lock keys' first half: "dun" and a purpose. The second
/// half is the store's schema, hashed.
const GATE: i32 = 0x6475_6e20;

impl Access {
    fn key(self) -> i32 {
        match self {
            Access::Sole => 0x6475_6e21,
            Access::Worker => 0x6475_6e22,
            Access::Serve => 0x6475_6e23,
        }
    }

    fn of_key(key: i64) -> Option<Access> {
        [Access::Sole, Access::Worker, Access::Serve]
            .into_iter()
            .find(|a| i64::from(a.key()) == key)
    }

    fn word(self) -> &'static str {
        match self {
            Access::Sole => "sole",
            Access::Worker => "worker",
            Access::Serve => "serve",
        }
    }

    /// Whether a writer of this kind may write beside one of `other`.
    fn shares_with(self, other: Access) -> bool {
        self == other && self != Access::Sole
    }
}

/// Another session holding one of the store's writer locks.
#[derive(Debug)]
struct Held {
    access: Access,
    /// Who, as its session names itself; `None` when the session is not
    /// a dun writer's (or gives no name).
    holder: Option<Holder>,
    /// Its server process, which `pg_stat_activity` and
    /// `pg_terminate_backend` know it by.
    backend: i64,
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.holder {
            Some(h) => write!(f, "{h}"),
            None => write!(f, "PostgreSQL server process {}", self.backend),
        }
    }
}

/// The session name of a writer: `dun KIND PID SINCE HOST`. PostgreSQL
/// keeps 63 bytes of it, so the host comes last, where a cut costs least.
fn session_name(access: Access, holder: &Holder) -> String {
    let mut name = format!(
        "dun {} {} {} {}",
        access.word(),
        holder.pid,
        holder.since,
        holder.host
    );
    if name.len() > 63 {
        let mut end = 63;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    name
}

/// Reads a session name written by [`session_name`].
fn holder_of(name: &str) -> Option<Holder> {
    let mut parts = name.splitn(5, ' ');
    if parts.next()? != "dun" {
        return None;
    }
    let _kind = parts.next()?;
    let pid = parts.next()?.parse().ok()?;
    let since = parts.next()?.parse().ok()?;
    let host = parts.next()?.to_string();
    Some(Holder { host, pid, since })
}

/// The writers of this store other than this session.
const HOLDERS: &str =
    "SELECT CAST(l.classid AS BIGINT), CAST(l.pid AS BIGINT), coalesce(a.application_name, '')
     FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND CAST(l.objid AS BIGINT) = (CAST(hashtext(current_schema()) AS BIGINT) & 4294967295)
       AND l.pid <> pg_backend_pid()
     ORDER BY l.pid";

/// Takes the writer lock of kind `access` on `conn`'s session, or refuses
/// naming the holders it cannot write beside.
pub(crate) fn take(conn: &mut Conn, label: &str, access: Access) -> Result<()> {
    // A writer that has just exited still shows in `pg_locks` until its
    // backend notices the closed connection and ends (a few milliseconds,
    // longer on a loaded server): when every holder is a process of this
    // host that is gone, a run started right after it waits for that
    // instead of refusing. A writer still running is refused at once.
    let patience = std::time::Duration::from_secs(3);
    let started = std::time::Instant::now();
    loop {
        match take_once(conn, label, access)? {
            None => return Ok(()),
            Some(held) if started.elapsed() < patience && held.iter().all(exited) => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            Some(held) => return Err(refused(label, access, &held)),
        }
    }
}

/// Whether a holder is a process of this host that no longer runs. Only
/// where `/proc` tells (Linux); elsewhere every holder counts as running.
fn exited(held: &Held) -> bool {
    let Some(holder) = &held.holder else {
        return false;
    };
    let proc = std::path::Path::new("/proc");
    holder.host == host()
        && proc.join("self").exists()
        && !proc.join(holder.pid.to_string()).exists()
}

/// One try: `None` when the lock was taken, else the writers that hold it.
fn take_once(conn: &mut Conn, label: &str, access: Access) -> Result<Option<Vec<Held>>> {
    let me = Holder {
        host: host(),
        pid: std::process::id(),
        since: chrono::Utc::now().timestamp(),
    };
    conn.batch(label, "BEGIN")?;
    let taken = (|| {
        conn.execute(
            label,
            "SELECT pg_advisory_xact_lock(?1, hashtext(current_schema()))",
            ps![i64::from(GATE)],
        )?;
        let mut held = Vec::new();
        for mut r in conn.query(label, HOLDERS, ps![])? {
            let key: i64 = r.get(0)?;
            let Some(other) = Access::of_key(key) else {
                continue;
            };
            let backend: i64 = r.get(1)?;
            let name: String = r.get(2)?;
            if !access.shares_with(other) {
                held.push(Held {
                    access: other,
                    holder: holder_of(&name),
                    backend,
                });
            }
        }
        if !held.is_empty() {
            return Ok(Some(held));
        }
        let sql = if access == Access::Sole {
            "SELECT pg_try_advisory_lock(?1, hashtext(current_schema()))"
        } else {
            "SELECT pg_try_advisory_lock_shared(?1, hashtext(current_schema()))"
        };
        let got = conn
            .query_opt(label, sql, ps![i64::from(access.key())])?
            .map(|mut r| r.get::<bool>(0))
            .transpose()?
            .unwrap_or(false);
        if !got {
            // Only a session that took the lock without the gate (not a
            // dun) gets here.
            return Err(StoreError::Message(format!(
                "the store `{label}` is locked by a session that is not a dun writer; look for it in pg_locks"
            )));
        }
        // Named for the refusals of later writers and for operators; a
        // holder cut off silently is noticed by the server within a
        // minute, which then ends its session and frees the lock.
        let name = session_name(access, &me);
        conn.execute(
            label,
            "SELECT set_config('application_name', ?1, false)",
            ps![name.as_str()],
        )?;
        conn.batch(
            label,
            "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3",
        )?;
        Ok(None)
    })();
    match taken {
        Ok(None) => conn.batch(label, "COMMIT").map(|()| None),
        Ok(Some(held)) => {
            conn.batch(label, "ROLLBACK")?;
            Ok(Some(held))
        }
        Err(e) => {
            let _ = conn.batch(label, "ROLLBACK");
            Err(e)
        }
    }
}

fn refused(label: &str, access: Access, held: &[Held]) -> StoreError {
    let who = |kind: Access| {
        held.iter()
            .filter(|h| h.access == kind)
            .map(|h| h.to_string())
            .collect::<Vec<_>>()
    };
    let sole = who(Access::Sole);
    let workers = who(Access::Worker);
    let servers = who(Access::Serve);
    let message = if !sole.is_empty() {
        let what = match access {
            Access::Sole => {
                "one run writes a store at a time: wait for that run to finish and run again"
            }
            Access::Worker => {
                "workers share a store only with each other: wait for that run to finish"
            }
            Access::Serve => {
                "a server shares a store only with other servers: wait for that run to finish"
            }
        };
        format!(
            "the store `{label}` is in use by another `dun run` (it is held by {}); {what}",
            sole.join("; ")
        )
    } else if !workers.is_empty() {
        let what = match access {
            Access::Serve => "wait for the batch to finish before serving the store",
            _ => "a run without --worker writes a store alone: wait for the batch to finish, or give this run --worker and the same files and moments",
        };
        format!(
            "the store `{label}` is in use by {} `dun run --worker` (held by {}); {what}",
            workers.len(),
            workers.join("; ")
        )
    } else {
        let what = match access {
            Access::Worker => "workers do not share a store with a server: stop the servers first, or post the accounts and events to one",
            _ => "stop the servers first, or post the accounts and events to one",
        };
        format!(
            "the store `{label}` is served by {} `dun serve` (held by {}); {what}",
            servers.len(),
            servers.join("; ")
        )
    };
    StoreError::Message(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_name_names_the_holder_and_fits_postgresql() {
        let me = Holder {
            host: "collect-7".into(),
            pid: 4242,
            since: 1_780_000_000,
        };
        let name = session_name(Access::Worker, &me);
        assert_eq!(name, "dun worker 4242 1780000000 collect-7");
        assert_eq!(holder_of(&name), Some(me));
        let long = Holder {
            host: "é".repeat(40),
            pid: 1,
            since: 2,
        };
        let name = session_name(Access::Sole, &long);
        assert!(name.len() <= 63, "{}", name.len());
        assert!(holder_of(&name).is_some_and(|h| h.host.starts_with("éé")));
        assert_eq!(holder_of("psql"), None);
        assert_eq!(holder_of("dun worker x 1 h"), None);
    }

    #[test]
    fn only_workers_share_with_workers_and_servers_with_servers() {
        use Access::*;
        for (a, b, shares) in [
            (Sole, Sole, false),
            (Sole, Worker, false),
            (Sole, Serve, false),
            (Worker, Worker, true),
            (Worker, Serve, false),
            (Serve, Serve, true),
        ] {
            assert_eq!(a.shares_with(b), shares, "{a:?} {b:?}");
            assert_eq!(b.shares_with(a), shares, "{b:?} {a:?}");
        }
    }
}
