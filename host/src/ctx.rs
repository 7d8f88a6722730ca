//! Per-store agent state: the owned [`AgentCtx`], its borrowing view
//! [`AgentCtxView`] and the [`AgentView`] trait a store's data implements.

use crate::audit::Auditor;
use crate::liveness::{GuestActivity, LeaseKeeper};
use crate::outbound::HeldSessions;
use crate::projection::{Projection, SpanIds};
use crate::token::TokenSigner;
use caracal_authority::{Engine, SessionId};
use std::sync::Arc;
use wasmtime::component::ResourceTable;

/// The Caracal state of one running component: its root context and the
/// shared authority engine and token signer.
///
/// Dropping it releases the root context: task sessions still live under it
/// are retired with their descendants, while live service sessions are left
/// to their leases (a service's lifetime is its lease), so a replacement can
/// `attach` one left by a crashed worker. [`AgentCtx::retire_all`] retires
/// everything instead.
#[derive(Debug)]
pub struct AgentCtx {
    pub(crate) authority: Arc<Engine>,
    pub(crate) signer: Arc<TokenSigner>,
    pub(crate) root: SessionId,
    pub(crate) root_projection: Projection,
    pub(crate) span_ids: SpanIds,
    pub(crate) keeper: Option<Arc<LeaseKeeper>>,
    pub(crate) activity: Arc<GuestActivity>,
    pub(crate) routed_prefixes: Arc<[String]>,
    pub(crate) auditor: Auditor,
    pub(crate) held: Arc<HeldSessions>,
    /// Whether the root was opened for this component (and is released
    /// with it) rather than borrowed (a served request's inbound session).
    pub(crate) owns_root: bool,
}

impl AgentCtx {
    /// A builder for a component's state.
    pub fn builder(authority: Arc<Engine>, signer: Arc<TokenSigner>) -> AgentCtxBuilder {
        AgentCtxBuilder {
            authority,
            signer,
            keeper: None,
            activity: None,
            routed_prefixes: Arc::from([]),
            auditor: None,
            application: None,
            base: None,
        }
    }

    /// The root context's session id.
    pub fn root(&self) -> &SessionId {
        &self.root
    }

    /// The shared authority engine.
    pub fn authority(&self) -> &Arc<Engine> {
        &self.authority
    }

    /// The sessions this component was handed, whose bearers its outbound
    /// requests may present.
    pub fn held_sessions(&self) -> &Arc<HeldSessions> {
        &self.held
    }

    /// What the epoch ticks observed of this guest.
    pub fn activity(&self) -> &Arc<GuestActivity> {
        &self.activity
    }

    /// Retires the root context and every session under it, services
    /// included: for an agent the host stopped (a limit, a kill).
    pub fn retire_all(&mut self) {
        self.activity.end();
        if !self.owns_root {
            return;
        }
        self.authority.close_root(&self.root);
    }
}

impl Drop for AgentCtx {
    fn drop(&mut self) {
        self.activity.end();
        if !self.owns_root {
            return;
        }
        let kept = self.authority.release_root(&self.root);
        if !kept.is_empty() {
            tracing::info!(
                services = ?kept,
                "agent ended with live service sessions; they live on until their leases lapse"
            );
        }
    }
}

/// Builds an [`AgentCtx`].
///
/// Defaults: one fresh root context carrying the application's own authority
/// (the engine's zone and application). The root context never projects
/// headers unless the guest asks with `allow-root`. No lease keeper, so
/// heartbeats are manual only.
#[derive(Debug)]
pub struct AgentCtxBuilder {
    authority: Arc<Engine>,
    signer: Arc<TokenSigner>,
    keeper: Option<Arc<LeaseKeeper>>,
    activity: Option<Arc<GuestActivity>>,
    routed_prefixes: Arc<[String]>,
    auditor: Option<Auditor>,
    application: Option<String>,
    base: Option<SessionId>,
}

impl AgentCtxBuilder {
    /// Runs the component under an existing live session instead of a
    /// fresh root (a served request bound to its verified inbound session,
    /// or the server's application root). The session is borrowed: it is
    /// not released when the component ends, and it counts as handed to
    /// the component (its bearer is honoured on outbound calls).
    pub fn base_session(mut self, session: SessionId) -> Self {
        self.base = Some(session);
        self
    }

    /// Runs the component as `application` instead of the engine's own
    /// (several applications can share one host; a peer delegation across
    /// them must be accepted by the receiver).
    pub fn application(mut self, application: impl Into<String>) -> Self {
        self.application = Some(application.into());
        self
    }

    /// Records spawns, closes and attaches with `auditor` (default: none).
    pub fn auditor(mut self, auditor: Auditor) -> Self {
        self.auditor = Some(auditor);
        self
    }

    /// The URL prefixes the host routes through a gateway, as the guest's
    /// `outbound.routed-prefixes` reports them (default: none).
    pub fn routed_prefixes(mut self, prefixes: Arc<[String]>) -> Self {
        self.routed_prefixes = prefixes;
        self
    }

    /// Lets services ask for host-driven heartbeats, renewed by `keeper`
    /// (without one, `heartbeat-interval-ms` is refused as unavailable).
    pub fn lease_keeper(mut self, keeper: Arc<LeaseKeeper>) -> Self {
        self.keeper = Some(keeper);
        self
    }

    /// Records the guest's activity in `activity` (default: a fresh record).
    pub fn activity(mut self, activity: Arc<GuestActivity>) -> Self {
        self.activity = Some(activity);
        self
    }

    /// Opens the root context and returns the state.
    pub fn build(self) -> AgentCtx {
        let owns_root = self.base.is_none();
        let root = match (self.base, &self.application) {
            (Some(base), _) => base,
            (None, Some(application)) => self.authority.open_root_for(application),
            (None, None) => self.authority.open_root(),
        };
        let view = self
            .authority
            .view(&root)
            .expect("a root context just opened, or a base session checked live, has a view");
        let held: Arc<HeldSessions> = Arc::default();
        if !owns_root {
            held.insert(root.clone());
        }
        let auditor = self.auditor.unwrap_or_else(|| {
            Auditor::disabled(
                self.authority.clock().clone(),
                self.authority.config().application_id.clone(),
            )
        });
        AgentCtx {
            root_projection: Projection::new(&self.authority, &self.signer, &view),
            authority: self.authority,
            signer: self.signer,
            root,
            span_ids: SpanIds::new(),
            keeper: self.keeper,
            activity: self.activity.unwrap_or_default(),
            routed_prefixes: self.routed_prefixes,
            auditor,
            held,
            owns_root,
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
