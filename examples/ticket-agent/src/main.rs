//! ticket-agent: a triage agent hands a child a read-only slice of the
//! tickets API; the host's embedded gateway calls the upstream with a token
//! the agent never holds.
//!
//! The parent session holds `tickets:read` and `tickets:write` on
//! `resource://tickets`. It spawns a child narrowed to `tickets:read` with
//! `max_calls = 2`. The child lists the tickets and reads ticket 1 through
//! `caracal.transport()` (allowed: the host injects the upstream's token),
//! then tries to list again (denied: its two calls are spent) and to create
//! a ticket (denied: `POST /tickets` needs `tickets:write`). The parent, which
//! holds `tickets:write`, creates one.
//!
//! Run it (from `examples/ticket-agent/`, with the tickets API listening on
//! 127.0.0.1:8080 and its token in `TICKETS_TOKEN`; the host reads
//! `caracal.toml` from the current directory):
//!
//! ```text
//! cargo build -p ticket-agent --target wasm32-wasip2 --release && TICKETS_TOKEN=… cargo run -p caracal-host -- run ../../target/wasm32-wasip2/release/ticket-agent.wasm -- http://127.0.0.1:8080/api
//! ```
//!
//! Output: one line per call, `<who> <METHOD> <path> -> <status>` or
//! `<who> <METHOD> <path> -> denied (<reason>)`, with the response body after
//! successful reads. Exits 1 if the child was allowed to write.

use std::process::ExitCode;

use caracal::http::Request;
use caracal::{Caracal, DelegationConstraints, Grant, TransportError};

const RESOURCE: &str = "resource://tickets";

fn main() -> ExitCode {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080/api".into());
    match run(base.trim_end_matches('/')) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("ticket-agent: the read-only child was allowed to write");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("ticket-agent: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(base: &str) -> Result<bool, caracal::Error> {
    let caracal = Caracal::new();
    let transport = caracal.transport();
    let parent = caracal
        .spawn()
        .label("triage")
        .grant(
            Grant::narrow(["tickets:read", "tickets:write"])
                .resource_id(RESOURCE)
                .constraints(DelegationConstraints {
                    max_hops: Some(2),
                    ..DelegationConstraints::default()
                }),
        )
        .start()?;

    let child_allowed_to_write = {
        let _child = parent
            .spawn()
            .label("reader")
            .grant(
                Grant::narrow(["tickets:read"])
                    .resource_id(RESOURCE)
                    .constraints(DelegationConstraints {
                        max_calls: Some(2),
                        ..DelegationConstraints::default()
                    }),
            )
            .start()?;
        call(&transport, "child", "GET", &format!("{base}/tickets"));
        call(&transport, "child", "GET", &format!("{base}/tickets/1"));
        call(&transport, "child", "GET", &format!("{base}/tickets"));
        call(&transport, "child", "POST", &format!("{base}/tickets"))
    };
    // The child is dropped: the parent is bound again.
    call(&transport, "parent", "POST", &format!("{base}/tickets"));
    Ok(!child_allowed_to_write)
}

/// Sends one call and prints its outcome; true when it got a response.
fn call(transport: &caracal::Transport, who: &str, method: &str, url: &str) -> bool {
    let path = url.split_once("/api").map_or(url, |(_, path)| path);
    let body = if method == "POST" {
        r#"{"title":"printer on fire"}"#
    } else {
        ""
    };
    let request = Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(body)
        .expect("a valid request");
    match transport.send(request) {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = String::from_utf8_lossy(response.body());
            println!("{who} {method} {path} -> {status} {body}");
            true
        }
        Err(TransportError::Denied) => {
            println!("{who} {method} {path} -> denied (the host refused it; see its log)");
            false
        }
        Err(error) => {
            println!("{who} {method} {path} -> error ({error})");
            false
        }
    }
}
