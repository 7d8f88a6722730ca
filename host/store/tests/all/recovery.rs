//! Restart: migrations idempotent, newer schemas refused, a reopened
//! SQLite file keeps everything, a dead host's tasks are swept.

use caracal_audit::{AuditEvent, EventKind};
use caracal_store::{
    PostgresStore, SCHEMA_VERSION, SessionStatus, SpawnLimits, SqliteStore, Store, StoreError,
};

use crate::audit::{append, verify_rows};
use crate::both;
use crate::fixture::{Fixture, T0, edge, pg_url, root, service, task};

both!(
    migrations_idempotent_on_reopen,
    a_version_1_database_is_upgraded_in_place,
    newer_schema_refused,
    sweep_dead_host
);

fn migrations_idempotent_on_reopen(f: &Fixture) {
    let r = root("root", "h");
    f.store
        .insert_session_checked(&r, SpawnLimits::default())
        .unwrap();
    for _ in 0..3 {
        let again = f.other_host();
        assert_eq!(again.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(again.load_all().unwrap().sessions, std::slice::from_ref(&r));
    }
}

/// Turns the fixture's database back into schema v1 (what a host built
/// before the call meter left): the tables of v2 and later and their
/// version rows removed.
fn downgrade_to_v1(f: &Fixture) {
    const UNDO: &str = "DROP TABLE kv_entries; DROP TABLE edge_calls; \
                        DELETE FROM schema_version WHERE version >= 2;";
    if let Some(path) = f.sqlite_path() {
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(UNDO)
            .unwrap();
    }
    if let Some(schema) = f.schema() {
        let mut client = postgres::Client::connect(&pg_url(), postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("SET search_path TO \"{schema}\"; {UNDO}"))
            .unwrap();
    }
}

fn a_version_1_database_is_upgraded_in_place(f: &Fixture) {
    let r = root("root", "h");
    let child = task(&r, "child");
    for record in [&r, &child] {
        f.store
            .insert_session_checked(record, SpawnLimits::default())
            .unwrap();
    }
    f.store.insert_edge(&edge("e", &r, &child)).unwrap();
    downgrade_to_v1(f);
    assert_eq!(f.store.schema_version().unwrap(), 1);

    let upgraded = f.other_host();
    assert_eq!(upgraded.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(upgraded.load_all().unwrap().sessions.len(), 2, "rows kept");
    assert_eq!(
        upgraded.charge_calls(&[("e".to_owned(), 1)]).unwrap(),
        caracal_store::CallCharge::Charged { busiest: 1 }
    );
}

fn newer_schema_refused(f: &Fixture) {
    let newer = i64::from(SCHEMA_VERSION) + 1;
    if let Some(path) = f.sqlite_path() {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO schema_version (version, name, applied_at_ms) VALUES (?1, 'future', 0)",
            [newer],
        )
        .unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(
            matches!(err, StoreError::Migration { found, supported }
                if i64::from(found) == newer && supported == SCHEMA_VERSION),
            "{err}"
        );
    }
    if let Some(schema) = f.schema() {
        let mut client = postgres::Client::connect(&pg_url(), postgres::NoTls).unwrap();
        client
            .execute(
                &format!(
                    "INSERT INTO \"{schema}\".schema_version (version, name, applied_at_ms) \
                     VALUES ($1, 'future', 0)"
                ),
                &[&newer],
            )
            .unwrap();
        let err = PostgresStore::connect_with_schema(&pg_url(), schema).unwrap_err();
        assert!(matches!(err, StoreError::Migration { .. }), "{err}");
    }
}

/// Host A dies; on restart its tasks (and everything under them) are
/// terminated, its service stays for re-attach, host B's task is untouched.
fn sweep_dead_host(f: &Fixture) {
    let s = &f.store;
    let l = SpawnLimits::default();
    let r = root("root", "host-a");
    let t = task(&r, "t");
    let t_child_svc = service(&t, "t-svc");
    let svc = service(&r, "svc");
    let svc_task = task(&svc, "svc-task");
    let mut other = task(&r, "b-task");
    other.host_id = "host-b".into();
    for rec in [&r, &t, &t_child_svc, &svc, &svc_task, &other] {
        s.insert_session_checked(rec, l).unwrap();
    }
    let swept = f
        .other_host()
        .sweep_dead_host_tasks("host-a", T0 + 500)
        .unwrap();
    assert_eq!(swept, ["t", "svc-task", "t-svc"]);
    let live: Vec<String> = s
        .load_live()
        .unwrap()
        .sessions
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(live, ["root", "b-task", "svc"]);
    assert_eq!(
        s.session("t-svc").unwrap().unwrap().ended_at_ms,
        Some(T0 + 500)
    );
    // The service is re-attached with a new generation.
    let lease = s
        .take_over_lease("svc", "host-a2", T0 + 501, T0 + 30_501)
        .unwrap();
    assert_eq!(lease.generation, 2);
    assert!(
        s.sweep_dead_host_tasks("host-a", T0 + 600)
            .unwrap()
            .is_empty()
    );
}

/// SQLite only: close the store, reopen the file: every session, edge,
/// lease, revocation and audit record is there, and the chain continues.
#[test]
fn reopened_sqlite_keeps_everything() {
    let f = Fixture::sqlite();
    let path = f.sqlite_path().unwrap();
    let l = SpawnLimits::default();
    let r = root("root", "h");
    let t = task(&r, "t");
    let svc = service(&r, "svc");
    let before = {
        let s = SqliteStore::open(&path).unwrap();
        s.insert_session_checked(&r, l).unwrap();
        s.insert_session_checked(&t, l).unwrap();
        s.insert_session_checked(&svc, l).unwrap();
        s.insert_edge(&edge("e", &r, &t)).unwrap();
        s.take_over_lease("svc", "h2", T0, T0 + 30_000).unwrap();
        s.revoke(&["e".into()], &["t".into()], T0 + 5).unwrap();
        for i in 0..3 {
            append(&s, AuditEvent::new(EventKind::Spawn, T0 + i));
        }
        s.load_all().unwrap()
    };
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.load_all().unwrap(), before);
    assert_eq!(
        s.session("t").unwrap().unwrap().status,
        SessionStatus::Terminated
    );
    assert_eq!(s.session("svc").unwrap().unwrap().lease_generation, 2);
    append(&s, AuditEvent::new(EventKind::Close, T0 + 9));
    let rows = s.all_audit_rows().unwrap();
    assert_eq!(verify_rows(&rows).records, 4);
    assert_eq!(
        s.poll_changes(0, 100).unwrap().len() as u64,
        before.change_version
    );
}

#[test]
fn open_dispatches_on_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    let s = caracal_store::open(&format!("sqlite:{}", path.display())).unwrap();
    assert_eq!(s.backend(), "sqlite");
    let s = caracal_store::open(path.to_str().unwrap()).unwrap();
    assert_eq!(s.backend(), "sqlite");
    assert!(matches!(
        caracal_store::open(""),
        Err(StoreError::Invalid(_))
    ));
    for memory in [":memory:", "sqlite::memory:", "sqlite://:memory:"] {
        match caracal_store::open(memory) {
            Err(StoreError::Invalid(why)) => assert!(why.contains("file path"), "{why}"),
            other => panic!("{memory}: {other:?}"),
        }
    }
    assert!(matches!(
        PostgresStore::connect_with_schema(&pg_url(), "Bad-Name"),
        Err(StoreError::Invalid(_))
    ));
}
