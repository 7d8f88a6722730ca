//! `caracal-host`: run agents compiled to WebAssembly under Caracal
//! governance.

mod commands;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    commands::Cli::parse().execute()
}
