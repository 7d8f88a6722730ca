//! The wire envelope `headers()` projects (DESIGN §4), checked with
//! independent parsers: OpenTelemetry's W3C propagators and the
//! `jsonwebtoken` crate against the host's published JWK Set.

use crate::support::{host, run};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use std::collections::HashMap;
use test_programs_artifacts::HELLO_AGENT;

/// The `name: value` lines of the block headed `heading` in hello-agent's
/// output.
/// The `name: value` lines under `heading` in a hello-agent run's output.
pub(crate) fn block(stdout: &str, heading: &str) -> HashMap<String, String> {
    stdout
        .lines()
        .skip_while(|line| *line != heading)
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.trim().split_once(": "))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn verify(token: &str) -> serde_json::Value {
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(host().signer().jwks()).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwks.keys[0]).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    validation.set_audience(&["default"]);
    validation.set_issuer(&["caracal-host"]);
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
        .expect("token verifies")
        .claims
}

#[tokio::test]
async fn hello_agent_headers_parse_with_independent_w3c_parsers_and_verify() {
    let run = run(HELLO_AGENT, &[]).await;
    let context = block(&run.stdout, "caracal context");
    let headers = block(&run.stdout, "headers");
    assert_eq!(context["zone"], "local", "{run}");
    assert_eq!(context["application"], "default", "{run}");
    assert_eq!(context["labels"], "hello, demo", "{run}");
    let session = &context["session"];

    let carrier: HashMap<String, String> = headers.clone();
    let trace = TraceContextPropagator::new().extract(&carrier);
    let span = trace.span().span_context().clone();
    assert!(
        span.is_valid() && span.is_remote(),
        "traceparent did not parse: {run}"
    );
    assert_eq!(span.trace_id().to_string(), context["trace"], "{run}");

    let baggage = BaggagePropagator::new().extract(&carrier);
    let members = baggage.baggage();
    assert_eq!(
        members
            .get("caracal.agent_session")
            .map(|v| v.to_string())
            .as_ref(),
        Some(session),
        "{run}"
    );
    assert_eq!(
        members.get("caracal.hop").map(|v| v.to_string()).as_deref(),
        Some("0")
    );

    let token = headers["authorization"]
        .strip_prefix("Bearer ")
        .expect("bearer");
    let claims = verify(token);
    assert_eq!(claims["agent_session_id"], session.as_str());
    assert_eq!(claims["zone_id"], "local");
    assert_eq!(claims["client_id"], "default");
    assert_eq!(claims["use"], "session");
    assert_eq!(claims["sub_type"], "application");
    // The subject authority record: the application's root context, as
    // the baggage's caracal.session names it.
    assert_eq!(
        members.get("caracal.session").map(|v| v.to_string()),
        claims["sid"].as_str().map(str::to_owned)
    );
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
}

#[tokio::test]
async fn a_narrowed_child_presents_its_delegation_and_hop() {
    let run = run(HELLO_AGENT, &[]).await;
    let parent = block(&run.stdout, "caracal context");
    let child = block(&run.stdout, "child context");
    let headers = block(&run.stdout, "child headers");
    assert_eq!(
        child["trace"], parent["trace"],
        "a child shares its parent's trace\n{run}"
    );
    assert_eq!(child["hop"], "1", "{run}");
    let edge = &child["delegation"];
    let baggage = &headers["baggage"];
    assert!(
        baggage.contains(&format!("caracal.delegation_edge={edge}")),
        "{run}"
    );
    assert!(baggage.contains("caracal.hop=1"), "{run}");
    let claims = verify(headers["authorization"].strip_prefix("Bearer ").unwrap());
    assert_eq!(claims["delegation_edge_id"], edge.as_str());
    assert_eq!(claims["hop_count"], 1);
}

#[tokio::test]
async fn wire_format_is_byte_exact() {
    let run = run(HELLO_AGENT, &[]).await;
    let context = block(&run.stdout, "caracal context");
    let headers = block(&run.stdout, "headers");
    let names: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| *l != "headers")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.trim().split_once(':').map(|(n, _)| n))
        .collect();
    assert_eq!(names, ["authorization", "traceparent", "baggage"], "{run}");
    let traceparent = &headers["traceparent"];
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1], context["trace"]);
    assert!(
        parts[2].len() == 16
            && parts[2]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(parts[3], "01");
    // caracal.session is the subject authority record the token's `sid`
    // names: the application's root context.
    let claims = verify(headers["authorization"].strip_prefix("Bearer ").unwrap());
    assert_eq!(
        headers["baggage"],
        format!(
            "caracal.agent_session={},caracal.hop=0,caracal.session={}",
            context["session"],
            claims["sid"].as_str().unwrap()
        ),
    );
}
