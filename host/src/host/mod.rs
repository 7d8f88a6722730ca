//! `Host` implementations of the `caracal:agent` interfaces, one file per
//! interface, all on [`AgentCtxView`].

mod convert;
mod delegation;
mod outbound;
mod sessions;
mod types;

use crate::bindings::Imports;
use crate::ctx::{AgentCtxView, AgentView};
use crate::projection::DeferredProjection;
use caracal_authority::SessionId;
use wasmtime::component::{HasData, Linker};

/// What a guest's `session` resource handle holds on the host side.
#[derive(Debug)]
pub struct SessionHandle {
    pub(crate) id: SessionId,
    /// The lease generation this holder was given (fencing).
    pub(crate) generation: u64,
    /// Made on the first `headers()` call.
    pub(crate) projection: DeferredProjection,
    /// Set once the guest closed the session explicitly.
    pub(crate) closed: bool,
}

struct HasAgent;

impl HasData for HasAgent {
    type Data<'a> = AgentCtxView<'a>;
}

/// Adds every `caracal:agent` import to `linker`.
pub fn add_to_linker<T: AgentView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    Imports::add_to_linker::<T, HasAgent>(linker, T::agent)
}
