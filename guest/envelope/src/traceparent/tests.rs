//! Unit tests for [`TraceParent`](super::TraceParent).

use super::*;
use EnvelopeError as E;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";
const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn tp(version: &str, trace: &str, span: &str, flags: &str) -> String {
    format!("{version}-{trace}-{span}-{flags}")
}

#[test]
fn parses_and_renders_byte_exact() {
    let parsed = TraceParent::parse(VALID).unwrap();
    assert_eq!(parsed.trace_id_hex(), TRACE);
    assert_eq!(parsed.span_id_hex(), SPAN);
    assert_eq!(parsed.flags, 1);
    assert!(parsed.sampled());
    assert_eq!(parsed.to_header(), VALID);
    assert_eq!(parsed.to_string(), VALID);
    assert_eq!(VALID.parse::<TraceParent>(), Ok(parsed));
}

#[test]
fn keeps_unknown_flag_bits() {
    let parsed = TraceParent::parse(&tp("00", TRACE, SPAN, "fe")).unwrap();
    assert_eq!(parsed.flags, 0xfe);
    assert!(!parsed.sampled());
    assert_eq!(parsed.to_header(), tp("00", TRACE, SPAN, "fe"));
}

#[test]
fn rejects_bad_versions() {
    assert_eq!(
        TraceParent::parse(&tp("ff", TRACE, SPAN, "01")),
        Err(E::TraceParentVersion)
    );
    assert_eq!(
        TraceParent::parse(&tp("0g", TRACE, SPAN, "01")),
        Err(E::TraceParentVersion)
    );
    assert_eq!(
        TraceParent::parse(&tp("0A", TRACE, SPAN, "01")),
        Err(E::TraceParentVersion)
    );
    assert_eq!(TraceParent::parse(""), Err(E::TraceParentVersion));
    assert_eq!(TraceParent::parse("é"), Err(E::TraceParentVersion));
}

#[test]
fn rejects_wrong_lengths() {
    let short = &VALID[..54];
    assert_eq!(
        TraceParent::parse(short),
        Err(E::TraceParentLength { len: 54 })
    );
    let long = format!("{VALID}-00");
    assert_eq!(
        TraceParent::parse(&long),
        Err(E::TraceParentLength { len: 58 })
    );
    let trailing = format!("{VALID} ");
    assert_eq!(
        TraceParent::parse(&trailing),
        Err(E::TraceParentLength { len: 56 })
    );
    // A 31-digit trace id shifts every later separator.
    let shifted = tp("00", &TRACE[..31], SPAN, "010");
    assert_eq!(TraceParent::parse(&shifted), Err(E::TraceParentSeparator));
}

#[test]
fn rejects_wrong_field_count() {
    let three = format!("00-{TRACE}-{SPAN}001");
    assert_eq!(TraceParent::parse(&three), Err(E::TraceParentSeparator));
    let five = format!("01-{TRACE}-{SPAN}-01-");
    assert!(
        TraceParent::parse(&five).is_ok(),
        "future version may add fields"
    );
    let five_v0 = format!("00-{TRACE}-{SPAN}-01-");
    assert_eq!(
        TraceParent::parse(&five_v0),
        Err(E::TraceParentLength { len: 56 })
    );
}

#[test]
fn rejects_uppercase_and_non_hex() {
    let upper_trace = TRACE.to_ascii_uppercase();
    assert_eq!(
        TraceParent::parse(&tp("00", &upper_trace, SPAN, "01")),
        Err(E::TraceParentTraceId)
    );
    assert_eq!(
        TraceParent::parse(&tp("00", TRACE, "00F067AA0BA902B7", "01")),
        Err(E::TraceParentSpanId)
    );
    assert_eq!(
        TraceParent::parse(&tp("00", TRACE, SPAN, "0A")),
        Err(E::TraceParentFlags)
    );
    let bad_trace = "4bf92f3577b34da6a3ce929d0e0e473z";
    assert_eq!(
        TraceParent::parse(&tp("00", bad_trace, SPAN, "01")),
        Err(E::TraceParentTraceId)
    );
    assert_eq!(
        TraceParent::parse(&tp("00", TRACE, "00f067aa0ba902-7", "01")),
        Err(E::TraceParentSpanId)
    );
}

#[test]
fn rejects_all_zero_ids() {
    let zero_trace = "0".repeat(32);
    assert_eq!(
        TraceParent::parse(&tp("00", &zero_trace, SPAN, "01")),
        Err(E::ZeroTraceId)
    );
    let zero_span = "0".repeat(16);
    assert_eq!(
        TraceParent::parse(&tp("00", TRACE, &zero_span, "01")),
        Err(E::ZeroSpanId)
    );
}

#[test]
fn future_version_with_extra_fields() {
    let future = format!("cc-{TRACE}-{SPAN}-01-what-the-future-will-be-like");
    let parsed = TraceParent::parse(&future).unwrap();
    assert_eq!(
        parsed.to_header(),
        VALID,
        "re-emitted as version 00, extras dropped"
    );
    assert_eq!(
        TraceParent::parse(&tp("cc", TRACE, SPAN, "01")).unwrap(),
        parsed
    );
    let glued = format!("cc-{TRACE}-{SPAN}-01.what");
    assert_eq!(
        TraceParent::parse(&glued),
        Err(E::TraceParentLength { len: 60 })
    );
    let bad_flags = format!("cc-{TRACE}-{SPAN}-0x-what");
    assert_eq!(TraceParent::parse(&bad_flags), Err(E::TraceParentFlags));
}

#[test]
fn child_span_keeps_trace_and_flags() {
    let parent = TraceParent::parse(VALID).unwrap();
    let child = parent.with_span([0xaa; 8]);
    assert_eq!(child.to_header(), format!("00-{TRACE}-aaaaaaaaaaaaaaaa-01"));
}
