//! Delegation edges: state moves and atomic revocation.

use caracal_store::{ChangeEvent, EdgeKind, EdgeState, SessionStatus, SpawnLimits, StoreError};

use crate::both;
use crate::fixture::{Fixture, T0, edge, root, task};

both!(edge_state_moves, revoke_is_atomic_and_idempotent);

fn edge_state_moves(f: &Fixture) {
    let s = &f.store;
    let l = SpawnLimits::default();
    let r = root("root", "h");
    let peer = task(&r, "peer");
    s.insert_session_checked(&r, l).unwrap();
    s.insert_session_checked(&peer, l).unwrap();
    let mut offer = edge("offer", &r, &peer);
    offer.kind = EdgeKind::Peer;
    offer.state = EdgeState::Offered;
    offer.accepted_at_ms = None;
    s.insert_edge(&offer).unwrap();
    assert!(matches!(
        s.insert_edge(&offer),
        Err(StoreError::Conflict(_))
    ));

    s.set_edge_state("offer", EdgeState::Accepted, T0 + 7)
        .unwrap();
    s.set_edge_state("offer", EdgeState::Accepted, T0 + 8)
        .unwrap(); // no-op
    let got = s.edge("offer").unwrap().unwrap();
    assert_eq!(
        (got.state, got.accepted_at_ms),
        (EdgeState::Accepted, Some(T0 + 7))
    );
    assert!(matches!(
        s.set_edge_state("offer", EdgeState::Offered, T0 + 9),
        Err(StoreError::Conflict(_))
    ));
    s.set_edge_state("offer", EdgeState::Revoked, T0 + 10)
        .unwrap();
    assert!(matches!(
        s.set_edge_state("offer", EdgeState::Accepted, T0 + 11),
        Err(StoreError::Conflict(_))
    ));
    let got = s.edge("offer").unwrap().unwrap();
    assert_eq!(
        (got.state, got.revoked_at_ms),
        (EdgeState::Revoked, Some(T0 + 10))
    );
    assert!(matches!(
        s.set_edge_state("nope", EdgeState::Revoked, T0),
        Err(StoreError::NotFound { what: "edge", .. })
    ));

    // A narrowed edge names its parent edge.
    let mut child = edge("child-edge", &r, &peer);
    child.parent_edge_id = Some("offer".into());
    s.insert_edge(&child).unwrap();
    assert_eq!(
        s.edge("child-edge")
            .unwrap()
            .unwrap()
            .parent_edge_id
            .as_deref(),
        Some("offer")
    );
}

fn revoke_is_atomic_and_idempotent(f: &Fixture) {
    let s = &f.store;
    let l = SpawnLimits::default();
    let r = root("root", "h");
    let a = task(&r, "a");
    let a1 = task(&a, "a1");
    s.insert_session_checked(&r, l).unwrap();
    s.insert_session_checked(&a, l).unwrap();
    s.insert_session_checked(&a1, l).unwrap();
    s.insert_edge(&edge("e-a", &r, &a)).unwrap();
    let mut down = edge("e-a1", &a, &a1);
    down.parent_edge_id = Some("e-a".into());
    s.insert_edge(&down).unwrap();

    let since = s.change_version().unwrap();
    let edges = vec!["e-a".to_owned(), "e-a1".to_owned()];
    let sessions = vec!["a".to_owned(), "a1".to_owned()];
    s.revoke(&edges, &sessions, T0 + 50).unwrap();
    let events: Vec<_> = s
        .poll_changes(since, 100)
        .unwrap()
        .into_iter()
        .map(|c| (c.at_ms, c.event))
        .collect();
    assert_eq!(
        events,
        [
            (
                T0 + 50,
                ChangeEvent::EdgeState {
                    id: "e-a".into(),
                    state: EdgeState::Revoked
                }
            ),
            (
                T0 + 50,
                ChangeEvent::EdgeState {
                    id: "e-a1".into(),
                    state: EdgeState::Revoked
                }
            ),
            (
                T0 + 50,
                ChangeEvent::SessionStatus {
                    id: "a".into(),
                    status: SessionStatus::Terminated
                }
            ),
            (
                T0 + 50,
                ChangeEvent::SessionStatus {
                    id: "a1".into(),
                    status: SessionStatus::Terminated
                }
            ),
        ]
    );
    let live = s.load_live().unwrap();
    assert!(live.edges.is_empty());
    assert_eq!(live.sessions.len(), 1);

    // Again: nothing changes, nothing is fed.
    let v = s.change_version().unwrap();
    s.revoke(&edges, &sessions, T0 + 60).unwrap();
    assert_eq!(s.change_version().unwrap(), v);
    assert_eq!(s.edge("e-a").unwrap().unwrap().revoked_at_ms, Some(T0 + 50));
}
