use super::*;

fn hosts(entries: &[&str]) -> AllowedHosts {
    AllowedHosts::parse(entries).expect("valid entries")
}

#[test]
fn empty_list_denies_everything() {
    let empty = AllowedHosts::default();
    assert!(empty.is_empty());
    assert!(!empty.allows("https", "example.com", None));
    assert_eq!(
        AllowedHosts::parse(&[] as &[&str]),
        Ok(AllowedHosts::default())
    );
}

#[test]
fn exact_name_uses_scheme_default_port() {
    let list = hosts(&["https://api.example.com"]);
    assert!(list.allows("https", "api.example.com", None));
    assert!(list.allows("HTTPS", "API.Example.COM.", Some(443)));
    assert!(!list.allows("https", "api.example.com", Some(8443)));
    assert!(!list.allows("http", "api.example.com", None));
    assert!(!list.allows("https", "other.example.com", None));
    assert!(!list.allows("ftp", "api.example.com", Some(443)));
}

#[test]
fn star_scheme_allows_both_with_their_default_ports() {
    let list = hosts(&["*://example.com"]);
    assert!(list.allows("http", "example.com", None));
    assert!(list.allows("https", "example.com", Some(443)));
    assert!(!list.allows("http", "example.com", Some(443)));
    assert!(!list.allows("https", "example.com", Some(80)));
}

#[test]
fn subdomain_wildcard_excludes_apex() {
    let list = hosts(&["https://*.example.com"]);
    assert!(list.allows("https", "a.example.com", None));
    assert!(list.allows("https", "a.b.example.com", None));
    assert!(!list.allows("https", "example.com", None));
    assert!(!list.allows("https", "badexample.com", None));
    assert!(!list.allows("https", "example.com.evil.net", None));
}

#[test]
fn ports_number_star_and_exclusive_range() {
    let list = hosts(&[
        "http://a.test:8080",
        "http://b.test:*",
        "http://c.test:8000..8100",
    ]);
    assert!(list.allows("http", "a.test", Some(8080)));
    assert!(!list.allows("http", "a.test", None));
    assert!(list.allows("http", "b.test", Some(1)));
    assert!(list.allows("http", "b.test", None));
    assert!(list.allows("http", "c.test", Some(8000)));
    assert!(list.allows("http", "c.test", Some(8099)));
    assert!(!list.allows("http", "c.test", Some(8100)));
    assert!(!list.allows("http", "c.test", Some(7999)));
}

#[test]
fn any_host_wildcard_reaches_public_but_not_private_hosts() {
    let list = hosts(&["*://*:*"]);
    assert!(list.allows("https", "example.com", None));
    assert!(list.allows("http", "93.184.216.34", Some(8080)));
    assert!(list.allows("https", "[2606:4700::1]", None));
    for private in [
        "localhost",
        "app.localhost",
        "127.0.0.1",
        "127.9.9.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "::1",
        "[::1]",
        "[::]",
        "[fc00::1]",
        "[fd12:3456::1]",
        "[fe80::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
    ] {
        assert!(
            !list.allows("http", private, Some(80)),
            "{private} must be refused"
        );
    }
    assert!(
        list.allows("http", "172.32.0.1", None),
        "172.32/16 is public"
    );
}

#[test]
fn private_hosts_need_an_exact_entry() {
    let list = hosts(&[
        "http://127.0.0.1:8080",
        "http://localhost:*",
        "http://[::1]:9000",
        "https://*.internal",
    ]);
    assert!(list.allows("http", "127.0.0.1", Some(8080)));
    assert!(!list.allows("http", "127.0.0.2", Some(8080)));
    assert!(!list.allows("http", "127.0.0.1", Some(8081)));
    assert!(list.allows("http", "localhost", Some(3000)));
    assert!(!list.allows("http", "app.localhost", Some(3000)));
    assert!(list.allows("http", "::1", Some(9000)));
    assert!(list.allows("http", "[0:0:0:0:0:0:0:1]", Some(9000)));
    assert!(!list.allows("http", "[::ffff:127.0.0.1]", Some(8080)));
}

#[test]
fn numeric_tricks_are_denied() {
    let list = hosts(&["*://*:*"]);
    for trick in [
        "127.1",
        "2130706433",
        "0x7f.0.0.1",
        "010.0.0.1",
        "1.2.3.4.5",
        "0x7f000001",
    ] {
        assert!(!list.allows("http", trick, None), "{trick} must be denied");
    }
}

#[test]
fn malformed_request_hosts_are_denied() {
    let list = hosts(&["*://*:*"]);
    for bad in [
        "",
        "exa mple.com",
        "-a.com",
        "a..com",
        "[::1",
        "[zz::1]",
        "example.com:80",
        "user@example.com",
    ] {
        assert!(!list.allows("https", bad, None), "{bad:?} must be denied");
    }
}

#[test]
fn ip_entries() {
    let list = hosts(&["https://93.184.216.34", "https://[2606:4700::1]:8443"]);
    assert!(list.allows("https", "93.184.216.34", None));
    assert!(list.allows("https", "2606:4700:0::1", Some(8443)));
    assert!(!list.allows("https", "93.184.216.35", None));
}

#[test]
fn trailing_slash_and_case_are_tolerated() {
    let list = hosts(&["HTTPS://Example.COM/"]);
    assert!(list.allows("https", "example.com", None));
}

#[test]
fn every_bad_entry_is_reported_with_its_index() {
    let entries = [
        "https://ok.example",
        "example.com",
        "ftp://example.com",
        "https://",
        "https://exa_mple.com",
        "https://*.",
        "https://a.*.com",
        "https://example.com:0",
        "https://example.com:99999",
        "https://example.com:8100..8000",
        "https://example.com:80..",
        "https://example.com:+80",
        "https://example.com/path",
        "https://user@example.com",
        "https://[::1",
        "https://127.1",
    ];
    let errors = AllowedHosts::parse(&entries).unwrap_err();
    let indices: Vec<usize> = errors.iter().map(index_of).collect();
    assert_eq!(indices, (1..entries.len()).collect::<Vec<_>>());
    assert!(matches!(
        errors[0],
        RuleError::MissingScheme { index: 1, .. }
    ));
    assert!(matches!(&errors[1], RuleError::UnsupportedScheme { scheme, .. } if scheme == "ftp"));
    assert!(matches!(&errors[2], RuleError::InvalidHost { host, .. } if host.is_empty()));
    assert!(matches!(&errors[3], RuleError::InvalidHost { host, .. } if host == "exa_mple.com"));
    assert!(matches!(&errors[6], RuleError::InvalidPort { port, .. } if port == "0"));
    assert!(matches!(
        errors[11],
        RuleError::UnexpectedComponent { index: 12, .. }
    ));
    assert!(matches!(
        errors[12],
        RuleError::UnexpectedComponent { index: 13, .. }
    ));
    assert!(matches!(
        errors[14],
        RuleError::InvalidHost { index: 15, .. }
    ));
    assert_eq!(
        errors[1].to_string(),
        "allowed_outbound_hosts[2] `ftp://example.com`: unsupported scheme `ftp` (use http, https or *)"
    );
}

fn index_of(error: &RuleError) -> usize {
    match error {
        RuleError::MissingScheme { index, .. }
        | RuleError::UnsupportedScheme { index, .. }
        | RuleError::InvalidHost { index, .. }
        | RuleError::InvalidPort { index, .. }
        | RuleError::UnexpectedComponent { index, .. } => *index,
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn reach_is_named_only_for_an_exact_entry() {
    let hosts = AllowedHosts::parse(&[
        "https://*",
        "http://*.example.com:*",
        "http://db.example.com:5000",
        "http://[::1]:8080",
    ])
    .unwrap();
    assert_eq!(
        hosts.reach("https", "anything.net", None),
        Some(Reach::Public)
    );
    assert_eq!(
        hosts.reach("http", "a.example.com", Some(81)),
        Some(Reach::Public)
    );
    // The exact entry wins over the wildcard that also matches.
    assert_eq!(
        hosts.reach("http", "db.example.com", Some(5000)),
        Some(Reach::Named)
    );
    assert_eq!(
        hosts.reach("http", "db.example.com", Some(5001)),
        Some(Reach::Public)
    );
    assert_eq!(hosts.reach("http", "::1", Some(8080)), Some(Reach::Named));
    assert_eq!(hosts.reach("http", "other.net", None), None);
}

#[test]
fn wildcards_never_reach_the_new_special_classes_by_literal() {
    let hosts = AllowedHosts::parse(&["*://*:*"]).unwrap();
    for literal in [
        "100.64.0.1",
        "[64:ff9b::7f00:1]",
        "[::ffff:8.8.8.8]",
        "[::127.0.0.1]",
        "224.0.0.1",
        "255.255.255.255",
        "169.254.169.254",
        "[fd00:ec2::254]",
        "[ff02::1]",
    ] {
        assert!(!hosts.allows("http", literal, Some(80)), "{literal}");
    }
    assert!(hosts.allows("http", "8.8.8.8", Some(80)));
}

#[test]
fn public_reach_admits_only_public_addresses() {
    for special in [
        "127.0.0.1",
        "10.0.0.1",
        "::1",
        "::ffff:127.0.0.1",
        "fd00::1",
        "100.64.0.1",
    ] {
        let ip = special.parse().unwrap();
        assert!(Reach::Public.admits(ip).is_err(), "{special}");
        assert!(Reach::Named.admits(ip).is_ok(), "{special}");
    }
    assert!(
        Reach::Public
            .admits("93.184.216.34".parse().unwrap())
            .is_ok()
    );
}
