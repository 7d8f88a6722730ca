//! Unit tests over the `.rego` fixtures in `tests/fixtures/`.

use std::path::PathBuf;
use std::time::Duration;

use crate::{Decision, DenyReason, Policy, PolicyError, PolicyInput};

fn fixture(name: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", name]
        .iter()
        .collect()
}

fn load(name: &str) -> Policy {
    Policy::from_file(fixture(name), Policy::DEFAULT_RULE)
        .unwrap_or_else(|err| panic!("loading {name}: {err}"))
}

fn inline(rego: &str) -> Policy {
    Policy::from_source("inline.rego", rego, Policy::DEFAULT_RULE).expect("inline policy loads")
}

/// A GET of `/tickets/1` needing `tickets:read`, by a session whose edge
/// grants `edge_scopes`.
fn request(edge_scopes: &[&str]) -> PolicyInput {
    let mut input = PolicyInput::default();
    input.principal.id = "0190b5a4-0000-7000-8000-000000000001".into();
    input.resource.identifier = "tickets".into();
    input.context.requested_scopes = vec!["tickets:read".into()];
    input.context.method = "GET".into();
    input.context.path = "/tickets/1".into();
    input.delegation_edge.scopes = edge_scopes.iter().map(|s| s.to_string()).collect();
    input
}

fn deny_reason(decision: Decision) -> DenyReason {
    match decision {
        Decision::Deny(reason) => reason,
        Decision::Allow => panic!("expected a deny, got an allow"),
    }
}

#[test]
fn allows_when_the_edge_grants_the_requested_scope() {
    let policy = load("scopes.rego");
    let input = request(&["tickets:read", "tickets:write"]);
    assert_eq!(policy.evaluate(&input).unwrap(), Decision::Allow);
    assert!(policy.decide(&input).is_allowed());
}

#[test]
fn denies_when_a_requested_scope_is_missing_with_the_policys_reason() {
    let policy = load("scopes.rego");
    assert_eq!(policy.reason_rule(), Some("data.caracal.reason"));
    let mut input = request(&["tickets:read"]);
    input.context.requested_scopes.push("tickets:write".into());
    let reason = deny_reason(policy.evaluate(&input).unwrap());
    assert_eq!(
        reason,
        DenyReason::Stated("scope tickets:write is not granted".into())
    );
}

#[test]
fn denies_with_false_when_there_is_no_reason_rule() {
    let policy = inline(
        "package caracal\n\
         default allow := false\n\
         allow if \"tickets:read\" in input.delegation_edge.scopes\n",
    );
    assert_eq!(policy.reason_rule(), None);
    assert!(
        policy
            .evaluate(&request(&["tickets:read"]))
            .unwrap()
            .is_allowed()
    );
    let reason = deny_reason(policy.evaluate(&request(&[])).unwrap());
    assert_eq!(
        reason,
        DenyReason::False {
            rule: "data.caracal.allow".into()
        }
    );
    assert_eq!(
        reason.to_string(),
        "policy rule data.caracal.allow is false"
    );
}

#[test]
fn denies_on_undefined() {
    let policy = load("labels.rego");
    let reason = deny_reason(policy.evaluate(&request(&["tickets:read"])).unwrap());
    assert_eq!(
        reason,
        DenyReason::Undefined {
            rule: "data.caracal.allow".into()
        }
    );
}

#[test]
fn labels_are_visible_as_input_principal_labels() {
    let policy = load("labels.rego");
    let mut input = request(&[]);
    input.principal.labels = vec!["batch".into(), "trusted".into()];
    assert_eq!(policy.evaluate(&input).unwrap(), Decision::Allow);
    input.principal.labels = vec!["batch".into()];
    assert!(!policy.evaluate(&input).unwrap().is_allowed());
}

#[test]
fn every_input_field_reaches_the_policy() {
    let policy = inline(
        r#"package caracal
allow if {
    input.principal.id == "0190b5a4-0000-7000-8000-000000000001"
    input.resource.identifier == "tickets"
    input.context.requested_scopes == ["tickets:read"]
    input.context.method == "GET"
    input.context.path == "/tickets/1"
    input.delegation_edge.scopes == ["tickets:read"]
}
"#,
    );
    let input = request(&["tickets:read"]);
    assert!(policy.evaluate(&input).unwrap().is_allowed());
    let mut other = input.clone();
    other.resource.identifier = "billing".into();
    assert!(!policy.evaluate(&other).unwrap().is_allowed());
    let mut other = input;
    other.context.path = "/tickets/2".into();
    assert!(!policy.evaluate(&other).unwrap().is_allowed());
}

#[test]
fn the_policy_sees_exactly_the_serde_form_of_the_input() {
    let mut input = request(&["tickets:read", "tickets:write"]);
    input.principal.labels = vec!["a".into(), "b".into()];
    let json = serde_json::to_value(&input).unwrap();
    assert_eq!(input.to_value(), regorus::Value::from(json.clone()));
    let expected = serde_json::json!({
        "principal": {"id": "0190b5a4-0000-7000-8000-000000000001", "labels": ["a", "b"]},
        "resource": {"identifier": "tickets"},
        "context": {"requested_scopes": ["tickets:read"], "method": "GET", "path": "/tickets/1"},
        "delegation_edge": {"scopes": ["tickets:read", "tickets:write"]},
    });
    assert_eq!(json, expected);
}

#[test]
fn denies_on_a_non_boolean_result() {
    let policy = load("not_boolean.rego");
    let reason = deny_reason(policy.evaluate(&request(&["tickets:read"])).unwrap());
    assert_eq!(
        reason,
        DenyReason::NotBoolean {
            rule: "data.caracal.allow".into(),
            found: "string"
        }
    );
    let policy = inline("package caracal\nallow := {\"ok\": true}\n");
    let reason = deny_reason(policy.evaluate(&request(&[])).unwrap());
    assert!(matches!(
        reason,
        DenyReason::NotBoolean {
            found: "object",
            ..
        }
    ));
}

#[test]
fn a_runtime_error_fails_closed() {
    let policy = load("conflict.rego");
    // The rules only conflict for /tickets/ paths; elsewhere the policy works.
    let mut fine = request(&[]);
    fine.context.path = "/health".into();
    assert_eq!(policy.evaluate(&fine).unwrap(), Decision::Allow);

    let input = request(&[]);
    let err = policy.evaluate(&input).unwrap_err();
    assert!(
        matches!(&err, PolicyError::Evaluation { rule, .. } if rule == "data.caracal.allow"),
        "{err:?}"
    );
    let reason = deny_reason(policy.decide(&input));
    let DenyReason::Error(message) = &reason else {
        panic!("expected an error reason, got {reason:?}");
    };
    assert!(message.contains("conflict"), "{message}");
    assert!(
        reason
            .to_string()
            .starts_with("policy failed, failing closed")
    );
}

#[test]
fn a_builtin_error_fails_closed() {
    let policy = inline("package caracal\nallow if 1 / count(input.principal.labels) > 0\n");
    let mut input = request(&[]);
    input.principal.labels = vec!["x".into()];
    assert!(policy.evaluate(&input).unwrap().is_allowed());
    input.principal.labels.clear();
    assert!(matches!(
        policy.evaluate(&input),
        Err(PolicyError::Evaluation { .. })
    ));
    assert!(!policy.decide(&input).is_allowed());
}

#[test]
fn a_runaway_policy_hits_its_time_limit() {
    let policy = inline(
        "package caracal\n\
         allow if count([1 | some x in numbers.range(1, 3000); some y in numbers.range(1, 3000)]) > 0\n",
    )
    .with_time_limit(Duration::from_millis(5));
    assert_eq!(policy.time_limit(), Duration::from_millis(5));
    let err = policy.evaluate(&request(&[])).unwrap_err();
    assert!(
        matches!(err, PolicyError::TimeLimit { limit, .. } if limit == Duration::from_millis(5)),
        "{err:?}"
    );
    assert!(!policy.decide(&request(&[])).is_allowed());
}

#[test]
fn a_policy_that_does_not_parse_is_a_typed_load_error() {
    let path = fixture("syntax_error.rego");
    let err = Policy::from_file(&path, Policy::DEFAULT_RULE).unwrap_err();
    let PolicyError::Parse { name, message } = &err else {
        panic!("expected a parse error, got {err:?}");
    };
    assert_eq!(name, &path.display().to_string());
    // regorus' message points at the line.
    assert!(message.contains("syntax_error.rego:5"), "{message}");
    assert!(err.to_string().contains("syntax_error.rego does not parse"));
}

#[test]
fn an_unsafe_variable_is_a_compile_error_at_load() {
    let err = Policy::from_source(
        "unsafe.rego",
        "package caracal\nallow if x == 1\n",
        Policy::DEFAULT_RULE,
    )
    .unwrap_err();
    assert!(
        matches!(&err, PolicyError::Compile { message, .. } if message.contains("unsafe")),
        "{err:?}"
    );
}

#[test]
fn an_undeclared_decision_rule_is_a_load_error() {
    let err = Policy::from_file(fixture("scopes.rego"), "data.caracal.permit").unwrap_err();
    assert!(
        matches!(&err, PolicyError::UnknownRule { rule, .. } if rule == "data.caracal.permit"),
        "{err:?}"
    );
}

#[test]
fn a_missing_file_is_a_read_error() {
    let path = fixture("no_such_policy.rego");
    let err = Policy::from_file(&path, Policy::DEFAULT_RULE).unwrap_err();
    assert!(
        matches!(&err, PolicyError::Read { path: p, .. } if *p == path),
        "{err:?}"
    );
}

#[test]
fn evaluates_from_many_threads_at_once() {
    let policy = load("scopes.rego");
    let allowed = request(&["tickets:read"]);
    let denied = request(&["tickets:write"]);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..200 {
                        assert!(policy.evaluate(&allowed).unwrap().is_allowed());
                        assert!(!policy.evaluate(&denied).unwrap().is_allowed());
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("worker panicked");
        }
    });
    // A clone moved to another thread behaves the same.
    let moved = policy.clone();
    let decision = std::thread::spawn(move || moved.decide(&allowed))
        .join()
        .unwrap();
    assert_eq!(decision, Decision::Allow);
}
