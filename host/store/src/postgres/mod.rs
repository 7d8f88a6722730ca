//! [`PostgresStore`]: one state shared by many host processes.
//!
//! Race-freedom: transactions run at READ COMMITTED and take explicit row
//! locks before the checks they guard, so a check always sees the latest
//! committed state and nobody can change it before the write commits:
//!
//! * checked insert: the parent row `FOR UPDATE` (inserts under one parent
//!   queue behind each other; the live-children count taken after the lock
//!   sees every committed sibling);
//! * lease renew / take-over / fenced status change: the session row
//!   `FOR UPDATE`, then compare the generation;
//! * audit append: the single `audit_head` row `FOR UPDATE`, and `audit.seq`
//!   is the primary key besides;
//! * change feed: the single `change_head` row, taken as the last statement
//!   of a writing transaction, so versions become visible in commit order.
//!
//! A deadlock or serialization failure is retried a few times. Commits to
//! `changes` fire a statement trigger that `NOTIFY`s the store's channel;
//! [`ChangeListener`]s `LISTEN` on it.

mod audit;
mod calls;
mod changes;
mod conn;
mod edges;
mod kv;
mod sessions;

use std::fmt;

use postgres::error::SqlState;
use postgres::{Client, IsolationLevel, NoTls};

use self::conn::{Conn, Tx};

use crate::change::{Change, ChangeEvent, ChangeListener};
use crate::error::StoreError;
use crate::migrate;
use crate::pool::Pool;
use crate::records::{
    AuditHead, AuditRow, CallCharge, EdgeRecord, EdgeState, KvSet, Lease, SessionRecord,
    SessionStatus, Snapshot, SpawnLimits,
};
use crate::store::{AuditSealer, Store};

/// The schema [`PostgresStore::connect`] uses.
pub const DEFAULT_SCHEMA: &str = "caracal";

/// Longest schema name accepted: the notification channel
/// `caracal_changes_<schema>` must fit PostgreSQL's 63-byte identifiers.
pub const MAX_SCHEMA_LEN: usize = 47;

/// How often a transaction that hit a deadlock or serialization failure is
/// retried.
const RETRIES: u32 = 5;

/// How a [`PostgresStore`] connects.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostgresOptions {
    /// The schema holding the tables (created if missing): stores with
    /// different schemas in one database are independent. Lowercase ASCII
    /// letters, digits and `_`, not starting with a digit, at most
    /// [`MAX_SCHEMA_LEN`] bytes. Default [`DEFAULT_SCHEMA`].
    pub schema: String,
    /// Most connections kept open. Default 8.
    pub max_connections: usize,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: DEFAULT_SCHEMA.to_owned(),
            max_connections: 8,
        }
    }
}

impl PostgresOptions {
    /// Sets [`PostgresOptions::schema`].
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// Sets [`PostgresOptions::max_connections`].
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }
}

/// The store in a PostgreSQL schema. Every host process connects its own
/// `PostgresStore` to the same database and schema.
pub struct PostgresStore {
    url: String,
    schema: String,
    channel: String,
    pool: Pool<Conn>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: not printed.
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`, libpq style; no
    /// TLS) using schema [`DEFAULT_SCHEMA`], applying pending migrations.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PostgresOptions::default())
    }

    /// Connects using `schema` (created if missing).
    pub fn connect_with_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PostgresOptions::default().schema(schema))
    }

    /// Connects with `options`. A schema migrated by a newer build is
    /// refused with [`StoreError::Migration`].
    pub fn connect_with(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        check_schema(&options.schema)?;
        let schema = options.schema;
        let mut first = open(url, &schema)?;
        migrate(&mut first, &schema)?;
        let (u, s) = (url.to_owned(), schema.clone());
        let pool = Pool::new(
            Conn::new(first),
            options.max_connections,
            move || open(&u, &s).map(Conn::new),
            Conn::healthy,
        );
        Ok(PostgresStore {
            url: url.to_owned(),
            channel: channel(&schema),
            schema,
            pool,
        })
    }

    /// The schema holding the tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Runs `f` in a transaction, appends the change events it collected
    /// (stamped `at_ms`) as its last statement, and commits; retried on a
    /// deadlock or serialization failure.
    fn write<T>(
        &self,
        at_ms: u64,
        mut f: impl FnMut(&mut Tx<'_>, &mut Vec<ChangeEvent>) -> Result<T, Fail>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        let mut attempt = 0;
        loop {
            let result = (|| -> Result<T, Fail> {
                let Conn { client, statements } = &mut *conn;
                let mut tx = Tx::new(client.transaction()?, statements);
                let mut events = Vec::new();
                let value = f(&mut tx, &mut events)?;
                changes::record(&mut tx, at_ms, &events)?;
                tx.commit()?;
                Ok(value)
            })();
            match result {
                Err(Fail::Db(e)) if attempt < RETRIES && retryable(&e) => attempt += 1,
                other => return other.map_err(StoreError::from),
            }
        }
    }

    /// Runs `f` in a read-only REPEATABLE READ transaction (one snapshot).
    fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, Fail>) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        let run = || -> Result<T, Fail> {
            let Conn { client, statements } = &mut *conn;
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let mut tx = Tx::new(tx, statements);
            let value = f(&mut tx)?;
            tx.commit()?;
            Ok(value)
        };
        Ok(run()?)
    }
}

/// `caracal_changes_<schema>`.
fn channel(schema: &str) -> String {
    format!("caracal_changes_{schema}")
}

fn check_schema(schema: &str) -> Result<(), StoreError> {
    let ok = !schema.is_empty()
        && schema.len() <= MAX_SCHEMA_LEN
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "schema name `{schema}`: use 1 to {MAX_SCHEMA_LEN} of a-z, 0-9 and _, not starting with a digit"
        )))
    }
}

/// One connection whose `search_path` is the store's schema.
fn open(url: &str, schema: &str) -> Result<Client, StoreError> {
    let mut client = Client::connect(url, NoTls).map_err(|e| from_pg(&e))?;
    client
        .batch_execute(&format!(
            "SET search_path TO \"{schema}\"; SET application_name TO 'caracal-store'"
        ))
        .map_err(|e| from_pg(&e))?;
    Ok(client)
}

/// Applies pending migrations in one transaction, under an advisory lock
/// on the schema so concurrent first connections do not race.
fn migrate(client: &mut Client, schema: &str) -> Result<(), StoreError> {
    let mut run = || -> Result<(), Fail> {
        let mut tx = client.transaction()?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&format!("caracal-store:{schema}")],
        )?;
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
             CREATE TABLE IF NOT EXISTS \"{schema}\".schema_version (
                 version       BIGINT PRIMARY KEY,
                 name          TEXT NOT NULL,
                 applied_at_ms BIGINT NOT NULL
             );"
        ))?;
        let found: i64 = tx
            .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])?
            .try_get(0)?;
        let found = u32::try_from(found)
            .map_err(|_| StoreError::Corrupt(format!("schema version {found}")))?;
        for m in migrate::pending(migrate::POSTGRES, found)? {
            tx.batch_execute(m.sql)?;
            tx.execute(
                "INSERT INTO schema_version (version, name, applied_at_ms) VALUES ($1, $2, $3)",
                &[&i64::from(m.version), &m.name, &migrate::now_ms()],
            )?;
        }
        tx.commit()?;
        Ok(())
    };
    Ok(run()?)
}

/// An error inside a transaction: the store's own, or PostgreSQL's
/// (mapped at the boundary, after the retry decision).
#[derive(Debug)]
pub(crate) enum Fail {
    Store(StoreError),
    Db(postgres::Error),
}

impl From<postgres::Error> for Fail {
    fn from(e: postgres::Error) -> Self {
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
            Fail::Db(e) => from_pg(&e),
        }
    }
}

fn retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(&SqlState::T_R_DEADLOCK_DETECTED | &SqlState::T_R_SERIALIZATION_FAILURE)
    )
}

/// Maps PostgreSQL's error: a key clash is a conflict, a dangling
/// reference is invalid, anything else is the backend's.
fn from_pg(e: &postgres::Error) -> StoreError {
    let detail = e
        .as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_owned());
    match e.code() {
        Some(&SqlState::UNIQUE_VIOLATION) => StoreError::Conflict(detail),
        Some(&SqlState::FOREIGN_KEY_VIOLATION) => StoreError::Invalid(format!(
            "a referenced session or edge does not exist ({detail})"
        )),
        _ => StoreError::Backend(format!("postgres: {detail}")),
    }
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(|tx| {
            let v: i64 = tx
                .query_one("SELECT max(version) FROM schema_version", &[])?
                .try_get(0)?;
            Ok(u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("schema version {v}")))?)
        })
    }

    fn insert_session_checked(
        &self,
        record: &SessionRecord,
        limits: SpawnLimits,
    ) -> Result<(), StoreError> {
        self.write(record.created_at_ms, |tx, ev| {
            sessions::insert_checked(tx, record, limits, ev)
        })
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
        self.write(at_ms, |tx, ev| {
            sessions::update_status(tx, id, status, at_ms, fence, ev)
        })
    }

    fn end_sessions(
        &self,
        ids: &[String],
        status: SessionStatus,
        at_ms: u64,
    ) -> Result<Vec<String>, StoreError> {
        self.write(at_ms, |tx, ev| {
            sessions::end_many(tx, ids, status, at_ms, ev)
        })
    }

    fn renew_lease(
        &self,
        id: &str,
        generation: u64,
        deadline_ms: u64,
    ) -> Result<Lease, StoreError> {
        // The hottest write: one compare-and-set statement, no transaction
        // block. Only when it matches nothing is the row read (locked) to
        // say why.
        let renewed = {
            let mut conn = self.pool.get()?;
            let rows = conn
                .query(
                    "UPDATE sessions SET lease_deadline_ms = $3
                     WHERE id = $1 AND lease_generation = $2
                       AND lifecycle = 'service' AND status = 'active'
                     RETURNING id",
                    &[
                        &id,
                        &crate::error::to_i64(generation, "generation")?,
                        &crate::error::to_i64(deadline_ms, "deadline_ms")?,
                    ],
                )
                .map_err(|e| from_pg(&e))?;
            !rows.is_empty()
        };
        if renewed {
            return Ok(Lease {
                generation,
                deadline_ms,
            });
        }
        // No change event, so the timestamp is never used.
        self.write(0, |tx, _| sessions::renew(tx, id, generation, deadline_ms))
    }

    fn take_over_lease(
        &self,
        id: &str,
        host_id: &str,
        at_ms: u64,
        deadline_ms: u64,
    ) -> Result<Lease, StoreError> {
        self.write(at_ms, |tx, ev| {
            sessions::take_over(tx, id, host_id, deadline_ms, ev)
        })
    }

    fn sweep_dead_host_tasks(&self, host_id: &str, at_ms: u64) -> Result<Vec<String>, StoreError> {
        self.write(at_ms, |tx, ev| sessions::sweep_host(tx, host_id, at_ms, ev))
    }

    fn insert_edge(&self, record: &EdgeRecord) -> Result<(), StoreError> {
        self.write(record.created_at_ms, |tx, ev| edges::insert(tx, record, ev))
    }

    fn edge(&self, id: &str) -> Result<Option<EdgeRecord>, StoreError> {
        self.read(|tx| edges::get(tx, id))
    }

    fn set_edge_state(&self, id: &str, state: EdgeState, at_ms: u64) -> Result<(), StoreError> {
        self.write(at_ms, |tx, ev| edges::set_state(tx, id, state, at_ms, ev))
    }

    fn charge_calls(&self, meters: &[(String, u64)]) -> Result<CallCharge, StoreError> {
        // A charge changes no session or edge state: no change event.
        self.write(0, |tx, _| calls::charge(tx, meters))
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
        // A key-value write changes no session or edge state: no change event.
        self.write(0, |tx, _| kv::set(tx, space, key, value, max_keys))
    }

    fn kv_delete(&self, space: &str, key: &str) -> Result<bool, StoreError> {
        self.write(0, |tx, _| kv::delete(tx, space, key))
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
        self.write(at_ms, |tx, ev| {
            edges::revoke_many(tx, edge_ids, at_ms, ev)?;
            sessions::end_many(tx, session_ids, SessionStatus::Terminated, at_ms, ev)?;
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
        self.write(0, |tx, _| audit::append(tx, seal))
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
        let client = open(&self.url, &self.schema)?;
        Ok(Box::new(changes::PgListener::new(client, &self.channel)?))
    }

    fn prune_changes(&self, up_to: u64) -> Result<u64, StoreError> {
        self.write(0, |tx, _| changes::prune(tx, up_to))
    }
}

/// Reads sessions and edges (all, or only live ones) and the change
/// version, in the caller's snapshot.
fn load(tx: &mut Tx<'_>, live_only: bool) -> Result<Snapshot, Fail> {
    Ok(Snapshot {
        sessions: sessions::all(tx, live_only)?,
        edges: edges::all(tx, live_only)?,
        change_version: changes::version(tx)?,
    })
}
