//! narrowed-child: authority only ever narrows. A parent narrowed from the
//! root context to `tickets:read` + `tickets:write` on `resource://tickets`
//! spawns a child narrowed further to `tickets:read` (allowed), and then the
//! child tries to widen its own grant for a grandchild: a scope it does not
//! hold, a bigger budget, a longer TTL, more hops. The host refuses each one with a typed
//! error; nothing is ever silently widened.
//!
//! Run it (from the workspace root):
//!
//! ```text
//! cargo build -p narrowed-child --target wasm32-wasip2 --release && cargo run -p caracal-host -- run target/wasm32-wasip2/release/narrowed-child.wasm
//! ```
//!
//! Output: a `parent` and a `child` block (`session`, `delegation`,
//! `parent delegation`, `hop`, `depth`), then for each widening attempt a line
//! naming it followed by `refused (<kind>): <message>`. Exits 1 if any widening
//! is allowed.

use std::process::ExitCode;

use caracal::{Caracal, DelegationConstraints, Grant, NarrowGrant, Session};

const RESOURCE: &str = "resource://tickets";

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("narrowed-child: the host allowed a widening grant");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("narrowed-child: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Returns whether every widening attempt was refused.
fn run() -> Result<bool, caracal::Error> {
    let caracal = Caracal::new();

    let parent = caracal
        .spawn()
        .label("parent")
        .grant(
            Grant::narrow(["tickets:read", "tickets:write"])
                .resource_id(RESOURCE)
                .ttl_seconds(600)
                .constraints(DelegationConstraints {
                    max_hops: Some(3),
                    budget: Some(2),
                    ttl_seconds: Some(600),
                    ..Default::default()
                }),
        )
        .start()?;
    print_session("parent", &parent)?;

    let child = parent
        .spawn()
        .label("child")
        .grant(read_only(2, 1, 300))
        .start()?;
    print_session("child", &child)?;

    let attempts: [(&str, NarrowGrant); 4] = [
        (
            "grandchild asking for scope tickets:delete",
            Grant::narrow(["tickets:delete"])
                .resource_id(RESOURCE)
                .ttl_seconds(300),
        ),
        ("grandchild asking for budget 5", read_only(1, 5, 300)),
        (
            "grandchild asking for ttl 900 s (the child's bound is 300 s)",
            read_only(1, 1, 900),
        ),
        (
            "grandchild asking for max_hops 2 (the child allows 1 more)",
            read_only(2, 1, 300),
        ),
    ];
    let mut all_refused = true;
    for (attempt, grant) in attempts {
        println!("{attempt}");
        match child.spawn().label("grandchild").grant(grant).start() {
            Ok(grandchild) => {
                println!("allowed (unexpected): {}", grandchild.id());
                all_refused = false;
            }
            Err(err) => println!("refused ({}): {}", err.kind(), err.message()),
        }
    }

    child.close()?;
    parent.close()?;
    Ok(all_refused)
}

/// `tickets:read` on the resource, with `max_hops`, `budget` and a TTL of
/// `ttl_seconds` for both the grant and its bound on further sub-grants.
fn read_only(max_hops: u32, budget: u32, ttl_seconds: u32) -> NarrowGrant {
    Grant::narrow(["tickets:read"])
        .resource_id(RESOURCE)
        .ttl_seconds(ttl_seconds)
        .constraints(DelegationConstraints {
            max_hops: Some(max_hops),
            budget: Some(budget),
            ttl_seconds: Some(ttl_seconds),
            ..Default::default()
        })
}

fn print_session(title: &str, session: &Session) -> Result<(), caracal::Error> {
    let info = session.context()?;
    println!("{title}");
    println!("  session: {}", session.id());
    println!(
        "  delegation: {}",
        info.delegation_id.as_deref().unwrap_or("-")
    );
    println!(
        "  parent delegation: {}",
        info.parent_delegation_id.as_deref().unwrap_or("-")
    );
    println!("  hop: {}", info.hop);
    println!("  depth: {}", info.depth);
    Ok(())
}
