//! The host's token-signing keys, kept in its state directory
//! (`signing-keys.json`, mode 0600) so the tokens a host minted — and the
//! JWK Set verifiers fetched — stay valid across its restarts.
//!
//! The file holds the signing key (its private key, base64url: PKCS#8 for
//! ES256, the 32-byte seed for EdDSA), a staged key that signs from a given
//! time (published before it signs, so verifiers' cached key sets know it),
//! and the retired keys' public JWKs with the time until which they stay
//! published. A directory from before
//! ES256 (`signing-key`, an Ed25519 seed) is taken over: with EdDSA
//! configured its key keeps signing; otherwise it is retired in favour of
//! a new ES256 key and stays published until its tokens have expired.

use std::io::{ErrorKind, Write};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::token::{
    PublicKey, RETIRED_KEY_PUBLISHED_SECONDS, RetiredKey, STAGED_KEY_PUBLISHED_AHEAD_SECONDS,
    SigningAlgorithm, SigningKey,
};

/// The key file's name inside the state directory.
pub const SIGNING_KEYS_FILE: &str = "signing-keys.json";
/// The Ed25519 seed file of hosts from before ES256, read once and taken over.
pub const SIGNING_KEY_FILE: &str = "signing-key";

/// The keys a state directory holds.
#[derive(Debug)]
pub struct StoredKeys {
    /// The key that signs.
    pub active: SigningKey,
    /// A key published now that signs from the given unix ms.
    pub staged: Option<(SigningKey, u64)>,
    /// Retired keys still published.
    pub retired: Vec<RetiredKey>,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    active: ActiveEntry,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    staged: Option<StagedEntry>,
    #[serde(default)]
    retired: Vec<RetiredEntry>,
}

#[derive(Serialize, Deserialize)]
struct StagedEntry {
    alg: String,
    secret: String,
    signs_from_ms: u64,
}

#[derive(Serialize, Deserialize)]
struct ActiveEntry {
    alg: String,
    secret: String,
    created_ms: u64,
}

#[derive(Serialize, Deserialize)]
struct RetiredEntry {
    jwk: serde_json::Value,
    until_ms: u64,
}

fn bad(path: &Path, why: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(
        ErrorKind::InvalidData,
        format!(
            "{}: {why}; move it away to start with a fresh key, which invalidates every token the old one signed",
            path.display()
        ),
    )
}

/// The keys in `dir`, created on first use. A signing key of another
/// algorithm than `alg` is rotated out (still published until its tokens
/// expire); retired keys past their time are dropped. A file that holds
/// no key is refused and left as it is: replacing it would silently
/// invalidate every token signed with the key it held.
pub(crate) fn load_or_create(
    dir: &Path,
    alg: SigningAlgorithm,
    now_ms: u64,
) -> std::io::Result<StoredKeys> {
    let path = dir.join(SIGNING_KEYS_FILE);
    let mut keys = match std::fs::read_to_string(&path) {
        Ok(text) => parse(&path, &text)?,
        Err(e) if e.kind() == ErrorKind::NotFound => match legacy(dir)? {
            Some(key) => StoredKeys {
                active: key,
                staged: None,
                retired: Vec::new(),
            },
            None => {
                let keys = StoredKeys {
                    active: SigningKey::generate(alg),
                    staged: None,
                    retired: Vec::new(),
                };
                write(&path, &keys, now_ms)?;
                return Ok(keys);
            }
        },
        Err(e) => return Err(e),
    };
    let before = keys.retired.len();
    keys.retired.retain(|r| r.until_ms > now_ms);
    let rotate = keys.active.algorithm() != alg;
    if rotate {
        keys = rotated(keys, SigningKey::generate(alg), now_ms);
    }
    if rotate || before != keys.retired.len() || !path.exists() {
        write(&path, &keys, now_ms)?;
    }
    Ok(keys)
}

/// Stages a new `alg` key in `dir` at `now_ms`: published from the next
/// start, signing [`STAGED_KEY_PUBLISHED_AHEAD_SECONDS`] after it (the old
/// key then retires, still published until its tokens have expired).
pub(crate) fn stage(dir: &Path, alg: SigningAlgorithm, now_ms: u64) -> std::io::Result<StoredKeys> {
    let mut keys = load_or_create(dir, alg, now_ms)?;
    keys.staged = Some((
        SigningKey::generate(alg),
        now_ms + STAGED_KEY_PUBLISHED_AHEAD_SECONDS * 1000,
    ));
    write(&dir.join(SIGNING_KEYS_FILE), &keys, now_ms)?;
    Ok(keys)
}

/// Writes a key staged in a running host to `dir`, so a restart keeps it.
pub(crate) fn save_staged(
    dir: &Path,
    alg: SigningAlgorithm,
    staged: &SigningKey,
    signs_from_ms: u64,
    now_ms: u64,
) -> std::io::Result<()> {
    let mut keys = load_or_create(dir, alg, now_ms)?;
    keys.staged = Some((
        SigningKey::from_secret(staged.algorithm(), staged.secret()).map_err(|e| bad(dir, e))?,
        signs_from_ms,
    ));
    write(&dir.join(SIGNING_KEYS_FILE), &keys, now_ms)
}

fn rotated(keys: StoredKeys, new: SigningKey, now_ms: u64) -> StoredKeys {
    let mut retired = keys.retired;
    retired.push(RetiredKey {
        key: keys.active.public().clone(),
        until_ms: now_ms + RETIRED_KEY_PUBLISHED_SECONDS * 1000,
    });
    StoredKeys {
        active: new,
        staged: keys.staged,
        retired,
    }
}

fn parse(path: &Path, text: &str) -> std::io::Result<StoredKeys> {
    let file: KeyFile = serde_json::from_str(text).map_err(|e| bad(path, e))?;
    let alg = SigningAlgorithm::parse(&file.active.alg)
        .ok_or_else(|| bad(path, format!("unknown algorithm `{}`", file.active.alg)))?;
    let secret = URL_SAFE_NO_PAD
        .decode(file.active.secret.trim())
        .map_err(|_| bad(path, "the signing key is not base64url"))?;
    let active = SigningKey::from_secret(alg, &secret).map_err(|e| bad(path, e))?;
    let staged = match &file.staged {
        None => None,
        Some(entry) => {
            let alg = SigningAlgorithm::parse(&entry.alg)
                .ok_or_else(|| bad(path, format!("unknown algorithm `{}`", entry.alg)))?;
            let secret = URL_SAFE_NO_PAD
                .decode(entry.secret.trim())
                .map_err(|_| bad(path, "the staged key is not base64url"))?;
            Some((
                SigningKey::from_secret(alg, &secret).map_err(|e| bad(path, e))?,
                entry.signs_from_ms,
            ))
        }
    };
    let retired = file
        .retired
        .iter()
        .map(|entry| {
            Ok(RetiredKey {
                key: PublicKey::from_jwk(&entry.jwk).map_err(|e| bad(path, e))?,
                until_ms: entry.until_ms,
            })
        })
        .collect::<std::io::Result<_>>()?;
    Ok(StoredKeys {
        active,
        staged,
        retired,
    })
}

/// The pre-ES256 Ed25519 seed file, if the directory has one.
fn legacy(dir: &Path) -> std::io::Result<Option<SigningKey>> {
    let path = dir.join(SIGNING_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let seed = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| {
                bad(
                    &path,
                    "holds no Ed25519 key (expected 32 bytes in base64url)",
                )
            })?;
            SigningKey::from_secret(SigningAlgorithm::EdDsa, &seed)
                .map(Some)
                .map_err(|e| bad(&path, e))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes the key file (0600) through a temporary file and a rename, so a
/// crash leaves the old file or the new one, never half of one.
fn write(path: &Path, keys: &StoredKeys, now_ms: u64) -> std::io::Result<()> {
    let file = KeyFile {
        active: ActiveEntry {
            alg: keys.active.algorithm().name().to_owned(),
            secret: URL_SAFE_NO_PAD.encode(keys.active.secret()),
            created_ms: now_ms,
        },
        staged: keys.staged.as_ref().map(|(key, at)| StagedEntry {
            alg: key.algorithm().name().to_owned(),
            secret: URL_SAFE_NO_PAD.encode(key.secret()),
            signs_from_ms: *at,
        }),
        retired: keys
            .retired
            .iter()
            .map(|r| RetiredEntry {
                jwk: r.key.jwk(),
                until_ms: r.until_ms,
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&file).expect("the key file serializes");
    let tmp = path.with_extension("json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(&tmp)?;
    out.write_all(text.as_bytes())?;
    out.sync_all()?;
    drop(out);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_a_restart_and_an_algorithm_change_rotates_them() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path(), SigningAlgorithm::Es256, 1_000).unwrap();
        let again = load_or_create(dir.path(), SigningAlgorithm::Es256, 2_000).unwrap();
        assert_eq!(first.active.kid(), again.active.kid());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(SIGNING_KEYS_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let eddsa = load_or_create(dir.path(), SigningAlgorithm::EdDsa, 3_000).unwrap();
        assert_eq!(eddsa.active.algorithm(), SigningAlgorithm::EdDsa);
        assert_eq!(eddsa.retired.len(), 1);
        assert_eq!(eddsa.retired[0].key.kid(), first.active.kid());
        // Once its tokens are dead, the retired key is dropped.
        let later = 3_000 + RETIRED_KEY_PUBLISHED_SECONDS * 1000;
        let pruned = load_or_create(dir.path(), SigningAlgorithm::EdDsa, later).unwrap();
        assert!(pruned.retired.is_empty());
        assert_eq!(pruned.active.kid(), eddsa.active.kid());
    }

    #[test]
    fn a_legacy_ed25519_seed_is_taken_over_and_a_broken_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let legacy_key = SigningKey::generate(SigningAlgorithm::EdDsa);
        std::fs::write(
            dir.path().join(SIGNING_KEY_FILE),
            URL_SAFE_NO_PAD.encode(legacy_key.secret()),
        )
        .unwrap();
        let keys = load_or_create(dir.path(), SigningAlgorithm::Es256, 1_000).unwrap();
        assert_eq!(keys.active.algorithm(), SigningAlgorithm::Es256);
        assert_eq!(keys.retired[0].key.kid(), legacy_key.kid());

        let broken = tempfile::tempdir().unwrap();
        std::fs::write(broken.path().join(SIGNING_KEYS_FILE), "not json").unwrap();
        let error = load_or_create(broken.path(), SigningAlgorithm::Es256, 0).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData);
        assert_eq!(
            std::fs::read_to_string(broken.path().join(SIGNING_KEYS_FILE)).unwrap(),
            "not json"
        );
    }

    #[test]
    fn a_staged_key_is_kept_with_the_time_it_signs_from() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path(), SigningAlgorithm::Es256, 0).unwrap();
        let staged = stage(dir.path(), SigningAlgorithm::Es256, 10).unwrap();
        let (next, at) = staged.staged.as_ref().unwrap();
        assert_eq!(*at, 10 + STAGED_KEY_PUBLISHED_AHEAD_SECONDS * 1000);
        let reloaded = load_or_create(dir.path(), SigningAlgorithm::Es256, 20).unwrap();
        assert_eq!(
            reloaded.active.kid(),
            first.active.kid(),
            "the old key still signs"
        );
        assert_eq!(reloaded.staged.as_ref().unwrap().0.kid(), next.kid());
    }
}
