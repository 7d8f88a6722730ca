use http::{HeaderMap, HeaderValue};

use super::{InboundContext, InboundError, SendError};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const INBOUND_TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const SPAN: [u8; 8] = [0x11; 8];
const OUT_TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01";

fn map(headers: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(*name, HeaderValue::from_static(value));
    }
    map
}

fn context(headers: &[(&'static str, &'static str)]) -> InboundContext {
    InboundContext::from_headers(&map(headers)).expect("valid envelope")
}

/// What a Caracal host hands a served component.
fn host_envelope() -> InboundContext {
    context(&[
        ("Authorization", "Bearer host.minted.token"),
        ("traceparent", INBOUND_TP),
        ("tracestate", "vendor=1,caracal=x"),
        (
            "baggage",
            "caracal.agent_session=0190-sess,caracal.delegation_edge=edge%201,\
             caracal.parent_edge=edge-0,caracal.session=local/default,caracal.hop=2",
        ),
        ("baggage", "tenant=acme"),
        ("spin-path-info", "/7"),
    ])
}

fn pairs(context: &InboundContext) -> Vec<(String, String)> {
    context
        .headers_with_span(SPAN)
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn decodes_the_host_envelope() {
    let ctx = host_envelope();
    assert_eq!(ctx.session_id(), Some("0190-sess"));
    assert_eq!(ctx.delegation_id(), Some("edge 1"));
    assert_eq!(ctx.parent_delegation_id(), Some("edge-0"));
    assert_eq!(ctx.subject(), Some("local/default"));
    assert_eq!(ctx.hop(), 2);
    assert_eq!(ctx.trace_id().as_deref(), Some(TRACE));
    assert_eq!(ctx.traceparent().as_deref(), Some(INBOUND_TP));
    assert_eq!(ctx.tracestate(), Some("vendor=1,caracal=x"));
    assert_eq!(ctx.baggage("tenant"), Some("acme"));
    assert_eq!(ctx.bearer(), Some("host.minted.token"));
    assert!(!ctx.is_empty());
}

#[test]
fn outbound_headers_carry_the_envelope_under_a_new_span() {
    let expected = [
        ("authorization", "Bearer host.minted.token"),
        ("traceparent", OUT_TP),
        ("tracestate", "vendor=1,caracal=x"),
        (
            "baggage",
            "caracal.agent_session=0190-sess,caracal.delegation_edge=edge%201,caracal.hop=2,\
             caracal.parent_edge=edge-0,caracal.session=local%2Fdefault,tenant=acme",
        ),
    ]
    .map(|(n, v)| (n.to_owned(), v.to_owned()));
    assert_eq!(pairs(&host_envelope()), expected);
}

#[test]
fn each_call_draws_a_new_span() {
    let ctx = host_envelope();
    let first = ctx.headers();
    let second = ctx.headers();
    let (first, second) = (
        first.get("traceparent").unwrap(),
        second.get("traceparent").unwrap(),
    );
    assert_ne!(first, second);
    for tp in [first, second] {
        assert!(tp.starts_with(&format!("00-{TRACE}-")), "{tp}");
        assert!(tp.ends_with("-01"));
        assert!(
            !tp.contains("00f067aa0ba902b7"),
            "reused the inbound span: {tp}"
        );
    }
}

#[test]
fn no_envelope_gives_an_empty_context_and_one_new_trace() {
    let ctx = context(&[("accept", "*/*")]);
    assert!(ctx.is_empty());
    assert_eq!(
        (ctx.session_id(), ctx.delegation_id(), ctx.bearer()),
        (None, None, None)
    );
    assert_eq!((ctx.trace_id(), ctx.hop()), (None, 0));

    let first = ctx.headers();
    let second = ctx.headers();
    assert_eq!(first.len(), 1, "{first:?}");
    let (first, second) = (
        first.get("traceparent").unwrap(),
        second.get("traceparent").unwrap(),
    );
    // One trace per context, a span per call.
    assert_eq!(first[..36], second[..36]);
    assert_ne!(first, second);
    assert!(caracal_envelope::TraceParent::parse(first).is_ok());
}

#[test]
fn tracestate_without_a_valid_traceparent_is_not_forwarded() {
    let ctx = context(&[
        (
            "traceparent",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ("tracestate", "vendor=1"),
    ]);
    assert_eq!((ctx.trace_id(), ctx.tracestate()), (None, None));
    let headers = ctx.headers_with_span(SPAN);
    assert_eq!(headers.get("tracestate"), None);
    assert!(!headers.get("traceparent").unwrap().contains(TRACE));
}

#[test]
fn repeated_traceparent_is_ignored() {
    let ctx = context(&[("traceparent", INBOUND_TP), ("traceparent", INBOUND_TP)]);
    assert_eq!(ctx.trace_id(), None);
}

#[test]
fn non_text_trace_headers_are_skipped() {
    let mut headers = map(&[("baggage", "k=v")]);
    headers.append(
        "traceparent",
        HeaderValue::from_bytes(b"00-\xff").expect("obs-text is a valid header value"),
    );
    headers.append("baggage", HeaderValue::from_bytes(b"x=\xfe").unwrap());
    let ctx = InboundContext::from_headers(&headers).unwrap();
    assert_eq!(ctx.trace_id(), None);
    assert_eq!(ctx.baggage("k"), Some("v"));
    assert_eq!(ctx.baggage("x"), None);
}

#[test]
fn hop_is_clamped_and_foreign_caracal_members_dropped() {
    let ctx = context(&[("baggage", "caracal.hop=99,caracal.extra=1,k=v")]);
    assert_eq!(ctx.hop(), 10);
    let headers = ctx.headers_with_span(SPAN);
    assert_eq!(headers.get("baggage"), Some("caracal.hop=10,k=v"));
}

#[test]
fn invalid_authorization_is_an_error() {
    for value in [
        "Basic dXNlcjpwdw==",
        "Bearer",
        "Bearer ",
        "Bearertoken",
        "t0k",
    ] {
        let err = InboundContext::from_headers(&map(&[("authorization", value)])).unwrap_err();
        assert_eq!(err, InboundError::InvalidAuthorization, "{value:?}");
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
    );
    assert_eq!(
        InboundContext::from_headers(&headers).unwrap_err(),
        InboundError::InvalidAuthorization
    );
}

#[test]
fn repeated_authorization_is_an_error() {
    let headers = map(&[("authorization", "Bearer a"), ("authorization", "Bearer b")]);
    assert_eq!(
        InboundContext::from_headers(&headers).unwrap_err(),
        InboundError::RepeatedAuthorization
    );
}

#[test]
fn bearer_scheme_is_case_insensitive_and_trimmed() {
    let ctx = context(&[("authorization", "  bEaReR   t0k  ")]);
    assert_eq!(ctx.bearer(), Some("t0k"));
}

#[test]
fn apply_adds_the_envelope_and_keeps_request_headers() {
    let ctx = host_envelope();
    let mut request = map(&[
        ("accept", "application/json"),
        ("baggage", "caracal.agent_session=forged,region=eu"),
    ]);
    ctx.apply(&mut request).unwrap();
    assert_eq!(request["accept"], "application/json");
    assert_eq!(request["authorization"], "Bearer host.minted.token");
    assert_eq!(request.get_all("authorization").iter().count(), 1);
    assert!(
        request["traceparent"]
            .to_str()
            .unwrap()
            .starts_with(&format!("00-{TRACE}-"))
    );
    assert_eq!(request["tracestate"], "vendor=1,caracal=x");
    assert_eq!(
        request["baggage"],
        "caracal.agent_session=0190-sess,caracal.delegation_edge=edge%201,caracal.hop=2,\
         caracal.parent_edge=edge-0,caracal.session=local%2Fdefault,region=eu,tenant=acme"
    );
}

#[test]
fn apply_keeps_a_request_traceparent() {
    let own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let mut request = map(&[("traceparent", own), ("tracestate", "mine=1")]);
    host_envelope().apply(&mut request).unwrap();
    assert_eq!(request["traceparent"], own);
    assert_eq!(request["tracestate"], "mine=1");
}

#[test]
fn apply_refuses_a_request_with_authorization() {
    for ctx in [host_envelope(), InboundContext::default()] {
        let mut request = map(&[("Authorization", "Bearer upstream-key")]);
        let before = request.clone();
        let err = ctx.apply(&mut request).unwrap_err();
        assert!(matches!(err, SendError::AuthorizationPresent), "{err}");
        assert_eq!(request, before);
    }
}

#[test]
fn apply_without_a_bearer_adds_no_authorization() {
    let ctx = context(&[("traceparent", INBOUND_TP)]);
    let mut request = HeaderMap::new();
    ctx.apply(&mut request).unwrap();
    assert!(!request.contains_key("authorization"));
    assert!(request.contains_key("traceparent"));
}

#[test]
fn debug_redacts_the_bearer() {
    let debug = format!("{:?}", host_envelope());
    assert!(!debug.contains("host.minted.token"), "{debug}");
    assert!(debug.contains("<redacted>"));
    assert!(debug.contains("0190-sess"));
}

#[test]
fn errors_convert_for_spin_handlers() {
    let err = spin_sdk::http::Error::from(SendError::AuthorizationPresent);
    assert!(err.to_string().contains("authorization"));
    let err = spin_sdk::http::Error::from(InboundError::RepeatedAuthorization);
    assert!(matches!(err, spin_sdk::http::Error::Other(_)));
}
