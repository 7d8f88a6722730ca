//! The session limits of DESIGN §3: depth, live children, labels, TTL.

use crate::support::run;
use test_programs_artifacts::LIMITS;

#[tokio::test]
async fn ten_levels_are_allowed_and_the_eleventh_is_refused() {
    let run = run(LIMITS, &["depth"]).await;
    for level in 1..=10 {
        run.step(&format!("level-{level}")).ok();
    }
    assert!(
        run.step("level-11").refused("limit").contains("depth"),
        "{run}"
    );
}

#[tokio::test]
async fn ten_live_children_are_allowed_and_the_eleventh_is_refused() {
    let run = run(LIMITS, &["children"]).await;
    for child in 1..=10 {
        run.step(&format!("child-{child}")).ok();
    }
    run.step("child-11").refused("limit");
    run.step("reopen").ok();
}

#[tokio::test]
async fn labels_are_bounded_in_count_and_length() {
    let run = run(LIMITS, &["labels"]).await;
    run.step("labels-32").ok();
    run.step("labels-33").refused("invalid");
    run.step("label-64").ok();
    run.step("label-65").refused("invalid");
    run.step("label-blank").refused("invalid");
}

#[tokio::test]
async fn task_ttl_is_one_second_to_one_day() {
    let run = run(LIMITS, &["ttl"]).await;
    run.step("ttl-1").ok();
    run.step("ttl-86400").ok();
    run.step("ttl-0").refused("invalid");
    run.step("ttl-86401").refused("invalid");
}
