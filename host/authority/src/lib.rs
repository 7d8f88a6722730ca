//! Caracal's authority engine: root contexts, governed sessions, narrowing
//! delegation edges, peer delegation with revocation cascades, operator
//! suspend/resume, task TTLs and service leases (DESIGN §3), as pure,
//! thread-safe domain logic.
//!
//! The host's implementations of the `caracal:agent/sessions` and
//! `caracal:agent/delegation` interfaces sit on an [`Engine`]; the types
//! here mirror `caracal:agent/types` (`grant`, `narrow-grant`,
//! `delegation-constraints`, `lifecycle`, `session-status`, `lease`,
//! `error`). There is no wasmtime, async or I/O in this crate: time
//! comes from a [`Clock`], so tests run on a [`ManualClock`].
//!
//! How edges, sessions and effective authority relate is written down in
//! the engine module (`src/engine.rs`): in short, every narrow grant and
//! peer delegation is an edge in one registry, a session presents a list of
//! edges and holds their intersection, and ending a session or revoking an
//! edge ends everything downstream of it at once. [`Engine::snapshot`],
//! [`Engine::edges`], [`Engine::impact`] and [`Engine::describe_authority`]
//! are read models for an admin UI and audit.
//!
//! Expiry and lease loss are applied lazily whenever a session is touched,
//! and eagerly by [`Engine::sweep`], which pops deadline-ordered heaps: a
//! host timer sleeps until [`Engine::next_deadline_ms`] and sweeps.
//!
//! ```
//! use std::sync::Arc;
//! use caracal_authority::{Engine, EngineConfig, Grant, ManualClock, NarrowGrant, SpawnRequest};
//!
//! let clock = ManualClock::new(1_700_000_000_000);
//! let engine = Engine::new(EngineConfig::default(), Arc::new(clock.clone()));
//! let root = engine.open_root();
//!
//! let child = engine
//!     .spawn(&root, SpawnRequest::task().with_grant(Grant::Narrow(NarrowGrant::new(["tickets:read"]))))
//!     .unwrap();
//! assert!(engine.check_live(&child.id).is_ok());
//!
//! // A grandchild cannot widen its parent's slice.
//! let wider = Grant::Narrow(NarrowGrant::new(["tickets:write"]));
//! let err = engine.spawn(&child.id, SpawnRequest::task().with_grant(wider)).unwrap_err();
//! assert_eq!(err.kind(), "denied");
//!
//! // A service lives by its lease: once it lapses, a sweep suspends it.
//! let service = engine.spawn(&root, SpawnRequest::service()).unwrap().id;
//! let deadline = engine.next_deadline_ms().unwrap();
//! clock.set(deadline);
//! assert_eq!(engine.sweep().suspended, [service]);
//!
//! // Peer delegation is an offer the receiver accepts into a new context;
//! // revoking it takes that context down before `revoke_delegation` returns.
//! use caracal_authority::DelegateRequest;
//! let peer = engine.spawn(&root, SpawnRequest::task()).unwrap().id;
//! let offer = DelegateRequest::new(peer.clone(), "default", ["tickets:read"], 60);
//! let refused = engine.delegate(&child.id, offer).unwrap_err();
//! assert_eq!(refused.kind(), "denied"); // the child's edge allows no further hop
//! let offer = DelegateRequest::new(peer.clone(), "default", ["tickets:read"], 60);
//! let delegation = engine.delegate(&root, offer).unwrap();
//! let context = engine.accept_delegation(&peer, &delegation.id).unwrap();
//! assert_eq!(engine.impact(&delegation.id).unwrap().sessions, [context.id.clone()]);
//! engine.revoke_delegation(&root, &delegation.id).unwrap();
//! assert_eq!(engine.check_live(&context.id).unwrap_err().kind(), "gone");
//! ```
#![deny(missing_docs)]

mod calls;
mod cascade;
mod clock;
mod compact;
mod deadlines;
mod delegation;
mod durable;
mod edges;
mod engine;
mod error;
mod grant;
mod hash;
mod journal;
mod limits;
pub mod rules;
mod session;
mod sweep;
mod tree;
mod views;

pub use calls::check_call;
pub use clock::{Clock, ManualClock, SystemClock};
pub use compact::Compaction;
pub use delegation::{
    DelegateRequest, Delegation, EdgeKind, EdgeState, EdgeView, Impact, RevokeReport,
};
pub use durable::{
    DurableEdge, DurableEdgeStage, DurableSession, Persister, RestoreReport, StateChange,
};
pub use engine::{Engine, EngineConfig};
pub use error::AuthorityError;
pub use grant::{Authority, DelegationConstraints, Grant, NarrowGrant, Scopes};
pub use limits::{
    DEFAULT_LEASE_MS, DEFAULT_MAX_SESSIONS_PER_ROOT, DEFAULT_TTL_SECONDS, MAX_DEPTH, MAX_HOP,
    MAX_LABEL_CHARS, MAX_LABELS, MAX_LIVE_CHILDREN, MAX_TTL_SECONDS,
};
pub use session::{Lease, Lifecycle, SessionId, SessionStatus, SessionView, SpawnRequest};
pub use sweep::SweepReport;
pub use views::{ChainLink, SessionNode, Snapshot};
