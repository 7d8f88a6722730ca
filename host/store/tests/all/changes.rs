//! The change feed: polling, pruning, and a revocation made through host A
//! seen by host B's listener (PostgreSQL: `LISTEN/NOTIFY`), with the
//! latency printed.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use caracal_store::{ChangeEvent, EdgeState, SessionStatus, SpawnLimits};

use crate::both;
use crate::fixture::{Fixture, T0, edge, root, task};

both!(
    poll_and_prune,
    revocation_reaches_other_host,
    listener_times_out_quietly
);

fn poll_and_prune(f: &Fixture) {
    let s = &f.store;
    assert_eq!(s.change_version().unwrap(), 0);
    let r = root("root", "h");
    s.insert_session_checked(&r, SpawnLimits::default())
        .unwrap();
    for i in 0..5 {
        s.insert_session_checked(&task(&r, &format!("t{i}")), SpawnLimits::default())
            .unwrap();
    }
    let all = s.poll_changes(0, 100).unwrap();
    assert_eq!(
        all.iter().map(|c| c.version).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(
        all[0].event,
        ChangeEvent::SessionInserted { id: "root".into() }
    );
    assert_eq!(s.poll_changes(4, 1).unwrap()[0].version, 5);
    assert_eq!(s.prune_changes(4).unwrap(), 4);
    assert_eq!(s.poll_changes(0, 100).unwrap().len(), 2);
    // Versions keep counting after a prune.
    s.end_sessions(&["t0".into()], SessionStatus::Terminated, T0 + 9)
        .unwrap();
    assert_eq!(s.change_version().unwrap(), 7);
}

fn listener_times_out_quietly(f: &Fixture) {
    let mut listener = f.other_host().listen().unwrap();
    let start = Instant::now();
    assert!(listener.wait(Duration::from_millis(50)).unwrap().is_empty());
    assert!(start.elapsed() >= Duration::from_millis(45));
    assert_eq!(listener.version(), 0);
}

/// Host B listens; host A revokes an edge (terminating its holder). B must
/// see both changes; over `SAMPLES` revocations the latency from A's
/// commit to B's wake-up is measured and printed.
fn revocation_reaches_other_host(f: &Fixture) {
    const SAMPLES: usize = 20;
    let l = SpawnLimits::default();
    let a = &f.store;
    let r = root("root", "host-a");
    a.insert_session_checked(&r, l).unwrap();
    let b = f.other_host();
    let (ready_tx, ready_rx) = mpsc::channel();
    let (seen_tx, seen_rx) = mpsc::channel();
    // Host B's listener thread: reports each revoked edge with the instant
    // it saw it.
    let listener = thread::spawn(move || {
        let mut listener = b.listen().unwrap();
        ready_tx.send(()).unwrap();
        let mut seen = 0;
        while seen < SAMPLES {
            let changes = listener.wait(Duration::from_secs(10)).unwrap();
            assert!(!changes.is_empty(), "no change within 10 s");
            let now = Instant::now();
            for c in changes {
                if let ChangeEvent::EdgeState {
                    id,
                    state: EdgeState::Revoked,
                } = c.event
                {
                    seen += 1;
                    seen_tx.send((id, now)).unwrap();
                }
            }
        }
    });
    ready_rx.recv().unwrap();

    let mut latencies = Vec::new();
    for i in 0..SAMPLES {
        let holder = task(&r, &format!("holder{i}"));
        a.insert_session_checked(&holder, l).unwrap();
        a.insert_edge(&edge(&format!("e{i}"), &r, &holder)).unwrap();
        let start = Instant::now();
        a.revoke(
            &[format!("e{i}")],
            std::slice::from_ref(&holder.id),
            T0 + 100,
        )
        .unwrap();
        let committed = start.elapsed();
        let (id, seen_at) = seen_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(id, format!("e{i}"));
        latencies.push((seen_at.saturating_duration_since(start), committed));
        // Keep the parent under its children limit.
        a.end_sessions(&[holder.id], SessionStatus::Terminated, T0 + 101)
            .unwrap();
    }
    listener.join().unwrap();

    let mut seen: Vec<Duration> = latencies.iter().map(|(l, _)| *l).collect();
    seen.sort();
    let median = seen[SAMPLES / 2];
    let max = seen[SAMPLES - 1];
    let commit_median = {
        let mut c: Vec<Duration> = latencies.iter().map(|(_, c)| *c).collect();
        c.sort();
        c[SAMPLES / 2]
    };
    println!(
        "[{}] revocation propagation A→B over {SAMPLES} samples: median {median:?}, max {max:?} \
         (from the start of A's revoke call; A's transaction alone: median {commit_median:?})",
        if f.is_postgres() {
            "postgres NOTIFY"
        } else {
            "sqlite poll"
        }
    );
    // Bounded: well under a second on loopback.
    assert!(max < Duration::from_secs(1), "max latency {max:?}");
}
