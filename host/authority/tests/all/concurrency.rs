//! Concurrent spawns under one parent.

use std::sync::Arc;
use std::thread;

use caracal_authority::{Engine, EngineConfig, MAX_LIVE_CHILDREN, ManualClock, SpawnRequest};

use crate::T0;

#[test]
fn four_threads_never_exceed_ten_live_children() {
    for _ in 0..20 {
        let engine = Arc::new(Engine::new(
            EngineConfig::default(),
            Arc::new(ManualClock::new(T0)),
        ));
        let root = engine.open_root();
        let parent = engine.spawn(&root, SpawnRequest::task()).unwrap().id;

        let handles: Vec<_> = (0..4)
            .map(|_| {
                let engine = Arc::clone(&engine);
                let parent = parent.clone();
                thread::spawn(move || {
                    let mut ok = 0;
                    for _ in 0..10 {
                        match engine.spawn(&parent, SpawnRequest::task()) {
                            Ok(_) => ok += 1,
                            Err(e) => assert_eq!(e.kind(), "limit", "{e}"),
                        }
                        assert!(engine.live_children(&parent) <= MAX_LIVE_CHILDREN);
                    }
                    ok
                })
            })
            .collect();
        let spawned: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(spawned, MAX_LIVE_CHILDREN);
        assert_eq!(engine.live_children(&parent), MAX_LIVE_CHILDREN);
        assert_eq!(engine.live_count(), MAX_LIVE_CHILDREN + 1);
    }
}

#[test]
fn concurrent_spawn_and_close_keep_the_limit() {
    let engine = Arc::new(Engine::new(
        EngineConfig::default(),
        Arc::new(ManualClock::new(T0)),
    ));
    let root = engine.open_root();
    let parent = engine.spawn(&root, SpawnRequest::task()).unwrap().id;
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let engine = Arc::clone(&engine);
            let parent = parent.clone();
            thread::spawn(move || {
                for _ in 0..200 {
                    if let Ok(child) = engine.spawn(&parent, SpawnRequest::task()) {
                        assert!(engine.live_children(&parent) <= MAX_LIVE_CHILDREN);
                        engine.check_live(&child.id).unwrap();
                        engine.close(&child.id).unwrap();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(engine.live_children(&parent), 0);
}
