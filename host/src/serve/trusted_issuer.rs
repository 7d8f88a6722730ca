//! [`TrustedIssuer`]: an upstream Caracal issuer (its STS, or another
//! host) whose tokens `serve` accepts (`--trust-issuer URL`). Its key set
//! is fetched from `{issuer}/.well-known/jwks.json?zone_id=<zone>`, cached,
//! and fetched again when a token names a key it does not hold (at most
//! once per [`REFRESH_INTERVAL`]); tokens are checked as upstream's own
//! verifier checks them (`caracalai-identity` 1.0 `verify_token`).

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::outbound::Connector;
use crate::token::{
    PublicKey, SUBJECT_APPLICATION, TokenClaims, TokenError, USE_RESOURCE, USE_SESSION,
    VERIFY_LEEWAY_SECONDS, decode_token, keys_of_jwks,
};

/// The largest key set accepted (upstream's bound).
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Fetched keys are used this long before they are fetched again.
pub const KEYS_TTL: Duration = Duration::from_secs(300);
/// An unknown `kid` triggers a fetch at most this often.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Deepest delegation a token may carry (upstream's default bound).
pub const MAX_HOP_COUNT: u32 = 10;
/// `sub_type` of a user subject (upstream's other subject type).
const SUBJECT_USER: &str = "user";

/// An issuer whose tokens are accepted, with its cached key set.
#[derive(Debug)]
pub struct TrustedIssuer {
    url: String,
    jwks_url: http::Uri,
    zone_id: String,
    audience: String,
    connector: Arc<Connector>,
    keys: RwLock<Option<(Vec<PublicKey>, Instant)>>,
    /// When the last fetch started (the refresh rate limit).
    last_fetch: Mutex<Option<Instant>>,
    /// Serializes fetches, so concurrent requests wait for one.
    fetching: tokio::sync::Mutex<()>,
}

impl TrustedIssuer {
    /// An issuer at `url` (https, or http to a loopback host), trusted for
    /// tokens of `zone_id` addressed to `audience`, fetched through
    /// `connector`.
    pub fn new(
        url: &str,
        zone_id: &str,
        audience: &str,
        connector: Arc<Connector>,
    ) -> Result<TrustedIssuer, String> {
        let url = url.trim_end_matches('/').to_owned();
        let parsed: http::Uri = url
            .parse()
            .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        let host = parsed.host().unwrap_or_default();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = bare == "localhost"
            || bare
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        match parsed.scheme_str() {
            Some("https") if !host.is_empty() => {}
            Some("http") if loopback => {}
            _ => {
                return Err(format!(
                    "`{url}`: a trusted issuer must be https (or http on a loopback address)"
                ));
            }
        }
        if parsed.query().is_some() {
            return Err(format!("`{url}` must not carry a query"));
        }
        let zone: String = zone_id
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect();
        let jwks_url = format!("{url}/.well-known/jwks.json?zone_id={zone}")
            .parse()
            .map_err(|e| format!("`{url}`: cannot form its key-set URL: {e}"))?;
        Ok(TrustedIssuer {
            url,
            jwks_url,
            zone_id: zone_id.to_owned(),
            audience: audience.to_owned(),
            connector,
            keys: RwLock::new(None),
            last_fetch: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// The issuer URL (what `iss` must say).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Fetches the key set now (at start-up, so a wrong URL fails early).
    pub async fn refresh(&self) -> Result<usize, String> {
        let _one = self.fetching.lock().await;
        self.fetch().await
    }

    async fn fetch(&self) -> Result<usize, String> {
        *self
            .last_fetch
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        let (status, body) = self
            .connector
            .get(&self.jwks_url, MAX_JWKS_BYTES, FETCH_TIMEOUT)
            .await
            .map_err(|e| format!("fetching {}: {e}", self.jwks_url))?;
        if !status.is_success() {
            return Err(format!("fetching {}: HTTP {status}", self.jwks_url));
        }
        let jwks: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| format!("{} is not a JWK Set: {e}", self.jwks_url))?;
        // Keys this host cannot use (RSA, say) are skipped, as upstream's
        // verifier skips keys it cannot match; none usable is an error.
        let all = jwks
            .get("keys")
            .and_then(|k| k.as_array())
            .ok_or_else(|| format!("{} has no `keys` array", self.jwks_url))?;
        let keys: Vec<PublicKey> = all
            .iter()
            .filter_map(|key| PublicKey::from_jwk(key).ok())
            .collect();
        if keys.is_empty() && !all.is_empty() {
            let why = keys_of_jwks(&jwks).err().unwrap_or_default();
            return Err(format!("{}: no usable key ({why})", self.jwks_url));
        }
        let count = keys.len();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Some((keys, Instant::now()));
        Ok(count)
    }

    fn cached(&self) -> Option<(Vec<PublicKey>, bool)> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        keys.as_ref()
            .map(|(keys, at)| (keys.clone(), at.elapsed() < KEYS_TTL))
    }

    /// Fetches the key set unless one fetched within the refresh interval.
    async fn refresh_if_allowed(&self) -> Result<(), String> {
        let _one = self.fetching.lock().await;
        let recent = self
            .last_fetch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|at| at.elapsed() < REFRESH_INTERVAL);
        if recent {
            return Ok(());
        }
        self.fetch().await.map(drop)
    }

    /// Verifies `token` as this issuer's at `now_secs`: its key (fetched
    /// again once when the `kid` is unknown or the keys are old), ES256 or
    /// EdDSA as the key says, `iss`, `aud` (must contain the audience),
    /// `zone_id`, `use`, `sub_type`, `exp`/`iat` with upstream's 60 s
    /// leeway, and the hop bound.
    pub async fn verify(&self, token: &str, now_secs: u64) -> Result<TokenClaims, TokenError> {
        // With keys older than their time, a token they verify is still
        // taken when the issuer cannot be reached for fresh ones.
        let mut stale = None;
        if let Some((keys, fresh)) = self.cached() {
            match decode_token(&keys, token) {
                Err(TokenError::UnknownKey(_)) => {}
                Ok(claims) if !fresh => stale = Some(claims),
                other => {
                    let claims = other?;
                    self.check(&claims, now_secs)?;
                    return Ok(claims);
                }
            }
        }
        let claims = match self.refresh_if_allowed().await {
            Ok(()) => {
                let (keys, _) = self.cached().unwrap_or_default();
                decode_token(&keys, token)?
            }
            Err(error) => {
                stale.ok_or_else(|| TokenError::Claims(format!("the issuer's key set: {error}")))?
            }
        };
        self.check(&claims, now_secs)?;
        Ok(claims)
    }

    fn check(&self, claims: &TokenClaims, now_secs: u64) -> Result<(), TokenError> {
        let refuse = |why: String| Err(TokenError::Claims(why));
        if claims.iss != self.url {
            return refuse(format!("issued by `{}`, not `{}`", claims.iss, self.url));
        }
        if !claims.aud.contains(&self.audience) {
            return refuse(format!(
                "addressed to {:?}, not to `{}`",
                claims.aud, self.audience
            ));
        }
        if claims.zone_id != self.zone_id {
            return refuse(format!(
                "of zone `{}`, not `{}`",
                claims.zone_id, self.zone_id
            ));
        }
        if claims.exp + VERIFY_LEEWAY_SECONDS <= now_secs {
            return Err(TokenError::Expired);
        }
        if claims.iat > now_secs + VERIFY_LEEWAY_SECONDS {
            return refuse("issued in the future".into());
        }
        if claims.token_use != USE_SESSION && claims.token_use != USE_RESOURCE {
            return refuse(format!("`use` is `{}`", claims.token_use));
        }
        if claims.sub_type != SUBJECT_APPLICATION && claims.sub_type != SUBJECT_USER {
            return refuse(format!("`sub_type` is `{}`", claims.sub_type));
        }
        for (name, value) in [
            ("jti", &claims.jti),
            ("sub", &claims.sub),
            ("sid", &claims.sid),
            ("root_sid", &claims.root_sid),
            ("client_id", &claims.client_id),
        ] {
            if value.is_empty() {
                return refuse(format!("`{name}` is empty"));
            }
        }
        if claims.hop_count > MAX_HOP_COUNT {
            return refuse(format!(
                "hop count {} exceeds {MAX_HOP_COUNT}",
                claims.hop_count
            ));
        }
        Ok(())
    }
}
