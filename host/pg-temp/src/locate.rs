// Shared by `build.rs` and the library (`include!`d by both): where the
// PostgreSQL server binaries are.

/// The server binaries a throwaway cluster needs.
const SERVER_BINARIES: [&str; 2] = ["initdb", "postgres"];

/// What to tell a developer whose machine has no PostgreSQL server.
const MISSING_SERVER_HELP: &str = "PostgreSQL server binaries (`initdb`, `postgres`) not found \
    in $CARACAL_PG_BIN, on $PATH, or in /usr/lib/postgresql/<version>/bin. The store tests start \
    a throwaway cluster from them. Install the server (Debian/Ubuntu: `apt-get install postgresql`; \
    `scripts/test` does this for you), or point CARACAL_PG_BIN at its bin directory, or set \
    CARACAL_TEST_PG_URL to a running server to use instead.";

/// The directory holding both server binaries: `$CARACAL_PG_BIN`, else
/// the first `$PATH` entry that has them, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian keeps them off `$PATH`),
/// else the other common install places.
fn locate_server_bin_dir() -> Option<std::path::PathBuf> {
    use std::path::{Path, PathBuf};
    let has_both = |dir: &Path| SERVER_BINARIES.iter().all(|bin| dir.join(bin).is_file());
    if let Some(dir) = std::env::var_os("CARACAL_PG_BIN") {
        return Some(PathBuf::from(dir)).filter(|dir| has_both(dir));
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|dir| has_both(dir)) {
        return Some(dir);
    }
    let mut versioned: Vec<(u32, PathBuf)> = ["/usr/lib/postgresql", "/usr/local/pgsql"]
        .iter()
        .filter_map(|base| std::fs::read_dir(base).ok())
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.split('.').next()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versioned.sort();
    let fixed = ["/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"].map(PathBuf::from);
    versioned
        .into_iter()
        .rev()
        .map(|(_, dir)| dir)
        .chain(fixed)
        .find(|dir| has_both(dir))
}
