//! An on-disk cache of compiled components, so a second `run` of the same
//! agent skips Cranelift.
//!
//! Entries are keyed by the SHA-256 of the component bytes and the engine's
//! compatibility hash (wasmtime version, target, settings), and written
//! atomically (temp file + rename). A corrupt or incompatible entry is
//! recompiled and replaced. A memo per source file (`files/`, keyed by its
//! path) remembers the key with the file's identity (size, device, inode,
//! modification and change times): while the file is unchanged, a warm
//! load neither reads nor hashes it (a Python agent is some 20 MiB).

use crate::error::{HostError, chain};
use sha2::{Digest, Sha256};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled components are kept.
#[derive(Clone, Debug)]
pub struct ComponentCache {
    dir: PathBuf,
}

/// Whether a load came from the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Deserialized from a cached compilation.
    Hit,
    /// Compiled (and stored, when possible).
    Compiled,
}

impl ComponentCache {
    /// A cache in `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> ComponentCache {
        ComponentCache { dir: dir.into() }
    }

    /// The default directory: `CARACAL_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/caracal`, else `$HOME/.cache/caracal`.
    pub fn default_dir() -> Option<PathBuf> {
        let var = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        var("CARACAL_CACHE_DIR")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("caracal")))
            .or_else(|| var("HOME").map(|d| d.join(".cache").join("caracal")))
    }

    /// The directory entries live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads the component at `path` from the cache, or reads, compiles
    /// and stores it; `on_compile` runs just before a compilation starts.
    pub fn load_file(
        &self,
        engine: &Engine,
        path: &Path,
        on_compile: impl FnOnce(),
    ) -> Result<(Component, CacheOutcome), HostError> {
        let identity = file_identity(path);
        let memo = self.memo_path(engine, path);
        if let Some(identity) = &identity
            && let Ok(text) = std::fs::read_to_string(&memo)
            && let Some((seen, key)) = text.split_once('\n')
            && seen == identity
        {
            let entry = self.dir.join(format!("{}.cwasm", key.trim()));
            if let Some(component) = deserialize(engine, &entry) {
                return Ok((component, CacheOutcome::Hit));
            }
        }
        let bytes = std::fs::read(path).map_err(|source| HostError::ReadAgent {
            path: path.to_path_buf(),
            source,
        })?;
        let key = key(engine, &bytes);
        let loaded = self.load(engine, path, &bytes, on_compile)?;
        // The file may have changed while it was read: remember only an
        // identity that still holds.
        if let Some(identity) = identity
            && file_identity(path).as_ref() == Some(&identity)
        {
            let _ = write_atomically(&memo, format!("{identity}\n{key}\n").as_bytes());
        }
        Ok(loaded)
    }

    fn memo_path(&self, engine: &Engine, path: &Path) -> PathBuf {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let mut digest = Sha256::new();
        digest.update(path.as_os_str().as_encoded_bytes());
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        digest.update(hasher.finish().to_le_bytes());
        self.dir
            .join("files")
            .join(caracal_envelope::hex_lower(&digest.finalize()[..16]))
    }

    /// Loads `bytes` (read from `path`) from the cache, or compiles and
    /// stores them; `on_compile` runs just before a compilation starts.
    pub fn load(
        &self,
        engine: &Engine,
        path: &Path,
        bytes: &[u8],
        on_compile: impl FnOnce(),
    ) -> Result<(Component, CacheOutcome), HostError> {
        let entry = self.dir.join(format!("{}.cwasm", key(engine, bytes)));
        if entry.is_file()
            && let Some(component) = deserialize(engine, &entry)
        {
            return Ok((component, CacheOutcome::Hit));
        }
        on_compile();
        let component = compile(engine, path, bytes)?;
        if let Err(e) = self.store(&entry, &component) {
            eprintln!(
                "caracal-host: not caching the compiled agent in {}: {e}",
                self.dir.display()
            );
        }
        Ok((component, CacheOutcome::Compiled))
    }

    fn store(&self, entry: &Path, component: &Component) -> std::io::Result<()> {
        let bytes = component
            .serialize()
            .map_err(|e| std::io::Error::other(chain(&e)))?;
        write_atomically(entry, &bytes)
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}

/// What identifies a file's contents without reading it: its size, device,
/// inode, and modification and change times (the change time moves on any
/// write, and cannot be set back). `None` where that is not available.
fn file_identity(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(path).ok()?;
        Some(format!(
            "{} {} {} {}.{} {}.{}",
            meta.len(),
            meta.dev(),
            meta.ino(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec()
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Compiles a component without the cache.
pub(crate) fn compile(engine: &Engine, path: &Path, bytes: &[u8]) -> Result<Component, HostError> {
    Component::new(engine, bytes).map_err(|e| HostError::LoadAgent {
        path: path.to_path_buf(),
        message: chain(&e),
    })
}

fn key(engine: &Engine, bytes: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let mut digest = Sha256::new();
    digest.update(bytes);
    digest.update(hasher.finish().to_le_bytes());
    caracal_envelope::hex_lower(&digest.finalize()[..20])
}

#[expect(
    unsafe_code,
    reason = "deserializing native code; entries are written only by this cache"
)]
fn deserialize(engine: &Engine, entry: &Path) -> Option<Component> {
    // SAFETY: `Component::deserialize_file` trusts the file to be a
    // compilation produced by a compatible engine. Entries are written by
    // `ComponentCache::store` alone, atomically, under a key that includes
    // the engine's compatibility hash; wasmtime still checks the header and
    // refuses an incompatible file, which we then recompile.
    unsafe { Component::deserialize_file(engine, entry) }.ok()
}
