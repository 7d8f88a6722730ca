//! The `max_calls` meter: outbound calls counted per delegation edge,
//! atomically, so concurrent calls never exceed the bound. With a
//! persister the store keeps the count (across restarts and hosts);
//! without one, memory does.

use crate::error::AuthorityError;
use crate::session::SessionId;
use crate::tree::Health;

use super::{Engine, not_found};

impl Engine {
    /// Counts one outbound call under `id`'s delegation edges and returns
    /// the calls made so far under the busiest of them, refusing (Denied)
    /// once any edge's `max_calls` is spent; a refused call counts nowhere.
    /// Sessions sharing an edge (inherited grants, derived contexts) share
    /// its meter, and a context presenting several edges is charged on each
    /// metered one. Unmetered authority (no `max_calls`, or the root's)
    /// counts nothing and returns 0. A session that is not live (revoked,
    /// suspended, ...) is refused as by [`Engine::check_live`], so a call
    /// racing a revocation is not counted in.
    pub fn meter_call(&self, id: &SessionId) -> Result<u64, AuthorityError> {
        let now = self.clock.now_ms();
        let metered: Vec<(String, u64)> = {
            let tree = self.read();
            let idx = tree.find(id).ok_or_else(|| not_found(id))?;
            match tree.health(idx, now) {
                Health::Live => {}
                health @ (Health::Terminated | Health::Suspended) => {
                    return tree.outcome(idx, health).map(|()| 0);
                }
                // Let check_live apply the lazy effect and report it.
                Health::Expired(_) | Health::Lapsed(_) => {
                    drop(tree);
                    return self.check_live(id).map(|()| 0);
                }
            }
            tree.node(idx)
                .presents
                .iter()
                .map(|&e| tree.edges.get(e))
                .filter_map(|e| e.authority.max_calls.map(|max| (e.id.clone(), max)))
                .collect()
        };
        if metered.is_empty() {
            return Ok(0);
        }
        if let Some(charged) = self
            .persister
            .as_ref()
            .and_then(|persister| persister.charge_calls(&metered))
        {
            return charged;
        }
        let mut calls = self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((edge, max)) = metered
            .iter()
            .find(|(edge, max)| calls.get(edge).is_some_and(|used| used >= max))
        {
            return Err(AuthorityError::max_calls_spent(edge, *max));
        }
        let mut busiest = 0;
        for (edge, _) in metered {
            let used = calls.entry(edge).or_insert(0);
            *used += 1;
            busiest = busiest.max(*used);
        }
        Ok(busiest)
    }
}
