//! delegation: a coordinator hands a peer of another application a narrow,
//! revocable slice of its authority.
//!
//! One component, two roles, run as two agents on one host:
//!
//! - `peer <tickets-api>` (application `support-desk`): spawns a session,
//!   prints `peer session <id>`, waits for a delegation offer, accepts it
//!   (a new context at hop + 1), then lists tickets through
//!   `caracal.transport()` in a loop until the host denies a call, and
//!   prints how many calls went through.
//! - `coordinator <peer-session-id> <peer-application>` (the host's own
//!   application): holds `tickets:read` and `tickets:write` on
//!   `resource://tickets`, offers the peer `tickets:read` for five minutes,
//!   prints the offer and its own chain of authority, waits for a line on
//!   stdin, then revokes the offer. The peer's next call is denied.
//!
//! The two agents must share one host (its authority engine), so the
//! example is run by the host's test suite, which plays the operator:
//!
//! ```text
//! cargo test -p caracal-host --test all delegation_example -- --nocapture
//! ```

use std::io::BufRead as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use caracal::{Caracal, DelegationConstraints, Grant, TransportError};

const RESOURCE: &str = "resource://tickets";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["peer", api] => peer(api),
        ["coordinator", peer, application] => coordinator(peer, application),
        _ => Err("usage: delegation peer <tickets-api> | coordinator <peer-session-id> <peer-application>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("delegation: {message}");
            ExitCode::FAILURE
        }
    }
}

fn peer(api: &str) -> Result<(), String> {
    let caracal = Caracal::new();
    let session = caracal
        .spawn()
        .label("peer")
        .start()
        .map_err(|e| e.to_string())?;
    println!("peer session {}", session.id());
    let deadline = Instant::now() + Duration::from_secs(60);
    let offer = loop {
        let offers = caracal.pending_delegations().map_err(|e| e.to_string())?;
        if let Some(offer) = offers.into_iter().next() {
            break offer;
        }
        if Instant::now() > deadline {
            return Err("no delegation was offered".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let delegated = caracal
        .accept_delegation(&offer.id)
        .map_err(|e| e.to_string())?;
    let info = delegated.context().map_err(|e| e.to_string())?;
    println!(
        "accepted {} scopes {} at hop {}",
        offer.id,
        offer.scopes.join(","),
        info.hop
    );
    let transport = caracal.transport();
    let mut calls = 0u32;
    let reason = loop {
        match transport.get(format!("{api}/tickets")) {
            Ok(response) if response.status().is_success() => calls += 1,
            Ok(response) => return Err(format!("upstream answered {}", response.status())),
            // Refused by the outbound hook, or already when projecting the
            // revoked session's envelope.
            Err(TransportError::Denied) => break "the host denied the request".to_string(),
            Err(TransportError::Caracal(error)) => break error.to_string(),
            Err(error) => return Err(error.to_string()),
        }
        if Instant::now() > deadline {
            return Err("never revoked".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    println!("call {} denied after {calls} allowed: {reason}", calls + 1);
    println!("status {}", delegated.status());
    Ok(())
}

fn coordinator(peer: &str, application: &str) -> Result<(), String> {
    let caracal = Caracal::new();
    let _session = caracal
        .spawn()
        .label("coordinator")
        .grant(
            Grant::narrow(["tickets:read", "tickets:write"])
                .resource_id(RESOURCE)
                .constraints(DelegationConstraints {
                    max_hops: Some(3),
                    ..DelegationConstraints::default()
                }),
        )
        .start()
        .map_err(|e| e.to_string())?;
    let offer = caracal
        .delegate(peer, application)
        .scopes(["tickets:read"])
        .resource_id(RESOURCE)
        .ttl_seconds(300)
        .offer()
        .map_err(|e| e.to_string())?;
    println!(
        "offered {} ({}) to {} of {}",
        offer.id,
        offer.scopes.join(","),
        offer.to_session_id,
        offer.to_application_id
    );
    for link in caracal.describe_authority().map_err(|e| e.to_string())? {
        println!(
            "  chain: {} session {} delegation {} scopes {}",
            link.subject,
            link.session_id,
            link.delegation_id.as_deref().unwrap_or("-"),
            link.scopes.join(",")
        );
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let revoked = caracal
        .revoke_delegation(&offer.id)
        .map_err(|e| e.to_string())?;
    println!("revoked {} delegation(s)", revoked.len());
    Ok(())
}
