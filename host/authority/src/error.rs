//! The typed refusal every engine operation returns; mirrors the
//! `caracal:agent/types.error` WIT variant case for case.

/// Why the engine refused a request. Policy denials and bad arguments are
/// values, never panics; each maps onto one case of the WIT `error` variant.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorityError {
    /// The request would widen authority, or a rule forbids it.
    #[error("denied: {0}")]
    Denied(String),
    /// An argument is malformed or out of range.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The named session does not exist.
    #[error("not-found: {0}")]
    NotFound(String),
    /// The session was closed, expired or suspended.
    #[error("gone: {0}")]
    Gone(String),
    /// A capacity limit (depth, live children) would be exceeded.
    #[error("limit: {0}")]
    Limit(String),
    /// The engine cannot serve the request right now.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl AuthorityError {
    /// The WIT case name: `denied`, `invalid`, `not-found`, `gone`, `limit`
    /// or `unavailable`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Denied(_) => "denied",
            Self::Invalid(_) => "invalid",
            Self::NotFound(_) => "not-found",
            Self::Gone(_) => "gone",
            Self::Limit(_) => "limit",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// The refusal of a call under delegation `edge`, whose `max_calls`
    /// (`max`) are spent (the same wording whether memory or the store
    /// counted them).
    pub fn max_calls_spent(edge: &str, max: u64) -> AuthorityError {
        denied(format!(
            "max_calls spent: {max} call(s) allowed under delegation `{edge}`"
        ))
    }

    /// The human-readable message, without the kind prefix.
    pub fn message(&self) -> &str {
        match self {
            Self::Denied(m)
            | Self::Invalid(m)
            | Self::NotFound(m)
            | Self::Gone(m)
            | Self::Limit(m)
            | Self::Unavailable(m) => m,
        }
    }
}

pub(crate) fn denied(message: impl Into<String>) -> AuthorityError {
    AuthorityError::Denied(message.into())
}

pub(crate) fn invalid(message: impl Into<String>) -> AuthorityError {
    AuthorityError::Invalid(message.into())
}

pub(crate) fn gone(message: impl Into<String>) -> AuthorityError {
    AuthorityError::Gone(message.into())
}

pub(crate) fn limit(message: impl Into<String>) -> AuthorityError {
    AuthorityError::Limit(message.into())
}
