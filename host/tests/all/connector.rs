//! The host's own connector against hostile DNS and a real keep-alive
//! upstream: names that resolve where a wildcard must not reach (DNS
//! rebinding, IPv4 and IPv6), one lookup per request, the pool's keys and
//! its behaviour under revocation, and the guest's timeouts.

use crate::keepalive::KeepAlive;
use crate::support::{self, Run, args_options, run_on};
use crate::upstream::SECRET;
use caracal_host::outbound::{PoolPolicy, Resolution, Resolve, StaticResolver};
use caracal_host::{AgentHost, HostConfig};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use test_programs_artifacts::RAW_HTTP;

/// A host configured by `toml` whose names resolve through `resolver`,
/// auditing to `audit.jsonl` in `dir`.
pub(crate) fn host(
    dir: &Path,
    toml: &str,
    resolver: Arc<dyn Resolve>,
    pool: PoolPolicy,
) -> AgentHost {
    host_trusting(dir, toml, resolver, pool, None)
}

/// [`host`], trusting `roots` for `https` instead of the webpki roots.
fn host_trusting(
    dir: &Path,
    toml: &str,
    resolver: Arc<dyn Resolve>,
    pool: PoolPolicy,
    roots: Option<Arc<rustls::RootCertStore>>,
) -> AgentHost {
    std::fs::write(dir.join("caracal.toml"), toml).unwrap();
    let secret = SECRET.trim_start_matches("Bearer ").to_string();
    let env = move |name: &str| (name == "TICKETS_TOKEN").then(|| secret.clone());
    let config = HostConfig::load_from(&env, dir).unwrap();
    let builder = AgentHost::builder()
        .config(config)
        .cache_dir(Some(support::cache_dir()))
        .resolver(resolver)
        .outbound_pool(pool)
        .audit_file(dir.join("audit.jsonl"));
    match roots {
        Some(roots) => builder.tls_roots(roots),
        None => builder,
    }
    .build()
    .unwrap()
}

async fn raw(host: &AgentHost, args: &[&str]) -> Run {
    let agent = support::load(host, RAW_HTTP);
    let run = run_on(host, &agent, args_options(args)).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    run
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// Names under `rebind.test` that resolve to every kind of address a
/// wildcard must not reach, each paired with whether it is IPv6.
const REBINDING: [(&str, &[&str]); 13] = [
    ("loop4", &["127.0.0.1"]),
    ("loop4b", &["127.0.0.2"]),
    ("mixed", &["93.184.216.34", "127.0.0.1"]),
    ("zero", &["0.0.0.0"]),
    ("private", &["10.0.0.1", "192.168.1.1"]),
    ("metadata", &["169.254.169.254"]),
    ("cgnat", &["100.64.0.1"]),
    ("loop6", &["::1"]),
    ("mapped", &["::ffff:127.0.0.1"]),
    ("compat", &["::127.0.0.1"]),
    ("nat64", &["64:ff9b::7f00:1"]),
    ("ula", &["fd00::1", "fd00:ec2::254"]),
    ("linklocal6", &["fe80::1"]),
];

fn rebinding_resolver() -> StaticResolver {
    REBINDING
        .iter()
        .fold(StaticResolver::new(), |resolver, (name, addresses)| {
            resolver.with(
                &format!("{name}.rebind.test"),
                addresses.iter().map(|a| ip(a)),
            )
        })
        .with("db.rebind.test", [ip("127.0.0.1")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_rebinding_through_wildcard_and_subdomain_entries_reaches_nothing() {
    // Real servers where the rebinding names point: were a check missing,
    // the request would connect and be answered.
    let v4 = KeepAlive::start("0.0.0.0").await;
    // Dual-stack: IPv4-mapped addresses reach it too.
    let v6 = KeepAlive::start("::").await;
    for allow in ["http://*:*", "http://*.rebind.test:*"] {
        let dir = tempfile::tempdir().unwrap();
        let toml = format!("allowed_outbound_hosts = [\"{allow}\"]\n");
        let host = host(
            dir.path(),
            &toml,
            Arc::new(rebinding_resolver()),
            PoolPolicy::default(),
        );
        for (name, addresses) in REBINDING {
            let port = if addresses[0].contains(':') {
                v6.port()
            } else {
                v4.port()
            };
            let url = format!("http://{name}.rebind.test:{port}/");
            let run = raw(&host, &["GET", &url]).await;
            run.step("send")
                .refused("ErrorCode::DestinationIpProhibited");
        }
        // Each refusal is audited, naming the address and why.
        let log = dir.path().join("audit.jsonl");
        let refusals: Vec<String> = caracal_audit::read(&log)
            .unwrap()
            .map(Result::unwrap)
            .filter(|r| r.event.decision == Some(caracal_audit::Decision::Deny))
            .filter_map(|r| r.event.reason)
            .collect();
        assert_eq!(refusals.len(), REBINDING.len(), "{refusals:#?}");
        assert!(
            refusals
                .iter()
                .any(|r| r.contains("`loop6.rebind.test` resolves to ::1 (loopback)")),
            "{refusals:#?}"
        );
        caracal_audit::verify_file(&log).unwrap();
    }
    assert_eq!(
        (v4.accepted(), v6.accepted()),
        (0, 0),
        "nothing was reached"
    );

    // The control: a host named exactly may resolve to loopback, and the
    // same servers answer it.
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "allowed_outbound_hosts = [\"http://*:*\", \"http://db.rebind.test:{}\"]\n",
        v4.port()
    );
    let host = host(
        dir.path(),
        &toml,
        Arc::new(rebinding_resolver()),
        PoolPolicy::default(),
    );
    let url = format!("http://db.rebind.test:{}/", v4.port());
    raw(&host, &["GET", &url]).await.step("send").ok();
    assert_eq!(v4.accepted(), 1);
}

/// Answers `first` to the first lookup and `then` to every later one,
/// counting lookups.
#[derive(Debug)]
struct FlipFlop {
    first: IpAddr,
    then: IpAddr,
    lookups: AtomicUsize,
}

impl Resolve for FlipFlop {
    fn resolve(&self, _name: &str) -> Resolution {
        let n = self.lookups.fetch_add(1, Ordering::SeqCst);
        let answer = if n == 0 { self.first } else { self.then };
        Box::pin(async move { Ok(vec![answer]) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_resolves_once_and_connects_to_the_address_it_checked() {
    let first = KeepAlive::start("127.0.0.1").await;
    let second = std::net::SocketAddr::new(ip("127.0.0.2"), first.port());
    let Ok(then) = KeepAlive::start_on(second).await else {
        panic!("127.0.0.2:{} is taken", first.port());
    };
    let resolver = Arc::new(FlipFlop {
        first: ip("127.0.0.1"),
        then: ip("127.0.0.2"),
        lookups: AtomicUsize::new(0),
    });
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "allowed_outbound_hosts = [\"http://flip.test:{}\"]\n",
        first.port()
    );
    let host = host(dir.path(), &toml, resolver.clone(), PoolPolicy::default());
    let url = format!("http://flip.test:{}/", first.port());
    raw(&host, &["GET", &url]).await.step("send").ok();
    assert_eq!(resolver.lookups.load(Ordering::SeqCst), 1);
    assert_eq!((first.accepted(), then.accepted()), (1, 0));
    // The name now points elsewhere: the pooled connection to the old
    // address is not used for it.
    raw(&host, &["GET", &url]).await.step("send").ok();
    assert_eq!(resolver.lookups.load(Ordering::SeqCst), 2);
    assert_eq!((first.accepted(), then.accepted()), (1, 1));
}

/// A host that may reach `server` (and `also`), with `extra` configuration.
fn loopback_host(
    server: &KeepAlive,
    also: &[u16],
    extra: &str,
    pool: PoolPolicy,
) -> (tempfile::TempDir, AgentHost) {
    let dir = tempfile::tempdir().unwrap();
    let allowed = std::iter::once(server.port())
        .chain(also.iter().copied())
        .map(|port| format!("\"http://127.0.0.1:{port}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let toml = format!("allowed_outbound_hosts = [{allowed}]\n{extra}");
    let host = host(dir.path(), &toml, Arc::new(StaticResolver::new()), pool);
    (dir, host)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_requests_share_a_connection_and_unpooled_ones_do_not() {
    let server = KeepAlive::start("127.0.0.1").await;
    let url = format!("{}/", server.base());
    let (_dir, pooled) = loopback_host(&server, &[], "", PoolPolicy::default());
    let run = raw(&pooled, &["repeat", "5", &url]).await;
    assert_eq!(run.step("repeat").ok(), "5");
    assert_eq!(server.accepted(), 1, "one connection for five requests");
    let stats = pooled.connector().stats();
    assert_eq!(
        (stats.connections_opened, stats.reused, stats.idle),
        (1, 4, 1)
    );

    let (_dir, unpooled) = loopback_host(&server, &[], "", PoolPolicy::disabled());
    raw(&unpooled, &["repeat", "5", &url]).await;
    assert_eq!(server.accepted(), 6, "a connection per request");
    assert_eq!(unpooled.connector().stats().idle, 0);
    support::eventually("unpooled connections are closed", || server.open() == 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_route_and_a_plain_route_never_share_a_connection() {
    let server = KeepAlive::start("127.0.0.1").await;
    let tickets = crate::outbound::tickets_at(&server.base());
    let (_dir, host) = loopback_host(&server, &[], &tickets, PoolPolicy::default());
    for path in ["/api/tickets", "/open", "/api/tickets/1", "/open"] {
        let url = format!("{}{path}", server.base());
        raw(&host, &["GET", &url]).await.step("send").ok();
    }
    let hits = server.hits();
    assert_eq!(server.accepted(), 2, "{hits:?}");
    let on = |prefix: &str| {
        hits.iter()
            .filter(|hit| hit.path.starts_with(prefix))
            .map(|hit| hit.connection)
            .collect::<Vec<_>>()
    };
    let (credential, plain) = (on("/api"), on("/open"));
    assert_eq!(credential[0], credential[1]);
    assert_eq!(plain[0], plain[1]);
    assert_ne!(credential[0], plain[0]);
    for hit in &hits {
        let injected = hit.authorization.as_deref() == Some(SECRET);
        assert_eq!(injected, hit.path.starts_with("/api"), "{hit:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_request_dies_in_flight_and_its_connection_is_not_pooled() {
    let server = KeepAlive::start("127.0.0.1").await;
    for (path, sent) in [("/slow", "HTTP-request-denied"), ("/stream", "200")] {
        let (_dir, host) = loopback_host(&server, &[], "", PoolPolicy::default());
        let host = Arc::new(host);
        let agent = support::load(&host, RAW_HTTP);
        let url = format!("{}{path}", server.base());
        let hits_before = server.hits().len();
        let guest = tokio::spawn({
            let host = host.clone();
            async move { run_on(&host, &agent, args_options(&["GET", &url])).await }
        });
        support::eventually("the request reaches the upstream", || {
            server.hits().len() > hits_before
        })
        .await;
        if path == "/stream" {
            // Let the first chunk reach the guest: the body is streaming.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let suspended_at = Instant::now();
        host.authority()
            .suspend(&support::live_root(&host))
            .unwrap();
        let run = guest.await.unwrap().unwrap();
        let bound = suspended_at.elapsed();
        eprintln!("{path}: suspend -> in-flight request dropped and the guest done: {bound:?}");
        assert!(bound < Duration::from_secs(2), "{path}: {bound:?}");
        match path {
            "/slow" => {
                run.step("send").refused(sent);
            }
            _ => {
                assert_eq!(run.step("send").ok(), sent);
                assert_eq!(run.step("body").ok(), "first chunk;", "cut off mid-body");
            }
        }
        assert_eq!(host.connector().stats().idle, 0, "{path}: not pooled");
        support::eventually("the connection is closed", || server.open() == 0).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guests_connect_and_first_byte_timeouts_are_honoured() {
    let server = KeepAlive::start("127.0.0.1").await;
    // A listener whose accept queue (backlog 0) is full: a new connection
    // never completes, so only the connect timeout ends it.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let stalled = socket.listen(0).unwrap();
    let stalled_port = stalled.local_addr().unwrap().port();
    let filler = tokio::net::TcpStream::connect(("127.0.0.1", stalled_port))
        .await
        .unwrap();
    let (_dir, host) = loopback_host(&server, &[stalled_port], "", PoolPolicy::default());
    let started = Instant::now();
    let url = format!("{}/slow", server.base());
    let run = raw(&host, &["GET", &url, "--first-byte-timeout-ms", "300"]).await;
    run.step("send").refused("ErrorCode::ConnectionReadTimeout");
    assert!(started.elapsed() < Duration::from_secs(5));

    let started = Instant::now();
    let url = format!("http://127.0.0.1:{stalled_port}/");
    let run = raw(&host, &["GET", &url, "--connect-timeout-ms", "300"]).await;
    run.step("send").refused("ErrorCode::ConnectionTimeout");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop((filler, stalled));
}

/// An HTTPS server on 127.0.0.1 presenting `certified`, answering `ok`;
/// returns its port.
async fn tls_server(certified: &rcgen::CertifiedKey<rcgen::KeyPair>) -> u16 {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(|_request| async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(
                        http_body_util::Full::new(bytes::Bytes::from_static(b"over tls")),
                    ))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_upstreams_are_verified_against_the_url_host_not_the_address() {
    let certified = rcgen::generate_simple_self_signed(vec!["tls.test".to_string()]).unwrap();
    let port = tls_server(&certified).await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let resolver = Arc::new(
        StaticResolver::new()
            .with("tls.test", [ip("127.0.0.1")])
            .with("other.test", [ip("127.0.0.1")]),
    );
    let toml = format!(
        "allowed_outbound_hosts = [\"https://tls.test:{port}\", \"https://other.test:{port}\"]\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let trusting = host_trusting(
        dir.path(),
        &toml,
        resolver.clone(),
        PoolPolicy::default(),
        Some(Arc::new(roots)),
    );
    let run = raw(&trusting, &["GET", &format!("https://tls.test:{port}/")]).await;
    assert_eq!(run.step("send").ok(), "200");
    assert_eq!(run.step("body").ok(), "over tls");
    // The same address under another name: the certificate does not name
    // it, so the handshake fails.
    let run = raw(&trusting, &["GET", &format!("https://other.test:{port}/")]).await;
    let refusal = refusal_kind(&run);
    assert!(refusal.starts_with("ErrorCode::Tls"), "{refusal}");
    // A self-signed certificate is not trusted by the default roots.
    let dir = tempfile::tempdir().unwrap();
    let default = host(dir.path(), &toml, resolver, PoolPolicy::default());
    let run = raw(&default, &["GET", &format!("https://tls.test:{port}/")]).await;
    let refusal = refusal_kind(&run);
    assert!(refusal.starts_with("ErrorCode::Tls"), "{refusal}");
}

/// The error kind the guest printed for its send.
fn refusal_kind(run: &Run) -> String {
    match run.step("send") {
        crate::support::Step::Err { kind, .. } => kind,
        other => panic!("expected a refusal, got {other:?}"),
    }
}
