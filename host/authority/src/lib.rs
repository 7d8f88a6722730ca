//! Caracal's authority engine: root contexts, governed sessions, narrowing
//! delegation edges, task TTLs and service leases (DESIGN §3), as pure,
//! thread-safe domain logic.
//!
//! The host's implementation of the `caracal:agent/sessions` interface sits
//! on an [`Engine`]; the types here mirror `caracal:agent/types` (`grant`,
//! `narrow-grant`, `delegation-constraints`, `lifecycle`, `session-status`,
//! `lease`, `error`). There is no wasmtime, async or I/O in this crate: time
//! comes from a [`Clock`], so tests run on a [`ManualClock`].
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
//! ```
#![deny(missing_docs)]

mod calls;
mod clock;
mod deadlines;
mod engine;
mod error;
mod grant;
mod limits;
pub mod rules;
mod session;
mod sweep;
mod tree;

pub use calls::check_call;
pub use clock::{Clock, ManualClock, SystemClock};
pub use engine::{Engine, EngineConfig};
pub use error::AuthorityError;
pub use grant::{Authority, DelegationConstraints, Grant, NarrowGrant, Scopes};
pub use limits::{
    DEFAULT_LEASE_MS, DEFAULT_TTL_SECONDS, MAX_DEPTH, MAX_HOP, MAX_LABEL_CHARS, MAX_LABELS,
    MAX_LIVE_CHILDREN, MAX_TTL_SECONDS,
};
pub use session::{Lease, Lifecycle, SessionId, SessionStatus, SessionView, SpawnRequest};
pub use sweep::SweepReport;
