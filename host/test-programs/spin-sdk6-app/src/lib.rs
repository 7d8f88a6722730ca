//! spin-sdk6-app: a spin-sdk 6 HTTP component, an app as spin-sdk 6 (what
//! today's `spin new http-rust` template depends on) builds it: a WASI 0.3
//! release-candidate component exporting
//! `wasi:http/handler@0.3.0-rc-2026-03-15`. The compatibility tests use it
//! to check the host's answer to WASI 0.3 release-candidate imports.
//!
//! It answers every request `200` with the body `hello from spin-sdk 6`.

use spin_sdk::http::{IntoResponse, Request};
use spin_sdk::http_service;

/// Answers every request `200 hello from spin-sdk 6`.
#[http_service]
async fn handle(_request: Request) -> impl IntoResponse {
    "hello from spin-sdk 6"
}
