//! Roots, views, close cascades and liveness.

use caracal_authority::{
    Authority, AuthorityError, Engine, EngineConfig, Lifecycle, Scopes, SessionId, SessionStatus,
    SpawnRequest,
};

use crate::{Fixture, T0, kind};

#[test]
fn engine_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    assert_send_sync::<AuthorityError>();
}

#[test]
fn root_context_view() {
    let f = Fixture::with_config(EngineConfig {
        zone_id: "zone-a".into(),
        application_id: "app-b".into(),
        ..EngineConfig::default()
    });
    let root = f.engine.view(&f.root).unwrap();
    assert!(root.is_root);
    assert_eq!(root.parent, None);
    assert_eq!(root.depth, 0);
    assert_eq!(root.lifecycle, None);
    assert_eq!(root.status, SessionStatus::Active);
    assert_eq!(root.expires_at_ms, None);
    assert_eq!(root.lease, None);
    assert_eq!(root.authority, Some(Authority::root()));
    assert_eq!(root.zone_id, "zone-a");
    assert_eq!(root.application_id, "app-b");
    assert_eq!(root.created_at_ms, T0);
    assert_ne!(root.trace_id, [0; 16]);

    let other = f.engine.view(&f.engine.open_root()).unwrap();
    assert_ne!(
        other.trace_id, root.trace_id,
        "each root gets a fresh trace id"
    );
}

#[test]
fn child_view_and_ids() {
    let f = Fixture::new();
    let root = f.engine.view(&f.root).unwrap();
    let child = f.spawn(&f.root, SpawnRequest::task().with_labels(["a"]));
    assert!(!child.is_root);
    assert_eq!(child.parent.as_ref(), Some(&f.root));
    assert_eq!(child.depth, 1);
    assert_eq!(child.lifecycle, Some(Lifecycle::Task));
    assert_eq!(
        child.trace_id, root.trace_id,
        "the tree shares one trace id"
    );
    assert_eq!(child.zone_id, "local");
    assert_eq!(child.application_id, "default");
    let grandchild = f.task(&child.id);
    assert_eq!(grandchild.trace_id, root.trace_id);

    for id in [&f.root, &child.id, &grandchild.id] {
        let s = id.as_str();
        assert_eq!(s.len(), 36, "{s}");
        assert_eq!(&s[14..15], "7", "UUIDv7: {s}");
        assert_eq!(id.to_string(), s);
    }
    assert_ne!(child.id, grandchild.id);
    assert_eq!(f.engine.view(&child.id).unwrap(), child);
}

#[test]
fn unknown_ids_are_not_found() {
    let f = Fixture::new();
    let ghost = SessionId::from("0190a0a0-0000-7000-8000-000000000000");
    assert_eq!(kind(f.engine.check_live(&ghost)), "not-found");
    assert_eq!(kind(f.engine.view(&ghost)), "not-found");
    assert_eq!(kind(f.engine.close(&ghost)), "not-found");
    assert_eq!(kind(f.engine.heartbeat(&ghost, 1)), "not-found");
    assert_eq!(
        kind(f.engine.spawn(&ghost, SpawnRequest::task())),
        "not-found"
    );
    assert_eq!(f.engine.live_children(&ghost), 0);
    f.engine.close_root(&ghost);
}

#[test]
fn close_cascades_to_descendants_only() {
    let f = Fixture::new();
    let a = f.task(&f.root).id;
    let b = f.task(&a).id;
    let c = f.spawn(&b, SpawnRequest::service()).id;
    let sibling = f.task(&f.root).id;

    f.engine.close(&a).unwrap();
    for id in [&a, &b, &c] {
        assert_eq!(kind(f.engine.check_live(id)), "gone");
        assert_eq!(f.engine.view(id).unwrap().status, SessionStatus::Terminated);
    }
    assert_eq!(
        f.engine.view(&c).unwrap().lease.unwrap().status,
        SessionStatus::Terminated
    );
    assert!(f.engine.check_live(&sibling).is_ok());
    assert_eq!(f.engine.live_children(&f.root), 1);
    assert_eq!(kind(f.engine.spawn(&b, SpawnRequest::task())), "gone");
}

#[test]
fn closing_twice_is_gone() {
    let f = Fixture::new();
    let a = f.task(&f.root).id;
    let b = f.task(&a).id;
    f.engine.close(&a).unwrap();
    assert_eq!(kind(f.engine.close(&a)), "gone");
    assert_eq!(kind(f.engine.close(&b)), "gone");
}

#[test]
fn closing_a_root_is_invalid() {
    let f = Fixture::new();
    let err = f.engine.close(&f.root).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    assert!(f.engine.check_live(&f.root).is_ok());
}

#[test]
fn close_root_retires_the_tree_and_is_idempotent() {
    let f = Fixture::new();
    let a = f.task(&f.root).id;
    let b = f.spawn(&a, SpawnRequest::service()).id;
    f.engine.close_root(&f.root);
    f.engine.close_root(&f.root);
    for id in [&f.root, &a, &b] {
        assert_eq!(kind(f.engine.check_live(id)), "gone");
    }
    assert_eq!(
        f.engine.view(&f.root).unwrap().status,
        SessionStatus::Terminated
    );
    assert_eq!(kind(f.engine.spawn(&f.root, SpawnRequest::task())), "gone");
    assert_eq!(f.engine.live_count(), 0);
}

#[test]
fn close_root_also_retires_a_plain_session() {
    let f = Fixture::new();
    let a = f.task(&f.root).id;
    let b = f.task(&a).id;
    f.engine.close_root(&a);
    assert_eq!(kind(f.engine.check_live(&b)), "gone");
    assert!(f.engine.check_live(&f.root).is_ok());
}

#[test]
fn error_display_and_accessors() {
    let err = AuthorityError::Denied("scope `x` is not held by the parent".into());
    assert_eq!(
        err.to_string(),
        "denied: scope `x` is not held by the parent"
    );
    assert_eq!(err.message(), "scope `x` is not held by the parent");
    let cases = [
        (AuthorityError::Invalid("m".into()), "invalid"),
        (AuthorityError::NotFound("m".into()), "not-found"),
        (AuthorityError::Gone("m".into()), "gone"),
        (AuthorityError::Limit("m".into()), "limit"),
        (AuthorityError::Unavailable("m".into()), "unavailable"),
    ];
    for (err, kind) in cases {
        assert_eq!(err.kind(), kind);
        assert_eq!(err.to_string(), format!("{kind}: m"));
    }
}

#[test]
fn root_child_inheriting_gets_everything() {
    let f = Fixture::new();
    let child = f.task(&f.root);
    let authority = child.authority.unwrap();
    assert_eq!(authority.scopes, Scopes::All);
    assert_eq!(authority, Authority::root());
}
