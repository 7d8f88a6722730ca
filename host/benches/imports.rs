//! Host-call benchmarks, side by side in one run: a guest calling a no-op
//! import (the baseline), `headers()`, and a `spawn()`+`close()` pair. Each
//! is reported as time per call and as a ratio to the no-op.
//!
//! Run with `cargo bench -p caracal-host --bench imports`. The guest
//! (`host/test-programs/src/bin/bench.rs`) times only its loop, between the
//! `caracal:bench/timer` imports `start` and `stop`, so instantiation and
//! set-up are not counted.

use caracal_host::{AgentHost, RunOptions};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Calls per sample and samples per kind; the median sample is reported.
const CALLS: u32 = 20_000;
const SAMPLES: usize = 9;

/// Targets on the reference 2-core machine: (kind, ns per call, × no-op).
/// Issue 14: a `headers()` call within 1 µs, a `spawn()`+`close()` pair
/// within 3 µs.
const TARGETS: [(&str, f64, Option<f64>); 2] =
    [("headers", 1_000.0, None), ("spawn-close", 3_000.0, None)];

#[derive(Default)]
struct Timer {
    started: Option<Instant>,
    elapsed: Duration,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cache = std::env::temp_dir().join("caracal-bench-cache");
    let mut host = AgentHost::builder().cache_dir(Some(cache)).build()?;
    let timer = Arc::new(Mutex::new(Timer::default()));
    link_timer(&mut host, &timer).map_err(|e| format!("{e:#}"))?;
    let (agent, _) = host.load(test_programs_artifacts::BENCH.as_ref(), || {
        eprintln!("compiling the bench guest…")
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;

    let measure = |kind: &str| -> Result<f64, Box<dyn std::error::Error>> {
        let mut samples = Vec::with_capacity(SAMPLES);
        for sample in 0..=SAMPLES {
            let options = RunOptions {
                args: vec![kind.into(), CALLS.to_string()],
                capture_output: true,
                ..Default::default()
            };
            let outcome = runtime.block_on(host.run(&agent, options))?;
            if outcome.exit_code != 0 {
                return Err(format!(
                    "{kind}: guest exited {}: {}",
                    outcome.exit_code,
                    String::from_utf8_lossy(&outcome.stderr)
                )
                .into());
            }
            let elapsed = std::mem::take(&mut *timer.lock().unwrap()).elapsed;
            if sample > 0 {
                // Sample 0 warms caches and the allocator.
                samples.push(elapsed.as_nanos() as f64 / f64::from(CALLS));
            }
        }
        samples.sort_by(f64::total_cmp);
        Ok(samples[SAMPLES / 2])
    };

    let noop = measure("noop")?;
    println!("{:<14} {:>12} {:>10}  target", "kind", "ns/call", "× no-op");
    println!("{:<14} {:>12.0} {:>10.1}", "noop", noop, 1.0);
    for kind in ["headers", "spawn-close"] {
        let ns = measure(kind)?;
        let ratio = ns / noop;
        let (_, max_ns, max_ratio) = TARGETS.iter().find(|(k, ..)| *k == kind).copied().unwrap();
        let met = ns <= max_ns && max_ratio.is_none_or(|r| ratio <= r);
        let target = match max_ratio {
            Some(r) => format!("≤ {:.0} ns and ≤ {r:.0}×", max_ns),
            None => format!("≤ {:.0} ns", max_ns),
        };
        println!(
            "{kind:<14} {ns:>12.0} {ratio:>10.1}  {target}: {}",
            if met { "met" } else { "MISSED" }
        );
    }
    Ok(())
}

/// Links `caracal:bench/timer`: `start` and `stop` bracket the timed loop,
/// `noop` is the baseline import.
fn link_timer(host: &mut AgentHost, timer: &Arc<Mutex<Timer>>) -> wasmtime::Result<()> {
    let mut instance = host.linker_mut().instance("caracal:bench/timer")?;
    let start = timer.clone();
    instance.func_wrap("start", move |_, (): ()| {
        start.lock().unwrap().started = Some(Instant::now());
        Ok(())
    })?;
    let stop = timer.clone();
    instance.func_wrap("stop", move |_, (): ()| {
        let mut timer = stop.lock().unwrap();
        if let Some(started) = timer.started.take() {
            timer.elapsed += started.elapsed();
        }
        Ok(())
    })?;
    instance.func_wrap("noop", |_, (): ()| Ok(()))?;
    Ok(())
}
