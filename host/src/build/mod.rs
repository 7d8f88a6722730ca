//! `caracal-host build`: turns a Python or JavaScript/TypeScript agent into
//! a component of world `caracal:agent/agent`, with the guest SDK bundled.
//!
//! The pinned toolchain (componentize-py for Python; ComponentizeJS with
//! jco and esbuild for JavaScript and TypeScript) is found in, or installed
//! into, a cache directory on first use; the WIT contract and the SDKs are
//! embedded in the binary and written out for each build.

mod embedded;
mod js;
mod python;
mod tools;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use tools::{COMPONENTIZE_JS_VERSION, COMPONENTIZE_PY_VERSION, JCO_VERSION};

/// The language of an agent's source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// `.py`: a module defining `main()` or `async def main()`.
    Python,
    /// `.js` / `.mjs`: an ES module exporting `main`.
    JavaScript,
    /// `.ts` / `.mts`: as JavaScript, compiled first.
    TypeScript,
}

impl Language {
    /// The language of `path`, by its extension.
    pub fn of(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "py" => Some(Language::Python),
            "js" | "mjs" => Some(Language::JavaScript),
            "ts" | "mts" => Some(Language::TypeScript),
            _ => None,
        }
    }
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The source is not a `.py`, `.js`, `.mjs`, `.ts` or `.mts` file.
    #[error("cannot tell the language of {0}: expected a .py, .js, .mjs, .ts or .mts file")]
    UnknownLanguage(PathBuf),
    /// The source file does not exist.
    #[error("{0} does not exist")]
    MissingSource(PathBuf),
    /// A program the toolchain needs is not installed.
    #[error("{tool} is needed to build {language} agents and was not found: {hint}")]
    MissingTool {
        /// The program, e.g. `Python 3.9 or newer (with venv)`.
        tool: &'static str,
        /// The language being built.
        language: &'static str,
        /// How to get it.
        hint: &'static str,
    },
    /// A toolchain step failed; its output is kept.
    #[error("{step} failed ({status}):\n{output}")]
    Step {
        /// What was run.
        step: String,
        /// How it ended.
        status: String,
        /// Its stderr and stdout.
        output: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl BuildError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
        move |source| BuildError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Where toolchains are installed (`<cache>/toolchains/...`).
    pub cache_dir: PathBuf,
}

impl BuildOptions {
    /// Toolchains under `$CARACAL_CACHE_DIR`, else `$XDG_CACHE_HOME/caracal`,
    /// else `~/.cache/caracal` (where compiled components are cached too).
    pub fn from_env() -> BuildOptions {
        BuildOptions {
            cache_dir: crate::cache::ComponentCache::default_dir()
                .unwrap_or_else(|| std::env::temp_dir().join("caracal-cache")),
        }
    }
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// The language built.
    pub language: Language,
    /// The component written.
    pub output: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// How long installing the toolchain took (zero when it was cached).
    pub install: Duration,
    /// How long the build itself took.
    pub build: Duration,
}

/// Builds the agent at `source` into the component `output`, reporting
/// each step to `progress`.
pub fn build(
    source: &Path,
    output: &Path,
    options: &BuildOptions,
    progress: &dyn Fn(&str),
) -> Result<BuildReport, BuildError> {
    let language =
        Language::of(source).ok_or_else(|| BuildError::UnknownLanguage(source.to_path_buf()))?;
    if !source.is_file() {
        return Err(BuildError::MissingSource(source.to_path_buf()));
    }
    let source = source.canonicalize().map_err(BuildError::io(source))?;
    let output = absolute(output)?;
    let work = tempfile::Builder::new()
        .prefix("caracal-build-")
        .tempdir()
        .map_err(BuildError::io(&std::env::temp_dir()))?;
    embedded::write_all(work.path())?;
    let started = Instant::now();
    let install = match language {
        Language::Python => python::build(&source, &output, work.path(), options, progress)?,
        Language::JavaScript | Language::TypeScript => {
            js::build(&source, &output, language, work.path(), options, progress)?
        }
    };
    let bytes = std::fs::metadata(&output)
        .map_err(BuildError::io(&output))?
        .len();
    Ok(BuildReport {
        language,
        output,
        bytes,
        install,
        build: started.elapsed().saturating_sub(install),
    })
}

fn absolute(path: &Path) -> Result<PathBuf, BuildError> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let here = std::env::current_dir().map_err(BuildError::io(Path::new(".")))?;
    Ok(here.join(path))
}
