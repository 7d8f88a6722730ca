//! Delegation constraints: max_hops, budget, ttl_seconds, resources,
//! max_calls.

use caracal_authority::{DelegationConstraints, NarrowGrant, SessionId};

use crate::{Fixture, T0, grant, kind};

fn with(scopes: &[&str], constraints: DelegationConstraints) -> NarrowGrant {
    NarrowGrant {
        constraints,
        ..grant(scopes)
    }
}

fn hops(n: u32) -> DelegationConstraints {
    DelegationConstraints {
        max_hops: Some(n),
        ..Default::default()
    }
}

/// A root child narrowed with `constraints` (and room for one more hop).
fn parent(f: &Fixture, scopes: &[&str], constraints: DelegationConstraints) -> SessionId {
    let constraints = DelegationConstraints {
        max_hops: constraints.max_hops.or(Some(2)),
        ..constraints
    };
    f.narrowed(&f.root, with(scopes, constraints)).id
}

#[test]
fn max_hops_from_a_two_hop_parent() {
    let f = Fixture::new();
    let p = parent(&f, &["a"], hops(2));
    let child = f.narrowed(&p, with(&["a"], hops(1)));
    assert_eq!(child.authority.unwrap().max_hops, Some(1));
    f.narrowed(&p, grant(&["a"]));
    assert_eq!(kind(f.try_narrow(&p, with(&["a"], hops(2)))), "denied");
}

#[test]
fn max_hops_one_allows_no_further_narrowing() {
    let f = Fixture::new();
    let p = f.narrowed(&f.root, grant(&["a"])).id;
    let err = f.try_narrow(&p, grant(&["a"])).unwrap_err();
    assert_eq!(err.kind(), "denied");
}

#[test]
fn max_hops_chain_counts_down() {
    let f = Fixture::new();
    let mut at = f.narrowed(&f.root, with(&["a"], hops(4))).id;
    for n in (1..4).rev() {
        at = f.narrowed(&at, with(&["a"], hops(n))).id;
    }
    assert_eq!(kind(f.try_narrow(&at, with(&["a"], hops(1)))), "denied");
}

#[test]
fn max_hops_zero_is_invalid_and_root_is_unbounded() {
    let f = Fixture::new();
    assert_eq!(
        kind(f.try_narrow(&f.root, with(&["a"], hops(0)))),
        "invalid"
    );
    let wide = f.narrowed(&f.root, with(&["a"], hops(u32::MAX)));
    assert_eq!(wide.authority.unwrap().max_hops, Some(u32::MAX));
}

fn budget(b: u32) -> DelegationConstraints {
    DelegationConstraints {
        budget: Some(b),
        ..Default::default()
    }
}

#[test]
fn budget_bounds_sub_grants() {
    let f = Fixture::new();
    let p = parent(&f, &["a", "b", "c"], budget(2));
    let child = f.narrowed(&p, with(&["a", "b", "c"], budget(2)));
    assert_eq!(child.authority.unwrap().budget, Some(2));
    // Defaulted to the number of scopes: 2 fits, 3 does not.
    assert_eq!(
        f.narrowed(&p, grant(&["a", "b"])).authority.unwrap().budget,
        Some(2)
    );
    assert_eq!(kind(f.try_narrow(&p, grant(&["a", "b", "c"]))), "denied");
    assert_eq!(kind(f.try_narrow(&p, with(&["a"], budget(3)))), "denied");
}

#[test]
fn budget_is_unbounded_under_the_root() {
    let f = Fixture::new();
    let child = f.narrowed(&f.root, with(&["a"], budget(1000)));
    assert_eq!(child.authority.unwrap().budget, Some(1000));
}

fn ttl_limit(t: u32) -> DelegationConstraints {
    DelegationConstraints {
        ttl_seconds: Some(t),
        ..Default::default()
    }
}

#[test]
fn ttl_seconds_constraint_must_be_carried_and_not_exceeded() {
    let f = Fixture::new();
    let p = parent(&f, &["a"], ttl_limit(60));
    let child = f.narrowed(&p, with(&["a"], ttl_limit(30)));
    let a = child.authority.unwrap();
    assert_eq!(a.ttl_seconds, Some(30));
    // The defaulted edge TTL is clamped to the parent's limit.
    assert_eq!(a.expires_at_ms, Some(T0 + 60_000));
    f.narrowed(&p, with(&["a"], ttl_limit(60)));

    let err = f.try_narrow(&p, grant(&["a"])).unwrap_err();
    assert_eq!(
        err.kind(),
        "denied",
        "a child of a TTL-limited parent must set one"
    );
    assert_eq!(
        kind(f.try_narrow(&p, with(&["a"], ttl_limit(61)))),
        "denied"
    );
    assert_eq!(
        kind(f.try_narrow(&f.root, with(&["a"], ttl_limit(0)))),
        "invalid"
    );
}

#[test]
fn ttl_seconds_constraint_bounds_the_grant_ttl() {
    let f = Fixture::new();
    let p = parent(&f, &["a"], ttl_limit(60));
    let ok = NarrowGrant {
        ttl_seconds: Some(60),
        ..with(&["a"], ttl_limit(10))
    };
    assert_eq!(
        f.narrowed(&p, ok).authority.unwrap().expires_at_ms,
        Some(T0 + 60_000)
    );
    let too_long = NarrowGrant {
        ttl_seconds: Some(61),
        ..with(&["a"], ttl_limit(10))
    };
    assert_eq!(kind(f.try_narrow(&p, too_long)), "denied");
}

fn resources(list: &[&str]) -> DelegationConstraints {
    DelegationConstraints {
        resources: Some(list.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    }
}

fn at(resource: &str, g: NarrowGrant) -> NarrowGrant {
    NarrowGrant {
        resource_id: Some(resource.into()),
        ..g
    }
}

#[test]
fn resources_constraint_restricts_the_resource() {
    let f = Fixture::new();
    let p = parent(&f, &["r"], resources(&["tickets", "files/"]));
    for ok in ["tickets", "tickets/7", "files/a"] {
        let child = f.narrowed(&p, at(ok, grant(&["r"])));
        let a = child.authority.unwrap();
        assert_eq!(a.resource_id.as_deref(), Some(ok));
        assert_eq!(
            a.resources,
            Some(vec!["tickets".to_owned(), "files/".to_owned()]),
            "the list is inherited when not set"
        );
    }
    for bad in ["billing", "ticketsx", "files"] {
        assert_eq!(
            kind(f.try_narrow(&p, at(bad, grant(&["r"])))),
            "denied",
            "{bad}"
        );
    }
    // Naming no resource would cover them all.
    assert_eq!(kind(f.try_narrow(&p, grant(&["r"]))), "denied");
}

#[test]
fn resources_constraint_list_must_be_a_subset() {
    let f = Fixture::new();
    let p = parent(&f, &["r"], resources(&["tickets", "files/"]));
    let child = f.narrowed(
        &p,
        at("tickets", with(&["r"], resources(&["tickets", "files/x"]))),
    );
    assert_eq!(
        child.authority.unwrap().resources,
        Some(vec!["tickets".to_owned(), "files/x".to_owned()])
    );
    let wider = at("tickets", with(&["r"], resources(&["tickets", "billing"])));
    assert_eq!(kind(f.try_narrow(&p, wider)), "denied");
    let blank = at("tickets", with(&["r"], resources(&[""])));
    assert_eq!(kind(f.try_narrow(&p, blank)), "invalid");
}

fn calls(m: u64) -> DelegationConstraints {
    DelegationConstraints {
        max_calls: Some(m),
        ..Default::default()
    }
}

#[test]
fn max_calls_defaults_to_and_is_bounded_by_the_parents() {
    let f = Fixture::new();
    let p = parent(&f, &["a"], calls(100));
    assert_eq!(
        f.narrowed(&p, grant(&["a"])).authority.unwrap().max_calls,
        Some(100)
    );
    assert_eq!(
        f.narrowed(&p, with(&["a"], calls(100)))
            .authority
            .unwrap()
            .max_calls,
        Some(100)
    );
    assert_eq!(
        f.narrowed(&p, with(&["a"], calls(5)))
            .authority
            .unwrap()
            .max_calls,
        Some(5)
    );
    assert_eq!(kind(f.try_narrow(&p, with(&["a"], calls(101)))), "denied");
}

#[test]
fn max_calls_is_unmetered_unless_set() {
    let f = Fixture::new();
    assert_eq!(
        f.narrowed(&f.root, grant(&["a"]))
            .authority
            .unwrap()
            .max_calls,
        None
    );
    assert_eq!(
        f.narrowed(&f.root, with(&["a"], calls(7)))
            .authority
            .unwrap()
            .max_calls,
        Some(7)
    );
}
