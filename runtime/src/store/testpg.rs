//! A throw-away PostgreSQL cluster for tests: one per test process,
//! created with the installed server's `initdb` in `target/pg-test/`,
//! listening only on a unix socket of its own, run as an unprivileged user
//! (`postgres` when the tests run as root, which `initdb` refuses), and
//! stopped and removed by a watchdog once the test process is gone.
//!
//! Without PostgreSQL installed, [`cluster`] says the tests are skipped and
//! returns `None`; under `CI=true` it fails them instead, as CI installs it
//! (`.ci/run`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// A running cluster.
pub struct Cluster {
    /// The directory holding the server's socket.
    pub socket: PathBuf,
    pub port: u16,
    /// The superuser the tests connect as (no password: `trust`).
    pub user: String,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static DURABLE: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The cluster of this test process, started on first use; `None` (after
/// printing why) when PostgreSQL is not installed outside CI. It does not
/// sync to disk (`fsync=off`): tests want speed, not durability.
pub fn cluster() -> Option<&'static Cluster> {
    found(CLUSTER.get_or_init(|| start(false)))
}

/// A second cluster of this process that syncs its commits to disk as a
/// production server does, and has the shared buffers docs/operations.md
/// recommends, for benchmarks that compare it with SQLite's synced commits.
pub fn durable_cluster() -> Option<&'static Cluster> {
    found(DURABLE.get_or_init(|| start(true)))
}

fn found(cluster: &'static Result<Cluster, String>) -> Option<&'static Cluster> {
    match cluster {
        Ok(c) => Some(c),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true and the PostgreSQL tests cannot run: {why}")
        }
        Err(why) => {
            eprintln!("skipped: the PostgreSQL half of this test ({why})");
            None
        }
    }
}

impl Cluster {
    /// A fresh, empty database named `name` (dropped first if a test
    /// before left it), as `--db` takes it.
    pub fn database(&self, name: &str) -> String {
        let name = db_name(name);
        // One statement each: a database is not created inside the
        // transaction that several statements of one query share.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            self.admin(&sql);
        }
        self.url(&name)
    }

    /// Drops the database `name` of [`Cluster::database`]: a benchmark's
    /// databases of a gigabyte or more each would otherwise fill the disk
    /// and the page cache, run after run.
    pub fn drop_database(&self, name: &str) {
        self.admin(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            db_name(name)
        ));
    }

    /// A connection of the superuser to the database `name` of
    /// [`Cluster::database`], for a test to read or hold what dun does not.
    pub fn client(&self, name: &str) -> postgres::Client {
        postgres::Config::new()
            .host_path(&self.socket)
            .port(self.port)
            .user(&self.user)
            .dbname(&db_name(name))
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot reach the test cluster's database {name}: {e}"))
    }

    fn admin(&self, sql: &str) {
        self.client("postgres")
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }

    /// The `--db` URL of a database of this cluster.
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "postgres://{}@/{dbname}?host={}&port={}",
            self.user,
            self.socket.display(),
            self.port
        )
    }
}

/// `name` as a database's name: lower case, `_` for anything but letters
/// and digits, at most 60 characters.
fn db_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(60)
        .collect()
}

/// The newest installed server's programs (Debian keeps them in
/// `/usr/lib/postgresql/VERSION/bin`; elsewhere, `initdb` on the `PATH`).
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
}

fn target_dir() -> PathBuf {
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|a| a.file_name().is_some_and(|n| n == "target"))
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(std::env::temp_dir)
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn start(durable: bool) -> Result<Cluster, String> {
    let bin = bin_dir().ok_or(
        "PostgreSQL is not installed: no initdb in /usr/lib/postgresql/*/bin or on the PATH (apt-get install postgresql)",
    )?;
    let pid = std::process::id();
    let name = if durable {
        format!("{pid}-durable")
    } else {
        pid.to_string()
    };
    let data = target_dir().join("pg-test").join(&name);
    // A unix socket's path is limited to about 100 bytes; a short folder
    // of its own under the system's temporary folder always fits.
    let socket = std::env::temp_dir().join(format!("dun-pg-{name}"));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    std::fs::create_dir_all(&socket).map_err(|e| format!("{}: {e}", socket.display()))?;
    let root = is_root();
    // As root, the server runs as the unprivileged `postgres` user the
    // Debian package creates.
    let as_user = |program: &Path| {
        if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    };
    if root {
        for dir in [&data, &socket] {
            run(
                Command::new("chown").args(["-R", "postgres"]).arg(dir),
                "chown to the postgres user",
            )?;
        }
    }
    let user = "dun_test".to_string();
    run(
        as_user(&bin.join("initdb"))
            .arg("-D")
            .arg(data.join("data"))
            .args(["-A", "trust", "-U", &user, "--no-sync", "-E", "UTF8"]),
        "initdb",
    )?;
    let port = 5432;
    run(
        as_user(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(data.join("data"))
            .arg("-l")
            .arg(data.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-k {} -c listen_addresses='' -p {port} -c max_connections=200{}",
                socket.display(),
                if durable {
                    // The server's own default (128 MB) is sized for a
                    // machine that runs it beside everything else; see
                    // docs/operations.md, "Configuring the server".
                    " -c shared_buffers=1GB"
                } else {
                    " -c fsync=off -c full_page_writes=off"
                }
            ))
            .args(["-w", "-t", "120", "start"]),
        "pg_ctl start",
    )?;
    // The watchdog: once this test process is gone, stop the server
    // (SIGQUIT: immediate) and remove its files.
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         kill -QUIT $(head -1 '{d}/data/postmaster.pid') 2>/dev/null; sleep 2; \
         rm -rf '{d}' '{s}'",
        d = data.display(),
        s = socket.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("the cluster's watchdog: {e}"))?;
    Ok(Cluster { socket, port, user })
}
