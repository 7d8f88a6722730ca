//! Agents per guest language, side by side in one run with the Rust
//! `hello-agent`: cold build time (`caracal-host build`, the toolchain
//! already installed), component size, first start (compile, then run) and
//! warm start (the compiled-component cache, then run; in process, and as
//! a `caracal-host run` process with its default store), and the per-call
//! cost of `headers()` from Python and JavaScript against the cheapest
//! import (`status()`), timed inside the guest.
//!
//! Run with `cargo bench -p caracal-host --bench guests` (installs the
//! componentize-py and ComponentizeJS toolchains into the target directory
//! on first use). Targets (issue 16): a Python warm start within 5× the
//! Rust agent's, and `headers()` from Python within 20 µs.

use caracal_host::build::{BuildOptions, build};
use caracal_host::{AgentHost, RunOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Rounds of start measurements (`GUESTS_BENCH_STARTS`, default 5), each a
/// first start and a warm start of every agent in turn; medians are
/// reported.
fn starts() -> usize {
    std::env::var("GUESTS_BENCH_STARTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}
/// Calls per per-call sample.
const CALLS: u32 = 20_000;

/// One agent's start samples.
#[derive(Default)]
struct Starts {
    first: Vec<Duration>,
    warm: Vec<Duration>,
    load: Vec<Duration>,
}

struct Agent {
    name: &'static str,
    component: PathBuf,
    build: Option<Duration>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guests-bench");
    std::fs::create_dir_all(&tmp)?;
    let options = BuildOptions {
        cache_dir: tmp.join("cache"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // `GUESTS_BENCH_PROFILE=<path>.wasm`: profile that component as built,
    // without building the agents first.
    if let Ok(path) = std::env::var("GUESTS_BENCH_PROFILE")
        && path.ends_with(".wasm")
    {
        return profile(&runtime, &tmp, "component", Path::new(&path));
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/guests");
    let mut agents = vec![Agent {
        name: "rust",
        component: PathBuf::from(test_programs_artifacts::HELLO_AGENT),
        build: None,
    }];
    for (name, source) in [("python", "hello.py"), ("js", "hello.js")] {
        let output = tmp.join(format!("{name}.wasm"));
        // The first build installs the toolchain; the second is the cold
        // build of the agent alone.
        build(&here.join(source), &output, &options, &|step| {
            eprintln!("{name}: {step}")
        })?;
        let report = build(&here.join(source), &output, &options, &|_| {})?;
        agents.push(Agent {
            name,
            component: output,
            build: Some(report.build),
        });
    }

    // `GUESTS_BENCH_PROFILE=<agent>`: only warm starts of that agent, as
    // many as `GUESTS_BENCH_STARTS`, for a profiler.
    if let Ok(name) = std::env::var("GUESTS_BENCH_PROFILE") {
        let agent = agents
            .iter()
            .find(|agent| agent.name == name)
            .ok_or_else(|| format!("GUESTS_BENCH_PROFILE: no agent {name:?}"))?;
        return profile(&runtime, &tmp, &name, &agent.component);
    }

    println!(
        "{:<8} {:>10} {:>11} {:>12} {:>11} {:>14} {:>16}",
        "agent", "build s", "size MiB", "first start", "warm start", "of it: load", "`run`, warm"
    );
    // The rounds interleave the agents, so a change in the machine's load
    // falls on every agent alike.
    let mut samples: Vec<Starts> = agents.iter().map(|_| Starts::default()).collect();
    for round in 0..starts() {
        for (agent, samples) in agents.iter().zip(&mut samples) {
            // A fresh cache: compile, then run.
            let cache = tmp.join(format!("start-cache-{}-{round}", agent.name));
            let _ = std::fs::remove_dir_all(&cache);
            samples
                .first
                .push(start(&runtime, &cache, &agent.component)?.0);
            // The same cache: load the compiled component once, then run
            // (as a user's second `run` finds it).
            let (total, load) = start(&runtime, &cache, &agent.component)?;
            samples.warm.push(total);
            samples.load.push(load);
            let _ = std::fs::remove_dir_all(&cache);
        }
    }
    let mut warm = Vec::new();
    for (agent, samples) in agents.iter().zip(samples) {
        let size = std::fs::metadata(&agent.component)?.len();
        let warm_load = median(samples.load);
        let (first, cached) = (median(samples.first), median(samples.warm));
        let command = command_start(&tmp, agent)?;
        warm.push((agent.name, cached, command));
        println!(
            "{:<8} {:>10} {:>11.1} {:>11.1}ms {:>10.2}ms {:>13.2}ms {:>15.1}ms",
            agent.name,
            agent
                .build
                .map_or("-".to_owned(), |b| format!("{:.1}", b.as_secs_f64())),
            size as f64 / (1024.0 * 1024.0),
            first.as_secs_f64() * 1e3,
            cached.as_secs_f64() * 1e3,
            warm_load.as_secs_f64() * 1e3,
            command.as_secs_f64() * 1e3,
        );
    }
    let (rust_warm, rust_command) = (warm[0].1.as_secs_f64(), warm[0].2.as_secs_f64());
    for (name, time, command) in &warm[1..] {
        let ratio = time.as_secs_f64() / rust_warm;
        let verdict = if *name == "python" {
            if ratio <= 5.0 {
                " (target ≤ 5×: met)"
            } else {
                " (target ≤ 5×: NOT met)"
            }
        } else {
            ""
        };
        println!(
            "warm start {name} / rust: {ratio:.2}×{verdict}; as `caracal-host run`: {:.2}×",
            command.as_secs_f64() / rust_command
        );
    }

    // Per-call costs inside the guests, on one host with a warm cache.
    let host = AgentHost::builder()
        .cache_dir(Some(tmp.join("calls-cache")))
        .build()?;
    for agent in &agents[1..] {
        let (component, _) = host.load(&agent.component, || {})?;
        let mut headers = Vec::new();
        let mut noop = Vec::new();
        for _ in 0..3 {
            let outcome = runtime.block_on(host.run(
                &component,
                RunOptions {
                    args: vec!["calls".into(), CALLS.to_string()],
                    capture_output: true,
                    ..RunOptions::default()
                },
            ))?;
            let stdout = String::from_utf8_lossy(&outcome.stdout).into_owned();
            let value = |key: &str| -> Option<f64> {
                stdout
                    .split_whitespace()
                    .find_map(|field| field.strip_prefix(key))
                    .and_then(|v| v.parse().ok())
            };
            let (Some(h), Some(n)) = (value("headers_ns="), value("noop_ns=")) else {
                return Err(format!(
                    "{}: no timings in {stdout:?}: {}",
                    agent.name,
                    String::from_utf8_lossy(&outcome.stderr)
                )
                .into());
            };
            headers.push(h);
            noop.push(n);
        }
        headers.sort_by(f64::total_cmp);
        noop.sort_by(f64::total_cmp);
        let (h, n) = (headers[1], noop[1]);
        let verdict = if agent.name == "python" {
            if h <= 20_000.0 {
                " (target ≤ 20 µs: met)"
            } else {
                " (target ≤ 20 µs: NOT met)"
            }
        } else {
            ""
        };
        println!(
            "{} headers(): {:.2} µs/call, no-op import {:.2} µs/call, {:.1}× the no-op{verdict}",
            agent.name,
            h / 1e3,
            n / 1e3,
            h / n
        );
    }
    Ok(())
}

/// The median warm start of `caracal-host run <agent>` as a user runs it: a
/// new process, the default SQLite store in its working directory, the
/// compiled-component cache already filled (by one run before).
fn command_start(tmp: &Path, agent: &Agent) -> Result<Duration, Box<dyn std::error::Error>> {
    let dir = tmp.join(format!("command-{}", agent.name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let run = || -> Result<Duration, Box<dyn std::error::Error>> {
        let began = Instant::now();
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_caracal-host"))
            .arg("run")
            .arg(&agent.component)
            .current_dir(&dir)
            .env("CARACAL_CACHE_DIR", dir.join("cache"))
            // The default store, whatever the caller's environment names.
            .env_remove("CARACAL_STORE_URL")
            .env_remove("CARACAL_CONFIG")
            .stdout(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            return Err(format!("caracal-host run {}: {status}", agent.component.display()).into());
        }
        Ok(began.elapsed())
    };
    run()?;
    let samples = (0..starts())
        .map(|_| run())
        .collect::<Result<Vec<_>, _>>()?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(median(samples))
}

/// Warm starts of `component` only, as many as `GUESTS_BENCH_STARTS`, for a
/// profiler; prints the median start and load.
fn profile(
    runtime: &tokio::runtime::Runtime,
    tmp: &Path,
    name: &str,
    component: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let cache = tmp.join(format!("profile-cache-{name}"));
    start(runtime, &cache, component)?;
    let mut warm = Vec::new();
    for _ in 0..starts() {
        warm.push(start(runtime, &cache, component)?);
    }
    let load = median(warm.iter().map(|(_, load)| *load).collect());
    let total = median(warm.into_iter().map(|(total, _)| total).collect());
    println!("{name}: warm start {total:?}, of it load {load:?}");
    Ok(())
}

/// Loads `component` with the compiled-component cache in `cache` and runs
/// it once (`start`): the time from nothing to its exit, and of it the
/// time spent loading (compiling, or reading the cache).
fn start(
    runtime: &tokio::runtime::Runtime,
    cache: &Path,
    component: &Path,
) -> Result<(Duration, Duration), Box<dyn std::error::Error>> {
    let began = Instant::now();
    let host = AgentHost::builder()
        .cache_dir(Some(cache.to_path_buf()))
        .build()?;
    let loading = Instant::now();
    let (loaded, _) = host.load(component, || {})?;
    let load = loading.elapsed();
    let outcome = runtime.block_on(host.run(
        &loaded,
        RunOptions {
            capture_output: true,
            ..RunOptions::default()
        },
    ))?;
    if outcome.exit_code != 0 {
        return Err(format!(
            "{}: exited {}: {}",
            component.display(),
            outcome.exit_code,
            String::from_utf8_lossy(&outcome.stderr)
        )
        .into());
    }
    Ok((began.elapsed(), load))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}
