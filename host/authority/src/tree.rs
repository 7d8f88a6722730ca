//! The in-memory session tree behind [`Engine`](crate::Engine): nodes in a
//! slab indexed by id, lazy expiry and lease checks, subtree cascades, and
//! the deadline heaps the sweeper pops from.
//!
//! Invariants: a node's `children` lists only its non-terminated children; a
//! terminated node's whole subtree is terminated; a suspended node's whole
//! subtree is suspended or terminated; no child is added under a node that is
//! not live. Nodes are never removed (terminated ids stay queryable).
//!
//! Delegation: `edges` is the registry of delegation edges (see
//! [`crate::edges`]); a node lists the edges it presents and the edges it
//! issued. Terminating and suspending follow those links as well as the
//! tree (see [`crate::cascade`]).
//!
//! Heap invariants: `ttl` holds exactly the non-terminated tasks, at their
//! own expiry; `leases` holds exactly the active services, at their current
//! lease deadline. Every cascade and renewal keeps them so, which is what
//! lets the lazy paths and [`Tree::sweep`] agree.

use std::sync::Arc;

use crate::deadlines::DeadlineHeap;
use crate::edges::Edge;
use crate::edges::Edges;
use crate::engine::EngineConfig;
use crate::error::{AuthorityError, gone};
use crate::grant::Authority;
use crate::hash::IdMap;
use crate::journal::{Journal, Mutation};
use crate::session::{Lease, Lifecycle, SessionId, SessionStatus, SessionView};

/// A service lease as the engine keeps it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LeaseState {
    pub(crate) deadline_ms: u64,
    pub(crate) generation: u64,
}

/// One context: a root or a session.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) id: SessionId,
    pub(crate) parent: Option<usize>,
    pub(crate) children: Vec<usize>,
    pub(crate) lifecycle: Option<Lifecycle>,
    pub(crate) status: SessionStatus,
    pub(crate) labels: Vec<String>,
    pub(crate) trace_id: [u8; 16],
    pub(crate) depth: u32,
    /// The task's own expiry (`None` for roots and services).
    pub(crate) expires_at_ms: Option<u64>,
    /// When the node ends at the latest: its own expiry, else the nearest
    /// ancestor's. Equal to or earlier than every ancestor's.
    pub(crate) end_ms: Option<u64>,
    /// Whether the node or an ancestor is a service (lease checks needed).
    pub(crate) leased: bool,
    pub(crate) lease: Option<LeaseState>,
    /// The effective authority: the intersection of the presented edges
    /// (the application's own with none; `None` after `grant none`).
    pub(crate) authority: Option<Authority>,
    pub(crate) created_at_ms: u64,
    /// When the node was terminated (`None` while it is not, or when it was
    /// loaded terminated); what [`Tree::compact`] goes by.
    pub(crate) ended_at_ms: Option<u64>,
    /// The application the node's root belongs to.
    pub(crate) application: Arc<str>,
    /// Edges the node presents (edge indexes), oldest first; the last is
    /// the primary one its envelope names.
    pub(crate) presents: Vec<usize>,
    /// Edges the node issued (edge indexes).
    pub(crate) issued: Vec<usize>,
    /// Suspended by an operator (not only with a lapsed lease).
    pub(crate) held: bool,
    /// The edge whose revocation terminated the node.
    pub(crate) revoked_by: Option<usize>,
    /// Owned by another host sharing the store: its lease is renewed there,
    /// so it is never lease-swept here (its status arrives from the
    /// store's change feed).
    pub(crate) remote: bool,
}

/// A node's liveness at some instant, before lazy effects are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Health {
    Live,
    Terminated,
    Suspended,
    /// The node's life ended; the payload is the topmost expired node, whose
    /// subtree is to be terminated.
    Expired(usize),
    /// A lease on the node or an ancestor lapsed; the payload is the topmost
    /// lapsed service, whose subtree is to be suspended.
    Lapsed(usize),
}

/// A remote session waiting for the edges it presents. Until they arrive
/// it holds no authority here (resource calls fail closed rather than go
/// unmetered); its record's authority is kept aside.
#[derive(Debug)]
pub(crate) struct UnlinkedRemote {
    pub(crate) node: usize,
    pub(crate) presents: Vec<String>,
    pub(crate) authority: Option<Authority>,
}

/// All contexts of one engine.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub(crate) nodes: Vec<Node>,
    pub(crate) index: IdMap<SessionId, usize>,
    /// Task expiries, keyed by node index.
    pub(crate) ttl: DeadlineHeap,
    /// Service lease deadlines, keyed by node index.
    pub(crate) leases: DeadlineHeap,
    /// Every delegation edge.
    pub(crate) edges: Edges,
    /// Changes not yet written to the persister.
    pub(crate) journal: Journal,
    /// Remote sessions whose presented edges had not arrived from the
    /// change feed when they did (a session's row is committed before its
    /// edge's); linked as soon as the last of them arrives.
    pub(crate) unlinked_remote: Vec<UnlinkedRemote>,
    /// Bumped whenever a session stops being active (terminated, revoked,
    /// suspended): the engine tells its [`Engine::on_authority_lost`]
    /// listeners when a write changed it.
    ///
    /// [`Engine::on_authority_lost`]: crate::Engine::on_authority_lost
    pub(crate) losses: u64,
}

impl Tree {
    pub(crate) fn find(&self, id: &SessionId) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub(crate) fn node(&self, idx: usize) -> &Node {
        &self.nodes[idx]
    }

    pub(crate) fn node_mut(&mut self, idx: usize) -> &mut Node {
        &mut self.nodes[idx]
    }

    /// Every node, oldest first.
    pub(crate) fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Adds a node and links it under its parent.
    pub(crate) fn insert(&mut self, node: Node) -> usize {
        let idx = self.nodes.len();
        if let Some(parent) = node.parent {
            self.nodes[parent].children.push(idx);
        }
        self.index.insert(node.id.clone(), idx);
        if let Some(expires_at_ms) = node.expires_at_ms {
            self.ttl.set(idx, expires_at_ms);
        }
        if let Some(lease) = node.lease
            && !node.remote
        {
            self.leases.set(idx, lease.deadline_ms);
        }
        self.nodes.push(node);
        self.journal.note(Mutation::Inserted(idx));
        idx
    }

    /// Removes the newest node, `idx`, with no children (undoing an
    /// [`Tree::insert`] a store refused).
    pub(crate) fn pop_node(&mut self, idx: usize) {
        debug_assert_eq!(idx + 1, self.nodes.len());
        if let Some(parent) = self.nodes[idx].parent {
            self.nodes[parent].children.retain(|&c| c != idx);
        }
        self.ttl.remove(idx);
        self.leases.remove(idx);
        if let Some(node) = self.nodes.pop() {
            self.index.remove(&node.id);
        }
    }

    /// Registers a delegation edge (its id must be fresh).
    pub(crate) fn push_edge(&mut self, edge: Edge) -> usize {
        let idx = self.edges.push(edge);
        self.journal.note(Mutation::EdgeInserted(idx));
        idx
    }

    /// Replaces the lease of the live service `idx` and moves its deadline.
    pub(crate) fn renew(&mut self, idx: usize, lease: LeaseState) {
        self.nodes[idx].lease = Some(lease);
        self.leases.set(idx, lease.deadline_ms);
    }

    /// Liveness at `now_ms`; allocation-free.
    pub(crate) fn health(&self, idx: usize, now_ms: u64) -> Health {
        let node = &self.nodes[idx];
        if node.status == SessionStatus::Terminated {
            return Health::Terminated;
        }
        if ended(node, now_ms) {
            // `end_ms` never increases down the tree, so the expired nodes
            // form an unbroken chain upwards from this one.
            let mut top = idx;
            while let Some(up) = self.nodes[top].parent {
                if !ended(&self.nodes[up], now_ms) {
                    break;
                }
                top = up;
            }
            return Health::Expired(top);
        }
        if node.status == SessionStatus::Suspended {
            return Health::Suspended;
        }
        if node.leased {
            let mut lapsed = None;
            let mut at = Some(idx);
            while let Some(i) = at {
                let n = &self.nodes[i];
                if !n.remote && n.lease.is_some_and(|l| now_ms >= l.deadline_ms) {
                    lapsed = Some(i);
                }
                if !n.leased {
                    break;
                }
                at = n.parent;
            }
            if let Some(top) = lapsed {
                return Health::Lapsed(top);
            }
        }
        Health::Live
    }

    /// Applies lazy expiry and lease loss to `idx` and reports whether it is
    /// live: `Ok` if so, else `Gone`.
    pub(crate) fn settle(&mut self, idx: usize, now_ms: u64) -> Result<(), AuthorityError> {
        let health = self.health(idx, now_ms);
        self.apply(health, now_ms);
        self.outcome(idx, health)
    }

    /// Carries out the effect a [`Health`] (taken at `now_ms`) calls for,
    /// if any.
    pub(crate) fn apply(&mut self, health: Health, now_ms: u64) {
        match health {
            Health::Expired(top) => self.terminate(top, now_ms),
            Health::Lapsed(top) => self.suspend(top),
            Health::Live | Health::Terminated | Health::Suspended => {}
        }
    }

    /// The result [`Tree::settle`] reports for `health`.
    pub(crate) fn outcome(&self, idx: usize, health: Health) -> Result<(), AuthorityError> {
        let node = &self.nodes[idx];
        let id = &node.id;
        match health {
            Health::Live => Ok(()),
            Health::Terminated => match node.revoked_by {
                Some(edge) => Err(gone(format!(
                    "session `{id}` is revoked: delegation `{}` was revoked",
                    self.edges.get(edge).id
                ))),
                None => Err(gone(format!("session `{id}` is terminated"))),
            },
            Health::Suspended if node.held => {
                Err(gone(format!("session `{id}` is suspended by an operator")))
            }
            Health::Suspended => Err(gone(format!("session `{id}` is suspended"))),
            Health::Expired(top) if top == idx => Err(gone(format!("session `{id}` has expired"))),
            Health::Expired(top) => Err(gone(format!(
                "session `{id}` ended with its expired ancestor `{}`",
                self.nodes[top].id
            ))),
            Health::Lapsed(top) if top == idx => Err(gone(format!(
                "session `{id}` is suspended: its lease lapsed"
            ))),
            Health::Lapsed(top) => Err(gone(format!(
                "session `{id}` is suspended: the lease of its ancestor `{}` lapsed",
                self.nodes[top].id
            ))),
        }
    }

    /// Terminates the children of `idx` whose life has ended.
    pub(crate) fn sweep_children(&mut self, idx: usize, now_ms: u64) {
        let expired: Vec<usize> = self.nodes[idx]
            .children
            .iter()
            .copied()
            .filter(|&c| ended(&self.nodes[c], now_ms))
            .collect();
        for child in expired {
            self.terminate(child, now_ms);
        }
    }

    /// Children of `idx` that are live (active or suspended) at `now_ms`.
    pub(crate) fn live_children(&self, idx: usize, now_ms: u64) -> usize {
        self.nodes[idx]
            .children
            .iter()
            .filter(|&&c| !ended(&self.nodes[c], now_ms))
            .count()
    }

    /// The root whose tree `idx` is in.
    pub(crate) fn root_of(&self, mut idx: usize) -> usize {
        while let Some(parent) = self.nodes[idx].parent {
            idx = parent;
        }
        idx
    }

    /// Live sessions in the tree under `root` (itself not counted),
    /// counted no further than `cap`: a spawn pays for at most `cap` steps.
    pub(crate) fn live_under(&self, root: usize, now_ms: u64, cap: usize) -> usize {
        let mut count = 0;
        let mut stack = vec![root];
        while let Some(idx) = stack.pop() {
            for &child in &self.nodes[idx].children {
                let node = &self.nodes[child];
                if node.status == SessionStatus::Terminated || ended(node, now_ms) {
                    continue;
                }
                count += 1;
                if count >= cap {
                    return count;
                }
                stack.push(child);
            }
        }
        count
    }

    /// Non-root nodes that are live (active or suspended) at `now_ms`.
    pub(crate) fn live_count(&self, now_ms: u64) -> usize {
        self.live_nodes(now_ms).count()
    }

    /// Indexes of the non-root nodes live (active or suspended) at `now_ms`,
    /// in insertion order.
    pub(crate) fn live_nodes(&self, now_ms: u64) -> impl Iterator<Item = usize> + '_ {
        self.nodes.iter().enumerate().filter_map(move |(idx, n)| {
            let live =
                n.parent.is_some() && n.status != SessionStatus::Terminated && !ended(n, now_ms);
            live.then_some(idx)
        })
    }

    /// A snapshot of `idx` as it stands (apply lazy effects first).
    pub(crate) fn view(&self, idx: usize, config: &EngineConfig) -> SessionView {
        let node = &self.nodes[idx];
        SessionView {
            id: node.id.clone(),
            zone_id: config.zone_id.clone(),
            application_id: node.application.to_string(),
            parent: node.parent.map(|p| self.nodes[p].id.clone()),
            is_root: node.parent.is_none(),
            lifecycle: node.lifecycle,
            status: node.status,
            labels: node.labels.clone(),
            trace_id: node.trace_id,
            depth: node.depth,
            expires_at_ms: node.expires_at_ms,
            lease: node.lease.map(|l| Lease {
                deadline_ms: l.deadline_ms,
                generation: l.generation,
                status: node.status,
            }),
            authority: node.authority.clone(),
            created_at_ms: node.created_at_ms,
        }
    }
}

/// Whether a node's life (its own or an ancestor's expiry) is over.
pub(crate) fn ended(node: &Node, now_ms: u64) -> bool {
    node.end_ms.is_some_and(|end| now_ms >= end)
}
