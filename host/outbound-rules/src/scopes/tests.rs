use super::*;

fn rules(lines: &[(&str, &[&str])]) -> ScopeRules {
    let owned: Vec<(&str, Vec<String>)> = lines
        .iter()
        .map(|(line, scopes)| (*line, scopes.iter().map(|s| (*s).to_owned()).collect()))
        .collect();
    ScopeRules::parse(&owned).expect("valid rules")
}

fn scopes<'a>(rules: &'a ScopeRules, method: &str, path: &str) -> Option<Vec<&'a str>> {
    rules
        .required_scopes(method, path)
        .map(|s| s.iter().map(String::as_str).collect())
}

fn ticket_rules() -> ScopeRules {
    rules(&[
        ("GET /tickets/**", &["tickets:read"]),
        ("POST /tickets", &["tickets:write"]),
        ("* /admin/*", &["admin"]),
    ])
}

#[test]
fn empty_table_matches_nothing() {
    let empty = ScopeRules::default();
    assert!(empty.is_empty());
    assert_eq!(empty.required_scopes("GET", "/"), None);
}

#[test]
fn brief_examples() {
    let r = ticket_rules();
    assert_eq!(
        scopes(&r, "GET", "/tickets"),
        Some(vec!["tickets:read"]),
        "** matches none"
    );
    assert_eq!(
        scopes(&r, "GET", "/tickets/1/comments"),
        Some(vec!["tickets:read"])
    );
    assert_eq!(scopes(&r, "POST", "/tickets"), Some(vec!["tickets:write"]));
    assert_eq!(scopes(&r, "POST", "/tickets/1"), None);
    assert_eq!(scopes(&r, "DELETE", "/admin/users"), Some(vec!["admin"]));
    assert_eq!(
        scopes(&r, "GET", "/admin"),
        None,
        "* is exactly one segment"
    );
    assert_eq!(scopes(&r, "GET", "/admin/a/b"), None);
    assert_eq!(scopes(&r, "GET", "/ticketsX"), None);
    assert_eq!(
        scopes(&r, "get", "/tickets"),
        None,
        "methods are case-sensitive"
    );
}

#[test]
fn more_literals_then_fewer_wildcards_then_first_declared() {
    let r = rules(&[
        ("GET /**", &["any"]),
        ("GET /a/*/c", &["two-literals"]),
        ("GET /a/b/*", &["two-literals-later"]),
        ("GET /a/*/*", &["one-literal"]),
        ("GET /a/b/**", &["two-literals-rest"]),
    ]);
    assert_eq!(scopes(&r, "GET", "/a/b/c"), Some(vec!["two-literals"]));
    assert_eq!(scopes(&r, "GET", "/a/x/y"), Some(vec!["one-literal"]));
    assert_eq!(
        scopes(&r, "GET", "/a/b/x/y"),
        Some(vec!["two-literals-rest"])
    );
    assert_eq!(scopes(&r, "GET", "/z"), Some(vec!["any"]));
    assert_eq!(scopes(&r, "GET", "/"), Some(vec!["any"]));

    let r = rules(&[
        ("GET /a/**", &["rest"]),
        ("GET /a/*", &["one"]),
        ("GET /a", &["exact"]),
    ]);
    assert_eq!(scopes(&r, "GET", "/a"), Some(vec!["exact"]));
    assert_eq!(
        scopes(&r, "GET", "/a/x"),
        Some(vec!["rest"]),
        "same counts: first declared"
    );
}

#[test]
fn specific_method_beats_any_method() {
    let r = rules(&[
        ("* /tickets", &["any-method"]),
        ("POST /tickets", &["tickets:write"]),
    ]);
    assert_eq!(scopes(&r, "POST", "/tickets"), Some(vec!["tickets:write"]));
    assert_eq!(scopes(&r, "PATCH", "/tickets"), Some(vec!["any-method"]));
}

#[test]
fn root_pattern_matches_root_only() {
    let r = rules(&[("GET /", &["root"])]);
    assert_eq!(scopes(&r, "GET", "/"), Some(vec!["root"]));
    assert_eq!(scopes(&r, "GET", "/?q=1"), Some(vec!["root"]));
    assert_eq!(scopes(&r, "GET", "/x"), None);
}

#[test]
fn paths_are_normalised_before_matching() {
    let r = rules(&[("GET /tickets/**", &["read"]), ("* /admin/**", &["admin"])]);
    assert_eq!(
        scopes(&r, "GET", "/tickets/1?x=/admin/y#f"),
        Some(vec!["read"])
    );
    assert_eq!(scopes(&r, "GET", "//admin//x"), Some(vec!["admin"]));
    assert_eq!(scopes(&r, "GET", "/%61dmin/x"), Some(vec!["admin"]));
    assert_eq!(scopes(&r, "GET", "/tickets/"), Some(vec!["read"]));
}

#[test]
fn suspicious_paths_match_nothing() {
    let r = rules(&[("GET /**", &["read"])]);
    for path in [
        "/tickets/../admin",
        "/tickets/%2e%2E/admin",
        "/./x",
        "/a%2Fb",
        "/a%zz",
        "/a%+f",
        "/a%",
        "/a%ff",
        "tickets",
        "",
        "*",
    ] {
        assert_eq!(scopes(&r, "GET", path), None, "{path:?} must match nothing");
    }
}

#[test]
fn encoded_literals_in_patterns() {
    let r = rules(&[("GET /a%20b", &["space"])]);
    assert_eq!(scopes(&r, "GET", "/a b"), Some(vec!["space"]));
    assert_eq!(scopes(&r, "GET", "/a%20b"), Some(vec!["space"]));
}

#[test]
fn every_bad_rule_is_reported_with_its_index() {
    let lines: Vec<(&str, Vec<String>)> = [
        "GET /ok",
        "GET",
        "GET /a extra",
        "G(T /a",
        "GET a/b",
        "GET /a//b",
        "GET /a*",
        "GET /**/a",
        "GET /a/../b",
        "GET /a%2Fb",
        "GET /no-scopes",
        "GET /blank-scope",
    ]
    .iter()
    .enumerate()
    .map(|(i, line)| {
        let scopes = match i {
            10 => vec![],
            11 => vec!["read".to_owned(), "  ".to_owned()],
            _ => vec!["read".to_owned()],
        };
        (*line, scopes)
    })
    .collect();
    let errors = ScopeRules::parse(&lines).unwrap_err();
    assert_eq!(errors.len(), 11);
    for (n, error) in errors.iter().enumerate() {
        let index = n + 1;
        match error {
            RuleError::MalformedRule { index: i, .. } => assert!(*i == index && index <= 3),
            RuleError::InvalidPattern { index: i, .. } => {
                assert!(*i == index && (4..=9).contains(i))
            }
            RuleError::InvalidScopes { index: i, .. } => assert!(*i == index && *i >= 10),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        errors[6].to_string(),
        "rules[7] `GET /**/a`: invalid path pattern: `**` must be the last segment"
    );
}
