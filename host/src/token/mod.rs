//! Host-minted tokens: JWTs in upstream Caracal 1.0's shape, signed ES256
//! (P-256) by default or EdDSA (Ed25519) by configuration, each naming its
//! key (`kid`).
//!
//! A session token (`use=session`) identifies a session to the host's
//! outbound interception and to servers that accept session tokens; a
//! resource mandate (`use=resource`) is minted for one resource on a
//! gateway-routed request. Neither is ever an upstream credential.
//! Signing costs tens of microseconds, so a session's token is minted
//! once and reused until it nears expiry (see `projection`), and a mandate
//! is cached per session and resource.

mod claims;
mod keys;
mod signer;

pub use claims::{ChainHop, SUBJECT_APPLICATION, TokenClaims, USE_RESOURCE, USE_SESSION};
pub use keys::{PublicKey, SigningAlgorithm, SigningKey, keys_of_jwks};
pub use signer::{
    RETIRED_KEY_PUBLISHED_SECONDS, RetiredKey, STAGED_KEY_PUBLISHED_AHEAD_SECONDS, TokenSigner,
};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The issuer of a host that has no `issuer_url` configured.
pub const DEFAULT_ISSUER: &str = "caracal-host";
/// Kept for callers that named the issuer this way.
pub const ISSUER: &str = DEFAULT_ISSUER;
/// Lifetime of a minted token, in seconds (shorter when the session ends first).
pub const TOKEN_TTL_SECONDS: u64 = 300;
/// Clock leeway, in seconds, a verifier grants on `exp` (upstream's is 60).
pub const VERIFY_LEEWAY_SECONDS: u64 = 60;

/// Why a token failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three base64url segments of JSON.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The header names a key the verifier does not have.
    #[error("unknown signing key `{0}`")]
    UnknownKey(String),
    /// The header's `alg` is not the key's.
    #[error("the token is signed {0}, which its key does not use")]
    Algorithm(String),
    /// Signed by another key or altered.
    #[error("token signature does not verify")]
    BadSignature,
    /// Past its `exp`.
    #[error("token expired")]
    Expired,
    /// A claim is missing, mistyped or not what the verifier requires.
    #[error("token claims refused: {0}")]
    Claims(String),
}

/// The `kid` a token's header names, if it has one.
pub fn token_key_id(token: &str) -> Option<String> {
    header(token)?.get("kid")?.as_str().map(str::to_owned)
}

fn header(token: &str) -> Option<serde_json::Value> {
    let header_b64 = token.split('.').next()?;
    let header = URL_SAFE_NO_PAD.decode(header_b64).ok()?;
    serde_json::from_slice(&header).ok()
}

/// Verifies a token's signature against the key of `keys` its header
/// names (the only key, for a header without `kid` and one key) and reads
/// its claims. Expiry, issuer and audience are the caller's to check.
pub fn decode_token(keys: &[PublicKey], token: &str) -> Result<TokenClaims, TokenError> {
    let (signed, signature_b64) = token
        .rsplit_once('.')
        .ok_or(TokenError::Malformed("expected three segments"))?;
    let (header_b64, payload_b64) = signed
        .split_once('.')
        .ok_or(TokenError::Malformed("expected three segments"))?;
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(header_b64)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(TokenError::Malformed("the header is not base64url JSON"))?;
    let key = match header.get("kid").and_then(|k| k.as_str()) {
        Some(kid) => keys
            .iter()
            .find(|k| k.kid() == kid)
            .ok_or_else(|| TokenError::UnknownKey(kid.to_owned()))?,
        None => match keys {
            [only] => only,
            _ => return Err(TokenError::Malformed("the header names no `kid`")),
        },
    };
    let alg = header.get("alg").and_then(|a| a.as_str()).unwrap_or("none");
    if alg != key.algorithm().name() {
        return Err(TokenError::Algorithm(alg.to_owned()));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| TokenError::Malformed("the signature is not base64url"))?;
    if !key.verifies(signed.as_bytes(), &signature) {
        return Err(TokenError::BadSignature);
    }
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| TokenError::Malformed("payload is not base64url"))?;
    serde_json::from_slice(&payload).map_err(|e| TokenError::Claims(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> TokenClaims {
        TokenClaims {
            iss: ISSUER.into(),
            sub: "default".into(),
            aud: vec!["default".into()],
            zone_id: "local".into(),
            client_id: "default".into(),
            sid: "root-1".into(),
            root_sid: "root-1".into(),
            sub_type: SUBJECT_APPLICATION.into(),
            token_use: USE_SESSION.into(),
            scope: String::new(),
            target: Vec::new(),
            agent_session_id: Some("s-1".into()),
            delegation_edge_id: None,
            parent_delegation_edge_id: None,
            hop_count: 0,
            delegation_chain: Vec::new(),
            delegation_path: Vec::new(),
            iat: 100,
            exp,
            jti: "j".into(),
        }
    }

    #[test]
    fn minted_token_verifies_and_round_trips_claims() {
        let signer = TokenSigner::generate();
        let token = signer.mint(&claims(1_000));
        assert_eq!(signer.verify(&token, 999).as_deref(), Ok(&claims(1_000)));
        assert_eq!(signer.verify(&token, 1_000), Err(TokenError::Expired));
        // Both algorithms; the header names the key and its algorithm.
        let eddsa = TokenSigner::new(
            ISSUER,
            SigningKey::generate(SigningAlgorithm::EdDsa),
            Vec::new(),
        );
        let token = eddsa.mint(&claims(1_000));
        assert_eq!(eddsa.verify(&token, 999).as_deref(), Ok(&claims(1_000)));
        let header = header(&token).unwrap();
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["kid"], eddsa.key_id().as_str());
    }

    #[test]
    fn a_rotated_key_still_verifies_until_its_tokens_have_expired() {
        let signer = TokenSigner::generate();
        let old_kid = signer.key_id();
        let old = signer.mint(&claims(1_000));
        signer.rotate(SigningKey::generate(SigningAlgorithm::Es256), 500_000);
        assert_ne!(signer.key_id(), old_kid);
        assert!(
            signer.verify(&old, 600).is_ok(),
            "the old key is still published"
        );
        let kids: Vec<String> = signer.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(kids, [signer.key_id(), old_kid.clone()]);
        // Another rotation after the old key's tokens are all dead drops it.
        let later = 500_000 + RETIRED_KEY_PUBLISHED_SECONDS * 1000 + 1;
        signer.rotate(SigningKey::generate(SigningAlgorithm::Es256), later);
        assert!(!signer.knows_key(&old_kid));
        assert_eq!(signer.jwks()["keys"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn a_staged_key_is_published_first_and_signs_once_it_is_due() {
        let signer = TokenSigner::generate();
        let first = signer.key_id();
        let next = SigningKey::generate(SigningAlgorithm::Es256);
        let next_kid = next.kid().to_owned();
        signer.stage(next, 1_000_000);
        let published: Vec<String> = signer.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(published, [first.clone(), next_kid.clone()]);
        let mut early = claims(2_000);
        early.iat = 999;
        assert_eq!(token_key_id(&signer.mint(&early)).unwrap(), first);
        let mut due = claims(2_000);
        due.iat = 1_000;
        let token = signer.mint(&due);
        assert_eq!(token_key_id(&token).unwrap(), next_kid);
        assert!(signer.verify(&token, 1_500).is_ok());
        assert!(signer.knows_key(&first), "the old key stays published");
        assert!(signer.staged_key().is_none());
    }

    #[test]
    fn a_token_of_another_issuer_or_with_a_swapped_algorithm_is_refused() {
        let signer = TokenSigner::generate();
        let mut foreign = claims(1_000);
        foreign.iss = "https://elsewhere.example".into();
        assert!(matches!(
            signer.verify(&signer.mint(&foreign), 0),
            Err(TokenError::Claims(_))
        ));
        // The same key id, the header claiming EdDSA: refused before any
        // signature check.
        let token = signer.mint(&claims(1_000));
        let forged_header = URL_SAFE_NO_PAD
            .encode(serde_json::json!({"alg": "EdDSA", "kid": signer.key_id()}).to_string());
        let rest = token.split_once('.').unwrap().1;
        assert!(matches!(
            signer.verify(&format!("{forged_header}.{rest}"), 0),
            Err(TokenError::Algorithm(_))
        ));
        let none_header = URL_SAFE_NO_PAD
            .encode(serde_json::json!({"alg": "none", "kid": signer.key_id()}).to_string());
        assert!(signer.verify(&format!("{none_header}.{rest}"), 0).is_err());
    }

    #[test]
    fn altered_or_foreign_tokens_are_refused() {
        let signer = TokenSigner::generate();
        let token = signer.mint(&claims(1_000));
        let other = TokenSigner::generate().mint(&claims(1_000));
        assert!(matches!(
            signer.verify(&other, 0),
            Err(TokenError::UnknownKey(_))
        ));
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
