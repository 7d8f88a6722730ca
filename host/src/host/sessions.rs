//! `caracal:agent/sessions`: spawning, projecting and retiring sessions.

use super::SessionHandle;
use super::convert;
use crate::audit::AuditDecision;
use crate::bindings::sessions::{Host, HostSession};
use crate::bindings::types::{
    Context, Headers, Lease, ServiceOptions, SessionStatus, SpawnOptions,
};
use crate::ctx::AgentCtxView;
use crate::error::HostCallError;
use crate::projection::{DeferredProjection, Projection};
use crate::token::TokenSigner;
use caracal_audit::EventKind;
use caracal_authority::{AuthorityError, SessionId, SpawnRequest};
use wasmtime::component::Resource;

impl AgentCtxView<'_> {
    fn spawn_under(
        &mut self,
        parent: &SessionId,
        request: SpawnRequest,
        heartbeat_interval_ms: Option<u64>,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        self.check_interval(heartbeat_interval_ms)?;
        // The labels are copied for the audit record only when one is kept.
        let labels = self
            .ctx
            .auditor
            .is_enabled()
            .then(|| request.labels.clone());
        let lifecycle = request.lifecycle;
        let spawned = self.ctx.authority.spawn(parent, request);
        if let Some(labels) = labels {
            self.audit_spawn(parent, lifecycle, labels, &spawned);
        }
        let view = spawned?;
        let generation = view.lease.as_ref().map_or(0, |lease| lease.generation);
        self.hold(view, generation, heartbeat_interval_ms)
    }

    /// A new handle on `view` for the lease holder at `generation`, renewed
    /// by the host every `heartbeat_interval_ms` if asked.
    pub(super) fn hold(
        &mut self,
        view: caracal_authority::SessionView,
        generation: u64,
        heartbeat_interval_ms: Option<u64>,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        if let (Some(interval), Some(keeper)) = (heartbeat_interval_ms, &self.ctx.keeper) {
            keeper.register(
                view.id.clone(),
                generation,
                interval,
                self.ctx.activity.clone(),
            );
        }
        self.ctx.held.insert(view.id.clone());
        let handle = SessionHandle {
            generation,
            id: view.id.clone(),
            projection: DeferredProjection::new(view),
            closed: false,
        };
        Ok(self.table.push(handle)?)
    }

    /// Records a spawn, allowed or refused (when auditing).
    fn audit_spawn(
        &self,
        parent: &SessionId,
        lifecycle: caracal_authority::Lifecycle,
        labels: Vec<String>,
        spawned: &Result<caracal_authority::SessionView, AuthorityError>,
    ) {
        let auditor = &self.ctx.auditor;
        if !auditor.is_enabled() {
            return;
        }
        let event = auditor
            .event(EventKind::Spawn)
            .labels(labels)
            .detail("parent", parent.to_string())
            .detail("lifecycle", format!("{lifecycle:?}").to_lowercase());
        auditor.record(match spawned {
            Ok(view) => {
                let event = event
                    .session(view.id.to_string())
                    .trace(caracal_envelope::hex_lower(&view.trace_id))
                    .decision(AuditDecision::Allow);
                match view.authority.as_ref().and_then(|a| a.edge_id.clone()) {
                    Some(edge) => event.delegation(edge),
                    None => event,
                }
            }
            Err(error) => event
                .decision(AuditDecision::Deny)
                .reason(error.to_string()),
        });
    }

    /// Records a session event of `kind` for `id`, with `reason`.
    pub(super) fn audit(&self, kind: EventKind, id: &SessionId, reason: Option<String>) {
        let auditor = &self.ctx.auditor;
        if auditor.is_enabled() {
            let event = auditor.event(kind).session(id.to_string());
            auditor.record(match reason {
                Some(reason) => event.reason(reason),
                None => event,
            });
        }
    }

    /// A host-driven heartbeat interval must fit in the lease, and needs a
    /// host that renews leases.
    fn check_interval(&self, interval_ms: Option<u64>) -> Result<(), AuthorityError> {
        let Some(interval) = interval_ms else {
            return Ok(());
        };
        let lease_ms = self.ctx.authority.config().lease_ms.max(1);
        if !(1..=lease_ms).contains(&interval) {
            return Err(AuthorityError::Invalid(format!(
                "heartbeat interval {interval} ms must be within 1..={lease_ms} ms (the lease length)"
            )));
        }
        if self.ctx.keeper.is_none() {
            return Err(AuthorityError::Unavailable(
                "this host does not renew leases: call heartbeat yourself".into(),
            ));
        }
        Ok(())
    }

    /// Retires the handle's session as its lease holder and stops any
    /// host-driven heartbeat for it.
    fn retire(&mut self, id: &SessionId, generation: u64) -> Result<(), AuthorityError> {
        if let Some(keeper) = &self.ctx.keeper {
            keeper.unregister(id, generation);
        }
        self.ctx.authority.close_fenced(id, generation)?;
        self.audit(EventKind::Close, id, None);
        Ok(())
    }

    /// The handle's session id, refusing a handle the guest already closed.
    pub(super) fn open_id(
        &self,
        session: &Resource<SessionHandle>,
    ) -> Result<SessionId, HostCallError> {
        let handle = self.table.get(session)?;
        if handle.closed {
            return Err(AuthorityError::Gone(format!("session {} was closed", handle.id)).into());
        }
        Ok(handle.id.clone())
    }
}

/// Renders a projection: [`Projection::headers`] or
/// [`Projection::header_block`].
type Render<T> = fn(&mut Projection, &TokenSigner, u64, [u8; 8]) -> T;

impl AgentCtxView<'_> {
    /// The root context's envelope, rendered by `render`; refused unless
    /// `allow_root`.
    fn project_root<T>(&mut self, allow_root: bool, render: Render<T>) -> Result<T, HostCallError> {
        if !allow_root {
            return Err(AuthorityError::Denied(
                "no session is bound: spawn a session first, or ask for the root context's headers with allow-root"
                    .into(),
            )
            .into());
        }
        let ctx = &mut *self.ctx;
        let now = ctx.authority.clock().now_ms();
        ctx.authority.check_live_at(&ctx.root, now)?;
        Ok(render(
            &mut ctx.root_projection,
            &ctx.signer,
            now,
            ctx.span_ids.next(),
        ))
    }

    /// A live session's envelope, rendered by `render`.
    fn project_session<T>(
        &mut self,
        session: &Resource<SessionHandle>,
        render: Render<T>,
    ) -> Result<T, HostCallError> {
        let id = self.open_id(session)?;
        let ctx = &mut *self.ctx;
        let now = ctx.authority.clock().now_ms();
        ctx.authority.check_live_at(&id, now)?;
        let projection = self
            .table
            .get_mut(session)?
            .projection
            .ready(&ctx.authority, &ctx.signer);
        Ok(render(projection, &ctx.signer, now, ctx.span_ids.next()))
    }
}

impl Host for AgentCtxView<'_> {
    fn context(&mut self) -> wasmtime::Result<Context> {
        let view = self.ctx.authority.view(&self.ctx.root)?;
        Ok(convert::context(&view))
    }

    fn headers(&mut self, allow_root: bool) -> Result<Headers, HostCallError> {
        self.project_root(allow_root, Projection::headers)
    }

    fn header_block(&mut self, allow_root: bool) -> Result<String, HostCallError> {
        self.project_root(allow_root, Projection::header_block)
    }

    fn spawn(&mut self, options: SpawnOptions) -> Result<Resource<SessionHandle>, HostCallError> {
        let root = self.ctx.root.clone();
        self.spawn_under(&root, convert::spawn_request(options), None)
    }

    fn spawn_service(
        &mut self,
        options: ServiceOptions,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        let root = self.ctx.root.clone();
        let interval = options.heartbeat_interval_ms;
        self.spawn_under(&root, convert::service_request(options), interval)
    }

    fn attach(
        &mut self,
        session_id: String,
        heartbeat_interval_ms: Option<u64>,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        self.check_interval(heartbeat_interval_ms)?;
        let id = SessionId::from(session_id.as_str());
        let lease = self.ctx.authority.attach(&id)?;
        self.audit(
            EventKind::Attach,
            &id,
            Some(format!("lease generation {}", lease.generation)),
        );
        let view = self.ctx.authority.view(&id)?;
        tracing::info!(session = %id, generation = lease.generation, "service session attached; earlier holders are fenced out");
        self.hold(view, lease.generation, heartbeat_interval_ms)
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
        self.project_session(&session, Projection::headers)
    }

    fn header_block(&mut self, session: Resource<SessionHandle>) -> Result<String, HostCallError> {
        self.project_session(&session, Projection::header_block)
    }

    fn spawn(
        &mut self,
        session: Resource<SessionHandle>,
        options: SpawnOptions,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        let parent = self.open_id(&session)?;
        self.spawn_under(&parent, convert::spawn_request(options), None)
    }

    fn spawn_service(
        &mut self,
        session: Resource<SessionHandle>,
        options: ServiceOptions,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        let parent = self.open_id(&session)?;
        let interval = options.heartbeat_interval_ms;
        self.spawn_under(&parent, convert::service_request(options), interval)
    }

    fn status(&mut self, session: Resource<SessionHandle>) -> wasmtime::Result<SessionStatus> {
        let id = self.table.get(&session)?.id.clone();
        Ok(convert::status(self.ctx.authority.status(&id)?))
    }

    fn heartbeat(&mut self, session: Resource<SessionHandle>) -> Result<Lease, HostCallError> {
        let id = self.open_id(&session)?;
        let generation = self.table.get(&session)?.generation;
        match self.ctx.authority.heartbeat(&id, generation) {
            Ok(lease) => Ok(convert::lease(lease)),
            Err(error) => {
                if let AuthorityError::Gone(_) | AuthorityError::Denied(_) = error {
                    tracing::warn!(session = %id, generation, %error, "lease lost");
                    self.audit(EventKind::LeaseLost, &id, Some(error.to_string()));
                }
                Err(error.into())
            }
        }
    }

    fn close(&mut self, session: Resource<SessionHandle>) -> Result<(), HostCallError> {
        let id = self.open_id(&session)?;
        let handle = self.table.get_mut(&session)?;
        handle.closed = true;
        let generation = handle.generation;
        Ok(self.retire(&id, generation)?)
    }

    fn drop(&mut self, session: Resource<SessionHandle>) -> wasmtime::Result<()> {
        let handle = self.table.delete(session)?;
        self.ctx.held.release(&handle.id);
        if !handle.closed {
            // Dropping a handle retires its session. One already gone
            // (expired, or closed with an ancestor) needs nothing more; a
            // holder fenced out by an `attach` must leave the session to its
            // new holder.
            if let Err(error @ AuthorityError::Denied(_)) =
                self.retire(&handle.id, handle.generation)
            {
                tracing::info!(session = %handle.id, %error, "dropped a fenced-out handle; the session stays with its new holder");
            }
        }
        Ok(())
    }
}
