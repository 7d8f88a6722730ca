//! Depth and live-children limits.

use caracal_authority::{MAX_DEPTH, MAX_LIVE_CHILDREN, SessionStatus, SpawnRequest};

use crate::{Fixture, kind};

#[test]
fn ten_levels_allowed_eleventh_refused() {
    let f = Fixture::new();
    let mut parent = f.root.clone();
    for depth in 1..=MAX_DEPTH {
        let child = f.task(&parent);
        assert_eq!(child.depth, depth);
        parent = child.id;
    }
    assert_eq!(kind(f.engine.spawn(&parent, SpawnRequest::task())), "limit");
    // A service is no exception.
    assert_eq!(
        kind(f.engine.spawn(&parent, SpawnRequest::service())),
        "limit"
    );
}

#[test]
fn ten_children_allowed_eleventh_refused_then_allowed_after_close() {
    let f = Fixture::new();
    let parent = f.task(&f.root).id;
    let children: Vec<_> = (0..MAX_LIVE_CHILDREN).map(|_| f.task(&parent).id).collect();
    assert_eq!(f.engine.live_children(&parent), MAX_LIVE_CHILDREN);
    assert_eq!(kind(f.engine.spawn(&parent, SpawnRequest::task())), "limit");

    f.engine.close(&children[3]).unwrap();
    assert_eq!(f.engine.live_children(&parent), MAX_LIVE_CHILDREN - 1);
    f.task(&parent);
    assert_eq!(kind(f.engine.spawn(&parent, SpawnRequest::task())), "limit");
}

#[test]
fn expired_children_free_their_slots() {
    let f = Fixture::new();
    let parent = f.task(&f.root).id;
    for _ in 0..MAX_LIVE_CHILDREN {
        f.spawn(&parent, SpawnRequest::task().with_ttl_seconds(10));
    }
    assert_eq!(kind(f.engine.spawn(&parent, SpawnRequest::task())), "limit");
    f.advance_secs(10);
    assert_eq!(f.engine.live_children(&parent), 0);
    f.task(&parent);
}

#[test]
fn suspended_children_still_count_as_live() {
    let f = Fixture::new();
    let parent = f.task(&f.root).id;
    let services: Vec<_> = (0..MAX_LIVE_CHILDREN)
        .map(|_| f.spawn(&parent, SpawnRequest::service()).id)
        .collect();
    f.advance_secs(31);
    assert_eq!(kind(f.engine.check_live(&services[0])), "gone");
    assert_eq!(
        f.engine.view(&services[0]).unwrap().status,
        SessionStatus::Suspended
    );
    assert_eq!(f.engine.live_children(&parent), MAX_LIVE_CHILDREN);
    assert_eq!(kind(f.engine.spawn(&parent, SpawnRequest::task())), "limit");
}

#[test]
fn live_count_counts_live_non_root_sessions() {
    let f = Fixture::new();
    assert_eq!(f.engine.live_count(), 0);
    let a = f.task(&f.root).id;
    let b = f.task(&a).id;
    f.task(&b);
    let other_root = f.engine.open_root();
    f.task(&other_root);
    assert_eq!(f.engine.live_count(), 4);
    f.engine.close(&b).unwrap();
    assert_eq!(f.engine.live_count(), 2);
    f.engine.close_root(&other_root);
    assert_eq!(f.engine.live_count(), 1);
}

#[test]
fn max_calls_is_metered_per_edge_and_shared_by_inheriting_children() {
    let f = crate::Fixture::new();
    let mut narrow = crate::grant(&["t:read"]);
    narrow.constraints.max_calls = Some(2);
    let metered = f.narrowed(&f.root, narrow).id;
    let child = f.task(&metered).id; // inherits the edge and its meter

    assert_eq!(f.engine.meter_call(&metered).unwrap(), 1);
    assert_eq!(f.engine.meter_call(&child).unwrap(), 2);
    let refused = f.engine.meter_call(&metered).unwrap_err();
    assert_eq!(refused.kind(), "denied");
    assert!(refused.message().contains("max_calls spent"), "{refused}");
    assert_eq!(crate::kind(f.engine.meter_call(&child)), "denied");
    // The root is unmetered.
    assert_eq!(f.engine.meter_call(&f.root).unwrap(), 0);
}

#[test]
fn concurrent_calls_never_exceed_max_calls() {
    let f = std::sync::Arc::new(crate::Fixture::new());
    let mut narrow = crate::grant(&["t:read"]);
    narrow.constraints.max_calls = Some(50);
    let metered = f.narrowed(&f.root, narrow).id;
    let allowed: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let f = f.clone();
                let id = metered.clone();
                scope.spawn(move || (0..20).filter(|_| f.engine.meter_call(&id).is_ok()).count())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(allowed, 50);
}

/// A greedy agent fills a tree ten wide at every level: its root stops at
/// the per-root cap, another root is unaffected, and closing makes room.
#[test]
fn one_root_holds_at_most_its_cap_of_live_sessions() {
    use caracal_authority::EngineConfig;
    let cap = 57;
    let f = Fixture::with_config(EngineConfig {
        max_sessions_per_root: cap,
        ..EngineConfig::default()
    });
    let mut frontier = vec![f.root.clone()];
    let mut live = Vec::new();
    let mut refused = 0;
    'fill: while let Some(parent) = frontier.pop() {
        for _ in 0..MAX_LIVE_CHILDREN {
            match f.engine.spawn(&parent, SpawnRequest::task()) {
                Ok(child) => {
                    live.push(child.id.clone());
                    frontier.insert(0, child.id);
                }
                Err(error) => {
                    assert_eq!(error.kind(), "limit", "{error}");
                    assert!(error.to_string().contains("live sessions"), "{error}");
                    refused += 1;
                    if refused > 3 {
                        break 'fill;
                    }
                }
            }
        }
    }
    assert_eq!(live.len(), cap, "exactly the cap is live");
    let other = f.engine.open_root();
    f.engine
        .spawn(&other, SpawnRequest::task())
        .expect("another root is unaffected");
    let last = live.last().unwrap();
    let parent = f.engine.view(last).unwrap().parent.unwrap();
    f.engine.close(last).unwrap();
    f.engine
        .spawn(&parent, SpawnRequest::task())
        .expect("a closed session makes room");
}
