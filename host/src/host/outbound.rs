//! `caracal:agent/outbound`: what the guest may know of outbound routing.

use crate::bindings::outbound::Host;
use crate::ctx::AgentCtxView;

impl Host for AgentCtxView<'_> {
    fn routed_prefixes(&mut self) -> wasmtime::Result<Vec<String>> {
        Ok(self.ctx.routed_prefixes.to_vec())
    }
}
