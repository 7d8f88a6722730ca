//! JavaScript and TypeScript agents: esbuild bundles the agent with the
//! SDK and its entry wrapper (which exports `wasi:cli/run` and calls the
//! agent's `main`) into one ES module, stripping TypeScript types;
//! ComponentizeJS turns the module into a component of world
//! `caracal:agent/agent` (see `guest/js/BUILD.md`).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::tools::{self, COMPONENTIZE_JS_VERSION, ESBUILD_VERSION};
use super::{BuildError, BuildOptions, Language, embedded};

/// Builds `source` into `output`; returns the toolchain install time.
pub(crate) fn build(
    source: &Path,
    output: &Path,
    _language: Language,
    work: &Path,
    options: &BuildOptions,
    progress: &dyn Fn(&str),
) -> Result<Duration, BuildError> {
    if !embedded::has("js/src") {
        return Err(BuildError::Step {
            step: "bundling the JavaScript SDK".into(),
            status: "missing".into(),
            output: "this caracal-host was built without guest/js/src".into(),
        });
    }
    let (_, npm) = tools::node().ok_or(BuildError::MissingTool {
        tool: "Node.js 18 or newer (node and npm)",
        language: "JavaScript",
        hint: "install Node.js (https://nodejs.org, or your package manager's nodejs and npm)",
    })?;
    let name = format!("componentize-js-{COMPONENTIZE_JS_VERSION}-esbuild-{ESBUILD_VERSION}");
    let (toolchain, install) = tools::toolchain(&options.cache_dir, &name, |dir| {
        progress(&format!(
            "installing ComponentizeJS {COMPONENTIZE_JS_VERSION} and esbuild {ESBUILD_VERSION} (npm, once)"
        ));
        std::fs::create_dir_all(dir).map_err(BuildError::io(dir))?;
        std::fs::write(
            dir.join("package.json"),
            r#"{"name":"caracal-js-toolchain","private":true}"#,
        )
        .map_err(BuildError::io(dir))?;
        tools::run(
            "npm install",
            Command::new(&npm)
                .current_dir(dir)
                .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
                .arg(format!(
                    "@bytecodealliance/componentize-js@{COMPONENTIZE_JS_VERSION}"
                ))
                .arg(format!("esbuild@{ESBUILD_VERSION}")),
        )
        .map(drop)
    })?;
    let bin = toolchain.join("node_modules/.bin");
    let sdk = work.join("js/src");
    let bundle = work.join("agent.bundle.js");
    progress(&format!("bundling {}", source.display()));
    tools::run(
        "esbuild (bundling the agent with the SDK)",
        Command::new(bin.join("esbuild"))
            .arg(sdk.join("entry.js"))
            .args([
                "--bundle",
                "--format=esm",
                "--platform=browser",
                "--target=es2022",
                "--external:caracal:*",
                "--external:wasi:*",
                "--log-level=warning",
            ])
            .arg(format!("--alias:caracal-agent-main={}", source.display()))
            .arg(format!(
                "--alias:@caracal/agent={}",
                sdk.join("index.js").display()
            ))
            .arg(format!("--outfile={}", bundle.display())),
    )?;
    progress(&format!(
        "componentizing {} (ComponentizeJS)",
        source.display()
    ));
    tools::run(
        "componentize-js",
        Command::new(bin.join("componentize-js"))
            .arg("--wit")
            .arg(work.join("wit"))
            .args(["--world-name", "caracal:agent/agent", "--out"])
            .arg(output)
            .arg(&bundle),
    )?;
    Ok(install)
}
