//! [`InboundError`] and [`SendError`].

use std::fmt;

use spin_sdk::wasip3::http::types::ErrorCode;

/// Why an inbound request's envelope could not be read.
///
/// Converts into [`spin_sdk::http::Error`], so `?` works in an
/// `#[http_service]` handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InboundError {
    /// `authorization` is not `Bearer <token>`.
    InvalidAuthorization,
    /// More than one `authorization` header: two credentials are ambiguous.
    RepeatedAuthorization,
}

impl fmt::Display for InboundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InboundError::InvalidAuthorization => {
                "the inbound authorization header is not `Bearer <token>`"
            }
            InboundError::RepeatedAuthorization => {
                "the inbound request has more than one authorization header"
            }
        })
    }
}

impl std::error::Error for InboundError {}

impl From<InboundError> for spin_sdk::http::Error {
    fn from(err: InboundError) -> spin_sdk::http::Error {
        spin_sdk::http::Error::Other(Box::new(err))
    }
}

/// Why [`send`](super::send) or [`InboundContext::apply`](super::InboundContext::apply)
/// failed.
///
/// Converts into [`spin_sdk::http::Error`] (an [`Http`](Self::Http) error
/// as its `ErrorCode`), so `?` works in an `#[http_service]` handler.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The request already has an `authorization` header; the envelope's
    /// bearer is the only credential a governed call carries. Nothing was
    /// sent.
    AuthorizationPresent,
    /// spin-sdk or the host failed the call: the request could not be built
    /// or sent, the host denied it (`HTTP-request-denied`), or the exchange
    /// failed.
    Http(ErrorCode),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::AuthorizationPresent => f.write_str(
                "the request already has an authorization header; the Caracal envelope brings its own",
            ),
            SendError::Http(code) => write!(f, "outbound HTTP call failed: {code}"),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::AuthorizationPresent => None,
            SendError::Http(code) => Some(code),
        }
    }
}

impl From<SendError> for spin_sdk::http::Error {
    fn from(err: SendError) -> spin_sdk::http::Error {
        match err {
            SendError::Http(code) => spin_sdk::http::Error::ErrorCode(code),
            other => spin_sdk::http::Error::Other(Box::new(other)),
        }
    }
}
