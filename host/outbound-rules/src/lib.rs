//! Caracal's outbound matching rules (DESIGN §5, issue 4) as pure domain
//! logic, for the host's `WasiHttpHooks::send_request` hook:
//!
//! - [`ResourceBindings`] maps a request URL to a resource id, most specific
//!   `upstream_prefix` first;
//! - [`ScopeRules`] is one resource's table of the scopes a method and path
//!   require;
//! - [`AllowedHosts`] is the plain allow-list (Spin's
//!   `allowed_outbound_hosts` grammar) for everything not bound to a
//!   resource, denying by default.
//!
//! Parsers report every bad entry at once as a list of [`RuleError`]s. There
//! is no wasmtime, async, DNS or other I/O here.

#![deny(missing_docs)]

mod address;
mod bindings;
mod error;
mod hosts;
mod net;
mod path;
mod scopes;

pub use address::{SpecialAddress, special_address};
pub use bindings::{ResourceBindings, ResourceMatch};
pub use error::RuleError;
pub use hosts::{AllowedHosts, Reach};
pub use path::{PathRefusal, canonical_path, refuse_path_parameters};
pub use scopes::ScopeRules;
