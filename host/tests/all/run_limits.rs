//! Per-agent resource limits: a memory ceiling and a wall-clock deadline
//! stop only the agent that exceeds them, with a message naming the limit.

use crate::support::{self, args_options, run, run_on, shared_component};
use caracal_host::{HostError, LimitExceeded, RunLimits, RunOptions};
use std::time::Duration;
use test_programs_artifacts::{HELLO_AGENT, SERVICE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_bomb_is_stopped_and_a_neighbour_is_unaffected() {
    let host = support::host();
    let options = RunOptions {
        limits: RunLimits {
            max_memory_bytes: Some(64 << 20),
            ..RunLimits::default()
        },
        ..args_options(&["bomb"])
    };
    let bomb = shared_component(SERVICE);
    let (bombed, neighbour) = tokio::join!(run_on(host, &bomb, options), run(HELLO_AGENT, &[]));
    match bombed.expect_err("the bomb is stopped") {
        error @ HostError::Limit(LimitExceeded::Memory { limit, desired }) => {
            assert_eq!(limit, 64 << 20);
            assert!(desired > limit);
            assert!(
                error.to_string().contains("memory limit exceeded"),
                "{error}"
            );
        }
        other => panic!("expected the memory limit, got {other:?}"),
    }
    assert_eq!(neighbour.exit_code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_is_stopped_at_its_wall_clock_limit_and_its_sessions_retired() {
    // A host of its own (system clock, background ticker) so its sessions
    // can be counted.
    let host = caracal_host::AgentHost::builder()
        .cache_dir(Some(support::cache_dir()))
        .build()
        .unwrap();
    let agent = support::load(&host, SERVICE);
    let options = RunOptions {
        limits: RunLimits {
            max_wall_time: Some(Duration::from_millis(300)),
            ..RunLimits::default()
        },
        ..args_options(&["spin", "100"])
    };
    let error = run_on(&host, &agent, options)
        .await
        .expect_err("the loop is stopped");
    assert!(
        matches!(
            error,
            HostError::Limit(LimitExceeded::WallClock { limit_ms: 300, .. })
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("agent stopped: wall-clock limit exceeded"),
        "{error}"
    );
    assert_eq!(host.authority().live_count(), 0, "its service was retired");
    assert!(
        host.lease_keeper().registered().is_empty() || {
            host.lease_keeper().tick();
            host.lease_keeper().registered().is_empty()
        }
    );
}

/// The peak resident set (`VmHWM`) of process `pid`, in KiB, while it runs.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches(" kB")
        .parse()
        .ok()
}

#[test]
fn what_the_host_holds_for_an_agent_counts_against_its_memory_limit() {
    use std::io::Read as _;
    let dir = tempfile::tempdir().unwrap();
    // 40,000 header maps of 60 kB: 2.4 GB the host would hold unbounded.
    let mut host = crate::cli::spawn_host(
        dir.path(),
        &[
            "run",
            "--max-memory-mb",
            "64",
            test_programs_artifacts::RAW_HTTP,
            "--",
            "hoard",
            "40000",
            "60000",
        ],
        &[],
    );
    let pid = host.id();
    let mut peak = 0;
    let status = loop {
        if let Some(rss) = peak_rss_kib(pid) {
            peak = peak.max(rss);
        }
        if let Some(status) = host.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    host.stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    host.stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("memory limit exceeded: the agent made the host hold"),
        "{stdout}\n{stderr}"
    );
    assert!(!stdout.contains("done"), "the hoard completed: {stdout}");
    eprintln!(
        "host-memory attack under --max-memory-mb 64: peak RSS {} MiB",
        peak / 1024
    );
    assert!(peak < 400 * 1024, "peak RSS {peak} KiB");
}
