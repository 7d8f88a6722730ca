//! guard_drop: the bound-context stack and the `Session` scope guard.
//!
//! Steps, in order (`RESULT <step> ok <detail>` / `err <kind> <message>`;
//! `err mismatch` when the program's own check fails):
//!
//! - `spawn` (ok, session id); `current` (ok: `current()` is that session);
//! - `after-drop` (the captured context after its session was dropped:
//!   err gone); `unbound` (ok: nothing bound); `refused-unbound-headers`
//!   (`caracal.headers()` with nothing bound: err denied);
//! - `run` (closure form: ok, session id); `run-bound` (ok: the session was
//!   bound inside the closure); `after-run` (ok: unbound after it);
//! - `close` (explicit close: ok, session id); `after-close` (ok when the
//!   headers of a captured context after close are refused as gone; the
//!   detail is the host's message);
//! - `nested-inner` (ok: the inner session is bound); `nested-outer` (ok: after
//!   the inner one drops, the outer one is bound again);
//! - `parent-binds` (ok: a session spawned with `.parent(..)` still becomes
//!   the innermost binding); `parent-depth` (ok: it is a child of the chosen
//!   parent);
//! - `out-of-order` (ok: dropping the outer session first leaves the inner one
//!   bound); `out-of-order-gone` (ok when the inner session's headers are
//!   refused as gone: the host retired it with its parent);
//!   `out-of-order-unbound` (ok: nothing bound once both dropped);
//! - `bind` (ok: a re-bound captured context is current); `unbind` (ok: after
//!   the guard drops, the previous binding is back).
//!
//! So every step is `ok` except `after-drop` (`err gone`) and the `refused-*`
//! steps (`err denied`).
//!
//! With the argument `leak` it instead spawns one session, prints
//! `RESULT leaked ok <session-id>` and exits with code 3 without running any
//! destructor, leaving the session for the host to retire.

use std::fmt::Debug;

use caracal::{Caracal, Error};
use caracal_test_programs::{check, err, ok, report};

fn main() {
    let caracal = Caracal::new();
    match std::env::args().nth(1).as_deref() {
        None => steps(&caracal).unwrap_or_else(|error| panic!("unexpected host error: {error}")),
        Some("leak") => leak(&caracal),
        Some(other) => panic!("usage: guard_drop [leak] (got {other:?})"),
    }
}

/// Spawns a session and exits with code 3 without closing it.
fn leak(caracal: &Caracal) -> ! {
    let session = caracal.spawn().label("leaked").start().expect("spawn");
    ok("leaked", session.id());
    caracal_test_programs::exit_with_code(3)
}

/// `ok <message>` when `result` is `Err(Gone)`, else `err mismatch`.
fn expect_gone<T: Debug>(step: &str, result: Result<T, Error>) {
    match result {
        Err(Error::Gone(message)) => ok(step, format!("gone: {message}")),
        other => err(
            step,
            "mismatch",
            format!("expected a gone error, got {other:?}"),
        ),
    }
}

/// The bound context's session id, via the host.
fn bound_id(caracal: &Caracal) -> Result<Option<String>, Error> {
    Ok(caracal.context()?.session_id)
}

/// The bound context's session id, via the SDK's stack alone.
fn current_id(caracal: &Caracal) -> Option<String> {
    caracal.current().map(|context| context.id().to_owned())
}

fn steps(caracal: &Caracal) -> Result<(), Error> {
    // Drop retires the session; a captured context sees Gone.
    let session = report("spawn", caracal.spawn().label("guard").start(), |s| {
        s.id().to_owned()
    })?;
    let id = session.id().to_owned();
    let captured = caracal.current();
    check(
        "current",
        Some(id.as_str()),
        captured.as_ref().map(|c| c.id()),
    );
    drop(session);
    let captured = captured.expect("a spawned session is bound");
    let _ = report("after-drop", captured.headers(), |h| h.len());
    check("unbound", None, current_id(caracal));
    let _ = report("refused-unbound-headers", caracal.headers(), |h| h.len());

    // The closure form binds for the closure, then closes.
    let (run_id, bound_inside) = report(
        "run",
        caracal
            .spawn()
            .label("run")
            .run(|s| (s.id().to_owned(), current_id(caracal))),
        |(id, _)| id.clone(),
    )?;
    check("run-bound", Some(run_id), bound_inside);
    check("after-run", None, current_id(caracal));

    // Explicit close returns the host's answer.
    let session = caracal.spawn().label("close").start()?;
    let (id, context) = (session.id().to_owned(), session.handle());
    report("close", session.close(), |()| id.clone())?;
    expect_gone("after-close", context.headers());

    // Nesting: the inner session is bound until it drops.
    let outer = caracal.spawn().label("outer").start()?;
    let inner = caracal.spawn().label("inner").start()?;
    check(
        "nested-inner",
        Some(inner.id().to_owned()),
        bound_id(caracal)?,
    );
    drop(inner);
    check(
        "nested-outer",
        Some(outer.id().to_owned()),
        bound_id(caracal)?,
    );

    // `.parent(..)` chooses the parent; the child is still the innermost binding.
    let middle = caracal.spawn().label("middle").start()?;
    let sibling = caracal.spawn().label("sibling").parent(&outer).start()?;
    check(
        "parent-binds",
        Some(sibling.id().to_owned()),
        bound_id(caracal)?,
    );
    check(
        "parent-depth",
        outer.context()?.depth + 1,
        sibling.context()?.depth,
    );
    drop(sibling);
    drop(middle);
    drop(outer);

    // Out of order: dropping the outer session first unbinds only it.
    let first = caracal.spawn().label("first").start()?;
    let second = caracal.spawn().label("second").start()?;
    let second_id = second.id().to_owned();
    drop(first);
    check("out-of-order", Some(second_id), current_id(caracal));
    expect_gone("out-of-order-gone", second.headers());
    drop(second);
    check("out-of-order-unbound", None, current_id(caracal));

    // bind(): a captured context is current until the guard drops.
    let captured_session = caracal.spawn().label("captured").start()?;
    let captured = captured_session.handle();
    let later = caracal.spawn().label("later").start()?;
    let guard = caracal.bind(&captured);
    check(
        "bind",
        Some(captured_session.id().to_owned()),
        bound_id(caracal)?,
    );
    drop(guard);
    check("unbind", Some(later.id().to_owned()), bound_id(caracal)?);
    drop(later);
    drop(captured_session);
    Ok(())
}
