//! The delegation edge registry kept beside the session tree (under the
//! same lock): every edge a narrow grant or a peer delegation made, never
//! removed, so revoked and expired edges stay queryable for audit.
//!
//! Invariants, kept by the cascades in [`crate::cascade`]:
//! - an edge whose issuer is terminated is revoked;
//! - every holder of a revoked edge is terminated;
//! - every session presenting an edge is a holder of it or a descendant of
//!   one (presented edges only pass down the tree).

use crate::delegation::{EdgeKind, EdgeState};
use crate::grant::Authority;
use crate::hash::IdMap;

/// Where an edge is in its life, as stored (expiry is derived from the
/// clock when viewed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Issued to a receiver that has not accepted it yet.
    Offered,
    /// Accepted (peer delegation) or made accepted (narrow grant).
    Accepted,
    /// Revoked, explicitly or with its issuer or an upstream edge.
    Revoked,
}

/// One delegation edge.
#[derive(Debug)]
pub(crate) struct Edge {
    pub(crate) id: String,
    pub(crate) kind: EdgeKind,
    /// The session that issued the edge (node index).
    pub(crate) issuer: usize,
    /// The edge it was narrowed from; `None` when the issuer held the
    /// application's own authority.
    pub(crate) parent: Option<usize>,
    /// The session the edge is addressed to (node index).
    pub(crate) receiver: usize,
    /// Sessions presenting the edge directly: the narrowed child, or the
    /// context an accept derived.
    pub(crate) holders: Vec<usize>,
    /// The edge's own authority (not intersected with anything).
    pub(crate) authority: Authority,
    pub(crate) stage: Stage,
    pub(crate) created_at_ms: u64,
    pub(crate) accepted_at_ms: Option<u64>,
    pub(crate) revoked_at_ms: Option<u64>,
}

impl Edge {
    /// The state a reader sees at `now_ms`: an edge past its expiry that
    /// was never revoked reads as expired.
    pub(crate) fn state(&self, now_ms: u64) -> EdgeState {
        match self.stage {
            Stage::Revoked => EdgeState::Revoked,
            _ if self.authority.is_expired(now_ms) => EdgeState::Expired,
            Stage::Offered => EdgeState::Offered,
            Stage::Accepted => EdgeState::Accepted,
        }
    }
}

/// All edges of one engine, indexed by id.
#[derive(Debug, Default)]
pub(crate) struct Edges {
    list: Vec<Edge>,
    index: IdMap<String, usize>,
}

impl Edges {
    pub(crate) fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub(crate) fn get(&self, idx: usize) -> &Edge {
        &self.list[idx]
    }

    pub(crate) fn get_mut(&mut self, idx: usize) -> &mut Edge {
        &mut self.list[idx]
    }

    /// Registers an edge; its id must be fresh.
    pub(crate) fn push(&mut self, edge: Edge) -> usize {
        let idx = self.list.len();
        self.index.insert(edge.id.clone(), idx);
        self.list.push(edge);
        idx
    }

    /// Removes the newest edge (undoing a [`Edges::push`] a store refused).
    pub(crate) fn pop(&mut self) {
        if let Some(edge) = self.list.pop() {
            self.index.remove(&edge.id);
        }
    }

    /// Keeps the edges whose `keep` entry is set, in order, passing each to
    /// `renumber` to fix its references; returns the ids of those dropped.
    pub(crate) fn compact(
        &mut self,
        keep: &[bool],
        mut renumber: impl FnMut(&mut Edge),
    ) -> Vec<String> {
        let mut dropped = Vec::new();
        let old = std::mem::take(&mut self.list);
        self.list = Vec::with_capacity(keep.iter().filter(|&&k| k).count());
        for (i, mut edge) in old.into_iter().enumerate() {
            if keep[i] {
                renumber(&mut edge);
                self.list.push(edge);
            } else {
                dropped.push(edge.id);
            }
        }
        self.index = self
            .list
            .iter()
            .enumerate()
            .map(|(i, edge)| (edge.id.clone(), i))
            .collect();
        dropped
    }

    /// Every edge, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Edge> {
        self.list.iter()
    }
}
