//! Errors loading or evaluating a policy.

use std::path::PathBuf;
use std::time::Duration;

/// A policy could not be loaded or evaluated.
///
/// Callers fail closed on every variant: an error is never an allow.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy file could not be read.
    #[error("cannot read policy file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The policy text does not parse.
    #[error("policy {name} does not parse: {message}")]
    Parse {
        /// The policy's name (its file path for [`Policy::from_file`](crate::Policy::from_file)).
        name: String,
        /// regorus' message, with the line and column.
        message: String,
    },
    /// The policy parses but fails static checks (e.g. an unsafe variable).
    #[error("policy {name} does not compile: {message}")]
    Compile {
        /// The policy's name.
        name: String,
        /// regorus' message.
        message: String,
    },
    /// The decision rule is not a rule the policy declares.
    #[error("policy {name} does not declare the rule {rule}: {message}")]
    UnknownRule {
        /// The policy's name.
        name: String,
        /// The rule path that was asked for.
        rule: String,
        /// regorus' message.
        message: String,
    },
    /// Evaluation failed at run time (conflicting rule values, a builtin
    /// error such as division by zero, ...).
    #[error("policy {name} failed evaluating {rule}: {message}")]
    Evaluation {
        /// The policy's name.
        name: String,
        /// The rule being evaluated.
        rule: String,
        /// regorus' message.
        message: String,
    },
    /// Evaluation ran past the policy's time limit.
    #[error("policy {name} exceeded its {limit:?} time limit evaluating {rule}")]
    TimeLimit {
        /// The policy's name.
        name: String,
        /// The rule being evaluated.
        rule: String,
        /// The configured limit.
        limit: Duration,
    },
}

/// regorus renders source errors as `\n--> file:line:col\n  |\n...`; drop the
/// leading blank line so the message reads well after a colon.
/// (`regorus` returns `anyhow` errors; taking `Display` keeps `anyhow` out of
/// our dependencies.)
pub(crate) fn regorus_message(err: &impl std::fmt::Display) -> String {
    format!("{err:#}").trim().to_owned()
}
