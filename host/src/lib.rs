//! `caracal-host`: a Wasmtime host that gives AI agents compiled to
//! WebAssembly components governed Caracal sessions instead of credentials.
//!
//! The host owns every session, delegation edge and lease. It implements the
//! `caracal:agent` WIT imports (module [`host`] holds one file per
//! interface), projects sessions into outbound headers with host-minted
//! tokens ([`token`]), and intercepts every outbound `wasi:http` request
//! ([`outbound`]). [`AgentHost`] runs command agents:
//!
//! ```no_run
//! use caracal_host::{AgentHost, RunOptions};
//! # async fn demo() -> Result<(), caracal_host::HostError> {
//! let host = AgentHost::builder().build()?;
//! let (agent, _) = host.load("hello-agent.wasm".as_ref(), || {})?;
//! let outcome = host.run(&agent, RunOptions::default()).await?;
//! assert_eq!(outcome.exit_code, 0);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod admin;
pub mod audit;
mod bindings;
pub mod build;
mod cache;
pub mod config;
mod ctx;
mod error;
pub mod host;
mod http_fields;
pub mod issuer;
mod limits;
pub mod liveness;
pub mod outbound;
mod projection;
mod run_state;
mod runner;
pub mod serve;
pub mod spin_apis;
pub mod state;
pub mod token;

pub use cache::{CacheOutcome, ComponentCache};
pub use caracal_authority as authority;
pub use caracal_store as store;
pub use config::{ConfigError, HostConfig};
pub use ctx::{AgentCtx, AgentCtxBuilder, AgentCtxView, AgentView};
pub use error::{HostCallError, HostError};
pub use host::{SessionHandle, add_to_linker};
pub use limits::{LimitExceeded, RunLimits};
pub use run_state::RunState;
pub use runner::{
    AgentHost, AgentHostBuilder, DirGrant, RunOptions, RunOutcome, RunStdin, env_grant,
};
