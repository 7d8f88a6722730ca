//! Caracal's tamper-evident audit trail.
//!
//! Every spawn, close, delegation, acceptance, revocation, suspension,
//! resumption, lease loss and outbound decision is an [`AuditEvent`]. A
//! [`Chain`] seals events into [`AuditRecord`]s: each carries a `seq`
//! (from 1, no gaps), the previous record's hash as `prev`, and its own
//! `hash`, a SHA-256 over a [canonical encoding](canonical_bytes) of all of
//! that. [`verify`] walks a sequence of records and reports the first
//! [`Tamper`]: an edited, removed, inserted or reordered record, or a line
//! that is not a record, with its position.
//!
//! The chain logic is storage-free. [`AuditLog`] stores records as JSON
//! lines in a file ([`read`], [`verify_file`], [`Follower`] for
//! `tail --follow`); a database store would use [`Chain`] and [`verify`]
//! the same way. [`render_line`] and [`render_json`] print records.
//!
//! ```
//! use caracal_audit::{AuditEvent, Chain, Decision, EventKind, render_line, verify};
//!
//! let mut chain = Chain::new();
//! let spawn = chain.seal(
//!     AuditEvent::new(EventKind::Spawn, 1_795_874_587_123)
//!         .session("s-1")
//!         .application("billing")
//!         .labels(["a", "b"])
//!         .decision(Decision::Allow),
//! );
//! let close = chain.seal(AuditEvent::new(EventKind::Close, 1_795_874_590_000).session("s-1"));
//! assert_eq!(
//!     render_line(&spawn),
//!     "2026-11-28T14:03:07.123Z #1 spawn allow session=s-1 app=billing labels=a,b"
//! );
//!
//! let summary = verify([Ok::<_, String>(spawn.clone()), Ok(close.clone())]).unwrap();
//! assert_eq!((summary.records, summary.head), (2, close.hash.clone()));
//!
//! let tamper = verify([Ok::<_, String>(close), Ok(spawn)]).unwrap_err();
//! assert_eq!(tamper.line(), 1);
//! ```
#![deny(missing_docs)]

mod chain;
mod error;
mod event;
mod file;
mod follow;
mod render;
mod verify;

pub use chain::{AuditRecord, CANONICAL_TAG, Chain, GENESIS_PREV, canonical_bytes, record_hash};
pub use error::{AuditError, LineError};
pub use event::{AuditEvent, Decision, EventKind};
pub use file::{AuditLog, LogOptions, Records, read, verify_file};
pub use follow::Follower;
pub use render::{format_time_ms, render_json, render_line};
pub use verify::{LOOKAHEAD, Tamper, TamperKind, VerifySummary, verify};
