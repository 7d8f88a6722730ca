//! Peer delegation: the edge-rule matrix (one allowed and one refused case
//! per rule), offers and accepts, derived contexts and their effective
//! authority.

use caracal_authority::{
    DelegateRequest, DelegationConstraints, EdgeKind, EdgeState, Grant, NarrowGrant, Scopes,
    SessionStatus, SpawnRequest,
};

use crate::{Fixture, T0, edge_of, grant, kind, offer};

fn scopes(list: &[&str]) -> Scopes {
    Scopes::Only(list.iter().map(|s| s.to_string()).collect())
}

fn hops(n: u32) -> DelegationConstraints {
    DelegationConstraints {
        max_hops: Some(n),
        ..Default::default()
    }
}

#[test]
fn an_offer_changes_nothing_until_accepted() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["a", "b"], 3);
    let b = f.task(&f.root);
    let d = f.delegate(&a.id, &b.id, &["a"]);
    assert_eq!(d.scopes, ["a"]);
    assert_eq!(d.hop, 2, "the issuer's edge hop + 1");
    assert_eq!(d.parent_edge_id, Some(edge_of(&a)));
    assert_eq!(d.expires_at_ms, T0 + 60_000);
    assert_eq!(&d.id[14..15], "7", "UUIDv7 edge id");

    assert_eq!(f.engine.view(&a.id).unwrap(), a, "the issuer is unchanged");
    assert_eq!(f.engine.view(&b.id).unwrap(), b, "so is the receiver");
    let edge = f.engine.edge(&d.id).unwrap();
    assert_eq!(edge.kind, EdgeKind::Peer);
    assert_eq!(edge.state, EdgeState::Offered);
    assert_eq!((edge.issuer, edge.receiver), (a.id.clone(), b.id.clone()));
    assert!(edge.holders.is_empty());
    assert_eq!(f.engine.pending_offers(&b.id).len(), 1);
    assert!(f.engine.pending_offers(&a.id).is_empty());
}

#[test]
fn accept_derives_a_context_at_hop_plus_one() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["a", "b"], 3);
    let b = f.task(&f.root);
    let d = f.delegate(&a.id, &b.id, &["a"]);
    let ctx = f.accept(&b.id, &d);

    assert_eq!(ctx.parent.as_ref(), Some(&b.id));
    assert_eq!(ctx.depth, b.depth + 1);
    assert_eq!(ctx.lifecycle, Some(caracal_authority::Lifecycle::Task));
    assert_eq!(
        ctx.expires_at_ms,
        Some(d.expires_at_ms),
        "ends with its edge"
    );
    assert_eq!(ctx.trace_id, b.trace_id);
    let auth = ctx.authority.as_ref().unwrap();
    assert_eq!(auth.edge_id.as_deref(), Some(d.id.as_str()));
    assert_eq!(auth.parent_edge_id, Some(edge_of(&a)));
    assert_eq!(auth.hop, a.authority.as_ref().unwrap().hop + 1);
    assert_eq!(auth.scopes, scopes(&["a"]));
    f.engine.check_live(&ctx.id).unwrap();

    let edge = f.engine.edge(&d.id).unwrap();
    assert_eq!(edge.state, EdgeState::Accepted);
    assert_eq!(edge.holders, std::slice::from_ref(&ctx.id));
    assert_eq!(edge.accepted_at_ms, Some(T0));
    assert!(f.engine.pending_offers(&b.id).is_empty());

    // The derived context is the delegation's life: it ends with the edge.
    f.advance_secs(60);
    assert_eq!(kind(f.engine.check_live(&ctx.id)), "gone");
    f.engine.check_live(&b.id).unwrap();
}

#[test]
fn scopes_must_be_a_subset_of_the_parent_edge() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["t:read", "t:write"], 2);
    let b = f.task(&f.root);
    f.delegate(&a.id, &b.id, &["t:read"]);
    let err = f
        .engine
        .delegate(&a.id, offer(&b.id, &["t:read", "t:admin"]))
        .unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert_eq!(err.message(), "scope `t:admin` is not held by the parent");
}

#[test]
fn resource_must_equal_or_narrow_the_parents() {
    let f = Fixture::new();
    let a = f.narrowed(
        &f.root,
        NarrowGrant {
            resource_id: Some("tickets".into()),
            constraints: hops(2),
            ..grant(&["r"])
        },
    );
    let b = f.task(&f.root);
    let narrower = offer(&b.id, &["r"]).with_resource("tickets/7");
    let d = f.engine.delegate(&a.id, narrower).unwrap();
    let edge = f.engine.edge(&d.id).unwrap();
    assert_eq!(edge.authority.resource_id.as_deref(), Some("tickets/7"));
    let elsewhere = offer(&b.id, &["r"]).with_resource("billing");
    assert_eq!(kind(f.engine.delegate(&a.id, elsewhere)), "denied");
}

#[test]
fn expiry_must_not_exceed_the_parents() {
    let f = Fixture::new();
    let a = f.narrowed(
        &f.root,
        NarrowGrant {
            ttl_seconds: Some(100),
            constraints: hops(2),
            ..grant(&["a"])
        },
    );
    let b = f.task(&f.root);
    let mut ok = offer(&b.id, &["a"]);
    ok.ttl_seconds = Some(100);
    assert_eq!(
        f.engine.delegate(&a.id, ok).unwrap().expires_at_ms,
        T0 + 100_000
    );
    let mut long = offer(&b.id, &["a"]);
    long.ttl_seconds = Some(101);
    let err = f.engine.delegate(&a.id, long).unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(err.message().contains("expiry exceeds"), "{err}");
}

#[test]
fn max_hops_must_leave_room_and_count_down() {
    let f = Fixture::new();
    let b = f.task(&f.root);
    let one_hop = f.narrowed(&f.root, grant(&["a"]));
    let err = f
        .engine
        .delegate(&one_hop.id, offer(&b.id, &["a"]))
        .unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(err.message().contains("no further hops"), "{err}");

    let three = f.agent(&f.root, &["a"], 3);
    let ok = offer(&b.id, &["a"]).with_constraints(hops(2));
    f.engine.delegate(&three.id, ok).unwrap();
    let wide = offer(&b.id, &["a"]).with_constraints(hops(3));
    assert_eq!(kind(f.engine.delegate(&three.id, wide)), "denied");
}

#[test]
fn ttl_seconds_constraint_must_be_carried_and_bounds_the_ttl() {
    let f = Fixture::new();
    let a = f.narrowed(
        &f.root,
        NarrowGrant {
            constraints: DelegationConstraints {
                max_hops: Some(2),
                ttl_seconds: Some(60),
                ..Default::default()
            },
            ..grant(&["a"])
        },
    );
    let b = f.task(&f.root);
    let carried = |t| {
        offer(&b.id, &["a"]).with_constraints(DelegationConstraints {
            ttl_seconds: Some(t),
            ..Default::default()
        })
    };
    f.engine.delegate(&a.id, carried(30)).unwrap();
    assert_eq!(
        kind(f.engine.delegate(&a.id, offer(&b.id, &["a"]))),
        "denied"
    );
    assert_eq!(kind(f.engine.delegate(&a.id, carried(61))), "denied");
    let mut long = carried(30);
    long.ttl_seconds = Some(61);
    assert_eq!(kind(f.engine.delegate(&a.id, long)), "denied");
}

#[test]
fn budget_bounds_the_delegation() {
    let f = Fixture::new();
    let a = f.narrowed(
        &f.root,
        NarrowGrant {
            constraints: DelegationConstraints {
                max_hops: Some(2),
                budget: Some(2),
                ..Default::default()
            },
            ..grant(&["a", "b", "c"])
        },
    );
    let b = f.task(&f.root);
    f.delegate(&a.id, &b.id, &["a", "b"]);
    // Defaulted to the number of scopes: 3 > 2.
    assert_eq!(
        kind(f.engine.delegate(&a.id, offer(&b.id, &["a", "b", "c"]))),
        "denied"
    );
}

#[test]
fn ttl_is_required_positive_and_at_most_a_day() {
    let f = Fixture::new();
    let b = f.task(&f.root);
    let mut req = offer(&b.id, &["a"]);
    req.ttl_seconds = Some(1);
    f.engine.delegate(&f.root, req.clone()).unwrap();
    for bad in [None, Some(0), Some(86_401)] {
        req.ttl_seconds = bad;
        assert_eq!(
            kind(f.engine.delegate(&f.root, req.clone())),
            "invalid",
            "{bad:?}"
        );
    }
}

#[test]
fn self_delegation_is_refused() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["a"], 2);
    let b = f.task(&f.root);
    f.delegate(&a.id, &b.id, &["a"]);
    let err = f.engine.delegate(&a.id, offer(&a.id, &["a"])).unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(err.message().starts_with("self-delegation"), "{err}");
}

#[test]
fn cycles_are_refused() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["a"], 5);
    let b = f.task(&f.root);
    let c = f.task(&f.root);
    let mut req = offer(&b.id, &["a"]);
    req.constraints = hops(4);
    let d = f.engine.delegate(&a.id, req).unwrap();
    let ctx = f.accept(&b.id, &d);

    // Onward to a third session: allowed.
    f.delegate(&ctx.id, &c.id, &["a"]);
    // Back to the issuer, or to the receiver the context hangs under: the
    // authority would flow in a circle.
    for upstream in [&a.id, &b.id, &f.root] {
        let err = f
            .engine
            .delegate(&ctx.id, offer(upstream, &["a"]))
            .unwrap_err();
        assert_eq!(err.kind(), "denied", "{upstream}");
        assert!(err.message().starts_with("cycle"), "{err}");
    }
    // A child delegating to its own parent is a cycle too.
    let child = f.task(&a.id);
    assert_eq!(
        kind(f.engine.delegate(&child.id, offer(&a.id, &["a"]))),
        "denied"
    );
}

#[test]
fn an_ambiguous_parent_edge_must_be_named() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["x", "z"], 4);
    let b = f.agent(&f.root, &["x", "y"], 3);
    let c = f.task(&f.root);
    let mut req = offer(&b.id, &["x", "z"]);
    req.constraints = hops(3);
    let d = f.engine.delegate(&a.id, req).unwrap();
    let ctx = f.accept(&b.id, &d);
    // The context presents B's edge and the delegation: intersection.
    assert_eq!(ctx.authority.as_ref().unwrap().scopes, scopes(&["x"]));

    let err = f
        .engine
        .delegate(&ctx.id, offer(&c.id, &["x"]))
        .unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(err.message().starts_with("ambiguous parent edge"), "{err}");
    assert!(err.message().contains(&d.id), "{err}");

    let named = f
        .engine
        .delegate(&ctx.id, offer(&c.id, &["x"]).with_parent_edge(&d.id))
        .unwrap();
    assert_eq!(named.parent_edge_id.as_deref(), Some(d.id.as_str()));
    assert_eq!(named.hop, d.hop + 1);
    let via_own = f
        .engine
        .delegate(&ctx.id, offer(&c.id, &["x"]).with_parent_edge(edge_of(&b)))
        .unwrap();
    assert_eq!(via_own.hop, 2);
    // Checked against the intersection, whichever edge is named.
    let wider = offer(&c.id, &["z"]).with_parent_edge(&d.id);
    assert_eq!(kind(f.engine.delegate(&ctx.id, wider)), "denied");
    let foreign = offer(&c.id, &["x"]).with_parent_edge(edge_of(&a));
    assert_eq!(kind(f.engine.delegate(&ctx.id, foreign)), "denied");

    // A narrow grant at spawn is ambiguous the same way.
    let narrow = || SpawnRequest::task().with_grant(Grant::Narrow(grant(&["x"])));
    assert_eq!(kind(f.engine.spawn(&ctx.id, narrow())), "denied");
    let child = f.engine.spawn_from_edge(&ctx.id, &d.id, narrow()).unwrap();
    let auth = child.authority.unwrap();
    assert_eq!(auth.parent_edge_id.as_deref(), Some(d.id.as_str()));
    assert_eq!(
        kind(
            f.engine
                .spawn_from_edge(&ctx.id, &d.id, SpawnRequest::task())
        ),
        "invalid"
    );
}

#[test]
fn a_cross_application_offer_waits_for_the_receivers_accept() {
    let f = Fixture::new();
    let crm_root = f.engine.open_root_for("crm");
    let r = f.task(&crm_root);
    assert_eq!(r.application_id, "crm");
    let a = f.agent(&f.root, &["tickets:read"], 2);

    // Addressed to the wrong application: no such receiver.
    let wrong = offer(&r.id, &["tickets:read"]);
    assert_eq!(kind(f.engine.delegate(&a.id, wrong)), "not-found");

    let req = DelegateRequest::new(r.id.clone(), "crm", ["tickets:read"], 60);
    let d = f.engine.delegate(&a.id, req).unwrap();
    assert_eq!(d.to_application, "crm");
    let edge = f.engine.edge(&d.id).unwrap();
    assert_eq!(edge.state, EdgeState::Offered);
    assert_eq!(edge.issuer_application, "default");
    assert_eq!(edge.receiver_application, "crm");
    assert!(edge.holders.is_empty(), "nobody presents an offer");

    let ctx = f.accept(&r.id, &d);
    assert_eq!(ctx.application_id, "crm");
    assert_eq!(
        ctx.authority.as_ref().unwrap().scopes,
        scopes(&["tickets:read"])
    );
    assert_eq!(ctx.authority.as_ref().unwrap().hop, 2);
    assert_eq!(f.engine.edge(&d.id).unwrap().state, EdgeState::Accepted);
}

#[test]
fn only_the_receiver_accepts_and_only_once() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["a"], 2);
    let b = f.task(&f.root);
    let other = f.task(&f.root);
    let d = f.delegate(&a.id, &b.id, &["a"]);
    for wrong in [&other.id, &a.id, &f.root] {
        let err = f.engine.accept_delegation(wrong, &d.id).unwrap_err();
        assert_eq!(err.kind(), "denied", "{wrong}");
        assert!(err.message().contains("only its receiver"), "{err}");
    }
    f.accept(&b.id, &d);
    let again = f.engine.accept_delegation(&b.id, &d.id).unwrap_err();
    assert_eq!(again.kind(), "denied");
    assert!(again.message().contains("already accepted"), "{again}");
    assert_eq!(kind(f.engine.accept_delegation(&b.id, "nope")), "not-found");
}

#[test]
fn expired_or_revoked_offers_cannot_be_accepted() {
    let f = Fixture::new();
    let b = f.task(&f.root);
    let stale = f.delegate(&f.root, &b.id, &["a"]);
    let revoked = f.delegate(&f.root, &b.id, &["a"]);
    f.engine.revoke_as_admin(&revoked.id).unwrap();
    assert_eq!(kind(f.engine.accept_delegation(&b.id, &revoked.id)), "gone");
    f.advance_secs(60);
    assert_eq!(kind(f.engine.accept_delegation(&b.id, &stale.id)), "gone");
    assert_eq!(f.engine.edge(&stale.id).unwrap().state, EdgeState::Expired);
    assert!(f.engine.pending_offers(&b.id).is_empty());
}

#[test]
fn offers_need_live_parties() {
    let f = Fixture::new();
    let b = f.task(&f.root);
    let closed = f.task(&f.root);
    f.engine.close(&closed.id).unwrap();
    assert_eq!(
        kind(f.engine.delegate(&f.root, offer(&closed.id, &["a"]))),
        "gone"
    );
    assert_eq!(
        kind(f.engine.delegate(&closed.id, offer(&b.id, &["a"]))),
        "gone"
    );
    let unknown: caracal_authority::SessionId = "nope".into();
    assert_eq!(
        kind(f.engine.delegate(&f.root, offer(&unknown, &["a"]))),
        "not-found"
    );
    let bare = f.spawn(&f.root, SpawnRequest::task().with_grant(Grant::None));
    assert_eq!(
        kind(f.engine.delegate(&bare.id, offer(&b.id, &["a"]))),
        "denied"
    );

    // The receiver closing before it accepts.
    let d = f.delegate(&f.root, &b.id, &["a"]);
    f.engine.close(&b.id).unwrap();
    assert_eq!(kind(f.engine.accept_delegation(&b.id, &d.id)), "gone");
}

#[test]
fn a_narrowed_receiver_holds_only_the_intersection() {
    let f = Fixture::new();
    let a = f.narrowed(
        &f.root,
        NarrowGrant {
            ttl_seconds: Some(600),
            constraints: hops(4),
            ..grant(&["x", "z"])
        },
    );
    let b = f.narrowed(
        &f.root,
        NarrowGrant {
            ttl_seconds: Some(30),
            constraints: DelegationConstraints {
                max_hops: Some(2),
                max_calls: Some(5),
                ..Default::default()
            },
            ..grant(&["x", "y"])
        },
    );
    let mut req = offer(&b.id, &["x", "z"]);
    req.constraints = hops(3);
    let ctx = f.accept(&b.id, &f.engine.delegate(&a.id, req).unwrap());
    let auth = ctx.authority.unwrap();
    assert_eq!(auth.scopes, scopes(&["x"]));
    assert_eq!(auth.expires_at_ms, Some(T0 + 30_000), "the earliest expiry");
    assert_eq!(auth.max_hops, Some(2), "the smallest max_hops");
    assert_eq!(auth.max_calls, Some(5));
    assert_eq!(ctx.expires_at_ms, Some(T0 + 30_000));

    // Nothing in common: refused rather than an empty context.
    let d = f.delegate(&a.id, &b.id, &["z"]);
    let err = f.engine.accept_delegation(&b.id, &d.id).unwrap_err();
    assert_eq!(err.kind(), "denied");
    assert!(
        err.message().contains("none of the delegated scopes"),
        "{err}"
    );
}

#[test]
fn a_bare_receiver_holds_exactly_the_delegation() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["a", "b"], 2);
    let bare = f.spawn(&f.root, SpawnRequest::task().with_grant(Grant::None));
    let d = f.delegate(&a.id, &bare.id, &["b"]);
    let ctx = f.accept(&bare.id, &d);
    let edge = f.engine.edge(&d.id).unwrap();
    assert_eq!(ctx.authority, Some(edge.authority));
    // Its children inherit the context's authority.
    let child = f.task(&ctx.id);
    assert_eq!(child.authority, ctx.authority);
    assert_eq!(f.engine.view(&bare.id).unwrap().authority, None);
}

#[test]
fn a_metered_delegation_is_charged_on_every_edge_presented() {
    let f = Fixture::new();
    let b = f.narrowed(
        &f.root,
        NarrowGrant {
            constraints: DelegationConstraints {
                max_calls: Some(3),
                ..Default::default()
            },
            ..grant(&["x"])
        },
    );
    let mut req = offer(&b.id, &["x"]);
    req.constraints.max_calls = Some(2);
    let ctx = f.accept(&b.id, &f.engine.delegate(&f.root, req).unwrap());
    assert_eq!(f.engine.meter_call(&ctx.id).unwrap(), 1);
    assert_eq!(
        f.engine.meter_call(&b.id).unwrap(),
        2,
        "B's edge was charged too"
    );
    assert_eq!(f.engine.meter_call(&ctx.id).unwrap(), 3);
    assert_eq!(kind(f.engine.meter_call(&ctx.id)), "denied");
    assert_eq!(kind(f.engine.meter_call(&b.id)), "denied");
}

#[test]
fn accept_respects_the_tree_limits() {
    let f = Fixture::new();
    let b = f.task(&f.root);
    for _ in 0..caracal_authority::MAX_LIVE_CHILDREN {
        f.task(&b.id);
    }
    let d = f.delegate(&f.root, &b.id, &["a"]);
    assert_eq!(kind(f.engine.accept_delegation(&b.id, &d.id)), "limit");
    assert_eq!(
        f.engine.view(&b.id).unwrap().status,
        SessionStatus::Active,
        "a refused accept changes nothing"
    );
    assert_eq!(f.engine.edge(&d.id).unwrap().state, EdgeState::Offered);
}

#[test]
fn a_receiver_whose_own_edge_expired_cannot_accept() {
    let f = Fixture::new();
    let b = f.narrowed(
        &f.root,
        NarrowGrant {
            ttl_seconds: Some(10),
            ..grant(&["a"])
        },
    );
    f.advance_secs(10);
    f.engine.check_live(&b.id).unwrap();
    let d = f.delegate(&f.root, &b.id, &["a"]);
    let err = f.engine.accept_delegation(&b.id, &d.id).unwrap_err();
    assert_eq!(err.kind(), "gone");
    assert!(err.message().contains("own authority has expired"), "{err}");
}
