//! Durable state: write-through to a real SQLite file and the real
//! PostgreSQL, recovery after a restart, and two hosts sharing one
//! PostgreSQL (race-free limits, fencing, revocation seen by both).

use crate::support::{self, args_options, load, run_on};
use caracal_audit::{AuditRecord, verify};
use caracal_host::AgentHost;
use caracal_host::authority::{
    AuthorityError, Grant, NarrowGrant, SessionId, SessionStatus, SpawnRequest,
};
use caracal_host::state::HostIdentity;
use caracal_host::store::{EdgeState, PostgresStore, SessionStatus as Stored, SqliteStore, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_programs_artifacts::SERVICE;

/// This test process's throwaway PostgreSQL cluster (trust auth).
pub(crate) fn pg_url() -> &'static str {
    caracal_pg_temp::url()
}

/// A schema no other test or run uses.
pub(crate) fn unique_schema(tag: &str) -> String {
    format!("t_{tag}_{}", uuid::Uuid::now_v7().simple())
}

fn host_on(store: Arc<dyn Store>, id: &str) -> AgentHost {
    AgentHost::builder()
        .store(store)
        .identity(HostIdentity::named(id))
        .cache_dir(Some(support::cache_dir()))
        .build()
        .expect("host builds on the store")
}

fn narrow(scopes: &[&str]) -> SpawnRequest {
    SpawnRequest::task().with_grant(Grant::Narrow(NarrowGrant::new(scopes.iter().copied())))
}

fn audit_verifies(store: &dyn Store) -> u64 {
    let rows = store.all_audit_rows().unwrap();
    let records = rows
        .iter()
        .map(|r| serde_json::from_str::<AuditRecord>(&r.record_json).map_err(|e| e.to_string()));
    verify(records).expect("the audit chain verifies").records
}

#[tokio::test]
async fn a_restarted_host_recovers_services_sweeps_dead_tasks_and_keeps_revocations() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("caracal.db");
    let open = || -> Arc<dyn Store> { Arc::new(SqliteStore::open(&db).unwrap()) };

    let (service, task, revoked, edge, first_records);
    {
        let host = host_on(open(), "host-a");
        let crashed = run_on(&host, &load(&host, SERVICE), args_options(&["leak"]))
            .await
            .unwrap();
        assert_eq!(crashed.exit_code, 3, "{crashed}");
        service = crashed.step("leaked").ok().to_string();

        // An agent still running when the host dies: its task stays live.
        let engine = host.authority();
        let root = engine.open_root();
        task = engine.spawn(&root, SpawnRequest::task()).unwrap().id;
        let narrowed = engine.spawn(&root, narrow(&["x:read"])).unwrap();
        revoked = narrowed.id;
        edge = narrowed.authority.unwrap().edge_id.unwrap();
        engine.revoke_as_admin(&edge).unwrap();
        first_records = audit_verifies(&**host.store().unwrap());
    } // the host goes away without retiring anything

    let store = open();
    let host = host_on(store.clone(), "host-a");
    assert!(host.recovery().swept_tasks >= 1, "{:?}", host.recovery());
    assert_eq!(
        store.session(task.as_str()).unwrap().unwrap().status,
        Stored::Terminated,
        "the dead host's task is swept at restart"
    );
    assert_eq!(
        store.session(revoked.as_str()).unwrap().unwrap().status,
        Stored::Terminated
    );
    assert_eq!(
        store.edge(&edge).unwrap().unwrap().state,
        EdgeState::Revoked
    );
    assert!(matches!(
        host.authority().check_live(&task),
        Err(AuthorityError::NotFound(_))
    ));
    assert_eq!(
        host.authority()
            .status(&SessionId::from(service.as_str()))
            .unwrap(),
        SessionStatus::Active
    );

    let replacement = run_on(
        &host,
        &load(&host, SERVICE),
        args_options(&["attach", &service]),
    )
    .await
    .unwrap();
    assert_eq!(replacement.step("attach").ok(), service);
    assert_eq!(replacement.step("heartbeat").ok(), "gen=2");
    replacement.step("close").ok();
    assert_eq!(
        store.session(&service).unwrap().unwrap().status,
        Stored::Terminated
    );

    let records = audit_verifies(&*store);
    assert!(
        records > first_records,
        "the chain continues after the restart ({first_records} -> {records})"
    );
}

/// Two hosts on one fresh PostgreSQL schema.
fn two_hosts(tag: &str) -> (AgentHost, AgentHost, Arc<dyn Store>) {
    let schema = unique_schema(tag);
    let connect = || -> Arc<dyn Store> {
        Arc::new(
            PostgresStore::connect_with_schema(pg_url(), &schema)
                .unwrap_or_else(|e| panic!("PostgreSQL at {}: {e}", pg_url())),
        )
    };
    let a = host_on(connect(), "host-a");
    let b = host_on(connect(), "host-b");
    (a, b, connect())
}

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
    start.elapsed()
}

#[test]
fn two_hosts_on_postgres_share_a_tree_race_for_the_last_slot_and_fence_leases() {
    let (a, b, store) = two_hosts("share");
    let root = a.authority().open_root();
    let service = a
        .authority()
        .spawn(&root, SpawnRequest::service().with_labels(["shared"]))
        .unwrap()
        .id;
    for _ in 0..9 {
        a.authority().spawn(&service, SpawnRequest::task()).unwrap();
    }
    wait_until("host B sees the tree", || {
        b.authority().live_children(&service) == 9
    });

    // Both hosts see 9 live children; each adds the 10th... and the 11th.
    let race = |host: &AgentHost| {
        let engine = host.authority().clone();
        let parent = service.clone();
        std::thread::spawn(move || engine.spawn(&parent, SpawnRequest::task()))
    };
    let (ra, rb) = (race(&a), race(&b));
    let results = [ra.join().unwrap(), rb.join().unwrap()];
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "exactly one host wins the last slot: {results:?}");
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(AuthorityError::Limit(_)))),
        "{results:?}"
    );
    let live_rows = store
        .load_live()
        .unwrap()
        .sessions
        .iter()
        .filter(|s| s.parent_id.as_deref() == Some(service.as_str()))
        .count();
    assert_eq!(live_rows, 10);

    // Host B takes the service over; host A's holder is fenced out.
    let lease = b.authority().attach(&service).unwrap();
    assert_eq!(lease.generation, 2);
    assert!(matches!(
        a.authority().heartbeat(&service, 1),
        Err(AuthorityError::Denied(_))
    ));
    assert!(matches!(
        a.authority().close_fenced(&service, 1),
        Err(AuthorityError::Denied(_))
    ));
    b.authority().heartbeat(&service, 2).unwrap();
    assert_eq!(
        store.session(service.as_str()).unwrap().unwrap().host_id,
        "host-b"
    );
}

#[test]
fn a_revocation_on_one_host_is_enforced_on_the_other() {
    let (a, b, store) = two_hosts("revoke");
    let root = a.authority().open_root();
    let worker = a
        .authority()
        .spawn(&root, narrow(&["tickets:read"]))
        .unwrap();
    let edge = worker.authority.clone().unwrap().edge_id.unwrap();
    let child = a
        .authority()
        .spawn(&worker.id, SpawnRequest::task())
        .unwrap()
        .id;
    wait_until("host B sees the worker's child", || {
        b.authority().check_live(&child).is_ok()
    });

    let start = Instant::now();
    a.authority().revoke_as_admin(&edge).unwrap();
    wait_until("host B enforces the revocation", || {
        matches!(
            b.authority().check_live(&child),
            Err(AuthorityError::Gone(_))
        )
    });
    let latency = start.elapsed();
    eprintln!("cross-host revocation seen after {latency:?}");
    assert!(latency < Duration::from_secs(5), "{latency:?}");
    assert_eq!(
        store.session(child.as_str()).unwrap().unwrap().status,
        Stored::Terminated
    );
    audit_verifies(&*store);
}

/// A host on the SQLite file and state directory under `dir`.
fn host_in(dir: &std::path::Path) -> Result<AgentHost, caracal_host::HostError> {
    AgentHost::builder()
        .store(Arc::new(SqliteStore::open(dir.join("caracal.db")).unwrap()))
        .state_dir(dir.join("state"))
        .cache_dir(Some(support::cache_dir()))
        .build()
}

#[test]
fn tokens_a_host_minted_still_verify_after_its_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (service, bearer, jwks);
    {
        let host = host_in(dir.path()).unwrap();
        let root = host.authority().open_root();
        service = host
            .authority()
            .spawn(&root, SpawnRequest::service())
            .unwrap()
            .id;
        bearer = host.bearer_for(&service).unwrap();
        jwks = host.signer().jwks();
    }
    let key_file = dir
        .path()
        .join("state")
        .join(caracal_host::state::SIGNING_KEYS_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key is readable by its owner only");
    }

    let host = host_in(dir.path()).unwrap();
    assert_eq!(host.signer().jwks(), jwks, "the same key, the same JWK Set");
    let token = bearer.strip_prefix("Bearer ").unwrap();
    let now = host.authority().clock().now_ms() / 1000;
    let claims = host
        .signer()
        .verify(token, now)
        .expect("the old token verifies");
    assert_eq!(claims.agent_session_id.as_deref(), Some(service.as_str()));
}

#[test]
fn a_damaged_signing_key_stops_the_start_and_is_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    drop(host_in(dir.path()).unwrap());
    let key_file = dir
        .path()
        .join("state")
        .join(caracal_host::state::SIGNING_KEYS_FILE);
    std::fs::write(&key_file, "not a key").unwrap();

    let error = host_in(dir.path()).expect_err("a damaged key is refused");
    let message = format!("{:#}", anyhow::Error::new(error));
    assert!(
        message.contains("signing-keys.json") && message.contains("move it away"),
        "{message}"
    );
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), "not a key");
}

/// A task narrowed to `x:read` with a `max_calls` of `max`.
fn metered(max: u64) -> SpawnRequest {
    let mut grant = NarrowGrant::new(["x:read"]);
    grant.constraints.max_calls = Some(max);
    SpawnRequest::service().with_grant(Grant::Narrow(grant))
}

#[test]
fn max_calls_is_one_bound_for_two_hosts_and_survives_a_restart() {
    let (a, b, _store) = two_hosts("meter");
    let root = a.authority().open_root();
    let worker = a.authority().spawn(&root, metered(5)).unwrap().id;
    wait_until("host B sees the worker and its edge", || {
        b.authority()
            .view(&worker)
            .is_ok_and(|view| view.authority.is_some())
    });

    // Calls alternate between the hosts: five in all go through.
    let hosts = [&a, &b];
    let allowed: Vec<bool> = (0..8)
        .map(|i| hosts[i % 2].authority().meter_call(&worker).is_ok())
        .collect();
    assert_eq!(
        allowed,
        [true, true, true, true, true, false, false, false],
        "one meter for both hosts"
    );
    let refused = b.authority().meter_call(&worker).unwrap_err();
    assert!(
        matches!(&refused, AuthorityError::Denied(m) if m.contains("max_calls spent: 5")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_restarted_host_keeps_counting_max_calls() {
    let dir = tempfile::tempdir().unwrap();
    let worker;
    {
        let host = host_in(dir.path()).unwrap();
        let root = host.authority().open_root();
        worker = host.authority().spawn(&root, metered(2)).unwrap().id;
        assert_eq!(host.authority().meter_call(&worker).unwrap(), 1);
    }
    let host = host_in(dir.path()).unwrap();
    assert_eq!(host.authority().meter_call(&worker).unwrap(), 2);
    assert!(matches!(
        host.authority().meter_call(&worker),
        Err(AuthorityError::Denied(_))
    ));
}
