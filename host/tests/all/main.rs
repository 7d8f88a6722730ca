//! Host integration tests: guest programs and examples compiled to
//! `wasm32-wasip2` by `test-programs-artifacts`, run under a real host.

mod cli;
mod cli_state;
mod config;
mod connector;
mod dot;
mod durable;
mod examples;
mod guards;
mod guests;
mod headers;
mod hostile_upstream;
mod interop;
mod keepalive;
mod leases;
mod limits;
mod narrowing;
mod outbound;
mod paths;
mod plugin;
mod run_limits;
mod sdk_pure;
mod serve;
mod spin_compat;
mod stale_connections;
mod support;
mod upstream;
mod upstream_python;
