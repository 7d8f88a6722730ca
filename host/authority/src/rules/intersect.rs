//! The effective authority of a context presenting several edges: their
//! intersection (DESIGN §3, issue 5).

use crate::error::{AuthorityError, denied};
use crate::grant::{Authority, Scopes};

use super::resource_within;

/// The intersection of the authority a context already holds (`held`) and
/// an edge it now presents (`edge`): scopes in both, the narrower resource,
/// the earliest expiry and the tightest of every bound (`max_hops`,
/// `budget`, `ttl_seconds`, `max_calls`, the delegable `resources`). The
/// result names `edge` (its id, parent and hop): it is the edge the context
/// presents in its envelope.
///
/// With the application's own authority as `held` the result is `edge`
/// unchanged. Refused (`Denied`) when nothing would be left: no scope in
/// common, or resources that do not overlap.
pub fn intersect(held: &Authority, edge: &Authority) -> Result<Authority, AuthorityError> {
    let scopes = match (&held.scopes, &edge.scopes) {
        (Scopes::All, s) | (s, Scopes::All) => s.clone(),
        (Scopes::Only(a), Scopes::Only(b)) => Scopes::Only(a.intersection(b).cloned().collect()),
    };
    if matches!(&scopes, Scopes::Only(set) if set.is_empty()) {
        return Err(denied(
            "the receiver holds none of the delegated scopes: the intersection of its edges would be empty",
        ));
    }
    let resource_id = match (&held.resource_id, &edge.resource_id) {
        (None, r) | (r, None) => r.clone(),
        (Some(a), Some(b)) if resource_within(b, a) => Some(b.clone()),
        (Some(a), Some(b)) if resource_within(a, b) => Some(a.clone()),
        (Some(a), Some(b)) => {
            return Err(denied(format!(
                "the delegation's resource `{b}` does not overlap the receiver's `{a}`"
            )));
        }
    };
    let resources = match (&held.resources, &edge.resources) {
        (None, r) | (r, None) => r.clone(),
        (Some(a), Some(b)) => Some(common_resources(a, b)),
    };
    Ok(Authority {
        edge_id: edge.edge_id.clone(),
        parent_edge_id: edge.parent_edge_id.clone(),
        scopes,
        resource_id,
        expires_at_ms: tighter(held.expires_at_ms, edge.expires_at_ms),
        max_hops: tighter(held.max_hops, edge.max_hops),
        budget: tighter(held.budget, edge.budget),
        resources,
        ttl_seconds: tighter(held.ttl_seconds, edge.ttl_seconds),
        max_calls: tighter(held.max_calls, edge.max_calls),
        hop: edge.hop,
    })
}

/// The smaller of two optional bounds (`None` = unbounded).
fn tighter<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The entries of either list that fall within an entry of the other, in
/// order, without duplicates.
fn common_resources(a: &[String], b: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let pairs = [(a, b), (b, a)];
    for (list, other) in pairs {
        for r in list {
            if other.iter().any(|o| resource_within(r, o)) && !out.contains(r) {
                out.push(r.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(scopes: &[&str]) -> Scopes {
        Scopes::Only(scopes.iter().map(|s| s.to_string()).collect())
    }

    fn edge(id: &str, scopes: &[&str]) -> Authority {
        Authority {
            edge_id: Some(id.into()),
            scopes: only(scopes),
            ..Authority::root()
        }
    }

    #[test]
    fn root_authority_leaves_the_edge_unchanged() {
        let e = Authority {
            expires_at_ms: Some(5),
            max_hops: Some(2),
            hop: 3,
            ..edge("e", &["a"])
        };
        assert_eq!(intersect(&Authority::root(), &e).unwrap(), e);
    }

    #[test]
    fn bounds_take_the_tightest_and_the_edge_names_the_result() {
        let held = Authority {
            expires_at_ms: Some(10),
            max_hops: Some(2),
            budget: Some(9),
            max_calls: Some(3),
            resource_id: Some("t".into()),
            resources: Some(vec!["t/1".into(), "x".into()]),
            hop: 1,
            ..edge("held", &["a", "b"])
        };
        let e = Authority {
            parent_edge_id: Some("p".into()),
            expires_at_ms: Some(20),
            max_hops: Some(5),
            budget: Some(1),
            ttl_seconds: Some(7),
            resource_id: Some("t/1".into()),
            resources: Some(vec!["t/".into()]),
            hop: 4,
            ..edge("e", &["b", "c"])
        };
        let both = intersect(&held, &e).unwrap();
        assert_eq!(both.edge_id.as_deref(), Some("e"));
        assert_eq!(both.parent_edge_id.as_deref(), Some("p"));
        assert_eq!(both.hop, 4);
        assert_eq!(both.scopes, only(&["b"]));
        assert_eq!(both.resource_id.as_deref(), Some("t/1"));
        assert_eq!(both.resources, Some(vec!["t/1".to_owned()]));
        assert_eq!(both.expires_at_ms, Some(10));
        assert_eq!(both.max_hops, Some(2));
        assert_eq!(both.budget, Some(1));
        assert_eq!(both.ttl_seconds, Some(7));
        assert_eq!(both.max_calls, Some(3));
    }

    #[test]
    fn nothing_in_common_is_refused() {
        let err = intersect(&edge("a", &["x"]), &edge("b", &["y"])).unwrap_err();
        assert_eq!(err.kind(), "denied");
        let held = Authority {
            resource_id: Some("crm".into()),
            ..edge("a", &["x"])
        };
        let e = Authority {
            resource_id: Some("tickets".into()),
            ..edge("b", &["x"])
        };
        let err = intersect(&held, &e).unwrap_err();
        assert!(err.message().contains("does not overlap"), "{err}");
    }
}
