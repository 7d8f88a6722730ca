//! Releasing a root whose component ended: tasks retire, services live on
//! by their leases and can be attached.

use caracal_authority::SessionStatus;

use crate::{Fixture, kind};

#[test]
fn release_retires_tasks_and_keeps_live_services() {
    let f = Fixture::new();
    let task = f.task(&f.root).id;
    let service = f.service(&f.root).id;
    let under_service = f.task(&service).id;
    let service_under_task = f.service(&task).id;

    let kept = f.engine.release_root(&f.root);

    assert_eq!(kept, vec![service.clone()]);
    let status = |id| f.engine.status(id).unwrap();
    assert_eq!(status(&task), SessionStatus::Terminated);
    assert_eq!(status(&service_under_task), SessionStatus::Terminated);
    assert_eq!(status(&service), SessionStatus::Active);
    assert_eq!(status(&under_service), SessionStatus::Active);
    assert_eq!(
        status(&f.root),
        SessionStatus::Active,
        "the root holds the service"
    );

    // Another holder takes the service over; the first generation is fenced.
    let lease = f.engine.attach(&service).unwrap();
    assert_eq!(lease.generation, 2);
    assert_eq!(kind(f.engine.heartbeat(&service, 1)), "denied");
}

#[test]
fn a_released_service_that_nobody_attaches_lapses() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    f.engine.release_root(&f.root);

    f.advance_secs(31);
    let report = f.engine.sweep();

    assert_eq!(report.suspended, vec![service.clone()]);
    assert_eq!(kind(f.engine.attach(&service)), "gone");
}

#[test]
fn release_of_a_root_with_nothing_to_keep_terminates_it() {
    let f = Fixture::new();
    let task = f.task(&f.root).id;
    let lapsed = f.service(&f.root).id;
    f.advance_secs(31);

    let kept = f.engine.release_root(&f.root);

    assert!(kept.is_empty());
    assert_eq!(f.engine.status(&f.root).unwrap(), SessionStatus::Terminated);
    assert_eq!(f.engine.status(&task).unwrap(), SessionStatus::Terminated);
    assert_eq!(f.engine.status(&lapsed).unwrap(), SessionStatus::Terminated);
    assert_eq!(f.engine.live_count(), 0);
    // Idempotent, and a no-op for an unknown id.
    assert!(f.engine.release_root(&f.root).is_empty());
    assert!(f.engine.release_root(&"no-such-root".into()).is_empty());
}

#[test]
fn live_sessions_lists_active_and_suspended_oldest_first() {
    let f = Fixture::new();
    let first = f.service(&f.root).id;
    let second = f.task_ttl(&f.root, 10).id;
    let third = f.task(&f.root).id;
    f.engine.close(&third).unwrap();
    f.advance_secs(11); // `second` expires; `first` is still leased

    let ids: Vec<_> = f.engine.live_sessions().into_iter().map(|v| v.id).collect();
    assert_eq!(ids, vec![first.clone()]);

    f.advance_secs(20); // the lease lapses: suspended sessions are still listed
    f.engine.sweep();
    let views = f.engine.live_sessions();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].status, SessionStatus::Suspended);
    let _ = second;
}
