//! Paths of the guest programs, built to `wasm32-wasip2` components by this
//! crate's `build.rs` (a nested `cargo build --release` with its own target
//! dir under `OUT_DIR`).
//!
//! One constant per program, named after its bin (or, for a `cdylib`
//! example such as a `wasi:http` proxy, its crate) in upper snake case:
//! the examples (`HELLO_AGENT`, `NARROWED_CHILD`, …, `SPIN_HTTP` and
//! `HELLO_PROXY`), and `NARROWING`,
//! `LIMITS`, `ROOT_HEADERS`, `GUARD_DROP` and `BENCH` (the test programs in
//! `host/test-programs/src/bin`); plus `BENCH_WIT`, the directory of the
//! `caracal:bench` WIT package that `BENCH` imports, and `WIT_DIR`, the
//! `caracal:agent` WIT package. A new bin gets its constant automatically.
//!
//! ```no_run
//! let wasm = std::fs::read(test_programs_artifacts::HELLO_AGENT).unwrap();
//! ```

include!(concat!(env!("OUT_DIR"), "/gen.rs"));
