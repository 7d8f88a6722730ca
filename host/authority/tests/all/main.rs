//! Integration tests for `caracal-authority`, all on a virtual clock.

mod attach;
mod chain;
mod compaction;
mod concurrency;
mod constraints;
mod delegation;
mod durable;
mod grants;
mod labels;
mod lease;
mod lifecycle;
mod limits;
mod release;
mod revocation;
mod rules;
mod status;
mod suspend;
mod sweep;
mod ttl;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use caracal_authority::{
    AuthorityError, DelegateRequest, Delegation, DelegationConstraints, Engine, EngineConfig,
    Grant, ManualClock, NarrowGrant, SessionId, SessionView, SpawnRequest,
};

/// The virtual clock's start: some time in November 2023.
pub const T0: u64 = 1_700_000_000_000;

/// An engine on a manual clock, with one root.
#[derive(Debug)]
pub struct Fixture {
    pub clock: ManualClock,
    pub engine: Engine,
    pub root: SessionId,
}

impl Default for Fixture {
    fn default() -> Self {
        Self::with_config(EngineConfig::default())
    }
}

impl Fixture {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_config(config: EngineConfig) -> Self {
        let clock = ManualClock::new(T0);
        let engine = Engine::new(config, Arc::new(clock.clone()));
        let root = engine.open_root();
        Self {
            clock,
            engine,
            root,
        }
    }

    pub fn spawn(&self, parent: &SessionId, request: SpawnRequest) -> SessionView {
        self.engine
            .spawn(parent, request)
            .unwrap_or_else(|e| panic!("spawn under {parent} refused: {e}"))
    }

    /// A default task under `parent`.
    pub fn task(&self, parent: &SessionId) -> SessionView {
        self.spawn(parent, SpawnRequest::task())
    }

    /// A service under `parent` with an inherited grant.
    pub fn service(&self, parent: &SessionId) -> SessionView {
        self.spawn(parent, SpawnRequest::service())
    }

    /// A task under `parent` with a TTL of `secs`.
    pub fn task_ttl(&self, parent: &SessionId, secs: u32) -> SessionView {
        self.spawn(parent, SpawnRequest::task().with_ttl_seconds(secs))
    }

    /// A task under `parent` narrowed by `grant`.
    pub fn narrowed(&self, parent: &SessionId, grant: NarrowGrant) -> SessionView {
        self.spawn(
            parent,
            SpawnRequest::task().with_grant(Grant::Narrow(grant)),
        )
    }

    /// Tries a task under `parent` narrowed by `grant`.
    pub fn try_narrow(
        &self,
        parent: &SessionId,
        grant: NarrowGrant,
    ) -> Result<SessionView, AuthorityError> {
        self.engine.spawn(
            parent,
            SpawnRequest::task().with_grant(Grant::Narrow(grant)),
        )
    }

    /// A task under `parent` narrowed to `scopes` with room for `max_hops`.
    pub fn agent(&self, parent: &SessionId, scopes: &[&str], max_hops: u32) -> SessionView {
        self.narrowed(
            parent,
            NarrowGrant {
                constraints: DelegationConstraints {
                    max_hops: Some(max_hops),
                    ..Default::default()
                },
                ..grant(scopes)
            },
        )
    }

    /// `from` offers `scopes` to `to` (of the default application) for 60 s.
    pub fn delegate(&self, from: &SessionId, to: &SessionId, scopes: &[&str]) -> Delegation {
        self.engine
            .delegate(from, offer(to, scopes))
            .unwrap_or_else(|e| panic!("delegation from {from} to {to} refused: {e}"))
    }

    /// `receiver` accepts `delegation`; returns the derived context.
    pub fn accept(&self, receiver: &SessionId, delegation: &Delegation) -> SessionView {
        self.engine
            .accept_delegation(receiver, &delegation.id)
            .unwrap_or_else(|e| panic!("accept by {receiver} refused: {e}"))
    }

    /// `from` offers `scopes` to `to` and `to` accepts: the derived context.
    pub fn hand(&self, from: &SessionId, to: &SessionId, scopes: &[&str]) -> SessionView {
        let delegation = self.delegate(from, to, scopes);
        self.accept(to, &delegation)
    }

    pub fn advance_secs(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    pub fn advance_ms(&self, ms: u64) {
        self.clock.advance(Duration::from_millis(ms));
    }
}

/// The error kind of a result that must be an error.
#[track_caller]
pub fn kind<T: std::fmt::Debug>(result: Result<T, AuthorityError>) -> &'static str {
    result.expect_err("expected a refusal").kind()
}

/// The ids as a set, for order-free comparison of sweep reports.
pub fn set<'a>(ids: impl IntoIterator<Item = &'a SessionId>) -> BTreeSet<SessionId> {
    ids.into_iter().cloned().collect()
}

/// An offer of `scopes` to `to` (default application) for 60 s.
pub fn offer(to: &SessionId, scopes: &[&str]) -> DelegateRequest {
    DelegateRequest::new(to.clone(), "default", scopes.iter().copied(), 60)
}

/// The edge id a session's effective authority names.
#[track_caller]
pub fn edge_of(view: &SessionView) -> String {
    view.authority
        .as_ref()
        .and_then(|a| a.edge_id.clone())
        .expect("the session presents an edge")
}

/// A grant of `scopes`.
pub fn grant(scopes: &[&str]) -> NarrowGrant {
    NarrowGrant::new(scopes.iter().copied())
}
