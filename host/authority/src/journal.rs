//! The engine's record of what an operation changed, kept under the write
//! lock and drained into [`StateChange`](crate::StateChange)s for the
//! installed [`Persister`](crate::Persister). Off (and free) when no
//! persister is installed.

/// One change to the tree, by node and edge index.
#[derive(Debug)]
pub(crate) enum Mutation {
    /// A node was inserted.
    Inserted(usize),
    /// An edge was registered.
    EdgeInserted(usize),
    /// An offered edge was accepted.
    EdgeAccepted(usize),
    /// A cascade revoked these edges and terminated these nodes.
    Ended {
        nodes: Vec<usize>,
        edges: Vec<usize>,
        at_ms: u64,
    },
    /// These nodes moved from active to suspended.
    Suspended(Vec<usize>),
    /// These nodes moved from suspended to active.
    Resumed(Vec<usize>),
}

/// Mutations not yet handed to the persister, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    on: bool,
    entries: Vec<Mutation>,
}

impl Journal {
    /// Starts recording.
    pub(crate) fn enable(&mut self) {
        self.on = true;
    }

    /// Records `mutation` if recording.
    pub(crate) fn note(&mut self, mutation: Mutation) {
        if self.on {
            self.entries.push(mutation);
        }
    }

    /// Records the mutation `make` builds, building it only if recording.
    pub(crate) fn note_with(&mut self, make: impl FnOnce() -> Mutation) {
        if self.on {
            self.entries.push(make());
        }
    }

    /// Whether nothing is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Everything waiting, leaving the journal empty.
    pub(crate) fn take(&mut self) -> Vec<Mutation> {
        std::mem::take(&mut self.entries)
    }
}
