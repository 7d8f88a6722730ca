//! One canonical path, decided and sent: on an origin with nested resource
//! prefixes, a session holding only the outer resource cannot reach the
//! inner one by spelling the path differently, ambiguous paths are refused
//! naming why, and the upstream receives the path that was decided on.

use crate::outbound::host_with;
use crate::support::{self, args_options, run_on};
use crate::upstream::Upstream;
use caracal_host::authority::{Grant, NarrowGrant, SpawnRequest};
use caracal_host::outbound::HeldSessions;
use test_programs_artifacts::RAW_HTTP;

fn nested(base: &str) -> String {
    format!(
        r#"
[resources."resource://site"]
upstream_prefix = "{base}"
[resources."resource://tickets"]
upstream_prefix = "{base}/api"
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outer_resource_cannot_reach_the_inner_one_by_any_spelling() {
    let upstream = Upstream::start().await;
    let base = upstream.base();
    let dir = tempfile::tempdir().unwrap();
    let host = host_with(dir.path(), &nested(&base));

    let root = host.authority().open_root();
    let mut grant = NarrowGrant::new(["site:read"]);
    grant.resource_id = Some("resource://site".into());
    let session = host
        .authority()
        .spawn(&root, SpawnRequest::task().with_grant(Grant::Narrow(grant)))
        .unwrap();
    let held = HeldSessions::default();
    held.insert(session.id.clone());
    let token = support::session_token(&host, &session.id, 1);
    let decide = |path: &str| {
        let request = http::Request::get(format!("{base}{path}"))
            .header("authorization", format!("Bearer {token}"))
            .body(())
            .unwrap()
            .into_parts()
            .0;
        host.governor().decide(&root, &held, &request)
    };

    let allowed = decide("/index.html").unwrap();
    assert_eq!(allowed.resource_id.as_deref(), Some("resource://site"));

    let mut attempts = 0;
    for trick in [
        "/api/tickets/1",
        "//api/tickets/1",
        "/%61pi/tickets/1",
        "/%41PI/../api/tickets/1",
        "/./api/tickets/1",
        "/x/../api/tickets/1",
        "/x/%2e%2e/api/tickets/1",
        "///api//tickets/1",
    ] {
        attempts += 1;
        let refused = decide(trick).unwrap_err().to_string();
        assert!(
            refused.contains("resource://tickets"),
            "{trick} must be decided as the inner resource and refused: {refused}"
        );
    }
    for (trick, why) in [
        ("/api%2ftickets/1", "encoded"),
        ("/%2Fapi/tickets/1", "encoded"),
        ("/api%5ctickets/1", "encoded"),
        ("/%252e%252e/api/tickets/1", "double-encoded"),
        ("/api;x=1/tickets/1", "path parameters"),
        ("/index.html;jsessionid=1", "path parameters"),
        ("/%zz", "malformed"),
    ] {
        attempts += 1;
        let refused = decide(trick).unwrap_err().to_string();
        assert!(
            refused.starts_with("path: ") && refused.contains(why),
            "{trick}: {refused}"
        );
    }
    eprintln!("nested-prefix path tricks: {attempts} attempts, 0 bypasses");

    // End to end, under the root (which may reach both): the upstream is
    // sent the canonical path that was decided on.
    let agent = support::load(&host, RAW_HTTP);
    let run = run_on(
        &host,
        &agent,
        args_options(&["GET", &format!("{base}//api/./x/../tickets/%31")]),
    )
    .await
    .unwrap();
    // (401: this configuration injects no credential; the path is the point.)
    assert_eq!(run.step("send").ok(), "401", "{run}");
    assert_eq!(upstream.seen().last().unwrap().path, "/api/tickets/1");
}
