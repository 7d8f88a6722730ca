//! The pinned toolchains: found in the cache, or installed there once
//! (under a lock, so concurrent builds install once), and the programs
//! they need on the machine (Python, Node.js).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::BuildError;

/// componentize-py, from PyPI.
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";
/// @bytecodealliance/componentize-js, from npm.
pub const COMPONENTIZE_JS_VERSION: &str = "0.23.0";
/// @bytecodealliance/jco, from npm.
pub const JCO_VERSION: &str = "1.35.0";
/// esbuild (bundles the agent with the SDK; strips TypeScript types).
pub const ESBUILD_VERSION: &str = "0.28.2";

/// `name` on `PATH`, if it is there.
pub(crate) fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Runs `command` as the build step `step`; its output is kept for the
/// error when it fails.
pub(crate) fn run(step: &str, command: &mut Command) -> Result<std::process::Output, BuildError> {
    let output = command.output().map_err(|e| BuildError::Step {
        step: step.to_owned(),
        status: "did not start".to_owned(),
        output: e.to_string(),
    })?;
    if output.status.success() {
        return Ok(output);
    }
    Err(BuildError::Step {
        step: step.to_owned(),
        status: output.status.to_string(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ),
    })
}

/// A toolchain directory under the cache: `install` runs once into a
/// staging directory (under a lock), which is then renamed into place.
/// Returns the directory and how long installing took (zero when cached).
pub(crate) fn toolchain(
    cache: &Path,
    name: &str,
    install: impl FnOnce(&Path) -> Result<(), BuildError>,
) -> Result<(PathBuf, Duration), BuildError> {
    let root = cache.join("toolchains");
    let dir = root.join(name);
    if dir.join(".ready").exists() {
        return Ok((dir, Duration::ZERO));
    }
    std::fs::create_dir_all(&root).map_err(BuildError::io(&root))?;
    let lock_path = root.join(format!("{name}.lock"));
    let lock = std::fs::File::create(&lock_path).map_err(BuildError::io(&lock_path))?;
    lock.lock().map_err(BuildError::io(&lock_path))?;
    if dir.join(".ready").exists() {
        return Ok((dir, Duration::ZERO));
    }
    let started = Instant::now();
    let _ = std::fs::remove_dir_all(&dir);
    install(&dir)?;
    std::fs::write(dir.join(".ready"), name).map_err(BuildError::io(&dir))?;
    Ok((dir, started.elapsed()))
}

/// A Python 3.9 or newer (componentize-py's wheel is cp39-abi3) to install
/// componentize-py with:
/// `$CARACAL_PYTHON`, `python3`, `python`, then the newest pyenv one.
pub(crate) fn python() -> Option<PathBuf> {
    let fits = |python: &Path| {
        Command::new(python)
            .args([
                "-c",
                "import sys, venv; sys.exit(sys.version_info < (3, 9))",
            ])
            .output()
            .is_ok_and(|out| out.status.success())
    };
    if let Some(chosen) = std::env::var_os("CARACAL_PYTHON") {
        let chosen = PathBuf::from(chosen);
        return fits(&chosen).then_some(chosen);
    }
    let mut candidates: Vec<PathBuf> = ["python3", "python"]
        .iter()
        .filter_map(|name| on_path(name))
        .collect();
    if let Some(home) = std::env::var_os("HOME") {
        let versions = Path::new(&home).join(".pyenv/versions");
        let mut found: Vec<PathBuf> = std::fs::read_dir(versions)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("bin/python3"))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        candidates.extend(found.into_iter().rev());
    }
    candidates.into_iter().find(|candidate| fits(candidate))
}

/// Node.js and npm, for the JavaScript toolchain.
pub(crate) fn node() -> Option<(PathBuf, PathBuf)> {
    Some((on_path("node")?, on_path("npm")?))
}
