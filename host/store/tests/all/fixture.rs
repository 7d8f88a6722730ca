//! One fresh store per test, and a way to open a second, independent
//! "host" on the same state; record builders.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use caracal_store::{
    EdgeKind, EdgeRecord, EdgeState, Lifecycle, PostgresStore, SessionRecord, SessionStatus,
    SqliteStore, Store,
};

/// The PostgreSQL the tests use: this test process's throwaway cluster
/// (or `CARACAL_TEST_PG_URL`).
pub fn pg_url() -> String {
    caracal_pg_temp::url().to_owned()
}

/// A schema name no other test (or test run) uses.
fn unique_schema() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "t_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

/// A store under test, on its own file or schema (removed on drop).
pub struct Fixture {
    /// "Host A".
    pub store: Arc<dyn Store>,
    place: Place,
}

impl Fixture {
    /// A fresh SQLite file in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path().join("state/caracal.db")).unwrap());
        Fixture {
            store,
            place: Place::Sqlite(dir),
        }
    }

    /// A fresh schema in the test cluster.
    pub fn postgres() -> Self {
        let schema = unique_schema();
        let store = PostgresStore::connect_with_schema(&pg_url(), &schema)
            .unwrap_or_else(|e| panic!("PostgreSQL at {}: {e}", pg_url()));
        Fixture {
            store: Arc::new(store),
            place: Place::Postgres(schema),
        }
    }

    /// Which backend.
    pub fn is_postgres(&self) -> bool {
        matches!(self.place, Place::Postgres(_))
    }

    /// A second, independent store on the same state: its own
    /// connections, as another host process would have.
    pub fn other_host(&self) -> Arc<dyn Store> {
        match &self.place {
            Place::Sqlite(dir) => {
                Arc::new(SqliteStore::open(dir.path().join("state/caracal.db")).unwrap())
            }
            Place::Postgres(schema) => {
                Arc::new(PostgresStore::connect_with_schema(&pg_url(), schema).unwrap())
            }
        }
    }

    /// The SQLite file, for SQLite-only tests.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        match &self.place {
            Place::Sqlite(dir) => Some(dir.path().join("state/caracal.db")),
            Place::Postgres(_) => None,
        }
    }

    /// The schema, for PostgreSQL-only tests.
    pub fn schema(&self) -> Option<&str> {
        match &self.place {
            Place::Postgres(schema) => Some(schema),
            Place::Sqlite(_) => None,
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Place::Postgres(schema) = &self.place
            && let Ok(mut client) = postgres::Client::connect(&pg_url(), postgres::NoTls)
        {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
}

/// Unix ms the tests start their virtual clocks at.
pub const T0: u64 = 1_795_874_587_000;

/// A root context of `host`.
pub fn root(id: &str, host: &str) -> SessionRecord {
    SessionRecord {
        id: id.to_owned(),
        application_id: "billing".to_owned(),
        zone_id: "local".to_owned(),
        parent_id: None,
        root_id: id.to_owned(),
        lifecycle: Lifecycle::Root,
        status: SessionStatus::Active,
        labels: Vec::new(),
        trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
        depth: 0,
        expires_at_ms: None,
        lease_deadline_ms: None,
        lease_generation: 0,
        authority_json: Some(r#"{"scopes":"all"}"#.to_owned()),
        host_id: host.to_owned(),
        created_at_ms: T0,
        ended_at_ms: None,
    }
}

/// A task child of `parent` (same host), expiring in an hour.
pub fn task(parent: &SessionRecord, id: &str) -> SessionRecord {
    SessionRecord {
        id: id.to_owned(),
        parent_id: Some(parent.id.clone()),
        root_id: parent.root_id.clone(),
        lifecycle: Lifecycle::Task,
        labels: vec!["team:a".to_owned(), "tier 1".to_owned()],
        depth: parent.depth + 1,
        expires_at_ms: Some(T0 + 3_600_000),
        authority_json: Some(r#"{"edge":"e-1","scopes":["tickets:read"]}"#.to_owned()),
        created_at_ms: parent.created_at_ms + 1,
        ..parent.clone()
    }
}

/// A service child of `parent` with lease generation 1.
pub fn service(parent: &SessionRecord, id: &str) -> SessionRecord {
    SessionRecord {
        lifecycle: Lifecycle::Service,
        expires_at_ms: None,
        lease_deadline_ms: Some(T0 + 30_000),
        lease_generation: 1,
        ..task(parent, id)
    }
}

/// A narrow edge from `issuer` to `receiver`, accepted at birth.
pub fn edge(id: &str, issuer: &SessionRecord, receiver: &SessionRecord) -> EdgeRecord {
    EdgeRecord {
        id: id.to_owned(),
        kind: EdgeKind::Narrow,
        state: EdgeState::Accepted,
        issuer_id: issuer.id.clone(),
        issuer_application: issuer.application_id.clone(),
        receiver_id: receiver.id.clone(),
        receiver_application: receiver.application_id.clone(),
        parent_edge_id: None,
        authority_json: r#"{"scopes":["tickets:read"],"hop":1}"#.to_owned(),
        created_at_ms: receiver.created_at_ms,
        accepted_at_ms: Some(receiver.created_at_ms),
        revoked_at_ms: None,
    }
}
