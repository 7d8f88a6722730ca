use super::*;

fn target(uri: &str) -> Result<String, TransportError> {
    let uri: Uri = uri.parse().unwrap();
    Target::new(&uri).map(|t| t.url())
}

#[test]
fn targets_are_absolute_http_urls() {
    assert_eq!(
        target("http://h:8080/a?b=1").unwrap(),
        "http://h:8080/a?b=1"
    );
    assert_eq!(target("HTTPS://h").unwrap(), "https://h/");
    for bad in ["/relative", "ftp://h/x", "http://u:p@h/x"] {
        assert!(
            matches!(target(bad), Err(TransportError::InvalidRequest(_))),
            "{bad}"
        );
    }
}

#[test]
fn never_and_always_do_not_ask_the_host() {
    // `GatewayOnly` calls the host for its prefixes; these two must not
    // (this test runs off wasm, where that call would panic).
    let never = Transport::new().propagation(Propagation::Never);
    assert!(!never.carries_envelope("http://h/"));
    let always = Transport::new().propagation(Propagation::Always);
    assert!(always.carries_envelope("http://h/"));
}

#[test]
fn requests_without_the_envelope_pass_through_prepare_unchanged() {
    let transport = Transport::new().propagation(Propagation::Never);
    let request = Request::post("http://h/x")
        .header("authorization", "Basic abc")
        .body("hi")
        .unwrap();
    let prepared = transport.prepare(request).unwrap();
    assert_eq!(prepared.headers()["authorization"], "Basic abc");
    assert_eq!(prepared.body().as_bytes(), b"hi");
}

#[test]
fn the_envelope_needs_a_bound_context_or_allow_root() {
    let transport = Transport::new().propagation(Propagation::Always);
    let request = Request::get("http://h/x").body(()).unwrap();
    assert_eq!(
        transport.prepare(request).unwrap_err(),
        TransportError::NoContext
    );
}

#[test]
fn builder_settings() {
    let transport = Transport::new()
        .allow_root(true)
        .propagation(Propagation::Always)
        .timeout(Duration::from_secs(3));
    assert!(transport.allow_root);
    assert_eq!(transport.propagation, Propagation::Always);
    assert_eq!(transport.timeout, Some(Duration::from_secs(3)));
    assert_eq!(Transport::new().propagation, Propagation::GatewayOnly);
}
