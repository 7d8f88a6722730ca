//! Compaction: sessions that ended long ago are forgotten, everything live
//! behaves exactly as before.

use std::time::Duration;

use caracal_authority::{AuthorityError, EngineConfig, SessionId, SessionStatus, SpawnRequest};

use super::{Fixture, edge_of, grant, kind, offer};

const GRACE: Duration = Duration::from_secs(3600);

#[test]
fn closed_sessions_are_forgotten_after_the_grace_and_not_before() {
    let f = Fixture::new();
    let closed: Vec<SessionId> = (0..500)
        .map(|_| {
            let child = f.narrowed(&f.root, grant(&["x:read"])).id;
            f.engine.close(&child).unwrap();
            child
        })
        .collect();
    assert_eq!(f.engine.held_in_memory(), (501, 500));

    f.advance_secs(3599);
    assert_eq!(f.engine.compact(GRACE).sessions, 0, "within the grace");
    assert_eq!(
        f.engine.status(&closed[0]).unwrap(),
        SessionStatus::Terminated
    );

    f.advance_secs(1);
    let compaction = f.engine.compact(GRACE);
    assert_eq!((compaction.sessions, compaction.edges), (500, 500));
    assert_eq!(f.engine.held_in_memory(), (1, 0));
    assert_eq!(kind(f.engine.status(&closed[7])), "not-found");
    // The root goes on as before.
    let next = f.narrowed(&f.root, grant(&["x:read"]));
    assert!(f.engine.check_live(&next.id).is_ok());
}

/// An engine whose tasks live a day and whose leases last two hours.
fn long_lived() -> Fixture {
    Fixture::with_config(EngineConfig {
        default_ttl_seconds: 86_400,
        lease_ms: 7_200_000,
        ..EngineConfig::default()
    })
}

#[test]
fn live_sessions_keep_their_deadlines_edges_and_cascades() {
    let f = long_lived();
    let agent = f.agent(&f.root, &["x:read", "x:write"], 3);
    let worker = f.narrowed(&agent.id, grant(&["x:read"]));
    let ttl_task = f.task_ttl(&agent.id, 7200);
    let service = f.service(&agent.id);
    let gone = f.task(&agent.id).id;
    f.engine.close(&gone).unwrap();
    f.advance_secs(3600);
    let lease = f.engine.heartbeat(&service.id, 1).unwrap();

    let compaction = f.engine.compact(GRACE);
    assert_eq!(compaction.sessions, 1);
    assert_eq!(kind(f.engine.status(&gone)), "not-found");

    // The deadline heaps were renumbered: the task expires at its TTL, the
    // service lapses when its lease does.
    assert!(f.engine.check_live(&ttl_task.id).is_ok());
    f.clock.set(ttl_task.expires_at_ms.unwrap());
    f.engine.sweep();
    assert!(f.engine.check_live(&ttl_task.id).is_err());
    assert!(f.engine.check_live(&service.id).is_ok());
    f.clock.set(lease.deadline_ms + 1);
    f.engine.sweep();
    assert_eq!(
        f.engine.status(&service.id).unwrap(),
        SessionStatus::Suspended
    );

    // Edges were renumbered: revoking the agent's edge still reaches the
    // worker narrowed from it.
    assert!(f.engine.check_live(&worker.id).is_ok());
    f.engine.revoke_as_admin(&edge_of(&agent)).unwrap();
    assert!(matches!(
        f.engine.check_live(&worker.id),
        Err(AuthorityError::Gone(_))
    ));
}

#[test]
fn a_peer_delegation_ended_with_its_issuer_is_forgotten_and_its_receiver_is_not() {
    let f = long_lived();
    let a = f.agent(&f.root, &["x:read"], 3).id;
    let b = f.task(&f.root).id;
    let offered = f.engine.delegate(&a, offer(&b, &["x:read"])).unwrap();
    let derived = f.engine.accept_delegation(&b, &offered.id).unwrap().id;
    f.engine.close(&a).unwrap();
    assert_eq!(
        f.engine.status(&derived).unwrap(),
        SessionStatus::Terminated
    );
    f.advance_secs(3600);
    let compaction = f.engine.compact(GRACE);
    assert_eq!((compaction.sessions, compaction.edges), (2, 2));
    assert_eq!(kind(f.engine.status(&derived)), "not-found");
    assert!(f.engine.check_live(&b).is_ok());
    let again = f.agent(&f.root, &["x:read"], 3).id;
    let offered = f.engine.delegate(&again, offer(&b, &["x:read"])).unwrap();
    assert!(f.engine.accept_delegation(&b, &offered.id).is_ok());
}

/// A tiny deterministic generator (xorshift64*).
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// One engine compacting now and then, one never: on the same random
/// operations they agree on every outcome, except that the compacting one
/// may no longer know a session the other reports ended.
#[test]
fn a_compacting_engine_agrees_with_one_that_never_compacts() {
    for seed in [0x9e37_79b9_7f4a_7c15, 7, 0xdead_beef, 42] {
        agree_on_random_operations(seed);
    }
}

fn agree_on_random_operations(seed: u64) {
    let (a, b) = (Fixture::new(), Fixture::new());
    let mut sessions = vec![(a.root.clone(), b.root.clone())];
    let mut edges: Vec<(String, String)> = Vec::new();
    let mut dice = Dice(seed);
    let agree =
        |x: Result<(), AuthorityError>, y: Result<(), AuthorityError>, what: &str| match (&x, &y) {
            (Ok(()), Ok(())) => {}
            (Err(AuthorityError::NotFound(_)), Err(AuthorityError::Gone(_))) => {}
            (Err(e), Err(f)) if e.kind() == f.kind() => {}
            _ => panic!("{what}: compacting {x:?}, reference {y:?}"),
        };
    let mut compacted = 0;
    for step in 0..1500 {
        let (pa, pb) = sessions[dice.below(sessions.len())].clone();
        match dice.below(10) {
            0..=2 => {
                let request = match dice.below(3) {
                    0 => SpawnRequest::task(),
                    1 => SpawnRequest::service(),
                    _ => SpawnRequest::task()
                        .with_grant(caracal_authority::Grant::Narrow(grant(&["x:read"]))),
                };
                match (
                    a.engine.spawn(&pa, request.clone()),
                    b.engine.spawn(&pb, request),
                ) {
                    (Ok(x), Ok(y)) => {
                        if let (Some(ex), Some(ey)) = (
                            x.authority.as_ref().and_then(|a| a.edge_id.clone()),
                            y.authority.as_ref().and_then(|a| a.edge_id.clone()),
                        ) && !edges.iter().any(|(e, _)| *e == ex)
                        {
                            edges.push((ex, ey));
                        }
                        sessions.push((x.id, y.id));
                    }
                    (x, y) => agree(x.map(drop), y.map(drop), "spawn"),
                }
            }
            3 | 4 => agree(a.engine.close(&pa), b.engine.close(&pb), "close"),
            5 if !edges.is_empty() => {
                let (ea, eb) = edges[dice.below(edges.len())].clone();
                match (a.engine.revoke_as_admin(&ea), b.engine.revoke_as_admin(&eb)) {
                    // A forgotten edge: revoking it ends nothing live.
                    (Err(AuthorityError::NotFound(_)), Ok(impact)) => {
                        assert!(impact.sessions.is_empty(), "{impact:?}");
                    }
                    (x, y) => agree(x.map(drop), y.map(drop), "revoke"),
                }
            }
            6 => {
                let (ta, tb) = sessions[dice.below(sessions.len())].clone();
                let made = (
                    a.engine.delegate(&pa, offer(&ta, &["x:read"])),
                    b.engine.delegate(&pb, offer(&tb, &["x:read"])),
                );
                match made {
                    (Ok(x), Ok(y)) => {
                        edges.push((x.id.clone(), y.id.clone()));
                        match (
                            a.engine.accept_delegation(&ta, &x.id),
                            b.engine.accept_delegation(&tb, &y.id),
                        ) {
                            (Ok(x), Ok(y)) => sessions.push((x.id, y.id)),
                            (x, y) => agree(x.map(drop), y.map(drop), "accept"),
                        }
                    }
                    (x, y) => agree(x.map(drop), y.map(drop), "delegate"),
                }
            }
            7 => {
                let secs = dice.below(900) as u64;
                a.advance_secs(secs);
                b.advance_secs(secs);
                a.engine.sweep();
                b.engine.sweep();
            }
            _ => {}
        }
        if step % 25 == 0 {
            compacted += a.engine.compact(Duration::from_secs(600)).sessions;
        }
        for (sa, sb) in &sessions {
            agree(
                a.engine.check_live(sa),
                b.engine.check_live(sb),
                "check_live",
            );
        }
    }
    assert!(compacted > 0, "the run forgot something");
    let (held_a, _) = a.engine.held_in_memory();
    let (held_b, _) = b.engine.held_in_memory();
    assert!(held_a < held_b, "{held_a} < {held_b}");
}
