//! Spin application support for `caracal-host serve`, as pure domain logic
//! (no wasmtime; the only I/O is [`SpinApp::from_file`] reading the
//! manifest):
//!
//! - [`SpinApp`] parses a `spin.toml` (`spin_manifest_version = 2`),
//!   rejecting every Spin feature the host does not implement, listing all
//!   problems at once ([`LoadError::Invalid`]), and resolves component
//!   variables ([`SpinApp::resolve_variables`]);
//! - [`Router`] matches request paths to components with Spin's HTTP
//!   trigger route semantics, giving a [`RouteMatch`];
//! - [`spin_headers`] computes the `spin-*` headers Spin adds to the
//!   request a component sees.
//!
//! ```
//! use caracal_spin::{Router, SpinApp};
//!
//! let app = SpinApp::from_str(
//!     r#"
//!     spin_manifest_version = 2
//!     [application]
//!     name = "shop"
//!     [[trigger.http]]
//!     route = "/api/..."
//!     component = "api"
//!     [component.api]
//!     source = "api.wasm"
//!     "#,
//!     "/apps/shop".as_ref(),
//! )
//! .unwrap();
//! let hit = Router::new(&app).route("/api/items/7").unwrap();
//! assert_eq!((hit.component_id.as_str(), hit.path_info.as_str()), ("api", "/items/7"));
//! assert_eq!(app.components["api"].source, std::path::Path::new("/apps/shop/api.wasm"));
//! ```

#![deny(missing_docs)]

mod error;
mod headers;
mod manifest;
mod routes;
mod template;

pub use error::{LoadError, ManifestProblem, RouteError, VariableError};
pub use headers::spin_headers;
pub use manifest::{HttpRoute, SpinApp, SpinComponent, SpinVariable};
pub use routes::{RouteMatch, RoutePattern, Router};
pub use template::is_variable_name;

/// True for a `key_value_stores` / `sqlite_databases` label the host can
/// serve: 1 to 64 lowercase ASCII letters, digits, `_` or `-`, starting with
/// a letter (so it is also a safe file name).
pub fn is_store_label(label: &str) -> bool {
    let mut chars = label.chars();
    label.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The environment variable Spin's default provider reads for an
/// application variable: `SPIN_VARIABLE_` and the name in upper case
/// (`api_token` → `SPIN_VARIABLE_API_TOKEN`).
pub fn variable_env_name(variable: &str) -> String {
    format!("SPIN_VARIABLE_{}", variable.to_ascii_uppercase())
}
