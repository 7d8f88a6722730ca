//! `verify` on in-memory records: each classification rule.

use caracal_audit::{AuditRecord, Chain, GENESIS_PREV, Tamper, TamperKind, verify};

fn chain(n: u64) -> Vec<AuditRecord> {
    let mut chain = Chain::new();
    (1..=n).map(|i| chain.seal(crate::event(i))).collect()
}

fn check(records: Vec<AuditRecord>) -> Result<caracal_audit::VerifySummary, Tamper> {
    verify(records.into_iter().map(Ok::<_, String>))
}

#[test]
fn intact_and_empty_chains_verify() {
    let records = chain(5);
    let head = records[4].hash.clone();
    let summary = check(records).unwrap();
    assert_eq!((summary.records, summary.head), (5, head));
    let empty = check(Vec::new()).unwrap();
    assert_eq!((empty.records, empty.head.as_str()), (0, GENESIS_PREV));
}

#[test]
fn error_items_are_unparsable() {
    let items = vec![Ok(chain(1).remove(0)), Err("boom")];
    let t = verify(items).unwrap_err();
    assert_eq!(
        t,
        Tamper::Unparsable {
            line: 2,
            message: "boom".into()
        }
    );
    assert_eq!((t.kind(), t.seq()), (TamperKind::Unparsable, None));
}

#[test]
fn edited_content() {
    let mut records = chain(5);
    records[2].event.reason = Some("nothing to see".into());
    let t = check(records).unwrap_err();
    assert!(
        matches!(
            t,
            Tamper::Edited {
                line: 3,
                seq: 3,
                ..
            }
        ),
        "{t:?}"
    );
    assert_eq!(t.kind(), TamperKind::Edited);
}

#[test]
fn rehashed_record_is_named_not_its_successor() {
    let mut records = chain(5);
    records[1].event.session_id = Some("forged".into());
    records[1].hash = records[1].compute_hash();
    let t = check(records).unwrap_err();
    assert_eq!(
        t,
        Tamper::Rehashed {
            line: 2,
            seq: 2,
            detected_at: 3
        }
    );
    assert_eq!(t.kind(), TamperKind::Edited);
}

#[test]
fn first_record_not_from_genesis() {
    let mut records = chain(2);
    records[0].prev = "1".repeat(64);
    records[0].hash = records[0].compute_hash();
    let t = check(records).unwrap_err();
    assert_eq!(
        t,
        Tamper::Rehashed {
            line: 1,
            seq: 1,
            detected_at: 1
        }
    );
}

#[test]
fn removed_records() {
    let mut records = chain(6);
    records.drain(2..4); // seq 3 and 4
    let t = check(records).unwrap_err();
    assert_eq!(
        t,
        Tamper::Removed {
            line: 3,
            expected_seq: 3,
            found_seq: 5
        }
    );
    assert_eq!((t.kind(), t.seq()), (TamperKind::Removed, Some(5)));
}

#[test]
fn moved_records_are_reordered() {
    // Seq 2 moved to the end.
    let mut records = chain(5);
    let moved = records.remove(1);
    records.push(moved);
    assert_eq!(
        check(records).unwrap_err(),
        Tamper::Reordered {
            line: 2,
            seq: 3,
            expected_seq: 2,
            expected_line: 5
        }
    );
    // Seq 4 moved to the front.
    let mut records = chain(5);
    let moved = records.remove(3);
    records.insert(0, moved);
    assert_eq!(
        check(records).unwrap_err(),
        Tamper::Reordered {
            line: 1,
            seq: 4,
            expected_seq: 1,
            expected_line: 2
        }
    );
}

#[test]
fn forged_fresh_seq_is_inserted() {
    // A self-consistent record with an unused seq, the chain going on after it.
    let mut records = chain(4);
    let forged = Chain::resume(Some((99, "f".repeat(64)))).seal(crate::event(7));
    records.insert(2, forged);
    assert_eq!(
        check(records).unwrap_err(),
        Tamper::Inserted { line: 3, seq: 100 }
    );
}

#[test]
fn forged_record_with_the_next_seq_is_inserted() {
    // Right seq, wrong prev, the genuine record right after it.
    let mut records = chain(4);
    let forged = Chain::resume(Some((2, "f".repeat(64)))).seal(crate::event(7));
    records.insert(2, forged);
    assert_eq!(
        check(records).unwrap_err(),
        Tamper::Inserted { line: 3, seq: 3 }
    );
}

#[test]
fn fork_names_the_record_the_chain_does_not_continue_from() {
    // A perfect fork (seq 3, linked to seq 2) before the genuine seq 3.
    let mut records = chain(4);
    let mut fork = Chain::after(&records[1]);
    records.insert(2, fork.seal(crate::event(42)));
    assert_eq!(
        check(records).unwrap_err(),
        Tamper::Inserted { line: 3, seq: 3 }
    );
    // The same fork after the genuine seq 3.
    let mut records = chain(4);
    let mut fork = Chain::after(&records[1]);
    records.insert(3, fork.seal(crate::event(42)));
    assert_eq!(
        check(records).unwrap_err(),
        Tamper::Inserted { line: 4, seq: 3 }
    );
}

#[test]
fn messages_say_where_and_what() {
    let removed = Tamper::Removed {
        line: 3,
        expected_seq: 3,
        found_seq: 5,
    };
    assert_eq!(
        removed.to_string(),
        "line 3: removed: 2 record(s) missing before it (expected seq 3, found 5)"
    );
    let reordered = Tamper::Reordered {
        line: 4,
        seq: 5,
        expected_seq: 4,
        expected_line: 5,
    };
    assert_eq!(
        reordered.to_string(),
        "line 4 (seq 5): reordered: seq 4 belongs here and is at line 5"
    );
}
