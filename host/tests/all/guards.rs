//! Session guards, the bound-context stack, and retirement by the host.

use crate::support::{host, run};
use test_programs_artifacts::{GUARD_DROP, ROOT_HEADERS};

#[tokio::test]
async fn dropping_a_guard_retires_its_session() {
    let run = run(GUARD_DROP, &[]).await;
    let id = run.step("spawn").ok().to_string();
    run.step("after-drop").refused("gone");
    let view = host()
        .authority()
        .view(&caracal_host::authority::SessionId::from(id.as_str()))
        .expect("known session");
    assert_eq!(
        view.status,
        caracal_host::authority::SessionStatus::Terminated,
        "{run}"
    );
}

#[tokio::test]
async fn every_guard_step_behaves() {
    let run = run(GUARD_DROP, &[]).await;
    for line in run.stdout.lines().filter(|l| l.starts_with("RESULT ")) {
        let step = line.split(' ').nth(1).unwrap();
        if step == "after-drop" {
            run.step(step).refused("gone");
        } else if step.starts_with("refused-") {
            run.step(step).refused("denied");
        } else {
            run.step(step).ok();
        }
    }
}

#[tokio::test]
async fn root_headers_need_allow_root() {
    let run = run(ROOT_HEADERS, &[]).await;
    assert!(
        run.step("no-allow-root")
            .refused("denied")
            .contains("allow-root"),
        "{run}"
    );
    run.step("allow-root").ok();
    assert!(
        run.stdout.contains("HEADER authorization: Bearer "),
        "{run}"
    );
}

#[tokio::test]
async fn sessions_left_live_are_retired_when_the_agent_exits() {
    // A host of its own, so no other test's sessions are counted.
    let host = caracal_host::AgentHost::builder()
        .cache_dir(Some(crate::support::cache_dir()))
        .build()
        .unwrap();
    let (agent, _) = host.load(GUARD_DROP.as_ref(), || {}).unwrap();
    let options = caracal_host::RunOptions {
        args: vec!["leak".into()],
        capture_output: true,
        ..Default::default()
    };
    let outcome = host.run(&agent, options).await.unwrap();
    let stdout = String::from_utf8_lossy(&outcome.stdout);
    assert_eq!(
        outcome.exit_code, 3,
        "the guest's exit code passes through\n{stdout}"
    );
    let leaked = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT leaked ok "))
        .expect("leaked id");
    assert_eq!(host.authority().live_count(), 0, "{stdout}");
    let view = host.authority().view(&leaked.into()).unwrap();
    assert_eq!(
        view.status,
        caracal_host::authority::SessionStatus::Terminated
    );
}
