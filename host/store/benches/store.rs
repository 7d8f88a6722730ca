//! Store throughput, SQLite and PostgreSQL side by side: checked session
//! inserts each followed by an end (`insert_session_checked` +
//! `end_sessions`), lease renewals and audit appends, on 1 and 4 threads.
//!
//! Not part of CI. Run: `cargo bench -p caracal-store` (PostgreSQL is a
//! throwaway cluster with fsync on, or `CARACAL_TEST_PG_URL`). `BENCH_OPS`
//! sets the operations per thread.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use caracal_store::{
    AuditRow, Lifecycle, PostgresStore, SessionRecord, SessionStatus, SpawnLimits, SqliteOptions,
    SqliteStore, Store,
};

const T0: u64 = 1_795_874_587_000;

fn record(id: String, parent: Option<&str>, lifecycle: Lifecycle, depth: u32) -> SessionRecord {
    SessionRecord {
        root_id: parent.unwrap_or(&id).to_owned(),
        parent_id: parent.map(str::to_owned),
        id,
        application_id: "bench".into(),
        zone_id: "local".into(),
        lifecycle,
        status: SessionStatus::Active,
        labels: vec!["bench".into()],
        trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
        depth,
        expires_at_ms: (lifecycle == Lifecycle::Task).then_some(T0 + 3_600_000),
        lease_deadline_ms: (lifecycle == Lifecycle::Service).then_some(T0 + 30_000),
        lease_generation: u64::from(lifecycle == Lifecycle::Service),
        authority_json: Some(r#"{"scopes":["tickets:read"],"hop":1}"#.into()),
        host_id: "bench".into(),
        created_at_ms: T0,
        ended_at_ms: None,
    }
}

/// Runs `op(thread, i)` `ops` times on each of `threads` threads; returns
/// operations per second.
fn run(threads: usize, ops: usize, op: impl Fn(usize, usize) + Send + Sync + 'static) -> f64 {
    let op = Arc::new(op);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (op, barrier) = (Arc::clone(&op), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                for i in 0..ops {
                    op(t, i);
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for h in handles {
        h.join().unwrap();
    }
    (threads * ops) as f64 / start.elapsed().max(Duration::from_nanos(1)).as_secs_f64()
}

/// The figures for one store.
fn bench(name: &str, store: Arc<dyn Store>, ops: usize) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let limits = SpawnLimits::default();
    for threads in [1, 4] {
        let tag = format!("{name}/{threads}t");
        for t in 0..threads {
            let root = record(format!("{tag}-root{t}"), None, Lifecycle::Root, 0);
            store.insert_session_checked(&root, limits).unwrap();
            let svc = record(
                format!("{tag}-svc{t}"),
                Some(&root.id),
                Lifecycle::Service,
                1,
            );
            store.insert_session_checked(&svc, limits).unwrap();
        }
        let s = Arc::clone(&store);
        let tg = tag.clone();
        let pairs = run(threads, ops, move |t, i| {
            let parent = format!("{tg}-root{t}");
            let child = record(format!("{tg}-{t}-{i}"), Some(&parent), Lifecycle::Task, 1);
            s.insert_session_checked(&child, limits).unwrap();
            s.end_sessions(&[child.id], SessionStatus::Terminated, T0 + 1)
                .unwrap();
        });
        out.push((format!("insert+end pairs/s, {threads} thread(s)"), pairs));
        let s = Arc::clone(&store);
        let tg = tag.clone();
        let renews = run(threads, ops, move |t, i| {
            s.renew_lease(&format!("{tg}-svc{t}"), 1, T0 + 30_000 + i as u64)
                .unwrap();
        });
        out.push((format!("lease renewals/s, {threads} thread(s)"), renews));
        let s = Arc::clone(&store);
        let appends = run(threads, ops, move |_, _| {
            s.append_audit(&mut |head| {
                let seq = head.map_or(1, |h| h.seq + 1);
                let prev = head.map_or_else(|| "0".repeat(64), |h| h.hash.clone());
                let hash = format!("{seq:064x}");
                AuditRow {
                    record_json: format!(r#"{{"seq":{seq},"prev":"{prev}","hash":"{hash}"}}"#),
                    seq,
                    prev,
                    hash,
                }
            })
            .unwrap();
        });
        out.push((format!("audit appends/s, {threads} thread(s)"), appends));
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; a filter is not supported.
    let ops: usize = std::env::var("BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let cluster = std::env::var("CARACAL_TEST_PG_URL")
        .is_err()
        .then(|| caracal_pg_temp::Cluster::start_durable().unwrap_or_else(|e| panic!("{e}")));
    let url = match &cluster {
        Some(cluster) => cluster.url().to_owned(),
        None => std::env::var("CARACAL_TEST_PG_URL").unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();

    let mut columns: Vec<(&str, Vec<(String, f64)>)> = Vec::new();
    let full = SqliteStore::open(dir.path().join("full.db")).unwrap();
    columns.push((
        "sqlite (sync FULL)",
        bench("sqlite-full", Arc::new(full), ops),
    ));
    let normal = SqliteStore::open_with(
        dir.path().join("normal.db"),
        SqliteOptions::default().sync_full(false),
    )
    .unwrap();
    columns.push((
        "sqlite (sync NORMAL)",
        bench("sqlite-normal", Arc::new(normal), ops),
    ));
    let schema = format!("bench_{}", std::process::id());
    let pg = PostgresStore::connect_with_schema(&url, &schema)
        .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
    columns.push(("postgres", bench("postgres", Arc::new(pg), ops)));
    if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
        let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
    }

    println!("caracal-store throughput, {ops} operations per thread");
    print!("{:<38}", "");
    for (name, _) in &columns {
        print!("{name:>22}");
    }
    println!();
    for (row, (label, _)) in columns[0].1.iter().enumerate() {
        print!("{label:<38}");
        for (_, figures) in &columns {
            print!("{:>22.0}", figures[row].1);
        }
        println!();
    }
}
