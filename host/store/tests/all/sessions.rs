//! Sessions: round trip, checked-insert limits and parent checks, status
//! changes.

use caracal_store::{LimitKind, SessionStatus, SpawnLimits, StoreError};

use crate::both;
use crate::fixture::{Fixture, T0, edge, root, service, task};

both!(
    round_trip,
    checked_insert_limits,
    parent_must_be_live,
    inconsistent_records_refused,
    status_changes,
);

fn round_trip(f: &Fixture) {
    let s = &f.store;
    let r = root("root", "host-a");
    let mut t = task(&r, "task");
    t.labels = vec!["ünïcode ✓".into(), "a,b=c".into()];
    t.authority_json = None;
    let svc = service(&r, "svc");
    let e = edge("e-1", &r, &t);
    for rec in [&r, &t, &svc] {
        s.insert_session_checked(rec, SpawnLimits::default())
            .unwrap();
    }
    s.insert_edge(&e).unwrap();

    assert_eq!(s.session("task").unwrap(), Some(t.clone()));
    assert_eq!(s.session("nope").unwrap(), None);
    assert_eq!(s.edge("e-1").unwrap(), Some(e.clone()));
    assert_eq!(s.edge("nope").unwrap(), None);

    let all = s.load_all().unwrap();
    assert_eq!(
        all.sessions,
        [r.clone(), svc.clone(), t.clone()],
        "by creation time, depth, id"
    );
    assert_eq!(all.edges, std::slice::from_ref(&e));
    assert_eq!(all.change_version, 4);

    s.end_sessions(&["task".into()], SessionStatus::Terminated, T0 + 10)
        .unwrap();
    let live = s.load_live().unwrap();
    assert_eq!(live.sessions, [r, svc]);
    assert_eq!(live.edges, [e]);
    let ended = s.session("task").unwrap().unwrap();
    assert_eq!(ended.status, SessionStatus::Terminated);
    assert_eq!(ended.ended_at_ms, Some(T0 + 10));
    assert_eq!(s.schema_version().unwrap(), caracal_store::SCHEMA_VERSION);
}

fn checked_insert_limits(f: &Fixture) {
    let s = &f.store;
    let limits = SpawnLimits {
        max_depth: 3,
        max_live_children: 10,
    };
    let r = root("root", "h");
    s.insert_session_checked(&r, limits).unwrap();

    // Depth: root 0 → 1 → 2 → 3 fine, 4 refused.
    let mut parent = r.clone();
    for depth in 1..=3 {
        let c = task(&parent, &format!("d{depth}"));
        s.insert_session_checked(&c, limits).unwrap();
        parent = c;
    }
    let too_deep = task(&parent, "d4");
    let err = s.insert_session_checked(&too_deep, limits).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Limit {
                what: LimitKind::Depth,
                max: 3
            }
        ),
        "{err}"
    );
    assert_eq!(s.session("d4").unwrap(), None);

    // Children: d1 already exists under root; nine more fill it.
    for i in 2..=10 {
        s.insert_session_checked(&task(&r, &format!("c{i}")), limits)
            .unwrap();
    }
    let eleventh = task(&r, "c11");
    let err = s.insert_session_checked(&eleventh, limits).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Limit {
                what: LimitKind::Children,
                max: 10
            }
        ),
        "{err}"
    );

    // A terminated child frees its slot; a suspended one does not.
    s.end_sessions(&["c2".into()], SessionStatus::Terminated, T0 + 5)
        .unwrap();
    s.end_sessions(&["c3".into()], SessionStatus::Suspended, T0 + 5)
        .unwrap();
    s.insert_session_checked(&eleventh, limits).unwrap();
    let err = s
        .insert_session_checked(&task(&r, "c12"), limits)
        .unwrap_err();
    assert!(matches!(err, StoreError::Limit { .. }), "{err}");

    // A child past its expiry at the new child's creation time is not
    // live, even before a sweep terminated it.
    let mut later = task(&r, "c12");
    later.created_at_ms = T0 + 3_600_000;
    s.insert_session_checked(&later, limits).unwrap();

    // A duplicate id conflicts.
    let dup = task(&parent, "d4");
    let mut dup = dup;
    dup.id = "d1".into();
    dup.parent_id = Some("d2".into());
    dup.depth = 3;
    let err = s.insert_session_checked(&dup, limits).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
}

fn parent_must_be_live(f: &Fixture) {
    let s = &f.store;
    let l = SpawnLimits::default();
    let r = root("root", "h");
    s.insert_session_checked(&r, l).unwrap();

    let orphan = task(&root("ghost", "h"), "orphan");
    let err = s.insert_session_checked(&orphan, l).unwrap_err();
    assert!(
        matches!(&err, StoreError::NotFound { what: "session", id } if id == "ghost"),
        "{err}"
    );

    let a = task(&r, "a");
    s.insert_session_checked(&a, l).unwrap();
    s.update_session_status("a", SessionStatus::Suspended, T0 + 2, None)
        .unwrap();
    let err = s.insert_session_checked(&task(&a, "a1"), l).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotLive {
                status: SessionStatus::Suspended,
                ..
            }
        ),
        "{err}"
    );
    s.update_session_status("a", SessionStatus::Terminated, T0 + 3, None)
        .unwrap();
    let err = s.insert_session_checked(&task(&a, "a1"), l).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotLive {
                status: SessionStatus::Terminated,
                ..
            }
        ),
        "{err}"
    );

    // An expired parent reads as terminated.
    let b = task(&r, "b");
    s.insert_session_checked(&b, l).unwrap();
    let mut late = task(&b, "b1");
    late.created_at_ms = b.expires_at_ms.unwrap();
    let err = s.insert_session_checked(&late, l).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotLive {
                status: SessionStatus::Terminated,
                ..
            }
        ),
        "{err}"
    );
}

fn inconsistent_records_refused(f: &Fixture) {
    let s = &f.store;
    let l = SpawnLimits::default();
    let mut r = root("root", "h");
    r.depth = 1;
    assert!(matches!(
        s.insert_session_checked(&r, l),
        Err(StoreError::Invalid(_))
    ));
    r.depth = 0;
    s.insert_session_checked(&r, l).unwrap();
    let mut c = task(&r, "c");
    c.depth = 5;
    assert!(matches!(
        s.insert_session_checked(&c, l),
        Err(StoreError::Invalid(_))
    ));
    let mut big = task(&r, "big");
    big.created_at_ms = u64::MAX;
    assert!(matches!(
        s.insert_session_checked(&big, l),
        Err(StoreError::Invalid(_))
    ));
    // An edge naming a missing session.
    let e = edge("e", &r, &task(&r, "missing"));
    let err = s.insert_edge(&e).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
}

fn status_changes(f: &Fixture) {
    let s = &f.store;
    let l = SpawnLimits::default();
    let r = root("root", "h");
    let ids: Vec<String> = (0..4).map(|i| format!("t{i}")).collect();
    s.insert_session_checked(&r, l).unwrap();
    for id in &ids {
        s.insert_session_checked(&task(&r, id), l).unwrap();
    }
    // Suspend a subtree, resume one, terminate; changed ids come back in
    // the order given, already-terminated and unknown ones are skipped.
    let changed = s
        .end_sessions(&ids, SessionStatus::Suspended, T0 + 1)
        .unwrap();
    assert_eq!(changed, ids);
    s.update_session_status("t1", SessionStatus::Active, T0 + 2, None)
        .unwrap();
    assert_eq!(
        s.session("t1").unwrap().unwrap().status,
        SessionStatus::Active
    );
    s.end_sessions(&["t0".into()], SessionStatus::Terminated, T0 + 3)
        .unwrap();
    let mut asked = ids.clone();
    asked.push("unknown".into());
    let changed = s
        .end_sessions(&asked, SessionStatus::Terminated, T0 + 4)
        .unwrap();
    assert_eq!(changed, ["t1", "t2", "t3"]);
    assert_eq!(
        s.session("t0").unwrap().unwrap().ended_at_ms,
        Some(T0 + 3),
        "the first end time is kept"
    );
    // Terminated is final.
    let err = s
        .update_session_status("t0", SessionStatus::Active, T0 + 5, None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotLive {
                status: SessionStatus::Terminated,
                ..
            }
        ),
        "{err}"
    );
    let err = s
        .update_session_status("nope", SessionStatus::Active, T0 + 5, None)
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(
        s.end_sessions(&[], SessionStatus::Terminated, T0)
            .unwrap()
            .is_empty()
    );
}
