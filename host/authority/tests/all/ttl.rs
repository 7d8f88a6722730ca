//! Task TTLs, expiry clamping and lazy expiry.

use caracal_authority::{EngineConfig, MAX_TTL_SECONDS, SessionStatus, SpawnRequest};

use crate::{Fixture, T0, kind};

#[test]
fn ttl_bounds_one_and_max_allowed() {
    let f = Fixture::new();
    let short = f.spawn(&f.root, SpawnRequest::task().with_ttl_seconds(1));
    assert_eq!(short.expires_at_ms, Some(T0 + 1000));
    let long = f.spawn(
        &f.root,
        SpawnRequest::task().with_ttl_seconds(MAX_TTL_SECONDS),
    );
    assert_eq!(long.expires_at_ms, Some(T0 + 86_400_000));
}

#[test]
fn ttl_zero_and_over_max_refused() {
    let f = Fixture::new();
    for bad in [0, MAX_TTL_SECONDS + 1, u32::MAX] {
        let result = f
            .engine
            .spawn(&f.root, SpawnRequest::task().with_ttl_seconds(bad));
        assert_eq!(kind(result), "invalid", "ttl {bad}");
    }
    assert_eq!(f.engine.live_count(), 0);
}

#[test]
fn ttl_defaults_to_the_config() {
    let f = Fixture::new();
    assert_eq!(f.task(&f.root).expires_at_ms, Some(T0 + 3_600_000));

    let f = Fixture::with_config(EngineConfig {
        default_ttl_seconds: 60,
        ..EngineConfig::default()
    });
    assert_eq!(f.task(&f.root).expires_at_ms, Some(T0 + 60_000));
}

#[test]
fn service_has_no_ttl_and_refuses_one() {
    let f = Fixture::new();
    let service = f.spawn(&f.root, SpawnRequest::service());
    assert_eq!(service.expires_at_ms, None);
    let mut request = SpawnRequest::service();
    request.ttl_seconds = Some(60);
    assert_eq!(kind(f.engine.spawn(&f.root, request)), "invalid");
}

#[test]
fn child_expiry_is_clamped_to_the_parent() {
    let f = Fixture::new();
    let parent = f.spawn(&f.root, SpawnRequest::task().with_ttl_seconds(100));
    f.advance_secs(40);
    // Asks for an hour, gets the parent's remaining 60 s.
    let child = f.spawn(&parent.id, SpawnRequest::task().with_ttl_seconds(3600));
    assert_eq!(child.expires_at_ms, parent.expires_at_ms);
    // A shorter TTL is kept as asked.
    let short = f.spawn(&parent.id, SpawnRequest::task().with_ttl_seconds(10));
    assert_eq!(short.expires_at_ms, Some(T0 + 50_000));
}

#[test]
fn clamping_reaches_through_a_service() {
    let f = Fixture::new();
    let task = f.spawn(&f.root, SpawnRequest::task().with_ttl_seconds(100));
    let service = f.spawn(&task.id, SpawnRequest::service());
    let grandchild = f.spawn(&service.id, SpawnRequest::task().with_ttl_seconds(3600));
    assert_eq!(grandchild.expires_at_ms, task.expires_at_ms);
}

#[test]
fn task_past_ttl_is_gone_with_its_descendants() {
    let f = Fixture::new();
    let parent = f.spawn(&f.root, SpawnRequest::task().with_ttl_seconds(10));
    let child = f.task(&parent.id);
    let service = f.spawn(&child.id, SpawnRequest::service());
    let grandchild = f.task(&service.id);

    f.advance_ms(9_999);
    assert!(f.engine.check_live(&parent.id).is_ok());
    f.engine.heartbeat(&service.id, 1).unwrap();
    f.advance_ms(1);

    // Checking the deepest session sweeps from the expired ancestor down.
    assert_eq!(kind(f.engine.check_live(&grandchild.id)), "gone");
    for id in [&parent.id, &child.id, &service.id, &grandchild.id] {
        assert_eq!(f.engine.view(id).unwrap().status, SessionStatus::Terminated);
        assert_eq!(kind(f.engine.check_live(id)), "gone");
    }
    assert_eq!(f.engine.live_count(), 0);
    assert_eq!(f.engine.live_children(&f.root), 0);
    assert!(f.engine.check_live(&f.root).is_ok());
}

#[test]
fn expired_parent_refuses_spawn_and_close() {
    let f = Fixture::new();
    let parent = f.spawn(&f.root, SpawnRequest::task().with_ttl_seconds(5));
    f.advance_secs(5);
    assert_eq!(
        kind(f.engine.spawn(&parent.id, SpawnRequest::task())),
        "gone"
    );
    let other = f.spawn(&f.root, SpawnRequest::task().with_ttl_seconds(5));
    f.advance_secs(5);
    assert_eq!(kind(f.engine.close(&other.id)), "gone");
    assert_eq!(
        f.engine.view(&other.id).unwrap().status,
        SessionStatus::Terminated
    );
}

#[test]
fn view_applies_lazy_expiry() {
    let f = Fixture::new();
    let task = f.spawn(&f.root, SpawnRequest::task().with_ttl_seconds(1));
    assert_eq!(task.status, SessionStatus::Active);
    f.advance_secs(1);
    assert_eq!(
        f.engine.view(&task.id).unwrap().status,
        SessionStatus::Terminated
    );
}
