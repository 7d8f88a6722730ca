//! [`StorePersister`]: the engine's write-through into a
//! [`caracal_store::Store`].

use std::sync::Arc;

use caracal_authority::{
    AuthorityError, MAX_DEPTH, MAX_LIVE_CHILDREN, Persister, SessionId, StateChange,
};
use caracal_store::{
    CallCharge, EdgeState, SessionStatus as StoredStatus, SpawnLimits, Store, StoreError,
};

use super::off_runtime;
use super::records::{edge_row, session_row};

/// Writes each engine change to the store, in one store transaction per
/// change (a cascade is one transaction), before the engine answers.
#[derive(Debug)]
pub struct StorePersister {
    store: Arc<dyn Store>,
    zone_id: String,
    host_id: String,
}

impl StorePersister {
    /// Writes to `store` as host `host_id`, for sessions of `zone_id`.
    pub fn new(store: Arc<dyn Store>, zone_id: &str, host_id: &str) -> StorePersister {
        StorePersister {
            store,
            zone_id: zone_id.to_owned(),
            host_id: host_id.to_owned(),
        }
    }

    fn write(&self, change: &StateChange) -> Result<(), StoreError> {
        let store = &*self.store;
        match change {
            StateChange::SessionCreated(session) => {
                let row = session_row(session, &self.zone_id, &self.host_id);
                let limits = SpawnLimits {
                    max_depth: MAX_DEPTH,
                    max_live_children: MAX_LIVE_CHILDREN as u32,
                };
                store.insert_session_checked(&row, limits)
            }
            StateChange::EdgeCreated(edge) => store.insert_edge(&edge_row(edge)),
            StateChange::EdgeAccepted { edge, at_ms } => {
                store.set_edge_state(edge, EdgeState::Accepted, *at_ms)
            }
            StateChange::Ended {
                sessions,
                edges,
                at_ms,
            } => store.revoke(edges, &ids(sessions.iter()), *at_ms),
            StateChange::Suspended { sessions, at_ms } => store
                .end_sessions(&ids(sessions.iter()), StoredStatus::Suspended, *at_ms)
                .map(drop),
            StateChange::Resumed { sessions, at_ms } => {
                store.end_sessions(
                    &ids(sessions.iter().map(|(id, _)| id)),
                    StoredStatus::Active,
                    *at_ms,
                )?;
                for (id, lease) in sessions {
                    if let Some(lease) = lease {
                        store.renew_lease(id.as_str(), lease.generation, lease.deadline_ms)?;
                    }
                }
                Ok(())
            }
            // Only ever applied from the feed, never written from here.
            StateChange::LeaseMoved { .. } => Ok(()),
            _ => Ok(()),
        }
    }
}

fn ids<'a>(sessions: impl Iterator<Item = &'a SessionId>) -> Vec<String> {
    sessions.map(ToString::to_string).collect()
}

/// The engine's refusal for a store error: the store's own rules (limits,
/// fencing, liveness) map onto the matching WIT cases; a store that cannot
/// be written is `unavailable`.
pub(crate) fn refusal(error: StoreError) -> AuthorityError {
    let message = error.to_string();
    match error {
        StoreError::Limit { .. } => AuthorityError::Limit(message),
        StoreError::StaleGeneration { .. } => AuthorityError::Denied(message),
        StoreError::NotFound { .. } => AuthorityError::NotFound(message),
        StoreError::NotLive { .. } => AuthorityError::Gone(message),
        StoreError::Invalid(_) => AuthorityError::Invalid(message),
        _ => AuthorityError::Unavailable(format!("state store: {message}")),
    }
}

impl Persister for StorePersister {
    fn persist(&self, changes: &[StateChange]) -> Result<(), AuthorityError> {
        off_runtime(&*self.store, || {
            for change in changes {
                self.write(change).map_err(refusal)?;
            }
            Ok(())
        })
    }

    fn renew(
        &self,
        session: &SessionId,
        generation: u64,
        deadline_ms: u64,
    ) -> Result<(), AuthorityError> {
        off_runtime(&*self.store, || {
            self.store
                .renew_lease(session.as_str(), generation, deadline_ms)
                .map(drop)
                .map_err(refusal)
        })
    }

    fn take_over(
        &self,
        session: &SessionId,
        at_ms: u64,
        deadline_ms: u64,
    ) -> Result<u64, AuthorityError> {
        off_runtime(&*self.store, || {
            self.store
                .take_over_lease(session.as_str(), &self.host_id, at_ms, deadline_ms)
                .map(|lease| lease.generation)
                .map_err(refusal)
        })
    }

    fn end_fenced(
        &self,
        session: &SessionId,
        generation: u64,
        at_ms: u64,
    ) -> Result<(), AuthorityError> {
        let result = off_runtime(&*self.store, || {
            self.store.update_session_status(
                session.as_str(),
                StoredStatus::Terminated,
                at_ms,
                Some(generation),
            )
        });
        match result {
            // Already ended in the store (a cascade from another host):
            // ending it here too is what the caller wants.
            Err(StoreError::NotLive { .. }) => Ok(()),
            other => other.map_err(refusal),
        }
    }

    fn charge_calls(&self, meters: &[(String, u64)]) -> Option<Result<u64, AuthorityError>> {
        // Fails closed: a store that cannot count refuses the call.
        let charged = off_runtime(&*self.store, || self.store.charge_calls(meters));
        Some(match charged {
            Ok(CallCharge::Charged { busiest }) => Ok(busiest),
            Ok(CallCharge::Spent { edge_id, max }) => {
                Err(AuthorityError::max_calls_spent(&edge_id, max))
            }
            Err(error) => Err(refusal(error)),
        })
    }

    fn write_failed(&self, error: &AuthorityError) {
        tracing::error!(%error, "state change not written to the store");
    }
}
