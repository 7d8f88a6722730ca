//! Caracal's policy decision for outbound calls (DESIGN §5, step 3).
//!
//! An operator supplies a Rego policy; the host evaluates its decision rule
//! (by default `data.caracal.allow`) with [regorus] over a [`PolicyInput`]
//! for every resource-bound outbound call. The rules:
//!
//! - **Deny by default.** Only `true` allows; `false`, undefined and
//!   non-boolean results deny, with a [`DenyReason`] saying which.
//! - **Fail closed.** Load problems (unreadable file, parse or compile
//!   errors, an undeclared decision rule) are typed [`PolicyError`]s at
//!   start-up; evaluation errors and time-outs are errors too, and
//!   [`Policy::decide`] turns them into denies.
//! - **Thread-safe.** [`Policy`] is `Send + Sync`; evaluate it from any
//!   number of threads at once.
//!
//! ```
//! use caracal_policy::{Decision, Policy, PolicyInput};
//!
//! let policy = Policy::from_source(
//!     "caracal.rego",
//!     r#"
//!     package caracal
//!     allow if { every s in input.context.requested_scopes { s in input.delegation_edge.scopes } }
//!     "#,
//!     Policy::DEFAULT_RULE,
//! )?;
//!
//! let mut input = PolicyInput::default();
//! input.context.requested_scopes = vec!["tickets:read".into()];
//! input.delegation_edge.scopes = vec!["tickets:read".into()];
//! assert_eq!(policy.evaluate(&input)?, Decision::Allow);
//!
//! input.context.requested_scopes.push("tickets:write".into());
//! assert!(!policy.decide(&input).is_allowed());
//! # Ok::<(), caracal_policy::PolicyError>(())
//! ```
//!
//! [regorus]: https://docs.rs/regorus
#![deny(missing_docs)]

mod decision;
mod error;
mod input;
mod policy;

pub use decision::{Decision, DenyReason};
pub use error::PolicyError;
pub use input::{DelegationEdge, PolicyInput, Principal, RequestContext, Resource};
pub use policy::Policy;

#[cfg(test)]
mod tests;
