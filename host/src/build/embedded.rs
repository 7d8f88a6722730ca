//! The WIT contract and guest SDKs embedded in the binary (by `build.rs`).

use std::path::Path;

use super::BuildError;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Writes every embedded file under `dir` (`wit/…`, `python/caracalai/…`,
/// `js/…`).
pub(crate) fn write_all(dir: &Path) -> Result<(), BuildError> {
    for (name, contents) in FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(BuildError::io(parent))?;
        }
        std::fs::write(&path, contents).map_err(BuildError::io(&path))?;
    }
    Ok(())
}

/// Whether the tree under `prefix` (e.g. `python/caracalai`) was embedded.
pub(crate) fn has(prefix: &str) -> bool {
    FILES.iter().any(|(name, _)| name.starts_with(prefix))
}
