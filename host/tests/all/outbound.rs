//! Outbound governance end to end: guests under a real host calling a real
//! loopback upstream, through the embedded gateway, the allow-list, the
//! configured gateway, scope rules and a Rego policy.

use crate::support::{self, Run, args_options, run_on};
use crate::upstream::{SECRET, Upstream};
use caracal_host::{AgentHost, HostConfig};
use std::path::Path;
use test_programs_artifacts::RAW_HTTP;

/// A host configured by `toml` (written as `caracal.toml` in `dir`); the
/// secret reaches the config through the host's environment only.
pub fn host_with(dir: &Path, toml: &str) -> AgentHost {
    std::fs::write(dir.join("caracal.toml"), toml).unwrap();
    let secret = SECRET.trim_start_matches("Bearer ").to_string();
    let env = move |name: &str| (name == "TICKETS_TOKEN").then(|| secret.clone());
    let config = HostConfig::load_from(&env, dir).unwrap();
    AgentHost::builder()
        .config(config)
        .cache_dir(Some(support::cache_dir()))
        .build()
        .unwrap()
}

/// The tickets resource bound to `upstream`, with its rules and credential.
pub fn tickets(upstream: &Upstream) -> String {
    tickets_at(&upstream.base())
}

/// The tickets resource bound to `{base}/api`.
pub fn tickets_at(base: &str) -> String {
    format!(
        r#"
[resources."resource://tickets"]
upstream_prefix = "{base}/api"
[resources."resource://tickets".rules]
"GET /tickets/**" = ["tickets:read"]
"GET /tickets" = ["tickets:read"]
"POST /tickets" = ["tickets:write"]
[resources."resource://tickets".credential]
header = "authorization"
prefix = "Bearer "
value_env = "TICKETS_TOKEN"
"#
    )
}

async fn raw(host: &AgentHost, args: &[&str]) -> Run {
    let agent = support::load(host, RAW_HTTP);
    let run = run_on(host, &agent, args_options(args)).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    run
}

fn response_headers(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT header ok "))
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_gateway_injects_the_credential_the_guest_never_holds() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let host = host_with(dir.path(), &tickets(&upstream));
    let url = format!("{}/api/tickets", upstream.base());

    let run = raw(
        &host,
        &["GET", &url, "baggage=caracal.agent_session=evil,team=blue"],
    )
    .await;

    assert_eq!(run.step("send").ok(), "200", "{run}");
    assert!(run.step("body").ok().contains("printer on fire"), "{run}");
    let seen = upstream.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].headers["authorization"], SECRET);
    assert_eq!(
        seen[0].headers["baggage"], "team=blue",
        "caracal.* members are stripped"
    );
    // The upstream echoed the credential in a response header: removed.
    let headers = response_headers(&run);
    assert!(
        !headers.iter().any(|h| h.contains("upstream-secret")),
        "{headers:?}"
    );
    assert!(!run.stdout.contains("upstream-secret"), "{run}");

    // An upstream echoing it in the body: masked, same length.
    let run = raw(
        &host,
        &["GET", &format!("{}/api/tickets/echo", upstream.base())],
    )
    .await;
    let body = run.step("body").ok().to_string();
    assert!(!body.contains("upstream-secret"), "{body}");
    assert_eq!(
        body,
        format!(r#"{{"you_sent":"{}"}}"#, "*".repeat(SECRET.len()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_host_bearer_is_denied_before_anything_is_sent() {
    use base64::Engine as _;
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let host = host_with(dir.path(), &tickets(&upstream));
    let url = format!("{}/api/tickets", upstream.base());
    let b64 = |json: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    let kid = host.signer().key_id().to_owned();
    // Host-looking: this host's key id, or its issuer, with a bad signature.
    let forged_kid = format!(
        "{}.{}.c2ln",
        b64(format!(r#"{{"alg":"EdDSA","kid":"{kid}"}}"#)),
        b64(r#"{"sub":"x","sid":"x"}"#.to_owned())
    );
    let forged_iss = format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"EdDSA","kid":"other"}"#.to_owned()),
        b64(format!(
            r#"{{"iss":"{}","sid":"x"}}"#,
            caracal_host::token::ISSUER
        ))
    );
    for token in [forged_kid, forged_iss] {
        for scheme in ["Bearer", "bearer"] {
            let header = format!("authorization={scheme} {token}");
            let run = raw(&host, &["GET", &url, &header]).await;
            let detail = run.step("send").refused("HTTP-request-denied").to_string();
            assert!(detail.contains("HttpRequestDenied"), "{header}: {detail}");
        }
    }
    assert!(upstream.seen().is_empty(), "nothing reached the upstream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_own_authorization_goes_to_allowed_hosts_and_is_replaced_on_resource_routes() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "allowed_outbound_hosts = [\"{}\"]\n{}",
        upstream.base(),
        tickets(&upstream)
    );
    let host = host_with(dir.path(), &config);
    // A plain allow-listed request: the app's own token is its business.
    for own in [
        "Bearer app-token-from-a-spin-variable",
        "Basic dXNlcjpwYXNz",
        "Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0.c2ln",
    ] {
        let url = format!("{}/elsewhere", upstream.base());
        let run = raw(&host, &["GET", &url, &format!("authorization={own}")]).await;
        assert_eq!(run.step("send").ok(), "200", "{run}");
        assert_eq!(
            upstream.seen().last().unwrap().headers["authorization"],
            own
        );
    }
    // On a resource route the injected credential replaces it.
    let url = format!("{}/api/tickets", upstream.base());
    let run = raw(&host, &["GET", &url, "authorization=Basic dXNlcjpwYXNz"]).await;
    assert_eq!(run.step("send").ok(), "200", "{run}");
    assert_eq!(
        upstream.seen().last().unwrap().headers["authorization"],
        SECRET
    );
    assert!(!run.stdout.contains("upstream-secret"), "{run}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_outside_the_bindings_and_allow_list_are_denied_by_default() {
    let upstream = Upstream::start().await;
    let other = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "allowed_outbound_hosts = [\"{}\"]\n{}",
        other.base(),
        tickets(&upstream)
    );
    let host = host_with(dir.path(), &config);

    // Allowed plain host: sent as is, minus any envelope.
    let run = raw(
        &host,
        &[
            "GET",
            &format!("{}/status", other.base()),
            "baggage=caracal.hop=3,team=blue",
        ],
    )
    .await;
    assert_eq!(run.step("send").ok(), "200", "{run}");
    let seen = other.seen();
    assert_eq!(seen[0].headers.get("authorization"), None);
    assert_eq!(seen[0].headers["baggage"], "team=blue");

    // The upstream's root, outside `/api`, is not bound and not allowed.
    let run = raw(&host, &["GET", &format!("{}/status", upstream.base())]).await;
    run.step("send").refused("HTTP-request-denied");
    // Neither is any other host.
    let run = raw(&host, &["GET", "http://example.com/"]).await;
    run.step("send").refused("HTTP-request-denied");
    assert!(upstream.seen().is_empty());

    // Zero config: nothing at all is reachable.
    let empty = tempfile::tempdir().unwrap();
    let bare = host_with(empty.path(), "");
    let run = raw(&bare, &["GET", &format!("{}/status", other.base())]).await;
    run.step("send").refused("HTTP-request-denied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_gateway_receives_the_rewritten_request_with_the_envelope() {
    let upstream = Upstream::start().await;
    let gateway = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "gateway_url = \"{}/gw\"\n{}",
        gateway.base(),
        tickets(&upstream)
    );
    let host = host_with(dir.path(), &config);

    let url = format!("{}/api/tickets?open=1", upstream.base());
    let run = raw(&host, &["GET", &url]).await;

    assert_eq!(run.step("send").ok(), "200", "{run}");
    assert!(
        upstream.seen().is_empty(),
        "the gateway, not the upstream, is called"
    );
    let seen = gateway.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/gw/api/tickets?open=1");
    assert_eq!(seen[0].headers["x-caracal-resource"], "resource://tickets");
    let bearer = seen[0].headers["authorization"]
        .strip_prefix("Bearer ")
        .unwrap();
    let claims = host
        .signer()
        .verify(bearer, now_secs())
        .expect("a host-minted token");
    assert_eq!(claims.client_id, "default");
    // The gateway gets the session's mandate for the resource.
    assert_eq!(claims.token_use, "resource");
    assert_eq!(claims.aud, ["resource://tickets"]);
    assert_eq!(claims.target, ["resource://tickets"]);
    assert!(seen[0].headers["traceparent"].starts_with("00-"));
    assert!(!seen[0].headers.contains_key("x-caracal-credential"));

    // Two calls of the same context reuse the signed token (a new span
    // only), rather than signing one per request.
    let root = host.authority().open_root();
    let held = caracal_host::outbound::HeldSessions::default();
    let parts = http::Request::get(&url).body(()).unwrap().into_parts().0;
    let envelope = |decision: caracal_host::outbound::Decision| match decision.route {
        caracal_host::outbound::Route::Gateway { envelope, .. } => envelope,
        other => panic!("expected the gateway route, got {other:?}"),
    };
    let first = envelope(host.governor().decide(&root, &held, &parts).unwrap());
    let second = envelope(host.governor().decide(&root, &held, &parts).unwrap());
    let header = |env: &[(String, String)], name: &str| {
        env.iter().find(|(n, _)| n == name).unwrap().1.clone()
    };
    assert_eq!(
        header(&first, "authorization"),
        header(&second, "authorization")
    );
    assert_ne!(
        header(&first, "traceparent"),
        header(&second, "traceparent")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rego_policy_decides_and_a_broken_one_fails_at_start_up() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("policy.rego"),
        r#"package caracal

default allow := false

allow if {
    input.resource.identifier == "resource://tickets"
    input.context.method == "GET"
}

reason := "only reads are allowed" if { input.context.method != "GET" }
"#,
    )
    .unwrap();
    let config = format!("policy_file = \"policy.rego\"\n{}", tickets(&upstream));
    let host = host_with(dir.path(), &config);
    let url = format!("{}/api/tickets", upstream.base());

    let run = raw(&host, &["GET", &url]).await;
    assert_eq!(run.step("send").ok(), "200", "{run}");
    let run = raw(&host, &["POST", &url, "--body", "{}"]).await;
    run.step("send").refused("HTTP-request-denied");
    assert_eq!(
        upstream.seen().len(),
        1,
        "the denied POST never left the host"
    );

    std::fs::write(
        dir.path().join("policy.rego"),
        "package caracal\nallow if {",
    )
    .unwrap();
    let env = |name: &str| (name == "TICKETS_TOKEN").then(|| "x".to_string());
    let error = HostConfig::load_from(&env, dir.path()).unwrap_err();
    assert!(error.to_string().contains("policy_file"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_has_no_environment_and_no_sockets() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let host = host_with(dir.path(), &tickets(&upstream));
    let run = raw(&host, &["doors", &upstream.addr.to_string()]).await;
    assert_eq!(run.step("env").ok(), "0");
    run.step("socket").refused("denied");
    assert!(upstream.seen().is_empty());
}

#[test]
fn a_credential_whose_secret_is_missing_fails_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("caracal.toml"),
        r#"
[resources."resource://tickets"]
upstream_prefix = "http://127.0.0.1:9/api"
[resources."resource://tickets".credential]
value_env = "NOT_SET"
[resources."resource://billing"]
upstream_prefix = "http://127.0.0.1:9/billing"
[resources."resource://billing".credential]
value_env = "A"
value_file = "b"
[resources."resource://billing".rules]
"GET /x extra" = ["a"]
"#,
    )
    .unwrap();
    let error = HostConfig::load_from(&|_| None, dir.path()).unwrap_err();
    let keys: Vec<&str> = error.problems.iter().map(|p| p.key.as_str()).collect();
    assert!(
        keys.contains(&"resources.\"resource://tickets\".credential.value_env"),
        "{error}"
    );
    assert!(
        keys.contains(&"resources.\"resource://billing\".credential"),
        "{error}"
    );
    assert!(keys.iter().any(|k| k.ends_with(".rules")), "{error}");
    assert!(!format!("{error:?}").contains("upstream-secret"));
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_outbound_decision_is_audited_with_its_reason() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("caracal.toml"), tickets(&upstream)).unwrap();
    let secret = SECRET.trim_start_matches("Bearer ").to_string();
    let env = move |name: &str| (name == "TICKETS_TOKEN").then(|| secret.clone());
    let config = HostConfig::load_from(&env, dir.path()).unwrap();
    let log = dir.path().join("audit.jsonl");
    let host = AgentHost::builder()
        .config(config)
        .cache_dir(Some(support::cache_dir()))
        .audit_file(log.clone())
        .build()
        .unwrap();
    let url = format!("{}/api/tickets", upstream.base());
    raw(&host, &["GET", &url]).await;
    raw(&host, &["DELETE", &url]).await;

    let records: Vec<caracal_audit::AuditRecord> = caracal_audit::read(&log)
        .unwrap()
        .map(Result::unwrap)
        .filter(|r| r.event.kind == caracal_audit::EventKind::Outbound)
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0].event.decision,
        Some(caracal_audit::Decision::Allow)
    );
    assert_eq!(
        records[0].event.resource_id.as_deref(),
        Some("resource://tickets")
    );
    assert_eq!(records[0].event.target.as_deref(), Some("embedded-gateway"));
    assert_eq!(
        records[1].event.decision,
        Some(caracal_audit::Decision::Deny)
    );
    assert!(
        records[1]
            .event
            .reason
            .as_deref()
            .unwrap()
            .contains("no rule of `resource://tickets` covers DELETE"),
        "{:?}",
        records[1].event.reason
    );
    caracal_audit::verify_file(&log).unwrap();
    assert!(
        !std::fs::read_to_string(&log)
            .unwrap()
            .contains("upstream-secret")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_transport_sends_the_envelope_only_where_it_is_routed() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "allowed_outbound_hosts = [\"{base}\"]\n[resources.\"resource://routed\"]\nupstream_prefix = \"{base}/routed\"\n",
        base = upstream.base()
    );
    let host = host_with(dir.path(), &config);
    let agent = support::load(&host, test_programs_artifacts::TRANSPORT);
    let run = run_on(&host, &agent, args_options(&[&upstream.base()]))
        .await
        .unwrap();
    assert_eq!(run.exit_code, 0, "{run}");

    assert_eq!(run.step("plain").ok(), "200 authorization=absent", "{run}");
    assert!(run.step("routed").ok().starts_with("200 "), "{run}");
    run.step("no-context").refused("no-context");
    assert!(run.step("post").ok().starts_with("200 6040 "), "{run}");
    // A bearer kept past its session's handle is refused (and, below,
    // never reaches the upstream).
    run.step("stale-bearer").refused("denied");
    // The guest attached its envelope to the routed request ...
    assert!(
        run.stdout.contains("SENT routed authorization: Bearer "),
        "{run}"
    );
    assert!(run.stdout.contains("SENT routed baggage: "), "{run}");
    // ... and the embedded gateway took it off again before the upstream,
    // which (the resource has no credential of its own) gets the session's
    // resource mandate instead, never the guest's session token.
    let seen = upstream.seen();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["/plain", "/routed/tickets", "/routed/tickets"]);
    assert!(!seen[0].headers.contains_key("authorization"));
    for routed in &seen[1..] {
        let mandate = routed.headers["authorization"]
            .strip_prefix("Bearer ")
            .unwrap();
        let claims = host.signer().verify(mandate, now_secs()).unwrap();
        assert_eq!(claims.token_use, "resource");
        assert_eq!(claims.aud, ["resource://routed"]);
        assert!(
            !run.stdout.contains(mandate),
            "the guest never sees the mandate"
        );
    }
    // The two routed calls run under two sessions: each its own mandate
    // (reuse within a session is checked on the gateway route).
    let session_of = |at: usize| {
        let mandate = seen[at].headers["authorization"]
            .strip_prefix("Bearer ")
            .unwrap();
        host.signer()
            .verify(mandate, now_secs())
            .unwrap()
            .agent_session_id
            .clone()
    };
    assert_ne!(session_of(1), session_of(2));
    assert!(seen.iter().all(|s| {
        !s.headers
            .get("baggage")
            .is_some_and(|b| b.contains("caracal."))
    }));
    assert_eq!(seen[2].body.len(), 6040);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_flight_request_is_aborted_when_its_authority_is_suspended() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let host = std::sync::Arc::new(host_with(dir.path(), &tickets(&upstream)));
    let agent = support::load(&host, RAW_HTTP);
    let url = format!("{}/api/tickets/slow", upstream.base());
    let started = std::time::Instant::now();
    let guest = tokio::spawn({
        let host = host.clone();
        async move { run_on(&host, &agent, args_options(&["GET", &url])).await }
    });
    support::eventually("the request reaches the upstream", || {
        !upstream.seen().is_empty()
    })
    .await;
    // The guest acts for its root context: suspend it while the upstream
    // has not answered yet.
    let root = support::live_root(&host);
    let suspended_at = std::time::Instant::now();
    host.authority().suspend(&root).unwrap();

    let run = guest.await.unwrap().unwrap();
    // Until the guest has heard and exited: the push signal's bound, plus
    // the guest's own ending.
    let bound = suspended_at.elapsed();
    eprintln!("suspend -> in-flight request dropped and the guest done: {bound:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "aborted, not answered"
    );
    assert!(bound < std::time::Duration::from_secs(2), "{bound:?}");
    run.step("send").refused("HTTP-request-denied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_bearer_carries_its_narrowed_authority_until_the_delegation_expires() {
    use caracal_host::authority::{Grant, ManualClock, NarrowGrant, SpawnRequest};
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("caracal.toml"), tickets(&upstream)).unwrap();
    let secret = SECRET.trim_start_matches("Bearer ").to_string();
    let env = move |name: &str| (name == "TICKETS_TOKEN").then(|| secret.clone());
    let clock = ManualClock::new(now_secs() * 1000);
    let host = AgentHost::builder()
        .config(HostConfig::load_from(&env, dir.path()).unwrap())
        .clock(std::sync::Arc::new(clock.clone()))
        .cache_dir(Some(support::cache_dir()))
        .build()
        .unwrap();

    // A session narrowed to tickets:read for 10 s, outside any guest.
    let root = host.authority().open_root();
    let mut grant = NarrowGrant::new(["tickets:read"]);
    grant.resource_id = Some("resource://tickets".into());
    grant.ttl_seconds = Some(10);
    let session = host
        .authority()
        .spawn(&root, SpawnRequest::task().with_grant(Grant::Narrow(grant)))
        .unwrap();
    let token = support::session_token(&host, &session.id, 1);
    let bearer = format!("authorization=Bearer {token}");
    let url = format!("{}/api/tickets", upstream.base());

    // A guest that was never handed the session cannot present its bearer.
    raw(&host, &["GET", &url, &bearer])
        .await
        .step("send")
        .refused("HTTP-request-denied");
    assert!(upstream.seen().is_empty());

    // For a component that holds it, the session's narrowed authority
    // applies, until the delegation expires.
    let held = caracal_host::outbound::HeldSessions::default();
    held.insert(session.id.clone());
    let request = |method: &str| {
        http::Request::builder()
            .method(method)
            .uri(&url)
            .header("authorization", format!("Bearer {token}"))
            .body(())
            .unwrap()
            .into_parts()
            .0
    };
    let decide = |method: &str| host.governor().decide(&root, &held, &request(method));
    assert_eq!(
        decide("GET").unwrap().resource_id.as_deref(),
        Some("resource://tickets")
    );
    let refused = decide("POST").unwrap_err().to_string();
    assert!(refused.contains("requires tickets:write"), "{refused}");
    clock.advance(std::time::Duration::from_secs(11));
    let expired = decide("GET").unwrap_err().to_string();
    assert!(expired.contains("has expired"), "{expired}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denial_flood_is_audited_as_its_first_record_and_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let host = AgentHost::builder()
        .cache_dir(Some(support::cache_dir()))
        .audit_file(log.clone())
        .build()
        .unwrap();
    let flood = 300;
    // Recorded in the canonical form it was decided in.
    let (sent, url) = ("http://denied.invalid//x/./y", "http://denied.invalid/x/y");
    let run = raw(&host, &["flood", &flood.to_string(), sent]).await;
    assert_eq!(run.step("flood").ok(), flood.to_string(), "{run}");
    drop(host); // open counts are recorded at shutdown

    let denials: Vec<caracal_audit::AuditRecord> = caracal_audit::read(&log)
        .unwrap()
        .map(Result::unwrap)
        .filter(|r| r.event.url.as_deref() == Some(url))
        .collect();
    let first = &denials[0];
    assert_eq!(first.event.decision, Some(caracal_audit::Decision::Deny));
    assert!(
        first
            .event
            .reason
            .as_deref()
            .unwrap()
            .contains("not allowed")
    );
    assert!(
        !first.event.detail.contains_key("repeated"),
        "the first is recorded as itself"
    );
    let counted: u64 = denials
        .iter()
        .map(|r| {
            r.event
                .detail
                .get("repeated")
                .map_or(1, |n| n.parse().unwrap())
        })
        .sum();
    assert_eq!(counted, flood as u64, "every denial is accounted for");
    assert!(
        denials.len() < 20,
        "{} records for {flood} denials",
        denials.len()
    );
    eprintln!(
        "denial flood: {flood} denials, {} audit records",
        denials.len()
    );
    caracal_audit::verify_file(&log).unwrap();
}
