//! Signing keys and public keys for host tokens: ES256 (ECDSA P-256, the
//! default, what upstream Caracal's verifiers accept) and EdDSA (Ed25519),
//! with their JWK forms and RFC 7638 thumbprint key ids.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, Verifier as _};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
    UnparsedPublicKey,
};
use sha2::{Digest, Sha256};

/// A token signature algorithm (the JWS `alg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SigningAlgorithm {
    /// ECDSA over P-256 with SHA-256: the default, and the only algorithm
    /// upstream Caracal's verifiers accept.
    #[default]
    Es256,
    /// Ed25519.
    EdDsa,
}

impl SigningAlgorithm {
    /// The JWS name: `ES256` or `EdDSA`.
    pub fn name(self) -> &'static str {
        match self {
            SigningAlgorithm::Es256 => "ES256",
            SigningAlgorithm::EdDsa => "EdDSA",
        }
    }

    /// Parses a JWS name (case-insensitive).
    pub fn parse(name: &str) -> Option<SigningAlgorithm> {
        match name.trim().to_ascii_uppercase().as_str() {
            "ES256" => Some(SigningAlgorithm::Es256),
            "EDDSA" | "ED25519" => Some(SigningAlgorithm::EdDsa),
            _ => None,
        }
    }
}

/// A private signing key.
pub struct SigningKey {
    kind: SigningKind,
    public: PublicKey,
    /// The private key in the form the state directory keeps it: PKCS#8
    /// for ES256, the 32-byte seed for EdDSA.
    secret: Vec<u8>,
}

enum SigningKind {
    Es256(EcdsaKeyPair, SystemRandom),
    EdDsa(ed25519_dalek::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.algorithm())
            .field("kid", &self.public.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh random key.
    pub fn generate(alg: SigningAlgorithm) -> SigningKey {
        match alg {
            SigningAlgorithm::Es256 => {
                let rng = SystemRandom::new();
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                    .expect("the OS random source is available");
                SigningKey::from_secret(alg, pkcs8.as_ref()).expect("a generated key parses")
            }
            SigningAlgorithm::EdDsa => {
                let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
                SigningKey::from_ed25519(key)
            }
        }
    }

    /// An Ed25519 key.
    pub fn from_ed25519(key: ed25519_dalek::SigningKey) -> SigningKey {
        let public = PublicKey::ed25519(key.verifying_key());
        SigningKey {
            secret: key.to_bytes().to_vec(),
            kind: SigningKind::EdDsa(key),
            public,
        }
    }

    /// A key from its stored secret ([`SigningKey::secret`]).
    pub fn from_secret(alg: SigningAlgorithm, secret: &[u8]) -> Result<SigningKey, String> {
        match alg {
            SigningAlgorithm::Es256 => {
                let rng = SystemRandom::new();
                let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, secret, &rng)
                    .map_err(|e| format!("not a P-256 PKCS#8 key: {e}"))?;
                let public = PublicKey::p256(pair.public_key().as_ref())?;
                Ok(SigningKey {
                    kind: SigningKind::Es256(pair, rng),
                    public,
                    secret: secret.to_vec(),
                })
            }
            SigningAlgorithm::EdDsa => {
                let seed: [u8; 32] = secret
                    .try_into()
                    .map_err(|_| "an Ed25519 key is a 32-byte seed".to_string())?;
                Ok(SigningKey::from_ed25519(
                    ed25519_dalek::SigningKey::from_bytes(&seed),
                ))
            }
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.public.alg
    }

    /// The key id: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.public.kid
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// The private key as stored (PKCS#8 for ES256, the seed for EdDSA).
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The JWS signature over `message` (64 bytes for both algorithms).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.kind {
            SigningKind::Es256(pair, rng) => pair
                .sign(rng, message)
                .expect("P-256 signing does not fail")
                .as_ref()
                .to_vec(),
            SigningKind::EdDsa(key) => key.sign(message).to_bytes().to_vec(),
        }
    }
}

/// A public verification key with its `kid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    alg: SigningAlgorithm,
    kid: String,
    /// The uncompressed point (65 bytes) for P-256, 32 bytes for Ed25519.
    bytes: Vec<u8>,
}

impl PublicKey {
    fn p256(uncompressed: &[u8]) -> Result<PublicKey, String> {
        if uncompressed.len() != 65 || uncompressed[0] != 4 {
            return Err("not an uncompressed P-256 point".into());
        }
        let (x, y) = (
            URL_SAFE_NO_PAD.encode(&uncompressed[1..33]),
            URL_SAFE_NO_PAD.encode(&uncompressed[33..]),
        );
        // RFC 7638: the required members, lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        Ok(PublicKey {
            alg: SigningAlgorithm::Es256,
            kid: URL_SAFE_NO_PAD.encode(Sha256::digest(canonical)),
            bytes: uncompressed.to_vec(),
        })
    }

    fn ed25519(key: ed25519_dalek::VerifyingKey) -> PublicKey {
        let x = URL_SAFE_NO_PAD.encode(key.as_bytes());
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        PublicKey {
            alg: SigningAlgorithm::EdDsa,
            kid: URL_SAFE_NO_PAD.encode(Sha256::digest(canonical)),
            bytes: key.as_bytes().to_vec(),
        }
    }

    /// The algorithm the key verifies.
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.alg
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Whether `signature` is this key's over `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self.alg {
            SigningAlgorithm::Es256 => {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.bytes)
                    .verify(message, signature)
                    .is_ok()
            }
            SigningAlgorithm::EdDsa => {
                let (Ok(key), Ok(signature)) = (
                    <[u8; 32]>::try_from(self.bytes.as_slice()),
                    <[u8; 64]>::try_from(signature),
                ) else {
                    return false;
                };
                ed25519_dalek::VerifyingKey::from_bytes(&key).is_ok_and(|key| {
                    key.verify(message, &ed25519_dalek::Signature::from_bytes(&signature))
                        .is_ok()
                })
            }
        }
    }

    /// The key as a JWK: `EC`/`P-256`/`ES256` or `OKP`/`Ed25519`/`EdDSA`,
    /// with `use: sig` and the `kid`.
    pub fn jwk(&self) -> serde_json::Value {
        match self.alg {
            SigningAlgorithm::Es256 => serde_json::json!({
                "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": self.kid,
                "x": URL_SAFE_NO_PAD.encode(&self.bytes[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&self.bytes[33..]),
            }),
            SigningAlgorithm::EdDsa => serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": self.kid,
                "x": URL_SAFE_NO_PAD.encode(&self.bytes),
            }),
        }
    }

    /// A key from a JWK (`EC` P-256 or `OKP` Ed25519). The JWK's own `kid`
    /// is kept when it has one (other issuers name keys their way), else
    /// the thumbprint. A key whose `use` is not `sig` or whose `alg`
    /// disagrees with its curve is refused.
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<PublicKey, String> {
        let field = |name: &str| jwk.get(name).and_then(|v| v.as_str());
        if let Some(usage) = field("use")
            && usage != "sig"
        {
            return Err(format!("`use` is `{usage}`, not `sig`"));
        }
        let bytes = |name: &str| {
            field(name)
                .ok_or(format!("missing `{name}`"))
                .and_then(|v| {
                    URL_SAFE_NO_PAD
                        .decode(v)
                        .map_err(|_| format!("`{name}` is not base64url"))
                })
        };
        let mut key = match (field("kty"), field("crv")) {
            (Some("EC"), Some("P-256")) => {
                let (x, y) = (bytes("x")?, bytes("y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err("`x` and `y` must be 32 bytes each".into());
                }
                // A point off the curve parses here and fails every
                // verification (ring checks the point when it verifies).
                PublicKey::p256(&[&[4u8][..], &x, &y].concat())?
            }
            (Some("OKP"), Some("Ed25519")) => {
                let x: [u8; 32] = bytes("x")?
                    .try_into()
                    .map_err(|_| "`x` must be 32 bytes".to_string())?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map_err(|e| format!("not an Ed25519 public key: {e}"))?;
                PublicKey::ed25519(key)
            }
            (kty, crv) => {
                return Err(format!(
                    "only EC P-256 and OKP Ed25519 keys are supported (got kty {}, crv {})",
                    kty.unwrap_or("-"),
                    crv.unwrap_or("-")
                ));
            }
        };
        if let Some(alg) = field("alg")
            && SigningAlgorithm::parse(alg) != Some(key.alg)
        {
            return Err(format!("`alg` {alg} does not fit a {} key", key.alg.name()));
        }
        if let Some(kid) = field("kid") {
            key.kid = kid.to_owned();
        }
        Ok(key)
    }
}

/// The public keys of a JWK Set. Keys this host cannot use are refused
/// with a message naming the first such key.
pub fn keys_of_jwks(jwks: &serde_json::Value) -> Result<Vec<PublicKey>, String> {
    let keys = jwks
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("a JWK Set needs a `keys` array")?;
    keys.iter()
        .enumerate()
        .map(|(i, key)| PublicKey::from_jwk(key).map_err(|e| format!("key {i}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_algorithms_sign_verify_and_round_trip_through_their_jwk() {
        for alg in [SigningAlgorithm::Es256, SigningAlgorithm::EdDsa] {
            let key = SigningKey::generate(alg);
            let signature = key.sign(b"message");
            assert_eq!(signature.len(), 64);
            assert!(key.public().verifies(b"message", &signature));
            assert!(!key.public().verifies(b"messagE", &signature));
            let back = PublicKey::from_jwk(&key.public().jwk()).unwrap();
            assert_eq!(&back, key.public(), "{alg:?}");
            let again = SigningKey::from_secret(alg, key.secret()).unwrap();
            assert_eq!(again.kid(), key.kid());
        }
    }

    #[test]
    fn unusable_jwks_are_refused_by_name() {
        let rsa = serde_json::json!({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]});
        assert!(keys_of_jwks(&rsa).unwrap_err().contains("kty RSA"));
        let mut jwk = SigningKey::generate(SigningAlgorithm::Es256).public().jwk();
        jwk["alg"] = "EdDSA".into();
        assert!(
            PublicKey::from_jwk(&jwk)
                .unwrap_err()
                .contains("does not fit")
        );
        jwk["alg"] = "ES256".into();
        jwk["use"] = "enc".into();
        assert!(PublicKey::from_jwk(&jwk).is_err());
        jwk["use"] = "sig".into();
        jwk["x"] = "AAAA".into();
        assert!(PublicKey::from_jwk(&jwk).is_err());
        assert!(keys_of_jwks(&serde_json::json!({})).is_err());
    }
}
