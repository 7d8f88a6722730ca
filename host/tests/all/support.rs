//! Shared test plumbing: one host per test binary, compiled components
//! cached on disk, and the `RESULT` line protocol of the test programs.

use caracal_host::{AgentHost, RunOptions, RunOutcome};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use wasmtime::component::Component;

/// Where the tests cache compiled components between runs.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("component-cache")
}

/// The host shared by the tests of this binary (embedded defaults).
pub fn host() -> &'static AgentHost {
    static HOST: OnceLock<AgentHost> = OnceLock::new();
    HOST.get_or_init(|| {
        AgentHost::builder()
            .cache_dir(Some(cache_dir()))
            .build()
            .expect("host builds")
    })
}

fn component(path: &str) -> Component {
    static LOADED: OnceLock<Mutex<HashMap<String, Component>>> = OnceLock::new();
    let mut loaded = LOADED.get_or_init(Default::default).lock().unwrap();
    loaded
        .entry(path.to_string())
        .or_insert_with(|| {
            host()
                .load(Path::new(path), || {})
                .expect("test program loads")
                .0
        })
        .clone()
}

/// What a guest printed, for assertions.
#[derive(Debug)]
pub struct Run {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The `RESULT <step> …` line of `step`, parsed.
    pub fn step(&self, step: &str) -> Step {
        self.stdout
            .lines()
            .filter_map(|line| line.strip_prefix("RESULT "))
            .find_map(|rest| {
                let (name, rest) = rest.split_once(' ')?;
                (name == step).then(|| Step::parse(rest))
            })
            .unwrap_or_else(|| panic!("no RESULT line for step `{step}`\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout\n{}--- stderr\n{}",
            self.exit_code, self.stdout, self.stderr
        )
    }
}

/// One step's result.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    Ok(String),
    Err { kind: String, message: String },
}

impl Step {
    fn parse(rest: &str) -> Step {
        match rest.split_once(' ').unwrap_or((rest, "")) {
            ("ok", detail) => Step::Ok(detail.to_string()),
            ("err", detail) => {
                let (kind, message) = detail.split_once(' ').unwrap_or((detail, ""));
                Step::Err {
                    kind: kind.into(),
                    message: message.into(),
                }
            }
            _ => panic!("malformed RESULT line: {rest}"),
        }
    }

    /// Asserts the step succeeded and returns its detail.
    #[track_caller]
    pub fn ok(&self) -> &str {
        match self {
            Step::Ok(detail) => detail,
            Step::Err { kind, message } => panic!("expected ok, got {kind}: {message}"),
        }
    }

    /// Asserts the step was refused with `kind` and returns the message.
    #[track_caller]
    pub fn refused(&self, kind: &str) -> &str {
        match self {
            Step::Err { kind: got, message } if got == kind => message,
            other => panic!("expected a `{kind}` refusal, got {other:?}"),
        }
    }
}

/// Runs a compiled guest under the shared host, capturing its output, and
/// asserts it exited 0.
pub async fn run(path: &str, args: &[&str]) -> Run {
    let run = run_on(host(), &component(path), args_options(args))
        .await
        .expect("agent runs");
    assert_eq!(run.exit_code, 0, "guest failed\n{run}");
    run
}

/// Runs a compiled guest under the shared host with these arguments,
/// whatever its exit code.
pub async fn run_any(path: &str, args: &[&str]) -> Run {
    run_on(host(), &component(path), args_options(args))
        .await
        .expect("agent runs")
}

/// Options that capture output and pass `args`.
pub fn args_options(args: &[&str]) -> RunOptions {
    RunOptions {
        args: args.iter().map(|a| a.to_string()).collect(),
        capture_output: true,
        ..Default::default()
    }
}

/// The shared host's compiled form of a test program.
pub fn shared_component(path: &str) -> Component {
    component(path)
}

/// Loads a test program on a host of its own (a component belongs to the
/// engine that compiled it; the disk cache makes this cheap).
pub fn load(host: &AgentHost, path: &str) -> Component {
    host.load(Path::new(path), || {})
        .expect("test program loads")
        .0
}

/// Runs `component` on `host`, with output captured as `options` says.
pub async fn run_on(
    host: &AgentHost,
    component: &Component,
    options: RunOptions,
) -> Result<Run, caracal_host::HostError> {
    let RunOutcome {
        exit_code,
        stdout,
        stderr,
    } = host.run(component, options).await?;
    Ok(Run {
        exit_code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

/// Polls `condition` until it holds, failing after 30 s. For waiting on a
/// guest running concurrently (synchronisation, not timing).
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !condition() {
        assert!(
            std::time::Instant::now() < give_up,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}

/// A token `host` signs for `session` (zone `local`, application
/// `default`, at `hop`), valid for five minutes from the host's clock.
pub fn session_token(
    host: &AgentHost,
    session: &caracal_host::authority::SessionId,
    hop: u32,
) -> String {
    let now = host.authority().clock().now_ms() / 1000;
    let root = host.authority().root_context(session).unwrap();
    host.signer()
        .mint(&caracal_host::token::TokenClaims::session(
            host.signer().issuer(),
            "local",
            "default",
            root.as_str(),
            session.as_str(),
            hop,
            now,
            now + 300,
        ))
}

/// The live root session of the one guest running on `host`.
pub fn live_root(host: &AgentHost) -> caracal_host::authority::SessionId {
    host.authority()
        .snapshot()
        .sessions
        .into_iter()
        .find(|node| {
            node.view.is_root && node.view.status == caracal_host::authority::SessionStatus::Active
        })
        .expect("the guest's root")
        .view
        .id
}
