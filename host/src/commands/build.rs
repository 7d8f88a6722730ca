//! `caracal-host build`: a Python or JavaScript/TypeScript agent into a
//! component that `caracal-host run` runs like any agent.

use caracal_host::build::{BuildOptions, build};
use indicatif::{ProgressBar, ProgressDrawTarget};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Build a Python (`agent.py`, defining `main()` or `async def main()`) or
/// JavaScript/TypeScript (`agent.js`, `agent.ts`, exporting `main`) agent
/// into a component, with the Caracal guest SDK bundled.
///
/// The pinned toolchain (componentize-py, or ComponentizeJS with jco and
/// esbuild) is installed into the cache on first use (needs Python 3.9+
/// or Node.js 18+ and the network once).
#[derive(Debug, clap::Args)]
pub struct BuildCommand {
    /// The agent's source file.
    source: PathBuf,
    /// Where to write the component (default: the source with `.wasm`).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl BuildCommand {
    /// Builds, showing progress on stderr.
    pub fn execute(self) -> ExitCode {
        let output = self
            .output
            .clone()
            .unwrap_or_else(|| self.source.with_extension("wasm"));
        let progress = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        progress.enable_steady_tick(Duration::from_millis(100));
        let step = |message: &str| {
            if progress.is_hidden() {
                eprintln!("caracal-host: {message}");
            }
            progress.set_message(message.to_owned());
        };
        let result = build(&self.source, &output, &BuildOptions::from_env(), &step);
        progress.finish_and_clear();
        match result {
            Ok(report) => {
                let install = if report.install.is_zero() {
                    String::new()
                } else {
                    format!(
                        "; toolchain installed in {:.1} s",
                        report.install.as_secs_f64()
                    )
                };
                eprintln!(
                    "caracal-host: built {} ({:.1} MiB, {:?}, {:.1} s{install})",
                    report.output.display(),
                    report.bytes as f64 / (1024.0 * 1024.0),
                    report.language,
                    report.build.as_secs_f64(),
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                super::print_error(&error);
                let user = matches!(
                    error,
                    caracal_host::build::BuildError::UnknownLanguage(_)
                        | caracal_host::build::BuildError::MissingSource(_)
                        | caracal_host::build::BuildError::MissingTool { .. }
                );
                ExitCode::from(if user {
                    super::EXIT_USER_ERROR
                } else {
                    super::EXIT_FAILURE
                })
            }
        }
    }
}
