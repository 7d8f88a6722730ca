//! Lease fencing: compare-and-set renewals and take-overs across hosts.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::thread;

use caracal_store::{ChangeEvent, Lease, SessionStatus, SpawnLimits, StoreError};

use crate::both;
use crate::fixture::{Fixture, T0, root, service, task};

both!(
    fencing_across_hosts,
    take_over_bumps_generation,
    concurrent_take_overs_are_serialized,
    lease_needs_an_active_service,
);

fn setup(f: &Fixture) {
    let l = SpawnLimits::default();
    let r = root("root", "host-a");
    f.store.insert_session_checked(&r, l).unwrap();
    f.store
        .insert_session_checked(&service(&r, "svc"), l)
        .unwrap();
    f.store
        .insert_session_checked(&task(&r, "task"), l)
        .unwrap();
}

fn fencing_across_hosts(f: &Fixture) {
    setup(f);
    let (a, b) = (&f.store, f.other_host());
    assert_eq!(
        a.renew_lease("svc", 1, T0 + 60_000).unwrap(),
        Lease {
            generation: 1,
            deadline_ms: T0 + 60_000
        }
    );
    // Host B attaches: generation 2; host A is fenced out.
    let taken = b
        .take_over_lease("svc", "host-b", T0 + 1, T0 + 90_000)
        .unwrap();
    assert_eq!(taken.generation, 2);
    let err = a.renew_lease("svc", 1, T0 + 120_000).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::StaleGeneration {
                given: 1,
                current: 2,
                ..
            }
        ),
        "{err}"
    );
    let err = a
        .update_session_status("svc", SessionStatus::Terminated, T0 + 2, Some(1))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::StaleGeneration { current: 2, .. }),
        "{err}"
    );
    let rec = a.session("svc").unwrap().unwrap();
    assert_eq!(
        (
            rec.status,
            rec.lease_generation,
            rec.lease_deadline_ms,
            rec.host_id.as_str()
        ),
        (SessionStatus::Active, 2, Some(T0 + 90_000), "host-b")
    );
    // The current holder renews and closes.
    b.renew_lease("svc", 2, T0 + 100_000).unwrap();
    b.update_session_status("svc", SessionStatus::Terminated, T0 + 3, Some(2))
        .unwrap();
    let err = b.renew_lease("svc", 2, T0 + 110_000).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotLive {
                status: SessionStatus::Terminated,
                ..
            }
        ),
        "{err}"
    );
    // A fence is ignored for tasks (they have no lease).
    a.update_session_status("task", SessionStatus::Terminated, T0 + 4, Some(99))
        .unwrap();
}

fn take_over_bumps_generation(f: &Fixture) {
    setup(f);
    let since = f.store.change_version().unwrap();
    for expected in 2..=4 {
        let lease = f
            .store
            .take_over_lease("svc", &format!("host-{expected}"), T0, T0 + 30_000)
            .unwrap();
        assert_eq!(lease.generation, expected);
    }
    let changes = f.store.poll_changes(since, 100).unwrap();
    let events: Vec<_> = changes.into_iter().map(|c| c.event).collect();
    assert_eq!(
        events.last(),
        Some(&ChangeEvent::LeaseTakenOver {
            id: "svc".into(),
            generation: 4,
            host_id: "host-4".into()
        })
    );
    assert_eq!(events.len(), 3);
}

/// Four threads on two hosts take the lease over at once: each gets a
/// distinct generation, and the last one is current.
fn concurrent_take_overs_are_serialized(f: &Fixture) {
    setup(f);
    let hosts = [Arc::clone(&f.store), f.other_host()];
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (store, barrier) = (Arc::clone(&hosts[i % 2]), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                store
                    .take_over_lease("svc", &format!("h{i}"), T0, T0 + 30_000)
                    .unwrap()
                    .generation
            })
        })
        .collect();
    let generations: BTreeSet<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(generations, BTreeSet::from([2, 3, 4, 5]));
    assert_eq!(f.store.session("svc").unwrap().unwrap().lease_generation, 5);
    // Everyone but the generation-5 holder is fenced.
    for stale in 1..5 {
        assert!(matches!(
            f.store.renew_lease("svc", stale, T0 + 1),
            Err(StoreError::StaleGeneration { current: 5, .. })
        ));
    }
    f.store.renew_lease("svc", 5, T0 + 1).unwrap();
}

fn lease_needs_an_active_service(f: &Fixture) {
    setup(f);
    let s = &f.store;
    assert!(matches!(
        s.renew_lease("task", 0, T0),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.take_over_lease("root", "h", T0, T0),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.renew_lease("nope", 1, T0),
        Err(StoreError::NotFound { .. })
    ));
    s.update_session_status("svc", SessionStatus::Suspended, T0 + 1, Some(1))
        .unwrap();
    // A suspended service is not renewed (whatever the generation), nor
    // taken over.
    for generation in [1, 7] {
        assert!(matches!(
            s.renew_lease("svc", generation, T0 + 2),
            Err(StoreError::NotLive {
                status: SessionStatus::Suspended,
                ..
            })
        ));
    }
    assert!(matches!(
        s.take_over_lease("svc", "h", T0, T0 + 2),
        Err(StoreError::NotLive { .. })
    ));
}
