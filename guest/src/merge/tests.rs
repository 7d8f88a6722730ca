use caracal_envelope::Baggage;
use http::HeaderMap;

use super::{apply_envelope, merge_baggage};

const HOST_TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01";
const REQUEST_TP: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

fn envelope() -> Vec<(&'static str, &'static str)> {
    vec![
        ("authorization", "Bearer minted"),
        ("traceparent", HOST_TP),
        ("tracestate", "caracal=1"),
        ("baggage", "caracal.agent_session=s1,caracal.hop=0"),
    ]
}

fn map(headers: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(*name, value.parse().unwrap());
    }
    map
}

fn all<'a>(map: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    map.get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

#[test]
fn a_bare_request_gets_the_whole_envelope() {
    let mut headers = map(&[("accept", "application/json")]);
    apply_envelope(&mut headers, envelope());
    assert_eq!(all(&headers, "authorization"), ["Bearer minted"]);
    assert_eq!(all(&headers, "traceparent"), [HOST_TP]);
    assert_eq!(all(&headers, "tracestate"), ["caracal=1"]);
    assert_eq!(
        all(&headers, "baggage"),
        ["caracal.agent_session=s1,caracal.hop=0"]
    );
    assert_eq!(all(&headers, "accept"), ["application/json"]);
    assert_eq!(headers.len(), 5);
}

#[test]
fn authorization_is_replaced() {
    let mut headers = map(&[
        ("authorization", "Bearer forged"),
        ("authorization", "Basic b3RoZXI="),
    ]);
    apply_envelope(&mut headers, envelope());
    assert_eq!(all(&headers, "authorization"), ["Bearer minted"]);
}

#[test]
fn a_valid_traceparent_is_kept_with_its_tracestate() {
    let mut headers = map(&[("traceparent", REQUEST_TP), ("tracestate", "vendor=a")]);
    apply_envelope(&mut headers, envelope());
    assert_eq!(all(&headers, "traceparent"), [REQUEST_TP]);
    assert_eq!(all(&headers, "tracestate"), ["vendor=a"]);

    let mut headers = map(&[("traceparent", REQUEST_TP)]);
    apply_envelope(&mut headers, envelope());
    assert_eq!(all(&headers, "traceparent"), [REQUEST_TP]);
    assert!(headers.get("tracestate").is_none());
}

#[test]
fn an_invalid_or_repeated_traceparent_is_replaced_with_its_tracestate() {
    let invalid = [
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "garbage",
    ];
    for value in invalid {
        let mut headers = map(&[("traceparent", value), ("tracestate", "vendor=a")]);
        apply_envelope(&mut headers, envelope());
        assert_eq!(all(&headers, "traceparent"), [HOST_TP], "{value}");
        assert_eq!(all(&headers, "tracestate"), ["caracal=1"], "{value}");
    }

    let mut headers = map(&[("traceparent", REQUEST_TP), ("traceparent", REQUEST_TP)]);
    apply_envelope(&mut headers, envelope());
    assert_eq!(all(&headers, "traceparent"), [HOST_TP]);

    // Without a tracestate in the envelope, a stale one is dropped.
    let mut headers = map(&[("traceparent", "bad"), ("tracestate", "vendor=a")]);
    apply_envelope(&mut headers, [("traceparent", HOST_TP)]);
    assert_eq!(all(&headers, "traceparent"), [HOST_TP]);
    assert!(headers.get("tracestate").is_none());
}

#[test]
fn baggage_keeps_foreign_members_and_caracal_members_win() {
    let mut headers = map(&[
        ("baggage", "tenant=acme,caracal.agent_session=forged"),
        (
            "baggage",
            "caracal.delegation_edge=forged;p,user=j%20doe;pii",
        ),
    ]);
    apply_envelope(&mut headers, envelope());
    assert_eq!(
        all(&headers, "baggage"),
        ["caracal.agent_session=s1,caracal.hop=0,tenant=acme,user=j%20doe;pii"]
    );
}

#[test]
fn name_case_does_not_matter() {
    let mut headers = map(&[("baggage", "k=v")]);
    apply_envelope(
        &mut headers,
        [
            ("Authorization", "Bearer minted"),
            ("BAGGAGE", "caracal.hop=1"),
        ],
    );
    assert_eq!(all(&headers, "authorization"), ["Bearer minted"]);
    assert_eq!(all(&headers, "baggage"), ["caracal.hop=1,k=v"]);
}

#[test]
fn baggage_merge_rules() {
    // Only foreign members: kept (re-encoded, sorted).
    assert_eq!(merge_baggage(&["b=2, a=1"], &[]), "a=1,b=2");
    // Forged caracal members go even when the envelope has none.
    assert_eq!(merge_baggage(&["caracal.hop=9,x=1"], &[]), "x=1");
    // A foreign member in both keeps the request's value.
    assert_eq!(
        merge_baggage(&["region=eu"], &["region=us,caracal.hop=2"]),
        "caracal.hop=2,region=eu"
    );
    assert_eq!(merge_baggage(&[], &[]), "");
    assert_eq!(merge_baggage(&["junk"], &[]), "");
}

#[test]
fn baggage_stays_within_the_limits() {
    // A request baggage over the member limit is dropped whole.
    let many: Vec<String> = (0..Baggage::MAX_MEMBERS + 1)
        .map(|i| format!("k{i:02}=v"))
        .collect();
    let many = many.join(",");
    assert_eq!(merge_baggage(&[&many], &["caracal.hop=1"]), "caracal.hop=1");

    // Within the request's limits, but the envelope pushes it over: foreign
    // members go, last key first, and Caracal's stay.
    let full: Vec<String> = (0..Baggage::MAX_MEMBERS)
        .map(|i| format!("k{i:02}=v"))
        .collect();
    let merged = merge_baggage(
        &[&full.join(",")],
        &["caracal.agent_session=s,caracal.hop=1"],
    );
    let merged = Baggage::parse(&merged).unwrap();
    assert_eq!(merged.len(), Baggage::MAX_MEMBERS);
    assert_eq!(merged.get("caracal.agent_session"), Some("s"));
    assert_eq!(merged.get("k00"), Some("v"));
    assert_eq!(merged.get("k62"), None);
    assert_eq!(merged.get("k63"), None);

    // Byte limit: a long foreign value is dropped before Caracal's members.
    let long = format!("a={},z={}", "x".repeat(4000), "y".repeat(4180));
    let merged = merge_baggage(&[&long], &["caracal.hop=1"]);
    assert!(merged.len() <= Baggage::MAX_BYTES);
    assert!(merged.starts_with("a=xxx") && merged.ends_with(",caracal.hop=1"));
}
