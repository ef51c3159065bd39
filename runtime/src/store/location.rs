//! Where a store lives, as `--db` names it: a SQLite file, `:memory:`, or a
//! PostgreSQL database given by URL (`postgres://user@host:port/db`) or by
//! the standard `PG*` environment variables (`postgres:`). A password is
//! never taken from the command line, where process lists and shell
//! history would show it: it comes from `PGPASSWORD` or the password file
//! (`PGPASSFILE`, else `~/.pgpass`), as `psql` reads them.

use super::{Result, StoreError};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq)]
pub enum Location {
    File(PathBuf),
    Postgres(PgTarget),
}

/// A PostgreSQL database to connect to, without its password.
#[derive(Clone, Debug, PartialEq)]
pub struct PgTarget {
    /// A host name, or a directory holding the server's unix socket.
    pub host: String,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    /// Extra settings of the URL's query (`sslmode`, `connect_timeout`,
    /// `application_name`, ...), passed on as given.
    pub options: Vec<(String, String)>,
}

impl std::fmt::Display for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.starts_with('/') {
            write!(
                f,
                "postgres://{}@/{}?host={}&port={}",
                self.user, self.dbname, self.host, self.port
            )
        } else {
            write!(
                f,
                "postgres://{}@{}:{}/{}",
                self.user, self.host, self.port, self.dbname
            )
        }
    }
}

/// The environment a target is completed from (the process's, or a test's).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Location {
    /// Reads `--db`, completing a PostgreSQL target from the process's
    /// environment.
    pub fn parse(db: &Path) -> Result<Location> {
        Location::parse_with(db, &|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    pub(crate) fn parse_with(db: &Path, env: Env) -> Result<Location> {
        let Some(text) = db.to_str() else {
            return Ok(Location::File(db.to_path_buf()));
        };
        let rest = ["postgres://", "postgresql://"]
            .iter()
            .find_map(|p| text.strip_prefix(p));
        if text == "postgres:" || text == "postgresql:" {
            return target("", env).map(Location::Postgres);
        }
        match rest {
            Some(rest) => target(rest, env).map(Location::Postgres),
            None => Ok(Location::File(db.to_path_buf())),
        }
    }
}

fn bad(what: String) -> StoreError {
    StoreError::Message(format!(
        "--db: {what}; a PostgreSQL store is given as `postgres://USER@HOST:PORT/DATABASE` or as `postgres:` (everything from PGHOST, PGPORT, PGUSER, PGDATABASE)"
    ))
}

/// Percent-decoding of a URL part.
fn decode(s: &str) -> Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad(format!("`{s}` has a `%` not followed by two hex digits")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad(format!("`{s}` is not UTF-8 once decoded")))
}

/// The part of a URL after `postgres://`, completed from the environment
/// the way libpq does: what the URL gives wins, then `PG*`, then the
/// defaults (the local server's socket, port 5432, the user running dun,
/// a database named after the user).
fn target(rest: &str, env: Env) -> Result<PgTarget> {
    let (main, query) = match rest.split_once('?') {
        Some((m, q)) => (m, q),
        None => (rest, ""),
    };
    let (authority, path) = match main.split_once('/') {
        Some((a, p)) => (a, p),
        None => (main, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let mut user = None;
    if let Some(u) = userinfo {
        if u.contains(':') {
            return Err(StoreError::Message(
                "--db: the URL holds a password, which process lists and shell history would show; remove it from the URL (`postgres://USER@HOST/DB`) and give it in PGPASSWORD or ~/.pgpass".into(),
            ));
        }
        if !u.is_empty() {
            user = Some(decode(u)?);
        }
    }
    let (mut host, mut port) = (None, None);
    if !hostport.is_empty() {
        let (h, p) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (h, Some(p)),
            _ => (hostport, None),
        };
        if !h.is_empty() {
            host = Some(decode(h.trim_start_matches('[').trim_end_matches(']'))?);
        }
        if let Some(p) = p {
            port = Some(
                p.parse::<u16>()
                    .map_err(|_| bad(format!("the port `{p}` is not a number from 1 to 65535")))?,
            );
        }
    }
    let mut dbname = (!path.is_empty()).then(|| decode(path)).transpose()?;
    let mut options = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| bad(format!("`{pair}` in the URL's query is not KEY=VALUE")))?;
        let v = decode(v)?;
        match k {
            "host" => host = Some(v),
            "port" => {
                port = Some(v.parse::<u16>().map_err(|_| {
                    bad(format!("the port `{v}` is not a number from 1 to 65535"))
                })?)
            }
            "user" => user = Some(v),
            "dbname" => dbname = Some(v),
            "password" => {
                return Err(StoreError::Message(
                    "--db: the URL holds a password, which process lists and shell history would show; remove `password=` and give it in PGPASSWORD or ~/.pgpass".into(),
                ))
            }
            "sslmode" | "connect_timeout" | "application_name" | "options"
            | "keepalives" | "keepalives_idle" | "target_session_attrs" => {
                options.push((k.to_string(), v))
            }
            _ => return Err(bad(format!("the URL setting `{k}` is not one dun knows"))),
        }
    }
    let host = match host.or_else(|| env("PGHOST")) {
        Some(h) => h,
        None if Path::new("/var/run/postgresql").is_dir() => "/var/run/postgresql".into(),
        None => "localhost".into(),
    };
    let port = match port {
        Some(p) => p,
        None => match env("PGPORT") {
            Some(p) => p
                .parse()
                .map_err(|_| bad(format!("PGPORT `{p}` is not a number from 1 to 65535")))?,
            None => 5432,
        },
    };
    let user = user
        .or_else(|| env("PGUSER"))
        .or_else(|| env("USER"))
        .ok_or_else(|| bad("no user: give it in the URL or in PGUSER".into()))?;
    let dbname = dbname
        .or_else(|| env("PGDATABASE"))
        .unwrap_or_else(|| user.clone());
    if let Some(v) = env("PGSSLMODE") {
        if !options.iter().any(|(k, _)| k == "sslmode") {
            options.push(("sslmode".into(), v));
        }
    }
    if let Some(v) = env("PGCONNECT_TIMEOUT") {
        if !options.iter().any(|(k, _)| k == "connect_timeout") {
            options.push(("connect_timeout".into(), v));
        }
    }
    Ok(PgTarget {
        host,
        port,
        user,
        dbname,
        options,
    })
}

impl PgTarget {
    /// The password for this target: `PGPASSWORD`, else the first
    /// matching line of the password file (`hostname:port:database:username:password`,
    /// `*` matching anything), which is ignored when others can read it, as
    /// libpq does.
    pub(crate) fn password(&self, env: Env) -> Option<String> {
        if let Some(p) = env("PGPASSWORD") {
            return Some(p);
        }
        let file = env("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
        let text = std::fs::read_to_string(&file).ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).ok()?.permissions().mode();
            if mode & 0o077 != 0 {
                eprintln!(
                    "warning: the password file `{}` can be read by others (chmod 0600 it); it is not used",
                    file.display()
                );
                return None;
            }
        }
        let host = if self.host.starts_with('/') {
            "localhost"
        } else {
            self.host.as_str()
        };
        let port = self.port.to_string();
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .find_map(|line| {
                let fields = split_pgpass(line);
                if fields.len() != 5 {
                    return None;
                }
                let ok = |pat: &str, v: &str| pat == "*" || pat == v;
                (ok(&fields[0], host)
                    && ok(&fields[1], &port)
                    && ok(&fields[2], &self.dbname)
                    && ok(&fields[3], &self.user))
                .then(|| fields[4].clone())
            })
    }
}

/// A password file line's fields: `:` separates, `\` escapes.
fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(n);
                }
            }
            ':' => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn pg(db: &str, vars: &[(&str, &str)]) -> Result<PgTarget> {
        match Location::parse_with(Path::new(db), &env(vars))? {
            Location::Postgres(t) => Ok(t),
            Location::File(p) => panic!("{} read as a file", p.display()),
        }
    }

    #[test]
    fn a_path_is_a_sqlite_file() {
        let at = Location::parse_with(Path::new("runs/store.db"), &env(&[])).unwrap();
        assert_eq!(at, Location::File("runs/store.db".into()));
        let at = Location::parse_with(Path::new("postgres"), &env(&[])).unwrap();
        assert_eq!(
            at,
            Location::File("postgres".into()),
            "a file named postgres"
        );
    }

    #[test]
    fn a_url_wins_over_the_environment_which_wins_over_defaults() {
        let t = pg(
            "postgres://collect@db.example:6543/dun",
            &[("PGHOST", "other"), ("PGUSER", "x"), ("PGPORT", "1")],
        )
        .unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.user.as_str(), t.dbname.as_str()),
            ("db.example", 6543, "collect", "dun")
        );
        assert_eq!(t.to_string(), "postgres://collect@db.example:6543/dun");
        let t = pg(
            "postgres:",
            &[
                ("PGHOST", "/tmp/sock"),
                ("PGPORT", "5433"),
                ("PGUSER", "ops"),
                ("PGDATABASE", "collections"),
            ],
        )
        .unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.user.as_str(), t.dbname.as_str()),
            ("/tmp/sock", 5433, "ops", "collections")
        );
        let t = pg("postgresql:///dun?host=/run/pg&port=7", &[("USER", "me")]).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.user.as_str()),
            ("/run/pg", 7, "me")
        );
        assert_eq!(pg("postgres://u@h", &[]).unwrap().dbname, "u");
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_never_echoed() {
        for db in [
            "postgres://u:s3cret@h/db",
            "postgres://u@h/db?password=s3cret",
        ] {
            let e = pg(db, &[]).unwrap_err().to_string();
            assert!(e.contains("PGPASSWORD"), "{e}");
            assert!(!e.contains("s3cret"), "{e}");
        }
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        let e = pg("postgres://u@h:port/db", &[]).unwrap_err().to_string();
        assert!(e.contains("the port `port`"), "{e}");
        let e = pg("postgres://u@h/db?colour=red", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`colour`"), "{e}");
        let e = pg("postgres://u@h/db%zz", &[]).unwrap_err().to_string();
        assert!(e.contains("hex digits"), "{e}");
    }

    #[test]
    fn the_password_comes_from_pgpassword_or_a_private_password_file() {
        let dir = std::env::temp_dir().join(format!("dun-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:*:*:*:no\ndb.example:5432:dun:collect:pa\\:ss\n*:*:*:*:fallback\n",
        )
        .unwrap();
        let t = pg("postgres://collect@db.example/dun", &[]).unwrap();
        let f = file.to_str().unwrap();
        assert_eq!(
            t.password(&env(&[("PGPASSWORD", "direct")])).as_deref(),
            Some("direct")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
            assert_eq!(
                t.password(&env(&[("PGPASSFILE", f)])).as_deref(),
                Some("pa:ss")
            );
            let other = pg("postgres://x@elsewhere/db", &[]).unwrap();
            assert_eq!(
                other.password(&env(&[("PGPASSFILE", f)])).as_deref(),
                Some("fallback")
            );
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert_eq!(
                t.password(&env(&[("PGPASSFILE", f)])),
                None,
                "readable by others"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
