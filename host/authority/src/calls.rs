//! Outbound-call checks against a context's authority: the resource it is
//! bound to, the scopes a call requires, and the `max_calls` meter.

use crate::error::{AuthorityError, denied};
use crate::grant::{Authority, Scopes};
use crate::rules::resource_within;

/// Whether `authority` (a context's effective authority; `None` for a
/// context spawned with `Grant::none`) covers a call to `resource_id` that
/// requires every scope in `required`. Refusals are `Denied` and name what
/// is missing.
pub fn check_call(
    authority: Option<&Authority>,
    resource_id: &str,
    required: &[String],
) -> Result<(), AuthorityError> {
    let Some(authority) = authority else {
        return Err(denied(format!(
            "the session holds no authority (grant none), so it may not call `{resource_id}`"
        )));
    };
    if let Some(bound) = &authority.resource_id
        && !resource_within(resource_id, bound)
    {
        return Err(denied(format!(
            "the session's authority is bound to `{bound}`, not `{resource_id}`"
        )));
    }
    let missing: Vec<&str> = required
        .iter()
        .filter(|scope| !authority.scopes.contains(scope))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let held = match &authority.scopes {
            Scopes::All => "every scope".to_owned(),
            Scopes::Only(set) if set.is_empty() => "no scope".to_owned(),
            Scopes::Only(set) => set.iter().cloned().collect::<Vec<_>>().join(", "),
        };
        return Err(denied(format!(
            "`{resource_id}` requires {}; the session holds {held}",
            missing.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn narrowed(scopes: &[&str], resource: Option<&str>) -> Authority {
        Authority {
            scopes: Scopes::Only(
                scopes
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<BTreeSet<_>>(),
            ),
            resource_id: resource.map(String::from),
            edge_id: Some("edge".into()),
            ..Authority::root()
        }
    }

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn root_authority_covers_every_call() {
        check_call(Some(&Authority::root()), "resource://x", &scopes(&["a:b"])).unwrap();
    }

    #[test]
    fn no_authority_covers_nothing() {
        let error = check_call(None, "resource://x", &[]).unwrap_err();
        assert_eq!(error.kind(), "denied");
        assert!(error.message().contains("grant none"));
    }

    #[test]
    fn the_resource_must_be_within_the_bound_one() {
        let authority = narrowed(&["t:read"], Some("resource://tickets"));
        check_call(Some(&authority), "resource://tickets", &scopes(&["t:read"])).unwrap();
        check_call(
            Some(&authority),
            "resource://tickets/eu",
            &scopes(&["t:read"]),
        )
        .unwrap();
        let error = check_call(Some(&authority), "resource://billing", &[]).unwrap_err();
        assert!(
            error.message().contains("bound to `resource://tickets`"),
            "{error}"
        );
    }

    #[test]
    fn every_required_scope_must_be_held() {
        let authority = narrowed(&["t:read"], None);
        let error = check_call(
            Some(&authority),
            "resource://t",
            &scopes(&["t:read", "t:write"]),
        )
        .unwrap_err();
        assert_eq!(
            error.message(),
            "`resource://t` requires t:write; the session holds t:read"
        );
    }
}
