//! Durable state through the binary: a host killed with -9 in the middle of
//! a stream of spawns, closes and revocations restarts with everything it
//! acknowledged and a verifying audit chain; two host processes on one
//! PostgreSQL see each other's revocations.

use crate::cli::{caracal_host, spawn_host, text};
use crate::durable::{pg_url, unique_schema};
use caracal_host::store::{EdgeState, SessionStatus, SqliteStore, Store};
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};
use test_programs_artifacts::{HELLO_AGENT, SERVICE};

#[test]
fn a_host_killed_with_sigkill_restarts_with_every_acknowledged_operation() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = spawn_host(dir.path(), &["run", SERVICE, "--", "stream"], &[]);
    let stdout = host.stdout.take().unwrap();
    let mut acks = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(ack) = line.strip_prefix("ACK ") {
            acks.push(ack.to_owned());
        }
        if acks.len() >= 150 {
            break;
        }
    }
    assert_eq!(acks.len(), 150, "the stream ended early: {acks:?}");
    host.kill().unwrap(); // SIGKILL
    host.wait().unwrap();

    let store = SqliteStore::open(dir.path().join(".caracal/caracal.db")).unwrap();
    for ack in &acks {
        let words: Vec<&str> = ack.split(' ').collect();
        match words[..] {
            ["spawn", id, edge] => {
                assert!(store.session(id).unwrap().is_some(), "lost spawn {id}");
                assert!(
                    store.edge(edge).unwrap().is_some(),
                    "lost delegation {edge}"
                );
            }
            ["close", id] => assert_eq!(
                store.session(id).unwrap().unwrap().status,
                SessionStatus::Terminated,
                "lost close of {id}"
            ),
            ["revoke", edge] => assert_eq!(
                store.edge(edge).unwrap().unwrap().state,
                EdgeState::Revoked,
                "lost revocation of {edge}"
            ),
            _ => panic!("unexpected ack {ack}"),
        }
    }
    drop(store);

    // The restart sweeps what the dead agent left and the chain verifies.
    let out = caracal_host(dir.path(), &["run", HELLO_AGENT], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = caracal_host(dir.path(), &["audit", "verify"], &[]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let store = SqliteStore::open(dir.path().join(".caracal/caracal.db")).unwrap();
    let live = store.load_live().unwrap().sessions;
    assert!(
        live.is_empty(),
        "nothing of the killed agent is left live: {live:?}"
    );
}

#[test]
fn two_host_processes_on_postgres_a_revoke_on_one_stops_a_worker_on_the_other() {
    let url = format!("{}?schema={}", pg_url(), unique_schema("procs"));
    let store = [("CARACAL_STORE_URL", url.as_str())];
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    // Host A: a worker spawns a service and dies, leaving it to its lease.
    let out = caracal_host(dir_a.path(), &["run", SERVICE, "--", "leak"], &store);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let service = text(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("RESULT leaked ok "))
        .expect("the service id")
        .trim()
        .to_owned();

    // Host B: a worker attaches it and keeps heartbeating.
    let mut worker = spawn_host(
        dir_b.path(),
        &["run", SERVICE, "--", "hold", &service],
        &store,
    );
    let mut lines = BufReader::new(worker.stdout.take().unwrap()).lines();
    let attached = lines.next().unwrap().unwrap();
    assert!(
        attached.starts_with(&format!("RESULT attach ok {service}")),
        "{attached}"
    );

    // Host A again (same state directory, a busy agent keeping it up): its
    // operator revokes the service.
    let _ = std::fs::remove_file(dir_a.path().join(".caracal/admin.json"));
    let mut a = spawn_host(
        dir_a.path(),
        &["run", SERVICE, "--", "spin", "1000"],
        &store,
    );
    let start = Instant::now();
    let out = caracal_host(dir_a.path(), &["revoke", &service], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lost = lines.next().unwrap().unwrap();
    let elapsed = start.elapsed();
    assert!(lost.starts_with("RESULT lost err gone"), "{lost}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert!(worker.wait().unwrap().success());
    let _ = a.kill();
    let _ = a.wait();

    let out = caracal_host(dir_b.path(), &["audit", "verify"], &store);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}
