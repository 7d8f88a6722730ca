//! Agents in Python and JavaScript/TypeScript: the examples built with
//! `caracal-host build` (the real componentize-py and ComponentizeJS
//! toolchains, installed into the test cache on first use) and run under
//! the host against loopback upstreams.

use crate::support::{self, args_options, run_on};
use crate::upstream::{SECRET, Upstream};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `source` (relative to the repository) built into a component once per
/// test process, with the toolchains cached beside the compiled components.
pub fn built(source: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<(String, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, path)) = built.iter().find(|(s, _)| s == source) {
        return path.clone();
    }
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("built-agents");
    std::fs::create_dir_all(&out_dir).unwrap();
    let output = out_dir.join(format!("{}.wasm", source.replace('/', "_")));
    let options = caracal_host::build::BuildOptions {
        cache_dir: support::cache_dir(),
    };
    let report = caracal_host::build::build(&repo().join(source), &output, &options, &|step| {
        eprintln!("build {source}: {step}")
    })
    .unwrap_or_else(|e| panic!("caracal-host build {source}: {e}"));
    eprintln!(
        "built {source}: {} bytes in {:?} (toolchain install {:?})",
        report.bytes, report.build, report.install
    );
    built.push((source.to_owned(), output.clone()));
    output
}

/// The example's own `caracal.toml`, its loopback upstream (`shipped`,
/// e.g. `http://127.0.0.1:8080`) pointed at `base`.
fn example_config(example: &str, shipped: &str, base: &str) -> String {
    let toml = std::fs::read_to_string(repo().join(example).join("caracal.toml")).unwrap();
    assert!(
        toml.contains(shipped),
        "{example}/caracal.toml names {shipped}"
    );
    toml.replace(shipped, base)
}

/// A host on `toml`, reading credentials from `env` only.
fn host_on(dir: &Path, toml: &str, env: &[(&str, &str)]) -> caracal_host::AgentHost {
    std::fs::write(dir.join("caracal.toml"), toml).unwrap();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let config = caracal_host::HostConfig::load_from(&lookup, dir).unwrap();
    caracal_host::AgentHost::builder()
        .config(config)
        .cache_dir(Some(support::cache_dir()))
        .build()
        .unwrap()
}

/// The `step <name>: <result>` lines of a run, by name.
fn steps(stdout: &str) -> std::collections::HashMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("step "))
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A ticket-API example (`source` in `example`, whose `caracal.toml`
/// names `shipped` as the API) built and run against a loopback ticket
/// API; checks it exited 0, that every call reaching the API carried the
/// injected credential, and that the agent never printed it.
async fn run_ticket_example(
    source: &str,
    example: &str,
    shipped: &str,
) -> (caracal_host::AgentHost, crate::support::Run) {
    let component = built(source);
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let toml = example_config(example, shipped, &upstream.base());
    let host = crate::outbound::host_with(dir.path(), &toml);
    let agent = support::load(&host, component.to_str().unwrap());
    let api = format!("{}/api", upstream.base());
    let run = run_on(&host, &agent, args_options(&[&api])).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    assert!(!upstream.seen().is_empty(), "{run}");
    assert!(
        upstream
            .seen()
            .iter()
            .all(|s| s.headers["authorization"] == SECRET)
    );
    let secret = SECRET.trim_start_matches("Bearer ");
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "{run}"
    );
    (host, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_agent_is_governed_like_a_rust_one() {
    let (host, run) = run_ticket_example(
        "examples/js-agent/agent.ts",
        "examples/js-agent",
        "http://127.0.0.1:8080",
    )
    .await;
    let steps = steps(&run.stdout);
    assert!(steps["spawn"].contains("labels=triage"), "{run}");
    assert!(steps["spawn"].contains("hop=1"), "{run}");
    assert!(steps["child"].contains("hop=2"), "{run}");
    assert!(
        steps["widen"].starts_with("refused DeniedError"),
        "a widening is refused with the typed error: {run}"
    );
    assert!(steps["child-read"].starts_with("200"), "{run}");
    assert!(!steps["child-write"].starts_with("2"), "{run}");
    assert!(steps["parent-write"].starts_with("201"), "{run}");
    assert!(steps["service"].contains("status=active"), "{run}");
    // Audited with its labels, like a Rust agent's sessions.
    let labelled = host
        .authority()
        .snapshot()
        .sessions
        .iter()
        .any(|s| s.view.labels == ["triage"]);
    assert!(labelled);
}

#[test]
fn build_refuses_an_unknown_language_a_missing_file_and_a_bad_module_name() {
    let options = caracal_host::build::BuildOptions {
        cache_dir: support::cache_dir(),
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wasm");
    let err = |source: &Path| {
        caracal_host::build::build(source, &out, &options, &|_| {})
            .unwrap_err()
            .to_string()
    };
    assert!(err(Path::new("agent.rb")).contains("cannot tell the language"));
    assert!(err(&dir.path().join("missing.py")).contains("does not exist"));
    let bad = dir.path().join("my-agent.py");
    std::fs::write(&bad, "def main():\n    pass\n").unwrap();
    assert!(err(&bad).contains("must be a module name"));
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_agent_follows_the_upstream_guide_under_the_host() {
    let (host, run) = run_ticket_example(
        "examples/python-agent/agent.py",
        "examples/python-agent",
        "http://127.0.0.1:8181",
    )
    .await;
    let steps = steps(&run.stdout);
    assert!(steps["spawn"].contains("labels=triage,python"), "{run}");
    assert!(steps["narrow"].contains("hop=2"), "{run}");
    assert!(
        steps["widen"].starts_with("refused DeniedError"),
        "the narrowed child cannot widen: {run}"
    );
    assert!(steps["read"].starts_with("GET /tickets -> 200"), "{run}");
    assert_eq!(
        steps["write"], "POST /tickets -> denied RequestDeniedError",
        "{run}"
    );
    assert!(
        steps["parent-write"].starts_with("POST /tickets -> 201"),
        "{run}"
    );
    assert!(steps["service"].contains("status=active"), "{run}");
    // The headers parse as the envelope (the SDK printed the bearer's
    // length only).
    assert!(
        steps["headers"].contains("baggage=caracal.agent_session="),
        "{run}"
    );
    // Labels are in the audit's sessions.
    let labels: Vec<Vec<String>> = host
        .authority()
        .snapshot()
        .sessions
        .iter()
        .map(|s| s.view.labels.clone())
        .collect();
    assert!(labels.contains(&vec!["triage".to_owned(), "python".to_owned()]));
}

/// The API key the chat-completions server requires.
const LLM_KEY: &str = "sk-loopback-5e1f";

/// A loopback server speaking the OpenAI chat-completions wire format:
/// `POST /v1/chat/completions` with `"stream": true` and the right key is
/// answered as server-sent events, word by word, then `data: [DONE]`.
/// Returns its base URL and the authorization values it saw.
async fn chat_completions() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keys = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let keys = keys.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body_start) = loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (
                            String::from_utf8_lossy(&buffer[..at]).to_lowercase(),
                            at + 4,
                        );
                    }
                };
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buffer.len() < body_start + length {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                }
                let body: serde_json::Value =
                    serde_json::from_slice(&buffer[body_start..]).unwrap_or_default();
                let auth = head
                    .lines()
                    .find_map(|l| l.strip_prefix("authorization:"))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default();
                keys.lock().unwrap().push(auth.clone());
                if auth != format!("bearer {LLM_KEY}") || body["stream"] != true {
                    let _ = stream
                        .write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 25\r\nconnection: close\r\n\r\n{\"error\":\"invalid_key\"}\n")
                        .await;
                    return;
                }
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n")
                    .await;
                let words = ["Caracal ", "gives ", "agents ", "narrow ", "authority."];
                let mut events: Vec<String> = words
                    .iter()
                    .map(|w| {
                        let chunk = serde_json::json!({"id": "c1", "object": "chat.completion.chunk",
                            "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": null}]});
                        format!("data: {chunk}\n\n")
                    })
                    .collect();
                events.push("data: [DONE]\n\n".to_owned());
                for event in events {
                    let frame = format!("{:x}\r\n{event}\r\n", event.len());
                    if stream.write_all(frame.as_bytes()).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                let _ = stream.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    (base, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_llm_agent_streams_a_chat_completion_through_the_embedded_gateway() {
    let component = built("examples/llm-agent/agent.py");
    let (base, seen) = chat_completions().await;
    let dir = tempfile::tempdir().unwrap();
    let toml = example_config("examples/llm-agent", "http://127.0.0.1:8282/v1", &base);
    let host = host_on(dir.path(), &toml, &[("LLM_API_KEY", LLM_KEY)]);
    let agent = support::load(&host, component.to_str().unwrap());
    let run = run_on(&host, &agent, args_options(&[&base, "What is Caracal?"]))
        .await
        .unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    let steps = steps(&run.stdout);
    assert!(
        steps["response"].starts_with("200 text/event-stream"),
        "{run}"
    );
    assert_eq!(
        steps["reply"], "Caracal gives agents narrow authority.",
        "{run}"
    );
    assert!(
        steps["stream"].starts_with("5 events, 5 content deltas"),
        "{run}"
    );
    // The server got the key; the agent never did.
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("bearer {LLM_KEY}")]
    );
    assert!(
        !run.stdout.contains(LLM_KEY) && !run.stderr.contains(LLM_KEY),
        "{run}"
    );

    // Without the key configured, the server refuses and the agent says so.
    let dir = tempfile::tempdir().unwrap();
    let keyless = host_on(dir.path(), &toml, &[("LLM_API_KEY", "sk-wrong")]);
    let agent = support::load(&keyless, component.to_str().unwrap());
    let refused = run_on(&keyless, &agent, args_options(&[&base, "hi"]))
        .await
        .unwrap();
    assert_eq!(refused.exit_code, 1, "{refused}");
    assert!(refused.stdout.contains("step response: 401"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_agent_from_the_guides_snippets_behaves_as_the_guide_says() {
    use crate::upstream_python::{V1_0, verify};
    let component = built("host/tests/agents/guide_agent.py");
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let toml = format!(
        "issuer_url = \"{issuer}\"\n{}",
        crate::outbound::tickets(&upstream)
    );
    let host = crate::outbound::host_with(dir.path(), &toml);
    caracal_host::issuer::publish_on(&host, listener).unwrap();
    let agent = support::load(&host, component.to_str().unwrap());
    let api = format!("{}/api", upstream.base());
    let run = run_on(&host, &agent, args_options(&[&api])).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    let steps: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| s["step"] == name)
            .unwrap_or_else(|| panic!("no step {name}: {run}"))
            .clone()
    };
    // Labels reach the audit's sessions.
    assert!(
        host.authority()
            .snapshot()
            .sessions
            .iter()
            .any(|s| s.view.labels == ["refund-agent"])
    );
    // The narrowed child is refused a widening, with the typed error.
    assert_eq!(step("widen")["refused"], true, "{run}");
    assert_eq!(step("widen")["error"], "DeniedError", "{run}");
    // Routed through the embedded gateway, which injected the credential;
    // the agent never printed it.
    assert_eq!(step("transport")["status"], 200, "{run}");
    assert!(
        upstream
            .seen()
            .iter()
            .all(|s| s.headers["authorization"] == SECRET)
    );
    let secret = SECRET.trim_start_matches("Bearer ");
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "{run}"
    );
    assert!(
        step("service")["generation"].as_u64().unwrap() >= 1,
        "{run}"
    );
    // The headers parse with upstream's own decoder and the tokens verify
    // with upstream's verifier.
    let cases: Vec<serde_json::Value> = ["headers", "child"]
        .iter()
        .map(|name| {
            let headers = step(name)["headers"].clone();
            let token = headers["authorization"]
                .as_str()
                .unwrap()
                .trim_start_matches("Bearer ")
                .to_owned();
            serde_json::json!({
                "name": name, "token": token, "issuer": issuer, "audience": "default",
                "zone_id": "local", "required_scopes": [], "required_targets": [],
                "required_use": "session", "revoked": [], "headers": headers,
            })
        })
        .collect();
    for result in verify(V1_0, &cases) {
        assert_eq!(result["verify.authenticate"]["ok"], true, "{result:#}");
        let envelope = &result["envelope"];
        assert_eq!(
            envelope["session_id"], result["verify.authenticate"]["principal"]["session_id"],
            "{result:#}"
        );
        let hop = if result["name"] == "child" { 1 } else { 0 };
        assert_eq!(envelope["hop"], hop, "{result:#}");
    }
}

/// The snapshot's heap is frozen out of the cyclic collector, so a run's
/// collections never walk (and copy-on-write) the snapshot's pages: the
/// objects made at import time, the agent's own included, are frozen (an
/// unfrozen interpreter reports 0), and so is what componentize-py would
/// import after the agent (else some 1,100 objects are still tracked,
/// young or old, when `main()` starts; 16 are). The snapshot does not fix
/// `random`: two runs of one component draw different numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_agent_starts_with_its_snapshot_frozen_out_of_the_collector() {
    let component = built("host/tests/agents/snapshot_heap.py");
    let host = support::host();
    let agent = support::load(host, component.to_str().unwrap());
    let mut draws = Vec::new();
    for _ in 0..2 {
        let run = run_on(host, &agent, args_options(&[])).await.unwrap();
        assert_eq!(run.exit_code, 0, "{run}");
        let counts: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert!(counts["frozen"].as_u64().unwrap() > 1000, "{run}");
        assert!(counts["unfrozen"].as_u64().unwrap() < 100, "{run}");
        draws.push(counts["random"].as_f64().unwrap());
    }
    assert_ne!(draws[0], draws[1], "the snapshot fixed the random state");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_platform_fetch_with_a_body_rejects_and_the_js_agent_runs_on() {
    // ComponentizeJS writes a request's body after `handle()`: the host
    // reads what it writes of a denied request (and drops it) before it
    // answers HTTP-request-denied, so `fetch` rejects instead of the
    // engine aborting on a stream closed under it.
    let component = built("host/tests/agents/fetch_denied.js");
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let host = crate::outbound::host_with(dir.path(), "");
    let agent = support::load(&host, component.to_str().unwrap());
    let url = format!("{}/denied", upstream.base());
    let run = run_on(&host, &agent, args_options(&[&url])).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    assert!(run.stdout.contains("get: rejected TypeError"), "{run}");
    assert!(run.stdout.contains("post: rejected TypeError"), "{run}");
    assert!(run.stdout.contains("still running"), "{run}");
    assert!(
        upstream.seen().is_empty(),
        "nothing of a denied request leaves"
    );
}
