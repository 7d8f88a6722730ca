//! Service leases (renew, take over, fenced close) and deadline-ordered
//! sweeping, the lease half of `caracal:agent/sessions`.
//!
//! Fencing: a lease holder presents the generation it was given. A renewal
//! or fenced close carrying any other generation is refused with `Denied`;
//! [`Engine::attach`] bumps the generation, so the previous holder is fenced
//! out.

use crate::error::{AuthorityError, invalid};
use crate::session::{Lease, SessionId, SessionStatus};
use crate::sweep::SweepReport;
use crate::tree::{Health, LeaseState};

use super::{Engine, not_found, stale_generation};

impl Engine {
    /// Renew a service lease from now (deadline = now + lease_ms). Task or
    /// root => Invalid; unknown => NotFound; terminated/suspended => Gone;
    /// `generation` != current => Denied; lease already lapsed => the
    /// session and its subtree become Suspended and the call returns Gone.
    pub fn heartbeat(&self, id: &SessionId, generation: u64) -> Result<Lease, AuthorityError> {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        let idx = tree.find(id).ok_or_else(|| not_found(id))?;
        let Some(current) = tree.node(idx).lease else {
            return Err(invalid(format!(
                "session `{id}` is not a service: only services heartbeat"
            )));
        };
        let health = tree.health(idx, now);
        // Fencing: a stale holder of a not-yet-retired session is refused
        // before the lapse check; a retired session is Gone to anyone.
        if generation != current.generation && matches!(health, Health::Live | Health::Lapsed(_)) {
            return Err(stale_generation(id, generation, current.generation));
        }
        tree.apply(health, now);
        tree.outcome(idx, health)?;
        let lease = LeaseState {
            deadline_ms: now.saturating_add(self.lease_ms()),
            generation: current.generation,
        };
        if let Some(persister) = &self.persister {
            persister.renew(id, lease.generation, lease.deadline_ms)?;
        }
        tree.renew(idx, lease);
        Ok(Lease {
            deadline_ms: lease.deadline_ms,
            generation: lease.generation,
            status: SessionStatus::Active,
        })
    }

    /// Take over a live service session: the lease generation goes up by
    /// one and the deadline is renewed from now, so the previous holder's
    /// [`Engine::heartbeat`] and [`Engine::close_fenced`] are refused with
    /// Denied from here on. Returns the new lease.
    ///
    /// Task or root => Invalid; unknown => NotFound; terminated or expired
    /// => Gone; suspended, or lease already lapsed (the subtree is then
    /// suspended) => Gone.
    pub fn attach(&self, id: &SessionId) -> Result<Lease, AuthorityError> {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        let idx = tree.find(id).ok_or_else(|| not_found(id))?;
        if tree.node(idx).parent.is_none() {
            return Err(invalid(format!(
                "`{id}` is a root context: only a service session can be attached"
            )));
        }
        let Some(current) = tree.node(idx).lease else {
            return Err(invalid(format!(
                "session `{id}` is a task: only a service session can be attached"
            )));
        };
        tree.settle(idx, now)?;
        let deadline_ms = now.saturating_add(self.lease_ms());
        let generation = match &self.persister {
            // The store hands out the generation: it knows other hosts'.
            Some(persister) => persister.take_over(id, now, deadline_ms)?,
            None => current.generation.saturating_add(1),
        };
        let lease = LeaseState {
            deadline_ms,
            generation,
        };
        tree.node_mut(idx).remote = false;
        tree.renew(idx, lease);
        Ok(Lease {
            deadline_ms: lease.deadline_ms,
            generation: lease.generation,
            status: SessionStatus::Active,
        })
    }

    /// [`Engine::close`] for a lease holder: a service whose current lease
    /// generation is not `generation` is refused with Denied (active,
    /// suspended or just lapsed alike; an already retired one is Gone).
    /// Tasks have no lease and ignore `generation`.
    pub fn close_fenced(&self, id: &SessionId, generation: u64) -> Result<(), AuthorityError> {
        self.retire(id, Some(generation))
    }

    /// Applies every deadline that has passed at the clock's now: each task
    /// past its TTL is terminated with its descendants, then each service
    /// whose lease lapsed is suspended with its whole subtree.
    ///
    /// A service's own life is its lease, so only its lease is swept here
    /// (it is terminated only with an expiring task above it); a task has no
    /// lease and is suspended only with a lapsed service above it. The cost
    /// is one heap pop per due deadline plus the cascades, not a scan of the
    /// live sessions. The lazy checks ([`Engine::check_live`],
    /// [`Engine::view`], ...) apply the same transitions when they touch a
    /// session first, so the outcome does not depend on which runs first.
    pub fn sweep(&self) -> SweepReport {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        tree.sweep(now)
    }

    /// The earliest pending task expiry or lease deadline, in unix ms (a
    /// renewed lease counts at its new deadline, a closed or suspended
    /// session not at all), so a host timer can sleep until it and then
    /// [`Engine::sweep`]. It may already be past. `None` when nothing is
    /// pending.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        self.read().next_deadline()
    }
}
