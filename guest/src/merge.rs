//! Putting a context's envelope on a request's headers (DESIGN §4).
//!
//! - `authorization` and any other header of the envelope replace the
//!   request's headers of the same name.
//! - `traceparent` and `tracestate` travel as a pair: a request that already
//!   has exactly one valid `traceparent` keeps it and its `tracestate`;
//!   otherwise both are replaced by the envelope's.
//! - `baggage`: the request's foreign members are kept, its `caracal.*`
//!   members are dropped and the envelope's written instead. A foreign member
//!   the envelope also has keeps the request's value. The result is kept
//!   within the W3C limits by dropping foreign members, last key first; a
//!   request baggage already over the limits is dropped whole, as a receiver
//!   would.

use caracal_envelope::{Baggage, CARACAL_PREFIX, TraceParent};
use http::{HeaderMap, HeaderName, HeaderValue};

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";
const BAGGAGE: &str = "baggage";

/// Writes `envelope` (lowercase name, value pairs: from the host, or from an
/// inbound context with the `spin` feature) onto `map`.
pub(crate) fn apply_envelope<'a>(
    map: &mut HeaderMap,
    envelope: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    let keep_trace = has_valid_traceparent(map);
    let mut envelope_baggage = Vec::new();
    let mut replaced: Vec<HeaderName> = Vec::new();
    for (name, value) in envelope {
        if name.eq_ignore_ascii_case(BAGGAGE) {
            envelope_baggage.push(value);
            continue;
        }
        let is_trace =
            name.eq_ignore_ascii_case(TRACEPARENT) || name.eq_ignore_ascii_case(TRACESTATE);
        if is_trace && keep_trace {
            continue;
        }
        // The host only sends valid names and values; anything else is
        // skipped, as `Headers::apply` does.
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            continue;
        };
        if replaced.contains(&name) {
            map.append(name, value);
        } else {
            map.insert(name.clone(), value);
            replaced.push(name);
        }
    }
    if !keep_trace && !replaced.iter().any(|n| *n == TRACESTATE) {
        // A tracestate belongs to the traceparent it came with.
        map.remove(TRACESTATE);
    }

    let request_baggage: Vec<&str> = map
        .get_all(BAGGAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let merged = merge_baggage(&request_baggage, &envelope_baggage);
    map.remove(BAGGAGE);
    if let Ok(value) = HeaderValue::from_str(&merged)
        && !merged.is_empty()
    {
        map.insert(HeaderName::from_static(BAGGAGE), value);
    }
}

/// Whether `map` has exactly one `traceparent` and it is valid.
fn has_valid_traceparent(map: &HeaderMap) -> bool {
    let mut values = map.get_all(TRACEPARENT).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => value
            .to_str()
            .is_ok_and(|v| TraceParent::parse(v.trim_ascii()).is_ok()),
        _ => false,
    }
}

/// The merged baggage header value (empty when there are no members).
fn merge_baggage(request: &[&str], envelope: &[&str]) -> String {
    let mut merged = Baggage::parse(&request.join(",")).unwrap_or_default();
    merged.retain(|key| !key.starts_with(CARACAL_PREFIX));
    let ours = Baggage::parse(&envelope.join(",")).unwrap_or_default();
    for (key, value) in ours.iter() {
        if key.starts_with(CARACAL_PREFIX) || merged.get(key).is_none() {
            merged.insert(key, value);
        }
    }
    let mut foreign: Vec<String> = merged
        .iter()
        .map(|(key, _)| key)
        .filter(|key| !key.starts_with(CARACAL_PREFIX))
        .map(str::to_owned)
        .collect();
    foreign.sort();
    loop {
        let header = merged.to_header();
        if merged.len() <= Baggage::MAX_MEMBERS && header.len() <= Baggage::MAX_BYTES {
            return header;
        }
        match foreign.pop() {
            Some(key) => {
                merged.remove(&key);
            }
            None => return header,
        }
    }
}

#[cfg(test)]
mod tests;
