//! Read models for an admin UI and audit: the whole graph, the edges, and
//! the chain of authority behind one session.

use crate::delegation::EdgeView;
use crate::edges::Edge;
use crate::error::AuthorityError;
use crate::grant::Scopes;
use crate::session::{SessionId, SessionStatus};
use crate::tree::{Health, Tree};
use crate::views::{ChainLink, SessionNode, Snapshot};

use super::delegation::no_edge;
use super::{Engine, not_found};

impl Engine {
    /// Every session (roots and terminated ones included) and every edge.
    ///
    /// Read-only: expiries and lapses that are due but not yet applied are
    /// shown as they will be (terminated, suspended) without applying them,
    /// so the sweeper still reports them for audit.
    pub fn snapshot(&self) -> Snapshot {
        let now = self.clock.now_ms();
        let tree = self.read();
        let sessions = (0..tree.nodes().len())
            .map(|idx| {
                let node = tree.node(idx);
                let ids = |edges: &[usize]| -> Vec<String> {
                    edges
                        .iter()
                        .map(|&e| tree.edges.get(e).id.clone())
                        .collect()
                };
                let mut view = tree.view(idx, &self.config);
                let due = match tree.health(idx, now) {
                    Health::Expired(_) => Some(SessionStatus::Terminated),
                    Health::Lapsed(_) => Some(SessionStatus::Suspended),
                    Health::Live | Health::Terminated | Health::Suspended => None,
                };
                if let Some(status) = due {
                    view.status = status;
                    if let Some(lease) = &mut view.lease {
                        lease.status = status;
                    }
                }
                SessionNode {
                    view,
                    children: node
                        .children
                        .iter()
                        .map(|&c| tree.node(c).id.clone())
                        .collect(),
                    presents: ids(&node.presents),
                    issued: ids(&node.issued),
                    held: node.held,
                    revoked_by: node.revoked_by.map(|e| tree.edges.get(e).id.clone()),
                }
            })
            .collect();
        let edges = tree
            .edges
            .iter()
            .map(|e| edge_view(&tree, e, now))
            .collect();
        Snapshot {
            taken_at_ms: now,
            sessions,
            edges,
        }
    }

    /// Every delegation edge (narrow grants and peer delegations, in any
    /// state), oldest first.
    pub fn edges(&self) -> Vec<EdgeView> {
        let now = self.clock.now_ms();
        let tree = self.read();
        tree.edges
            .iter()
            .map(|e| edge_view(&tree, e, now))
            .collect()
    }

    /// One delegation edge. Unknown => NotFound.
    pub fn edge(&self, edge_id: &str) -> Result<EdgeView, AuthorityError> {
        let now = self.clock.now_ms();
        let tree = self.read();
        let e = tree.edges.find(edge_id).ok_or_else(|| no_edge(edge_id))?;
        Ok(edge_view(&tree, tree.edges.get(e), now))
    }

    /// The chain of authority behind `id`, from the session up to the
    /// application root its authority comes from.
    ///
    /// The first link is the session with its primary edge (the one its
    /// envelope names) and its effective scopes. Each next link is the
    /// session that issued the previous link's edge, holding the edge that
    /// one was narrowed from, up to an issuer holding the application's own
    /// authority (no edge), and finally that application's root context
    /// (unless the issuer is the root). Across a cross-application
    /// delegation the links change subject. A session spawned with `grant
    /// none` is a chain of one link with no scope. Terminated sessions are
    /// described as they were. Unknown => NotFound.
    pub fn describe_authority(&self, id: &SessionId) -> Result<Vec<ChainLink>, AuthorityError> {
        let tree = self.read();
        let start = tree.find(id).ok_or_else(|| not_found(id))?;
        let node = tree.node(start);
        let mut links = vec![ChainLink {
            zone_id: self.config.zone_id.clone(),
            application_id: node.application.to_string(),
            session_id: node.id.clone(),
            delegation_id: node.authority.as_ref().and_then(|a| a.edge_id.clone()),
            parent_delegation_id: node
                .authority
                .as_ref()
                .and_then(|a| a.parent_edge_id.clone()),
            scopes: node
                .authority
                .as_ref()
                .map_or_else(|| Scopes::Only(Default::default()), |a| a.scopes.clone()),
            hop: node.authority.as_ref().map_or(0, |a| a.hop),
        }];
        if node.authority.is_none() {
            return Ok(links);
        }
        let mut at = start;
        let mut edge = node.presents.last().copied();
        while let Some(e) = edge {
            let issued = tree.edges.get(e);
            at = issued.issuer;
            edge = issued.parent;
            links.push(self.link(&tree, at, edge));
        }
        let root = root_of(&tree, at);
        if root != at {
            links.push(self.link(&tree, root, None));
        }
        Ok(links)
    }

    /// The root context of `id`'s tree (`id` itself for a root); the
    /// subject authority record a token names. Unknown => NotFound.
    pub fn root_context(&self, id: &SessionId) -> Result<SessionId, AuthorityError> {
        let tree = self.read();
        let idx = tree.find(id).ok_or_else(|| not_found(id))?;
        Ok(tree.node(root_of(&tree, idx)).id.clone())
    }

    /// A link for node `idx` holding edge `edge` (`None`: the application's
    /// own authority).
    fn link(&self, tree: &Tree, idx: usize, edge: Option<usize>) -> ChainLink {
        let node = tree.node(idx);
        let edge = edge.map(|e| &tree.edges.get(e).authority);
        ChainLink {
            zone_id: self.config.zone_id.clone(),
            application_id: node.application.to_string(),
            session_id: node.id.clone(),
            delegation_id: edge.and_then(|a| a.edge_id.clone()),
            parent_delegation_id: edge.and_then(|a| a.parent_edge_id.clone()),
            scopes: edge.map_or(Scopes::All, |a| a.scopes.clone()),
            hop: edge.map_or(0, |a| a.hop),
        }
    }
}

/// The root context of node `idx`'s tree.
fn root_of(tree: &Tree, mut idx: usize) -> usize {
    while let Some(parent) = tree.node(idx).parent {
        idx = parent;
    }
    idx
}

/// The read-only copy of `edge` at `now_ms`.
pub(super) fn edge_view(tree: &Tree, edge: &Edge, now_ms: u64) -> EdgeView {
    let issuer = tree.node(edge.issuer);
    let receiver = tree.node(edge.receiver);
    EdgeView {
        id: edge.id.clone(),
        kind: edge.kind,
        state: edge.state(now_ms),
        issuer: issuer.id.clone(),
        issuer_application: issuer.application.to_string(),
        parent_edge_id: edge.parent.map(|p| tree.edges.get(p).id.clone()),
        receiver: receiver.id.clone(),
        receiver_application: receiver.application.to_string(),
        holders: edge
            .holders
            .iter()
            .map(|&h| tree.node(h).id.clone())
            .collect(),
        authority: edge.authority.clone(),
        created_at_ms: edge.created_at_ms,
        accepted_at_ms: edge.accepted_at_ms,
        revoked_at_ms: edge.revoked_at_ms,
    }
}
