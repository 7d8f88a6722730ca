//! A whole envelope: the headers Caracal puts on and reads off a request.

use crate::baggage::Baggage;
use crate::caracal::{CARACAL_PREFIX, CaracalContext};
use crate::traceparent::TraceParent;

/// Longest `tracestate` carried, in bytes; a longer one is dropped.
const MAX_TRACESTATE: usize = 512;

/// The Caracal envelope of one HTTP request.
///
/// ```
/// use caracal_envelope::Envelope;
///
/// let env = Envelope::decode([
///     ("Authorization", "Bearer t0k"),
///     ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
///     ("baggage", "caracal.hop=2,k=v"),
/// ]);
/// assert_eq!(env.bearer.as_deref(), Some("t0k"));
/// assert_eq!(env.caracal.hop, 2);
/// assert_eq!(env.encode()[2], ("baggage".to_owned(), "caracal.hop=2,k=v".to_owned()));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The W3C traceparent, if a valid one is present.
    pub traceparent: Option<TraceParent>,
    /// The W3C tracestate, carried verbatim alongside a valid traceparent.
    pub tracestate: Option<String>,
    /// All baggage members, `caracal.*` ones included as received.
    pub baggage: Baggage,
    /// The Caracal fields; on encode they replace every `caracal.*` member.
    pub caracal: CaracalContext,
    /// The bearer token from `authorization`, without the scheme.
    pub bearer: Option<String>,
}

impl Envelope {
    /// Decodes request headers; names are compared case-insensitively and
    /// values are trimmed. Bad input is dropped, never an error:
    ///
    /// - `authorization`: `Bearer <token>` (scheme in any case); ignored if
    ///   repeated, since two credentials are ambiguous.
    /// - `traceparent`: `None` if malformed or repeated (W3C).
    /// - `tracestate`: repeated headers joined with `,`; kept only with a
    ///   valid traceparent and when at most 512 bytes.
    /// - `baggage`: repeated headers joined with `,`; over the limits it
    ///   decodes as empty.
    ///
    /// ```
    /// use caracal_envelope::Envelope;
    ///
    /// let env = Envelope::decode([("TRACEPARENT", "ff-bad"), ("tracestate", "v=1")]);
    /// assert_eq!((env.traceparent, env.tracestate), (None, None));
    /// ```
    pub fn decode<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Envelope {
        let mut authorization = Vec::new();
        let mut traceparent = Vec::new();
        let mut tracestate = Vec::new();
        let mut baggage = Vec::new();
        for (name, value) in headers {
            let list = if name.eq_ignore_ascii_case("authorization") {
                &mut authorization
            } else if name.eq_ignore_ascii_case("traceparent") {
                &mut traceparent
            } else if name.eq_ignore_ascii_case("tracestate") {
                &mut tracestate
            } else if name.eq_ignore_ascii_case("baggage") {
                &mut baggage
            } else {
                continue;
            };
            list.push(value.trim_ascii());
        }
        let bearer = match authorization[..] {
            [value] => parse_bearer(value),
            _ => None,
        };
        let traceparent = match traceparent[..] {
            [value] => TraceParent::parse(value).ok(),
            _ => None,
        };
        let tracestate = traceparent.and_then(|_| {
            let joined = tracestate.iter().filter(|v| !v.is_empty()).copied();
            let joined = joined.collect::<Vec<_>>().join(",");
            (!joined.is_empty() && joined.len() <= MAX_TRACESTATE).then_some(joined)
        });
        let baggage = Baggage::parse(&baggage.join(",")).unwrap_or_default();
        let caracal = CaracalContext::from_baggage(&baggage);
        Envelope {
            traceparent,
            tracestate,
            baggage,
            caracal,
            bearer,
        }
    }

    /// Encodes to `(lowercase name, value)` pairs, in this order:
    /// `authorization` (if a non-empty bearer), `traceparent` (if any),
    /// `tracestate` (if any, and only with a traceparent), `baggage` (if
    /// non-empty once [`caracal`](Self::caracal) is written over the
    /// `caracal.*` members; foreign members are kept, but dropped last key
    /// first when needed to stay within the W3C limits).
    ///
    /// This crate makes no ids: set `traceparent` (e.g. with
    /// [`TraceParent::with_span`]) before encoding.
    ///
    /// ```
    /// use caracal_envelope::{CaracalContext, Envelope};
    ///
    /// let env = Envelope {
    ///     bearer: Some("t0k".into()),
    ///     caracal: CaracalContext { session: Some("s".into()), ..Default::default() },
    ///     ..Default::default()
    /// };
    /// assert_eq!(env.encode(), [
    ///     ("authorization".to_owned(), "Bearer t0k".to_owned()),
    ///     ("baggage".to_owned(), "caracal.hop=0,caracal.session=s".to_owned()),
    /// ]);
    /// ```
    pub fn encode(&self) -> Vec<(String, String)> {
        let mut out = Vec::with_capacity(4);
        if let Some(token) = self.bearer.as_deref().filter(|t| !t.is_empty()) {
            out.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        if let Some(traceparent) = &self.traceparent {
            out.push(("traceparent".to_owned(), traceparent.to_header()));
            if let Some(state) = self.tracestate.as_deref().filter(|s| !s.is_empty()) {
                out.push(("tracestate".to_owned(), state.to_owned()));
            }
        }
        let mut baggage = self.baggage.clone();
        self.caracal.write_to(&mut baggage);
        let header = baggage.to_header_within_limits(|key| key.starts_with(CARACAL_PREFIX));
        if !header.is_empty() {
            out.push(("baggage".to_owned(), header));
        }
        out
    }
}

/// `Bearer` (any case), one or more spaces, then a non-empty token; the
/// value is already trimmed. Matches the upstream `^(?i:bearer) +(.+)$`.
fn parse_bearer(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !rest.starts_with(' ') {
        return None;
    }
    let token = rest.trim_start_matches(' ');
    (!token.is_empty()).then(|| token.to_owned())
}

#[cfg(test)]
mod tests;
