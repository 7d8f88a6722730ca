//! hello-agent: spawn a governed session, print its context and the outbound
//! headers the host projects for it, then do the same for a child narrowed to
//! read-only access to one resource.
//!
//! Run it (from the workspace root):
//!
//! ```text
//! cargo build -p hello-agent --target wasm32-wasip2 --release && cargo run -p caracal-host -- run target/wasm32-wasip2/release/hello-agent.wasm
//! ```
//!
//! Output (the host integration tests parse it):
//!
//! ```text
//! caracal context
//!   zone: local
//!   application: default
//!   session: <id>
//!   delegation: <id or ->
//!   trace: <32 hex>
//!   hop: <n>
//!   labels: hello, demo
//!   lifecycle: task
//! headers
//!   authorization: Bearer <token>
//!   traceparent: <value>
//!   baggage: <value>
//! child context
//!   ...
//! child headers
//!   ...
//! ```

use std::process::ExitCode;

use caracal::{Caracal, ContextInfo, Grant, Headers};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hello-agent: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), caracal::Error> {
    let caracal = Caracal::new();

    let session = caracal.spawn().labels(["hello", "demo"]).start()?;
    print_context("caracal context", &session.context()?);
    print_headers("headers", &session.headers()?);

    let child = session
        .spawn()
        .grant(Grant::narrow(["tickets:read"]).resource_id("resource://tickets"))
        .start()?;
    print_context("child context", &child.context()?);
    print_headers("child headers", &child.headers()?);

    child.close()?;
    session.close()
}

fn print_context(title: &str, info: &ContextInfo) {
    println!("{title}");
    println!("  zone: {}", info.zone_id);
    println!("  application: {}", info.application_id);
    println!("  session: {}", info.session_id.as_deref().unwrap_or("-"));
    println!(
        "  delegation: {}",
        info.delegation_id.as_deref().unwrap_or("-")
    );
    println!("  trace: {}", info.trace_id);
    println!("  hop: {}", info.hop);
    let labels = if info.labels.is_empty() {
        "-".to_owned()
    } else {
        info.labels.join(", ")
    };
    println!("  labels: {labels}");
    let lifecycle = info.lifecycle.map_or("-", |lifecycle| lifecycle.as_str());
    println!("  lifecycle: {lifecycle}");
}

fn print_headers(title: &str, headers: &Headers) {
    println!("{title}");
    for (name, value) in headers {
        println!("  {name}: {value}");
    }
}
