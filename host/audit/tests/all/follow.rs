//! `Follower`: polling a growing log.

use std::io::Write;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use caracal_audit::{AuditError, AuditLog, Follower, LineError, LogOptions};

use crate::{event, write_log};

#[test]
fn poll_yields_only_complete_new_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 2);
    let mut f = Follower::open(&path).unwrap();
    let first: Vec<u64> = f
        .poll()
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap().seq)
        .collect();
    assert_eq!(first, [1, 2]);
    assert!(f.poll().unwrap().is_empty());

    // Half a line, then the rest.
    let log = AuditLog::open_with(&path, LogOptions::default().sync(false)).unwrap();
    let r3 = log.append(event(3)).unwrap();
    drop(log);
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.len() - 25;
    std::fs::write(&path, &text[..cut]).unwrap();
    assert!(f.poll().unwrap().is_empty());
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(&text.as_bytes()[cut..]).unwrap();
    let got: Vec<_> = f.poll().unwrap().into_iter().map(Result::unwrap).collect();
    assert_eq!(got, [r3]);
    assert_eq!(f.line(), 3);

    // A bad line is reported with its number, and following goes on.
    file.write_all(b"oops\n").unwrap();
    let got = f.poll().unwrap();
    assert!(matches!(&got[..], [Err(LineError::Parse { line: 4, .. })]));
}

#[test]
fn open_at_end_skips_existing_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 5);
    let mut f = Follower::open_at_end(&path).unwrap();
    assert_eq!(f.line(), 5);
    assert!(f.poll().unwrap().is_empty());
    let log = AuditLog::open_with(&path, LogOptions::default().sync(false)).unwrap();
    log.append(event(6)).unwrap();
    let got = f.poll().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].as_ref().unwrap().seq, 6);
}

#[test]
fn follow_sees_concurrent_appends_until_told_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = Arc::new(AuditLog::open_with(&path, LogOptions::default().sync(false)).unwrap());
    let mut f = Follower::open(&path).unwrap();
    let writer = {
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            for i in 1..=100 {
                log.append(event(i)).unwrap();
            }
        })
    };
    let mut seqs = Vec::new();
    f.follow(
        Duration::from_millis(1),
        || false,
        |item| {
            seqs.push(item.unwrap().seq);
            if seqs.len() == 100 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    writer.join().unwrap();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
}

#[test]
fn follow_returns_when_stop_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 1);
    let mut f = Follower::open(&path).unwrap();
    let mut polls = 0;
    let mut items = 0;
    f.follow(
        Duration::from_millis(1),
        || {
            polls += 1;
            polls == 3
        },
        |_| {
            items += 1;
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert_eq!((polls, items), (3, 1));
}

#[test]
fn shrinking_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 3);
    let mut f = Follower::open(&path).unwrap();
    assert_eq!(f.poll().unwrap().len(), 3);
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(f.poll(), Err(AuditError::Shrunk { len: 0, .. })));
}
