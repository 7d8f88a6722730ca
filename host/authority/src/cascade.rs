//! Cascades over sessions and delegation edges: what a termination, a
//! revocation, a suspension or a resume reaches.
//!
//! Authority flows down the session tree (inherit, narrow, accept all make
//! the receiving context a child) and across it along peer delegation
//! edges. A cascade therefore follows both: from a session to its whole
//! subtree, from every session reached to the edges it issued, and from
//! every edge reached to the sessions holding it (with their subtrees).
//! Revoking an edge is the same walk started at the edge; terminating a
//! session is the walk started at the session. Because an edge always ends
//! with its issuer, "every edge derived from a revoked one" needs no
//! separate walk: a derived edge was issued by a session presenting the
//! revoked one, and that session is reached.
//!
//! [`Tree::reach`] only reads, so [`Engine::impact`](crate::Engine::impact)
//! predicts exactly what a revocation then does.

use std::collections::VecDeque;

use crate::edges::Stage;
use crate::hash::IdSet;
use crate::journal::Mutation;
use crate::session::SessionStatus;
use crate::tree::{LeaseState, Node, Tree, ended};

/// The sessions and edges a cascade reaches, in the order it reaches them.
#[derive(Debug, Default)]
pub(crate) struct Reach {
    /// Non-revoked edges reached (edge indexes).
    pub(crate) edges: Vec<usize>,
    /// Non-terminated sessions reached (node indexes), each with the edge
    /// through which it was reached (`None` from a starting session).
    pub(crate) nodes: Vec<(usize, Option<usize>)>,
}

impl Tree {
    /// Everything reached from the sessions `tops` and the edges `edges`:
    /// the subtree of each session (top first), the edges issued by every
    /// session reached, and the holders of every edge reached with their
    /// subtrees. Terminated sessions and revoked edges stop the walk.
    pub(crate) fn reach(&self, tops: &[usize], edges: &[usize]) -> Reach {
        let mut reach = Reach::default();
        let mut seen_nodes = IdSet::default();
        let mut seen_edges = IdSet::default();
        let mut pending: Vec<(usize, Option<usize>)> = tops.iter().map(|&t| (t, None)).collect();
        let mut queue = VecDeque::new();
        for &e in edges {
            if self.edges.get(e).stage != Stage::Revoked && seen_edges.insert(e) {
                queue.push_back(e);
            }
        }
        loop {
            // Drain the pending subtrees first, so each edge's holders are
            // listed together.
            while let Some((top, via)) = pending.pop() {
                let mut stack = vec![top];
                while let Some(i) = stack.pop() {
                    let node = self.node(i);
                    if node.status == SessionStatus::Terminated || !seen_nodes.insert(i) {
                        continue;
                    }
                    reach.nodes.push((i, via));
                    stack.extend_from_slice(&node.children);
                    for &e in &node.issued {
                        if self.edges.get(e).stage != Stage::Revoked && seen_edges.insert(e) {
                            queue.push_back(e);
                        }
                    }
                }
            }
            let Some(e) = queue.pop_front() else {
                break;
            };
            reach.edges.push(e);
            // Holders are pushed in reverse so they are walked in order.
            pending.extend(
                self.edges
                    .get(e)
                    .holders
                    .iter()
                    .rev()
                    .map(|&h| (h, Some(e))),
            );
        }
        reach
    }

    /// Revokes the edges and terminates the sessions of `reach` at `now_ms`,
    /// calling `on` for each session terminated.
    pub(crate) fn take_down(&mut self, reach: &Reach, now_ms: u64, mut on: impl FnMut(&Node)) {
        for &e in &reach.edges {
            let edge = self.edges.get_mut(e);
            edge.stage = Stage::Revoked;
            edge.revoked_at_ms = Some(now_ms);
        }
        for &(i, via) in &reach.nodes {
            if let Some(parent) = self.node(i).parent {
                self.node_mut(parent).children.retain(|&c| c != i);
            }
            let node = self.node_mut(i);
            node.status = SessionStatus::Terminated;
            node.ended_at_ms = Some(now_ms);
            node.children.clear();
            node.revoked_by = via;
            on(node);
            self.ttl.remove(i);
            self.leases.remove(i);
        }
        if !reach.nodes.is_empty() {
            self.losses += 1;
        }
        if !reach.nodes.is_empty() || !reach.edges.is_empty() {
            self.journal.note_with(|| Mutation::Ended {
                nodes: reach.nodes.iter().map(|&(i, _)| i).collect(),
                edges: reach.edges.clone(),
                at_ms: now_ms,
            });
        }
    }

    /// Terminates `top` and its whole subtree, unlinking `top` from its
    /// parent; the edges they issued are revoked and the contexts holding
    /// those are terminated in turn.
    pub(crate) fn terminate(&mut self, top: usize, now_ms: u64) {
        self.terminate_with(top, now_ms, |_| {});
    }

    /// [`Tree::terminate`], calling `on` for each session it terminates
    /// (every one was live), `top` first.
    pub(crate) fn terminate_with(&mut self, top: usize, now_ms: u64, on: impl FnMut(&Node)) {
        let node = self.node(top);
        if node.status == SessionStatus::Terminated {
            return;
        }
        let reach = if node.children.is_empty() && node.issued.is_empty() {
            // A leaf that issued nothing reaches only itself (the common
            // close), without the walk's sets and queues.
            Reach {
                edges: Vec::new(),
                nodes: vec![(top, None)],
            }
        } else {
            self.reach(&[top], &[])
        };
        self.take_down(&reach, now_ms, on);
    }

    /// Suspends `top` and every active session of its subtree, and the
    /// contexts holding edges those issued (with their subtrees).
    pub(crate) fn suspend(&mut self, top: usize) {
        self.suspend_with(top, |_| {});
    }

    /// [`Tree::suspend`], calling `on` for each session it moves from
    /// active to suspended, `top` first. Suspended tasks keep their expiry;
    /// suspended services leave the lease heap (a lapsed lease has no
    /// deadline left).
    pub(crate) fn suspend_with(&mut self, top: usize, mut on: impl FnMut(&Node)) {
        let reach = self.reach(&[top], &[]);
        let mut moved = Vec::new();
        for &(i, _) in &reach.nodes {
            let node = self.node_mut(i);
            if node.status == SessionStatus::Active {
                node.status = SessionStatus::Suspended;
                on(node);
                moved.push(i);
            }
            self.leases.remove(i);
        }
        if !moved.is_empty() {
            self.losses += 1;
            self.journal.note(Mutation::Suspended(moved));
        }
    }

    /// Moves `top` (suspended) and what its suspension reached back to
    /// active at `now_ms`. A session is resumed only once everything its
    /// authority comes from is active again: its parent and the issuers of
    /// the edges it presents. Sessions an operator suspended on their
    /// own (other than `top`) stay suspended with what they reach, and so
    /// do sessions whose life has ended (the sweeper terminates them).
    /// Services get a fresh lease of `lease_ms` (same generation). Returns
    /// the sessions resumed, `top` first.
    pub(crate) fn resume(&mut self, top: usize, now_ms: u64, lease_ms: u64) -> Vec<usize> {
        self.node_mut(top).held = false;
        let mut resumed = Vec::new();
        let mut queue = VecDeque::from([top]);
        while let Some(i) = queue.pop_front() {
            let node = self.node(i);
            if node.status != SessionStatus::Suspended
                || (i != top && node.held)
                || ended(node, now_ms)
                || !self.sources_active(i)
            {
                continue;
            }
            let lease = node.lease.map(|l| LeaseState {
                deadline_ms: now_ms.saturating_add(lease_ms),
                generation: l.generation,
            });
            self.node_mut(i).status = SessionStatus::Active;
            if let Some(lease) = lease {
                self.renew(i, lease);
            }
            resumed.push(i);
            let node = self.node(i);
            queue.extend(node.children.iter().copied());
            for &e in &node.issued {
                let edge = self.edges.get(e);
                if edge.stage != Stage::Revoked {
                    queue.extend(edge.holders.iter().copied());
                }
            }
        }
        if !resumed.is_empty() {
            self.journal
                .note_with(|| Mutation::Resumed(resumed.clone()));
        }
        resumed
    }

    /// Whether the parent of `idx` and the issuers of the edges it presents
    /// are all active (a narrow edge's issuer is an ancestor, so only peer
    /// edges can add anything to the parent's check).
    pub(crate) fn sources_active(&self, idx: usize) -> bool {
        let node = self.node(idx);
        let active = |i: usize| self.node(i).status == SessionStatus::Active;
        node.parent.is_none_or(active)
            && node
                .presents
                .iter()
                .all(|&e| active(self.edges.get(e).issuer))
    }
}
