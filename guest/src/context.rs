//! Snapshots the host returns: [`ContextInfo`], [`Lifecycle`],
//! [`SessionStatus`] and [`Lease`] (WIT `caracal:agent/types`).

use std::fmt;

use crate::bindings::types;

/// A snapshot of a context: the root context or a session.
///
/// # Example
///
/// ```no_run
/// let caracal = caracal::Caracal::new();
/// let session = caracal.spawn().label("demo").start()?;
/// let info = session.context()?;
/// println!("{} / {} hop {} depth {}", info.zone_id, info.application_id, info.hop, info.depth);
/// assert_eq!(info.session_id.as_deref(), Some(session.id()));
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextInfo {
    /// The zone every session of this host belongs to.
    pub zone_id: String,
    /// The application whose authority the root context carries.
    pub application_id: String,
    /// The session id (UUIDv7); `None` for the root context.
    pub session_id: Option<String>,
    /// The delegation edge this context presents, if any.
    pub delegation_id: Option<String>,
    /// The edge that delegation was narrowed from, if any.
    pub parent_delegation_id: Option<String>,
    /// W3C trace id (32 lowercase hex digits) shared by the session tree.
    pub trace_id: String,
    /// Delegation hops between the application and this context.
    pub hop: u32,
    /// The session's labels.
    pub labels: Vec<String>,
    /// The session's lifecycle; `None` for the root context.
    pub lifecycle: Option<Lifecycle>,
    /// The session's status.
    pub status: SessionStatus,
    /// Unix time in milliseconds when the session expires, if it does.
    pub expires_at_ms: Option<u64>,
    /// Nesting depth: 0 for the root context.
    pub depth: u32,
}

impl ContextInfo {
    pub(crate) fn from_wit(context: types::Context) -> ContextInfo {
        ContextInfo {
            zone_id: context.zone_id,
            application_id: context.application_id,
            session_id: context.session_id,
            delegation_id: context.delegation_id,
            parent_delegation_id: context.parent_delegation_id,
            trace_id: context.trace_id,
            hop: context.hop,
            labels: context.labels,
            lifecycle: context.lifecycle.map(Lifecycle::from_wit),
            status: SessionStatus::from_wit(context.status),
            expires_at_ms: context.expires_at_ms,
            depth: context.depth,
        }
    }
}

/// How a session's life is bounded.
///
/// Displays as the WIT name: `task` or `service`.
///
/// # Example
///
/// ```no_run
/// use caracal::{Caracal, Lifecycle};
///
/// let worker = Caracal::new().spawn_service().label("worker").start()?;
/// assert_eq!(worker.context()?.lifecycle, Some(Lifecycle::Service));
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lifecycle {
    /// Retired when its scope ends or its TTL expires.
    Task,
    /// Lives as long as its heartbeat lease is renewed.
    Service,
}

impl Lifecycle {
    /// The WIT name of the lifecycle: `"task"` or `"service"`.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(caracal::Lifecycle::Task.as_str(), "task");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Task => "task",
            Lifecycle::Service => "service",
        }
    }

    fn from_wit(lifecycle: types::Lifecycle) -> Lifecycle {
        match lifecycle {
            types::Lifecycle::Task => Lifecycle::Task,
            types::Lifecycle::Service => Lifecycle::Service,
        }
    }
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a session is in its life.
///
/// Displays as the WIT name: `active`, `suspended` or `terminated`.
///
/// # Example
///
/// ```no_run
/// use caracal::{Caracal, SessionStatus};
///
/// let session = Caracal::new().spawn().start()?;
/// assert_eq!(session.context()?.status, SessionStatus::Active);
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// Live: headers and outbound calls are served.
    Active,
    /// Held: a lease lapsed or an operator suspended it.
    Suspended,
    /// Retired for good: closed, expired or revoked.
    Terminated,
}

impl SessionStatus {
    /// The WIT name of the status: `"active"`, `"suspended"` or
    /// `"terminated"`.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(caracal::SessionStatus::Suspended.as_str(), "suspended");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Suspended => "suspended",
            SessionStatus::Terminated => "terminated",
        }
    }

    pub(crate) fn from_wit(status: types::SessionStatus) -> SessionStatus {
        match status {
            types::SessionStatus::Active => SessionStatus::Active,
            types::SessionStatus::Suspended => SessionStatus::Suspended,
            types::SessionStatus::Terminated => SessionStatus::Terminated,
        }
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service session's lease after a renewal by [`Session::heartbeat`].
///
/// [`Session::heartbeat`]: crate::Session::heartbeat
///
/// # Example
///
/// ```no_run
/// let worker = caracal::Caracal::new().spawn_service().label("worker").start()?;
/// let lease = worker.heartbeat()?;
/// println!("lease #{} good until {} ms ({})", lease.generation, lease.deadline_ms, lease.status);
/// # Ok::<(), caracal::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lease {
    /// Unix time in milliseconds when the lease lapses unless renewed.
    pub deadline_ms: u64,
    /// Fencing token: grows on every takeover; a stale holder is refused.
    pub generation: u64,
    /// The session's status after the renewal.
    pub status: SessionStatus,
}

impl Lease {
    pub(crate) fn from_wit(lease: types::Lease) -> Lease {
        Lease {
            deadline_ms: lease.deadline_ms,
            generation: lease.generation,
            status: SessionStatus::from_wit(lease.status),
        }
    }
}
