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

/// The example's own `caracal.toml`, pointed at `upstream`.
fn example_config(example: &str, upstream: &Upstream) -> String {
    std::fs::read_to_string(repo().join(example).join("caracal.toml"))
        .unwrap()
        .replace("http://127.0.0.1:8080", &upstream.base())
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_agent_is_governed_like_a_rust_one() {
    let component = built("examples/js-agent/agent.ts");
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let host =
        crate::outbound::host_with(dir.path(), &example_config("examples/js-agent", &upstream));
    let agent = support::load(&host, component.to_str().unwrap());
    let api = format!("{}/api", upstream.base());
    let run = run_on(&host, &agent, args_options(&[&api])).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
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
    // The upstream got the injected credential; the agent never saw it.
    let seen = upstream.seen();
    assert!(seen.iter().all(|s| s.headers["authorization"] == SECRET));
    let secret = SECRET.trim_start_matches("Bearer ");
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "{run}"
    );
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
