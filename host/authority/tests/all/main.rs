//! Integration tests for `caracal-authority`, all on a virtual clock.

mod attach;
mod concurrency;
mod constraints;
mod grants;
mod labels;
mod lease;
mod lifecycle;
mod limits;
mod release;
mod rules;
mod status;
mod sweep;
mod ttl;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use caracal_authority::{
    AuthorityError, Engine, EngineConfig, Grant, ManualClock, NarrowGrant, SessionId, SessionView,
    SpawnRequest,
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

/// A grant of `scopes`.
pub fn grant(scopes: &[&str]) -> NarrowGrant {
    NarrowGrant::new(scopes.iter().copied())
}
