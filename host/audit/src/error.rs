//! Errors of the file log: [`AuditError`] and, per line, [`LineError`].

use std::io;
use std::path::PathBuf;

use crate::verify::Tamper;

/// An error of the file log ([`AuditLog`](crate::AuditLog),
/// [`verify_file`](crate::verify_file), [`read`](crate::read),
/// [`Follower`](crate::Follower)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The file could not be created, opened, read, written or synced.
    #[error("audit log {path}: {source}")]
    Io {
        /// The log file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// [`verify_file`](crate::verify_file) found the chain tampered with.
    #[error("audit log {path} does not verify")]
    Tampered {
        /// The log file.
        path: PathBuf,
        /// Where and what.
        #[source]
        source: Tamper,
    },
    /// [`AuditLog::open`](crate::AuditLog::open) refused to append: the
    /// last line is not a complete record whose hash matches (for example
    /// an append cut short by a crash, or an edit). Nothing was changed.
    #[error("audit log {path}: refusing to append after a damaged last record")]
    DamagedTail {
        /// The log file.
        path: PathBuf,
        /// What is wrong with the last line.
        #[source]
        source: Tamper,
    },
    /// Another [`AuditLog`](crate::AuditLog) (in this or another process)
    /// holds the file's lock.
    #[error("audit log {path} is locked by another writer")]
    Locked {
        /// The log file.
        path: PathBuf,
    },
    /// An earlier append failed in a way that left the file's end unknown;
    /// the log refuses further appends. Reopen it to find out.
    #[error("audit log {path} is unusable after an earlier write or sync failure")]
    Poisoned {
        /// The log file.
        path: PathBuf,
    },
    /// A followed file became shorter than what was already read: an
    /// append-only log was truncated or replaced.
    #[error("audit log {path} shrank to {len} bytes after {offset} were read")]
    Shrunk {
        /// The log file.
        path: PathBuf,
        /// Its length now.
        len: u64,
        /// How much had been read.
        offset: u64,
    },
}

impl AuditError {
    /// The tamper report, for [`AuditError::Tampered`] and
    /// [`AuditError::DamagedTail`].
    pub fn tamper(&self) -> Option<&Tamper> {
        match self {
            AuditError::Tampered { source, .. } | AuditError::DamagedTail { source, .. } => {
                Some(source)
            }
            _ => None,
        }
    }
}

/// One line of a log that could not be read as a record
/// ([`read`](crate::read), [`Follower::poll`](crate::Follower::poll)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// The line is not a record: not UTF-8 JSON, truncated, or with
    /// missing or unknown fields.
    #[error("line {line}: not an audit record: {}", json_message(error))]
    Parse {
        /// 1-based line number.
        line: u64,
        /// The JSON error (its line/column are within this one line).
        error: serde_json::Error,
    },
    /// Reading failed; iteration ends after this.
    #[error("line {line}: read failed: {source}")]
    Io {
        /// 1-based number of the line being read.
        line: u64,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

impl LineError {
    /// The 1-based line number.
    pub fn line(&self) -> u64 {
        match self {
            LineError::Parse { line, .. } | LineError::Io { line, .. } => *line,
        }
    }
}

/// A JSON error's text without serde_json's "at line 1 column N", which
/// would be confusing next to a file line number: "… (column N)".
pub(crate) fn json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&suffix) {
        Some(head) => format!("{head} (column {})", error.column()),
        None => text,
    }
}
