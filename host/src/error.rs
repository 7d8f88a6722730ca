//! Error types: what a host call returns to a guest, and what the library
//! returns to its embedder.

use crate::config::ConfigError;
use crate::limits::LimitExceeded;
use caracal_authority::AuthorityError;
use wasmtime::component::ResourceTableError;

/// The outcome of a failed `caracal:agent` host call.
///
/// A refusal (policy denial, bad argument, exhausted limit) reaches the guest
/// as the WIT `error` variant; anything else is a host bug or a table error
/// and traps the guest.
#[derive(Debug)]
pub enum HostCallError {
    /// Returned to the guest as `caracal:agent/types.error`.
    Refused(AuthorityError),
    /// Traps the guest.
    Trap(wasmtime::Error),
}

impl From<AuthorityError> for HostCallError {
    fn from(error: AuthorityError) -> Self {
        HostCallError::Refused(error)
    }
}

impl From<ResourceTableError> for HostCallError {
    fn from(error: ResourceTableError) -> Self {
        HostCallError::Trap(error.into())
    }
}

/// Errors from the host library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// The configuration is invalid; every bad entry is listed.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The agent file could not be read.
    #[error("cannot read agent `{path}`")]
    ReadAgent {
        /// The file that could not be read.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The agent is not a valid component, or does not fit the host.
    #[error("cannot load agent `{path}`: {message}")]
    LoadAgent {
        /// The agent file.
        path: std::path::PathBuf,
        /// Wasmtime's explanation, with its cause chain.
        message: String,
    },
    /// The agent needs imports this host does not provide, or is not a
    /// `wasi:cli/run` command.
    #[error("agent does not fit the host: {0}")]
    Link(String),
    /// An output file (such as `--jwks`) could not be written.
    #[error("cannot write `{path}`")]
    WriteFile {
        /// The file that could not be written.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A directory given to the agent (`--dir`) cannot be opened.
    #[error("cannot give the agent directory `{path}`: {message}")]
    Dir {
        /// The host directory.
        path: std::path::PathBuf,
        /// Why.
        message: String,
    },
    /// An `--env` given to the agent names no variable, or one the host
    /// does not have.
    #[error("--env: {0}")]
    Env(String),
    /// The wasm engine could not be set up.
    #[error("cannot start the wasm engine: {0}")]
    Engine(String),
    /// The agent trapped or failed while running.
    #[error("agent failed: {0}")]
    AgentFailed(String),
    /// The audit log could not be opened (in use by another host, damaged,
    /// or not writable).
    #[error("cannot open the audit log")]
    Audit(#[source] caracal_audit::AuditError),
    /// The state store could not be opened or recovered.
    #[error("cannot open the state store")]
    Store(#[source] caracal_store::StoreError),
    /// The state directory is unusable (in use by another host, or not
    /// writable).
    #[error("cannot use the state directory")]
    StateDir(#[source] std::io::Error),
    /// An operator revoked the agent's root authority while it ran (the
    /// kill switch); the payload is the root's id.
    #[error("agent stopped: its root authority {0} was revoked")]
    Revoked(String),
    /// The host stopped the agent because it exceeded a resource limit.
    #[error("agent stopped: {0}")]
    Limit(#[from] LimitExceeded),
}

impl HostError {
    /// Whether the error is the user's to fix (bad config, bad agent file)
    /// rather than a failure of the host itself.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            HostError::Config(_)
                | HostError::ReadAgent { .. }
                | HostError::LoadAgent { .. }
                | HostError::Link(_)
                | HostError::WriteFile { .. }
                | HostError::Dir { .. }
                | HostError::Env(_)
                | HostError::Audit(_)
                | HostError::StateDir(_)
        )
    }
}

/// Formats a wasmtime error with its whole cause chain on one line.
pub(crate) fn chain(error: &wasmtime::Error) -> String {
    format!("{error:#}")
}
