//! The spawn and narrowing rules of DESIGN §3 as pure functions: no clock, no
//! state, no randomness (the caller passes `now_ms` and the new edge id).
//!
//! Every rule refuses with a typed [`AuthorityError`]; none silently widens.

mod intersect;

use std::collections::BTreeSet;

use crate::error::{AuthorityError, denied, invalid};
use crate::grant::{Authority, NarrowGrant, Scopes};
use crate::limits::{MAX_HOP, MAX_LABEL_CHARS, MAX_LABELS, MAX_TTL_SECONDS};
use crate::session::Lifecycle;

pub use intersect::intersect;

/// Trims every label and checks the count (≤ 32) and each length
/// (1..=64 characters after trimming); refusals are `Invalid` and name the
/// label's index.
pub fn normalize_labels(labels: Vec<String>) -> Result<Vec<String>, AuthorityError> {
    if labels.len() > MAX_LABELS {
        return Err(invalid(format!(
            "{} labels given; at most {MAX_LABELS} are allowed",
            labels.len()
        )));
    }
    labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            let trimmed = label.trim();
            let chars = trimmed.chars().count();
            if chars == 0 {
                Err(invalid(format!("label {i} is empty")))
            } else if chars > MAX_LABEL_CHARS {
                Err(invalid(format!(
                    "label {i} has {chars} characters; at most {MAX_LABEL_CHARS} are allowed"
                )))
            } else if trimmed.len() == label.len() {
                Ok(label)
            } else {
                Ok(trimmed.to_owned())
            }
        })
        .collect()
}

/// The session TTL in seconds for a spawn: `Some` for a task (requested, else
/// `default_ttl_seconds` clamped into range), `None` for a service. A task
/// TTL outside 1..=86400 and any TTL on a service are `Invalid`.
pub fn session_ttl(
    lifecycle: Lifecycle,
    ttl_seconds: Option<u32>,
    default_ttl_seconds: u32,
) -> Result<Option<u32>, AuthorityError> {
    match (lifecycle, ttl_seconds) {
        (Lifecycle::Service, Some(_)) => Err(invalid(
            "a service session has no TTL: it lives by its heartbeat lease",
        )),
        (Lifecycle::Service, None) => Ok(None),
        (Lifecycle::Task, Some(ttl)) if ttl == 0 || ttl > MAX_TTL_SECONDS => Err(invalid(format!(
            "ttl_seconds {ttl} is out of range 1..={MAX_TTL_SECONDS}"
        ))),
        (Lifecycle::Task, Some(ttl)) => Ok(Some(ttl)),
        (Lifecycle::Task, None) => Ok(Some(default_ttl_seconds.clamp(1, MAX_TTL_SECONDS))),
    }
}

/// Whether resource id `child` equals or narrows `parent`: equal, or `parent`
/// followed by `/` and more, or (when `parent` ends in `/`) any longer id
/// with `parent` as a prefix.
pub fn resource_within(child: &str, parent: &str) -> bool {
    match child.strip_prefix(parent) {
        Some("") => true,
        Some(rest) if parent.ends_with('/') => !rest.is_empty(),
        Some(rest) => rest.len() > 1 && rest.starts_with('/'),
        None => false,
    }
}

/// `now_ms + seconds`, saturating.
fn after(now_ms: u64, seconds: u32) -> u64 {
    now_ms.saturating_add(u64::from(seconds) * 1000)
}

/// The earlier of two optional instants (`None` = never).
pub(crate) fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Checks `grant` against the parent's authority and builds the new edge's
/// authority (id `edge_id`, hop = parent's + 1, capped at 10).
///
/// `session_end_ms` is when the session receiving the edge ends (its expiry,
/// or its nearest ancestor's for a service); the edge never outlives it.
/// Malformed grants are `Invalid`; anything wider than the parent is
/// `Denied`.
pub fn narrow(
    parent: &Authority,
    grant: &NarrowGrant,
    edge_id: String,
    now_ms: u64,
    session_end_ms: Option<u64>,
) -> Result<Authority, AuthorityError> {
    let scopes = check_shape(grant)?;
    let c = &grant.constraints;

    if parent.is_expired(now_ms) {
        return Err(denied("the parent's authority has expired"));
    }
    if let Some(scope) = scopes.iter().find(|s| !parent.scopes.contains(s)) {
        return Err(denied(format!("scope `{scope}` is not held by the parent")));
    }

    let resource_id = match (&parent.resource_id, &grant.resource_id) {
        (Some(p), None) => Some(p.clone()),
        (Some(p), Some(r)) if !resource_within(r, p) => {
            return Err(denied(format!(
                "resource `{r}` is not within the parent's resource `{p}`"
            )));
        }
        (_, r) => r.clone(),
    };
    let resources = narrow_resources(parent, resource_id.as_deref(), c.resources.as_ref())?;

    let max_hops = c.max_hops.unwrap_or(1);
    if let Some(p) = parent.max_hops {
        if p <= 1 {
            return Err(denied(format!(
                "the parent's delegation allows no further hops (max_hops {p})"
            )));
        }
        if max_hops > p - 1 {
            return Err(denied(format!(
                "max_hops {max_hops} exceeds the parent's remaining {}",
                p - 1
            )));
        }
    }

    if let Some(t) = parent.ttl_seconds {
        match c.ttl_seconds {
            None => {
                return Err(denied(format!(
                    "the parent limits sub-grants to {t}s: constraints.ttl_seconds must be set"
                )));
            }
            Some(ct) if ct > t => {
                return Err(denied(format!(
                    "constraints.ttl_seconds {ct} exceeds the parent's {t}"
                )));
            }
            Some(_) => {}
        }
        if let Some(g) = grant.ttl_seconds
            && g > t
        {
            return Err(denied(format!(
                "ttl_seconds {g} exceeds the parent's limit of {t}"
            )));
        }
    }

    let budget = c
        .budget
        .unwrap_or_else(|| u32::try_from(scopes.len()).unwrap_or(u32::MAX));
    if let Some(b) = parent.budget
        && budget > b
    {
        return Err(denied(format!(
            "budget {budget} exceeds the parent's budget {b}"
        )));
    }

    let max_calls = match (parent.max_calls, c.max_calls) {
        (Some(m), Some(n)) if n > m => {
            return Err(denied(format!("max_calls {n} exceeds the parent's {m}")));
        }
        (Some(m), None) => Some(m),
        (_, n) => n,
    };

    let expires_at_ms = match grant.ttl_seconds {
        Some(ttl) => {
            let at = after(now_ms, ttl);
            if let Some(pe) = parent.expires_at_ms
                && at > pe
            {
                return Err(denied(format!(
                    "expiry exceeds the parent's: a {ttl}s grant would outlive the parent's edge"
                )));
            }
            Some(at)
        }
        // Defaulted: the session's life, clamped to the parent's edge and to
        // the parent's TTL limit for sub-grants.
        None => earliest(
            parent.expires_at_ms,
            parent.ttl_seconds.map(|t| after(now_ms, t)),
        ),
    };

    Ok(Authority {
        edge_id: Some(edge_id),
        parent_edge_id: parent.edge_id.clone(),
        scopes: Scopes::Only(scopes),
        resource_id,
        expires_at_ms: earliest(expires_at_ms, session_end_ms),
        max_hops: Some(max_hops),
        budget: Some(budget),
        resources,
        ttl_seconds: c.ttl_seconds,
        max_calls,
        hop: parent.hop.saturating_add(1).min(MAX_HOP),
    })
}

/// The `Invalid` checks: a non-empty set of non-blank scopes, non-blank
/// resource ids, positive hop and TTL values.
fn check_shape(grant: &NarrowGrant) -> Result<BTreeSet<String>, AuthorityError> {
    if grant.scopes.is_empty() {
        return Err(invalid("a narrowed grant needs at least one scope"));
    }
    if let Some(i) = grant.scopes.iter().position(|s| s.trim().is_empty()) {
        return Err(invalid(format!("scope {i} is empty")));
    }
    if grant
        .resource_id
        .as_deref()
        .is_some_and(|r| r.trim().is_empty())
    {
        return Err(invalid("resource_id is empty"));
    }
    let c = &grant.constraints;
    if let Some(list) = &c.resources
        && let Some(i) = list.iter().position(|r| r.trim().is_empty())
    {
        return Err(invalid(format!("constraints.resources[{i}] is empty")));
    }
    if c.max_hops == Some(0) {
        return Err(invalid("constraints.max_hops must be at least 1"));
    }
    if c.ttl_seconds == Some(0) {
        return Err(invalid("constraints.ttl_seconds must be positive"));
    }
    if grant.ttl_seconds == Some(0) {
        return Err(invalid("ttl_seconds must be positive"));
    }
    Ok(grant.scopes.iter().cloned().collect())
}

/// The `resources` rule: with a parent list, the grant's resource must fall
/// within one of its entries and the child's own list (default: the
/// parent's) must be a subset of it.
fn narrow_resources(
    parent: &Authority,
    resource_id: Option<&str>,
    requested: Option<&Vec<String>>,
) -> Result<Option<Vec<String>>, AuthorityError> {
    let Some(allowed) = &parent.resources else {
        return Ok(requested.cloned());
    };
    let within = |r: &str| allowed.iter().any(|a| resource_within(r, a));
    match resource_id {
        None => {
            return Err(denied(
                "the parent restricts sub-grants to named resources: resource_id must be set",
            ));
        }
        Some(r) if !within(r) => {
            return Err(denied(format!(
                "resource `{r}` is not among the parent's delegable resources"
            )));
        }
        Some(_) => {}
    }
    match requested {
        None => Ok(Some(allowed.clone())),
        Some(list) => match list.iter().find(|r| !within(r)) {
            Some(r) => Err(denied(format!(
                "constraints.resources names `{r}`, which is not among the parent's delegable resources"
            ))),
            None => Ok(Some(list.clone())),
        },
    }
}
