//! Operator suspend and resume of a session subtree (an admin action; no
//! WIT interface). Like revocation, both take effect under the write lock:
//! the next [`Engine::check_live`] sees them.
//!
//! A suspension reaches what a termination would (the subtree, and the
//! contexts holding edges issued in it, with theirs), but only holds them:
//! tasks keep their expiry and services leave the lease heap. A resume
//! undoes it for what nothing else still holds (see [`Engine::resume`]).

use crate::error::{AuthorityError, gone};
use crate::session::{SessionId, SessionStatus};

use super::{Engine, not_found};

impl Engine {
    /// Suspends `id` (a root included) with its subtree and the contexts
    /// depending on edges issued in it, and marks it as held by an
    /// operator. Returns the sessions moved from active to suspended, `id`
    /// first. Suspending a suspended session only marks it held (so it
    /// stays suspended when an enclosing subtree is resumed).
    ///
    /// Unknown => NotFound; terminated or expired => Gone.
    pub fn suspend(&self, id: &SessionId) -> Result<Vec<SessionId>, AuthorityError> {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        let idx = tree.find(id).ok_or_else(|| not_found(id))?;
        let health = tree.health(idx, now);
        tree.apply(health, now);
        if tree.node(idx).status == SessionStatus::Terminated {
            return tree.outcome(idx, health).map(|()| Vec::new());
        }
        tree.node_mut(idx).held = true;
        let mut suspended = Vec::new();
        tree.suspend_with(idx, |node| suspended.push(node.id.clone()));
        tree.commit()?;
        Ok(suspended)
    }

    /// Resumes the suspended `id` with what its suspension held: each
    /// session reached goes back to active once everything its authority
    /// comes from (its parent, the issuers of the edges it presents) is
    /// active. Services come back with a fresh lease (same generation),
    /// whether an operator held them or their lease had lapsed. Sessions an
    /// operator suspended separately stay suspended (resume them by name),
    /// and tasks past their TTL stay suspended until swept. Returns the
    /// sessions resumed, `id` first; resuming an active session does
    /// nothing.
    ///
    /// Unknown => NotFound; terminated or expired => Gone; the parent or
    /// an issuer of an edge `id` presents is not active (resume that one
    /// first) => Gone.
    pub fn resume(&self, id: &SessionId) -> Result<Vec<SessionId>, AuthorityError> {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        let idx = tree.find(id).ok_or_else(|| not_found(id))?;
        let health = tree.health(idx, now);
        tree.apply(health, now);
        match tree.node(idx).status {
            SessionStatus::Terminated => return tree.outcome(idx, health).map(|()| Vec::new()),
            SessionStatus::Active => return Ok(Vec::new()),
            SessionStatus::Suspended => {}
        }
        // A lapse above `idx` not yet applied would suspend it again.
        if let Some(parent) = tree.node(idx).parent {
            let health = tree.health(parent, now);
            tree.apply(health, now);
        }
        if !tree.sources_active(idx) {
            return Err(gone(format!(
                "session `{id}` cannot resume: its parent or the issuer of an edge it presents is not active; resume that first"
            )));
        }
        let resumed = tree.resume(idx, now, self.lease_ms());
        tree.commit()?;
        Ok(resumed
            .into_iter()
            .map(|i| tree.node(i).id.clone())
            .collect())
    }
}
