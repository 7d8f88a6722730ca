//! The change feed: every state change is numbered by a monotonically
//! increasing version, so another host can catch up ([`Change`],
//! [`ChangeListener`]).

use std::fmt;
use std::time::Duration;

use crate::error::{StoreError, to_u64};
use crate::records::{EdgeState, SessionStatus};

/// What changed. Lease renewals are not in the feed (they are the hottest
/// write and only the holder cares); a take-over is, so a fenced-out host
/// learns it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChangeEvent {
    /// A session was inserted.
    SessionInserted {
        /// The session.
        id: String,
    },
    /// A session's status changed (suspended, resumed, terminated).
    SessionStatus {
        /// The session.
        id: String,
        /// Its new status.
        status: SessionStatus,
    },
    /// A service session's lease was taken over by a host.
    LeaseTakenOver {
        /// The session.
        id: String,
        /// The new generation; holders of older ones are fenced out.
        generation: u64,
        /// The host that holds it now.
        host_id: String,
    },
    /// An edge was inserted.
    EdgeInserted {
        /// The edge.
        id: String,
    },
    /// An edge's state changed (accepted, revoked).
    EdgeState {
        /// The edge.
        id: String,
        /// Its new state.
        state: EdgeState,
    },
}

impl ChangeEvent {
    /// The session or edge the change is about.
    pub fn subject(&self) -> &str {
        match self {
            ChangeEvent::SessionInserted { id }
            | ChangeEvent::SessionStatus { id, .. }
            | ChangeEvent::LeaseTakenOver { id, .. }
            | ChangeEvent::EdgeInserted { id }
            | ChangeEvent::EdgeState { id, .. } => id,
        }
    }

    /// The stored columns `(kind, value, host_id)`; the subject is
    /// [`subject`](Self::subject).
    pub(crate) fn columns(&self) -> (&'static str, Option<String>, Option<&str>) {
        match self {
            ChangeEvent::SessionInserted { .. } => ("session_inserted", None, None),
            ChangeEvent::SessionStatus { status, .. } => {
                ("session_status", Some(status.as_str().to_owned()), None)
            }
            ChangeEvent::LeaseTakenOver {
                generation,
                host_id,
                ..
            } => (
                "lease_taken_over",
                Some(generation.to_string()),
                Some(host_id),
            ),
            ChangeEvent::EdgeInserted { .. } => ("edge_inserted", None, None),
            ChangeEvent::EdgeState { state, .. } => {
                ("edge_state", Some(state.as_str().to_owned()), None)
            }
        }
    }

    /// Rebuilds an event from its stored columns.
    pub(crate) fn from_columns(
        kind: &str,
        subject: String,
        value: Option<String>,
        host_id: Option<String>,
    ) -> Result<Self, StoreError> {
        let value = || {
            value
                .clone()
                .ok_or_else(|| StoreError::Corrupt(format!("change `{kind}` without a value")))
        };
        Ok(match kind {
            "session_inserted" => ChangeEvent::SessionInserted { id: subject },
            "session_status" => ChangeEvent::SessionStatus {
                id: subject,
                status: value()?.parse()?,
            },
            "lease_taken_over" => ChangeEvent::LeaseTakenOver {
                id: subject,
                generation: value()?
                    .parse()
                    .map_err(|_| StoreError::Corrupt("lease generation".into()))?,
                host_id: host_id.unwrap_or_default(),
            },
            "edge_inserted" => ChangeEvent::EdgeInserted { id: subject },
            "edge_state" => ChangeEvent::EdgeState {
                id: subject,
                state: value()?.parse()?,
            },
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown change kind `{other}`"
                )));
            }
        })
    }
}

/// One numbered entry of the change feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Position in the feed: strictly increasing in commit order, without
    /// gaps until the feed is pruned.
    pub version: u64,
    /// Unix ms the writer gave for the change.
    pub at_ms: u64,
    /// What changed.
    pub event: ChangeEvent,
}

impl Change {
    /// Builds a change from stored columns.
    pub(crate) fn from_row(
        version: i64,
        at_ms: i64,
        kind: &str,
        subject: String,
        value: Option<String>,
        host_id: Option<String>,
    ) -> Result<Self, StoreError> {
        Ok(Change {
            version: to_u64(version, "change version")?,
            at_ms: to_u64(at_ms, "change time")?,
            event: ChangeEvent::from_columns(kind, subject, value, host_id)?,
        })
    }
}

/// A subscription to the change feed, from the version current when it was
/// created ([`Store::listen`](crate::Store::listen)).
///
/// On PostgreSQL it holds its own connection that `LISTEN`s on the store's
/// channel, so a commit on any host wakes it within milliseconds; on SQLite
/// it polls the feed at a short interval (one file, so one machine).
pub trait ChangeListener: Send + fmt::Debug {
    /// Waits up to `timeout` for changes after the last one returned and
    /// returns them in version order; empty on timeout.
    fn wait(&mut self, timeout: Duration) -> Result<Vec<Change>, StoreError>;

    /// The last version returned (or the start version).
    fn version(&self) -> u64;
}
