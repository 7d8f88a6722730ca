//! Service sessions and leases under a running host: fencing and re-attach
//! as the guest sees them, and host-driven heartbeats and sweeping on a
//! virtual clock with manual epoch ticks (no sleeps decide an outcome).

use crate::support::{self, args_options, eventually, load, run, run_any, run_on};
use caracal_host::authority::{ManualClock, SessionId, SessionStatus, SpawnRequest};
use caracal_host::liveness::GuestActivity;
use caracal_host::{AgentHost, HostError, LimitExceeded, RunLimits, RunOptions, RunStdin};
use std::sync::Arc;
use std::time::Duration;
use test_programs_artifacts::SERVICE;
use tokio::io::AsyncWriteExt;

/// The virtual clock's start.
const T0: u64 = 1_700_000_000_000;

#[tokio::test]
async fn every_lease_rule_the_guest_sees() {
    let run = run(SERVICE, &["steps"]).await;
    run.step("spawn").ok();
    assert_eq!(run.step("lifecycle").ok(), "Some(Service)");
    assert_eq!(run.step("heartbeat").ok(), "gen=1");
    run.step("status").ok();
    assert!(
        run.step("task-heartbeat")
            .refused("invalid")
            .contains("not a service"),
        "{run}"
    );
    assert!(
        run.step("interval-too-long")
            .refused("invalid")
            .contains("lease length"),
        "{run}"
    );
    assert_eq!(run.step("attach").ok(), "gen=2");
    assert!(
        run.step("stale-heartbeat")
            .refused("denied")
            .contains("stale lease generation 1"),
        "{run}"
    );
    assert_eq!(run.step("new-heartbeat").ok(), "gen=2");
    assert!(
        run.step("stale-close")
            .refused("denied")
            .contains("stale lease generation 1"),
        "{run}"
    );
    run.step("after-stale-close").ok();
    run.step("stale-drop").ok();
    run.step("close").ok();
    run.step("status-after-close").ok();
    run.step("attach-closed").refused("gone");
    run.step("attach-task").refused("invalid");
    run.step("attach-unknown").refused("not-found");
    assert_eq!(run.step("narrowed").ok(), "Some(Service) true");
}

#[tokio::test]
async fn a_crashed_workers_service_is_attached_by_its_replacement() {
    let crashed = run_any(SERVICE, &["leak"]).await;
    assert_eq!(crashed.exit_code, 3, "{crashed}");
    let id = crashed.step("leaked").ok().to_string();
    let status = support::host()
        .authority()
        .status(&SessionId::from(id.as_str()));
    assert_eq!(
        status.unwrap(),
        SessionStatus::Active,
        "a service outlives its crashed holder until its lease lapses"
    );

    let replacement = run(SERVICE, &["attach", &id]).await;
    assert_eq!(replacement.step("attach").ok(), id);
    assert_eq!(replacement.step("heartbeat").ok(), "gen=2");
    replacement.step("close").ok();
}

/// A host on a virtual clock whose epoch and keeper the test drives.
fn virtual_host() -> (AgentHost, ManualClock) {
    let clock = ManualClock::new(T0);
    let host = AgentHost::builder()
        .clock(Arc::new(clock.clone()))
        .manual_ticks()
        .cache_dir(Some(support::cache_dir()))
        .build()
        .unwrap();
    (host, clock)
}

/// The one live session of a host of its own, once the guest spawned it.
async fn the_service(host: &AgentHost) -> SessionId {
    eventually("the guest spawns its service", || {
        host.authority().live_count() == 1
    })
    .await;
    host.authority().live_sessions().remove(0).id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_driven_heartbeats_keep_a_guest_waiting_in_the_host_alive() {
    let (host, clock) = virtual_host();
    let host = Arc::new(host);
    let agent = load(&host, SERVICE);
    let (mut stdin, guest_stdin) = tokio::io::duplex(64);
    let options = RunOptions {
        stdin: Some(RunStdin::new(wasmtime_wasi::cli::AsyncStdinStream::new(
            guest_stdin,
        ))),
        ..args_options(&["wait", "1000"])
    };
    let guest = tokio::spawn({
        let host = host.clone();
        async move { run_on(&host, &agent, options).await }
    });
    let service = the_service(&host).await;
    assert_eq!(host.lease_keeper().registered(), vec![service.clone()]);

    // 100 virtual seconds, more than three 30 s leases, while the guest
    // waits on stdin; the host renews every second.
    for second in 1..=100u64 {
        clock.advance(Duration::from_secs(1));
        host.tick_epoch();
        let report = host.lease_keeper().tick();
        assert_eq!(report.renewed, vec![service.clone()], "second {second}");
        assert!(
            report.sweep.is_empty(),
            "second {second}: {:?}",
            report.sweep
        );
    }
    let view = host.authority().view(&service).unwrap();
    assert_eq!(view.status, SessionStatus::Active);
    assert_eq!(view.lease.unwrap().deadline_ms, T0 + 100_000 + 30_000);

    stdin.write_all(b"go\n").await.unwrap();
    let run = guest.await.unwrap().unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    assert_eq!(run.step("status").ok(), "Active");
    assert_eq!(run.step("heartbeat").ok(), "gen=1");
    assert!(
        host.lease_keeper().tick().renewed.is_empty(),
        "the keeper forgets a guest that ended"
    );
    assert!(host.lease_keeper().registered().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_spinning_in_wasm_loses_its_lease_and_hits_its_wall_clock_limit() {
    let (host, clock) = virtual_host();
    let host = Arc::new(host);
    let agent = load(&host, SERVICE);
    let activity = Arc::new(GuestActivity::new());
    let options = RunOptions {
        activity: Some(activity.clone()),
        limits: RunLimits {
            max_wall_time: Some(Duration::from_secs(120)),
            ..RunLimits::default()
        },
        ..args_options(&["spin", "1000"])
    };
    let guest = tokio::spawn({
        let host = host.clone();
        async move { run_on(&host, &agent, options).await }
    });
    // Should an assertion fail, stop the spinning guest so the runtime can
    // shut down and the failure be reported.
    let _stop = StopOnDrop(host.clone(), clock.clone());
    let service = the_service(&host).await;

    // Each virtual second: tick the epoch, wait until the spinning guest's
    // deadline callback has seen the new time, then run the keeper.
    let mut held_back = 0;
    let mut last_renewal = 0;
    let mut suspended_at = None;
    for second in 1..=40u64 {
        clock.advance(Duration::from_secs(1));
        host.tick_epoch();
        let now = T0 + second * 1000;
        // Keep ticking while waiting: a guest resuming from its last yield
        // sets its next deadline one tick past the epoch it then sees, so a
        // single tick can fall before that deadline (the background ticker
        // never stops ticking; this test must not either).
        eventually("the spinning guest is observed", || {
            host.tick_epoch();
            activity.last_seen_running_ms() >= Some(now)
        })
        .await;
        let report = host.lease_keeper().tick();
        held_back += report.held_back.len();
        if report.renewed.contains(&service) {
            last_renewal = second;
        }
        if report.sweep.suspended.contains(&service) {
            suspended_at = Some(second);
        }
    }
    // Renewed only while the guest was still returning to the host (its
    // start-up prints, a second or two under load), then held back: the
    // lease lapses 30 s after the last renewal.
    assert!(last_renewal <= 5, "renewed until {last_renewal} s");
    assert!(held_back >= 30, "held back {held_back} times");
    let suspended_at = suspended_at.expect("the lease lapsed and the sweeper suspended it");
    assert_eq!(
        suspended_at,
        last_renewal + 30,
        "suspended at {suspended_at} s, last renewed at {last_renewal} s"
    );
    assert_eq!(
        host.authority().status(&service).unwrap(),
        SessionStatus::Suspended
    );

    // Past the 120 s wall-clock limit the next observed tick stops the guest.
    clock.advance(Duration::from_secs(81));
    eventually("the guest stops at its wall-clock limit", || {
        host.tick_epoch();
        guest.is_finished()
    })
    .await;
    let stopped = guest.await.unwrap().expect_err("the guest is stopped");
    match stopped {
        HostError::Limit(LimitExceeded::WallClock { limit_ms, ran_ms }) => {
            assert_eq!(limit_ms, 120_000);
            assert!(ran_ms >= 120_000, "{ran_ms}");
        }
        other => panic!("expected the wall-clock limit, got {other:?}"),
    }
    assert!(stopped_message_names_limit(&host, &service));
}

/// Pushes the virtual clock a day ahead and ticks, which stops any guest
/// with a wall-clock limit.
struct StopOnDrop(Arc<AgentHost>, ManualClock);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.1.advance(Duration::from_secs(86_400));
        // Several ticks, for the reason given where the test waits.
        for _ in 0..200 {
            self.0.tick_epoch();
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// After a limit stop every session of the agent is retired.
fn stopped_message_names_limit(host: &AgentHost, service: &SessionId) -> bool {
    host.authority().status(service).unwrap() == SessionStatus::Terminated
        && host.authority().live_count() == 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_lease_is_reported_to_the_guest_and_suspends_its_subtree() {
    let (host, clock) = virtual_host();
    let agent = load(&host, SERVICE);
    let host = Arc::new(host);
    let (mut stdin, guest_stdin) = tokio::io::duplex(64);
    // A 30 s interval and a keeper that never runs: only the sweeper acts.
    let options = RunOptions {
        stdin: Some(RunStdin::new(wasmtime_wasi::cli::AsyncStdinStream::new(
            guest_stdin,
        ))),
        ..args_options(&["wait", "30000"])
    };
    let guest = tokio::spawn({
        let host = host.clone();
        async move { run_on(&host, &agent, options).await }
    });
    let service = the_service(&host).await;
    clock.advance(Duration::from_secs(30));
    let sweep = host.authority().sweep();
    assert_eq!(sweep.suspended, vec![service.clone()]);

    stdin.write_all(b"go\n").await.unwrap();
    let run = guest.await.unwrap().unwrap();
    assert_eq!(run.step("status").ok(), "Suspended", "{run}");
    assert!(
        run.step("heartbeat").refused("gone").contains("suspended"),
        "{run}"
    );
}

#[test]
fn the_keeper_has_the_engine_forget_what_ended_long_ago() {
    let (host, clock) = virtual_host();
    let engine = host.authority();
    let root = engine.open_root();
    let live = engine.spawn(&root, SpawnRequest::service()).unwrap().id;
    let closed: Vec<SessionId> = (0..50)
        .map(|_| {
            let id = engine.spawn(&root, SpawnRequest::task()).unwrap().id;
            engine.close(&id).unwrap();
            id
        })
        .collect();
    assert_eq!(host.lease_keeper().tick().compaction.sessions, 0);

    // Keep the service's lease (30 s) alive while FORGET_AFTER and a
    // minute pass; a compaction is due every minute.
    let forget_after = caracal_host::liveness::FORGET_AFTER.as_secs();
    let mut generation = 1;
    let mut forgotten = 0;
    for step in 1..=(forget_after + 60) / 20 {
        clock.advance(Duration::from_secs(20));
        generation = engine.heartbeat(&live, generation).unwrap().generation;
        let report = host.lease_keeper().tick();
        if step * 20 < forget_after {
            assert_eq!(report.compaction.sessions, 0, "nothing is old enough yet");
        }
        forgotten += report.compaction.sessions;
    }
    assert_eq!(forgotten, 50);
    assert!(matches!(
        engine.status(&closed[0]),
        Err(caracal_host::authority::AuthorityError::NotFound(_))
    ));
    assert_eq!(engine.status(&live).unwrap(), SessionStatus::Active);
}
