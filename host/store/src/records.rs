//! Plain data records the store persists: [`SessionRecord`],
//! [`EdgeRecord`], [`AuditRow`], and the small enums and values around
//! them. Nothing here knows the authority engine: authority is opaque JSON
//! the engine serialises, and an audit row is the audit crate's JSON line.

use std::fmt;
use std::str::FromStr;

use crate::error::StoreError;

/// Declares a `snake_case` string enum with `as_str`, `Display` and
/// `FromStr` (the stored form).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// The stored (and displayed) form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = StoreError;

            fn from_str(s: &str) -> Result<Self, StoreError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(StoreError::Corrupt(format!(
                        concat!("unknown ", stringify!($name), " `{}`"),
                        other
                    ))),
                }
            }
        }
    };
}

text_enum! {
    /// How a session's life is bounded (`task`, `service`, `root`).
    Lifecycle {
        /// Retired when closed or when its TTL expires.
        Task => "task",
        /// Lives as long as its heartbeat lease is renewed.
        Service => "service",
        /// A component's root context (the application's own authority).
        Root => "root",
    }
}

text_enum! {
    /// Where a session is in its life (`active`, `suspended`, `terminated`).
    SessionStatus {
        /// Live.
        Active => "active",
        /// Held: a lease lapsed or an operator suspended it. Still counts
        /// as a live child.
        Suspended => "suspended",
        /// Retired for good; final.
        Terminated => "terminated",
    }
}

text_enum! {
    /// How a delegation edge came to be (`narrow`, `peer`).
    EdgeKind {
        /// A narrow grant at spawn.
        Narrow => "narrow",
        /// A peer delegation.
        Peer => "peer",
    }
}

text_enum! {
    /// Where a delegation edge is in its life (`offered`, `accepted`,
    /// `revoked`). Expiry is derived from the authority, not stored.
    EdgeState {
        /// Offered, not yet accepted.
        Offered => "offered",
        /// Accepted by its receiver (at birth for a narrow grant).
        Accepted => "accepted",
        /// Revoked; final.
        Revoked => "revoked",
    }
}

/// One session as stored: the engine's node minus its in-memory links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// Session id (a UUIDv7 string for engine-minted sessions).
    pub id: String,
    /// The application the session belongs to.
    pub application_id: String,
    /// The zone the session belongs to.
    pub zone_id: String,
    /// The parent session; `None` for a root context.
    pub parent_id: Option<String>,
    /// The root context of the tree (itself for a root).
    pub root_id: String,
    /// Task, service or root.
    pub lifecycle: Lifecycle,
    /// Active, suspended or terminated.
    pub status: SessionStatus,
    /// Descriptive labels, in order.
    pub labels: Vec<String>,
    /// W3C trace id of the tree, lowercase hex.
    pub trace_id: String,
    /// Nesting depth: 0 for a root.
    pub depth: u32,
    /// Unix ms when a task expires.
    pub expires_at_ms: Option<u64>,
    /// Unix ms when a service's lease lapses unless renewed.
    pub lease_deadline_ms: Option<u64>,
    /// Lease fencing token (0 for sessions without a lease).
    pub lease_generation: u64,
    /// The authority the session presents, as the engine serialised it;
    /// `None` after a `none` grant.
    pub authority_json: Option<String>,
    /// The host process that owns (holds the lease of) the session.
    pub host_id: String,
    /// Unix ms when the session was created; also the "now" of
    /// [`Store::insert_session_checked`](crate::Store::insert_session_checked).
    pub created_at_ms: u64,
    /// Unix ms when the session was terminated.
    pub ended_at_ms: Option<u64>,
}

/// One delegation edge as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeRecord {
    /// Edge id (UUIDv7).
    pub id: String,
    /// Narrow grant or peer delegation.
    pub kind: EdgeKind,
    /// Offered, accepted or revoked.
    pub state: EdgeState,
    /// The session that issued it.
    pub issuer_id: String,
    /// The issuer's application.
    pub issuer_application: String,
    /// The session it was granted or offered to.
    pub receiver_id: String,
    /// The receiver's application.
    pub receiver_application: String,
    /// The edge it was narrowed from, if any.
    pub parent_edge_id: Option<String>,
    /// The edge's authority (scopes, resource, constraints, expiry, hop),
    /// as the engine serialised it.
    pub authority_json: String,
    /// Unix ms when it was issued.
    pub created_at_ms: u64,
    /// Unix ms when it was accepted.
    pub accepted_at_ms: Option<u64>,
    /// Unix ms when it was revoked.
    pub revoked_at_ms: Option<u64>,
}

/// One sealed audit record: its chain position and hashes as columns, and
/// the audit crate's serialized `AuditRecord` line verbatim, so reading the
/// rows back verifies byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    /// Hash of the previous record.
    pub prev: String,
    /// This record's hash.
    pub hash: String,
    /// The whole record as one JSON line (no trailing newline).
    pub record_json: String,
}

/// The last record of the audit chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditHead {
    /// Its seq.
    pub seq: u64,
    /// Its hash: the `prev` of the next record.
    pub hash: String,
}

/// A service session's lease after a renewal or take-over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The fencing token the holder must present.
    pub generation: u64,
    /// Unix ms when the lease lapses unless renewed.
    pub deadline_ms: u64,
}

/// The capacity limits [`Store::insert_session_checked`] enforces
/// atomically with the insert.
///
/// [`Store::insert_session_checked`]: crate::Store::insert_session_checked
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpawnLimits {
    /// Deepest nesting allowed; a root is depth 0.
    pub max_depth: u32,
    /// Most live (active or suspended, not yet expired) children per
    /// session.
    pub max_live_children: u32,
}

impl Default for SpawnLimits {
    /// DESIGN §3: depth ≤ 10, ≤ 10 live children.
    fn default() -> Self {
        SpawnLimits {
            max_depth: 10,
            max_live_children: 10,
        }
    }
}

/// Everything needed to rebuild the engine's memory at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Sessions, parents before children (by creation time, then depth).
    pub sessions: Vec<SessionRecord>,
    /// Edges, oldest first (a parent edge before the edges narrowed from
    /// it).
    pub edges: Vec<EdgeRecord>,
    /// The change version the snapshot includes: follow
    /// [`Store::poll_changes`](crate::Store::poll_changes) from here.
    pub change_version: u64,
}

/// What [`Store::charge_calls`](crate::Store::charge_calls) did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallCharge {
    /// Every edge was charged one call; `busiest` is the most calls now
    /// used under any of them.
    Charged {
        /// The highest count after this call.
        busiest: u64,
    },
    /// `edge_id` has used all `max` of its calls; nothing was charged.
    Spent {
        /// The spent edge.
        edge_id: String,
        /// Its `max_calls`.
        max: u64,
    },
}

/// What [`Store::kv_set`](crate::Store::kv_set) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvSet {
    /// The value is stored (a new key, or an existing one overwritten).
    Stored,
    /// The key is new and the store already holds `max_keys` keys: nothing
    /// was written.
    Full {
        /// The bound the caller gave.
        max_keys: u64,
    },
}
