//! The command line: one file per subcommand.

mod admin;
mod audit;
mod build;
mod keys;
mod run;
mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit code for errors the user can fix: bad configuration, a missing or
/// invalid agent file.
pub const EXIT_USER_ERROR: u8 = 2;
/// Exit code for failures of the host itself, or an agent that trapped.
pub const EXIT_FAILURE: u8 = 1;

/// Run AI agents compiled to WebAssembly with governed, narrowing,
/// auditable Caracal authority instead of credentials.
#[derive(Debug, Parser)]
#[command(name = "caracal-host", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The state store (with the audit chain) the binary writes and reads
/// unless configured otherwise.
pub const DEFAULT_STORE: &str = ".caracal/caracal.db";

#[derive(Debug, Subcommand)]
enum Command {
    Run(run::RunCommand),
    Build(build::BuildCommand),
    Serve(serve::ServeCommand),
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Show or rotate the token-signing keys of a stopped host.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Inspect the sessions of a running host (`list`, `tree`, `show`).
    Sessions {
        #[command(subcommand)]
        command: admin::SessionsCommand,
        #[command(flatten)]
        target: admin::Target,
    },
    /// Inspect the delegation edges of a running host (`list`, `impact`).
    Delegations {
        #[command(subcommand)]
        command: admin::DelegationsCommand,
        #[command(flatten)]
        target: admin::Target,
    },
    /// Revoke a delegation (and everything downstream of it), or retire a
    /// session with its subtree; revoking an agent's root stops the agent.
    Revoke {
        /// A delegation id or a session id.
        id: String,
        #[command(flatten)]
        target: admin::Target,
    },
    /// Suspend a session and its subtree.
    Suspend {
        /// The session id.
        id: String,
        #[command(flatten)]
        target: admin::Target,
    },
    /// Resume a suspended session and its subtree.
    Resume {
        /// The session id.
        id: String,
        #[command(flatten)]
        target: admin::Target,
    },
}

impl Cli {
    /// Runs the chosen subcommand and maps its result to an exit code.
    pub fn execute(self) -> ExitCode {
        match self.command {
            Command::Run(command) => command.execute(),
            Command::Build(command) => command.execute(),
            Command::Serve(command) => command.execute(),
            Command::Audit(command) => command.execute(),
            Command::Keys(command) => command.execute(),
            Command::Sessions { command, target } => command.execute(&target),
            Command::Delegations { command, target } => command.execute(&target),
            Command::Revoke { id, target } => admin::act(&target, "revoke", &id),
            Command::Suspend { id, target } => admin::act(&target, "suspend", &id),
            Command::Resume { id, target } => admin::act(&target, "resume", &id),
        }
    }
}

/// Prints an error with its cause chain and returns the matching exit code.
pub fn report(error: &caracal_host::HostError) -> ExitCode {
    print_error(error);
    ExitCode::from(if error.is_user_error() {
        EXIT_USER_ERROR
    } else {
        EXIT_FAILURE
    })
}

/// Prints `caracal-host: error: <error>: <cause>: …` to stderr.
pub fn print_error(error: &dyn std::error::Error) {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    eprintln!("caracal-host: error: {message}");
}
