//! Grant kinds, scopes, resources, edge identity and edge expiry.

use caracal_authority::{Authority, Grant, NarrowGrant, Scopes, SpawnRequest};

use crate::{Fixture, T0, grant, kind};

fn scopes(list: &[&str]) -> Scopes {
    Scopes::Only(list.iter().map(|s| s.to_string()).collect())
}

fn authority(view: &caracal_authority::SessionView) -> &Authority {
    view.authority.as_ref().expect("session holds authority")
}

#[test]
fn narrow_from_root_creates_an_edge() {
    let f = Fixture::new();
    let child = f.narrowed(
        &f.root,
        grant(&["tickets:read", "tickets:write", "tickets:read"]),
    );
    let a = authority(&child);
    let edge = a.edge_id.as_deref().unwrap();
    assert_eq!(edge.len(), 36);
    assert_eq!(&edge[14..15], "7", "UUIDv7 edge id: {edge}");
    assert_eq!(a.parent_edge_id, None);
    assert_eq!(a.scopes, scopes(&["tickets:read", "tickets:write"]));
    assert_eq!(a.hop, 1);
    assert_eq!(a.max_hops, Some(1), "max_hops defaults to 1");
    assert_eq!(a.budget, Some(2), "budget defaults to the number of scopes");
    assert_eq!(a.resource_id, None);
    assert_eq!(
        a.expires_at_ms, child.expires_at_ms,
        "defaulted edge TTL = session TTL"
    );
}

#[test]
fn narrow_chains_edges_and_hops() {
    let f = Fixture::new();
    let mut g = grant(&["a", "b"]);
    g.constraints.max_hops = Some(5);
    let parent = f.narrowed(&f.root, g);
    let mut g = grant(&["a"]);
    g.constraints.max_hops = Some(4);
    let child = f.narrowed(&parent.id, g);
    assert_eq!(authority(&child).parent_edge_id, authority(&parent).edge_id);
    assert_ne!(authority(&child).edge_id, authority(&parent).edge_id);
    assert_eq!(authority(&child).hop, 2);
}

#[test]
fn inherit_mirrors_the_parents_edge() {
    let f = Fixture::new();
    let parent = f.narrowed(&f.root, grant(&["a"]));
    let child = f.spawn(&parent.id, SpawnRequest::task().with_grant(Grant::Inherit));
    assert_eq!(child.authority, parent.authority);
    assert_eq!(authority(&child).edge_id, authority(&parent).edge_id);
    assert_eq!(authority(&child).hop, 1);
    // Inherit is the default, and works even where narrowing is exhausted.
    let grandchild = f.task(&child.id);
    assert_eq!(grandchild.authority, parent.authority);
    assert_eq!(kind(f.try_narrow(&child.id, grant(&["a"]))), "denied");
}

#[test]
fn grant_none_then_narrow_refused() {
    let f = Fixture::new();
    let bare = f.spawn(&f.root, SpawnRequest::task().with_grant(Grant::None));
    assert_eq!(bare.authority, None);
    assert_eq!(kind(f.try_narrow(&bare.id, grant(&["a"]))), "denied");
    // Inherit and None from a bare parent both give a bare child.
    assert_eq!(f.task(&bare.id).authority, None);
    let none = f.spawn(&bare.id, SpawnRequest::service().with_grant(Grant::None));
    assert_eq!(none.authority, None);
}

#[test]
fn scopes_must_be_held_by_the_parent() {
    let f = Fixture::new();
    let mut g = grant(&["tickets:read", "tickets:write"]);
    g.constraints.max_hops = Some(2);
    let parent = f.narrowed(&f.root, g);
    let child = f.narrowed(&parent.id, grant(&["tickets:read"]));
    assert_eq!(authority(&child).scopes, scopes(&["tickets:read"]));

    let err = f
        .try_narrow(&parent.id, grant(&["tickets:read", "tickets:admin"]))
        .unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert_eq!(
        err.message(),
        "scope `tickets:admin` is not held by the parent"
    );
    // Exact string match: no prefixes, wildcards or case folding.
    for near in ["tickets", "tickets:*", "Tickets:read", "tickets:read "] {
        assert_eq!(
            kind(f.try_narrow(&parent.id, grant(&[near]))),
            "denied",
            "{near}"
        );
    }
}

#[test]
fn scopes_must_be_present_and_non_blank() {
    let f = Fixture::new();
    assert_eq!(kind(f.try_narrow(&f.root, grant(&[]))), "invalid");
    assert_eq!(kind(f.try_narrow(&f.root, grant(&["a", " "]))), "invalid");
}

fn with_resource(scopes: &[&str], resource: &str) -> NarrowGrant {
    NarrowGrant {
        resource_id: Some(resource.into()),
        ..grant(scopes)
    }
}

#[test]
fn resource_defaults_to_and_may_narrow_the_parents() {
    let f = Fixture::new();
    let parent = f.narrowed(
        &f.root,
        NarrowGrant {
            constraints: caracal_authority::DelegationConstraints {
                max_hops: Some(2),
                ..Default::default()
            },
            ..with_resource(&["r"], "tickets")
        },
    );
    let defaulted = f.narrowed(&parent.id, grant(&["r"]));
    assert_eq!(
        authority(&defaulted).resource_id.as_deref(),
        Some("tickets")
    );
    for ok in ["tickets", "tickets/42", "tickets/42/comments"] {
        let child = f.narrowed(&parent.id, with_resource(&["r"], ok));
        assert_eq!(authority(&child).resource_id.as_deref(), Some(ok));
        f.engine.close(&child.id).unwrap();
    }
}

#[test]
fn resource_wider_or_elsewhere_refused() {
    let f = Fixture::new();
    let mut g = with_resource(&["r"], "tickets/42");
    g.constraints.max_hops = Some(2);
    let parent = f.narrowed(&f.root, g);
    for bad in [
        "tickets",
        "tickets/4",
        "tickets/420",
        "tickets/",
        "billing",
        "tickets/42x",
    ] {
        let err = f
            .try_narrow(&parent.id, with_resource(&["r"], bad))
            .unwrap_err();
        assert_eq!(err.kind(), "denied", "{bad}");
    }
    assert_eq!(
        kind(f.try_narrow(&parent.id, with_resource(&["r"], ""))),
        "invalid"
    );
}

#[test]
fn resource_prefix_ending_in_slash() {
    let f = Fixture::new();
    let mut g = with_resource(&["r"], "files/");
    g.constraints.max_hops = Some(2);
    let parent = f.narrowed(&f.root, g);
    f.narrowed(&parent.id, with_resource(&["r"], "files/a.txt"));
    f.narrowed(&parent.id, with_resource(&["r"], "files/"));
    assert_eq!(
        kind(f.try_narrow(&parent.id, with_resource(&["r"], "files"))),
        "denied"
    );
}

#[test]
fn edge_ttl_explicit_defaulted_and_clamped() {
    let f = Fixture::new();
    let explicit = f.narrowed(
        &f.root,
        NarrowGrant {
            ttl_seconds: Some(60),
            ..grant(&["a"])
        },
    );
    assert_eq!(authority(&explicit).expires_at_ms, Some(T0 + 60_000));
    assert_eq!(
        explicit.expires_at_ms,
        Some(T0 + 3_600_000),
        "the session keeps its TTL"
    );

    // An edge never outlives its session.
    let long = f.spawn(
        &f.root,
        SpawnRequest::task()
            .with_ttl_seconds(100)
            .with_grant(Grant::Narrow(NarrowGrant {
                ttl_seconds: Some(7200),
                ..grant(&["a"])
            })),
    );
    assert_eq!(authority(&long).expires_at_ms, Some(T0 + 100_000));
    assert_eq!(
        kind(f.try_narrow(
            &f.root,
            NarrowGrant {
                ttl_seconds: Some(0),
                ..grant(&["a"])
            }
        )),
        "invalid"
    );
}

#[test]
fn edge_expiry_never_exceeds_the_parents() {
    let f = Fixture::new();
    let mut g = NarrowGrant {
        ttl_seconds: Some(60),
        ..grant(&["a"])
    };
    g.constraints.max_hops = Some(3);
    let parent = f.narrowed(&f.root, g);
    f.advance_secs(10);

    // Explicit TTL within the parent's remaining 50 s: kept.
    let mut ok = NarrowGrant {
        ttl_seconds: Some(50),
        ..grant(&["a"])
    };
    ok.constraints.max_hops = Some(1);
    assert_eq!(
        authority(&f.narrowed(&parent.id, ok)).expires_at_ms,
        Some(T0 + 60_000)
    );
    // Explicit TTL past it: refused, not clamped.
    let err = f
        .try_narrow(
            &parent.id,
            NarrowGrant {
                ttl_seconds: Some(51),
                ..grant(&["a"])
            },
        )
        .unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(
        err.message().contains("expiry exceeds the parent's"),
        "{err}"
    );
    // Defaulted TTL: clamped to the parent's edge.
    let defaulted = f.narrowed(&parent.id, grant(&["a"]));
    assert_eq!(authority(&defaulted).expires_at_ms, Some(T0 + 60_000));
    // Inherit mirrors the parent's edge expiry.
    assert_eq!(
        authority(&f.task(&parent.id)).expires_at_ms,
        Some(T0 + 60_000)
    );

    // Once the parent's edge has expired it cannot be narrowed at all.
    f.advance_secs(50);
    assert!(
        f.engine.check_live(&parent.id).is_ok(),
        "the session outlives its edge"
    );
    assert_eq!(kind(f.try_narrow(&parent.id, grant(&["a"]))), "denied");
}

#[test]
fn narrowed_service_edges() {
    let f = Fixture::new();
    let narrow = |parent| {
        f.spawn(
            parent,
            SpawnRequest::service().with_grant(Grant::Narrow(grant(&["a"]))),
        )
    };
    // Under the root, a service's defaulted edge lives as long as it does.
    assert_eq!(authority(&narrow(&f.root)).expires_at_ms, None);
    // Under a task, it ends with the task.
    let task = f.spawn(&f.root, SpawnRequest::task().with_ttl_seconds(100));
    assert_eq!(
        authority(&narrow(&task.id)).expires_at_ms,
        Some(T0 + 100_000)
    );
}
