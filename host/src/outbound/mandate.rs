//! Resource mandates on gateway-routed requests: minted per session and
//! resource from the session's projection, cached until they near expiry,
//! and carried as the request's credential (so the answer is masked of
//! them like any credential).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use caracal_authority::{Engine, SessionId, SessionView};

use super::redact::CredentialForms;
use super::route::Credential;
use crate::projection::Projection;
use crate::token::TokenSigner;

/// Sessions whose projection (gateway envelope, mandates) is kept at once.
const CACHE_LIMIT: usize = 4096;

/// Per-session projections and the mandates minted from them.
#[derive(Debug, Default)]
pub(crate) struct Mandates {
    projections: Mutex<HashMap<SessionId, Projection>>,
    /// By session and resource: when to mint again (unix seconds), and
    /// the mandate. A cached one costs this map's lock alone.
    minted: Mutex<HashMap<(SessionId, String), (u64, Credential)>>,
}

impl Mandates {
    /// Runs `f` on `view`'s projection, made on first use. A crude bound:
    /// the cache starts over rather than track recency.
    pub(crate) fn with_projection<T>(
        &self,
        engine: &Engine,
        signer: &TokenSigner,
        view: &SessionView,
        f: impl FnOnce(&mut Projection) -> T,
    ) -> T {
        let mut projections = self
            .projections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if projections.len() >= CACHE_LIMIT && !projections.contains_key(&view.id) {
            projections.clear();
        }
        f(projections
            .entry(view.id.clone())
            .or_insert_with(|| Projection::new(engine, signer, view)))
    }

    /// `Authorization: Bearer <mandate>` for `view`'s session at
    /// `resource_id`, minted when none is cached or the cached one nears
    /// expiry.
    pub(crate) fn credential(
        &self,
        engine: &Engine,
        signer: &TokenSigner,
        view: &SessionView,
        resource_id: &str,
        resource_scopes: &[String],
        now_ms: u64,
    ) -> Credential {
        let key = (view.id.clone(), resource_id.to_owned());
        let now_secs = now_ms / 1000;
        let cached = self
            .minted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .filter(|(renew_at, _)| now_secs < *renew_at)
            .map(|(_, credential)| credential.clone());
        if let Some(credential) = cached {
            return credential;
        }
        let (credential, renew_at) = self.with_projection(engine, signer, view, |projection| {
            let (bearer, exp) = projection.mandate(signer, resource_id, resource_scopes, now_ms);
            (mandate_credential(&bearer), projection.renew_at(exp))
        });
        let mut minted = self.minted.lock().unwrap_or_else(PoisonError::into_inner);
        if minted.len() >= CACHE_LIMIT {
            minted.clear();
        }
        minted.insert(key, (renew_at, credential.clone()));
        credential
    }
}

fn mandate_credential(bearer: &str) -> Credential {
    let mut value = http::HeaderValue::from_str(bearer).expect("a JWT is a header value");
    value.set_sensitive(true);
    let token = bearer.strip_prefix("Bearer ").unwrap_or(bearer);
    Credential {
        header: http::header::AUTHORIZATION,
        value,
        forms: Arc::new(CredentialForms::new(bearer, token)),
    }
}
