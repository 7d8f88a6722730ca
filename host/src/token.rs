//! Host-minted session tokens: EdDSA (Ed25519) JWTs naming the zone,
//! application, session, delegation and hop.
//!
//! A token identifies a session to the host's outbound interception and to
//! resource servers; it is never an upstream credential. Signing costs tens
//! of microseconds, so a session's token is minted once and reused until it
//! nears expiry (see `projection`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Issuer claim of every host-minted token.
pub const ISSUER: &str = "caracal-host";
/// Lifetime of a minted token, in seconds (shorter when the session ends first).
pub const TOKEN_TTL_SECONDS: u64 = 300;

/// The claims of a host-minted token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// Always [`ISSUER`].
    pub iss: String,
    /// The subject: the session id, or `application:<id>` for a root context.
    pub sub: String,
    /// Zone id.
    pub zone: String,
    /// Application id.
    pub app: String,
    /// Session id; absent for a root context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Delegation edge presented by the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did: Option<String>,
    /// The edge that delegation was narrowed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdid: Option<String>,
    /// Delegation hops from the application.
    pub hop: u32,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// Expires at (unix seconds).
    pub exp: u64,
    /// Unique token id (UUIDv7).
    pub jti: String,
}

/// Why a token failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three base64url segments of JSON.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// Signed by another key or altered.
    #[error("token signature does not verify")]
    BadSignature,
    /// Past its `exp`.
    #[error("token expired")]
    Expired,
}

/// Signs and verifies host tokens with one Ed25519 key.
pub struct TokenSigner {
    key: SigningKey,
    kid: String,
    header_b64: String,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// A signer with a fresh random key (the embedded default: tokens die
    /// with the host process).
    pub fn generate() -> TokenSigner {
        TokenSigner::from_key(SigningKey::generate(&mut rand_core::OsRng))
    }

    /// A signer over a given key.
    pub fn from_key(key: SigningKey) -> TokenSigner {
        let digest = Sha256::digest(key.verifying_key().as_bytes());
        let kid = caracal_envelope::hex_lower(&digest[..8]);
        let header = serde_json::json!({ "alg": "EdDSA", "typ": "JWT", "kid": kid });
        let header_b64 = URL_SAFE_NO_PAD.encode(header.to_string());
        TokenSigner {
            key,
            kid,
            header_b64,
        }
    }

    /// The key id (`kid`) put in every token header.
    pub fn key_id(&self) -> &str {
        &self.kid
    }

    /// The public half of the signing key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key as a JWK Set, for resource servers and JWT libraries.
    pub fn jwks(&self) -> serde_json::Value {
        let x = URL_SAFE_NO_PAD.encode(self.verifying_key().as_bytes());
        serde_json::json!({ "keys": [{
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
            "kid": self.kid, "x": x,
        }]})
    }

    /// Signs `claims` into a compact JWT.
    pub fn mint(&self, claims: &TokenClaims) -> String {
        let payload = serde_json::to_vec(claims).expect("token claims serialize");
        let mut token = String::with_capacity(self.header_b64.len() + payload.len() * 2 + 90);
        token.push_str(&self.header_b64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = self.key.sign(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.to_bytes(), &mut token);
        token
    }

    /// Verifies a token's signature and expiry against `now_secs`.
    pub fn verify(&self, token: &str, now_secs: u64) -> Result<TokenClaims, TokenError> {
        let (header_b64, _) = token
            .split_once('.')
            .ok_or(TokenError::Malformed("expected three segments"))?;
        if header_b64 != self.header_b64 {
            return Err(TokenError::BadSignature);
        }
        verify_with_key(&self.verifying_key(), token, now_secs)
    }
}

/// The `kid` a token's header names, if it has one.
pub fn token_key_id(token: &str) -> Option<String> {
    let header_b64 = token.split('.').next()?;
    let header = URL_SAFE_NO_PAD.decode(header_b64).ok()?;
    let header: serde_json::Value = serde_json::from_slice(&header).ok()?;
    header.get("kid")?.as_str().map(str::to_owned)
}

/// Verifies a host token (`EdDSA` over Ed25519) against `key`: signature,
/// claims shape and expiry at `now_secs`. The issuer may be another host
/// whose public key came from its JWK Set.
pub fn verify_with_key(
    key: &VerifyingKey,
    token: &str,
    now_secs: u64,
) -> Result<TokenClaims, TokenError> {
    let (signed, signature_b64) = token
        .rsplit_once('.')
        .ok_or(TokenError::Malformed("expected three segments"))?;
    let (_, payload_b64) = signed
        .split_once('.')
        .ok_or(TokenError::Malformed("expected three segments"))?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(TokenError::Malformed("signature is not 64 base64url bytes"))?;
    key.verify(signed.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| TokenError::BadSignature)?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| TokenError::Malformed("payload is not base64url"))?;
    let claims: TokenClaims = serde_json::from_slice(&payload)
        .map_err(|_| TokenError::Malformed("payload is not claims JSON"))?;
    if claims.exp <= now_secs {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> TokenClaims {
        TokenClaims {
            iss: ISSUER.into(),
            sub: "s-1".into(),
            zone: "local".into(),
            app: "default".into(),
            sid: Some("s-1".into()),
            did: None,
            pdid: None,
            hop: 0,
            iat: 100,
            exp,
            jti: "j".into(),
        }
    }

    #[test]
    fn minted_token_verifies_and_round_trips_claims() {
        let signer = TokenSigner::generate();
        let token = signer.mint(&claims(1_000));
        assert_eq!(signer.verify(&token, 999), Ok(claims(1_000)));
        assert_eq!(signer.verify(&token, 1_000), Err(TokenError::Expired));
    }

    #[test]
    fn altered_or_foreign_tokens_are_refused() {
        let signer = TokenSigner::generate();
        let token = signer.mint(&claims(1_000));
        let other = TokenSigner::generate().mint(&claims(1_000));
        assert_eq!(signer.verify(&other, 0), Err(TokenError::BadSignature));
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(9_999)).unwrap());
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[1] = &forged_payload;
        assert_eq!(
            signer.verify(&parts.join("."), 0),
            Err(TokenError::BadSignature)
        );
        assert!(matches!(
            signer.verify("abc", 0),
            Err(TokenError::Malformed(_))
        ));
    }

    /// A token three segments long with each segment random or taken from
    /// a real token and mutated.
    fn token_like() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let signer = TokenSigner::generate();
        let real = signer.mint(&claims(200));
        let segments: Vec<String> = real.split('.').map(str::to_owned).collect();
        (
            proptest::collection::vec(
                prop_oneof![
                    "[A-Za-z0-9_-]{0,40}",
                    any::<String>(),
                    (0..segments.len()).prop_map(move |n| segments[n].clone())
                ],
                0..5,
            ),
            any::<u8>(),
        )
            .prop_map(|(parts, flip)| {
                let mut token = parts.join(".");
                if flip % 3 == 0 && !token.is_empty() {
                    let at = usize::from(flip) % token.len();
                    if token.is_char_boundary(at) && token.is_char_boundary(at + 1) {
                        token.replace_range(at..at + 1, "x");
                    }
                }
                token
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Random and mutated tokens never panic the parser, and none of
        /// them verifies (only the signer's own output does).
        #[test]
        fn random_and_mutated_tokens_are_refused_without_panicking(token in token_like()) {
            let signer = TokenSigner::generate();
            let _ = token_key_id(&token);
            proptest::prop_assert!(signer.verify(&token, 150).is_err());
        }
    }
}
