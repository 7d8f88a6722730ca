//! [`RunState`]: the data of one agent's (or one served request's) store,
//! and the views every generated `Host` trait is reached through.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::ctx::{AgentCtx, AgentCtxView, AgentView};
use crate::limits::{AgentLimiter, HostBudget, LimitExceeded, RunLimits};
use crate::outbound::OutboundPolicy;
use crate::spin_apis::{SpinApis, SpinView};

/// The data of one agent's store: WASI, `wasi:http`, the outbound policy
/// and the Caracal state.
pub struct RunState {
    table: ResourceTable,
    host_budget: HostBudget,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    outbound: OutboundPolicy,
    limiter: AgentLimiter,
    agent: AgentCtx,
    spin: SpinApis,
}

impl RunState {
    /// A store's state: WASI with `wasi`, the outbound policy and agent
    /// state, the component's Spin APIs (a served Spin component's
    /// variables, stores and databases; none for `run`), and the memory
    /// limit of `limits`.
    pub(crate) fn new(
        wasi: WasiCtx,
        outbound: OutboundPolicy,
        agent: AgentCtx,
        spin: SpinApis,
        limits: RunLimits,
    ) -> RunState {
        let budget = HostBudget::of(&limits);
        let mut table = ResourceTable::new();
        table.set_max_capacity(budget.max_table_entries);
        let mut http = WasiHttpCtx::new();
        http.set_field_size_limit(budget.field_size_limit);
        RunState {
            table,
            host_budget: budget,
            wasi,
            http,
            outbound,
            limiter: AgentLimiter::new(limits.max_memory_bytes),
            agent,
            spin,
        }
    }

    /// The limit error for a store whose resource table is full: the agent
    /// made the host hold all its budget allows.
    pub(crate) fn host_held_exceeded(&self) -> LimitExceeded {
        LimitExceeded::HostHeld {
            limit: self.host_budget.bytes,
            entries: self.host_budget.max_table_entries,
        }
    }

    /// What the Spin API implementations reach: the component's grants,
    /// the resource table and the request's session.
    pub(crate) fn spin_view(&mut self) -> SpinView<'_> {
        SpinView {
            apis: &self.spin,
            table: &mut self.table,
            session: self.agent.root().as_str(),
        }
    }

    /// The outbound hooks (p3 requests are built against them).
    pub(crate) fn hooks(&mut self) -> &mut OutboundPolicy {
        &mut self.outbound
    }

    /// The Caracal state (without counting a host call).
    pub(crate) fn agent_ctx(&self) -> &AgentCtx {
        &self.agent
    }

    /// The Caracal state, mutably (without counting a host call).
    pub(crate) fn agent_ctx_mut(&mut self) -> &mut AgentCtx {
        &mut self.agent
    }

    /// The memory limiter of the store.
    pub(crate) fn limiter_mut(&mut self) -> &mut AgentLimiter {
        &mut self.limiter
    }
}

impl std::fmt::Debug for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunState")
            .field("agent", &self.agent)
            .finish_non_exhaustive()
    }
}

// Every host call goes through one of these accessors, so each counts one
// call for the guest's activity record (see `liveness::GuestActivity`).

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        self.agent.activity.host_call();
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for RunState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        self.agent.activity.host_call();
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

impl AgentView for RunState {
    fn agent(&mut self) -> AgentCtxView<'_> {
        self.agent.activity.host_call();
        AgentCtxView {
            ctx: &mut self.agent,
            table: &mut self.table,
        }
    }
}
