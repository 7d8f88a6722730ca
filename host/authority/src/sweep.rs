//! Deadline-ordered sweeping: the eager counterpart of the lazy expiry and
//! lease checks, behind [`Engine::sweep`](crate::Engine::sweep) and
//! [`Engine::next_deadline_ms`](crate::Engine::next_deadline_ms).

use crate::session::SessionId;
use crate::tree::Tree;

/// What one [`Engine::sweep`](crate::Engine::sweep) did, for audit and
/// logging.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Every session the sweep terminated: each task past its TTL followed
    /// by the descendants terminated with it (services included) and the
    /// contexts holding delegations they issued. A session already
    /// terminated (closed, or swept lazily) is not listed.
    pub terminated: Vec<SessionId>,
    /// Every session the sweep moved from active to suspended: each service
    /// whose lease lapsed followed by the active members of its subtree
    /// (tasks included) and the contexts holding delegations they issued. A
    /// session already suspended is not listed.
    pub suspended: Vec<SessionId>,
    /// Deadline-heap entries popped: one per task expiry or lease deadline
    /// that was due. The sweep does no other work, so this is its cost.
    pub examined: usize,
}

impl SweepReport {
    /// Whether the sweep changed nothing.
    pub fn is_empty(&self) -> bool {
        self.terminated.is_empty() && self.suspended.is_empty()
    }
}

impl Tree {
    /// Terminates every task whose expiry is `<= now_ms` with its
    /// descendants, then suspends every service whose lease deadline is
    /// `<= now_ms` with its subtree.
    ///
    /// Expiry goes first because it wins over a lapse, as in
    /// [`Tree::health`]: a session both past its TTL and under a lapsed lease
    /// ends up terminated either way. Only due entries are popped: a renewed
    /// lease was moved in the heap, and a closed or suspended session's
    /// entries were removed when it was.
    pub(crate) fn sweep(&mut self, now_ms: u64) -> SweepReport {
        let mut report = SweepReport::default();
        while let Some((_, idx)) = self.ttl.pop_due(now_ms) {
            report.examined += 1;
            self.terminate_with(idx, now_ms, |node| report.terminated.push(node.id.clone()));
        }
        while let Some((_, idx)) = self.leases.pop_due(now_ms) {
            report.examined += 1;
            self.suspend_with(idx, |node| report.suspended.push(node.id.clone()));
        }
        report
    }

    /// The earliest pending task expiry or lease deadline (possibly already
    /// past, when a sweep is due).
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        let ttl = self.ttl.peek().map(|(deadline, _)| deadline);
        let lease = self.leases.peek().map(|(deadline, _)| deadline);
        match (ttl, lease) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
