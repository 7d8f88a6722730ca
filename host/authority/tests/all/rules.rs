//! The pure rule functions, exercised directly.

use caracal_authority::rules::{narrow, normalize_labels, resource_within, session_ttl};
use caracal_authority::{Authority, DelegationConstraints, Lifecycle, NarrowGrant, Scopes};

#[test]
fn resource_within_cases() {
    assert!(resource_within("a", "a"));
    assert!(resource_within("a/b", "a"));
    assert!(resource_within("a/b/c", "a/b"));
    assert!(resource_within("a/b", "a/"));
    assert!(resource_within("a/", "a/"));
    assert!(
        !resource_within("a/", "a"),
        "a bare trailing slash narrows nothing"
    );
    assert!(!resource_within("ab", "a"));
    assert!(!resource_within("a", "a/b"));
    assert!(!resource_within("a", "a/"));
    assert!(!resource_within("b", "a"));
}

#[test]
fn hop_is_capped() {
    let parent = Authority {
        hop: 10,
        ..Authority::root()
    };
    let child = narrow(&parent, &NarrowGrant::new(["a"]), "e".into(), 0, None).unwrap();
    assert_eq!(child.hop, 10);
    assert_eq!(child.edge_id.as_deref(), Some("e"));
}

#[test]
fn narrowed_authority_is_never_wider() {
    let parent = Authority {
        edge_id: Some("p".into()),
        scopes: Scopes::Only(["a".to_owned(), "b".to_owned()].into()),
        resource_id: Some("r".into()),
        expires_at_ms: Some(10_000),
        max_hops: Some(3),
        budget: Some(2),
        resources: Some(vec!["r".into()]),
        ttl_seconds: Some(5),
        max_calls: Some(9),
        hop: 1,
        ..Authority::root()
    };
    let grant = NarrowGrant {
        constraints: DelegationConstraints {
            ttl_seconds: Some(5),
            ..Default::default()
        },
        ..NarrowGrant::new(["a"])
    };
    let child = narrow(&parent, &grant, "c".into(), 1_000, Some(4_000)).unwrap();
    assert_eq!(child.parent_edge_id.as_deref(), Some("p"));
    assert_eq!(child.resource_id.as_deref(), Some("r"));
    assert_eq!(
        child.expires_at_ms,
        Some(4_000),
        "clamped to the session's end"
    );
    assert_eq!(child.max_hops, Some(1));
    assert_eq!(child.budget, Some(1));
    assert_eq!(child.resources, Some(vec!["r".to_owned()]));
    assert_eq!(child.max_calls, Some(9));
    assert_eq!(child.hop, 2);
}

#[test]
fn labels_and_ttl_helpers() {
    assert_eq!(normalize_labels(vec![" a ".into()]).unwrap(), ["a"]);
    assert_eq!(
        normalize_labels(vec![" ".into()]).unwrap_err().kind(),
        "invalid"
    );
    assert_eq!(session_ttl(Lifecycle::Task, None, 0).unwrap(), Some(1));
    assert_eq!(
        session_ttl(Lifecycle::Task, None, 100_000).unwrap(),
        Some(86_400)
    );
    assert_eq!(session_ttl(Lifecycle::Service, None, 60).unwrap(), None);
    assert_eq!(
        session_ttl(Lifecycle::Service, Some(60), 60)
            .unwrap_err()
            .kind(),
        "invalid"
    );
}
