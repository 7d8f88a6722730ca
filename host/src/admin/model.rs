//! What the admin endpoint serves: plain, serialisable records of the
//! session tree and the delegation edges.

use serde::{Deserialize, Serialize};

/// One context: an application root or a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Session id (UUIDv7).
    pub id: String,
    /// The parent context's id; none for an application root.
    pub parent: Option<String>,
    /// Whether this is an application's root context.
    pub is_root: bool,
    /// Application id.
    pub application: String,
    /// `task` or `service`; none for a root.
    pub lifecycle: Option<String>,
    /// `active`, `suspended` or `terminated`.
    pub status: String,
    /// Descriptive labels.
    pub labels: Vec<String>,
    /// Nesting depth (root = 0).
    pub depth: u32,
    /// Scopes held; `["*"]` for the application's own authority, empty for
    /// none.
    pub scopes: Vec<String>,
    /// The resource the authority is bound to.
    pub resource_id: Option<String>,
    /// The delegation edge the session presents.
    pub delegation_id: Option<String>,
    /// Unix ms when the session expires.
    pub expires_at_ms: Option<u64>,
    /// Unix ms when a service's lease lapses unless renewed.
    pub lease_deadline_ms: Option<u64>,
}

/// One delegation edge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationRecord {
    /// Edge id (UUIDv7).
    pub id: String,
    /// The session that issued it.
    pub issuer: String,
    /// The session it was issued to.
    pub receiver: String,
    /// The receiver's application.
    pub receiver_application: String,
    /// The edge it was narrowed from, if any.
    pub parent: Option<String>,
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// Resource bound, if any.
    pub resource_id: Option<String>,
    /// Unix ms when it expires.
    pub expires_at_ms: Option<u64>,
    /// `offered`, `accepted` or `revoked`.
    pub state: String,
}

/// The whole picture at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Every context, parents before children.
    pub sessions: Vec<SessionRecord>,
    /// Every delegation edge.
    pub delegations: Vec<DelegationRecord>,
}

/// What revoking an edge takes down.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    /// Edges revoked (the edge itself first).
    pub delegations: Vec<String>,
    /// Sessions terminated.
    pub sessions: Vec<String>,
}
