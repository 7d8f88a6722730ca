//! limits: probe the host's capacity limits on sessions.
//!
//! Usage: `limits <case>`, one of:
//!
//! - `depth`: nest spawns from the root context until refused or 12 levels
//!   deep (`level-1` .. `level-12`; depth ≤ 10 is allowed).
//! - `children`: spawn 11 children under one parent (`child-1` ..
//!   `child-11`; ≤ 10 live children), then close child 1 and spawn again
//!   (`reopen`).
//! - `labels`: `labels-32` (ok), `labels-33`, `label-64` (a 64-character
//!   label, ok), `label-65`, `label-blank` (whitespace only).
//! - `ttl`: `ttl-1`, `ttl-86400` (ok), `ttl-0`, `ttl-86401`.
//!
//! Prints `RESULT <step> ok <session-id>` or `RESULT <step> err <kind>
//! <message>` per step.

use caracal::{Caracal, Session, SpawnBuilder};
use caracal_test_programs::{args, report};

fn main() {
    let args = args(1, "limits depth|children|labels|ttl");
    let caracal = Caracal::new();
    match args[0].as_str() {
        "depth" => depth(&caracal),
        "children" => children(&caracal),
        "labels" => labels(&caracal),
        "ttl" => ttl(&caracal),
        other => panic!("unknown case {other:?}: expected depth, children, labels or ttl"),
    }
}

/// Starts `builder` and reports the outcome as `step`, with the session id.
fn spawn(step: &str, builder: SpawnBuilder) -> Option<Session> {
    report(step, builder.start(), |session| session.id().to_owned()).ok()
}

fn depth(caracal: &Caracal) {
    let mut chain: Vec<Session> = Vec::new();
    for level in 1..=12 {
        let builder = match chain.last() {
            Some(parent) => parent.spawn(),
            None => caracal.spawn(),
        };
        match spawn(
            &format!("level-{level}"),
            builder.label(format!("level-{level}")),
        ) {
            Some(session) => chain.push(session),
            None => break,
        }
    }
    while let Some(session) = chain.pop() {
        drop(session);
    }
}

fn children(caracal: &Caracal) {
    let parent = caracal
        .spawn()
        .label("parent")
        .start()
        .expect("spawn the parent");
    let mut children: Vec<Session> = (1..=11)
        .filter_map(|n| {
            let step = format!("child-{n}");
            spawn(&step, parent.spawn().label(step.clone()))
        })
        .collect();
    assert!(!children.is_empty(), "no child could be spawned");
    children
        .remove(0)
        .close()
        .expect("close child 1, a live session");
    let reopened = spawn("reopen", parent.spawn().label("reopen"));
    drop(reopened);
    drop(children);
}

fn labels(caracal: &Caracal) {
    let numbered = |count: usize| (1..=count).map(|n| format!("label-{n}"));
    let cases: [(&str, Vec<String>); 5] = [
        ("labels-32", numbered(32).collect()),
        ("labels-33", numbered(33).collect()),
        ("label-64", vec!["a".repeat(64)]),
        ("label-65", vec!["a".repeat(65)]),
        ("label-blank", vec![" \t ".to_owned()]),
    ];
    for (step, labels) in cases {
        drop(spawn(step, caracal.spawn().labels(labels)));
    }
}

fn ttl(caracal: &Caracal) {
    for ttl_seconds in [1, 86_400, 0, 86_401] {
        let step = format!("ttl-{ttl_seconds}");
        drop(spawn(&step, caracal.spawn().ttl_seconds(ttl_seconds)));
    }
}
