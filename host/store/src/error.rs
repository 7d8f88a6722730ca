//! [`StoreError`]: every way a store operation can fail.

use std::fmt;

use crate::records::SessionStatus;

/// Which capacity limit a checked insert hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitKind {
    /// The child would be deeper than `max_depth`.
    Depth,
    /// The parent already has `max_live_children` live children.
    Children,
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::Depth => "depth",
            LimitKind::Children => "live children",
        })
    }
}

/// An error of a [`Store`](crate::Store) operation.
///
/// The first group are outcomes a caller acts on ([`Limit`](Self::Limit),
/// [`StaleGeneration`](Self::StaleGeneration), [`NotFound`](Self::NotFound),
/// [`NotLive`](Self::NotLive), [`Conflict`](Self::Conflict),
/// [`Invalid`](Self::Invalid)); the rest mean the store itself is unusable
/// or damaged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A capacity limit was reached; nothing was written.
    #[error("{what} limit reached (maximum {max})")]
    Limit {
        /// Which limit.
        what: LimitKind,
        /// Its value.
        max: u32,
    },
    /// A lease holder presented a generation that is no longer current:
    /// another holder took the lease over (fencing).
    #[error("stale lease generation {given} for session `{id}` (current {current})")]
    StaleGeneration {
        /// The session.
        id: String,
        /// The generation presented.
        given: u64,
        /// The current generation.
        current: u64,
    },
    /// No such session or edge.
    #[error("{what} `{id}` not found")]
    NotFound {
        /// `"session"` or `"edge"`.
        what: &'static str,
        /// The id looked up.
        id: String,
    },
    /// The session is not in a state that allows the operation (a
    /// terminated or expired parent, a suspended service renewing its
    /// lease, a change to a terminated session).
    #[error("session `{id}` is {status}")]
    NotLive {
        /// The session.
        id: String,
        /// Its status (an expired task reads as terminated).
        status: SessionStatus,
    },
    /// The write conflicts with what is stored: a duplicate id, a state
    /// change out of a final state, a chain head that moved.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller passed something the store cannot take (a value out of
    /// range, a record inconsistent with its parent, a bad URL).
    #[error("invalid: {0}")]
    Invalid(String),
    /// The database holds something this code cannot read.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database was migrated by newer code (`found` is above
    /// `supported`): refuse rather than misread it.
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    Migration {
        /// The version recorded in the database.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// The database failed (I/O, connection, lock timeout, SQL error).
    #[error("store backend: {0}")]
    Backend(String),
}

impl StoreError {
    pub(crate) fn session_not_found(id: &str) -> Self {
        StoreError::NotFound {
            what: "session",
            id: id.to_owned(),
        }
    }

    pub(crate) fn edge_not_found(id: &str) -> Self {
        StoreError::NotFound {
            what: "edge",
            id: id.to_owned(),
        }
    }
}

/// Converts a `u64` to the `i64` both databases store.
pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Invalid(format!("{what} {value} is too large")))
}

/// Converts a stored `i64` back to `u64`.
pub(crate) fn to_u64(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} is negative")))
}

/// [`to_i64`] for an option.
pub(crate) fn opt_i64(value: Option<u64>, what: &str) -> Result<Option<i64>, StoreError> {
    value.map(|v| to_i64(v, what)).transpose()
}

/// [`to_u64`] for an option.
pub(crate) fn opt_u64(value: Option<i64>, what: &str) -> Result<Option<u64>, StoreError> {
    value.map(|v| to_u64(v, what)).transpose()
}
