//! Vectors from the W3C specifications and the upstream Caracal SDK tests.

use caracal_envelope::{Baggage, CaracalContext, Envelope, EnvelopeError, TraceParent};

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn w3c_baggage_spec_examples() {
    let b = Baggage::parse(
        "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
    )
    .unwrap();
    let members: Vec<_> = b.iter().collect();
    assert_eq!(
        members,
        [("key1", "value1"), ("key2", "value2"), ("key3", "value3")]
    );
    assert_eq!(b.properties("key1"), Some("property1;property2"));
    assert_eq!(b.properties("key3"), Some("propertyKey=propertyValue"));
    assert_eq!(
        b.to_header(),
        "key1=value1;property1;property2,key2=value2,key3=value3;propertyKey=propertyValue"
    );

    let b = Baggage::parse("serverNode=DF%2028,userId=Am%C3%A9lie").unwrap();
    assert_eq!(b.get("serverNode"), Some("DF 28"));
    assert_eq!(b.get("userId"), Some("Amélie"));
    assert_eq!(b.to_header(), "serverNode=DF%2028,userId=Am%C3%A9lie");
}

#[test]
fn w3c_trace_context_spec_examples() {
    let sampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let not_sampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
    assert!(TraceParent::parse(sampled).unwrap().sampled());
    assert!(!TraceParent::parse(not_sampled).unwrap().sampled());
    assert_eq!(
        TraceParent::parse(not_sampled).unwrap().to_header(),
        not_sampled
    );

    // Future version: 55 valid bytes, then '-' and anything.
    let future = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-ab";
    assert_eq!(
        TraceParent::parse(future).unwrap().to_header(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09"
    );
    let v00_extra = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-ab";
    assert_eq!(
        TraceParent::parse(v00_extra),
        Err(EnvelopeError::TraceParentLength { len: 58 })
    );
}

#[test]
fn decodes_upstream_middleware_request() {
    let env = Envelope::decode([
        ("authorization", "Bearer valid.jwt.token"),
        (
            "baggage",
            "caracal.agent_session=agent-header,caracal.delegation_edge=edge-header,\
             caracal.parent_edge=parent-header,caracal.hop=3",
        ),
        (
            "traceparent",
            "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01",
        ),
    ]);
    assert_eq!(env.bearer.as_deref(), Some("valid.jwt.token"));
    assert_eq!(
        env.caracal,
        CaracalContext {
            agent_session: Some("agent-header".into()),
            delegation_edge: Some("edge-header".into()),
            parent_edge: Some("parent-header".into()),
            session: None,
            hop: 3,
        }
    );
    assert_eq!(
        env.traceparent.unwrap().trace_id_hex(),
        "0123456789abcdef0123456789abcdef"
    );
}

#[test]
fn encodes_like_upstream_sdks() {
    // Upstream: sorted keys, `quote(v, safe="")`, hop written with any id.
    let env = Envelope {
        traceparent: TraceParent::parse("00-0123456789abcdef0123456789abcdef-0123456789abcdef-01")
            .ok()
            .map(|tp| tp.with_span([0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10])),
        caracal: CaracalContext {
            agent_session: Some("agent-2".into()),
            delegation_edge: Some("edge-1".into()),
            ..CaracalContext::default()
        },
        baggage: Baggage::parse("tenant=acme corp").unwrap(),
        ..Envelope::default()
    };
    assert_eq!(
        env.encode(),
        owned(&[
            (
                "traceparent",
                "00-0123456789abcdef0123456789abcdef-fedcba9876543210-01"
            ),
            (
                "baggage",
                "caracal.agent_session=agent-2,caracal.delegation_edge=edge-1,caracal.hop=0,\
                 tenant=acme%20corp"
            ),
        ])
    );
}

#[test]
fn guest_cannot_forge_caracal_members() {
    let from_guest = Envelope::decode([
        ("authorization", "Bearer guest-made"),
        (
            "baggage",
            "caracal.session=root,caracal.hop=0,caracal.custom=1,app=x",
        ),
    ]);
    let host_view = Envelope {
        bearer: Some("host-minted".into()),
        caracal: CaracalContext {
            agent_session: Some("s-7".into()),
            hop: 1,
            ..CaracalContext::default()
        },
        ..from_guest
    };
    assert_eq!(
        host_view.encode(),
        owned(&[
            ("authorization", "Bearer host-minted"),
            ("baggage", "app=x,caracal.agent_session=s-7,caracal.hop=1"),
        ])
    );
}

#[test]
fn decode_accepts_owned_header_lists() {
    let headers = owned(&[("Baggage", "a=1"), ("baggage", "b=2")]);
    let env = Envelope::decode(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    assert_eq!(env.baggage.to_header(), "a=1,b=2");
    assert_eq!(env.encode(), owned(&[("baggage", "a=1,b=2")]));
}
