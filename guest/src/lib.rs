//! The Caracal guest SDK: governed, narrowing sessions for AI agents compiled
//! to `wasm32-wasip2` components.
//!
//! A Caracal host (a Wasmtime embedding) owns every session, delegation edge
//! and lease; this crate is the ergonomic side of the `caracal:agent/sessions`
//! WIT interface it imports. An agent [`spawn`](Caracal::spawn)s a governed
//! [`Session`], hands children a narrower [`Grant`], and projects the session
//! into outbound HTTP [`headers`](Session::headers). The agent never holds an
//! upstream credential: the host keeps those on its side of the sandbox.
//!
//! # Bound context
//!
//! The innermost live [`Session`] spawned on this thread is the *bound*
//! context: [`Caracal::spawn`] makes children of it and [`Caracal::headers`]
//! projects it. Dropping the session (or calling [`Session::close`]) retires
//! it on the host and unbinds it. Work that outlives the scope it was started
//! in (a background task in an async executor) captures the context with
//! [`Caracal::current`] and re-binds it with [`Caracal::bind`].
//!
//! # Example
//!
//! ```no_run
//! use caracal::{Caracal, Grant};
//!
//! fn main() -> Result<(), caracal::Error> {
//!     let caracal = Caracal::new();
//!     let session = caracal.spawn().labels(["triage"]).start()?;
//!     for (name, value) in &session.headers()? {
//!         println!("{name}: {value}");
//!     }
//!
//!     // A child that may only read tickets.
//!     let child = session
//!         .spawn()
//!         .grant(Grant::narrow(["tickets:read"]).resource_id("resource://tickets"))
//!         .start()?;
//!     println!("child delegation: {:?}", child.context()?.delegation_id);
//!     child.close()?;
//!     session.close()
//! }
//! ```
//!
//! # Features
//!
//! - `http` (default): conversions from [`Headers`] to [`http::HeaderMap`].
//! - `transport` (default; implies `http`): [`Caracal::transport`], a
//!   blocking HTTP client over `wasi:http/outgoing-handler` ([`Transport`])
//!   that puts the bound context's envelope on gateway-routed requests
//!   (WIT `caracal:agent/outbound`) and never follows redirects.
//! - `spin` (implies `http`): [`spin`], propagation for spin-sdk 7 HTTP
//!   components: read the inbound Caracal envelope
//!   ([`spin::InboundContext`]) and carry it on outbound
//!   [`spin::send`] calls. It imports no `caracal:*` interface, so such a
//!   component also runs under plain Spin or `wasmtime serve`.

#![deny(missing_docs)]

// `allow`, not `expect`: the lint only sees the generated unsafe code when
// wit-bindgen writes it to a file (`WIT_BINDGEN_DEBUG=1`); macro-expanded
// code is exempt.
#[doc(hidden)]
#[allow(
    unsafe_code,
    reason = "wit-bindgen generates the canonical ABI glue with unsafe code"
)]
pub mod bindings;

mod binding;
mod builder;
mod client;
mod context;
mod delegation;
mod error;
mod grant;
mod headers;
#[cfg(any(feature = "transport", feature = "spin"))]
mod merge;
mod session;
#[cfg(feature = "spin")]
pub mod spin;
#[cfg(feature = "transport")]
mod transport;

pub use binding::BindGuard;
pub use builder::{ServiceBuilder, SpawnBuilder};
pub use client::Caracal;
pub use context::{ContextInfo, Lease, Lifecycle, SessionStatus};
pub use delegation::{ChainLink, DelegateBuilder, Delegation};
pub use error::Error;
pub use grant::{DelegationConstraints, Grant, NarrowGrant};
pub use headers::{Headers, HeadersIter};
pub use session::{AsContext, Context, Session};
#[cfg(feature = "transport")]
pub use transport::{Body, Propagation, Transport, TransportError};

/// The `http` crate, re-exported so that [`Headers`] conversions and the
/// caller agree on its version. Requires the `http` feature (on by default).
#[cfg(feature = "http")]
pub use http;
