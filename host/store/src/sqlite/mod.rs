//! [`SqliteStore`]: the embedded default, one SQLite file (WAL mode).
//!
//! Race-freedom: every write runs in a `BEGIN IMMEDIATE` transaction, which
//! takes the database's single write lock before reading anything, so a
//! check and the write it guards (capacity, lease generation, chain head)
//! see no interleaved writer, whether the other writer is a thread of this
//! process or another process on the same file. Waiting writers block in
//! SQLite's busy handler up to [`SqliteOptions::busy_timeout`].

mod audit;
mod calls;
mod changes;
mod edges;
mod kv;
mod sessions;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};

use crate::change::{Change, ChangeListener};
use crate::error::StoreError;
use crate::migrate;
use crate::pool::Pool;
use crate::records::{
    AuditHead, AuditRow, CallCharge, EdgeRecord, EdgeState, KvSet, Lease, SessionRecord,
    SessionStatus, Snapshot, SpawnLimits,
};
use crate::store::{AuditSealer, Store};

/// Where the embedded store lives by default, relative to the working
/// directory.
pub const DEFAULT_SQLITE_PATH: &str = ".caracal/caracal.db";

/// How a [`SqliteStore`] opens its file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// How long a writer waits for another writer's lock before failing
    /// with [`StoreError::Backend`]. Default 10 s.
    pub busy_timeout: Duration,
    /// `PRAGMA synchronous=FULL` (default `true`): every commit is fsynced,
    /// so an acknowledged write survives power loss. `false` uses `NORMAL`,
    /// which in WAL mode survives a process crash but may lose the last
    /// commits on power loss.
    pub sync_full: bool,
    /// Most connections kept open (readers run in parallel in WAL mode).
    /// Default 4.
    pub max_connections: usize,
    /// How often a [`ChangeListener`] polls the feed. Default 5 ms.
    pub listen_interval: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: Duration::from_secs(10),
            sync_full: true,
            max_connections: 4,
            listen_interval: Duration::from_millis(5),
        }
    }
}

impl SqliteOptions {
    /// Sets [`SqliteOptions::busy_timeout`].
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets [`SqliteOptions::sync_full`].
    #[must_use]
    pub fn sync_full(mut self, full: bool) -> Self {
        self.sync_full = full;
        self
    }

    /// Sets [`SqliteOptions::max_connections`].
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets [`SqliteOptions::listen_interval`].
    #[must_use]
    pub fn listen_interval(mut self, interval: Duration) -> Self {
        self.listen_interval = interval;
        self
    }
}

/// The store in one SQLite file. Several `SqliteStore`s (threads or
/// processes) may open the same file; they share one state.
pub struct SqliteStore {
    path: PathBuf,
    options: SqliteOptions,
    pool: Pool<Connection>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("options", &self.options)
            .field("pool", &self.pool)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating it and its parent directories) the store at `path`
    /// with default [`SqliteOptions`], applying pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens the store at `path` with `options`. A database migrated by a
    /// newer build is refused with [`StoreError::Migration`].
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        // SQLite gives each connection to `:memory:` its own empty
        // database, and the store opens several (the pool, the change
        // feed): the second would find no tables.
        if path.as_os_str() == ":memory:" {
            return Err(StoreError::Invalid(
                "an in-memory SQLite database (`:memory:`) cannot back the store, whose \
                 connections must share one database: give a file path"
                    .into(),
            ));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Backend(format!("creating {}: {e}", dir.display())))?;
        }
        let mut first = connect(&path, &options)?;
        migrate(&mut first)?;
        let (p, o) = (path.clone(), options.clone());
        let pool = Pool::new(
            first,
            options.max_connections,
            move || connect(&p, &o),
            |_| true,
        );
        Ok(SqliteStore {
            path,
            options,
            pool,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction and commits.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, Fail>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        let run = || -> Result<T, Fail> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        Ok(run()?)
    }

    /// Runs `f` in a read transaction (one WAL snapshot).
    fn read<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, Fail>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        let run = || -> Result<T, Fail> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let value = f(&tx)?;
            tx.finish()?;
            Ok(value)
        };
        Ok(run()?)
    }
}

/// Opens one connection with the store's settings.
fn connect(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| from_sqlite(&e))?;
    let setup = || -> rusqlite::Result<()> {
        conn.busy_timeout(options.busy_timeout)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(
            None,
            "synchronous",
            if options.sync_full { "FULL" } else { "NORMAL" },
        )?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(())
    };
    setup().map_err(|e| from_sqlite(&e))?;
    Ok(conn)
}

/// Applies pending migrations in one `BEGIN IMMEDIATE` transaction (so two
/// processes opening a new file do not both migrate it).
fn migrate(conn: &mut Connection) -> Result<(), Fail> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version       INTEGER PRIMARY KEY,
             name          TEXT NOT NULL,
             applied_at_ms INTEGER NOT NULL
         ) STRICT;",
    )?;
    let found: i64 = tx.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )?;
    let found =
        u32::try_from(found).map_err(|_| StoreError::Corrupt(format!("schema version {found}")))?;
    for m in migrate::pending(migrate::SQLITE, found)? {
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, name, applied_at_ms) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, migrate::now_ms()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// An error inside a transaction: the store's own, or SQLite's (mapped at
/// the boundary, so `?` works on both).
#[derive(Debug)]
pub(crate) enum Fail {
    Store(StoreError),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Db(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

impl From<Fail> for StoreError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Store(e) => e,
            Fail::Db(e) => from_sqlite(&e),
        }
    }
}

/// Maps SQLite's error: a key clash is a conflict, a dangling reference is
/// invalid, anything else is the backend's.
fn from_sqlite(e: &rusqlite::Error) -> StoreError {
    match e.sqlite_error() {
        Some(err) if err.code == ErrorCode::ConstraintViolation => {
            const FOREIGN_KEY: i32 = 787; // SQLITE_CONSTRAINT_FOREIGNKEY
            if err.extended_code == FOREIGN_KEY {
                StoreError::Invalid(format!("a referenced session or edge does not exist ({e})"))
            } else {
                StoreError::Conflict(e.to_string())
            }
        }
        _ => StoreError::Backend(format!("sqlite: {e}")),
    }
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(|tx| {
            let v: i64 =
                tx.query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))?;
            Ok(u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("schema version {v}")))?)
        })
    }

    fn insert_session_checked(
        &self,
        record: &SessionRecord,
        limits: SpawnLimits,
    ) -> Result<(), StoreError> {
        self.write(|tx| sessions::insert_checked(tx, record, limits))
    }

    fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.read(|tx| sessions::get(tx, id))
    }

    fn update_session_status(
        &self,
        id: &str,
        status: SessionStatus,
        at_ms: u64,
        fence: Option<u64>,
    ) -> Result<(), StoreError> {
        self.write(|tx| sessions::update_status(tx, id, status, at_ms, fence))
    }

    fn end_sessions(
        &self,
        ids: &[String],
        status: SessionStatus,
        at_ms: u64,
    ) -> Result<Vec<String>, StoreError> {
        self.write(|tx| sessions::end_many(tx, ids, status, at_ms))
    }

    fn renew_lease(
        &self,
        id: &str,
        generation: u64,
        deadline_ms: u64,
    ) -> Result<Lease, StoreError> {
        self.write(|tx| sessions::renew(tx, id, generation, deadline_ms))
    }

    fn take_over_lease(
        &self,
        id: &str,
        host_id: &str,
        at_ms: u64,
        deadline_ms: u64,
    ) -> Result<Lease, StoreError> {
        self.write(|tx| sessions::take_over(tx, id, host_id, at_ms, deadline_ms))
    }

    fn sweep_dead_host_tasks(&self, host_id: &str, at_ms: u64) -> Result<Vec<String>, StoreError> {
        self.write(|tx| sessions::sweep_host(tx, host_id, at_ms))
    }

    fn insert_edge(&self, record: &EdgeRecord) -> Result<(), StoreError> {
        self.write(|tx| edges::insert(tx, record))
    }

    fn edge(&self, id: &str) -> Result<Option<EdgeRecord>, StoreError> {
        self.read(|tx| edges::get(tx, id))
    }

    fn set_edge_state(&self, id: &str, state: EdgeState, at_ms: u64) -> Result<(), StoreError> {
        self.write(|tx| edges::set_state(tx, id, state, at_ms))
    }

    fn charge_calls(&self, meters: &[(String, u64)]) -> Result<CallCharge, StoreError> {
        self.write(|tx| calls::charge(tx, meters))
    }

    fn calls_used(&self, id: &str) -> Result<u64, StoreError> {
        self.read(|tx| calls::calls_used(tx, id))
    }

    fn kv_get(&self, space: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|tx| kv::get(tx, space, key))
    }

    fn kv_set(
        &self,
        space: &str,
        key: &str,
        value: &[u8],
        max_keys: u64,
    ) -> Result<KvSet, StoreError> {
        self.write(|tx| kv::set(tx, space, key, value, max_keys))
    }

    fn kv_delete(&self, space: &str, key: &str) -> Result<bool, StoreError> {
        self.write(|tx| kv::delete(tx, space, key))
    }

    fn kv_exists(&self, space: &str, key: &str) -> Result<bool, StoreError> {
        self.read(|tx| kv::exists(tx, space, key))
    }

    fn kv_keys(&self, space: &str) -> Result<Vec<String>, StoreError> {
        self.read(|tx| kv::keys(tx, space))
    }

    fn revoke(
        &self,
        edge_ids: &[String],
        session_ids: &[String],
        at_ms: u64,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            edges::revoke_many(tx, edge_ids, at_ms)?;
            sessions::end_many(tx, session_ids, SessionStatus::Terminated, at_ms)?;
            Ok(())
        })
    }

    fn load_all(&self) -> Result<Snapshot, StoreError> {
        self.read(|tx| load(tx, false))
    }

    fn load_live(&self) -> Result<Snapshot, StoreError> {
        self.read(|tx| load(tx, true))
    }

    fn append_audit(&self, seal: &mut AuditSealer<'_>) -> Result<AuditRow, StoreError> {
        self.write(|tx| audit::append(tx, seal))
    }

    fn audit_head(&self) -> Result<Option<AuditHead>, StoreError> {
        self.read(audit::head)
    }

    fn audit_rows(&self, after_seq: u64, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
        self.read(|tx| audit::rows(tx, after_seq, limit))
    }

    fn change_version(&self) -> Result<u64, StoreError> {
        self.read(changes::version)
    }

    fn poll_changes(&self, since: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.read(|tx| changes::poll(tx, since, limit))
    }

    fn listen(&self) -> Result<Box<dyn ChangeListener>, StoreError> {
        let conn = connect(&self.path, &self.options)?;
        Ok(Box::new(changes::SqliteListener::new(
            conn,
            self.options.listen_interval,
        )?))
    }

    fn prune_changes(&self, up_to: u64) -> Result<u64, StoreError> {
        self.write(|tx| changes::prune(tx, up_to))
    }
}

/// Reads sessions and edges (all, or only live ones) and the change
/// version, in the caller's snapshot.
fn load(tx: &Transaction<'_>, live_only: bool) -> Result<Snapshot, Fail> {
    Ok(Snapshot {
        sessions: sessions::all(tx, live_only)?,
        edges: edges::all(tx, live_only)?,
        change_version: changes::version(tx)?,
    })
}
