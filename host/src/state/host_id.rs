//! [`HostIdentity`]: which host process owns which sessions. A host keeps
//! its id in its state directory, so after a restart it knows which tasks
//! died with it; the directory is locked, so one host uses it at a time.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The state directory the `caracal-host` binary uses by default.
pub const DEFAULT_STATE_DIR: &str = ".caracal";

/// A host's id and the lock on its state directory (released on drop).
#[derive(Debug)]
pub struct HostIdentity {
    id: String,
    /// The locked state directory, for identities that keep one.
    dir: Option<PathBuf>,
    _lock: Option<File>,
}

impl HostIdentity {
    /// The id kept in `dir/host-id` (created on first use), with `dir`
    /// locked for this process. A directory another running host holds is
    /// refused with a message naming it.
    pub fn in_dir(dir: &Path) -> std::io::Result<HostIdentity> {
        std::fs::create_dir_all(dir)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("host.lock"))?;
        if lock.try_lock().is_err() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                format!(
                    "another caracal-host is using the state directory {}; give this one its own directory",
                    dir.display()
                ),
            ));
        }
        let path: PathBuf = dir.join("host-id");
        let mut id = String::new();
        if let Ok(mut file) = File::open(&path) {
            file.read_to_string(&mut id)?;
        }
        let id = id.trim().to_owned();
        let id = if id.is_empty() {
            let fresh = uuid::Uuid::now_v7().to_string();
            let mut file = File::create(&path)?;
            file.write_all(fresh.as_bytes())?;
            file.sync_all()?;
            fresh
        } else {
            id
        };
        Ok(HostIdentity {
            id,
            dir: Some(dir.to_path_buf()),
            _lock: Some(lock),
        })
    }

    /// A fresh id for a host that keeps no state directory (its tasks are
    /// never swept at a restart; they expire by their TTL).
    pub fn ephemeral() -> HostIdentity {
        HostIdentity {
            id: uuid::Uuid::now_v7().to_string(),
            dir: None,
            _lock: None,
        }
    }

    /// A given id (tests, embedders with their own naming); no lock.
    pub fn named(id: impl Into<String>) -> HostIdentity {
        HostIdentity {
            id: id.into(),
            dir: None,
            _lock: None,
        }
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The token-signing keys kept in the state directory (created on
    /// first use), so tokens survive a restart; a signing key of another
    /// algorithm than `alg` is rotated out. `None` for an identity without
    /// a directory. A key file that holds no key is an error, never
    /// replaced.
    pub fn signing_keys(
        &self,
        alg: crate::token::SigningAlgorithm,
        now_ms: u64,
    ) -> std::io::Result<Option<super::StoredKeys>> {
        self.dir
            .as_deref()
            .map(|dir| super::signing_key::load_or_create(dir, alg, now_ms))
            .transpose()
    }

    /// Stages a new `alg` signing key in the state directory (the host
    /// must not be running: the directory is locked): the next start
    /// publishes it, and it signs
    /// [`STAGED_KEY_PUBLISHED_AHEAD_SECONDS`](crate::token::STAGED_KEY_PUBLISHED_AHEAD_SECONDS)
    /// later; the old key then retires, still published until the tokens
    /// it signed have expired. `None` without a directory.
    pub fn stage_signing_key(
        &self,
        alg: crate::token::SigningAlgorithm,
        now_ms: u64,
    ) -> std::io::Result<Option<super::StoredKeys>> {
        self.dir
            .as_deref()
            .map(|dir| super::signing_key::stage(dir, alg, now_ms))
            .transpose()
    }

    /// Keeps a key a running host staged in its state directory, so a
    /// restart keeps it too (nothing without a directory).
    pub(crate) fn save_staged_key(
        &self,
        key: &crate::token::SigningKey,
        signs_from_ms: u64,
        now_ms: u64,
    ) -> std::io::Result<()> {
        match self.dir.as_deref() {
            Some(dir) => {
                super::signing_key::save_staged(dir, key.algorithm(), key, signs_from_ms, now_ms)
            }
            None => Ok(()),
        }
    }
}
