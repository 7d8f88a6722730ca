//! `serve`: WASI 0.2 and WASI 0.3 proxy components behind the inbound
//! boundary, a Spin application's routes, and the inbound envelope carried
//! on to a governed upstream call — all over real loopback HTTP.

use crate::support;
use crate::upstream::Upstream;
use caracal_host::authority::{SessionId, SpawnRequest};
use caracal_host::config::ResourceBinding;
use caracal_host::serve::{InboundMode, JWKS_PATH, ServeApp, TrustedKeys};
use caracal_host::{AgentHost, HostConfig};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use test_programs_artifacts::{HELLO_PROXY, HOSTILE_PROXY, SPIN_HTTP, SPIN_STREAM};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 exchange: status, lower-cased headers, body.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// Sends `GET path` with `headers` and reads the whole reply.
pub(crate) async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Reply {
    exchange(addr, "GET", path, headers, b"").await
}

/// Sends `method path` with `headers` and `body` (with its
/// `content-length` when not empty) and reads the whole reply.
pub(crate) async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        request.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<BTreeMap<_, _>>();
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|v| v == "chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// A host of its own (memory state) serving `app` with `mode`.
async fn serving(
    app: &str,
    mode: impl FnOnce(&AgentHost) -> InboundMode,
) -> (Arc<AgentHost>, SocketAddr) {
    serving_with(app, HostConfig::default(), mode).await
}

/// [`serving`] with a configuration of its own.
async fn serving_with(
    app: &str,
    config: HostConfig,
    mode: impl FnOnce(&AgentHost) -> InboundMode,
) -> (Arc<AgentHost>, SocketAddr) {
    serving_with_variables(app, config, &[], mode).await
}

/// [`serving_with`], giving the application's variables these values.
async fn serving_with_variables(
    app: &str,
    config: HostConfig,
    variables: &[(&str, &str)],
    mode: impl FnOnce(&AgentHost) -> InboundMode,
) -> (Arc<AgentHost>, SocketAddr) {
    let host = Arc::new(
        AgentHost::builder()
            .config(config)
            .pooling(true)
            .cache_dir(Some(support::cache_dir()))
            .build()
            .unwrap(),
    );
    let app = ServeApp::load_with_variables(&host, app.as_ref(), |name| {
        variables
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("the app loads");
    let mode = mode(&host);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(caracal_host::serve::serve(
        host.clone(),
        app,
        mode,
        listener,
    ));
    (host, addr)
}

/// A live session on `host` and a bearer token for it.
pub(crate) fn session_token(host: &AgentHost) -> (SessionId, String) {
    let root = host.authority().open_root();
    let session = host
        .authority()
        .spawn(&root, SpawnRequest::task())
        .unwrap()
        .id;
    let token = support::session_token(host, &session, 0);
    (session, format!("Bearer {token}"))
}

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[tokio::test(flavor = "multi_thread")]
async fn a_wasi_p2_component_is_served_behind_the_inbound_boundary() {
    let (host, addr) = serving(HELLO_PROXY, |_| InboundMode::Verify(TrustedKeys::default())).await;

    let missing = get(addr, "/hello", &[]).await;
    assert_eq!(missing.status, 401);
    let error: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
    assert_eq!(error["error"], "missing_token", "{}", missing.body);

    for bad in ["Bearer not.a.token", "Basic dXNlcjpwYXNz"] {
        let reply = get(addr, "/hello", &[("authorization", bad)]).await;
        assert_eq!(reply.status, 401, "{bad}");
        let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(error["error"], "invalid_token", "{}", reply.body);
    }
    // A token from another host's key is refused too.
    let other = AgentHost::builder().cache_dir(None).build().unwrap();
    let (_, foreign) = session_token(&other);
    let reply = get(addr, "/hello", &[("authorization", &foreign)]).await;
    assert_eq!(reply.status, 401);

    let (session, bearer) = session_token(&host);
    let reply = get(
        addr,
        "/hello",
        &[("authorization", &bearer), ("traceparent", TRACEPARENT)],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, "hello from GET /hello");
    assert_eq!(reply.headers["x-seen-traceparent"], TRACEPARENT);

    // A revoked session's token stops working at once.
    host.authority().close(&session).unwrap();
    let reply = get(addr, "/hello", &[("authorization", &bearer)]).await;
    assert_eq!(reply.status, 401);

    let jwks = get(addr, JWKS_PATH, &[]).await;
    let jwks: serde_json::Value = serde_json::from_str(&jwks.body).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], host.signer().key_id());
}

#[tokio::test(flavor = "multi_thread")]
async fn as_application_mode_serves_unauthenticated_requests() {
    let (_host, addr) = serving(HELLO_PROXY, |host| {
        InboundMode::AsApplication(host.authority().open_root())
    })
    .await;
    let reply = get(addr, "/open", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, "hello from GET /open");
}

/// Where the spin-http example believes the ticket API is: a URL bound to
/// the resource `resource://tickets`, which the host routes through the
/// Caracal Gateway (here the loopback upstream).
pub(crate) const TICKETS: &str = "http://tickets.example";

/// The spin-http example's manifest, calling [`TICKETS`].
pub(crate) fn spin_manifest(dir: &std::path::Path) -> std::path::PathBuf {
    let manifest = format!(
        r#"spin_manifest_version = 2

[application]
name = "tickets"

[[trigger.http]]
route = "/tickets/..."
component = "tickets"

[component.tickets]
source = {source:?}

[component.tickets.environment]
UPSTREAM = "{upstream}"
"#,
        source = SPIN_HTTP,
        upstream = TICKETS,
    );
    let path = dir.join("spin.toml");
    std::fs::write(&path, manifest).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn the_spin_example_carries_the_inbound_envelope_to_its_upstream_call() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = spin_manifest(dir.path());
    let mut config = HostConfig::default();
    config.gateway_url = Some(upstream.base());
    config.resources = vec![ResourceBinding::new("resource://tickets", TICKETS)];
    let (host, addr) = serving_with(manifest.to_str().unwrap(), config, |_| {
        InboundMode::Verify(TrustedKeys::default())
    })
    .await;
    let (session, bearer) = session_token(&host);

    let reply = get(
        addr,
        "/tickets/42",
        &[("authorization", &bearer), ("traceparent", TRACEPARENT)],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["upstream_status"], 200, "{body}");

    let seen = upstream.seen();
    let call = seen.last().expect("the component called the upstream");
    assert_eq!(call.path, "/tickets/42");
    assert_eq!(call.headers["x-caracal-resource"], "resource://tickets");
    // The gateway receives the inbound session's envelope: a host token
    // for that session, its caracal.* baggage, and the inbound trace.
    let token = call.headers["authorization"]
        .strip_prefix("Bearer ")
        .unwrap();
    let claims = host
        .signer()
        .verify(token, host.authority().clock().now_ms() / 1000)
        .unwrap();
    assert_eq!(claims.agent_session_id.as_deref(), Some(session.as_str()));
    assert!(
        call.headers["baggage"].contains(&format!("caracal.agent_session={session}")),
        "{:?}",
        call.headers
    );
    assert_eq!(
        body["session"],
        session.as_str(),
        "the component read its inbound context"
    );
    let traceparent = &call.headers["traceparent"];
    assert!(
        traceparent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")
            && traceparent != TRACEPARENT,
        "same trace, new span: {traceparent}"
    );

    // Spin's route matching: nothing outside /tickets/... is served.
    assert_eq!(
        get(addr, "/elsewhere", &[("authorization", &bearer)])
            .await
            .status,
        404
    );
    assert_eq!(get(addr, "/tickets/9", &[]).await.status, 401);
}

/// An upstream on loopback that answers one request with a chunked body:
/// `tok1`, then — only once `release` fires — `tok2` and the end.
async fn held_stream_upstream(release: tokio::sync::oneshot::Receiver<()>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            if stream.read(&mut byte).await.unwrap() == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let first = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n4\r\ntok1\r\n";
        stream.write_all(first.as_bytes()).await.unwrap();
        let _ = release.await;
        let _ = stream.write_all(b"4\r\ntok2\r\n0\r\n\r\n").await;
    });
    addr
}

/// The spin-stream example's manifest: the streaming API's URL is the
/// required application variable `events_api`, which the component reads
/// as its variable `upstream`.
fn stream_manifest(dir: &std::path::Path) -> std::path::PathBuf {
    let manifest = dir.join("spin.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"spin_manifest_version = 2
[application]
name = "relay"
[variables]
events_api = {{ required = true }}
[[trigger.http]]
route = "/stream/..."
component = "relay"
[component.relay]
source = {SPIN_STREAM:?}
allowed_outbound_hosts = ["http://127.0.0.1:*"]
[component.relay.variables]
upstream = "{{{{ events_api }}}}"
"#
        ),
    )
    .unwrap();
    manifest
}

/// Reads from `stream` into `seen` until it contains `needle`; false when
/// the stream ends first.
async fn read_until(stream: &mut tokio::net::TcpStream, seen: &mut String, needle: &str) -> bool {
    let mut chunk = [0u8; 4096];
    while !seen.contains(needle) {
        let n = stream.read(&mut chunk).await.unwrap();
        if n == 0 {
            return false;
        }
        seen.push_str(&String::from_utf8_lossy(&chunk[..n]));
    }
    true
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wasi_p3_component_streams_its_response_as_it_writes_it() {
    let (release, held) = tokio::sync::oneshot::channel();
    let upstream = held_stream_upstream(held).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = stream_manifest(dir.path());
    let api = format!("http://{upstream}");
    let (host, addr) = serving_with_variables(
        manifest.to_str().unwrap(),
        HostConfig::default(),
        &[("events_api", &api)],
        |_| InboundMode::Verify(TrustedKeys::default()),
    )
    .await;
    let (_session, bearer) = session_token(&host);

    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /stream/events HTTP/1.1\r\nhost: {addr}\r\nauthorization: {bearer}\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut seen = String::new();
    // The first event arrives while the upstream still holds the rest back:
    // nothing between the component and the client buffers the body.
    let first = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        read_until(&mut stream, &mut seen, "data: tok1\n\n"),
    )
    .await;
    assert!(
        matches!(first, Ok(true)),
        "the first event did not arrive before the body ended: {seen:?}"
    );
    assert!(!seen.contains("tok2"), "{seen:?}");
    let head = seen.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{seen}");
    assert!(head.contains("content-type: text/event-stream"), "{seen}");

    release.send(()).unwrap();
    assert!(
        read_until(&mut stream, &mut seen, "data: tok2\n\n").await,
        "{seen:?}"
    );
}

#[test]
fn a_spin_app_without_a_required_variable_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = stream_manifest(dir.path());
    let host = AgentHost::builder()
        .cache_dir(Some(support::cache_dir()))
        .build()
        .unwrap();
    let error = ServeApp::load_with_variables(&host, &manifest, |_| None)
        .expect_err("`events_api` is required")
        .to_string();
    assert!(
        error.contains("events_api") && error.contains("SPIN_VARIABLE_EVENTS_API"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_serve_command_prints_its_address_and_serves_a_minted_token() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let mut server = crate::cli::spawn_host(
        dir.path(),
        &[
            "serve",
            HELLO_PROXY,
            "--listen",
            "127.0.0.1:0",
            "--mint-token",
            "token",
        ],
        &[],
    );
    let stdout = server.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .next()
            .unwrap()
            .unwrap()
    })
    .await
    .unwrap();
    let addr: SocketAddr = line
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{line}"))
        .parse()
        .unwrap();
    let bearer = std::fs::read_to_string(dir.path().join("token")).unwrap();
    let reply = get(addr, "/cli", &[("authorization", &bearer)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, "hello from GET /cli");
    assert_eq!(get(addr, "/cli", &[]).await.status, 401);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn trusted_propagation_binds_the_envelope_session_without_a_token() {
    let (host, addr) = serving(HELLO_PROXY, |host| {
        InboundMode::TrustedPropagation(host.authority().open_root())
    })
    .await;
    let (session, _) = session_token(&host);
    let baggage = format!("caracal.agent_session={session}");
    let reply = get(addr, "/p", &[("baggage", &baggage)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        get(addr, "/p", &[]).await.status,
        200,
        "no envelope: the application root"
    );
    let unknown = "caracal.agent_session=01a00000-0000-7000-8000-000000000000";
    assert_eq!(get(addr, "/p", &[("baggage", unknown)]).await.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_sharing_the_store_accepts_another_hosts_tokens_by_its_jwks() {
    use caracal_host::state::HostIdentity;
    use caracal_host::store::SqliteStore;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("caracal.db");
    let issuer = AgentHost::builder()
        .store(Arc::new(SqliteStore::open(&db).unwrap()))
        .identity(HostIdentity::named("issuer"))
        .cache_dir(None)
        .build()
        .unwrap();
    let server = Arc::new(
        AgentHost::builder()
            .store(Arc::new(SqliteStore::open(&db).unwrap()))
            .identity(HostIdentity::named("server"))
            .pooling(true)
            .cache_dir(Some(support::cache_dir()))
            .build()
            .unwrap(),
    );
    let app = ServeApp::load(&server, HELLO_PROXY.as_ref()).unwrap();
    let trusted = TrustedKeys::from_jwks(&issuer.signer().jwks()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(caracal_host::serve::serve(
        server.clone(),
        app,
        InboundMode::Verify(trusted),
        listener,
    ));

    let root = issuer.authority().open_root();
    let session = issuer
        .authority()
        .spawn(&root, SpawnRequest::task())
        .unwrap()
        .id;
    let bearer = issuer.bearer_for(&session).unwrap();
    support::eventually("the serving host sees the issuer's session", || {
        server.authority().check_live(&session).is_ok()
    })
    .await;
    let reply = get(addr, "/shared", &[("authorization", &bearer)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // Revoked on the issuing host: refused by the serving host.
    issuer.authority().close(&session).unwrap();
    support::eventually("the serving host sees the close", || {
        server.authority().check_live(&session).is_err()
    })
    .await;
    assert_eq!(
        get(addr, "/shared", &[("authorization", &bearer)])
            .await
            .status,
        401
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_leaks_neither_a_trap_nor_the_callers_token() {
    let (host, addr) = serving(HOSTILE_PROXY, |_| {
        InboundMode::Verify(TrustedKeys::default())
    })
    .await;
    let (_session, bearer) = session_token(&host);
    let token = bearer.trim_start_matches("Bearer ");

    // A trapping component: a short error with a request id, no backtrace.
    let reply = get(addr, "/trap", &[("authorization", &bearer)]).await;
    assert_eq!(reply.status, 500, "{}", reply.body);
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["error"], "component_failed");
    assert!(
        body["request_id"].as_str().is_some_and(|id| id.len() == 36),
        "{body}"
    );
    for leaked in [
        "deadbeef",
        "wasm backtrace",
        "lib.rs",
        "hostile_proxy",
        "panicked",
    ] {
        assert!(
            !reply.body.contains(leaked),
            "the 500 body shows `{leaked}`: {}",
            reply.body
        );
    }

    // The caller's token is verified, then withheld from the component;
    // the `Bearer` scheme is matched case-insensitively.
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let reply = get(
            addr,
            "/echo-auth",
            &[("authorization", &format!("{scheme} {token}"))],
        )
        .await;
        assert_eq!(reply.status, 200, "{scheme}: {}", reply.body);
        assert_eq!(reply.body, "none", "the component saw the caller's token");
    }
}
