//! The `max_calls` meter: all-or-nothing charges, and a bound that holds
//! when two hosts charge one edge concurrently.

use std::sync::Arc;

use caracal_store::{CallCharge, SpawnLimits, Store, StoreError};

use crate::both;
use crate::fixture::{Fixture, edge, root, task};

both!(
    charges_stop_at_the_bound,
    concurrent_hosts_never_exceed_the_bound
);

/// A root, a child and two edges `a` and `b` from the root to the child.
fn two_edges(s: &dyn Store) {
    let r = root("root", "h");
    let child = task(&r, "child");
    s.insert_session_checked(&r, SpawnLimits::default())
        .unwrap();
    s.insert_session_checked(&child, SpawnLimits::default())
        .unwrap();
    s.insert_edge(&edge("a", &r, &child)).unwrap();
    s.insert_edge(&edge("b", &r, &child)).unwrap();
}

fn meters(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|(e, m)| ((*e).to_owned(), *m)).collect()
}

fn charges_stop_at_the_bound(f: &Fixture) {
    let s = &*f.store;
    two_edges(s);
    let both = meters(&[("a", 3), ("b", 2)]);
    assert_eq!(
        s.charge_calls(&both).unwrap(),
        CallCharge::Charged { busiest: 1 }
    );
    assert_eq!(
        s.charge_calls(&meters(&[("a", 3)])).unwrap(),
        CallCharge::Charged { busiest: 2 }
    );
    assert_eq!(
        s.charge_calls(&both).unwrap(),
        CallCharge::Charged { busiest: 3 }
    );
    // `b` is spent: nothing is charged, not even to `a`.
    assert_eq!(
        s.charge_calls(&meters(&[("a", 4), ("b", 2)])).unwrap(),
        CallCharge::Spent {
            edge_id: "b".into(),
            max: 2
        }
    );
    assert_eq!(
        (s.calls_used("a").unwrap(), s.calls_used("b").unwrap()),
        (3, 2)
    );
    assert_eq!(s.calls_used("never-charged").unwrap(), 0);
    assert!(matches!(
        s.charge_calls(&meters(&[("a", 9), ("nope", 9)])),
        Err(StoreError::NotFound { what: "edge", .. })
    ));
    assert_eq!(
        s.calls_used("a").unwrap(),
        3,
        "a failed charge charges nothing"
    );

    // The meter is part of the state: another host (or a restart) sees it.
    let other = f.other_host();
    assert_eq!(
        other.charge_calls(&meters(&[("a", 3)])).unwrap(),
        CallCharge::Spent {
            edge_id: "a".into(),
            max: 3
        }
    );
}

fn concurrent_hosts_never_exceed_the_bound(f: &Fixture) {
    two_edges(&*f.store);
    let hosts: Vec<Arc<dyn Store>> = vec![f.store.clone(), f.other_host()];
    let charged: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|i| {
                let host = hosts[i % 2].clone();
                scope.spawn(move || {
                    (0..10)
                        .filter(|_| {
                            matches!(
                                host.charge_calls(&meters(&[("a", 15)])).unwrap(),
                                CallCharge::Charged { .. }
                            )
                        })
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert_eq!(charged, 15, "40 attempts, a bound of 15");
    assert_eq!(f.store.calls_used("a").unwrap(), 15);
}
