//! `AuditLog`: appending, resuming, concurrency, damaged tails, locking.

use std::sync::Arc;

use caracal_audit::{
    AuditError, AuditLog, GENESIS_PREV, LineError, LogOptions, Tamper, read, verify_file,
};

use crate::{event, lines, write_lines, write_log};

#[test]
fn append_writes_one_line_per_record_and_creates_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/audit.jsonl");
    let log = AuditLog::open(&path).unwrap(); // fsync on
    assert_eq!((log.last_seq(), log.head()), (0, GENESIS_PREV.to_owned()));
    let r1 = log.append(event(1)).unwrap();
    let r2 = log.append(event(2)).unwrap();
    assert_eq!((r1.seq, r2.seq, &r2.prev), (1, 2, &r1.hash));
    assert_eq!((log.last_seq(), log.head()), (2, r2.hash.clone()));
    assert_eq!(log.path(), path);

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'));
    assert_eq!(
        lines(&path),
        [
            serde_json::to_string(&r1).unwrap(),
            serde_json::to_string(&r2).unwrap()
        ]
    );
    let read_back: Vec<_> = read(&path).unwrap().map(Result::unwrap).collect();
    assert_eq!(read_back, [r1, r2]);
    assert_eq!(verify_file(&path).unwrap().records, 2);
}

#[test]
fn reopening_resumes_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 3);
    let last = read(&path).unwrap().last().unwrap().unwrap();
    let log = AuditLog::open_with(&path, LogOptions::default().sync(false)).unwrap();
    assert_eq!((log.last_seq(), log.head()), (3, last.hash.clone()));
    let r4 = log.append(event(4)).unwrap();
    assert_eq!((r4.seq, r4.prev), (4, last.hash));
    drop(log);
    let log = AuditLog::open(&path).unwrap();
    assert_eq!(log.append(event(5)).unwrap().seq, 5);
    assert_eq!(verify_file(&path).unwrap().records, 5);
}

#[test]
fn resumes_after_a_long_last_line() {
    // Longer than the backwards-scan chunk.
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 2);
    let log = AuditLog::open(&path).unwrap();
    log.append(event(3).reason("x".repeat(20_000))).unwrap();
    drop(log);
    let log = AuditLog::open(&path).unwrap();
    assert_eq!(log.append(event(4)).unwrap().seq, 4);
    assert_eq!(verify_file(&path).unwrap().records, 4);
}

#[test]
fn concurrent_appends_form_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = Arc::new(AuditLog::open_with(&path, LogOptions::default().sync(false)).unwrap());
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                (0..50u64)
                    .map(|i| log.append(event(t * 1000 + i)).unwrap().seq)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seqs: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=400).collect::<Vec<_>>());
    let summary = verify_file(&path).unwrap();
    assert_eq!((summary.records, summary.head), (400, log.head()));
}

#[test]
fn a_second_writer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&path).unwrap();
    assert!(matches!(
        AuditLog::open(&path),
        Err(AuditError::Locked { .. })
    ));
    drop(log);
    AuditLog::open(&path).unwrap();
}

#[test]
fn garbage_line_is_a_typed_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 3);
    let mut l = lines(&path);
    l.insert(1, "not json at all".into());
    write_lines(&path, &l);
    let before = std::fs::read(&path).unwrap();

    // Reading goes past the bad line.
    let items: Vec<_> = read(&path).unwrap().collect();
    assert_eq!(items.len(), 4);
    assert!(matches!(&items[1], Err(LineError::Parse { line: 2, .. })));
    assert_eq!(items[1].as_ref().unwrap_err().line(), 2);
    let seqs: Vec<u64> = items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|r| r.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);

    // Verification names it.
    let err = verify_file(&path).unwrap_err();
    assert!(
        matches!(err.tamper(), Some(Tamper::Unparsable { line: 2, .. })),
        "{err:?}"
    );

    // Appending resumes from the intact tail; what was there stays.
    let log = AuditLog::open(&path).unwrap();
    assert_eq!(log.append(event(4)).unwrap().seq, 4);
    let after = std::fs::read(&path).unwrap();
    assert_eq!(&after[..before.len()], &before[..]);
}

#[test]
fn damaged_tail_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 3);
    let mut l = lines(&path);

    // Not JSON.
    l.push("garbage".into());
    write_lines(&path, &l);
    let before = std::fs::read(&path).unwrap();
    let err = AuditLog::open(&path).unwrap_err();
    assert!(
        matches!(
            &err,
            AuditError::DamagedTail {
                source: Tamper::Unparsable { line: 4, .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // Torn: an append cut short (no newline).
    l.pop();
    let mut torn = l.join("\n");
    torn.push('\n');
    torn.push_str(&l[0][..30]);
    std::fs::write(&path, &torn).unwrap();
    let err = AuditLog::open(&path).unwrap_err();
    assert!(
        matches!(err.tamper(), Some(Tamper::Unparsable { line: 4, .. })),
        "{err:?}"
    );
    assert!(
        err.tamper()
            .unwrap()
            .to_string()
            .contains("incomplete last line")
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), torn);

    // Edited last record.
    l[2] = l[2].replace("\"s-3\"", "\"s-9\"");
    write_lines(&path, &l);
    let err = AuditLog::open(&path).unwrap_err();
    assert!(
        matches!(
            err.tamper(),
            Some(Tamper::Edited {
                line: 3,
                seq: 3,
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn errors_read_well() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 2);
    let mut l = lines(&path);
    l[1] = l[1].replace("billing", "billinq");
    write_lines(&path, &l);
    let err = verify_file(&path).unwrap_err();
    let chain = format!("{err}: {}", err.tamper().unwrap());
    assert!(
        chain.ends_with(
            "does not verify: line 2 (seq 2): edited: its content does not match its hash"
        ),
        "{chain}"
    );
}
