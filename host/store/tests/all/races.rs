//! Race-freedom of the capacity check: threads of one store and two
//! separate stores ("hosts") racing for the last child slots.

use std::sync::{Arc, Barrier};
use std::thread;

use caracal_store::{LimitKind, SpawnLimits, Store, StoreError};

use crate::both;
use crate::fixture::{Fixture, root, task};

both!(
    last_slot_threads,
    last_slot_two_hosts,
    many_writers_fill_exactly
);

/// Rounds of the last-slot race (each on a fresh parent).
const ROUNDS: usize = 10;

/// `parent` gets `max - 1` children, then each store of `racers` tries to
/// add one more at the same moment; returns how many succeeded.
fn race_for_last_slot(setup: &Arc<dyn Store>, racers: &[Arc<dyn Store>], round: usize) -> usize {
    let limits = SpawnLimits::default();
    let parent = root(&format!("p{round}"), "h");
    setup.insert_session_checked(&parent, limits).unwrap();
    for i in 0..limits.max_live_children - 1 {
        setup
            .insert_session_checked(&task(&parent, &format!("p{round}-c{i}")), limits)
            .unwrap();
    }
    let barrier = Arc::new(Barrier::new(racers.len()));
    let handles: Vec<_> = racers
        .iter()
        .enumerate()
        .map(|(i, store)| {
            let (store, barrier, parent) =
                (Arc::clone(store), Arc::clone(&barrier), parent.clone());
            thread::spawn(move || {
                let child = task(&parent, &format!("{}-racer{i}", parent.id));
                barrier.wait();
                store.insert_session_checked(&child, limits)
            })
        })
        .collect();
    let mut wins = 0;
    for h in handles {
        match h.join().unwrap() {
            Ok(()) => wins += 1,
            Err(StoreError::Limit {
                what: LimitKind::Children,
                ..
            }) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    let live = setup
        .load_live()
        .unwrap()
        .sessions
        .iter()
        .filter(|s| s.parent_id.as_deref() == Some(parent.id.as_str()))
        .count();
    assert_eq!(live, limits.max_live_children as usize);
    wins
}

/// Two threads of one store.
fn last_slot_threads(f: &Fixture) {
    for round in 0..ROUNDS {
        let racers = [Arc::clone(&f.store), Arc::clone(&f.store)];
        assert_eq!(race_for_last_slot(&f.store, &racers, round), 1);
    }
}

/// Two hosts (separate stores, separate connections), two threads each.
fn last_slot_two_hosts(f: &Fixture) {
    let b = f.other_host();
    for round in 0..ROUNDS {
        let racers = [
            Arc::clone(&f.store),
            Arc::clone(&b),
            Arc::clone(&f.store),
            Arc::clone(&b),
        ];
        assert_eq!(race_for_last_slot(&f.store, &racers, round), 1);
    }
}

/// 8 writers on two hosts each try to add 5 children to one parent: exactly
/// `max_live_children` succeed in total.
fn many_writers_fill_exactly(f: &Fixture) {
    let limits = SpawnLimits::default();
    let parent = root("p", "h");
    f.store.insert_session_checked(&parent, limits).unwrap();
    let hosts = [Arc::clone(&f.store), f.other_host()];
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|w| {
            let store = Arc::clone(&hosts[w % 2]);
            let (barrier, parent) = (Arc::clone(&barrier), parent.clone());
            thread::spawn(move || {
                barrier.wait();
                (0..5)
                    .filter(|i| {
                        store
                            .insert_session_checked(&task(&parent, &format!("w{w}-{i}")), limits)
                            .is_ok()
                    })
                    .count()
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, limits.max_live_children as usize);
}

/// Set in a child process of [`last_slot_two_processes`]: what to race.
const RACER_ENV: &str = "CARACAL_STORE_RACER";

/// Rounds of the two-process race.
const PROCESS_ROUNDS: usize = 5;

/// Wall-clock ms.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Two separate processes (this test binary, re-executed) race for the
/// last slot of a parent, `PROCESS_ROUNDS` times at agreed instants:
/// exactly one wins each round.
fn last_slot_two_processes(f: &Fixture) {
    let limits = SpawnLimits::default();
    for round in 0..PROCESS_ROUNDS {
        let parent = root(&format!("p{round}"), "h");
        f.store.insert_session_checked(&parent, limits).unwrap();
        for i in 0..limits.max_live_children - 1 {
            f.store
                .insert_session_checked(&task(&parent, &format!("p{round}-c{i}")), limits)
                .unwrap();
        }
    }
    let location = match (f.sqlite_path(), f.schema()) {
        (Some(path), _) => format!("sqlite|{}", path.display()),
        (None, Some(schema)) => format!("postgres|{schema}"),
        _ => unreachable!(),
    };
    // Leave time for both processes to start and open the store.
    let start_at = now_ms() + 2000;
    let children: Vec<_> = (0..2)
        .map(|p| {
            let mut child = std::process::Command::new(std::env::current_exe().unwrap());
            if f.is_postgres() {
                // This process's cluster, not one of the child's own.
                child.env("CARACAL_TEST_PG_URL", crate::fixture::pg_url());
            }
            child
                .args([
                    "--exact",
                    "races::racer_process",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(RACER_ENV, format!("{location}|{p}|{start_at}"))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<String> = children
        .into_iter()
        .map(|c| String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap())
        .collect();
    for round in 0..PROCESS_ROUNDS {
        let results: Vec<&str> = outputs
            .iter()
            .map(|out| {
                let tag = format!("RACER round={round} ");
                // The harness may print `test … ... ` before the line.
                out.lines()
                    .find_map(|l| l.find(&tag).map(|at| &l[at + tag.len()..]))
                    .unwrap_or_else(|| panic!("no result for round {round} in:\n{out}"))
            })
            .collect();
        let wins = results.iter().filter(|r| **r == "win").count();
        let limited = results.iter().filter(|r| **r == "limit").count();
        assert_eq!((wins, limited), (1, 1), "round {round}: {results:?}");
    }
}

both!(last_slot_two_processes);

/// The child half of [`last_slot_two_processes`]; does nothing unless
/// [`RACER_ENV`] is set.
#[test]
fn racer_process() {
    let Ok(spec) = std::env::var(RACER_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.split('|').collect();
    let [backend, location, process, start_at] = parts[..] else {
        panic!("bad {RACER_ENV}: {spec}");
    };
    let store: Arc<dyn Store> = match backend {
        "sqlite" => Arc::new(caracal_store::SqliteStore::open(location).unwrap()),
        _ => Arc::new(
            caracal_store::PostgresStore::connect_with_schema(&crate::fixture::pg_url(), location)
                .unwrap(),
        ),
    };
    let start_at: u64 = start_at.parse().unwrap();
    for round in 0..PROCESS_ROUNDS {
        let at = start_at + 200 * round as u64;
        if let Some(wait) = at.checked_sub(now_ms()) {
            thread::sleep(std::time::Duration::from_millis(wait));
        }
        let parent = root(&format!("p{round}"), "h");
        let child = task(&parent, &format!("p{round}-process{process}"));
        let result = match store.insert_session_checked(&child, SpawnLimits::default()) {
            Ok(()) => "win".to_owned(),
            Err(StoreError::Limit { .. }) => "limit".to_owned(),
            Err(e) => format!("error: {e}"),
        };
        println!("RACER round={round} {result}");
    }
}
