//! Caracal's durable state (DESIGN §7): sessions, delegation edges, leases,
//! revocations and the audit chain, in SQLite (the embedded default) or
//! PostgreSQL (one state shared by many host processes).
//!
//! The authority engine keeps hot data in memory; a [`Store`] is the source
//! of truth behind it. This crate knows nothing of the engine: it stores
//! plain records ([`SessionRecord`], [`EdgeRecord`], [`AuditRow`]) whose
//! authority is opaque JSON, and enforces the few rules that must hold
//! across hosts inside its transactions:
//!
//! * **capacity** ([`Store::insert_session_checked`]): depth and live
//!   children are checked and the child inserted atomically;
//! * **lease fencing** ([`Store::renew_lease`], [`Store::take_over_lease`],
//!   fenced [`Store::update_session_status`]): compare-and-set on the lease
//!   generation;
//! * **one audit chain** ([`Store::append_audit`]): the head is read and
//!   the next record sealed and inserted under one lock;
//! * **revocation propagation**: every state change is numbered in a change
//!   feed ([`Store::poll_changes`]); [`Store::listen`] wakes on PostgreSQL
//!   `NOTIFY` (or a short poll on SQLite).
//!
//! Schema changes are versioned migrations applied at open
//! ([`SCHEMA_VERSION`]); the schema is documented in `SCHEMA.md`.
//!
//! ```
//! use caracal_store::{
//!     Lifecycle, SessionRecord, SessionStatus, SpawnLimits, SqliteStore, Store,
//! };
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open(dir.path().join("caracal.db")).unwrap();
//! let root = SessionRecord {
//!     id: "root".into(),
//!     application_id: "default".into(),
//!     zone_id: "local".into(),
//!     parent_id: None,
//!     root_id: "root".into(),
//!     lifecycle: Lifecycle::Root,
//!     status: SessionStatus::Active,
//!     labels: vec![],
//!     trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
//!     depth: 0,
//!     expires_at_ms: None,
//!     lease_deadline_ms: None,
//!     lease_generation: 0,
//!     authority_json: None,
//!     host_id: "host-a".into(),
//!     created_at_ms: 1_000,
//!     ended_at_ms: None,
//! };
//! store.insert_session_checked(&root, SpawnLimits::default()).unwrap();
//! let child = SessionRecord {
//!     id: "child".into(),
//!     parent_id: Some("root".into()),
//!     lifecycle: Lifecycle::Task,
//!     depth: 1,
//!     ..root.clone()
//! };
//! store.insert_session_checked(&child, SpawnLimits::default()).unwrap();
//! store.end_sessions(&["child".into()], SessionStatus::Terminated, 2_000).unwrap();
//! assert_eq!(store.load_live().unwrap().sessions, [root]);
//! ```
#![deny(missing_docs)]

mod change;
mod codec;
mod error;
mod migrate;
mod pool;
mod postgres;
mod records;
mod sqlite;
mod store;

use std::sync::Arc;

pub use change::{Change, ChangeEvent, ChangeListener};
pub use error::{LimitKind, StoreError};
pub use migrate::SCHEMA_VERSION;
pub use postgres::{DEFAULT_SCHEMA, MAX_SCHEMA_LEN, PostgresOptions, PostgresStore};
pub use records::{
    AuditHead, AuditRow, CallCharge, EdgeKind, EdgeRecord, EdgeState, KvSet, Lease, Lifecycle,
    SessionRecord, SessionStatus, Snapshot, SpawnLimits,
};
pub use sqlite::{DEFAULT_SQLITE_PATH, SqliteOptions, SqliteStore};
pub use store::{AuditSealer, Store};

/// Opens the store a location names: `postgres://…` or `postgresql://…`
/// connects a [`PostgresStore`] (schema [`DEFAULT_SCHEMA`], or the one a
/// `schema=<name>` query parameter names, which is removed from the URL);
/// `sqlite://PATH`, `sqlite:PATH` or a plain path opens a [`SqliteStore`].
/// This is what `CARACAL_STORE_URL` / `[store] url` resolve through; the
/// default is [`DEFAULT_SQLITE_PATH`].
pub fn open(location: &str) -> Result<Arc<dyn Store>, StoreError> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        let (url, schema) = split_schema(location);
        return Ok(Arc::new(match schema {
            Some(schema) => PostgresStore::connect_with_schema(&url, &schema)?,
            None => PostgresStore::connect(&url)?,
        }));
    }
    let path = location
        .strip_prefix("sqlite://")
        .or_else(|| location.strip_prefix("sqlite:"))
        .unwrap_or(location);
    if path.is_empty() {
        return Err(StoreError::Invalid("empty store location".into()));
    }
    Ok(Arc::new(SqliteStore::open(path)?))
}

/// Splits a `schema=<name>` query parameter off a PostgreSQL URL.
fn split_schema(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut schema = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.strip_prefix("schema=") {
            Some(name) => {
                schema = Some(name.to_owned());
                false
            }
            None => true,
        })
        .collect();
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (url, schema)
}

#[cfg(test)]
mod tests {
    use super::split_schema;

    #[test]
    fn a_schema_parameter_is_split_off_the_url() {
        let url = "postgres://postgres@127.0.0.1:5432/test";
        assert_eq!(split_schema(url), (url.to_owned(), None));
        assert_eq!(
            split_schema("postgres://h/test?schema=a_1&connect_timeout=5"),
            (
                "postgres://h/test?connect_timeout=5".to_owned(),
                Some("a_1".to_owned())
            )
        );
        assert_eq!(
            split_schema("postgres://h/test?schema=b"),
            ("postgres://h/test".to_owned(), Some("b".to_owned()))
        );
    }
}
