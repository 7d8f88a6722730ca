//! Tampered copies of real log files: each kind is detected and located.

use caracal_audit::{AuditError, AuditRecord, Tamper, TamperKind, verify_file};

use crate::{lines, write_lines, write_log};

fn tamper_of(path: &std::path::Path) -> Tamper {
    match verify_file(path) {
        Err(AuditError::Tampered { source, .. }) => source,
        other => panic!("expected a tamper report, got {other:?}"),
    }
}

fn parse(line: &str) -> AuditRecord {
    serde_json::from_str(line).unwrap()
}

#[test]
fn intact_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 20);
    let summary = verify_file(&path).unwrap();
    assert_eq!(summary.records, 20);
    assert_eq!(summary.head, parse(&lines(&path)[19]).hash);
}

#[test]
fn edited_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 10);
    let mut l = lines(&path);
    assert!(l[6].contains("\"s-7\""));
    l[6] = l[6].replace("\"s-7\"", "\"s-8\"");
    write_lines(&path, &l);
    let t = tamper_of(&path);
    assert!(
        matches!(
            t,
            Tamper::Edited {
                line: 7,
                seq: 7,
                ..
            }
        ),
        "{t:?}"
    );
    assert!(t.to_string().starts_with("line 7 (seq 7): edited"), "{t}");
}

#[test]
fn edited_and_rehashed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 10);
    let mut l = lines(&path);
    let mut r = parse(&l[3]);
    r.event.labels.push("admin".into());
    r.hash = r.compute_hash();
    l[3] = serde_json::to_string(&r).unwrap();
    write_lines(&path, &l);
    let t = tamper_of(&path);
    assert_eq!(
        t,
        Tamper::Rehashed {
            line: 4,
            seq: 4,
            detected_at: 5
        }
    );
    assert_eq!(t.kind(), TamperKind::Edited);
}

#[test]
fn deleted_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 10);
    let mut l = lines(&path);
    l.remove(4);
    write_lines(&path, &l);
    assert_eq!(
        tamper_of(&path),
        Tamper::Removed {
            line: 5,
            expected_seq: 5,
            found_seq: 6
        }
    );
    // The first line too.
    l.remove(0);
    write_lines(&path, &l);
    assert_eq!(
        tamper_of(&path),
        Tamper::Removed {
            line: 1,
            expected_seq: 1,
            found_seq: 2
        }
    );
}

#[test]
fn deleting_the_last_line_leaves_a_shorter_valid_chain() {
    // The documented limit: only an anchor kept elsewhere shows this.
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 5);
    let anchor = verify_file(&path).unwrap().head;
    let mut l = lines(&path);
    l.pop();
    write_lines(&path, &l);
    let summary = verify_file(&path).unwrap();
    assert_eq!(summary.records, 4);
    assert_ne!(summary.head, anchor);
}

#[test]
fn inserted_copy_of_an_earlier_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 10);
    let mut l = lines(&path);
    l.insert(6, l[2].clone());
    write_lines(&path, &l);
    assert_eq!(tamper_of(&path), Tamper::Inserted { line: 7, seq: 3 });
}

#[test]
fn inserted_duplicate_of_the_previous_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 10);
    let mut l = lines(&path);
    l.insert(5, l[4].clone());
    write_lines(&path, &l);
    assert_eq!(tamper_of(&path), Tamper::Inserted { line: 6, seq: 5 });
}

#[test]
fn inserted_copy_of_a_later_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 10);
    let mut l = lines(&path);
    l.insert(2, l[8].clone());
    write_lines(&path, &l);
    let t = tamper_of(&path);
    assert_eq!(t, Tamper::Inserted { line: 3, seq: 9 });
    assert_eq!(t.kind(), TamperKind::Inserted);
}

#[test]
fn inserted_forged_line() {
    // A forger with the code and the file: a fork that links correctly.
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 10);
    let mut l = lines(&path);
    let mut fork = caracal_audit::Chain::after(&parse(&l[3]));
    let forged = fork.seal(crate::event(77).reason("all fine"));
    l.insert(4, serde_json::to_string(&forged).unwrap());
    write_lines(&path, &l);
    assert_eq!(tamper_of(&path), Tamper::Inserted { line: 5, seq: 5 });
}

#[test]
fn swapped_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 10);
    let mut l = lines(&path);
    l.swap(3, 4);
    write_lines(&path, &l);
    let t = tamper_of(&path);
    assert_eq!(
        t,
        Tamper::Reordered {
            line: 4,
            seq: 5,
            expected_seq: 4,
            expected_line: 5
        }
    );
    assert_eq!(t.kind(), TamperKind::Reordered);

    let path2 = write_log(&dir.path().join("far"), 10);
    let mut l = lines(&path2);
    l.swap(1, 8);
    write_lines(&path2, &l);
    assert_eq!(
        tamper_of(&path2),
        Tamper::Reordered {
            line: 2,
            seq: 9,
            expected_seq: 2,
            expected_line: 9
        }
    );

    let path3 = write_log(&dir.path().join("last"), 10);
    let mut l = lines(&path3);
    l.swap(8, 9);
    write_lines(&path3, &l);
    assert_eq!(
        tamper_of(&path3),
        Tamper::Reordered {
            line: 9,
            seq: 10,
            expected_seq: 9,
            expected_line: 10
        }
    );
}

#[test]
fn line_truncated_half_way() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 10);
    let mut l = lines(&path);
    let half = l[5].len() / 2;
    l[5].truncate(half);
    write_lines(&path, &l);
    let t = tamper_of(&path);
    assert!(matches!(t, Tamper::Unparsable { line: 6, .. }), "{t:?}");
    assert!(!t.to_string().contains("line 1 column"), "{t}");
}

#[test]
fn last_line_truncated_half_way() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 4);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, &text[..text.len() - 40]).unwrap();
    assert!(matches!(
        tamper_of(&path),
        Tamper::Unparsable { line: 4, .. }
    ));
}

#[test]
fn blank_and_garbage_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_log(dir.path(), 4);
    let mut l = lines(&path);
    l.insert(2, String::new());
    write_lines(&path, &l);
    assert!(matches!(
        tamper_of(&path),
        Tamper::Unparsable { line: 3, .. }
    ));
    l[2] = "{\"seq\":3}".into();
    write_lines(&path, &l);
    assert!(matches!(
        tamper_of(&path),
        Tamper::Unparsable { line: 3, .. }
    ));
}

#[test]
fn missing_file_is_io_not_tamper() {
    let dir = tempfile::tempdir().unwrap();
    let err = verify_file(dir.path().join("nope.jsonl")).unwrap_err();
    assert!(matches!(err, AuditError::Io { .. }), "{err:?}");
    assert!(err.tamper().is_none());
}
