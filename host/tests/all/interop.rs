//! Interoperability with upstream Caracal, checked by upstream's own code:
//! the PyPI verifiers (`caracalai-identity` 1.0.0 and 0.1.1,
//! `caracalai-verify`, `caracalai-asgi`) accept the tokens the host mints
//! and refuse the ones they should; a resource server built with
//! `caracalai-asgi` accepts the gateway's mandate; and `serve` accepts a
//! token an upstream-shaped issuer minted, narrowing its outbound calls.

use crate::headers::block;
use crate::support::{self, args_options, run_on};
use crate::upstream::Upstream;
use crate::upstream_python::{PyServer, V0_1, V1_0, verify};
use caracal_host::AgentHost;
use caracal_host::authority::SpawnRequest;
use caracal_host::token::TokenClaims;
use serde_json::{Value, json};

/// A host on `toml` whose issuer URL is a loopback listener publishing its
/// key set (bound first, so the URL can name its port).
async fn issuing_host(dir: &std::path::Path, toml: &str) -> (AgentHost, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let host = crate::outbound::host_with(dir, &format!("issuer_url = \"{issuer}\"\n{toml}"));
    caracal_host::issuer::publish_on(&host, listener).unwrap();
    (host, issuer)
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A verifier case for `token`.
fn case(name: &str, token: &str, issuer: &str, audience: &str) -> Value {
    json!({
        "name": name, "token": token, "issuer": issuer, "audience": audience,
        "zone_id": "local", "required_scopes": [], "required_targets": [],
        "required_use": null, "revoked": [], "headers": null,
    })
}

fn with(mut case: Value, key: &str, value: Value) -> Value {
    case[key] = value;
    case
}

fn bearer(value: &str) -> &str {
    value.strip_prefix("Bearer ").unwrap_or(value)
}

/// Every upstream entry point of a 1.0.0 result accepted the token.
fn accepted_by_1_0(result: &Value) -> bool {
    result["identity.verify_token"]["ok"] == true
        && result["identity.verify_config"]["ok"] == true
        && result["verify.authenticate"]["ok"] == true
        && result["asgi"]["status"] == 200
}

/// Every upstream entry point of a 1.0.0 result refused the token.
fn refused_by_1_0(result: &Value) -> bool {
    result["identity.verify_config"]["ok"] != true
        && result["verify.authenticate"]["ok"] != true
        && result["asgi"]["status"] != 200
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_verifiers_accept_every_token_the_host_mints_and_refuse_the_wrong_ones() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "allowed_outbound_hosts = [\"{base}\"]\n[resources.\"resource://routed\"]\nupstream_prefix = \"{base}/routed\"\n",
        base = upstream.base()
    );
    let (host, issuer) = issuing_host(dir.path(), &toml).await;

    // Run parent and narrowed child: what the hello agent projects.
    let hello = support::load(&host, test_programs_artifacts::HELLO_AGENT);
    let run = run_on(&host, &hello, args_options(&[])).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    let context = block(&run.stdout, "caracal context");
    let headers = block(&run.stdout, "headers");
    let child = block(&run.stdout, "child context");
    let child_headers = block(&run.stdout, "child headers");
    // A served caller's token (`serve --mint-token`).
    let caller_root = host.authority().open_root();
    let caller = host
        .authority()
        .spawn(&caller_root, SpawnRequest::task())
        .unwrap()
        .id;
    let minted = host.bearer_for(&caller).unwrap();
    // A gateway-routed request's mandate, as the upstream received it.
    let transport = support::load(&host, test_programs_artifacts::TRANSPORT);
    let routed = run_on(&host, &transport, args_options(&[&upstream.base()]))
        .await
        .unwrap();
    assert_eq!(routed.exit_code, 0, "{routed}");
    let mandate = upstream
        .seen()
        .iter()
        .find(|s| s.path.starts_with("/routed"))
        .map(|s| s.headers["authorization"].clone())
        .expect("a routed request");

    let parent = bearer(&headers["authorization"]).to_owned();
    let child_token = bearer(&child_headers["authorization"]).to_owned();
    let envelope = |h: &std::collections::HashMap<String, String>| json!({"traceparent": h["traceparent"], "baggage": h["baggage"]});
    // A token of this issuer signed by a key it never published.
    let stranger = caracal_host::token::TokenSigner::generate().with_issuer(issuer.clone());
    let mut expired = TokenClaims::session(
        &issuer,
        "local",
        "default",
        caller_root.as_str(),
        caller.as_str(),
        0,
        now_secs() - 600,
        now_secs() - 120,
    );
    expired.aud = vec!["default".into()];
    let expired = host.signer().mint(&expired);
    let unknown_kid = stranger.mint(&TokenClaims::session(
        &issuer,
        "local",
        "default",
        caller_root.as_str(),
        caller.as_str(),
        0,
        now_secs(),
        now_secs() + 300,
    ));

    let session_case = |name: &str, token: &str| {
        with(
            case(name, token, &issuer, "default"),
            "required_use",
            json!("session"),
        )
    };
    let cases = vec![
        with(
            session_case("run parent", &parent),
            "headers",
            envelope(&headers),
        ),
        with(
            session_case("narrowed child", &child_token),
            "headers",
            envelope(&child_headers),
        ),
        session_case("serve --mint-token", bearer(&minted)),
        with(
            with(
                case(
                    "gateway mandate",
                    bearer(&mandate),
                    &issuer,
                    "resource://routed",
                ),
                "required_use",
                json!("resource"),
            ),
            "required_targets",
            json!(["resource://routed"]),
        ),
        // Refusals.
        session_case(
            "mandate where a session token is required",
            bearer(&mandate),
        ),
        with(
            case(
                "parent for another audience",
                &parent,
                &issuer,
                "resource://elsewhere",
            ),
            "required_use",
            json!("session"),
        ),
        with(
            session_case("parent in another zone", &parent),
            "zone_id",
            json!("other"),
        ),
        session_case("expired", &expired),
        session_case("unknown kid", &unknown_kid),
        with(
            session_case("child with its session revoked upstream", &child_token),
            "revoked",
            json!([child["session"]]),
        ),
        with(
            session_case("parent needing a scope it lacks", &parent),
            "required_scopes",
            json!(["tickets:write"]),
        ),
    ];
    let results = verify(V1_0, &cases);
    let by_name = |name: &str| {
        results
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no result for {name}"))
    };
    for name in [
        "run parent",
        "narrowed child",
        "serve --mint-token",
        "gateway mandate",
    ] {
        assert!(
            accepted_by_1_0(by_name(name)),
            "{name}: {:#}",
            by_name(name)
        );
    }
    for name in [
        "mandate where a session token is required",
        "parent for another audience",
        "parent in another zone",
        "expired",
        "unknown kid",
        "parent needing a scope it lacks",
    ] {
        assert!(refused_by_1_0(by_name(name)), "{name}: {:#}", by_name(name));
    }
    // Revocation is the resource server's check (its revocation store),
    // after the token verifies.
    let revoked = by_name("child with its session revoked upstream");
    assert_eq!(
        revoked["verify.authenticate"]["code"], "session_revoked",
        "{revoked:#}"
    );
    assert_eq!(revoked["asgi"]["status"], 401, "{revoked:#}");
    assert_eq!(
        by_name("parent needing a scope it lacks")["asgi"]["status"],
        403
    );

    // What upstream read: sessions, hops, edges, the authority record.
    let principal = &by_name("run parent")["verify.authenticate"]["principal"];
    assert_eq!(principal["session_id"], context["session"].as_str());
    assert_eq!(principal["hop_count"], 0);
    assert_eq!(principal["client_id"], "default");
    let child_principal = &by_name("narrowed child")["verify.authenticate"]["principal"];
    assert_eq!(child_principal["session_id"], child["session"].as_str());
    assert_eq!(
        child_principal["delegation_id"],
        child["delegation"].as_str()
    );
    assert_eq!(child_principal["hop_count"], 1);
    assert_eq!(
        child_principal["authority_record_id"], principal["authority_record_id"],
        "one application root: one subject authority record"
    );
    let mandate_principal = &by_name("gateway mandate")["verify.authenticate"]["principal"];
    assert_eq!(mandate_principal["use"], "resource");
    assert_eq!(
        mandate_principal["target_resources"],
        json!(["resource://routed"])
    );
    // The envelope as upstream's SDK decodes it: 0 differences.
    for (name, ctx) in [("run parent", &context), ("narrowed child", &child)] {
        let env = &by_name(name)["envelope"];
        assert_eq!(env["session_id"], ctx["session"].as_str(), "{name}: {env}");
        assert_eq!(
            env["subject_authority_record_id"], principal["authority_record_id"],
            "{name}: caracal.session is the token's sid: {env}"
        );
        assert_eq!(env["hop"].to_string(), ctx["hop"], "{name}: {env}");
        assert_eq!(env["trace_id"], ctx["trace"].as_str(), "{name}: {env}");
    }

    // The same tokens through 0.1.1's verifier and envelope decoder.
    let old = verify(V0_1, &cases);
    let old_by_name = |name: &str| old.iter().find(|r| r["name"] == name).unwrap();
    for name in [
        "run parent",
        "narrowed child",
        "serve --mint-token",
        "gateway mandate",
    ] {
        let result = old_by_name(name);
        assert_eq!(
            result["identity.verify_config"]["ok"], true,
            "0.1.1 {name}: {result:#}"
        );
    }
    for name in ["parent for another audience", "expired", "unknown kid"] {
        let result = old_by_name(name);
        assert_eq!(
            result["identity.verify_token"]["ok"], false,
            "0.1.1 {name}: {result:#}"
        );
    }
    let old_child = &old_by_name("narrowed child")["identity.verify_config"]["claims"];
    assert_eq!(old_child["agent_session_id"], child["session"].as_str());
    assert_eq!(
        old_child["delegation_edge_id"],
        child["delegation"].as_str()
    );
    assert!(
        old_child["delegation_chain"]
            .as_array()
            .is_some_and(|chain| !chain.is_empty()),
        "0.1.1 reads the chain: {old_child}"
    );
    let old_env = &old_by_name("narrowed child")["envelope"];
    assert_eq!(
        old_env["agent_session_id"],
        child["session"].as_str(),
        "{old_env}"
    );

    // Revoked on our side: the host mints nothing more for the session.
    host.authority().close(&caller).unwrap();
    assert!(host.bearer_for(&caller).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_server_built_with_caracalai_asgi_accepts_the_gateway_mandate() {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let server = PyServer::resource_server(&[
        "--issuer",
        &issuer,
        "--audience",
        "resource://tickets",
        "--zone",
        "local",
        "--required-scope",
        "tickets:read",
        "--required-target",
        "resource://tickets",
        "--required-use",
        "resource",
    ]);
    // The ticket agent's own configuration, without the credential: the
    // tickets API is a Caracal-protected one, so the mandate is what it gets.
    let toml = format!(
        "issuer_url = \"{issuer}\"\n{}",
        crate::outbound::tickets_at(&server.base())
            .split("[resources.\"resource://tickets\".credential]")
            .next()
            .unwrap()
    );
    let host = crate::outbound::host_with(dir.path(), &toml);
    caracal_host::issuer::publish_on(&host, listener).unwrap();
    let agent = support::load(&host, test_programs_artifacts::TICKET_AGENT);
    let api = format!("{}/api", server.base());
    let run = run_on(&host, &agent, args_options(&[&api])).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");

    let seen = server.call("GET", "/_caracal_test/seen", None).await;
    let seen = seen.as_array().unwrap();
    let statuses: Vec<(String, String, u64)> = seen
        .iter()
        .map(|s| {
            (
                s["method"].as_str().unwrap().to_owned(),
                s["path"].as_str().unwrap().to_owned(),
                s["status"].as_u64().unwrap(),
            )
        })
        .collect();
    // The child's two reads and the parent's write reached the server and
    // were accepted; the child's third read and its write were stopped by
    // the host (max_calls, tickets:write) before they left.
    assert_eq!(
        statuses,
        [
            ("GET".into(), "/api/tickets".into(), 200),
            ("GET".into(), "/api/tickets/1".into(), 200),
            ("POST".into(), "/api/tickets".into(), 200),
        ],
        "{run}"
    );
    let snapshot = host.authority().snapshot();
    let session_labelled = |label: &str| {
        snapshot
            .sessions
            .iter()
            .find(|s| s.view.labels == [label])
            .map(|s| s.view.id.to_string())
            .unwrap()
    };
    let (reader, triage) = (session_labelled("reader"), session_labelled("triage"));
    for read in &seen[..2] {
        let principal = &read["principal"];
        assert_eq!(principal["session_id"], reader.as_str(), "{principal}");
        assert_eq!(principal["scope"], "tickets:read", "{principal}");
        assert_eq!(principal["hop_count"], 2, "{principal}");
        assert_eq!(principal["use"], "resource");
        assert_eq!(principal["target_resources"], json!(["resource://tickets"]));
        assert_eq!(principal["zone_id"], "local");
    }
    let write = &seen[2]["principal"];
    assert_eq!(write["session_id"], triage.as_str());
    assert_eq!(write["scope"], "tickets:read tickets:write");
    assert_eq!(write["hop_count"], 1);
    // The server echoes the headers it got; the mandate among them is
    // masked before the guest reads the answer.
    assert!(run.stdout.contains("\"authorization\": \"******"), "{run}");
    assert!(!run.stdout.contains("Bearer ey"), "{run}");
}

/// A token `issuer.py` mints in upstream's shape for this host's
/// application, with `overrides` applied.
async fn upstream_token(issuer: &PyServer, overrides: Value) -> String {
    let now = now_secs();
    let mut claims = json!({
        "iss": issuer.ready["issuer"], "sub": "user-7", "aud": ["default"],
        "zone_id": "local", "client_id": "upstream-app", "sid": "ar-7",
        "root_sid": "ar-root", "sub_type": "user", "use": "session",
        "scope": "tickets:read", "target": ["resource://tickets"],
        "agent_session_id": "up-session-1", "delegation_edge_id": "up-edge-1",
        "hop_count": 2, "jti": uuid::Uuid::now_v7().to_string(),
        "iat": now, "exp": now + 300,
    });
    let mut request = json!({});
    for (key, value) in overrides.as_object().unwrap() {
        match key.as_str() {
            "unpublished" | "kid" => request[key] = value.clone(),
            _ => claims[key] = value.clone(),
        }
    }
    request["claims"] = claims;
    let minted = issuer.call("POST", "/mint", Some(request)).await;
    minted["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_accepts_an_upstream_issued_token_and_narrows_its_outbound_calls() {
    use caracal_host::serve::{InboundMode, ServeApp, TrustedIssuer, TrustedKeys};
    let issuer = PyServer::issuer("local");
    let gateway = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = crate::serve::spin_manifest(dir.path());
    let mut config = caracal_host::HostConfig::default();
    config.gateway_url = Some(gateway.base());
    let mut tickets =
        caracal_host::config::ResourceBinding::new("resource://tickets", crate::serve::TICKETS);
    tickets.rules = vec![("GET /tickets/*".into(), vec!["tickets:read".into()])];
    config.resources = vec![tickets];
    let host = std::sync::Arc::new(
        AgentHost::builder()
            .config(config)
            .cache_dir(Some(support::cache_dir()))
            .build()
            .unwrap(),
    );
    let trusted_issuer = std::sync::Arc::new(
        TrustedIssuer::new(
            issuer.ready["issuer"].as_str().unwrap(),
            "local",
            "default",
            host.connector().clone(),
        )
        .unwrap(),
    );
    let trusted = TrustedKeys::default().with_issuer(trusted_issuer);
    let app = ServeApp::load(&host, manifest.as_ref()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(caracal_host::serve::serve(
        host.clone(),
        app,
        InboundMode::Verify(trusted),
        listener,
    ));
    let get = |token: String| async move {
        crate::serve::get(
            addr,
            "/tickets/42",
            &[("authorization", &format!("bearer {token}"))],
        )
        .await
    };

    // Accepted (the scheme in lower case, as RFC 9110 allows): the call
    // runs under a local session holding the token's scope at its target.
    let reply = get(upstream_token(&issuer, json!({})).await).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["upstream_status"], 200, "{body}");
    let call = gateway
        .seen()
        .last()
        .cloned()
        .expect("the gateway was called");
    let mandate = host
        .signer()
        .verify(bearer(&call.headers["authorization"]), now_secs())
        .unwrap();
    assert_eq!(mandate.scope, "tickets:read");
    assert_eq!(mandate.aud, ["resource://tickets"]);
    let local = mandate.agent_session_id.clone().unwrap();
    let view = host.authority().view(&local.as_str().into()).unwrap();
    assert!(
        view.labels
            .contains(&"upstream-session:up-session-1".to_owned())
            && view.labels.contains(&"upstream-hop:2".to_owned()),
        "{:?}",
        view.labels
    );
    // The same upstream session again: the same local session.
    let again = get(upstream_token(&issuer, json!({})).await).await;
    assert_eq!(again.status, 200);
    let mandate = gateway.seen().last().cloned().unwrap();
    let mandate = host
        .signer()
        .verify(bearer(&mandate.headers["authorization"]), now_secs())
        .unwrap();
    assert_eq!(mandate.agent_session_id.as_deref(), Some(local.as_str()));

    // Narrowed, never widened: a token without tickets:read gets its
    // session, but the component's call is denied by the host (the
    // component answers 502 with the error it got).
    let calls = gateway.seen().len();
    let narrow = upstream_token(
        &issuer,
        json!({"scope": "tickets:list", "agent_session_id": "up-2"}),
    )
    .await;
    let narrow = get(narrow).await;
    assert_eq!(narrow.status, 502, "{}", narrow.body);
    assert!(narrow.body.contains("HttpRequestDenied"), "{}", narrow.body);
    assert_eq!(gateway.seen().len(), calls, "the denied call never left");

    // Refused at the boundary: 401 and the component never runs.
    for (name, overrides) in [
        ("another audience", json!({"aud": "someone-else"})),
        ("another zone", json!({"zone_id": "other"})),
        (
            "expired",
            json!({"exp": now_secs() - 120, "iat": now_secs() - 600}),
        ),
        ("an unpublished key", json!({"unpublished": true})),
        ("use=gateway", json!({"use": "gateway"})),
        ("hop 11", json!({"hop_count": 11})),
        ("another issuer", json!({"iss": "http://127.0.0.1:1"})),
    ] {
        let reply = get(upstream_token(&issuer, overrides).await).await;
        assert_eq!(reply.status, 401, "{name}: {}", reply.body);
    }
    assert_eq!(gateway.seen().len(), calls);
    // An unknown kid triggers one refetch, not one per request.
    let stats = issuer.call("GET", "/_stats", None).await;
    assert!(
        stats["jwks_fetches"].as_u64().unwrap() <= 2,
        "the key set is cached: {stats}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_is_published_before_it_signs_and_old_tokens_still_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (host, issuer) = issuing_host(dir.path(), "").await;
    let root = host.authority().open_root();
    let session = host
        .authority()
        .spawn(&root, SpawnRequest::task())
        .unwrap()
        .id;
    let before = host.bearer_for(&session).unwrap();
    let old_kid = host.signer().key_id();
    let (new_kid, signs_from) = host.rotate_signing_key().unwrap();
    assert!(signs_from >= host.authority().clock().now_ms() + 300_000);
    // Published at once, where upstream fetches it, beside the old key.
    let published = verify(
        V1_0,
        &[with(
            case(
                "old token after the rotation",
                bearer(&before),
                &issuer,
                "default",
            ),
            "required_use",
            json!("session"),
        )],
    );
    assert!(accepted_by_1_0(&published[0]), "{:#}", published[0]);
    let jwks = crate::serve::get(
        issuer.trim_start_matches("http://").parse().unwrap(),
        "/.well-known/jwks.json?zone_id=local",
        &[],
    )
    .await;
    let jwks: Value = serde_json::from_str(&jwks.body).unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [old_kid.as_str(), new_kid.as_str()]);
    // It does not sign yet: verifiers may still hold the old key set.
    let fresh_root = host.authority().open_root();
    let fresh = host
        .authority()
        .spawn(&fresh_root, SpawnRequest::task())
        .unwrap()
        .id;
    let token = host.bearer_for(&fresh).unwrap();
    assert_eq!(
        caracal_host::token::token_key_id(bearer(&token)).unwrap(),
        old_kid
    );
}
