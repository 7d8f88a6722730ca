//! W3C Trace Context `traceparent` header.

use std::fmt;
use std::str::FromStr;

use crate::error::EnvelopeError;
use crate::hex::{hex_lower, parse_hex_bytes, write_hex_lower};

/// Length of a version-`00` traceparent: `2 + 1 + 32 + 1 + 16 + 1 + 2`.
const LEN: usize = 55;

/// A W3C `traceparent`: trace id, parent (span) id and trace flags.
///
/// ```
/// use caracal_envelope::TraceParent;
///
/// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")?;
/// assert!(tp.sampled());
/// assert_eq!(tp.span_id, [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]);
/// # Ok::<(), caracal_envelope::EnvelopeError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceParent {
    /// The 16-byte trace id; never all zeroes when parsed.
    pub trace_id: [u8; 16],
    /// The 8-byte parent (span) id; never all zeroes when parsed.
    pub span_id: [u8; 8],
    /// Trace flags; bit 0 is `sampled`.
    pub flags: u8,
}

impl TraceParent {
    /// Parses a traceparent value with W3C rules.
    ///
    /// Version `00` must be exactly 55 bytes with four fields of lowercase
    /// hex. A higher version (not `ff`) is accepted when its first 55 bytes
    /// parse that way and the next byte, if any, is `-`; extra fields are
    /// ignored. All-zero ids are rejected. The value is not trimmed.
    ///
    /// # Errors
    ///
    /// The first [`EnvelopeError`] `TraceParent*`, `ZeroTraceId` or
    /// `ZeroSpanId` variant that applies.
    ///
    /// ```
    /// use caracal_envelope::{EnvelopeError, TraceParent};
    ///
    /// let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// assert!(TraceParent::parse(ok).is_ok());
    /// let ff = "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// assert_eq!(TraceParent::parse(ff), Err(EnvelopeError::TraceParentVersion));
    /// ```
    pub fn parse(s: &str) -> Result<TraceParent, EnvelopeError> {
        let b = s.as_bytes();
        let version = b.get(..2).and_then(parse_hex_bytes::<1>);
        let version = match version {
            Some([v]) if v != 0xff => v,
            _ => return Err(EnvelopeError::TraceParentVersion),
        };
        let length_ok = if version == 0 {
            b.len() == LEN
        } else {
            b.len() == LEN || (b.len() > LEN && b[LEN] == b'-')
        };
        if !length_ok {
            return Err(EnvelopeError::TraceParentLength { len: b.len() });
        }
        if b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
            return Err(EnvelopeError::TraceParentSeparator);
        }
        let trace_id = parse_hex_bytes::<16>(&b[3..35]).ok_or(EnvelopeError::TraceParentTraceId)?;
        let span_id = parse_hex_bytes::<8>(&b[36..52]).ok_or(EnvelopeError::TraceParentSpanId)?;
        let [flags] = parse_hex_bytes::<1>(&b[53..55]).ok_or(EnvelopeError::TraceParentFlags)?;
        if trace_id == [0; 16] {
            return Err(EnvelopeError::ZeroTraceId);
        }
        if span_id == [0; 8] {
            return Err(EnvelopeError::ZeroSpanId);
        }
        Ok(TraceParent {
            trace_id,
            span_id,
            flags,
        })
    }

    /// Renders the header value, always as version `00`.
    ///
    /// ```
    /// use caracal_envelope::TraceParent;
    ///
    /// let tp = TraceParent { trace_id: [1; 16], span_id: [2; 8], flags: 1 };
    /// assert_eq!(
    ///     tp.to_header(),
    ///     "00-01010101010101010101010101010101-0202020202020202-01"
    /// );
    /// ```
    pub fn to_header(&self) -> String {
        let mut out = [b'-'; LEN];
        out[..2].copy_from_slice(b"00");
        write_hex_lower(&mut out[3..35], &self.trace_id);
        write_hex_lower(&mut out[36..52], &self.span_id);
        write_hex_lower(&mut out[53..], &[self.flags]);
        std::str::from_utf8(&out)
            .expect("hex digits and dashes are ASCII")
            .to_owned()
    }

    /// The trace id as 32 lowercase hex digits.
    ///
    /// ```
    /// use caracal_envelope::TraceParent;
    ///
    /// let tp = TraceParent { trace_id: [0xab; 16], span_id: [1; 8], flags: 0 };
    /// assert_eq!(tp.trace_id_hex(), "abababababababababababababababab");
    /// ```
    pub fn trace_id_hex(&self) -> String {
        hex_lower(&self.trace_id)
    }

    /// The parent (span) id as 16 lowercase hex digits.
    ///
    /// ```
    /// use caracal_envelope::TraceParent;
    ///
    /// let tp = TraceParent { trace_id: [1; 16], span_id: [0xcd; 8], flags: 0 };
    /// assert_eq!(tp.span_id_hex(), "cdcdcdcdcdcdcdcd");
    /// ```
    pub fn span_id_hex(&self) -> String {
        hex_lower(&self.span_id)
    }

    /// The same trace and flags under a new span: the traceparent a child
    /// span sends. The caller supplies a random, non-zero `span_id`.
    ///
    /// ```
    /// use caracal_envelope::TraceParent;
    ///
    /// let parent = TraceParent { trace_id: [7; 16], span_id: [1; 8], flags: 1 };
    /// let child = parent.with_span([9; 8]);
    /// assert_eq!((child.trace_id, child.span_id, child.flags), ([7; 16], [9; 8], 1));
    /// ```
    #[must_use]
    pub fn with_span(&self, span_id: [u8; 8]) -> TraceParent {
        TraceParent { span_id, ..*self }
    }

    /// Whether the `sampled` flag (bit 0) is set.
    ///
    /// ```
    /// use caracal_envelope::TraceParent;
    ///
    /// let tp = TraceParent { trace_id: [1; 16], span_id: [1; 8], flags: 0x02 };
    /// assert!(!tp.sampled());
    /// ```
    pub fn sampled(&self) -> bool {
        self.flags & 1 == 1
    }
}

/// Same as [`TraceParent::to_header`].
impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_header())
    }
}

/// Same as [`TraceParent::parse`].
impl FromStr for TraceParent {
    type Err = EnvelopeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TraceParent::parse(s)
    }
}

#[cfg(test)]
mod tests;
