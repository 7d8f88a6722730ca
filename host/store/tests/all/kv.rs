//! Spin key-value spaces: values as given, spaces kept apart, and a key
//! bound that holds when two hosts add keys to one space concurrently.

use std::sync::Arc;

use caracal_store::{KvSet, Store};

use crate::both;
use crate::fixture::Fixture;

both!(
    values_round_trip_and_spaces_stay_apart,
    concurrent_hosts_never_exceed_the_key_bound
);

fn values_round_trip_and_spaces_stay_apart(f: &Fixture) {
    let s = &*f.store;
    assert_eq!(s.kv_get("z/app/default", "k").unwrap(), None);
    assert!(!s.kv_exists("z/app/default", "k").unwrap());
    let binary: Vec<u8> = (0..=255).collect();
    assert_eq!(
        s.kv_set("z/app/default", "k", &binary, 10).unwrap(),
        KvSet::Stored
    );
    assert_eq!(s.kv_get("z/app/default", "k").unwrap(), Some(binary));
    assert!(s.kv_exists("z/app/default", "k").unwrap());
    // Another space (another label, another app) does not see it.
    assert_eq!(s.kv_get("z/app/other", "k").unwrap(), None);
    assert_eq!(s.kv_get("z/app2/default", "k").unwrap(), None);
    // An empty value is a value, not an absence.
    s.kv_set("z/app/default", "empty", b"", 10).unwrap();
    assert_eq!(
        s.kv_get("z/app/default", "empty").unwrap(),
        Some(Vec::new())
    );
    // Overwrite.
    s.kv_set("z/app/default", "k", b"v2", 10).unwrap();
    assert_eq!(
        s.kv_get("z/app/default", "k").unwrap().as_deref(),
        Some(&b"v2"[..])
    );
    assert_eq!(s.kv_keys("z/app/default").unwrap(), ["empty", "k"]);
    assert!(s.kv_delete("z/app/default", "k").unwrap());
    assert!(!s.kv_delete("z/app/default", "k").unwrap(), "already gone");
    assert_eq!(s.kv_keys("z/app/default").unwrap(), ["empty"]);

    // The bound counts keys: a full space refuses a new key and still
    // takes an overwrite of one it holds.
    s.kv_set("z/app/small", "a", b"1", 2).unwrap();
    s.kv_set("z/app/small", "b", b"1", 2).unwrap();
    assert_eq!(
        s.kv_set("z/app/small", "c", b"1", 2).unwrap(),
        KvSet::Full { max_keys: 2 }
    );
    assert_eq!(
        s.kv_set("z/app/small", "a", b"2", 2).unwrap(),
        KvSet::Stored
    );
    assert_eq!(s.kv_keys("z/app/small").unwrap(), ["a", "b"]);

    // Another host sharing the store sees the same keys.
    let other = f.other_host();
    assert_eq!(
        other.kv_get("z/app/small", "a").unwrap().as_deref(),
        Some(&b"2"[..])
    );
}

fn concurrent_hosts_never_exceed_the_key_bound(f: &Fixture) {
    let hosts: Vec<Arc<dyn Store>> = vec![f.store.clone(), f.other_host()];
    let stored: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|i| {
                let host = hosts[i % 2].clone();
                scope.spawn(move || {
                    (0..10)
                        .filter(|n| {
                            let key = format!("w{i}-{n}");
                            host.kv_set("z/app/race", &key, b"x", 15).unwrap() == KvSet::Stored
                        })
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert_eq!(stored, 15, "40 new keys, a bound of 15");
    assert_eq!(f.store.kv_keys("z/app/race").unwrap().len(), 15);
}
