//! Who is calling: the session named by a host-minted bearer, or the
//! store's root context when the request carries no `authorization`.

use super::Denial;
use crate::token::TokenSigner;
use caracal_authority::SessionId;
use http::HeaderMap;
use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

/// The sessions one component holds (or held) a handle to: the only ones
/// whose bearer it may present. Shared between the component's Caracal
/// state, which adds to it, and its outbound hooks, which read it.
#[derive(Debug, Default)]
pub struct HeldSessions(Mutex<HashSet<SessionId>>);

impl HeldSessions {
    /// Records that the component was handed `id`.
    pub fn insert(&self, id: SessionId) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
    }

    /// Whether the component was ever handed `id`.
    pub fn contains(&self, id: &SessionId) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(id)
    }
}

/// The caller of one outbound request.
#[derive(Debug)]
pub(crate) struct Caller {
    /// The session whose authority the request uses.
    pub(crate) session: SessionId,
}

/// Identifies the caller. A request without `authorization` acts for the
/// root context; anything but one valid, host-minted `Bearer` token for a
/// session this component holds is refused, so a guest cannot pose as
/// another session (even with a token it somehow obtained) or smuggle its
/// own credential past the host.
pub(crate) fn identify(
    headers: &HeaderMap,
    root: &SessionId,
    held: &HeldSessions,
    signer: &TokenSigner,
    now_secs: u64,
) -> Result<Caller, Denial> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(Caller {
            session: root.clone(),
        });
    };
    if values.next().is_some() {
        return Err(Denial::Identity(
            "more than one authorization header".into(),
        ));
    }
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| Denial::Identity("an authorization header the host did not mint".into()))?;
    let claims = signer
        .verify(token.trim(), now_secs)
        .map_err(|e| Denial::Identity(format!("bearer token refused: {e}")))?;
    let session = match &claims.sid {
        Some(sid) => SessionId::from(sid.as_str()),
        // A root token speaks for the application: this store's root.
        None => root.clone(),
    };
    if session != *root && !held.contains(&session) {
        return Err(Denial::Identity(format!(
            "the bearer names session `{session}`, which this agent does not hold"
        )));
    }
    Ok(Caller { session })
}
