//! [`Error`]: why the host refused a request (WIT `caracal:agent/types.error`).

use std::fmt;

use crate::bindings::types;

/// Why the host refused a request.
///
/// Every refusal from the host is one of these kinds: a policy denial or a bad
/// argument is an error value, never a trap. [`Display`](fmt::Display) prints
/// `<kind>: <message>`, for example `denied: scope "tickets:delete" is not held
/// by the parent`.
///
/// # Example
///
/// ```no_run
/// use caracal::{Caracal, Error, Grant};
///
/// let caracal = Caracal::new();
/// match caracal.spawn().grant(Grant::narrow(["admin:everything"])).start() {
///     Ok(session) => println!("spawned {}", session.id()),
///     Err(Error::Denied(why)) => println!("not allowed: {why}"),
///     Err(other) => println!("refused ({}): {}", other.kind(), other.message()),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The request would widen authority, or policy forbids it.
    Denied(String),
    /// An argument is malformed or out of range.
    Invalid(String),
    /// The named session or delegation does not exist.
    NotFound(String),
    /// The session was closed, expired, revoked or suspended.
    Gone(String),
    /// A capacity limit (depth, live children, ...) would be exceeded.
    Limit(String),
    /// The host cannot serve the request right now.
    Unavailable(String),
}

impl Error {
    /// The error's kind as written in the WIT contract: `"denied"`,
    /// `"invalid"`, `"not-found"`, `"gone"`, `"limit"` or `"unavailable"`.
    ///
    /// # Example
    ///
    /// ```
    /// let err = caracal::Error::NotFound("no such session".into());
    /// assert_eq!(err.kind(), "not-found");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Denied(_) => "denied",
            Error::Invalid(_) => "invalid",
            Error::NotFound(_) => "not-found",
            Error::Gone(_) => "gone",
            Error::Limit(_) => "limit",
            Error::Unavailable(_) => "unavailable",
        }
    }

    /// The host's message, without the kind.
    ///
    /// # Example
    ///
    /// ```
    /// let err = caracal::Error::Gone("session closed".into());
    /// assert_eq!(err.message(), "session closed");
    /// assert_eq!(err.to_string(), "gone: session closed");
    /// ```
    pub fn message(&self) -> &str {
        match self {
            Error::Denied(m)
            | Error::Invalid(m)
            | Error::NotFound(m)
            | Error::Gone(m)
            | Error::Limit(m)
            | Error::Unavailable(m) => m,
        }
    }

    /// Converts the generated WIT error.
    pub(crate) fn from_wit(error: types::Error) -> Error {
        match error {
            types::Error::Denied(m) => Error::Denied(m),
            types::Error::Invalid(m) => Error::Invalid(m),
            types::Error::NotFound(m) => Error::NotFound(m),
            types::Error::Gone(m) => Error::Gone(m),
            types::Error::Limit(m) => Error::Limit(m),
            types::Error::Unavailable(m) => Error::Unavailable(m),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind(), self.message())
    }
}

impl std::error::Error for Error {}
