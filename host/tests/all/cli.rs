//! The `caracal-host` binary, run as a user would: exit codes, output
//! passing through, and start-up failures on bad configuration.

use std::process::{Command, Output};
use test_programs_artifacts::{GUARD_DROP, HELLO_AGENT, SERVICE, SERVICE_WORKER};

pub(crate) fn caracal_host(dir: &std::path::Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_caracal-host"));
    command
        .current_dir(dir)
        .args(args)
        .env("CARACAL_CACHE_DIR", crate::support::cache_dir());
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("CARACAL_")) {
        command.env_remove(name);
    }
    command
        .envs(vars.iter().copied())
        .output()
        .expect("caracal-host starts")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_hello_agent_on_the_embedded_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let jwks = dir.path().join("jwks.json");
    let out = caracal_host(
        dir.path(),
        &["run", "--jwks", jwks.to_str().unwrap(), HELLO_AGENT],
        &[],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("  zone: local\n  application: default\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  authorization: Bearer "), "{stdout}");
    let jwks: serde_json::Value = serde_json::from_slice(&std::fs::read(jwks).unwrap()).unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "EC");
    assert_eq!(jwks["keys"][0]["crv"], "P-256");
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
}

#[test]
fn the_guest_exit_code_is_the_exit_code_of_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = caracal_host(dir.path(), &["run", GUARD_DROP, "--", "leak"], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("RESULT leaked ok "));
}

#[test]
fn bad_configuration_fails_at_start_up_listing_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        ("CARACAL_ZONE_ID", "has space"),
        ("CARACAL_GATEWAY_URL", "gateway"),
        ("CARACAL_DEFAULT_TTL_SECONDS", "0"),
    ];
    let out = caracal_host(dir.path(), &["run", HELLO_AGENT], &vars);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("3 problems"), "{stderr}");
    for name in [
        "CARACAL_ZONE_ID",
        "CARACAL_GATEWAY_URL",
        "CARACAL_DEFAULT_TTL_SECONDS",
    ] {
        assert!(stderr.contains(name), "{name} missing from: {stderr}");
    }
    assert!(out.stdout.is_empty(), "the agent must not run");
}

#[test]
fn a_missing_agent_is_a_user_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = caracal_host(dir.path(), &["run", "no-such-agent.wasm"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot read agent `no-such-agent.wasm`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_second_run_is_served_from_the_component_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let host = caracal_host::AgentHost::builder()
        .cache_dir(Some(cache.path().into()))
        .build()
        .unwrap();
    let (_, first) = host.load(HELLO_AGENT.as_ref(), || {}).unwrap();
    let (_, second) = host
        .load(HELLO_AGENT.as_ref(), || panic!("must not compile again"))
        .unwrap();
    assert_eq!(
        (first, second),
        (
            caracal_host::CacheOutcome::Compiled,
            caracal_host::CacheOutcome::Hit
        )
    );
    drop(dir);
}

#[test]
fn a_component_rewritten_in_place_is_compiled_again_not_served_stale() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let host = caracal_host::AgentHost::builder()
        .cache_dir(Some(cache.path().into()))
        .build()
        .unwrap();
    // Two different components of the same length would fool a cache that
    // trusted the size alone: take one and rewrite it with another's bytes
    // (padded to the same size with a custom section).
    let agent = dir.path().join("agent.wasm");
    let (a, b) = (
        std::fs::read(HELLO_AGENT).unwrap(),
        std::fs::read(GUARD_DROP).unwrap(),
    );
    let size = a.len().max(b.len()) + 64;
    let padded = |mut bytes: Vec<u8>| {
        // A custom section (id 0) named "pad": its id, its length as a
        // 4-byte LEB128, the name, zeros.
        let len = size - bytes.len() - 5;
        bytes.push(0);
        bytes.extend_from_slice(&[
            0x80 | (len & 0x7f) as u8,
            0x80 | ((len >> 7) & 0x7f) as u8,
            0x80 | ((len >> 14) & 0x7f) as u8,
            ((len >> 21) & 0x7f) as u8,
        ]);
        bytes.push(3);
        bytes.extend_from_slice(b"pad");
        bytes.resize(size, 0);
        bytes
    };
    let (a, b) = (padded(a), padded(b));
    assert_eq!(a.len(), b.len());
    std::fs::write(&agent, &a).unwrap();
    let (_, first) = host.load(&agent, || {}).unwrap();
    let (_, again) = host
        .load(&agent, || panic!("unchanged: served from the cache"))
        .unwrap();
    assert_eq!(
        (first, again),
        (
            caracal_host::CacheOutcome::Compiled,
            caracal_host::CacheOutcome::Hit
        )
    );
    std::fs::write(&agent, &b).unwrap();
    let mut compiled = false;
    let (_, replaced) = host.load(&agent, || compiled = true).unwrap();
    assert!(compiled, "a rewritten file is compiled again");
    assert_eq!(replaced, caracal_host::CacheOutcome::Compiled);
}

#[test]
fn run_limits_from_flags_stop_the_agent_with_a_message_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = caracal_host(
        dir.path(),
        &["run", "--max-memory-mb", "32", SERVICE, "--", "bomb"],
        &[],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("caracal-host: error: agent stopped: memory limit exceeded"),
        "{stderr}"
    );
    assert!(stderr.contains("the limit is 33554432 bytes"), "{stderr}");

    let out = caracal_host(
        dir.path(),
        &[
            "run",
            "--max-wall-seconds",
            "1",
            SERVICE,
            "--",
            "spin",
            "100",
        ],
        &[],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("caracal-host: error: agent stopped: wall-clock limit exceeded"),
        "{stderr}"
    );
}

#[test]
fn a_bad_limit_flag_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = caracal_host(
        dir.path(),
        &["run", "--max-memory-mb", "0", HELLO_AGENT],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--max-memory-mb"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn every_run_is_audited_and_audit_verify_names_a_tampered_record() {
    let dir = tempfile::tempdir().unwrap();
    // The store's chain by default...
    for _ in 0..2 {
        let out = caracal_host(dir.path(), &["run", HELLO_AGENT], &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = caracal_host(dir.path(), &["audit", "verify"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("ok: "),
        "{}",
        text(&out.stdout)
    );
    let out = caracal_host(dir.path(), &["audit", "tail"], &[]);
    assert!(
        text(&out.stdout).contains(" spawn allow session="),
        "{}",
        text(&out.stdout)
    );

    // ...or a JSON-lines file when one is configured.
    let dir = tempfile::tempdir().unwrap();
    let file = [("CARACAL_AUDIT_FILE", ".caracal/audit.jsonl")];
    for _ in 0..2 {
        let out = caracal_host(dir.path(), &["run", HELLO_AGENT], &file);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let log = dir.path().join(".caracal/audit.jsonl");
    let out = caracal_host(dir.path(), &["audit", "verify"], &file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("ok: "),
        "{}",
        text(&out.stdout)
    );

    let out = caracal_host(dir.path(), &["audit", "tail"], &file);
    let lines = text(&out.stdout);
    assert!(lines.contains(" spawn allow session="), "{lines}");
    assert!(lines.contains(" close session="), "{lines}");
    let out = caracal_host(dir.path(), &["audit", "tail", "--json", "-n", "1"], &file);
    let last: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert!(last["seq"].as_u64().unwrap() > 1);

    // Edit one field of the second record: verify fails and names line 2.
    let original = std::fs::read_to_string(&log).unwrap();
    let mut records: Vec<String> = original.lines().map(String::from).collect();
    records[1] = records[1].replacen("\"spawn\"", "\"close\"", 1);
    std::fs::write(&log, records.join("\n") + "\n").unwrap();
    let out = caracal_host(dir.path(), &["audit", "verify", log.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("tampered"), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");

    // Remove a record instead.
    let mut records: Vec<String> = original.lines().map(String::from).collect();
    records.remove(2);
    std::fs::write(&log, records.join("\n") + "\n").unwrap();
    let out = caracal_host(dir.path(), &["audit", "verify"], &file);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("line 3"),
        "{}",
        text(&out.stderr)
    );
}

/// Starts `caracal-host run <args>` in `dir` and waits for its admin file.
pub(crate) fn spawn_host(
    dir: &std::path::Path,
    args: &[&str],
    vars: &[(&str, &str)],
) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_caracal-host"));
    command
        .current_dir(dir)
        .args(args)
        .env("CARACAL_CACHE_DIR", crate::support::cache_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("CARACAL_")) {
        command.env_remove(name);
    }
    let child = command
        .envs(vars.iter().copied())
        .spawn()
        .expect("caracal-host starts");
    let admin = dir.join(".caracal/admin.json");
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !admin.exists() {
        assert!(std::time::Instant::now() < give_up, "no admin file");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child
}

/// The session id of the first session whose line in `sessions list`
/// contains `needle`.
fn find_session(dir: &std::path::Path, needle: &str) -> String {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let out = caracal_host(dir, &["sessions", "list"], &[]);
        if let Some(line) = text(&out.stdout).lines().find(|l| l.contains(needle)) {
            return line.split(' ').next().unwrap().to_string();
        }
        assert!(
            std::time::Instant::now() < give_up,
            "no session with {needle}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn sessions_tree_of_a_running_host_renders_as_text_dot_and_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = spawn_host(
        dir.path(),
        &["run", SERVICE_WORKER, "--", "auto"],
        &[("CARACAL_LEASE_SECONDS", "2")],
    );
    let worker = find_session(dir.path(), "billing,worker");

    let out = caracal_host(dir.path(), &["sessions", "tree"], &[]);
    let tree = text(&out.stdout);
    assert!(tree.starts_with("application default (root "), "{tree}");
    assert!(tree.contains(&format!("└── {worker} service active [billing, worker] scopes: billing:charge on resource://billing")), "{tree}");

    let out = caracal_host(dir.path(), &["sessions", "tree", "--format", "dot"], &[]);
    let dot = text(&out.stdout);
    let graph = crate::dot::parse_digraph(&dot).unwrap_or_else(|e| panic!("{e}:\n{dot}"));
    assert_eq!(graph.name.as_deref(), Some("caracal"));
    let label = graph
        .node_attr(&worker, "label")
        .unwrap_or_else(|| panic!("a node for the worker {worker}:\n{dot}"));
    assert!(label.contains("service active"), "{label}");
    assert!(
        graph.edges.iter().any(|(_, to, _)| to == &worker),
        "the worker hangs from its parent:\n{dot}"
    );

    let out = caracal_host(
        dir.path(),
        &["sessions", "tree", "--format", "mermaid"],
        &[],
    );
    assert!(text(&out.stdout).starts_with("flowchart TD\n"));
    let out = caracal_host(dir.path(), &["sessions", "show", &worker], &[]);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["lifecycle"], "service");

    let status = host.wait().unwrap();
    assert!(status.success());
    assert!(
        !dir.path().join(".caracal/admin.json").exists(),
        "the admin file is removed on exit"
    );
}

#[test]
fn revoking_the_root_kills_a_cpu_bound_agent_and_suspend_resume_work() {
    let dir = tempfile::tempdir().unwrap();
    let host = spawn_host(dir.path(), &["run", SERVICE, "--", "spin", "1000"], &[]);
    let service = find_session(dir.path(), "auto-heartbeat");

    let out = caracal_host(dir.path(), &["suspend", &service], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"status\": \"suspended\""),
        "{}",
        text(&out.stdout)
    );
    let out = caracal_host(dir.path(), &["resume", &service], &[]);
    assert!(
        text(&out.stdout).contains("\"status\": \"active\""),
        "{}",
        text(&out.stdout)
    );

    let root = find_session(dir.path(), " root ");
    let out = caracal_host(dir.path(), &["revoke", &root], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let output = host.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("agent stopped: its root authority"),
        "{stderr}"
    );
    assert!(stderr.contains("was revoked"), "{stderr}");

    let log = caracal_host(dir.path(), &["audit", "tail"], &[]);
    let lines = text(&log.stdout);
    assert!(lines.contains(" suspend "), "{lines}");
    assert!(lines.contains(" resume "), "{lines}");
    assert!(lines.contains(" revoke "), "{lines}");
}

#[test]
fn the_admin_endpoint_refuses_a_missing_or_wrong_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = spawn_host(dir.path(), &["run", SERVICE, "--", "spin", "1000"], &[]);
    let admin_file = dir.path().join(".caracal/admin.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&admin_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the admin file is private");
    }
    let access: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&admin_file).unwrap()).unwrap();
    let address = access["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .to_string();
    let ask = |authorization: Option<&str>| -> String {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        let header = authorization
            .map(|a| format!("authorization: {a}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "GET /v1/snapshot HTTP/1.1\r\nhost: x\r\n{header}connection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    assert!(ask(None).starts_with("HTTP/1.1 401"));
    assert!(ask(Some("Bearer 0000")).starts_with("HTTP/1.1 401"));
    let token = access["token"].as_str().unwrap();
    let wrong = format!("Bearer {}", token.chars().rev().collect::<String>());
    assert!(ask(Some(&wrong)).starts_with("HTTP/1.1 401"));
    assert!(ask(Some(&format!("Bearer {token}"))).starts_with("HTTP/1.1 200"));

    let root = find_session(dir.path(), " root ");
    caracal_host(dir.path(), &["revoke", &root], &[]);
    host.wait().unwrap();
}

#[test]
fn a_second_host_in_the_same_directory_is_refused_by_the_state_dir_lock() {
    let dir = tempfile::tempdir().unwrap();
    let first = spawn_host(dir.path(), &["run", SERVICE, "--", "spin", "1000"], &[]);
    let out = caracal_host(dir.path(), &["run", HELLO_AGENT], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("caracal-host: error: cannot use the state directory: "),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("another caracal-host is using the state directory")
            .count(),
        1,
        "{stderr}"
    );

    let root = find_session(dir.path(), " root ");
    caracal_host(dir.path(), &["revoke", &root], &[]);
    first.wait_with_output().unwrap();
}

/// `run --dir/--dir-rw/--env` give an agent exactly what is named: a
/// read-only directory unless asked, and only the variables listed (`NAME`
/// alone takes the host's value; the host's other variables stay out).
#[test]
fn run_gives_the_agent_only_the_directories_and_variables_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("hello.txt"), "from the host\n").unwrap();
    let data_arg = format!("{}::/data", data.display());
    let vars = [
        ("CARACAL_TEST_FROM_HOST", "inherited"),
        ("HOST_SECRET", "never"),
    ];

    // `caracal-host run [flags] raw_http -- files /data`: its stdout.
    let files = |flags: &[&str], vars: &[(&str, &str)]| {
        let mut args = vec!["run"];
        args.extend_from_slice(flags);
        args.extend([test_programs_artifacts::RAW_HTTP, "--", "files", "/data"]);
        let out = caracal_host(dir.path(), &args, vars);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        stdout
    };
    // Exactly the two variables, and the directory read only.
    let sees_only_what_it_was_given = |stdout: &str, greeting: &str| {
        assert!(
            stdout.contains(&format!("RESULT env ok GREETING={greeting}")),
            "{stdout}"
        );
        assert!(
            stdout.contains("RESULT env ok CARACAL_TEST_FROM_HOST=inherited"),
            "{stdout}"
        );
        assert_eq!(
            stdout.matches("RESULT env ok").count(),
            2,
            "no other variable: {stdout}"
        );
        assert!(!stdout.contains("never"), "{stdout}");
        assert!(stdout.contains("RESULT read ok from the host"), "{stdout}");
        assert!(
            stdout.contains("RESULT write err denied"),
            "read only by default: {stdout}"
        );
        assert!(!data.join("written.txt").exists());
    };

    let flags = [
        "--dir",
        &data_arg,
        "--env",
        "GREETING=hi",
        "--env",
        "CARACAL_TEST_FROM_HOST",
    ];
    sees_only_what_it_was_given(&files(&flags, &vars), "hi");

    // The same from caracal.toml's [run] table.
    std::fs::write(
        dir.path().join("caracal.toml"),
        "[run]\ndir = [\"data::/data\"]\nenv = [\"GREETING=hello\", \"CARACAL_TEST_FROM_HOST\"]\n",
    )
    .unwrap();
    sees_only_what_it_was_given(&files(&[], &vars), "hello");
    std::fs::write(
        dir.path().join("caracal.toml"),
        "[run]\ndir = [\"missing\"]\nenv = [\"UNSET_VAR_X\", \"=x\"]\nmounts = []\n",
    )
    .unwrap();
    let out = caracal_host(dir.path(), &["run", test_programs_artifacts::RAW_HTTP], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for problem in [
        "is not a directory",
        "`UNSET_VAR_X` is not set",
        "names no variable",
        "run.mounts",
    ] {
        assert!(stderr.contains(problem), "{problem}: {stderr}");
    }
    std::fs::remove_file(dir.path().join("caracal.toml")).unwrap();

    let stdout = files(&["--dir-rw", &data_arg], &[]);
    assert!(stdout.contains("RESULT write ok written"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(data.join("written.txt")).unwrap(),
        "from the guest"
    );

    // An --env naming a variable the host does not have is a user error.
    let out = caracal_host(
        dir.path(),
        &[
            "run",
            "--env",
            "UNSET_VAR_X",
            test_programs_artifacts::RAW_HTTP,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--env: environment variable `UNSET_VAR_X` is not set"));

    let out = caracal_host(
        dir.path(),
        &[
            "run",
            "--dir",
            "/nonexistent/dir",
            test_programs_artifacts::RAW_HTTP,
            "--",
            "files",
            "/x",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "a user error");
    assert!(text(&out.stderr).contains("cannot give the agent directory `/nonexistent/dir`"));
}

#[test]
fn run_publishes_its_key_set_at_a_loopback_issuer_url_while_the_agent_runs() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let issuer = format!("http://127.0.0.1:{port}");
    let jwks_url = format!("{issuer}/.well-known/jwks.json?zone_id=local");
    let jwks_file = dir.path().join("jwks.json");
    // The agent fetches the key set from the issuer listener of the very
    // host that runs it (allow-listed by the exact address).
    let out = caracal_host(
        dir.path(),
        &[
            "run",
            "--jwks",
            jwks_file.to_str().unwrap(),
            test_programs_artifacts::RAW_HTTP,
            "--",
            "GET",
            &jwks_url,
        ],
        &[
            ("CARACAL_ISSUER_URL", &issuer),
            ("CARACAL_ALLOWED_OUTBOUND_HOSTS", &issuer),
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("RESULT send ok 200"), "{stdout}");
    let body = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT body ok "))
        .expect("a body");
    let served: serde_json::Value = serde_json::from_str(body).unwrap();
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&jwks_file).unwrap()).unwrap();
    assert_eq!(served, written, "the listener serves the host's own keys");
    assert!(
        text(&out.stderr).contains(&format!(
            "key set at http://127.0.0.1:{port}/.well-known/jwks.json"
        )),
        "{}",
        text(&out.stderr)
    );
}
