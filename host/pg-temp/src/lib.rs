//! A throwaway PostgreSQL cluster for tests and benchmarks, in the manner
//! of `pgtemp`: `initdb` into a temporary directory, a `postgres` on a free
//! loopback port, torn down (server stopped, directory removed) when the
//! process that started it exits, however it exits.
//!
//! [`url`] starts one cluster per test process on first use and hands every
//! caller its URL; tests keep apart by schema (or [`fresh_database`]).
//! `CARACAL_TEST_PG_URL` names a running server to use instead.
#![deny(missing_docs)]

use std::io::Read as _;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

include!("locate.rs");

/// How long a new cluster may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The URL of this process's throwaway cluster (database `postgres`, user
/// `postgres`, trust auth), started on first call; or `CARACAL_TEST_PG_URL`
/// when set. Panics with what is missing when no cluster can be started.
pub fn url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("CARACAL_TEST_PG_URL") {
            return url;
        }
        let cluster = Cluster::start().unwrap_or_else(|e| panic!("{e}"));
        let url = cluster.url.clone();
        // Lives until the process exits; its keeper then tears it down.
        static KEPT: Mutex<Vec<Cluster>> = Mutex::new(Vec::new());
        KEPT.lock().unwrap_or_else(|e| e.into_inner()).push(cluster);
        url
    })
}

/// A new, empty database on the cluster of [`url`]; returns its URL.
pub fn fresh_database() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = url();
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut client = postgres::Client::connect(base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect to {base}: {e}"));
    client
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .unwrap_or_else(|e| panic!("create database {name}: {e}"));
    match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("unexpected PostgreSQL URL {base}"),
    }
}

/// A running throwaway cluster.
#[derive(Debug)]
pub struct Cluster {
    url: String,
    /// The keeper's stdin: closing it (this process exiting) stops the
    /// server and removes the directory.
    keeper_stdin: Option<ChildStdin>,
    keeper: Child,
}

/// Why a cluster could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// No server binaries on this machine.
    MissingServer,
    /// A step failed; the message says which, with the server's output.
    Failed(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::MissingServer => f.write_str(MISSING_SERVER_HELP),
            StartError::Failed(why) => write!(f, "throwaway PostgreSQL cluster: {why}"),
        }
    }
}

impl std::error::Error for StartError {}

impl Cluster {
    /// `initdb` into a new temporary directory and start `postgres` on a
    /// free loopback port, with fsync off (the data is thrown away);
    /// returns once it accepts connections.
    pub fn start() -> Result<Cluster, StartError> {
        Cluster::start_with(false)
    }

    /// As [`Cluster::start`], but with the server's durable defaults
    /// (fsync on every commit), for benchmarks that compare stores.
    pub fn start_durable() -> Result<Cluster, StartError> {
        Cluster::start_with(true)
    }

    fn start_with(durable: bool) -> Result<Cluster, StartError> {
        let bin = locate_server_bin_dir().ok_or(StartError::MissingServer)?;
        let failed =
            |what: &str, e: &dyn std::fmt::Display| StartError::Failed(format!("{what}: {e}"));
        // PostgreSQL refuses to run as root: run it as the `postgres`
        // account (or `nobody`) then, in a directory that account owns.
        let account = running_as_root().then(unprivileged_account).flatten();
        if running_as_root() && account.is_none() {
            return Err(StartError::Failed(
                "running as root and no `postgres` or `nobody` account to run the server as".into(),
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("caracal-pg-")
            .tempdir()
            .map_err(|e| failed("create a temporary directory", &e))?
            .keep();
        if let Some((uid, gid)) = account {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(|e| failed("hand the directory to the server's account", &e))?;
        }
        let as_account = |command: &mut Command| {
            if let Some((uid, gid)) = account {
                command.uid(uid).gid(gid);
            }
        };

        let data = dir.join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
            .stdin(Stdio::null())
            .env("LC_ALL", "C");
        as_account(&mut initdb);
        let out = initdb.output().map_err(|e| failed("run initdb", &e))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(StartError::Failed(format!(
                "initdb failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }

        let port = free_port().map_err(|e| failed("find a free port", &e))?;
        // The keeper runs the server and waits for its stdin to close, i.e.
        // for this process to exit, then stops the server and removes the
        // directory: no teardown is lost to a panic or a killed test.
        let mut keeper = Command::new("sh");
        keeper
            .arg("-c")
            .arg(KEEPER_SCRIPT)
            .arg("caracal-pg-keeper")
            .arg(bin.join("postgres"))
            .arg(&dir)
            .arg(port.to_string())
            .arg(if durable { "durable" } else { "fast" })
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .env("LC_ALL", "C");
        as_account(&mut keeper);
        let mut keeper = keeper.spawn().map_err(|e| failed("start postgres", &e))?;
        let keeper_stdin = keeper.stdin.take();
        let cluster = Cluster {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            keeper_stdin,
            keeper,
        };
        cluster.wait_ready(&dir)?;
        Ok(cluster)
    }

    /// The cluster's URL (database `postgres`).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn wait_ready(&self, dir: &Path) -> Result<(), StartError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match postgres::Client::connect(&self.url, postgres::NoTls) {
                Ok(_) => return Ok(()),
                Err(e) if Instant::now() > deadline => {
                    let mut log = String::new();
                    if let Ok(mut file) = std::fs::File::open(dir.join("log")) {
                        let _ = file.read_to_string(&mut log);
                    }
                    return Err(StartError::Failed(format!(
                        "the server did not accept connections within {START_TIMEOUT:?} ({e}); its log:\n{log}"
                    )));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        drop(self.keeper_stdin.take());
        let _ = self.keeper.wait();
    }
}

/// `$1` postgres, `$2` directory, `$3` port, `$4` `fast` (fsync off: the
/// data is thrown away) or `durable`.
const KEEPER_SCRIPT: &str = r#"
fast=""
[ "$4" = fast ] && fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
"$1" -D "$2/data" -p "$3" -k "$2" -c listen_addresses=127.0.0.1 $fast \
  -c max_connections=400 >"$2/log" 2>&1 &
server=$!
while read -r _; do :; done
kill -INT "$server" 2>/dev/null
wait "$server"
rm -rf "$2"
"#;

fn running_as_root() -> bool {
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// The uid and gid of `postgres`, else `nobody`, from /etc/passwd.
fn unprivileged_account() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let find = |name: &str| {
        passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&name) && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
    };
    find("postgres").or_else(|| find("nobody"))
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn a_cluster_starts_answers_and_is_removed_when_dropped() {
        let cluster = Cluster::start().unwrap();
        let mut client = postgres::Client::connect(cluster.url(), postgres::NoTls).unwrap();
        let row = client.query_one("SELECT 40 + 2", &[]).unwrap();
        assert_eq!(row.get::<_, i32>(0), 42);
        let dir: String = client.query_one("SHOW data_directory", &[]).unwrap().get(0);
        drop(client);
        drop(cluster);
        assert!(!PathBuf::from(&dir).exists(), "{dir} is removed");
    }

    #[test]
    fn fresh_databases_are_distinct() {
        let a = fresh_database();
        let b = fresh_database();
        assert_ne!(a, b);
        let mut client = postgres::Client::connect(&a, postgres::NoTls).unwrap();
        client.batch_execute("CREATE TABLE t (x int)").unwrap();
        let mut other = postgres::Client::connect(&b, postgres::NoTls).unwrap();
        assert!(other.batch_execute("SELECT * FROM t").is_err());
    }
}
