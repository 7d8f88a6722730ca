//! Bounding the engine's memory: sessions that ended long ago are forgotten.

use std::time::Duration;

use crate::compact::Compaction;

use super::Engine;

impl Engine {
    /// Forgets the sessions terminated at least `grace` ago, and the
    /// delegation edges only they used (revoked, or received by such a
    /// session), unless a session or edge still kept refers to them. After
    /// that, looking such a session up answers `NotFound` rather than
    /// `Gone`; with a store, it stays there. A long-running host calls this
    /// now and then so its memory follows its live sessions, not every
    /// session it ever had. Takes the write lock for time linear in the
    /// tree; does nothing while a write-through is pending.
    pub fn compact(&self, grace: Duration) -> Compaction {
        let cutoff = self
            .clock
            .now_ms()
            .saturating_sub(u64::try_from(grace.as_millis()).unwrap_or(u64::MAX));
        let mut tree = self.write();
        if !tree.journal.is_empty() {
            return Compaction::default();
        }
        let compaction = tree.compact(cutoff);
        drop(tree);
        if !compaction.edge_ids.is_empty() {
            let mut calls = self
                .calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for id in &compaction.edge_ids {
                calls.remove(id);
            }
        }
        compaction
    }

    /// How many sessions and delegation edges the engine holds in memory
    /// (ended ones included, until [`Engine::compact`] forgets them).
    pub fn held_in_memory(&self) -> (usize, usize) {
        let tree = self.read();
        (tree.nodes.len(), tree.edges.iter().count())
    }
}
