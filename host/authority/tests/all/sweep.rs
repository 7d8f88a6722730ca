//! Deadline-ordered sweeping: TTL termination, lease suspension, sweep cost
//! and `next_deadline_ms`.

use caracal_authority::{MAX_LIVE_CHILDREN, MAX_TTL_SECONDS, SessionStatus, SweepReport};

use crate::{Fixture, T0, kind, set};

#[test]
fn renewal_moves_the_deadline_with_the_clock() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 30_000));
    for step in 1..=4 {
        f.advance_secs(25);
        let lease = f.engine.heartbeat(&service, 1).unwrap();
        assert_eq!(lease.deadline_ms, T0 + step * 25_000 + 30_000);
        assert_eq!(f.engine.next_deadline_ms(), Some(lease.deadline_ms));
        // The previous deadline has passed: nothing is due.
        assert_eq!(f.engine.sweep(), SweepReport::default());
    }
    assert_eq!(f.engine.status(&service).unwrap(), SessionStatus::Active);
}

#[test]
fn lapse_suspends_the_service_and_its_whole_subtree() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    let task = f.task(&service).id;
    let inner = f.service(&service).id;
    let grand_service = f.service(&task).id;
    let grand_task = f.task(&task).id;
    let under_inner = f.task(&inner).id;
    let bystander = f.task(&f.root).id;
    let subtree = [
        &service,
        &task,
        &inner,
        &grand_service,
        &grand_task,
        &under_inner,
    ];

    // The inner services keep their own leases current; the top one lapses.
    f.advance_secs(20);
    f.engine.heartbeat(&inner, 1).unwrap();
    f.engine.heartbeat(&grand_service, 1).unwrap();
    f.advance_ms(9_999);
    assert!(f.engine.sweep().is_empty());
    f.advance_ms(1);

    let report = f.engine.sweep();
    assert_eq!(report.suspended.first(), Some(&service), "the top first");
    assert_eq!(set(&report.suspended), set(subtree));
    assert!(report.terminated.is_empty());
    assert_eq!(report.examined, 1, "only the lapsed lease was due");
    for id in subtree {
        assert_eq!(f.engine.status(id).unwrap(), SessionStatus::Suspended);
        assert_eq!(kind(f.engine.check_live(id)), "gone");
    }
    assert_eq!(kind(f.engine.heartbeat(&inner, 1)), "gone");
    assert!(f.engine.check_live(&bystander).is_ok());

    // The suspended services' own deadlines are no longer pending.
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 3_600_000));
    f.advance_secs(60);
    assert_eq!(f.engine.sweep(), SweepReport::default());
}

#[test]
fn ttl_terminates_a_task_and_its_descendants() {
    let f = Fixture::new();
    let task = f.task_ttl(&f.root, 10).id;
    let child = f.task(&task).id; // clamped to the parent's expiry
    let service = f.service(&child).id;
    let leaf = f.task(&service).id;
    let short = f.task_ttl(&f.root, 5).id;
    let long = f.task(&f.root).id;

    f.advance_secs(5);
    let report = f.engine.sweep();
    assert_eq!(report.terminated, std::slice::from_ref(&short));
    assert_eq!(report.examined, 1);

    f.engine.heartbeat(&service, 1).unwrap();
    f.advance_secs(5);
    let report = f.engine.sweep();
    assert_eq!(report.terminated.first(), Some(&task), "the top first");
    assert_eq!(
        set(&report.terminated),
        set([&task, &child, &service, &leaf])
    );
    assert!(report.suspended.is_empty());
    // The descendants' expiries left the heap with the cascade.
    assert_eq!(report.examined, 1);
    for id in [&task, &child, &service, &leaf, &short] {
        assert_eq!(f.engine.status(id).unwrap(), SessionStatus::Terminated);
        assert_eq!(kind(f.engine.check_live(id)), "gone");
    }
    assert!(f.engine.check_live(&long).is_ok());
    assert_eq!(f.engine.live_count(), 1);
}

#[test]
fn a_service_under_an_expiring_task_is_terminated_with_it() {
    let f = Fixture::new();
    let task = f.task_ttl(&f.root, 100).id;
    let service = f.service(&task).id;
    for _ in 0..4 {
        f.advance_secs(20);
        f.engine.heartbeat(&service, 1).unwrap();
        assert!(f.engine.sweep().is_empty());
    }
    f.advance_secs(20);
    let report = f.engine.sweep();
    assert_eq!(set(&report.terminated), set([&task, &service]));
    assert!(report.suspended.is_empty(), "terminated, not suspended");
    assert_eq!(
        f.engine.status(&service).unwrap(),
        SessionStatus::Terminated
    );
    assert_eq!(kind(f.engine.heartbeat(&service, 1)), "gone");
    assert_eq!(f.engine.next_deadline_ms(), None);
}

#[test]
fn a_renewed_service_outlives_any_ttl() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    let worker = f.service(&service).id;
    // Two days in 20 s steps, well past the longest task TTL.
    let steps = 2 * u64::from(MAX_TTL_SECONDS) / 20;
    for _ in 0..steps {
        f.advance_secs(20);
        f.engine.heartbeat(&service, 1).unwrap();
        f.engine.heartbeat(&worker, 1).unwrap();
        let report = f.engine.sweep();
        assert!(report.is_empty(), "{report:?}");
        assert_eq!(report.examined, 0);
    }
    assert_eq!(f.engine.status(&service).unwrap(), SessionStatus::Active);
    assert_eq!(f.engine.status(&worker).unwrap(), SessionStatus::Active);
}

#[test]
fn a_task_is_never_lease_swept() {
    let f = Fixture::new();
    let task = f.task_ttl(&f.root, MAX_TTL_SECONDS).id;
    let child = f.task_ttl(&task, MAX_TTL_SECONDS).id;
    // A day in 10-minute steps, each far past a lease length.
    for _ in 0..143 {
        f.advance_secs(600);
        assert!(f.engine.sweep().is_empty());
        assert_eq!(f.engine.status(&child).unwrap(), SessionStatus::Active);
    }
    f.advance_secs(600);
    let report = f.engine.sweep();
    assert_eq!(set(&report.terminated), set([&task, &child]));
    assert!(report.suspended.is_empty());
}

#[test]
fn renewing_just_before_each_deadline_keeps_the_service_active() {
    let f = Fixture::new();
    let service = f.service(&f.root).id;
    let task = f.task(&service).id;
    for _ in 0..100 {
        f.advance_ms(29_999);
        assert!(f.engine.sweep().is_empty());
        f.engine.heartbeat(&service, 1).unwrap();
    }
    assert!(f.engine.check_live(&task).is_ok());
    f.advance_ms(30_000);
    assert_eq!(set(&f.engine.sweep().suspended), set([&service, &task]));
}

#[test]
fn renewed_and_closed_sessions_leave_nothing_to_sweep() {
    let f = Fixture::new();
    let renewed = [f.service(&f.root).id, f.service(&f.root).id];
    let closed_service = f.service(&f.root).id;
    let lapsing = f.service(&f.root).id;
    let closed_task = f.task_ttl(&f.root, 30).id;
    let expiring = f.task_ttl(&f.root, 30).id;

    f.advance_secs(10);
    for id in &renewed {
        f.engine.heartbeat(id, 1).unwrap();
    }
    f.engine.close(&closed_service).unwrap();
    f.engine.close(&closed_task).unwrap();
    f.advance_secs(20);

    // Six deadlines were once due now; four were moved or dropped in place,
    // so the sweep pops only the two that really are.
    let report = f.engine.sweep();
    assert_eq!(report.suspended, [lapsing]);
    assert_eq!(report.terminated, [expiring]);
    assert_eq!(report.examined, 2);
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 40_000));
}

#[test]
fn sessions_swept_lazily_are_not_swept_again() {
    let f = Fixture::new();
    let task = f.task_ttl(&f.root, 10).id;
    let service = f.service(&f.root).id;
    let under = f.task(&service).id;
    f.advance_secs(30);
    assert_eq!(kind(f.engine.check_live(&task)), "gone");
    assert_eq!(kind(f.engine.check_live(&under)), "gone");
    assert_eq!(f.engine.status(&service).unwrap(), SessionStatus::Suspended);
    assert_eq!(f.engine.sweep(), SweepReport::default());
    // A suspended task still expires.
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 3_600_000));
    f.advance_secs(3_600);
    assert_eq!(f.engine.sweep().terminated, [under]);
    assert_eq!(f.engine.status(&service).unwrap(), SessionStatus::Suspended);
}

#[test]
fn sweep_cost_tracks_what_expired_not_what_is_live() {
    let f = Fixture::new();
    // 5 000 long-lived tasks (roots are unlimited, children are not).
    for _ in 0..500 {
        let root = f.engine.open_root();
        for _ in 0..MAX_LIVE_CHILDREN {
            f.task(&root);
        }
    }
    // 1 000 services, all but three renewed.
    let mut services = Vec::new();
    for _ in 0..100 {
        let root = f.engine.open_root();
        for _ in 0..MAX_LIVE_CHILDREN {
            services.push(f.service(&root).id);
        }
    }
    let short: Vec<_> = (0..3).map(|_| f.task_ttl(&f.root, 1).id).collect();
    assert_eq!(f.engine.live_count(), 6_003);

    f.advance_secs(1);
    let report = f.engine.sweep();
    assert_eq!(set(&report.terminated), set(&short));
    assert!(report.examined <= 10, "examined {}", report.examined);
    assert_eq!(report.examined, 3);

    f.advance_secs(19);
    for id in &services[3..] {
        f.engine.heartbeat(id, 1).unwrap();
    }
    f.advance_secs(10);
    let report = f.engine.sweep();
    assert_eq!(set(&report.suspended), set(&services[..3]));
    assert_eq!(report.examined, 3);
    assert_eq!(f.engine.sweep().examined, 0);
}

#[test]
fn next_deadline_follows_spawns_renewals_closes_and_sweeps() {
    let f = Fixture::new();
    assert_eq!(f.engine.next_deadline_ms(), None);
    let task = f.task_ttl(&f.root, 100).id;
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 100_000));
    let service = f.service(&f.root).id;
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 30_000));

    f.advance_secs(20);
    f.engine.heartbeat(&service, 1).unwrap();
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 50_000));
    f.engine.close(&service).unwrap();
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 100_000));

    let other = f.service(&f.root).id;
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 50_000));
    f.advance_secs(40);
    // Overdue deadlines are reported as they are, so a timer fires at once.
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 50_000));
    assert_eq!(f.engine.sweep().suspended, [other]);
    assert_eq!(f.engine.next_deadline_ms(), Some(T0 + 100_000));

    f.advance_secs(40);
    assert_eq!(f.engine.sweep().terminated, [task]);
    assert_eq!(f.engine.next_deadline_ms(), None);
}

#[test]
fn closing_a_root_drops_its_deadlines() {
    let f = Fixture::new();
    f.task(&f.root);
    f.service(&f.root);
    f.engine.close_root(&f.root);
    assert_eq!(f.engine.next_deadline_ms(), None);
    f.advance_secs(MAX_TTL_SECONDS.into());
    assert_eq!(f.engine.sweep(), SweepReport::default());
}
