//! The inbound boundary: what a request must carry before the component
//! sees it, and which session becomes the request's context.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use caracal_authority::{Engine, SessionId};
use caracal_envelope::{Baggage, Envelope, TraceParent};
use ed25519_dalek::VerifyingKey;
use http::HeaderMap;

use crate::token::{TokenSigner, token_key_id, verify_with_key};

/// How a served request's context is bound.
#[derive(Clone, Debug)]
pub enum InboundMode {
    /// The default: a bearer token is required and verified (this host's
    /// key, or a key of [`TrustedKeys`]), and its live session becomes the
    /// request's context. Missing ⇒ 401 `missing_token`; anything else
    /// wrong ⇒ 401 `invalid_token`.
    Verify(TrustedKeys),
    /// `--as-application`: every request runs under this application root
    /// context, whatever it carries.
    AsApplication(SessionId),
    /// `--trusted-propagation`: a verifier in front of the host already
    /// checked the request (as the upstream middleware assumes); the
    /// envelope's session is bound without verifying the token, and a
    /// request without one runs under the application root given.
    TrustedPropagation(SessionId),
}

/// Public keys of other hosts whose tokens this host accepts, by `kid`
/// (read from their JWK Sets).
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys(Arc<Vec<(String, VerifyingKey)>>);

impl TrustedKeys {
    /// The Ed25519 (`OKP`) keys of a JWK Set; any other key is refused
    /// with a message naming it.
    pub fn from_jwks(jwks: &serde_json::Value) -> Result<TrustedKeys, String> {
        let keys = jwks
            .get("keys")
            .and_then(|k| k.as_array())
            .ok_or("a JWK Set needs a `keys` array")?;
        let mut out = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let field = |name: &str| key.get(name).and_then(|v| v.as_str());
            if field("kty") != Some("OKP") || field("crv") != Some("Ed25519") {
                return Err(format!("key {i}: only OKP Ed25519 keys are supported"));
            }
            let kid = field("kid").ok_or(format!("key {i}: missing `kid`"))?;
            let x = field("x").ok_or(format!("key {i}: missing `x`"))?;
            let bytes: [u8; 32] = URL_SAFE_NO_PAD
                .decode(x)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or(format!("key {i}: `x` is not 32 base64url bytes"))?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|e| format!("key {i}: not an Ed25519 public key: {e}"))?;
            out.push((kid.to_owned(), key));
        }
        Ok(TrustedKeys(Arc::new(out)))
    }

    fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.0.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
    }
}

/// A refused request: HTTP 401 with an OAuth-style error body.
#[derive(Debug)]
pub(crate) struct Rejection {
    /// `missing_token` or `invalid_token`.
    pub(crate) code: &'static str,
    /// Why, for the client.
    pub(crate) description: String,
}

impl Rejection {
    fn missing(description: impl Into<String>) -> Rejection {
        Rejection {
            code: "missing_token",
            description: description.into(),
        }
    }

    fn invalid(description: impl Into<String>) -> Rejection {
        Rejection {
            code: "invalid_token",
            description: description.into(),
        }
    }
}

/// Most entries a [`Verified`] cache holds before it starts over.
const CACHE_LIMIT: usize = 4096;

/// What the boundary already worked out, so a caller presenting the same
/// token again (every request of a session, until its token is re-minted)
/// costs two map lookups, not an Ed25519 verification and a projection.
/// Expiry and liveness are still checked on every request.
#[derive(Debug, Default)]
pub(crate) struct Verified {
    /// Verified token → (its session, its `exp` in unix seconds).
    tokens: Mutex<HashMap<String, (SessionId, u64)>>,
    /// Session → (its `caracal.*` baggage, its trace id).
    envelopes: Mutex<HashMap<SessionId, (Baggage, [u8; 16])>>,
}

fn bounded_insert<K: std::hash::Hash + Eq, V>(map: &Mutex<HashMap<K, V>>, key: K, value: V) {
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    if map.len() >= CACHE_LIMIT {
        map.clear();
    }
    map.insert(key, value);
}

/// The session a request with `headers` runs under, or why it is refused.
pub(crate) fn bind(
    mode: &InboundMode,
    headers: &HeaderMap,
    signer: &TokenSigner,
    authority: &Engine,
    verified: &Verified,
) -> Result<SessionId, Rejection> {
    match mode {
        InboundMode::AsApplication(root) => Ok(root.clone()),
        InboundMode::TrustedPropagation(root) => {
            let pairs = headers
                .iter()
                .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)));
            let envelope = Envelope::decode(pairs);
            match envelope.caracal.agent_session.as_deref() {
                None => Ok(root.clone()),
                Some(id) => {
                    let session = SessionId::from(id);
                    authority
                        .check_live(&session)
                        .map(|()| session)
                        .map_err(|e| Rejection::invalid(e.message().to_owned()))
                }
            }
        }
        InboundMode::Verify(trusted) => {
            let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
            let value = values
                .next()
                .ok_or_else(|| Rejection::missing("the request carries no bearer token"))?;
            if values.next().is_some() {
                return Err(Rejection::invalid("more than one authorization header"));
            }
            let token = value
                .to_str()
                .ok()
                // The scheme is case-insensitive (RFC 9110 §11.1).
                .and_then(|v| {
                    v.get(..7)
                        .filter(|scheme| scheme.eq_ignore_ascii_case("bearer "))
                        .map(|_| &v[7..])
                })
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| Rejection::invalid("expected `Authorization: Bearer <token>`"))?;
            let now_secs = authority.clock().now_ms() / 1000;
            let known = verified
                .tokens
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(token)
                .cloned();
            if let Some((session, exp)) = known
                && exp > now_secs
            {
                return authority
                    .check_live(&session)
                    .map(|()| session)
                    .map_err(|e| Rejection::invalid(e.message().to_owned()));
            }
            let claims = match token_key_id(token) {
                Some(kid) if kid == signer.key_id() => signer.verify(token, now_secs),
                Some(kid) => match trusted.get(&kid) {
                    Some(key) => verify_with_key(key, token, now_secs),
                    None => return Err(Rejection::invalid(format!("unknown signing key `{kid}`"))),
                },
                None => return Err(Rejection::invalid("the token names no signing key")),
            }
            .map_err(|e| Rejection::invalid(e.to_string()))?;
            let session = claims.sid.map(SessionId::from).ok_or_else(|| {
                Rejection::invalid(
                    "the token is an application root token; a session token is needed",
                )
            })?;
            authority
                .check_live(&session)
                .map_err(|e| Rejection::invalid(e.message().to_owned()))?;
            bounded_insert(
                &verified.tokens,
                token.to_owned(),
                (session.clone(), claims.exp),
            );
            Ok(session)
        }
    }
}

/// Makes the envelope the component sees agree with the bound session: the
/// `caracal.*` baggage members are replaced by the session's own (other
/// members kept), and a request without a `traceparent` gets one in the
/// session's trace. A caller cannot make the component believe it acts
/// for a session, delegation or hop its token does not carry.
pub(crate) fn bind_envelope(
    headers: &mut HeaderMap,
    authority: &Engine,
    session: &SessionId,
    verified: &Verified,
) {
    let known = verified
        .envelopes
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(session)
        .cloned();
    let (ours, trace_id) = match known {
        Some(known) => known,
        None => {
            let Ok(view) = authority.view(session) else {
                return;
            };
            if view.is_root {
                return;
            }
            let projection = crate::projection::Projection::new(&view);
            let ours = Baggage::parse(projection.baggage()).unwrap_or_default();
            let entry = (ours, projection.trace_id());
            bounded_insert(&verified.envelopes, session.clone(), entry.clone());
            entry
        }
    };
    let mut baggage = headers
        .get(http::header::HeaderName::from_static("baggage"))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Baggage::parse(v).ok())
        .unwrap_or_default();
    baggage.retain(|key| !key.starts_with("caracal."));
    for (key, value) in ours.iter() {
        baggage.insert(key, value);
    }
    if let Ok(value) = http::HeaderValue::from_str(&baggage.to_header()) {
        headers.insert(http::header::HeaderName::from_static("baggage"), value);
    }
    let traceparent = http::header::HeaderName::from_static("traceparent");
    let valid = headers
        .get(&traceparent)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| TraceParent::parse(v).is_ok());
    if !valid {
        let mut span = [0u8; 8];
        let _ = getrandom::fill(&mut span);
        span[0] |= 1;
        let trace = TraceParent {
            trace_id,
            span_id: span,
            flags: 1,
        };
        if let Ok(value) = http::HeaderValue::from_str(&trace.to_header()) {
            headers.insert(traceparent, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use caracal_authority::{Clock as _, EngineConfig, ManualClock, SpawnRequest};

    use super::*;
    use crate::token::TokenClaims;

    /// An engine on a manual clock with one live task under a root, and a
    /// token this host minted for it (valid 300 s).
    fn fixture() -> (Engine, ManualClock, TokenSigner, SessionId, String) {
        let clock = ManualClock::new(1_000_000_000_000);
        let authority = Engine::new(EngineConfig::default(), Arc::new(clock.clone()));
        let root = authority.open_root();
        let session = authority.spawn(&root, SpawnRequest::task()).unwrap().id;
        let signer = TokenSigner::generate();
        let now = clock.now_ms() / 1000;
        let token = signer.mint(&TokenClaims {
            iss: crate::token::ISSUER.to_owned(),
            sub: session.to_string(),
            zone: "local".to_owned(),
            app: "default".to_owned(),
            sid: Some(session.to_string()),
            did: None,
            pdid: None,
            hop: 0,
            iat: now,
            exp: now + 300,
            jti: "test".to_owned(),
        });
        (authority, clock, signer, session, token)
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        headers
    }

    #[test]
    fn a_verified_token_is_remembered_and_still_checked_for_expiry_and_liveness() {
        let (authority, clock, signer, session, token) = fixture();
        let mode = InboundMode::Verify(TrustedKeys::default());
        let verified = Verified::default();

        let bound = bind(&mode, &bearer(&token), &signer, &authority, &verified).unwrap();
        assert_eq!(bound, session);
        let cached = verified.tokens.lock().unwrap().get(&token).cloned();
        assert_eq!(cached.map(|(s, _)| s), Some(session.clone()));
        assert_eq!(
            bind(&mode, &bearer(&token), &signer, &authority, &verified).unwrap(),
            session
        );

        clock.advance(Duration::from_secs(301));
        let expired = bind(&mode, &bearer(&token), &signer, &authority, &verified).unwrap_err();
        assert_eq!(expired.code, "invalid_token");
    }

    #[test]
    fn a_remembered_token_of_a_closed_session_is_refused() {
        let (authority, _clock, signer, session, token) = fixture();
        let mode = InboundMode::Verify(TrustedKeys::default());
        let verified = Verified::default();
        bind(&mode, &bearer(&token), &signer, &authority, &verified).unwrap();

        authority.close(&session).unwrap();
        let refused = bind(&mode, &bearer(&token), &signer, &authority, &verified).unwrap_err();
        assert_eq!(refused.code, "invalid_token");
    }
}
