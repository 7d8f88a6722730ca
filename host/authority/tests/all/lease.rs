//! Service leases: renewal, fencing and lapse.

use caracal_authority::{EngineConfig, SessionStatus, SpawnRequest};

use crate::{Fixture, T0, kind};

#[test]
fn service_starts_with_a_lease() {
    let f = Fixture::new();
    let service = f.spawn(&f.root, SpawnRequest::service());
    let lease = service.lease.unwrap();
    assert_eq!(lease.deadline_ms, T0 + 30_000);
    assert_eq!(lease.generation, 1);
    assert_eq!(lease.status, SessionStatus::Active);
    assert_eq!(f.task(&f.root).lease, None);
}

#[test]
fn heartbeat_renews_from_now() {
    let f = Fixture::new();
    let service = f.spawn(&f.root, SpawnRequest::service()).id;
    for step in 1..=5 {
        f.advance_secs(20);
        let lease = f.engine.heartbeat(&service, 1).unwrap();
        assert_eq!(lease.deadline_ms, T0 + step * 20_000 + 30_000);
        assert_eq!(lease.generation, 1);
        assert_eq!(lease.status, SessionStatus::Active);
        assert_eq!(f.engine.view(&service).unwrap().lease, Some(lease));
    }
    // 100 s in: far past the first deadline, still live thanks to renewals.
    assert!(f.engine.check_live(&service).is_ok());
}

#[test]
fn lease_length_comes_from_the_config() {
    let f = Fixture::with_config(EngineConfig {
        lease_ms: 5_000,
        ..EngineConfig::default()
    });
    let service = f.spawn(&f.root, SpawnRequest::service()).id;
    f.advance_secs(1);
    assert_eq!(
        f.engine.heartbeat(&service, 1).unwrap().deadline_ms,
        T0 + 6_000
    );
}

#[test]
fn heartbeat_on_a_task_or_root_is_invalid() {
    let f = Fixture::new();
    let task = f.task(&f.root).id;
    assert_eq!(kind(f.engine.heartbeat(&task, 1)), "invalid");
    assert_eq!(kind(f.engine.heartbeat(&f.root, 1)), "invalid");
}

#[test]
fn stale_generation_is_denied() {
    let f = Fixture::new();
    let service = f.spawn(&f.root, SpawnRequest::service()).id;
    let err = f.engine.heartbeat(&service, 2).unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(err.message().contains("stale lease generation"), "{err}");
    assert_eq!(kind(f.engine.heartbeat(&service, 0)), "denied");
    // The refusal did not renew the lease.
    f.advance_secs(30);
    assert_eq!(kind(f.engine.check_live(&service)), "gone");
}

#[test]
fn lapsed_lease_suspends_the_subtree_on_heartbeat() {
    let f = Fixture::new();
    let service = f.spawn(&f.root, SpawnRequest::service()).id;
    let task = f.task(&service).id;
    let inner = f.spawn(&task, SpawnRequest::service()).id;
    f.advance_secs(20);
    f.engine.heartbeat(&inner, 1).unwrap();
    f.advance_secs(10);

    // Lapsed exactly at the deadline.
    assert_eq!(kind(f.engine.heartbeat(&service, 1)), "gone");
    for id in [&service, &task, &inner] {
        assert_eq!(f.engine.view(id).unwrap().status, SessionStatus::Suspended);
        assert_eq!(kind(f.engine.check_live(id)), "gone");
    }
    // Suspended: no renewal, no children, but still counted as live.
    assert_eq!(kind(f.engine.heartbeat(&service, 1)), "gone");
    assert_eq!(kind(f.engine.heartbeat(&inner, 1)), "gone");
    assert_eq!(kind(f.engine.spawn(&service, SpawnRequest::task())), "gone");
    assert_eq!(f.engine.live_count(), 3);
    assert_eq!(f.engine.live_children(&f.root), 1);
    // A suspended session can still be closed for good.
    f.engine.close(&service).unwrap();
    assert_eq!(
        f.engine.view(&inner).unwrap().status,
        SessionStatus::Terminated
    );
    assert_eq!(f.engine.live_count(), 0);
}

#[test]
fn lapsed_ancestor_lease_is_seen_from_below() {
    let f = Fixture::new();
    let outer = f.spawn(&f.root, SpawnRequest::service()).id;
    let inner = f.spawn(&outer, SpawnRequest::service()).id;
    let leaf = f.task(&inner).id;
    f.advance_secs(20);
    // Only the inner service heartbeats: its lease now runs to +50 s.
    f.engine.heartbeat(&inner, 1).unwrap();
    f.advance_secs(15);
    // The outer lease lapsed at +30 s: the leaf, two levels below, sees it.
    assert_eq!(kind(f.engine.check_live(&leaf)), "gone");
    for id in [&outer, &inner, &leaf] {
        assert_eq!(f.engine.view(id).unwrap().status, SessionStatus::Suspended);
    }
    assert_eq!(kind(f.engine.heartbeat(&inner, 1)), "gone");
}

#[test]
fn heartbeat_under_a_lapsed_ancestor_suspends() {
    let f = Fixture::new();
    let outer = f.spawn(&f.root, SpawnRequest::service()).id;
    let inner = f.spawn(&outer, SpawnRequest::service()).id;
    f.advance_secs(20);
    f.engine.heartbeat(&inner, 1).unwrap();
    f.advance_secs(15);
    // The inner lease itself is fine; its parent's is not.
    assert_eq!(kind(f.engine.heartbeat(&inner, 1)), "gone");
    assert_eq!(
        f.engine.view(&outer).unwrap().status,
        SessionStatus::Suspended
    );
}

#[test]
fn heartbeat_just_before_the_deadline_keeps_it_alive() {
    let f = Fixture::new();
    let service = f.spawn(&f.root, SpawnRequest::service()).id;
    f.advance_ms(29_999);
    assert!(f.engine.check_live(&service).is_ok());
    let lease = f.engine.heartbeat(&service, 1).unwrap();
    assert_eq!(lease.deadline_ms, T0 + 59_999);
    f.advance_ms(29_999);
    assert!(f.engine.check_live(&service).is_ok());
    f.advance_ms(1);
    assert_eq!(kind(f.engine.check_live(&service)), "gone");
    assert_eq!(
        f.engine.view(&service).unwrap().lease.unwrap().status,
        SessionStatus::Suspended
    );
}

#[test]
fn heartbeat_on_a_closed_service_is_gone() {
    let f = Fixture::new();
    let service = f.spawn(&f.root, SpawnRequest::service()).id;
    f.engine.close(&service).unwrap();
    assert_eq!(kind(f.engine.heartbeat(&service, 1)), "gone");
    assert_eq!(kind(f.engine.heartbeat(&service, 7)), "gone");
}
