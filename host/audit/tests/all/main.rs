//! Integration tests of `caracal-audit`, one module per area.

mod chain;
mod follow;
mod log;
mod render;
mod tamper;
mod verify;

use std::path::{Path, PathBuf};

use caracal_audit::{AuditEvent, AuditLog, Decision, EventKind, LogOptions};

/// A varied event: kinds, decisions and optional fields depend on `i`.
pub fn event(i: u64) -> AuditEvent {
    let kind = EventKind::ALL[(i as usize) % EventKind::ALL.len()];
    let mut e = AuditEvent::new(kind, 1_795_874_587_000 + i)
        .trace(format!("trace-{i}"))
        .session(format!("s-{i}"))
        .application("billing")
        .labels(["team:a", "tier 1"]);
    if kind == EventKind::Outbound {
        e = e
            .decision(if i.is_multiple_of(2) {
                Decision::Allow
            } else {
                Decision::Deny
            })
            .request("GET", "https://api.example/v1?q=1")
            .reason("scope not granted");
    }
    if i.is_multiple_of(3) {
        e = e.detail("hops", i.to_string()).delegation(format!("d-{i}"));
    }
    e
}

/// A log of `n` records at `dir/audit.jsonl`, closed again.
pub fn write_log(dir: &Path, n: u64) -> PathBuf {
    let path = dir.join("audit.jsonl");
    let log = AuditLog::open_with(&path, LogOptions::default().sync(false)).unwrap();
    for i in 1..=n {
        log.append(event(i)).unwrap();
    }
    path
}

/// The file's lines, without their `\n`.
pub fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Replaces the file with `lines`, each ending in `\n`.
pub fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}
