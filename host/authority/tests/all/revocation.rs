//! Revocation: cascades through edges and the sessions depending on them,
//! takes effect at once, and is predicted exactly by `impact`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use caracal_authority::{
    Delegation, EdgeKind, EdgeState, Engine, EngineConfig, ManualClock, SessionId, SessionStatus,
    SessionView, SpawnRequest,
};

use crate::{Fixture, T0, edge_of, kind, offer, set};

/// Three delegation levels: A → B (E1, accepted as D1, with an inheriting
/// child D1c), D1 → C (E2, accepted as D2), D2 → X (E3, accepted as D3).
struct Chain {
    a: SessionView,
    b: SessionView,
    c: SessionView,
    x: SessionView,
    e: [Delegation; 3],
    d1: SessionView,
    d1c: SessionView,
    d2: SessionView,
    d3: SessionView,
}

fn chain(f: &Fixture) -> Chain {
    let a = f.agent(&f.root, &["a"], 5);
    let [b, c, x] = [(); 3].map(|()| f.task(&f.root));
    let hand = |from: &SessionId, to: &SessionId, hops: u32| {
        let mut req = offer(to, &["a"]);
        req.constraints.max_hops = Some(hops);
        let d = f.engine.delegate(from, req).unwrap();
        let ctx = f.accept(to, &d);
        (d, ctx)
    };
    let (e1, d1) = hand(&a.id, &b.id, 4);
    let d1c = f.task(&d1.id);
    let (e2, d2) = hand(&d1.id, &c.id, 3);
    let (e3, d3) = hand(&d2.id, &x.id, 1);
    Chain {
        a,
        b,
        c,
        x,
        e: [e1, e2, e3],
        d1,
        d1c,
        d2,
        d3,
    }
}

fn ids<'a>(views: impl IntoIterator<Item = &'a SessionView>) -> Vec<SessionId> {
    views.into_iter().map(|v| v.id.clone()).collect()
}

#[test]
fn revoke_cascades_across_three_levels_at_once() {
    let f = Fixture::new();
    let ch = chain(&f);
    assert_eq!(ch.d3.authority.as_ref().unwrap().hop, 4);
    let downstream = [&ch.d1, &ch.d1c, &ch.d2, &ch.d3];
    for d in downstream {
        f.engine.check_live(&d.id).unwrap();
    }

    let impact = f.engine.impact(&ch.e[0].id).unwrap();
    assert_eq!(
        impact.edges,
        ch.e.iter().map(|d| d.id.clone()).collect::<Vec<_>>()
    );
    assert_eq!(impact.sessions, ids(downstream));
    // A dry run changes nothing.
    f.engine.check_live(&ch.d3.id).unwrap();

    let report = f.engine.revoke_delegation(&ch.a.id, &ch.e[0].id).unwrap();
    assert_eq!(report, impact, "impact predicts the revocation exactly");

    // The very next check is refused, at every level.
    for d in downstream {
        let err = f.engine.check_live(&d.id).unwrap_err();
        assert_eq!(err.kind(), "gone");
        assert!(err.message().contains("revoked"), "{err}");
        assert_eq!(f.engine.status(&d.id).unwrap(), SessionStatus::Terminated);
        assert_eq!(kind(f.engine.meter_call(&d.id)), "gone");
    }
    for live in [&ch.a, &ch.b, &ch.c, &ch.x] {
        f.engine.check_live(&live.id).unwrap();
    }
    for e in &ch.e {
        let edge = f.engine.edge(&e.id).unwrap();
        assert_eq!(edge.state, EdgeState::Revoked);
        assert_eq!(edge.revoked_at_ms, Some(T0));
    }
    // Nothing can be spawned or delegated under them either.
    assert_eq!(
        kind(f.engine.spawn(&ch.d2.id, SpawnRequest::task())),
        "gone"
    );
    assert_eq!(
        kind(f.engine.delegate(&ch.d1.id, offer(&ch.c.id, &["a"]))),
        "gone"
    );

    // Idempotent.
    assert!(
        f.engine
            .revoke_delegation(&ch.a.id, &ch.e[0].id)
            .unwrap()
            .is_empty()
    );
    assert!(f.engine.impact(&ch.e[0].id).unwrap().is_empty());
}

#[test]
fn revoking_a_middle_edge_leaves_the_upstream_part() {
    let f = Fixture::new();
    let ch = chain(&f);
    let impact = f.engine.impact(&ch.e[1].id).unwrap();
    assert_eq!(impact.sessions, ids([&ch.d2, &ch.d3]));
    assert_eq!(f.engine.revoke_as_admin(&ch.e[1].id).unwrap(), impact);
    f.engine.check_live(&ch.d1.id).unwrap();
    f.engine.check_live(&ch.d1c.id).unwrap();
    assert_eq!(kind(f.engine.check_live(&ch.d3.id)), "gone");
    assert_eq!(
        f.engine.edge(&ch.e[0].id).unwrap().state,
        EdgeState::Accepted
    );
}

#[test]
fn who_may_revoke() {
    let f = Fixture::new();
    let ch = chain(&f);
    // Receivers, a context's own child and bystanders may not.
    for (by, edge) in [
        (&ch.b, &ch.e[0]),
        (&ch.c, &ch.e[1]),
        (&ch.x, &ch.e[0]),
        (&ch.d1c, &ch.e[1]),
        (&ch.d2, &ch.e[0]),
    ] {
        let err = f.engine.revoke_delegation(&by.id, &edge.id).unwrap_err();
        assert_eq!(err.kind(), "denied", "{} on {}", by.id, edge.id);
    }
    // An upstream issuer may prune downstream.
    let report = f.engine.revoke_delegation(&ch.a.id, &ch.e[2].id).unwrap();
    assert_eq!(report.sessions, ids([&ch.d3]));
    // An ancestor of the issuer (here the root) may too.
    let report = f.engine.revoke_delegation(&f.root, &ch.e[1].id).unwrap();
    assert_eq!(report.sessions, ids([&ch.d2]));
    // The issuer itself.
    f.engine.revoke_delegation(&ch.a.id, &ch.e[0].id).unwrap();

    assert_eq!(
        kind(f.engine.revoke_delegation(&ch.a.id, "nope")),
        "not-found"
    );
    assert_eq!(kind(f.engine.impact("nope")), "not-found");
    assert_eq!(kind(f.engine.revoke_as_admin("nope")), "not-found");
    let unknown: SessionId = "nope".into();
    assert_eq!(
        kind(f.engine.revoke_delegation(&unknown, &ch.e[0].id)),
        "not-found"
    );
    f.engine.close(&ch.b.id).unwrap();
    assert_eq!(
        kind(f.engine.revoke_delegation(&ch.b.id, &ch.e[0].id)),
        "gone"
    );
}

#[test]
fn revoking_a_narrow_grant_takes_down_the_child_and_its_subtree() {
    let f = Fixture::new();
    let p = f.agent(&f.root, &["a"], 3);
    let q = f.task(&p.id);
    let grandchild = f.narrowed(&p.id, crate::grant(&["a"]));
    let edge = f.engine.edge(&edge_of(&p)).unwrap();
    assert_eq!(edge.kind, EdgeKind::Narrow);
    assert_eq!(edge.state, EdgeState::Accepted);
    assert_eq!((edge.issuer, edge.receiver), (f.root.clone(), p.id.clone()));
    assert_eq!(edge.holders, std::slice::from_ref(&p.id));

    let report = f.engine.revoke_as_admin(&edge_of(&p)).unwrap();
    assert_eq!(report.edges, [edge_of(&p), edge_of(&grandchild)]);
    assert_eq!(set(&report.sessions), set([&p.id, &q.id, &grandchild.id]));
    assert_eq!(report.sessions[0], p.id);
    f.engine.check_live(&f.root).unwrap();
}

#[test]
fn closing_the_issuer_revokes_what_it_issued() {
    let f = Fixture::new();
    let ch = chain(&f);
    f.engine.close(&ch.d1.id).unwrap();
    // D1 issued E2: D2 and what hangs off it end with it.
    for d in [&ch.d1c, &ch.d2, &ch.d3] {
        assert_eq!(kind(f.engine.check_live(&d.id)), "gone");
    }
    assert_eq!(
        f.engine.edge(&ch.e[1].id).unwrap().state,
        EdgeState::Revoked
    );
    assert_eq!(
        f.engine.edge(&ch.e[2].id).unwrap().state,
        EdgeState::Revoked
    );
    // E1 stays accepted, but its only context is gone.
    assert_eq!(
        f.engine.edge(&ch.e[0].id).unwrap().state,
        EdgeState::Accepted
    );
    f.engine.check_live(&ch.b.id).unwrap();

    // An offer not yet accepted ends with its issuer too.
    let a = f.agent(&f.root, &["a"], 2);
    let pending = f.delegate(&a.id, &ch.c.id, &["a"]);
    f.engine.close(&a.id).unwrap();
    assert_eq!(
        f.engine.edge(&pending.id).unwrap().state,
        EdgeState::Revoked
    );
    assert_eq!(
        kind(f.engine.accept_delegation(&ch.c.id, &pending.id)),
        "gone"
    );
}

#[test]
fn an_edge_never_outlives_its_issuer() {
    let f = Fixture::new();
    let a = f.spawn(&f.root, SpawnRequest::task().with_ttl_seconds(30));
    let b = f.task(&f.root);
    let d = f.delegate(&a.id, &b.id, &["a"]);
    assert_eq!(d.expires_at_ms, T0 + 30_000, "clamped to the issuer's end");
    let ctx = f.accept(&b.id, &d);
    f.clock.set(T0 + 30_000);
    let report = f.engine.sweep();
    assert_eq!(set(&report.terminated), set([&a.id, &ctx.id]));
    assert_eq!(f.engine.edge(&d.id).unwrap().state, EdgeState::Revoked);
    f.engine.check_live(&b.id).unwrap();
}

#[test]
fn revoking_an_offer_takes_down_nothing_else() {
    let f = Fixture::new();
    let b = f.task(&f.root);
    let d = f.delegate(&f.root, &b.id, &["a"]);
    let report = f.engine.revoke_delegation(&f.root, &d.id).unwrap();
    assert_eq!(report.edges, std::slice::from_ref(&d.id));
    assert!(report.sessions.is_empty());
    f.engine.check_live(&b.id).unwrap();
}

#[test]
fn no_check_passes_after_revoke_returns() {
    for _ in 0..20 {
        let engine = Arc::new(Engine::new(
            EngineConfig::default(),
            Arc::new(ManualClock::new(T0)),
        ));
        let root = engine.open_root();
        let a = engine.spawn(&root, SpawnRequest::task()).unwrap().id;
        let b = engine.spawn(&root, SpawnRequest::task()).unwrap().id;
        let d = engine.delegate(&a, offer(&b, &["a"])).unwrap();
        let ctx = engine.accept_delegation(&b, &d.id).unwrap().id;
        let child = engine.spawn(&ctx, SpawnRequest::task()).unwrap().id;

        let revoked = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(5));
        let checkers: Vec<_> = (0..4)
            .map(|i| {
                let (engine, revoked, start) = (engine.clone(), revoked.clone(), start.clone());
                let id = if i % 2 == 0 {
                    ctx.clone()
                } else {
                    child.clone()
                };
                thread::spawn(move || {
                    start.wait();
                    let mut after = 0;
                    let mut passed = 0;
                    while after < 200 {
                        let was_revoked = revoked.load(Ordering::SeqCst);
                        let live = engine.check_live(&id).is_ok();
                        let metered = engine.meter_call(&id).is_ok();
                        if was_revoked {
                            assert!(!live && !metered, "a call passed after revoke returned");
                            after += 1;
                        } else if live {
                            passed += 1;
                        }
                    }
                    passed
                })
            })
            .collect();
        start.wait();
        thread::yield_now();
        engine.revoke_delegation(&a, &d.id).unwrap();
        revoked.store(true, Ordering::SeqCst);
        for h in checkers {
            h.join().unwrap();
        }
        assert_eq!(kind(engine.check_live(&ctx)), "gone");
        engine.check_live(&b).unwrap();
    }
}

/// Every way a session stops being active tells the listeners, once per
/// change; a change that ends nothing tells no one.
#[test]
fn listeners_hear_of_every_lost_authority_and_nothing_else() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    let f = Fixture::new();
    let heard = Arc::new(AtomicU32::new(0));
    let counter = heard.clone();
    f.engine.on_authority_lost(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let told = || heard.swap(0, Ordering::SeqCst);

    let a = f.task(&f.root);
    let b = f.task(&f.root);
    let _ttl = f.task_ttl(&f.root, 5);
    let service = f.service(&f.root);
    assert_eq!(told(), 0, "spawns end nothing");

    f.engine.close(&a.id).unwrap();
    assert_eq!(told(), 1, "close");
    f.engine.suspend(&b.id).unwrap();
    assert_eq!(told(), 1, "operator suspension");
    f.engine.resume(&b.id).unwrap();
    assert_eq!(told(), 0, "resuming loses nothing");
    let narrowed = f.narrowed(&b.id, caracal_authority::NarrowGrant::new(["x:read"]));
    f.engine
        .revoke_as_admin(narrowed.authority.unwrap().edge_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(told(), 1, "revocation");
    f.clock.advance(std::time::Duration::from_secs(31));
    f.engine.sweep();
    assert_eq!(
        told(),
        1,
        "one sweep: the expired task and the lapsed lease"
    );
    let _ = service;
    f.engine.sweep();
    assert_eq!(told(), 0, "a sweep that ends nothing");
}
