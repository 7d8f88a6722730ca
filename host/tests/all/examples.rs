//! The examples, run under the host as a user would run them.

use crate::support::{self, args_options, run, run_on};
use caracal_host::{AgentHost, HostConfig};
use test_programs_artifacts::{NARROWED_CHILD, SERVICE_WORKER};

#[tokio::test]
async fn narrowed_child_refuses_every_widening_with_a_typed_error() {
    let run = run(NARROWED_CHILD, &[]).await;
    let refusals: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("refused ("))
        .collect();
    assert_eq!(refusals.len(), 4, "{run}");
    for (refusal, rule) in refusals
        .iter()
        .zip(["tickets:delete", "budget", "ttl", "max_hops"])
    {
        assert!(refusal.starts_with("refused (denied): "), "{refusal}");
        assert!(refusal.contains(rule), "`{refusal}` should name {rule}");
    }
    assert!(!run.stdout.contains("allowed (unexpected)"), "{run}");
}

#[tokio::test]
async fn service_worker_renews_its_lease_by_hand() {
    let run = run(SERVICE_WORKER, &["manual"]).await;
    assert!(run.stdout.contains("(service)"), "{run}");
    let renewals = run
        .stdout
        .lines()
        .filter(|l| l.contains("renewed: generation 1"))
        .count();
    assert_eq!(renewals, 3, "{run}");
    assert!(run.stdout.ends_with("status: active\n"), "{run}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_worker_keeps_its_lease_through_an_outbound_wait_longer_than_the_lease() {
    // A 2 s lease on the real clock: the worker waits 3 s on a slow
    // upstream while the host renews its lease every 500 ms.
    let upstream = crate::upstream::Upstream::start().await;
    let base = upstream.base();
    let env = move |name: &str| match name {
        "CARACAL_LEASE_SECONDS" => Some("2".to_string()),
        "CARACAL_ALLOWED_OUTBOUND_HOSTS" => Some(base.clone()),
        _ => None,
    };
    let config = HostConfig::load_from(&env, std::path::Path::new("/nonexistent")).unwrap();
    let host = AgentHost::builder()
        .config(config)
        .cache_dir(Some(support::cache_dir()))
        .build()
        .unwrap();
    let agent = support::load(&host, SERVICE_WORKER);
    let slow = format!("{}/wait3", upstream.base());
    let run = run_on(&host, &agent, args_options(&["auto", &slow]))
        .await
        .unwrap();
    assert_eq!(run.exit_code, 0, "{run}");
    assert!(run.stdout.contains("slow upstream answered 200"), "{run}");
    assert!(
        run.stdout.contains("lease kept by the host: active"),
        "{run}"
    );
    assert!(run.stdout.contains("renewed: generation 1"), "{run}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_agent_reads_through_the_embedded_gateway_and_cannot_write() {
    let upstream = crate::upstream::Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    // The example's own caracal.toml, pointed at this test's upstream.
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/ticket-agent/caracal.toml"),
    )
    .unwrap();
    let config = shipped.replace("http://127.0.0.1:8080", &upstream.base());
    let host = crate::outbound::host_with(dir.path(), &config);
    let agent = support::load(&host, test_programs_artifacts::TICKET_AGENT);
    let api = format!("{}/api", upstream.base());
    let run = run_on(&host, &agent, args_options(&[&api])).await.unwrap();
    assert_eq!(run.exit_code, 0, "{run}");

    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("child GET /tickets -> 200 ") && lines[0].contains("printer on fire"),
        "{run}"
    );
    assert!(
        lines[1].starts_with("child GET /tickets/1 -> 200 "),
        "{run}"
    );
    assert_eq!(
        lines[2], "child GET /tickets -> denied (the host refused it; see its log)",
        "max_calls spent\n{run}"
    );
    assert_eq!(
        lines[3], "child POST /tickets -> denied (the host refused it; see its log)",
        "{run}"
    );
    assert!(
        lines[4].starts_with("parent POST /tickets -> 201 "),
        "{run}"
    );
    // Every call that reached the upstream carried the secret; the guest
    // never saw it.
    let seen = upstream.seen();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|s| s.headers["authorization"] == crate::upstream::SECRET)
    );
    assert!(!run.stdout.contains("upstream-secret") && !run.stderr.contains("upstream-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delegation_example_peer_is_denied_once_the_coordinator_revokes() {
    use tokio::io::AsyncWriteExt as _;
    let upstream = crate::upstream::Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let host = std::sync::Arc::new(crate::outbound::host_with(
        dir.path(),
        &crate::outbound::tickets(&upstream),
    ));
    let agent = support::load(&host, test_programs_artifacts::DELEGATION);
    let api = format!("{}/api", upstream.base());

    // The peer runs as another application on the same host.
    let peer = tokio::spawn({
        let (host, agent) = (host.clone(), agent.clone());
        let options = caracal_host::RunOptions {
            application: Some("support-desk".into()),
            ..args_options(&["peer", &api])
        };
        async move { run_on(&host, &agent, options).await }
    });
    let mut peer_id = None;
    support::eventually("the peer spawns its session", || {
        peer_id = host
            .authority()
            .live_sessions()
            .into_iter()
            .find(|v| v.labels == ["peer"])
            .map(|v| v.id.to_string());
        peer_id.is_some()
    })
    .await;
    let peer_id = peer_id.unwrap();

    let (mut operator, coordinator_stdin) = tokio::io::duplex(64);
    let coordinator = tokio::spawn({
        let (host, agent) = (host.clone(), agent.clone());
        let options = caracal_host::RunOptions {
            stdin: Some(caracal_host::RunStdin::new(
                wasmtime_wasi::cli::AsyncStdinStream::new(coordinator_stdin),
            )),
            ..args_options(&["coordinator", &peer_id, "support-desk"])
        };
        async move { run_on(&host, &agent, options).await }
    });
    // Let the peer use the delegation a few times, then revoke it.
    support::eventually("the peer calls under the delegation", || {
        upstream.seen().len() >= 3
    })
    .await;
    operator.write_all(b"revoke\n").await.unwrap();
    let coordinator = coordinator.await.unwrap().unwrap();
    let allowed_before_revoke = upstream.seen().len();
    assert_eq!(coordinator.exit_code, 0, "{coordinator}");
    assert!(
        coordinator.stdout.contains("to ") && coordinator.stdout.contains("of support-desk"),
        "{coordinator}"
    );
    assert!(
        coordinator.stdout.contains("revoked 1 delegation(s)"),
        "{coordinator}"
    );
    assert!(
        coordinator.stdout.contains("chain: local/default"),
        "{coordinator}"
    );

    let peer = peer.await.unwrap().unwrap();
    assert_eq!(peer.exit_code, 0, "{peer}");
    assert!(peer.stdout.contains("at hop 2"), "{peer}");
    assert!(peer.stdout.contains("denied after"), "{peer}");
    assert!(peer.stdout.contains("status terminated"), "{peer}");
    // At most the one call already admitted when the revoke landed.
    assert!(upstream.seen().len() <= allowed_before_revoke + 1);
    // Every peer call was made with the host's credential, never the peer's.
    assert!(
        upstream
            .seen()
            .iter()
            .all(|s| s.headers["authorization"] == crate::upstream::SECRET)
    );
}
