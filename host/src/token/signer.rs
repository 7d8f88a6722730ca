//! [`TokenSigner`]: the host's issuer — the key that signs, the keys still
//! published after a rotation, and the issuer URL every token names.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::keys::{PublicKey, SigningAlgorithm, SigningKey};
use super::{DEFAULT_ISSUER, TokenClaims, TokenError, VERIFY_LEEWAY_SECONDS, decode_token};

/// How long a retired key stays published: the longest a token it signed
/// can live, plus the verifiers' clock leeway.
pub const RETIRED_KEY_PUBLISHED_SECONDS: u64 = super::TOKEN_TTL_SECONDS + VERIFY_LEEWAY_SECONDS;

/// How long a staged key is published before it signs: upstream's
/// verifiers cache a key set for 300 s and do not fetch it again for an
/// unknown `kid`, so a key signs only once every cache has seen it.
pub const STAGED_KEY_PUBLISHED_AHEAD_SECONDS: u64 = 300 + 10;

/// Most verified tokens [`TokenSigner::verify`] remembers before it starts
/// over.
const VERIFIED_CACHE_LIMIT: usize = 4096;

/// A key that signed before a rotation, published until `until_ms`.
#[derive(Clone, Debug)]
pub struct RetiredKey {
    /// The public key.
    pub key: PublicKey,
    /// Unix ms after which no token it signed can still be valid.
    pub until_ms: u64,
}

/// Signs host tokens and verifies the host's own. Holds the signing key,
/// the retired keys still published, and the issuer URL.
pub struct TokenSigner {
    issuer: String,
    /// The bound resource ids: a session token's targets and audiences.
    resources: Vec<String>,
    keys: RwLock<KeyRing>,
    /// Tokens already verified → their claims (a guest presents the same
    /// token on every request until it is re-minted).
    verified: Mutex<HashMap<String, Arc<TokenClaims>>>,
}

struct KeyRing {
    active: Arc<ActiveKey>,
    /// A key published now that signs from the given unix ms.
    staged: Option<(Arc<ActiveKey>, u64)>,
    retired: Vec<RetiredKey>,
}

impl KeyRing {
    /// Makes the staged key the signing key if it is due at `now_ms`.
    fn promote_due(&mut self, now_ms: u64) {
        if let Some((_, at)) = &self.staged
            && *at <= now_ms
            && let Some((next, _)) = self.staged.take()
        {
            let old = std::mem::replace(&mut self.active, next);
            self.retired.retain(|r| r.until_ms > now_ms);
            self.retired.push(RetiredKey {
                key: old.key.public().clone(),
                until_ms: now_ms + RETIRED_KEY_PUBLISHED_SECONDS * 1000,
            });
        }
    }
}

struct ActiveKey {
    key: SigningKey,
    /// The base64url JWS header naming the key.
    header_b64: String,
}

impl ActiveKey {
    fn new(key: SigningKey) -> ActiveKey {
        let header = serde_json::json!({
            "alg": key.algorithm().name(), "typ": "JWT", "kid": key.kid(),
        });
        ActiveKey {
            header_b64: URL_SAFE_NO_PAD.encode(header.to_string()),
            key,
        }
    }
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("issuer", &self.issuer)
            .field("kid", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// A signer with a fresh random ES256 key and the default issuer (the
    /// embedded default: tokens die with the host process).
    pub fn generate() -> TokenSigner {
        TokenSigner::new(
            DEFAULT_ISSUER,
            SigningKey::generate(SigningAlgorithm::Es256),
            Vec::new(),
        )
    }

    /// A signer over `key`, naming `issuer`, still publishing `retired`.
    pub fn new(issuer: impl Into<String>, key: SigningKey, retired: Vec<RetiredKey>) -> Self {
        TokenSigner {
            issuer: issuer.into(),
            resources: Vec::new(),
            keys: RwLock::new(KeyRing {
                active: Arc::new(ActiveKey::new(key)),
                staged: None,
                retired,
            }),
            verified: Mutex::default(),
        }
    }

    /// A signer over an Ed25519 key (kept for callers of the EdDSA era).
    pub fn from_key(key: ed25519_dalek::SigningKey) -> TokenSigner {
        TokenSigner::new(DEFAULT_ISSUER, SigningKey::from_ed25519(key), Vec::new())
    }

    /// The same keys, naming another issuer.
    pub fn with_issuer(self, issuer: impl Into<String>) -> TokenSigner {
        TokenSigner {
            issuer: issuer.into(),
            ..self
        }
    }

    /// The same keys, for a host whose bound resources are `resources`
    /// (a session token names them as audiences and targets).
    pub fn with_resources(self, resources: impl IntoIterator<Item = String>) -> TokenSigner {
        TokenSigner {
            resources: resources.into_iter().collect(),
            ..self
        }
    }

    /// The bound resource ids.
    pub fn resources(&self) -> &[String] {
        &self.resources
    }

    /// A session token's audiences: the application, then every bound
    /// resource (a resource server expecting its own id accepts it, as
    /// upstream's session tokens are audienced).
    pub fn audiences(&self, application_id: &str) -> Vec<String> {
        std::iter::once(application_id.to_owned())
            .chain(self.resources.iter().cloned())
            .collect()
    }

    /// The issuer every token names (`iss`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    fn ring(&self) -> std::sync::RwLockReadGuard<'_, KeyRing> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key id (`kid`) of the key that signs now.
    pub fn key_id(&self) -> String {
        self.ring().active.key.kid().to_owned()
    }

    /// The algorithm of the key that signs now.
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.ring().active.key.algorithm()
    }

    /// Whether `kid` is one of the host's keys (signing or still published).
    pub fn knows_key(&self, kid: &str) -> bool {
        self.public_key(kid).is_some()
    }

    fn public_key(&self, kid: &str) -> Option<PublicKey> {
        let ring = self.ring();
        if ring.active.key.kid() == kid {
            return Some(ring.active.key.public().clone());
        }
        if let Some((staged, _)) = &ring.staged
            && staged.key.kid() == kid
        {
            return Some(staged.key.public().clone());
        }
        ring.retired
            .iter()
            .find(|r| r.key.kid() == kid)
            .map(|r| r.key.clone())
    }

    /// Makes `key` the signing key at `now_ms`; the old one stays
    /// published for [`RETIRED_KEY_PUBLISHED_SECONDS`]. Keys retired long
    /// enough ago are dropped.
    pub fn rotate(&self, key: SigningKey, now_ms: u64) {
        let mut ring = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        let old = std::mem::replace(&mut ring.active, Arc::new(ActiveKey::new(key)));
        ring.retired.retain(|r| r.until_ms > now_ms);
        ring.retired.push(RetiredKey {
            key: old.key.public().clone(),
            until_ms: now_ms + RETIRED_KEY_PUBLISHED_SECONDS * 1000,
        });
    }

    /// Stages `key`: published from now, signing from `signs_from_ms`
    /// (the signing key then retires, still published until its tokens
    /// have expired). A key staged before and not yet signing is replaced.
    pub fn stage(&self, key: SigningKey, signs_from_ms: u64) {
        let mut ring = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        ring.staged = Some((Arc::new(ActiveKey::new(key)), signs_from_ms));
    }

    /// The staged key and the unix ms it signs from, if one is staged.
    pub fn staged_key(&self) -> Option<(PublicKey, u64)> {
        self.ring()
            .staged
            .as_ref()
            .map(|(key, at)| (key.key.public().clone(), *at))
    }

    /// The retired keys still published.
    pub fn retired_keys(&self) -> Vec<RetiredKey> {
        self.ring().retired.clone()
    }

    /// The published keys as a JWK Set: the signing key first, then a
    /// staged one, then the retired ones still published.
    pub fn jwks(&self) -> serde_json::Value {
        let ring = self.ring();
        let keys: Vec<serde_json::Value> = std::iter::once(ring.active.key.public().jwk())
            .chain(ring.staged.iter().map(|(key, _)| key.key.public().jwk()))
            .chain(ring.retired.iter().map(|r| r.key.jwk()))
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// Signs `claims` into a compact JWT with the signing key (a staged
    /// key due at the claims' `iat` signs, and from then on).
    pub fn mint(&self, claims: &TokenClaims) -> String {
        let now_ms = claims.iat.saturating_mul(1000);
        let due = self
            .ring()
            .staged
            .as_ref()
            .is_some_and(|(_, at)| *at <= now_ms);
        if due {
            self.keys
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .promote_due(now_ms);
        }
        let active = self.ring().active.clone();
        let payload = serde_json::to_vec(claims).expect("token claims serialize");
        let mut token = String::with_capacity(active.header_b64.len() + payload.len() * 2 + 90);
        token.push_str(&active.header_b64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = active.key.sign(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        token
    }

    /// Verifies one of the host's own tokens: a key of the host's (signing
    /// or still published), its algorithm, the signature, the issuer, and
    /// expiry at `now_secs` (no leeway: the host's own clock minted it).
    /// A token verified before costs a map lookup and the expiry check.
    pub fn verify(&self, token: &str, now_secs: u64) -> Result<Arc<TokenClaims>, TokenError> {
        let known = self
            .verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned();
        let claims = match known {
            Some(claims) => claims,
            None => {
                let kid = super::token_key_id(token)
                    .ok_or(TokenError::Malformed("the header names no `kid`"))?;
                let key = self
                    .public_key(&kid)
                    .ok_or_else(|| TokenError::UnknownKey(kid.clone()))?;
                let claims = Arc::new(decode_token(&[key], token)?);
                if claims.iss != self.issuer {
                    return Err(TokenError::Claims(format!(
                        "issued by `{}`, not this host (`{}`)",
                        claims.iss, self.issuer
                    )));
                }
                let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
                if verified.len() >= VERIFIED_CACHE_LIMIT {
                    verified.clear();
                }
                verified.insert(token.to_owned(), claims.clone());
                claims
            }
        };
        if claims.exp <= now_secs {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}
