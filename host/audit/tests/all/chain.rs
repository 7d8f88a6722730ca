//! Canonical encoding, hashing and `Chain`.

use caracal_audit::{
    AuditEvent, CANONICAL_TAG, Chain, Decision, EventKind, GENESIS_PREV, canonical_bytes,
    record_hash,
};

fn golden_event() -> AuditEvent {
    AuditEvent::new(EventKind::LeaseLost, 0x0102)
        .session("s")
        .labels(["a", "bc"])
        .decision(Decision::Deny)
        .detail("z", "1")
        .detail("k", "")
}

#[test]
fn canonical_bytes_follow_the_documented_layout() {
    fn u64be(n: u64) -> Vec<u8> {
        n.to_be_bytes().to_vec()
    }
    fn s(text: &str) -> Vec<u8> {
        [u64be(text.len() as u64), text.as_bytes().to_vec()].concat()
    }
    let none = vec![0u8];
    let some = |text: &str| [vec![1u8], s(text)].concat();
    let expected = [
        b"caracal-audit/v1\n".to_vec(),
        u64be(7),
        s(GENESIS_PREV),
        s("lease_lost"),
        u64be(0x0102),
        none.clone(), // trace_id
        some("s"),    // session_id
        none.clone(), // application_id
        u64be(2),
        s("a"),
        s("bc"),
        some("deny"), // decision
        none.clone(), // reason
        none.clone(), // resource_id
        none.clone(), // delegation_id
        none.clone(), // target
        none.clone(), // method
        none,         // url
        u64be(2),
        s("k"),
        s(""),
        s("z"),
        s("1"),
    ]
    .concat();
    assert_eq!(CANONICAL_TAG, b"caracal-audit/v1\n");
    assert_eq!(canonical_bytes(7, GENESIS_PREV, &golden_event()), expected);
}

#[test]
fn record_hash_is_pinned() {
    // sha256 of the bytes above, computed independently (Python hashlib).
    assert_eq!(
        record_hash(7, GENESIS_PREV, &golden_event()),
        "09c3937e0e35b1e5904dd3ab1c594b6cd661b8ab0067aa65a9ec190110667013"
    );
}

#[test]
fn every_field_changes_the_hash() {
    let base = AuditEvent::new(EventKind::Outbound, 1);
    let h = |e: &AuditEvent| record_hash(1, GENESIS_PREV, e);
    let variants = [
        AuditEvent::new(EventKind::Spawn, 1),
        AuditEvent::new(EventKind::Outbound, 2),
        base.clone().trace("x"),
        base.clone().session("x"),
        base.clone().application("x"),
        base.clone().labels(["x"]),
        base.clone().decision(Decision::Allow),
        base.clone().reason("x"),
        base.clone().resource("x"),
        base.clone().delegation("x"),
        base.clone().target("x"),
        base.clone().request("x", "y"),
        base.clone().detail("x", "y"),
        // Moving text between fields must not collide.
        base.clone().labels(["ab"]),
        base.clone().labels(["a", "b"]),
        base.clone().detail("ab", ""),
        base.clone().detail("a", "b"),
    ];
    let mut hashes: Vec<String> = variants.iter().map(h).collect();
    hashes.push(h(&base));
    hashes.push(record_hash(2, GENESIS_PREV, &base));
    hashes.push(record_hash(1, &"1".repeat(64), &base));
    let n = hashes.len();
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), n, "two different records hashed alike");
}

#[test]
fn kind_names_match_serde() {
    for kind in EventKind::ALL {
        assert_eq!(
            serde_json::to_string(&kind).unwrap(),
            format!("\"{}\"", kind.as_str())
        );
    }
    for d in [Decision::Allow, Decision::Deny] {
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            format!("\"{}\"", d.as_str())
        );
    }
}

#[test]
fn seal_links_records_and_resume_continues() {
    let mut chain = Chain::new();
    assert_eq!((chain.next_seq(), chain.head()), (1, GENESIS_PREV));
    let a = chain.seal(crate::event(1));
    let b = chain.seal(crate::event(2));
    assert_eq!((a.seq, a.prev.as_str()), (1, GENESIS_PREV));
    assert_eq!((b.seq, &b.prev), (2, &a.hash));
    assert!(a.hash_matches() && b.hash_matches());
    assert_eq!(a.hash.len(), 64);
    assert!(
        a.hash
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );

    let mut resumed = Chain::resume(Some((b.seq, b.hash.clone())));
    assert_eq!(resumed, Chain::after(&b));
    let c1 = chain.seal(crate::event(3));
    let c2 = resumed.seal(crate::event(3));
    assert_eq!(c1, c2);
    assert_eq!(Chain::resume(None), Chain::new());
}

#[test]
fn json_round_trips_and_refuses_unknown_fields() {
    let record = Chain::new().seal(crate::event(9));
    let json = serde_json::to_string(&record).unwrap();
    assert_eq!(
        serde_json::from_str::<caracal_audit::AuditRecord>(&json).unwrap(),
        record
    );

    let sparse = Chain::new().seal(AuditEvent::new(EventKind::Close, 5));
    let json = serde_json::to_string(&sparse).unwrap();
    assert!(!json.contains("null") && !json.contains("labels"), "{json}");

    let extra = json.replacen("{\"seq\"", "{\"note\":\"x\",\"seq\"", 1);
    assert!(serde_json::from_str::<caracal_audit::AuditRecord>(&extra).is_err());
    let extra = json.replacen("\"kind\"", "\"note\":\"x\",\"kind\"", 1);
    assert!(serde_json::from_str::<caracal_audit::AuditRecord>(&extra).is_err());
}
