//! Python agents: componentize-py builds a component of world
//! `caracal:agent/agent` from a two-line app module that imports the agent
//! and exports `wasi:cli/run` through the SDK's entry wrapper (which calls
//! the agent's `main()`, or runs `async def main()` on the SDK's event
//! loop over `wasi:io/poll`); see `guest/python/BUILD.md`. The agent is
//! one module: its top level runs when the component is built (the
//! interpreter is snapshotted), `main()` when it runs.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::tools::{self, COMPONENTIZE_PY_VERSION};
use super::{BuildError, BuildOptions, embedded};

/// The app module componentize-py is pointed at.
const APP_MODULE: &str = "caracal_app";

/// Builds `source` into `output`; returns the toolchain install time.
pub(crate) fn build(
    source: &Path,
    output: &Path,
    work: &Path,
    options: &BuildOptions,
    progress: &dyn Fn(&str),
) -> Result<Duration, BuildError> {
    if !embedded::has("python/caracalai") {
        return Err(BuildError::Step {
            step: "bundling the Python SDK".into(),
            status: "missing".into(),
            output: "this caracal-host was built without guest/python/caracalai".into(),
        });
    }
    let module = source
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| {
            s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && *s != APP_MODULE
                && *s != "caracalai"
        })
        .ok_or_else(|| BuildError::Step {
            step: "naming the agent module".into(),
            status: "refused".into(),
            output: format!(
                "{}: a Python agent's file name must be a module name (letters, digits, _), not caracalai",
                source.display()
            ),
        })?;
    let python = tools::python().ok_or(BuildError::MissingTool {
        tool: "Python 3.9 or newer (with venv)",
        language: "Python",
        hint: "install python3 (and python3-venv on Debian/Ubuntu), or set CARACAL_PYTHON to one",
    })?;
    let name = format!("componentize-py-{COMPONENTIZE_PY_VERSION}");
    let (toolchain, install) = tools::toolchain(&options.cache_dir, &name, |dir| {
        progress(&format!(
            "installing componentize-py {COMPONENTIZE_PY_VERSION} (pip, once)"
        ));
        tools::run(
            "python -m venv",
            Command::new(&python).args(["-m", "venv"]).arg(dir),
        )?;
        tools::run(
            "pip install componentize-py",
            Command::new(dir.join("bin/python"))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .arg(format!("componentize-py=={COMPONENTIZE_PY_VERSION}")),
        )
        .map(drop)
    })?;
    // One staging directory holds the SDK, the agent and the app module:
    // componentize-py writes bytecode into every directory it is given, so
    // it is given none of the user's.
    let stage = work.join("python");
    let staged_agent = stage.join(format!("{module}.py"));
    std::fs::copy(source, &staged_agent).map_err(BuildError::io(&staged_agent))?;
    let app_file = stage.join(format!("{APP_MODULE}.py"));
    std::fs::write(
        &app_file,
        format!(
            "import {module} as agent\nfrom caracalai._entry import entry\n\nRun = entry(agent)\n"
        ),
    )
    .map_err(BuildError::io(&app_file))?;
    progress(&format!(
        "componentizing {} (componentize-py)",
        source.display()
    ));
    tools::run(
        "componentize-py",
        Command::new(toolchain.join("bin/componentize-py"))
            .arg("-d")
            .arg(work.join("wit"))
            .args(["-w", "caracal:agent/agent", "componentize", APP_MODULE])
            .arg("-p")
            .arg(&stage)
            .arg("-o")
            .arg(output),
    )?;
    Ok(install)
}
