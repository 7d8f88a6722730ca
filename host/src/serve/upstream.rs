//! Upstream sessions bound as local ones: a request carrying a verified
//! token of a trusted issuer runs under a local task session that holds
//! exactly what the token grants (its scopes, at its one target resource),
//! lives no longer than the token, and is labelled with the upstream
//! session it stands for. Its outbound calls are governed like any
//! session's, so they are narrowed by the token, never widened.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use caracal_authority::{
    DelegationConstraints, Engine, Grant, Lifecycle, NarrowGrant, SessionId, SpawnRequest,
};

use crate::token::TokenClaims;

/// Most upstream sessions bound at once before the oldest binding state
/// starts over.
const LIMIT: usize = 4096;

/// One bound upstream session: the local root it runs under (one per
/// upstream session, so the application root's child limit does not
/// bound how many callers there are) and the local session.
#[derive(Debug, Clone)]
struct Bound {
    root: SessionId,
    session: SessionId,
}

/// The upstream sessions bound so far, by what their tokens grant.
#[derive(Debug, Default)]
pub(crate) struct UpstreamSessions {
    bound: Mutex<HashMap<String, Bound>>,
}

impl UpstreamSessions {
    /// The local session for a verified upstream token: the one bound for
    /// the same upstream session and grant while it lives, else a new one.
    pub(crate) fn bind(
        &self,
        authority: &Engine,
        claims: &TokenClaims,
        now_secs: u64,
    ) -> Result<SessionId, String> {
        let mut scopes: Vec<&str> = claims.scopes().collect();
        scopes.sort_unstable();
        scopes.dedup();
        let mut targets: Vec<&str> = claims.target.iter().map(String::as_str).collect();
        targets.sort_unstable();
        let key = [
            claims.iss.as_str(),
            &claims.zone_id,
            &claims.client_id,
            &claims.sid,
            claims.agent_session_id.as_deref().unwrap_or("-"),
            claims.delegation_edge_id.as_deref().unwrap_or("-"),
            &scopes.join(" "),
            &targets.join(" "),
        ]
        .join("\n");
        let mut bound = self.bound.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = bound.get(&key) {
            if authority.check_live(&existing.session).is_ok() {
                return Ok(existing.session.clone());
            }
            authority.close_root(&existing.root);
            bound.remove(&key);
        }
        if bound.len() >= LIMIT {
            for (_, old) in bound.drain() {
                authority.close_root(&old.root);
            }
        }
        let ttl = claims
            .exp
            .saturating_sub(now_secs)
            .clamp(1, u64::from(caracal_authority::MAX_TTL_SECONDS));
        let ttl = u32::try_from(ttl).unwrap_or(caracal_authority::MAX_TTL_SECONDS);
        let grant = match (scopes.is_empty(), targets.as_slice()) {
            // Nothing granted: no authority at all.
            (true, []) => Grant::None,
            (_, targets) => Grant::Narrow(NarrowGrant {
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                resource_id: match targets {
                    [one] => Some((*one).to_owned()),
                    _ => None,
                },
                constraints: DelegationConstraints::default(),
                ttl_seconds: Some(ttl),
            }),
        };
        let label = |prefix: &str, value: &str| {
            let mut label = format!("{prefix}{value}");
            label.truncate(64);
            label
        };
        let labels = vec![
            "upstream".to_owned(),
            label("upstream-client:", &claims.client_id),
            label(
                "upstream-session:",
                claims.agent_session_id.as_deref().unwrap_or(&claims.sid),
            ),
            label("upstream-hop:", &claims.hop_count.to_string()),
        ];
        let root = authority.open_root();
        let spawned = authority.spawn(
            &root,
            SpawnRequest {
                lifecycle: Lifecycle::Task,
                labels,
                grant,
                ttl_seconds: Some(ttl),
            },
        );
        let session = match spawned {
            Ok(view) => view.id,
            Err(error) => {
                authority.close_root(&root);
                return Err(format!("cannot bind the upstream session: {error}"));
            }
        };
        tracing::info!(
            %session,
            issuer = %claims.iss,
            upstream_session = claims.agent_session_id.as_deref().unwrap_or(&claims.sid),
            hop = claims.hop_count,
            scope = %claims.scope,
            "an upstream session is bound"
        );
        bound.insert(
            key,
            Bound {
                root,
                session: session.clone(),
            },
        );
        Ok(session)
    }

    /// Closes every bound session's root (when serving stops).
    pub(crate) fn close_all(&self, authority: &Engine) {
        let mut bound = self.bound.lock().unwrap_or_else(PoisonError::into_inner);
        for (_, old) in bound.drain() {
            authority.close_root(&old.root);
        }
    }
}
