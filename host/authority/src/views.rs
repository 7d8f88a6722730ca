//! Read models for an admin UI and audit: the whole graph at one instant
//! ([`Snapshot`]) and the chain of authority behind one session
//! ([`ChainLink`]).

use crate::delegation::EdgeView;
use crate::grant::Scopes;
use crate::session::{SessionId, SessionView};

/// One session in a [`Snapshot`], with its place in the tree and in the
/// delegation graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionNode {
    /// The session itself (its `parent` is in the view).
    pub view: SessionView,
    /// Its non-terminated children, oldest first.
    pub children: Vec<SessionId>,
    /// The edges it presents (inbound edges), oldest first; its effective
    /// authority is their intersection, and the last is the one its
    /// envelope names.
    pub presents: Vec<String>,
    /// The edges it issued (narrow grants and peer delegations).
    pub issued: Vec<String>,
    /// Whether an operator suspended it ([`Engine::suspend`]).
    ///
    /// [`Engine::suspend`]: crate::Engine::suspend
    pub held: bool,
    /// The edge whose revocation terminated it, if that is how it ended.
    pub revoked_by: Option<String>,
}

/// Every session (roots and terminated ones included) and every edge at one
/// instant; a session whose expiry or lapse is due shows the status it is
/// about to get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Unix ms the snapshot was taken at.
    pub taken_at_ms: u64,
    /// All sessions, oldest first.
    pub sessions: Vec<SessionNode>,
    /// All edges, oldest first.
    pub edges: Vec<EdgeView>,
}

/// One link of a session's authority chain ([`Engine::describe_authority`]):
/// a session and the delegation edge it holds in the chain.
///
/// [`Engine::describe_authority`]: crate::Engine::describe_authority
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainLink {
    /// The subject's zone.
    pub zone_id: String,
    /// The subject's application.
    pub application_id: String,
    /// The session.
    pub session_id: SessionId,
    /// The edge the session holds in this chain; `None` for the
    /// application's own authority (and for a session with none).
    pub delegation_id: Option<String>,
    /// The edge that edge was narrowed from, if any.
    pub parent_delegation_id: Option<String>,
    /// The scopes held: the session's effective scopes for the first link,
    /// the edge's own scopes further up, every scope for application
    /// authority, none for a session spawned with `grant none`.
    pub scopes: Scopes,
    /// Delegation hops between the application and the edge (0 without
    /// one).
    pub hop: u32,
}
