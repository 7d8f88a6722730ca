//! The host's token-signing key, kept in its state directory
//! (`signing-key`, mode 0600, the 32-byte Ed25519 seed in base64url) so the
//! tokens a host minted — and the JWK Set resource servers fetched — stay
//! valid across its restarts.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;

/// The key file's name inside the state directory.
pub const SIGNING_KEY_FILE: &str = "signing-key";

/// The key in `dir/signing-key`, created (0600) on first use. A file that
/// holds no key is refused and left as it is: replacing it would silently
/// invalidate every token signed with the key it held.
pub(crate) fn load_or_create(dir: &Path) -> std::io::Result<SigningKey> {
    let path = dir.join(SIGNING_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text).ok_or_else(|| {
            std::io::Error::new(
                ErrorKind::InvalidData,
                format!(
                    "{} holds no Ed25519 key (expected 32 bytes in base64url); move it away to start with a fresh key, which invalidates every token the old one signed",
                    path.display()
                ),
            )
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let key = SigningKey::generate(&mut rand_core::OsRng);
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&path)?;
            file.write_all(URL_SAFE_NO_PAD.encode(key.to_bytes()).as_bytes())?;
            file.sync_all()?;
            Ok(key)
        }
        Err(e) => Err(e),
    }
}

fn parse(text: &str) -> Option<SigningKey> {
    let seed: [u8; 32] = URL_SAFE_NO_PAD.decode(text.trim()).ok()?.try_into().ok()?;
    Some(SigningKey::from_bytes(&seed))
}
