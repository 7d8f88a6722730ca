//! The inbound boundary: what a request must carry before the component
//! sees it, and which session becomes the request's context.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use caracal_authority::{Engine, SessionId};
use caracal_envelope::{Baggage, Envelope, TraceParent};
use http::HeaderMap;

use super::trusted_issuer::TrustedIssuer;
use super::upstream::UpstreamSessions;
use crate::token::{PublicKey, TokenSigner, decode_token, keys_of_jwks, token_key_id};

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

/// Whose tokens this host accepts besides its own: keys of other hosts by
/// `kid` (read from their JWK Sets, `--trust-jwks`), and upstream issuers
/// (`--trust-issuer`) whose sessions are bound as local ones.
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys {
    keys: Arc<Vec<PublicKey>>,
    issuers: Vec<Arc<TrustedIssuer>>,
    /// The local sessions verified upstream sessions are bound as.
    upstream: Arc<UpstreamSessions>,
}

impl TrustedKeys {
    /// The keys of a JWK Set (EC P-256 for ES256, OKP Ed25519 for EdDSA);
    /// any other key is refused with a message naming it.
    pub fn from_jwks(jwks: &serde_json::Value) -> Result<TrustedKeys, String> {
        Ok(TrustedKeys {
            keys: Arc::new(keys_of_jwks(jwks)?),
            ..TrustedKeys::default()
        })
    }

    /// Also accepts `issuer`'s tokens; each verified upstream session is
    /// bound as a local session holding what its token grants, no more.
    pub fn with_issuer(mut self, issuer: Arc<TrustedIssuer>) -> TrustedKeys {
        self.issuers.push(issuer);
        self
    }

    /// Ends the local sessions upstream sessions were bound as (when
    /// serving stops).
    pub fn close_upstream_sessions(&self, authority: &Engine) {
        self.upstream.close_all(authority);
    }

    fn get(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|key| key.kid() == kid)
    }

    /// The trusted issuer `token` says issued it (its unverified `iss`).
    fn issuer_of(&self, token: &str) -> Option<&Arc<TrustedIssuer>> {
        if self.issuers.is_empty() {
            return None;
        }
        let iss = unverified_issuer(token)?;
        self.issuers.iter().find(|issuer| issuer.url() == iss)
    }
}

/// The `iss` of a token's payload, unverified (only to pick the issuer
/// whose keys then verify it).
fn unverified_issuer(token: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
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
pub(crate) async fn bind(
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
            if let Some(issuer) = trusted.issuer_of(token) {
                let claims = issuer
                    .verify(token, now_secs)
                    .await
                    .map_err(|e| Rejection::invalid(e.to_string()))?;
                let session = trusted
                    .upstream
                    .bind(authority, &claims, now_secs)
                    .map_err(Rejection::invalid)?;
                bounded_insert(
                    &verified.tokens,
                    token.to_owned(),
                    (
                        session.clone(),
                        claims.exp + crate::token::VERIFY_LEEWAY_SECONDS,
                    ),
                );
                return Ok(session);
            }
            let claims = match token_key_id(token) {
                Some(kid) if signer.knows_key(&kid) => signer
                    .verify(token, now_secs)
                    .map(|claims| (*claims).clone()),
                Some(kid) => match trusted.get(&kid) {
                    Some(key) => decode_token(std::slice::from_ref(key), token).and_then(|c| {
                        if c.exp <= now_secs {
                            Err(crate::token::TokenError::Expired)
                        } else {
                            Ok(c)
                        }
                    }),
                    None => return Err(Rejection::invalid(format!("unknown signing key `{kid}`"))),
                },
                None => return Err(Rejection::invalid("the token names no signing key")),
            }
            .map_err(|e| Rejection::invalid(e.to_string()))?;
            let session = claims
                .agent_session_id
                .clone()
                .map(SessionId::from)
                .ok_or_else(|| {
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
    signer: &TokenSigner,
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
            let projection = crate::projection::Projection::new(authority, signer, &view);
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
        let token = signer.mint(&TokenClaims::session(
            crate::token::ISSUER,
            "local",
            "default",
            root.as_str(),
            session.as_str(),
            0,
            now,
            now + 300,
        ));
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

    #[tokio::test]
    async fn a_verified_token_is_remembered_and_still_checked_for_expiry_and_liveness() {
        let (authority, clock, signer, session, token) = fixture();
        let mode = InboundMode::Verify(TrustedKeys::default());
        let verified = Verified::default();

        let bound = bind(&mode, &bearer(&token), &signer, &authority, &verified)
            .await
            .unwrap();
        assert_eq!(bound, session);
        let cached = verified.tokens.lock().unwrap().get(&token).cloned();
        assert_eq!(cached.map(|(s, _)| s), Some(session.clone()));
        assert_eq!(
            bind(&mode, &bearer(&token), &signer, &authority, &verified)
                .await
                .unwrap(),
            session
        );

        clock.advance(Duration::from_secs(301));
        let expired = bind(&mode, &bearer(&token), &signer, &authority, &verified)
            .await
            .unwrap_err();
        assert_eq!(expired.code, "invalid_token");
    }

    #[tokio::test]
    async fn a_remembered_token_of_a_closed_session_is_refused() {
        let (authority, _clock, signer, session, token) = fixture();
        let mode = InboundMode::Verify(TrustedKeys::default());
        let verified = Verified::default();
        bind(&mode, &bearer(&token), &signer, &authority, &verified)
            .await
            .unwrap();

        authority.close(&session).unwrap();
        let refused = bind(&mode, &bearer(&token), &signer, &authority, &verified)
            .await
            .unwrap_err();
        assert_eq!(refused.code, "invalid_token");
    }
}
