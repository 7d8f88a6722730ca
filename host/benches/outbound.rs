//! Outbound benchmark, side by side in one run: the same wasm guest
//! (`raw_http repeat`, host/test-programs) makes N sequential requests to
//! one loopback upstream, and then 16 such agents run at once, through
//!
//! - (a) a native hyper client (no wasm; the floor),
//! - (b) plain wasmtime + wasmtime-wasi-http with its default hooks,
//! - (c) the governed host, the upstream allow-listed,
//! - (d) the governed host through the embedded gateway, which injects a
//!   credential (and masks it in the answer),
//!
//! each with a new connection per request and, where it can, pooled.
//! Reported as requests/s, p50 and p99 (the guest times each request on its
//! monotonic clock), then the issue's targets as ratios.
//!
//! Run with `cargo bench -p caracal-host --bench outbound`
//! (`OUTBOUND_BENCH_ROUNDS`, default 5, sets the samples per case;
//! `OUTBOUND_BENCH_ONLY='b plain;c governed allow-listed, new'` runs only the cases
//! whose names contain one of the `;`-separated texts, sequentially, for
//! profiling, `OUTBOUND_BENCH_REQUESTS` requests by each of
//! `OUTBOUND_BENCH_AGENTS` agents (default 1); the targets are then not
//! judged; `OUTBOUND_BENCH_WORKERS` sets the runtime's worker threads,
//! default 2).

use bytes::Bytes;
use caracal_host::outbound::PoolPolicy;
use caracal_host::{AgentHost, HostConfig, RunOptions};
use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::bindings::Command;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Requests per agent, sequentially.
const SEQUENTIAL: usize = 2_000;
/// Agents at once, and requests each of them makes.
const AGENTS: usize = 16;
const PER_AGENT: usize = 250;
/// The credential the embedded gateway injects and the upstream checks.
const SECRET: &str = "Bearer bench-secret-0123456789";

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    let rounds: usize = std::env::var("OUTBOUND_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    // One loopback address per case (same port): a case that opens a
    // connection per request leaves thousands of sockets in TIME_WAIT, which
    // must not slow the next case's connects.
    let port = start_upstream()?;
    let url = |case: u8, path: &str| format!("http://127.0.0.{}:{port}{path}", case + 1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(
            std::env::var("OUTBOUND_BENCH_WORKERS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(2),
        )
        .enable_all()
        .build()?;
    let plain = Arc::new(Plain::new()?);
    let governed = Arc::new(Governed::new(port, true)?);
    let governed_new = Arc::new(Governed::new(port, false)?);

    let cases: Vec<(&str, Case)> = vec![
        (
            "a native hyper, new connection",
            Case::Native {
                pooled: false,
                url: url(0, "/open"),
            },
        ),
        (
            "a native hyper, pooled",
            Case::Native {
                pooled: true,
                url: url(1, "/open"),
            },
        ),
        (
            "b plain wasmtime-wasi-http",
            Case::Plain {
                url: url(2, "/open"),
            },
        ),
        (
            "c governed allow-listed, new connection",
            Case::Governed {
                pooled: false,
                url: url(3, "/open"),
            },
        ),
        (
            "c governed allow-listed, pooled",
            Case::Governed {
                pooled: true,
                url: url(4, "/open"),
            },
        ),
        (
            "d embedded gateway, new connection",
            Case::Governed {
                pooled: false,
                url: url(5, "/api/x"),
            },
        ),
        (
            "d embedded gateway, pooled",
            Case::Governed {
                pooled: true,
                url: url(6, "/api/x"),
            },
        ),
    ];
    let only: Vec<String> = std::env::var("OUTBOUND_BENCH_ONLY")
        .map(|v| v.split(';').map(|w| w.trim().to_string()).collect())
        .unwrap_or_default();
    let cases: Vec<(&str, Case)> = cases
        .into_iter()
        .filter(|(name, _)| only.is_empty() || only.iter().any(|w| name.contains(w.as_str())))
        .collect();
    let profiled: Vec<(&str, usize, usize)>;
    let modes: &[(&str, usize, usize)] = if only.is_empty() {
        &[
            ("sequential", 1, SEQUENTIAL),
            ("16 agents", AGENTS, PER_AGENT),
        ]
    } else {
        let requests = std::env::var("OUTBOUND_BENCH_REQUESTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(SEQUENTIAL);
        let agents = std::env::var("OUTBOUND_BENCH_AGENTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        profiled = vec![("profiled", agents, requests)];
        &profiled
    };
    let bench = Bench {
        runtime: &runtime,
        plain,
        governed,
        governed_new,
    };
    for &(mode, agents, per_agent) in modes {
        eprintln!("warming up ({mode})…");
        for (_, case) in &cases {
            bench.sample(case, agents, per_agent.min(200))?;
        }
        // Interleaved rounds, so a drift of the machine touches every case.
        let mut results: Vec<Vec<Sample>> = vec![Vec::new(); cases.len()];
        // Each round starts one case later, so no case always follows the
        // same one.
        for round in 0..rounds {
            for offset in 0..cases.len() {
                let index = (round + offset) % cases.len();
                results[index].push(bench.sample(&cases[index].1, agents, per_agent)?);
            }
        }
        println!(
            "\n## {mode}: {agents} agent(s) × {per_agent} requests, median of {rounds} rounds\n"
        );
        println!("| case | requests/s | p50 µs | p99 µs |");
        println!("|---|---|---|---|");
        let summaries: Vec<Summary> = results.iter().map(|samples| Summary::of(samples)).collect();
        for ((name, _), summary) in cases.iter().zip(&summaries) {
            println!(
                "| {name} | {:.0} | {:.1} | {:.1} |",
                summary.rps, summary.p50_us, summary.p99_us
            );
        }
        let [_, _, plain, c_new, c_pool, d_new, d_pool] = &summaries[..] else {
            continue;
        };
        println!();
        target(
            "governed new-connection / plain",
            c_new.rps / plain.rps,
            ">= 0.95",
            c_new.rps / plain.rps >= 0.95,
        );
        let extra = c_new.p50_us - plain.p50_us;
        println!(
            "- governed new-connection p50 − plain p50: {extra:+.1} µs (target <= +20 µs: {})",
            met(extra <= 20.0)
        );
        target(
            "governed pooled / plain",
            c_pool.rps / plain.rps,
            ">= 1.5",
            c_pool.rps / plain.rps >= 1.5,
        );
        target(
            "embedded gateway / allow-listed, new connection",
            d_new.rps / c_new.rps,
            ">= 0.9",
            d_new.rps / c_new.rps >= 0.9,
        );
        target(
            "embedded gateway / allow-listed, pooled",
            d_pool.rps / c_pool.rps,
            ">= 0.9",
            d_pool.rps / c_pool.rps >= 0.9,
        );
    }
    Ok(())
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

fn target(name: &str, ratio: f64, wanted: &str, ok: bool) {
    println!("- {name}: {ratio:.3}× (target {wanted}: {})", met(ok));
}

enum Case {
    Native { pooled: bool, url: String },
    Plain { url: String },
    Governed { pooled: bool, url: String },
}

struct Bench<'a> {
    runtime: &'a tokio::runtime::Runtime,
    plain: Arc<Plain>,
    governed: Arc<Governed>,
    governed_new: Arc<Governed>,
}

/// One round of one case: the wall time and every request's latency.
#[derive(Clone)]
struct Sample {
    requests: usize,
    wall: Duration,
    latencies_ns: Vec<u64>,
}

impl Bench<'_> {
    fn sample(&self, case: &Case, agents: usize, per_agent: usize) -> Result<Sample, Error> {
        let started = Instant::now();
        let runs: Vec<Vec<u64>> = self.runtime.block_on(async {
            // Each agent on a task of its own, as the host runs agents.
            let tasks: Vec<_> = (0..agents)
                .map(|_| tokio::spawn(self.one_agent(case, per_agent)))
                .collect();
            let mut runs = Vec::with_capacity(agents);
            for task in tasks {
                runs.push(task.await??);
            }
            Ok::<_, Error>(runs)
        })?;
        let wall = started.elapsed();
        let latencies_ns: Vec<u64> = runs.into_iter().flatten().collect();
        if latencies_ns.len() != agents * per_agent {
            return Err(format!(
                "{} of {} requests answered",
                latencies_ns.len(),
                agents * per_agent
            )
            .into());
        }
        Ok(Sample {
            requests: agents * per_agent,
            wall,
            latencies_ns,
        })
    }

    /// One agent's run of `case`, as a task that owns what it uses.
    fn one_agent(
        &self,
        case: &Case,
        count: usize,
    ) -> impl Future<Output = Result<Vec<u64>, Error>> + Send + 'static {
        let plain = self.plain.clone();
        let (governed, governed_new) = (self.governed.clone(), self.governed_new.clone());
        let case = match case {
            Case::Native { pooled, url } => Case::Native {
                pooled: *pooled,
                url: url.clone(),
            },
            Case::Plain { url } => Case::Plain { url: url.clone() },
            Case::Governed { pooled, url } => Case::Governed {
                pooled: *pooled,
                url: url.clone(),
            },
        };
        async move {
            match case {
                Case::Native { pooled, url } => native(&url, count, pooled).await,
                Case::Plain { url } => plain.run(&url, count).await,
                Case::Governed { pooled: true, url } => governed.run(&url, count).await,
                Case::Governed { pooled: false, url } => governed_new.run(&url, count).await,
            }
        }
    }
}

struct Summary {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
}

impl Summary {
    /// The median round by throughput, its percentiles.
    fn of(samples: &[Sample]) -> Summary {
        let mut by_rps: Vec<(f64, &Sample)> = samples
            .iter()
            .map(|s| (s.requests as f64 / s.wall.as_secs_f64(), s))
            .collect();
        by_rps.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (rps, median) = by_rps[by_rps.len() / 2];
        let mut latencies = median.latencies_ns.clone();
        latencies.sort_unstable();
        let at = |q: f64| {
            latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)] as f64
                / 1000.0
        };
        Summary {
            rps,
            p50_us: at(0.50),
            p99_us: at(0.99),
        }
    }
}

/// (a) The floor: hyper's own client, `count` sequential GETs.
async fn native(url: &str, count: usize, pooled: bool) -> Result<Vec<u64>, Error> {
    let uri: hyper::Uri = url.parse()?;
    let addr = format!(
        "{}:{}",
        uri.host().unwrap_or("127.0.0.1"),
        uri.port_u16().unwrap_or(80)
    );
    let mut latencies = Vec::with_capacity(count);
    let mut kept = None;
    for _ in 0..count {
        let started = Instant::now();
        let mut sender = match kept.take() {
            Some(sender) => sender,
            None => {
                let stream = tokio::net::TcpStream::connect(&addr).await?;
                stream.set_nodelay(true)?;
                let (sender, connection) =
                    hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
                        .await?;
                tokio::spawn(connection);
                sender
            }
        };
        sender.ready().await?;
        let request = hyper::Request::get(uri.path())
            .header("host", addr.as_str())
            .body(Empty::new())?;
        let response = sender.send_request(request).await?;
        response.into_body().collect().await?;
        latencies.push(started.elapsed().as_nanos() as u64);
        if pooled {
            kept = Some(sender);
        }
    }
    Ok(latencies)
}

/// The guest's printed latencies.
fn latencies(stdout: &str) -> Result<Vec<u64>, Error> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT latencies ok "))
        .ok_or_else(|| format!("no latencies in the guest's output:\n{stdout}"))?;
    if line == "-" {
        return Ok(Vec::new());
    }
    Ok(line.split(',').map(str::parse).collect::<Result<_, _>>()?)
}

/// (b) Plain wasmtime + wasmtime-wasi-http with the default hooks, as an
/// embedder that does nothing of its own would run the guest.
struct Plain {
    engine: Engine,
    linker: Linker<PlainState>,
    component: Component,
}

struct PlainState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiView for PlainState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for PlainState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: wasmtime_wasi_http::default_hooks(),
        }
    }
}

impl Plain {
    fn new() -> Result<Plain, Error> {
        let engine = Engine::new(&wasmtime::Config::new())?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        let component = Component::from_file(&engine, test_programs_artifacts::RAW_HTTP)?;
        Ok(Plain {
            engine,
            linker,
            component,
        })
    }

    async fn run(&self, url: &str, count: usize) -> Result<Vec<u64>, Error> {
        let stdout = MemoryOutputPipe::new(1 << 20);
        let wasi = WasiCtx::builder()
            .args(&["raw_http", "repeat", &count.to_string(), url])
            .stdout(stdout.clone())
            .inherit_stderr()
            .build();
        let state = PlainState {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(&self.engine, state);
        let command = Command::instantiate_async(&mut store, &self.component, &self.linker).await?;
        let _ = command.wasi_cli_run().call_run(&mut store).await?;
        latencies(&String::from_utf8_lossy(&stdout.contents()))
    }
}

/// (c) and (d): the governed host, the upstream both allow-listed (`/open`)
/// and bound to a resource with a credential (`/api`).
struct Governed {
    host: AgentHost,
    agent: Component,
}

impl Governed {
    fn new(port: u16, pooled: bool) -> Result<Governed, Error> {
        let dir = tempfile::tempdir()?;
        let allowed = (1..=LOOPBACKS)
            .map(|n| format!("\"http://127.0.0.{n}:{port}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut toml = format!("allowed_outbound_hosts = [{allowed}]\n");
        for n in 1..=LOOPBACKS {
            toml.push_str(&format!(
                r#"
[resources."resource://bench-{n}"]
upstream_prefix = "http://127.0.0.{n}:{port}/api"
[resources."resource://bench-{n}".credential]
header = "authorization"
prefix = "Bearer "
value_env = "BENCH_TOKEN"
"#
            ));
        }
        std::fs::write(dir.path().join("caracal.toml"), toml)?;
        let secret = SECRET.trim_start_matches("Bearer ").to_string();
        let env = move |name: &str| (name == "BENCH_TOKEN").then(|| secret.clone());
        let config = HostConfig::load_from(&env, dir.path())?;
        let pool = if pooled {
            PoolPolicy::default()
        } else {
            PoolPolicy::disabled()
        };
        let host = AgentHost::builder()
            .config(config)
            .cache_dir(Some(std::env::temp_dir().join("caracal-bench-cache")))
            .outbound_pool(pool)
            .build()?;
        let (agent, _) = host.load(test_programs_artifacts::RAW_HTTP.as_ref(), || {
            eprintln!("compiling the guest…")
        })?;
        Ok(Governed { host, agent })
    }

    async fn run(&self, url: &str, count: usize) -> Result<Vec<u64>, Error> {
        let options = RunOptions {
            args: vec!["repeat".into(), count.to_string(), url.into()],
            capture_output: true,
            ..Default::default()
        };
        let outcome = self.host.run(&self.agent, options).await?;
        latencies(&String::from_utf8_lossy(&outcome.stdout))
    }
}

/// Loopback addresses the upstream listens on, one per case.
const LOOPBACKS: u8 = 7;

/// The upstream: a hyper HTTP/1.1 server with keep-alive on its own thread
/// and single-threaded runtime, on 127.0.0.1 to 127.0.0.7 (one port);
/// `/api` requires the credential. Returns the port.
fn start_upstream() -> Result<u16, Error> {
    let first = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = first.local_addr()?.port();
    let mut listeners = vec![first];
    for n in 2..=LOOPBACKS {
        listeners.push(std::net::TcpListener::bind((
            "127.0.0.".to_string() + &n.to_string(),
            port,
        ))?);
    }
    for listener in &listeners {
        listener.set_nonblocking(true)?;
    }
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("upstream runtime");
        runtime.block_on(async move {
            let accepting: Vec<_> = listeners
                .into_iter()
                .map(|listener| tokio::spawn(accept(listener)))
                .collect();
            for task in accepting {
                let _ = task.await;
            }
        });
    });
    Ok(port)
}

/// Serves every connection `listener` accepts.
async fn accept(listener: std::net::TcpListener) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                |request: hyper::Request<hyper::body::Incoming>| async move {
                    let authorized = !request.uri().path().starts_with("/api")
                        || request
                            .headers()
                            .get("authorization")
                            .is_some_and(|v| v == SECRET);
                    let (status, body) = if authorized { (200, "ok") } else { (401, "no") };
                    Ok::<_, Infallible>(
                        hyper::Response::builder()
                            .status(status)
                            .body(Full::new(Bytes::from_static(body.as_bytes())))
                            .expect("response"),
                    )
                },
            );
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
