//! `caracal:agent/sessions`: spawning, projecting and retiring sessions.

use super::SessionHandle;
use super::convert;
use crate::bindings::sessions::{Host, HostSession};
use crate::bindings::types::{Context, Headers, Lease, ServiceOptions, SpawnOptions};
use crate::ctx::AgentCtxView;
use crate::error::HostCallError;
use crate::projection::Projection;
use caracal_authority::{AuthorityError, SessionId, SpawnRequest};
use wasmtime::component::Resource;

impl AgentCtxView<'_> {
    fn spawn_under(
        &mut self,
        parent: &SessionId,
        request: SpawnRequest,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        let view = self.ctx.authority.spawn(parent, request)?;
        let handle = SessionHandle {
            generation: view.lease.as_ref().map_or(0, |lease| lease.generation),
            projection: Projection::new(&view),
            id: view.id,
            closed: false,
        };
        Ok(self.table.push(handle)?)
    }

    /// The handle's session id, refusing a handle the guest already closed.
    fn open_id(&self, session: &Resource<SessionHandle>) -> Result<SessionId, HostCallError> {
        let handle = self.table.get(session)?;
        if handle.closed {
            return Err(AuthorityError::Gone(format!("session {} was closed", handle.id)).into());
        }
        Ok(handle.id.clone())
    }
}

impl Host for AgentCtxView<'_> {
    fn context(&mut self) -> wasmtime::Result<Context> {
        let view = self.ctx.authority.view(&self.ctx.root)?;
        Ok(convert::context(&view))
    }

    fn headers(&mut self, allow_root: bool) -> Result<Headers, HostCallError> {
        if !allow_root {
            return Err(AuthorityError::Denied(
                "no session is bound: spawn a session first, or ask for the root context's headers with allow-root"
                    .into(),
            )
            .into());
        }
        let ctx = &mut *self.ctx;
        ctx.authority.check_live(&ctx.root)?;
        let now = ctx.authority.clock().now_ms();
        Ok(ctx
            .root_projection
            .headers(&ctx.signer, now, ctx.span_ids.next()))
    }

    fn spawn(&mut self, options: SpawnOptions) -> Result<Resource<SessionHandle>, HostCallError> {
        let root = self.ctx.root.clone();
        self.spawn_under(&root, convert::spawn_request(options))
    }

    fn spawn_service(
        &mut self,
        options: ServiceOptions,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        let root = self.ctx.root.clone();
        self.spawn_under(&root, convert::service_request(options))
    }
}

impl HostSession for AgentCtxView<'_> {
    fn id(&mut self, session: Resource<SessionHandle>) -> wasmtime::Result<String> {
        Ok(self.table.get(&session)?.id.to_string())
    }

    fn context(&mut self, session: Resource<SessionHandle>) -> Result<Context, HostCallError> {
        let id = self.table.get(&session)?.id.clone();
        Ok(convert::context(&self.ctx.authority.view(&id)?))
    }

    fn headers(&mut self, session: Resource<SessionHandle>) -> Result<Headers, HostCallError> {
        let id = self.open_id(&session)?;
        let ctx = &mut *self.ctx;
        ctx.authority.check_live(&id)?;
        let now = ctx.authority.clock().now_ms();
        let handle = self.table.get_mut(&session)?;
        Ok(handle
            .projection
            .headers(&ctx.signer, now, ctx.span_ids.next()))
    }

    fn spawn(
        &mut self,
        session: Resource<SessionHandle>,
        options: SpawnOptions,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        let parent = self.open_id(&session)?;
        self.spawn_under(&parent, convert::spawn_request(options))
    }

    fn spawn_service(
        &mut self,
        session: Resource<SessionHandle>,
        options: ServiceOptions,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        let parent = self.open_id(&session)?;
        self.spawn_under(&parent, convert::service_request(options))
    }

    fn heartbeat(&mut self, session: Resource<SessionHandle>) -> Result<Lease, HostCallError> {
        let id = self.open_id(&session)?;
        let generation = self.table.get(&session)?.generation;
        Ok(convert::lease(
            self.ctx.authority.heartbeat(&id, generation)?,
        ))
    }

    fn close(&mut self, session: Resource<SessionHandle>) -> Result<(), HostCallError> {
        let id = self.open_id(&session)?;
        self.table.get_mut(&session)?.closed = true;
        Ok(self.ctx.authority.close(&id)?)
    }

    fn drop(&mut self, session: Resource<SessionHandle>) -> wasmtime::Result<()> {
        let handle = self.table.delete(session)?;
        if !handle.closed {
            // Dropping a handle retires its session; one already gone
            // (expired, or closed with an ancestor) needs nothing more.
            let _ = self.ctx.authority.close(&handle.id);
        }
        Ok(())
    }
}
