//! Generated `caracal:agent` bindings, kept private; only what the API needs
//! is re-exported.

mod generated {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "caracal:agent/imports",
        with: {
            "caracal:agent/sessions.session": crate::host::SessionHandle,
        },
        imports: { default: trappable },
        trappable_error_type: {
            "caracal:agent/types.error" => crate::error::HostCallError,
        },
    });
}

pub use generated::Imports;
pub use generated::caracal::agent::delegation;
pub use generated::caracal::agent::outbound;
pub use generated::caracal::agent::sessions;
pub use generated::caracal::agent::types;
