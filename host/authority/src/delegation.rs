//! Peer delegation requests and the read-only views of delegation edges;
//! mirrors what the `caracal:agent/delegation` interface (`delegate`,
//! `accept`, `revoke`) carries.

use crate::grant::{Authority, DelegationConstraints};
use crate::session::SessionId;

/// How a session delegates to a peer session ([`Engine::delegate`]).
///
/// [`Engine::delegate`]: crate::Engine::delegate
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegateRequest {
    /// The session the delegation is offered to.
    pub to_session: SessionId,
    /// The application `to_session` belongs to; it must match, so an offer
    /// is addressed to exactly one (application, session).
    pub to_application: String,
    /// Scopes delegated; each must be held by the parent edge (exact match).
    pub scopes: Vec<String>,
    /// Lifetime of the edge in seconds: required, 1..=86400.
    pub ttl_seconds: Option<u32>,
    /// The resource the edge is bound to; equal to or narrower than the
    /// parent's (default: the parent's).
    pub resource_id: Option<String>,
    /// Bounds on further delegation.
    pub constraints: DelegationConstraints,
    /// The issuer's edge this one is narrowed from. Required when the
    /// issuer presents more than one edge; when given it must be one of
    /// them.
    pub parent_edge: Option<String>,
}

impl DelegateRequest {
    /// A delegation of `scopes` to `to_session` of `to_application` for
    /// `ttl_seconds`, with no resource, default constraints and the
    /// issuer's only edge as parent.
    pub fn new(
        to_session: SessionId,
        to_application: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        ttl_seconds: u32,
    ) -> Self {
        Self {
            to_session,
            to_application: to_application.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            ttl_seconds: Some(ttl_seconds),
            resource_id: None,
            constraints: DelegationConstraints::default(),
            parent_edge: None,
        }
    }

    /// Binds the edge to `resource_id`.
    pub fn with_resource(mut self, resource_id: impl Into<String>) -> Self {
        self.resource_id = Some(resource_id.into());
        self
    }

    /// Replaces the constraints.
    pub fn with_constraints(mut self, constraints: DelegationConstraints) -> Self {
        self.constraints = constraints;
        self
    }

    /// Names the issuer's edge to narrow from.
    pub fn with_parent_edge(mut self, edge_id: impl Into<String>) -> Self {
        self.parent_edge = Some(edge_id.into());
        self
    }
}

/// An offered peer delegation, as [`Engine::delegate`] returns it.
///
/// [`Engine::delegate`]: crate::Engine::delegate
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delegation {
    /// The edge id (UUIDv7); the receiver accepts it by this id.
    pub id: String,
    /// The scopes delegated, sorted and deduplicated.
    pub scopes: Vec<String>,
    /// Unix ms when the edge expires.
    pub expires_at_ms: u64,
    /// Delegation hops between the application and this edge.
    pub hop: u32,
    /// The issuer's edge it was narrowed from, if any.
    pub parent_edge_id: Option<String>,
    /// The session it is offered to.
    pub to_session: SessionId,
    /// The application of that session.
    pub to_application: String,
}

/// How an edge came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// A `narrow` grant at spawn: accepted at birth by the child.
    Narrow,
    /// A peer delegation: offered until the receiver accepts it.
    Peer,
}

/// Where an edge is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeState {
    /// Offered to a receiver that has not accepted it.
    Offered,
    /// Accepted: some context presents (or presented) it.
    Accepted,
    /// Revoked: explicitly, with its issuer, or with an upstream edge.
    /// The sessions presenting it were terminated.
    Revoked,
    /// Past its expiry without having been revoked (derived from the clock
    /// when viewed).
    Expired,
}

/// A read-only copy of one delegation edge, for an admin UI and audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeView {
    /// The edge id (UUIDv7).
    pub id: String,
    /// Narrow grant or peer delegation.
    pub kind: EdgeKind,
    /// The state at the time of the view.
    pub state: EdgeState,
    /// The session that issued it.
    pub issuer: SessionId,
    /// The issuer's application.
    pub issuer_application: String,
    /// The edge it was narrowed from; `None` when the issuer held the
    /// application's own authority.
    pub parent_edge_id: Option<String>,
    /// The session it was offered (or granted) to.
    pub receiver: SessionId,
    /// The receiver's application.
    pub receiver_application: String,
    /// The sessions presenting it directly (the narrowed child, or the
    /// context an accept derived); their descendants may present it too.
    pub holders: Vec<SessionId>,
    /// The edge's own authority: scopes, resource, constraints, expiry and
    /// hop.
    pub authority: Authority,
    /// Unix ms when it was issued.
    pub created_at_ms: u64,
    /// Unix ms when it was accepted (at birth for a narrow grant).
    pub accepted_at_ms: Option<u64>,
    /// Unix ms when it was revoked.
    pub revoked_at_ms: Option<u64>,
}

/// What revoking an edge takes down: the edges revoked with it and the
/// sessions terminated, each in the order the cascade reaches them.
/// [`Engine::impact`] predicts it; [`Engine::revoke_delegation`] reports
/// it.
///
/// [`Engine::impact`]: crate::Engine::impact
/// [`Engine::revoke_delegation`]: crate::Engine::revoke_delegation
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Impact {
    /// Edge ids newly revoked, the named edge first (empty if it was
    /// already revoked).
    pub edges: Vec<String>,
    /// Sessions newly terminated: every context presenting a revoked edge
    /// with its descendants.
    pub sessions: Vec<SessionId>,
}

impl Impact {
    /// Whether nothing was (or would be) revoked.
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty() && self.sessions.is_empty()
    }
}

/// What a revocation did, for audit: the same shape as the [`Impact`] it
/// was predicted by.
pub type RevokeReport = Impact;
