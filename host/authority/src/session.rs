//! Session identity, lifecycle and the read-only [`SessionView`]; mirrors
//! `lifecycle`, `session-status`, `lease` and `context` in
//! `caracal:agent/types`.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use crate::grant::{Authority, Grant};

/// A session id: a UUIDv7 string for every session the engine mints.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(Arc<str>);

impl SessionId {
    /// A fresh UUIDv7 id.
    pub(crate) fn generate() -> Self {
        let mut buf = uuid::Uuid::encode_buffer();
        Self(Arc::from(
            &*uuid::Uuid::now_v7().hyphenated().encode_lower(&mut buf),
        ))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SessionId {
    fn from(id: &str) -> Self {
        Self(Arc::from(id))
    }
}

impl From<String> for SessionId {
    fn from(id: String) -> Self {
        Self(Arc::from(id))
    }
}

impl AsRef<str> for SessionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// `Hash`, `Eq` and `Ord` are derived from the inner `str`, so borrowing as
// `str` is consistent and lets maps be queried by `&str`.
impl Borrow<str> for SessionId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// How a session's life is bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    /// Retired when closed or when its TTL expires.
    Task,
    /// Lives as long as its heartbeat lease is renewed.
    Service,
}

/// Where a session is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStatus {
    /// Live: headers and outbound calls are served.
    Active,
    /// Held: a lease lapsed.
    Suspended,
    /// Retired for good: closed or expired.
    Terminated,
}

/// A service session's lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// Unix ms when the lease lapses unless renewed.
    pub deadline_ms: u64,
    /// Fencing token: a holder presenting another generation is refused.
    pub generation: u64,
    /// The session's status.
    pub status: SessionStatus,
}

/// How to spawn a child session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpawnRequest {
    /// Task or service.
    pub lifecycle: Lifecycle,
    /// Descriptive labels: at most 32, each 1..=64 characters after trimming.
    pub labels: Vec<String>,
    /// The authority the child starts with.
    pub grant: Grant,
    /// Task TTL in seconds, 1..=86400 (default: the config's); must be
    /// `None` for a service.
    pub ttl_seconds: Option<u32>,
}

impl SpawnRequest {
    /// A task request with no labels, an inherited grant and the default TTL.
    pub fn task() -> Self {
        Self {
            lifecycle: Lifecycle::Task,
            labels: Vec::new(),
            grant: Grant::Inherit,
            ttl_seconds: None,
        }
    }

    /// A service request with no labels and an inherited grant.
    pub fn service() -> Self {
        Self {
            lifecycle: Lifecycle::Service,
            ..Self::task()
        }
    }

    /// Replaces the grant.
    pub fn with_grant(mut self, grant: Grant) -> Self {
        self.grant = grant;
        self
    }

    /// Replaces the labels.
    pub fn with_labels(mut self, labels: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the task TTL in seconds.
    pub fn with_ttl_seconds(mut self, ttl_seconds: u32) -> Self {
        self.ttl_seconds = Some(ttl_seconds);
        self
    }
}

/// A read-only copy of one context, cheap enough to take per spawn (not per
/// headers call).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionView {
    /// The session id (the root context has one too).
    pub id: SessionId,
    /// The zone every session of this engine belongs to.
    pub zone_id: String,
    /// The application whose authority the root carries.
    pub application_id: String,
    /// The parent session; `None` for a root.
    pub parent: Option<SessionId>,
    /// Whether this is a root context.
    pub is_root: bool,
    /// The lifecycle; `None` for a root.
    pub lifecycle: Option<Lifecycle>,
    /// The status, with lazy expiry applied.
    pub status: SessionStatus,
    /// The trimmed labels.
    pub labels: Vec<String>,
    /// W3C trace id shared by the whole tree.
    pub trace_id: [u8; 16],
    /// Nesting depth: 0 for a root.
    pub depth: u32,
    /// Unix ms when a task expires; `None` for roots and services.
    pub expires_at_ms: Option<u64>,
    /// The lease of a service; `None` otherwise.
    pub lease: Option<Lease>,
    /// The authority presented; `None` after [`Grant::None`].
    pub authority: Option<Authority>,
    /// Unix ms when the session was created.
    pub created_at_ms: u64,
}
