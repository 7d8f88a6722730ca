//! `caracal-host serve`: serves `wasi:http` proxy components — WASI 0.2
//! (`wasi:http/incoming-handler`) and WASI 0.3 (`wasi:http/handler@0.3.0`,
//! what `spin-sdk` 7 builds) — one fresh instance per request from a
//! pre-instantiated component, either one component for every path or a
//! Spin application's routes (DESIGN §8).
//!
//! Each request first passes the inbound boundary ([`InboundMode`]): its
//! bearer is verified and its session becomes the request's context, so
//! the component's outbound calls (governed exactly as under `run`) carry
//! that session on. The host's own public keys are served as a JWK Set at
//! [`JWKS_PATH`].

mod app;
mod handler;
mod http;
mod inbound;
mod trusted_issuer;
mod upstream;

pub use app::{ServeApp, ServeError};
pub use http::{JWKS_PATH, ServeOptions, serve, serve_with};
pub use inbound::{InboundMode, TrustedKeys};
pub use trusted_issuer::TrustedIssuer;
