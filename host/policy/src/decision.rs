//! The outcome of a policy evaluation.

use std::fmt;

/// What the policy decided for one outbound call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The decision rule evaluated to `true`.
    Allow,
    /// Anything else; the reason says why.
    Deny(DenyReason),
}

impl Decision {
    /// `true` only for [`Decision::Allow`].
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow)
    }

    /// The deny reason, or `None` when allowed.
    pub fn deny_reason(&self) -> Option<&DenyReason> {
        match self {
            Self::Allow => None,
            Self::Deny(reason) => Some(reason),
        }
    }
}

/// Why a call was denied. Displays as a one-line message for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DenyReason {
    /// The decision rule evaluated to `false`.
    False {
        /// The decision rule, e.g. `data.caracal.allow`.
        rule: String,
    },
    /// The decision rule is undefined for this input (no rule body matched
    /// and there is no `default`).
    Undefined {
        /// The decision rule, e.g. `data.caracal.allow`.
        rule: String,
    },
    /// The decision rule produced something other than a boolean.
    NotBoolean {
        /// The decision rule, e.g. `data.caracal.allow`.
        rule: String,
        /// The Rego type it produced: `string`, `number`, `object`, ...
        found: &'static str,
    },
    /// The decision was `false` or undefined and the policy's `reason`
    /// rule gave this text.
    Stated(String),
    /// Evaluation failed (see [`Policy::decide`](crate::Policy::decide));
    /// the text is the error's message.
    Error(String),
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::False { rule } => write!(f, "policy rule {rule} is false"),
            Self::Undefined { rule } => write!(f, "policy rule {rule} is undefined"),
            Self::NotBoolean { rule, found } => {
                write!(f, "policy rule {rule} is a {found}, not a boolean")
            }
            Self::Stated(reason) => write!(f, "policy: {reason}"),
            Self::Error(message) => write!(f, "policy failed, failing closed: {message}"),
        }
    }
}
