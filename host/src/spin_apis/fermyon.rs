//! Bindings of `fermyon:spin@2.0.0` (spin-sdk 5 and older), the interfaces
//! of it the host serves: `variables`, `key-value`, `sqlite`. The `Host`
//! impls sit beside their 3.x forms, in `variables.rs`, `key_value.rs` and
//! `sqlite.rs`.

use wasmtime::component::Linker;

use super::HasSpin;
use crate::run_state::RunState;

mod generated {
    wasmtime::component::bindgen!({
        path: "wit/fermyon-spin.wit",
        world: "fermyon:spin/host",
        imports: { default: trappable },
        with: {
            "fermyon:spin/key-value.store": crate::spin_apis::key_value::KvStore,
            "fermyon:spin/sqlite.connection": crate::spin_apis::sqlite::SqliteConnection,
        },
    });
}

pub(super) use generated::fermyon::spin::{key_value, sqlite, variables};

/// Adds the three interfaces to `linker`.
pub(super) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    variables::add_to_linker::<RunState, HasSpin>(linker, RunState::spin_view)?;
    key_value::add_to_linker::<RunState, HasSpin>(linker, RunState::spin_view)?;
    sqlite::add_to_linker::<RunState, HasSpin>(linker, RunState::spin_view)
}
