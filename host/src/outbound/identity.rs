//! Who is calling: the session named by a host-minted bearer, or the
//! store's root context when the request carries no `authorization` or the
//! app's own (see [`identify`]).

use super::Denial;
use crate::token::TokenSigner;
use caracal_authority::SessionId;
use http::HeaderMap;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The sessions one component holds a handle to (and its root context):
/// the only ones whose bearer it may present. Shared between the
/// component's Caracal state, which adds and releases handles, and its
/// outbound hooks, which read it. A session leaves when the component's
/// last handle to it is dropped, so a component that spawns and closes in
/// a loop holds no more here than it has open.
#[derive(Debug, Default)]
pub struct HeldSessions(Mutex<HashMap<SessionId, u32>>);

impl HeldSessions {
    /// Records that the component was handed a handle to `id`.
    pub fn insert(&self, id: SessionId) {
        *self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id)
            .or_default() += 1;
    }

    /// Records that the component dropped a handle to `id`.
    pub fn release(&self, id: &SessionId) {
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(id) {
            *count -= 1;
            if *count == 0 {
                held.remove(id);
            }
        }
    }

    /// Whether the component holds a handle to `id`.
    pub fn contains(&self, id: &SessionId) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(id)
    }

    /// How many sessions the component holds handles to.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The caller of one outbound request.
#[derive(Debug)]
pub(crate) struct Caller {
    /// The session whose authority the request uses.
    pub(crate) session: SessionId,
    /// The `authorization` is the app's own (a credential it keeps, e.g.
    /// in a Spin variable), not the host's: a plain allow-listed request
    /// passes it on; a resource route replaces it.
    pub(crate) own_authorization: bool,
}

/// Identifies the caller. A request without `authorization` acts for the
/// root context, and so does one whose `authorization` is the app's own
/// business (anything that does not look host-minted: `Basic …`, an API
/// key, another issuer's token). A bearer that looks host-minted (it names
/// this host's key or issuer) must be one valid token for a session this
/// component holds, else the request is refused: a guest cannot pose as
/// another session, even with a token it somehow obtained, or forge one.
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
            own_authorization: false,
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
        .and_then(|v| {
            v.get(..7)
                .filter(|s| s.eq_ignore_ascii_case("bearer "))
                .map(|_| &v[7..])
        })
        .map(str::trim)
        .filter(|token| looks_host_minted(token, signer));
    let Some(token) = token else {
        return Ok(Caller {
            session: root.clone(),
            own_authorization: true,
        });
    };
    let claims = signer
        .verify(token.trim(), now_secs)
        .map_err(|e| Denial::Identity(format!("bearer token refused: {e}")))?;
    if claims.token_use != crate::token::USE_SESSION {
        return Err(Denial::Identity(format!(
            "the bearer is a `{}` token; a request carries a session token (`use=session`)",
            claims.token_use
        )));
    }
    let session = match &claims.agent_session_id {
        Some(session) => SessionId::from(session.as_str()),
        // A root token speaks for the application: this store's root.
        None => root.clone(),
    };
    if session != *root && !held.contains(&session) {
        return Err(Denial::Identity(format!(
            "the bearer names session `{session}`, which this agent does not hold"
        )));
    }
    Ok(Caller {
        session,
        own_authorization: false,
    })
}

/// Whether `token` claims to be this host's: its header names the host's
/// key, or its payload the host's issuer.
fn looks_host_minted(token: &str, signer: &TokenSigner) -> bool {
    use base64::Engine as _;
    if crate::token::token_key_id(token).is_some_and(|kid| signer.knows_key(&kid)) {
        return true;
    }
    token
        .split('.')
        .nth(1)
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .ok()
        })
        .and_then(|payload| serde_json::from_slice::<serde_json::Value>(&payload).ok())
        .is_some_and(|claims| claims["iss"] == signer.issuer())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_held_until_its_last_handle_is_released() {
        let held = HeldSessions::default();
        let (a, b) = (SessionId::from("a"), SessionId::from("b"));
        held.insert(a.clone());
        held.insert(a.clone()); // a second handle (attach)
        held.insert(b.clone());
        held.release(&a);
        assert!(held.contains(&a), "one handle to `a` is still open");
        held.release(&a);
        held.release(&b);
        assert!(!held.contains(&a) && !held.contains(&b));
        assert!(held.is_empty());
        // A release without a handle changes nothing.
        held.release(&a);
        assert!(held.is_empty());
    }

    #[test]
    fn spawning_and_closing_in_a_loop_holds_nothing_more() {
        let held = HeldSessions::default();
        for n in 0..10_000 {
            let id = SessionId::from(format!("s{n}").as_str());
            held.insert(id.clone());
            held.release(&id);
        }
        assert_eq!(held.len(), 0);
    }
}
