//! What the engine hands a durable store, and what it takes back from one:
//! the [`Persister`] hook, the [`StateChange`]s an operation made, and the
//! [`DurableSession`] / [`DurableEdge`] records a restarted host (or another
//! host following the store's change feed) rebuilds its memory from.
//!
//! The engine stays pure: it knows no database. A host installs a
//! [`Persister`] ([`Engine::with_persister`](crate::Engine::with_persister))
//! and from then on every operation that changes state writes its changes
//! through it before returning, so nothing a caller was told succeeded is
//! only in memory. Hot reads ([`Engine::check_live`](crate::Engine::check_live),
//! views) never call it.

use std::fmt;

use crate::delegation::EdgeKind;
use crate::error::AuthorityError;
use crate::grant::Authority;
use crate::session::{Lease, Lifecycle, SessionId, SessionStatus};

/// One session (a root included) as it is made durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurableSession {
    /// Its id.
    pub id: SessionId,
    /// Its parent; `None` for a root context.
    pub parent: Option<SessionId>,
    /// The root context of its tree (itself for a root).
    pub root: SessionId,
    /// The application its root belongs to.
    pub application_id: String,
    /// Task or service; `None` for a root.
    pub lifecycle: Option<Lifecycle>,
    /// Its status.
    pub status: SessionStatus,
    /// Descriptive labels, in order.
    pub labels: Vec<String>,
    /// W3C trace id of its tree.
    pub trace_id: [u8; 16],
    /// Nesting depth (0 for a root).
    pub depth: u32,
    /// A task's own expiry, unix ms.
    pub expires_at_ms: Option<u64>,
    /// A service's lease (its `status` is the session's).
    pub lease: Option<Lease>,
    /// Its effective authority; `None` after a `none` grant.
    pub authority: Option<Authority>,
    /// Ids of the delegation edges it presents, oldest first.
    pub presents: Vec<String>,
    /// Unix ms when it was created.
    pub created_at_ms: u64,
}

/// Where a durable edge is in its life (expiry is derived from its
/// authority, never stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurableEdgeStage {
    /// Offered to a receiver that has not accepted it.
    Offered,
    /// Accepted (a narrow grant is accepted at birth).
    Accepted,
    /// Revoked; final.
    Revoked,
}

/// One delegation edge as it is made durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurableEdge {
    /// Its id.
    pub id: String,
    /// Narrow grant or peer delegation.
    pub kind: EdgeKind,
    /// Offered, accepted or revoked.
    pub stage: DurableEdgeStage,
    /// The session that issued it.
    pub issuer: SessionId,
    /// The issuer's application.
    pub issuer_application: String,
    /// The session it was granted or offered to.
    pub receiver: SessionId,
    /// The receiver's application.
    pub receiver_application: String,
    /// The edge it was narrowed from, if any.
    pub parent_edge: Option<String>,
    /// Its own authority (scopes, resource, constraints, expiry, hop).
    pub authority: Authority,
    /// Unix ms when it was issued.
    pub created_at_ms: u64,
    /// Unix ms when it was accepted.
    pub accepted_at_ms: Option<u64>,
    /// Unix ms when it was revoked.
    pub revoked_at_ms: Option<u64>,
}

/// One change an engine operation made, in the order it made them.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateChange {
    /// A session (or root) was created.
    SessionCreated(DurableSession),
    /// A delegation edge was issued.
    EdgeCreated(DurableEdge),
    /// An offered edge was accepted.
    EdgeAccepted {
        /// The edge.
        edge: String,
        /// When.
        at_ms: u64,
    },
    /// A cascade (close, expiry, revocation, release) revoked these edges
    /// and terminated these sessions, as one unit.
    Ended {
        /// Sessions terminated.
        sessions: Vec<SessionId>,
        /// Edges revoked.
        edges: Vec<String>,
        /// When.
        at_ms: u64,
    },
    /// These sessions were suspended (a lease lapsed, or an operator).
    Suspended {
        /// Sessions suspended.
        sessions: Vec<SessionId>,
        /// When.
        at_ms: u64,
    },
    /// These sessions became active again; services carry their new lease.
    Resumed {
        /// Sessions resumed, each with its new lease if it is a service.
        sessions: Vec<(SessionId, Option<Lease>)>,
        /// When.
        at_ms: u64,
    },
    /// Another host now holds a service's lease (only ever applied, from
    /// a store's change feed; this engine reports its own take-overs
    /// through [`Persister::take_over`]).
    LeaseMoved {
        /// The service.
        session: SessionId,
        /// The new holder's lease generation.
        generation: u64,
    },
}

/// Where an engine writes its state changes: a durable store, the source of
/// truth behind the engine's memory.
///
/// Every method but [`Persister::charge_calls`] is called by one engine
/// writer at a time (during [`Persister::persist`] readers go on, other
/// writers wait), so changes reach it in the order they happened;
/// `charge_calls` runs outside the lock and relies on the store's own
/// serialization. An error aborts the operation that
/// caused it with that error; for a spawn or an accept the new session is
/// taken back out of memory, so a refused write leaves nothing behind.
pub trait Persister: Send + Sync + fmt::Debug {
    /// Writes the changes one operation made. A new session's row is
    /// inserted with the capacity checks done again by the store, so two
    /// hosts racing for a parent's last free slot cannot both win: the
    /// loser gets [`AuthorityError::Limit`].
    fn persist(&self, changes: &[StateChange]) -> Result<(), AuthorityError>;

    /// Renews a service lease if `generation` is still current in the
    /// store (compare-and-set across hosts); a stale one is
    /// [`AuthorityError::Denied`].
    fn renew(
        &self,
        session: &SessionId,
        generation: u64,
        deadline_ms: u64,
    ) -> Result<(), AuthorityError>;

    /// Takes over a service lease for this host: returns the new lease
    /// generation the store handed out (one above the store's current).
    fn take_over(
        &self,
        session: &SessionId,
        at_ms: u64,
        deadline_ms: u64,
    ) -> Result<u64, AuthorityError>;

    /// Terminates a service for its lease holder if `generation` is still
    /// current in the store; a stale one is [`AuthorityError::Denied`].
    fn end_fenced(
        &self,
        session: &SessionId,
        generation: u64,
        at_ms: u64,
    ) -> Result<(), AuthorityError>;

    /// Charges one outbound call to each metered edge of `meters` (edge
    /// id, its `max_calls`) in the store, all or nothing, so the bound
    /// holds across restarts and across hosts sharing the store: `Ok` with
    /// the calls now used under the busiest edge, or
    /// [`AuthorityError::Denied`] when one is spent. `None` (the default)
    /// leaves metering to the engine's memory.
    fn charge_calls(&self, meters: &[(String, u64)]) -> Option<Result<u64, AuthorityError>> {
        let _ = meters;
        None
    }

    /// Called when a write that no caller waits for (a lazy expiry seen by
    /// a read, a sweep) failed; the default does nothing. The store is
    /// behind memory until the next write of the same sessions.
    fn write_failed(&self, error: &AuthorityError) {
        let _ = error;
    }
}

/// What [`Engine::restore`](crate::Engine::restore) rebuilt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// Sessions loaded.
    pub sessions: usize,
    /// Edges loaded.
    pub edges: usize,
    /// Sessions left out because their parent or an edge they present was
    /// not in the snapshot (ended upstream); the caller should end them in
    /// the store.
    pub orphans: Vec<SessionId>,
}
