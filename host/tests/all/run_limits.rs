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
