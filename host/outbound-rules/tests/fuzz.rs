//! Property tests of the rule grammars configuration feeds in (the
//! allow-list, resource prefixes, scope rules) and of URL matching on
//! guest-chosen URLs: random and mutated input never panics, and bad
//! entries are refused as errors, not accepted half-read. A long campaign:
//! `PROPTEST_CASES=1000000 cargo test -p caracal-outbound-rules --test fuzz`.

use caracal_outbound_rules::{AllowedHosts, ResourceBindings, ScopeRules, canonical_path};
use proptest::prelude::*;

/// Allow-list entries near Spin's grammar, and anything at all.
fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        "(https?|\\*|ftp|)(://)?(\\*\\.)?([a-z0-9-]{0,10}\\.){0,3}[a-z0-9*-]{0,10}(:[0-9*]{0,6})?(/[a-z]{0,3})?",
        "(https?://)?(\\[[0-9a-f:]{0,20}\\]|[0-9.]{0,16})(:[0-9]{0,6})?",
        any::<String>(),
    ]
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "([a-z0-9-]{0,10}\\.){0,3}[a-z0-9-]{0,10}",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        "\\[?[0-9a-f:]{0,24}\\]?",
        any::<String>(),
    ]
}

fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        "(https?://)[a-z.]{1,12}(:[0-9]{1,5})?(/[a-z%0-9.;/]{0,12}){0,4}(\\?[a-z=&]{0,8})?",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn allow_lists_parse_or_refuse_and_never_panic_on_any_request(
        entries in proptest::collection::vec(entry(), 0..5),
        scheme in "(https?|ftp|[a-z]{0,5})",
        host in host(),
        port in proptest::option::of(any::<u16>()),
    ) {
        if let Ok(allowed) = AllowedHosts::parse(&entries) {
            let _ = allowed.allows(&scheme, &host, port);
        }
    }

    #[test]
    fn an_empty_allow_list_allows_nothing(scheme in "[a-z]{0,6}", host in host(), port in proptest::option::of(any::<u16>())) {
        let none: [&str; 0] = [];
        prop_assert!(!AllowedHosts::parse(&none).unwrap().allows(&scheme, &host, port));
    }

    #[test]
    fn bindings_and_rules_parse_or_refuse_and_match_any_url(
        prefixes in proptest::collection::vec(url(), 1..4),
        probe in url(),
        rules in proptest::collection::vec(("((GET|POST|[A-Z]{0,4}) )?/[a-z*{}/.]{0,16}", proptest::collection::vec("[a-z:]{0,8}", 0..3)), 0..4),
        method in "[A-Z]{0,6}",
        path in "/[a-z%0-9./*]{0,20}",
    ) {
        let named = prefixes.iter().enumerate().map(|(n, p)| (format!("resource://r{n}"), p.clone()));
        if let Ok(bindings) = ResourceBindings::new(named)
            && let Some(hit) = bindings.match_url(&probe)
        {
            prop_assert!(hit.resource_id.starts_with("resource://r"));
        }
        let lines: Vec<(&str, Vec<String>)> = rules.iter().map(|(p, s)| (p.as_str(), s.clone())).collect();
        if let Ok(table) = ScopeRules::parse(&lines)
            && let Ok(canonical) = canonical_path(&path)
        {
            let _ = table.required_scopes(&method, &canonical);
        }
    }
}
