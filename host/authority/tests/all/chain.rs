//! Read models: the authority chain behind a session, the snapshot and the
//! edge list.

use caracal_authority::{
    ChainLink, DelegateRequest, EdgeKind, EdgeState, Grant, Scopes, SessionStatus, SpawnRequest,
};

use crate::{Fixture, edge_of};

fn scopes(list: &[&str]) -> Scopes {
    Scopes::Only(list.iter().map(|s| s.to_string()).collect())
}

fn link(
    application: &str,
    session: &caracal_authority::SessionId,
    delegation: Option<&str>,
    parent: Option<&str>,
    scopes: Scopes,
    hop: u32,
) -> ChainLink {
    ChainLink {
        zone_id: "local".into(),
        application_id: application.into(),
        session_id: session.clone(),
        delegation_id: delegation.map(String::from),
        parent_delegation_id: parent.map(String::from),
        scopes,
        hop,
    }
}

#[test]
fn the_chain_crosses_applications_up_to_the_issuing_root() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["t:read", "t:write"], 3);
    let worker = f.task(&a.id);
    let crm_root = f.engine.open_root_for("crm");
    let r = f.task(&crm_root);
    let mut req = DelegateRequest::new(r.id.clone(), "crm", ["t:read"], 60);
    req.constraints.max_hops = Some(2);
    let d = f.engine.delegate(&worker.id, req).unwrap();
    let ctx = f.accept(&r.id, &d);
    let a_edge = edge_of(&a);

    assert_eq!(
        f.engine.describe_authority(&ctx.id).unwrap(),
        [
            link(
                "crm",
                &ctx.id,
                Some(&d.id),
                Some(&a_edge),
                scopes(&["t:read"]),
                2
            ),
            link(
                "default",
                &worker.id,
                Some(&a_edge),
                None,
                scopes(&["t:read", "t:write"]),
                1
            ),
            link("default", &f.root, None, None, Scopes::All, 0),
        ]
    );
    // One more hop: the chain grows by one link.
    let other = f.task(&f.root);
    let onward = f.hand(&ctx.id, &other.id, &["t:read"]);
    let chain = f.engine.describe_authority(&onward.id).unwrap();
    assert_eq!(chain.len(), 4);
    assert_eq!(chain[0].hop, 3);
    assert_eq!(chain[1].session_id, ctx.id);
    assert_eq!(chain[1].delegation_id.as_deref(), Some(d.id.as_str()));
    // Terminated sessions are still described.
    f.engine.revoke_as_admin(&d.id).unwrap();
    assert_eq!(f.engine.describe_authority(&onward.id).unwrap(), chain);
}

#[test]
fn short_chains() {
    let f = Fixture::new();
    assert_eq!(
        f.engine.describe_authority(&f.root).unwrap(),
        [link("default", &f.root, None, None, Scopes::All, 0)]
    );
    let inherit = f.task(&f.root);
    assert_eq!(
        f.engine.describe_authority(&inherit.id).unwrap(),
        [
            link("default", &inherit.id, None, None, Scopes::All, 0),
            link("default", &f.root, None, None, Scopes::All, 0),
        ]
    );
    let bare = f.spawn(&f.root, SpawnRequest::task().with_grant(Grant::None));
    assert_eq!(
        f.engine.describe_authority(&bare.id).unwrap(),
        [link("default", &bare.id, None, None, scopes(&[]), 0)]
    );
    let unknown: caracal_authority::SessionId = "nope".into();
    assert_eq!(
        crate::kind(f.engine.describe_authority(&unknown)),
        "not-found"
    );
}

#[test]
fn snapshot_shows_the_tree_and_the_graph() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["a"], 2);
    let b = f.task(&f.root);
    let d = f.delegate(&a.id, &b.id, &["a"]);
    let ctx = f.accept(&b.id, &d);
    let offered = f.delegate(&f.root, &b.id, &["z"]);
    f.engine.revoke_as_admin(&offered.id).unwrap();
    let expiring = f.delegate(&f.root, &a.id, &["y"]);

    let snap = f.engine.snapshot();
    assert_eq!(snap.sessions.len(), 4);
    let node = |id| snap.sessions.iter().find(|n| &n.view.id == id).unwrap();
    assert_eq!(node(&f.root).children, [a.id.clone(), b.id.clone()]);
    assert_eq!(
        node(&f.root).issued,
        [edge_of(&a), offered.id.clone(), expiring.id.clone()]
    );
    assert_eq!(node(&a.id).presents, [edge_of(&a)]);
    assert_eq!(node(&a.id).issued, std::slice::from_ref(&d.id));
    assert_eq!(node(&b.id).children, std::slice::from_ref(&ctx.id));
    assert_eq!(node(&ctx.id).presents, std::slice::from_ref(&d.id));
    assert!(!node(&ctx.id).held);

    let kinds: Vec<_> = snap.edges.iter().map(|e| (e.kind, e.state)).collect();
    assert_eq!(
        kinds,
        [
            (EdgeKind::Narrow, EdgeState::Accepted),
            (EdgeKind::Peer, EdgeState::Accepted),
            (EdgeKind::Peer, EdgeState::Revoked),
            (EdgeKind::Peer, EdgeState::Offered),
        ]
    );
    assert_eq!(f.engine.edges(), snap.edges);

    // After a revocation and an expiry, the snapshot shows both.
    f.engine.suspend(&b.id).unwrap();
    f.engine.revoke_as_admin(&d.id).unwrap();
    f.advance_secs(60);
    let snap = f.engine.snapshot();
    let node = |id| snap.sessions.iter().find(|n| &n.view.id == id).unwrap();
    assert_eq!(node(&ctx.id).view.status, SessionStatus::Terminated);
    assert_eq!(node(&ctx.id).revoked_by.as_deref(), Some(d.id.as_str()));
    assert!(node(&b.id).held);
    assert_eq!(node(&b.id).view.status, SessionStatus::Suspended);
    assert!(node(&b.id).children.is_empty());
    let state = |id: &str| snap.edges.iter().find(|e| e.id == id).unwrap().state;
    assert_eq!(state(&d.id), EdgeState::Revoked);
    assert_eq!(state(&expiring.id), EdgeState::Expired);
    assert_eq!(snap.taken_at_ms, crate::T0 + 60_000);
}

#[test]
fn snapshot_reads_due_expiry_without_applying_it() {
    let f = Fixture::new();
    let t = f.task_ttl(&f.root, 10);
    let service = f.service(&f.root);
    f.advance_secs(30);
    let snap = f.engine.snapshot();
    let status = |id| {
        snap.sessions
            .iter()
            .find(|n| &n.view.id == id)
            .unwrap()
            .view
            .status
    };
    assert_eq!(status(&t.id), SessionStatus::Terminated);
    assert_eq!(status(&service.id), SessionStatus::Suspended);
    // The sweeper still gets to report them (for audit).
    let report = f.engine.sweep();
    assert_eq!(report.terminated, std::slice::from_ref(&t.id));
    assert_eq!(report.suspended, std::slice::from_ref(&service.id));
}
