//! Unit tests for [`Envelope`](super::Envelope).

use super::*;

const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn bearer_scheme_is_case_insensitive() {
    for value in [
        "Bearer abc.def",
        "bearer abc.def",
        "BEARER   abc.def",
        "  Bearer abc.def  ",
    ] {
        let env = Envelope::decode([("Authorization", value)]);
        assert_eq!(env.bearer.as_deref(), Some("abc.def"), "{value:?}");
    }
}

#[test]
fn bearer_rejects_other_forms() {
    for value in [
        "Basic abc",
        "Bearer",
        "Bearer   ",
        "Bearerabc",
        "Bearer\tabc",
        "",
        "Beare",
    ] {
        let env = Envelope::decode([("authorization", value)]);
        assert_eq!(env.bearer, None, "{value:?}");
    }
    let twice = Envelope::decode([("authorization", "Bearer a"), ("Authorization", "Bearer b")]);
    assert_eq!(twice.bearer, None);
}

#[test]
fn traceparent_header_name_any_case() {
    let env = Envelope::decode([("TraceParent", TP), ("TRACESTATE", "congo=t61rcWkgMzE")]);
    assert_eq!(env.traceparent.map(|t| t.to_header()).as_deref(), Some(TP));
    assert_eq!(env.tracestate.as_deref(), Some("congo=t61rcWkgMzE"));
}

#[test]
fn malformed_or_repeated_traceparent_is_none() {
    let upper = TP.to_ascii_uppercase();
    for value in ["", "garbage", upper.as_str(), &TP.replace("00-", "ff-")] {
        assert_eq!(Envelope::decode([("traceparent", value)]).traceparent, None);
    }
    let twice = Envelope::decode([("traceparent", TP), ("traceparent", TP)]);
    assert_eq!(twice.traceparent, None);
    let padded = Envelope::decode([("traceparent", &*format!(" {TP}\t"))]);
    assert!(
        padded.traceparent.is_some(),
        "HTTP OWS is not part of the value"
    );
}

#[test]
fn tracestate_dropped_without_valid_traceparent() {
    let env = Envelope::decode([("tracestate", "rojo=00f067aa0ba902b7")]);
    assert_eq!(env.tracestate, None);
    let bad = Envelope::decode([("traceparent", "00-xyz"), ("tracestate", "rojo=1")]);
    assert_eq!(bad.tracestate, None);
}

#[test]
fn tracestate_joined_and_limited() {
    let env = Envelope::decode([
        ("traceparent", TP),
        ("tracestate", "rojo=1"),
        ("tracestate", " "),
        ("tracestate", "congo=2"),
    ]);
    assert_eq!(env.tracestate.as_deref(), Some("rojo=1,congo=2"));

    let at_limit = format!("k={}", "v".repeat(510));
    let env = Envelope::decode([("traceparent", TP), ("tracestate", &*at_limit)]);
    assert_eq!(env.tracestate.as_deref(), Some(at_limit.as_str()));
    let over = format!("k={}", "v".repeat(511));
    let env = Envelope::decode([("traceparent", TP), ("tracestate", &*over)]);
    assert_eq!(env.tracestate, None);
}

#[test]
fn multiple_baggage_headers_joined() {
    let env = Envelope::decode([
        ("baggage", "b=2,caracal.hop=3"),
        ("x-other", "ignored"),
        ("Baggage", "a=1;p,caracal.agent_session=s1"),
    ]);
    assert_eq!(env.baggage.len(), 4);
    assert_eq!(env.caracal.agent_session.as_deref(), Some("s1"));
    assert_eq!(env.caracal.hop, 3);
    assert_eq!(
        env.encode(),
        pairs(&[(
            "baggage",
            "a=1;p,b=2,caracal.agent_session=s1,caracal.hop=3"
        )])
    );
}

#[test]
fn baggage_over_limits_decodes_empty() {
    let big = format!("caracal.hop=2,k={}", "v".repeat(8192));
    let env = Envelope::decode([("baggage", big.as_str())]);
    assert!(env.baggage.is_empty());
    assert_eq!(env.caracal, CaracalContext::default());

    // 40 + 25 members: each header is fine, joined they exceed 64.
    let list = |n: usize| {
        (0..n)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (first, second) = (list(40), list(25));
    let env = Envelope::decode([("baggage", first.as_str()), ("baggage", second.as_str())]);
    assert!(env.baggage.is_empty());
    assert!(env.encode().is_empty());
}

#[test]
fn encode_order_and_values() {
    let env = Envelope {
        traceparent: Some(TraceParent::parse(TP).unwrap()),
        tracestate: Some("rojo=1".into()),
        baggage: Baggage::parse("zeta=1,caracal.session=forged,alpha=a b").unwrap(),
        caracal: CaracalContext {
            agent_session: Some("s2".into()),
            delegation_edge: Some("e1".into()),
            hop: 1,
            ..CaracalContext::default()
        },
        bearer: Some("tok".into()),
    };
    assert_eq!(
        env.encode(),
        pairs(&[
            ("authorization", "Bearer tok"),
            ("traceparent", TP),
            ("tracestate", "rojo=1"),
            (
                "baggage",
                "alpha=a%20b,caracal.agent_session=s2,caracal.delegation_edge=e1,\
                 caracal.hop=1,zeta=1"
            ),
        ])
    );
}

#[test]
fn encode_skips_absent_parts() {
    assert!(Envelope::default().encode().is_empty());
    let env = Envelope {
        tracestate: Some("rojo=1".into()),
        bearer: Some(String::new()),
        ..Envelope::default()
    };
    assert!(
        env.encode().is_empty(),
        "no tracestate without a traceparent"
    );
    let hop_only = Envelope {
        caracal: CaracalContext {
            hop: 4,
            ..CaracalContext::default()
        },
        ..Envelope::default()
    };
    assert_eq!(hop_only.encode(), pairs(&[("baggage", "caracal.hop=4")]));
}

#[test]
fn encode_keeps_caracal_when_trimming_to_limits() {
    let mut baggage = Baggage::default();
    for i in 0..64 {
        baggage.insert(format!("x{i:02}"), "v");
    }
    let env = Envelope {
        baggage,
        caracal: CaracalContext {
            session: Some("s".into()),
            ..CaracalContext::default()
        },
        ..Envelope::default()
    };
    let encoded = env.encode();
    let back = Envelope::decode(encoded.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    assert_eq!(back.baggage.len(), 64);
    assert_eq!(back.caracal.session.as_deref(), Some("s"));
    assert_eq!(back.baggage.get("x61"), Some("v"));
    assert_eq!(back.baggage.get("x62"), None);
}

#[test]
fn decode_encode_round_trip() {
    let headers = [
        ("authorization", "Bearer eyJ.x.y"),
        ("traceparent", TP),
        ("tracestate", "congo=t61rcWkgMzE"),
        (
            "baggage",
            "caracal.agent_session=a1,caracal.hop=2,caracal.session=r,user=j%20d;pii",
        ),
    ];
    let env = Envelope::decode(headers);
    let expected: Vec<(String, String)> = pairs(&headers);
    assert_eq!(env.encode(), expected);
}
