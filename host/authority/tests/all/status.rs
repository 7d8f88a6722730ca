//! `status`, and agreement between the lazy checks and the sweep.

use caracal_authority::{SessionId, SessionStatus, SpawnRequest};

use crate::{Fixture, kind};

#[test]
fn status_reports_each_transition() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    let child = f.task(&service).id;
    let task = f.task_ttl(&f.root, 60).id;
    assert_eq!(f.engine.status(&f.root).unwrap(), SessionStatus::Active);
    assert_eq!(f.engine.status(&service).unwrap(), SessionStatus::Active);

    // Lazily applied, no sweep needed.
    f.advance_secs(30);
    assert_eq!(f.engine.status(&child).unwrap(), SessionStatus::Suspended);
    assert_eq!(f.engine.status(&service).unwrap(), SessionStatus::Suspended);
    f.advance_secs(30);
    assert_eq!(f.engine.status(&task).unwrap(), SessionStatus::Terminated);

    f.engine.close(&service).unwrap();
    assert_eq!(f.engine.status(&child).unwrap(), SessionStatus::Terminated);
    f.engine.close_root(&f.root);
    assert_eq!(f.engine.status(&f.root).unwrap(), SessionStatus::Terminated);
    assert_eq!(
        kind(f.engine.status(&SessionId::from("no-such-session"))),
        "not-found"
    );
}

/// One step of a scripted scenario, applied alike to two engines.
#[derive(Clone, Copy, Debug)]
enum Step {
    Advance(u64),
    Renew(usize),
}

/// A mixed tree: lapsing and renewed services, expiring and long tasks,
/// tasks under services and services under tasks. Returns the ids in spawn
/// order, so two fixtures built alike can be compared index by index.
fn build(f: &Fixture) -> Vec<SessionId> {
    let mut ids: Vec<SessionId> = Vec::new();
    let mut add = |parent: usize, request: SpawnRequest| {
        let parent = if parent == usize::MAX {
            f.root.clone()
        } else {
            ids[parent].clone()
        };
        ids.push(f.spawn(&parent, request).id);
    };
    let task = |secs| SpawnRequest::task().with_ttl_seconds(secs);
    add(usize::MAX, SpawnRequest::service()); // 0: lapses at +30
    add(0, task(3_600)); // 1: suspended with 0
    add(1, task(40)); // 2: suspended with 0, then expires at +40
    add(0, SpawnRequest::service()); // 3: renewed once, suspended with 0
    add(usize::MAX, SpawnRequest::service()); // 4: kept renewed
    add(4, task(50)); // 5: expires at +50
    add(5, SpawnRequest::service()); // 6: renewed, terminated with 5
    add(usize::MAX, task(3_600)); // 7: long task
    add(7, SpawnRequest::service()); // 8: lapses at +30 under a live task
    add(usize::MAX, task(20)); // 9: expires at +20
    add(8, task(10)); // 10: expires at +10 under 8
    ids
}

const STEPS: &[Step] = &[
    Step::Advance(5),
    Step::Advance(5),
    Step::Advance(10),
    Step::Renew(3),
    Step::Renew(4),
    Step::Renew(6),
    Step::Advance(10),
    Step::Advance(5),
    Step::Advance(5),
    Step::Renew(4),
    Step::Renew(6),
    Step::Advance(10),
    Step::Advance(10),
    Step::Renew(4),
    Step::Advance(1_000),
    Step::Advance(3_600),
];

#[test]
fn lazy_checks_and_sweep_agree() {
    let swept = Fixture::new();
    let lazy = Fixture::new();
    let a = build(&swept);
    let b = build(&lazy);
    for (n, step) in STEPS.iter().enumerate() {
        match *step {
            Step::Advance(secs) => {
                swept.advance_secs(secs);
                lazy.advance_secs(secs);
                swept.engine.sweep();
                // Deepest first, so each lazy check finds its own cause.
                for id in b.iter().rev() {
                    let _ = lazy.engine.check_live(id);
                }
            }
            Step::Renew(i) => {
                let x = swept.engine.heartbeat(&a[i], 1).map(|l| l.deadline_ms);
                let y = lazy.engine.heartbeat(&b[i], 1).map(|l| l.deadline_ms);
                assert_eq!(x, y, "heartbeat {i} after {step:?}");
            }
        }
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(
                swept.engine.status(x).unwrap(),
                lazy.engine.status(y).unwrap(),
                "session {i} after {step:?}"
            );
        }
        assert_eq!(swept.engine.live_count(), lazy.engine.live_count());
        // Whatever the lazy checks applied, a sweep has nothing left to do.
        assert!(lazy.engine.sweep().is_empty(), "after {step:?}");
        assert_eq!(
            swept.engine.next_deadline_ms(),
            lazy.engine.next_deadline_ms()
        );
        if n == STEPS.len() - 2 {
            // At +1060 s: every kind of outcome is present.
            use SessionStatus::{Active, Suspended, Terminated};
            let expected = [
                Suspended, Suspended, Terminated, Suspended, Suspended, Terminated, Terminated,
                Active, Suspended, Terminated, Terminated,
            ];
            assert_eq!(statuses(&swept, &a), expected);
        }
    }
    // At +4660 s the long tasks have expired too; suspended services remain.
    use SessionStatus::{Suspended, Terminated};
    let expected = [
        Suspended, Terminated, Terminated, Suspended, Suspended, Terminated, Terminated,
        Terminated, Terminated, Terminated, Terminated,
    ];
    assert_eq!(statuses(&swept, &a), expected);
}

fn statuses(f: &Fixture, ids: &[SessionId]) -> Vec<SessionStatus> {
    ids.iter().map(|id| f.engine.status(id).unwrap()).collect()
}
