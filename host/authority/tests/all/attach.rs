//! Re-attach (lease takeover) and fenced close.

use caracal_authority::{SessionId, SessionStatus};

use crate::{Fixture, T0, kind};

#[test]
fn attach_fences_the_previous_holder() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    f.advance_secs(10);

    let lease = f.engine.attach(&service).unwrap();
    assert_eq!(lease.generation, 2);
    assert_eq!(lease.deadline_ms, T0 + 40_000);
    assert_eq!(lease.status, SessionStatus::Active);
    assert_eq!(f.engine.view(&service).unwrap().lease, Some(lease));

    for err in [
        f.engine.heartbeat(&service, 1).unwrap_err(),
        f.engine.close_fenced(&service, 1).unwrap_err(),
    ] {
        assert_eq!(err.kind(), "denied");
        assert!(err.message().contains("stale lease generation 1"), "{err}");
    }
    // The refusals changed nothing.
    assert_eq!(f.engine.status(&service).unwrap(), SessionStatus::Active);
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 40_000));

    f.advance_secs(20);
    let renewed = f.engine.heartbeat(&service, 2).unwrap();
    assert_eq!(renewed.generation, 2);
    assert_eq!(renewed.deadline_ms, T0 + 60_000);

    f.engine.close_fenced(&service, 2).unwrap();
    assert_eq!(
        f.engine.status(&service).unwrap(),
        SessionStatus::Terminated
    );
    assert_eq!(kind(f.engine.close_fenced(&service, 2)), "gone");
    assert_eq!(kind(f.engine.close_fenced(&service, 1)), "gone");
    assert_eq!(kind(f.engine.attach(&service)), "gone");
}

#[test]
fn attach_renews_from_now_and_each_takeover_fences_again() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    f.advance_secs(25);
    assert_eq!(f.engine.attach(&service).unwrap().generation, 2);
    f.advance_secs(25);
    // Past the first deadline, alive thanks to the takeover's renewal.
    assert!(f.engine.sweep().is_empty());
    let lease = f.engine.attach(&service).unwrap();
    assert_eq!((lease.generation, lease.deadline_ms), (3, T0 + 80_000));
    assert_eq!(kind(f.engine.heartbeat(&service, 2)), "denied");
    assert_eq!(kind(f.engine.close_fenced(&service, 2)), "denied");
    assert_eq!(f.engine.heartbeat(&service, 3).unwrap().generation, 3);
}

#[test]
fn attach_on_a_task_or_root_is_invalid_and_unknown_is_not_found() {
    let f = Fixture::new();
    let task = f.task(&f.root).id;
    assert_eq!(kind(f.engine.attach(&task)), "invalid");
    assert_eq!(kind(f.engine.attach(&f.root)), "invalid");
    assert_eq!(
        kind(f.engine.attach(&SessionId::from("no-such-session"))),
        "not-found"
    );
    assert_eq!(
        kind(
            f.engine
                .close_fenced(&SessionId::from("no-such-session"), 1)
        ),
        "not-found"
    );
}

#[test]
fn attach_on_a_lapsed_service_is_gone() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    let inner = f.service(&service).id;
    f.advance_secs(20);
    f.engine.heartbeat(&inner, 1).unwrap();
    f.advance_secs(10);

    // Lapsed but not yet swept: attach applies the lapse and refuses.
    assert_eq!(kind(f.engine.attach(&service)), "gone");
    assert_eq!(f.engine.status(&service).unwrap(), SessionStatus::Suspended);
    // Its own lease is current, but it is suspended with its parent.
    assert_eq!(kind(f.engine.attach(&inner)), "gone");
    assert_eq!(
        f.engine.view(&service).unwrap().lease.unwrap().generation,
        1
    );

    // After a sweep, the same.
    let other = f.service(&f.root).id;
    f.advance_secs(30);
    assert_eq!(f.engine.sweep().suspended, std::slice::from_ref(&other));
    assert_eq!(kind(f.engine.attach(&other)), "gone");
}

#[test]
fn attach_on_an_expired_service_is_gone() {
    let f = Fixture::new();
    let task = f.task_ttl(&f.root, 20).id;
    let service = f.service(&task).id;
    f.advance_secs(20);
    assert_eq!(kind(f.engine.attach(&service)), "gone");
    assert_eq!(
        f.engine.status(&service).unwrap(),
        SessionStatus::Terminated
    );
}

#[test]
fn close_fenced_on_a_suspended_service_still_checks_the_generation() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    let task = f.task(&service).id;
    f.advance_secs(30);
    f.engine.sweep();
    assert_eq!(kind(f.engine.close_fenced(&service, 7)), "denied");
    assert_eq!(f.engine.status(&service).unwrap(), SessionStatus::Suspended);
    f.engine.close_fenced(&service, 1).unwrap();
    assert_eq!(f.engine.status(&task).unwrap(), SessionStatus::Terminated);
}

#[test]
fn close_fenced_on_a_task_ignores_the_generation_and_a_root_is_invalid() {
    let f = Fixture::new();
    let task = f.task(&f.root).id;
    let child = f.task(&task).id;
    f.engine.close_fenced(&task, 42).unwrap();
    assert_eq!(f.engine.status(&child).unwrap(), SessionStatus::Terminated);
    assert_eq!(kind(f.engine.close_fenced(&task, 0)), "gone");
    assert_eq!(kind(f.engine.close_fenced(&f.root, 1)), "invalid");
}

#[test]
fn unfenced_close_still_closes_after_a_takeover() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    f.engine.attach(&service).unwrap();
    f.engine.close(&service).unwrap();
    assert_eq!(kind(f.engine.heartbeat(&service, 2)), "gone");
}
