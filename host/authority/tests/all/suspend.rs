//! Operator suspend and resume of a session subtree.

use caracal_authority::{DEFAULT_LEASE_MS, SessionStatus};

use crate::{Fixture, T0, kind, set};

#[test]
fn suspend_and_resume_a_subtree() {
    let f = Fixture::new();
    let a = f.task(&f.root);
    let task = f.task(&a.id);
    let service = f.service(&a.id);
    let worker = f.task(&service.id);
    let sibling = f.task(&f.root);

    f.advance_secs(10);
    let suspended = f.engine.suspend(&a.id).unwrap();
    assert_eq!(suspended[0], a.id);
    assert_eq!(
        set(&suspended),
        set([&a.id, &task.id, &service.id, &worker.id])
    );
    for s in &suspended {
        assert_eq!(f.engine.status(s).unwrap(), SessionStatus::Suspended);
        let err = f.engine.check_live(s).unwrap_err();
        assert_eq!(err.kind(), "gone");
    }
    assert!(
        f.engine
            .check_live(&a.id)
            .unwrap_err()
            .message()
            .contains("suspended by an operator")
    );
    f.engine.check_live(&sibling.id).unwrap();
    f.engine.check_live(&f.root).unwrap();
    // A held service neither heartbeats nor lapses.
    assert_eq!(kind(f.engine.heartbeat(&service.id, 1)), "gone");
    f.advance_secs(3600 - 10 - 1);
    assert!(f.engine.sweep().suspended.is_empty());

    let resumed = f.engine.resume(&a.id).unwrap();
    assert_eq!(resumed[0], a.id);
    assert_eq!(set(&resumed), set(&suspended));
    for s in &resumed {
        f.engine.check_live(s).unwrap();
    }
    // The service resumes with a fresh lease and the same generation.
    let now = T0 + 3_599_000;
    let lease = f.engine.view(&service.id).unwrap().lease.unwrap();
    assert_eq!(lease.deadline_ms, now + DEFAULT_LEASE_MS);
    assert_eq!(lease.generation, 1);
    f.engine.heartbeat(&service.id, 1).unwrap();
    assert!(f.engine.resume(&a.id).unwrap().is_empty(), "already active");
}

#[test]
fn a_subtree_suspended_separately_stays_held() {
    let f = Fixture::new();
    let a = f.task(&f.root);
    let inner = f.task(&a.id);
    let leaf = f.task(&inner.id);
    assert_eq!(f.engine.suspend(&inner.id).unwrap().len(), 2);
    assert_eq!(
        f.engine.suspend(&a.id).unwrap(),
        std::slice::from_ref(&a.id)
    );
    assert_eq!(f.engine.resume(&a.id).unwrap(), std::slice::from_ref(&a.id));
    assert_eq!(kind(f.engine.check_live(&leaf.id)), "gone");
    assert_eq!(
        f.engine.resume(&inner.id).unwrap(),
        [inner.id.clone(), leaf.id.clone()]
    );
    f.engine.check_live(&leaf.id).unwrap();
}

#[test]
fn a_child_cannot_resume_under_a_suspended_parent() {
    let f = Fixture::new();
    let a = f.task(&f.root);
    let child = f.task(&a.id);
    f.engine.suspend(&a.id).unwrap();
    assert_eq!(kind(f.engine.resume(&child.id)), "gone");
    assert_eq!(
        f.engine.status(&child.id).unwrap(),
        SessionStatus::Suspended
    );
}

#[test]
fn suspension_reaches_delegated_contexts() {
    let f = Fixture::new();
    let a = f.agent(&f.root, &["a"], 2);
    let b = f.task(&f.root);
    let ctx = f.hand(&a.id, &b.id, &["a"]);
    let grandchild = f.task(&ctx.id);

    let suspended = f.engine.suspend(&a.id).unwrap();
    assert_eq!(
        suspended,
        [a.id.clone(), ctx.id.clone(), grandchild.id.clone()]
    );
    assert_eq!(kind(f.engine.check_live(&ctx.id)), "gone");
    f.engine.check_live(&b.id).unwrap();
    // The context cannot be resumed on its own while its issuer is held.
    assert_eq!(kind(f.engine.resume(&ctx.id)), "gone");

    assert_eq!(f.engine.resume(&a.id).unwrap(), suspended);
    f.engine.check_live(&grandchild.id).unwrap();
}

#[test]
fn a_lapsed_issuer_suspends_the_contexts_it_delegated_to() {
    let f = Fixture::new();
    let service = f.service(&f.root);
    let b = f.task(&f.root);
    let ctx = f.hand(&service.id, &b.id, &["a"]);
    f.advance_ms(DEFAULT_LEASE_MS);
    let report = f.engine.sweep();
    assert_eq!(report.suspended, [service.id.clone(), ctx.id.clone()]);
    assert_eq!(kind(f.engine.check_live(&ctx.id)), "gone");

    // An operator may bring a lapsed service back, with a fresh lease.
    assert_eq!(
        f.engine.resume(&service.id).unwrap(),
        [service.id.clone(), ctx.id.clone()]
    );
    f.engine.check_live(&ctx.id).unwrap();
    let lease = f.engine.view(&service.id).unwrap().lease.unwrap();
    assert_eq!(lease.deadline_ms, T0 + 2 * DEFAULT_LEASE_MS);
}

#[test]
fn an_expired_task_is_not_resumed() {
    let f = Fixture::new();
    let t = f.task_ttl(&f.root, 10);
    f.engine.suspend(&t.id).unwrap();
    f.advance_secs(10);
    assert_eq!(kind(f.engine.resume(&t.id)), "gone");
    assert_eq!(f.engine.status(&t.id).unwrap(), SessionStatus::Terminated);
}

#[test]
fn suspend_refusals() {
    let f = Fixture::new();
    let unknown: caracal_authority::SessionId = "nope".into();
    assert_eq!(kind(f.engine.suspend(&unknown)), "not-found");
    assert_eq!(kind(f.engine.resume(&unknown)), "not-found");
    let t = f.task(&f.root);
    f.engine.close(&t.id).unwrap();
    assert_eq!(kind(f.engine.suspend(&t.id)), "gone");
    assert_eq!(kind(f.engine.resume(&t.id)), "gone");
    // A root can be held too: the whole application stops.
    let child = f.task(&f.root);
    f.engine.suspend(&f.root).unwrap();
    assert_eq!(kind(f.engine.check_live(&child.id)), "gone");
    f.engine.resume(&f.root).unwrap();
    f.engine.check_live(&child.id).unwrap();
}
