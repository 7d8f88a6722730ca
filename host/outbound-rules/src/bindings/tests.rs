use super::*;

fn bindings(pairs: &[(&str, &str)]) -> ResourceBindings {
    ResourceBindings::new(pairs.iter().copied()).expect("valid bindings")
}

fn id(bindings: &ResourceBindings, url: &str) -> Option<String> {
    bindings.match_url(url).map(|m| m.resource_id.to_owned())
}

#[test]
fn empty_bindings_match_nothing() {
    let empty = ResourceBindings::default();
    assert!(empty.is_empty());
    assert!(empty.match_url("https://api.example/").is_none());
}

#[test]
fn prefix_matches_on_segment_boundary() {
    let b = bindings(&[("tickets", "https://api.example/tickets")]);
    assert_eq!(
        id(&b, "https://api.example/tickets").as_deref(),
        Some("tickets")
    );
    assert_eq!(
        id(&b, "https://api.example/tickets/").as_deref(),
        Some("tickets")
    );
    assert_eq!(
        id(&b, "https://api.example/tickets/1").as_deref(),
        Some("tickets")
    );
    assert_eq!(id(&b, "https://api.example/ticketsX"), None);
    assert_eq!(id(&b, "https://api.example/"), None);
    assert_eq!(id(&b, "https://api.example"), None);
    assert_eq!(
        id(&b, "https://api.example/Tickets"),
        None,
        "paths are case-sensitive"
    );
}

#[test]
fn longest_prefix_wins_regardless_of_order() {
    let b = bindings(&[
        ("root", "https://api.example"),
        ("tickets", "https://api.example/tickets/"),
        ("comments", "https://api.example/tickets/comments"),
    ]);
    assert_eq!(
        id(&b, "https://api.example/tickets/comments/3").as_deref(),
        Some("comments")
    );
    assert_eq!(
        id(&b, "https://api.example/tickets/3").as_deref(),
        Some("tickets")
    );
    assert_eq!(id(&b, "https://api.example/users").as_deref(), Some("root"));
    assert_eq!(id(&b, "https://api.example").as_deref(), Some("root"));
}

#[test]
fn origin_must_match_exactly_with_normalisation() {
    let b = bindings(&[
        ("a", "https://API.Example/x"),
        ("b", "http://api.example:8080/x"),
    ]);
    assert_eq!(id(&b, "https://api.example:443/x").as_deref(), Some("a"));
    assert_eq!(id(&b, "HTTPS://api.EXAMPLE./x").as_deref(), Some("a"));
    assert_eq!(
        id(&b, "http://api.example/x"),
        None,
        "scheme and default port differ"
    );
    assert_eq!(id(&b, "https://api.example:8443/x"), None);
    assert_eq!(id(&b, "http://api.example:8080/x/y").as_deref(), Some("b"));
    assert_eq!(id(&b, "https://sub.api.example/x"), None);
}

#[test]
fn ipv6_origin() {
    let b = bindings(&[("v6", "http://[::1]:9000/svc")]);
    assert_eq!(id(&b, "http://[0:0::1]:9000/svc/a").as_deref(), Some("v6"));
    assert_eq!(id(&b, "http://[::1]/svc"), None);
}

#[test]
fn rest_path_keeps_query_and_drops_fragment() {
    let b = bindings(&[("t", "https://api.example/tickets")]);
    let m = b
        .match_url("https://api.example/tickets/7?full=1&x=/y#frag")
        .unwrap();
    assert_eq!(m.resource_id, "t");
    assert_eq!(m.prefix, "https://api.example/tickets");
    assert_eq!(m.rest_path, "/7?full=1&x=/y");
    assert_eq!(
        b.match_url("https://api.example/tickets?q=1")
            .unwrap()
            .rest_path,
        "?q=1"
    );
    assert_eq!(
        b.match_url("https://api.example/tickets")
            .unwrap()
            .rest_path,
        ""
    );
    assert_eq!(id(&b, "https://api.example/ticketsX?/tickets"), None);
}

#[test]
fn root_prefix_rest_path_is_whole_path() {
    let b = bindings(&[("api", "https://api.example/")]);
    assert_eq!(b.match_url("https://api.example").unwrap().rest_path, "/");
    assert_eq!(
        b.match_url("https://api.example/a/b?c").unwrap().rest_path,
        "/a/b?c"
    );
}

#[test]
fn suspicious_urls_match_nothing() {
    let b = bindings(&[
        ("t", "https://api.example/tickets"),
        ("root", "https://api.example"),
    ]);
    for url in [
        "https://api.example/tickets/../admin",
        "https://api.example/tickets/%2E%2e/admin",
        "https://api.example/./tickets",
        "https://user:pw@api.example/tickets",
        "https://api.example:0/tickets",
        "https://api.example:x/tickets",
        "ftp://api.example/tickets",
        "api.example/tickets",
        "/tickets",
        "",
    ] {
        assert_eq!(id(&b, url), None, "{url:?} must not match");
    }
}

#[test]
fn every_bad_binding_is_reported_with_its_index() {
    let errors = ResourceBindings::new([
        ("ok", "https://api.example/ok"),
        (" ", "https://api.example/blank"),
        ("a", "api.example/x"),
        ("b", "ftp://api.example"),
        ("c", "https://api.example/x?q=1"),
        ("d", "https://api.example/x#f"),
        ("e", "https://u@api.example/x"),
        ("f", "https://api.example:99999/x"),
        ("g", "https://bad_host/x"),
        ("h", "https://API.example:443/ok/"),
    ])
    .unwrap_err();
    assert_eq!(errors.len(), 9);
    assert_eq!(errors[0], RuleError::EmptyResourceId { index: 1 });
    assert!(matches!(
        &errors[1],
        RuleError::InvalidPrefix { index: 2, .. }
    ));
    assert!(
        matches!(&errors[2], RuleError::InvalidPrefix { index: 3, reason, .. } if reason.contains("scheme"))
    );
    assert!(matches!(
        &errors[3],
        RuleError::InvalidPrefix { index: 4, .. }
    ));
    assert!(matches!(
        &errors[4],
        RuleError::InvalidPrefix { index: 5, .. }
    ));
    assert!(
        matches!(&errors[5], RuleError::InvalidPrefix { index: 6, reason, .. } if reason.contains("user"))
    );
    assert!(
        matches!(&errors[6], RuleError::InvalidPrefix { index: 7, reason, .. } if reason.contains("port"))
    );
    assert!(
        matches!(&errors[7], RuleError::InvalidPrefix { index: 8, reason, .. } if reason.contains("host"))
    );
    assert!(matches!(
        &errors[8],
        RuleError::DuplicatePrefix {
            index: 9,
            first: 0,
            ..
        }
    ));
    assert_eq!(
        errors[8].to_string(),
        "resources[9] `https://API.example:443/ok/`: same upstream_prefix as resources[0]"
    );
}
