//! The Spin compatibility suite: apps built with two Spin SDK generations
//! (`spin-sdk5-app`: spin-sdk 5, WASI 0.2, `fermyon:spin/*@2.0.0`;
//! `spin-sdk7-app`: spin-sdk 7, WASI 0.3, `spin:*@3.x`) served from one
//! manifest, exercising what Spin apps use after HTTP: variables,
//! key-value stores and SQLite databases on the host's own state, self
//! requests and `*.spin.internal` chaining in process with the caller's
//! session, and the app's own `authorization` on plain outbound calls.

use crate::serve::{Reply, exchange, get, session_token};
use crate::support;
use crate::upstream::Upstream;
use caracal_host::audit::AuditDecision;
use caracal_host::serve::{InboundMode, ServeApp, TrustedKeys};
use caracal_host::store::{PostgresStore, SqliteStore, Store};
use caracal_host::{AgentHost, HostConfig};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use test_programs_artifacts::{SPIN_SDK5_APP, SPIN_SDK6_APP, SPIN_SDK7_APP};

/// A Spin manifest serving `front` on `/...` and `peer` on a private
/// route (reachable only as `peer.spin.internal`), both with the default
/// key-value store and SQLite database, a `greeting` variable, and
/// `extra_hosts` beside self requests and chaining in their
/// `allowed_outbound_hosts`.
fn manifest(dir: &Path, front: &str, peer: &str, extra_hosts: &str) -> std::path::PathBuf {
    let text = format!(
        r#"spin_manifest_version = 2

[application]
name = "compat"

[variables]
greeting = {{ default = "hello from front" }}

[[trigger.http]]
route = "/..."
component = "front"

[[trigger.http]]
route = {{ private = true }}
component = "peer"

[component.front]
source = {front:?}
key_value_stores = ["default"]
sqlite_databases = ["default"]
allowed_outbound_hosts = ["http://self", "http://*.spin.internal"{extra_hosts}]
[component.front.variables]
greeting = "{{{{ greeting }}}}"

[component.peer]
source = {peer:?}
key_value_stores = ["default"]
allowed_outbound_hosts = ["http://self"]
[component.peer.variables]
greeting = "hello from peer"
"#
    );
    let path = dir.join("spin.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Serves `manifest` on a host with `store`, its state in `state_dir`,
/// every request bound by its bearer.
async fn serve_on(
    manifest: &Path,
    store: Arc<dyn Store>,
    state_dir: &Path,
    config: HostConfig,
) -> (Arc<AgentHost>, SocketAddr) {
    let host = Arc::new(
        AgentHost::builder()
            .config(config)
            .store(store)
            .state_dir(state_dir.to_path_buf())
            .pooling(true)
            .cache_dir(Some(support::cache_dir()))
            .build()
            .unwrap(),
    );
    let app = ServeApp::load(&host, manifest).expect("the app loads");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(caracal_host::serve::serve(
        host.clone(),
        app,
        InboundMode::Verify(TrustedKeys::default()),
        listener,
    ));
    (host, addr)
}

/// One compat app served on a SQLite store in a state directory of its
/// own, with a caller session and its bearer.
struct Compat {
    dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    host: Arc<AgentHost>,
    addr: SocketAddr,
    session: caracal_host::authority::SessionId,
    bearer: String,
}

/// Serves [`manifest`]`(front, peer, extra_hosts)` ([`Compat`]).
async fn compat(front: &str, peer: &str, extra_hosts: &str) -> Compat {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("caracal.db")).unwrap());
    let path = manifest(dir.path(), front, peer, extra_hosts);
    let (host, addr) = serve_on(&path, store.clone(), dir.path(), HostConfig::default()).await;
    let (session, bearer) = session_token(&host);
    Compat {
        dir,
        store,
        host,
        addr,
        session,
        bearer,
    }
}

/// One app of each SDK generation, as the front component.
const FRONTS: [(&str, &str); 2] = [("spin-sdk5", SPIN_SDK5_APP), ("spin-sdk7", SPIN_SDK7_APP)];

/// `reply` has `status` and its body contains `needle`.
fn assert_answer(reply: &Reply, status: u16, needle: &str, what: &str) {
    assert!(
        reply.status == status && reply.body.contains(needle),
        "{what}: expected {status} with `{needle}`, got {} {}",
        reply.status,
        reply.body
    );
}

fn assert_reply(reply: &Reply, status: u16, body: &str, what: &str) {
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (status, body),
        "{what}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn key_value_stores_work_in_both_sdk_generations_and_are_audited() {
    for (generation, front) in FRONTS {
        let Compat {
            dir: _dir,
            store,
            host: _host,
            addr,
            session,
            bearer,
        } = compat(front, SPIN_SDK5_APP, "").await;
        let auth = [("authorization", bearer.as_str())];
        let kv = |method: &'static str, path: String, body: Vec<u8>| async move {
            exchange(addr, method, &path, &auth, &body).await
        };

        let put = kv("PUT", "/kv/default/greeting".into(), b"hi there".to_vec()).await;
        assert_eq!(put.status, 204, "{generation}: {}", put.body);
        assert_reply(
            &kv("GET", "/kv/default/greeting".into(), vec![]).await,
            200,
            "hi there",
            generation,
        );
        assert_reply(
            &kv("GET", "/kv-exists/default/greeting".into(), vec![]).await,
            200,
            "true",
            generation,
        );
        kv("PUT", "/kv/default/another".into(), b"2".to_vec()).await;
        assert_reply(
            &kv("GET", "/kv-keys/default".into(), vec![]).await,
            200,
            "another\ngreeting",
            generation,
        );
        assert_eq!(
            kv("DELETE", "/kv/default/greeting".into(), vec![])
                .await
                .status,
            204
        );
        assert_eq!(
            kv("GET", "/kv/default/greeting".into(), vec![])
                .await
                .status,
            404,
            "{generation}"
        );
        assert_reply(
            &kv("GET", "/kv-exists/default/greeting".into(), vec![]).await,
            200,
            "false",
            generation,
        );

        // Only the stores the manifest lists open; a label that is no
        // store name is no store at all.
        let denied = kv("GET", "/kv/cache/x".into(), vec![]).await;
        assert_answer(&denied, 500, "AccessDenied", generation);
        let bogus = kv("GET", "/kv/..%2Fetc/x".into(), vec![]).await;
        assert_answer(&bogus, 500, "NoSuchStore", generation);
        // Spin's limits: a key over 256 bytes, a value over 1 MiB.
        let long_key = kv(
            "PUT",
            format!("/kv/default/{}", "k".repeat(257)),
            b"v".to_vec(),
        )
        .await;
        assert_answer(&long_key, 500, "at most 256", generation);
        let big = kv("PUT", "/kv/default/big".into(), vec![b'x'; 1024 * 1024 + 1]).await;
        assert_answer(&big, 500, "at most 1048576", generation);
        assert_eq!(
            kv("GET", "/kv/default/big".into(), vec![]).await.status,
            404,
            "nothing stored"
        );

        // The keys are in the host's own store, under zone, application
        // and app name.
        assert_eq!(
            store
                .kv_get("local/default/compat/default", "another")
                .unwrap()
                .as_deref(),
            Some(&b"2"[..])
        );
        // Every access is audited under the request's session.
        let storage: Vec<serde_json::Value> = store
            .all_audit_rows()
            .unwrap()
            .iter()
            .map(|row| {
                serde_json::from_str::<serde_json::Value>(&row.record_json).unwrap()["event"]
                    .clone()
            })
            .filter(|event| event["kind"] == "storage")
            .collect();
        let sets: Vec<_> = storage
            .iter()
            .filter(|r| r["method"] == "set" && r["detail"]["key"] == "greeting")
            .collect();
        assert_eq!(sets.len(), 1, "{generation}: {storage:?}");
        assert_eq!(sets[0]["session_id"], session.as_str());
        assert_eq!(sets[0]["resource_id"], "kv:default");
        assert_eq!(sets[0]["decision"], AuditDecision::Allow.as_str());
        assert!(
            storage.iter().any(|r| r["resource_id"] == "kv:cache"
                && r["decision"] == "deny"
                && r["method"] == "open"),
            "{generation}: the refused open is audited"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hosts_sharing_a_postgres_store_see_the_same_keys() {
    let schema = format!("spin_kv_{}", std::process::id());
    // The postgres client runs a runtime of its own: connect off this one.
    let connect = || -> Arc<dyn Store> {
        std::thread::scope(|s| {
            s.spawn(|| {
                Arc::new(
                    PostgresStore::connect_with_schema(caracal_pg_temp::url(), &schema).unwrap(),
                ) as Arc<dyn Store>
            })
            .join()
            .unwrap()
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), SPIN_SDK7_APP, SPIN_SDK5_APP, "");
    let (host_a, a) = serve_on(
        &path,
        connect(),
        &dir.path().join("a"),
        HostConfig::default(),
    )
    .await;
    let (host_b, b) = serve_on(
        &path,
        connect(),
        &dir.path().join("b"),
        HostConfig::default(),
    )
    .await;
    let (_, bearer_a) = session_token(&host_a);
    let (_, bearer_b) = session_token(&host_b);
    let put = exchange(
        a,
        "PUT",
        "/kv/default/shared",
        &[("authorization", &bearer_a)],
        b"from a",
    )
    .await;
    assert_eq!(put.status, 204, "{}", put.body);
    let got = get(b, "/kv/default/shared", &[("authorization", &bearer_b)]).await;
    assert_reply(&got, 200, "from a", "host b reads what host a wrote");
    // A postgres client may not be dropped on a runtime thread (it blocks
    // on its connection): the hosts outlive this test's runtime.
    std::mem::forget((host_a, host_b));
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_databases_work_in_both_sdk_generations_and_stay_confined() {
    for (generation, front) in FRONTS {
        let Compat {
            dir,
            store: _store,
            host: _host,
            addr,
            session: _session,
            bearer,
        } = compat(front, SPIN_SDK5_APP, "").await;
        let sql = |route: &'static str, statement: &'static str| {
            let bearer = bearer.clone();
            async move {
                exchange(
                    addr,
                    "POST",
                    route,
                    &[("authorization", &bearer)],
                    statement.as_bytes(),
                )
                .await
            }
        };
        let created = sql(
            "/sql/default",
            "CREATE TABLE notes (title TEXT, stars INTEGER, score REAL, raw BLOB)",
        )
        .await;
        assert_eq!(created.status, 200, "{generation}: {}", created.body);
        let inserted = sql(
            "/sql/default?p=first&p=5",
            "INSERT INTO notes VALUES (?, ?, 1.5, x'00ff')",
        )
        .await;
        assert_eq!(inserted.status, 200, "{generation}: {}", inserted.body);
        sql(
            "/sql/default?p=second",
            "INSERT INTO notes VALUES (?, NULL, NULL, NULL)",
        )
        .await;
        let expected = serde_json::json!({
            "columns": ["title", "stars", "score", "raw"],
            // `stars INTEGER`: SQLite's affinity makes the text parameter 5.
            "rows": [["first", 5, 1.5, [0, 255]], ["second", null, null, null]],
        });
        let routes: &[&str] = if generation == "spin-sdk7" {
            &["/sql/default", "/sql-async/default"]
        } else {
            &["/sql/default"]
        };
        for route in routes {
            let selected = sql(
                route,
                "SELECT title, stars, score, raw FROM notes ORDER BY title",
            )
            .await;
            assert_eq!(
                selected.status, 200,
                "{generation} {route}: {}",
                selected.body
            );
            let body: serde_json::Value = serde_json::from_str(&selected.body).unwrap();
            assert_eq!(body, expected, "{generation} {route}");
        }
        // The database is a file of the app's in the state directory.
        assert!(dir.path().join("spin-sqlite/compat/default.db").is_file());

        // Unlisted databases are refused; SQL cannot reach another file.
        let other = sql("/sql/analytics", "SELECT 1").await;
        assert_answer(&other, 500, "AccessDenied", generation);
        let attach = sql(
            "/sql/default",
            "ATTACH DATABASE '/tmp/caracal-attach.db' AS o",
        )
        .await;
        assert_answer(&attach, 500, "attached", generation);
        let vacuum = sql("/sql/default", "VACUUM INTO '/tmp/caracal-vacuum.db'").await;
        assert_eq!(vacuum.status, 500, "{generation}: {}", vacuum.body);
        assert!(!Path::new("/tmp/caracal-vacuum.db").exists());
        let broken = sql("/sql/default", "SELEKT nonsense").await;
        assert_answer(&broken, 500, "syntax error", generation);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn variables_self_requests_and_chaining_stay_in_process_with_the_callers_session() {
    for (generation, front) in FRONTS {
        // The peer is the other generation: chaining crosses them.
        let peer = if front == SPIN_SDK5_APP {
            SPIN_SDK7_APP
        } else {
            SPIN_SDK5_APP
        };
        let Compat {
            dir: _dir,
            store: _store,
            host: _host,
            addr,
            session,
            bearer,
        } = compat(front, peer, "").await;
        let call = |path: String| {
            let bearer = bearer.clone();
            async move { get(addr, &path, &[("authorization", &bearer)]).await }
        };
        assert_reply(
            &call("/var/greeting".into()).await,
            200,
            "hello from front",
            generation,
        );
        let undefined = call("/var/nope".into()).await;
        assert_answer(&undefined, 500, "Undefined", generation);

        // A relative URL and http://self go to the app's own router.
        assert_reply(
            &call("/self/var/greeting".into()).await,
            200,
            "hello from front",
            generation,
        );
        assert_reply(
            &call("/self-host/var/greeting".into()).await,
            200,
            "hello from front",
            generation,
        );
        // *.spin.internal goes to the named component, private route and all.
        assert_reply(
            &call("/chain/peer/var/greeting".into()).await,
            200,
            "hello from peer",
            generation,
        );
        let missing = call("/chain/ghost/var/greeting".into()).await;
        assert_eq!(missing.status, 404, "{generation}: {}", missing.body);
        // The callee runs under the caller's session: its envelope names it.
        let echoed = call("/chain/peer/echo-headers".into()).await;
        assert_eq!(echoed.status, 200, "{generation}: {}", echoed.body);
        let headers: serde_json::Value = serde_json::from_str(&echoed.body).unwrap();
        let baggage = headers["baggage"].as_str().unwrap_or_default();
        assert!(
            baggage.contains(&format!("caracal.agent_session={session}")),
            "{generation}: {headers}"
        );
        assert!(
            headers.get("authorization").is_none(),
            "{generation}: the caller's bearer is not handed on"
        );
        // In-process requests nest, but not without end.
        let nested = |levels: usize| format!("{}/var/greeting", "/self".repeat(levels));
        assert_reply(&call(nested(7)).await, 200, "hello from front", generation);
        let too_deep = call(nested(9)).await;
        assert_eq!(too_deep.status, 502, "{generation}: {}", too_deep.body);
        // A component whose allowed_outbound_hosts lacks *.spin.internal
        // cannot chain (the peer allows only http://self).
        // (The peer's refusal comes back through the front's own call.)
        let from_peer = call("/chain/peer/chain/front/var/greeting".into()).await;
        assert_answer(&from_peer, 502, "send error", generation);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_apps_own_authorization_goes_to_an_allow_listed_host() {
    let upstream = Upstream::start().await;
    for (generation, front) in FRONTS {
        let allowed = format!(", {:?}", upstream.base());
        let Compat {
            dir: _dir,
            store: _store,
            host,
            addr,
            session: _session,
            bearer,
        } = compat(front, SPIN_SDK5_APP, &allowed).await;
        let url = format!("{}/items/1", upstream.base());
        let route = format!(
            "/outbound?url={}",
            url.replace(':', "%3A").replace('/', "%2F")
        );
        let reply = get(
            addr,
            &route,
            &[
                ("authorization", &bearer),
                ("x-send-authorization", "Token app-secret"),
            ],
        )
        .await;
        assert_eq!(reply.status, 200, "{generation}: {}", reply.body);
        let seen = upstream.seen();
        let call = seen.last().expect("the upstream was called");
        assert_eq!(
            call.headers["authorization"], "Token app-secret",
            "{generation}"
        );
        // A host-minted bearer for a session the request does not hold is
        // still refused, whoever wrote the header.
        let (_, other) = session_token(&host);
        let forged = get(
            addr,
            &route,
            &[("authorization", &bearer), ("x-send-authorization", &other)],
        )
        .await;
        assert_answer(&forged, 502, "send error", generation);
    }
}

/// The raw HTTP/1.1 answer to `GET path` with `headers`.
async fn raw_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn response_trailers_reach_the_client_from_both_wasi_versions() {
    for (generation, front) in FRONTS {
        let Compat {
            dir: _dir,
            store: _store,
            host: _host,
            addr,
            session: _session,
            bearer,
        } = compat(front, SPIN_SDK5_APP, "").await;
        let raw = raw_get(
            addr,
            "/trailers",
            &[("authorization", &bearer), ("te", "trailers")],
        )
        .await;
        let lower = raw.to_ascii_lowercase();
        assert!(lower.starts_with("http/1.1 200"), "{generation}: {raw}");
        assert!(
            lower.contains("transfer-encoding: chunked"),
            "{generation}: {raw}"
        );
        let (_, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(
            body.contains("part one, ") && body.contains("part two"),
            "{generation}: {raw}"
        );
        assert!(
            lower.ends_with("\r\n0\r\nx-checksum: 1234\r\n\r\n"),
            "{generation}: the trailer follows the last chunk: {raw:?}"
        );
    }
}

#[test]
fn a_spin_sdk6_app_is_refused_naming_its_release_candidate_import() {
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), SPIN_SDK6_APP, SPIN_SDK5_APP, "");
    let host = AgentHost::builder()
        .cache_dir(Some(support::cache_dir()))
        .build()
        .unwrap();
    let error = ServeApp::load(&host, &path).unwrap_err().to_string();
    assert!(
        error.contains("component `front`")
            && error.contains("wasi:http/")
            && error.contains("@0.3.0-rc-2026-03-15")
            && error.contains("rebuild it with spin-sdk 7"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_content_length_appended_twice_with_one_value_is_one_header() {
    let Compat { addr, bearer, .. } = compat(SPIN_SDK5_APP, SPIN_SDK5_APP, "").await;
    let raw = raw_get(addr, "/copied-length", &[("authorization", &bearer)]).await;
    let lower = raw.to_ascii_lowercase();
    assert!(lower.starts_with("http/1.1 200"), "{raw}");
    assert_eq!(lower.matches("content-length: 5\r\n").count(), 1, "{raw}");
    assert!(raw.ends_with("\r\n\r\nfives"), "{raw}");
    // Two different lengths still make framing ambiguous: refused.
    let conflicting = get(addr, "/conflicting-length", &[("authorization", &bearer)]).await;
    assert!(
        conflicting.status == 500 && conflicting.body.contains("InvalidSyntax"),
        "{}",
        conflicting.body
    );
}
