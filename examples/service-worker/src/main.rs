//! service-worker: a long-lived billing worker that lives by a heartbeat
//! lease instead of a TTL.
//!
//! Two variants, chosen by the first argument:
//!
//! - `manual` (default): the worker spawns a service session narrowed to
//!   `billing:charge` on `resource://billing`, then works through a queue of
//!   invoices, renewing its lease with `heartbeat()` between items. Each
//!   renewal prints the new deadline and the lease generation.
//! - `auto [<slow-url>]`: the worker asks the host to renew the lease on its
//!   own timer (`heartbeat_interval`) and then blocks in one long wait in the
//!   host, longer than the whole lease: an outbound GET to `<slow-url>` (an
//!   upstream the host allows that answers slowly), else a 4 s sleep. The lease is still current afterwards: the
//!   host renewed it while the guest was waiting. (A guest stuck in a wasm
//!   loop instead would lose its lease; see the host's liveness tests.)
//!
//! Run it (from the workspace root; a 2 s lease makes the `auto` wait
//! outlast it):
//!
//! ```text
//! cargo build -p service-worker --target wasm32-wasip2 --release && CARACAL_LEASE_SECONDS=2 cargo run -p caracal-host -- run target/wasm32-wasip2/release/service-worker.wasm -- auto
//! ```
//!
//! Output: `worker <id> (service)`, then a `renewed: generation 1, ...` line
//! per invoice (`manual`) or `waited <ms> ms; lease ...` (`auto`), then the
//! final `status: active`. Exits 1 if the lease was lost.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use caracal::{Caracal, Grant, Session, SessionStatus};

const INVOICES: [&str; 3] = ["inv-1001", "inv-1002", "inv-1003"];

fn main() -> ExitCode {
    let variant = std::env::args().nth(1).unwrap_or_else(|| "manual".into());
    let result = match variant.as_str() {
        "manual" => manual(),
        "auto" => auto(),
        other => {
            eprintln!("service-worker: unknown variant `{other}` (expected manual or auto)");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(SessionStatus::Active) => {
            println!("status: active");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            eprintln!("service-worker: lease lost, status {status}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("service-worker: {error}");
            ExitCode::FAILURE
        }
    }
}

fn grant() -> Grant {
    Grant::narrow(["billing:charge"])
        .resource_id("resource://billing")
        .into()
}

fn announce(worker: &Session) -> Result<(), caracal::Error> {
    let info = worker.context()?;
    let lifecycle = info.lifecycle.map(|l| l.to_string()).unwrap_or_default();
    println!("worker {} ({lifecycle})", worker.id());
    Ok(())
}

/// Renews by hand between invoices.
fn manual() -> Result<SessionStatus, caracal::Error> {
    let worker = Caracal::new()
        .spawn_service()
        .labels(["billing", "worker"])
        .grant(grant())
        .start()?;
    announce(&worker)?;
    for invoice in INVOICES {
        // ... charge the invoice with `worker.headers()` ...
        let _envelope = worker.headers()?;
        let lease = worker.heartbeat()?;
        println!(
            "{invoice} charged; renewed: generation {}, deadline {} ms",
            lease.generation, lease.deadline_ms
        );
    }
    let status = worker.status();
    worker.close()?;
    Ok(status)
}

/// Lets the host renew while the worker blocks in the host.
fn auto() -> Result<SessionStatus, caracal::Error> {
    let worker = Caracal::new()
        .spawn_service()
        .labels(["billing", "worker"])
        .grant(grant())
        .heartbeat_interval(Duration::from_millis(500))
        .start()?;
    announce(&worker)?;
    let started = Instant::now();
    // One long wait in the host, longer than a 2 s lease: an outbound call
    // to a slow upstream when one is named, else a `wasi:clocks` sleep.
    match std::env::args().nth(2) {
        Some(url) => {
            let response = Caracal::new()
                .transport()
                .get(&url)
                .map_err(|e| caracal::Error::Unavailable(format!("outbound call failed: {e}")))?;
            println!("slow upstream answered {}", response.status().as_u16());
        }
        None => std::thread::sleep(Duration::from_secs(4)),
    }
    let waited = started.elapsed().as_millis();
    let status = worker.status();
    println!("waited {waited} ms; lease kept by the host: {status}");
    let lease = worker.heartbeat()?;
    println!(
        "renewed: generation {}, deadline {} ms",
        lease.generation, lease.deadline_ms
    );
    worker.close()?;
    Ok(status)
}
