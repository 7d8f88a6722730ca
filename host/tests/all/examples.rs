//! The examples, run under the host as a user would run them.

use crate::support::run;
use test_programs_artifacts::NARROWED_CHILD;

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
