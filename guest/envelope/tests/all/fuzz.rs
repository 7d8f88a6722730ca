//! Property tests of the decoders of untrusted headers: random and mutated
//! input never panics, and what decodes re-encodes to the same meaning.
//! The suite runs a bounded number of cases; `PROPTEST_CASES=1000000 cargo
//! test -p caracal-envelope --test all fuzz` runs a long campaign.

use caracal_envelope::{Baggage, Envelope, TraceParent};
use proptest::prelude::*;

const VALID_TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Header names the decoder looks at, in any case, and some it does not.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("authorization".to_owned()),
        Just("TraceParent".to_owned()),
        Just("tracestate".to_owned()),
        Just("BAGGAGE".to_owned()),
        "[a-z-]{1,12}",
    ]
}

/// Values near the grammar: baggage-like, traceparent-like, bearer-like,
/// and arbitrary text.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "(caracal\\.(agent_session|delegation_edge|parent_edge|session|hop)|[a-z%=;,. ]{0,8})=[a-zA-Z0-9%;=, ._-]{0,16}(,[a-z.]{1,10}=[^,]{0,10}){0,6}",
        "[0-9a-fA-F-]{0,60}",
        "(Bearer|bearer|BEARER|Basic) ?[A-Za-z0-9._=-]{0,40}",
        any::<String>(),
        mutated(VALID_TRACEPARENT),
    ]
}

/// `text` with a few bytes changed, inserted or removed.
fn mutated(text: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec((0..text.len() + 1, 0u8..4, any::<char>()), 0..4).prop_map(
        move |edits| {
            let mut chars: Vec<char> = text.chars().collect();
            for (at, op, ch) in edits {
                let at = at.min(chars.len());
                match op {
                    0 if at < chars.len() => chars[at] = ch,
                    1 => chars.insert(at, ch),
                    2 if at < chars.len() => {
                        chars.remove(at);
                    }
                    _ => {}
                }
            }
            chars.into_iter().collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decoding_any_headers_never_panics_and_round_trips(
        headers in proptest::collection::vec((name(), value()), 0..8)
    ) {
        let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let first = Envelope::decode(pairs);
        let encoded = first.encode();
        let again = Envelope::decode(encoded.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        prop_assert_eq!(&again.caracal, &first.caracal);
        prop_assert_eq!(again.traceparent, first.traceparent);
        prop_assert!(first.caracal.hop <= 10);
    }

    #[test]
    fn baggage_parses_or_refuses_and_what_parses_round_trips(text in value()) {
        if let Ok(parsed) = Baggage::parse(&text) {
            let header = parsed.to_header();
            let reparsed = Baggage::parse(&header).expect("its own output parses");
            // The header is written with its keys sorted.
            let mut a: Vec<_> = parsed.iter().collect();
            a.sort();
            let b: Vec<_> = reparsed.iter().collect();
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn traceparent_parses_or_refuses_and_what_parses_round_trips(text in mutated(VALID_TRACEPARENT)) {
        if let Ok(parsed) = TraceParent::parse(&text) {
            prop_assert_ne!(parsed.trace_id, [0; 16]);
            prop_assert_ne!(parsed.span_id, [0; 8]);
            prop_assert_eq!(TraceParent::parse(&parsed.to_header()), Ok(parsed));
        }
    }
}
