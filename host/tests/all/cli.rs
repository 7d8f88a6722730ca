//! The `caracal-host` binary, run as a user would: exit codes, output
//! passing through, and start-up failures on bad configuration.

use std::process::{Command, Output};
use test_programs_artifacts::{GUARD_DROP, HELLO_AGENT, SERVICE};

fn caracal_host(dir: &std::path::Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
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

fn text(bytes: &[u8]) -> String {
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
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
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
    for _ in 0..2 {
        let out = caracal_host(dir.path(), &["run", HELLO_AGENT], &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let log = dir.path().join(".caracal/audit.jsonl");
    let out = caracal_host(dir.path(), &["audit", "verify"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("ok: "),
        "{}",
        text(&out.stdout)
    );

    let out = caracal_host(dir.path(), &["audit", "tail"], &[]);
    let lines = text(&out.stdout);
    assert!(lines.contains(" spawn allow session="), "{lines}");
    assert!(lines.contains(" close session="), "{lines}");
    let out = caracal_host(dir.path(), &["audit", "tail", "--json", "-n", "1"], &[]);
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
    let out = caracal_host(dir.path(), &["audit", "verify"], &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("line 3"),
        "{}",
        text(&out.stderr)
    );
}
