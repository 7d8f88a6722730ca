//! bench: the guest half of the host's import benchmarks.
//!
//! Usage: `bench <kind> <iterations>` with `kind`:
//!
//! - `noop`: `caracal:bench/timer.noop` (the bare cost of a host call);
//! - `headers`: `Session::headers` on one live session;
//! - `spawn-close`: spawn a task session with `Grant::inherit()` from the root
//!   context and close it.
//!
//! Set-up (spawning the session for `headers` and warming it up) happens
//! before `timer.start`; only the loop runs between `timer.start` and
//! `timer.stop`. Prints nothing.

use std::hint::black_box;

use caracal::{Caracal, Grant};
use caracal_test_programs::args;

// `allow`, as in the SDK: the lint sees generated unsafe code only when
// wit-bindgen writes it to a file.
#[allow(
    unsafe_code,
    reason = "wit-bindgen generates the canonical ABI glue with unsafe code"
)]
mod bench_bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "caracal:bench/bench",
    });
}

use bench_bindings::caracal::bench::timer;

fn main() {
    let args = args(2, "bench noop|headers|spawn-close <iterations>");
    let iterations: u64 = args[1]
        .parse()
        .unwrap_or_else(|e| panic!("bad iteration count {:?}: {e}", args[1]));
    let caracal = Caracal::new();
    match args[0].as_str() {
        "noop" => {
            timer::start();
            for _ in 0..iterations {
                timer::noop();
            }
            timer::stop();
        }
        "headers" => {
            let session = caracal.spawn().label("bench").start().expect("spawn");
            black_box(session.headers().expect("warm-up headers"));
            timer::start();
            for _ in 0..iterations {
                black_box(session.headers().expect("headers"));
            }
            timer::stop();
        }
        "spawn-close" => {
            timer::start();
            for _ in 0..iterations {
                let session = caracal
                    .spawn()
                    .grant(Grant::inherit())
                    .start()
                    .expect("spawn");
                black_box(session).close().expect("close");
            }
            timer::stop();
        }
        other => panic!("unknown kind {other:?}: expected noop, headers or spawn-close"),
    }
}
