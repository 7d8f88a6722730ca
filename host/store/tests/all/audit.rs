//! The audit chain: appends from two hosts form one chain that
//! `caracal_audit::verify` accepts, byte for byte.

use std::sync::{Arc, Barrier};
use std::thread;

use caracal_audit::{AuditEvent, AuditRecord, Chain, EventKind, verify};
use caracal_store::{AuditHead, AuditRow, Store, StoreError};

use crate::both;
use crate::fixture::{Fixture, T0};

both!(two_hosts_one_chain, sealed_row_must_follow_head);

/// Appends `event` through the store: sealed inside its transaction on
/// the head it locked (what the host's audit sink does).
pub fn append(store: &dyn Store, event: AuditEvent) -> AuditRow {
    store
        .append_audit(&mut |head: Option<&AuditHead>| {
            let mut chain = Chain::resume(head.map(|h| (h.seq, h.hash.clone())));
            let record = chain.seal(event.clone());
            AuditRow {
                seq: record.seq,
                prev: record.prev.clone(),
                hash: record.hash.clone(),
                record_json: serde_json::to_string(&record).unwrap(),
            }
        })
        .unwrap()
}

/// Parses stored rows back into records and verifies the chain.
pub fn verify_rows(rows: &[AuditRow]) -> caracal_audit::VerifySummary {
    let records = rows.iter().map(|r| {
        let record: AuditRecord = serde_json::from_str(&r.record_json)?;
        assert_eq!(
            (record.seq, &record.prev, &record.hash),
            (r.seq, &r.prev, &r.hash)
        );
        Ok::<_, serde_json::Error>(record)
    });
    verify(records).unwrap()
}

fn two_hosts_one_chain(f: &Fixture) {
    const PER_THREAD: u64 = 25;
    let hosts = [Arc::clone(&f.store), f.other_host()];
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4u64)
        .map(|t| {
            let (store, barrier) = (Arc::clone(&hosts[(t % 2) as usize]), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                for i in 0..PER_THREAD {
                    let event = AuditEvent::new(EventKind::Spawn, T0 + i)
                        .session(format!("s-{t}-{i}"))
                        .application("billing")
                        .labels(["ünï", "b"]);
                    append(store.as_ref(), event);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let rows = f.store.all_audit_rows().unwrap();
    assert_eq!(rows.len() as u64, 4 * PER_THREAD);
    let summary = verify_rows(&rows);
    assert_eq!(summary.records, 4 * PER_THREAD);
    let head = hosts[1].audit_head().unwrap().unwrap();
    assert_eq!((head.seq, head.hash), (summary.records, summary.head));
    // Paging.
    let page = f.store.audit_rows(10, 5).unwrap();
    assert_eq!(
        page.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [11, 12, 13, 14, 15]
    );
}

fn sealed_row_must_follow_head(f: &Fixture) {
    let s = &f.store;
    assert_eq!(s.audit_head().unwrap(), None);
    let first = append(s.as_ref(), AuditEvent::new(EventKind::Close, T0));
    assert_eq!(first.seq, 1);
    // A row sealed on a stale head is refused and nothing is written.
    let err = s.append_audit(&mut |_| first.clone()).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let err = s
        .append_audit(&mut |_| AuditRow {
            seq: 2,
            prev: "f".repeat(64),
            ..first.clone()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert_eq!(s.all_audit_rows().unwrap(), [first]);
}
