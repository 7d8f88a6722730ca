//! Forgetting what ended long ago, so a long-running host's memory tracks
//! its live sessions rather than every session it ever had: sessions
//! terminated before a cutoff, and the edges only they used, are dropped
//! from memory (the store, if any, keeps them), unless something kept still
//! points at them (a live session's ancestor, an edge's issuer or
//! receiver, the edge a kept session presents or was revoked through).
//!
//! Node and edge indexes are positions in vectors, so a compaction copies
//! what it keeps into fresh vectors and renumbers every reference; it runs
//! under the write lock, in time linear in the tree.

use crate::deadlines::DeadlineHeap;
use crate::edges::Stage;
use crate::session::SessionStatus;
use crate::tree::Tree;

/// What a compaction forgot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compaction {
    /// Sessions dropped from memory.
    pub sessions: usize,
    /// Delegation edges dropped from memory.
    pub edges: usize,
    /// The ids of those edges (their call meters go too).
    pub edge_ids: Vec<String>,
}

/// `old index → new index` for a keep mask.
fn renumbering(keep: &[bool]) -> Vec<Option<usize>> {
    let mut next = 0;
    keep.iter()
        .map(|&kept| {
            kept.then(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

impl Tree {
    /// Drops the sessions terminated at or before `cutoff_ms` and the edges
    /// revoked by then or received by such sessions, except what a kept
    /// session or edge refers to.
    pub(crate) fn compact(&mut self, cutoff_ms: u64) -> Compaction {
        let (keep_nodes, keep_edges) = self.retained(cutoff_ms);
        if keep_nodes.iter().all(|&k| k) && keep_edges.iter().all(|&k| k) {
            return Compaction::default();
        }
        let nodes = renumbering(&keep_nodes);
        let edges = renumbering(&keep_edges);
        let kept = |map: &[Option<usize>], i: usize| {
            map[i].expect("a kept item refers only to kept items")
        };

        let old_nodes = std::mem::take(&mut self.nodes);
        let mut compaction = Compaction {
            sessions: old_nodes.len(),
            ..Compaction::default()
        };
        self.nodes = Vec::with_capacity(keep_nodes.iter().filter(|&&k| k).count());
        for (i, mut node) in old_nodes.into_iter().enumerate() {
            if !keep_nodes[i] {
                continue;
            }
            node.parent = node.parent.map(|p| kept(&nodes, p));
            node.children = node.children.iter().filter_map(|&c| nodes[c]).collect();
            node.presents = node.presents.iter().map(|&e| kept(&edges, e)).collect();
            node.issued = node.issued.iter().filter_map(|&e| edges[e]).collect();
            node.revoked_by = node.revoked_by.map(|e| kept(&edges, e));
            self.nodes.push(node);
        }
        compaction.sessions -= self.nodes.len();
        self.index.retain(|_, idx| match nodes[*idx] {
            Some(new) => {
                *idx = new;
                true
            }
            None => false,
        });
        self.index.shrink_to_fit();

        compaction.edge_ids = self.edges.compact(&keep_edges, |edge| {
            edge.issuer = kept(&nodes, edge.issuer);
            edge.receiver = kept(&nodes, edge.receiver);
            edge.parent = edge.parent.map(|p| kept(&edges, p));
            edge.holders = edge.holders.iter().filter_map(|&h| nodes[h]).collect();
        });
        compaction.edges = compaction.edge_ids.len();

        self.ttl = renumbered(&self.ttl, &nodes);
        self.leases = renumbered(&self.leases, &nodes);
        // A remote session still waiting for its edges when it ended long
        // ago waits no more.
        self.unlinked_remote
            .retain_mut(|waiting| match nodes[waiting.node] {
                Some(new) => {
                    waiting.node = new;
                    true
                }
                None => false,
            });
        compaction
    }

    /// Which nodes and edges stay: everything not ended by `cutoff_ms`,
    /// plus whatever a kept node or edge points at, transitively.
    fn retained(&self, cutoff_ms: u64) -> (Vec<bool>, Vec<bool>) {
        let forgettable = |status: SessionStatus, ended: Option<u64>| {
            status == SessionStatus::Terminated && ended.is_some_and(|at| at <= cutoff_ms)
        };
        let mut keep_nodes: Vec<bool> = self
            .nodes
            .iter()
            .map(|n| !forgettable(n.status, n.ended_at_ms))
            .collect();
        let mut keep_edges: Vec<bool> = self
            .edges
            .iter()
            .map(|e| {
                let revoked_long_ago =
                    e.stage == Stage::Revoked && e.revoked_at_ms.is_some_and(|at| at <= cutoff_ms);
                !revoked_long_ago && keep_nodes[e.receiver]
            })
            .collect();
        // Pointers from kept items pin what they point at.
        let mut nodes: Vec<usize> = (0..keep_nodes.len()).filter(|&i| keep_nodes[i]).collect();
        let mut edges: Vec<usize> = (0..keep_edges.len()).filter(|&e| keep_edges[e]).collect();
        let pin_node = |i: usize, keep: &mut Vec<bool>, work: &mut Vec<usize>| {
            if !keep[i] {
                keep[i] = true;
                work.push(i);
            }
        };
        while !nodes.is_empty() || !edges.is_empty() {
            while let Some(i) = nodes.pop() {
                let node = &self.nodes[i];
                if let Some(parent) = node.parent {
                    pin_node(parent, &mut keep_nodes, &mut nodes);
                }
                for &e in node.presents.iter().chain(&node.revoked_by) {
                    pin_node(e, &mut keep_edges, &mut edges);
                }
            }
            while let Some(e) = edges.pop() {
                let edge = self.edges.get(e);
                pin_node(edge.issuer, &mut keep_nodes, &mut nodes);
                pin_node(edge.receiver, &mut keep_nodes, &mut nodes);
                if let Some(parent) = edge.parent {
                    pin_node(parent, &mut keep_edges, &mut edges);
                }
            }
        }
        (keep_nodes, keep_edges)
    }
}

/// `heap` with its keys renumbered; entries of dropped keys go.
fn renumbered(heap: &DeadlineHeap, map: &[Option<usize>]) -> DeadlineHeap {
    let mut fresh = DeadlineHeap::default();
    for (deadline, key) in heap.entries() {
        if let Some(new) = map[key] {
            fresh.set(new, deadline);
        }
    }
    fresh
}
