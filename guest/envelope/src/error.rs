//! The error type shared by every decoder in this crate.

use std::fmt;

/// Why a traceparent or baggage header was rejected.
///
/// [`Envelope::decode`](crate::Envelope::decode) never returns these: it
/// drops the offending header instead, as W3C asks. They surface only from
/// [`TraceParent::parse`](crate::TraceParent::parse) and
/// [`Baggage::parse`](crate::Baggage::parse).
///
/// ```
/// use caracal_envelope::{EnvelopeError, TraceParent};
///
/// let err = TraceParent::parse("00-abc").unwrap_err();
/// assert_eq!(err, EnvelopeError::TraceParentLength { len: 6 });
/// assert_eq!(err.to_string(), "traceparent has invalid length 6");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The traceparent is not 55 bytes (version `00`), or is shorter than 55
    /// bytes or not followed by `-` (a future version).
    TraceParentLength {
        /// Length of the rejected value in bytes.
        len: usize,
    },
    /// The traceparent version is `ff` or not two lowercase hex digits.
    TraceParentVersion,
    /// A `-` separator is missing where the traceparent format needs one.
    TraceParentSeparator,
    /// The trace id is not 32 lowercase hex digits.
    TraceParentTraceId,
    /// The parent (span) id is not 16 lowercase hex digits.
    TraceParentSpanId,
    /// The trace flags are not 2 lowercase hex digits.
    TraceParentFlags,
    /// The trace id is all zeroes.
    ZeroTraceId,
    /// The parent (span) id is all zeroes.
    ZeroSpanId,
    /// The baggage header exceeds [`Baggage::MAX_BYTES`](crate::Baggage::MAX_BYTES).
    BaggageTooLarge {
        /// Length of the rejected header in bytes.
        len: usize,
    },
    /// The baggage header has more than
    /// [`Baggage::MAX_MEMBERS`](crate::Baggage::MAX_MEMBERS) comma-separated members.
    TooManyBaggageMembers {
        /// Number of comma-separated pieces in the rejected header.
        count: usize,
    },
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TraceParentLength { len } => write!(f, "traceparent has invalid length {len}"),
            Self::TraceParentVersion => f.write_str("traceparent version is invalid or ff"),
            Self::TraceParentSeparator => f.write_str("traceparent is missing a '-' separator"),
            Self::TraceParentTraceId => {
                f.write_str("traceparent trace id is not 32 lowercase hex digits")
            }
            Self::TraceParentSpanId => {
                f.write_str("traceparent parent id is not 16 lowercase hex digits")
            }
            Self::TraceParentFlags => {
                f.write_str("traceparent flags are not 2 lowercase hex digits")
            }
            Self::ZeroTraceId => f.write_str("traceparent trace id is all zeroes"),
            Self::ZeroSpanId => f.write_str("traceparent parent id is all zeroes"),
            Self::BaggageTooLarge { len } => {
                write!(f, "baggage header is {len} bytes, over the 8192-byte limit")
            }
            Self::TooManyBaggageMembers { count } => {
                write!(
                    f,
                    "baggage header has {count} members, over the 64-member limit"
                )
            }
        }
    }
}

impl std::error::Error for EnvelopeError {}

#[cfg(test)]
mod tests {
    use super::EnvelopeError;

    #[test]
    fn display_messages() {
        assert_eq!(
            EnvelopeError::BaggageTooLarge { len: 9000 }.to_string(),
            "baggage header is 9000 bytes, over the 8192-byte limit"
        );
        assert_eq!(
            EnvelopeError::TooManyBaggageMembers { count: 65 }.to_string(),
            "baggage header has 65 members, over the 64-member limit"
        );
        assert_eq!(
            EnvelopeError::ZeroSpanId.to_string(),
            "traceparent parent id is all zeroes"
        );
        let boxed: Box<dyn std::error::Error> = Box::new(EnvelopeError::TraceParentVersion);
        assert_eq!(boxed.to_string(), "traceparent version is invalid or ff");
    }
}
