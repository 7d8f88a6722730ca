//! `caracal-host`: run agents compiled to WebAssembly under Caracal
//! governance.

mod commands;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Host logs (lease loss, limits, refusals) go to stderr; RUST_LOG
    // chooses how much, `warn` by default.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    commands::Cli::parse().execute()
}
