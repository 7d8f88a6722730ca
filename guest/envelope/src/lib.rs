//! Caracal wire envelope codec: W3C `traceparent`/`tracestate`, W3C
//! `baggage` with the `caracal.*` correlation fields, and the bearer token.
//!
//! The output is byte-for-byte what the upstream Caracal SDKs write: baggage
//! members sorted by key, values percent-encoded outside RFC 3986
//! `unreserved` with uppercase hex. Pure logic, no I/O and no randomness, so
//! the guest SDK (on `wasm32-wasip2`) and the host share it.
//!
//! ```
//! use caracal_envelope::{Envelope, TraceParent};
//!
//! let mut env = Envelope::decode([
//!     ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
//!     ("baggage", "caracal.agent_session=forged,tenant=acme"),
//! ]);
//! env.traceparent = env.traceparent.map(|tp| tp.with_span([0x11; 8]));
//! env.caracal.agent_session = Some("0190-s".into());
//! env.caracal.hop += 1;
//! assert_eq!(env.encode(), [
//!     ("traceparent".to_owned(),
//!      "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01".to_owned()),
//!     ("baggage".to_owned(),
//!      "caracal.agent_session=0190-s,caracal.hop=1,tenant=acme".to_owned()),
//! ]);
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod baggage;
mod caracal;
mod envelope;
mod error;
mod hex;
mod percent;
mod traceparent;

pub use baggage::Baggage;
pub use caracal::{
    AGENT_SESSION_KEY, CARACAL_PREFIX, CaracalContext, DELEGATION_EDGE_KEY, HOP_KEY, MAX_HOP,
    PARENT_EDGE_KEY, SESSION_KEY,
};
pub use envelope::Envelope;
pub use error::EnvelopeError;
pub use hex::{hex_lower, parse_hex_id};
pub use traceparent::TraceParent;
