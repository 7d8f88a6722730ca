//! service: service sessions, leases, fencing and re-attach.
//!
//! Modes (first argument):
//!
//! - `steps`: every lease rule the guest can see, one `RESULT` line each —
//!   `spawn` (ok, id), `lifecycle` (ok: Service), `heartbeat` (ok,
//!   `gen=1`), `status` (ok: Active), `task-heartbeat` (err invalid),
//!   `interval-too-long` (err invalid), `attach` (ok, `gen=2`: this program
//!   takes over its own service), `stale-heartbeat` and `stale-close` (err
//!   denied: the first handle is fenced out), `new-heartbeat` (ok, `gen=2`),
//!   `after-stale-close` (ok: the refused close left the session Active),
//!   `stale-drop` (ok: after a second attach, dropping the fenced-out
//!   second handle left the session Active), `close` (ok), `status-after-close` (ok: Terminated), `attach-closed`
//!   (err gone), `attach-task` (err invalid), `attach-unknown` (err
//!   not-found), `narrowed` (ok: a service spawned with a narrow grant holds
//!   exactly its scopes; detail `<scopes>`).
//! - `leak`: spawns a service, prints `RESULT leaked ok <id>` and exits with
//!   code 3 without closing it, as a crashed worker would.
//! - `attach <id>`: attaches `id` and prints `attach` (ok, `gen=<n>`), then
//!   `heartbeat` (ok, `gen=<n>`), then closes it (`close`).
//! - `wait <interval-ms>`: spawns a service with host-driven heartbeats,
//!   prints `spawn` (ok, id), then blocks reading one line of stdin (a long
//!   host call) and prints `status` (the status after the wait) and
//!   `heartbeat`.
//! - `spin <interval-ms>`: spawns a service with host-driven heartbeats and
//!   then runs a CPU loop forever without calling the host.
//! - `bomb`: grows memory 1 MiB at a time, forever.
//! - `hold <id>`: attaches `id` (`attach`, ok), then heartbeats every
//!   20 ms until refused and prints `lost` (the refusal) — a worker on
//!   another host whose session is revoked.
//! - `stream`: forever, spawns a narrowed task `P` and under it a narrowed
//!   child `C`, closes `C`, revokes `C`'s delegation (as `P`) and closes
//!   `P`, printing `ACK spawn <id> <delegation>`, `ACK close <id>` and
//!   `ACK revoke <delegation>` as each is acknowledged (for the kill -9
//!   test).

use caracal::{Caracal, DelegationConstraints, Grant, Session, SessionStatus};
use caracal_test_programs::{args, check, exit_with_code, host_err, ok, report};
use std::time::Duration;

fn main() {
    let caracal = Caracal::new();
    let all: Vec<String> = std::env::args().collect();
    let mode = all.get(1).map(String::as_str).unwrap_or_default();
    match mode {
        "steps" => steps(&caracal),
        "leak" => leak(&caracal),
        "attach" => attach(&caracal, &args(2, "service attach <id>")[1]),
        "wait" => wait(
            &caracal,
            interval(&args(2, "service wait <interval-ms>")[1]),
        ),
        "spin" => spin(
            &caracal,
            interval(&args(2, "service spin <interval-ms>")[1]),
        ),
        "bomb" => bomb(),
        "stream" => stream(&caracal),
        "hold" => hold(&caracal, &args(2, "service hold <id>")[1]),
        other => {
            panic!("usage: service steps|leak|attach|wait|spin|bomb (got {other:?}); also stream")
        }
    }
}

fn interval(ms: &str) -> Duration {
    Duration::from_millis(ms.parse().expect("interval in ms"))
}

fn generation(lease: &caracal::Lease) -> String {
    format!("gen={}", lease.generation)
}

fn steps(caracal: &Caracal) {
    let first = report(
        "spawn",
        caracal.spawn_service().label("worker").start(),
        |s| s.id().to_owned(),
    )
    .expect("a service spawns");
    let id = first.id().to_owned();
    let lifecycle = first.context().expect("context").lifecycle;
    check("lifecycle", Some(caracal::Lifecycle::Service), lifecycle);
    let _ = report("heartbeat", first.heartbeat(), generation);
    check("status", SessionStatus::Active, first.status());

    let task = caracal
        .spawn()
        .label("task")
        .start()
        .expect("a task spawns");
    let _ = report("task-heartbeat", task.heartbeat(), generation);
    let task_id = task.id().to_owned();
    drop(task);

    let _ = report(
        "interval-too-long",
        caracal
            .spawn_service()
            .heartbeat_interval(Duration::from_secs(3600))
            .start(),
        |s| s.id().to_owned(),
    );

    let second = report("attach", caracal.attach(&id), |s| {
        s.heartbeat().map(|l| generation(&l)).unwrap_or_default()
    })
    .expect("the service can be attached");
    let _ = report("stale-heartbeat", first.heartbeat(), generation);
    let _ = report("new-heartbeat", second.heartbeat(), generation);
    match first.close() {
        Ok(()) => ok("stale-close", "closed by a fenced-out holder"),
        Err(error) => host_err("stale-close", &error),
    }
    check("after-stale-close", SessionStatus::Active, second.status());

    let third = caracal.attach(&id).expect("attached again");
    drop(second);
    check("stale-drop", SessionStatus::Active, third.status());

    let kept = third.handle();
    let _ = report("close", third.close(), |_| "-");
    check(
        "status-after-close",
        SessionStatus::Terminated,
        kept.status(),
    );
    let _ = report("attach-closed", caracal.attach(&id), |s| s.id().to_owned());
    let _ = report("attach-task", caracal.attach(&task_id), |s| {
        s.id().to_owned()
    });
    let _ = report(
        "attach-unknown",
        caracal.attach("00000000-0000-7000-8000-000000000000"),
        |s| s.id().to_owned(),
    );

    let parent = caracal.spawn().label("parent").start().expect("parent");
    let narrowed = parent
        .spawn_service()
        .grant(Grant::narrow(["queue:consume"]))
        .start()
        .expect("a narrowed service spawns");
    let _ = report("narrowed", narrowed.context(), |info| {
        format!("{:?} {:?}", info.lifecycle, info.delegation_id.is_some())
    });
}

fn hold(caracal: &Caracal, id: &str) {
    let Ok(session) = report("attach", caracal.attach(id), |s| s.id().to_owned()) else {
        return;
    };
    loop {
        if let Err(error) = session.heartbeat() {
            host_err("lost", &error);
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stream(caracal: &Caracal) -> ! {
    use std::io::Write;
    let mut out = std::io::stdout();
    let mut ack = |line: String| {
        writeln!(out, "ACK {line}").expect("stdout");
        out.flush().expect("stdout");
    };
    let delegation = |s: &Session| {
        s.context()
            .ok()
            .and_then(|c| c.delegation_id)
            .unwrap_or_default()
    };
    loop {
        let p = caracal
            .spawn()
            .grant(
                Grant::narrow(["s:a", "s:b"]).constraints(DelegationConstraints {
                    max_hops: Some(3),
                    ..DelegationConstraints::default()
                }),
            )
            .start()
            .expect("spawn P");
        ack(format!("spawn {} {}", p.id(), delegation(&p)));
        let c = p
            .spawn()
            .grant(Grant::narrow(["s:a"]))
            .start()
            .expect("spawn C");
        let (c_id, c_edge) = (c.id().to_owned(), delegation(&c));
        ack(format!("spawn {c_id} {c_edge}"));
        c.close().expect("close C");
        ack(format!("close {c_id}"));
        caracal
            .revoke_delegation(&c_edge)
            .expect("revoke C's delegation");
        ack(format!("revoke {c_edge}"));
        let p_id = p.id().to_owned();
        p.close().expect("close P");
        ack(format!("close {p_id}"));
    }
}

fn leak(caracal: &Caracal) -> ! {
    let session = caracal
        .spawn_service()
        .label("leaked")
        .start()
        .expect("spawn");
    ok("leaked", session.id());
    exit_with_code(3)
}

fn attach(caracal: &Caracal, id: &str) {
    let Ok(session) = report("attach", caracal.attach(id), |s| s.id().to_owned()) else {
        return;
    };
    let _ = report("heartbeat", session.heartbeat(), generation);
    let _ = report("close", session.close(), |_| "-");
}

fn start_with_interval(caracal: &Caracal, every: Duration) -> Session {
    report(
        "spawn",
        caracal
            .spawn_service()
            .label("auto-heartbeat")
            .heartbeat_interval(every)
            .start(),
        |s| s.id().to_owned(),
    )
    .expect("a service with host-driven heartbeats spawns")
}

fn wait(caracal: &Caracal, every: Duration) {
    let session = start_with_interval(caracal, every);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).expect("read stdin");
    ok("status", format!("{:?}", session.status()));
    let _ = report("heartbeat", session.heartbeat(), generation);
}

fn spin(caracal: &Caracal, every: Duration) -> ! {
    let _session = start_with_interval(caracal, every);
    let mut x: u64 = 1;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

fn bomb() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 1 << 20]);
        std::hint::black_box(&hoard);
        if hoard.len() > 1 << 20 {
            // Never reached: the host stops the agent long before.
            exit_with_code(4);
        }
    }
}
