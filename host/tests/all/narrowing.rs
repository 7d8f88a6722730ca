//! Each narrowing rule of DESIGN §3, one allowed and one refused case, run
//! through the guest SDK against the host.

use crate::support::run;
use serde_json::json;
use test_programs_artifacts::NARROWING;

/// Spawns `parent` from the root and `child` under it; returns the child's
/// step.
async fn child(parent: serde_json::Value, child: serde_json::Value) -> crate::support::Step {
    let run = run(NARROWING, &[&parent.to_string(), &child.to_string()]).await;
    run.step("parent").ok();
    run.step("child")
}

fn tickets(constraints: serde_json::Value) -> serde_json::Value {
    json!({
        "scopes": ["tickets:read", "tickets:write"],
        "resource_id": "resource://tickets",
        "ttl_seconds": 600,
        "constraints": constraints,
    })
}

#[tokio::test]
async fn scopes_must_be_a_subset_of_the_parent() {
    let parent = tickets(json!({ "max_hops": 3 }));
    child(parent.clone(), json!({ "scopes": ["tickets:read"] }))
        .await
        .ok();
    let refused = child(
        parent,
        json!({ "scopes": ["tickets:read", "tickets:delete"] }),
    )
    .await;
    assert!(
        refused.refused("denied").contains("tickets:delete"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn resource_must_equal_or_narrow_the_parent() {
    let parent = tickets(json!({ "max_hops": 3 }));
    child(
        parent.clone(),
        json!({ "scopes": ["tickets:read"], "resource_id": "resource://tickets/42" }),
    )
    .await
    .ok();
    child(
        parent.clone(),
        json!({ "scopes": ["tickets:read"], "resource_id": "resource://tickets" }),
    )
    .await
    .ok();
    child(
        parent.clone(),
        json!({ "scopes": ["tickets:read"], "resource_id": "resource://billing" }),
    )
    .await
    .refused("denied");
    child(
        parent,
        json!({ "scopes": ["tickets:read"], "resource_id": "resource://ticketsX" }),
    )
    .await
    .refused("denied");
}

#[tokio::test]
async fn expiry_must_not_exceed_the_parent() {
    let parent = tickets(json!({ "max_hops": 3 }));
    // The parent's 600 s began a moment before the child's grant does.
    child(
        parent.clone(),
        json!({ "scopes": ["tickets:read"], "ttl_seconds": 590 }),
    )
    .await
    .ok();
    let refused = child(
        parent,
        json!({ "scopes": ["tickets:read"], "ttl_seconds": 601 }),
    )
    .await;
    assert!(refused.refused("denied").contains("expiry"), "{refused:?}");
}

#[tokio::test]
async fn max_hops_allows_a_child_only_below_the_parent() {
    child(
        tickets(json!({ "max_hops": 2 })),
        json!({ "scopes": ["tickets:read"], "constraints": { "max_hops": 1 } }),
    )
    .await
    .ok();
    child(
        tickets(json!({ "max_hops": 2 })),
        json!({ "scopes": ["tickets:read"], "constraints": { "max_hops": 2 } }),
    )
    .await
    .refused("denied");
    // The default max_hops of 1 allows no further hop at all.
    child(tickets(json!({})), json!({ "scopes": ["tickets:read"] }))
        .await
        .refused("denied");
}

#[tokio::test]
async fn budget_must_not_exceed_the_parent() {
    let parent = tickets(json!({ "max_hops": 3, "budget": 2 }));
    child(
        parent.clone(),
        json!({ "scopes": ["tickets:read"], "constraints": { "budget": 2 } }),
    )
    .await
    .ok();
    child(
        parent,
        json!({ "scopes": ["tickets:read"], "constraints": { "budget": 3 } }),
    )
    .await
    .refused("denied");
}

#[tokio::test]
async fn ttl_seconds_constraint_binds_the_child() {
    let parent = tickets(json!({ "max_hops": 3, "ttl_seconds": 300 }));
    child(parent.clone(), json!({ "scopes": ["tickets:read"], "ttl_seconds": 300, "constraints": { "ttl_seconds": 300 } }))
        .await
        .ok();
    child(parent.clone(), json!({ "scopes": ["tickets:read"], "ttl_seconds": 300, "constraints": { "ttl_seconds": 301 } }))
        .await
        .refused("denied");
    child(
        parent,
        json!({ "scopes": ["tickets:read"], "ttl_seconds": 300 }),
    )
    .await
    .refused("denied");
}

#[tokio::test]
async fn max_calls_must_not_exceed_the_parent() {
    let parent = tickets(json!({ "max_hops": 3, "max_calls": 10 }));
    child(
        parent.clone(),
        json!({ "scopes": ["tickets:read"], "constraints": { "max_calls": 10 } }),
    )
    .await
    .ok();
    child(
        parent,
        json!({ "scopes": ["tickets:read"], "constraints": { "max_calls": 11 } }),
    )
    .await
    .refused("denied");
}

#[tokio::test]
async fn a_grant_of_none_cannot_be_narrowed_but_inherit_passes_it_on() {
    child(json!("none"), json!("inherit")).await.ok();
    child(json!("none"), json!({ "scopes": ["tickets:read"] }))
        .await
        .refused("denied");
}

#[tokio::test]
async fn inherit_mirrors_the_parents_delegation() {
    let run = run(
        NARROWING,
        &[
            &tickets(json!({ "max_hops": 2 })).to_string(),
            "\"inherit\"",
        ],
    )
    .await;
    let parent_edge = run.step("parent").ok().to_string();
    assert!(!parent_edge.is_empty() && parent_edge != "-", "{run}");
    assert_eq!(run.step("child").ok(), parent_edge, "{run}");
}

#[tokio::test]
async fn a_bad_ttl_is_invalid_not_denied() {
    let parent = tickets(json!({ "max_hops": 3 }));
    child(
        parent,
        json!({ "scopes": ["tickets:read"], "ttl_seconds": 0 }),
    )
    .await
    .refused("invalid");
}
