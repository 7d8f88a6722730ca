//! Per-store agent state: the owned [`AgentCtx`], its borrowing view
//! [`AgentCtxView`] and the [`AgentView`] trait a store's data implements.

use crate::projection::{Projection, SpanIds};
use crate::token::TokenSigner;
use caracal_authority::{Engine, SessionId};
use std::sync::Arc;
use wasmtime::component::ResourceTable;

/// The Caracal state of one running component: its root context and the
/// shared authority engine and token signer.
///
/// Dropping it retires the root context and every session still live under
/// it, so sessions never outlive the component that spawned them.
#[derive(Debug)]
pub struct AgentCtx {
    pub(crate) authority: Arc<Engine>,
    pub(crate) signer: Arc<TokenSigner>,
    pub(crate) root: SessionId,
    pub(crate) root_projection: Projection,
    pub(crate) span_ids: SpanIds,
}

impl AgentCtx {
    /// A builder for a component's state.
    pub fn builder(authority: Arc<Engine>, signer: Arc<TokenSigner>) -> AgentCtxBuilder {
        AgentCtxBuilder { authority, signer }
    }

    /// The root context's session id.
    pub fn root(&self) -> &SessionId {
        &self.root
    }

    /// The shared authority engine.
    pub fn authority(&self) -> &Arc<Engine> {
        &self.authority
    }
}

impl Drop for AgentCtx {
    fn drop(&mut self) {
        self.authority.close_root(&self.root);
    }
}

/// Builds an [`AgentCtx`].
///
/// Defaults: one fresh root context carrying the application's own authority
/// (the engine's zone and application). The root context never projects
/// headers unless the guest asks with `allow-root`.
#[derive(Debug)]
pub struct AgentCtxBuilder {
    authority: Arc<Engine>,
    signer: Arc<TokenSigner>,
}

impl AgentCtxBuilder {
    /// Opens the root context and returns the state.
    pub fn build(self) -> AgentCtx {
        let root = self.authority.open_root();
        let view = self
            .authority
            .view(&root)
            .expect("a root context just opened is live");
        AgentCtx {
            root_projection: Projection::new(&view),
            authority: self.authority,
            signer: self.signer,
            root,
            span_ids: SpanIds::new(),
        }
    }
}

/// A borrowed view of the agent state and the store's resource table; every
/// generated `caracal:agent` `Host` trait is implemented on it.
#[derive(Debug)]
pub struct AgentCtxView<'a> {
    /// The component's agent state.
    pub ctx: &'a mut AgentCtx,
    /// The store's resource table, holding `session` handles.
    pub table: &'a mut ResourceTable,
}

/// Implemented by a store's data to expose its agent state.
pub trait AgentView: Send {
    /// The agent state and resource table.
    fn agent(&mut self) -> AgentCtxView<'_>;
}
