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
        let cached = self
            .minted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        let (credential, exp) = self.with_projection(engine, signer, view, |projection| {
            if let Some((exp, credential)) = cached
                && !projection.mandate_stale(exp, now_ms)
            {
                return (credential, None);
            }
            let (bearer, exp) = projection.mandate(signer, resource_id, resource_scopes, now_ms);
            (mandate_credential(&bearer), Some(exp))
        });
        if let Some(exp) = exp {
            let mut minted = self.minted.lock().unwrap_or_else(PoisonError::into_inner);
            if minted.len() >= CACHE_LIMIT {
                minted.clear();
            }
            minted.insert(key, (exp, credential.clone()));
        }
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
