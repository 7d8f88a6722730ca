//! Write-through to a [`Persister`] and rebuilding from one: the write
//! guard that drains the tree's journal into [`StateChange`]s,
//! [`Engine::restore`] for a restarting host and [`Engine::apply_remote`]
//! for changes other hosts made to a shared store.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use parking_lot::{RwLockUpgradableReadGuard, RwLockWriteGuard};

use crate::durable::{
    DurableEdge, DurableEdgeStage, DurableSession, Persister, RestoreReport, StateChange,
};
use crate::edges::{Edge, Stage};
use crate::error::AuthorityError;
use crate::journal::Mutation;
use crate::session::{Lease, Lifecycle, SessionId, SessionStatus};
use crate::tree::{LeaseState, Node, Tree, UnlinkedRemote};

use super::Engine;

/// The engine's write lock. Changes recorded while it is held are written
/// to the persister by [`TreeGuard::commit`], or when the guard drops
/// (errors then go to [`Persister::write_failed`]).
///
/// While the persister writes, the lock is held as an upgradable read:
/// readers go on (they may see the change before it is durable; the caller
/// hears of it only after), other writers wait, so changes reach the store
/// in the order they were made. It is a write lock again when `commit`
/// returns (a refused insert is then rolled back).
pub(crate) struct TreeGuard<'a> {
    /// Always `Some` outside [`TreeGuard::commit`].
    pub(super) tree: Option<RwLockWriteGuard<'a, Tree>>,
    pub(super) persister: Option<&'a Arc<dyn Persister>>,
    /// The clock when the lock was taken: the operation's "now".
    pub(super) now_ms: u64,
    /// [`Tree::losses`] when the guard was taken.
    pub(super) losses_before: u64,
    pub(super) lost_listeners: &'a LostListeners,
}

/// Who is told when a session stops being active.
pub(crate) type LostListeners = parking_lot::RwLock<Vec<Arc<dyn Fn() + Send + Sync>>>;

impl Deref for TreeGuard<'_> {
    type Target = Tree;

    fn deref(&self) -> &Tree {
        self.tree.as_ref().expect("the guard holds the lock")
    }
}

impl DerefMut for TreeGuard<'_> {
    fn deref_mut(&mut self) -> &mut Tree {
        self.tree.as_mut().expect("the guard holds the lock")
    }
}

impl TreeGuard<'_> {
    /// Writes what was changed so far; the error is the operation's.
    pub(crate) fn commit(&mut self) -> Result<(), AuthorityError> {
        let Some(persister) = self.persister else {
            return Ok(());
        };
        if self.journal.is_empty() {
            return Ok(());
        }
        let mutations = self.journal.take();
        let changes: Vec<StateChange> = mutations
            .into_iter()
            .map(|m| change_of(self, m, self.now_ms))
            .collect();
        let write = self.tree.take().expect("the guard holds the lock");
        let reading = RwLockWriteGuard::downgrade_to_upgradable(write);
        let result = persister.persist(&changes);
        self.tree = Some(RwLockUpgradableReadGuard::upgrade(reading));
        result
    }

    /// Commits a spawn or accept that inserted node `idx` (and, for a
    /// narrow grant, edge `edge`); if the store refuses, both are taken
    /// back out of memory.
    pub(crate) fn commit_insert(
        &mut self,
        idx: usize,
        edge: Option<usize>,
    ) -> Result<(), AuthorityError> {
        let result = self.commit();
        if result.is_err() {
            if let Some(edge) = edge {
                let issuer = self.edges.get(edge).issuer;
                self.node_mut(issuer).issued.retain(|&e| e != edge);
                self.edges.pop();
            }
            self.pop_node(idx);
        }
        result
    }
}

impl Drop for TreeGuard<'_> {
    fn drop(&mut self) {
        if let Err(error) = self.commit()
            && let Some(persister) = self.persister
        {
            persister.write_failed(&error);
        }
        let lost = self
            .tree
            .as_ref()
            .is_some_and(|tree| tree.losses != self.losses_before);
        if lost {
            // Told after the lock is released: a listener may read.
            drop(self.tree.take());
            for listener in self.lost_listeners.read().iter() {
                listener();
            }
        }
    }
}

/// The public form of one journal entry.
fn change_of(tree: &Tree, mutation: Mutation, now_ms: u64) -> StateChange {
    let id = |i: usize| tree.node(i).id.clone();
    match mutation {
        Mutation::Inserted(idx) => StateChange::SessionCreated(durable_session(tree, idx)),
        Mutation::EdgeInserted(e) => StateChange::EdgeCreated(durable_edge(tree, e)),
        Mutation::EdgeAccepted(e) => StateChange::EdgeAccepted {
            edge: tree.edges.get(e).id.clone(),
            at_ms: tree.edges.get(e).accepted_at_ms.unwrap_or(now_ms),
        },
        Mutation::Ended {
            nodes,
            edges,
            at_ms,
        } => StateChange::Ended {
            sessions: nodes.into_iter().map(id).collect(),
            edges: edges
                .into_iter()
                .map(|e| tree.edges.get(e).id.clone())
                .collect(),
            at_ms,
        },
        Mutation::Suspended(nodes) => StateChange::Suspended {
            sessions: nodes.into_iter().map(id).collect(),
            at_ms: now_ms,
        },
        Mutation::Resumed(nodes) => StateChange::Resumed {
            sessions: nodes
                .into_iter()
                .map(|i| (id(i), lease_of(tree.node(i))))
                .collect(),
            at_ms: now_ms,
        },
    }
}

fn lease_of(node: &Node) -> Option<Lease> {
    node.lease.map(|l| Lease {
        deadline_ms: l.deadline_ms,
        generation: l.generation,
        status: node.status,
    })
}

fn durable_session(tree: &Tree, idx: usize) -> DurableSession {
    let node = tree.node(idx);
    let mut root = idx;
    while let Some(up) = tree.node(root).parent {
        root = up;
    }
    DurableSession {
        id: node.id.clone(),
        parent: node.parent.map(|p| tree.node(p).id.clone()),
        root: tree.node(root).id.clone(),
        application_id: node.application.to_string(),
        lifecycle: node.lifecycle,
        status: node.status,
        labels: node.labels.clone(),
        trace_id: node.trace_id,
        depth: node.depth,
        expires_at_ms: node.expires_at_ms,
        lease: lease_of(node),
        authority: node.authority.clone(),
        presents: node
            .presents
            .iter()
            .map(|&e| tree.edges.get(e).id.clone())
            .collect(),
        created_at_ms: node.created_at_ms,
    }
}

fn durable_edge(tree: &Tree, e: usize) -> DurableEdge {
    let edge = tree.edges.get(e);
    let issuer = tree.node(edge.issuer);
    let receiver = tree.node(edge.receiver);
    DurableEdge {
        id: edge.id.clone(),
        kind: edge.kind,
        stage: match edge.stage {
            Stage::Offered => DurableEdgeStage::Offered,
            Stage::Accepted => DurableEdgeStage::Accepted,
            Stage::Revoked => DurableEdgeStage::Revoked,
        },
        issuer: issuer.id.clone(),
        issuer_application: issuer.application.to_string(),
        receiver: receiver.id.clone(),
        receiver_application: receiver.application.to_string(),
        parent_edge: edge.parent.map(|p| tree.edges.get(p).id.clone()),
        authority: edge.authority.clone(),
        created_at_ms: edge.created_at_ms,
        accepted_at_ms: edge.accepted_at_ms,
        revoked_at_ms: edge.revoked_at_ms,
    }
}

impl Engine {
    /// This engine, writing every state change through `persister` from
    /// now on (see [`Persister`]). Install it before the first operation,
    /// and [`Engine::restore`] what the store already holds.
    pub fn with_persister(mut self, persister: Arc<dyn Persister>) -> Engine {
        self.tree.get_mut().journal.enable();
        self.persister = Some(persister);
        self
    }

    /// The installed persister, if any.
    pub fn persister(&self) -> Option<&Arc<dyn Persister>> {
        self.persister.as_ref()
    }

    /// Rebuilds memory from a store's live state: `sessions` parents first
    /// and `edges` oldest first, as the store loads them. Sessions whose
    /// `host` ([`DurableSession`] owner, given by `is_local`) is another
    /// host are marked remote: their leases are renewed elsewhere and never
    /// swept here. Local services get one fresh lease period from now, so
    /// a restarted host's agents can re-attach them. Nothing is written.
    pub fn restore(
        &self,
        sessions: Vec<DurableSession>,
        edges: Vec<DurableEdge>,
        is_local: impl Fn(&SessionId) -> bool,
    ) -> RestoreReport {
        let mut guard = self.write();
        let tree = &mut *guard;
        let now = self.clock.now_ms();
        let mut report = RestoreReport::default();
        let mut presents = Vec::new();
        for session in sessions {
            if tree.find(&session.id).is_some() {
                continue;
            }
            let local = is_local(&session.id);
            match insert_durable(tree, &session, !local, now, self.lease_ms()) {
                Some(idx) => {
                    report.sessions += 1;
                    presents.push((idx, session.presents));
                }
                None => report.orphans.push(session.id),
            }
        }
        for edge in edges {
            if tree.edges.find(&edge.id).is_none() && insert_edge(tree, &edge) {
                report.edges += 1;
            }
        }
        link_presented(tree, presents, &mut report);
        // Restoring writes nothing back: the journal only saw inserts.
        let _ = tree.journal.take();
        report
    }

    /// Applies changes another host made to the shared store (from its
    /// change feed). Sessions and edges already known are skipped, and
    /// ends, suspensions and resumes already applied do nothing, so a host
    /// may see its own changes again. A cascade reaching further here than
    /// on the writing host (sessions this host has not yet told the store
    /// about) is written back through the persister.
    pub fn apply_remote(&self, changes: Vec<StateChange>) {
        let mut guard = self.write();
        let now = self.clock.now_ms();
        let lease_ms = self.lease_ms();
        for change in changes {
            let tree = &mut *guard;
            match change {
                StateChange::SessionCreated(session) => {
                    if tree.find(&session.id).is_none() {
                        let presents = session.presents.clone();
                        if let Some(idx) = insert_durable(tree, &session, true, now, lease_ms) {
                            let authority = tree.node_mut(idx).authority.take();
                            tree.unlinked_remote.push(UnlinkedRemote {
                                node: idx,
                                presents,
                                authority,
                            });
                            link_arrived(tree);
                        }
                        let _ = tree.journal.take();
                    }
                }
                StateChange::EdgeCreated(edge) => {
                    if tree.edges.find(&edge.id).is_none() {
                        insert_edge(tree, &edge);
                        link_arrived(tree);
                        let _ = tree.journal.take();
                    }
                }
                StateChange::EdgeAccepted { edge, at_ms } => {
                    if let Some(e) = tree.edges.find(&edge) {
                        let edge = tree.edges.get_mut(e);
                        if edge.stage == Stage::Offered {
                            edge.stage = Stage::Accepted;
                            edge.accepted_at_ms = Some(at_ms);
                        }
                    }
                }
                StateChange::Ended {
                    sessions,
                    edges,
                    at_ms,
                } => {
                    let tops: Vec<usize> = sessions.iter().filter_map(|id| tree.find(id)).collect();
                    let edges: Vec<usize> =
                        edges.iter().filter_map(|id| tree.edges.find(id)).collect();
                    let reach = tree.reach(&tops, &edges);
                    tree.take_down(&reach, at_ms.min(now), |_| {});
                }
                StateChange::Suspended { sessions, .. } => {
                    for id in &sessions {
                        if let Some(idx) = tree.find(id)
                            && tree.node(idx).status == SessionStatus::Active
                        {
                            tree.suspend(idx);
                        }
                    }
                }
                StateChange::Resumed { sessions, .. } => {
                    for (id, lease) in sessions {
                        let Some(idx) = tree.find(&id) else { continue };
                        if tree.node(idx).status != SessionStatus::Suspended {
                            continue;
                        }
                        tree.node_mut(idx).status = SessionStatus::Active;
                        tree.node_mut(idx).held = false;
                        if let Some(lease) = lease {
                            let state = LeaseState {
                                deadline_ms: lease.deadline_ms,
                                generation: lease.generation,
                            };
                            if tree.node(idx).remote {
                                tree.node_mut(idx).lease = Some(state);
                            } else {
                                tree.renew(idx, state);
                            }
                        }
                    }
                }
                StateChange::LeaseMoved {
                    session,
                    generation,
                } => {
                    if let Some(idx) = tree.find(&session)
                        && let Some(lease) = tree.node(idx).lease
                        && generation > lease.generation
                    {
                        tree.node_mut(idx).lease = Some(LeaseState {
                            deadline_ms: lease.deadline_ms,
                            generation,
                        });
                        tree.node_mut(idx).remote = true;
                        tree.leases.remove(idx);
                    }
                }
            }
        }
    }
}

/// Inserts a stored session (without its presented edges, linked later);
/// `None` when its parent is not here (it ended upstream).
fn insert_durable(
    tree: &mut Tree,
    session: &DurableSession,
    remote: bool,
    now_ms: u64,
    lease_ms: u64,
) -> Option<usize> {
    let parent = match &session.parent {
        Some(id) => Some(tree.find(id)?),
        None => None,
    };
    let parent_node = parent.map(|p| tree.node(p));
    if parent_node.is_some_and(|p| p.status == SessionStatus::Terminated) {
        return None;
    }
    let parent_end = parent_node.and_then(|p| p.end_ms);
    let end_ms = crate::rules::earliest(session.expires_at_ms, parent_end);
    let is_service = session.lifecycle == Some(Lifecycle::Service);
    let lease = session.lease.map(|l| LeaseState {
        // A local service gets one lease period from now to be re-attached.
        deadline_ms: if remote {
            l.deadline_ms
        } else {
            l.deadline_ms.max(now_ms.saturating_add(lease_ms))
        },
        generation: l.generation,
    });
    let node = Node {
        id: session.id.clone(),
        parent,
        children: Vec::new(),
        lifecycle: session.lifecycle,
        status: session.status,
        labels: session.labels.clone(),
        trace_id: session.trace_id,
        depth: session.depth,
        expires_at_ms: session.expires_at_ms,
        end_ms,
        leased: parent_node.is_some_and(|p| p.leased) || is_service,
        lease,
        authority: session.authority.clone(),
        created_at_ms: session.created_at_ms,
        ended_at_ms: None,
        application: Arc::from(session.application_id.as_str()),
        presents: Vec::new(),
        issued: Vec::new(),
        held: false,
        revoked_by: None,
        remote,
    };
    let suspended = node.status != SessionStatus::Active;
    let idx = tree.insert(node);
    if suspended {
        // Only active services sit in the lease heap.
        tree.leases.remove(idx);
    }
    Some(idx)
}

/// Inserts a stored edge if its issuer and receiver are here.
fn insert_edge(tree: &mut Tree, edge: &DurableEdge) -> bool {
    let (Some(issuer), Some(receiver)) = (tree.find(&edge.issuer), tree.find(&edge.receiver))
    else {
        return false;
    };
    let parent = edge.parent_edge.as_deref().and_then(|p| tree.edges.find(p));
    let e = tree.push_edge(Edge {
        id: edge.id.clone(),
        kind: edge.kind,
        issuer,
        parent,
        receiver,
        holders: Vec::new(),
        authority: edge.authority.clone(),
        stage: match edge.stage {
            DurableEdgeStage::Offered => Stage::Offered,
            DurableEdgeStage::Accepted => Stage::Accepted,
            DurableEdgeStage::Revoked => Stage::Revoked,
        },
        created_at_ms: edge.created_at_ms,
        accepted_at_ms: edge.accepted_at_ms,
        revoked_at_ms: edge.revoked_at_ms,
    });
    tree.node_mut(issuer).issued.push(e);
    true
}

/// Links the remote sessions waiting in `tree.unlinked_remote` whose
/// presented edges have all arrived, giving them back their authority;
/// the others wait on.
fn link_arrived(tree: &mut Tree) {
    let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut tree.unlinked_remote)
        .into_iter()
        .partition(|u| u.presents.iter().all(|id| tree.edges.find(id).is_some()));
    tree.unlinked_remote = waiting;
    for unlinked in ready {
        tree.node_mut(unlinked.node).authority = unlinked.authority;
        let node = vec![(unlinked.node, unlinked.presents)];
        link_presented(tree, node, &mut RestoreReport::default());
    }
}

/// Links each restored node to the edges it presents; a node holds an edge
/// directly when its parent does not present it too. A node presenting an
/// edge that is not here is reported as an orphan (and left with no
/// authority).
fn link_presented(tree: &mut Tree, nodes: Vec<(usize, Vec<String>)>, report: &mut RestoreReport) {
    for (idx, edge_ids) in nodes {
        let mut list = Vec::with_capacity(edge_ids.len());
        for id in &edge_ids {
            match tree.edges.find(id) {
                Some(e) => list.push(e),
                None => {
                    report.orphans.push(tree.node(idx).id.clone());
                    tree.node_mut(idx).authority = None;
                    list.clear();
                    break;
                }
            }
        }
        let parent_presents = tree
            .node(idx)
            .parent
            .map(|p| tree.node(p).presents.clone())
            .unwrap_or_default();
        for &e in &list {
            if !parent_presents.contains(&e) {
                tree.edges.get_mut(e).holders.push(idx);
            }
        }
        tree.node_mut(idx).presents = list;
    }
}
