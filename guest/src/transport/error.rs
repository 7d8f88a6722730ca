//! [`TransportError`]: why [`Transport::send`](crate::Transport::send) failed.

use std::fmt;

use crate::error::Error;

/// Why a [`Transport`](crate::Transport) request failed.
///
/// A response with any status, 3xx, 4xx and 5xx included, is not an error:
/// these are failures to get a response at all. [`Display`](fmt::Display)
/// prints a one-line message; [`kind`](TransportError::kind) names the
/// variant for logs and tests.
///
/// # Example
///
/// ```no_run
/// use caracal::{Caracal, TransportError};
///
/// let transport = Caracal::new().transport();
/// match transport.get("https://api.example.com/tickets") {
///     Ok(response) => println!("{}", response.status()),
///     Err(TransportError::NoContext) => println!("spawn a session first"),
///     Err(TransportError::Denied) => println!("the host's policy refused the call"),
///     Err(other) => println!("failed ({}): {other}", other.kind()),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// The request needs the Caracal envelope but no session is bound and
    /// the transport was not made with
    /// [`allow_root(true)`](crate::Transport::allow_root).
    NoContext,
    /// The host refused to project the context's envelope, for example
    /// because the session is gone or suspended.
    Caracal(Error),
    /// The request cannot be sent as built: a relative URL, a scheme other
    /// than `http`/`https`, user info in the URL, or a header the host
    /// forbids (such as `host` or `connection`).
    InvalidRequest(String),
    /// The host denied the request (the `wasi:http` error code
    /// `HTTP-request-denied`): no resource binding or allow-list entry
    /// permits it, or the session's authority, call budget or policy does
    /// not; or the session's authority was revoked while the response body
    /// was being read, and the host cut it off. The host's audit log says
    /// why.
    Denied,
    /// Any other `wasi:http` error code (`connection-refused`,
    /// `connection-timeout`, ...), in its WIT name, with its payload if any.
    Http(String),
    /// Reading or writing a body stream failed.
    Io(String),
}

impl TransportError {
    /// The variant's name: `"no-context"`, `"caracal"`, `"invalid-request"`,
    /// `"denied"`, `"http"` or `"io"`.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(caracal::TransportError::Denied.kind(), "denied");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            TransportError::NoContext => "no-context",
            TransportError::Caracal(_) => "caracal",
            TransportError::InvalidRequest(_) => "invalid-request",
            TransportError::Denied => "denied",
            TransportError::Http(_) => "http",
            TransportError::Io(_) => "io",
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::NoContext => f.write_str(
                "no Caracal session is bound and this request would carry the Caracal \
                 envelope: spawn a session first, or build the transport with \
                 allow_root(true) to call with the application's own authority",
            ),
            TransportError::Caracal(error) => {
                write!(f, "the host refused the Caracal envelope: {error}")
            }
            TransportError::InvalidRequest(why) => write!(f, "invalid request: {why}"),
            TransportError::Denied => f.write_str(
                "the host denied the outbound request (HTTP-request-denied); \
                 its audit log says why",
            ),
            TransportError::Http(code) => write!(f, "wasi:http error: {code}"),
            TransportError::Io(why) => write!(f, "body stream error: {why}"),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransportError::Caracal(error) => Some(error),
            _ => None,
        }
    }
}

impl From<Error> for TransportError {
    fn from(error: Error) -> TransportError {
        TransportError::Caracal(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_and_name_the_fix() {
        let text = TransportError::NoContext.to_string();
        assert!(text.contains("allow_root(true)"), "{text}");
        assert!(!text.contains('\n'));
        let gone = TransportError::Caracal(Error::Gone("session closed".into()));
        assert_eq!(
            gone.to_string(),
            "the host refused the Caracal envelope: gone: session closed"
        );
        assert!(std::error::Error::source(&gone).is_some());
        assert_eq!(gone.kind(), "caracal");
    }
}
