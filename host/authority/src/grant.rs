//! Grants a parent hands a child, and the authority a context presents;
//! mirrors `grant`, `narrow-grant` and `delegation-constraints` in
//! `caracal:agent/types`.

use std::collections::BTreeSet;

/// Bounds on what a delegation edge may be narrowed into further.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DelegationConstraints {
    /// How many further hops may follow this edge (default 1: none).
    pub max_hops: Option<u32>,
    /// A narrowing bound on sub-grants (default: the number of scopes).
    pub budget: Option<u32>,
    /// Resource ids that sub-grants may name (default: the parent's list).
    pub resources: Option<Vec<String>>,
    /// Longest TTL, in seconds, that a sub-grant may carry.
    pub ttl_seconds: Option<u32>,
    /// Outbound calls the host meters under this edge (default: the parent's).
    pub max_calls: Option<u64>,
}

/// A narrower slice of the parent's authority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NarrowGrant {
    /// Scopes granted; each must be held by the parent (exact match).
    pub scopes: Vec<String>,
    /// The resource the grant is bound to; equal to or narrower than the
    /// parent's (default: the parent's).
    pub resource_id: Option<String>,
    /// Bounds on further delegation.
    pub constraints: DelegationConstraints,
    /// Lifetime of the grant in seconds (default: the session's TTL).
    pub ttl_seconds: Option<u32>,
}

impl NarrowGrant {
    /// A grant of `scopes` with no resource, default constraints and the
    /// session's TTL.
    pub fn new(scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            scopes: scopes.into_iter().map(Into::into).collect(),
            resource_id: None,
            constraints: DelegationConstraints::default(),
            ttl_seconds: None,
        }
    }
}

/// What authority a child session starts with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Grant {
    /// The parent's effective authority, mirrored unchanged.
    #[default]
    Inherit,
    /// No delegated authority at all.
    None,
    /// A narrower slice of the parent's authority, as a new delegation edge.
    Narrow(NarrowGrant),
}

/// The scopes a context holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scopes {
    /// Every scope: the application's own (root) authority.
    All,
    /// Exactly these scopes.
    Only(BTreeSet<String>),
}

impl Scopes {
    /// Whether `scope` is held (exact string match).
    pub fn contains(&self, scope: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(set) => set.contains(scope),
        }
    }
}

/// The authority a context presents (root = everything). Serializes to
/// the JSON a durable store keeps.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Authority {
    /// The delegation edge this authority comes from; `None` for the root's.
    pub edge_id: Option<String>,
    /// The edge that edge was narrowed from, if any.
    pub parent_edge_id: Option<String>,
    /// The scopes held.
    pub scopes: Scopes,
    /// The resource the authority is bound to, if any.
    pub resource_id: Option<String>,
    /// Unix ms when the edge expires; `None` = never (root).
    pub expires_at_ms: Option<u64>,
    /// Further hops allowed below this edge; `None` = unbounded (root).
    pub max_hops: Option<u32>,
    /// Narrowing bound on sub-grants' budget; `None` = unbounded.
    pub budget: Option<u32>,
    /// Resource ids sub-grants may name; `None` = unrestricted.
    pub resources: Option<Vec<String>>,
    /// Longest TTL, in seconds, a sub-grant may carry; `None` = unbounded.
    pub ttl_seconds: Option<u32>,
    /// Outbound calls the host meters under this edge; `None` = unmetered.
    pub max_calls: Option<u64>,
    /// Delegation hops between the application and this edge (root = 0).
    pub hop: u32,
}

impl Authority {
    /// The application's own authority: every scope, no bounds, hop 0.
    pub fn root() -> Self {
        Self {
            edge_id: None,
            parent_edge_id: None,
            scopes: Scopes::All,
            resource_id: None,
            expires_at_ms: None,
            max_hops: None,
            budget: None,
            resources: None,
            ttl_seconds: None,
            max_calls: None,
            hop: 0,
        }
    }

    /// Whether the edge has expired at `now_ms` (an edge with no expiry never
    /// does).
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expires_at_ms.is_some_and(|at| now_ms >= at)
    }
}
