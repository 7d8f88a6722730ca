//! Durable-state benchmarks, side by side in one run: spawn+close pairs
//! per second, `max_calls`-metered calls per second, and `check_live`
//! latency beside a writing thread, with state in memory only (the
//! baseline), written through to SQLite (fsync on every commit, and
//! `synchronous=NORMAL`), and to PostgreSQL; then the latency of a
//! revocation made on one host until another host sharing the PostgreSQL
//! store refuses the revoked session.
//!
//! Run with `cargo bench -p caracal-host --bench state`. PostgreSQL is a
//! throwaway cluster with the server's durable defaults (fsync per commit,
//! like SQLite FULL), or `CARACAL_TEST_PG_URL`; the PostgreSQL rows are
//! skipped with a message when neither can be had.

use caracal_host::authority::{
    Engine, EngineConfig, Grant, NarrowGrant, SpawnRequest, SystemClock,
};
use caracal_host::state::{Follower, attach_store};
use caracal_host::store::{PostgresStore, SqliteOptions, SqliteStore, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long each spawn+close row runs.
const RUN: Duration = Duration::from_secs(3);
/// Threads spawning and closing beside the `check_live` reader.
const WRITERS: usize = 2;
/// Revocations timed across hosts.
const REVOCATIONS: usize = 60;

/// One measurement: a rate per second on an engine.
type Measure = fn(&Engine) -> f64;

fn engine() -> Engine {
    Engine::new(EngineConfig::default(), Arc::new(SystemClock))
}

fn durable(store: Arc<dyn Store>, host: &str) -> (Arc<Engine>, Follower) {
    let (engine, follower, _) = attach_store(engine(), store, host).expect("store attaches");
    (engine, follower)
}

/// Spawn+close pairs per second under one root.
fn pairs_per_second(engine: &Engine) -> f64 {
    let root = engine.open_root();
    let start = Instant::now();
    let mut pairs = 0u64;
    while start.elapsed() < RUN {
        let child = engine.spawn(&root, SpawnRequest::task()).expect("spawn").id;
        engine.close(&child).expect("close");
        pairs += 1;
    }
    pairs as f64 / start.elapsed().as_secs_f64()
}

/// Metered calls (one `max_calls` edge) per second.
fn metered_calls_per_second(engine: &Engine) -> f64 {
    let root = engine.open_root();
    let mut grant = NarrowGrant::new(["x:read"]);
    grant.constraints.max_calls = Some(u64::MAX);
    let worker = engine
        .spawn(&root, SpawnRequest::task().with_grant(Grant::Narrow(grant)))
        .expect("spawn")
        .id;
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < RUN {
        engine.meter_call(&worker).expect("metered");
        calls += 1;
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

/// `check_live` latency (p50, p99.9, max) on one live session while
/// [`WRITERS`] threads spawn and close sessions under roots of their own.
fn reads_beside_writes(engine: &Arc<Engine>) -> [Duration; 3] {
    let reader_root = engine.open_root();
    let session = engine
        .spawn(&reader_root, SpawnRequest::task())
        .expect("spawn")
        .id;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (engine, stop) = (engine.clone(), stop.clone());
            std::thread::spawn(move || {
                let root = engine.open_root();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let child = engine.spawn(&root, SpawnRequest::task()).expect("spawn").id;
                    engine.close(&child).expect("close");
                }
            })
        })
        .collect();
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < RUN {
        let t = Instant::now();
        engine.check_live(&session).expect("live");
        samples.push(t.elapsed());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.join().expect("writer");
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    [at(0.5), at(0.999), at(1.0)]
}

fn schema() -> String {
    format!("bench_{}", uuid::Uuid::now_v7().simple())
}

/// The benchmark's PostgreSQL: `CARACAL_TEST_PG_URL`, else a durable
/// throwaway cluster kept until the process exits.
fn pg_url() -> Option<&'static str> {
    static URL: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("CARACAL_TEST_PG_URL") {
            return Some(url);
        }
        match caracal_pg_temp::Cluster::start_durable() {
            Ok(cluster) => {
                let url = cluster.url().to_owned();
                std::mem::forget(cluster); // its keeper stops it when we exit
                Some(url)
            }
            Err(error) => {
                eprintln!("PostgreSQL rows skipped: {error}");
                None
            }
        }
    })
    .as_deref()
}

fn postgres() -> Option<Arc<dyn Store>> {
    match PostgresStore::connect_with_schema(pg_url()?, &schema()) {
        Ok(store) => Some(Arc::new(store)),
        Err(error) => {
            eprintln!("PostgreSQL rows skipped: {error}");
            None
        }
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut backends: Vec<(&str, Option<Arc<dyn Store>>)> = vec![
        ("memory only", None),
        (
            "SQLite (FULL)",
            Some(Arc::new(
                SqliteStore::open(dir.path().join("full.db")).expect("sqlite"),
            )),
        ),
        (
            "SQLite (NORMAL)",
            Some(Arc::new(
                SqliteStore::open_with(
                    dir.path().join("normal.db"),
                    SqliteOptions::default().sync_full(false),
                )
                .expect("sqlite"),
            )),
        ),
    ];
    let pg = postgres();
    if let Some(pg) = &pg {
        backends.push(("PostgreSQL", Some(pg.clone())));
    }
    let measures: [(&str, Measure); 2] = [
        ("spawn+close pairs/s", pairs_per_second),
        ("metered calls/s", metered_calls_per_second),
    ];
    for (title, measure) in measures {
        println!("{title} (one thread, {RUN:?} each; ratio to memory)");
        let mut baseline = None;
        for (name, store) in &backends {
            let rate = match store {
                None => measure(&engine()),
                Some(store) => measure(&durable(store.clone(), "bench-host").0),
            };
            let base = *baseline.get_or_insert(rate);
            println!("  {name:<20} {rate:>10.0}   {:.4}", rate / base);
        }
    }
    println!(
        "check_live beside {WRITERS} threads that spawn and close (hot reads wait behind writes): p50, p99.9, max"
    );
    for (name, store) in &backends {
        let engine = match store {
            None => Arc::new(engine()),
            Some(store) => durable(store.clone(), "bench-host").0,
        };
        let [p50, p999, max] = reads_beside_writes(&engine);
        println!("  {name:<20} {p50:>12?} {p999:>12?} {max:>12?}");
    }
    if pg.is_none() {
        return;
    }

    // Cross-host revocation: host A revokes a delegation, host B (its own
    // connections, following the change feed) refuses the revoked session.
    let schema = schema();
    let connect = || -> Arc<dyn Store> {
        Arc::new(
            PostgresStore::connect_with_schema(pg_url().expect("postgres"), &schema)
                .expect("postgres"),
        )
    };
    let (a, _fa) = durable(connect(), "host-a");
    let (b, _fb) = durable(connect(), "host-b");
    let root = a.open_root();
    let mut latencies = Vec::with_capacity(REVOCATIONS);
    for _ in 0..REVOCATIONS {
        let grant = Grant::Narrow(NarrowGrant::new(["x:read"]));
        let worker = a
            .spawn(&root, SpawnRequest::task().with_grant(grant))
            .expect("spawn");
        let edge = worker.authority.and_then(|a| a.edge_id).expect("edge");
        wait(|| b.check_live(&worker.id).is_ok());
        let start = Instant::now();
        a.revoke_as_admin(&edge).expect("revoke");
        wait(|| b.check_live(&worker.id).is_err());
        latencies.push(start.elapsed());
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "cross-host revocation (PostgreSQL NOTIFY, {REVOCATIONS} runs, from the start of A's revoke until B refuses): median {:?}, p90 {:?}, max {:?}",
        at(0.5),
        at(0.9),
        at(1.0)
    );
}

fn wait(mut condition: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < give_up, "timed out");
        std::hint::spin_loop();
    }
}
